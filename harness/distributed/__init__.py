"""Data-parallel training across processes (`dist=ddp|fsdp`, launched by torchrun or accelerate).

Rank 0 runs the whole pipeline: sampling, judging, evaluation and every file write, so a run
directory, its provenance and the judgment cache have one writer. The other ranks never compose
a config or open a file: they wait for training phases. When rank 0 reaches a phase whose loss
can be sharded, it sends the phase (loss, data, optimiser knobs, model shape) to every rank,
broadcasts its weights, and all ranks run the same optimisation loop on their share of each
global batch; afterwards rank 0 holds the trained weights and carries on alone.
"""

from .config import STRATEGIES, DistConfig
from .runtime import active, configure, rank, world_size

__all__ = ["STRATEGIES", "DistConfig", "active", "configure", "rank", "world_size"]
