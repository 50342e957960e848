"""The `dist` config group's knobs (conf/dist/)."""

from __future__ import annotations

from dataclasses import dataclass

STRATEGIES = ("single", "ddp", "fsdp")


@dataclass
class DistConfig:
    # single: one process (the default). ddp: every rank holds the whole model, gradients are
    # all-reduced. fsdp: FSDP2 (torch's fully_shard): parameters, gradients and optimiser state are
    # sharded across ranks, one shard group per decoder layer. The number of ranks comes from the
    # launcher (torchrun --nproc_per_node N, or accelerate launch --num_processes N).
    strategy: str = "single"
