"""Writing documents: the ingestor, its journal and consistency check, originals, the library."""
