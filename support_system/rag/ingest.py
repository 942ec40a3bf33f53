"""Add files to the knowledge base: read, chunk, embed, store — one file at a time.

Each file becomes one document whose id is derived from its path and scope, so adding
the same path again is an update, not a copy:

* same path, same content (sha256)      → "unchanged", nothing is re-embedded;
* same path, changed content            → old chunks removed, new ones added ("updated");
* another path with identical content   → "duplicate", skipped (names the original);
* unreadable file (corrupt, encrypted)  → "failed" with a translated message; the
  batch carries on with the next file.

Everything a citation needs (source, page, heading, CSV rows) is stored in each
chunk's metadata, so the vector store is the single source of truth: listing
documents reads it back, and there is no second catalogue to fall out of step.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from llama_index.core.base.embeddings.base import BaseEmbedding
from llama_index.core.node_parser import TextSplitter
from llama_index.core.schema import Document, MetadataMode, TextNode

from support_system.rag.errors import DocumentError, FileNotFound, RAGError
from support_system.rag.loaders import Section, load, supported
from support_system.rag.store import VectorStore

GLOBAL_SCOPE = "global"
EMBED_BATCH = 32
# Only these metadata keys are embedded with the text (they carry meaning); the rest
# (ids, hashes, dates) would only add noise to the vectors.
_EMBEDDED_KEYS = ("title", "heading")

Status = Literal["added", "updated", "unchanged", "duplicate", "failed"]
Stage = Literal["reading", "embedding", "done"]


def project_scope(project_id: int | str) -> str:
    """The scope name for one project's own documents (searched together with global)."""
    return f"project:{project_id}"


@dataclass(frozen=True)
class Progress:
    """One step of ingestion, for a progress bar.

    stage "reading": `done` pages/sections read so far (a large PDF reports each page);
    stage "embedding": `done` of `total` chunks embedded and stored; "done": file finished.
    """

    file: str
    stage: Stage
    done: int = 0
    total: int = 0
    index: int = 0  # which file of the batch (1-based)
    files: int = 0  # how many files in the batch


ProgressCallback = Callable[[Progress], None]


@dataclass
class FileOutcome:
    """What happened to one file."""

    path: Path
    status: Status
    doc_id: str | None = None
    chunks: int = 0
    error: RAGError | None = None
    duplicate_of: str | None = None


@dataclass
class IngestReport:
    """The outcome of every file in one `add` call, in order."""

    outcomes: list[FileOutcome] = field(default_factory=list)

    def with_status(self, *statuses: Status) -> list[FileOutcome]:
        return [o for o in self.outcomes if o.status in statuses]

    @property
    def failed(self) -> list[FileOutcome]:
        return self.with_status("failed")

    @property
    def chunks_added(self) -> int:
        return sum(o.chunks for o in self.with_status("added", "updated"))


@dataclass(frozen=True)
class DocumentInfo:
    """One document in the knowledge base, as listed by `kb list`."""

    doc_id: str
    source: str
    title: str
    scope: str
    file_type: str
    content_hash: str
    chunks: int
    added_at: str


def document_id(path: Path, scope: str) -> str:
    """Stable id from scope and absolute path: re-adding a path updates its document."""
    key = f"{scope}\n{path.resolve()}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()[:12]


