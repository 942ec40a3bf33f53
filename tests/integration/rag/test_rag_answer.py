"""Acceptance: an answer from an uploaded document cites it; a question no document
covers gets an explicit "not in the knowledge base" (and no model call at all)."""

from __future__ import annotations

from pathlib import Path

import pytest

from support_system.core.i18n import t
from support_system.rag.answer import answer

DELIVERY = (
    "# さくらベーカリーの配達\n\n## 配達料\n"
    "さくらベーカリーでは、5000円以上のご注文は配達料が無料です。5000円未満のご注文の配達料は480円です。\n"
)


@pytest.mark.model
def test_an_answer_from_an_uploaded_document_cites_it(db, kb, tmp_path: Path) -> None:
    from tests.conftest import usage_records

    document = tmp_path / "sakura-delivery.md"
    document.write_text(DELIVERY, encoding="utf-8")
    kb.add([document])

    reply = answer("さくらベーカリーの配達料はいくらですか？", language="ja", kb=kb, max_tokens=96)
    text = "".join(reply)
    assert reply.found
    assert "480" in text  # the fact comes from the document (the model cannot know it)
    assert text.rstrip().endswith("出典: sakura-delivery.mdのさくらベーカリーの配達 › 配達料")
    assert [c.file_name for c in reply.cited] == ["sakura-delivery.md"]
    assert [r.purpose for r in usage_records()] == ["rag-answer"]


@pytest.mark.parametrize("language", ["ja", "en"])
def test_a_question_no_document_covers_is_answered_not_in_the_knowledge_base(
    db, kb, tmp_path: Path, language: str
) -> None:
    from tests.conftest import usage_records

    document = tmp_path / "sakura-delivery.md"
    document.write_text(DELIVERY, encoding="utf-8")
    kb.add([document])

    question = {"ja": "社長の電話番号は？", "en": "Who won the football match yesterday?"}[language]
    reply = answer(question, language=language, kb=kb)
    assert "".join(reply) == t("rag.not_found", language)
    assert not reply.found and reply.cited == []
    assert usage_records() == []  # no model was asked, so none could guess
