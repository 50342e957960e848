"""The shared stages methods are built from: seed model → sample → judge → pair → train →
evaluate. Each wraps one RunContext stage, so its output is persisted and a re-run resumes."""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

from omegaconf import OmegaConf

from .cache import cached_folder
from .evaluation.annotators import build_annotator
from .evaluation.judge_accuracy import judge_accuracy
from .evaluation.winrate import win_rate
from .inputs import input_digests
from .records import Judgment, PreferencePair, PromptRecord, SFTExample, Sample
from .sampling.base import SamplingKnobs, SamplingParams
from .training.daa import loss_normalise, pair_logps, train_daa
from .training.losses import REFERENCE_FREE_LOSSES
from .training.sft import train_sft


def _plain(node):
    return OmegaConf.to_container(node, resolve=True) if OmegaConf.is_config(node) else node


@dataclass(frozen=True)
class SeedJudgeData:
    """The judge-training half of a method's seed data, contributed by the method: `examples(ctx)`
    builds it, and `name` with `template(ctx)` (the judge template it is rendered with) tells the
    cached seed models apart. EFT below is shared by most methods; Self-Judge and Self-J define
    theirs next to their algorithm."""

    name: str
    examples: Callable[..., list[SFTExample]]
    template: Callable[..., str] = lambda ctx: ctx.data.judge_template


def _eft_examples(ctx) -> list[SFTExample]:
    """EFT reviews (Self-Rewarding family); with seed_sft.meta_judge_examples > 0 also
    meta-judgments, which the papers' seeds lack."""
    n = ctx.cfg.seed_sft.eft_examples
    return (ctx.data.eft(n) if n else []) + ctx.data.meta_judgments(ctx.cfg.seed_sft.meta_judge_examples)


EFT = SeedJudgeData("eft", _eft_examples)


def seed_model(ctx, judge_data: SeedJudgeData = EFT) -> dict:
    """M1: the base model fine-tuned on IFT data plus the method's judge data. Built once per
    (model config and base folder, data, seed SFT knobs, judge data, judge template, world version
    and templates, seed) in the shared cache; its cost is charged to every run that uses it."""
    from .models.loading import model_folder

    cfg = ctx.cfg
    # the base folder (content-addressed for built models) keys M1 too: M1 is saved as weights on
    # top of the base's tokenizer, so a rebuilt base must never be paired with an older M1
    base = model_folder(cfg.model, cfg.store.cache, ctx.data, ctx.progress)
    key = {"model": _plain(cfg.model), "base": _within_cache(base, cfg.store.cache), "data": _plain(cfg.data),
           "seed_sft": _plain(cfg.seed_sft), "eft": cfg.seed_sft.eft_examples if judge_data is EFT else 0, "seed": int(cfg.seed),
           "template": judge_data.template(ctx), "world": ctx.data.world_identity()}
    if judge_data is not EFT:
        key["judge_data"] = judge_data.name
    digests = input_digests(OmegaConf.to_container(cfg, resolve=True))
    if digests:  # the IFT/EFT files (and a local base model) by content, not by path
        key["inputs"] = digests

    def build(out):
        policy = ctx.policy  # loading (or first building) the base model is not M1's cost
        start = time.perf_counter()
        examples: list[SFTExample] = ctx.data.ift(cfg.seed_sft.ift_examples) + judge_data.examples(ctx)
        stats = train_sft(policy, examples, cfg.seed_sft.train, cfg.model.max_length, seed=ctx.seed("seed_sft"),
                          desc=f"seed SFT (M1, {judge_data.name})", progress=ctx.progress)
        policy.save(out)
        return {"judge_data": judge_data.name, "stats": {k: v for k, v in stats.items() if k != "epochs"},
                "cost": {"train_tokens": stats["train_tokens"], "wall_s": time.perf_counter() - start}}

    folder, info = cached_folder(cfg.store.cache, "seed_sft", key, build)
    return {**ctx.adopt_checkpoint("seed_sft", folder, info), "folder": str(folder)}


def _within_cache(folder, cache_root) -> str:
    """A built base by its place in the cache (its folder name is its content key), so a cache that is
    copied or moved keeps serving its seed models; a base outside the cache stays as given."""
    folder, root = Path(folder).expanduser().absolute(), Path(cache_root).expanduser().absolute()
    return str(folder.relative_to(root)) if folder.is_relative_to(root) else str(folder)


def sample(ctx, name: str, prompts: list[PromptRecord], params: SamplingParams) -> list[Sample]:
    def compute():
        outs = ctx.sampler.generate([p.instruction for p in prompts], replace(params, seed=ctx.seed(name)), desc=name)
        return [Sample(prompt_id=p.id, index=k, text=c.text, n_tokens=c.n_tokens, finish_reason=c.finish_reason)
                for p, comps in zip(prompts, outs) for k, c in enumerate(comps)]

    return ctx.records(name, Sample, compute)


