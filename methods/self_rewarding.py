"""Self-Rewarding Language Models (Yuan et al., 2024).

M1 = the base fine-tuned on IFT + EFT data. For t = 1..T:
    prompts_t   ← a fresh batch of training prompts (dataset, or self-instruct from M_t)
    samples     ← N responses per prompt from M_t          (T=0.7, top_p=0.9)
    judgments   ← M_t judges each response K times with the additive 5-point rubric; the score
                  is the mean of the judgments that parse to a value in [0, 5]
    pairs       ← chosen = highest score, rejected = lowest; drop ties and prompts with < 2
                  valid scores
    M_{t+1}     ← DPO(β=0.1) from M_t, reference = M_t
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from harness import stages
from harness.config import check
from harness.judges.oracle import oracle_agreement
from harness.judges.rubric import RubricJudge, RubricJudgeConfig
from harness.pairs import max_min_pairs
from harness.planning import phases
from harness.prompts import fresh_prompts
from harness.registry import register_method
from harness.sampling.base import SamplingKnobs
from harness.training.daa_config import DAAConfig


@dataclass
class SelfRewardingConfig:
    name: str = "self_rewarding"
    iterations: int = 2  # M1 -> M2 -> M3 (paper: 2 iterations after M1)
    # Fresh training prompts per iteration: the shared tiny-scale budget of the online loop, chosen by
    # the controls (results/controls.md; paper: 3,964 then 6,942 on Llama-2-70B)
    prompts_per_iteration: int = 128
    new_prompts: str = "dataset"  # dataset (the next slice of the prompt pool) | self_instruct (M_t writes them)
    n_samples: int = 4  # N responses per prompt (paper: 4)
    # response sampling (paper: T=0.7, top_p=0.9); 32 new tokens fit every world answer
    sampling: SamplingKnobs = field(default_factory=lambda: SamplingKnobs(temperature=0.7, top_p=0.9, max_new_tokens=32))
    judge: RubricJudgeConfig = field(default_factory=RubricJudgeConfig)  # the additive 5-point rubric, K=3 (paper)
    min_valid: int = 2  # a prompt needs this many validly scored responses to make a pair
    daa: DAAConfig = field(default_factory=DAAConfig)  # paper: DPO, β = 0.1, batch 16; the shared recipe: results/controls.md

    def validate(self):
        check(self.iterations, self.iterations >= 1, "method.iterations", "at least 1 iteration")
        check(self.prompts_per_iteration, self.prompts_per_iteration >= 1, "method.prompts_per_iteration", "a positive count")
        check(self.new_prompts, self.new_prompts in ("dataset", "self_instruct"), "method.new_prompts", "dataset or self_instruct")
        check(self.n_samples, self.n_samples >= 2, "method.n_samples", "at least 2 responses per prompt (a pair needs two)")
        check(self.min_valid, self.min_valid >= 2, "method.min_valid", "at least 2 validly scored responses")
        self.sampling.validate("method.sampling")
        self.judge.validate("method.judge")
        self.daa.validate()
        return self


def iteration_log(t, pair_stats, judgments, pairs, samples, train_stats, result) -> dict:
    raw = sum(len(j.raw) for j in judgments)
    valid = sum(len(j.valid_scores) for j in judgments)
    histogram = Counter(round(s) for j in judgments for s in j.valid_scores)
    n_tokens = {(s.prompt_id, s.index): s.n_tokens for s in samples}
    return {
        "iteration": t, "model": f"M{t + 1}", **pair_stats,
        "parse_failure_rate": 1 - valid / raw if raw else None,
        "responses_without_valid_score": sum(j.score is None for j in judgments),
        "score_histogram": {str(k): histogram.get(k, 0) for k in range(6)},
        # Identical texts can be scored apart by judge noise; such pairs carry no DPO signal.
        "identical_text_pairs": sum(p.chosen == p.rejected for p in pairs),
        "mean_chosen_chars": sum(len(p.chosen) for p in pairs) / len(pairs) if pairs else None,
        "mean_rejected_chars": sum(len(p.rejected) for p in pairs) / len(pairs) if pairs else None,
        "mean_sample_tokens": sum(n_tokens.values()) / len(n_tokens) if n_tokens else None,
        "train": train_stats, "eval": result,
    }


def rubric_template(cfg) -> str:
    """The template M1's EFT data is rendered with: the one its rubric judge reads."""
    return cfg.judge.template


