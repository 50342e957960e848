"""judge_pair_outcomes and best_by_judge (harness/evaluation/world_diagnostics.py) on hand-made samples
whose oracle quality is known."""


from __future__ import annotations

from harness.evaluation.world_diagnostics import (
    best_by_judge,
    judge_pair_outcomes,
)
from world_samples import (
    EVAL,
    samples_of,
)

# --- judge_pair_outcomes ---------------------------------------------------------------------


def test_pair_outcomes_agree_disagree_and_undecided():
    p = EVAL[0]
    samples = samples_of(p, "GWE")  # quality 1 > q(W) > 0
    assert judge_pair_outcomes(p, samples, [5.0, 3.0, 1.0]) == [1.0, 1.0, 1.0]
    assert judge_pair_outcomes(p, samples, [1.0, 3.0, 5.0]) == [0.0, 0.0, 0.0]
    # pairs in order (0,1), (0,2), (1,2): tie, agree, failed judgment
    assert judge_pair_outcomes(p, samples, [4.0, 4.0, None]) == [0.5, 0.5, 0.5]
    assert judge_pair_outcomes(p, samples, [4.0, 4.0, 1.0]) == [0.5, 1.0, 1.0]
    assert judge_pair_outcomes(p, samples, [None, 2.0, 3.0]) == [0.5, 0.5, 0.0]


def test_pair_outcomes_skip_pairs_of_equal_oracle_quality():
    p = EVAL[3]
    samples = samples_of(p, "GGW")  # (0,1) equal quality: skipped whatever the judge says
    assert judge_pair_outcomes(p, samples, [5.0, 1.0, 3.0]) == [1.0, 0.0]
    assert judge_pair_outcomes(p, samples_of(p, "EEE"), [1.0, 2.0, 3.0]) == []
    assert judge_pair_outcomes(p, samples_of(p, "G"), [5.0]) == []


# --- best_by_judge -----------------------------------------------------------------------------


def test_best_by_judge_takes_the_highest_score():
    s = samples_of(EVAL[0], "WGE")
    assert best_by_judge(s, [1.0, 5.0, 3.0]) is s[1]
    assert best_by_judge(s, [0.0, 0.5, 4.5]) is s[2]


def test_best_by_judge_ties_go_to_the_first():
    s = samples_of(EVAL[0], "WGE")
    assert best_by_judge(s, [4.0, 4.0, 2.0]) is s[0]
    assert best_by_judge(s, [2.0, 4.0, 4.0]) is s[1]
    assert best_by_judge(s, [3.0, 3.0, 3.0]) is s[0]


def test_best_by_judge_failed_judgments_rank_last():
    s = samples_of(EVAL[0], "WGE")
    assert best_by_judge(s, [None, 0.0, None]) is s[1]
    assert best_by_judge(s, [None, None, 0.0]) is s[2]
    assert best_by_judge(s, [None, None, None]) is s[0]  # all failed: the first


def test_best_by_judge_failed_judgments_rank_below_negative_scores():
    s = samples_of(EVAL[0], "WG")
    assert best_by_judge(s, [None, -2.0]) is s[1]


