"""Baseline `dpo` (or ipo / hinge / simpo via method.daa.loss): one offline DAA phase on the
offline preference set, starting from the seed model, reference = the seed model."""

from __future__ import annotations

from dataclasses import dataclass, field

from harness import stages
from harness.registry import register_method
from harness.training.daa_config import DAAConfig


@dataclass
class DPOConfig:
    name: str = "dpo"
    daa: DAAConfig = field(default_factory=DAAConfig)  # any DAA loss via method.daa.loss (dpo | ipo | hinge | simpo)

    def validate(self):
        self.daa.validate()
        return self


@register_method("dpo", config=DPOConfig)
def run(ctx) -> dict:
    cfg = ctx.method_cfg
    stages.seed_model(ctx)
    pairs = ctx.data.preference_pairs
    train_stats = stages.train_pairs(ctx, "train", pairs, cfg.daa)
    result = stages.evaluate(ctx, "eval/final")
    ctx.log_iteration({"iteration": 1, "model": "M2", "pairs": len(pairs), "train": train_stats, "eval": result})
    return result
