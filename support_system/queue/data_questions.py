"""The data-question run kind: a question about an uploaded table, answered by a run.

`/api/ask` stores the upload in the shared state folder (every app process and worker
sees the same one) and hands an `AskRequest` to the configured backend; the run calls
the data-question service on that file. The Execution row then holds everything a
client needs, because the process that answers is not the one that was asked:

- on success, `result` is the answer as `/api/ask` returns it (`answer_result`);
- on a typed failure, `error` is the error's class name and `result` holds its class
  and its message in every language (`failure_result`), so any app process can answer
  with the same error, status and code as if it had asked the service itself
  (`relayed_error`).

Nothing here imports the queue's other modules or the API: they import this.
"""

from __future__ import annotations

import importlib
import json
import shutil
import threading
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from support_system.core.errors import SupportSystemError
from support_system.core.languages import LANGUAGES, supported
from support_system.core.logging import get_logger
from support_system.queue.errors import QuestionCancelled

if TYPE_CHECKING:
    from support_system.analysis.answer import Answer

log = get_logger(__name__)

PAYLOAD_KIND = "ask"
"""The `kind` of an AskRequest's payload; a payload without one is a generation's."""
UPLOADS = Path("uploads") / "api"
"""Where uploads wait for their run, under the state folder (one folder per question)."""
MAX_CSV_CHARS = 1_000_000  # result tables and files returned inline, beyond that cut

Progress = Callable[[str, dict[str, Any]], None]


@dataclass(frozen=True)
class AskRequest:
    """A data question, checked by the API before it is accepted (plain JSON-safe data).

    `file` is relative to the state folder, so processes that mount the shared folder
    at different places still find it.
    """

    question: str
    lang: str
    owner_id: int
    file: str
    sheet: str | None = None
    model: str | None = None

    @property
    def label(self) -> str:
        """What the run metrics call this kind of run."""
        return PAYLOAD_KIND

    def to_payload(self) -> dict[str, Any]:
        return {"kind": PAYLOAD_KIND, **asdict(self)}

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> AskRequest:
        """Unknown keys are dropped, so a worker can read a newer app's payload."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in payload.items() if k in known})


def new_upload_folder(owner_id: int) -> Path:
    """A fresh private folder for one question's upload, in the shared state folder."""
    import uuid

    from support_system.core.settings import get_settings

    return get_settings().state_dir / UPLOADS / str(owner_id) / uuid.uuid4().hex


def relative_to_state(path: Path) -> str:
    """`path` as an AskRequest names it (relative to the state folder)."""
    from support_system.core.settings import get_settings

    return path.relative_to(get_settings().state_dir).as_posix()


def _upload(request: AskRequest) -> Path:
    """The request's file, refusing one outside the uploads folder: a payload comes
    through Redis, and its folder is deleted afterwards."""
    from support_system.core.settings import get_settings

    root = (get_settings().state_dir / UPLOADS).resolve()
    path = (root.parent.parent / request.file).resolve()
    parts = path.relative_to(root).parts if path.is_relative_to(root) else ()
    if len(parts) != 3 or parts[0] != str(request.owner_id):
        raise ValueError(f"not an API upload of user {request.owner_id}: {request.file}")
    return path


def remove_upload(request: AskRequest) -> None:
    """Delete the question's upload folder (once its run is final: a run started again
    after its worker died still needs the file)."""
    try:
        shutil.rmtree(_upload(request).parent, ignore_errors=True)
    except ValueError:
        log.warning("ask_upload_not_removed", file=request.file)


def answer(
    request: AskRequest, *, on_progress: Progress, cancel: threading.Event | None = None
) -> dict[str, Any]:
    """Ask the data-question service; returns the result to store in the row.

    The service has no cancel of its own, so a cancel takes effect at its next progress
    line (between model calls, never inside one), by raising QuestionCancelled there.
    Typed failures propagate as the service raised them.
    """
    from support_system.analysis.service import ask

    def say(line: str) -> None:
        if cancel is not None and cancel.is_set():
            raise QuestionCancelled("cancelled at a step")
        on_progress("step", {"text": line})

    if cancel is not None and cancel.is_set():  # cancelled while it waited in the queue
        raise QuestionCancelled("cancelled in the queue")
    found = ask(
        [_upload(request)],
        request.question,
        request.lang,
        sheet=request.sheet,
        model=request.model,
        progress=say,
        user_id=request.owner_id,
    )
    return answer_result(found)


