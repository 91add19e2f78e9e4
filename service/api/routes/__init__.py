"""One router per area: search, documents, graph, ops."""
