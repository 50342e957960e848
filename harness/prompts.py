"""Where each iteration's fresh training prompts come from.

`dataset`: the next unused slice of the training prompt pool (iteration t takes slice t).
`self_instruct`: the current model writes new instructions from a few-shot list of existing ones
(the Self-Rewarding paper's way); kept are non-empty, new, single-line instructions.
"""

from __future__ import annotations

import random

from .errors import ConfigError
from .records import PromptRecord
from .sampling.base import SamplingParams

FEW_SHOT_HEADER = "Here are some example tasks, one per line. Write one more task of the same kind.\n"


def dataset_slice(pool: list[PromptRecord], t: int, n: int) -> list[PromptRecord]:
    start, end = (t - 1) * n, t * n
    if end > len(pool):
        raise ConfigError(
            f"Iteration {t} needs training prompts {start}..{end - 1} but the pool has {len(pool)}. "
            f"Raise data.n_train_prompts (to at least {end}) or lower method.prompts_per_iteration."
        )
    return pool[start:end]


def self_instruct(sampler, pool: list[PromptRecord], n: int, seed: int, held_out: set[str],
                  shots: int = 8, max_rounds: int = 4, max_new_tokens: int = 40) -> list[PromptRecord]:
    rng = random.Random(seed)
    seen = {p.instruction for p in pool} | held_out
    made: list[PromptRecord] = []
    for round_ in range(max_rounds):
        wanted = 2 * (n - len(made))
        requests = []
        for _ in range(wanted):
            examples = rng.sample(pool, min(shots, len(pool)))
            requests.append(FEW_SHOT_HEADER + "".join(f"Task: {e.instruction}\n" for e in examples) + "Task:")
        outs = sampler.generate(requests, SamplingParams(n=1, temperature=1.0, top_p=0.9,
                                                         max_new_tokens=max_new_tokens, seed=seed + round_),
                                desc="self-instruct prompts")
        for comps in outs:
            text = comps[0].text.strip().removeprefix("Task:").strip().split("\n")[0].strip()
            if text and text not in seen and len(made) < n:
                seen.add(text)
                made.append(PromptRecord(id=f"self-instruct-{seed}-{len(made)}", instruction=text, family="self_instruct"))
        if len(made) >= n:
            break
    return made


def fresh_prompts(ctx, name: str, t: int, n: int, mode: str) -> list[PromptRecord]:
    if mode == "dataset":
        return ctx.records(name, PromptRecord, lambda: dataset_slice(ctx.data.train_prompts, t, n))
    held_out = {p.instruction for p in ctx.data.eval_prompts}
    return ctx.records(name, PromptRecord, lambda: self_instruct(ctx.sampler, ctx.data.train_prompts, n,
                                                                 ctx.seed(name), held_out))