def plan(cfg, m) -> list:
    judge = phases.JudgeCost(m.judge.k, m.judge.max_new_tokens)
    return loop_plan(cfg, m, judge, eval_judge=judge)


def loop_plan(cfg, m, judge, eval_judge) -> list:
    """The phases of `iterate`: M1, then per iteration fresh prompts, N samples each, one judged
    item per sample, DPO on at most one pair per prompt (ties and unscored prompts are dropped)."""
    out = [phases.seed_model(cfg, phases.eft_examples(cfg)), *phases.evaluate(cfg, "M1", eval_judge)]
    P, N = m.prompts_per_iteration, m.n_samples
    for t in range(1, m.iterations + 1):
        out.append(phases.new_prompts(cfg, f"iter{t}/prompts", P, m.new_prompts))
        out.append(phases.Phase(f"iter{t}/sample", sequences=P * N, max_new_tokens=m.sampling.max_new_tokens))
        out.append(judge.phase(f"iter{t}/judge", P * N))
        out.append(phases.Phase(f"iter{t}/train", train_sequences=2 * P, epochs=m.daa.train.epochs, syncs=1, exact=False))
        out += phases.evaluate(cfg, f"M{t + 1}", eval_judge)
    return out


@register_method("self_rewarding", config=SelfRewardingConfig, has_judge=True, judge_template=rubric_template,
                 plan=plan)
def run(ctx) -> dict:
    stages.seed_model(ctx)
    judge = RubricJudge(ctx.sampler, ctx.method_cfg.judge)  # always the current policy: M_t judges itself
    return iterate(ctx, judge, judge_is_policy=True)


def iterate(ctx, judge, judge_is_policy: bool, pair_hook=None) -> dict:
    """The iterations after M1. With judge_is_policy the judge follows the policy to M_{t+1}
    (self-rewarding); otherwise it is a fixed, separate judge (the online-DPO baseline).
    `pair_hook(t, prompts, pairs) -> (pairs, stats)`, when given, sees each iteration's pairs
    before training and may replace them; its stats join that iteration's log."""
    cfg = ctx.method_cfg
    eval_judge = judge if judge_is_policy else None
    result = stages.evaluate(ctx, "eval/M1", eval_judge)
    ctx.log_iteration({"iteration": 0, "model": "M1", "eval": result})
    kept, identical = [], 0

    for t in range(1, cfg.iterations + 1):
        it = f"iter{t}"
        prompts = fresh_prompts(ctx, f"{it}/prompts", t, cfg.prompts_per_iteration, cfg.new_prompts)
        samples = stages.sample(ctx, f"{it}/sample", prompts, cfg.sampling.params(n=cfg.n_samples))
        judgments = stages.judge(ctx, f"{it}/judge", judge, prompts, samples)
        pairs, pair_stats = max_min_pairs(prompts, samples, judgments, min_valid=cfg.min_valid)
        hook_stats = {}
        if pair_hook is not None:
            pairs, hook_stats = pair_hook(t, prompts, pairs)
        # How often the pairs' chosen response is really the better one: places a self-judging
        # method on the controls' dose-response curve.
        pair_stats = {**pair_stats, **oracle_agreement(prompts, pairs), **hook_stats}
        train_stats = stages.train_pairs(ctx, f"{it}/train", pairs, cfg.daa)  # reference = M_t
        result = stages.evaluate(ctx, f"eval/M{t + 1}", eval_judge)
        ctx.log_iteration(iteration_log(t, pair_stats, judgments, pairs, samples, train_stats, result))
        kept.append(len(pairs))
        identical += sum(p.chosen == p.rejected for p in pairs)
    return {**result, "highlights": {"pairs by iteration": "/".join(map(str, kept)), "identical-text pairs": identical}}
