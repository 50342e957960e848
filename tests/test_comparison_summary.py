"""The comparison report's loading, arms, realised accuracy, per-arm summaries and paired gains
(harness/evaluation/comparison.py), from hand-made run directories."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy import stats as sps

from comparison_runs import (
    make_run,
    noisy,
    wins_of,
)
from harness.evaluation import comparison as cmp
from harness.stats import bootstrap_ci, mean_ci_across_seeds

# --- loading, arms, per-prompt wins, realised accuracy -------------------------------------------


def test_load_runs_skips_directories_without_metrics(tmp_path):
    a = make_run(tmp_path, "sft", 0, 40.0, wins_of([1, 0]))
    empty = tmp_path / "crashed"
    empty.mkdir()
    runs = cmp.load_runs([a, empty])
    assert len(runs) == 1 and runs[0]["run_dir"] == str(a) and runs[0]["method"] == "sft"


def test_arm_is_method_and_variant_label():
    assert cmp.arm({"method": "sft", "variant": {"label": ""}}) == "sft"
    assert cmp.arm({"method": "sft"}) == "sft"
    assert cmp.arm({"method": "online_dpo", "variant": {"label": "random"}}) == "online_dpo[random]"
    assert cmp.arm({"method": "online_dpo", "variant": {"label": "noisy_oracle p=0.7"}}) == "online_dpo[noisy_oracle p=0.7]"


def test_per_prompt_wins_reads_the_stage_rows(tmp_path):
    d = make_run(tmp_path, "sft", 0, 50.0, {"eval-0": 1.0, "eval-1": 0.5, "eval-2": 0.0}, stage="m3/eval/win_rate")
    (m,) = cmp.load_runs([d])
    assert cmp.per_prompt_wins(m) == {"eval-0": 1.0, "eval-1": 0.5, "eval-2": 0.0}
    m["summary"]["win_rate_stage"] = None
    assert cmp.per_prompt_wins(m) == {}


def test_realised_accuracy_pools_iterations_weighted_by_pairs():
    m = {"iterations": [{"realised_judge_accuracy": 0.8, "realised_judge_accuracy_pairs": 10},
                        {"realised_judge_accuracy": 0.5, "realised_judge_accuracy_pairs": 30},
                        {"realised_judge_accuracy": None, "realised_judge_accuracy_pairs": 0}]}
    assert cmp.realised_accuracy(m) == pytest.approx(100 * (8 + 15) / 40)  # not the plain mean 65


def test_realised_accuracy_reads_self_judge_train_stats():
    m = {"iterations": [{"iteration": 1, "train": {"realised_judge_accuracy": 0.9, "realised_judge_accuracy_pairs": 20}},
                        {"iteration": 2, "train": {"realised_judge_accuracy": 0.6, "realised_judge_accuracy_pairs": 10}}]}
    assert cmp.realised_accuracy(m) == pytest.approx(100 * (18 + 6) / 30)
    # the top level wins when it has pairs; otherwise `train` is read
    m = {"iterations": [{"realised_judge_accuracy": 0.5, "realised_judge_accuracy_pairs": 0,
                         "train": {"realised_judge_accuracy": 0.75, "realised_judge_accuracy_pairs": 4}}]}
    assert cmp.realised_accuracy(m) == pytest.approx(75.0)


def test_realised_accuracy_is_none_without_pairs():
    assert cmp.realised_accuracy({}) is None
    assert cmp.realised_accuracy({"iterations": [{"win_rate": 50}, {"train": {"loss": 0.1}}]}) is None
    assert cmp.realised_accuracy({"iterations": [{"realised_judge_accuracy": None, "realised_judge_accuracy_pairs": 0}]}) is None


# --- summarise and paired_vs -------------------------------------------------------------------

SFT_WINS = {0: [0.0] * 12, 1: [0.0] * 12, 2: [0.5] * 12}
METHOD_WINS = {0: [1.0] * 6 + [0.0] * 6, 1: [1.0] * 3 + [0.5] * 3 + [0.0] * 6, 2: [1.0] * 12}


def _sft_and_method(root: Path) -> list[Path]:
    dirs = []
    for seed, wr in zip((0, 1, 2), (40.0, 44.0, 48.0)):
        # sft has one extra prompt the method lacks (and vice versa): only the common 12 are compared
        dirs.append(make_run(root, "sft", seed, wr, {**wins_of(SFT_WINS[seed]), "eval-sft-only": 1.0},
                             cost={"tokens_generated": 100 * (seed + 1), "judge_calls": 0, "wall_s": 10.0}))
        dirs.append(make_run(root, "self_judge", seed, wr + 10 + seed,
                             {**wins_of(METHOD_WINS[seed]), "eval-method-only": 0.0},
                             iterations=[{"train": {"realised_judge_accuracy": 0.6 + 0.1 * seed,
                                                    "realised_judge_accuracy_pairs": 10}}],
                             judge_accuracy=70.0 + seed, decoding="best_of@4"))
    return dirs


def test_summarise_groups_seeds_per_arm_with_t_cis(tmp_path):
    s = cmp.summarise(cmp.load_runs(_sft_and_method(tmp_path)))
    assert set(s) == {"sft", "self_judge"}
    sft, me = s["sft"], s["self_judge"]
    assert sft["seeds"] == [0, 1, 2] and me["seeds"] == [0, 1, 2]
    e = mean_ci_across_seeds([40.0, 44.0, 48.0])
    assert sft["win_rate"] == {"mean": pytest.approx(44.0), "ci": [pytest.approx(e.ci_low), pytest.approx(e.ci_high)],
                               "n_seeds": 3}
    half = sps.t.ppf(0.975, 2) * 4.0 / np.sqrt(3)  # sd of 40, 44, 48 is 4
    assert sft["win_rate"]["ci"] == pytest.approx([44.0 - half, 44.0 + half])
    assert me["win_rate"]["mean"] == pytest.approx(55.0)
    assert sft["vs_sft"] is None and sft["realised_accuracy"] is None and sft["judge_accuracy"] is None
    assert sft["decoding"] == "greedy" and me["decoding"] == "best_of@4"
    assert sft["tokens_generated"] == pytest.approx(200.0) and sft["wall_s"] == pytest.approx(10.0)
    assert me["realised_accuracy"]["mean"] == pytest.approx(70.0)
    assert me["realised_accuracy"]["ci"] == pytest.approx(
        [mean_ci_across_seeds([60.0, 70.0, 80.0]).ci_low, mean_ci_across_seeds([60.0, 70.0, 80.0]).ci_high])
    assert me["judge_accuracy"]["mean"] == pytest.approx(71.0)
    assert sft["external_judge_accuracy"] is None and me["external_judge_accuracy"] is None


def test_paired_gain_is_the_mean_over_seeds_of_per_prompt_differences(tmp_path):
    s = cmp.summarise(cmp.load_runs(_sft_and_method(tmp_path)))
    vs = s["self_judge"]["vs_sft"]
    per_seed = [100 * float(np.mean(np.array(METHOD_WINS[k]) - np.array(SFT_WINS[k]))) for k in (0, 1, 2)]
    assert per_seed == pytest.approx([50.0, 37.5, 50.0])
    e = mean_ci_across_seeds(per_seed)
    assert vs["gain"]["mean"] == pytest.approx(e.value)
    assert vs["gain"]["ci"] == pytest.approx([e.ci_low, e.ci_high])
    assert vs["gain"]["n_seeds"] == 3
    assert vs["n_pairs"] == 36  # the common prompts only, zero differences included
    diffs = [100 * (a - b) for k in (0, 1, 2) for a, b in zip(METHOD_WINS[k], SFT_WINS[k])]
    nonzero = [d for d in diffs if d != 0]
    assert len(nonzero) == 24
    assert vs["wilcoxon_p"] == pytest.approx(sps.wilcoxon(nonzero).pvalue)
    assert 0 < vs["wilcoxon_p"] < 0.001


def test_paired_vs_skips_seeds_without_a_base_and_needs_ten_nonzero_differences(tmp_path):
    base = [make_run(tmp_path, "sft", 0, 40.0, wins_of([0.0] * 12))]
    mine = [make_run(tmp_path, "m", 0, 50.0, wins_of([1.0] * 9 + [0.0] * 3)),
            make_run(tmp_path, "m", 7, 90.0, wins_of([1.0] * 12))]  # no sft run for seed 7
    vs = cmp.paired_vs(cmp.load_runs(mine), cmp.load_runs(base))
    # one seed: no spread across seeds, so the CI is the bootstrap over that seed's per-prompt differences
    expected_ci = bootstrap_ci(np.array([100.0] * 9 + [0.0] * 3), np.mean, seed=0)
    assert vs["gain"] == {"mean": pytest.approx(75.0), "ci": [pytest.approx(c) for c in expected_ci], "n_seeds": 1}
    assert vs["gain"]["ci"][0] < 75.0 < vs["gain"]["ci"][1]
    assert vs["n_pairs"] == 12
    assert vs["wilcoxon_p"] is None  # 9 nonzero differences
    assert cmp.paired_vs(cmp.load_runs(mine[1:]), cmp.load_runs(base)) is None


def test_paired_vs_without_common_prompts_is_none(tmp_path):
    base = [make_run(tmp_path, "sft", 0, 40.0, wins_of([0.0] * 12, prefix="a-"))]
    mine = [make_run(tmp_path, "m", 0, 50.0, wins_of([1.0] * 12, prefix="b-"))]
    assert cmp.paired_vs(cmp.load_runs(mine), cmp.load_runs(base)) is None


def test_the_judge_accuracy_knob_is_read_from_the_config(tmp_path):
    dirs = [make_run(tmp_path, "sft", 0, 40.0, wins_of([0.0] * 4)),
            make_run(tmp_path, "online_dpo", 0, 60.0, wins_of([1.0] * 4),
                     method_cfg={"name": "online_dpo", "external_judge": "oracle", "judge_accuracy": 1.0}),
            make_run(tmp_path, "online_dpo", 0, 50.0, wins_of([0.5] * 4), label="noisy_oracle p=0.7",
                     method_cfg=noisy(0.7)),
            make_run(tmp_path, "online_dpo", 0, 41.0, wins_of([0.0] * 4), label="random",
                     method_cfg={"name": "online_dpo", "external_judge": "random", "judge_accuracy": 1.0}),
            make_run(tmp_path, "online_dpo", 0, 60.0, wins_of([1.0] * 4), label="defaulted",
                     method_cfg={"name": "online_dpo"})]  # no external_judge: the oracle
    s = cmp.summarise(cmp.load_runs(dirs))
    assert s["online_dpo"]["external_judge_accuracy"] == 1.0
    assert s["online_dpo[noisy_oracle p=0.7]"]["external_judge_accuracy"] == 0.7
    assert s["online_dpo[random]"]["external_judge_accuracy"] is None
    assert s["online_dpo[defaulted]"]["external_judge_accuracy"] == 1.0
    assert s["sft"]["external_judge_accuracy"] is None


