"""Answering questions: the search service, ranking, the English bridge, entity linking."""
