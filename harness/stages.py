"""The shared stages methods are built from: seed model → sample → judge → pair → train →
evaluate. Each wraps one RunContext stage, so its output is persisted and a re-run resumes."""

from __future__ import annotations

import time
from dataclasses import replace

from omegaconf import OmegaConf

from .cache import cached_folder
from .evaluation.annotators import build_annotator
from .evaluation.judge_accuracy import pointwise_judge_accuracy
from .evaluation.winrate import win_rate
from .records import Judgment, PreferencePair, PromptRecord, SFTExample, Sample
from .sampling.base import SamplingParams
from .training.daa import train_daa
from .training.sft import train_sft


def _plain(node):
    return OmegaConf.to_container(node, resolve=True) if OmegaConf.is_config(node) else node


def seed_model(ctx, eft: bool = True) -> dict:
    """M1: the base model fine-tuned on IFT (+ EFT) data. Built once per (model, data, seed SFT
    knobs, seed) in the shared cache; its cost is charged to every run that uses it."""
    cfg = ctx.cfg
    n_eft = cfg.seed_sft.eft_examples if eft else 0
    key = {"model": _plain(cfg.model), "data": _plain(cfg.data), "seed_sft": _plain(cfg.seed_sft),
           "eft": n_eft, "seed": int(cfg.seed), "template": ctx.data.judge_template}

    def build(out):
        policy = ctx.policy  # loading (or first building) the base model is not M1's cost
        start = time.perf_counter()
        examples: list[SFTExample] = ctx.data.ift(cfg.seed_sft.ift_examples) + (ctx.data.eft(n_eft) if n_eft else [])
        stats = train_sft(policy, examples, cfg.seed_sft.train, cfg.model.max_length, seed=ctx.seed("seed_sft"),
                          desc="seed SFT (M1)", progress=ctx.progress)
        policy.save(out)
        return {"stats": {k: v for k, v in stats.items() if k != "epochs"},
                "cost": {"train_tokens": stats["train_tokens"], "wall_s": time.perf_counter() - start}}

    folder, info = cached_folder(cfg.store.cache, "seed_sft", key, build)
    return ctx.adopt_checkpoint("seed_sft", folder, info)


def sample(ctx, name: str, prompts: list[PromptRecord], params: SamplingParams) -> list[Sample]:
    def compute():
        outs = ctx.sampler.generate([p.instruction for p in prompts], replace(params, seed=ctx.seed(name)), desc=name)
        return [Sample(prompt_id=p.id, index=k, text=c.text, n_tokens=c.n_tokens, finish_reason=c.finish_reason)
                for p, comps in zip(prompts, outs) for k, c in enumerate(comps)]

    return ctx.records(name, Sample, compute)


def judge(ctx, name: str, judge_obj, prompts: list[PromptRecord], samples: list[Sample]) -> list[Judgment]:
    by_id = {p.id: p for p in prompts}

    def compute():
        judge_obj.seed = ctx.seed(name)
        before = judge_obj.judge_calls
        out = judge_obj.score([by_id[s.prompt_id].instruction for s in samples], [s.text for s in samples],
                              ids=[(s.prompt_id, s.index) for s in samples], desc=name)
        ctx.count(judge_calls=judge_obj.judge_calls - before)
        return out

    return ctx.records(name, Judgment, compute)


def train_pairs(ctx, name: str, pairs: list[PreferencePair], daa) -> dict:
    return ctx.train(name, lambda: train_daa(ctx.policy, pairs, daa, daa.train, ctx.cfg.model.max_length,
                                             seed=ctx.seed(name), desc=name, progress=ctx.progress))


def evaluate(ctx, name: str, judge_obj=None) -> dict:
    """Greedy outputs on the evaluation prompts → win rate vs the references (annotator from
    eval.annotator), and, for methods with a judge, its accuracy on the labelled judge pairs."""
    ecfg = ctx.cfg.eval
    prompts = ctx.data.eval_prompts
    params = SamplingParams(n=1, temperature=ecfg.temperature, top_p=1.0, max_new_tokens=ecfg.max_new_tokens)
    outputs = sample(ctx, f"{name}/outputs", prompts, params)
    by_prompt = {s.prompt_id: s for s in outputs}
    texts = [by_prompt[p.id].text for p in prompts]
    wr = ctx.json(f"{name}/win_rate", lambda: win_rate(prompts, texts, build_annotator(ecfg.annotator),
                                                       seed=int(ctx.cfg.seed), n_boot=ecfg.bootstrap))
    summary = {k: v for k, v in wr.items() if k != "rows"}
    summary["mean_length_tokens"] = sum(s.n_tokens for s in outputs) / len(outputs)
    summary["mean_length_chars"] = sum(len(t) for t in texts) / len(texts)
    if judge_obj is not None and ecfg.judge_accuracy and ctx.data.judge_pairs:
        def accuracy():
            judge_obj.seed = ctx.seed(f"{name}/judge_accuracy")
            before = judge_obj.judge_calls
            result = pointwise_judge_accuracy(judge_obj, ctx.data.judge_pairs, seed=int(ctx.cfg.seed),
                                              desc=f"{name}/judge_accuracy")
            ctx.count(judge_calls=judge_obj.judge_calls - before)
            return result

        ja = ctx.json(f"{name}/judge_accuracy", accuracy)
        summary["judge"] = {k: v for k, v in ja.items() if k != "rows"}
    return summary
