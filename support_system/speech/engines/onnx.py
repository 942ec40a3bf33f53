"""The ONNX Runtime session both neural voices (piper, Kokoro) run in."""

from __future__ import annotations

from typing import Any


def cpu_session(model: bytes | str, threads: int) -> Any:
    """A CPU inference session for `model` (a file path or the model's bytes).

    Idle worker threads sleep instead of spinning: the app shares 2 cores with Streamlit
    and the LLM, and spinning made synthesis ~25 % slower under load.
    """
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return onnxruntime.InferenceSession(
        model, sess_options=options, providers=["CPUExecutionProvider"]
    )
