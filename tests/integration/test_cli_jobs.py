"""`jobs list` and `jobs show`, run as a person would: a real subprocess, both languages."""

from __future__ import annotations

import pytest

from tests.helpers.cli import run_cli

JOB_IDS = [
    "profile-page",
    "shop-page",
    "faq-page",
    "csv-summary",
    "file-renamer",
    "form-letter",
    "data-chart",
    "event-page",
    "price-list-page",
]


@pytest.mark.parametrize(
    ("lang", "heading", "title", "kind"),
    [
        ("ja", "作れるもの（{count} 件）", "お店のホームページ", "[ウェブページ]"),
        ("en", "Available jobs ({count}):", "Shop page", "[Web page]"),
    ],
)
def test_jobs_list(settings, lang: str, heading: str, title: str, kind: str) -> None:
    from support_system.jobs.catalogue import load_catalogue

    done = run_cli("jobs", "list", "--lang", lang, timeout=120)
    assert done.returncode == 0, done.stderr
    heading = heading.format(count=len(load_catalogue()))
    assert heading in done.stdout and title in done.stdout and kind in done.stdout
    for job_id in JOB_IDS:
        assert job_id in done.stdout
    assert "jobs show ID" in done.stdout


def test_jobs_show_japanese(settings) -> None:
    done = run_cli("jobs", "show", "file-renamer", "--lang", "ja", timeout=120)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "ファイル名の一括変更 (file-renamer)" in out and "質問（4 問）" in out
    assert "1. 名前を変えたいファイルが入っているフォルダーは？ [短い文章, 必須]" in out
    assert "選択肢: 決めた言葉＋通し番号（例: 旅行_001.jpg）" in out
    assert "次の場合だけ質問します: 新しい名前の付け方を選んでください。 = " in out
    assert "初期値: はい" in out and "初期値: 写真" in out


def test_jobs_show_english(settings) -> None:
    done = run_cli("jobs", "show", "shop-page", "--lang", "en", timeout=120)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert (
        "🏪 Shop page (shop-page)" in out
        and "Questions (8):" in out
        and "Designs: classic, card, minimal" in out
    )
    assert "6. List your main products and their prices. [table, required]" in out
    assert "Columns: Product, Price" in out
    assert "Example: Sourdough loaf, £4.50 / Croissant, £1.80" in out


def test_jobs_show_unknown_id_fails_clearly(settings) -> None:
    for lang, words in (("ja", "作業"), ("en", "Unknown job")):
        done = run_cli("jobs", "show", "rocket-page", "--lang", lang, timeout=120)
        assert done.returncode == 2
        assert "rocket-page" in done.stderr and words in done.stderr
        assert "Traceback" not in done.stderr
