"""Deterministic dataset generators for the embedded world.

Every split draws from its own random stream (seeded with f"{seed}:{split}"), and held-out splits
draw from their own problem pools: each problem (family + payload, whatever the phrasing) is
hashed into the training, evaluation or judge-test pool. So evaluation prompts and judge test
pairs can never repeat a training instruction, at any dataset size.
"""

from __future__ import annotations

import random
import zlib
from typing import Callable, Iterator

from harness.errors import ConfigError
from harness.records import LabelledPair, PreferencePair, PromptRecord, SFTExample

from .config import WorldConfig
from .families import CHECKS, Family, Task, get_family
from .filler import FILLER_SENTENCES, add_filler
from .oracle import grade, justify, review, rubric_for

# Bump when the families, their grading or the generated data change: cached models trained on
# an older world are keyed by it and are then not reused.
WORLD_VERSION = 4
TRAIN_POOL, EVAL_POOL, JUDGE_POOL = 0, 1, 2
IFT_WRAP = "Answer: {}"  # the one wrap of the seed data's format noise (ift_wrap_rate)
# Splits not listed here (train, ift, eft, pref, corpus, ...) all draw training problems.
SPLIT_POOLS = {"eval": EVAL_POOL, "test": EVAL_POOL, "judge_test": JUDGE_POOL, "judgment_test": JUDGE_POOL}
_MIN_GAP = 0.05  # judge test pairs need a clear winner, not a rounding-level one
# Rubric scores the EFT responses aim at: weighted to the near misses (3-5) a trained policy's
# own samples mostly are, where telling right from almost right is the judge's real work.
EFT_TARGETS = (0, 1, 2, 3, 3, 4, 4, 5, 5)


def pool_of(task: Task) -> int:
    bucket = zlib.crc32(task.key().encode()) % 20
    return TRAIN_POOL if bucket < 14 else EVAL_POOL if bucket < 17 else JUDGE_POOL


def _rng(cfg: WorldConfig, split: str) -> random.Random:
    return random.Random(f"{cfg.seed}:{split}")


def _tasks(cfg: WorldConfig, split: str, n) -> Iterator[tuple[int, Task, Family, random.Random]]:
    """Yield n (index, task, family, rng) from the split's pool, cycling through the families."""
    cfg.validate()
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ConfigError(f"Dataset size n = {n!r} is invalid: expected an integer >= 0.")
    rng, pool = _rng(cfg, split), SPLIT_POOLS.get(split, TRAIN_POOL)
    families = [get_family(name) for name in cfg.family_names]
    for i in range(n):
        family = families[i % len(families)]
        for _ in range(100_000):
            task = family.make(rng)
            if pool_of(task) == pool:
                break
        else:  # only reachable if a family's problem space were far too small to split
            raise RuntimeError(f"World family {family.name!r} has no problems in pool {pool}.")
        yield i, task, family, rng


def _good(cfg: WorldConfig, task: Task, rng: random.Random) -> str:
    verbose = rng.random() < cfg.verbosity
    return add_filler(task.gold, rng, rng.randint(1, 2)) if verbose else task.gold


def make_prompts(cfg: WorldConfig, split: str, n: int) -> list[PromptRecord]:
    out = []
    for i, task, family, rng in _tasks(cfg, split, n):
        reference = None
        if SPLIT_POOLS.get(split) == EVAL_POOL:
            correct = rng.random() < cfg.reference_accuracy
            reference = task.gold if correct else family.perturb(task, rng)
        out.append(PromptRecord(
            id=f"{split}-{i}", instruction=task.instruction, family=task.family,
            reference=reference, gold=task.gold,
            meta={"family": task.family, "payload": task.payload},
        ))
    return out


def ift_examples(cfg: WorldConfig, n: int) -> list[SFTExample]:
    """Instruction-following data. With ift_wrap_rate > 0 some responses are right but wrapped in
    a sentence (one fixed wrap), as a seed set pooled from sources with different conventions is:
    the rubric's form check fails them, so M1 inherits a format habit that preference learning
    can remove, the kind of cross-prompt behaviour the real methods mostly change."""
    out, wraps = [], _rng(cfg, "ift-wrap")  # its own stream: the rate never changes which problems are drawn
    for _, task, _, rng in _tasks(cfg, "ift", n):
        response = _good(cfg, task, rng)
        if wraps.random() < cfg.ift_wrap_rate:
            response = IFT_WRAP.format(response)
        out.append(SFTExample(task.instruction, response, "ift"))
    return out


