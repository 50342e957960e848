"""Judge accuracy per iteration per method: for every run directory given, one `selfalign-judge`
multirun of the method's own judge kind(s) over its seed model and each saved checkpoint, in
training order. Prints one markdown table and writes it to --out.

    python scripts/judge_accuracy_by_iteration.py runs/*/tiny/seed0-* --out results/judge-accuracy.md
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

# the judge each method trains and uses (SeRA's implicit reward is measured against its seed model)
JUDGES = {"self_rewarding": ["rubric"], "meta_rewarding": ["rubric", "meta"], "self_judge": ["pairwise"],
          "self_j": ["digit"], "sera": ["implicit"]}


def checkpoints(run: Path) -> list[Path]:
    """The run's saved models in the order its stages finished."""
    found = [p.parent for p in run.glob("stages/**/checkpoint/config.json")]
    order = lambda p: json.loads((p.parent / "_done.json").read_text()).get("order", 0) if (p.parent / "_done.json").exists() else 0  # noqa: E731
    return sorted(found, key=order)


def sweep(run: Path, sweep_dir: Path, extra: list[str]) -> list[dict]:
    from omegaconf import OmegaConf

    cfg = OmegaConf.load(run / "config.yaml")
    method = cfg.method.name
    judges = JUDGES.get(method)
    if not judges:
        return []
    seed = Path(json.loads((run / "stages" / "seed_sft" / "result.json").read_text())["folder"])
    models = [seed, *checkpoints(run)]
    args = ["-m", f"judge={','.join(judges)}", f"checkpoint={','.join(map(str, models))}",
            f"model={cfg.model.name}", f"hydra.sweep.dir={sweep_dir}", *extra]
    if method == "sera":  # the implicit reward of M_t is measured against the seed model
        args.append(f"reference={seed}")
    proc = subprocess.run([sys.executable, "-m", "harness.judge_app", *args], text=True, capture_output=True,
                          env={**os.environ, "HYDRA_FULL_ERROR": "1"})
    if proc.returncode != 0:
        raise SystemExit(f"selfalign-judge failed for {run}:\n{proc.stderr[-3000:]}")
    results = [json.loads(f.read_text()) for f in sorted(sweep_dir.glob("*/judge_result.json"), key=lambda f: int(f.parent.name))]
    names = {str(seed): "seed"} | {str(c): str(c.relative_to(run / "stages").parent) for c in models[1:]}
    for r in results:
        r["method"], r["model_label"] = method, names.get(r["checkpoint"], r["checkpoint"])
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("runs", nargs="+", type=Path, help="run directories")
    parser.add_argument("--out", type=Path, default=None)
    parser.add_argument("--work", type=Path, default=Path("runs/judge_sweeps/by_iteration"))
    parser.add_argument("--set", nargs="*", default=[], dest="extra", help="more selfalign-judge overrides, e.g. n_pairs=50")
    args = parser.parse_args()
    rows = []
    for run in args.runs:
        rows += sweep(run, args.work / run.parent.parent.name, args.extra)
    lines = ["| method | judge | model | accuracy % [95% CI] | n | order consistency | P(prefer 1st) | "
             "P(prefer longer) | failure rate | Spearman | wall s |", "|" + "---|" * 11]
    fmt = lambda v, d=2: "–" if v is None else f"{v:.{d}f}"  # noqa: E731
    for r in rows:
        lines.append(f"| {r['method']} | {r['judge']} | {r['model_label']} | {r['accuracy']:.1f} "
                     f"[{r['accuracy_ci'][0]:.1f}, {r['accuracy_ci'][1]:.1f}] | {r['n']} | {fmt(r['order_consistency'])} "
                     f"| {fmt(r['p_prefer_first'])} | {fmt(r['p_prefer_longer'])} | {fmt(r['failure_rate'])} "
                     f"| {fmt(r.get('spearman'))} | {r['wall_s']:.0f} |")
    table = "\n".join(lines) + "\n"
    print(table)
    if args.out:
        args.out.write_text(table)
        sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
        from harness.results_provenance import record

        record([args.out], "python " + " ".join(sys.argv))


if __name__ == "__main__":
    main()
