"""How often a model annotator agrees with the world's oracle on the comparisons behind a win rate:
each run's final greedy outputs vs the references, shown to both annotators in the same order.
Agreement counts the comparisons the oracle decides (not a draw); the model annotator's verdict is
its more likely side. Prints one markdown row per run plus the pooled agreement with a 95% bootstrap CI.

    python scripts/annotator_agreement.py runs/*/tiny/seed0-* [--annotator-model <folder or hub id>]
"""

from __future__ import annotations

import argparse
import random
from pathlib import Path


def main() -> None:
    from harness.alpaca_cli import run_outputs
    from harness.evaluation.annotators import OracleAnnotator, build_annotator
    from harness.stats import estimate

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--annotator-model", default=None, help="default: SmolLM2-135M-Instruct (offline)")
    parser.add_argument("--cache", default="~/.cache/selfalign")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    oracle, model = OracleAnnotator(), build_annotator("model", args.annotator_model, args.cache)
    print(f"| generator | decided by the oracle | agreement % [95% CI] | model annotator P(output 1) |\n|---|---|---|---|")
    pooled = []
    for run in args.runs:
        name, prompts, outputs = run_outputs(run)
        keep = [(p, o) for p, o in zip(prompts, outputs) if p.reference is not None]
        flip = [random.Random(f"{args.seed}:{p.id}").random() < 0.5 for p, _ in keep]
        first = [r.reference if f else o for (r, o), f in zip(keep, flip)]
        second = [o if f else r.reference for (r, o), f in zip(keep, flip)]
        shown = [p for p, _ in keep]
        truth, verdict = oracle.prefer(shown, first, second), model.prefer(shown, first, second)
        agree = [float((t < 1.5) == (v < 1.5)) for t, v in zip(truth, verdict) if t != 1.5]
        pooled += agree
        est = estimate(agree, seed=args.seed)
        p_first = sum(v < 1.5 for v in verdict) / len(verdict)
        print(f"| {name} | {len(agree)} | {100 * est.value:.1f} [{100 * est.ci_low:.1f}, {100 * est.ci_high:.1f}] "
              f"| {p_first:.2f} |")
    est = estimate(pooled, seed=args.seed)
    print(f"| all | {len(pooled)} | {100 * est.value:.1f} [{100 * est.ci_low:.1f}, {100 * est.ci_high:.1f}] | |")


if __name__ == "__main__":
    main()
