"""selfalign-report RUNS... [--out DIR] [--ablations RUNS...]: the report folder of every run found
under RUNS (any folder holding metrics.json, searched recursively)."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path


def _find_runs(paths: list[str], what: str) -> list[Path]:
    run_dirs = []
    for p in map(Path, paths):
        if not p.exists():
            print(f"selfalign-report: error: {what} {p} does not exist; give run directories or folders that hold them",
                  file=sys.stderr)
            sys.exit(2)
        run_dirs += [m.parent for m in sorted(p.rglob("metrics.json"))]
    return run_dirs


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="selfalign-report", description=(
        "Build a report folder (report.md, a self-contained report.html, plots with their CSVs, leaderboard.md/.csv, "
        "report.json) from run directories. Reads stored runs only: no model is loaded."))
    parser.add_argument("runs", nargs="+", help="run directories, or folders to search for metrics.json")
    parser.add_argument("--out", type=Path, default=Path("report"), help="the report folder (default: ./report)")
    parser.add_argument("--ablations", nargs="*", default=[],
                        help="runs read only by the papers' claims (e.g. the comparison's claim_* sweeps)")
    parser.add_argument("--title", default="selfalign report")
    args = parser.parse_args(argv)
    from ..errors import EXIT_USER_ERROR, SelfAlignError, print_error
    from .build import build

    run_dirs = _find_runs(args.runs, "runs folder")
    if not run_dirs:
        print(f"selfalign-report: error: no metrics.json under {' '.join(args.runs)}; finish a `selfalign` run first",
              file=sys.stderr)
        sys.exit(2)
    ablations = [d for d in _find_runs(args.ablations, "ablations folder") if d not in set(run_dirs)]
    command = "selfalign-report " + " ".join(shlex.quote(a) for a in (argv if argv is not None else sys.argv[1:]))
    try:
        result = build(run_dirs, args.out, command, ablations, title=args.title)
    except SelfAlignError as err:
        print_error(err)
        sys.exit(EXIT_USER_ERROR)
    print(result["markdown"].split("\n## ", 2)[1].split("\n", 1)[1])  # the paired leaderboard
    print(f"Report written to {args.out}/report.html and report.md ({len(run_dirs)} runs, {result['seconds']:.1f} s)")


if __name__ == "__main__":
    main()
