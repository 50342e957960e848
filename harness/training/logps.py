"""Per-sequence response log-probabilities from a model's logits: the one quantity every DAA loss
and the implicit-reward judge are computed from."""

from __future__ import annotations

import torch

from harness.errors import ConfigError

NORMALISE_MODES: tuple[str, ...] = ("sum", "mean")


def sequence_logps(
    logits: torch.Tensor,
    labels: torch.Tensor,
    mask: torch.Tensor,
    normalise: str = "sum",
) -> tuple[torch.Tensor, torch.Tensor]:
    """Per-sequence response log-probs.

    logits [B, T, V] must already be aligned with labels [B, T] (the caller shifts); mask [B, T]
    is 1 on response tokens and 0 elsewhere (labels there may be anything, e.g. -100).

    Returns (logps [B], token_count [B]) where logps is the sum over masked tokens
    (normalise="sum") or that sum divided by the token count (normalise="mean"; a row with no
    response tokens gives 0). The only [B, T, V] tensor allocated is the log_softmax output
    (computed in float32 when the logits are half precision).
    """
    if normalise not in NORMALISE_MODES:
        raise ConfigError(
            f"unknown normalise mode {normalise!r}; valid modes are: {', '.join(NORMALISE_MODES)}."
        )
    if logits.dim() != 3:
        raise ValueError(f"logits must be [B, T, V], got shape {tuple(logits.shape)}")
    if labels.shape != logits.shape[:2] or mask.shape != logits.shape[:2]:
        raise ValueError(
            f"labels {tuple(labels.shape)} and mask {tuple(mask.shape)} must both be "
            f"[B, T] = {tuple(logits.shape[:2])}"
        )

    keep = mask.to(torch.bool)
    safe_labels = torch.where(keep, labels, torch.zeros_like(labels)).long()
    dtype = torch.float32 if logits.dtype in (torch.float16, torch.bfloat16) else None
    logprobs = torch.log_softmax(logits, dim=-1, dtype=dtype)
    token_logps = torch.gather(logprobs, dim=-1, index=safe_labels.unsqueeze(-1)).squeeze(-1)
    del logprobs
    # where, not multiply: a -inf log-prob at a masked position must not turn into nan.
    token_logps = torch.where(keep, token_logps, torch.zeros_like(token_logps))

    summed = token_logps.sum(dim=-1)
    count = keep.sum(dim=-1)
    if normalise == "sum":
        return summed, count
    return summed / count.clamp(min=1).to(summed.dtype), count
