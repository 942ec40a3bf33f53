"""The first page a person sees does not load the heavy libraries.

LangChain, llama.cpp's bindings, LlamaIndex and pandas take seconds to import on a cold
server, numpy a fifth of one (`bench/ui_latency.py` measures the page); the home page
needs none of them to be drawn. They are loaded when the person first asks a model,
reads a table, searches the knowledge base or uses voice. This runs the home page in a
fresh interpreter, so what earlier tests imported cannot hide an import the page makes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from support_system.core.settings import PROJECT_ROOT

HEAVY = (
    "langchain_core",
    "langchain_community",
    "llama_cpp",
    "llama_index",
    "pandas",
    "faiss",
    "numpy",
)

SCRIPT = """
import json, sys
from streamlit.testing.v1 import AppTest
app = AppTest.from_file(sys.argv[1], default_timeout=60)
app.session_state["lang"] = "ja"
app.run()
print(json.dumps({
    "exception": [str(e.message) for e in app.exception],
    "loaded": sorted(name for name in sys.argv[2:] if name in sys.modules),
    "title": [str(t.value) for t in app.title],
}))
"""


def test_the_home_page_loads_no_model_table_or_search_library(db) -> None:
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(PROJECT_ROOT / "ui" / "app.py"), *HEAVY],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "SUPPORT_SYSTEM_SITES_PORT": "0"},
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    page = json.loads(result.stdout.strip().splitlines()[-1])
    assert page["exception"] == []
    assert page["title"]  # the page was drawn
    assert page["loaded"] == []
    # The app configured its logs once at start: JSON lines, in the state dir.
    assert (db.state_dir / "logs" / "app.log").is_file()