def _eft_response(task: Task, family: Family, rng: random.Random, target: int) -> str:
    if target == 0:
        answer = ""
    elif target == 5:
        answer = task.gold
    else:
        # Some families cannot reach every score (`second` scores only 0, 1, 3 or 5), so keep
        # the closest of a few tries rather than looping forever.
        best, best_gap = "", 99
        for _ in range(5):
            candidate = family.perturb(task, rng)
            gap = abs(rubric_for(task, candidate)[1] - target)
            if gap < best_gap:
                best, best_gap = candidate, gap
            if gap == 0:
                break
        answer = best
    # Filler at the same rate at every score, so the judge data itself has no length signal.
    return add_filler(answer, rng, rng.randint(1, 2)) if rng.random() < 0.25 else answer


def eft_cases(cfg: WorldConfig, n: int) -> list[tuple[Task, str, str]]:
    """(task, response, review) triples behind eft_examples, kept for inspection and tests.

    The judge data comes from the same sources as the IFT data, so it has their format noise at
    the same rate (ift_wrap_rate): a wrapped response is reviewed as failing the form check.
    Without it the judge never sees the wrap that M1 inherits, and scores a wrapped right answer
    by its content, the one mistake that matters most on M1's own samples."""
    out, wraps = [], _rng(cfg, "eft-wrap")  # its own stream, as in ift_examples
    for _, task, family, rng in _tasks(cfg, "eft", n):
        response = _eft_response(task, family, rng, rng.choice(EFT_TARGETS))
        if wraps.random() < cfg.ift_wrap_rate:
            response = IFT_WRAP.format(response)
        out.append((task, response, justify(task, response)))
    return out


def eft_examples(cfg: WorldConfig, n: int,
                 render_prompt: Callable[[str, str], str]) -> list[SFTExample]:
    """Judge training data: render_prompt(instruction, response) -> a review ending 'Score: k'."""
    return [SFTExample(render_prompt(task.instruction, response), review, "eft")
            for task, response, review in eft_cases(cfg, n)]


def reference_rating_examples(cfg: WorldConfig, n: int,
                              render_prompt: Callable[[str, str, str], str]) -> list[SFTExample]:
    """Reference-aware grading data (Self-J's seed): render_prompt(instruction, reference,
    response) -> "Score: k" with k = round(9 x oracle quality), the gold answer as reference."""
    return [SFTExample(render_prompt(task.instruction, task.gold, response), f"Score: {round(9 * grade(task, response))}",
                       "reference_rating")
            for task, response, _ in eft_cases(cfg, n)]


def _distinct_pair(task: Task, family: Family, rng: random.Random,
                   good: str, min_gap: float) -> tuple[str, float, str, float]:
    """Two responses of clearly different quality: (better, q_better, worse, q_worse)."""
    a = good if rng.random() < 0.5 else family.perturb(task, rng)
    qa = grade(task, a)
    for _ in range(20):
        b = family.perturb(task, rng)
        qb = grade(task, b)
        if abs(qa - qb) >= min_gap:
            return (a, qa, b, qb) if qa > qb else (b, qb, a, qa)
    b = family.perturb(task, rng)  # gold always beats a perturbation
    return good, 1.0, b, grade(task, b)


def preference_pairs(cfg: WorldConfig, n: int) -> list[PreferencePair]:
    out = []
    for i, task, family, rng in _tasks(cfg, "pref", n):
        chosen, qc, rejected, qr = _distinct_pair(task, family, rng, _good(cfg, task, rng), 1e-6)
        flipped = rng.random() < cfg.label_noise
        if flipped:
            chosen, qc, rejected, qr = rejected, qr, chosen, qc
        out.append(PreferencePair(
            prompt_id=f"pref-{i}", prompt=task.instruction, chosen=chosen, rejected=rejected,
            chosen_score=qc, rejected_score=qr, source="world",
            meta={"flipped": flipped, "chosen_quality": qc, "rejected_quality": qr,
                  "family": task.family},
        ))
    return out


