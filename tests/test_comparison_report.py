"""The comparison report (harness/evaluation/comparison.py) from hand-made run directories:
metrics.json, config.yaml and the win-rate stage's per-prompt outcomes, as the runner writes them."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest
from omegaconf import OmegaConf
from scipy import stats as sps

from harness.stats import bootstrap_ci, mean_ci_across_seeds

from harness.evaluation import comparison as cmp


# --- hand-made run directories ----------------------------------------------------------------

STAGE = "eval/win_rate"


def make_run(root: Path, method: str, seed: int, win_rate: float, wins: dict[str, float], label: str = "",
             iterations=None, judge_accuracy=None, method_cfg=None, cost=None, decoding=None,
             stage: str = STAGE) -> Path:
    d = root / f"{method}-{label or 'default'}-seed{seed}".replace(" ", "_").replace("=", "")
    (d / "stages" / stage).mkdir(parents=True)
    summary = {"win_rate": win_rate, "win_rate_stage": stage}
    if judge_accuracy is not None:
        summary["judge"] = {"accuracy": judge_accuracy}
    if decoding is not None:
        summary["decoding"] = decoding
    metrics = {"method": method, "seed": seed, "variant": {"label": label, "config_hash": f"hash-{method}-{label}"},
               "summary": summary, "iterations": iterations or [],
               "cost": cost or {"tokens_generated": 1000, "judge_calls": 10, "wall_s": 60.0}}
    (d / "metrics.json").write_text(json.dumps(metrics))
    if method_cfg is None:
        method_cfg = {"name": method}
    (d / "config.yaml").write_text(OmegaConf.to_yaml(OmegaConf.create({"seed": seed, "method": method_cfg})))
    rows = [{"prompt_id": pid, "win": w, "model_first": True} for pid, w in wins.items()]
    (d / "stages" / stage / "result.json").write_text(json.dumps({"win_rate": win_rate, "rows": rows}))
    return d


def noisy(p: float) -> dict:
    return {"name": "online_dpo", "external_judge": "noisy_oracle", "judge_accuracy": p}


def wins_of(values: list[float], prefix: str = "eval-") -> dict[str, float]:
    return {f"{prefix}{i}": v for i, v in enumerate(values)}


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


# --- controls, on hand-made summaries ----------------------------------------------------------


def entry(method="online_dpo", win=50.0, win_ci=(45.0, 55.0), gain=None, gain_ci=None, p=None, realised=None,
          n_seeds=3) -> dict:
    vs = None
    if gain is not None:
        vs = {"gain": {"mean": gain, "ci": list(gain_ci or (gain - 2, gain + 2)), "n_seeds": n_seeds},
              "n_pairs": 100, "wilcoxon_p": 0.01}
    return {"method": method, "seeds": list(range(n_seeds)), "win_rate": {"mean": win, "ci": list(win_ci), "n_seeds": n_seeds},
            "vs_sft": vs, "realised_accuracy": None if realised is None else {"mean": realised, "ci": [realised] * 2, "n_seeds": n_seeds},
            "judge_accuracy": None, "decoding": "greedy", "tokens_generated": 0.0, "judge_calls": 0.0, "wall_s": 0.0,
            "external_judge_accuracy": p}


SFT = entry("sft", win=44.0, win_ci=(40.0, 48.0))


@pytest.mark.parametrize("gain, win_ci, passes", [
    (15.0, (55.0, 65.0), True),
    (10.0, (48.5, 62.0), True),   # the margin itself is enough
    (8.0, (50.0, 56.0), False),   # CIs disjoint but the gain is too small
    (15.0, (47.0, 70.0), False),  # big gain but the CIs overlap
    (15.0, (48.0, 70.0), False),  # touching is not disjoint
])
def test_positive_control(gain, win_ci, passes):
    oracle = entry(win=sum(win_ci) / 2, win_ci=win_ci, gain=gain, p=1.0)
    v = cmp.controls({"sft": SFT, "online_dpo": oracle})["positive"]
    assert v["pass"] is passes
    assert v["gain"] == gain
    assert v["cis_disjoint"] is (win_ci[0] > 48.0)


def test_positive_control_needs_sft_and_the_oracle():
    assert "positive" not in cmp.controls({"online_dpo": entry(gain=20.0, p=1.0)})
    assert "positive" not in cmp.controls({"sft": SFT, "online_dpo": entry(p=1.0)})  # no paired gain


@pytest.mark.parametrize("mean, passes", [(44.0, True), (40.0, True), (48.0, True), (39.9, False), (52.0, False)])
def test_negative_control_random(mean, passes):
    rnd = entry(win=mean, win_ci=(mean - 10, mean + 10), gain=mean - 44.0)
    v = cmp.controls({"sft": SFT, "online_dpo[random]": rnd})["negative_random"]
    assert v == {"win_rate": mean, "pass": passes}


def test_negative_control_adversarial():
    ok = cmp.controls({"sft": SFT, "online_dpo[noisy_oracle p=0]": entry(gain=-20.0, gain_ci=(-30.0, -10.0), p=0.0)})
    assert ok["negative_adversarial"] == {"p": 0.0, "gain": -20.0, "pass": True}
    bad = cmp.controls({"sft": SFT, "online_dpo[noisy_oracle p=0.3]": entry(gain=-5.0, gain_ci=(-15.0, 5.0), p=0.3)})
    assert bad["negative_adversarial"]["pass"] is False
    assert "negative_adversarial" not in cmp.controls({"sft": SFT, "online_dpo": entry(gain=20.0, p=1.0)})


def _curve(points: dict[float, tuple[float, float, float]]) -> dict:
    out = {"sft": SFT}
    for p, (gain, low, high) in points.items():
        name = "online_dpo" if p == 1.0 else f"online_dpo[noisy_oracle p={p:g}]"
        out[name] = entry(gain=gain, gain_ci=(low, high), p=p)
    return out


def test_monotone_for_an_increasing_curve():
    s = _curve({0.5: (0.0, -3.0, 3.0), 0.6: (2.0, -1.0, 5.0), 0.7: (5.0, 2.0, 8.0), 0.8: (8.0, 5.0, 11.0),
                0.9: (11.0, 8.0, 14.0), 1.0: (15.0, 12.0, 18.0)})
    assert cmp.controls(s)["monotone_within_cis"] is True
    assert [r["p"] for r in cmp.dose_response(s)] == [0.5, 0.6, 0.7, 0.8, 0.9, 1.0]


def test_monotone_tolerates_dips_inside_the_cis():
    s = _curve({0.5: (1.0, -3.0, 5.0), 0.7: (0.0, -4.0, 4.0), 0.9: (6.0, 2.0, 10.0)})
    assert cmp.controls(s)["monotone_within_cis"] is True


def test_not_monotone_for_a_clearly_decreasing_curve():
    s = _curve({0.5: (20.0, 18.0, 22.0), 0.7: (10.0, 8.0, 12.0), 0.9: (0.0, -2.0, 2.0)})
    assert cmp.controls(s)["monotone_within_cis"] is False


def test_monotonicity_ignores_the_adversarial_end():
    s = _curve({0.0: (30.0, 28.0, 32.0), 0.5: (0.0, -2.0, 2.0), 0.9: (10.0, 8.0, 12.0)})
    v = cmp.controls(s)
    assert v["monotone_within_cis"] is True
    assert v["negative_adversarial"]["pass"] is False


def test_dose_response_and_method_points():
    s = {**_curve({0.7: (5.0, 1.0, 9.0), 1.0: (15.0, 12.0, 18.0)}),
         "online_dpo[random]": entry(gain=0.0, p=None),
         "self_judge": entry("self_judge", gain=4.0, gain_ci=(0.0, 8.0), realised=65.0),
         "sft_like": entry("sft_like", gain=1.0)}  # no realised accuracy: not a point
    s["online_dpo[noisy_oracle p=0.7]"]["realised_accuracy"] = {"mean": 70.5, "ci": [70.5, 70.5], "n_seeds": 3}
    curve = cmp.dose_response(s)
    assert [(r["arm"], r["p"], r["gain"], r["gain_ci"], r["realised"]) for r in curve] == [
        ("online_dpo[noisy_oracle p=0.7]", 0.7, 5.0, [1.0, 9.0], 70.5), ("online_dpo", 1.0, 15.0, [12.0, 18.0], None)]
    assert cmp.method_points(s) == [{"arm": "self_judge", "accuracy": 65.0, "gain": 4.0, "gain_ci": [0.0, 8.0]}]


# --- write_report, end to end from run directories ---------------------------------------------

PROMPTS = 12


def _report_runs(root: Path) -> list[Path]:
    """sft around 40%; the oracle clearly better; random level with sft; p = 0 worse; p = 0.7 in between;
    one self-judging method. Per-prompt wins are chosen so each run's gain over sft is known."""
    dirs = []
    for seed in (0, 1, 2):
        base = [1.0] * 4 + [0.5] * 2 + [0.0] * 6  # 41.7%
        dirs.append(make_run(root, "sft", seed, 40.0 + seed, wins_of(base)))

        def run(label, method_cfg, extra_wins, wr, method="online_dpo", **kw):
            wins = [min(1.0, max(0.0, w + extra_wins)) for w in base]
            dirs.append(make_run(root, method, seed, wr, wins_of(wins), label=label, method_cfg=method_cfg, **kw))

        run("", {"name": "online_dpo", "external_judge": "oracle", "judge_accuracy": 1.0}, 0.5 + 0.1 * seed, 70.0 + seed,
            iterations=[{"realised_judge_accuracy": 1.0, "realised_judge_accuracy_pairs": 8}])
        run("random", {"name": "online_dpo", "external_judge": "random", "judge_accuracy": 1.0}, 0.0, 40.0 + seed)
        run("noisy_oracle p=0", noisy(0.0), -0.5 - 0.1 * seed, 15.0 + seed)
        run("noisy_oracle p=0.7", noisy(0.7), 0.25, 52.0 + seed,
            iterations=[{"realised_judge_accuracy": 0.7, "realised_judge_accuracy_pairs": 10}])
        run("", {"name": "self_judge"}, 0.25, 50.0 + seed, method="self_judge",
            iterations=[{"train": {"realised_judge_accuracy": 0.6, "realised_judge_accuracy_pairs": 10}}])
    return dirs


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    out = tmp_path_factory.mktemp("results") / "comparison"
    text = cmp.write_report(_report_runs(root), out, "python scripts/comparison.py --seeds 0 1 2",
                            walls={"methods": 120.0, "noisy_oracle": 30.0})
    return out, text


