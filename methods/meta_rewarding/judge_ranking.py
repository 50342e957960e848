"""Scoring judgments from a meta-judge's pairwise verdicts (Meta-Rewarding's judge pairs).

Each comparison puts judgment i in position 1 and judgment j in position 2 and records which
position won. Meta-judges favour one position, so wins are re-weighted: a win in position 1
counts with the share of all wins that went to position 2, and vice versa. A Bradley–Terry
strength per judgment is then fitted to the weighted win matrix. Pure functions.
"""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict


def position_weights(comparisons: list[tuple[int, int, int | None]]) -> tuple[float, float]:
    """(weight of a position-1 win, weight of a position-2 win) from (i, j, winner) triples,
    winner in {1, 2} or None (no verdict)."""
    wins = Counter(w for _, _, w in comparisons if w in (1, 2))
    total = wins[1] + wins[2]
    if total == 0:
        return 0.5, 0.5
    return wins[2] / total, wins[1] / total


def weighted_win_matrix(n: int, comparisons: list[tuple[int, int, int | None]]) -> list[list[float]]:
    w1, w2 = position_weights(comparisons)
    wins = [[0.0] * n for _ in range(n)]
    for i, j, winner in comparisons:
        if winner == 1:
            wins[i][j] += w1
        elif winner == 2:
            wins[j][i] += w2
    return wins


def bradley_terry(wins: list[list[float]], iterations: int = 200, prior: float = 0.1) -> list[float]:
    """Bradley–Terry strengths by the minorise-maximise update; `prior` adds a small pseudo-win
    between every pair so judgments that never won still get a finite, ordered strength."""
    n = len(wins)
    w = [[wins[i][j] + (prior if i != j else 0.0) for j in range(n)] for i in range(n)]
    p = [1.0] * n
    for _ in range(iterations):
        new = []
        for i in range(n):
            num = sum(w[i][j] for j in range(n) if j != i)
            den = sum((w[i][j] + w[j][i]) / (p[i] + p[j]) for j in range(n) if j != i)
            new.append(num / den if den > 0 else p[i])
        total = sum(new)
        p = [x * n / total for x in new]
    return p


def score_cap_limit(n: int, cap: float | None) -> int | None:
    """How many chosen judgments one score value may keep out of n: ceil(cap · n) (at least 1),
    or None when the cap is off (cap None or >= 1)."""
    if cap is None or cap >= 1:
        return None
    return max(1, math.ceil(cap * n - 1e-9))  # the tolerance keeps 0.28 · 25 = 7.000000000000001 at 7


def score_cap_filter(chosen_scores: list[float], cap: float | None, seed: int = 0) -> list[int]:
    """Indices (ascending) of the judge pairs to keep under Meta-Rewarding's score cap. The
    meta-judge favours judgments that give high scores, so no single score value may fill more
    than a `cap` share of the chosen judgments: each value keeps at most ceil(cap · n) of the n
    pairs it is given, and a value with more loses the excess at random (seeded by `seed`, so a
    re-run keeps the same ones). Values under the limit keep everything, so a set with one or two
    distinct scores keeps its capped share instead of emptying: with cap 0.4, [5, 4] keeps both
    (limit 1 each), [5, 5, 5, 5, 4] keeps two of the 5s and the 4, [5, 5] keeps one 5.
    cap None or >= 1 turns the cap off."""
    n = len(chosen_scores)
    limit = score_cap_limit(n, cap)
    if limit is None:
        return list(range(n))
    by_value: dict[float, list[int]] = defaultdict(list)
    for i, score in enumerate(chosen_scores):
        by_value[score].append(i)
    rng = random.Random(seed)
    keep = []
    for value in sorted(by_value):  # a fixed order of draws: the kept set depends on the seed only
        indices = by_value[value]
        keep += indices if len(indices) <= limit else rng.sample(indices, limit)
    return sorted(keep)


def judgment_variance(scores: list[float]) -> float:
    if len(scores) < 2:
        return 0.0
    mean = sum(scores) / len(scores)
    return sum((s - mean) ** 2 for s in scores) / len(scores)


def distinct_judgments(raws: list[str], parse) -> list[tuple[str, float]]:
    """The judgments of one response that parse to a score, each distinct text once."""
    seen, out = set(), []
    for text in raws:
        score = parse(text)
        if score is not None and text not in seen:
            seen.add(text)
            out.append((text, score))
    return out


def all_order_comparisons(n: int) -> list[tuple[int, int]]:
    """Every pair of n judgments in BOTH orders: (i, j) puts i in position A."""
    return [(i, j) for i in range(n) for j in range(n) if i != j]
