"""`optimise`: the entry every trainer calls. One process runs the loop (training.steps) itself;
under `dist=ddp|fsdp` a ShardableLoss phase runs on every rank (harness.distributed.phase), and
any other loss on rank 0 alone."""

from __future__ import annotations

import logging
from typing import Callable

import torch

from .. import distributed
from ..distributed.phase import train_on_all_ranks
from .batch_loss import ShardableLoss
from .steps import run_loop

log = logging.getLogger("selfalign")


def optimise(model, n_items: int, batch_loss: ShardableLoss | Callable[[list[int]], tuple[torch.Tensor, dict]],
             cfg, seed: int, desc: str, progress: bool = True,
             epoch_start: Callable[[int], None] | None = None) -> dict:
    """Runs cfg.epochs over n_items. `batch_loss` is a ShardableLoss, or a callable
    `batch_loss(indices) -> (loss, stats)`; `epoch_start(epoch)` runs before each epoch (on-policy
    data refreshed once per epoch).

    Returns the mean of every stat per epoch plus the final-epoch means.
    """
    device = next(model.parameters()).device
    if n_items == 0 or cfg.epochs == 0:
        return {"steps": 0, "epochs": []}
    if isinstance(batch_loss, ShardableLoss) and distributed.active():
        if epoch_start is None and device.type == distributed.runtime.device().type:
            return train_on_all_ranks(model, n_items, batch_loss, cfg, seed, desc, progress)
        # on-policy data refreshed per epoch, or a network on another device than the ranks' (the
        # tiny base is pre-trained on the CPU): rank 0 trains it alone
        log.info("%s: this phase trains on rank 0 alone", desc)
    if isinstance(batch_loss, ShardableLoss):
        loss_fn = lambda idx: batch_loss(model, idx, device)  # noqa: E731
    else:
        loss_fn = batch_loss
        if distributed.active():  # its data are made by the weights as they train: not shardable here
            log.info("%s: this phase trains on rank 0 alone (its batches are made during training)", desc)
    return run_loop(model, n_items, loss_fn, cfg, seed, desc, progress, epoch_start)
