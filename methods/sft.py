"""Baseline `sft`: the seed model alone (SFT on the world's IFT + EFT data), evaluated as is."""

from __future__ import annotations

from dataclasses import dataclass

from harness import stages
from harness.planning import phases
from harness.registry import register_method


@dataclass
class SFTConfig:
    name: str = "sft"

    def validate(self):
        return self


def plan(cfg, m) -> list:
    return [phases.seed_model(cfg, phases.eft_examples(cfg)), *phases.evaluate(cfg, "final")]


@register_method("sft", config=SFTConfig, plan=plan)
def run(ctx) -> dict:
    seed_info = stages.seed_model(ctx)
    result = stages.evaluate(ctx, "eval/final")
    ctx.log_iteration({"iteration": 0, "model": "M1", "seed_sft": seed_info.get("stats", {}), "eval": result})
    return result