def test_write_report_writes_the_four_files(report):
    out, text = report
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".")) == [
        "comparison.json", "comparison.md", "dose-response.csv", "dose-response.png"]
    png = (out / "dose-response.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 1000
    assert (out / "comparison.md").read_text() == text


def test_report_json_summary_and_controls(report):
    out, _ = report
    data = json.loads((out / "comparison.json").read_text())
    s, v = data["summary"], data["controls"]
    assert set(s) == {"sft", "online_dpo", "online_dpo[random]", "online_dpo[noisy_oracle p=0]",
                      "online_dpo[noisy_oracle p=0.7]", "self_judge"}
    assert s["online_dpo[random]"]["vs_sft"]["gain"]["mean"] == pytest.approx(0.0)
    assert v["positive"]["pass"] is True and v["positive"]["cis_disjoint"] is True
    assert v["negative_random"] == {"win_rate": pytest.approx(41.0), "pass": True}
    assert v["negative_adversarial"]["pass"] is True and v["negative_adversarial"]["p"] == 0.0
    assert v["monotone_within_cis"] is True
    assert s["self_judge"]["realised_accuracy"]["mean"] == pytest.approx(60.0)
    assert s["online_dpo[noisy_oracle p=0.7]"]["realised_accuracy"]["mean"] == pytest.approx(70.0)


def _expected_gain(extra_by_seed):
    base = np.array([1.0] * 4 + [0.5] * 2 + [0.0] * 6)
    per_seed = [100 * float(np.mean(np.clip(base + e, 0, 1) - base)) for e in extra_by_seed]
    return mean_ci_across_seeds(per_seed)


def test_report_csv_rows(report):
    out, _ = report
    rows = list(csv.reader(io.StringIO((out / "dose-response.csv").read_text())))
    assert rows[0] == ["kind", "arm", "judge_accuracy_pct", "gain", "gain_ci_low", "gain_ci_high"]
    body = [(r[0], r[1], float(r[2])) for r in rows[1:]]
    assert body == [("control", "online_dpo[noisy_oracle p=0]", 0.0), ("control", "online_dpo[noisy_oracle p=0.7]", 70.0),
                    ("control", "online_dpo", 100.0), ("random", "online_dpo[random]", 50.0),
                    ("method", "self_judge", 60.0)]
    gains = {r[1]: [float(x) for x in r[3:]] for r in rows[1:]}
    oracle = _expected_gain([0.5, 0.6, 0.7])
    assert gains["online_dpo"] == pytest.approx([oracle.value, oracle.ci_low, oracle.ci_high])
    adversarial = _expected_gain([-0.5, -0.6, -0.7])
    assert gains["online_dpo[noisy_oracle p=0]"] == pytest.approx([adversarial.value, adversarial.ci_low, adversarial.ci_high])
    assert gains["online_dpo[random]"] == pytest.approx([0.0, 0.0, 0.0])
    assert gains["self_judge"][0] == pytest.approx(_expected_gain([0.25] * 3).value)


def test_report_markdown(report):
    _, text = report
    lines = text.splitlines()
    table = [line for line in lines if line.startswith("| ") and "arm" not in line and not line.startswith("| p |")]
    arms = [line.split("|")[1].strip() for line in table[:6]]
    assert arms == ["sft", "self_judge", "online_dpo", "online_dpo[noisy_oracle p=0.7]", "online_dpo[noisy_oracle p=0]",
                    "online_dpo[random]"]
    assert "- positive control (oracle beats sft by >= 10 points, CIs disjoint): PASS" in text
    assert "- negative control (random judge within sft's CI): PASS (win rate 41.0)" in text
    assert "- negative control (a judge with p = 0 loses: gain CI below 0): PASS" in text
    assert "- dose-response monotone within CIs (p >= 0.5): yes" in text
    assert "| 0.7 | online_dpo[noisy_oracle p=0.7] | 16.7 [16.7, 16.7] | 3 | 70.0 |" in lines  # realised accuracy last
    assert "| 0 | online_dpo[noisy_oracle p=0] | -28.3 [-36.6, -20.1] | 3 | – |" in lines
    assert "resumed, not redone): methods 2.0 min, noisy_oracle 0.5 min." in text
    assert text.rstrip().endswith("Regenerate: `python scripts/comparison.py --seeds 0 1 2`")


def test_report_shows_failing_controls(tmp_path):
    dirs = []
    for seed in (0, 1):
        dirs.append(make_run(tmp_path, "sft", seed, 40.0 + 2 * seed, wins_of([0.5] * 12)))
        dirs.append(make_run(tmp_path, "online_dpo", seed, 43.0 + 2 * seed, wins_of([0.5] * 10 + [1.0] * 2),
                             method_cfg={"name": "online_dpo", "external_judge": "oracle", "judge_accuracy": 1.0}))
        dirs.append(make_run(tmp_path, "online_dpo", seed, 60.0, wins_of([1.0] * 12), label="random",
                             method_cfg={"name": "online_dpo", "external_judge": "random", "judge_accuracy": 1.0}))
    text = cmp.write_report(dirs, tmp_path / "out", "cmd")
    assert "positive control (oracle beats sft by >= 10 points, CIs disjoint): FAIL" in text
    assert "negative control (random judge within sft's CI): FAIL (win rate 60.0)" in text
    assert "Wall time" not in text
    assert (tmp_path / "out" / "dose-response.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_run_written_before_variants_existed_joins_the_report_without_crashing(tmp_path):
    old = make_run(tmp_path, "sft", 0, 40.0, wins_of([0.0] * 12))
    metrics = json.loads((old / "metrics.json").read_text())
    del metrics["variant"]  # metrics.json of an older harness: the report takes the hash from config.yaml
    (old / "metrics.json").write_text(json.dumps(metrics))
    new = make_run(tmp_path, "sft", 1, 50.0, wins_of([1.0] * 12))
    summary = cmp.summarise(cmp.load_runs([old, new]))
    assert sum(len(s["seeds"]) for s in summary.values()) == 2
    assert all(name.startswith("sft") for name in summary)
