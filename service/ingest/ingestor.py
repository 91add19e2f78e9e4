"""Ingest: files -> graph (one transaction per document) -> vector and lexical indexes.

Per document, in this order (crash safety, see ``service.ingest.journal``):

1. load (decode, outline, records): no side effects, so a failing file is reported and skipped;
2. vectors for the sentences whose text is new to the vector index, from the embedding cache
   (keyed by model and text sha256) or else the model, cached at once;
3. the document id goes into the journal, with an attempt counted;
4. the graph write (one transaction);
5. the document's entries in both indexes are made equal to its sentences (in memory).

The indexes are saved, each atomically, at checkpoints and at the end; then the journal is
emptied. Step 5 compares with the indexes' own entries of the document, not with what the
graph write reports as removed, so it converges however often it runs: re-running a killed
command, or recovering from its journal, leaves graph and indexes agreeing.

A document on which steps 4-5 (or a delete, a repair, a recovery) died or raised
``MAX_ATTEMPTS`` times is not tried again: recovery removes it from the graph and both
indexes and puts it on the journal's failed list (a poison document must not hang every
later command). The same file is refused until that list is cleared.
"""

import logging
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from embeddings.base import Embedder, Vectors
from embeddings.embedding_cache import EmbeddingCache
from embeddings.errors import EmbedderUnavailableError, EmbeddingError
from embeddings.lexical_index import LexicalEntry, LexicalIndex
from embeddings.vector_index import VectorEntry, VectorIndex, text_sha
from graph.base import GraphStore, SharedSearchStore, StoredVector
from graph.errors import GraphError, GraphUnavailableError
from graph.models import (
    GraphBatch,
    Institution,
    Place,
    PolicyDocument,
    Programme,
    Relation,
    Sentence,
)
from loaders.errors import LoaderError
from loaders.files import LoadedDocument, load_bytes, load_file
from loaders.outline import unlike_a_policy
from service.errors import ServiceError
from service.ingest.journal import (
    MAX_ATTEMPTS,
    RECOVERY_STAGE,
    Attempt,
    FailedDocument,
    Journal,
    JournalRecord,
    Operation,
    pause_point,
)
from service.ingest.originals import OriginalStore

log = logging.getLogger(__name__)

EMBED_CHUNK = 256  # texts per model call between progress updates and cache writes
DEFAULT_CHECKPOINT_S = 60.0


class InconsistentDocumentError(ServiceError):
    """The records of a document contradict themselves (two tasks on one path): writing them
    would silently merge nodes, so the document is refused."""


class FailedDocumentError(ServiceError):
    """The same file is on the journal's failed list (it failed ``MAX_ATTEMPTS`` times): it
    is refused until the list is cleared or the file changes."""


@dataclass
class IngestReport:
    doc_id: str
    title: str
    source: str
    sections: int
    tasks: int
    sentences: int
    embedded: int  # texts the model embedded for this document
    removed_tasks: int
    cached: int = 0  # sentences whose vector came from the embedding cache
    removed_task_ids: list[str] = field(default_factory=list)


@dataclass
class FileFailure:
    """A file not ingested: it failed, or (``skipped``) it does not read as a policy document."""

    path: str
    reason: str
    skipped: bool = False


@dataclass
class BatchReport:
    """What ``ingest_files`` did: per-file reports, failures, time per stage (seconds)."""

    files: int
    reports: list[IngestReport]
    failures: list[FileFailure]
    seconds: float
    stage_seconds: dict[str, float]
    skipped: list[FileFailure] = field(default_factory=list)

    @property
    def tasks(self) -> int:
        return sum(r.tasks for r in self.reports)

    @property
    def sentences(self) -> int:
        return sum(r.sentences for r in self.reports)

    @property
    def embedded(self) -> int:
        return sum(r.embedded for r in self.reports)

    @property
    def cached(self) -> int:
        return sum(r.cached for r in self.reports)


@dataclass
class ReindexReport:
    documents: int
    sentences: int
    embedded: int
    cached: int
    seconds: float
    superseded: JournalRecord | None  # an interrupted operation the rebuild made moot


