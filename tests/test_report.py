"""Leaderboard grouping: runs share a row only when they differ in nothing but the seed."""

from __future__ import annotations

import csv
import io
import json

import pytest
from omegaconf import OmegaConf

from harness.registry import get_method
from harness.report import leaderboard_rows, load_metrics, to_csv, to_markdown
from harness.runner import method_config
from harness.stats import mean_ci_across_seeds
from harness.store import variant_hash
from harness.compose import compose


def _config(seed=0, **method) -> dict:
    """A resolved config as the runner hashes it (the keys that matter here)."""
    return {"seed": seed, "device": "cpu", "threads": 0, "progress": True,
            "store": {"root": f"/tmp/runs{seed}", "cache": "/tmp/cache"},
            "model": {"name": "tiny", "n_layer": 2},
            "method": {"name": "online_dpo", "external_judge": "oracle", "judge_accuracy": 1.0, **method}}


def _metrics(method, seed, win_rate, label="", cfg=None, model="tiny") -> dict:
    cfg = cfg if cfg is not None else _config(seed)
    return {
        "method": method, "model": model, "seed": seed, "has_judge": False, "run_dir": f"/runs/{method}/{seed}",
        "variant": {"label": label, "config_hash": variant_hash(cfg)},
        "summary": {"win_rate": win_rate, "win_rate_ci": [win_rate - 5, win_rate + 5], "n": 12,
                    "mean_length_tokens": 10.0, "highlights": {}},
        "iterations": [], "capability": None,
        "cost": {"tokens_generated": 100, "judge_calls": 0, "wall_s": 1.0},
    }


def _noisy(seed, p, win_rate):
    cfg = _config(seed, external_judge="noisy_oracle", judge_accuracy=p)
    return _metrics("online_dpo", seed, win_rate, label=f"noisy_oracle p={p:g}", cfg=cfg)


def test_two_variants_with_two_seeds_each_give_two_rows_of_two_seeds():
    runs = [_noisy(0, 0.5, 40.0), _noisy(1, 0.5, 50.0), _noisy(0, 0.9, 70.0), _noisy(1, 0.9, 80.0)]
    rows = leaderboard_rows(runs)
    assert [r["method"] for r in rows] == ["online_dpo[noisy_oracle p=0.5]", "online_dpo[noisy_oracle p=0.9]"]
    assert [r["seeds"] for r in rows] == [2, 2]
    assert [r["win_rate"] for r in rows] == pytest.approx([45.0, 75.0])
    est = mean_ci_across_seeds([40.0, 50.0])  # two seeds: the t-interval reaches past [0, 100] ...
    assert est.ci_low < 0 and est.ci_high > 100
    assert rows[0]["win_rate_ci"] == [0.0, 100.0]  # ... and the row's CI stops at a rate's range
    assert [r["variant"] for r in rows] == ["noisy_oracle p=0.5", "noisy_oracle p=0.9"]


def test_the_random_judge_and_the_default_oracle_are_rows_of_their_own():
    runs = [_noisy(0, 0.7, 60.0), _noisy(1, 0.7, 62.0),
            _metrics("online_dpo", 0, 10.0, "random", _config(0, external_judge="random")),
            _metrics("online_dpo", 1, 12.0, "random", _config(1, external_judge="random")),
            _metrics("online_dpo", 0, 90.0), _metrics("online_dpo", 1, 92.0)]
    rows = {r["method"]: r for r in leaderboard_rows(runs)}
    assert set(rows) == {"online_dpo", "online_dpo[noisy_oracle p=0.7]", "online_dpo[random]"}
    assert {m: (r["seeds"], r["win_rate"]) for m, r in rows.items()} == {
        "online_dpo": (2, pytest.approx(91.0)), "online_dpo[noisy_oracle p=0.7]": (2, pytest.approx(61.0)),
        "online_dpo[random]": (2, pytest.approx(11.0))}


