"""The knowledge base over HTTP: list, upload, remove and search documents, per owner.

Documents live in scopes: "global" (the installation's shared documents: everyone reads
them, only admins change them) and "project:N" (one project's own: its owner's). So a
user sees the global documents and those of their own projects, and never another
person's; an admin sees and manages all. Uploads are copied into the state folder
(`uploads/kb/<user>/…`) before ingestion and the original name is kept only as metadata.
"""

from __future__ import annotations

import re
import uuid
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi import Path as PathParam
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from support_system.accounts.principal import Principal
from support_system.api.deps import Reader, Writer, owned
from support_system.api.errors import ERROR_RESPONSES, GlobalNeedsAdmin, UploadTooLarge
from support_system.api.models import MAX_ID
from support_system.core.errors import NotFound
from support_system.core.settings import get_settings
from support_system.data import repositories as repo
from support_system.data.db import session_scope
from support_system.rag import GLOBAL_SCOPE, project_scope
from support_system.rag.access import knowledge_scopes
from support_system.rag.context import shared_knowledge_base

router = APIRouter(prefix="/api/kb", tags=["knowledge base"], responses=ERROR_RESPONSES)

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
_UNSAFE = re.compile(r"[^\w.\-]+", re.UNICODE)


class DocumentOut(BaseModel):
    doc_id: str
    title: str
    scope: str
    file_type: str
    chunks: int
    added_at: str


class FileOut(BaseModel):
    name: str
    status: str
    doc_id: str | None
    chunks: int
    error: dict[str, str] | None


class HitOut(BaseModel):
    text: str
    score: float
    doc_id: str
    title: str
    file_name: str
    page: int | None
    label: dict[str, str]


def _check_project(principal: Principal, project_id: int) -> None:
    with session_scope() as session:
        project = repo.get_project(session, project_id)
    owned(principal, project.owner_id if project else None, "project")


def _document_out(info) -> DocumentOut:  # noqa: ANN001 - rag.DocumentInfo
    return DocumentOut(
        doc_id=info.doc_id,
        title=info.title,
        scope=info.scope,
        file_type=info.file_type,
        chunks=info.chunks,
        added_at=info.added_at,
    )


ProjectQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]


@router.get("/documents")
def list_documents(caller: Reader, project_id: ProjectQuery = None) -> list[DocumentOut]:
    """The documents the caller may read (one project's and the global ones, or all)."""
    if project_id is not None:
        _check_project(caller, project_id)
        scopes: list[str] | None = [GLOBAL_SCOPE, project_scope(project_id)]
    else:
        scopes = knowledge_scopes(caller)
    return [_document_out(d) for d in shared_knowledge_base().documents(scopes)]


@router.post("/documents", status_code=201)
async def upload_document(
    caller: Writer,
    file: Annotated[UploadFile, File()],
    project_id: Annotated[int | None, Form(ge=1, le=MAX_ID)] = None,
) -> FileOut:
    """Add a file (PDF, Word, text, Markdown, CSV…) to a project or, for admins, globally."""
    if project_id is None and not caller.is_admin:
        raise GlobalNeedsAdmin("global upload by a user")
    if project_id is not None:
        await run_in_threadpool(_check_project, caller, project_id)
    data = await file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadTooLarge(f"{len(data)} bytes", limit_mb=MAX_UPLOAD_BYTES // (1024 * 1024))
    name = _UNSAFE.sub("_", Path(file.filename or "upload.txt").name).strip("._") or "upload"
    folder = get_settings().state_dir / "uploads" / "kb" / str(caller.user_id) / uuid.uuid4().hex
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name[:120]
    path.write_bytes(data)
    scope = project_scope(project_id) if project_id is not None else GLOBAL_SCOPE
    report = await run_in_threadpool(shared_knowledge_base().add, [path], scope=scope)
    outcome = report.outcomes[0]
    error = outcome.error
    return FileOut(
        name=name,
        status=outcome.status,
        doc_id=outcome.doc_id,
        chunks=outcome.chunks,
        error={"ja": error.message("ja"), "en": error.message("en")} if error else None,
    )


def _owned_document(caller: Principal, doc_id: str):  # noqa: ANN202 - rag.DocumentInfo
    scopes = knowledge_scopes(caller)
    found = [d for d in shared_knowledge_base().documents(scopes) if d.doc_id == doc_id]
    if not found:
        raise NotFound("document")
    if found[0].scope == GLOBAL_SCOPE and not caller.is_admin:
        raise GlobalNeedsAdmin("global delete by a user")
    return found[0]


@router.delete("/documents/{doc_id}", status_code=204)
def remove_document(
    doc_id: Annotated[str, PathParam(min_length=1, max_length=200)], caller: Writer
) -> None:
    """Remove a document and its passages (your project's, or any for admins)."""
    _owned_document(caller, doc_id)
    shared_knowledge_base().remove(doc_id)


@router.get("/search")
def search(
    caller: Reader,
    q: Annotated[str, Query(min_length=1, max_length=1000)],
    project_id: ProjectQuery = None,
) -> list[HitOut]:
    """Passages for `q`, best first, from the global documents and one of your projects."""
    if project_id is not None:
        _check_project(caller, project_id)
    hits = shared_knowledge_base().search(q, project=project_id)
    return [
        HitOut(
            text=h.text,
            score=round(float(h.score), 4),
            doc_id=h.citation.doc_id,
            title=h.citation.title,
            file_name=h.citation.file_name,
            page=h.citation.page,
            label={"ja": h.citation.label("ja"), "en": h.citation.label("en")},
        )
        for h in hits
    ]
