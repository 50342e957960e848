"""Harness overhead: the share of a default `selfalign` run's wall time spent outside model
compute. Model compute = time inside the sampler (sampling and every model-based judge), inside
the training loops, and inside any other top-level model forward pass (reference log-probs,
lm-eval); nested calls are counted once. Everything else (data generation, stage bookkeeping,
persistence, annotators, statistics, model loading) is overhead. Each repeat is a fresh run of
the method in-process, on a warm model cache (the tiny base and seed models already built) and
with the judgment cache off, so every repeat samples and judges for real.

    python benchmarks/harness_overhead.py [--methods self_rewarding dpo] [--repeats 2]
"""

from __future__ import annotations

import argparse
import functools
import tempfile
import time

from models import compose
from report import fmt_ci, machine, write_section

_state = {"depth": 0, "seconds": 0.0}


def counted(fn):
    """Adds fn's wall time to the model-compute total, unless it runs inside another counted call."""
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        if _state["depth"]:
            return fn(*args, **kwargs)
        _state["depth"] += 1
        start = time.perf_counter()
        try:
            return fn(*args, **kwargs)
        finally:
            _state["seconds"] += time.perf_counter() - start
            _state["depth"] -= 1
    return wrapper


def instrument() -> None:
    from transformers import PreTrainedModel

    import harness.training.daa as daa
    import harness.training.sft as sft
    import methods.self_j.two_view as two_view
    import methods.self_judge.on_policy as on_policy
    from harness.sampling.hf import HFSampler

    for name in ("generate", "next_token_logprobs", "logprobs"):
        setattr(HFSampler, name, counted(getattr(HFSampler, name)))
    for module in (daa, on_policy, sft, two_view):
        module.optimise = counted(module.optimise)
    PreTrainedModel.__call__ = counted(PreTrainedModel.__call__)


def one_run(method: str, cache: str) -> tuple[float, float]:
    from harness.runner import run_job

    cfg = compose(f"method={method}", f"store.root={tempfile.mkdtemp(prefix='bench-runs-')}", f"store.cache={cache}",
                  "progress=false", "store.judgment_cache=false")  # every repeat judges for real
    _state["seconds"] = 0.0
    start = time.perf_counter()
    run_job(cfg)
    return time.perf_counter() - start, _state["seconds"]


def main() -> None:
    import os

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--methods", nargs="+", default=["self_rewarding", "dpo"])
    parser.add_argument("--repeats", type=int, default=2)
    args = parser.parse_args()
    cache = os.environ.get("SELFALIGN_CACHE", "~/.cache/selfalign")
    instrument()
    for method in args.methods:  # a first run builds anything missing from the cache: not timed
        one_run(method, cache)
    rows = []
    for method in args.methods:
        runs = [one_run(method, cache) for _ in range(args.repeats)]
        share = [100 * (wall - compute) / wall for wall, compute in runs]
        rows.append(f"| {method} | {fmt_ci([w for w, _ in runs], 0)} | {fmt_ci([c for _, c in runs], 0)} | {fmt_ci(share)} |")
    lines = [f"## Harness overhead (`python benchmarks/harness_overhead.py --methods {' '.join(args.methods)} --repeats {args.repeats}`)",
             "", f"Machine: {machine()}. Default config (tiny model, world), warm model cache; {args.repeats} runs per "
             "method after an untimed one, mean [95% t CI]. Goal: overhead under 10% of wall time.", "",
             "| method | wall s | model compute s | overhead % |", "|---|---|---|---|", *rows]
    write_section("harness_overhead", "\n".join(lines))


if __name__ == "__main__":
    main()
