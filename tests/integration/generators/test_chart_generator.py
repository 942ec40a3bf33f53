"""ChartGenerator: chart.py run in the sandbox, numbers equal to pandas', CJK font, facts check."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from support_system.generators.base import CheckResult, Draft, GenerationContext
from support_system.generators.chart import generator as chart_generator
from support_system.generators.chart.generator import (
    ChartGenerator,
    number_text,
    png_size,
    render_script,
)
from support_system.generators.sandbox import run_sandboxed
from support_system.jobs.catalogue import get_job
from support_system.jobs.tables import read_table

IPA_FONT = Path("/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf")

# Japanese headers, a repeated category, thousands separators and an empty cell.
SJIS_CSV = (
    "日付,店舗,商品,売上\r\n"
    '2024-04-01,本店,あんぱん,"1,800"\r\n'
    '2024-04-01,駅前店,食パン,"1,500"\r\n'
    "2024-04-02,本店,メロンパン,900\r\n"
    '2024-04-02,髙島台店,カレーパン,"1,260"\r\n'
    "2024-04-03,駅前店,あんぱん,\r\n"
    '2024-04-03,駅前店,クロワッサン,"3,200"\r\n'
)


@pytest.fixture
def sjis_file(tmp_path: Path) -> Path:
    path = tmp_path / "売上_4月.csv"
    path.write_bytes(SJIS_CSV.encode("cp932"))
    return path


def context(path: Path, *, chart_type: str = "bar", lang: str = "ja", **extra) -> GenerationContext:
    answers = {
        "input_file": str(path),
        "x_column": "店舗",
        "y_column": "売上",
        "chart_type": chart_type,
        "title": "店舗別の売上（4 月）",
        **extra,
    }
    return GenerationContext(
        job=get_job("data-chart"), answers=answers, lang=lang, base_dir=path.parent
    )


def by_name(results: list[CheckResult]) -> dict[str, CheckResult]:
    return {result.name: result for result in results}


def expected_totals(path: Path) -> dict[str, float]:
    """pandas on its own: what the chart and the summary must say."""
    frame = read_table(path)
    frame = frame.dropna(subset=["店舗", "売上"])
    return {str(k): float(v) for k, v in frame.groupby("店舗")["売上"].sum().items()}


def test_shift_jis_file_gives_a_chart_and_correct_summary(
    settings, sjis_file: Path, tmp_path: Path
) -> None:
    generator = ChartGenerator()
    ctx = context(sjis_file)
    draft = generator.fallback(ctx, tmp_path / "draft")
    results = by_name(generator.check(ctx, draft))
    assert set(results) == {"ast", "ruff", "run", "facts"}
    assert all(r.passed for r in results.values()), {n: r.messages for n, r in results.items()}

    output = tmp_path / "output"
    run = generator.run(ctx, draft, output)
    assert run is not None and run.passed, run.messages
    png = output / "chart.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = png_size(png)
    assert width >= 600 and height >= 400 and png.stat().st_size > 10_000

    totals = expected_totals(sjis_file)
    assert totals == {"本店": 2700.0, "駅前店": 4700.0, "髙島台店": 1260.0}
    summary = (output / "summary.md").read_text(encoding="utf-8")
    values = list(totals.values())
    assert "# 店舗別の売上（4 月）" in summary
    assert "| データの行数 | 5 行 |" in summary  # the empty 売上 cell is not counted
    assert "| 使わなかった行（値が空など） | 1 行 |" in summary
    assert f"| 「店舗」の数 | {len(totals)} |" in summary
    assert f"| 「売上」の合計 | {number_text(sum(values))} |" in summary
    assert f"| 平均（「店舗」1 つあたり） | {number_text(sum(values) / len(values))} |" in summary
    assert "| 最大 | 駅前店（4,700） |" in summary
    assert "| 最小 | 髙島台店（1,260） |" in summary
    assert "ひとこと" not in summary  # the template has no model sentences

    alt = (output / "chart_alt.txt").read_text(encoding="utf-8")
    assert alt.startswith("棒グラフ「店舗別の売上（4 月）」")
    assert "本店: 2,700" in alt and "駅前店: 4,700" in alt and "髙島台店: 1,260" in alt


def test_other_encodings_and_chart_types(settings, tmp_path: Path) -> None:
    generator = ChartGenerator()
    text = "月,来客数\n1月,120\n2月,80\n1月,30\n3月,95.5\n"
    for encoding, chart_type in (("utf-8-sig", "line"), ("utf-8", "pie")):
        path = tmp_path / f"{encoding}.csv"
        path.write_bytes(text.encode(encoding))
        ctx = context(path, chart_type=chart_type, x_column="月", y_column="来客数", title="来客数")
        ctx.answers.update(x_column="月", y_column="来客数")
        draft = generator.fallback(ctx, tmp_path / f"draft-{encoding}")
        results = by_name(generator.check(ctx, draft))
        assert all(r.passed for r in results.values()), {n: r.messages for n, r in results.items()}
        summary = (draft.root / "summary.md").read_text(encoding="utf-8")
        assert "| 「来客数」の合計 | 325.5 |" in summary and "| 最大 | 1月（150） |" in summary


def test_japanese_title_renders_with_the_ipa_font(
    settings, sjis_file: Path, tmp_path: Path
) -> None:
    if not IPA_FONT.is_file():
        pytest.skip("fonts-ipafont-gothic is not installed (./scripts/start installs it)")
    script = tmp_path / "chart.py"
    script.write_text(render_script(context(sjis_file).answers, "ja", []), encoding="utf-8")
    result = run_sandboxed(
        ["python", "chart.py", "data.csv"],
        workdir=tmp_path / "run",
        inputs={"chart.py": script, "data.csv": sjis_file},
    )
    assert result.ok, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["font"] in ("IPAGothic", "IPAexGothic", "IPAPGothic")
    assert report["missing_glyphs"] == []
    assert "missing from" not in result.stderr and "Glyph" not in result.stderr


def test_without_a_japanese_font_the_chart_is_still_made_and_says_so(
    settings, sjis_file: Path, tmp_path: Path
) -> None:
    source = render_script(context(sjis_file).answers, "ja", [])
    # Simulate a machine without CJK fonts: the script finds none of its candidates.
    source = re.sub(r"CJK_FONTS = \(.*?\)\n", "CJK_FONTS = ()\n", source, count=1, flags=re.S)
    source = re.sub(
        r"CJK_FONT_FILES = \(.*?\)\n", "CJK_FONT_FILES = ()\n", source, count=1, flags=re.S
    )
    assert "CJK_FONTS = ()" in source and "CJK_FONT_FILES = ()" in source
    script = tmp_path / "chart.py"
    script.write_text(source, encoding="utf-8")
    result = run_sandboxed(
        ["python", "chart.py", "data.csv"],
        workdir=tmp_path / "run",
        inputs={"chart.py": script, "data.csv": sjis_file},
    )
    assert result.ok, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["font"] is None
    assert report["notes"] and "日本語フォント" in report["notes"][0]
    assert (tmp_path / "run" / "chart.png").stat().st_size > 5_000


@pytest.mark.parametrize(
    ("sentence", "invented"),
    [
        ("駅前店は9:00から混み合います。", '"9:00"'),
        ("詳しくは03-1234-5678までお電話ください。", '"03-1234-5678"'),
        ("本店の売上は9,999円でした。", '"9,999円"'),
        ("全部で7店舗あります。", '"7"'),
    ],
)
def test_facts_check_rejects_invented_facts(
    settings, sjis_file: Path, tmp_path: Path, sentence: str, invented: str
) -> None:
    generator = ChartGenerator()
    ctx = context(sjis_file)
    draft = generator._write(ctx, tmp_path / "draft", [sentence])
    results = by_name(generator.check(ctx, draft))
    assert results["run"].passed and results["ast"].passed and results["ruff"].passed
    assert not results["facts"].passed
    assert any(invented in message for message in results["facts"].messages), results[
        "facts"
    ].messages


def test_facts_from_the_data_are_allowed(settings, sjis_file: Path, tmp_path: Path) -> None:
    generator = ChartGenerator()
    ctx = context(sjis_file)
    draft = generator._write(
        ctx, tmp_path / "draft", ["駅前店が4,700で最も多く、3店舗の中で目立ちます。"]
    )
    results = by_name(generator.check(ctx, draft))
    assert results["facts"].passed, results["facts"].messages
    summary = (draft.root / "summary.md").read_text(encoding="utf-8")
    assert "## ひとこと" in summary and "駅前店が4,700で最も多く" in summary


@pytest.mark.model
def test_draft_uses_the_model_sentences_and_feeds_back_failures(
    db, sjis_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real model answers; the real prompt renderer is only watched (a spy)."""
    seen: list[str] = []
    real_render = chart_generator.prompts.render

    def spy(name: str, *args, **kwargs) -> str:
        text = real_render(name, *args, **kwargs)
        seen.append(text)
        return text

    monkeypatch.setattr(chart_generator.prompts, "render", spy)
    ctx = context(sjis_file)
    ctx.feedback = [CheckResult("facts", False, ['invented time "9:00": remove it'])]
    ctx.attempt = 2
    generator = ChartGenerator()
    draft = generator.draft(ctx, tmp_path / "draft")
    # The repair is sampled: now and then the 0.5B answer is cut off at max_tokens and its
    # registry fallback writes the sentences instead (as in test_generate_pipeline).
    assert isinstance(draft, Draft)
    assert draft.models in (["qwen2.5-coder-0.5b"], ["smollm2-135m"]), draft.models
    assert draft.customised == ["comment"]
    assert 'invented time "9:00"' in seen[0]
    assert "駅前店, 本店, 髙島台店" in seen[0]  # the ranking, largest first, without numbers
    results = {r.name: r for r in generator.check(ctx, draft)}
    assert results["run"].passed and results["ast"].passed  # the model never touches the code


