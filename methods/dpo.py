"""Baseline `dpo` (or ipo / hinge / simpo via method.daa.loss): one offline DAA phase on the
offline preference set, starting from the seed model, reference = the seed model."""

from __future__ import annotations

from dataclasses import dataclass, field

from harness import stages
from harness.planning import phases
from harness.registry import register_method
from harness.training.daa_config import DAAConfig


@dataclass
class DPOConfig:
    name: str = "dpo"
    daa: DAAConfig = field(default_factory=DAAConfig)  # any DAA loss via method.daa.loss (dpo | ipo | hinge | simpo)

    def validate(self):
        self.daa.validate()
        return self


def plan(cfg, m) -> list:
    """M1, one DAA phase on the offline pairs (both responses of each), the evaluation."""
    train = phases.Phase("train", train_sequences=2 * int(cfg.data.n_preference_pairs), epochs=m.daa.train.epochs)
    return [phases.seed_model(cfg, phases.eft_examples(cfg)), train, *phases.evaluate(cfg, "final")]


@register_method("dpo", config=DPOConfig, plan=plan)
def run(ctx) -> dict:
    cfg = ctx.method_cfg
    stages.seed_model(ctx)
    pairs = ctx.data.preference_pairs
    train_stats = stages.train_pairs(ctx, "train", pairs, cfg.daa)
    result = stages.evaluate(ctx, "eval/final")
    ctx.log_iteration({"iteration": 1, "model": "M2", "pairs": len(pairs), "train": train_stats, "eval": result})
    return result
