"""Inference-time selection among N samples: best-of-N by a score, and a knock-out tournament by
a pairwise judge (Self-Judge's self-rejection). Pure functions of the judge's verdicts."""

from __future__ import annotations

import random
from typing import Callable, Sequence, TypeVar

T = TypeVar("T")


def best_of_n(scores: Sequence[float | None]) -> int:
    """Index of the highest score; failed (None) scores never win; first index wins ties."""
    valid = [(s, -i) for i, s in enumerate(scores) if s is not None]
    if not valid:
        raise ValueError("best_of_n needs at least one valid score")
    return -max(valid)[1]


def tournament(items: Sequence[T], prefer_first: Callable[[T, T], bool], seed: int = 0) -> tuple[T, int]:
    """Random pairing each round, the judge keeps each pair's winner, an odd item out gets a bye;
    repeat until one is left. Returns (winner, comparisons); comparisons is always N - 1."""
    if not items:
        raise ValueError("tournament needs at least one item")
    rng = random.Random(seed)
    alive = list(items)
    comparisons = 0
    while len(alive) > 1:
        rng.shuffle(alive)
        nxt = [alive[-1]] if len(alive) % 2 else []
        for a, b in zip(alive[0::2], alive[1::2]):
            comparisons += 1
            nxt.append(a if prefer_first(a, b) else b)
        alive = nxt
    return alive[0], comparisons