def gold_answer(prompt: PromptRecord) -> str:
    """The reference a reference-aware judge sees: the gold answer, else the reference output."""
    answer = prompt.gold if prompt.gold is not None else prompt.reference
    if answer is None:
        from .errors import DataError
        raise DataError(f"Prompt {prompt.id!r} has neither `gold` nor `reference`; a reference-aware judge needs one. "
                        f"Add a `reference` field to every row of the prompts file.")
    return answer


def judge(ctx, name: str, judge_obj, prompts: list[PromptRecord], samples: list[Sample],
          with_reference: bool = False) -> list[Judgment]:
    """Pointwise judgments of every sample; with_reference shows the judge each prompt's gold answer."""
    by_id = {p.id: p for p in prompts}

    def compute():
        extra = {"references": [gold_answer(by_id[s.prompt_id]) for s in samples]} if with_reference else {}
        with ctx.judge_calls() as calls:
            return judge_obj.score([by_id[s.prompt_id].instruction for s in samples], [s.text for s in samples],
                                   seed=ctx.seed(name), calls=calls, ids=[(s.prompt_id, s.index) for s in samples],
                                   desc=name, **extra)

    return ctx.records(name, Judgment, compute)


def train_pairs(ctx, name: str, pairs: list[PreferencePair], daa, reference=None) -> dict:
    """One DAA phase from M_t. The reference is M_t, or `reference` (a frozen Policy, e.g. the
    seed model) whose log-probs are computed when the stage runs."""
    def fit():
        max_length = ctx.cfg.model.max_length
        ref_logps = None
        if reference is not None and daa.loss not in REFERENCE_FREE_LOSSES:
            ref_logps = pair_logps(reference, reference.model, pairs, max_length, loss_normalise(daa))
        return train_daa(ctx.policy, pairs, daa, daa.train, max_length, seed=ctx.seed(name), desc=name,
                         progress=ctx.progress, reference_logps=ref_logps)

    return ctx.train(name, fit)


def frozen_policy(ctx, folder):
    """A second, frozen copy of a saved model (a fixed reference or an earlier iterate), with the
    run's tokenizer, device and dtype."""
    from .models.policy import Policy

    current = ctx.policy
    frozen = Policy.from_folder(folder, current.device, dtype=next(current.model.parameters()).dtype,
                                name=f"{current.name} (frozen)")
    for p in frozen.model.parameters():
        p.requires_grad_(False)
    return frozen


def evaluate(ctx, name: str, judge_obj=None) -> dict:
    """Greedy outputs on the evaluation prompts → win rate vs the references (annotator from
    eval.annotator), and, for methods with a judge, its accuracy on the labelled judge pairs."""
    ecfg = ctx.cfg.eval
    prompts = ctx.data.eval_prompts
    params = SamplingParams(n=1, temperature=ecfg.temperature, top_p=1.0, max_new_tokens=ecfg.max_new_tokens)
    outputs = sample(ctx, f"{name}/outputs", prompts, params)
    by_prompt = {s.prompt_id: s for s in outputs}
    texts = [by_prompt[p.id].text for p in prompts]
    wr = ctx.json(f"{name}/win_rate", lambda: win_rate(prompts, texts, run_annotator(ctx),
                                                       seed=int(ctx.cfg.seed), n_boot=ecfg.bootstrap))
    # the stage holding the per-prompt outcomes, for paired comparisons between runs
    summary = {k: v for k, v in wr.items() if k != "rows"} | {"win_rate_stage": f"{name}/win_rate"}
    summary.update(alpaca_eval_summary(ctx, name, prompts, texts))
    summary["mean_length_tokens"] = sum(s.n_tokens for s in outputs) / len(outputs)
    summary["mean_length_chars"] = sum(len(t) for t in texts) / len(texts)
    if judge_obj is not None and ecfg.judge_accuracy and ctx.data.judge_pairs:
        def accuracy():
            with ctx.judge_calls() as calls:
                return judge_accuracy(judge_obj, ctx.data.judge_pairs, seed=int(ctx.cfg.seed),
                                      judge_seed=ctx.seed(f"{name}/judge_accuracy"), calls=calls,
                                      desc=f"{name}/judge_accuracy")

        ja = ctx.json(f"{name}/judge_accuracy", accuracy)
        summary["judge"] = {k: v for k, v in ja.items() if k != "rows"}
    return summary


def run_annotator(ctx):
    """The annotator eval.annotator names (a model annotator is loaded once per process)."""
    ecfg = ctx.cfg.eval
    return build_annotator(ecfg.annotator, ecfg.annotator_model, ctx.cfg.store.cache, str(ctx.policy.device),
                           api_config=ecfg.api_annotator_config, seed=int(ctx.cfg.seed),
                           both_orders=ecfg.annotator_both_orders)


