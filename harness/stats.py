"""Small statistics helpers for reporting benchmark numbers.

Conventions: every helper takes a 1-D sequence of numbers (list, tuple, numpy array), works in
float64, and raises ValueError on empty input. Confidence levels are given as `alpha`
(0.05 -> a 95% interval).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, Iterable

import numpy as np
from scipy import stats as _sps


def _as_array(values: Iterable[float], what: str = "values") -> np.ndarray:
    if not isinstance(values, np.ndarray):
        values = list(values)
    arr = np.asarray(values, dtype=np.float64)
    if arr.ndim != 1:
        raise ValueError(f"{what} must be a flat sequence of numbers, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{what} is empty; need at least one number to compute a statistic")
    return arr


def _check_alpha(alpha: float) -> None:
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r} (0.05 means a 95% interval)")


def mean_se(values: Iterable[float]) -> tuple[float, float]:
    """(mean, standard error) with se = sample std (ddof=1) / sqrt(n); se is 0.0 when n < 2."""
    arr = _as_array(values)
    n = arr.size
    mean = float(arr.mean())
    se = float(arr.std(ddof=1) / math.sqrt(n)) if n >= 2 else 0.0
    return mean, se


def bootstrap_ci(
    values: Iterable[float],
    stat: Callable[..., float] = np.mean,
    n_boot: int = 2000,
    alpha: float = 0.05,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile-bootstrap (low, high) interval for `stat`, deterministic for a given seed.

    `stat` is called as stat(samples, axis=1) on an [n_boot, n] array when it accepts `axis`,
    otherwise once per resample.
    """
    arr = _as_array(values)
    _check_alpha(alpha)
    if n_boot < 1:
        raise ValueError(f"n_boot must be >= 1, got {n_boot!r}")
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, arr.size, size=(n_boot, arr.size))
    samples = arr[idx]
    try:
        boots = np.asarray(stat(samples, axis=1), dtype=np.float64)
        if boots.shape != (n_boot,):
            raise TypeError
    except TypeError:
        boots = np.array([stat(row) for row in samples], dtype=np.float64)
    low, high = np.quantile(boots, [alpha / 2.0, 1.0 - alpha / 2.0])
    return float(low), float(high)


def wilson_ci(successes: int, n: int, alpha: float = 0.05) -> tuple[float, float]:
    """Wilson score interval (low, high) for a binomial proportion successes / n."""
    _check_alpha(alpha)
    if n <= 0:
        raise ValueError(f"wilson_ci needs n >= 1 trials, got n={n!r}")
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be between 0 and n={n}, got {successes!r}")
    z = float(_sps.norm.ppf(1.0 - alpha / 2.0))
    p = successes / n
    z2 = z * z
    denom = 1.0 + z2 / n
    centre = (p + z2 / (2.0 * n)) / denom
    half = z * math.sqrt(p * (1.0 - p) / n + z2 / (4.0 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its standard error and a confidence interval."""

    value: float
    se: float
    ci_low: float
    ci_high: float
    n: int

    def format(self, scale: float = 100, digits: int = 1) -> str:
        """E.g. '52.3 ± 4.1 [44.0, 60.2] (n=128)'; `scale` = 100 turns fractions into percent."""
        f = lambda x: f"{x * scale:.{digits}f}"  # noqa: E731
        return f"{f(self.value)} ± {f(self.se)} [{f(self.ci_low)}, {f(self.ci_high)}] (n={self.n})"

    def __str__(self) -> str:
        return self.format()


def estimate(
    values: Iterable[float],
    seed: int = 0,
    n_boot: int = 2000,
    alpha: float = 0.05,
) -> Estimate:
    """Mean, standard error and percentile-bootstrap CI of the mean, in one Estimate."""
    arr = _as_array(values)
    mean, se = mean_se(arr)
    low, high = bootstrap_ci(arr, np.mean, n_boot=n_boot, alpha=alpha, seed=seed)
    return Estimate(value=mean, se=se, ci_low=low, ci_high=high, n=int(arr.size))


PERCENT_RANGE = (0.0, 100.0)  # the range of a win rate or an accuracy in percent


def mean_ci_across_seeds(values: Iterable[float], alpha: float = 0.05,
                         bounds: tuple[float, float] | None = None) -> Estimate:
    """Mean of per-seed numbers with a Student-t interval: mean ± t_{1-alpha/2, n-1} * se.

    With a single seed there is no spread to measure: se is 0 and the interval collapses to the
    mean. `bounds` is the quantity's range (PERCENT_RANGE for a rate): with few seeds the t-interval
    can reach past it (an accuracy CI of [94, 102]), and cutting it there loses no coverage, since
    the true value cannot lie outside.
    """
    arr = _as_array(values)
    _check_alpha(alpha)
    mean, se = mean_se(arr)
    n = int(arr.size)
    if n < 2:
        return Estimate(value=mean, se=0.0, ci_low=mean, ci_high=mean, n=n)
    t = float(_sps.t.ppf(1.0 - alpha / 2.0, df=n - 1))
    low, high = mean - t * se, mean + t * se
    if bounds is not None:
        low, high = max(low, bounds[0]), min(high, bounds[1])
    return Estimate(value=mean, se=se, ci_low=low, ci_high=high, n=n)


def cluster_bootstrap_ci(groups: Iterable[Iterable[float]], n_boot: int = 2000, alpha: float = 0.05,
                         seed: int = 0) -> tuple[float, float]:
    """Percentile-bootstrap (low, high) interval of the pooled mean of values that come in
    clusters (e.g. one prompt's comparisons across several runs): clusters are resampled whole, so
    values that share a cluster are not counted as independent evidence."""
    _check_alpha(alpha)
    clusters = [_as_array(g, "a cluster") for g in groups]
    if not clusters:
        raise ValueError("cluster_bootstrap_ci needs at least one cluster")
    sums = np.array([c.sum() for c in clusters])
    sizes = np.array([c.size for c in clusters], dtype=np.float64)
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(clusters), size=(n_boot, len(clusters)))
    boots = sums[idx].sum(axis=1) / sizes[idx].sum(axis=1)
    low, high = np.quantile(boots, [alpha / 2.0, 1.0 - alpha / 2.0])
    return float(low), float(high)


__all__ = [
    "Estimate",
    "bootstrap_ci",
    "cluster_bootstrap_ci",
    "estimate",
    "mean_ci_across_seeds",
    "mean_se",
    "wilson_ci",
]