@dataclass
class Recovery:
    """An interrupted write found in the journal, and what recovery did about it."""

    record: JournalRecord
    synced_documents: int
    failed: list[FailedDocument] = field(default_factory=list)

    def message(self) -> str:
        r = self.record
        what = f"an interrupted `{r.command}` (pid {r.pid}, started {r.started})"
        gave_up = "".join(
            f" Gave up on {f.name} ({f.doc_id}): its {f.step} failed {f.attempts} times "
            f"({f.error}); it was removed and is listed by `policykg check`."
            for f in self.failed)
        if r.op == "reindex":
            return (f"{what} was found; the previous indexes are in place. Run "
                    "`policykg reindex` to rebuild them.")
        done = (f" It had finished {r.files_done} of {r.files_total} files."
                if r.files_total else "")
        by_cli = r.command.startswith("policykg ")
        if r.op == "delete":
            again = (f" Run `{r.command}` again if the document is still listed."
                     if by_cli else " Repeat the delete if the document is still listed.")
        else:
            again = (f" Run `{r.command}` again to finish it (unchanged documents cost no "
                     "model time)." if by_cli else
                     " Upload the document again if it is missing.")
        return (f"{what} was found: the search indexes of the {self.synced_documents} "
                f"document(s) it was writing now match the graph.{gave_up}{done}{again}")


class IngestObserver:
    """Progress callbacks; every method does nothing here (override what you display)."""

    def file_started(self, path: Path) -> None:
        """A file is about to be loaded."""

    def file_finished(self, path: Path, report: IngestReport | None,
                      failure: FileFailure | None) -> None:
        """A file is done: exactly one of ``report`` and ``failure`` is set."""

    def sentences_found(self, count: int) -> None:
        """``count`` more sentences will be written (a loaded file; the graph, in reindex)."""

    def embedding_planned(self, count: int) -> None:
        """``count`` more texts will go to the model (the others come from caches)."""

    def embedded(self, count: int) -> None:
        """The model embedded ``count`` more texts."""


class _CallbackObserver(IngestObserver):
    def __init__(self, progress: Callable[[int], None]) -> None:
        self._progress = progress

    def embedded(self, count: int) -> None:
        self._progress(count)


@dataclass
class _Planned:
    """Vectors to upsert for a document's sentences, by sentence id, and where they came from."""

    vectors: dict[str, Vectors]
    embedded: int
    cached: int


