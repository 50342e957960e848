"""SeRA's review step: which offline pairs the policy's own implicit-reward margins keep."""

from __future__ import annotations

from harness.config import check
from harness.rounding import round_half_up

SELECT_MODES = ("largest", "smallest", "middle")


def select_by_margin(margins: list[float], ratio: float, mode: str, warmup: float,
                     tol: float = 0.0) -> list[int]:
    """Indices of the offline pairs to keep, ranked by implicit-reward margin (SeRA's review step).

    Keeps k = floor(ratio · n + 0.5) pairs (round half up; ratio 0 keeps none) with the largest
    margins (or smallest, or the middle band). While the policy still equals the reference every
    margin is the same (0), so ranking means nothing: then the first floor(warmup · n + 0.5)
    pairs are kept instead (warmup = 1: all of them). `tol` is the spread of margins still counted
    as "all equal" (float noise between two copies of the same network). Ties are broken by
    position, so the selection is deterministic."""
    check(ratio, 0 <= ratio <= 1, "select_ratio", "a fraction in [0, 1] (0 keeps no offline pair)")
    check(warmup, 0 < warmup <= 1, "warmup", "a fraction in (0, 1]")
    check(mode, mode in SELECT_MODES, "select", f"one of {', '.join(SELECT_MODES)}")
    n = len(margins)
    if n == 0:
        return []
    if max(margins) - min(margins) <= tol:
        return list(range(round_half_up(warmup * n)))
    k = round_half_up(ratio * n)
    ascending = sorted(range(n), key=lambda i: (margins[i], i))
    if mode == "largest":
        chosen = sorted(range(n), key=lambda i: (-margins[i], i))[:k]
    elif mode == "smallest":
        chosen = ascending[:k]
    else:
        start = (n - k) // 2
        chosen = ascending[start:start + k]
    return sorted(chosen)