def test_configs_differing_in_an_unlabelled_knob_are_not_merged_and_show_their_hash():
    a = [_metrics("dpo", s, w, cfg=_config(s, **{"daa": {"beta": 0.1}})) for s, w in ((0, 30.0), (1, 40.0))]
    b = [_metrics("dpo", s, w, cfg=_config(s, **{"daa": {"beta": 0.5}})) for s, w in ((0, 60.0), (1, 70.0))]
    rows = leaderboard_rows(a + b)
    assert len(rows) == 2 and [r["seeds"] for r in rows] == [2, 2]
    assert sorted(r["win_rate"] for r in rows) == pytest.approx([35.0, 65.0])
    hashes = {variant_hash(_config(0, daa={"beta": 0.1})), variant_hash(_config(0, daa={"beta": 0.5}))}
    assert len(hashes) == 2
    assert {r["method"] for r in rows} == {f"dpo cfg:{h[:6]}" for h in hashes}
    md = to_markdown(rows)
    for h in hashes:
        assert f"| dpo cfg:{h[:6]} | tiny | 2 |" in md


def test_the_hash_ignores_seed_device_store_threads_and_progress_only():
    base = _config(0)
    same = {**_config(3), "device": "cuda:1", "threads": 8, "progress": False}
    assert variant_hash(base) == variant_hash(same)
    assert variant_hash(base) == variant_hash(_config(0, judge_accuracy=1))  # 1 and 1.0 are one value
    assert variant_hash(base) != variant_hash(_config(0, n_samples=8))
    assert variant_hash(base) != variant_hash({**base, "model": {"name": "tiny", "n_layer": 3}})


def test_rows_of_different_models_do_not_need_the_hash():
    rows = leaderboard_rows([_metrics("sft", 0, 50.0, model="tiny"),
                             _metrics("sft", 0, 55.0, model="smol", cfg={**_config(0), "model": {"name": "smol"}})])
    assert sorted(r["method"] for r in rows) == ["sft", "sft"]


def test_csv_keeps_its_leading_columns_and_adds_variant_and_hash():
    rows = leaderboard_rows([_metrics("online_dpo", 0, 10.0, "random", _config(0, external_judge="random"))])
    text = to_csv(rows)
    assert text.startswith("method,model,seeds,decoding,win_rate")
    (rec,) = list(csv.DictReader(io.StringIO(text)))
    assert rec["method"] == "online_dpo[random]" and rec["variant"] == "random"
    assert rec["config_hash"] == variant_hash(_config(0, external_judge="random"))


def test_online_dpo_labels_its_judge_and_leaves_the_default_unlabelled():
    entry = get_method("online_dpo")
    base = compose([], method="online_dpo").method  # as `method=online_dpo` composes it
    label = lambda **kw: entry.describe_variant(method_config(entry, OmegaConf.merge(base, kw)), _config())["label"]  # noqa: E731
    assert label() == ""
    assert label(external_judge="random") == "random"
    assert label(external_judge="noisy_oracle", judge_accuracy=0.7) == "noisy_oracle p=0.7"
    assert get_method("sft").describe_variant(None, _config())["label"] == ""


def test_runs_without_a_variant_take_the_hash_from_their_config(tmp_path):
    dirs = []
    for seed, beta, wr in ((0, 0.1, 20.0), (1, 0.1, 30.0), (0, 0.5, 60.0)):
        d = tmp_path / f"run{seed}-{beta}"
        d.mkdir()
        m = _metrics("dpo", seed, wr)
        del m["variant"]
        (d / "metrics.json").write_text(json.dumps(m))
        (d / "config.yaml").write_text(OmegaConf.to_yaml(_config(seed, daa={"beta": beta})))
        dirs.append(d)
    rows = leaderboard_rows(load_metrics(dirs))
    assert sorted((r["seeds"], r["win_rate"]) for r in rows) == [(1, 60.0), (2, pytest.approx(25.0))]
    # and a metrics.json alone (no config.yaml) still loads, grouped by method and model as before
    alone = tmp_path / "alone"
    alone.mkdir()
    m = _metrics("sft", 0, 50.0)
    del m["variant"]
    (alone / "metrics.json").write_text(json.dumps(m))
    (row,) = leaderboard_rows(load_metrics([alone]))
    assert row["method"] == "sft" and row["config_hash"] is None