class Ingestor:
    """Writes documents to the graph and both search indexes, and keeps them agreeing.

    One write at a time: within the process (a lock) and across processes sharing the index
    directory (the journal's file lock). ``cache`` (optional) is the persistent embedding
    cache; ``journal`` defaults to one in the vector index's parent directory.
    """

    def __init__(self, store: GraphStore, embedder: Embedder, vectors: VectorIndex,
                 lexical: LexicalIndex, cache: EmbeddingCache | None = None,
                 journal: Journal | None = None,
                 checkpoint_s: float = DEFAULT_CHECKPOINT_S,
                 originals: OriginalStore | None = None,
                 shared: SharedSearchStore | None = None) -> None:
        self._store = store
        # On a graph that replicas share (Neo4j), every change of a document's index entries
        # is published there (its vectors and a new generation) for the other replicas.
        self._shared = shared
        self.published: set[int] = set()  # generations this ingestor published
        self._originals = originals  # uploaded files as they came, for GET .../original
        self._embedder = embedder
        self._vectors = vectors
        self._lexical = lexical
        self._cache = cache
        self._journal = journal or Journal(vectors.directory.parent)
        self._checkpoint_s = checkpoint_s
        self._last_save = time.monotonic()
        self._times: dict[str, float] = {}
        self.recovered: Recovery | None = None  # the last recovery this ingestor performed

    # --- public operations ----------------------------------------------------------------

    def ingest_path(self, path: Path) -> IngestReport:
        return self.ingest_loaded(load_file(path))

    def ingest_bytes(self, name: str, content: bytes) -> IngestReport:
        return self.ingest_loaded(load_bytes(name, content))

    def ingest_loaded(self, loaded: LoadedDocument,
                      progress: Callable[[int], None] | None = None,
                      command: str | None = None) -> IngestReport:
        """Ingest one loaded document and save the indexes. ``progress`` is called with the
        number of sentences embedded after each model call."""
        observer = _CallbackObserver(progress) if progress else IngestObserver()
        document = loaded.batch.document
        self._refuse_failed(document.id, document.sha256, loaded.source_name)  # before a journal
        with self._operation("ingest", command or f"ingest {loaded.source_name}"):
            return self._ingest(loaded, observer)

    def embed_ahead(self, loaded: LoadedDocument) -> int:
        """Embed the sentences of ``loaded`` that neither the index nor a cache has, into the
        embedding cache, so that ingesting it next costs no model time. A server runs this
        before taking its write gate: searches go on while an upload is embedded. Returns the
        number of texts embedded (none without a cache)."""
        if self._cache is None:
            return 0
        batch = loaded.batch
        embedded = self._plan_vectors(batch.document.id, batch.sentences, IngestObserver()).embedded
        pause_point("embedded")
        return embedded

    def stale_documents(self) -> set[str]:
        """Documents whose entries differ between the graph, the shared vectors (if any) and
        this process' two indexes: what a replica syncs at start (all of them when its data
        directory is empty)."""
        graph = {s.id: (doc, text_sha(s.text)) for s, doc in self._store.all_sentences()}
        sources = [graph,
                   {e.sentence_id: (e.doc_id, e.text_sha) for e in self._vectors.entries()},
                   {e.sentence_id: (e.doc_id, text_sha(e.text)) for e in self._lexical.entries()}]
        if self._shared is not None:
            sources.append(self._shared.vector_keys(self._embedder.name))
        stale: set[str] = set()
        for sentence_id in set().union(*sources):
            seen = {source.get(sentence_id) for source in sources}
            if len(seen) > 1:
                stale.update(doc for doc, _ in filter(None, seen))
        return stale

    def follow(self, doc_ids: Collection[str]) -> None:
        """Make these documents' index entries match the graph, with vectors from the shared
        store (another replica changed them): no journal or lock, nothing saved; in memory,
        like the changes between two checkpoints."""
        for doc_id in sorted(doc_ids):
            self._sync_from_graph(doc_id)

    def ingest_files(self, files: Sequence[Path], observer: IngestObserver | None = None,
                     command: str | None = None, screened: Collection[Path] = ()
                     ) -> BatchReport:
        """Ingest files one after another; a file that fails is reported and the rest go on.
        A file of ``screened`` (found in a directory rather than named) that does not read as
        a policy document is skipped, with the reason. The indexes are saved every
        ``checkpoint_s`` seconds and at the end."""
        observer = observer or IngestObserver()
        started = time.perf_counter()
        self._times = {}
        reports: list[IngestReport] = []
        failures: list[FileFailure] = []
        skipped: list[FileFailure] = []
        with self._operation("ingest", command or f"ingest {len(files)} files",
                             files_total=len(files)):
            for path in files:
                observer.file_started(path)
                report, failure = self._ingest_file(path, observer, path in screened)
                if report is not None:
                    reports.append(report)
                if failure is not None:
                    (skipped if failure.skipped else failures).append(failure)
                self._journal.file_done()
                observer.file_finished(path, report, failure)
                if time.monotonic() - self._last_save >= self._checkpoint_s:
                    self._checkpoint()
        return BatchReport(files=len(files), reports=reports, failures=failures,
                           seconds=time.perf_counter() - started,
                           stage_seconds=dict(self._times), skipped=skipped)

    def delete(self, doc_id: str, command: str | None = None, *,
               clear_failed: bool = False) -> bool:
        """Remove a document from the graph and both indexes (and, with ``clear_failed``,
        from the failed list: ``policykg delete``). True if anything was removed (an
        ingested document, index entries a crashed run left behind, a failed-list entry)."""
        with self._operation("delete", command or f"delete {doc_id}"):
            self._journal.start(doc_id, "delete")
            had_entries = bool(self._vectors.entries({doc_id}) or self._lexical.entries({doc_id}))
            with self._attempt(doc_id):
                with self._timed("graph"):
                    write = self._store.delete_document(doc_id)
                pause_point("graph-written")
                self._sync_from_graph(doc_id)
            listed = self._journal.clear_failed([doc_id]) if clear_failed else []
            return write is not None or had_entries or bool(listed)

    def reindex(self, observer: IngestObserver | None = None,
                command: str = "policykg reindex") -> ReindexReport:
        """Rebuild both indexes from the graph's sentences (e.g. after changing the embedder)
        and swap them in. Vectors come from the embedding cache where it has them for this
        model. An interrupted ingest's journal is superseded: the rebuild covers it."""
        observer = observer or IngestObserver()
        started = time.perf_counter()
        with self._operation("reindex", command) as superseded:
            rows = self._store.all_sentences()
            observer.sentences_found(len(rows))
            self._vectors.clear()
            self._lexical.clear()
            with self._timed("lexical"):  # names first: sentences are cut once, with them
                self._lexical.add_user_words(
                    self._graph_entity_names([s.task_id for s, _ in rows]))
            by_doc: dict[str, list[Sentence]] = {}
            for sentence, doc_id in rows:
                by_doc.setdefault(doc_id, []).append(sentence)
            embedded = cached = 0
            for doc_id, sentences in by_doc.items():
                planned = self._plan_vectors(doc_id, sentences, observer)
                embedded += planned.embedded
                cached += planned.cached
                self._apply(doc_id, sentences, planned, [])
        return ReindexReport(documents=len(by_doc), sentences=len(rows), embedded=embedded,
                             cached=cached, seconds=time.perf_counter() - started,
                             superseded=superseded)

    def recover(self) -> Recovery | None:
        """Finish what an interrupted write left (see the module docstring); None if none."""
        with self._journal.locked("recovery"):
            self._vectors.reload_if_changed()
            self._lexical.reload_if_changed()
            return self._recover_locked()

    def repair(self) -> tuple[int, list[FailedDocument]]:
        """Make every document's index entries match the graph, and clear the failed list
        (its documents are removed, again, rather than tried: what ``policykg check --repair``
        runs). Returns the number of documents looked at and the failed-list entries cleared."""
        with self._operation("ingest", "policykg check --repair"):
            failed = self._journal.failed()
            for entry in failed:
                if entry.doc_id != "?":
                    self._journal.start(entry.doc_id, "repair")
                    self._remove_document(entry.doc_id)
                    self._journal.finished(entry.doc_id)
            skipped = {f.doc_id for f in failed}
            doc_ids = [d for d in self._all_documents() if d not in skipped]
            for doc_id in doc_ids:
                self._journal.start(doc_id, "repair")
                with self._attempt(doc_id):
                    self._sync_from_graph(doc_id)
        cleared = self._journal.clear_failed(skipped)
        return len(doc_ids), cleared

    @property
    def stage_seconds(self) -> dict[str, float]:
        """Seconds spent per stage since this ingestor was built."""
        return dict(self._times)

    # --- one document ---------------------------------------------------------------------

    def _ingest_file(self, path: Path, observer: IngestObserver, screened: bool
                     ) -> tuple[IngestReport | None, FileFailure | None]:
        try:
            with self._timed("load"):
                loaded = load_file(path)
            if screened and (reason := unlike_a_policy(loaded.parsed)) is not None:
                return None, FileFailure(str(path), f"{path.name}: {reason}", skipped=True)
        except LoaderError as exc:
            return None, FileFailure(str(path), str(exc))
        except Exception as exc:  # a loader bug on one file must not stop a directory
            log.exception("loading %s failed", path)
            return None, FileFailure(str(path), f"{path.name}: cannot be read "
                                                f"({type(exc).__name__}: {exc})")
        try:
            return self._ingest(loaded, observer), None
        except GraphUnavailableError:
            raise  # the backend is gone (or locked): every further file would fail too
        except EmbedderUnavailableError:
            raise
        except (LoaderError, InconsistentDocumentError, FailedDocumentError) as exc:
            # Its message names the file.
            return None, FileFailure(str(path), str(exc))
        except (GraphError, EmbeddingError) as exc:
            return None, FileFailure(str(path), f"{path.name}: {exc}")

    def _ingest(self, loaded: LoadedDocument, observer: IngestObserver) -> IngestReport:
        with self._timed("citations"):
            batch = self._resolve_citations(_checked(loaded))
        doc_id = batch.document.id
        self._refuse_failed(doc_id, batch.document.sha256, loaded.source_name)
        observer.sentences_found(len(batch.sentences))
        planned = self._plan_vectors(doc_id, batch.sentences, observer)
        self._journal.start(doc_id, "ingest", name=loaded.source_name,
                            sha256=batch.document.sha256)
        pause_point("journal")
        with self._attempt(doc_id):
            with self._timed("graph"):
                write = self._store.write_document(batch)
            with self._timed("citations"):
                for document in [batch.document, *batch.issued_documents]:
                    self._absorb_placeholders(document)
            pause_point("graph-written")
            self._apply(doc_id, batch.sentences, planned, self._entity_names(batch))
        pause_point("indexes-updated")
        self._journal.clear_failed([doc_id])  # other content than the file that failed
        if self._originals is not None:
            self._originals.save(loaded.source_name, loaded.content)
        return IngestReport(
            doc_id=doc_id, title=batch.document.title, source=loaded.source_name,
            sections=len(batch.sections), tasks=len(batch.tasks),
            sentences=len(batch.sentences), embedded=planned.embedded,
            removed_tasks=len(write.removed_task_ids), cached=planned.cached,
            removed_task_ids=list(write.removed_task_ids),
        )

    def _refuse_failed(self, doc_id: str, sha256: str | None, name: str) -> None:
        for entry in self._journal.failed():
            if entry.doc_id == doc_id and entry.sha256 == sha256:
                raise FailedDocumentError(
                    f"{name}: this file failed {entry.attempts} times ({entry.step}: "
                    f"{entry.error}) and is on the failed list; run `policykg check --repair` "
                    f"(or `policykg delete {doc_id}`) to clear it before trying it again")

    def _absorb_placeholders(self, document: PolicyDocument) -> None:
        """A document cited earlier (by 文号 or by title) before it was ingested is one node
        with it, not two: the cited-only node's citations move to the ingested one."""
        numbers = [document.doc_number] if document.doc_number else []
        for placeholder in self._store.find_documents(numbers, [document.title_key]):
            if not placeholder.ingested and placeholder.id != document.id:
                self._store.relink_cited_document(placeholder.id, document.id)

    def _resolve_citations(self, batch: GraphBatch) -> GraphBatch:
        """Point citations at documents already in the graph (matched on 文号, else title)."""
        if not batch.cited_documents:
            return batch
        existing = self._store.find_documents(
            [d.doc_number for d in batch.cited_documents if d.doc_number],
            [d.title_key for d in batch.cited_documents])
        # An ingested document wins over a cited-only node of the same 文号 or title.
        existing.sort(key=lambda d: not d.ingested)
        by_number: dict[str, PolicyDocument] = {}
        by_title: dict[str, PolicyDocument] = {}
        for d in existing:
            if d.doc_number:
                by_number.setdefault(d.doc_number, d)
            by_title.setdefault(d.title_key, d)
        renamed: dict[str, str] = {}
        cited: list[PolicyDocument] = []
        for doc in batch.cited_documents:
            match = (by_number.get(doc.doc_number) if doc.doc_number else None) \
                or by_title.get(doc.title_key)
            if match is not None and match.id != doc.id:
                renamed[doc.id] = match.id
                cited.append(match)
            else:
                cited.append(doc)
        if not renamed:
            return batch
        relations = [
            r.model_copy(update={"end_id": renamed.get(r.end_id, r.end_id)})
            if r.end_label == "PolicyDocument" else r
            for r in batch.relations
        ]
        unique_cited = list({d.id: d for d in cited if d.id != batch.document.id}.values())
        return batch.model_copy(update={
            "cited_documents": unique_cited,
            "relations": [r for r in dict.fromkeys(relations) if not _self_citation(r, batch)],
        })

    # --- vectors and indexes --------------------------------------------------------------

    def _plan_vectors(self, doc_id: str, sentences: Sequence[Sentence],
                      observer: IngestObserver) -> _Planned:
        """Vectors for the sentences whose id or text is new to the vector index: from the
        embedding cache, else from the model (each distinct text once, cached at once)."""
        with self._timed("cache"):
            known = {e.sentence_id: e.text_sha for e in self._vectors.entries({doc_id})}
            needed = {s.id: text_sha(s.text) for s in sentences
                      if known.get(s.id) != text_sha(s.text)}
            texts = {text_sha(s.text): s.text for s in sentences if s.id in needed}
            by_sha: dict[str, Vectors] = {}
            if self._cache is not None and texts:
                by_sha = self._cache.get(self._embedder.name, self._embedder.dimension, texts)
        if self._shared is not None and len(by_sha) < len(texts):
            with self._timed("shared"):
                by_sha.update(self._shared_vectors(doc_id, needed, by_sha))
        todo = [sha for sha in texts if sha not in by_sha]
        if todo:
            observer.embedding_planned(len(todo))
        for start in range(0, len(todo), EMBED_CHUNK):
            chunk = todo[start:start + EMBED_CHUNK]
            with self._timed("embed"):
                vectors = self._embedder.embed_passages([texts[sha] for sha in chunk])
            with self._timed("cache"):
                if self._cache is not None:
                    self._cache.put(self._embedder.name, chunk, vectors)
            by_sha.update(zip(chunk, vectors, strict=True))
            observer.embedded(len(chunk))
        fresh = set(todo)
        return _Planned(
            vectors={sid: by_sha[sha] for sid, sha in needed.items()},
            embedded=len(todo),
            cached=sum(1 for sha in needed.values() if sha not in fresh),
        )

    def _shared_vectors(self, doc_id: str, needed: dict[str, str], known: dict[str, Vectors]
                        ) -> dict[str, Vectors]:
        """Vectors by text sha that the shared store holds for the needed sentences."""
        assert self._shared is not None
        found: dict[str, Vectors] = {}
        for stored in self._shared.stored_vectors(self._embedder.name, {doc_id}):
            sha = stored.text_sha
            if needed.get(stored.sentence_id) != sha or sha in known or sha in found:
                continue
            vector = np.frombuffer(stored.vector, dtype="<f4")
            if vector.shape == (self._embedder.dimension,):
                found[sha] = vector
        return found

    def _publish(self, doc_id: str) -> None:
        """Make the shared store's vectors of ``doc_id`` equal to this index's entries, and
        record the change under a new generation; nothing when they are equal already (so a
        replica that follows a change does not publish it again)."""
        if self._shared is None:
            return
        with self._timed("publish"):
            model = self._embedder.name
            stored = self._shared.vector_keys(model, {doc_id})
            local = self._vectors.entries({doc_id})
            upsert = [e for e in local if stored.get(e.sentence_id) != (doc_id, e.text_sha)]
            if not upsert and len(stored) == len(local):
                return
            vectors = self._vectors.vectors_of([e.sentence_id for e in upsert])
            rows = [StoredVector(e.sentence_id, doc_id, e.task_id, e.text_sha,
                                 np.ascontiguousarray(v, dtype="<f4").tobytes())
                    for e, v in zip(upsert, vectors, strict=True)]
            self.published.add(self._shared.publish_vectors(
                doc_id, model, rows, keep=[e.sentence_id for e in local]))

    def _apply(self, doc_id: str, sentences: Sequence[Sentence], planned: _Planned,
               names: list[str]) -> None:
        """Make both indexes hold exactly ``sentences`` for ``doc_id`` (in memory)."""
        keep = {s.id for s in sentences}
        with self._timed("vectors"):
            self._vectors.remove(e.sentence_id for e in self._vectors.entries({doc_id})
                                 if e.sentence_id not in keep)
            upsert = [s for s in sentences if s.id in planned.vectors]
            if upsert:
                self._vectors.upsert(
                    [VectorEntry(s.id, s.task_id, doc_id, text_sha(s.text)) for s in upsert],
                    np.vstack([planned.vectors[s.id] for s in upsert]))
        with self._timed("lexical"):
            self._lexical.remove(e.sentence_id for e in self._lexical.entries({doc_id})
                                 if e.sentence_id not in keep)
            self._lexical.add_user_words(names)
            self._lexical.upsert([LexicalEntry(s.id, s.task_id, doc_id, s.text)
                                  for s in sentences])
        self._publish(doc_id)

    def _sync_from_graph(self, doc_id: str) -> None:
        """Make the document's index entries match its sentences in the graph (none if it is
        not there), embedding only what neither index nor cache has."""
        sentences = self._store.document_sentences(doc_id)
        planned = self._plan_vectors(doc_id, sentences, IngestObserver())
        names = self._graph_entity_names([s.task_id for s in sentences])
        self._apply(doc_id, sentences, planned, names)

    def _remove_document(self, doc_id: str) -> None:
        """Take a document out of the graph and both indexes without reading its sentences
        (a failed document's text may be what hangs)."""
        self._store.delete_document(doc_id)
        self._vectors.remove(e.sentence_id for e in self._vectors.entries({doc_id}))
        self._lexical.remove(e.sentence_id for e in self._lexical.entries({doc_id}))
        self._publish(doc_id)

    @contextmanager
    def _attempt(self, doc_id: str) -> Iterator[None]:
        """A step on ``doc_id`` (its attempt already counted): an exception is recorded in the
        journal, and an unavailable backend takes the attempt back."""
        try:
            yield
        except (GraphUnavailableError, EmbedderUnavailableError) as exc:
            self._journal.step_failed(doc_id, exc, count=False)
            raise
        except Exception as exc:
            self._journal.step_failed(doc_id, exc)
            raise
        self._journal.finished(doc_id)

    def _graph_entity_names(self, task_ids: Sequence[str]) -> list[str]:
        """Entity names and aliases linked to these tasks, and the titles they cite."""
        names: list[str] = []
        unique = list(dict.fromkeys(task_ids))
        for start in range(0, len(unique), 1000):
            for context in self._store.task_contexts(unique[start:start + 1000]).values():
                named: list[Institution | Programme | Place] = [
                    *context.institutions, *context.programmes, *context.places]
                names.extend(name for node in named for name in (node.name, *node.aliases))
                names.extend(d.title for d in context.documents)
        return list(dict.fromkeys(names))

    # --- operations, checkpoints, recovery ------------------------------------------------

    @contextmanager
    def _operation(self, op: Operation, command: str, files_total: int = 0
                   ) -> Iterator[JournalRecord | None]:
        """Lock, recover what a crashed writer left, journal, and save at the end. On an
        exception the journal stays, so that the next operation (or process) recovers."""
        with self._journal.locked(command):
            superseded = None
            if op != "reindex":
                # Another process (a CLI ingest beside a server on Neo4j) may have saved them.
                self._vectors.reload_if_changed()
                self._lexical.reload_if_changed()
            if op == "reindex":
                superseded = self._journal.read()  # the rebuild makes it moot
            else:
                self._recover_locked()
            self._journal.begin(op, command, files_total)
            self._last_save = time.monotonic()
            yield superseded
            self._checkpoint()
            self._journal.finish()

    def _checkpoint(self) -> None:
        """Save the indexes that changed (each atomically), then empty the journal."""
        if self._vectors.changed:
            with self._timed("save-vectors"):
                self._vectors.save()
        pause_point("vectors-saved")
        if self._lexical.changed:
            with self._timed("save-lexical"):
                self._lexical.save()
        pause_point("lexical-saved")
        self._journal.checkpoint()
        self._last_save = time.monotonic()

    def _recover_locked(self) -> Recovery | None:
        record = self._journal.read()
        if record is None:
            return None
        documents = record.documents if record.readable else self._all_documents()
        failed: list[FailedDocument] = []
        if record.op != "reindex":
            self._journal.resume(record, documents)
            for doc_id in documents:
                tried = record.attempts.get(doc_id)
                if tried is not None and tried.count >= MAX_ATTEMPTS:
                    failed.append(self._give_up(doc_id, tried, record))
                    continue
                attempt = self._journal.start(doc_id, tried.step if tried else "recovery")
                pause_point(RECOVERY_STAGE)
                try:
                    with self._attempt(doc_id):
                        self._recover_document(doc_id)
                except (GraphUnavailableError, EmbedderUnavailableError):
                    raise
                except Exception:
                    if attempt.count < MAX_ATTEMPTS:
                        raise
                    log.exception("recovering %s failed %d times", doc_id, attempt.count)
                    failed.append(self._give_up(doc_id, attempt, record))
            if self._vectors.changed:
                self._vectors.save()
            if self._lexical.changed:
                self._lexical.save()
        self._journal.finish()
        self.recovered = Recovery(record, len(documents) - len(failed), failed)
        log.warning("policykg: %s", self.recovered.message())
        return self.recovered

    def _recover_document(self, doc_id: str) -> None:
        self._sync_from_graph(doc_id)
        document = self._store.get_document(doc_id)
        if document is not None and document.ingested:
            self._absorb_placeholders(document)

    def _give_up(self, doc_id: str, attempt: Attempt, record: JournalRecord) -> FailedDocument:
        """Put a document that failed ``MAX_ATTEMPTS`` times on the failed list, then remove
        it from the graph and both indexes, so that they agree without running its step."""
        document = self._store.get_document(doc_id)
        entry = FailedDocument(
            doc_id=doc_id, name=attempt.name or (document.title if document else doc_id),
            step=attempt.step, attempts=attempt.count, command=record.command,
            error=attempt.error or "the process died during the step (hung, then killed?)",
            sha256=attempt.sha256 or (document.sha256 if document else None))
        self._journal.add_failed(entry)
        self._remove_document(doc_id)
        self._journal.finished(doc_id)
        log.error("policykg: gave up on %s (%s) after %d attempts at its %s: %s",
                  entry.name, doc_id, entry.attempts, entry.step, entry.error)
        return entry

    def _all_documents(self) -> list[str]:
        """Every document with sentences in the graph or entries in an index."""
        return sorted({doc for _, doc in self._store.all_sentences()}
                      | {e.doc_id for e in self._vectors.entries()}
                      | {e.doc_id for e in self._lexical.entries()})

    @contextmanager
    def _timed(self, stage: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            self._times[stage] = self._times.get(stage, 0.0) + time.perf_counter() - started

    @staticmethod
    def _entity_names(batch: GraphBatch) -> list[str]:
        """Entity names and aliases, kept whole by the lexical tokenizer."""
        named: list[Institution | Programme | Place] = [
            *batch.institutions, *batch.programmes, *batch.places]
        names = [name for node in named for name in (node.name, *node.aliases)]
        names.extend(d.title for d in batch.cited_documents)
        return names


def _checked(loaded: LoadedDocument) -> GraphBatch:
    """The batch, refused if two of its sections, tasks or sentences share an id (the outline
    gave two items the same path): the graph would merge them and lose one's text."""
    batch = loaded.batch
    for kind, items in (("section", batch.sections), ("task", batch.tasks)):
        seen: set[str] = set()
        for item in items:
            if item.id in seen:
                raise InconsistentDocumentError(
                    f"{loaded.source_name}: two {kind}s have the path {item.path!r}; each "
                    f"{kind} needs its own path (an outline parsing problem)")
            seen.add(item.id)
    if len({s.id for s in batch.sentences}) != len(batch.sentences):
        raise InconsistentDocumentError(f"{loaded.source_name}: two sentences share an id")
    return batch


def _self_citation(relation: Relation, batch: GraphBatch) -> bool:
    return (relation.type in ("CITES", "MENTIONS") and relation.end_id == batch.document.id)
