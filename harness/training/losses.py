"""Direct-alignment (DAA) preference losses, written as pure functions of log-probabilities.

Every function here takes 1-D tensors over a batch of preference pairs (chosen y_w, rejected y_l)
and returns a per-pair tensor; nothing touches a model. Whether the log-probs are summed over the
response or averaged per token is the caller's choice (see `logps.sequence_logps`).

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
from torch import Tensor

from harness.errors import ConfigError

from .logps import NORMALISE_MODES

LOSS_TYPES: tuple[str, ...] = ("dpo", "ipo", "hinge", "simpo")
REFERENCE_FREE_LOSSES: frozenset[str] = frozenset({"simpo"})


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


# The three reference-based losses share one signature: (policy chosen, policy rejected, reference
# chosen, reference rejected) log-probs per pair, then beta.
def dpo_loss(policy_chosen_logps: Tensor, policy_rejected_logps: Tensor, ref_chosen_logps: Tensor,
             ref_rejected_logps: Tensor, beta: float) -> Tensor:
    """Per-pair DPO loss -log sigmoid(beta * delta), computed with logsigmoid for stability."""
    delta = log_ratio_margin(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps, ref_rejected_logps)
    return -F.logsigmoid(beta * delta)


def ipo_loss(policy_chosen_logps: Tensor, policy_rejected_logps: Tensor, ref_chosen_logps: Tensor,
             ref_rejected_logps: Tensor, beta: float) -> Tensor:
    """Per-pair IPO loss (delta - 1/(2 beta))^2: regresses the margin onto a fixed target."""
    delta = log_ratio_margin(policy_chosen_logps, policy_rejected_logps, ref_chosen_logps, ref_rejected_logps)
    return (delta - 1.0 / (2.0 * beta)) ** 2


def hinge_loss(policy_chosen_logps: Tensor, policy_rejected_logps: Tensor, ref_chosen_logps: Tensor,
               ref_rejected_logps: Tensor, beta: float) -> Tensor:
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
    "simpo_loss",
]

