"""The embedded comparison across seeds, with its controls: every method, plus online DPO under
the random judge and the noisy oracle at each judge accuracy p, for each seed; then one report
folder, results/report (harness/reporting: report.md/.html, the paired leaderboard, the controls,
the dose-response and the other plots with their CSVs, the papers' claims, the annotator check).

    python scripts/comparison.py                      # seeds 0-4, runs under runs/comparison
    python scripts/comparison.py --seeds 0 --report-only --runs runs/comparison
    python scripts/comparison.py --seeds 0 1 2 --out /tmp/report 'data.world.families=[alpha,second]'

Trailing Hydra overrides (a candidate world or model) apply to every run of every sweep.

The report reads only stored run directories, so --report-only re-renders it for free.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness.evaluation.comparison import SEEDS
from harness.reporting.build import build

# p < 0.5 is the adversarial end of the dose-response (a judge that mostly prefers the worse response)
ACCURACIES = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9)


# Offline labels flipped for the SeRA-vs-DPO claim: enough noise for SeRA's margin-based selection
# to have something to drop, well short of the 0.5 at which the labels carry nothing.
FLIPPED_LABELS = 0.3


def sweeps(seeds: str) -> dict[str, list[str]]:
    """Each sweep's overrides; the oracle run of the method sweep is the p = 1.0 point. The claim_*
    sweeps are the ablations behind the papers' qualitative claims (harness/evaluation/claims.py)."""
    return {
        "methods": [f"seed={seeds}"],
        "random_judge": ["method=online_dpo", "method.external_judge=random", f"seed={seeds}"],
        "noisy_oracle": ["method=online_dpo", "method.external_judge=noisy_oracle",
                         f"method.judge_accuracy={','.join(map(str, ACCURACIES))}", f"seed={seeds}"],
        "claim_rho0": ["method=meta_rewarding", "method.rho=[0.0,0.0,0.0,0.0]", f"seed={seeds}"],
        "claim_self_j_signals": ["method=self_j", "method.w=0.0,1.0", f"seed={seeds}"],
        "claim_flipped_labels": ["method=dpo,sera", f"data.world.label_noise={FLIPPED_LABELS}", f"seed={seeds}"],
    }


def run_sweep(name: str, overrides: list[str], root: Path) -> float:
    sweep_dir = root / "sweeps" / name
    # the report lists this invocation's runs only (finished run directories are resumed, not redone)
    (sweep_dir / "runs.txt").unlink(missing_ok=True)
    start = time.perf_counter()
    cmd = [sys.executable, "-m", "harness.cli", "-m", *overrides, f"store.root={root}", f"hydra.sweep.dir={sweep_dir}",
           "progress=false"]
    print(f"[comparison] {' '.join(cmd[2:])}", flush=True)
    proc = subprocess.run(cmd, env={**os.environ, "HYDRA_FULL_ERROR": "1"})
    if proc.returncode != 0:
        raise SystemExit(f"comparison: sweep {name} failed (exit {proc.returncode}); re-run to resume it")
    wall = time.perf_counter() - start
    (sweep_dir / "wall_s.txt").write_text(f"{wall:.1f}\n")  # kept for --report-only
    return wall


def listed_runs(root: Path, names: list[str]) -> list[Path]:
    """The run directories the named sweeps' last invocations listed (sweeps not run yet list none)."""
    files = [root / "sweeps" / name / "runs.txt" for name in names]
    return sorted({Path(line.strip()) for f in files if f.exists() for line in f.read_text().splitlines() if line.strip()})


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", nargs="+", type=int, default=list(SEEDS))
    parser.add_argument("--runs", type=Path, default=Path("runs/comparison"), help="store.root of every run")
    parser.add_argument("--out", type=Path, default=Path("results/report"))
    parser.add_argument("--report-only", action="store_true", help="only re-render the report from stored runs")
    parser.add_argument("overrides", nargs="*", help="Hydra overrides applied to every run (e.g. a candidate world)")
    args = parser.parse_args()
    seeds = ",".join(map(str, args.seeds))
    if not args.report_only:
        for name, overrides in sweeps(seeds).items():
            run_sweep(name, [*overrides, *args.overrides], args.runs)
    # each sweep's wall time as its last full invocation measured it (a resumed sweep's is shorter)
    walls = {name: float(f.read_text()) for name in sweeps(seeds)
             for f in [args.runs / "sweeps" / name / "wall_s.txt"] if f.exists()}
    names = list(sweeps(seeds))
    run_dirs = listed_runs(args.runs, [n for n in names if not n.startswith("claim_")])
    ablation_dirs = listed_runs(args.runs, [n for n in names if n.startswith("claim_")])
    command = "python scripts/comparison.py --seeds " + " ".join(map(str, args.seeds))
    if args.runs != parser.get_default("runs"):
        command += f" --runs {args.runs}"
    if args.out != parser.get_default("out"):
        command += f" --out {args.out}"
    command += "".join(f" '{o}'" for o in args.overrides)
    title = "The embedded comparison" + (f" under {' '.join(args.overrides)}" if args.overrides else "")
    result = build(run_dirs, args.out, command, ablation_dirs, title=title, walls=walls)
    print(result["markdown"])
    print(f"Report written to {args.out} in {result['seconds']:.1f} s")


if __name__ == "__main__":
    main()
