"""The one optimisation loop every trainer uses: AdamW, linear warm-up/decay, gradient
accumulation, clipping, autocast on GPU, a progress bar and a loss log."""

from __future__ import annotations

import math
from typing import Callable

import torch
from tqdm.auto import tqdm
from transformers import get_linear_schedule_with_warmup

from .. import tracking
from .batching import shuffled_batches


def optimise(model, n_items: int, batch_loss: Callable[[list[int]], tuple[torch.Tensor, dict]],
             cfg, seed: int, desc: str, progress: bool = True,
             epoch_start: Callable[[int], None] | None = None) -> dict:
    """Runs cfg.epochs over n_items; `batch_loss(indices)` returns (loss, stats) for one batch;
    `epoch_start(epoch)` runs before each epoch (on-policy data refreshed once per epoch).

    Returns the mean of every stat per epoch plus the final-epoch means.
    """
    params = [p for p in model.parameters() if p.requires_grad]
    if n_items == 0 or cfg.epochs == 0 or not params:
        return {"steps": 0, "epochs": []}
    optimizer = torch.optim.AdamW(params, lr=cfg.lr, weight_decay=cfg.weight_decay)
    batches_per_epoch = math.ceil(n_items / cfg.batch_size)
    total_steps = max(1, math.ceil(batches_per_epoch / cfg.grad_accum) * cfg.epochs)
    scheduler = get_linear_schedule_with_warmup(optimizer, int(cfg.warmup_ratio * total_steps), total_steps)
    device_type = next(model.parameters()).device.type
    use_bf16 = device_type == "cuda" and torch.cuda.is_bf16_supported()

    model.train()
    epochs, step = [], 0
    bar = tqdm(total=batches_per_epoch * cfg.epochs, desc=desc, disable=not progress, leave=False)
    for epoch in range(cfg.epochs):
        sums: dict[str, float] = {}
        if epoch_start is not None:
            epoch_start(epoch)
        batches = shuffled_batches(n_items, cfg.batch_size, seed, epoch)
        for b, idx in enumerate(batches):
            with torch.autocast(device_type=device_type, dtype=torch.bfloat16, enabled=use_bf16):
                loss, stats = batch_loss(idx)
            (loss / cfg.grad_accum).backward()
            stats = {"loss": float(loss.detach()), **stats}
            if (b + 1) % cfg.grad_accum == 0 or b + 1 == len(batches):
                grad_norm = torch.nn.utils.clip_grad_norm_(params, cfg.max_grad_norm)
                tracking.log_step({**stats, "lr": scheduler.get_last_lr()[0], "grad_norm": float(grad_norm)})
                optimizer.step()
                scheduler.step()
                optimizer.zero_grad(set_to_none=True)
                step += 1
            for k, v in stats.items():
                sums[k] = sums.get(k, 0.0) + v
            bar.update(1)
            bar.set_postfix(loss=f"{stats['loss']:.3f}")
        epochs.append({k: v / len(batches) for k, v in sums.items()})
    bar.close()
    model.eval()
    return {"steps": step, "epochs": epochs, **{f"final_{k}": v for k, v in epochs[-1].items()}}
