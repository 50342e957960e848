"""SeRA: Self-Reviewing and Alignment with implicit reward margins (Ko et al., 2024), on top of
any DAA loss (dpo, ipo, hinge, simpo) and an offline preference set D.

π_ref = M1 (the seed model, fixed). For t = 1..T, from π_t:
    review     m(x, y_w, y_l) = r_t(x, y_w) − r_t(x, y_l), r_t = β · (log π_t − log π_ref), for all of D
               (at t = 1 π_t = π_ref, every margin is 0: the warm-up rule keeps the first
               `warmup` share of D)
    select     the top `select_ratio` of D by margin (largest | smallest | middle):
               k = floor(ratio · |D| + 0.5) pairs (round half up; ratio 0 keeps none)
    bootstrap  for a subset of D's prompts, sample K responses from π_t, score them with r_t
               (optionally (1 − γ) r_t + γ r_{t−1}), chosen = best, rejected = worst, kept when the
               margin ≥ min_margin
    train      π_{t+1} ← DAA on selected ∪ bootstrapped pairs from π_t, reference π_ref
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from harness import stages
from harness.config import check
from harness.judges.implicit import ImplicitRewardJudge
from harness.records import PreferencePair, PromptRecord
from harness.registry import register_method
from harness.sampling.base import SamplingKnobs
from harness.training.daa_config import DAAConfig
from harness.training.losses import REFERENCE_FREE_LOSSES

from .plan import plan
from .selection import SELECT_MODES, select_by_margin

# Two copies of the same network give margins that differ only by float noise.
EQUAL_MARGIN_TOL = 1e-6


@dataclass
class SeRAConfig:
    name: str = "sera"
    iterations: int = 3  # review -> select -> bootstrap -> train rounds
    # Share of the offline pairs kept by margin, in [0, 1]: k = floor(ratio · n + 0.5) (round half up); 0 keeps
    # none (then only iteration 1's warm-up trains on D, and bootstrapping, capped at bootstrap_ratio x the
    # selected pairs, adds none either)
    select_ratio: float = 0.7
    select: str = "largest"  # largest | smallest | middle: which margins are kept (largest drops implausible pairs)
    warmup: float = 1.0  # share of D used while every margin is 0 (t = 1), in (0, 1]: the first floor(warmup · n + 0.5)
    bootstrap_prompts: int = 128  # prompts of D re-answered by π_t per iteration (0 = no bootstrapping)
    bootstrap_samples: int = 4  # responses sampled per bootstrap prompt; best vs worst by implicit reward
    sampling: SamplingKnobs = field(default_factory=lambda: SamplingKnobs(temperature=0.8, top_p=0.95, max_new_tokens=32))
    min_margin: float = 0.0  # a bootstrapped pair needs a reward margin above 0 and at least this
    ensemble_gamma: float = 0.0  # score bootstrap samples with (1-γ)·r_t + γ·r_{t-1} (0 = off, the default)
    bootstrap_ratio: float = 0.5  # bootstrapped pairs capped at this share of the selected pairs (mix ratio)
    daa: DAAConfig = field(default_factory=DAAConfig)  # any DAA loss; β is also the implicit reward's

    def validate(self):
        check(self.iterations, self.iterations >= 1, "method.iterations", "at least 1 iteration")
        check(self.select_ratio, 0 <= self.select_ratio <= 1, "method.select_ratio",
              "a fraction in [0, 1]: the share of the offline pairs kept, k = floor(ratio * n + 0.5); 0 keeps none")
        check(self.select, self.select in SELECT_MODES, "method.select", f"one of {', '.join(SELECT_MODES)}")
        check(self.warmup, 0 < self.warmup <= 1, "method.warmup", "a fraction in (0, 1]")
        check(self.bootstrap_prompts, self.bootstrap_prompts >= 0, "method.bootstrap_prompts", "a count >= 0")
        check(self.bootstrap_samples, self.bootstrap_samples >= 2, "method.bootstrap_samples",
              "at least 2 responses per prompt (a pair needs two)")
        check(self.min_margin, self.min_margin >= 0, "method.min_margin", "a margin >= 0")
        check(self.ensemble_gamma, 0 <= self.ensemble_gamma < 1, "method.ensemble_gamma", "a weight in [0, 1)")
        check(self.bootstrap_ratio, self.bootstrap_ratio >= 0, "method.bootstrap_ratio", "a ratio >= 0")
        self.sampling.validate("method.sampling")
        self.daa.validate()
        return self


def review(pairs: list[PreferencePair], margins: list[float], cfg) -> tuple[list[int], dict]:
    """Selection plus what it did; with label noise on, how many flipped pairs it removed."""
    keep = select_by_margin(margins, cfg.select_ratio, cfg.select, cfg.warmup, tol=EQUAL_MARGIN_TOL)
    kept = set(keep)
    flipped = [i for i, p in enumerate(pairs) if p.meta.get("flipped")]
    stats = {"offline_pairs": len(pairs), "selected": len(keep),
             "warmup_rule": max(margins) - min(margins) <= EQUAL_MARGIN_TOL if margins else True,
             "mean_margin": sum(margins) / len(margins) if margins else None,
             "mean_selected_margin": sum(margins[i] for i in keep) / len(keep) if keep else None}
    if flipped:
        removed = sum(i not in kept for i in flipped)
        stats.update(flipped_pairs=len(flipped), flipped_removed=removed,
                     flipped_removed_fraction=removed / len(flipped),
                     clean_removed_fraction=(len(pairs) - len(keep) - removed) / max(1, len(pairs) - len(flipped)))
    return keep, stats


def bootstrap_pairs(prompts: list[PromptRecord], samples, rewards: list[float], cfg) -> tuple[list[PreferencePair], dict]:
    """Per prompt: best vs worst sample by implicit reward, kept when the margin is positive and
    at least min_margin; then at most bootstrap_ratio x |selected| of them, largest margins first
    (the cap is applied by the caller, which knows |selected|)."""
    by_prompt: dict[str, list[tuple[float, str]]] = {}
    for s, r in zip(samples, rewards):
        by_prompt.setdefault(s.prompt_id, []).append((r, s.text))
    pairs, too_small = [], 0
    for p in prompts:
        scored = by_prompt.get(p.id, [])
        if len(scored) < 2:
            continue
        best, worst = max(scored, key=lambda t: t[0]), min(scored, key=lambda t: t[0])
        margin = best[0] - worst[0]
        if margin <= 0 or margin < cfg.min_margin or best[1] == worst[1]:
            too_small += 1
            continue
        pairs.append(PreferencePair(prompt_id=p.id, prompt=p.instruction, chosen=best[1], rejected=worst[1],
                                    chosen_score=best[0], rejected_score=worst[0], source="sera_bootstrap",
                                    meta={"margin": margin}))
    return pairs, {"bootstrap_prompts": len(prompts), "bootstrap_dropped_small_margin": too_small}


def offline_prompts(pairs: list[PreferencePair]) -> list[PromptRecord]:
    seen: dict[str, PromptRecord] = {}
    for p in pairs:
        seen.setdefault(p.prompt, PromptRecord(id=p.prompt_id, instruction=p.prompt))
    return list(seen.values())


@register_method("sera", config=SeRAConfig, has_judge=True, plan=plan)
def run(ctx) -> dict:
    cfg = ctx.method_cfg
    seed_info = stages.seed_model(ctx)  # the same M1 as the dpo baseline
    offline = ctx.data.preference_pairs
    reference_free = cfg.daa.loss in REFERENCE_FREE_LOSSES
    reference = None if reference_free else stages.frozen_policy(ctx, seed_info["folder"])  # π_ref = M1

    def judge_of(policy):
        return ImplicitRewardJudge(policy, reference, beta=cfg.daa.beta, normalise=cfg.daa.normalise,
                                   max_length=ctx.cfg.model.max_length, batch_size=ctx.cfg.sampler.batch_size)

    judge = judge_of(ctx.policy)
    result = stages.evaluate(ctx, "eval/M1", judge)
    ctx.log_iteration({"iteration": 0, "model": "M1", "eval": result})
    pool = offline_prompts(offline)
    notes = []
    folders = [seed_info["folder"]]  # folders[t - 1] holds π_t: M1, then each iteration's checkpoint
    for t in range(1, cfg.iterations + 1):
        it = f"iter{t}"
        reviewed = ctx.json(f"{it}/review", lambda: review_margins(ctx, judge, offline))
        keep, review_stats = review(offline, reviewed["margins"], cfg)
        selected = [offline[i] for i in keep]

        boot, boot_stats = [], {}
        if cfg.bootstrap_prompts > 0:
            subset = random.Random(ctx.seed(f"{it}/bootstrap")).sample(pool, min(cfg.bootstrap_prompts, len(pool)))
            samples = stages.sample(ctx, f"{it}/bootstrap/sample", subset, cfg.sampling.params(n=cfg.bootstrap_samples))
            scored = ctx.json(f"{it}/bootstrap/rewards", lambda: {
                "rewards": ensemble_rewards(ctx, judge, judge_of, t, subset, samples, folders)})
            boot, boot_stats = bootstrap_pairs(subset, samples, scored["rewards"], cfg)
            cap = int(cfg.bootstrap_ratio * len(selected))
            boot_stats.update(bootstrap_candidates=len(boot), bootstrap_dropped_cap=max(0, len(boot) - cap))
            boot = sorted(boot, key=lambda p: -p.meta["margin"])[:cap]
        train_stats = stages.train_pairs(ctx, f"{it}/train", selected + boot, cfg.daa, reference=reference)
        folders.append(ctx.checkpoint(f"{it}/train"))
        result = stages.evaluate(ctx, f"eval/M{t + 1}", judge)
        ctx.log_iteration({"iteration": t, "model": f"M{t + 1}", **review_stats, **boot_stats,
                           "bootstrapped": len(boot), "train": train_stats, "eval": result})
        note = f"{len(selected)}+{len(boot)}"
        if "flipped_removed_fraction" in review_stats:
            note += f" (flipped removed {100 * review_stats['flipped_removed_fraction']:.0f}%)"
        notes.append(note)
    return {**result, "highlights": {"selected+bootstrapped by iteration": " / ".join(notes)}}


def review_margins(ctx, judge, offline) -> dict:
    with ctx.judge_calls() as calls:
        return {"margins": judge.margins(offline, calls)}


def ensemble_rewards(ctx, judge, judge_of, t: int, prompts, samples, folders) -> list[float]:
    """r_t of every sample, or (1 − γ) r_t + γ r_{t−1} with π_{t−1} reloaded from its checkpoint
    (folders[t - 2]; folders[t - 1] holds π_t)."""
    by_id = {p.id: p.instruction for p in prompts}
    instructions, texts = [by_id[s.prompt_id] for s in samples], [s.text for s in samples]
    with ctx.judge_calls() as calls:
        current = judge.rewards(instructions, texts, calls)
        gamma = ctx.method_cfg.ensemble_gamma
        if gamma == 0 or t == 1:
            return current
        previous = judge_of(stages.frozen_policy(ctx, folders[t - 2])).rewards(instructions, texts, calls)
    return [(1 - gamma) * c + gamma * p for c, p in zip(current, previous)]
