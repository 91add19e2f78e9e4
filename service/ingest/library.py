"""Changing the library through the API: uploads and deletes, one at a time.

Searches never wait for a write (issue 17). A write works on copies of both indexes (the next
generation): an upload is parsed and embedded, written to the graph, applied to the copies,
and a search service over the copies and a graph snapshot read after the write is built and
warmed up (all of it on one thread of lower priority, so that on a few cores the searches
meanwhile get the CPU first); only then is it swapped in, under a read/write gate held for an
instant. Until the swap every search answers from the previous generation, whole: its indexes
and its own graph snapshot, never half of each. An upload is searchable as soon as it returns.

A failed ingest is undone: the current generation never saw it; the graph is put back as it
was, by re-ingesting the document's previous original (a document that had none is removed),
in a generation of its own, so graph and indexes agree either way.

On a graph that replicas share (Neo4j), changes other replicas published are followed the
same way (``follow_changes``; ``service.ingest.follower`` calls it every second), and a
replica starting syncs whatever differs (``catch_up``).

After each write (and at start-up) the service checks that graph and indexes agree and keeps
the outcome in ``health`` (a ``HealthFlag``), which ``/health`` reads without checking.
"""

import os
import sys
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import PurePosixPath
from typing import ParamSpec, TypeVar

from graph.base import SEARCH_CHANGES_KEPT
from graph.errors import GraphError
from graph.models import PolicyDocument
from graph.snapshot import GraphSnapshot
from loaders.files import load_bytes, load_resources
from service.api.auth import Principal
from service.errors import InvalidUploadError, NotFoundError
from service.ingest.audit import AuditLog
from service.ingest.consistency import HealthFlag
from service.ingest.ingestor import Ingestor
from service.ingest.originals import OriginalStore
from service.logs import get_logger
from service.search.service import SearchService
from service.wiring import (
    Components,
    build_ingestor,
    build_search,
    journal,
    shared_search,
)

_log = get_logger("documents")
_P = ParamSpec("_P")
_R = TypeVar("_R")
_MAX_NAME = 255
INDEX_CHECK_S = 2.0  # how often a server looks for indexes another process saved
# Uploads and deletes run at this much more niceness than the server (Linux sets it per thread;
# the model's own threads, started from that thread, inherit it). On 2 cores an upload's
# embedding otherwise took half the CPU from searches (bench/http_load.py: search p99 during an
# upload, against idle). One thread for every write also keeps its graph connection, and the
# statements prepared on it, from one write to the next.
UPLOAD_NICENESS = 10


class ReadWriteGate:
    """Many readers or one writer; a waiting writer goes before readers that arrive later."""

    def __init__(self) -> None:
        self._condition = threading.Condition()
        self._readers = 0
        self._writing = False
        self._writers_waiting = 0

    @contextmanager
    def read(self) -> Iterator[None]:
        with self._condition:
            while self._writing or self._writers_waiting:
                self._condition.wait()
            self._readers += 1
        try:
            yield
        finally:
            with self._condition:
                self._readers -= 1
                if not self._readers:
                    self._condition.notify_all()

    @contextmanager
    def write(self) -> Iterator[None]:
        with self._condition:
            self._writers_waiting += 1
            try:
                while self._writing or self._readers:
                    self._condition.wait()
            finally:
                self._writers_waiting -= 1
            self._writing = True
        try:
            yield
        finally:
            with self._condition:
                self._writing = False
                self._condition.notify_all()


@dataclass
class UploadOutcome:
    doc_id: str
    created: bool
    embedded: int
    removed_tasks: int


def clean_file_name(name: str | None) -> str:
    """The last path component of an uploaded file name, without control characters."""
    base = PurePosixPath((name or "").replace("\\", "/")).name
    base = "".join(ch for ch in base if ch.isprintable()).strip()
    if not base or base in (".", ".."):
        raise InvalidUploadError("the upload needs a file name with a suffix, e.g. plan.txt")
    return base[-_MAX_NAME:]