def content_hash(path: Path) -> str:
    """sha256 of the file's bytes, read in blocks so large files never load whole."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def list_documents(store: VectorStore, scopes: list[str] | None = None) -> list[DocumentInfo]:
    """Documents reconstructed from chunk metadata, sorted by source."""
    grouped: dict[str, list[TextNode]] = {}
    for node in store.nodes(scopes):
        grouped.setdefault(str(node.metadata.get("doc_id")), []).append(node)
    infos = []
    for doc_id, chunks in grouped.items():
        meta = chunks[0].metadata
        infos.append(
            DocumentInfo(
                doc_id=doc_id,
                source=str(meta.get("source", "")),
                title=str(meta.get("title", "")),
                scope=str(meta.get("scope", GLOBAL_SCOPE)),
                file_type=str(meta.get("file_type", "")),
                content_hash=str(meta.get("content_hash", "")),
                chunks=len(chunks),
                added_at=str(meta.get("added_at", "")),
            )
        )
    return sorted(infos, key=lambda d: (d.scope, d.source))


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files named directly, plus the supported files inside named folders (recursively)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and supported(p)))
        else:
            files.append(path)
    return files


def ingest(
    paths: Sequence[Path],
    *,
    store: VectorStore,
    embedding: BaseEmbedding,
    splitter: TextSplitter,
    scope: str = GLOBAL_SCOPE,
    on_progress: ProgressCallback | None = None,
) -> IngestReport:
    """Add or update every file in `paths` (folders are searched); never stops on a bad file."""
    files = expand_paths(paths)
    known = {d.doc_id: d for d in list_documents(store, [scope])}
    by_hash = {d.content_hash: d for d in known.values()}
    report = IngestReport()
    for index, path in enumerate(files, start=1):

        def progress(
            stage: Stage, done: int = 0, total: int = 0, _i: int = index, _p: Path = path
        ) -> None:
            if on_progress:
                on_progress(Progress(_p.name, stage, done, total, _i, len(files)))

        try:
            outcome = _ingest_file(
                path, scope, store, embedding, splitter, known, by_hash, progress
            )
        except DocumentError as error:
            outcome = FileOutcome(path, "failed", error=error)
        progress("done")
        report.outcomes.append(outcome)
    return report


def _ingest_file(
    path: Path,
    scope: str,
    store: VectorStore,
    embedding: BaseEmbedding,
    splitter: TextSplitter,
    known: dict[str, DocumentInfo],
    by_hash: dict[str, DocumentInfo],
    progress: Callable[..., None],
) -> FileOutcome:
    if not path.is_file():
        raise FileNotFound(str(path), file=str(path))
    doc_id = document_id(path, scope)
    digest = content_hash(path)
    previous = known.get(doc_id)
    if previous and previous.content_hash == digest:
        return FileOutcome(path, "unchanged", doc_id, previous.chunks)
    twin = by_hash.get(digest)
    if twin and twin.doc_id != doc_id:
        return FileOutcome(path, "duplicate", twin.doc_id, duplicate_of=twin.source)

    progress("reading")
    sections: list[Section] = []
    for section in load(path):  # raises DocumentError before the store is touched
        sections.append(section)
        progress("reading", len(sections))  # pages/sections read so far (total unknown)
    nodes = _chunk(path, doc_id, scope, digest, sections, splitter)
    if previous:
        store.delete(doc_id)
    try:
        _embed_and_store(nodes, store, embedding, progress)
    except Exception:
        store.delete(doc_id)  # never leave half a document behind
        raise
    info = DocumentInfo(
        doc_id,
        str(path.resolve()),
        str(nodes[0].metadata["title"]),
        scope,
        path.suffix.lower().lstrip("."),
        digest,
        len(nodes),
        str(nodes[0].metadata["added_at"]),
    )
    known[doc_id] = by_hash[digest] = info
    return FileOutcome(path, "updated" if previous else "added", doc_id, len(nodes))


def _chunk(
    path: Path,
    doc_id: str,
    scope: str,
    digest: str,
    sections: list[Section],
    splitter: TextSplitter,
) -> list[TextNode]:
    """Chunks of every section, each tagged with its location; ids are `<doc_id>-<n>`."""
    title = next((s.heading.split(" › ")[0] for s in sections if s.heading), path.stem)
    base = {
        "doc_id": doc_id,
        "scope": scope,
        "source": str(path.resolve()),
        "file_name": path.name,
        "file_type": path.suffix.lower().lstrip("."),
        "title": title,
        "content_hash": digest,
        "added_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    nodes: list[TextNode] = []
    for section in sections:
        location = {
            k: v
            for k, v in (
                ("page", section.page),
                ("heading", section.heading),
                ("rows", section.rows),
            )
            if v is not None
        }
        metadata = {**base, **location}
        document = Document(
            text=section.text,
            id_=doc_id,
            metadata=metadata,
            excluded_embed_metadata_keys=[k for k in metadata if k not in _EMBEDDED_KEYS],
            excluded_llm_metadata_keys=[k for k in metadata if k not in _EMBEDDED_KEYS],
        )
        for node in splitter.get_nodes_from_documents([document]):
            if isinstance(node, TextNode) and node.text.strip():
                node.id_ = f"{doc_id}-{len(nodes)}"
                node.metadata["chunk"] = len(nodes)
                nodes.append(node)
    if not nodes:
        from support_system.rag.errors import EmptyDocument

        raise EmptyDocument("no text after chunking", file=path.name)
    return nodes


def _embed_and_store(
    nodes: list[TextNode],
    store: VectorStore,
    embedding: BaseEmbedding,
    progress: Callable[..., None],
) -> None:
    """Embed in batches and store each batch at once, reporting chunks done of total."""
    total = len(nodes)
    progress("embedding", 0, total)
    for start in range(0, total, EMBED_BATCH):
        batch = nodes[start : start + EMBED_BATCH]
        texts = [n.get_content(metadata_mode=MetadataMode.EMBED) for n in batch]
        for node, vector in zip(batch, embedding.get_text_embedding_batch(texts), strict=True):
            node.embedding = vector
        store.add(batch)
        progress("embedding", start + len(batch), total)
