"""Scoring judgments from a meta-judge's pairwise verdicts (Meta-Rewarding's judge pairs).

Each comparison puts judgment i in position 1 and judgment j in position 2 and records which
position won. Meta-judges favour one position, so wins are re-weighted: a win in position 1
counts with the share of all wins that went to position 2, and vice versa. A Bradley–Terry
strength per judgment is then fitted to the weighted win matrix. Pure functions.
"""

from __future__ import annotations

from collections import Counter


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


def score_cap_filter(chosen_scores: list[float], cap: float = 0.4) -> list[int]:
    """Indices to keep so that no single chosen-judgment score value makes up `cap` or more of
    the kept pairs (the meta-judge favours high scores). Later items of an over-represented
    value are dropped first; a set with a single score value keeps nothing. cap >= 1 turns the
    filter off."""
    keep = list(range(len(chosen_scores)))
    if cap >= 1:
        return keep
    while keep:
        counts = Counter(chosen_scores[i] for i in keep)
        value, count = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
        if count < cap * len(keep):
            break
        last = max(i for i in keep if chosen_scores[i] == value)
        keep.remove(last)
    return keep


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
