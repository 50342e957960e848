"""On-policy DAA training (Self-Judge's self-training): preference pairs are made from the very
weights being trained, fresh for every optimiser step (refresh="step") or once per epoch
(refresh="epoch"), by a caller-supplied `make_pairs` (sample, judge, pick). The loss uses the
open training stage's reference network, i.e. the model the stage started from, which never moves.
"""

from __future__ import annotations

from typing import Callable

from harness.records import PreferencePair, PromptRecord
from harness.training.daa import _pair_sequences, _reference_logps, daa_batch_loss, loss_normalise
from harness.training.loop import optimise
from harness.training.losses import REFERENCE_FREE_LOSSES

REFRESH_MODES = ("step", "epoch")


def train_on_policy_daa(policy, prompts: list[PromptRecord],
                        make_pairs: Callable[[list[PromptRecord]], list[PreferencePair]],
                        dcfg, tcfg, refresh: str, max_length: int, seed: int,
                        desc: str = "on-policy daa", progress: bool = True) -> dict:
    """make_pairs(prompts) must return one pair per prompt, in order, made with the current
    weights (it is called with the network in eval mode, between optimiser steps)."""
    if refresh not in REFRESH_MODES:
        from ..config import check
        check(refresh, False, "refresh", "step or epoch")
    normalise = loss_normalise(dcfg)
    reference_free = dcfg.loss in REFERENCE_FREE_LOSSES
    model = policy.begin_training()
    made = {"pairs": 0, "refreshes": 0, "train_tokens": 0}
    current: dict = {}

    def fresh(batch: list[PromptRecord]):
        model.eval()
        try:
            pairs = make_pairs(batch)
        finally:
            model.train()
        if len(pairs) != len(batch):
            raise RuntimeError(f"make_pairs returned {len(pairs)} pairs for {len(batch)} prompts; expected one each")
        seqs = _pair_sequences(policy, pairs, max_length)
        ref = None if reference_free else _reference_logps(policy, seqs, normalise, 2 * tcfg.batch_size)
        made["pairs"] += len(pairs)
        made["refreshes"] += 1
        made["train_tokens"] += sum(len(s[0]) for s in seqs)
        return seqs, ref

    def per_epoch(epoch: int) -> None:
        current["seqs"], current["ref"] = fresh(prompts)

    def batch_loss(idx: list[int]):
        if refresh == "epoch":
            return daa_batch_loss(model, policy, current["seqs"], current["ref"], idx, dcfg, normalise)
        seqs, ref = fresh([prompts[i] for i in idx])
        return daa_batch_loss(model, policy, seqs, ref, list(range(len(idx))), dcfg, normalise)

    try:
        stats = optimise(model, len(prompts), batch_loss, tcfg, seed, desc, progress,
                         epoch_start=per_epoch if refresh == "epoch" else None)
    finally:
        policy.end_training()
    return {**stats, **made}
