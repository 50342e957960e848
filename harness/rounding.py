"""Rounding half up, where Python's round() would go to the even neighbour."""

from __future__ import annotations

import math


def round_half_up(x: float) -> int:
    """floor(x + 0.5): 0.5 → 1, 2.5 → 3 (round() would give 0 and 2), so every .5 moves the same
    way. A tiny tolerance keeps float products such as 0.7 · 45 = 31.499999999999996 on the
    intended side (32)."""
    return math.floor(x + 0.5 + 1e-9)
