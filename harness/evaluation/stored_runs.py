"""Stored runs as the comparison and the claims read them (metrics.json, config.yaml, the win-rate
stage's per-prompt outcomes), and the two statistics both use: the mean across seeds and the
per-prompt pairing of two arms."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from scipy import stats as sps

from ..stats import bootstrap_ci, mean_ci_across_seeds


def load_runs(run_dirs: list[Path]) -> list[dict]:
    """metrics.json of every run directory (older runs get their variant from config.yaml)."""
    from ..report import load_metrics

    runs = []
    for d in run_dirs:
        for m in load_metrics([d]):
            m["run_dir"] = str(d)
            runs.append(m)
    return runs


def read_config(run_dir: Path) -> dict:
    from omegaconf import OmegaConf

    return OmegaConf.to_container(OmegaConf.load(run_dir / "config.yaml"), resolve=True)


def per_prompt_wins(m: dict) -> dict[str, float]:
    """prompt id -> win (1 / 0.5 / 0) of the run's headline outputs against the references."""
    stage = m["summary"].get("win_rate_stage")
    if not stage:
        return {}
    rows = json.loads((Path(m["run_dir"]) / "stages" / stage / "result.json").read_text()).get("rows", [])
    return {r["prompt_id"]: r["win"] for r in rows}


def est(values: list[float], single_ci: list | None = None, bounds: tuple[float, float] | None = None) -> dict:
    """Mean with a Student-t CI across seeds, cut to `bounds` (mean_ci_across_seeds); with one seed
    there is no spread across seeds, so the CI is that run's own (bootstrap over prompts), `single_ci`."""
    e = mean_ci_across_seeds(values, bounds=bounds)
    ci = [e.ci_low, e.ci_high] if e.n > 1 or single_ci is None else list(single_ci)
    return {"mean": e.value, "ci": ci, "n_seeds": e.n}


def prompt_differences(runs: list[dict], base: list[dict]) -> tuple[dict[str, list[float]], list[float]]:
    """Per-prompt differences in win points with the base arm, seed by seed (same prompts, same
    seed): prompt id -> its differences across the seeds both arms ran, and each seed's mean."""
    base_by_seed = {m["seed"]: m for m in base}
    by_prompt: dict[str, list[float]] = {}
    per_seed = []
    for m in runs:
        b = base_by_seed.get(m["seed"])
        if b is None:
            continue
        mine, theirs = per_prompt_wins(m), per_prompt_wins(b)
        common = sorted(set(mine) & set(theirs))
        if not common:
            continue
        d = [100 * (mine[p] - theirs[p]) for p in common]
        for p, x in zip(common, d):
            by_prompt.setdefault(p, []).append(x)
        per_seed.append(float(np.mean(d)))
    return by_prompt, per_seed


def paired_vs(runs: list[dict], base: list[dict]) -> dict | None:
    """Per-prompt paired comparison with the base arm: the mean difference in win points, its t-CI
    across seeds, and a Wilcoxon signed-rank test over every (seed, prompt) difference."""
    by_prompt, per_seed = prompt_differences(runs, base)
    if not per_seed:
        return None
    diffs = [d for v in by_prompt.values() for d in v]
    nonzero = [d for d in diffs if d != 0]
    p_value = float(sps.wilcoxon(nonzero).pvalue) if len(nonzero) >= 10 else None
    single = list(bootstrap_ci(np.array(diffs), np.mean, seed=0)) if len(per_seed) == 1 else None
    return {"gain": est(per_seed, single), "n_pairs": len(diffs), "wilcoxon_p": p_value}
