"""A planned program spec becomes a job: the real input and the examples, per kind."""

from __future__ import annotations

import pytest

from support_system.generators import get_generator
from support_system.generators.program.by_example import ExampleProgramGenerator
from support_system.jobs.definitions import Job, QuestionType
from support_system.jobs.program_plans import (
    GENERATOR,
    SOURCE,
    example_ids,
    fallback_spec,
    file_id,
    grounded_spec,
    job_from_spec,
)
from support_system.jobs.program_specs import ProgramSpec


def _spec(source: str, result: str) -> ProgramSpec:
    return ProgramSpec(title="Totals", summary="Totals per shop.", input=source, output=result)


@pytest.mark.parametrize(
    ("source", "result", "source_type", "example_types"),
    [
        ("text", "text", QuestionType.LONG_TEXT, (QuestionType.LONG_TEXT, QuestionType.LONG_TEXT)),
        ("table", "table", QuestionType.FILE, (QuestionType.LONG_TEXT, QuestionType.LONG_TEXT)),
        ("folder", "files", QuestionType.TEXT, (QuestionType.RECORDS, QuestionType.RECORDS)),
        ("folder", "table", QuestionType.TEXT, (QuestionType.RECORDS, QuestionType.LONG_TEXT)),
    ],
)
def test_the_spec_decides_the_questions(
    settings, source: str, result: str, source_type: QuestionType, example_types: tuple
) -> None:
    job = job_from_spec(_spec(source, result), "total my sales", "en", "custom-0123456789ab")
    assert job.kind == "program" and job.generator == GENERATOR
    assert job.program == _spec(source, result)
    assert job.description.get("ja") == "total my sales"
    typed = [q.id for q in job.questions if not q.id.endswith("_file")]
    assert typed == [SOURCE, *example_ids(1), *example_ids(2)]
    uploads = {q.id for q in job.questions if q.id.endswith("_file")}
    sides = [(source, 0), (result, 1)]
    assert uploads == {  # a table example may be uploaded instead of typed
        file_id(example_ids(number)[side])
        for number in (1, 2)
        for kind, side in sides
        if kind == "table"
    }
    assert all(job.question(qid).type == QuestionType.FILE for qid in uploads)
    real = job.question(SOURCE)
    assert real.type == source_type and real.required and real.decide == "none"
    assert real.folder == (source == "folder")
    assert real.file_types == ([".csv", ".xlsx"] if source == "table" else [])
    for number, required in ((1, True), (2, False)):
        given, expected = (job.question(qid) for qid in example_ids(number))
        assert (given.type, expected.type) == example_types
        assert given.required is (required and source != "table")
        assert expected.required is (required and result != "table")
        assert "例" in given.label.get("ja") and str(number) in given.label.get("en")
    if source == "folder":
        assert [f.id for f in job.question("example1_input").fields] == ["name", "content"]


def test_the_job_round_trips_through_its_stored_form(settings) -> None:
    job = job_from_spec(_spec("table", "table"), "total my sales", "ja", "custom-0123456789ab")
    assert Job.model_validate(job.model_dump(mode="json")) == job


def test_only_a_program_job_has_a_program_spec(settings) -> None:
    job = job_from_spec(_spec("text", "text"), "x", "en", "custom-0123456789ab")
    with pytest.raises(ValueError, match="only program jobs have a program spec"):
        Job.model_validate(job.model_dump(mode="json") | {"kind": "data"})


def test_the_generator_is_registered(settings) -> None:
    assert isinstance(get_generator(GENERATOR), ExampleProgramGenerator)


@pytest.mark.parametrize(
    ("request_text", "source", "result"),
    [
        ("売上の CSV を店ごとに合計したい", "table", "table"),
        ("list every file in a folder with its size", "folder", "table"),
        ("文章の中の全角数字を半角にしたい", "text", "text"),
    ],
)
def test_the_standard_spec_follows_the_request_words(
    settings, request_text: str, source: str, result: str
) -> None:
    spec = fallback_spec(request_text, "ja")
    assert (spec.input, spec.output) == (source, result)
    assert spec.summary == request_text and spec.title == "わたしのプログラム"


def test_the_request_words_correct_a_planned_input_kind() -> None:
    planned = _spec("text", "table")
    assert grounded_spec(planned, "total the amount column of my sales CSV").input == "table"
    assert grounded_spec(planned, "count the lines in every file of a folder").input == "folder"
    assert grounded_spec(planned, "make initials from names") == planned


def test_example_files_typed_one_per_line_keep_their_line_breaks(settings) -> None:
    from support_system.jobs.answers import validate_answer

    job = job_from_spec(_spec("folder", "files"), "x", "en", "custom-0123456789ab")
    typed = "memo.txt, first\\nsecond, third\nnote.txt"  # as typed in the wizard's box
    assert validate_answer(job.question("example1_input"), typed, "en") == [
        {"name": "memo.txt", "content": "first\nsecond, third"},
        {"name": "note.txt", "content": None},
    ]
    from_file = [{"name": "a.txt", "content": "one\ntwo\n"}]  # an answers file keeps them
    assert validate_answer(job.question("example1_output"), from_file, "en") == [
        {"name": "a.txt", "content": "one\ntwo"}
    ]


def test_an_example_table_may_be_uploaded_instead_of_typed(tmp_path) -> None:
    from support_system.generators.program.example_tests import examples_from_answers

    spec = _spec("table", "table")
    (tmp_path / "in.csv").write_bytes("店,金額\n梅田,100\n".encode("cp932"))
    answers = {
        "example1_input": None,
        file_id("example1_input"): "in.csv",
        "example1_output": "店,金額\n梅田,100",
    }
    [example] = examples_from_answers(spec, answers, tmp_path)
    assert example.input == "店,金額\n梅田,100\n"  # the file's own text, as written


def test_example_files_round_trip_through_the_text_a_person_edits(settings) -> None:
    from support_system.jobs.answers import validate_answer
    from support_system.jobs.spec import answer_text

    question = job_from_spec(_spec("folder", "files"), "x", "en", "custom-0123456789ab").question(
        "example1_input"
    )
    saved = [{"name": "memo.txt", "content": "first\nsecond"}, {"name": "b.txt", "content": None}]
    shown = answer_text(question, saved, "en")
    assert shown == "memo.txt, first\\nsecond\nb.txt, "
    assert validate_answer(question, shown, "en") == saved


@pytest.mark.parametrize(
    ("request_text", "result"),
    [
        ("keep only the rows of my CSV where the status is done", "table"),
        ("CSVの名前の列の前後の空白を取り除く", "table"),
        ("total the amount column of my sales CSV", "text"),  # a figure, not a table
        ("CSVの点数の列で60点以上は何件？", "text"),
    ],
)
def test_the_request_words_correct_a_text_result_of_a_table_change(
    request_text: str, result: str
) -> None:
    assert grounded_spec(_spec("table", "text"), request_text).output == result
