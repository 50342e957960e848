"""Expected-digit scoring (Self-J): the probabilities of the ten digit tokens at the first answer
position, renormalised, give score = Σ p(d)·d in [0, 9]. And the label recalibration that mixes
a model's reference-aware self-score with the embedding similarity to the gold reference."""

from __future__ import annotations

import math


def expected_digit(digit_logprobs: list[float]) -> float:
    if len(digit_logprobs) != 10:
        raise ValueError(f"expected 10 digit log-probs (0-9), got {len(digit_logprobs)}")
    m = max(digit_logprobs)
    weights = [math.exp(lp - m) for lp in digit_logprobs]
    total = sum(weights)
    return sum(d * w for d, w in enumerate(weights)) / total


def recalibrated_label(self_score: float, cosine: float, w: float = 0.5) -> int:
    """round(9 · (w · self_score / 9 + (1 − w) · clip(cosine, 0, 1))): the paper does not publish
    its exact combination; `w` is the knob (default 0.5)."""
    if not 0 <= w <= 1:
        from ..config import check
        check(w, False, "w", "a mixing weight in [0, 1]")
    clipped = min(1.0, max(0.0, cosine))
    return int(round(9 * (w * self_score / 9 + (1 - w) * clipped)))
