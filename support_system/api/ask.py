"""`/api/ask`: a question about an uploaded CSV or Excel file, answered by the data-question
service (a small program the model writes, run in the sandbox on the real file).

A question takes the model for seconds to a minute, so it counts like a generation: the
"generate" scope, the daily quota and one of the caller's generation slots, all checked
before the file is even stored. The upload lives in a private folder of the caller's in
the shared state folder and is removed once the question is answered; the answer
carries everything made from it (the value, the result table and a transformed file as
CSV text).

Where the question is answered follows `queue.backend`, as for generations:

- `thread`: in this request (as always), or — with `wait=false` — on a thread of this
  process, as a run whose Execution row the client polls;
- `celery`: always on a worker, as a run of the kind `api:ask` (exactly once, cancel and
  progress as for any run). The request waits for the row to be final and answers as if
  it had asked the service itself: the answer, or the same typed error; past
  `ANSWER_WAIT_SECONDS` it cancels the run and answers Timeout.

With `wait=false` the answer is 202 `{"execution_id": …}` at once, and the answer
appears as the `result` of `GET /api/executions/{id}` (the typed error's name in `error`,
its message in both languages in `result.error.message`).
"""

from __future__ import annotations

import asyncio
import shutil
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from support_system.api.deps import Generator, limits_of
from support_system.api.errors import InternalError, UploadTooLarge
from support_system.api.models import ExecutionAccepted, Text
from support_system.core.errors import InvalidUpload, Timeout
from support_system.core.languages import Language
from support_system.core.settings import get_settings
from support_system.queue import AskRequest, Runs
from support_system.queue.data_questions import (
    answer_result,
    new_upload_folder,
    relative_to_state,
    relayed_error,
)
from support_system.queue.errors import QuestionCancelled

if TYPE_CHECKING:
    from support_system.accounts.limits import GenerationSlot

router = APIRouter(prefix="/api/ask", tags=["data questions"])

MAX_UPLOAD_BYTES = 20 * 1024 * 1024  # as the workspace's uploads: more is never needed
FILE_TYPES = (".csv", ".xlsx", ".xls")
_CHUNK = 1024 * 1024
ANSWER_WAIT_SECONDS = 600.0
"""How long a waiting request waits for a queued answer: a question takes seconds to a
minute, more when it escalates to the stronger model or waits behind others' runs."""
_POLL_FIRST, _POLL_MAX = 0.1, 1.0  # seconds between looks at the run, growing


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
    routing: dict[str, Any] | None = Field(
        None,
        description="Which model was asked first and why: skill, model, decided_by "
        "(person, agent, skill, router, only, default), reason (one sentence in `lang`), "
        "alpha and the router's estimates.",
    )


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


@router.post(
    "",
    response_model=AnswerOut,
    responses={
        status.HTTP_202_ACCEPTED: {
            "model": ExecutionAccepted,
            "description": "With `wait=false`: the run's id; its answer becomes the result "
            "of `GET /api/executions/{id}`.",
        }
    },
)
async def ask(
    request: Request,
    caller: Generator,
    file: Annotated[UploadFile, File(description="A CSV or Excel file.")],
    question: Annotated[Text(1000, 1), Form()],
    lang: Annotated[Language | None, Form()] = None,
    model: Annotated[Text(100, 1) | None, Form()] = None,
    sheet: Annotated[Text(100, 1) | None, Form()] = None,
    wait: Annotated[
        bool,
        Form(description="false: answer 202 with the execution id at once, and poll it."),
    ] = True,
) -> AnswerOut | JSONResponse:
    """Answer a question about the file (waits for the answer: seconds to a minute).

    Async so that a request waiting for a worker holds no thread of the server's pool
    (every blocking step runs in that pool, briefly), however many wait at once."""
    settings = get_settings()
    language = lang or settings.language
    if wait and settings.queue.backend == "thread":
        return await run_in_threadpool(
            _ask_here, request, caller.user_id, file, question, language, sheet, model
        )
    runs: Runs = request.app.state.runs
    execution_id = await run_in_threadpool(
        _start, request, caller.user_id, file, question, language, sheet, model
    )
    if not wait:
        accepted = ExecutionAccepted(execution_id=execution_id, status="running")
        return JSONResponse(accepted.model_dump(), status_code=status.HTTP_202_ACCEPTED)
    request_id = str(getattr(request.state, "request_id", "-"))
    return await _answer_of(runs, execution_id, model or settings.analysis.models[0], request_id)


