"""The query lane: concurrent questions share one model call at a time, each gets its own
vectors, and a model error reaches every question of the failing call."""

import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from embeddings.base import Vectors
from embeddings.hash_embedder import HashEmbedder
from embeddings.query_lane import QueryLane


class SlowEmbedder(HashEmbedder):
    """The hash embedder, taking 20 ms per call and recording how calls overlap."""

    def __init__(self) -> None:
        super().__init__()
        self.calls: list[int] = []  # questions per call
        self.running = 0
        self.most_running = 0
        self.fail_next = False
        self._count = threading.Lock()

    def embed_queries(self, texts: Sequence[str]) -> Vectors:
        with self._count:
            self.running += 1
            self.most_running = max(self.most_running, self.running)
            self.calls.append(len(texts))
        try:
            time.sleep(0.02)
            if self.fail_next:
                self.fail_next = False
                raise RuntimeError("the model failed")
            return super().embed_queries(texts)
        finally:
            with self._count:
                self.running -= 1


def test_concurrent_questions_each_get_their_own_vectors_from_batched_calls_one_at_a_time() -> None:
    model = SlowEmbedder()
    lane = QueryLane(model)
    questions = [f"第{i}个问题：双元制与上海合作" for i in range(64)]
    with ThreadPoolExecutor(32) as pool:
        answers = list(pool.map(lambda q: lane.embed_queries([q]), questions))
    lane.close()

    expected = HashEmbedder().embed_queries(questions)
    assert all(a.shape == (1, model.dimension) for a in answers)
    assert np.array_equal(np.vstack(answers), expected)  # each question its own row, in order
    assert sum(model.calls) == len(questions)
    assert model.most_running == 1  # never two model calls side by side
    assert len(model.calls) < len(questions) / 2  # questions waiting were embedded together
    assert max(model.calls) <= 32


def test_a_model_error_reaches_every_question_of_its_call_and_the_lane_goes_on() -> None:
    model = SlowEmbedder()
    lane = QueryLane(model)
    model.fail_next = True
    with pytest.raises(RuntimeError, match="the model failed"):
        lane.embed_queries(["第一个问题"])
    assert np.array_equal(lane.embed_queries(["第二个问题"]), HashEmbedder().embed_queries(["第二个问题"]))
    lane.close()


def test_several_texts_in_one_request_and_passages_bypass_the_lane() -> None:
    model = SlowEmbedder()
    lane = QueryLane(model)
    texts = ["甲", "乙", "丙"]
    assert np.array_equal(lane.embed_queries(texts), HashEmbedder().embed_queries(texts))
    assert lane.embed_queries([]).shape == (0, model.dimension)
    assert np.array_equal(lane.embed_passages(texts), HashEmbedder().embed_passages(texts))
    assert model.calls == [3]  # the empty request and the passages never reached the lane's calls
    assert (lane.name, lane.dimension) == (model.name, model.dimension)
    lane.close()


def test_a_closed_lane_refuses_questions_and_its_worker_has_stopped() -> None:
    before = set(threading.enumerate())
    lane = QueryLane(SlowEmbedder())
    lane.embed_queries(["问题"])
    [worker] = [t for t in threading.enumerate() if t not in before and t.name == "policykg-query-lane"]
    lane.close()
    assert not worker.is_alive()
    with pytest.raises(RuntimeError, match="closed"):
        lane.embed_queries(["问题"])


def test_on_start_runs_once_on_the_lanes_thread_before_its_first_call() -> None:
    seen: list[str] = []
    lane = QueryLane(HashEmbedder(), on_start=lambda: seen.append(threading.current_thread().name))
    lane.embed_queries(["一"])
    lane.embed_queries(["二"])
    lane.close()
    assert seen == ["policykg-query-lane"]



def test_a_submitted_question_is_embedded_while_the_caller_goes_on() -> None:
    model = SlowEmbedder()
    lane = QueryLane(model)
    collect = lane.submit(["双元制"])
    deadline = time.monotonic() + 10
    while not model.calls and time.monotonic() < deadline:  # nobody has asked for the vectors yet
        time.sleep(0.001)
    assert model.calls == [1]
    assert np.allclose(collect(), HashEmbedder().embed_queries(["双元制"]))
    lane.close()
    model.fail_next = True
    failing = QueryLane(model)
    collect = failing.submit(["双元制"])
    with pytest.raises(RuntimeError, match="the model failed"):
        collect()
    failing.close()


def test_a_question_for_an_idle_lane_returns_once_its_model_call_begins(monkeypatch: pytest.MonkeyPatch) -> None:
    """submit() to an idle lane waits (bounded) until the lane is about to call the model, so
    the lane takes Python's lock now rather than at the caller's next switch; to a busy lane
    it returns at once (the question waits for the next batch, the caller works meanwhile)."""
    monkeypatch.setattr("embeddings.query_lane._START_WAIT_S", 5.0)
    gate = threading.Event()

    class GatedEmbedder(HashEmbedder):
        def embed_queries(self, texts: Sequence[str]) -> Vectors:
            gate.wait(5.0)
            return super().embed_queries(texts)

    lane = QueryLane(GatedEmbedder(), on_start=lambda: time.sleep(0.3))  # the lane is slow to get going
    try:
        started = time.perf_counter()
        first = lane.submit(["第一个问题"])
        assert time.perf_counter() - started >= 0.25  # waited for the call to begin
        started = time.perf_counter()
        second = lane.submit(["第二个问题"])  # the lane is inside the first call now
        assert time.perf_counter() - started < 0.25
        gate.set()
        assert first().shape == (1, lane.dimension) and second().shape == (1, lane.dimension)
    finally:
        gate.set()
        lane.close()