def _json_value(value: Any) -> Any:
    """The value as plain JSON (numpy numbers, dates and the like become text or numbers)."""
    return json.loads(json.dumps(value, default=str, ensure_ascii=False))


def _csv_text(path: Path | None) -> str | None:
    if path is None or path.suffix.lower() != ".csv" or not path.is_file():
        return None
    return path.read_text(encoding="utf-8-sig", errors="replace")[:MAX_CSV_CHARS]


def answer_result(found: Answer) -> dict[str, Any]:
    """The answer as `/api/ask` returns it (its `AnswerOut`): plain JSON, with the result
    table and a transformed file inlined as CSV text, since the client never sees the
    answering process's files."""
    return {
        "question": found.question,
        "lang": found.lang,
        "text": found.text,
        "kind": found.kind,
        "value": _json_value(found.value),
        "shown_value": found.shown_value,
        "table_csv": _csv_text(found.table_csv),
        "output_csv": _csv_text(found.output_file),
        "has_chart": found.chart_png is not None,
        "code": found.code,
        "columns_used": list(found.columns_used),
        "rows_used": found.rows_used,
        "model": found.model,
        "attempts": found.attempts,
        "seconds": round(found.seconds, 2),
        "routing": found.routing,
    }


def failure_result(error: SupportSystemError) -> dict[str, Any]:
    """What the row keeps of a typed failure: the class (so the API can give the same
    status and code) and the message in every language (its parameters may not survive
    a trip through JSON, the words do)."""
    cls = type(error)
    stored: dict[str, Any] = {
        "type": f"{cls.__module__}:{cls.__qualname__}",
        "message": {lang: error.message(lang) for lang in LANGUAGES},
    }
    retry_after = getattr(error, "retry_after", None)
    if isinstance(retry_after, int):
        stored["retry_after"] = retry_after
    return {"error": stored}


def relayed_error(result: Mapping[str, Any] | None) -> SupportSystemError | None:
    """The typed error a failed run stored (`failure_result`), rebuilt to be raised in
    the app process; None when the row holds none (a crash, a cancel)."""
    stored = (result or {}).get("error")
    if not isinstance(stored, Mapping) or not isinstance(stored.get("message"), Mapping):
        return None
    cls = _relay_class(_error_class(str(stored.get("type", ""))))
    messages = {str(k): str(v) for k, v in stored["message"].items()}
    error = cls("relayed from the run's Execution row", messages=messages)
    if isinstance(stored.get("retry_after"), int):
        setattr(error, "retry_after", stored["retry_after"])  # noqa: B010 - not all have it
    return error


def _error_class(name: str) -> type[SupportSystemError]:
    """The app's error class called `name` ("module:qualname"); the base class for any
    other name (the row is data: it never chooses code to import outside the package)."""
    module, _, qualname = name.partition(":")
    if module.split(".")[0] != "support_system" or not qualname:
        return SupportSystemError
    try:
        found: Any = importlib.import_module(module)
        for part in qualname.split("."):
            found = getattr(found, part)
    except (ImportError, AttributeError):
        return SupportSystemError
    if isinstance(found, type) and issubclass(found, SupportSystemError):
        return found
    return SupportSystemError


_RELAY_CLASSES: dict[type[SupportSystemError], type[SupportSystemError]] = {}


def _relay_class(cls: type[SupportSystemError]) -> type[SupportSystemError]:
    """A subclass of `cls` under the same name whose message is the stored one: the API
    derives an error's status from its class and its code from its name, and must not
    call `cls.__init__`, whose parameters differ from class to class. Made once a class."""
    if cls in _RELAY_CLASSES:
        return _RELAY_CLASSES[cls]

    def __init__(self: SupportSystemError, detail: str = "", **params: Any) -> None:
        SupportSystemError.__init__(self, detail, **params)

    def message(self: SupportSystemError, lang: str | None = None) -> str:
        from support_system.core.i18n import default_language

        messages: dict[str, str] = self.params.get("messages", {})
        return messages.get(supported(lang or default_language()), "") or next(
            iter(messages.values()), ""
        )

    namespace = {
        "__init__": __init__,
        "message": message,
        "__module__": cls.__module__,
        "__qualname__": cls.__qualname__,
        "__doc__": cls.__doc__,
    }
    return _RELAY_CLASSES.setdefault(cls, type(cls.__name__, (cls,), namespace))
