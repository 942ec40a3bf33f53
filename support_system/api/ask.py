"""`/api/ask`: a question about an uploaded CSV or Excel file, answered by the data-question
service (a small program the model writes, run in the sandbox on the real file).

A question takes the model for seconds to a minute, so it counts like a generation: the
"generate" scope, the daily quota and one of the caller's generation slots, all checked
before the file is even stored. The upload lives in a private folder of the caller's for
the length of the request and is removed afterwards; the answer carries everything made
from it (the value, the result table and a transformed file as CSV text).
"""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from pydantic import BaseModel, Field

from support_system.api.deps import Generator, limits_of
from support_system.api.errors import UploadTooLarge
from support_system.api.models import Text
from support_system.core.errors import InvalidUpload
from support_system.core.languages import Language
from support_system.core.settings import get_settings

router = APIRouter(prefix="/api/ask", tags=["data questions"])

MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # as the workspace's uploads: more is never needed
MAX_CSV_CHARS = 1_000_000  # result tables and files returned inline, beyond that cut
FILE_TYPES = (".csv", ".xlsx", ".xls")
_CHUNK = 1024 * 1024


class AnswerOut(BaseModel):
    question: str
    lang: str
    text: str = Field(description="The answer in words, in `lang`.")
    kind: str
    value: Any = Field(None, description="The computed value(s), as JSON.")
    shown_value: str
    table_csv: str | None = Field(None, description="The result table, CSV (cut at 1 MB).")
    output_csv: str | None = Field(None, description="A transformed file, CSV (cut at 1 MB).")
    has_chart: bool
    code: str = Field(description="The program that computed the value.")
    columns_used: list[str]
    rows_used: int | None
    model: str
    attempts: int
    seconds: float


def _json_value(value: Any) -> Any:
    """The value as plain JSON (numpy numbers, dates and the like become text or numbers)."""
    return json.loads(json.dumps(value, default=str, ensure_ascii=False))


def _csv_text(path: Path | None) -> str | None:
    if path is None or path.suffix.lower() != ".csv" or not path.is_file():
        return None
    return path.read_text(encoding="utf-8-sig", errors="replace")[:MAX_CSV_CHARS]


def _store(upload: UploadFile, folder: Path) -> Path:
    """Write the upload under a safe name, refusing wrong types and oversize files."""
    from support_system.jobs.workspace import safe_filename

    name = safe_filename(Path(upload.filename or "data.csv").name)
    if Path(name).suffix.lower() not in FILE_TYPES:
        suffix = Path(name).suffix or name
        raise InvalidUpload(
            f"{name}: not a table file",
            reason="errors.upload.unsupported",
            file=name,
            suffix=suffix,
        )
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    written = 0
    with path.open("wb") as out:
        while chunk := upload.file.read(_CHUNK):
            written += len(chunk)
            if written > MAX_UPLOAD_BYTES:
                raise UploadTooLarge(
                    f"{name}: over {MAX_UPLOAD_BYTES} bytes",
                    limit_mb=MAX_UPLOAD_BYTES // (1024 * 1024),
                )
            out.write(chunk)
    return path


@router.post("", response_model=AnswerOut)
def ask(
    request: Request,
    caller: Generator,
    file: Annotated[UploadFile, File(description="A CSV or Excel file.")],
    question: Annotated[Text(1000, 1), Form()],
    lang: Annotated[Language | None, Form()] = None,
    model: Annotated[Text(100, 1) | None, Form()] = None,
    sheet: Annotated[Text(100, 1) | None, Form()] = None,
) -> AnswerOut:
    """Answer a question about the file (waits for the answer: seconds to a minute)."""
    from support_system.ai.registry import get_registry
    from support_system.analysis.service import ask as ask_data

    settings = get_settings()
    if model is not None:
        get_registry().get(model)  # UnknownModel (422) before anything is stored
    limits = limits_of(request)
    limits.check_quota(caller.user_id)
    slot = limits.start_generation(caller.user_id)
    folder = settings.state_dir / "uploads" / "api" / str(caller.user_id) / uuid.uuid4().hex
    try:
        path = _store(file, folder)
        answer = ask_data(
            [path],
            question,
            lang or settings.language,
            sheet=sheet,
            model=model,
            user_id=caller.user_id,
        )
        return AnswerOut(
            question=answer.question,
            lang=answer.lang,
            text=answer.text,
            kind=answer.kind,
            value=_json_value(answer.value),
            shown_value=answer.shown_value,
            table_csv=_csv_text(answer.table_csv),
            output_csv=_csv_text(answer.output_file),
            has_chart=answer.chart_png is not None,
            code=answer.code,
            columns_used=answer.columns_used,
            rows_used=answer.rows_used,
            model=answer.model,
            attempts=answer.attempts,
            seconds=round(answer.seconds, 2),
        )
    finally:
        slot.release()
        shutil.rmtree(folder, ignore_errors=True)
