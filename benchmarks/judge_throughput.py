"""Rubric-judge throughput (judgments/s): Self-Rewarding's judge (additive 5-point rubric, K = 3
samples of up to 48 tokens, T = 0.7) on 32 world responses, with HF generate, with vLLM with and
without prefix caching, and with a warm judgment cache (every judgment served from
judgments.sqlite). A judgment is one (response, sample); mean and 95% CI over repeats.

    python benchmarks/judge_throughput.py [--model smollm2-135m] [--repeats 3]
"""

from __future__ import annotations

import argparse
import gc
import tempfile
import time

from models import load, sync_device, vllm_sampler
from report import fmt_ci, machine, write_section

from harness.judges.judgment_cache import JudgmentCache
from harness.judges.protocol import JudgeCalls
from harness.judges.rubric import RubricJudge, RubricJudgeConfig
from harness.sampling.hf import HFSampler
from harness.world import WorldConfig, judge_test_pairs

JUDGE = RubricJudgeConfig(k=3, temperature=0.7, top_p=0.9, max_new_tokens=48)


def rate(sampler, instructions, responses, repeats: int, seed0: int = 1) -> list[float]:
    """Judgments/s over `repeats` calls, each with a new sampling seed (so a cache never helps)."""
    out = []
    for r in range(repeats):
        judge = RubricJudge(sampler, JUDGE)
        sync_device()
        start = time.perf_counter()
        judge.score(instructions, responses, seed=seed0 + r)
        sync_device()
        out.append(len(responses) * JUDGE.k / (time.perf_counter() - start))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--responses", type=int, default=32)
    parser.add_argument("--backends", nargs="+", default=["hf", "vllm"])
    args = parser.parse_args()
    pairs = judge_test_pairs(WorldConfig(), args.responses)
    instructions, responses = [p.prompt for p in pairs], [p.response_a for p in pairs]
    cfg, policy, _ = load(args.model)
    rows = []
    hf = HFSampler(policy, batch_size=cfg.sampler.batch_size, progress=False)
    if "hf" in args.backends:
        rows.append(("HF generate", rate(hf, instructions, responses, args.repeats)))
    if "vllm" in args.backends:
        for prefix in (True, False):
            sampler = vllm_sampler(policy, cfg, tempfile.mkdtemp(prefix="bench-judge-"), prefix_caching=prefix)
            sampler._engine()
            rate(sampler, instructions, responses, 1, seed0=100)  # warm-up
            rows.append((f"vLLM, prefix caching {'on' if prefix else 'off'}", rate(sampler, instructions, responses, args.repeats)))
            del sampler
            gc.collect()
    # judgment cache: fill it once with HF, then the same judge (same seed) again is served from it
    hf.judgment_cache = JudgmentCache(tempfile.mkdtemp(prefix="bench-cache-"))
    RubricJudge(hf, JUDGE).score(instructions, responses, seed=7)
    rows.append(("judgment cache, warm", rate_cached(hf, instructions, responses, args.repeats)))
    lines = [f"## Rubric-judge throughput (`python benchmarks/judge_throughput.py --model {args.model} --repeats {args.repeats}`)",
             "", f"Machine: {machine()}. Model {args.model}; {args.responses} responses × K = {JUDGE.k} judgments of "
             f"≤ {JUDGE.max_new_tokens} tokens; {args.repeats} timed repeats, mean [95% t CI].", "",
             "| judge backend | judgments/s |", "|---|---|", *[f"| {name} | {fmt_ci(v)} |" for name, v in rows]]
    write_section("judge_throughput", "\n".join(lines))


def rate_cached(sampler, instructions, responses, repeats: int) -> list[float]:
    out = []
    for _ in range(repeats):
        judge, calls = RubricJudge(sampler, JUDGE), JudgeCalls()
        start = time.perf_counter()
        judge.score(instructions, responses, seed=7, calls=calls)
        assert calls.n == 0, "a warm cache must serve every judgment"
        out.append(len(responses) * JUDGE.k / (time.perf_counter() - start))
    return out


if __name__ == "__main__":
    main()
