"""A server picks up search indexes that another process saved (a CLI ingest or delete beside
a server on a shared Neo4j), without a restart."""

from pathlib import Path

from service.ingest.audit import AuditLog
from service.ingest.library import Library
from service.ingest.originals import OriginalStore
from service.settings import Settings
from service.wiring import build_components, build_ingestor, open_lexical_index, open_vector_index
from tests.conftest import SAMPLE


def test_a_server_reloads_indexes_saved_by_another_process(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "data", embedder="hash")
    components = build_components(settings)
    try:
        build_ingestor(components).ingest_path(SAMPLE)
        documents = Library(components, OriginalStore(tmp_path / "originals"),
                                    AuditLog(tmp_path / "audit.jsonl"), index_check_s=0)
        with documents.reading() as search:
            before = search.search("心理健康教育", k=1).results[0].task
        gone = [s.id for s in components.store.document_sentences(before.document.id)
                if s.task_id == before.id]

        # Another process removes that task's sentences from both indexes and saves them.
        vectors, lexical = open_vector_index(settings, components.embedder), open_lexical_index(settings)
        vectors.remove(gone)
        lexical.remove(gone)
        vectors.save()
        lexical.save()
        assert components.vectors.saved_elsewhere() and components.lexical.saved_elsewhere()

        with documents.reading() as search:
            after = search.search("心理健康教育", k=5).results
        assert components.vectors.count == vectors.count == 152 - len(gone)
        assert before.id not in {r.task.id for r in after if "entity" not in r.matched_by}
        assert not components.vectors.saved_elsewhere()
    finally:
        components.close()
