"""The local site server over real HTTP: pages with security headers, every escape refused."""

from __future__ import annotations

import http.client
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from support_system.core.settings import PROJECT_ROOT
from support_system.publishing.errors import ServerError
from support_system.publishing.server import make_server, serve_in_background, server_url
from support_system.publishing.site import publish, site_url, sites_root


@pytest.fixture
def site(settings, tmp_path: Path) -> Iterator[tuple[str, int]]:
    """A published page and a running server: yields (host, port)."""
    artifact = tmp_path / "artifact"
    (artifact / "img").mkdir(parents=True)
    (artifact / "index.html").write_text(
        "<!DOCTYPE html><title>店</title><h1>パン屋</h1>", encoding="utf-8"
    )
    (artifact / "img" / "logo.svg").write_text(
        "<svg xmlns='http://www.w3.org/2000/svg'/>", encoding="utf-8"
    )
    (artifact / ".hidden").write_text("hidden", encoding="utf-8")
    publish(artifact, "shop", "top")
    publish(artifact, "shop", "top")  # leaves top.prev behind
    (tmp_path / "outside.txt").write_text("outside", encoding="utf-8")
    os.symlink(tmp_path / "outside.txt", sites_root() / "shop" / "top" / "escape.txt")
    server = serve_in_background(0)
    host, port = server.server_address[:2]
    yield host, port
    server.shutdown()
    server.server_close()


def get(
    address: tuple[str, int], path: str, method: str = "GET"
) -> tuple[int, dict[str, str], bytes]:
    """Send `path` exactly as written (http.client does not normalise "..")."""
    connection = http.client.HTTPConnection(*address, timeout=5)
    connection.request(method, path)
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, body


def test_serves_a_published_page_with_security_headers(site) -> None:
    status, headers, body = get(site, "/shop/top/")
    assert status == 200
    assert "パン屋".encode() in body
    assert headers["content-type"].startswith("text/html")
    csp = headers["content-security-policy"]
    assert "default-src 'self' data:" in csp and "script-src 'none'" in csp
    assert headers["x-content-type-options"] == "nosniff"
    status, headers, _ = get(site, "/shop/top/img/logo.svg")
    assert status == 200 and headers["content-type"] == "image/svg+xml"
    assert "script-src 'none'" in headers["content-security-policy"]


def test_folder_without_slash_redirects(site) -> None:
    status, headers, _ = get(site, "/shop/top")
    assert status == 301 and headers["location"] == "/shop/top/"


def test_index_lists_published_pages_only(site) -> None:
    status, headers, body = get(site, "/")
    assert status == 200 and b'href="/shop/top/"' in body
    assert b"prev" not in body
    assert "script-src 'none'" in headers["content-security-policy"]


@pytest.mark.parametrize(
    "path",
    [
        "/../../etc/passwd",
        "/shop/../../etc/passwd",
        "/shop/top/../../../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/shop/top/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "/shop/top/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
        "/%252e%252e/%252e%252e/etc/passwd",
        "/shop/top/..%5c..%5cetc%5cpasswd",
        "//etc/passwd",
        "/etc/passwd",
        "/shop/top/%00index.html",
        "/shop/top/%ff%fe",
        "/shop/.owner",
        "/shop/.lock",
        "/shop/top.prev/index.html",
        "/shop/top/.hidden",
        "/shop/top/escape.txt",
    ],
)
def test_escapes_and_hidden_files_are_refused(site, path: str) -> None:
    status, _, body = get(site, path)
    assert status in (400, 403, 404), (path, status)
    assert b"root:" not in body and b"outside" not in body and b"hidden" not in body


def test_folders_are_not_listed(site, settings) -> None:
    (sites_root() / "shop" / "top" / "img" / "index.html").unlink(missing_ok=True)
    status, _, body = get(site, "/shop/top/img/")
    assert status == 404 and b"logo.svg" not in body


def test_only_get_and_head(site) -> None:
    assert get(site, "/shop/top/", "POST")[0] == 405
    status, _, body = get(site, "/shop/top/", "HEAD")
    assert status == 200 and body == b""


def test_port_in_use_is_a_typed_error(settings) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ServerError) as caught:
            make_server(port)
    assert str(port) in caught.value.message("ja") and str(port) in caught.value.message("en")


def test_cli_serve_command(settings, tmp_path: Path) -> None:
    """`python -m support_system serve --port N` serves the site folder until stopped."""
    artifact = tmp_path / "a"
    artifact.mkdir()
    (artifact / "index.html").write_text("<h1>cli</h1>", encoding="utf-8")
    publish(artifact, "cli", "page")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [sys.executable, "-m", "support_system", "serve", "--port", str(port), "--lang", "en"],
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status, _, body = get(("127.0.0.1", port), "/cli/page/")
                break
            except OSError:
                assert process.poll() is None, process.stderr.read() if process.stderr else ""
                assert time.monotonic() < deadline
                time.sleep(0.2)
        assert status == 200 and b"<h1>cli</h1>" in body
    finally:
        process.terminate()
        out, _ = process.communicate(timeout=10)
    assert f"http://127.0.0.1:{port}/" in out


def test_site_url_on_the_servers_own_address_opens_the_published_page(site) -> None:
    server = serve_in_background(0)  # a second server on another free port, same sites
    try:
        base = server_url(server)
        assert base == f"http://127.0.0.1:{server.server_address[1]}"
        url = site_url("shop", "top", base + "/")
        assert url == f"{base}/shop/top/"
        with urllib.request.urlopen(url, timeout=5) as response:
            assert response.status == 200 and "パン屋".encode() in response.read()
    finally:
        server.shutdown()
        server.server_close()