def alpaca_eval_summary(ctx, name: str, prompts, texts: list[str]) -> dict:
    """alpaca_eval's raw and length-controlled win rate of these outputs (eval.alpaca_eval), with
    the run's annotator; {} when turned off."""
    ecfg = ctx.cfg.eval
    if not ecfg.alpaca_eval:
        return {}
    from .evaluation.alpaca import alpaca_eval_scores

    scores = ctx.json(f"{name}/alpaca_eval", lambda: alpaca_eval_scores(
        prompts, texts, run_annotator(ctx), generator=ctx.cfg.method.name, seed=int(ctx.cfg.seed), gamed=ecfg.lc_gamed))
    return {"lc_win_rate": scores["lc_win_rate"], "alpaca_eval": scores}


def eval_candidates(ctx, name: str, n: int, knobs: SamplingKnobs) -> list[Sample]:
    """N sampled outputs per evaluation prompt, for inference-time selection (best-of-N, tournament)."""
    return sample(ctx, f"{name}/candidates", ctx.data.eval_prompts, knobs.params(n=n))


def selection_win_rates(ctx, name: str, candidates: list[Sample],
                        picks: dict[str, dict[str, int]]) -> tuple[dict, dict[str, dict[str, float]]]:
    """Win rate vs the references of the candidate a selection rule picked, for each N:
    picks[str(N)][prompt_id] = the picked candidate's index. Persisted per N. Returns the summary
    per N and, per N, each prompt's win (1, 0.5 or 0) for analyses that need them by prompt."""
    ecfg = ctx.cfg.eval
    prompts = ctx.data.eval_prompts
    by_key = {(s.prompt_id, s.index): s for s in candidates}
    out, wins = {}, {}
    for n, chosen in sorted(picks.items(), key=lambda kv: int(kv[0])):
        picked = [by_key[(p.id, chosen[p.id])] for p in prompts]
        texts = [s.text for s in picked]
        wr = ctx.json(f"{name}/win_rate_n{n}", lambda: win_rate(prompts, texts, run_annotator(ctx),
                                                                 seed=int(ctx.cfg.seed), n_boot=ecfg.bootstrap))
        out[str(n)] = {**{k: v for k, v in wr.items() if k != "rows"}, "win_rate_stage": f"{name}/win_rate_n{n}",
                       **alpaca_eval_summary(ctx, f"{name}/n{n}", prompts, texts),
                       "mean_length_tokens": sum(s.n_tokens for s in picked) / len(picked),
                       "mean_length_chars": sum(len(t) for t in texts) / len(texts)}
        wins[str(n)] = {r["prompt_id"]: r["win"] for r in wr["rows"]}
    return out, wins


def with_selection(greedy: dict, by_n: dict, best_of: int, rule: str) -> dict:
    """The run's headline summary when the method selects at inference time: the win rate of
    its selection at N = best_of (greedy when best_of is 1), with the greedy result and the
    whole win-rate-vs-N curve kept beside it."""
    curve = {n: {"win_rate": r["win_rate"], "win_rate_ci": r["win_rate_ci"], "n": r["n"]} for n, r in by_n.items()}
    note = {"win rate by N": " ".join(f"{n}:{r['win_rate']:.1f}" for n, r in curve.items())}
    if best_of <= 1:
        return {**greedy, "decoding": "greedy", "win_rate_vs_n": curve, "highlights": note}
    head = by_n[str(best_of)]
    greedy_part = {k: greedy[k] for k in ("win_rate", "win_rate_ci", "mean_length_tokens") if k in greedy}
    return {**greedy, **head, "decoding": f"{rule}@{best_of}", "greedy": greedy_part, "win_rate_vs_n": curve,
            "highlights": note}


def capability(ctx) -> dict:
    """lm-eval on the seed model and the final model (eval.lm_eval_tasks), and their difference.
    The world's local tasks are written into the run folder, so the run scores offline."""
    from .evaluation.capability import WORLD_TASKS, capability_deltas, lm_eval_scores, write_world_tasks

    ecfg = ctx.cfg.eval
    tasks = list(ecfg.lm_eval_tasks)
    folders = ctx.model_folders()
    seed_folder, final_folder = folders.get("seed_sft"), list(folders.values())[-1] if folders else None
    if seed_folder is None:
        from .errors import ConfigError
        raise ConfigError("eval.lm_eval_tasks needs a run that starts from the seed model (stage seed_sft).")
    include = None
    if any(t in WORLD_TASKS for t in tasks):
        include = str(write_world_tasks(ctx.run_dir / "lm_eval_tasks", ctx.data.world, ecfg.lm_eval_world_n))
    device = str(ctx.policy.device)

    def score(folder):
        return lambda: lm_eval_scores(str(folder), tasks, include, device=device, limit=ecfg.lm_eval_limit)

    seed = ctx.json("eval/lm_eval/seed", score(seed_folder))
    final = seed if final_folder == seed_folder else ctx.json("eval/lm_eval/final", score(final_folder))
    return {"tasks": tasks, "seed": seed, "final": final, "delta": capability_deltas(seed, final)}
