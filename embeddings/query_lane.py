"""Questions through one model call at a time: concurrent searches share it, batched."""

import queue
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from embeddings.base import Embedder, Vectors

#: The most questions one model call embeds; more wait for the next call.
MAX_BATCH = 32
#: How long a question sent to an idle lane waits for its model call to begin.
_START_WAIT_S = 0.005


@dataclass
class _Request:
    texts: list[str]
    started: threading.Event = field(default_factory=threading.Event)  # its model call begins
    done: threading.Event = field(default_factory=threading.Event)
    vectors: Vectors | None = None
    error: BaseException | None = None

    def result(self) -> Vectors:
        self.done.wait()
        if self.error is not None:
            raise self.error
        assert self.vectors is not None
        return self.vectors


class QueryLane:
    """An embedder whose ``embed_queries`` runs on one worker thread: the questions that arrive
    while the model is busy are embedded together in its next call, up to ``max_batch``.

    Why: each search thread used to call the model itself, and each call starts the engine's
    OpenMP threads. On 2 cores, 32 concurrent searches ran 64 spinning threads that fought for
    the cores (bench/http_load.py: 0.25 of the model-bound ceiling). One call at a time uses
    every core for one batch, and a batch costs less per question than single calls.
    ``embed_passages`` (ingest) calls the model directly: the lane is for questions.

    ``on_start`` runs on the lane's thread before its first model call: wiring uses it to set
    the questions' OpenMP threads (POLICYKG_QUERY_THREADS). Measured on 2 cores: while another
    process kept both busy, a question took 330-440 ms of CPU on two threads (they wait for
    each other at every step of the model) against 16-18 ms on one; on an otherwise idle host,
    one thread costs more: bench/http_load.py, one client p50 30 -> 35 ms, 32 clients 39 -> 34
    requests/s, server CPU per search 46 -> 34 ms. So two stay the default."""

    def __init__(self, embedder: Embedder, max_batch: int = MAX_BATCH,
                 on_start: Callable[[], None] | None = None) -> None:
        self.embedder = embedder
        self._on_start = on_start
        self.name = embedder.name
        self.dimension = embedder.dimension
        self._max_batch = max_batch
        self._requests: queue.SimpleQueue[_Request | None] = queue.SimpleQueue()
        self._worker: threading.Thread | None = None
        self._lock = threading.Lock()
        self._closed = False
        self._idle = True  # no model call under way or about to start

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        return self.submit(texts)()

    def submit(self, texts: Sequence[str]) -> Callable[[], Vectors]:
        """Queue ``texts`` for the model and return: calling the result waits for their
        vectors (or raises the model's error). A search does its other channels' work
        meanwhile, on the core the model's call leaves. To an idle lane it returns once the
        model call has begun (at most ``_START_WAIT_S``), to a busy one at once."""
        if not texts:
            empty = np.zeros((0, self.dimension), dtype=np.float32)
            return lambda: empty
        request = _Request(list(texts))
        with self._lock:
            if self._closed:
                raise RuntimeError("the query lane is closed")
            if self._worker is None:  # started on the first question, not at import or build
                self._worker = threading.Thread(target=self._serve, name="policykg-query-lane",
                                                daemon=True)
                self._worker.start()
            idle = self._idle
            self._requests.put(request)
        if idle:
            # Let the lane take Python's lock and enter the model now: the caller's own work
            # would otherwise hold the lock until the interpreter's next switch (5 ms), and the
            # model would start that much later.
            request.started.wait(_START_WAIT_S)
        return request.result

    def embed_passages(self, texts: Sequence[str]) -> Vectors:
        return self.embedder.embed_passages(texts)

    def close(self) -> None:
        """Stop the worker once the questions already queued are answered."""
        with self._lock:
            self._closed = True
            worker = self._worker
            if worker is not None:
                self._requests.put(None)
        if worker is not None:
            worker.join()

    def _serve(self) -> None:
        if self._on_start is not None:
            self._on_start()
        while True:
            with self._lock:
                self._idle = self._requests.empty()
            first = self._requests.get()
            self._idle = False
            if first is None:
                return
            batch, stop = self._gather(first)
            self._embed(batch)
            if stop:
                return

    def _gather(self, first: _Request) -> tuple[list[_Request], bool]:
        """``first`` and the requests queued behind it, up to ``max_batch`` texts."""
        batch, size = [first], len(first.texts)
        while size < self._max_batch:
            try:
                request = self._requests.get_nowait()
            except queue.Empty:
                break
            if request is None:
                return batch, True
            batch.append(request)
            size += len(request.texts)
        return batch, False

    def _embed(self, batch: list[_Request]) -> None:
        for request in batch:
            request.started.set()
        try:
            vectors = self.embedder.embed_queries([t for r in batch for t in r.texts])
        except BaseException as exc:  # every waiting search gets the model's error
            for request in batch:
                request.error = exc
                request.done.set()
            return
        start = 0
        for request in batch:
            request.vectors = vectors[start:start + len(request.texts)]
            start += len(request.texts)
            request.done.set()


def submit_queries(embedder: Embedder, texts: Sequence[str]) -> Callable[[], Vectors]:
    """``texts``' query vectors, to be collected by calling the result: computed meanwhile on
    a query lane, or when collected by any other embedder."""
    if isinstance(embedder, QueryLane):
        return embedder.submit(texts)
    return lambda: embedder.embed_queries(texts)
