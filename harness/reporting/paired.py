"""Paired tests between two arms on the same prompts: each arm's win (1 / 0.5 / 0) against the
references, prompt by prompt and seed by seed, differenced. Every seed scores the same held-out
prompts, so a prompt's differences across seeds are one unit of evidence, not several. Three
readings, because they answer different questions:

- the mean difference with a Student-t CI across seeds: does the gap survive retraining? (None
  with one seed: there is no spread across seeds to measure);
- a bootstrap CI that resamples prompts whole (all their seeds together): how sure are we on
  prompts like these, with these trained models? It holds the models fixed;
- an exact sign test (scipy's binomtest) on the prompts whose mean difference across seeds is
  not zero.

A table of such tests is corrected for multiple comparisons with Benjamini-Hochberg
(scipy.stats.false_discovery_control): the q column, not p, is what to read against 0.05.
"""

from __future__ import annotations

import numpy as np
from scipy import stats as sps

from ..evaluation.stored_runs import est, prompt_differences
from ..stats import cluster_bootstrap_ci


def paired_test(runs: list[dict], base: list[dict], seed: int = 0) -> dict | None:
    """`runs` minus `base` (lists of one arm's runs, matched by seed); None when they share no
    seed with per-prompt outcomes."""
    by_prompt, per_seed = prompt_differences(runs, base)
    if not per_seed:
        return None
    means = np.array([np.mean(v) for v in by_prompt.values()])
    wins, losses = int((means > 0).sum()), int((means < 0).sum())
    pooled = float(np.mean([d for v in by_prompt.values() for d in v]))
    boot = list(cluster_bootstrap_ci(by_prompt.values(), seed=seed))
    sign_p = float(sps.binomtest(wins, wins + losses, 0.5).pvalue) if wins + losses else 1.0
    return {"diff": pooled, "bootstrap_ci": boot, "across_seeds": est(per_seed) if len(per_seed) > 1 else None,
            "n_prompts": len(by_prompt), "n_seeds": len(per_seed), "better": wins, "worse": losses, "sign_p": sign_p}


def adjust(tests: list[dict]) -> None:
    """Adds `q`, the Benjamini-Hochberg adjusted sign-test p, to every test of the family (each
    hypothesis once: a mirrored test is added by the caller after)."""
    if not tests:
        return
    qs = sps.false_discovery_control([t["sign_p"] for t in tests], method="bh")
    for t, q in zip(tests, np.atleast_1d(qs)):
        t["q"] = float(q)


def mirrored(t: dict | None) -> dict | None:
    """B against A from A against B: the same hypothesis and p, the differences negated."""
    if t is None:
        return None
    a = t["across_seeds"]
    return {**t, "diff": -t["diff"], "bootstrap_ci": [-t["bootstrap_ci"][1], -t["bootstrap_ci"][0]],
            "across_seeds": None if a is None else {**a, "mean": -a["mean"], "ci": [-a["ci"][1], -a["ci"][0]]},
            "better": t["worse"], "worse": t["better"]}


def closest_rival(name: str, win_rates: dict[str, float], candidates: list[str]) -> str | None:
    """The candidate arm whose mean win rate is nearest this arm's: the comparison a reader most
    needs settled, since the table alone cannot order the two."""
    others = [c for c in candidates if c != name]
    if not others:
        return None
    return min(others, key=lambda c: (abs(win_rates[c] - win_rates[name]), c))