def _balanced_flags(rng: random.Random, n: int) -> list[bool]:
    flags = [i < n // 2 for i in range(n)]
    rng.shuffle(flags)
    return flags


def _pad_longer(text: str, other: str, rng: random.Random) -> str:
    text = add_filler(text, rng, rng.randint(1, 2))
    while len(text) <= len(other):
        text = add_filler(text, rng, 1)
    return text


def judge_test_pairs(cfg: WorldConfig, n: int) -> list[LabelledPair]:
    """Held-out pairs; the better one is first in exactly half, and filler makes the worse one
    longer in exactly half (the better one longer in the rest), so length bias is measurable."""
    layout = _rng(cfg, "judge_test:layout")
    better_first, worse_longer = _balanced_flags(layout, n), _balanced_flags(layout, n)
    out = []
    for i, task, family, rng in _tasks(cfg, "judge_test", n):
        better, qb, worse, qw = _distinct_pair(task, family, rng, task.gold, _MIN_GAP)
        if worse_longer[i]:
            worse = _pad_longer(worse, better, rng)
        else:
            better = _pad_longer(better, worse, rng)
        first, second = (better, worse) if better_first[i] else (worse, better)
        out.append(LabelledPair(
            prompt_id=f"judge_test-{i}", prompt=task.instruction, response_a=first,
            response_b=second, label=0 if better_first[i] else 1,
            scores=[qb, qw] if better_first[i] else [qw, qb],
        ))
    return out


def judgment_test_pairs(cfg: WorldConfig, n: int) -> list[LabelledPair]:
    """Held-out pairs for a meta-judge: two reviews of one response, the right one (its true
    checks) and a wrong one (another score). The right review is first in exactly half."""
    better_first = _balanced_flags(_rng(cfg, "judgment_test:layout"), n)
    out = []
    for i, task, family, rng in _tasks(cfg, "judgment_test", n):
        response = task.gold if rng.random() < 0.3 else family.perturb(task, rng)
        right, wrong = judgment_pair(task, response, rng)
        first, second = (right, wrong) if better_first[i] else (wrong, right)
        out.append(LabelledPair(prompt_id=f"judgment_test-{i}", prompt=task.instruction, response_a=first,
                                response_b=second, label=0 if better_first[i] else 1, judged=response))
    return out


def judgment_pair(task: Task, response: str, rng: random.Random) -> tuple[str, str]:
    """(right review, wrong review) of one response: the wrong one is off by one check, so that
    telling them apart means checking the response, not knowing which scores are common."""
    points = rubric_for(task, response)[1]
    wrong = rng.choice([k for k in (points - 1, points + 1) if 0 <= k <= len(CHECKS)])
    return review(points), review(wrong)


def meta_judgment_examples(cfg: WorldConfig, n: int,
                           render_prompt: Callable[[str, str, str, str], str]) -> list[SFTExample]:
    """Meta-judge seed data: render_prompt(instruction, response, review_a, review_b) -> the
    verdict naming the right review, which sits in position A for half the examples."""
    out = []
    for i, task, family, rng in _tasks(cfg, "meta_eft", n):
        response = task.gold if rng.random() < 0.3 else family.perturb(task, rng)
        right, wrong = judgment_pair(task, response, rng)
        right_first = i % 2 == 0
        a, b = (right, wrong) if right_first else (wrong, right)
        out.append(SFTExample(render_prompt(task.instruction, response, a, b),
                              f"Winner: Judgement {'A' if right_first else 'B'}", "meta_eft"))
    return out


def corpus_texts(cfg: WorldConfig, n: int) -> list[str]:
    """Tokenizer training text covering every kind of string the world produces."""
    out = []
    for i, task, family, rng in _tasks(cfg, "corpus", n):
        kind = i % 5
        if kind == 0:
            out.append(task.instruction)
        elif kind == 1:
            out.append(_good(cfg, task, rng))
        elif kind == 2:
            wrong = family.perturb(task, rng)
            out.append(f"{wrong}\n{justify(task, wrong)}")
        elif kind == 3:
            out.append(justify(task, task.gold))
        else:
            out.append(" ".join(rng.sample(FILLER_SENTENCES, 3)))
    return out