class Library:
    """The documents a server holds: uploads, deletes and their undo, each swapped in as a
    new generation of the indexes so that a search sees the state before a write or after it,
    and never waits for it."""

    def __init__(self, components: Components, originals: OriginalStore, audit: AuditLog,
                 search: SearchService | None = None,
                 index_check_s: float = INDEX_CHECK_S) -> None:
        self._components = components
        self._originals = originals
        self._audit = audit
        self._search = search or build_search(components)
        self.gate = ReadWriteGate()
        # One upload or delete at a time, its parse included: parsing takes seconds of CPU for
        # a large file, and parses side by side would multiply that. Searches wait only for
        # the write itself (the gate), not for the parse.
        self._writer = threading.Lock()
        self._index_check_s = index_check_s
        self._index_checked_at = time.monotonic()
        self.health = HealthFlag()  # unchecked (degraded) until check_consistency() runs
        # On a shared graph: the generation this replica's indexes reflect, and the ones its
        # own writes published (already applied here).
        self.generation = 0
        self._own_generations: set[int] = set()
        self._background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="policykg-write",
                                              initializer=_lower_thread_priority)

    @property
    def components(self) -> Components:
        return self._components

    def check_consistency(self, documents: Collection[str] | None = None) -> None:
        """Check that graph and indexes agree, for ``health``, with the indexes held still:
        everything (after an undo, or a change another process made), or after a write that
        succeeded only the ``documents`` it changed and the totals (``HealthFlag.update``)."""
        self._update_health(documents)

    def check_at_start(self) -> None:
        """The start-up check: everything, against the graph snapshot ``warm_up`` pinned for
        the searches rather than every sentence read again from the store (see
        ``consistency.check_consistency``)."""
        self._update_health(None, self._search.snapshot)

    def _update_health(self, documents: Collection[str] | None,
                       snapshot: GraphSnapshot | None = None) -> None:
        c = self._components
        with self.gate.read():
            self.health.update(c.store, c.vectors, c.lexical, journal(c.settings, c.store),
                               documents, snapshot)

    @contextmanager
    def reading(self) -> Iterator[SearchService]:
        """The search service, with the indexes held still while it is used."""
        self._reload_indexes_saved_elsewhere()
        with self.gate.read():
            yield self._search

    def _reload_indexes_saved_elsewhere(self) -> None:
        """Pick up indexes another process saved (``policykg ingest`` beside a server on a
        shared Neo4j): checked every few seconds, reloaded under the write gate."""
        now = time.monotonic()
        if now - self._index_checked_at < self._index_check_s:
            return
        self._index_checked_at = now
        c = self._components
        if not (c.vectors.saved_elsewhere() or c.lexical.saved_elsewhere()):
            return
        with self.gate.write():
            reloaded = c.vectors.reload_if_changed() | c.lexical.reload_if_changed()
            if reloaded:  # new documents bring new entity names: a new generation
                c.store.forget_cached_reads()
                self._search = self._search.next_generation(c.vectors, c.lexical,
                                                            c.store.search_snapshot())
                _log.info("reloaded search indexes saved by another process")
        if reloaded:
            self.check_consistency()

    def warm_up(self, parse: bool = True) -> None:
        """Pin the graph snapshot the current indexes go with (a write drops the store's own
        copy before the next generation is ready) and load what a first search would, and
        with ``parse`` what a first upload's parse would (183 MB: a server that takes no
        uploads leaves them to a first upload), and rehearse a write on the writer thread."""
        c = self._components
        if parse:
            batch = load_resources()
            try:
                self._background.submit(c.store.prime_writes, batch).result()
            except GraphError as exc:  # a first upload then prepares its own statements
                _log.warning("could not rehearse a write at start: %s", exc)
        with self._writer:
            search = self._search.next_generation(c.vectors, c.lexical, c.store.search_snapshot())
            search.warm_up()
            with self.gate.write():
                self._search = search

    @contextmanager
    def _next_generation(self, elsewhere: Iterable[str] | None = ()) -> Iterator[Ingestor]:
        """An ingestor over copies of both indexes. When the block ends, a search service over
        the copies and a graph snapshot read afresh is built and warmed up (the BM25 matrix,
        the entity names), then swapped in at once. Until then searches answer from the
        current generation: they never wait for a write. After an exception the copies are
        dropped and the current generation stays (the caller undoes the graph).

        ``elsewhere``: the documents another process changed (None: unknown). The snapshot is
        the last one with those and this process's own writes read again; with None, the
        whole graph is read."""
        c = self._components
        vectors, lexical = c.vectors.copy(), c.lexical.copy()
        serving = c.lexical
        serving.hold_dictionary()  # the write's new names re-cut the copy, not this one
        try:
            ingestor = build_ingestor(replace(c, vectors=vectors, lexical=lexical))
            try:
                yield ingestor
            finally:
                self._own_generations |= ingestor.published
            c.store.forget_cached_reads(elsewhere)
            search = self._search.next_generation(vectors, lexical, c.store.search_snapshot())
            search.warm_up()
            with self.gate.write():
                c.vectors, c.lexical = vectors, lexical
                self._search = search
        finally:
            serving.hold_dictionary(False)

    def catch_up(self) -> int:
        """Bring the indexes in line with the shared graph (a replica starting, perhaps with
        an empty data directory): every document whose entries differ is synced, with
        vectors from the graph. Returns the number of documents synced; 0 off a shared graph."""
        shared = shared_search(self._components.store)
        if shared is None:
            return 0
        with self._writer:
            generation = shared.search_generation()  # before the diff: later changes follow
            stale = build_ingestor(self._components).stale_documents()
            if stale:
                with self._next_generation(stale) as ingestor:
                    ingestor.follow(stale)
            self.generation = max(self.generation, generation)
        return len(stale)

    def follow_changes(self) -> int:
        """Apply the documents other replicas changed since ``generation`` (this replica's
        own changes are applied already). Returns how many documents were synced."""
        shared = shared_search(self._components.store)
        if shared is None:
            return 0
        with self._writer:
            generation, changes = shared.search_changes(self.generation)
            docs = {c.doc_id for c in changes if c.generation not in self._own_generations}
            elsewhere: set[str] | None = docs
            if not self.generation <= generation <= self.generation + SEARCH_CHANGES_KEPT:
                # The marker went back (a restored backup, an emptied database) or this
                # replica fell behind what the graph keeps: compare everything.
                self.generation = 0
                self._own_generations.clear()
                docs = build_ingestor(self._components).stale_documents()
                elsewhere = None  # and the snapshot reads the whole graph
            if docs:
                synced = False
                try:
                    with self._next_generation(elsewhere) as ingestor:
                        ingestor.follow(docs)
                    synced = True
                finally:
                    self.check_consistency(docs if synced else None)
            self.generation = max(self.generation, generation)
            self._own_generations = {g for g in self._own_generations if g > self.generation}
        return len(docs)

    def upload(self, name: str | None, content: bytes, principal: Principal) -> UploadOutcome:
        """Parse, then ingest (or re-ingest) a file, one upload or delete at a time. A file
        that does not parse writes nothing; an ingest that fails is undone before the error is
        raised again. Searches go on meanwhile, from the indexes as they were until the new
        ones are swapped in."""
        with self._writer:
            return self._in_background(self._upload, name, content, principal)

    def close(self) -> None:
        """Stop the write thread (after the upload or delete it may be running)."""
        self._background.shutdown(wait=True)

    def _in_background(self, work: Callable[_P, _R], *args: _P.args, **kwargs: _P.kwargs) -> _R:
        """``work`` on the write thread (lower priority), its outcome or error here."""
        return self._background.submit(work, *args, **kwargs).result()

    def _upload(self, name: str | None, content: bytes, principal: Principal) -> UploadOutcome:
        details = {"source": name, "bytes": len(content)}
        try:
            source = clean_file_name(name)
            details["source"] = source
            # The API already refused bodies over the upload limit; the loader's own default
            # limit must not refuse less.
            loaded = load_bytes(source, content, max_bytes=max(len(content), 1))
        except Exception as exc:
            self._audit.record("upload", principal.key_id, "rejected", **details, error=str(exc))
            raise
        doc_id = loaded.batch.document.id
        details.update(doc_id=doc_id, sha256=loaded.batch.document.sha256,
                       title=loaded.batch.document.title)
        try:
            before = self._components.store.get_document(doc_id)
            # The model's work first, into the embedding cache (the ingest takes it there).
            embedded = build_ingestor(self._components).embed_ahead(loaded)
        except Exception as exc:
            self._audit.record("upload", principal.key_id, "failed", **details, error=str(exc))
            raise
        try:
            with self._next_generation() as ingestor:
                report = ingestor.ingest_loaded(loaded)
        except Exception as exc:
            undo = self._undo(doc_id, before)
            self.check_consistency()  # after an undo: everything
            self._audit.record("upload", principal.key_id, "failed", **details,
                               error=str(exc), undo=undo)
            raise
        self.check_consistency([doc_id])
        report.embedded += embedded
        created = before is None or not before.ingested
        self._audit.record("upload", principal.key_id, "created" if created else "updated",
                           **details, tasks=report.tasks, removed_tasks=report.removed_tasks)
        return UploadOutcome(doc_id=doc_id, created=created, embedded=report.embedded,
                             removed_tasks=report.removed_tasks)

    def delete(self, doc_id: str, principal: Principal) -> PolicyDocument:
        """Remove an ingested document, its vectors and its original; raises
        ``NotFoundError`` when no ingested document has this id."""
        with self._writer:
            document = self._in_background(self._delete, doc_id, principal)
        self._audit.record("delete", principal.key_id, "deleted", doc_id=doc_id,
                           title=document.title, source=document.source, sha256=document.sha256)
        return document

    def _delete(self, doc_id: str, principal: Principal) -> PolicyDocument:
        document = self._components.store.get_document(doc_id)
        if document is None or not document.ingested:
            self._audit.record("delete", principal.key_id, "not-found", doc_id=doc_id)
            raise NotFoundError(f"no ingested document with id {doc_id}")
        try:
            with self._next_generation() as ingestor:
                ingestor.delete(doc_id)
        except Exception as exc:
            undo = self._undo(doc_id, document)
            self.check_consistency()  # after an undo: everything
            self._audit.record("delete", principal.key_id, "failed", doc_id=doc_id,
                               error=str(exc), undo=undo)
            raise
        self.check_consistency([doc_id])
        if document.sha256 and not any(
                d.sha256 == document.sha256 for d in self._components.store.list_documents()):
            self._originals.delete(document.sha256)
        return document

    def _undo(self, doc_id: str, before: PolicyDocument | None) -> str:
        """Put a document back as it was before a failed change (the current generation of
        the indexes never saw it); says what it did."""
        try:
            current = self._components.store.get_document(doc_id)
            if current == before:
                return "nothing to undo: the graph was not changed"
            original = (self._originals.original_of(before)
                        if before is not None and before.ingested else None)
            with self._next_generation(None) as ingestor:  # after a failure: read it all
                if original is not None:
                    ingestor.ingest_loaded(load_bytes(*original))
                    return "restored the previous version"
                if current is not None and current.ingested:
                    ingestor.delete(doc_id)
                    return "removed the partly written document"
                ingestor.recover()  # what the failed change journaled: indexes as the graph
                return "nothing to undo"
        except Exception:
            _log.exception("could not undo a failed change of %s: run `policykg check`", doc_id)
            return "undo failed: see the log"


def _lower_thread_priority() -> None:
    """Raise the calling thread's niceness by ``UPLOAD_NICENESS`` (Linux: per thread; elsewhere
    this would change the whole process, so nothing is done)."""
    if not sys.platform.startswith("linux"):
        return
    thread = threading.get_native_id()
    try:
        os.setpriority(os.PRIO_PROCESS, thread, min(19, os.getpriority(os.PRIO_PROCESS, thread) + UPLOAD_NICENESS))
    except OSError as exc:  # a sandbox may forbid it: uploads still work, at normal priority
        _log.warning("upload thread priority unchanged: %s", exc)
