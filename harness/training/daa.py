"""Direct alignment training (DPO / IPO / hinge / SimPO, optional NLL) on preference pairs.

The reference log-probs are computed once, before the first step, with the reference network of
the open training stage (adapter disabled, or the frozen copy of M_t): the reference never moves.
A method with a different, fixed reference (SeRA's seed model) passes its log-probs instead.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..records import PreferencePair
from .batch_loss import ShardableLoss
from .batching import ordered_batches, pad_batch
from .logps import sequence_logps
from .loop import optimise
from .losses import REFERENCE_FREE_LOSSES, daa_loss


def _pair_sequences(policy, pairs, max_length):
    seqs = []
    for p in pairs:
        for answer in (p.chosen, p.rejected):
            seqs.append(policy.encode_example(p.prompt, answer, max_length))
    return seqs  # [c0, r0, c1, r1, ...]


def response_logps(model, policy, seqs, idx, normalise: str):
    """Summed (or mean) log-probs of the response tokens of seqs[idx], plus token counts."""
    return logps_of(model, seqs, idx, normalise, policy.tokenizer.pad_token_id, policy.device)


def logps_of(model, seqs, idx, normalise: str, pad_id: int, device):
    ids, labels, att = pad_batch([seqs[i][0] for i in idx], [seqs[i][1] for i in idx], pad_id, device)
    logits = model(input_ids=ids, attention_mask=att).logits[:, :-1]
    target = labels[:, 1:]
    mask = (target != -100).long()
    return sequence_logps(logits, target, mask, normalise=normalise)


@torch.no_grad()
def sequences_logps(model, policy, seqs, normalise: str, batch_size: int) -> torch.Tensor:
    """Response log-probs of every encoded sequence under `model` (no gradient), on the CPU."""
    out = torch.zeros(len(seqs))
    for idx in ordered_batches([len(s[0]) for s in seqs], batch_size):
        logps, _ = response_logps(model, policy, seqs, idx, normalise)
        out[idx] = logps.float().cpu()
    return out


def _reference_logps(policy, seqs, normalise: str, batch_size: int) -> torch.Tensor:
    """Log-probs under the open training stage's reference network (M_t)."""
    with policy.reference() as ref_net:
        return sequences_logps(ref_net, policy, seqs, normalise, batch_size)


def pair_logps(policy, model, pairs: list[PreferencePair], max_length: int, normalise: str,
               batch_size: int = 32) -> torch.Tensor:
    """[chosen_0, rejected_0, chosen_1, ...] response log-probs of the pairs under `model`."""
    return sequences_logps(model, policy, _pair_sequences(policy, pairs, max_length), normalise, batch_size)


def daa_batch_loss(model, policy, seqs, ref, pair_idx, dcfg, normalise):
    """The DAA loss of pairs `pair_idx` (seqs laid out chosen/rejected alternately; ref holds the
    reference log-probs in the same layout, or None for a reference-free loss)."""
    return DAALoss(seqs, ref, dcfg, normalise, policy.tokenizer.pad_token_id)(model, pair_idx, policy.device)


@dataclass
class DAALoss(ShardableLoss):
    """The DAA loss over pairs of `seqs` (chosen/rejected alternately), averaged over pairs."""

    seqs: list
    ref: torch.Tensor | None  # reference log-probs in the same layout; None for a reference-free loss
    dcfg: object
    normalise: str
    pad_id: int

    def __call__(self, model, pair_idx, device):
        dcfg = self.dcfg
        idx = [j for i in pair_idx for j in (2 * i, 2 * i + 1)]
        logps, counts = logps_of(model, self.seqs, idx, self.normalise, self.pad_id, device)
        chosen, rejected = logps[0::2], logps[1::2]
        chosen_nll = None
        if dcfg.nll_weight > 0:
            summed = chosen if self.normalise == "sum" else chosen * counts[0::2]
            chosen_nll = -summed / counts[0::2].clamp(min=1)
        ref = self.ref
        ref_c = ref[[2 * i for i in pair_idx]].to(device) if ref is not None else None
        ref_r = ref[[2 * i + 1 for i in pair_idx]].to(device) if ref is not None else None
        out = daa_loss(dcfg.loss, policy_chosen_logps=chosen, policy_rejected_logps=rejected,
                       ref_chosen_logps=ref_c, ref_rejected_logps=ref_r, beta=dcfg.beta,
                       gamma=dcfg.gamma, chosen_nll=chosen_nll, nll_weight=dcfg.nll_weight)
        return out.loss, {"reward_accuracy": out.reward_accuracy, "margin": out.margin}

    def weight(self, pair_idx):
        return len(pair_idx)


def loss_normalise(dcfg) -> str:
    return "mean" if dcfg.loss in REFERENCE_FREE_LOSSES else dcfg.normalise


def train_daa(policy, pairs: list[PreferencePair], dcfg, tcfg, max_length: int, seed: int,
              desc: str = "daa", progress: bool = True, reference_logps: torch.Tensor | None = None) -> dict:
    """dcfg: loss, beta, gamma, nll_weight, normalise. tcfg: TrainConfig-like optimiser knobs.
    reference_logps: precomputed reference log-probs in `pair_logps` layout (a fixed reference
    other than M_t); by default the open training stage's reference network is used."""
    seqs = _pair_sequences(policy, pairs, max_length)
    reference_free = dcfg.loss in REFERENCE_FREE_LOSSES
    normalise = loss_normalise(dcfg)
    model = policy.begin_training(keep_reference=not reference_free and reference_logps is None)
    try:
        ref = None
        if not reference_free:
            ref = reference_logps if reference_logps is not None else \
                _reference_logps(policy, seqs, normalise, tcfg.batch_size * 2)
        policy.release_reference()  # its log-probs are all the loss needs from here on
        stats = optimise(model, len(pairs), DAALoss(seqs, ref, dcfg, normalise, policy.tokenizer.pad_token_id),
                         tcfg, seed, desc, progress)
    finally:
        policy.end_training()
    stats["pairs"] = len(pairs)
    stats["train_tokens"] = sum(len(s[0]) for s in seqs) * tcfg.epochs
    return stats
