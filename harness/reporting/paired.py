"""Paired tests between two arms on the same prompts: each arm's win (1 / 0.5 / 0) against the
references, prompt by prompt and seed by seed, differenced. Three readings of one set of
differences, because they answer different questions:

- the mean difference with a Student-t CI across seeds: does the gap survive retraining?
- a paired bootstrap CI over the (seed, prompt) differences: how sure are we on these prompts?
- an exact sign test (scipy's binomtest) on the prompts where the two arms differ.

A table of many such tests is corrected for multiple comparisons with Benjamini-Hochberg
(scipy.stats.false_discovery_control): the q column, not p, is what to read against 0.05.
"""

from __future__ import annotations

import numpy as np
from scipy import stats as sps

from ..evaluation.stored_runs import est, paired_diffs

N_BOOT = 2000  # bootstrap resamples of the paired differences


def paired_test(runs: list[dict], base: list[dict], seed: int = 0) -> dict | None:
    """`runs` minus `base` (lists of one arm's runs, matched by seed); None when they share no
    seed with per-prompt outcomes."""
    diffs, per_seed = paired_diffs(runs, base)
    if not per_seed:
        return None
    d = np.asarray(diffs, dtype=np.float64)
    wins, losses = int((d > 0).sum()), int((d < 0).sum())
    if np.ptp(d) == 0:
        boot = [float(d[0]), float(d[0])]  # every difference equal: nothing to resample
    else:
        res = sps.bootstrap((d,), np.mean, n_resamples=N_BOOT, confidence_level=0.95, method="percentile",
                            rng=np.random.default_rng(seed))
        boot = [float(res.confidence_interval.low), float(res.confidence_interval.high)]
    sign_p = float(sps.binomtest(wins, wins + losses, 0.5).pvalue) if wins + losses else 1.0
    return {"diff": float(d.mean()), "bootstrap_ci": boot, "across_seeds": est(per_seed),
            "n_pairs": int(d.size), "n_seeds": len(per_seed), "better": wins, "worse": losses, "sign_p": sign_p}


def adjust(tests: list[dict]) -> None:
    """Adds `q`, the Benjamini-Hochberg adjusted sign-test p, to every test in the family."""
    if not tests:
        return
    qs = sps.false_discovery_control([t["sign_p"] for t in tests], method="bh")
    for t, q in zip(tests, np.atleast_1d(qs)):
        t["q"] = float(q)


def closest_rival(name: str, win_rates: dict[str, float], candidates: list[str]) -> str | None:
    """The candidate arm whose mean win rate is nearest this arm's: the comparison a reader most
    needs settled, since the table alone cannot order the two."""
    others = [c for c in candidates if c != name]
    if not others:
        return None
    return min(others, key=lambda c: (abs(win_rates[c] - win_rates[name]), c))