def _slot(request: Request, user_id: int, model: str | None) -> GenerationSlot:
    """The checks before anything is stored: the model exists, the quota, a free slot."""
    from support_system.ai.discovery import registry_with

    if model is not None:
        registry_with(model).get(model)  # UnknownModel (422); a model found on Ollama is fine
    limits = limits_of(request)
    limits.check_quota(user_id)
    return limits.start_generation(user_id)


def _ask_here(
    request: Request,
    user_id: int,
    file: UploadFile,
    question: str,
    lang: str,
    sheet: str | None,
    model: str | None,
) -> AnswerOut:
    """The service, in this request (the thread backend's waiting request)."""
    from support_system.analysis.service import ask as ask_data

    slot = _slot(request, user_id, model)
    folder = new_upload_folder(user_id)
    try:
        path = _store(file, folder)
        answer = ask_data([path], question, lang, sheet=sheet, model=model, user_id=user_id)
        return AnswerOut.model_validate(answer_result(answer))
    finally:
        slot.release()
        shutil.rmtree(folder, ignore_errors=True)


def _start(
    request: Request,
    user_id: int,
    file: UploadFile,
    question: str,
    lang: str,
    sheet: str | None,
    model: str | None,
) -> int:
    """Store the upload and hand the question to the configured backend; its run id.
    From here the run owns the upload folder (and removes it once it is final)."""
    slot = _slot(request, user_id, model)
    folder = new_upload_folder(user_id)
    try:
        path = _store(file, folder)
        return request.app.state.runs.start(
            AskRequest(
                question=question,
                lang=lang,
                owner_id=user_id,
                file=relative_to_state(path),
                sheet=sheet,
                model=model,
            ),
            slot,  # the backend gives it back: at once (queued) or when the run ends
        )
    except BaseException:
        slot.release()  # (a second release does nothing)
        shutil.rmtree(folder, ignore_errors=True)  # the run never got it
        raise


async def _answer_of(runs: Runs, execution_id: int, model: str, request_id: str) -> AnswerOut:
    """Wait for the run's row to be final, then its answer, or raise what it failed with:
    its typed error, QuestionCancelled, or (a crash) InternalError with `request_id`.

    Past `ANSWER_WAIT_SECONDS` the run is cancelled (nobody waits for it any more) and
    the client gets Timeout, in the same shape as a model's own time-out."""
    deadline = time.monotonic() + ANSWER_WAIT_SECONDS
    pause = _POLL_FIRST
    while await run_in_threadpool(runs.is_running, execution_id):  # False: the row is final
        if time.monotonic() >= deadline:
            await run_in_threadpool(runs.cancel, execution_id)
            raise Timeout(f"{ANSWER_WAIT_SECONDS:.0f} s", model=model)
        await asyncio.sleep(pause)
        pause = min(_POLL_MAX, pause * 1.5)
    final = await run_in_threadpool(_final, execution_id)
    if final is None:
        raise InternalError(f"execution {execution_id} is gone", request_id=request_id)
    done, result, error = final
    if done and result is not None:
        return AnswerOut.model_validate(result)
    relayed = relayed_error(result)
    if relayed is not None:
        raise relayed
    if error == "cancelled":
        raise QuestionCancelled(f"execution {execution_id} cancelled")
    raise InternalError(f"execution {execution_id}: {error}", request_id=request_id)


def _final(execution_id: int) -> tuple[bool, dict[str, Any] | None, str | None] | None:
    """The final row: (completed?, result, error); None if it was deleted meanwhile."""
    from support_system.data import repositories as repo
    from support_system.data.db import session_scope
    from support_system.data.schema import ExecutionStatus

    with session_scope() as session:
        execution = repo.get_execution(session, execution_id)
        if execution is None:
            return None
        done = execution.status == ExecutionStatus.COMPLETED
        return done, execution.result, execution.error
