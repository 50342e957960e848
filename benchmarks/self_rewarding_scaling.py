"""How the cost of one Self-Rewarding iteration grows with the prompt set: wall time of iteration
1's stages (new prompts, sampling N = 4 responses, K = 3 rubric judgments each, pairing, DPO) at
three sizes of `method.prompts_per_iteration`, default config otherwise (tiny model, world), warm
model cache. A least-squares line through the per-run times gives seconds per prompt and R²
(goal: linear, R² near 1, small intercept).

    python benchmarks/self_rewarding_scaling.py [--sizes 16 32 64] [--repeats 2]
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

from models import compose
from report import fmt_ci, machine, write_section


def iteration_seconds(size: int, cache: str) -> tuple[float, dict]:
    from harness.runner import run_job

    cfg = compose("method=self_rewarding", "method.iterations=1", f"method.prompts_per_iteration={size}",
                  f"store.root={tempfile.mkdtemp(prefix='bench-scaling-')}", f"store.cache={cache}", "progress=false",
                  "eval.judge_accuracy=false", "eval.alpaca_eval=false", "store.judgment_cache=false")
    run = Path(run_job(cfg))
    by_stage = {}
    for done in (run / "stages" / "iter1").glob("*/_done.json"):
        by_stage[done.parent.name] = json.loads(done.read_text())["cost"]["wall_s"]
    return sum(by_stage.values()), by_stage


def fit(xs: list[float], ys: list[float]) -> tuple[float, float, float]:
    n, mx, my = len(xs), sum(xs) / len(xs), sum(ys) / len(ys)
    sxx = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
    intercept = my - slope * mx
    ss_res = sum((y - intercept - slope * x) ** 2 for x, y in zip(xs, ys))
    ss_tot = sum((y - my) ** 2 for y in ys) or 1.0
    return slope, intercept, 1 - ss_res / ss_tot if n > 2 else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", nargs="+", type=int, default=[16, 32, 64])
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    cache = os.environ.get("SELFALIGN_CACHE", "~/.cache/selfalign")
    iteration_seconds(args.sizes[0], cache)  # builds anything missing from the cache: not timed
    rows, xs, ys = [], [], []
    for size in args.sizes:
        runs = [iteration_seconds(size, cache) for _ in range(args.repeats)]
        totals = [t for t, _ in runs]
        xs += [size] * len(totals)
        ys += totals
        stages = sorted({s for _, st in runs for s in st})
        split = ", ".join(f"{s} {sum(st.get(s, 0) for _, st in runs) / len(runs):.1f}" for s in stages)
        rows.append(f"| {size} | {fmt_ci(totals)} | {fmt_ci([t / size for t in totals], 3)} | {split} |")
    slope, intercept, r2 = fit(xs, ys)
    lines = [f"## Self-Rewarding iteration scaling (`python benchmarks/self_rewarding_scaling.py --sizes {' '.join(map(str, args.sizes))} --repeats {args.repeats}`)",
             "", f"Machine: {machine()}. One iteration, N = 4 samples, K = 3 judgments, tiny model; {args.repeats} runs per "
             "size, mean [95% t CI].", "",
             "| prompts | iteration s | s per prompt | mean s per stage |", "|---|---|---|---|", *rows, "",
             f"Least-squares fit over {len(xs)} runs: {slope:.3f} s per prompt + {intercept:.1f} s, R² = {r2:.3f}."]
    write_section("self_rewarding_scaling", "\n".join(lines))


if __name__ == "__main__":
    main()
