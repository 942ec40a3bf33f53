"""Knowledge-base figures: ingestion throughput, query latency at scale, ANN recall.

1. Ingestion: the starter guides (data/knowledge) through the real pipeline — read,
   chunk, embed, store — with e5 and with the static model: chunks per second.
2. Query latency at 1k and 10k chunks, Chroma (HNSW) and FAISS (exact inner product):
   the vector query alone, and the whole `KnowledgeBase.search` (query embedding with e5,
   vector query, BM25 hybrid, relevance gate); p50 and p95 over --queries questions.
   Embedding 10k real chunks with e5 would take ~30 minutes on 2 cores, so the large
   collections are built from the e5 vectors of real starter chunks plus small
   normalised Gaussian noise (texts are the source chunk's text with a number), which
   keeps the vectors in e5's real neighbourhood structure.
3. recall@5 of Chroma's approximate HNSW index against exact search (numpy brute force
   over the same vectors); FAISS's flat index is exact by construction (1.0).

Figures only; nothing here asserts on time.

Usage: .venv/bin/python bench/rag.py [--sizes 1000 10000] [--queries 100] [--noise 0.08]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import numpy as np
import yaml
from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

from support_system.core.settings import PROJECT_ROOT, load_settings
from support_system.rag import KnowledgeBase
from support_system.rag.store import ChromaStore, FaissStore, VectorStore

PAIRS = PROJECT_ROOT / "tests" / "integration" / "rag" / "recall_pairs.yaml"


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values), q))


def ingest_throughput(embedding: str) -> tuple[KnowledgeBase, float, int]:
    """Ingest the starter guides into a fresh state dir; (kb, chunks/s, chunks)."""
    state = tempfile.mkdtemp(prefix=f"bench-rag-{embedding}-")
    kb = KnowledgeBase(load_settings(state_dir=state, rag={"embedding": embedding}))
    started = time.perf_counter()
    report = kb.add([PROJECT_ROOT / "data" / "knowledge"])
    seconds = time.perf_counter() - started
    return kb, report.chunks_added / seconds, report.chunks_added


def synthetic_nodes(
    seed: list[TextNode], vectors: np.ndarray, size: int, noise: float
) -> list[TextNode]:
    """`size` nodes around the real seed vectors (see module docstring)."""
    rng = np.random.default_rng(7)
    picks = rng.integers(0, len(seed), size)
    noisy = vectors[picks] + rng.normal(
        0, noise / np.sqrt(vectors.shape[1]), (size, vectors.shape[1])
    )
    noisy /= np.linalg.norm(noisy, axis=1, keepdims=True)
    nodes = []
    for number, (pick, vector) in enumerate(zip(picks, noisy, strict=True)):
        source = seed[int(pick)]
        doc_id = f"bench{number // 20:05d}"
        metadata = {**source.metadata, "doc_id": doc_id, "chunk": number % 20}
        node = TextNode(
            id_=f"{doc_id}-{number % 20}",
            text=f"{source.text} ({number})",
            metadata=metadata,
            embedding=vector.astype(np.float32).tolist(),
        )
        node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=doc_id)
        nodes.append(node)
    return nodes


def fill(store: VectorStore, nodes: list[TextNode]) -> float:
    """Add in batches as ingestion does; returns vectors per second."""
    started = time.perf_counter()
    for start in range(0, len(nodes), 500):
        store.add(nodes[start : start + 500])
    return len(nodes) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument(
        "--noise", type=float, default=0.08, help="Gaussian noise norm added to seed vectors."
    )
    args = parser.parse_args()

    print("== ingestion (starter guides: read, chunk, embed, store in Chroma) ==")
    kb, rate, chunks = ingest_throughput("e5")
    print(f"e5      : {chunks} chunks, {rate:6.1f} chunks/s")
    _, static_rate, static_chunks = ingest_throughput("static")
    print(f"static  : {static_chunks} chunks, {static_rate:6.1f} chunks/s")

    seed = kb.store.nodes()
    stored = kb.store.vectors([n.node_id for n in seed])
    seed = [n for n in seed if n.node_id in stored]
    seed_vectors = np.asarray([stored[n.node_id] for n in seed], dtype=np.float32)
    questions = [p["q"] for p in yaml.safe_load(PAIRS.read_text(encoding="utf-8"))["pairs"]]
    questions = (questions * (args.queries // len(questions) + 1))[: args.queries]
    query_vectors = [kb.embedding.get_query_embedding(q) for q in dict.fromkeys(questions)]
    query_by_text = dict(zip(dict.fromkeys(questions), query_vectors, strict=True))

    print("\n== query latency (ms) and recall@5 of the index vs exact search ==")
    print(
        f"{'store':<7}{'chunks':>7}{'add/s':>9}{'query p50':>11}{'p95':>7}"
        f"{'search p50':>12}{'p95':>7}"
        f"{'recall@5':>10}"
    )
    for size in args.sizes:
        nodes = synthetic_nodes(seed, seed_vectors, size, args.noise)
        matrix = np.asarray([n.embedding for n in nodes], dtype=np.float32)
        ids = [n.node_id for n in nodes]
        for name in ("chroma", "faiss"):
            state = Path(tempfile.mkdtemp(prefix=f"bench-rag-{name}-{size}-"))
            settings = load_settings(state_dir=str(state), rag={"store": name})
            store: VectorStore = (
                ChromaStore.open(settings) if name == "chroma" else FaissStore.open(settings)
            )
            add_rate = fill(store, nodes)
            vector_ms, recalls = [], []
            for question in questions:
                vector = query_by_text[question]
                started = time.perf_counter()
                found = store.query(vector, 5)
                vector_ms.append((time.perf_counter() - started) * 1000)
                exact = {
                    ids[i] for i in np.argsort(-(matrix @ np.asarray(vector, dtype=np.float32)))[:5]
                }
                recalls.append(len(exact & {n.node_id for n, _ in found}) / 5)
            bench_kb = KnowledgeBase(settings, store=store, embedding=kb.embedding)
            bench_kb.search(questions[0], all_scopes=True)  # builds the BM25 index once
            search_ms = []
            for question in questions:
                started = time.perf_counter()
                bench_kb.search(question, all_scopes=True)
                search_ms.append((time.perf_counter() - started) * 1000)
            print(
                f"{name:<7}{size:>7}{add_rate:>9.0f}{statistics.median(vector_ms):>11.2f}"
                f"{percentile(vector_ms, 95):>7.2f}{statistics.median(search_ms):>12.1f}"
                f"{percentile(search_ms, 95):>7.1f}{statistics.mean(recalls):>10.3f}"
            )
    print(
        "\nquery = vector store query only; search = KnowledgeBase.search end to end "
        f"(e5 query embedding + hybrid BM25), {len(questions)} questions; cores: {os.cpu_count()}"
    )


if __name__ == "__main__":
    main()
