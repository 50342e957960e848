"""External judges built on the world's oracle, for the online-DPO baseline and its controls
(METHODS.md §8):

- OracleJudge: score = 5 × oracle quality, on the rubric's 0–5 scale. A fixed, perfect judge (the
  online-DPO baseline's separate reward model). It can only grade prompts of the embedded world
  that it was given; any other prompt is a counted failure.
- RandomJudge: a judge with no information: every response gets an independent, seeded uniform
  score in [0, 5] (keyed by the judge's stage seed, the prompt id and the sample index).
- flip_pairs: the noisy oracle's pair rule: the oracle's pairs, each one's chosen and rejected
  swapped with probability 1 − accuracy, from an RNG seeded per prompt.
- oracle_agreement: the realised accuracy of any set of pairs on world prompts: the share whose
  chosen response has the higher oracle quality (pairs of equal quality counted apart).
"""

from __future__ import annotations

import hashlib
import math
import random
from dataclasses import replace
from typing import Callable

from ..records import Judgment, PreferencePair, PromptRecord
from .protocol import JudgeCalls, report



def _keyed_rng(*parts) -> random.Random:
    """A random stream fixed by `parts` alone (not by Python's hash seed)."""
    key = ":".join(str(p) for p in parts)
    return random.Random(int(hashlib.sha256(key.encode()).hexdigest()[:16], 16))


class OracleJudge:
    kind = "pointwise"

    def __init__(self, prompts: list[PromptRecord]):
        self.by_instruction = {p.instruction: p for p in prompts if p.meta.get("family")}

    def score(self, instructions: list[str], responses: list[str], *, seed: int = 0, calls: JudgeCalls | None = None,
              ids=None, desc: str = "", references=None) -> list[Judgment]:
        from ..world import oracle_quality

        ids = ids or [(str(i), 0) for i in range(len(responses))]
        out = []
        for (pid, idx), instruction, response in zip(ids, instructions, responses):
            prompt = self.by_instruction.get(instruction)
            score = None if prompt is None else 5.0 * oracle_quality(prompt, response)
            out.append(Judgment(prompt_id=pid, index=idx, score=score, raw=[] if score is None else [f"oracle {score:.3f}"],
                                valid_scores=[] if score is None else [score]))
        report(calls, len(responses))
        return out


class RandomJudge:
    """No information: each response's score is uniform on [0, 5], drawn from a stream keyed by
    (seed, prompt id, sample index). stages.judge passes a seed made from the run seed and the
    stage name, so a re-run draws the same scores."""

    kind = "pointwise"

    def score(self, instructions: list[str], responses: list[str], *, seed: int = 0, calls: JudgeCalls | None = None,
              ids=None, desc: str = "", references=None) -> list[Judgment]:
        ids = ids or [(str(i), 0) for i in range(len(responses))]
        out = []
        for pid, idx in ids:
            score = 5.0 * _keyed_rng("random_judge", seed, pid, idx).random()
            out.append(Judgment(prompt_id=pid, index=idx, score=score, raw=[f"random {score:.3f}"], valid_scores=[score]))
        report(calls, len(responses))
        return out


def flip_pairs(pairs: list[PreferencePair], accuracy: float,
               seed_of: Callable[[str], int]) -> tuple[list[PreferencePair], dict]:
    """The noisy oracle: each pair's chosen and rejected are swapped with probability
    1 − accuracy, decided by an RNG seeded with seed_of(prompt_id) (so the decision depends on
    the run seed, the iteration and the prompt, never on the order of the pairs). accuracy = 1
    returns the pairs unchanged; accuracy = 0 swaps every pair."""
    if not 0 <= accuracy <= 1:
        from ..config import check
        check(accuracy, False, "judge_accuracy", "a probability in [0, 1]")
    out, flipped = [], 0
    for p in pairs:
        if random.Random(seed_of(p.prompt_id)).random() < 1 - accuracy:
            flipped += 1
            p = replace(p, chosen=p.rejected, rejected=p.chosen, chosen_score=p.rejected_score,
                        rejected_score=p.chosen_score, meta={**p.meta, "judge_flipped": True})
        out.append(p)
    return out, {"pairs_flipped": flipped}


def oracle_agreement(prompts: list[PromptRecord], pairs: list[PreferencePair]) -> dict:
    """Realised judge accuracy of `pairs`: among pairs whose two responses differ in oracle
    quality, the share whose chosen response is the better one, with its standard error. Pairs of
    equal quality carry no preference and are counted apart, as are pairs whose prompt is not a
    world prompt (the oracle cannot grade them)."""
    from ..world import oracle_quality
    from ..world.oracle import TIE_TOLERANCE

    by_id = {p.id: p for p in prompts}
    right = decided = equal = ungraded = 0
    for pair in pairs:
        prompt = by_id.get(pair.prompt_id)
        if prompt is None or not prompt.meta.get("family"):
            ungraded += 1
            continue
        gap = oracle_quality(prompt, pair.chosen) - oracle_quality(prompt, pair.rejected)
        if abs(gap) <= TIE_TOLERANCE:
            equal += 1
            continue
        decided += 1
        right += gap > 0
    acc = right / decided if decided else None
    return {"realised_judge_accuracy": acc,
            "realised_judge_accuracy_se": math.sqrt(acc * (1 - acc) / decided) if decided else None,
            "realised_judge_accuracy_pairs": decided, "equal_quality_pairs": equal,
            "ungraded_pairs": ungraded}
