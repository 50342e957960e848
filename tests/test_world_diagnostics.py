"""Per-family diagnostics of the embedded world (harness/evaluation/world_diagnostics.py), on
hand-made samples and judgments whose answers are known: gold text is exact, a family's
perturbation is partly right (0 < quality < 1), and the empty reply has quality 0."""

from __future__ import annotations

import json

import pytest

from harness.evaluation.world_diagnostics import (
    TARGETS,
    summarise,
    targets_met,
    to_markdown,
)
from harness.records import Judgment
from harness.stats import wilson_ci
from harness.world import oracle_quality
from world_samples import (
    BY_ID,
    EVAL,
    TRAIN,
    greedy_samples,
    samples_of,
)


def test_the_hand_made_inputs_are_what_the_tests_assume():
    assert [p.family for p in EVAL] == ["sort", "descend", "unique", "alpha", "second"] * 2
    assert [p.family for p in TRAIN] == ["sort", "descend", "unique", "alpha", "second"]
    for p in EVAL + TRAIN:
        assert oracle_quality(p, p.gold) == 1.0
        assert oracle_quality(p, "") == 0.0


# --- summarise ---------------------------------------------------------------------------------
#
# Greedy, evaluation (two problems per family):   sort G W | descend G G | unique W W | alpha G W | second W G
# Greedy, training (one problem per family):      sort G   | descend W   | unique G   | alpha G   | second W
# Samples (k = 3) on the sort and unique problems only, with the judge's scores:
#   eval-0 (sort, greedy G):   W G E  scores 3 5 1           -> hits 0 1 0, pairs 1 1 1,   best G (1), gain 0
#   eval-5 (sort, greedy W):   E G E  scores 4 2 None        -> hits 0 1 0, pairs 0 .5,    best E (0), gain 0
#   eval-2 (unique, greedy W): E G W  scores 1 5 2           -> hits 0 1 0, pairs 1 1 1,   best G (1), gain +1
#   eval-7 (unique, greedy W): E E E  no judgments at all    -> hits 0 0 0, no pairs,      best E (0), gain 0

GREEDY_EVAL = {"eval-0": "G", "eval-5": "W", "eval-1": "G", "eval-6": "G", "eval-2": "W", "eval-7": "W",
               "eval-3": "G", "eval-8": "W", "eval-4": "W", "eval-9": "G"}
GREEDY_TRAIN = {"train-0": "G", "train-1": "W", "train-2": "G", "train-3": "G", "train-4": "W"}
SAMPLED = {"eval-0": ("WGE", [3.0, 5.0, 1.0]), "eval-5": ("EGE", [4.0, 2.0, None]),
           "eval-2": ("EGW", [1.0, 5.0, 2.0]), "eval-7": ("EEE", None)}


def _inputs():
    samples, judgments = [], []
    for pid, (kinds, scores) in SAMPLED.items():
        group = samples_of(BY_ID[pid], kinds)
        samples += group
        if scores is not None:
            judgments += [Judgment(pid, s.index, score) for s, score in zip(group, scores)]
    return EVAL, greedy_samples(GREEDY_EVAL), TRAIN, greedy_samples(GREEDY_TRAIN), samples, judgments


@pytest.fixture(scope="module")
def summary():
    return summarise(*_inputs())


def _value(rate):
    return rate["value"]


def test_summarise_rows_are_the_families_and_all(summary):
    assert set(summary) == {"sort", "descend", "unique", "alpha", "second", "all"}


@pytest.mark.parametrize("family, eval_em, train_em", [
    ("sort", 50.0, 100.0), ("descend", 100.0, 0.0), ("unique", 0.0, 100.0), ("alpha", 50.0, 100.0),
    ("second", 50.0, 0.0), ("all", 50.0, 60.0)])
def test_summarise_greedy_exact_match_on_eval_and_train(summary, family, eval_em, train_em):
    r = summary[family]
    assert _value(r["greedy_em_eval"]) == pytest.approx(eval_em)
    assert _value(r["greedy_em_train"]) == pytest.approx(train_em)
    assert r["train_eval_gap"] == pytest.approx(abs(train_em - eval_em))
    n_eval, n_train = (10, 5) if family == "all" else (2, 1)
    assert r["greedy_em_eval"]["n"] == n_eval and r["greedy_em_train"]["n"] == n_train
    low, high = wilson_ci(round(eval_em * n_eval / 100), n_eval)
    assert r["greedy_em_eval"]["ci"] == pytest.approx([100 * low, 100 * high])


