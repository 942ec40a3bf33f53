"""Secrets never reach the log file, whatever field or message carries them."""

from __future__ import annotations

import json
from pathlib import Path

from support_system.core.logging import MASK, configure_logging, get_logger, redact


def test_redact_masks_secret_keys_and_key_shaped_values() -> None:
    event = {
        "api_key": "abc",
        "note": "key is sk-ant-REALSECRET123456",
        "tokens_in": 12,
        "nested": {"Authorization": "Bearer xyzxyzxyzxyz", "list": ["sk-proj-1234567890abc"]},
    }
    clean = redact(event)
    assert clean["api_key"] == MASK
    assert "REALSECRET" not in clean["note"]
    assert clean["tokens_in"] == 12
    assert clean["nested"]["Authorization"] == MASK
    assert clean["nested"]["list"] == [MASK]


def test_log_file_never_contains_the_key(tmp_path: Path) -> None:
    secret = "sk-test-4f9a8b7c6d5e4f3a2b1c"
    configure_logging(tmp_path, "INFO")
    log = get_logger("test")
    log.info("saving key", api_key=secret, provider="openai")
    log.warning(f"request failed with header Bearer {secret}")
    content = (tmp_path / "app.log").read_text(encoding="utf-8")
    assert "saving key" in content and "openai" in content
    assert secret not in content


def test_without_stderr_only_the_file_gets_log_lines(tmp_path: Path, capsys) -> None:
    configure_logging(tmp_path, "INFO", to_stderr=False)
    get_logger("test").warning("model_attempt_failed", model="m", token="abcdef123456")
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    line = json.loads((tmp_path / "app.log").read_text(encoding="utf-8").splitlines()[-1])
    assert (line["event"], line["model"], line["token"], line["level"]) == (
        "model_attempt_failed",
        "m",
        MASK,
        "warning",
    )
