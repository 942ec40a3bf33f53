"""Knowledge base: ingestion, embeddings, vector stores, cited retrieval (RAG issue)."""
