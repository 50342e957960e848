"""Self-Judge's compute bill (`selfalign plan`): stage A's JSFT seed, stage B's on-policy rounds
(two samples per prompt, redrawn every refresh, each pair judged in both orders by the frozen
JSFT model on its own engine), stage C's tournaments. The tournament replays matches that the
judgment cache serves, so its judge calls are an upper bound."""

from __future__ import annotations

import math

from harness.planning import phases


def plan(cfg, m) -> list:
    pairwise = phases.JudgeCost(1)  # one log-prob pass per order
    jsft = int(cfg.seed_sft.ift_examples) + 2 * int(cfg.data.n_preference_pairs)
    epochs, batch = m.daa.train.epochs, m.daa.train.batch_size
    refreshes = epochs * (math.ceil(m.prompts / batch) if m.refresh == "step" else 1)
    stage_b = phases.Phase("self_train", sequences=2 * epochs * m.prompts, max_new_tokens=m.sampling.max_new_tokens,
                           judge_calls=2 * epochs * m.prompts, train_sequences=2 * m.prompts, epochs=epochs,
                           loads=1, syncs=refreshes)
    ns = sorted({int(n) for n in m.inference.report_n} | {m.inference.best_of})
    matches = phases.n_eval(cfg) * sum(n - 1 for n in ns)
    return [phases.seed_model(cfg, jsft), *phases.evaluate(cfg, "M1", pairwise),
            phases.Phase("self_train_prompts", prompts=m.prompts), stage_b, *phases.evaluate(cfg, "M2", pairwise),
            phases.candidates(cfg, "eval/M2/select/candidates", m.inference),
            pairwise.phase("eval/M2/select/tournament", 2 * matches, exact=False)]
