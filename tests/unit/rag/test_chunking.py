"""Japanese-aware chunking: whole sentences, bounded size, overlap, no split characters."""

from __future__ import annotations

import unicodedata

from llama_index.core.schema import Document

from support_system.rag.chunking import JapaneseSentenceSplitter, split_sentences

JA = (
    "ページを公開します。「公開する」ボタンを押してください！完了しましたか？"
    "はい、アドレスが表示されます。もう一度公開すると前のバージョンを置き換えます。"
)


def test_japanese_sentences_end_at_kuten_and_marks_with_their_closing_quotes() -> None:
    assert split_sentences("「はい。」と言った。次です！本当？") == [
        "「はい。」",
        "と言った。",
        "次です！",
        "本当？",
    ]


def test_english_sentences_split_at_full_stops_but_not_inside_numbers() -> None:
    text = "Version 1.2 is ready. Install it now! Does it work? Yes."
    assert split_sentences(text) == [
        "Version 1.2 is ready.",
        "Install it now!",
        "Does it work?",
        "Yes.",
    ]


def test_lines_without_end_marks_are_sentences_too() -> None:
    assert split_sentences("見出し\n本文です。\n\n- 項目") == ["見出し", "本文です。", "- 項目"]


def test_chunks_respect_the_size_and_end_at_sentence_boundaries() -> None:
    splitter = JapaneseSentenceSplitter(chunk_size=40, chunk_overlap=0)
    chunks = splitter.split_text(JA)
    assert len(chunks) > 1
    assert all(len(c) <= 40 for c in chunks)
    assert all(c[-1] in "。！？" for c in chunks)
    assert "".join(chunks) == JA  # nothing lost, nothing repeated without overlap


def test_overlap_repeats_the_previous_chunks_last_sentence() -> None:
    splitter = JapaneseSentenceSplitter(chunk_size=40, chunk_overlap=20)
    chunks = splitter.split_text(JA)
    for previous, current in zip(chunks, chunks[1:], strict=False):
        last_sentence = split_sentences(previous)[-1]
        if len(last_sentence) <= 20:
            assert current.startswith(last_sentence)


def test_a_long_sentence_is_cut_at_a_comma_before_anywhere_else() -> None:
    sentence = "あ" * 30 + "、" + "い" * 30 + "。"
    chunks = JapaneseSentenceSplitter(chunk_size=40, chunk_overlap=0).split_text(sentence)
    assert chunks == ["あ" * 30 + "、", "い" * 30 + "。"]


def test_never_separates_a_combining_mark_from_its_character() -> None:
    # "が" written as か + combining dakuten (U+3099), no break opportunity at all.
    decomposed = "か\u3099" * 50
    chunks = JapaneseSentenceSplitter(chunk_size=25, chunk_overlap=0).split_text(decomposed)
    assert len(chunks) > 1
    for chunk in chunks:
        assert unicodedata.combining(chunk[0]) == 0
        assert len(chunk) <= 25
    assert "".join(chunks) == decomposed


def test_variation_selectors_and_emoji_joiners_stay_attached() -> None:
    text = "葛\U000e0100" * 30  # an ideographic variation sequence repeated
    chunks = JapaneseSentenceSplitter(chunk_size=15, chunk_overlap=0).split_text(text)
    assert all(not (0xE0100 <= ord(c[0]) <= 0xE01EF) for c in chunks)
    assert "".join(chunks) == text


def test_latin_sentences_are_joined_with_a_space_japanese_without() -> None:
    splitter = JapaneseSentenceSplitter(chunk_size=200, chunk_overlap=0)
    assert splitter.split_text("One. Two.\n三です。四です。") == ["One. Two. 三です。四です。"]


def test_as_a_llamaindex_node_parser_nodes_keep_the_documents_metadata() -> None:
    splitter = JapaneseSentenceSplitter(chunk_size=40, chunk_overlap=0)
    document = Document(text=JA, id_="doc-1", metadata={"source": "guide.md", "page": 3})
    nodes = splitter.get_nodes_from_documents([document])
    assert len(nodes) == len(splitter.split_text(JA))
    assert all(n.metadata["page"] == 3 and n.ref_doc_id == "doc-1" for n in nodes)
