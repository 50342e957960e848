"""Meta-Rewarding Language Models (Wu et al., 2024): one model is actor, judge and meta-judge.

M1 = the base fine-tuned on IFT + EFT data. For t = 1..T:
    samples     ← K responses per prompt from M_t (T=0.8, top_p=0.95), duplicates removed
    judgments   ← M_t judges each response N times with the additive rubric; mean of valid scores
    actor pairs ← length-controlled: shortest response near the top score vs longest near the
                  bottom, with weight ρ_t from the schedule
    judge pairs ← (iterations with judge training) for the response whose N scores vary most,
                  M_t meta-judges every pair of its distinct judgments in both orders; a
                  position-weighted Bradley–Terry score ranks the judgments; best vs worst,
                  dropping equal scores and over-long chosen judgments, then downsampling
                  over-represented chosen scores (each score value keeps at most
                  ceil(score_cap · n) of the n judge pairs; seeded)
    M_{t+1}     ← DPO(β=0.1) on actor + judge pairs from M_t, reference = M_t
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Optional

from harness import stages
from harness.config import check
from harness.judges.meta_judge import MetaJudge, MetaJudgeConfig
from harness.judges.oracle import oracle_agreement
from harness.judges.parsing import parse_score
from harness.judges.rubric import RubricJudge, RubricJudgeConfig
from harness.judges.templates import render
from harness.prompts import fresh_prompts
from harness.records import PreferencePair
from harness.registry import register_method
from harness.sampling.base import SamplingKnobs
from harness.training.daa_config import DAAConfig
from methods.self_rewarding import rubric_template

from .actor_pairs import dedupe_samples, length_controlled_pairs
from .judge_ranking import (
    all_order_comparisons,
    bradley_terry,
    distinct_judgments,
    judgment_variance,
    score_cap_filter,
    score_cap_limit,
    weighted_win_matrix,
)
from .plan import plan as compute_bill


@dataclass
class MetaRewardingConfig:
    name: str = "meta_rewarding"
    iterations: int = 4  # paper: 4
    # fresh training prompts per iteration (paper: thousands; small so the default sweep fits 15 min)
    prompts_per_iteration: int = 24
    new_prompts: str = "dataset"  # dataset | self_instruct
    n_samples: int = 7  # K responses per prompt, duplicates removed (paper: 7)
    sampling: SamplingKnobs = field(default_factory=lambda: SamplingKnobs(temperature=0.8, top_p=0.95, max_new_tokens=32))  # paper
    judge: RubricJudgeConfig = field(default_factory=lambda: RubricJudgeConfig(k=11))  # the additive rubric, N=11 (paper)
    rho: list = field(default_factory=lambda: [0.0, 0.32, 0.32, 0.4])  # length-control weight per iteration (0 = best vs worst)
    train_judge: list = field(default_factory=lambda: [1, 2])  # iterations that also train on meta-judged judge pairs
    meta_judge: MetaJudgeConfig = field(default_factory=MetaJudgeConfig)
    max_chosen_judgment_chars: int = 400  # drop judge pairs whose chosen judgment is longer than this
    # The meta-judge favours high scores, so each chosen-judgment score value keeps at most ceil(score_cap · n)
    # of the n judge pairs, the excess dropped at random (seeded); values under the limit keep all (with 0.4,
    # [5, 4] keeps both). None or 1.0 = off
    score_cap: Optional[float] = 0.4
    daa: DAAConfig = field(default_factory=DAAConfig)  # paper: DPO, β = 0.1; the shared recipe: results/controls.md

    def validate(self):
        check(self.iterations, self.iterations >= 1, "method.iterations", "at least 1 iteration")
        check(self.rho, len(self.rho) >= self.iterations and all(0 <= r <= 0.5 for r in self.rho), "method.rho",
              f"a list of at least method.iterations={self.iterations} weights in [0, 0.5]")
        check(self.train_judge, all(1 <= t <= self.iterations for t in self.train_judge), "method.train_judge",
              f"iteration numbers between 1 and {self.iterations}")
        check(self.n_samples, self.n_samples >= 2, "method.n_samples", "at least 2 responses per prompt")
        check(self.judge.k, self.judge.k >= 2, "method.judge.k", "at least 2 judgments per response (judge pairs need two)")
        check(self.score_cap, self.score_cap is None or 0 < self.score_cap <= 1, "method.score_cap",
              "a fraction in (0, 1] (each chosen score value keeps at most ceil(score_cap * n) of the n judge pairs), "
              "or null / 1.0 to turn the cap off")
        check(self.new_prompts, self.new_prompts in ("dataset", "self_instruct"), "method.new_prompts", "dataset or self_instruct")
        self.sampling.validate("method.sampling")
        self.daa.validate()
        return self


def meta_judge_requests(prompts, samples, judgments):
    """Per prompt, the response whose judge scores vary most and its distinct judgments; then
    every ordered pair of those judgments (both orders) as a meta-judge request."""
    by_prompt = {p.id: p for p in prompts}
    texts = {(s.prompt_id, s.index): s.text for s in samples}
    picked = {}
    for j in judgments:
        if len(j.valid_scores) >= 2 and judgment_variance(j.valid_scores) > 0:
            best = picked.get(j.prompt_id)
            if best is None or judgment_variance(j.valid_scores) > judgment_variance(best.valid_scores):
                picked[j.prompt_id] = j
    plan = []
    for pid, j in picked.items():
        judged = distinct_judgments(j.raw, parse_score)
        if len(judged) < 2:
            continue
        instruction, response = by_prompt[pid].instruction, texts[(pid, j.index)]
        plan.append({"prompt_id": pid, "instruction": instruction, "response": response, "judgments": judged,
                     "comparisons": all_order_comparisons(len(judged))})
    return plan


def judge_pairs(plan, verdicts, cfg, judge_template, seed: int = 0) -> tuple[list[PreferencePair], dict]:
    """Best vs worst judgment of each planned response by position-weighted Bradley–Terry, then
    the score cap (`seed` picks which over-represented pairs it drops)."""
    pairs, chosen_scores, dropped_equal, dropped_long, dropped_no_verdict = [], [], 0, 0, 0
    position1 = decided = higher_score_wins = score_decided = 0
    for item, its_verdicts in zip(plan, verdicts):
        comps = [(i, j, v) for (i, j), v in zip(item["comparisons"], its_verdicts)]
        for i, j, v in comps:
            if v is None:
                continue
            decided += 1
            position1 += v == 1
            si, sj = item["judgments"][i][1], item["judgments"][j][1]
            if si != sj:
                score_decided += 1
                winner_score = si if v == 1 else sj
                higher_score_wins += winner_score == max(si, sj)
        if all(v is None for _, _, v in comps):
            dropped_no_verdict += 1  # the meta-judge never named a winner: nothing to rank
            continue
        strength = bradley_terry(weighted_win_matrix(len(item["judgments"]), comps))
        best = max(range(len(strength)), key=lambda k: (strength[k], -k))
        worst = min(range(len(strength)), key=lambda k: (strength[k], k))
        (best_text, best_score), (worst_text, worst_score) = item["judgments"][best], item["judgments"][worst]
        if best_score == worst_score:
            dropped_equal += 1
            continue
        if len(best_text) > cfg.max_chosen_judgment_chars:
            dropped_long += 1
            continue
        prompt = render(judge_template, instruction=item["instruction"], response=item["response"])
        pairs.append(PreferencePair(prompt_id=item["prompt_id"], prompt=prompt, chosen=best_text, rejected=worst_text,
                                    chosen_score=best_score, rejected_score=worst_score, source="meta_judged"))
        chosen_scores.append(best_score)
    keep = score_cap_filter(chosen_scores, cfg.score_cap, seed=seed)
    stats = {"judge_pairs_candidates": len(plan), "judge_pairs_kept": len(keep), "judge_pairs_dropped_equal_score": dropped_equal,
             "judge_pairs_dropped_long": dropped_long, "judge_pairs_dropped_no_verdict": dropped_no_verdict,
             "judge_pairs_before_score_cap": len(pairs), "judge_pairs_dropped_score_cap": len(pairs) - len(keep),
             "judge_pairs_score_cap_limit": score_cap_limit(len(pairs), cfg.score_cap),
             "judge_pairs_chosen_scores": {str(k): v for k, v in sorted(Counter(chosen_scores[i] for i in keep).items())},
             "meta_verdicts": decided, "meta_position_bias": position1 / decided if decided else None,
             "meta_score_bias": higher_score_wins / score_decided if score_decided else None}
    return [pairs[k] for k in keep], stats


@register_method("meta_rewarding", config=MetaRewardingConfig, has_judge=True, judge_template=rubric_template,
                 plan=compute_bill)
def run(ctx) -> dict:
    cfg = ctx.method_cfg
    stages.seed_model(ctx)
    judge = RubricJudge(ctx.sampler, cfg.judge)
    meta = MetaJudge(ctx.sampler, cfg.meta_judge)
    result = stages.evaluate(ctx, "eval/M1", judge)
    ctx.log_iteration({"iteration": 0, "model": "M1", "eval": result})
    actor_kept, judge_kept = [], []

    for t in range(1, cfg.iterations + 1):
        it, rho = f"iter{t}", cfg.rho[t - 1]
        prompts = fresh_prompts(ctx, f"{it}/prompts", t, cfg.prompts_per_iteration, cfg.new_prompts)
        samples = dedupe_samples(stages.sample(ctx, f"{it}/sample", prompts, cfg.sampling.params(n=cfg.n_samples)))
        judgments = stages.judge(ctx, f"{it}/judge", judge, prompts, samples)
        actor, actor_stats = length_controlled_pairs(prompts, samples, judgments, rho=rho)
        judged, judge_stats = [], {}
        if t in cfg.train_judge:
            plan = meta_judge_requests(prompts, samples, judgments)
            verdicts = ctx.json(f"{it}/meta_judge", lambda: {"verdicts": meta_verdicts(ctx, meta, plan, f"{it}/meta_judge")})
            judged, judge_stats = judge_pairs(plan, verdicts["verdicts"], cfg, cfg.judge.template,
                                              seed=ctx.seed(f"{it}/score_cap"))
        train_stats = stages.train_pairs(ctx, f"{it}/train", actor + judged, cfg.daa)
        result = stages.evaluate(ctx, f"eval/M{t + 1}", judge)
        lengths = [s.n_tokens for s in samples]
        ctx.log_iteration({"iteration": t, "model": f"M{t + 1}", "rho": rho, "train_judge": t in cfg.train_judge,
                           **actor_stats, **oracle_agreement(prompts, actor), **judge_stats, "judge_pairs_trained": len(judged), "unique_samples": len(samples),
                           "mean_sample_tokens": sum(lengths) / len(lengths) if lengths else None,
                           "score_histogram": dict(Counter(str(round(s)) for j in judgments for s in j.valid_scores)),
                           "train": train_stats, "eval": result})
        actor_kept.append(len(actor))
        if t in cfg.train_judge:
            judge_kept.append((t, len(judged)))
    return {**result, "highlights": {"actor pairs by iteration": "/".join(map(str, actor_kept)),
                                     "judge pairs by iteration": judge_pairs_note(judge_kept)}}


def judge_pairs_note(kept: list[tuple[int, int]]) -> str:
    """The leaderboard note on judge training: judge pairs trained in each `train_judge`
    iteration, saying so plainly when some or all of them trained on none."""
    if not kept:
        return "none (train_judge is empty: no judge training)"
    counts = "/".join(str(n) for _, n in kept)
    empty = [t for t, n in kept if n == 0]
    if len(empty) == len(kept):
        return f"{counts} (no judge training happened)"
    if empty:
        return f"{counts} (no judge pairs in iteration {', '.join(map(str, empty))})"
    return counts


def meta_verdicts(ctx, meta, plan, name) -> list[list[int | None]]:
    requests = [(item["instruction"], item["response"], item["judgments"][i][0], item["judgments"][j][0])
                for item in plan for i, j in item["comparisons"]]
    with ctx.judge_calls() as calls:
        flat = meta.verdicts(requests, seed=ctx.seed(name), calls=calls, desc=name)
    out, k = [], 0
    for item in plan:
        n = len(item["comparisons"])
        out.append([v for v, _ in flat[k:k + n]])
        k += n
    return out
