"""What a preview shows: the artifact's main file and the checks it passed.

The UI never renders a generated page in the app's own origin (DESIGN.md §4, pitfall 1):
`data_url()` gives an opaque-origin `data:` URL for a sandboxed iframe, so the page's
content can be seen but cannot reach the app's DOM or cookies.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from support_system.generators.pipeline import RESULT_FILE


@dataclass
class Preview:
    root: Path
    job_id: str
    ok: bool
    main_file: Path | None
    checks: list[dict[str, Any]] = field(default_factory=list)
    run: dict[str, Any] | None = None
    outputs: list[Path] = field(default_factory=list)
    explanation: str | None = None
    sources: list[str] = field(default_factory=list)  # knowledge-base documents the model used
    routing: dict[str, Any] | None = None  # the model chosen and why (pipeline's `routing`)

    def data_url(self) -> str | None:
        """The main page as a `data:text/html;base64,…` URL (webpages only)."""
        if self.main_file is None or self.main_file.suffix != ".html":
            return None
        payload = base64.b64encode(self.main_file.read_bytes()).decode("ascii")
        return f"data:text/html;base64,{payload}"


def load_preview(artifact_dir: Path) -> Preview:
    """Read a generated folder back (its result.json), e.g. after a restart."""
    root = Path(artifact_dir).resolve()
    report = json.loads((root / RESULT_FILE).read_text(encoding="utf-8"))
    main = root / report["main_file"] if report.get("main_file") else None
    if main is not None and root not in main.resolve().parents:
        main = None  # a tampered result.json must not point outside the artifact
    return Preview(
        root=root,
        job_id=report["job"],
        ok=bool(report["ok"]),
        main_file=main,
        checks=report.get("checks", []),
        run=report.get("run"),
        outputs=[root / p for p in report.get("outputs", [])],
        explanation=report.get("explanation"),
        sources=[str(s) for s in report.get("sources") or []],
        routing=report.get("routing") if isinstance(report.get("routing"), dict) else None,
    )
