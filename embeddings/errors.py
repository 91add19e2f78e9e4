"""Errors of the embeddings package."""


class EmbeddingError(Exception):
    """Root of every embeddings error."""


class EmbedderUnavailableError(EmbeddingError):
    """The model could not be loaded (package missing, path wrong)."""


class IndexMismatchError(EmbeddingError):
    """An index on disk was built by another model or dimension than the one configured."""


class IndexCorruptError(EmbeddingError):
    """An index directory is incomplete or unreadable."""
