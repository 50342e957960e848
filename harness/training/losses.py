"""Direct-alignment (DAA) preference losses, written as pure functions of log-probabilities.

Every function here takes 1-D tensors over a batch of preference pairs (chosen y_w, rejected y_l)
and returns a per-pair tensor; nothing touches a model. Whether the log-probs are summed over the
response or averaged per token is the caller's choice (see `sequence_logps`).

Notation: for a reference-based loss the per-pair "log-ratio margin" is

    delta = (pi_chosen - ref_chosen) - (pi_rejected - ref_rejected)

i.e. the implicit reward margin with beta = 1. The losses are

    dpo    -log sigmoid(beta * delta)
    ipo    (delta - 1 / (2 beta))^2
    hinge  relu(1 - beta * delta)                      (SLiC-HF)
    simpo  -log sigmoid(beta * (l_w - l_l) - gamma)    (reference-free; l = length-normalised
                                                        policy log-probs; beta is typically ~2)

and any of them can add `nll_weight * chosen_nll`, the per-token NLL of the chosen response.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F

from harness.errors import ConfigError

LOSS_TYPES: tuple[str, ...] = ("dpo", "ipo", "hinge", "simpo")
REFERENCE_FREE_LOSSES: frozenset[str] = frozenset({"simpo"})
NORMALISE_MODES: tuple[str, ...] = ("sum", "mean")


# ----------------------------------------------------------------------------------------------
# building blocks


def _working_dtype(*tensors: torch.Tensor) -> torch.dtype:
    """At least float32, so half/bf16 log-probs do not lose the small margins the losses use."""
    dtype = torch.float32
    for t in tensors:
        dtype = torch.promote_types(dtype, t.dtype)
    return dtype


def _check_beta(beta: float) -> None:
    if not isinstance(beta, (int, float)) or isinstance(beta, bool) or not beta > 0:
        raise ConfigError(
            f"beta must be a positive number, got {beta!r}; typical values are 0.01-0.5 for "
            "dpo/ipo/hinge and about 2.0 for simpo."
        )


def implicit_reward(policy_logps: torch.Tensor, ref_logps: torch.Tensor, beta: float) -> torch.Tensor:
    """The DPO implicit reward beta * (log pi(y|x) - log pi_ref(y|x)), per pair."""
    return beta * (policy_logps - ref_logps)


def log_ratio_margin(
    policy_chosen_logps: torch.Tensor,
    policy_rejected_logps: torch.Tensor,
    ref_chosen_logps: torch.Tensor,
    ref_rejected_logps: torch.Tensor,
) -> torch.Tensor:
    """delta = (pi_w - ref_w) - (pi_l - ref_l): the reward margin with beta = 1."""
    return (policy_chosen_logps - ref_chosen_logps) - (policy_rejected_logps - ref_rejected_logps)


# ----------------------------------------------------------------------------------------------
# per-pair losses


def dpo_loss(
    policy_chosen_logps: torch.Tensor,
    policy_rejected_logps: torch.Tensor,
    ref_chosen_logps: torch.Tensor,
    ref_rejected_logps: torch.Tensor,
    beta: float,
) -> torch.Tensor:
    """Per-pair DPO loss -log sigmoid(beta * delta), computed with logsigmoid for stability."""
    delta = log_ratio_margin(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps, ref_rejected_logps)
    return -F.logsigmoid(beta * delta)


def ipo_loss(
    policy_chosen_logps: torch.Tensor,
    policy_rejected_logps: torch.Tensor,
    ref_chosen_logps: torch.Tensor,
    ref_rejected_logps: torch.Tensor,
    beta: float,
) -> torch.Tensor:
    """Per-pair IPO loss (delta - 1/(2 beta))^2: regresses the margin onto a fixed target."""
    delta = log_ratio_margin(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps, ref_rejected_logps)
    return (delta - 1.0 / (2.0 * beta)) ** 2


def hinge_loss(
    policy_chosen_logps: torch.Tensor,
    policy_rejected_logps: torch.Tensor,
    ref_chosen_logps: torch.Tensor,
    ref_rejected_logps: torch.Tensor,
    beta: float,
) -> torch.Tensor:
    """Per-pair SLiC-style hinge loss relu(1 - beta * delta)."""
    delta = log_ratio_margin(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps, ref_rejected_logps)
    return F.relu(1.0 - beta * delta)


def simpo_loss(
    policy_chosen_logps: torch.Tensor,
    policy_rejected_logps: torch.Tensor,
    beta: float,
    gamma: float,
) -> torch.Tensor:
    """Per-pair SimPO loss -log sigmoid(beta * (l_w - l_l) - gamma). No default margin here: the
    one default is DAAConfig.gamma.

    The inputs must be length-normalised (mean per response token) policy log-probs; SimPO uses
    no reference model.
    """
    return -F.logsigmoid(beta * (policy_chosen_logps - policy_rejected_logps) - gamma)


# ----------------------------------------------------------------------------------------------
# dispatcher


@dataclass
class DAALossOutput:
    """What one DAA loss evaluation returns.

    loss             scalar mean over the batch (carries the graph)
    per_pair         per-pair loss, including the NLL term (carries the graph)
    chosen_rewards   detached beta*(pi - ref) for y_w (beta * l_w for simpo)
    rejected_rewards detached beta*(pi - ref) for y_l (beta * l_l for simpo)
    reward_accuracy  fraction of pairs with chosen reward > rejected reward
    margin           mean of chosen - rejected reward
    """

    loss: torch.Tensor
    per_pair: torch.Tensor
    chosen_rewards: torch.Tensor
    rejected_rewards: torch.Tensor
    reward_accuracy: float
    margin: float


def _as_1d(name: str, value: object) -> torch.Tensor:
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{name} must be a torch.Tensor, got {type(value).__name__}")
    if value.dim() != 1:
        raise ValueError(f"{name} must be a 1-D tensor over the batch of pairs, got shape {tuple(value.shape)}")
    return value


def daa_loss(
    loss_type: str,
    *,
    policy_chosen_logps: torch.Tensor,
    policy_rejected_logps: torch.Tensor,
    ref_chosen_logps: torch.Tensor | None = None,
    ref_rejected_logps: torch.Tensor | None = None,
    beta: float,
    gamma: float = 0.0,
    chosen_nll: torch.Tensor | None = None,
    nll_weight: float = 0.0,
) -> DAALossOutput:
    """Evaluate one of LOSS_TYPES on a batch of pairs.

    For "simpo" the policy log-probs must be length-normalised and the reference log-probs are
    ignored; `gamma` is only used by "simpo". When `nll_weight` is non-zero, `chosen_nll` (the
    per-token NLL of y_w, one value per pair) is added to each pair's loss times `nll_weight`.
    """
    if loss_type not in LOSS_TYPES:
        raise ConfigError(
            f"unknown loss type {loss_type!r}; valid loss types are: {', '.join(LOSS_TYPES)}."
        )
    _check_beta(beta)
    if not isinstance(nll_weight, (int, float)) or nll_weight < 0:
        raise ConfigError(f"nll_weight must be a non-negative number, got {nll_weight!r}.")

    pc = _as_1d("policy_chosen_logps", policy_chosen_logps)
    pr = _as_1d("policy_rejected_logps", policy_rejected_logps)
    tensors = [pc, pr]
    reference_free = loss_type in REFERENCE_FREE_LOSSES
    if not reference_free:
        missing = [
            name
            for name, value in (("ref_chosen_logps", ref_chosen_logps), ("ref_rejected_logps", ref_rejected_logps))
            if value is None
        ]
        if missing:
            raise ValueError(
                f"loss {loss_type!r} is reference-based and needs reference log-probs; "
                f"missing: {', '.join(missing)}."
            )
        rc = _as_1d("ref_chosen_logps", ref_chosen_logps)
        rr = _as_1d("ref_rejected_logps", ref_rejected_logps)
        tensors += [rc, rr]
    if nll_weight != 0:
        if chosen_nll is None:
            raise ValueError(f"nll_weight={nll_weight} needs chosen_nll (per-token NLL of y_w per pair).")
        tensors.append(_as_1d("chosen_nll", chosen_nll))
    sizes = {t.shape[0] for t in tensors}
    if len(sizes) != 1:
        raise ValueError(f"all per-pair tensors must have the same batch size, got sizes {sorted(sizes)}")
    if 0 in sizes:
        raise ValueError("daa_loss got an empty batch (0 pairs)")

    dtype = _working_dtype(*tensors)
    pc, pr = pc.to(dtype), pr.to(dtype)

    if reference_free:
        per_pair = simpo_loss(pc, pr, beta, gamma)
        chosen_rewards = (beta * pc).detach()
        rejected_rewards = (beta * pr).detach()
    else:
        rc, rr = rc.to(dtype).detach(), rr.to(dtype).detach()
        fn = {"dpo": dpo_loss, "ipo": ipo_loss, "hinge": hinge_loss}[loss_type]
        per_pair = fn(pc, pr, rc, rr, beta)
        chosen_rewards = implicit_reward(pc, rc, beta).detach()
        rejected_rewards = implicit_reward(pr, rr, beta).detach()

    if nll_weight != 0:
        per_pair = per_pair + nll_weight * chosen_nll.to(dtype)

    diff = chosen_rewards - rejected_rewards
    return DAALossOutput(
        loss=per_pair.mean(),
        per_pair=per_pair,
        chosen_rewards=chosen_rewards,
        rejected_rewards=rejected_rewards,
        reward_accuracy=float((diff > 0).to(torch.float64).mean().item()),
        margin=float(diff.to(torch.float64).mean().item()),
    )


# ----------------------------------------------------------------------------------------------
# sequence log-probs


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


def self_distillation_loss(teacher_logits: torch.Tensor, student_logits: torch.Tensor, target: torch.Tensor,
                           student_ce_weight: float = 0.3, kl_weight: float = 2.0,
                           teacher_eos_logits: torch.Tensor | None = None, student_eos_logits: torch.Tensor | None = None,
                           eos_target: torch.Tensor | None = None) -> torch.Tensor:
    """Self-J's two-view judge loss over the score-token positions ([N, V] logits, [N] targets):
    CE(T) + student_ce_weight · CE(S) + kl_weight · KL(softmax(T) ‖ softmax(S)), where T sees the
    prompt WITH the reference and S WITHOUT it. T is detached inside the KL (stop-gradient), so
    the KL term only pulls the reference-free view towards the reference-aware one.

    With `teacher_eos_logits`, `student_eos_logits` ([N, V], the position after the label digit,
    the digit teacher-forced) and `eos_target` ([N], the end-of-sequence id), each view's CE also
    covers that EOS token, as in the official code, whose causal-LM loss on "k</s>" is the mean
    over the answer tokens: CE(view) = (CE_digit + CE_eos) / 2. The KL stays on the digit position."""
    given = [x is not None for x in (teacher_eos_logits, student_eos_logits, eos_target)]
    if any(given) and not all(given):
        raise ValueError("teacher_eos_logits, student_eos_logits and eos_target go together")

    def ce(digit_logits, eos_logits):
        if eos_logits is None:
            return F.cross_entropy(digit_logits.float(), target)
        return F.cross_entropy(torch.cat([digit_logits, eos_logits]).float(), torch.cat([target, eos_target]))

    ce_t = ce(teacher_logits, teacher_eos_logits)
    ce_s = ce(student_logits, student_eos_logits)
    log_p_t = F.log_softmax(teacher_logits.detach().float(), dim=-1)
    log_p_s = F.log_softmax(student_logits.float(), dim=-1)
    kl = F.kl_div(log_p_s, log_p_t, log_target=True, reduction="batchmean")
    return ce_t + student_ce_weight * ce_s + kl_weight * kl


__all__ = [
    "LOSS_TYPES",
    "NORMALISE_MODES",
    "REFERENCE_FREE_LOSSES",
    "DAALossOutput",
    "daa_loss",
    "dpo_loss",
    "hinge_loss",
    "implicit_reward",
    "ipo_loss",
    "log_ratio_margin",
    "sequence_logps",
    "self_distillation_loss",
    "simpo_loss",
]

