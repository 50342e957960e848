"""One rank's share of each global batch, and the exact recombination of the shares."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import torch
import torch.distributed as dist



@dataclass
class Shard:
    rank: int
    world: int
    weight: Callable[[list[int]], float]  # the loss's denominator over a list of items

    def split(self, idx: list[int]) -> tuple[list[int], float, float]:
        """(this rank's items, its weight, the factor on its mean loss). Items are dealt round-robin.
        DDP and FSDP average gradients over ranks, so scaling each rank's mean by
        world * its weight / the batch's weight makes the average the batch's mean. A rank left
        without items (a last batch smaller than the world) still runs one item at factor 0, so
        every rank joins every collective."""
        mine = idx[self.rank :: self.world]
        if not mine:
            return idx[:1], 0.0, 0.0
        w = float(self.weight(mine))
        total = float(self.weight(idx))
        return mine, w, (self.world * w / total) if total > 0 else 0.0

    def combine(self, stats: dict[str, float], w: float, device) -> dict[str, float]:
        """The batch's stats: each rank's averages weighted by its share (same keys on every rank;
        a share of weight 0 adds nothing, even where its average is NaN for want of items)."""
        keys = list(stats)
        t = torch.tensor([stats[k] * w if w else 0.0 for k in keys] + [w], dtype=torch.float64, device=device)
        dist.all_reduce(t)
        total = float(t[-1]) or 1.0
        return {k: float(v) / total for k, v in zip(keys, t[:-1])}
