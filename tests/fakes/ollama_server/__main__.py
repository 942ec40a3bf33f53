"""`python -m tests.fakes.ollama_server`: serve the fake on a port until interrupted."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from tests.fakes.ollama_server.server import DEFAULT_MODEL_NAME, DROP_MIDSTREAM, FakeOllama


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.fakes.ollama_server",
        description="Stand-in Ollama server (/api/chat, /api/embed, /api/tags, /api/show) "
        "backed by a real GGUF model.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=11434, help="0 picks a free port")
    parser.add_argument(
        "--model-name",
        action="append",
        dest="model_names",
        help=f"an Ollama model name to answer to (repeatable; default {DEFAULT_MODEL_NAME})",
    )
    parser.add_argument(
        "--gguf", type=Path, help="GGUF file (default: the registry's smollm2-135m)"
    )
    parser.add_argument(
        "--drop-after",
        type=int,
        default=3,
        help=f"chunks before the '{DROP_MIDSTREAM}' model drops the connection (-1 disables it)",
    )
    parser.add_argument("--n-ctx", type=int, default=2048)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args(argv)
    faults = {DROP_MIDSTREAM: args.drop_after} if args.drop_after >= 0 else {}
    server = FakeOllama(
        args.gguf,
        args.model_names or [DEFAULT_MODEL_NAME],
        faults=faults,
        host=args.host,
        port=args.port,
        n_ctx=args.n_ctx,
        n_threads=args.threads,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        print(f"fake ollama: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
