"""The embedded model's own process: one GGUF file, answers streamed over a socket.

Why a separate process: llama.cpp is native code. An instruction the CPU reports but
cannot run (SIGILL, seen with AMX kernels in a VM), a segfault, an out-of-memory kill or
a hang would otherwise end the whole Streamlit server, the CLI or a running auto-mode
graph, and every person connected to it would lose their page. Here only this process
dies; `model_process.py` in the app notices, raises a typed error and starts a new one
on the next request.

Run by `model_process.py` only, as
`python -m support_system.ai.model_worker --fd N --model-path P --n-ctx C --n-threads T`
where N is the child end of a socketpair. Messages are pickled tuples
(multiprocessing.connection framing):

    app → worker: ("chat", {"messages", "max_tokens", "temperature", "kwargs"})
                  ("cancel",)   between two tokens of a running chat
                  ("reset",)    forget the KV cache (benchmarks compare cold prompts)
    worker → app: ("ready", {"pid", "load_seconds"}) once the model is loaded
                  ("chunk", text, finish_reason) for every streamed piece
                  ("done", {"tokens_in", "tokens_out", "cancelled"})
                  ("error", exception class name, detail)
                  ("ok",) after a reset

The worker exits when the app closes its end of the socket or when the app process
is gone (it is re-parented), so no model is left holding memory behind a dead app.
"""

from __future__ import annotations

import argparse
import functools
import os
import resource
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any


def load_llama(path: Path, n_ctx: int, n_threads: int) -> Any:
    """A llama.cpp instance with the fast grammar sampler (same output, faster JSON)."""
    from support_system.ai.fast_grammar import FastGrammarLlama

    return FastGrammarLlama(model_path=str(path), n_ctx=n_ctx, n_threads=n_threads, verbose=False)


_loaded: dict[str, Any] = {}  # model path -> the llama.cpp instance this worker serves


@functools.cache
def _chat_class() -> type:
    """ChatLlamaCpp that borrows the loaded instance (its own validator would load another)."""
    from langchain_community.chat_models import ChatLlamaCpp
    from pydantic import model_validator

    class LoadedChatLlamaCpp(ChatLlamaCpp):
        @model_validator(mode="after")
        def validate_environment(self) -> LoadedChatLlamaCpp:
            self.client = _loaded[self.model_path]
            return self

    return LoadedChatLlamaCpp


def _chat_model(path: Path, n_ctx: int, n_threads: int, request: dict[str, Any]) -> Any:
    """A ChatLlamaCpp for one request: its sampling defaults and message handling apply."""
    return _chat_class()(
        model_path=str(path),
        n_ctx=n_ctx,
        n_threads=n_threads,
        verbose=False,
        max_tokens=request["max_tokens"],
        temperature=request["temperature"],
    )


def _count(llama: Any, text: str) -> int:
    return len(llama.tokenize(text.encode("utf-8"), add_bos=False, special=True)) if text else 0


def _cancel_requested(conn: Connection) -> bool:
    """True if the app asked to stop (or went away) while a reply was being decoded."""
    if not conn.poll():
        return False
    try:
        message = conn.recv()
    except EOFError:
        os._exit(0)  # the app is gone: nobody reads the rest
    return message[0] == "cancel"


def _chat(conn: Connection, chat: Any, llama: Any, request: dict[str, Any]) -> None:
    parts: list[str] = []
    cancelled = False
    stream = chat.stream(request["messages"], **request["kwargs"])
    try:
        for chunk in stream:
            text = chunk.content if isinstance(chunk.content, str) else ""
            finish = (chunk.response_metadata or {}).get("finish_reason")
            if text or finish:
                conn.send(("chunk", text, finish))
                parts.append(text)
            if _cancel_requested(conn):
                cancelled = True
                break
    finally:
        stream.close()
    prompt = "\n".join(m["content"] for m in request["messages"])
    conn.send(
        (
            "done",
            {
                "tokens_in": _count(llama, prompt),
                "tokens_out": _count(llama, "".join(parts)),
                "cancelled": cancelled,
            },
        )
    )


def _watch_parent(parent: int) -> None:
    """Exit when re-parented: the app died without closing the socket (SIGKILL, OOM)."""
    while True:
        time.sleep(1.0)
        if os.getppid() != parent:
            os._exit(0)


def serve(conn: Connection, path: Path, n_ctx: int, n_threads: int) -> None:
    """Load the model, say ready, then answer requests until the app hangs up."""
    started = time.monotonic()
    try:
        llama = _loaded[str(path)] = load_llama(path, n_ctx, n_threads)
    except Exception as exc:  # a bad file: reported, then this worker ends
        conn.send(("error", type(exc).__name__, str(exc)))
        return
    conn.send(("ready", {"pid": os.getpid(), "load_seconds": round(time.monotonic() - started, 3)}))
    while True:
        try:
            kind, *args = conn.recv()
        except EOFError:
            return
        if kind == "chat":
            request = args[0]
            try:
                _chat(conn, _chat_model(path, n_ctx, n_threads, request), llama, request)
            except Exception as exc:  # noqa: BLE001 - every Python error goes back typed
                conn.send(("error", type(exc).__name__, str(exc)))
        elif kind == "reset":
            llama.reset()
            conn.send(("ok",))
        # A "cancel" that arrives after its reply finished has nothing left to stop.


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="support_system embedded model worker")
    parser.add_argument("--fd", type=int, required=True)
    parser.add_argument("--model-path", type=Path, required=True)
    parser.add_argument("--n-ctx", type=int, required=True)
    parser.add_argument("--n-threads", type=int, required=True)
    args = parser.parse_args(argv)
    # A crash must not leave a core file the size of the model in the person's folder.
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True).start()
    conn = Connection(args.fd)
    try:
        serve(conn, args.model_path, args.n_ctx, args.n_threads)
    finally:
        conn.close()
    # Skip interpreter teardown: llama.cpp's destructors are slow and noisy at exit.
    os._exit(0)


if __name__ == "__main__":
    main()
