"""SeRA's compute bill (`selfalign plan`). Reviewing scores both responses of every offline pair
with the implicit reward (two sequences, policy and reference passes, no sampler); bootstrapping
samples a subset of the offline prompts (D's distinct prompts may be fewer: an upper bound) and
scores each sample the same way. While π_1 = π_ref every margin is 0: iteration 1 trains on the
warm-up share of D and bootstraps no pair. A reference-free loss (SimPO) has no reference, so its
margins are never all 0 and every iteration keeps the selected share plus at most
bootstrap_ratio of it (an upper bound)."""

from __future__ import annotations

from harness.planning import phases
from harness.rounding import round_half_up
from harness.training.losses import REFERENCE_FREE_LOSSES


def plan(cfg, m) -> list:
    implicit = phases.JudgeCost(1, on_sampler=False)
    d = int(cfg.data.n_preference_pairs)
    reference_free = m.daa.loss in REFERENCE_FREE_LOSSES
    seed = phases.seed_model(cfg, phases.eft_examples(cfg))
    seed.loads += 0 if reference_free else 1  # the frozen reference, π_ref = M1
    out = [seed, *phases.evaluate(cfg, "M1", implicit)]
    boot = min(m.bootstrap_prompts, d) * m.bootstrap_samples  # D's distinct prompts may be fewer than its pairs
    for t in range(1, m.iterations + 1):
        out.append(implicit.phase(f"iter{t}/review", 2 * d))
        warm = t == 1 and not reference_free  # π_1 = π_ref: every margin 0, the warm-up rule
        selected = round_half_up((m.warmup if warm else m.select_ratio) * d)
        if m.bootstrap_prompts > 0:
            out.append(phases.Phase(f"iter{t}/bootstrap/sample", sequences=boot, max_new_tokens=m.sampling.max_new_tokens,
                                    exact=False))
            ensemble = m.ensemble_gamma > 0 and t > 1  # π_{t-1} reloaded to score the same samples
            reward = implicit.phase(f"iter{t}/bootstrap/rewards", boot * (2 if ensemble else 1), exact=False)
            reward.loads = int(ensemble)
            out.append(reward)
        extra = 0 if warm or m.bootstrap_prompts == 0 else int(m.bootstrap_ratio * selected)
        out.append(phases.Phase(f"iter{t}/train", train_sequences=2 * (selected + extra), epochs=m.daa.train.epochs,
                                syncs=1, exact=extra == 0))
        out += phases.evaluate(cfg, f"M{t + 1}", implicit)
    return out
