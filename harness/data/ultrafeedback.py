"""UltraFeedback with its raw ratings (`openbmb/UltraFeedback`, one split: train).

A row has an `instruction` and (usually four) `completions`; each completion has `model`,
`response` and GPT-4 `annotations` for four aspects (helpfulness, honesty, instruction_following,
truthfulness), each with a `Rating` string ("1".."5", or "N/A" where the aspect does not apply)
and a `Rationale` (helpfulness and truthfulness also give a `Rationale For Rating`).

A completion's quality is the mean of its numeric aspect ratings (1-5); a completion with no
numeric rating is unusable. Preference pairs are binarised the way H4 built
ultrafeedback_binarized from these ratings: chosen = the completion with the highest mean (the
first one on a tie), rejected = one of the others with a strictly lower mean, drawn by a coin
seeded by (data seed, row). Prompts with fewer than two usable completions, or none rated below
the best, give no pair.

EFT examples use the harness's Self-Rewarding format: the judge prompt rendered for
(instruction, response), and a review = the helpfulness rationale(s) followed by "Score: k", where
k is the 1-5 mean mapped linearly onto the rubric's 0-5 (1 -> 0, 5 -> 5, halves rounded up).

Held-out judge pairs: the dataset has a single split, so the last `data.n_judge_pairs` prompts
that give a pair are held out as the judge test set (from the first of them to the end of the
split). Preference pairs, EFT examples and training prompts come only from the rows before that
point, and never repeat a held-out instruction. Changing n_judge_pairs therefore changes the
training rows too.
"""

from __future__ import annotations

import random
from collections import Counter
from functools import cached_property
from typing import Optional

from ..errors import DataError
from ..records import LabelledPair, PreferencePair, PromptRecord, SFTExample
from ..rounding import round_half_up
from .hub import DatasetSource, ordered_pair, require, take, unique_prompts

HUB_ID = "openbmb/UltraFeedback"
ASPECTS = ("helpfulness", "honesty", "instruction_following", "truthfulness")
NEEDS = "UltraFeedback rows need instruction and completions (each with response and annotations)"


def aspect(completion: dict, name: str) -> dict:
    """One aspect's annotation. The hub stores a dict; early releases stored a one-item list."""
    value = (completion.get("annotations") or {}).get(name)
    if isinstance(value, list):
        value = value[0] if value else None
    return value if isinstance(value, dict) else {}


def mean_rating(completion: dict) -> Optional[float]:
    """Mean of the numeric aspect ratings (N/A and anything unparsable left out); None if none."""
    ratings = []
    for name in ASPECTS:
        try:
            ratings.append(float(aspect(completion, name).get("Rating")))
        except (TypeError, ValueError):
            continue
    return sum(ratings) / len(ratings) if ratings else None


def rubric_score(mean: float) -> int:
    """A 1-5 mean rating on the rubric's 0-5 scale."""
    return min(5, max(0, round_half_up(5 * (mean - 1) / 4)))


def review(completion: dict, mean: float) -> str:
    """The EFT target: what the annotator wrote about helpfulness, then the score line."""
    help_ = aspect(completion, "helpfulness")
    text = " ".join(t.strip() for t in (help_.get("Rationale"), help_.get("Rationale For Rating"))
                    if isinstance(t, str) and t.strip())
    return f"{text}\nScore: {rubric_score(mean)}" if text else f"Score: {rubric_score(mean)}"


def rated(row: dict) -> list[tuple[dict, float]]:
    """(completion, mean rating) for every usable completion, in the row's order."""
    out = []
    for c in row.get("completions") or []:
        mean = mean_rating(c)
        if mean is not None and isinstance(c.get("response"), str) and c["response"].strip():
            out.append((c, mean))
    return out


def binarise(row: dict, rng: random.Random) -> tuple[Optional[tuple], str]:
    """((chosen, chosen mean, rejected, rejected mean), "") or (None, why there is no pair)."""
    scored = rated(row)
    if len(scored) < 2:
        return None, "prompts with fewer than two rated completions"
    best = max(range(len(scored)), key=lambda k: (scored[k][1], -k))  # highest mean, first on a tie
    chosen, top = scored[best]
    lower = [(c, m) for c, m in scored if m < top]
    if not lower:
        return None, "prompts with no completion rated below the best"
    rejected, low = rng.choice(lower)
    return (chosen, top, rejected, low), ""


