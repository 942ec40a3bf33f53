"""`kb add / search / list / remove`, run as a user would: real subprocesses, real e5 and Chroma."""

from __future__ import annotations

import re
from pathlib import Path

from tests.helpers.cli import run_cli
from tests.helpers.rag_files import write_pdf


def test_kb_add_search_list_remove_round_trip(settings, tmp_path: Path) -> None:
    guide = tmp_path / "oven.md"
    guide.write_text(
        "# オーブンの手入れ\n\n## 掃除\nオーブンは毎週金曜日の閉店後に掃除します。\n",
        encoding="utf-8",
    )
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(write_pdf(tmp_path / "whole.pdf", ["x"]).read_bytes()[:150])
    (tmp_path / "whole.pdf").unlink()

    added = run_cli("kb", "add", str(tmp_path), "--lang", "en", timeout=120)
    assert added.returncode == 1  # one file failed, the other was still added
    assert re.search(r"✓ .*oven\.md: added \(\d+ chunks\)", added.stdout)
    assert re.search(r"✗ .*broken\.pdf: failed", added.stdout)
    assert '"broken.pdf" seems to be damaged' in added.stderr
    assert "1 added, 0 updated, 0 unchanged, 0 duplicates, 1 failed" in added.stdout

    listed = run_cli("kb", "list", "--lang", "en", timeout=120)
    assert "1 documents in the knowledge base:" in listed.stdout
    doc_id = re.search(
        r"^([0-9a-f]{12})\s+global\s+\d+ chunks\s+オーブンの手入れ — ", listed.stdout, re.M
    )
    assert doc_id, listed.stdout

    found = run_cli("kb", "search", "オーブンはいつ掃除しますか？", "--lang", "ja", timeout=120)
    assert found.returncode == 0
    assert "1. oven.mdのオーブンの手入れ › 掃除（類似度 0." in found.stdout
    assert "毎週金曜日" in found.stdout

    nothing = run_cli(
        "kb", "search", "Who won the football match yesterday?", "--lang", "en", timeout=120
    )
    assert (
        nothing.stdout.strip() == "This is not in the knowledge base. "
        "Add a document that covers it, or ask in other words."
    )

    removed = run_cli("kb", "remove", doc_id.group(1), "--lang", "en", timeout=120)
    assert removed.returncode == 0 and 'Removed "オーブンの手入れ"' in removed.stdout

    unknown = run_cli("kb", "remove", doc_id.group(1), "--lang", "ja", timeout=120)
    assert (
        unknown.returncode == 2
        and doc_id.group(1) in unknown.stderr
        and "ありません" in unknown.stderr
    )
