"""Evidence fused across channels: a sentence's score is its reciprocal-rank vote in each
channel that found it, so BM25's raw scale (12.0) does not outrank a cosine (0.9) by itself."""

import pytest

from service.search.ranking import CHANNEL_WEIGHTS, RRF_K, TaskCandidate, aggregate, fuse


class Hit:
    def __init__(self, sentence_id: str, task_id: str, score: float) -> None:
        self.sentence_id, self.task_id, self.score = sentence_id, task_id, score


def test_a_sentence_both_channels_found_outranks_one_only_bm25_found_first() -> None:
    lexical = aggregate([Hit("s1", "t1", 12.0), Hit("s2", "t1", 8.0), Hit("s3", "t2", 5.0)], "lexical")
    dense = aggregate([Hit("s2", "t1", 0.91), Hit("s3", "t2", 0.85)], "dense")
    [t1, t2] = fuse({"lexical": lexical, "dense": dense})
    assert (t1.task_id, t2.task_id) == ("t1", "t2")
    lexical_w, dense_w = CHANNEL_WEIGHTS["lexical"], CHANNEL_WEIGHTS["dense"]
    assert t1.sentence_scores == {
        "s1": pytest.approx(lexical_w / (RRF_K + 1)),
        "s2": pytest.approx(lexical_w / (RRF_K + 2) + dense_w / (RRF_K + 1)),
    }
    assert max(t1.sentence_scores, key=t1.sentence_scores.__getitem__) == "s2"
    # Ranked over the channel's sentences, not within the task: s3 is third in lexical.
    assert t2.sentence_scores["s3"] == pytest.approx(lexical_w / (RRF_K + 3) + dense_w / (RRF_K + 2))


def test_equal_scores_share_the_better_rank() -> None:
    entity = [TaskCandidate("t1", 1.0, {"entity"}, {"a": 1.0, "b": 1.0}),
              TaskCandidate("t2", 1.0, {"entity"}, {"c": 1.0})]
    fused = {c.task_id: c for c in fuse({"entity": entity})}
    vote = CHANNEL_WEIGHTS["entity"] / (RRF_K + 1)
    assert fused["t1"].sentence_scores == {"a": pytest.approx(vote), "b": pytest.approx(vote)}
    assert fused["t2"].sentence_scores == {"c": pytest.approx(vote)}
