"""Meta-Rewarding's compute bill (`selfalign plan`): the phases of `run`, from the recipe alone.
Duplicate samples are judged once and the meta-judge compares each picked response's distinct
judgments in both orders, so those counts are upper bounds (K samples, k(k-1) ordered pairs)."""

from __future__ import annotations

from harness.planning import phases


def plan(cfg, m) -> list:
    judge = phases.JudgeCost(m.judge.k, m.judge.max_new_tokens)
    meta = phases.JudgeCost(1, m.meta_judge.max_new_tokens)
    out = [phases.seed_model(cfg, phases.eft_examples(cfg)), *phases.evaluate(cfg, "M1", judge)]
    P, K, k = m.prompts_per_iteration, m.n_samples, m.judge.k
    for t in range(1, m.iterations + 1):
        trains_judge = t in m.train_judge
        out.append(phases.new_prompts(cfg, f"iter{t}/prompts", P, m.new_prompts))
        out.append(phases.Phase(f"iter{t}/sample", sequences=P * K, max_new_tokens=m.sampling.max_new_tokens))
        out.append(judge.phase(f"iter{t}/judge", P * K, exact=False))  # duplicates removed first
        if trains_judge:
            out.append(meta.phase(f"iter{t}/meta_judge", P * k * (k - 1), exact=False))
        # at most one actor pair per prompt, plus one judge pair per prompt when the judge trains
        pairs = P * (2 if trains_judge else 1)
        out.append(phases.Phase(f"iter{t}/train", train_sequences=2 * pairs, epochs=m.daa.train.epochs, syncs=1,
                                exact=False))
        out += phases.evaluate(cfg, f"M{t + 1}", judge)
    return out
