"""Self-Judge: aligning with on-policy self-judgment (Lee et al., 2024).

Stage A, JSFT   M1 ← the base fine-tuned on IFT data + pairwise judgments (every offline
                preference pair as "which is better, A or B?", in both orders)
Stage B         one DAA phase from M1, reference = M1, over the training prompts; at every step
                (refresh=step) or epoch (refresh=epoch):
                    y1, y2 ← 2 samples per prompt from the CURRENT weights (T=1.0, top_p=0.9)
                    score(y1) = (P(A | y1 first) + P(B | y1 second)) / 2 read by the FROZEN M1
                    chosen = the higher score (no pair is dropped)
Stage C         at inference, N samples, a knock-out tournament judged by the trained model picks
                one (N - 1 comparisons, both orders each); win rate reported against N

Backends in stage B. The on-policy samples come from the run's sampler (`sampler.backend`), which
is handed the current weights through its one weight-sync call (`ctx.sampler`, i.e.
`sync_weights(policy)`) before every refresh: the HF backend reads the live network, so that is
free; a vLLM engine compares a weights fingerprint and reloads only when the weights moved. The
frozen judge always runs on the HF backend, over the reference network the training stage
already holds in memory (the JSFT model: a deep copy, or the LoRA adapter disabled). It needs one
forward pass per order and no decoding, so an engine gains little there, while serving it with
vLLM would take a second engine (the run's engine serves the policy being trained) holding
another copy of the model in GPU memory, or reloading one engine between policy and judge
weights twice per refresh. The judge's weights never change in stage B, so HF cannot serve
stale ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from harness import stages
from harness.config import TrainConfig, check
from harness.data.provider import DataProvider
from harness.judges.oracle import oracle_agreement
from harness.judges.pairwise import PairwiseLogitJudge
from harness.judges.protocol import JudgeCalls
from harness.prompts import fresh_prompts
from harness.records import PreferencePair
from harness.registry import register_method
from harness.sampling.base import SamplingKnobs
from harness.sampling.hf import HFSampler
from harness.selection import InferenceConfig, tournaments
from harness.training.daa_config import DAAConfig

from .on_policy import REFRESH_MODES, train_on_policy_daa
from .plan import plan

# Stage A's judge data: every offline preference pair as "which is better, A or B?", in both
# orders, so the label is not tied to a position.
JSFT_JUDGMENTS = stages.SeedJudgeData(
    "pairwise", lambda ctx: DataProvider.pairwise_judgments_of(ctx.data.preference_pairs, ctx.cfg.method.judge_template),
    template=lambda ctx: ctx.cfg.method.judge_template)


@dataclass
class SelfJudgeConfig:
    name: str = "self_judge"
    prompts: int = 256  # training prompts of stage B (one epoch = one pass over them, each re-sampled)
    refresh: str = "step"  # step | epoch: redraw the on-policy samples every optimiser step or epoch
    # stage B samples, 2 per prompt (paper: T=1.0, top_p=0.9, up to 768 new tokens on Llama-2-7B)
    sampling: SamplingKnobs = field(default_factory=lambda: SamplingKnobs(temperature=1.0, top_p=0.9, max_new_tokens=32))
    judge_template: str = "pairwise_ab_v1"  # the A/B question; the answer token follows "Winner:"
    # dpo | ipo | hinge (paper: DPO, β = 0.1, 3 epochs; LoRA r8/α16 on Llama-2-7B at lr 5e-6, here a full fine-tune)
    daa: DAAConfig = field(default_factory=lambda: DAAConfig(train=TrainConfig(epochs=3)))
    inference: InferenceConfig = field(default_factory=InferenceConfig)  # stage C: tournament among N samples

    def validate(self):
        check(self.prompts, self.prompts >= 1, "method.prompts", "a positive number of training prompts")
        check(self.refresh, self.refresh in REFRESH_MODES, "method.refresh", "step or epoch")
        check(self.daa.loss, self.daa.loss in ("dpo", "ipo", "hinge"), "method.daa.loss",
              "dpo, ipo or hinge (Self-Judge trains against the frozen JSFT reference)")
        check(self.sampling.temperature, self.sampling.temperature > 0, "method.sampling.temperature",
              "a temperature > 0 (two greedy samples would be identical)")
        self.sampling.validate("method.sampling")
        self.daa.validate()
        self.inference.validate()
        return self


def self_judged_pairs(sampler, judge_sampler_for, cfg, sample_seed: int, batch) -> tuple[list[PreferencePair], dict]:
    """Two samples per prompt from the current weights (`sampler`), judged in both orders by the
    judge that `judge_sampler_for()` yields; chosen = the higher both-order score, every pair kept."""
    params = cfg.sampling.params(n=2, seed=sample_seed)
    outs = sampler.generate([p.instruction for p in batch], params, desc="self-judge samples")
    y1, y2 = [o[0].text for o in outs], [o[1].text for o in outs]
    calls = JudgeCalls()
    with judge_sampler_for() as judge_sampler:
        judge = PairwiseLogitJudge(judge_sampler, cfg.judge_template)
        scores = judge.compare([p.instruction for p in batch], y1, y2, calls=calls)
    pairs = []
    for p, a, b, (sa, sb) in zip(batch, y1, y2, scores):
        chosen, rejected, sc, sr = (a, b, sa, sb) if sa >= sb else (b, a, sb, sa)
        pairs.append(PreferencePair(prompt_id=p.id, prompt=p.instruction, chosen=chosen, rejected=rejected,
                                    chosen_score=sc, rejected_score=sr, source="self_judged_on_policy"))
    stats = {"identical_text_pairs": sum(a == b for a, b in zip(y1, y2)),
             "score_gap": sum(p.chosen_score - p.rejected_score for p in pairs), "judge_calls": calls.n}
    return pairs, stats


def frozen_judge_sampler(policy, batch_size: int):
    """A context yielding a sampler over the open training stage's reference network: the model
    the stage started from, frozen (a deep copy, or the LoRA adapter disabled). Always the HF
    backend, whatever `sampler.backend` is: see the module docstring for why."""
    import contextlib

    @contextlib.contextmanager
    def open_():
        with policy.reference() as frozen:
            yield HFSampler(policy, batch_size=batch_size, progress=False, model=frozen)

    return open_


def self_train(ctx, prompts) -> dict:
    """Stage B: one on-policy DAA phase from M1 whose judge is M1 itself, frozen. Every refresh
    first syncs the run's sampler to the current weights, so samples are on-policy with any
    backend."""
    cfg, policy = ctx.method_cfg, ctx.policy
    seed = ctx.seed("self_train/sampling")
    totals = {"identical_text_pairs": 0, "score_gap": 0.0, "pairs": 0, "oracle_right": 0, "oracle_decided": 0}
    judge_for = frozen_judge_sampler(policy, ctx.cfg.sampler.batch_size)

    def make_pairs(batch):
        # ctx.sampler syncs the backend to the weights being trained (the harness's one sync call):
        # free for HF, a fingerprint check for vLLM that reloads only when a step moved the weights
        sampler = ctx.sampler
        pairs, stats = self_judged_pairs(sampler, judge_for, cfg, seed + totals["pairs"], batch)
        ctx.count(judge_calls=stats["judge_calls"])
        totals["pairs"] += len(pairs)
        totals["identical_text_pairs"] += stats["identical_text_pairs"]
        totals["score_gap"] += stats["score_gap"]
        agreement = oracle_agreement(batch, pairs)  # how often the frozen judge picked the better sample
        totals["oracle_decided"] += agreement["realised_judge_accuracy_pairs"]
        totals["oracle_right"] += round((agreement["realised_judge_accuracy"] or 0) * agreement["realised_judge_accuracy_pairs"])
        return pairs

    stats = train_on_policy_daa(policy, prompts, make_pairs, cfg.daa, cfg.daa.train, cfg.refresh,
                                ctx.cfg.model.max_length, seed=ctx.seed("self_train"), desc="self-judge stage B",
                                progress=ctx.progress)
    stats["identical_text_pairs"] = totals["identical_text_pairs"]
    stats["mean_score_gap"] = totals["score_gap"] / totals["pairs"] if totals["pairs"] else None
    decided = totals["oracle_decided"]
    stats["realised_judge_accuracy"] = totals["oracle_right"] / decided if decided else None
    stats["realised_judge_accuracy_pairs"] = decided
    return stats


def tournament_picks(ctx, name: str, judge, candidates, calls=None) -> dict[str, dict[str, int]]:
    """Stage C for every N of the curve: a knock-out tournament among each prompt's first N
    candidates; each round of all prompts goes to the judge as one batch."""
    cfg = ctx.method_cfg.inference
    by_prompt: dict[str, list] = {}
    for s in candidates:
        by_prompt.setdefault(s.prompt_id, []).append(s)
    instruction = {p.id: p.instruction for p in ctx.data.eval_prompts}
    picks, comparisons = {}, {}
    for n in sorted({int(n) for n in cfg.report_n} | {cfg.best_of}):
        groups = [sorted(by_prompt[pid], key=lambda s: s.index)[:n] for pid in by_prompt]

        def judge_round(matches):
            scores = judge.compare([instruction[a.prompt_id] for _, a, _ in matches],
                                   [a.text for _, a, _ in matches], [b.text for _, _, b in matches], calls=calls)
            return [sa >= sb for sa, sb in scores]

        seeds = [ctx.seed(f"{name}/n{n}/{pid}") for pid in by_prompt]
        winners, counts = tournaments(groups, judge_round, seeds)
        picks[str(n)] = {w.prompt_id: w.index for w in winners}
        comparisons[str(n)] = sum(counts)
    return {"picks": picks, "comparisons": comparisons}


@register_method("self_judge", config=SelfJudgeConfig, has_judge=True, plan=plan)
def run(ctx) -> dict:
    cfg = ctx.method_cfg
    stages.seed_model(ctx, judge_data=JSFT_JUDGMENTS)  # stage A: JSFT
    judge = PairwiseLogitJudge(ctx.sampler, cfg.judge_template)  # always the current model
    result = stages.evaluate(ctx, "eval/M1", judge)
    ctx.log_iteration({"iteration": 0, "model": "M1 (JSFT)", "eval": result})

    # beside the training stage, not inside it: a training stage's folder is cleared when it starts
    prompts = fresh_prompts(ctx, "self_train_prompts", 1, cfg.prompts, "dataset")
    train_stats = ctx.train("self_train", lambda: self_train(ctx, prompts))
    greedy = stages.evaluate(ctx, "eval/M2", judge)

    candidates = stages.eval_candidates(ctx, "eval/M2/select", cfg.inference.max_n, cfg.inference.sampling)

    def tournament():
        with ctx.judge_calls() as calls:
            return tournament_picks(ctx, "eval/M2/select", judge, candidates, calls)

    picked = ctx.json("eval/M2/select/tournament", tournament)
    by_n, _ = stages.selection_win_rates(ctx, "eval/M2/select", candidates, picked["picks"])
    summary = stages.with_selection(greedy, by_n, cfg.inference.best_of, "tournament")
    ctx.log_iteration({"iteration": 1, "model": "M2", "refresh": cfg.refresh, "train": train_stats, "eval": greedy,
                       "tournament_comparisons": picked["comparisons"], "win_rate_vs_n": summary["win_rate_vs_n"]})
    return summary
