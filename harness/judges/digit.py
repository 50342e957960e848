"""Expected-digit scoring (Self-J): the probabilities of the ten digit tokens at the first answer
position, renormalised, give score = Σ p(d)·d in [0, 9]."""

from __future__ import annotations

import math

from .logit import LogitJudge
from .protocol import JudgeCalls


def expected_digit(digit_logprobs: list[float]) -> float:
    if len(digit_logprobs) != 10:
        raise ValueError(f"expected 10 digit log-probs (0-9), got {len(digit_logprobs)}")
    m = max(digit_logprobs)
    weights = [math.exp(lp - m) for lp in digit_logprobs]
    total = sum(weights)
    return sum(d * w for d, w in enumerate(weights)) / total


class DigitJudge(LogitJudge):
    """Self-J's judge: one forward pass per response, the expected digit over the ten digit
    tokens at the first answer position. `template` picks the view: digit_judge_v1 (no
    reference, what is used at inference) or digit_judge_ref_v1 (shows a reference answer).
    The digit ids are derived from the tokenizer at that position; a tokenizer that splits a
    digit there is refused."""

    def __init__(self, sampler, template: str):
        from ..models.token_contract import digit_token_ids

        super().__init__(sampler, template)
        probe = self.answer_context(instruction="x", response="y", reference="z")
        self.digit_ids = digit_token_ids(sampler.policy.tokenizer, probe)

    def prompts(self, instructions, responses, references=None) -> list[str]:
        from .templates import render

        refs = references if references is not None else [None] * len(responses)
        return [render(self.template, instruction=i, response=r, reference=g) for i, r, g in zip(instructions, responses, refs)]

    def expected_scores(self, instructions, responses, references=None, calls: JudgeCalls | None = None) -> list[float]:
        rows = self.answer_logprobs(self.prompts(instructions, responses, references), self.digit_ids, calls=calls)
        return [expected_digit(r) for r in rows]

    def score(self, instructions: list[str], responses: list[str], *, seed: int = 0, calls: JudgeCalls | None = None,
              ids=None, desc: str = "", references: list[str] | None = None):
        from ..records import Judgment

        ids = ids or [(str(i), 0) for i in range(len(responses))]
        return [Judgment(prompt_id=pid, index=idx, score=s, raw=[f"expected digit {s:.4f}"], valid_scores=[s])
                for (pid, idx), s in zip(ids, self.expected_scores(instructions, responses, references, calls=calls))]
