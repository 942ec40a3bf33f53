"""The page checks with the real tools: html5lib, the Nu Html Checker (Java), axe-core in
Debian's Chromium. Each check fails on a page with one known defect — with that exact
defect named in its messages, since those messages are what the model repairs from — and
passes on a small accessible page written the way the templates write them.
"""

from __future__ import annotations

import functools
import http.server
import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from support_system.core.i18n import LANGUAGES, catalogue
from support_system.core.settings import get_settings
from support_system.generators.checks.html import (
    VnuServer,
    check_axe,
    check_axe_url,
    check_html5lib,
    check_self_contained,
    check_vnu,
    check_vnu_many,
    chromium,
    is_external_url,
)

PIXEL = (
    "data:image/svg+xml,%3Csvg%20xmlns='http://www.w3.org/2000/svg'%20width='4'%20height='4'%3E"
    "%3Crect%20width='4'%20height='4'%20fill='%23c05621'/%3E%3C/svg%3E"
)
GOOD_PAGE = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sakura Bakery</title>
<style>
  body {{ margin: 0; font-family: sans-serif; color: #1f2933; background: #ffffff; }}
  header, footer {{ background: #7a4a12; color: #ffffff; padding: 1rem; }}
  main {{ padding: 1rem; max-width: 40rem; }}
  a {{ color: #1d4f91; }}
  header a, footer a {{ color: #ffffff; }}
  .skip {{ position: absolute; left: -999px; }}
  .skip:focus {{ left: 1rem; }}
</style>
</head>
<body>
<a class="skip" href="#content">Skip to main content</a>
<header>
  <p>Sakura Bakery</p>
  <nav aria-label="Site"><a href="#hours">Opening hours</a></nav>
</header>
<main id="content">
  <h1>Fresh bread every morning</h1>
  <p>We bake with local flour.
     <img src="{PIXEL}" alt="Sakura Bakery logo" width="16" height="16"></p>
  <h2 id="hours">Opening hours</h2>
  <p>Tuesday to Sunday, 8:00 to 17:00.</p>
  <p>Find us on <a href="https://example.com/map">the map</a>,
     write to <a href="mailto:shop@example.com">shop@example.com</a>
     or call <a href="tel:+81300000000">03-0000-0000</a>.</p>
</main>
<footer><p>© Sakura Bakery</p></footer>
</body>
</html>
"""


def page(body: str, *, head: str = "", lang: str = ' lang="en"') -> str:
    """A complete page around `body` (inside <main>), so each test shows one defect only."""
    return (
        f'<!DOCTYPE html>\n<html{lang}>\n<head>\n<meta charset="utf-8">\n'
        f"<title>Test</title>\n{head}</head>\n<body>\n<main>\n<h1>Test page</h1>\n"
        f"{body}\n</main>\n</body>\n</html>\n"
    )


@pytest.fixture
def site(tmp_path: Path) -> Path:
    """A site folder with the good page as index.html."""
    (tmp_path / "index.html").write_text(GOOD_PAGE, encoding="utf-8")
    return tmp_path


# --- html5lib ------------------------------------------------------------------------------


def test_html5lib_passes_the_good_page() -> None:
    result = check_html5lib(GOOD_PAGE)
    assert result.passed, result.messages
    assert result.name == "html5lib"


def test_html5lib_reports_an_unclosed_element_where_its_parent_closes() -> None:
    result = check_html5lib(page("<div><p>never closed"))
    assert not result.passed
    assert result.messages == [
        "line 11:7: End tag (main) seen too early. Expected other end tag. (</main>)"
    ]


def test_html5lib_reports_an_element_left_open_at_end_of_file() -> None:
    result = check_html5lib("<!DOCTYPE html>\n<html lang=en><title>x</title>\n<main><div>open")
    assert not result.passed
    assert result.messages[0].startswith("line 3:")
    assert "Expected closing tag. Unexpected end of file." in result.messages[0]


def test_html5lib_reports_a_stray_end_tag_with_its_line_and_source() -> None:
    result = check_html5lib(page("<p>one</p>\n</span>"))
    assert not result.passed
    assert "line 11:" in result.messages[0] and "Unexpected end tag (span)" in result.messages[0]
    assert "</span>" in result.messages[0]  # the offending source is quoted


def test_html5lib_requires_a_doctype() -> None:
    result = check_html5lib("<html lang=en><title>x</title><main><h1>x</h1></main></html>")
    assert not result.passed
    assert "DOCTYPE" in result.messages[0]


# --- self-contained ------------------------------------------------------------------------


def test_self_contained_passes_the_good_page_with_typed_links_mailto_and_tel() -> None:
    result = check_self_contained(GOOD_PAGE)
    assert result.passed, result.messages


def test_self_contained_fails_on_an_external_stylesheet_and_names_it() -> None:
    html = page(
        "<p>x</p>", head='<link rel="stylesheet" href="https://cdn.example.com/site.css">\n'
    )
    result = check_self_contained(html)
    assert not result.passed
    assert result.messages == [
        'line 6: <link rel="stylesheet"> loads https://cdn.example.com/site.css from the internet: '
        "put the file in the site folder or inline it"
    ]


@pytest.mark.parametrize(
    ("markup", "url"),
    [
        ('<script src="//cdn.example.com/app.js"></script>', "//cdn.example.com/app.js"),
        (
            '<img alt="" src="x.png" srcset="x.png 1x, https://img.example.com/x2.png 2x">',
            "https://img.example.com/x2.png",
        ),
        (
            "<style>@import 'https://fonts.example.com/font.css';</style>",
            "https://fonts.example.com/font.css",
        ),
        (
            '<div style="background: url(&quot;http://img.example.com/bg.png&quot;)">x</div>',
            "http://img.example.com/bg.png",
        ),
        (
            "<style>\nbody {\n  background: url(https://img.example.com/bg.jpg);\n}\n</style>",
            "https://img.example.com/bg.jpg",
        ),
        (
            '<iframe title="map" src="https://maps.example.com/embed"></iframe>',
            "https://maps.example.com/embed",
        ),
        ('<link rel="preconnect" href="https://fonts.example.com">', "https://fonts.example.com"),
        (
            '<video controls poster="https://v.example.com/p.jpg"></video>',
            "https://v.example.com/p.jpg",
        ),
        (
            '<svg aria-hidden="true"><image href="https://img.example.com/i.png"/></svg>',
            "https://img.example.com/i.png",
        ),
    ],
)
def test_self_contained_catches_every_way_of_loading_from_outside(markup: str, url: str) -> None:
    result = check_self_contained(page(markup))
    assert not result.passed
    assert any(f"loads {url} from the internet" in m for m in result.messages), result.messages


def test_self_contained_names_the_line_of_a_css_url_inside_a_style_element() -> None:
    result = check_self_contained(
        page("<style>\nbody {\n  background: url(https://img.example.com/bg.jpg);\n}\n</style>")
    )
    assert result.messages[0].startswith("line 12: <style> url()"), result.messages


def test_self_contained_requires_lang_main_and_alt() -> None:
    html = (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>x</title></head>'
        '<body><h1>x</h1><img src="shop.jpg"></body></html>'
    )
    messages = check_self_contained(html).messages
    assert any('<img src="shop.jpg"> has no alt attribute' in m for m in messages), messages
    assert any("<html> has no lang attribute" in m for m in messages), messages
    assert any("no <main> landmark" in m for m in messages), messages


def test_canonical_links_and_local_files_are_not_external() -> None:
    html = page(
        '<img src="images/shop.jpg" alt="Our shop">',
        head='<link rel="canonical" href="https://example.com/">\n'
        '<link rel="stylesheet" href="site.css">\n',
    )
    assert check_self_contained(html).passed
    assert is_external_url(" \thttps://x.example") and is_external_url("\\\\evil.example/x.js")
    assert not is_external_url("data:image/png;base64,AAAA") and not is_external_url("css/site.css")


# --- Nu Html Checker -----------------------------------------------------------------------


@pytest.fixture
def command_line_vnu(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No vnu service (the suite's conftest configures one): the java command line."""
    monkeypatch.delenv("SUPPORT_SYSTEM_CHECKS__VNU_URL", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.usefixtures("command_line_vnu")
def test_vnu_passes_the_good_page_as_text_and_as_file(site: Path) -> None:
    for subject in (GOOD_PAGE, site / "index.html"):
        result = check_vnu(subject)
        assert result.passed, result.messages
        assert result.name == "vnu"


@pytest.mark.usefixtures("command_line_vnu")
def test_vnu_reports_a_duplicate_id_with_line_and_extract() -> None:
    result = check_vnu(page('<p id="price">100</p>\n<p id="price">200</p>'))
    assert not result.passed
    assert result.messages[0].startswith("line 11: Duplicate ID “price”."), result.messages
    assert '<p id="price">200' in result.messages[0]


@pytest.mark.usefixtures("command_line_vnu")
def test_vnu_reports_an_unclosed_element() -> None:
    result = check_vnu(page("<div><span>open</div>"))
    assert not result.passed
    assert any(m.startswith("line 10: Unclosed element “span”.") for m in result.messages), (
        result.messages
    )


@pytest.mark.usefixtures("command_line_vnu")
def test_vnu_warnings_are_reported_but_pass() -> None:
    result = check_vnu(page("<section><p>No heading in this section.</p></section>"))
    assert result.passed, result.messages
    assert any(m.startswith("line 10: warning: Section lacks heading.") for m in result.messages), (
        result.messages
    )


def test_vnu_checks_many_files_in_one_run_and_keeps_results_apart(tmp_path: Path) -> None:
    good = tmp_path / "good page.html"  # a space: vnu reports file URLs percent-encoded
    good.write_text(GOOD_PAGE, encoding="utf-8")
    folder = tmp_path / "お店"
    folder.mkdir()
    duplicate = folder / "duplicate.html"
    duplicate.write_text(page('<p id="a">1</p><p id="a">2</p>'), encoding="utf-8")
    obsolete = tmp_path / "obsolete.html"
    obsolete.write_text(page("<center>old</center>"), encoding="utf-8")
    results = check_vnu_many([good, duplicate, obsolete])
    assert list(results) == [good, duplicate, obsolete]
    assert results[good].passed, results[good].messages
    assert not results[duplicate].passed and "Duplicate ID “a”." in results[duplicate].messages[0]
    assert not results[obsolete].passed
    assert "The “center” element is obsolete." in results[obsolete].messages[0]
    with pytest.raises(FileNotFoundError):
        check_vnu_many([tmp_path / "missing.html"])


@pytest.fixture(scope="module")
def vnu_service() -> Iterator[VnuServer]:
    """One vnu service for the module's service tests (a JVM start costs ~5 s)."""
    with VnuServer() as server:
        yield server


def test_vnu_service_gives_the_same_verdicts_as_the_command_line(
    site: Path, vnu_service: VnuServer
) -> None:
    bad = page('<p id="a">1</p><p id="a">2</p>')
    good_result = check_vnu(site / "index.html", server=vnu_service)
    bad_result = check_vnu(bad, server=vnu_service)
    assert good_result.passed, good_result.messages
    assert not bad_result.passed
    assert bad_result.messages[0].startswith("line 10: Duplicate ID “a”.")


def test_a_configured_vnu_service_is_used_and_a_dead_one_falls_back_to_the_command_line(
    monkeypatch: pytest.MonkeyPatch, vnu_service: VnuServer
) -> None:
    from support_system.generators.checks import vnu

    bad = page('<p id="a">1</p><p id="a">2</p>')
    monkeypatch.setenv("SUPPORT_SYSTEM_CHECKS__VNU_URL", vnu_service.url)
    get_settings.cache_clear()
    with monkeypatch.context() as no_java:
        no_java.setattr(vnu, "_run_cli", _no_command_line)
        served = check_vnu(bad)
    monkeypatch.setenv("SUPPORT_SYSTEM_CHECKS__VNU_URL", f"http://127.0.0.1:{_closed_port()}/")
    get_settings.cache_clear()
    fallen_back = check_vnu(bad)
    with monkeypatch.context() as resting:  # a failed service is not asked again at once
        resting.setattr(vnu, "_post_page", _no_service)
        rested = check_vnu(bad)
    get_settings.cache_clear()
    for result in (served, fallen_back, rested):
        assert not result.passed
        assert result.messages[0].startswith("line 10: Duplicate ID “a”."), result.messages


def _no_service(*args: object, **kwargs: object) -> None:
    raise AssertionError("a vnu service that just failed was asked again")


def _no_command_line(*args: object, **kwargs: object) -> None:
    raise AssertionError("the command line ran although a vnu service is configured")


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- axe-core in Chromium ------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with chromium() as shared:
        yield shared


@pytest.mark.browser
def test_axe_passes_the_good_page_from_a_file_and_as_text(site: Path, browser: object) -> None:
    for subject in (site / "index.html", GOOD_PAGE):
        result = check_axe(subject, browser=browser)
        assert result.passed, result.messages
        assert result.name == "axe" and result.messages == []


@pytest.mark.browser
def test_axe_reports_a_missing_alt_as_image_alt(browser: object) -> None:
    result = check_axe(page('<img src="shop.png" width="10" height="10">'), browser=browser)
    assert not result.passed
    assert "image-alt (critical): Images must have alternative text — img" in result.messages


@pytest.mark.browser
def test_axe_reports_low_contrast_text_with_the_ratio(browser: object) -> None:
    result = check_axe(page('<p style="color: #aaaaaa">Pale grey text</p>'), browser=browser)
    assert not result.passed
    [message] = result.messages
    assert message.startswith(
        "color-contrast (serious): Elements must meet minimum color contrast ratio"
    )
    assert "— p (Element has insufficient color contrast of 2.32" in message
    assert "foreground color: #aaaaaa" in message


@pytest.mark.browser
def test_axe_blocks_and_reports_requests_to_the_internet(site: Path, browser: object) -> None:
    (site / "local.css").write_text("p { color: #1f2933; }", encoding="utf-8")
    html = page(
        '<p>Hello</p>\n<script>fetch("https://api.example.com/track").catch(() => {});</script>',
        head='<link rel="stylesheet" href="local.css">\n'
        '<link rel="stylesheet" href="https://cdn.example.com/theme.css">\n',
    )
    (site / "external.html").write_text(html, encoding="utf-8")
    result = check_axe(site / "external.html", browser=browser)
    assert not result.passed
    assert "page tries to load https://cdn.example.com/theme.css" in result.messages
    assert "page tries to load https://api.example.com/track" in result.messages
    assert not any("local.css" in m for m in result.messages)  # the site's own file loads


@pytest.mark.browser
def test_axe_blocks_files_outside_the_site_folder(tmp_path: Path, browser: object) -> None:
    site = tmp_path / "site"
    site.mkdir()
    (tmp_path / "secret.css").write_text("p {}", encoding="utf-8")
    (site / "index.html").write_text(
        page("<p>x</p>", head='<link rel="stylesheet" href="../secret.css">\n'), encoding="utf-8"
    )
    result = check_axe(site / "index.html", browser=browser)
    assert not result.passed
    assert result.messages == [f"page tries to load {(tmp_path / 'secret.css').as_uri()}"]


@pytest.mark.browser
def test_axe_reports_uncaught_script_errors(browser: object) -> None:
    result = check_axe(
        page("<p>x</p><script>document.querySelector('#none').textContent = 1;</script>"),
        browser=browser,
    )
    assert not result.passed
    assert len(result.messages) == 1 and result.messages[0].startswith("page script error: ")


@pytest.mark.browser
def test_axe_allowed_impacts_turn_violations_into_notes(browser: object) -> None:
    # No <h1>: page-has-heading-one is a moderate best-practice violation.
    html = page("<p>x</p>").replace("<h1>Test page</h1>\n", "")
    strict = check_axe(html, browser=browser)
    assert not strict.passed
    assert any(m.startswith("page-has-heading-one (moderate):") for m in strict.messages), (
        strict.messages
    )
    lenient = check_axe(html, browser=browser, allowed_impacts=("minor", "moderate"))
    assert lenient.passed
    assert any(m.startswith("note: page-has-heading-one (moderate):") for m in lenient.messages)


@pytest.mark.browser
def test_without_a_browser_the_checks_share_one_and_a_dead_one_is_replaced() -> None:
    from support_system.generators.checks.axe import SharedBrowser

    shared = SharedBrowser(idle_seconds=0.5)
    audit = functools.partial(_audit_good_page, GOOD_PAGE)
    assert shared.run(audit).passed and shared.run(audit).passed
    assert shared.launches == 1
    pid = shared.run(lambda browser: _browser_pid(browser))
    os.kill(pid, signal.SIGKILL)  # Chromium dies between two checks
    time.sleep(0.2)
    assert shared.run(audit).passed and shared.launches == 2
    time.sleep(1.5)  # idle: closed, and launched again by the next check
    assert shared.run(audit).passed and shared.launches == 3
    shared.close()
    assert check_axe(GOOD_PAGE).passed  # the module's own shared browser


def _audit_good_page(html: str, browser: object) -> object:
    return check_axe(html, browser=browser)


def _browser_pid(browser: object) -> int:
    """The Chromium main process behind a Playwright browser (its CDP SystemInfo)."""
    session = browser.new_browser_cdp_session()  # type: ignore[attr-defined]
    try:
        processes = session.send("SystemInfo.getProcessInfo")["processInfo"]
        return next(int(p["id"]) for p in processes if p["type"] == "browser")
    finally:
        session.detach()


@pytest.fixture
def local_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A static http://127.0.0.1 server, standing in for a generated program's app."""
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *args: None  # type: ignore[method-assign]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", tmp_path
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.browser
def test_axe_url_counts_only_serious_and_critical_by_default(
    local_server: tuple[str, Path], browser: object
) -> None:
    url, root = local_server
    (root / "style.css").write_text("body { color: #1f2933; }", encoding="utf-8")
    moderate_only = page("<p>x</p>", head='<link rel="stylesheet" href="/style.css">\n').replace(
        "<h1>Test page</h1>\n", ""
    )
    (root / "moderate.html").write_text(moderate_only, encoding="utf-8")
    (root / "contrast.html").write_text(
        page('<p style="color: #bbbbbb">faint</p>'), encoding="utf-8"
    )

    result = check_axe_url(f"{url}/moderate.html", browser=browser)
    assert result.passed, result.messages  # same-origin stylesheet allowed, moderate is a note
    assert any(m.startswith("note: page-has-heading-one (moderate)") for m in result.messages)

    result = check_axe_url(f"{url}/contrast.html", browser=browser)
    assert not result.passed
    assert result.messages[0].startswith("color-contrast (serious):")


@pytest.mark.browser
def test_axe_url_blocks_other_origins(local_server: tuple[str, Path], browser: object) -> None:
    url, root = local_server
    (root / "app.html").write_text(
        page("<p>x</p>", head='<script src="https://cdn.example.com/app.js"></script>\n'),
        encoding="utf-8",
    )
    result = check_axe_url(f"{url}/app.html", browser=browser)
    assert not result.passed
    assert result.messages == ["page tries to load https://cdn.example.com/app.js"]


# --- labels --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name", ["html5lib", "vnu", "axe", "self_contained", "ast", "ruff", "tests", "run", "facts"]
)
def test_every_check_has_a_label_in_each_language(name: str) -> None:
    labels = {lang: catalogue(lang).get(f"checks.{name}.label") for lang in LANGUAGES}
    assert all(labels.values()) and labels["ja"] != labels["en"], labels
