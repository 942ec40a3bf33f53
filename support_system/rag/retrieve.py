"""Find the chunks that answer a question, each with a citation (source + location).

Vector search alone misses exact words a person types (a product code, an error
message) and BM25 alone misses paraphrases and the other language, so by default both
run: the vector store's best candidates and BM25's best candidates are pooled, each
candidate gets its cosine similarity and its BM25 score, and they are ranked by a
blend of the two (min-max normalised within the pool).

Relevance cannot rest on the cosine similarity alone: e5 puts unrelated questions at
0.80–0.85 and some relevant ones at 0.83 (measured on the starter guides). A chunk
therefore counts as relevant when its similarity is clearly high (`strong`), or when
it is above the model's floor *and* shares words with the question (`MIN_COVERAGE` of
the question's tokens). When nothing passes, the answer is an empty list and the
caller says "not in the knowledge base" instead of letting a model guess. Known gap:
a question in one language against documents only in the other shares no words, so it
is accepted only above `strong` (cross-lingual similarities of relevant chunks measured
0.78–0.90); the starter guides therefore ship in both languages.

BM25 tokens are lower-cased words for Latin script and character bigrams for
Japanese, which has no spaces between words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from llama_index.core.schema import MetadataMode, TextNode

from support_system.core.i18n import t
from support_system.rag.store import VectorStore

HYBRID_WEIGHT = 0.3  # share of BM25 in the blended rank score
POOL_FACTOR = 5  # candidates per result taken from each ranking
MIN_COVERAGE = 0.34  # share of the question's tokens a merely "similar" chunk must contain

_TOKEN = re.compile(r"[a-z0-9]+(?:[._-][a-z0-9]+)*|[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff々ー]+")
_ASCII_STOP = frozenset(
    "a an the is are to of in on for and or how do i my can what with it be".split()
)


def tokenize(text: str) -> list[str]:
    """Words for Latin script, overlapping character bigrams for Japanese runs."""
    tokens: list[str] = []
    for match in _TOKEN.finditer(text.lower()):
        word = match.group()
        if word.isascii():
            if word not in _ASCII_STOP:
                tokens.append(word)
        elif len(word) == 1:
            tokens.append(word)
        else:
            tokens.extend(word[i : i + 2] for i in range(len(word) - 1))
    return tokens


@dataclass(frozen=True)
class Citation:
    """Where a chunk came from: enough to find the passage again."""

    doc_id: str
    source: str
    file_name: str
    title: str
    page: int | None = None
    heading: str | None = None
    rows: str | None = None
    chunk: int = 0

    @classmethod
    def from_node(cls, node: TextNode) -> Citation:
        meta = node.metadata
        page = meta.get("page")
        return cls(
            doc_id=str(meta.get("doc_id", "")),
            source=str(meta.get("source", "")),
            file_name=str(meta.get("file_name", "")),
            title=str(meta.get("title", "")),
            page=int(page) if page not in (None, "") else None,
            heading=str(meta["heading"]) if meta.get("heading") else None,
            rows=str(meta["rows"]) if meta.get("rows") else None,
            chunk=int(meta.get("chunk", 0) or 0),
        )

    def location(self, lang: str | None = None) -> str:
        """Page, rows and heading in words ("p. 3 › Publishing"), or "" for a whole file."""
        parts = []
        if self.page is not None:
            parts.append(t("rag.citation.page", lang, page=self.page))
        if self.rows:
            parts.append(t("rag.citation.rows", lang, rows=self.rows))
        if self.heading:
            parts.append(self.heading)
        return " › ".join(parts)

    def label(self, lang: str | None = None) -> str:
        """ "guide.md (p. 3 › Publishing)" — what an answer shows as its source."""
        where = self.location(lang)
        return (
            t("rag.citation.with_location", lang, file=self.file_name, location=where)
            if where
            else self.file_name
        )


@dataclass(frozen=True)
class Hit:
    """One retrieved chunk: its text, cosine similarity, blended rank score and citation."""

    text: str
    score: float
    rank_score: float
    citation: Citation
    keyword_score: float = 0.0
    keyword_coverage: float = 0.0


class KeywordIndex:
    """BM25 over every chunk of the store (rebuilt when the store changes)."""

    def __init__(self, nodes: Sequence[TextNode]) -> None:
        from rank_bm25 import BM25Okapi

        self.nodes = list(nodes)
        corpus = [tokenize(n.get_content(metadata_mode=MetadataMode.EMBED)) for n in self.nodes]
        self._bm25 = BM25Okapi(corpus) if self.nodes else None

    def scores(self, query: str) -> np.ndarray:
        if self._bm25 is None:
            return np.zeros(0)
        tokens = tokenize(query)
        return np.asarray(self._bm25.get_scores(tokens)) if tokens else np.zeros(len(self.nodes))


def coverage(query_tokens: set[str], text: str) -> float:
    """Share of the question's tokens that occur in `text` (0 when the question has none)."""
    if not query_tokens:
        return 0.0
    return len(query_tokens & set(tokenize(text))) / len(query_tokens)