@pytest.mark.parametrize("family, pass1, passk, pairs, best, gain, n_samples, n_pairs", [
    ("sort", 100 * 2 / 6, 100.0, 100 * 3.5 / 5, 50.0, 0.0, 6, 5),
    ("unique", 100 * 1 / 6, 50.0, 100.0, 50.0, 50.0, 6, 3),
    ("all", 100 * 3 / 12, 75.0, 100 * 6.5 / 8, 50.0, 25.0, 12, 8)])
def test_summarise_sampling_judge_and_best_of_k(summary, family, pass1, passk, pairs, best, gain, n_samples, n_pairs):
    r = summary[family]
    assert _value(r["pass1"]) == pytest.approx(pass1)  # mean over every sample
    assert r["pass1"]["n"] == n_samples
    assert _value(r["passk"]) == pytest.approx(passk)  # any of the prompt's k samples
    assert r["passk"]["n"] == n_samples // 3
    assert r["pass_gap"] == pytest.approx(passk - pass1)
    assert _value(r["judge_pair_accuracy"]) == pytest.approx(pairs)
    assert r["judge_pair_accuracy"]["n"] == n_pairs
    assert _value(r["best_of_k_em"]) == pytest.approx(best)
    assert r["best_of_k_gain"] == pytest.approx(gain)  # best-of-k EM minus greedy EM, same prompts


@pytest.mark.parametrize("family", ["descend", "alpha", "second"])
def test_summarise_families_without_samples_have_no_sampling_numbers(summary, family):
    r = summary[family]
    for key in ("pass1", "passk", "judge_pair_accuracy", "best_of_k_em"):
        assert r[key] == {"value": None, "n": 0, "ci": None}
    assert r["pass_gap"] is None and r["best_of_k_gain"] is None


def test_summarise_orders_samples_by_index_before_breaking_ties():
    p = EVAL[0]
    wrong, gold = samples_of(p, "WG")
    gold.index, wrong.index = 0, 1  # the gold sample is first by index but comes second in the list
    judgments = [Judgment(p.id, 0, 4.0), Judgment(p.id, 1, 4.0)]
    out = summarise([p], greedy_samples({p.id: "W"}), [], [], [wrong, gold], judgments)
    assert _value(out["sort"]["best_of_k_em"]) == 100.0
    assert out["sort"]["best_of_k_gain"] == 100.0
    assert out["sort"]["greedy_em_train"]["value"] is None and out["sort"]["train_eval_gap"] is None


def test_summarise_is_pure():
    args = _inputs()
    before = json.dumps([[x.to_dict() for x in a] for a in args])
    assert summarise(*args) == summarise(*args)
    assert json.dumps([[x.to_dict() for x in a] for a in args]) == before


# --- targets_met -------------------------------------------------------------------------------


def test_targets_are_the_documented_ones():
    assert TARGETS == {"greedy_em_eval": (30.0, 70.0), "pass_gap": (15.0, None), "train_eval_gap": (None, 10.0),
                       "judge_pair_accuracy": (75.0, None), "best_of_k_gain": (10.0, None)}


def _rate(v):
    return {"value": v, "n": 10, "ci": None if v is None else [v - 5, v + 5]}


def _overall(greedy=50.0, pass_gap=20.0, train_eval_gap=5.0, judge=80.0, gain=15.0) -> dict:
    return {"greedy_em_eval": _rate(greedy), "pass_gap": pass_gap, "train_eval_gap": train_eval_gap,
            "judge_pair_accuracy": _rate(judge), "best_of_k_gain": gain}


def _families(*greedy):
    return {f"f{i}": {"greedy_em_eval": _rate(v)} for i, v in enumerate(greedy)}


def test_targets_all_met():
    assert targets_met(_overall(), _families(40.0, 60.0)) == {
        "greedy_em_eval": True, "pass_gap": True, "train_eval_gap": True, "judge_pair_accuracy": True,
        "best_of_k_gain": True, "no_family_at_zero": True}


def test_targets_bounds_are_inclusive():
    met = targets_met(_overall(greedy=30.0, pass_gap=15.0, train_eval_gap=10.0, judge=75.0, gain=10.0), _families(1.0))
    assert all(met.values()), met
    assert targets_met(_overall(greedy=70.0), _families(1.0))["greedy_em_eval"]


