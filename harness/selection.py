"""Inference-time selection among N samples: best-of-N by a score, and a knock-out tournament by
a pairwise judge (Self-Judge's self-rejection). Pure functions of the judge's verdicts."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Callable, Sequence, TypeVar

from .config import check
from .sampling.base import SamplingKnobs

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
    winners, counts = tournaments([items], lambda matches: [prefer_first(a, b) for _, a, b in matches], seeds=[seed])
    return winners[0], counts[0]


def tournaments(groups: Sequence[Sequence[T]], judge_round: Callable[[list[tuple[int, T, T]]], list[bool]],
                seeds: Sequence[int]) -> tuple[list[T], list[int]]:
    """Many knock-out tournaments played round by round, so each round's matches across all
    groups go to the judge in one batch: `judge_round([(group, a, b), ...])` returns, per match,
    whether `a` wins. Each group is shuffled by its own seeded generator."""
    if any(len(g) == 0 for g in groups):
        raise ValueError("tournament needs at least one item")
    rngs = [random.Random(s) for s in seeds]
    alive = [list(g) for g in groups]
    comparisons = [0] * len(groups)
    while any(len(a) > 1 for a in alive):
        matches, byes = [], []
        for g, items in enumerate(alive):
            if len(items) == 1:
                continue
            rngs[g].shuffle(items)
            byes.append((g, items[-1]) if len(items) % 2 else None)
            matches.extend((g, a, b) for a, b in zip(items[0::2], items[1::2]))
        verdicts = judge_round(matches)
        nxt = [[] if len(items) > 1 else items for items in alive]
        for bye in byes:
            if bye is not None:
                nxt[bye[0]].append(bye[1])
        for (g, a, b), first_wins in zip(matches, verdicts):
            comparisons[g] += 1
            nxt[g].append(a if first_wins else b)
        alive = nxt
    return [a[0] for a in alive], comparisons


@dataclass
class InferenceConfig:
    best_of: int = 4  # N behind the headline win rate; 1 = the plain greedy output, no selection
    report_n: list = field(default_factory=lambda: [1, 2, 4, 8])  # win rate vs N, from nested prefixes of the same candidates
    sampling: SamplingKnobs = field(default_factory=lambda: SamplingKnobs(temperature=1.0, top_p=0.9, max_new_tokens=32))

    def validate(self, where: str = "method.inference"):
        check(self.best_of, self.best_of >= 1, f"{where}.best_of", "N >= 1 (1 = greedy, no selection)")
        check(self.report_n, len(self.report_n) > 0 and all(int(n) >= 1 for n in self.report_n), f"{where}.report_n",
              "a non-empty list of N >= 1")
        check(self.sampling.temperature, self.sampling.temperature > 0, f"{where}.sampling.temperature",
              "a temperature > 0 (selection needs different candidates)")
        self.sampling.validate(f"{where}.sampling")
        return self

    @property
    def max_n(self) -> int:
        return max([self.best_of, *map(int, self.report_n)])


def nested_best_of_n(groups: dict[str, list], score_of: Callable[[object], float | None], ns) -> dict[str, dict[str, int]]:
    """Best-of-N for every N in `ns`, over nested prefixes of each prompt's candidates (sorted by
    index): picks[str(N)][prompt_id] = index of the highest-scoring of the first N."""
    picks: dict[str, dict[str, int]] = {}
    for n in sorted(set(int(n) for n in ns)):
        picks[str(n)] = {}
        for pid, group in groups.items():
            first = sorted(group, key=lambda s: s.index)[:n]
            picks[str(n)][pid] = first[best_of_n([score_of(s) for s in first])].index
    return picks
