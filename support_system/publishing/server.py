"""A local static host for the site folder (`<state_dir>/sites`) — stdlib only.

Why not `python -m http.server`: it lists folders, serves dot-files and sends no
security headers. Published pages were partly written by a model, so this handler:

* serves only files inside the sites folder: ".." and dot-segments (also when
  percent-encoded), backslashes, NUL bytes and symlinks that lead outside are refused;
  the first two segments must be valid slugs (so `.tmp-…`, `.owner` and `<page>.prev`
  are never served);
* never lists a folder (a folder without index.html is 404), except a small index of
  the published pages at "/";
* sends `Content-Security-Policy` without scripts (`script-src 'none'`), `nosniff`,
  `no-referrer` on every response;
* listens on 127.0.0.1 by default: the pages are for this computer.
"""

from __future__ import annotations

import html
import threading
from functools import partial
from http import HTTPStatus
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from support_system.core.logging import get_logger
from support_system.publishing.errors import ServerError
from support_system.publishing.site import DEFAULT_PORT, PREVIOUS_SUFFIX, is_valid_slug, sites_root

log = get_logger(__name__)

# Inline <style> is allowed (the page templates carry their CSS inline); scripts,
# plugins, <base> rewriting and being framed by other sites are not.
CONTENT_SECURITY_POLICY = (
    "default-src 'self' data:; script-src 'none'; style-src 'self' 'unsafe-inline'; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'self'"
)
SECURITY_HEADERS: dict[str, str] = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Cache-Control": "no-cache",
}


class SiteRequestHandler(SimpleHTTPRequestHandler):
    """GET/HEAD of files under one root folder, with the refusals listed above."""

    server_version = "support_system-sites"
    sys_version = ""

    def __init__(self, *args: Any, directory: str, **kwargs: Any) -> None:
        self.root = Path(directory).resolve()
        super().__init__(*args, directory=str(self.root), **kwargs)

    # --- routing -------------------------------------------------------------------
    def send_head(self) -> Any:  # noqa: ANN401 - stdlib signature (file object or None)
        raw = urlsplit(self.path).path
        try:
            decoded = unquote(raw, errors="strict")
        except UnicodeDecodeError:
            decoded = "\x00"  # not UTF-8: refused below like any other bad path
        if "\\" in decoded or "\x00" in decoded or "%" in decoded:
            # "%" after one decoding means double encoding (%252e%252e): refuse, don't guess.
            self.send_error(HTTPStatus.BAD_REQUEST, "Bad path")
            return None
        segments = [s for s in decoded.split("/") if s]
        if any(s in (".", "..") or s.startswith(".") for s in segments):
            self.send_error(HTTPStatus.FORBIDDEN, "Forbidden")
            return None
        if not segments:
            return self._send_index()
        if not all(is_valid_slug(s) for s in segments[:2]):
            self.send_error(HTTPStatus.NOT_FOUND, "Not found")
            return None
        target = self.root.joinpath(*segments).resolve()
        if not target.is_relative_to(self.root):
            self.send_error(HTTPStatus.FORBIDDEN, "Forbidden")
            return None
        if target.is_dir():
            if not raw.endswith("/"):
                self.send_response(HTTPStatus.MOVED_PERMANENTLY)
                self.send_header("Location", raw + "/")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return None
            target = target / "index.html"
        if not target.is_file() or not target.resolve().is_relative_to(self.root):
            self.send_error(HTTPStatus.NOT_FOUND, "Not found")
            return None
        self.path = "/" + target.relative_to(self.root).as_posix()
        return super().send_head()

    def translate_path(self, path: str) -> str:
        # Only reached from super().send_head() with a path already checked above.
        return str(self.root.joinpath(*[s for s in unquote(urlsplit(path).path).split("/") if s]))

    def list_directory(self, path: str | Path) -> None:  # never list folders
        self.send_error(HTTPStatus.NOT_FOUND, "Not found")
        return None

    def _send_index(self) -> None:
        pages = []
        for project in sorted(
            p for p in self.root.iterdir() if p.is_dir() and is_valid_slug(p.name)
        ):
            for page in sorted(
                p for p in project.iterdir() if p.is_dir() and is_valid_slug(p.name)
            ):
                if not page.name.endswith(PREVIOUS_SUFFIX) and (page / "index.html").is_file():
                    pages.append(f"{project.name}/{page.name}/")
        items = "\n".join(
            f'<li><a href="/{html.escape(p)}">{html.escape(p)}</a></li>' for p in pages
        )
        body = (
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
            "<title>Published pages</title></head><body><main><h1>Published pages</h1>"
            f"<ul>{items}</ul></main></body></html>"
        ).encode()
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        return None

    # --- headers and logging -------------------------------------------------------
    def end_headers(self) -> None:
        for name, value in SECURITY_HEADERS.items():
            self.send_header(name, value)
        super().end_headers()

    def do_POST(self) -> None:  # noqa: N802 - stdlib naming
        self.send_error(HTTPStatus.METHOD_NOT_ALLOWED, "Method not allowed")

    do_PUT = do_DELETE = do_PATCH = do_POST  # noqa: N815

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        log.debug("sites.request", client=self.client_address[0], line=format % args)


def make_server(
    port: int = DEFAULT_PORT, host: str = "127.0.0.1", root: Path | None = None
) -> ThreadingHTTPServer:
    """Bind the site server (port 0 = any free port) without starting it."""
    directory = (root or sites_root()).resolve()
    directory.mkdir(parents=True, exist_ok=True)
    handler = partial(SiteRequestHandler, directory=str(directory))
    try:
        server = ThreadingHTTPServer((host, port), handler)
    except OSError as exc:
        raise ServerError(detail=str(exc), port=port) from exc
    server.daemon_threads = True
    return server


def server_url(server: ThreadingHTTPServer) -> str:
    """The base URL of a bound server (reads the real port when port 0 was asked for)."""
    host, port = server.server_address[:2]
    return f"http://{host}:{port}"


def serve_in_background(
    port: int = 0, host: str = "127.0.0.1", root: Path | None = None
) -> ThreadingHTTPServer:
    """Start the server on a daemon thread (UI and tests); call `.shutdown()` to stop."""
    server = make_server(port, host, root)
    threading.Thread(target=server.serve_forever, name="sites-server", daemon=True).start()
    return server


def serve(port: int = DEFAULT_PORT, host: str = "127.0.0.1", root: Path | None = None) -> None:
    """Serve the site folder until interrupted (the `serve` CLI command)."""
    server = make_server(port, host, root)
    log.info("sites.serving", url=server_url(server), root=str(root or sites_root()))
    try:
        server.serve_forever()
    finally:
        server.server_close()
