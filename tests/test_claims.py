"""The papers' claims (harness/evaluation/claims.py), read from hand-made run directories laid out as
the runner writes them: each claim's difference, its CI across seeds and the verdict read off it."""

from __future__ import annotations

import json

import numpy as np
from omegaconf import OmegaConf

from comparison_runs import make_run, wins_of
from harness.evaluation import claims
from harness.evaluation.comparison import load_runs

SEEDS = (0, 1, 2)
RHO = [0.0, 0.32, 0.32, 0.4]


def run(root, method, seed, wins, method_cfg=None, label_noise=0.0, tag="", **kw):
    # the tag only tells the directories apart; claims pick runs by their stored config
    d = make_run(root, method, seed, 100 * float(np.mean(wins)), wins_of(wins), method_cfg=method_cfg,
                 label=f"{tag}{'noisy' if label_noise else ''}", **kw)
    cfg = {"seed": seed, "method": {"name": method, **(method_cfg or {})}, "data": {"world": {"label_noise": label_noise}}}
    (d / "config.yaml").write_text(OmegaConf.to_yaml(OmegaConf.create(cfg)))
    return d


def iterations(judge=None, lengths=None):
    n = len(judge or lengths)
    return [{"iteration": i, "eval": {"judge": {"accuracy": judge[i]} if judge else None,
                                      "mean_length_tokens": lengths[i] if lengths else None}} for i in range(n)]


def by_name(results, name):
    return next(r for r in results if r["claim"].startswith(name))


def test_judge_accuracy_over_iterations_reads_the_last_minus_m1(tmp_path):
    rising = [run(tmp_path / "up", "self_rewarding", s, [1, 0], iterations=iterations(judge=[55 + s, 60, 66 + s]))
              for s in SEEDS]
    r = by_name(claims.check_claims(load_runs(rising)), "judge accuracy")
    assert r["estimate"]["mean"] == 11.0 and r["estimate"]["n_seeds"] == 3
    assert r["verdict"] == "reproduces" and "M1 56.0% → last iteration 67.0%" in r["detail"]
    falling = [run(tmp_path / "down", "self_rewarding", s, [1, 0], iterations=iterations(judge=[70, 60 + s]))
               for s in SEEDS]
    assert by_name(claims.check_claims(load_runs(falling)), "judge accuracy")["verdict"] == "reversed"
    mixed = [run(tmp_path / "flat", "self_rewarding", s, [1, 0], iterations=iterations(judge=[60, 60 + d]))
             for s, d in zip(SEEDS, (-5, 0, 5))]
    assert by_name(claims.check_claims(load_runs(mixed)), "judge accuracy")["verdict"] == "no effect detected"
    # one seed: a per-seed difference has no CI to read a verdict from
    one = by_name(claims.check_claims(load_runs(rising[:1])), "judge accuracy")
    assert one["verdict"] == "needs 2+ seeds"


def test_length_control_compares_growth_with_and_without_rho(tmp_path):
    dirs = []
    for s in SEEDS:
        dirs.append(run(tmp_path, "meta_rewarding", s, [1, 0], method_cfg={"rho": RHO},
                        iterations=iterations(lengths=[10, 10.5, 11 + 0.1 * s])))
        dirs.append(run(tmp_path, "meta_rewarding", s, [1, 0], method_cfg={"rho": [0.0] * 4}, tag="rho0",
                        iterations=iterations(lengths=[10, 12, 14 - 0.1 * s])))
    r = by_name(claims.check_claims(load_runs(dirs)), "rho > 0")
    # growth 1 + 0.1 s with rho and 4 - 0.1 s without: -3 + 0.2 s, seed by seed
    assert np.isclose(r["estimate"]["mean"], np.mean([-3 + 0.2 * s for s in SEEDS]))
    assert r["verdict"] == "reproduces"  # the claim is a smaller growth: the CI lies below 0
    without_ablation = [d for d in dirs if "rho0" not in d.name]
    assert by_name(claims.check_claims(load_runs(without_ablation)), "rho > 0")["verdict"] == "not run"


def test_tournament_is_paired_per_prompt_with_the_one_sample_stage(tmp_path):
    dirs = []
    for s in SEEDS:
        d = run(tmp_path, "self_judge", s, [1, 1, 1, 0], stage="eval/M2/select/win_rate_n4", decoding="tournament@4")
        single = d / "stages" / "eval/M2/select/win_rate_n1"
        single.mkdir(parents=True)
        rows = [{"prompt_id": p, "win": w} for p, w in wins_of([1, 0, 0, 0]).items()]
        single.joinpath("result.json").write_text(json.dumps({"rows": rows}))
        dirs.append(d)
    r = by_name(claims.check_claims(load_runs(dirs)), "tournament")
    assert r["estimate"]["mean"] == 50.0 and r["detail"] == "12 prompt pairs"
    assert "tournament@4" in r["measure"]


def test_self_j_mix_must_beat_both_single_signals(tmp_path):
    dirs = []
    for s in SEEDS:
        dirs.append(run(tmp_path, "self_j", s, [1, 1, 0, 0], method_cfg={"w": 0.5}))
        dirs.append(run(tmp_path, "self_j", s, [1, 0, 0, 0], method_cfg={"w": 1.0}, tag="w1"))
        dirs.append(run(tmp_path, "self_j", s, [1, 1, 0, 0], method_cfg={"w": 0.0}, tag="w0"))
    r = by_name(claims.check_claims(load_runs(dirs)), "self-evaluation plus cosine")
    # beats self-evaluation alone by 25 points, ties cosine alone: the claim is not shown
    assert r["verdict"] == "no effect detected" and r["estimate"]["mean"] == 0.0
    assert "alone (w = 1): +25.0" in r["detail"]


def test_sera_against_dpo_on_the_same_flipped_labels(tmp_path):
    dirs = []
    for s in SEEDS:
        dirs.append(run(tmp_path, "sera", s, [1, 1, 1, 0], label_noise=0.3))
        dirs.append(run(tmp_path, "dpo", s, [1, 0, 0, 0], label_noise=0.3))
        dirs.append(run(tmp_path, "sera", s, [0, 0, 0, 0]))
        dirs.append(run(tmp_path, "dpo", s, [1, 0, 0, 0]))
    r = by_name(claims.check_claims(load_runs(dirs)), "SeRA")
    assert r["estimate"]["mean"] == 50.0 and r["verdict"] == "reproduces"
    assert r["detail"] == "30% of the offline labels flipped; with clean labels SeRA − DPO is -25.0 [-25.0, -25.0]"
    md = claims.claims_markdown(claims.check_claims(load_runs(dirs)))
    assert "| SeRA beats DPO under flipped labels |" in md and "| not run |" in md  # the other claims have no runs
