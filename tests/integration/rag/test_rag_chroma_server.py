"""Chroma client/server mode (`rag.chroma_url`) against a real `chroma run` on 127.0.0.1."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from support_system.rag.errors import StoreUnavailable

CHROMA = Path(sys.executable).with_name("chroma")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[str]:
    """A real Chroma server (the `chroma` CLI from the chromadb wheel) on a free port."""
    executable = str(CHROMA) if CHROMA.exists() else shutil.which("chroma")
    if executable is None:
        pytest.skip("the chroma CLI is not installed")
    port = _free_port()
    log = (tmp_path / "chroma.log").open("w")
    server = subprocess.Popen(
        [
            executable,
            "run",
            "--path",
            str(tmp_path / "chroma-data"),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=1).close()
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(
                        f"chroma run did not start: {(tmp_path / 'chroma.log').read_text()[-2000:]}"
                    )
                time.sleep(0.2)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


def test_documents_added_through_the_server_are_searchable_from_another_client(
    kb_factory, chroma_server: str, tmp_path: Path
) -> None:
    guide = tmp_path / "delivery.md"
    guide.write_text(
        "# 配達\n\n## 配達料\n3000円以上のご注文は配達料が無料です。それ未満は300円です。\n",
        encoding="utf-8",
    )
    writer = kb_factory(chroma_url=chroma_server)
    assert writer.add([guide]).outcomes[0].status == "added"
    # nothing is stored locally: the server holds the vectors
    assert not (Path(writer.settings.state_dir) / "rag" / "chroma").exists()

    reader = kb_factory(chroma_url=chroma_server)  # a second app replica, same server
    hits = reader.search("配達料はいくらですか？", all_scopes=True)
    assert hits and hits[0].citation.file_name == "delivery.md" and "300円" in hits[0].text
    assert hits[0].citation.label("ja") == "delivery.mdの配達 › 配達料"

    # what makes de-duplication work (content hashes in chunk metadata) lives on the server
    assert reader.add([guide]).outcomes[0].status == "unchanged"
    reader.remove(hits[0].citation.doc_id)
    assert writer.documents() == []
    assert writer.search("配達料はいくらですか？", all_scopes=True) == []


def test_an_unreachable_server_is_a_clear_translated_error(kb_factory) -> None:
    url = f"http://127.0.0.1:{_free_port()}"  # nothing listens there
    with pytest.raises(StoreUnavailable) as caught:
        kb_factory(chroma_url=url)
    assert url in caught.value.message("en") and "Chroma" in caught.value.message("en")
    assert url in caught.value.message("ja") and "開けませんでした" in caught.value.message("ja")
