"""`kb …`: the knowledge base (add, search, list, remove documents)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from support_system.cli.common import Lang, reports_errors, resolve_language
from support_system.core.i18n import t

if TYPE_CHECKING:
    from support_system.rag import KnowledgeBase

app = typer.Typer(no_args_is_help=True, help="The knowledge base: add, search, list, remove.")
Project = Annotated[
    str | None, typer.Option("--project", help="Project id: documents of that project only.")
]


def _kb() -> KnowledgeBase:
    """The knowledge base (LlamaIndex and Chroma load only here, so `--help` stays fast)."""
    from support_system.rag import KnowledgeBase

    return KnowledgeBase()


@app.command("add")
@reports_errors
def kb_add(
    paths: Annotated[
        list[Path], typer.Argument(metavar="PATH…", help="Files or folders (searched recursively).")
    ],
    project: Project = None,
    lang: Lang = None,
) -> None:
    """Add or update files (txt, md, html, pdf, docx, csv); unchanged files are skipped.

    A file that cannot be read is reported and the others are still added; the exit
    code is then 1.
    """
    from support_system.rag import GLOBAL_SCOPE, Progress, project_scope

    language = resolve_language(lang)
    kb = _kb()

    def progress(event: Progress) -> None:
        info = {"index": event.index, "files": event.files, "file": event.file}
        if event.stage == "reading" and event.done == 0:
            sys.stderr.write(t("rag.cli.progress_reading", language, **info) + "\n")
        elif event.stage == "embedding" and event.total:
            line = t(
                "rag.cli.progress_embedding", language, done=event.done, total=event.total, **info
            )
            sys.stderr.write("\r" + line + ("\n" if event.done == event.total else ""))
        sys.stderr.flush()

    scope = project_scope(project) if project else GLOBAL_SCOPE
    report = kb.add(paths, scope=scope, on_progress=progress)
    for outcome in report.outcomes:
        status = t(
            f"rag.cli.status.{outcome.status}",
            language,
            chunks=outcome.chunks,
            original=outcome.duplicate_of or "",
        )
        mark = {"failed": "✗", "duplicate": "=", "unchanged": "="}.get(outcome.status, "✓")
        typer.echo(f"{mark} {outcome.path}: {status}")
        if outcome.error is not None:
            typer.secho(f"    {outcome.error.message(language)}", fg=typer.colors.RED, err=True)
    statuses = ("added", "updated", "unchanged", "duplicate", "failed")
    counts = {status: len(report.with_status(status)) for status in statuses}
    typer.echo(t("rag.cli.summary", language, chunks=report.chunks_added, **counts))
    if report.failed:
        raise typer.Exit(code=1)


@app.command("search")
@reports_errors
def kb_search(
    query: Annotated[str, typer.Argument(help="A question or keywords, in Japanese or English.")],
    top_k: Annotated[
        int | None, typer.Option("--top-k", "-k", help="How many passages (default: settings).")
    ] = None,
    project: Annotated[
        str | None, typer.Option("--project", help="Also search this project's documents.")
    ] = None,
    lang: Lang = None,
) -> None:
    """Show the passages that answer QUERY, each with its source and location."""
    language = resolve_language(lang)
    hits = _kb().search(query, k=top_k, project=project, all_scopes=project is None)
    if not hits:
        typer.echo(t("rag.not_found", language))
        return
    for number, hit in enumerate(hits, start=1):
        typer.echo(
            t(
                "rag.cli.hit",
                language,
                number=number,
                citation=hit.citation.label(language),
                score=f"{hit.score:.3f}",
            )
        )
        excerpt = " ".join(hit.text.split())
        typer.echo(f"   {excerpt[:300]}{'…' if len(excerpt) > 300 else ''}")


@app.command("list")
@reports_errors
def kb_list(project: Project = None, lang: Lang = None) -> None:
    """Show every document with its id, scope, chunk count, title and source."""
    from support_system.rag import project_scope

    language = resolve_language(lang)
    documents = _kb().documents([project_scope(project)] if project else None)
    if not documents:
        typer.echo(t("rag.cli.list_empty", language))
        return
    typer.echo(t("rag.cli.list_heading", language, count=len(documents)))
    for doc in documents:
        typer.echo(
            t(
                "rag.cli.list_line",
                language,
                doc_id=doc.doc_id,
                scope=doc.scope,
                chunks=doc.chunks,
                title=doc.title,
                source=doc.source,
            )
        )


@app.command("remove")
@reports_errors
def kb_remove(
    doc_id: Annotated[str, typer.Argument(metavar="ID", help="Document id from `kb list`.")],
    lang: Lang = None,
) -> None:
    """Delete a document and all its chunks from the knowledge base."""
    language = resolve_language(lang)
    removed = _kb().remove(doc_id)
    typer.echo(t("rag.cli.removed", language, title=removed.title, chunks=removed.chunks))
