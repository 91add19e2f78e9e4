"""The write journal of one set of search indexes: crash recovery and one writer at a time.

Where it lives (``JournalStorage``): files in the index directory on the embedded backend
(``journal.json``, ``failed.json``, an flock on ``write.lock``); on Neo4j, records and a leased
lock in the graph (``SharedStorage``), so that every replica and CLI command reads the same
journal and any of them can finish what a dead one left.

A write (ingest, delete, reindex) takes the exclusive lock, then records what it is doing in
the journal: the command, and each document id *before* the graph write of that document.
The search indexes are saved (each atomically) at checkpoints and at the end; a checkpoint
empties the document list, the end deletes the journal. So a journal left behind means a
writer died, and its documents are exactly those whose graph state may be ahead of the
saved indexes: recovery brings those documents' index entries in line with the graph (see
``service.ingest.ingestor.Ingestor.recover``) and tells the user what to run to finish.

Poison documents: before a step works on a document (its ingest, delete or repair, and each
recovery of it) the journal counts an attempt for it, durably; the count goes when the step is
seen to finish. A document whose count reached ``MAX_ATTEMPTS`` (the process died in the step,
or the step raised, that often) is not tried again: recovery puts it on the failed list,
``failed.json``, and removes it (see ``Ingestor.recover``). That list stays until
``policykg check --repair`` or ``policykg delete <id>`` clears it, or the document is
ingested again with other content.

Test hook: ``POLICYKG_TEST_PAUSE_AT=<stage>[:<n>]`` makes the process print
``policykg test hook: paused at <stage> <n>`` on stderr and sleep when it reaches ``stage`` for
the n-th time (default 1), so that a test can kill it at a known point. Stages, in order:
``journal`` (a document is recorded; the graph is not yet written), ``graph-written`` (the
graph holds the document; the indexes do not), ``indexes-updated`` (in memory, not saved),
``vectors-saved`` (the vector index is saved, the lexical one is not), ``lexical-saved`` (both
saved; the journal not yet emptied). Recovery has one more, ``recovery`` (an attempt at a
document is counted; its index entries are not yet brought in line with the graph). A server's
upload has one before them all, ``embedded`` (its new sentences are embedded, outside the
server's write gate; nothing is written yet).
"""

import fcntl
import json
import os
import socket
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Literal, Protocol

from pydantic import BaseModel, Field, ValidationError

from graph.base import SharedStateStore
from graph.durable_file import fsync_directory, replace_durably
from service.errors import ServiceError

TEST_HOOK_ENV = "POLICYKG_TEST_PAUSE_AT"
STAGES = ("journal", "graph-written", "indexes-updated", "vectors-saved", "lexical-saved")
RECOVERY_STAGE = "recovery"
MAX_ATTEMPTS = 2  # a step that died or raised this often on a document is not tried again
Operation = Literal["ingest", "delete", "reindex"]
Step = Literal["ingest", "delete", "repair", "recovery"]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class IndexLockedError(ServiceError):
    """Another process is writing to the same graph and indexes (an ingest, or a server
    handling an upload). Like a locked embedded database: wait, or go through the server."""


class Attempt(BaseModel):
    """Work on one document that started and was not seen to finish."""

    step: Step = Field(description="the step that first worked on it (recovery retries it)")
    count: int = 0
    name: str = Field(default="", description="the file, or the document's title")
    sha256: str | None = None
    error: str | None = Field(default=None, description="what the step raised last, if it did")


class FailedDocument(BaseModel):
    """A document recovery gave up on and removed (an entry of ``failed.json``)."""

    doc_id: str
    name: str
    step: Step
    attempts: int
    error: str
    command: str = Field(description="the command that was working on it")
    failed_at: str = Field(default_factory=_now)
    sha256: str | None = None


class JournalRecord(BaseModel):
    op: Operation
    command: str = Field(description="what the user ran, as they can run it again")
    pid: int
    started: str
    documents: list[str] = Field(default_factory=list,
                                 description="written to the graph since the last index save")
    files_total: int = 0
    files_done: int = 0
    readable: bool = Field(default=True, description="false: the documents are unknown")
    attempts: dict[str, Attempt] = Field(default_factory=dict,
                                         description="by document id; see the module docstring")


class JournalStorage(Protocol):
    """Where a journal keeps its two records and its write lock."""

    where: str  # for messages: a directory, or the graph database

    def read(self, name: str) -> str | None:
        """The record ``name`` (``journal`` or ``failed``), or None."""

    def write(self, name: str, text: str) -> None:
        """Replace the record: durable when this returns, never torn."""

    def delete(self, name: str) -> None:
        """Remove the record (durably); nothing if there is none."""

    def acquire(self, command: str) -> None:
        """Take the write lock or raise ``IndexLockedError`` naming the holder."""

    def release(self) -> None:
        """Free the write lock."""


