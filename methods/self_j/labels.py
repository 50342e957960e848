"""Self-J's training label: the seed model's reference-aware grade, recalibrated with how close
its answer is to the gold answer in embedding space."""

from __future__ import annotations

from harness.config import check


def recalibrated_label(self_score: float, cosine: float, w: float) -> int:
    """round(9 · (w · self_score / 9 + (1 − w) · clip(cosine, 0, 1))): the paper does not publish
    its exact combination; `w` is the knob (method.w)."""
    if not 0 <= w <= 1:
        check(w, False, "w", "a mixing weight in [0, 1]")
    clipped = min(1.0, max(0.0, cosine))
    return int(round(9 * (w * self_score / 9 + (1 - w) * clipped)))
