"""How close `selfalign plan` comes to what runs really cost: for every method of a store of runs
(the comparison's, by default), the bill calibrated on the other seeds' runs predicts one seed's
run from its config alone, and is compared with what that run recorded, counter by counter, for
the method's cost and the evaluation's. Cache hits are shown beside: a call served from the
judgment cache is not counted by the run, while the bill counts every call cold.

    python scripts/plan_accuracy.py --runs runs/comparison --seed 4 --out results/plan-accuracy.md
"""

from __future__ import annotations

import argparse
import json
import shlex
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> None:
    from omegaconf import OmegaConf

    from harness.planning.bill import COUNTERS, measured, price, totals
    from harness.results_provenance import record
    from harness.store import atomic_write_text

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=Path, default=Path("runs/comparison"))
    parser.add_argument("--sweep", default="methods", help="the sweep whose runs.txt lists the runs (scripts/comparison.py)")
    parser.add_argument("--seed", type=int, default=4, help="the seed predicted; the others calibrate")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    listing = args.runs / "sweeps" / args.sweep / "runs.txt"
    if not listing.exists():
        sys.exit(f"plan_accuracy: {listing} not found; run python scripts/comparison.py first")
    runs = [Path(line.strip()) for line in listing.read_text().splitlines() if line.strip()]
    metrics = {d: json.loads((d / "metrics.json").read_text()) for d in runs if (d / "metrics.json").exists()}
    lines = ["| method | part | counter | bill | recorded | error % | cache hits |", "|---|---|---|---|---|---|---|"]
    for d, m in sorted(metrics.items(), key=lambda kv: kv[1]["method"]):
        if m["seed"] != args.seed:
            continue
        calibration = [e for e, o in metrics.items() if o["method"] == m["method"] and o["seed"] != args.seed]
        bill = price(OmegaConf.load(d / "config.yaml"), measured(calibration, m["method"], m["model"]))
        for part, evaluation in (("cost", False), ("eval_cost", True)):
            planned = totals(bill, evaluation)
            for k in COUNTERS:
                real = m[part].get(k, 0)
                if not real and not planned[k]:
                    continue
                error = "–" if not real else f"{100 * (planned[k] - real) / real:+.1f}"
                lines.append(f"| {m['method']} | {part} | {k} | {planned[k]:,.0f} | {real:,.0f} | {error} "
                             f"| {m[part].get('judge_cache_hits', 0):,} |")
    command = "python scripts/plan_accuracy.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        note = (f"Seed {args.seed} of each method predicted by the bill calibrated on the other seeds' runs "
                f"({args.runs}/sweeps/{args.sweep}). Regenerate: `{command}`\n")
        atomic_write_text(args.out, "# The compute bill against real runs\n\n" + text + "\n" + note)
        record([args.out], command)


if __name__ == "__main__":
    main()
