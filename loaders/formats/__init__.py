"""Format readers: each turns one file format into plain text, a paragraph per line."""
