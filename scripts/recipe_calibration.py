"""How the tiny-scale recipe of the online loop was chosen: both controls (online DPO with the
oracle, a perfect judge, and with a random judge) under several budgets and losses, each against
the seed model (`sft`) on the same seeds, paired per prompt. Writes results/controls.md with the
table, the rule's pick and the command that regenerates it.

    python scripts/recipe_calibration.py                # seeds 0-4, runs under runs/calibration
    python scripts/recipe_calibration.py --report-only  # re-render from stored runs
    python scripts/recipe_calibration.py --seeds 0 1 2 --out /tmp/controls.md 'data.world.families=[alpha,second]'

Trailing Hydra overrides (a candidate world or model) apply to every run, the seed model included.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness.evaluation.comparison import POSITIVE_MARGIN, SEEDS, controls, summarise  # noqa: E402
from harness.evaluation.stored_runs import load_runs  # noqa: E402
from harness.results_provenance import record  # noqa: E402

# (label, knobs): every arm states all four knobs, so it means the same whatever the defaults are.
# Listed cheapest first (prompts x epochs per iteration), which breaks ties.
ARMS = [
    ("128 prompts, DPO, 1 epoch (the papers)", {"prompts_per_iteration": 128, "daa.nll_weight": 0.0, "daa.train.epochs": 1, "daa.train.lr": 1e-4}),
    ("128 prompts, DPO, 1 epoch, lr 2e-4", {"prompts_per_iteration": 128, "daa.nll_weight": 0.0, "daa.train.epochs": 1, "daa.train.lr": 2e-4}),
    ("128 prompts, DPO + NLL 1, 1 epoch", {"prompts_per_iteration": 128, "daa.nll_weight": 1.0, "daa.train.epochs": 1, "daa.train.lr": 1e-4}),
    ("128 prompts, DPO, 2 epochs", {"prompts_per_iteration": 128, "daa.nll_weight": 0.0, "daa.train.epochs": 2, "daa.train.lr": 1e-4}),
    ("256 prompts, DPO, 1 epoch", {"prompts_per_iteration": 256, "daa.nll_weight": 0.0, "daa.train.epochs": 1, "daa.train.lr": 1e-4}),
    ("512 prompts, DPO + NLL 1, 2 epochs", {"prompts_per_iteration": 512, "daa.nll_weight": 1.0, "daa.train.epochs": 2, "daa.train.lr": 1e-4}),
]


def sweep_dir(root: Path, label: str) -> Path:
    return root / "sweeps" / re.sub(r"[^A-Za-z0-9_.+-]+", "_", label)


def run_sweep(name: str, overrides: list[str], root: Path) -> None:
    sweep = sweep_dir(root, name)
    (sweep / "runs.txt").unlink(missing_ok=True)  # list this invocation's runs only
    cmd = [sys.executable, "-m", "harness.cli", "-m", *overrides, f"store.root={root}", f"hydra.sweep.dir={sweep}",
           "progress=false"]
    print(f"[calibration] {name}: {' '.join(cmd[2:])}", flush=True)
    if subprocess.run(cmd, env={**os.environ, "HYDRA_FULL_ERROR": "1"}).returncode != 0:
        raise SystemExit(f"calibration sweep {name!r} failed; re-run to resume it")


def runs_of(root: Path, name: str) -> list[Path]:
    return [Path(line) for line in (sweep_dir(root, name) / "runs.txt").read_text().split()]


def shipped_knobs() -> dict:
    """The online loop's knobs as `method=online_dpo` composes them (their defaults: DAAConfig and
    SelfRewardingConfig)."""
    from omegaconf import OmegaConf

    from harness.compose import compose

    method = compose([], method="online_dpo").method
    return {knob: OmegaConf.select(method, knob) for knob in ARMS[0][1]}


def pick(results: dict) -> str | None:
    """The rule: the negative control must pass (a loop in which a random judge helps cannot tell judges apart);
    among those arms, the largest oracle gain, and the cheapest arm whose gain CI reaches that gain ties with it."""
    passing = [label for label in results if results[label]["negative"]]  # in ARMS order, cheapest first
    if not passing:
        return None
    best = max(passing, key=lambda label: results[label]["gain"]["mean"])
    return next(label for label in passing if results[label]["gain"]["ci"][1] >= results[best]["gain"]["mean"])


def _fmt(e: dict) -> str:
    return f"{e['mean']:.1f} [{e['ci'][0]:.1f}, {e['ci'][1]:.1f}]"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", nargs="+", type=int, default=list(SEEDS))
    parser.add_argument("--runs", type=Path, default=Path("runs/calibration"))
    parser.add_argument("--out", type=Path, default=Path("results/controls.md"))
    parser.add_argument("--report-only", action="store_true")
    parser.add_argument("--arms", type=int, default=len(ARMS), help="run the first N arms only (cheapest first)")
    parser.add_argument("overrides", nargs="*", help="Hydra overrides applied to every run (e.g. a candidate world)")
    args = parser.parse_args()
    if not 1 <= args.arms <= len(ARMS):
        parser.error(f"--arms {args.arms}: expected 1 to {len(ARMS)} (the arms are listed cheapest first in ARMS)")
    arms = ARMS[:args.arms]
    seeds = f"seed={','.join(map(str, args.seeds))}"
    if not args.report_only:
        run_sweep("sft", ["method=sft", seeds, *args.overrides], args.runs)
        for label, knobs in arms:
            run_sweep(label, ["method=online_dpo", "method.external_judge=oracle,random", seeds,
                              *(f"method.{k}={v}" for k, v in knobs.items()), *args.overrides], args.runs)
    sft = runs_of(args.runs, "sft")
    lines = ["| recipe (online DPO) | oracle win rate % | oracle gain (paired) | random-judge win rate % | random gain (paired) "
             "| positive control | negative control | wall s (oracle) |", "|" + "---|" * 8]
    results, sft_wr = {}, None
    for label, _ in arms:
        summary = summarise(load_runs(sft + runs_of(args.runs, label)))
        verdict = controls(summary)
        oracle, rnd, sft_wr = summary["online_dpo"], summary["online_dpo[random]"], summary["sft"]["win_rate"]
        results[label] = {"gain": oracle["vs_sft"]["gain"], "negative": verdict["negative_random"]["pass"]}
        lines.append(f"| {label} | {_fmt(oracle['win_rate'])} | {_fmt(oracle['vs_sft']['gain'])} | {_fmt(rnd['win_rate'])} "
                     f"| {_fmt(rnd['vs_sft']['gain'])} | {'PASS' if verdict['positive']['pass'] else 'FAIL'} "
                     f"| {'PASS' if verdict['negative_random']['pass'] else 'FAIL'} | {oracle['wall_s']:.0f} |")
    chosen, shipped = pick(results), shipped_knobs()
    shipped_label = next((label for label, knobs in ARMS if knobs == shipped), None)
    note = (f"sft: {_fmt(sft_wr)}. The rule picks **{chosen}**" if chosen else
            f"sft: {_fmt(sft_wr)}. No arm passes the negative control, so the rule picks none")
    if chosen:  # with no pick there is nothing to hold the shipped default against
        note += (f"; the shipped default ({shipped_label or shipped}) "
                 + ("is that arm." if shipped_label == chosen else "is NOT that arm: change the defaults in harness/training/daa_config.py and methods/self_rewarding.py."))
    else:
        note += "."
    if chosen and not any(results[label]["negative"] and results[label]["gain"]["mean"] >= POSITIVE_MARGIN for label in results):
        note += (f" No arm that passes the negative control reaches the positive control's +{POSITIVE_MARGIN:g}-point "
                 "margin on these seeds.")
    text = "\n".join(lines) + "\n"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    # the command that measures these numbers from scratch (--report-only re-renders them)
    command = " ".join(["python scripts/recipe_calibration.py",
                        *(["--seeds", *map(str, args.seeds)] if args.seeds != list(SEEDS) else []),
                        *(["--arms", str(args.arms)] if args.arms != len(ARMS) else []),
                        *(["--runs", str(args.runs)] if args.runs != parser.get_default("runs") else []),
                        *(["--out", str(args.out)] if args.out != parser.get_default("out") else []),
                        *(f"'{o}'" for o in args.overrides)])
    scope = f"Every run here adds the overrides `{' '.join(args.overrides)}`.\n\n" if args.overrides else ""
    args.out.write_text(HEADER.format(seeds=", ".join(map(str, args.seeds))) + scope + text + "\n" + note + "\n\nRegenerate: `"
                        + command + "`" + (" (about 7 minutes on 2 CPU cores once the seed models are cached)"
                                           if command == "python scripts/recipe_calibration.py" else "")
                        + ".\n")
    record([args.out], command)
    print(text + "\n" + note)


HEADER = """# The controls and the tiny-scale recipe

The online loop shared by `online_dpo`, `self_rewarding` and `meta_rewarding` (its DAA block) gets
its loss and budget by one rule, applied to the controls only and never to a method's result: the
random judge must not move the policy beyond noise (its paired gain's CI contains 0), and among the recipes
that pass, the one whose oracle judge gains most, the cheapest among ties (an arm ties when its gain CI reaches
the best gain). The recipe is then used unchanged by every method that shares the loop. Seeds
{seeds}, 200 held-out problems per seed, oracle annotator; mean [95% t-CI across seeds]; gains are
paired per prompt against sft.

"""


if __name__ == "__main__":
    main()