class UltraFeedback(DatasetSource):
    name = "ultrafeedback"
    hub_id = HUB_ID
    provides = frozenset({"preference_pairs", "eft", "judge_pairs", "train_prompts"})
    SPLIT = "train"

    def _row(self, i: int) -> dict:
        row = self.rows(self.SPLIT)[i]
        require(row, ("instruction", "completions"), self.where(self.SPLIT), i, NEEDS)
        return row

    def _pair(self, i: int, row: dict):
        return binarise(row, random.Random(f"{self.seed}:{self.name}:{i}"))

    @cached_property
    def held_out_from(self) -> int:
        """Index of the first held-out row: the last n_judge_pairs rows that give a pair and
        everything after the first of them."""
        n = self.n_judge_pairs
        rows = self.rows(self.SPLIT)
        if n <= 0:
            return len(rows)
        found = 0
        for i in range(len(rows) - 1, -1, -1):
            if self._pair(i, self._row(i))[0] is not None:
                found += 1
                if found == n:
                    return i
        raise DataError(f"{self.where(self.SPLIT)} has only {found} prompts that give a preference pair, and "
                        f"data.n_judge_pairs={n} would hold out all of them for judge testing. Lower data.n_judge_pairs.")

    @cached_property
    def held_out_instructions(self) -> set[str]:
        return {self._row(i)["instruction"] for i in range(self.held_out_from, len(self.rows(self.SPLIT)))}

    def training_rows(self):
        """(row index, row) before the held-out tail, without a held-out instruction."""
        for i in range(self.held_out_from):
            row = self._row(i)
            if row["instruction"] not in self.held_out_instructions:
                yield i, row

    def preference_pairs(self, limit: Optional[int] = None) -> list[PreferencePair]:
        skipped: Counter = Counter()

        def pairs():
            for i, row in self.training_rows():
                pair, why = self._pair(i, row)
                if pair is None:
                    skipped[why] += 1
                    continue
                chosen, top, rejected, low = pair
                yield PreferencePair(prompt_id=f"{self.name}-{i}", prompt=row["instruction"], chosen=chosen["response"],
                                     rejected=rejected["response"], chosen_score=top, rejected_score=low, source=self.name,
                                     meta={"chosen_model": chosen.get("model"), "rejected_model": rejected.get("model")})

        out = take(pairs(), limit)
        self.report("preference pairs", self.SPLIT, len(out), skipped)
        return out

    def eft(self, limit: Optional[int] = None) -> list[SFTExample]:
        examples = (SFTExample(prompt=self.judge_prompt(row["instruction"], c["response"]), response=review(c, mean),
                               kind="eft")
                    for _, row in self.training_rows() for c, mean in rated(row))
        out = take(examples, limit)
        self.report("EFT examples", self.SPLIT, len(out), Counter())
        return out

    def train_prompts(self, limit: Optional[int] = None) -> list[PromptRecord]:
        out = take(unique_prompts(PromptRecord(id=f"{self.name}-{i}", instruction=row["instruction"],
                                               family=row.get("source") or self.name)
                                  for i, row in self.training_rows()), limit)
        self.report("training prompts", self.SPLIT, len(out), Counter())
        return out

    def judge_pairs(self, limit: Optional[int] = None) -> list[LabelledPair]:
        skipped: Counter = Counter()

        def pairs():
            for i in range(self.held_out_from, len(self.rows(self.SPLIT))):
                row = self._row(i)
                pair, why = self._pair(i, row)
                if pair is None:
                    skipped[why] += 1
                    continue
                chosen, top, rejected, low = pair
                yield ordered_pair(f"{self.name}-{i}", row["instruction"], chosen["response"], rejected["response"],
                                   self.seed, top, low)

        out = take(pairs(), limit)
        self.report("judge pairs (held-out tail)", self.SPLIT, len(out), skipped)
        return out