def test_a_title_cannot_break_out_of_the_script(settings, sjis_file: Path, tmp_path: Path) -> None:
    generator = ChartGenerator()
    ctx = context(sjis_file, title='"""\nimport os; os.system("echo pwned")\n\'\'\'')
    draft = generator.fallback(ctx, tmp_path / "draft")
    results = by_name(generator.check(ctx, draft))
    assert all(r.passed for r in results.values()), {n: r.messages for n, r in results.items()}
    assert (draft.root / "summary.md").read_text(encoding="utf-8").startswith('# """')


def test_a_missing_column_fails_the_run_with_a_clear_message(
    settings, sjis_file: Path, tmp_path: Path
) -> None:
    script = tmp_path / "chart.py"
    answers = {**context(sjis_file).answers, "y_column": "数量"}
    script.write_text(render_script(answers, "ja", []), encoding="utf-8")
    result = run_sandboxed(
        ["python", "chart.py", "data.csv"],
        workdir=tmp_path / "run",
        inputs={"chart.py": script, "data.csv": sjis_file},
    )
    assert result.returncode == 2
    assert "列「数量」がファイルにありません" in result.stderr and "売上" in result.stderr


@pytest.mark.model
def test_real_model_comment_passes_every_check(db, sjis_file: Path, tmp_path: Path) -> None:
    """The embedded model writes the comment; the pipeline's repair loop keeps it honest."""
    from support_system.generators.pipeline import Budget, run_pipeline

    ctx = context(sjis_file)
    result = run_pipeline(
        ctx.job,
        ctx.answers,
        tmp_path / "out",
        lang="ja",
        base_dir=sjis_file.parent,
        budget=Budget(attempts=3, seconds=240, tokens=3000),
    )
    assert result.attempts[0].source == "model" and result.attempts[0].models, result.attempts[
        0
    ].error
    assert result.ok, [c.to_dict() for c in result.failed_checks()]
    assert {c.name for c in result.checks} == {"ast", "ruff", "run", "facts"}
    assert all(c.passed for c in result.checks)
    assert (tmp_path / "out" / "output" / "chart.png").is_file()
    summary = (tmp_path / "out" / "output" / "summary.md").read_text(encoding="utf-8")
    assert "| 「売上」の合計 | 8,660 |" in summary
    if not result.fallback_used:
        assert "## ひとこと" in summary


def test_an_unchecked_answer_naming_no_column_is_explained(settings, sjis_file: Path) -> None:
    from support_system.core.errors import InvalidUpload
    from support_system.generators.chart.generator import chart_data

    with pytest.raises(InvalidUpload) as caught:
        chart_data(sjis_file, "店舗", "数量")
    assert "数量" in caught.value.message("ja") and "売上" in caught.value.message("en")
