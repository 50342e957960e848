"""Pairwise judgment pieces (Self-Judge): judge-augmented SFT examples in both orders, and the
both-order score read from the A/B token probabilities at the answer position. Pure functions."""

from __future__ import annotations

import math

from ..records import LabelledPair, SFTExample
from .logit import LogitJudge
from .protocol import JudgeCalls
from .templates import render

ANSWER_PREFIX = "Winner:"  # the fixed assistant prefix; the next token is " A" or " B"


def jsft_examples(pair: LabelledPair, template: str) -> list[SFTExample]:
    """Every labelled pair becomes two examples with the responses swapped and the label with them."""
    better = pair.response_a if pair.label == 0 else pair.response_b
    worse = pair.response_b if pair.label == 0 else pair.response_a
    return [
        SFTExample(prompt=render(template, instruction=pair.prompt, response_a=better, response_b=worse),
                   response=f"{ANSWER_PREFIX} A", kind="judge"),
        SFTExample(prompt=render(template, instruction=pair.prompt, response_a=worse, response_b=better),
                   response=f"{ANSWER_PREFIX} B", kind="judge"),
    ]


def ab_probs(logp_a: float, logp_b: float) -> tuple[float, float]:
    """P(A), P(B) renormalised over the two answer tokens."""
    m = max(logp_a, logp_b)
    ea, eb = math.exp(logp_a - m), math.exp(logp_b - m)
    return ea / (ea + eb), eb / (ea + eb)


def both_order_scores(first_order: tuple[float, float], second_order: tuple[float, float]) -> tuple[float, float]:
    """Scores of (y1, y2). first_order = (log P(A), log P(B)) with y1 shown as A; second_order the
    same with y2 shown as A. score(y1) = (P(A | y1 first) + P(B | y1 second)) / 2."""
    pa1, pb1 = ab_probs(*first_order)
    pa2, pb2 = ab_probs(*second_order)
    s1 = (pa1 + pb2) / 2
    return s1, 1 - s1


class PairwiseLogitJudge(LogitJudge):
    """Self-Judge's judge: one forward pass per order, reading P(" A") and P(" B") right after the
    fixed answer prefix; the two orders are averaged with `both_order_scores`. The A/B token ids
    are derived from the tokenizer at that position (a tokenizer that splits them is refused)."""

    kind = "pairwise"

    def __init__(self, sampler, template: str):
        from ..models.token_contract import single_token_id

        super().__init__(sampler, template)
        prefix = self.answer_context(instruction="x", response_a="y", response_b="z") + ANSWER_PREFIX
        tok = sampler.policy.tokenizer
        self.token_ids = [single_token_id(tok, prefix, " A"), single_token_id(tok, prefix, " B")]

    def order_logprobs(self, instructions: list[str], first: list[str], second: list[str],
                       calls: JudgeCalls | None = None) -> list[tuple[float, float]]:
        """(log P(A), log P(B)) with `first` shown as response A, one forward pass per item."""
        prompts = [render(self.template, instruction=i, response_a=a, response_b=b)
                   for i, a, b in zip(instructions, first, second)]
        return [tuple(r) for r in self.answer_logprobs(prompts, self.token_ids, prefix=ANSWER_PREFIX, calls=calls)]

    def compare(self, instructions: list[str], responses_1: list[str], responses_2: list[str],
                calls: JudgeCalls | None = None) -> list[tuple[float, float]]:
        """(score(y1), score(y2)) per item from both orders; the two scores sum to 1."""
        n = len(instructions)
        rows = self.order_logprobs(instructions * 2, responses_1 + responses_2, responses_2 + responses_1, calls=calls)
        return [both_order_scores(rows[k], rows[n + k]) for k in range(n)]
