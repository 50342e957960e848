"""The optimisation loop itself: AdamW, linear warm-up/decay, gradient accumulation, clipping,
autocast on GPU, a progress bar and the per-step log. Shared by one process (training.loop) and by
every rank of a data-parallel phase (distributed.phase)."""

from __future__ import annotations

import math
from typing import Callable

import torch
from transformers import get_linear_schedule_with_warmup

from .. import tracking
from ..progress import bar as progress_bar
from .batching import shuffled_batches
from .optimiser import Optimiser


def run_loop(model, n_items: int, loss_fn: Callable[[list[int]], tuple[torch.Tensor, dict]], cfg, seed: int,
             desc: str, progress: bool = True, epoch_start: Callable[[int], None] | None = None,
             shard=None, log_steps: bool = True) -> dict:
    """The loop itself. With `shard` (harness.distributed.shard.Shard) each rank computes its share
    of every global batch and the stats are recombined into the batch's numbers (logged by rank 0,
    `log_steps`)."""
    params = [p for p in model.parameters() if p.requires_grad]
    if n_items == 0 or cfg.epochs == 0 or not params:
        return {"steps": 0, "epochs": []}
    optimiser = Optimiser(params, cfg)
    batches_per_epoch = math.ceil(n_items / cfg.batch_size)
    total_steps = max(1, math.ceil(batches_per_epoch / cfg.grad_accum) * cfg.epochs)
    scheduler = get_linear_schedule_with_warmup(optimiser.optimizer, int(cfg.warmup_ratio * total_steps), total_steps)
    device_type = next(model.parameters()).device.type
    use_bf16 = device_type == "cuda" and torch.cuda.is_bf16_supported()

    model.train()
    epochs, step = [], 0
    bar = progress_bar(batches_per_epoch * cfg.epochs, desc, progress)
    for epoch in range(cfg.epochs):
        sums: dict[str, float] = {}
        if epoch_start is not None:
            epoch_start(epoch)
        batches = shuffled_batches(n_items, cfg.batch_size, seed, epoch)
        for b, idx in enumerate(batches):
            mine, weight, factor = shard.split(idx) if shard is not None else (idx, 1.0, 1.0)
            with torch.autocast(device_type=device_type, dtype=torch.bfloat16, enabled=use_bf16):
                loss, stats = loss_fn(mine)
            (loss * factor / cfg.grad_accum).backward()
            stats = {"loss": float(loss.detach()), **stats}
            if shard is not None:
                stats = shard.combine(stats, weight, loss.device)
            if (b + 1) % cfg.grad_accum == 0 or b + 1 == len(batches):
                grad_norm = torch.nn.utils.clip_grad_norm_(params, cfg.max_grad_norm)
                grad_norm = grad_norm.full_tensor() if hasattr(grad_norm, "full_tensor") else grad_norm  # FSDP: a DTensor
                if log_steps:
                    tracking.log_step({**stats, "lr": scheduler.get_last_lr()[0], "grad_norm": float(grad_norm)})
                optimiser.step()
                scheduler.step()
                optimiser.zero_grad()
                step += 1
            for k, v in stats.items():
                sums[k] = sums.get(k, 0.0) + v
            bar.update(1)
            bar.set_postfix(loss=f"{stats['loss']:.3f}")
        epochs.append({k: v / len(batches) for k, v in sums.items()})
    bar.close()
    model.eval()
    return {"steps": step, "epochs": epochs, **{f"final_{k}": v for k, v in epochs[-1].items()}}
