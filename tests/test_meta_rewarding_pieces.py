"""METHODS.md §2 fidelity checks for the shared Meta-Rewarding pieces, on hand tables:
(1) length-controlled pair selection, (3) position-weighted Bradley–Terry, (4) equal-score judge
pairs dropped, (5) the score-cap filter."""

from __future__ import annotations

import pytest

from harness.errors import ConfigError
from harness.pairs import max_min_pairs
from methods.meta_rewarding.actor_pairs import length_controlled_pairs
from methods.meta_rewarding.judge_ranking import bradley_terry, position_weights, score_cap_filter, weighted_win_matrix
from harness.records import Judgment, PromptRecord, Sample

# (score, length in tokens) per response of one prompt
TABLE = {"A": (5.0, 10), "B": (5.0, 3), "C": (4.0, 2), "D": (1.0, 8), "E": (1.0, 12), "F": (2.0, 20)}


def _inputs(table=TABLE):
    prompts = [PromptRecord(id="p", instruction="q")]
    samples = [Sample("p", i, name, n_tokens=length, finish_reason="stop") for i, (name, (_, length)) in enumerate(table.items())]
    judgments = [Judgment("p", i, score=score) for i, (score, _) in enumerate(table.values())]
    return prompts, samples, judgments


@pytest.mark.parametrize("rho, expected", [(0.0, ("B", "E")), (0.25, ("C", "F")), (0.5, ("C", "F"))])
def test_length_controlled_selection(rho, expected):
    (pair,), stats = length_controlled_pairs(*_inputs(), rho=rho)
    assert (pair.chosen, pair.rejected) == expected
    assert stats["pairs_kept"] == 1


def test_rho_zero_is_plain_max_min_by_score():
    (lc,), _ = length_controlled_pairs(*_inputs(), rho=0.0)
    (mm,), _ = max_min_pairs(*_inputs(), min_valid=2)
    assert (lc.chosen_score, lc.rejected_score) == (mm.chosen_score, mm.rejected_score) == (5.0, 1.0)


def test_length_controlled_drops_ties_and_same_response():
    _, stats = length_controlled_pairs(*_inputs({"A": (3.0, 4), "B": (3.0, 5)}), rho=0.0)
    assert stats["dropped_tie"] == 1
    # ρ=0.5: both thresholds are 3; M (score 3) is the shortest "good" and the longest "bad".
    _, stats = length_controlled_pairs(*_inputs({"A": (4.0, 10), "M": (3.0, 5), "Z": (2.0, 1)}), rho=0.5)
    assert stats["dropped_same_response"] == 1 and stats["pairs_kept"] == 0
    with pytest.raises(ConfigError, match="rho"):
        length_controlled_pairs(*_inputs(), rho=0.7)


# Meta-judge verdicts on three judgments, both orders; the meta-judge favours position 1.
COMPARISONS = [(0, 1, 1), (1, 0, 1), (0, 2, 1), (2, 0, 1), (1, 2, 2), (2, 1, 1)]


def test_position_weights_cancel_the_favoured_position():
    w1, w2 = position_weights(COMPARISONS)
    assert (w1, w2) == pytest.approx((1 / 6, 5 / 6))  # 5 of 6 wins went to position 1


def test_weighted_bradley_terry_order():
    wins = weighted_win_matrix(3, COMPARISONS)
    assert wins[2][1] == pytest.approx(1 / 6 + 5 / 6)  # 2 beat 1 from both positions
    assert wins[0][1] == pytest.approx(1 / 6) and wins[1][0] == pytest.approx(1 / 6)
    strength = bradley_terry(wins)
    assert strength[2] > strength[0] > strength[1]
    assert sum(strength) == pytest.approx(3.0)


def test_equal_score_judge_pairs_are_dropped():
    from methods.meta_rewarding import MetaRewardingConfig, judge_pairs

    same = [("fine. Score: 3", 3.0), ("also fine. Score: 3", 3.0)]
    differ = [("fine. Score: 3", 3.0), ("weak. Score: 1", 1.0)]
    plan = [{"prompt_id": pid, "instruction": "q", "response": "r", "judgments": js, "comparisons": [(0, 1), (1, 0)]}
            for pid, js in (("same", same), ("differ", differ))]
    pairs, stats = judge_pairs(plan, [[1, 2], [1, 2]], MetaRewardingConfig(score_cap=1.0), "rubric_additive_v1")
    assert [p.prompt_id for p in pairs] == ["differ"]
    assert stats["judge_pairs_dropped_equal_score"] == 1


def test_score_cap_downsamples_over_represented_values_instead_of_emptying():
    # cap 0.4: each score value keeps at most ceil(0.4 · n) of the n chosen judgments
    assert score_cap_filter([5.0, 4.0], cap=0.4) == [0, 1]  # limit ceil(0.8) = 1 per value: both kept
    assert score_cap_filter([5.0, 4.0, 3.0], cap=0.4) == [0, 1, 2]  # limit 2: nothing over it
    assert len(score_cap_filter([5.0, 5.0], cap=0.4)) == 1  # a single value keeps its capped share
    table = [5.0, 5.0, 5.0, 5.0, 4.0]  # limit ceil(2.0) = 2
    keep = score_cap_filter(table, cap=0.4, seed=3)
    assert len(keep) == 3 and 4 in keep and sum(table[i] == 5.0 for i in keep) == 2
    assert keep == sorted(keep)