def _minmax(values: list[float]) -> list[float]:
    low, high = min(values), max(values)
    return [0.0 if high == low else (v - low) / (high - low) for v in values]


def rank(
    query: str,
    query_vector: list[float],
    vector_hits: list[tuple[TextNode, float]],
    *,
    store: VectorStore,
    k: int,
    threshold: float,
    strong: float,
    keywords: KeywordIndex | None = None,
) -> list[Hit]:
    """Pool vector and keyword candidates, blend their scores, keep the relevant top k.

    Relevant = similarity ≥ `strong`, or similarity ≥ `threshold` with word overlap.
    """
    pool: dict[str, tuple[TextNode, float | None]] = {n.node_id: (n, s) for n, s in vector_hits}
    bm25: dict[str, float] = {}
    if keywords is not None and keywords.nodes:
        scores = keywords.scores(query)
        for index in np.argsort(-scores)[: k * POOL_FACTOR]:
            if scores[index] <= 0:
                break
            node = keywords.nodes[int(index)]
            pool.setdefault(node.node_id, (node, None))
        by_id = {n.node_id: float(s) for n, s in zip(keywords.nodes, scores, strict=True)}
        bm25 = {node_id: by_id.get(node_id, 0.0) for node_id in pool}
    _fill_missing_similarities(pool, query_vector, store)
    if not pool:
        return []
    ids = list(pool)
    similarities = [float(pool[i][1] or 0.0) for i in ids]
    if bm25:
        blended = [
            (1 - HYBRID_WEIGHT) * v + HYBRID_WEIGHT * b
            for v, b in zip(_minmax(similarities), _minmax([bm25[i] for i in ids]), strict=True)
        ]
    else:
        blended = similarities
    # One-letter Latin tokens ("2", "x") match almost anything: they are no evidence.
    query_tokens = {tok for tok in tokenize(query) if len(tok) > 1 or not tok.isascii()}
    hits = []
    for node_id, sim, score in zip(ids, similarities, blended, strict=True):
        node = pool[node_id][0]
        overlap = coverage(query_tokens, node.get_content(metadata_mode=MetadataMode.EMBED))
        if sim >= strong or (sim >= threshold and overlap >= MIN_COVERAGE):
            hits.append(
                Hit(
                    node.text, sim, score, Citation.from_node(node), bm25.get(node_id, 0.0), overlap
                )
            )
    hits.sort(key=lambda h: h.rank_score, reverse=True)
    return hits[:k]


def _fill_missing_similarities(
    pool: dict[str, tuple[TextNode, float | None]], query_vector: list[float], store: VectorStore
) -> None:
    """Keyword-only candidates have no similarity yet: compute it from their stored vectors."""
    missing = [node_id for node_id, (_, sim) in pool.items() if sim is None]
    if not missing:
        return
    stored = store.vectors(missing)
    query = np.asarray(query_vector, dtype=np.float32)
    query /= np.linalg.norm(query) or 1.0
    for node_id in missing:
        vector = np.asarray(stored.get(node_id, []), dtype=np.float32)
        if vector.size != query.size:  # vanished between the two calls: drop it
            del pool[node_id]
            continue
        pool[node_id] = (pool[node_id][0], float(vector @ query / (np.linalg.norm(vector) or 1.0)))
