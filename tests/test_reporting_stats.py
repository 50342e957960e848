"""The report's paired tests (harness/reporting/paired.py) and the clustered bootstrap behind its
annotator check, on hand-made per-prompt outcomes whose answers are known."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps

from comparison_runs import make_run, wins_of
from harness.evaluation.stored_runs import load_runs
from harness.reporting.paired import adjust, closest_rival, mirrored, paired_test
from harness.stats import cluster_bootstrap_ci


def _arm(root, method, per_seed_wins):
    return load_runs([make_run(root, method, seed, 100 * float(np.mean(w)), wins_of(w))
                      for seed, w in enumerate(per_seed_wins)])


def test_a_prompt_is_one_unit_of_evidence_across_seeds(tmp_path):
    base = _arm(tmp_path, "sft", [[0.0] * 10, [0.0] * 10])
    # prompts 0-4 better at both seeds, 5-6 at seed 0 only, the rest tied
    mine = _arm(tmp_path, "dpo", [[1.0] * 7 + [0.0] * 3, [1.0] * 5 + [0.0] * 5])
    t = paired_test(mine, base)
    assert (t["better"], t["worse"], t["n_prompts"], t["n_seeds"]) == (7, 0, 10, 2)  # prompts, not (seed, prompt)
    assert t["diff"] == pytest.approx(100 * 12 / 20)
    assert t["sign_p"] == pytest.approx(sps.binomtest(7, 7, 0.5).pvalue)
    assert t["across_seeds"]["mean"] == pytest.approx((70.0 + 50.0) / 2)
    low, high = t["bootstrap_ci"]
    assert low < t["diff"] < high and 0 < low
    # resampling prompts whole: the interval is the clustered bootstrap of the same differences
    by_prompt = [[100.0, 100.0]] * 5 + [[100.0, 0.0]] * 2 + [[0.0, 0.0]] * 3
    assert [low, high] == pytest.approx(list(cluster_bootstrap_ci(by_prompt)))


def test_one_seed_has_no_seed_interval(tmp_path):
    t = paired_test(_arm(tmp_path / "a", "dpo", [[1.0, 0.0, 1.0]]), _arm(tmp_path / "b", "sft", [[0.0, 0.0, 0.0]]))
    assert t["across_seeds"] is None and t["n_seeds"] == 1


def test_a_mirrored_test_negates_the_differences_and_keeps_the_p(tmp_path):
    t = paired_test(_arm(tmp_path / "a", "dpo", [[1.0, 1.0, 0.0, 0.5]] * 2), _arm(tmp_path / "b", "sft", [[0.0, 0.5, 0.5, 0.5]] * 2))
    m = mirrored(t)
    assert m["diff"] == -t["diff"] and m["bootstrap_ci"] == [-t["bootstrap_ci"][1], -t["bootstrap_ci"][0]]
    assert (m["better"], m["worse"]) == (t["worse"], t["better"]) and m["sign_p"] == t["sign_p"]
    assert m["across_seeds"]["ci"] == [-t["across_seeds"]["ci"][1], -t["across_seeds"]["ci"][0]]


def test_worse_prompts_and_ties_are_counted_apart(tmp_path):
    base = _arm(tmp_path, "sft", [[0.5] * 8])
    mine = _arm(tmp_path, "dpo", [[1.0, 1.0, 0.0, 0.0, 0.0, 0.5, 0.5, 0.5]])
    t = paired_test(mine, base)
    assert (t["better"], t["worse"]) == (2, 3)  # one seed: each prompt's difference is its mean
    assert t["sign_p"] == pytest.approx(sps.binomtest(2, 5, 0.5).pvalue)
    assert t["diff"] == pytest.approx(100 * (1.0 - 1.5) / 8)


def test_identical_arms_give_a_zero_width_interval_and_p_one(tmp_path):
    same = [[1.0, 0.0, 0.5, 1.0]]
    t = paired_test(_arm(tmp_path / "a", "dpo", same), _arm(tmp_path / "b", "sft", same))
    assert t["diff"] == 0 and t["bootstrap_ci"] == [0.0, 0.0] and t["sign_p"] == 1.0


def test_arms_without_a_common_seed_are_not_compared(tmp_path):
    base = _arm(tmp_path, "sft", [[0.0] * 4])
    other = load_runs([make_run(tmp_path, "dpo", 7, 50.0, wins_of([1.0] * 4))])
    assert paired_test(other, base) is None


def test_benjamini_hochberg_adjusts_the_whole_family():
    tests = [{"sign_p": p} for p in (0.01, 0.04, 0.03, 0.5)]
    adjust(tests)
    expected = sps.false_discovery_control([0.01, 0.04, 0.03, 0.5], method="bh")
    assert [t["q"] for t in tests] == pytest.approx(list(expected))
    assert all(t["q"] >= t["sign_p"] for t in tests)


def test_the_closest_rival_is_the_nearest_win_rate_among_the_candidates():
    rates = {"a": 40.0, "b": 47.0, "c": 44.0, "a[x]": 43.9}
    assert closest_rival("a", rates, ["a", "b", "c"]) == "c"
    assert closest_rival("b", rates, ["a", "b", "c"]) == "c"
    assert closest_rival("a[x]", rates, ["a", "b", "c"]) == "c"
    assert closest_rival("a", rates, ["a"]) is None


def test_the_cluster_bootstrap_widens_when_values_repeat_within_a_cluster():
    rng = np.random.default_rng(0)
    flips = rng.random(40) < 0.5
    independent = [[float(f)] for f in flips]
    repeated = [[float(f)] * 10 for f in flips]  # each cluster seen ten times: no more evidence
    lo1, hi1 = cluster_bootstrap_ci(independent)
    lo2, hi2 = cluster_bootstrap_ci(repeated)
    assert hi2 - lo2 == pytest.approx(hi1 - lo1, abs=0.02)
    flat = [v for c in repeated for v in c]
    from harness.stats import bootstrap_ci

    lo3, hi3 = bootstrap_ci(flat)
    assert hi3 - lo3 < 0.6 * (hi2 - lo2)  # pooling the repeats as independent would be overconfident
    assert lo2 <= np.mean(flips) <= hi2