def test_score_cap_is_seeded_and_never_over_the_limit():
    table = [5.0] * 12 + [4.0] * 5 + [3.0] * 2 + [1.0]  # n = 20, cap 0.4: limit 8 per value
    keeps = {tuple(score_cap_filter(table, cap=0.4, seed=s)) for s in range(6)}
    assert len(keeps) > 1  # which 5s are dropped depends on the seed...
    assert score_cap_filter(table, cap=0.4, seed=1) == score_cap_filter(table, cap=0.4, seed=1)  # ...and on it only
    for keep in keeps:
        assert sum(table[i] == 5.0 for i in keep) == 8 and sum(table[i] != 5.0 for i in keep) == 8
    assert len(score_cap_filter(table, cap=0.25, seed=0)) == 5 + 5 + 2 + 1  # limit 5


@pytest.mark.parametrize("cap", [None, 1.0])
def test_score_cap_off_keeps_all(cap):
    assert score_cap_filter([5.0, 5.0, 5.0, 5.0, 4.0], cap=cap) == [0, 1, 2, 3, 4]
    assert score_cap_filter([5.0, 5.0], cap=cap) == [0, 1]
    assert score_cap_filter([], cap=0.4) == []


def test_judge_pairs_log_what_the_score_cap_dropped():
    from methods.meta_rewarding import MetaRewardingConfig, judge_pairs

    differ = [("right. Score: 5", 5.0), ("weak. Score: 1", 1.0)]
    plan = [{"prompt_id": f"p{i}", "instruction": "q", "response": "r", "judgments": differ, "comparisons": [(0, 1), (1, 0)]}
            for i in range(5)]
    pairs, stats = judge_pairs(plan, [[1, 2]] * 5, MetaRewardingConfig(score_cap=0.4), "rubric_additive_v1", seed=7)
    assert len(pairs) == 2 == stats["judge_pairs_kept"] and stats["judge_pairs_before_score_cap"] == 5
    assert stats["judge_pairs_dropped_score_cap"] == 3 and stats["judge_pairs_score_cap_limit"] == 2
    assert stats["judge_pairs_chosen_scores"] == {"5.0": 2}
    again, _ = judge_pairs(plan, [[1, 2]] * 5, MetaRewardingConfig(score_cap=0.4), "rubric_additive_v1", seed=7)
    assert [p.prompt_id for p in again] == [p.prompt_id for p in pairs]
    off, stats = judge_pairs(plan, [[1, 2]] * 5, MetaRewardingConfig(score_cap=None), "rubric_additive_v1")
    assert len(off) == 5 and stats["judge_pairs_dropped_score_cap"] == 0 and stats["judge_pairs_score_cap_limit"] is None


def test_judge_pairs_note_says_when_no_judge_training_happened():
    from methods.meta_rewarding import judge_pairs_note

    assert judge_pairs_note([(1, 0), (2, 0)]) == "0/0 (no judge training happened)"
    assert judge_pairs_note([(1, 4), (2, 0)]) == "4/0 (no judge pairs in iteration 2)"
    assert judge_pairs_note([(1, 4), (2, 3)]) == "4/3"
    assert "no judge training" in judge_pairs_note([])


@pytest.mark.parametrize("value, ok", [("0.4", True), ("1.0", True), ("null", True), ("0", False), ("1.5", False)])
def test_score_cap_knob_values(make_cfg, value, ok):
    from harness.registry import get_method
    from harness.runner import method_config

    cfg = make_cfg("method=meta_rewarding", f"method.score_cap={value}")
    if ok:
        assert method_config(get_method("meta_rewarding"), cfg.method).score_cap == (None if value == "null" else float(value))
    else:
        with pytest.raises(ConfigError, match="method.score_cap"):
            method_config(get_method("meta_rewarding"), cfg.method)


@pytest.mark.parametrize("text, expected", [
    ("Winner: Judgement A", 1), ("winner: judgment b", 2), ("B seems fine. Winner: Judgment B", 2),
    ("Winner: Judgement B then Winner: Judgement A", 1), ("Winner: A", None), ("no verdict", None),
])
def test_meta_verdict_parser_accepts_both_spellings(text, expected):
    from harness.judges.parsing import parse_meta_verdict

    assert parse_meta_verdict(text) == expected


def test_every_judgment_pair_is_compared_in_both_orders():
    from methods.meta_rewarding.judge_ranking import all_order_comparisons

    comps = all_order_comparisons(3)
    assert len(comps) == 6 and all((j, i) in comps for i, j in comps)


def test_judge_pairs_from_meta_verdicts():
    from methods.meta_rewarding import MetaRewardingConfig, judge_pairs

    cfg = MetaRewardingConfig(score_cap=1.0)  # cap off: a single pair is always 100% of one score value
    judgments = [("ok. Score: 2", 2.0), ("good. Score: 4", 4.0), ("great. Score: 5", 5.0)]
    plan = [{"prompt_id": "p", "instruction": "q", "response": "r", "judgments": judgments,
             "comparisons": [(0, 1), (1, 0), (0, 2), (2, 0), (1, 2), (2, 1)]},
            {"prompt_id": "s", "instruction": "q2", "response": "r2", "judgments": judgments[:2],
             "comparisons": [(0, 1), (1, 0)]}]
    # judgment 1 wins every comparison it is in, judgment 2 loses every one; prompt s: no verdicts
    verdicts = [[2, 1, 1, 2, 1, 2], [None, None]]
    pairs, stats = judge_pairs(plan, verdicts, cfg, "rubric_additive_v1")
    (pair,) = pairs
    assert (pair.chosen, pair.rejected) == ("good. Score: 4", "great. Score: 5")
    assert "Instruction: q\n" in pair.prompt and "Response: r\n" in pair.prompt
    assert stats["judge_pairs_dropped_no_verdict"] == 1 and stats["meta_verdicts"] == 6
    assert stats["meta_position_bias"] == pytest.approx(3 / 6)
    # the higher-scored judgment won only the two 0-vs-1 comparisons (1 beat 0); 0 beat 2 and 1 beat 2
    assert stats["meta_score_bias"] == pytest.approx(2 / 6)
