"""Self-J's compute bill (`selfalign plan`): M1 on reference-aware grades, M1's answers to the
label prompts graded by itself (greedy, so identical answers are graded once: an upper bound),
M1's candidates for best-of-N, the two-view judge training (a teacher and a student sequence per
label; answers whose grade does not parse are not labelled, so an upper bound), and every
candidate scored without and with the reference."""

from __future__ import annotations

from harness.planning import phases


def plan(cfg, m) -> list:
    digit = phases.JudgeCost(1)  # one log-prob pass over the ten digits
    grade = phases.JudgeCost(m.self_rating.k, m.self_rating.max_new_tokens)
    refs = int(cfg.seed_sft.eft_examples)  # reference grades, always from the embedded world
    answers = m.label_prompts * m.answers_per_prompt
    candidates = phases.candidates(cfg, "eval/select/candidates", m.inference)
    return [phases.seed_model(cfg, int(cfg.seed_sft.ift_examples) + refs), *phases.evaluate(cfg, "M1", digit),
            phases.Phase("labels/prompts", prompts=m.label_prompts),
            phases.Phase("labels/answers", sequences=answers, max_new_tokens=m.sampling.max_new_tokens),
            grade.phase("labels/self_grade", answers, exact=False), candidates,
            phases.Phase("judge_train", train_sequences=2 * answers, epochs=m.train.epochs, syncs=1, exact=False),
            *phases.evaluate(cfg, "M2", digit),
            digit.phase("eval/select/judge", candidates.sequences, exact=False),
            digit.phase("eval/select/judge_ref", candidates.sequences, exact=False)]
