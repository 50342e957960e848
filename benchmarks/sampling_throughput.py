"""Sampling throughput, HF generate vs vLLM, on the tiny model and SmolLM2-135M-Instruct: 32 world
prompts, n = 4 samples each, up to 128 new tokens, T = 0.7, top-p 0.9. Tokens/s over the tokens
actually generated (a sample that ends early counts its own length), mean and 95% CI over repeats
(the first vLLM call is a warm-up and not timed). vLLM's engine start is timed separately.

    python benchmarks/sampling_throughput.py [--repeats 3] [--models tiny smollm2-135m] [--backends hf vllm]
"""

from __future__ import annotations

import argparse
import tempfile
import time

from models import load, sync_device, vllm_sampler
from report import fmt_ci, machine, mean_ci, write_section

from harness.sampling.base import SamplingParams
from harness.sampling.hf import HFSampler
from harness.world import WorldConfig, make_prompts

PARAMS = SamplingParams(n=4, temperature=0.7, top_p=0.9, max_new_tokens=128, seed=0)


def timed(sampler, prompts) -> tuple[float, int]:
    before = sampler.tokens_generated
    sync_device()
    start = time.perf_counter()
    sampler.generate(prompts, PARAMS)
    sync_device()
    return time.perf_counter() - start, sampler.tokens_generated - before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--models", nargs="+", default=["tiny", "smollm2-135m"])
    parser.add_argument("--backends", nargs="+", default=["hf", "vllm"])
    parser.add_argument("--prompts", type=int, default=32)
    args = parser.parse_args()
    prompts = [p.instruction for p in make_prompts(WorldConfig(), "eval", args.prompts)]
    rows, speeds = [], {}
    # every HF measurement first: an in-process vLLM-CPU engine pins the process's OpenMP threads,
    # which would change what HF generate measures after it
    for backend in args.backends:
        for model in args.models:
            cfg, policy, _ = load(model)
            start_s = None
            if backend == "hf":
                sampler = HFSampler(policy, batch_size=cfg.sampler.batch_size, progress=False)
            else:
                sampler = vllm_sampler(policy, cfg, tempfile.mkdtemp(prefix="bench-vllm-"))
                sampler._engine()
                start_s = sampler.engine_starts[0]
                timed(sampler, prompts)  # warm-up: first-call compilation and allocation
            runs = [timed(sampler, prompts) for _ in range(args.repeats)]
            tok_s = [tokens / seconds for seconds, tokens in runs]
            speeds[(model, backend)] = tok_s
            rows.append(f"| {model} | {backend} | {fmt_ci(tok_s)} | {fmt_ci([s for s, _ in runs])} "
                        f"| {sum(t for _, t in runs) / len(runs):.0f} | {'–' if start_s is None else f'{start_s:.1f}'} |")
            del sampler
    lines = [f"## Sampling throughput (`python benchmarks/sampling_throughput.py --repeats {args.repeats}`)", "",
             f"Machine: {machine()}. {args.prompts} prompts × n = {PARAMS.n}, ≤ {PARAMS.max_new_tokens} new tokens, "
             f"T = {PARAMS.temperature}, top-p {PARAMS.top_p}; {args.repeats} timed repeats each, mean [95% t CI].", "",
             "| model | backend | tokens/s | seconds per call | tokens per call | engine start s |",
             "|---|---|---|---|---|---|", *rows]
    for model in args.models:
        if (model, "hf") in speeds and (model, "vllm") in speeds:
            ratio = mean_ci(speeds[(model, "vllm")])[0] / mean_ci(speeds[(model, "hf")])[0]
            lines.append(f"\n{model}: vLLM / HF tokens/s = {ratio:.2f}×")
    write_section("sampling_throughput", "\n".join(lines))


if __name__ == "__main__":
    main()
