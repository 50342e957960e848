"""Which embedded world can the tiny model learn, with room for a judge to select? Runs
`selfalign-world` (M1's diagnostics) for each candidate family mix and seed and writes one table
against the instrument's targets (harness/evaluation/world_diagnostics.py), to results/world-probes.md.

    python scripts/world_probes.py                     # seeds 0 1, 200 problems, runs under runs/world-probes
    python scripts/world_probes.py --seeds 0 --prompts 100

Each probe builds its own tiny model and seed model (about 6 minutes cold on 2 CPU cores); a re-run
reuses the stored run directories and only re-renders.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness.evaluation.world_diagnostics import TARGETS  # noqa: E402
from harness.results_provenance import record  # noqa: E402
from harness.world.families import FAMILY_NAMES  # noqa: E402
from harness.stats import mean_ci_across_seeds  # noqa: E402

# (label, families): [] is the default world (DEFAULT_FAMILIES), the mix these probes chose.
CANDIDATES = [
    ("the earlier default: sort, descend, unique, alpha, second", ["sort", "descend", "unique", "alpha", "second"]),
    ("all seven", list(FAMILY_NAMES)),
    ("sort, alpha and the three one-symbol families", ["sort", "alpha", "second", "repeat", "missing"]),
    ("default: alpha and the three one-symbol families", []),
]
COLUMNS = [("greedy_em_eval", "greedy EM"), ("pass1", "pass@1"), ("pass_gap", "pass@k − pass@1"),
           ("train_eval_gap", "|train − eval|"), ("judge_pair_accuracy", "judge pair acc"),
           ("best_of_k_gain", "best-of-k − greedy")]


def probe(families: list[str], seed: int, prompts: int, root: Path) -> dict:
    out = root / "json" / f"{'-'.join(families) or 'default'}-seed{seed}-n{prompts}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    cmd = ["selfalign-world", "--prompts", str(prompts), "--json", str(out), "progress=false", f"seed={seed}",
           f"store.root={root}", f"data.world.families=[{','.join(families)}]"]
    print(f"[world-probes] {' '.join(cmd)}", flush=True)
    if subprocess.run(cmd, env=os.environ).returncode != 0:
        raise SystemExit(f"world probe {families or 'default'} seed {seed} failed; re-run to resume it")
    return json.loads(out.read_text())


def value(result: dict, key: str) -> float:
    v = result["overall"][key]
    return v["value"] if isinstance(v, dict) else v


def row(label: str, results: list[dict]) -> str:
    cells = []
    for key, _ in COLUMNS:
        values = [value(r, key) for r in results]
        if len(values) == 1:
            cells.append(f"{values[0]:.1f}")
            continue
        est = mean_ci_across_seeds(values)
        cells.append(f"{est.value:.1f} [{est.ci_low:.1f}, {est.ci_high:.1f}] ({', '.join(f'{v:.1f}' for v in values)})")
    missed = sorted({key for r in results for key, ok in r["targets_met"].items() if not ok})
    met = sum(all(r["targets_met"].values()) for r in results)
    return f"| {label} | " + " | ".join(cells) + f" | {met}/{len(results)} | {', '.join(missed) or '–'} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1])
    parser.add_argument("--prompts", type=int, default=200, help="evaluation and training problems per probe")
    parser.add_argument("--runs", type=Path, default=Path("runs/world-probes"), help="store.root of every probe")
    parser.add_argument("--out", type=Path, default=Path("results/world-probes.md"))
    args = parser.parse_args()
    targets = "; ".join(f"{key} " + " and ".join(bound for bound in (lo is not None and f"≥ {lo:g}",
                                                                       hi is not None and f"≤ {hi:g}") if bound)
                        for key, (lo, hi) in TARGETS.items())
    lines = ["| world (data.world.families) | " + " | ".join(name for _, name in COLUMNS) + " | seeds meeting every target | targets missed |",
             "|" + "---|" * (len(COLUMNS) + 3)]
    for label, families in CANDIDATES:
        lines.append(row(label, [probe(families, seed, args.prompts, args.runs) for seed in args.seeds]))
    command = " ".join(["python scripts/world_probes.py --seeds", *map(str, args.seeds), "--prompts", str(args.prompts),
                        *(["--runs", str(args.runs)] if args.runs != parser.get_default("runs") else []),
                        *(["--out", str(args.out)] if args.out != parser.get_default("out") else [])])
    text = (f"# Candidate worlds for the tiny model\n\nM1's diagnostics (`selfalign-world`) on {args.prompts} held-out "
            f"and {args.prompts} training problems per seed, k = 4 samples at the methods' temperature, judged by M1's own "
            f"rubric. Each cell: the value at one seed, or mean [95% t-CI across seeds] (per-seed values); percentage points. Targets: {targets}; "
            f"and no family at 0% greedy EM.\n\n" + "\n".join(lines) + f"\n\nRegenerate: `{command}`\n")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text)
    record([args.out], command)
    print(text)


if __name__ == "__main__":
    main()
