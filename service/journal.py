"""The write journal of one index directory: crash recovery and one writer at a time.

A write (ingest, delete, reindex) takes an exclusive lock on the directory, then records what
it is doing in ``journal.json``: the command, and each document id *before* the graph write of
that document. The search indexes are saved (each atomically) at checkpoints and at the end;
a checkpoint empties the document list, the end deletes the journal. So a journal left on disk
means a writer died, and its documents are exactly those whose graph state may be ahead of the
saved indexes: recovery brings those documents' index entries in line with the graph (see
``service.ingest.Ingestor.recover``) and tells the user what to run to finish.

Test hook: ``POLICYKG_TEST_PAUSE_AT=<stage>[:<n>]`` makes the process print
``policykg test hook: paused at <stage> <n>`` on stderr and sleep when it reaches ``stage`` for
the n-th time (default 1), so that a test can kill it at a known point. Stages, in order:
``journal`` (a document is recorded; the graph is not yet written), ``graph-written`` (the
graph holds the document; the indexes do not), ``indexes-updated`` (in memory, not saved),
``vectors-saved`` (the vector index is saved, the lexical one is not), ``lexical-saved`` (both
saved; the journal not yet emptied).
"""

import fcntl
import json
import os
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Literal

from pydantic import BaseModel, Field, ValidationError

from graph.errors import GraphLockedError

TEST_HOOK_ENV = "POLICYKG_TEST_PAUSE_AT"
STAGES = ("journal", "graph-written", "indexes-updated", "vectors-saved", "lexical-saved")
Operation = Literal["ingest", "delete", "reindex"]


class IndexLockedError(GraphLockedError):
    """Another process is writing to the same graph and indexes (an ingest, or a server
    handling an upload). Like a locked embedded database: wait, or go through the server."""


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


class Journal:
    """``journal.json`` and ``write.lock`` in ``directory``. Constructing does no I/O."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.path = directory / "journal.json"
        self._lock_path = directory / "write.lock"
        self._thread_lock = threading.RLock()
        self._depth = 0
        self._lock_file: IO[str] | None = None
        self._record: JournalRecord | None = None

    @contextmanager
    def locked(self, command: str) -> Iterator[None]:
        """Hold the directory's write lock (re-entrant within this process). Raises
        ``IndexLockedError``, naming the holder, when another process holds it."""
        with self._thread_lock:
            if self._depth == 0:
                self._acquire(command)
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
                if self._depth == 0:
                    self._release()

    def _acquire(self, command: str) -> None:
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

    def _release(self) -> None:
        if self._lock_file is not None:
            fcntl.flock(self._lock_file, fcntl.LOCK_UN)
            self._lock_file.close()
            self._lock_file = None

    def read(self) -> JournalRecord | None:
        """The journal a previous writer left, or None. An unreadable one (a hand edit: the
        atomic write rules out a torn one) reads as an interrupted ingest of unknown
        documents, which recovery answers by checking every document."""
        try:
            raw = self.path.read_text("utf-8")
        except FileNotFoundError:
            return None
        try:
            return JournalRecord.model_validate_json(raw)
        except ValidationError:
            return JournalRecord(op="ingest", command="(unreadable journal)", pid=0,
                                 started="?", readable=False)

    def begin(self, op: Operation, command: str, files_total: int = 0) -> None:
        self._record = JournalRecord(op=op, command=command, pid=os.getpid(),
                                     started=datetime.now(UTC).isoformat(timespec="seconds"),
                                     files_total=files_total)
        self._write()

    def add_document(self, doc_id: str) -> None:
        """Record ``doc_id`` before its graph write; durable when this returns."""
        record = self._current()
        if doc_id not in record.documents:
            record.documents.append(doc_id)
            self._write()

    def file_done(self) -> None:
        """Count a file as done; written with the next document or checkpoint."""
        self._current().files_done += 1

    def checkpoint(self) -> None:
        """The indexes were saved: no document is ahead of them any more."""
        record = self._current()
        record.documents.clear()
        self._write()

    def finish(self) -> None:
        self._record = None
        self.path.unlink(missing_ok=True)
        _fsync_directory(self.directory)

    def _current(self) -> JournalRecord:
        if self._record is None:
            raise RuntimeError("no journaled operation is in progress")
        return self._record

    def _write(self) -> None:
        record = self._current()
        temporary = self.path.with_name(self.path.name + ".tmp")
        with temporary.open("w", encoding="utf-8") as f:
            f.write(json.dumps(record.model_dump(), ensure_ascii=False))
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, self.path)
        _fsync_directory(self.directory)


def _fsync_directory(directory: Path) -> None:
    """Make a rename or unlink in ``directory`` durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


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