class FileStorage:
    """``journal.json``, ``failed.json`` and ``write.lock`` (an flock) in a directory: the
    embedded backend's, whose indexes are local files too."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.where = str(directory)
        self._lock_path = directory / "write.lock"
        self._lock_file: IO[str] | None = None

    def _path(self, name: str) -> Path:
        return self.directory / f"{name}.json"

    def read(self, name: str) -> str | None:
        try:
            return self._path(name).read_text("utf-8")
        except FileNotFoundError:
            return None

    def write(self, name: str, text: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        replace_durably(self._path(name), lambda file: file.write(text.encode("utf-8")))

    def delete(self, name: str) -> None:
        path = self._path(name)
        if path.exists():
            path.unlink(missing_ok=True)
            fsync_directory(self.directory)

    def acquire(self, command: str) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        handle = self._lock_path.open("a+", encoding="utf-8")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            handle.close()
            raise IndexLockedError(
                f"the search indexes in {self.directory} are being written by {holder}: "
                "wait for it to finish (or, for a running server, send the change through "
                "its HTTP API)") from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()} ({command})")
        handle.flush()
        self._lock_file = handle

    def release(self) -> None:
        if self._lock_file is not None:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None


LEASE_TTL_S = 30.0  # a writer that dies holds the shared lock at most this long (other hosts)


class SharedStorage:
    """The journal in the graph database (Neo4j), so that every replica reads it: records
    under ``journal`` and ``failed``, and a write lock leased for ``LEASE_TTL_S`` seconds and
    renewed while held. A holder on this host whose process is gone is taken over at once."""

    def __init__(self, store: SharedStateStore, ttl_s: float = LEASE_TTL_S) -> None:
        self._store = store
        self._ttl_s = ttl_s
        self.where = "the graph database"
        self._token: str | None = None
        self._renewing: threading.Event | None = None

    def read(self, name: str) -> str | None:
        return self._store.read_state(f"journal:{name}")

    def write(self, name: str, text: str) -> None:
        self._store.write_state(f"journal:{name}", text)

    def delete(self, name: str) -> None:
        self._store.write_state(f"journal:{name}", None)

    def acquire(self, command: str) -> None:
        token = uuid.uuid4().hex
        holder = json.dumps({"host": socket.gethostname(), "pid": os.getpid(),
                             "command": command, "token": token}, ensure_ascii=False)
        current = self._store.acquire_lease("journal:lock", holder, token, self._ttl_s)
        if current is not None:
            dead = _dead_local_holder(current)
            if dead is not None:
                current = self._store.acquire_lease("journal:lock", holder, token, self._ttl_s,
                                                    steal_from=dead)
        if current is not None:
            raise IndexLockedError(
                f"the graph and its search indexes are being written by {_describe(current)}: "
                "wait for it to finish (or send the change through a server's HTTP API)")
        self._token = token
        stop = threading.Event()
        self._renewing = stop
        threading.Thread(target=self._renew, args=(token, stop), daemon=True,
                         name="policykg-lease").start()

    def _renew(self, token: str, stop: threading.Event) -> None:
        while not stop.wait(self._ttl_s / 3):
            try:
                self._store.renew_lease("journal:lock", token, self._ttl_s)
            except Exception:  # the graph may be down for a moment: try again later
                continue

    def release(self) -> None:
        if self._renewing is not None:
            self._renewing.set()
            self._renewing = None
        if self._token is not None:
            token, self._token = self._token, None
            self._store.release_lease("journal:lock", token)


def _dead_local_holder(holder: str) -> str | None:
    """The token of a lock holder that ran on this host and whose process is gone."""
    try:
        info = json.loads(holder)
        if info.get("host") != socket.gethostname():
            return None
        os.kill(int(info["pid"]), 0)
    except ProcessLookupError:
        return str(info.get("token"))
    except (ValueError, TypeError, KeyError, PermissionError, AttributeError):
        return None
    return None


def _describe(holder: str) -> str:
    try:
        info = json.loads(holder)
        return f"pid {info['pid']} on {info['host']} ({info['command']})"
    except (ValueError, TypeError, KeyError):
        return holder


class Journal:
    """The journal record, the failed list and the write lock of one set of search indexes,
    in ``storage`` (default: files in ``directory``). Constructing does no I/O."""

    def __init__(self, directory: Path, storage: JournalStorage | None = None) -> None:
        self.directory = directory
        self.storage: JournalStorage = storage or FileStorage(directory)
        self._finished: set[str] = set()  # attempts seen to finish, dropped at the next write
        self._thread_lock = threading.RLock()
        self._depth = 0
        self._record: JournalRecord | None = None

    @contextmanager
    def locked(self, command: str) -> Iterator[None]:
        """Hold the write lock (re-entrant within this object). Raises ``IndexLockedError``,
        naming the holder, when another process (or journal object) holds it."""
        with self._thread_lock:
            if self._depth == 0:
                self.storage.acquire(command)
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self.storage.release()

    def read(self) -> JournalRecord | None:
        """The journal a previous writer left, or None. An unreadable one (a hand edit: the
        atomic write rules out a torn one) reads as an interrupted ingest of unknown
        documents, which recovery answers by checking every document."""
        raw = self.storage.read("journal")
        if raw is None:
            return None
        try:
            return JournalRecord.model_validate_json(raw)
        except ValidationError:
            return JournalRecord(op="ingest", command="(unreadable journal)", pid=0,
                                 started="?", readable=False)

    def begin(self, op: Operation, command: str, files_total: int = 0) -> None:
        self._record = JournalRecord(op=op, command=command, pid=os.getpid(),
                                     started=_now(), files_total=files_total)
        self._finished.clear()
        self._write()

    def resume(self, record: JournalRecord, documents: list[str]) -> None:
        """Continue ``record`` (a previous writer's, being recovered), listing ``documents``,
        so that recovery's own attempts are counted in it."""
        self._record = record.model_copy(deep=True, update={"documents": list(documents),
                                                            "readable": True})
        self._finished.clear()

    def start(self, doc_id: str, step: Step, *, name: str = "",
              sha256: str | None = None) -> Attempt:
        """Record ``doc_id`` and count an attempt at it, before a step works on it (for an
        ingest or delete: before its graph write); durable when this returns."""
        record = self._current()
        if doc_id not in record.documents:
            record.documents.append(doc_id)
        attempt = record.attempts.setdefault(doc_id, Attempt(step=step))
        attempt.count += 1
        attempt.name = name or attempt.name
        attempt.sha256 = sha256 or attempt.sha256
        self._finished.discard(doc_id)
        self._write()
        return attempt

    def finished(self, doc_id: str) -> None:
        """The step on ``doc_id`` finished: its attempt goes with the next write."""
        self._finished.add(doc_id)

    def step_failed(self, doc_id: str, error: BaseException, *, count: bool = True) -> Attempt:
        """The step on ``doc_id`` raised ``error``; ``count=False`` takes its attempt back (the
        backend was unavailable: not the document's fault). Durable when this returns."""
        record = self._current()
        attempt = record.attempts.setdefault(doc_id, Attempt(step="recovery"))
        if count:
            attempt.error = f"{type(error).__name__}: {error}"[:2000]
        else:
            attempt.count = max(attempt.count - 1, 0)
        self._write()
        return attempt

    def file_done(self) -> None:
        """Count a file as done; written with the next document or checkpoint."""
        self._current().files_done += 1

    def checkpoint(self) -> None:
        """The indexes were saved: no document is ahead of them any more."""
        record = self._current()
        record.documents.clear()
        record.attempts.clear()
        self._write()

    def finish(self) -> None:
        self._record = None
        self.storage.delete("journal")

    # --- the failed list ----------------------------------------------------------------------

    def failed(self) -> list[FailedDocument]:
        """The documents recovery gave up on, oldest first. An unreadable list (a hand edit)
        reads as one entry saying so, which ``clear_failed()`` removes."""
        raw = self.storage.read("failed")
        if raw is None:
            return []
        try:
            return [FailedDocument.model_validate(item) for item in json.loads(raw)]
        except (ValueError, TypeError, ValidationError):
            return [FailedDocument(doc_id="?", name=f"the failed list in {self.storage.where}",
                                   step="recovery",
                                   attempts=0, error="the failed list is unreadable",
                                   command="?", failed_at="?")]

    def add_failed(self, document: FailedDocument) -> None:
        """Put ``document`` on the failed list (replacing an entry of the same id)."""
        kept = [f for f in self.failed() if f.doc_id not in (document.doc_id, "?")]
        self._write_failed([*kept, document])

    def clear_failed(self, doc_ids: Iterable[str] | None = None) -> list[FailedDocument]:
        """Take ``doc_ids`` (all, if None) off the failed list; returns the entries removed."""
        listed = self.failed()
        drop = None if doc_ids is None else set(doc_ids)
        removed = [f for f in listed if drop is None or f.doc_id in drop]
        if removed:
            self._write_failed([f for f in listed if f not in removed])
        return removed

    def _write_failed(self, documents: list[FailedDocument]) -> None:
        if documents:
            self.storage.write(
                "failed", json.dumps([d.model_dump() for d in documents], ensure_ascii=False))
        else:
            self.storage.delete("failed")

    def _current(self) -> JournalRecord:
        if self._record is None:
            raise RuntimeError("no journaled operation is in progress")
        return self._record

    def _write(self) -> None:
        record = self._current()
        for doc_id in self._finished:
            record.attempts.pop(doc_id, None)
        self._finished.clear()
        self.storage.write("journal", json.dumps(record.model_dump(), ensure_ascii=False))


_reached: Counter[str] = Counter()


def pause_point(stage: str) -> None:
    """The test hook (see the module docstring); does nothing unless the variable is set."""
    spec = os.environ.get(TEST_HOOK_ENV)
    if not spec:
        return
    name, _, nth = spec.partition(":")
    if name != stage:
        return
    _reached[stage] += 1
    if _reached[stage] == int(nth or 1):
        print(f"policykg test hook: paused at {stage} {_reached[stage]}", file=sys.stderr,
              flush=True)
        while True:
            time.sleep(3600)