@pytest.mark.parametrize("key, kwargs", [
    ("greedy_em_eval", {"greedy": 29.9}), ("greedy_em_eval", {"greedy": 70.1}), ("greedy_em_eval", {"greedy": None}),
    ("pass_gap", {"pass_gap": 14.9}), ("pass_gap", {"pass_gap": None}),
    ("train_eval_gap", {"train_eval_gap": 10.1}), ("train_eval_gap", {"train_eval_gap": None}),
    ("judge_pair_accuracy", {"judge": 74.9}), ("judge_pair_accuracy", {"judge": None}),
    ("best_of_k_gain", {"gain": 9.9}), ("best_of_k_gain", {"gain": -5.0}), ("best_of_k_gain", {"gain": None})])
def test_each_target_can_fail_alone(key, kwargs):
    met = targets_met(_overall(**kwargs), _families(50.0))
    assert met[key] is False
    assert all(ok for k, ok in met.items() if k != key), met


def test_no_family_at_zero():
    assert targets_met(_overall(), _families(50.0, 0.0))["no_family_at_zero"] is False
    assert targets_met(_overall(), _families(50.0, None))["no_family_at_zero"] is False  # never measured
    assert targets_met(_overall(), _families(50.0, 0.1))["no_family_at_zero"] is True
    # an 'all' row among the families is ignored
    fams = {**_families(50.0), "all": {"greedy_em_eval": _rate(0.0)}}
    assert targets_met(_overall(), fams)["no_family_at_zero"] is True


def test_targets_on_the_summarised_inputs(summary):
    families = {f: r for f, r in summary.items() if f != "all"}
    met = targets_met(summary["all"], families)
    # greedy 50, pass gap 50, |train - eval| = |60 - 50| = 10 (the bound), judge 81.25, gain 25; unique is at 0%
    assert met == {"greedy_em_eval": True, "pass_gap": True, "train_eval_gap": True, "judge_pair_accuracy": True,
                   "best_of_k_gain": True, "no_family_at_zero": False}


# --- to_markdown -------------------------------------------------------------------------------


def _result(summary) -> dict:
    families = {f: r for f, r in summary.items() if f != "all"}
    return {"k": 3, "temperature": 0.7, "top_p": 0.9, "n_prompts": 10, "overall": summary["all"],
            "families": families, "targets_met": targets_met(summary["all"], families)}


def _rows(md: str) -> dict[str, list[str]]:
    rows = {}
    for line in md.splitlines():
        if line.startswith("| ") and not line.startswith("| family"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            rows[cells[0]] = cells[1:]
    return rows


def test_markdown_has_a_row_per_family_and_the_all_row(summary):
    md = to_markdown(_result(summary))
    rows = _rows(md)
    assert list(rows) == ["alpha", "descend", "second", "sort", "unique", "**all**"]
    header = md.splitlines()[0]
    assert "pass@3" in header and "best-of-3 EM" in header
    assert md.splitlines()[1] == "|" + "---|" * 10
    # greedy eval, greedy train, |train-eval|, pass@1, pass@k, gap, judge, best-of-k, gain
    assert rows["sort"] == ["50.0", "100.0", "50.0", "33.3", "100.0", "66.7", "70.0", "50.0", "0.0"]
    assert rows["descend"] == ["100.0", "0.0", "100.0", "–", "–", "–", "–", "–", "–"]
    assert rows["**all**"] == ["50.0", "60.0", "10.0", "25.0", "75.0", "50.0", "81.2", "50.0", "25.0"]


def test_markdown_n_line_and_targets(summary):
    md = to_markdown(_result(summary))
    assert ("n (all): 10 evaluation problems, 5 training problems, 12 samples at T=0.7 top_p=0.9, "
            "8 judge pairs.") in md
    low, high = wilson_ci(5, 10)
    assert f"greedy EM eval [{100 * low:.1f}, {100 * high:.1f}]" in md
    assert "pass@3 [" in md and "best-of-3 [" in md
    assert md.rstrip().endswith("no_family_at_zero NO.")
    assert "Targets met: greedy_em_eval yes, " in md


def test_markdown_survives_a_json_round_trip(summary):
    result = _result(summary)
    assert to_markdown(json.loads(json.dumps(result))) == to_markdown(result)
