"""Hand-made evaluation and training problems of the embedded world, and samples on them whose
quality is known: G is the gold answer (exact), W a perturbation (partly right), E the empty reply (quality 0)."""

from __future__ import annotations

import random

from harness.records import Sample
from harness.world import WorldConfig, get_family, make_prompts, oracle_quality, task_from_prompt

# five families named here, not the default four: the hand-made tables below cover list answers too
WORLD = WorldConfig(families=["sort", "descend", "unique", "alpha", "second"])
EVAL = make_prompts(WORLD, "eval", 10)  # families cycle: sort descend unique alpha second, twice
TRAIN = make_prompts(WORLD, "train", 5)  # one of each family
BY_ID = {p.id: p for p in EVAL + TRAIN}


def wrong_answer(prompt, seed: int = 0) -> str:
    text = get_family(prompt.family).perturb(task_from_prompt(prompt), random.Random(seed))
    assert 0.0 < oracle_quality(prompt, text) < 1.0, (prompt.id, text)  # partly right, never exact
    return text


def answer_of_kind(prompt, kind: str) -> str:
    """G: the gold answer (exact), W: a perturbation (partly right), E: empty (quality 0)."""
    return {"G": prompt.gold, "W": wrong_answer(prompt), "E": ""}[kind]


def samples_of(prompt, kinds: str, indices=None) -> list[Sample]:
    indices = range(len(kinds)) if indices is None else indices
    return [Sample(prompt.id, i, answer_of_kind(prompt, k), n_tokens=3, finish_reason="stop") for i, k in zip(indices, kinds)]


def greedy_samples(spec: dict[str, str]) -> list[Sample]:
    return [Sample(pid, 0, answer_of_kind(BY_ID[pid], kind), n_tokens=3, finish_reason="stop") for pid, kind in spec.items()]

