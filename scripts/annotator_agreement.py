"""How a model annotator compares with the world's oracle on the comparisons behind a win rate:
each run's final greedy outputs vs the references, in a seeded random order per prompt, read
twice: the usual single forward pass, and both orders averaged (eval.annotator_both_orders).
For each reading: agreement with the oracle on the comparisons the oracle decides (not a draw; the
annotator's verdict is its more likely side), and position bias, the share of all comparisons in
which it picks the output shown first. Writes a markdown table (one row per run, then all runs
pooled, 95% bootstrap CIs) and names its commit and command in results/PROVENANCE.json.

    python scripts/annotator_agreement.py runs/comparison/*/tiny/seed0-* --out results/annotator-sanity.md
"""

from __future__ import annotations

import argparse
import random
import shlex
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

BIAS_FLAG = 0.8  # an annotator that picks the first-shown output more often than this is flagged


def _cell(values: list[float], seed: int, bold_above: float | None = None) -> str:
    from harness.stats import estimate

    est = estimate(values, seed=seed)
    text = f"{100 * est.value:.1f} [{100 * est.ci_low:.1f}, {100 * est.ci_high:.1f}]"
    return f"**{text}**" if bold_above is not None and est.value > bold_above else text


def main() -> None:
    from harness.alpaca_cli import run_outputs
    from harness.evaluation.annotators import OracleAnnotator, build_annotator
    from harness.results_provenance import record

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="+", type=Path)
    parser.add_argument("--annotator-model", default=None, help="default: SmolLM2-135M-Instruct (offline)")
    parser.add_argument("--cache", default="~/.cache/selfalign")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=None, help="also write the table here (results/... is vouched for)")
    args = parser.parse_args()
    oracle = OracleAnnotator()
    readings = {"one order": build_annotator("model", args.annotator_model, args.cache),
                "both orders": build_annotator("model", args.annotator_model, args.cache, both_orders=True)}
    lines = ["| generator | decided by the oracle | " + " | ".join(
        f"{r}: agreement % [95% CI] | {r}: picks the first shown %" for r in readings) + " |",
        "|---|---|" + "---|---|" * len(readings)]
    pooled = {r: ([], []) for r in readings}
    for run in sorted(args.runs):
        name, prompts, outputs = run_outputs(run)
        keep = [(p, o) for p, o in zip(prompts, outputs) if p.reference is not None]
        flip = [random.Random(f"{args.seed}:{p.id}").random() < 0.5 for p, _ in keep]
        first = [p.reference if f else o for (p, o), f in zip(keep, flip)]
        second = [o if f else p.reference for (p, o), f in zip(keep, flip)]
        shown = [p for p, _ in keep]
        truth = oracle.prefer(shown, first, second)
        cells = []
        for reading, annotator in readings.items():
            verdict = annotator.prefer(shown, first, second)
            agree = [float((t < 1.5) == (v < 1.5)) for t, v in zip(truth, verdict) if t != 1.5]
            picks_first = [float(v < 1.5) for v in verdict]
            pooled[reading][0].extend(agree)
            pooled[reading][1].extend(picks_first)
            cells += [_cell(agree, args.seed), _cell(picks_first, args.seed, BIAS_FLAG)]
        decided = sum(t != 1.5 for t in truth)
        lines.append(f"| {name} | {decided} | " + " | ".join(cells) + " |")
    cells = [c for reading in readings for c in (_cell(pooled[reading][0], args.seed),
                                                  _cell(pooled[reading][1], args.seed, BIAS_FLAG))]
    lines.append(f"| all | {len(pooled['one order'][0])} | " + " | ".join(cells) + " |")
    command = "python scripts/annotator_agreement.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        note = (f"Position bias above {100 * BIAS_FLAG:.0f}% is in bold. Annotator: "
                f"{args.annotator_model or 'SmolLM2-135M-Instruct (offline)'}; outputs: each run's greedy answers "
                f"against the world's references, order drawn per prompt with seed {args.seed}.\n\n"
                f"Regenerate: `{command}`\n")
        args.out.write_text("# Model annotator vs the oracle\n\n" + text + "\n" + note)
        record([args.out], command)


if __name__ == "__main__":
    main()
