"""Baseline `online_dpo`: the Self-Rewarding loop with a separate, fixed judge instead of the
model itself — the "needs a separate reward model" setting that self-judging methods argue
against. The judge (`external_judge`) is one of the controls of METHODS.md §8:

    oracle        the world's oracle (5 × quality), a perfect reward model: chosen = the best
                  oracle quality, rejected = the worst, ties dropped (the positive control)
    noisy_oracle  the oracle's pair, then chosen and rejected swapped with probability
                  1 − judge_accuracy, drawn per prompt from a stream keyed by the run seed, the
                  iteration and the prompt id (the dose–response; p < 0.5 is an adversarial judge)
    random        every response scored uniformly at random (seeded), then the same max/min rule:
                  a judge with no information (the negative control)

Every iteration logs the realised judge accuracy of the pairs it trained on: the share whose
chosen response has the higher oracle quality (pairs of equal quality counted apart)."""

from __future__ import annotations

from dataclasses import dataclass

from harness import stages
from harness.config import check
from harness.judges.oracle import OracleJudge, RandomJudge, flip_pairs, oracle_agreement
from harness.planning.phases import JudgeCost
from harness.registry import register_method

from .self_rewarding import SelfRewardingConfig, iterate, loop_plan, rubric_template

EXTERNAL_JUDGES = ("oracle", "noisy_oracle", "random")


@dataclass
class OnlineDPOConfig(SelfRewardingConfig):
    """Self-Rewarding's loop and knobs; `judge` (the rubric judge) is inherited but never read."""

    name: str = "online_dpo"
    # oracle: the perfect judge (best vs worst oracle quality, ties dropped; the positive control) |
    # noisy_oracle: the oracle's pair, chosen/rejected swapped with probability 1 - judge_accuracy (seeded per
    # run seed, iteration and prompt; the dose-response) | random: each response scored uniformly at random
    # (seeded), then best vs worst (the negative control)
    external_judge: str = "oracle"
    # noisy_oracle only: probability p in [0, 1] that a pair keeps the oracle's preference (1.0 = the oracle
    # exactly, 0.5 = a coin flip, < 0.5 adversarial); must stay 1.0 for the other judges
    judge_accuracy: float = 1.0

    def validate(self):
        check(self.external_judge, self.external_judge in EXTERNAL_JUDGES, "method.external_judge",
              "one of oracle (the perfect judge), noisy_oracle (the oracle's preference flipped with probability "
              "1 - method.judge_accuracy) or random (a judge with no information)")
        p = self.judge_accuracy
        check(p, isinstance(p, (int, float)) and 0 <= p <= 1, "method.judge_accuracy",
              "a probability in [0, 1]: the chance that the noisy oracle keeps the oracle's preference "
              "(1.0 = the oracle itself, 0.5 = a coin flip, below 0.5 an adversarial judge)")
        check(p, p == 1.0 or self.external_judge == "noisy_oracle", "method.judge_accuracy",
              f"1.0 with method.external_judge={self.external_judge} (only noisy_oracle reads it)",
              hint="add method.external_judge=noisy_oracle, or drop the method.judge_accuracy override")
        check(self.new_prompts, self.new_prompts == "dataset", "method.new_prompts",
              "dataset (the oracle, and the realised judge accuracy, can only grade the world's own prompts)")
        return super().validate()


def make_judge(cfg, prompts):
    """The fixed judge that scores every sample (the noisy oracle scores like the oracle; its
    noise is applied to the pairs by `external_pairs`)."""
    return RandomJudge() if cfg.external_judge == "random" else OracleJudge(prompts)


def external_pairs(cfg, t: int, prompts, pairs, seed_of) -> tuple[list, dict]:
    """Iteration t's pairs as the configured judge makes them, plus their realised accuracy.
    `seed_of(name)` is the run's seed helper (ctx.seed)."""
    stats = {"external_judge": cfg.external_judge}
    if cfg.external_judge == "noisy_oracle":
        pairs, flips = flip_pairs(pairs, cfg.judge_accuracy, lambda pid: seed_of(f"iter{t}/noisy_oracle/{pid}"))
        stats.update(judge_accuracy=cfg.judge_accuracy, **flips)
    return pairs, {**stats, **oracle_agreement(prompts, pairs)}


def judge_name(cfg) -> str:
    """The configured judge in words: `oracle`, `noisy_oracle p=0.7`, `random`."""
    return cfg.external_judge + (f" p={cfg.judge_accuracy:g}" if cfg.external_judge == "noisy_oracle" else "")


def variant(cfg) -> str:
    """The leaderboard label: the judge, except for the default oracle (`online_dpo[noisy_oracle p=0.7]`,
    `online_dpo[random]`, `online_dpo`)."""
    return "" if cfg.external_judge == "oracle" else judge_name(cfg)


# the shared M1, EFT data rendered as Self-Rewarding renders it
def plan(cfg, m) -> list:
    """Self-Rewarding's loop; the external judge scores each sample once and runs no model."""
    return loop_plan(cfg, m, JudgeCost(1, on_sampler=False), eval_judge=None)


@register_method("online_dpo", config=OnlineDPOConfig, variant=variant, judge_template=rubric_template, plan=plan)
def run(ctx) -> dict:
    cfg = ctx.method_cfg
    stages.seed_model(ctx)  # the same M1 as every other method
    judge = make_judge(cfg, ctx.data.train_prompts)
    realised = []

    def hook(t, prompts, pairs):
        pairs, stats = external_pairs(cfg, t, prompts, pairs, ctx.seed)
        realised.append(stats["realised_judge_accuracy"])
        return pairs, stats

    summary = iterate(ctx, judge, judge_is_policy=False, pair_hook=hook)
    by_iteration = "/".join("–" if a is None else f"{100 * a:.0f}%" for a in realised)
    return {**summary, "highlights": {"judge": judge_name(cfg), **summary["highlights"],
                                      "realised judge accuracy by iteration": by_iteration}}
