"""SeRA's compute bill (`selfalign plan`). Reviewing scores both responses of every offline pair
with the implicit reward (two sequences, policy and reference passes, no sampler); bootstrapping
samples a subset of the offline prompts and scores each sample the same way. While π_1 = π_ref
every margin is 0: iteration 1 trains on the warm-up share of D and bootstraps no pair; later
iterations keep the selected share plus at most bootstrap_ratio of it (an upper bound)."""

from __future__ import annotations

import math

from harness.planning import phases
from harness.training.losses import REFERENCE_FREE_LOSSES


def _round_half_up(x: float) -> int:
    return math.floor(x + 0.5)


def plan(cfg, m) -> list:
    implicit = phases.JudgeCost(1, on_sampler=False)
    d = int(cfg.data.n_preference_pairs)
    seed = phases.seed_model(cfg, phases.eft_examples(cfg))
    seed.loads += 0 if m.daa.loss in REFERENCE_FREE_LOSSES else 1  # the frozen reference, π_ref = M1
    out = [seed, *phases.evaluate(cfg, "M1", implicit)]
    boot = min(m.bootstrap_prompts, d) * m.bootstrap_samples  # D's distinct prompts may be fewer than its pairs
    for t in range(1, m.iterations + 1):
        out.append(implicit.phase(f"iter{t}/review", 2 * d))
        selected = _round_half_up((m.warmup if t == 1 else m.select_ratio) * d)
        if m.bootstrap_prompts > 0:
            out.append(phases.Phase(f"iter{t}/bootstrap/sample", sequences=boot, max_new_tokens=m.sampling.max_new_tokens))
            ensemble = m.ensemble_gamma > 0 and t > 1  # π_{t-1} reloaded to score the same samples
            reward = implicit.phase(f"iter{t}/bootstrap/rewards", boot * (2 if ensemble else 1))
            reward.loads = int(ensemble)
            out.append(reward)
        extra = 0 if t == 1 or m.bootstrap_prompts == 0 else int(m.bootstrap_ratio * selected)
        out.append(phases.Phase(f"iter{t}/train", train_sequences=2 * (selected + extra), epochs=m.daa.train.epochs,
                                syncs=1, exact=extra == 0))
        out += phases.evaluate(cfg, f"M{t + 1}", implicit)
    return out
