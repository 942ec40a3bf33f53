"""Preview and Publish pages headless (AppTest) on a real generated page.

The artifact is made with `Budget(attempts=0)`: the pipeline skips the model and
delivers the job's tested template, then runs the real checks (html5lib, vnu, axe,
facts), so the preview shows real results without a model call (~10 s, mostly the
checkers). AppTest cannot look inside the iframe; it checks that the frame is an
opaque-origin `data:` URL holding the generated page (DESIGN.md §4, pitfall 1).
"""

from __future__ import annotations

import base64

import httpx

from support_system.core.i18n import t
from support_system.generators.pipeline import Budget
from support_system.generators.runs import current_run, start_generation
from support_system.jobs import wizard, workspace
from support_system.jobs.catalogue import get_job
from support_system.publishing.site import sites_root
from tests.helpers.apptest import click, open_app, title

SHOP = get_job("shop-page")
DATA_URL = "data:text/html;base64,"


def test_preview_shows_checks_and_a_sandboxed_frame_and_publish_gives_a_local_url(user_id) -> None:
    lang = "en"
    project_id, session_id = workspace.create_project(user_id, "shop-page", lang)
    for question_id, value in SHOP.samples[lang].items():
        wizard.answer(session_id, question_id, value, lang)
    wizard.skip(session_id, "layout", lang)

    nothing = open_app(lang, "publish", session_id=session_id)
    assert t("ui.publish.nothing", lang) in [i.value for i in nothing.info]

    run = start_generation(session_id, lang=lang, budget=Budget(attempts=0))
    assert run.wait(180), "generation did not finish"
    assert run.error is None and run.result is not None and run.result.main_file is not None
    artifact = workspace.latest_artifact(session_id)
    assert artifact is not None and artifact.version == 1

    app = open_app(lang, "preview", session_id=session_id)
    assert title(app) == t("ui.preview.title", lang)
    assert current_run(session_id) is None  # the finished run was shown, then forgotten
    checks = list(run.result.checks)
    summary = t("checks.summary", lang, passed=len(checks), total=len(checks))
    assert [s.value for s in app.success] == [f"{t('ui.preview.ok', lang)} {summary}"]
    listing = "\n".join(m.value for m in app.markdown)
    for check in checks:
        label = t(f"checks.{check.name}.label", lang)
        assert f"✅ {t('ui.preview.passed', lang)}: {label}" in listing
    assert run.result.explanation in [i.value for i in app.info]  # why the template was used

    [frame] = app.get("iframe")
    src = frame.proto.src
    assert src.startswith(DATA_URL)
    page = base64.b64decode(src[len(DATA_URL) :]).decode("utf-8")
    assert page == run.result.main_file.read_text(encoding="utf-8")
    assert SHOP.samples[lang]["name"] in page and SHOP.samples[lang]["phone"] in page

    click(app, t("ui.preview.to_publish", lang))
    assert title(app) == t("ui.publish.title", lang)
    assert [d.label for d in app.get("download_button")] == [t("ui.publish.download", lang)]
    click(app, t("ui.publish.publish", lang))
    assert t("ui.publish.published", lang) in [s.value for s in app.success]
    [link] = [m.value for m in app.markdown if m.value.startswith("[http")]
    url = link[1 : link.index("]")]
    assert url.startswith("http://127.0.0.1:") and url.endswith(f"/project-{project_id}/shop-page/")
    assert (sites_root() / f"project-{project_id}" / "shop-page" / "index.html").is_file()
    served = httpx.get(url, timeout=10)
    assert served.status_code == 200 and SHOP.samples[lang]["name"] in served.text
