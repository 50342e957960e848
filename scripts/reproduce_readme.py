"""Runs the README's first command exactly as written (set up, then the default `selfalign`) in
fresh run and cache folders, and compares the leaderboard it prints with the committed one,
results/leaderboard-default.csv. On the float environment that wrote it (torch version and CPU
kernels, results/leaderboard-default.host.json) every column must match exactly except the wall
times. On another, float rounding differs from the first training step on and the tiny model's
numbers move the way a reseeded run's do (a method's seed-to-seed spread can exceed a single run's
prompt CI), so only the shape must match (methods, seeds, n, config); each win rate and judge
accuracy outside its committed 95% CI is listed, and `--write` on that machine restores the
digit-for-digit check there.

    python scripts/reproduce_readme.py            # check (CI runs this on a clean clone)
    python scripts/reproduce_readme.py --write    # regenerate results/leaderboard-default.{md,csv}

A change that moves the numbers on purpose regenerates them with --write in the same commit (the
code committed first: the results name its commit, see harness/results_provenance.py).
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from harness.results_provenance import record  # noqa: E402

COMMITTED = REPO / "results" / "leaderboard-default"
HOST = REPO / "results" / "leaderboard-default.host.json"  # the float environment that wrote COMMITTED
VOLATILE_COLUMNS = ("wall_s",)  # the only column allowed to differ between machines and runs
# what a warm judgment cache saves (results are the same, the work counted is less): compared only cold
CACHE_COST_COLUMNS = ("judge_calls", "tokens_generated")
# across float environments: these must still match exactly (what was run and on how much) ...
SHAPE_COLUMNS = ("seeds", "decoding", "n_eval", "n_judge", "variant", "config_hash")
# ... and each of these values is reported when it falls outside the committed CI of the same row
VALUE_IN_CI = (("win_rate", "win_rate_ci"), ("judge_acc", "judge_acc_ci"))


def float_environment() -> dict:
    """What decides float rounding on CPU: torch's version, the SIMD kernels it dispatches to, the CPU."""
    import torch

    cpuinfo = Path("/proc/cpuinfo")
    names = [line.split(":", 1)[1].strip() for line in (cpuinfo.read_text().splitlines() if cpuinfo.exists() else [])
             if line.startswith("model name")]
    model = names[0] if names else platform.machine()
    return {"torch": torch.__version__, "cpu_capability": torch.backends.cpu.get_cpu_capability(), "cpu": model}


def readme_command() -> str:
    """The first line of the first bash block under "## Set up and run"."""
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## Set up and run", 1)[1]
    block = re.search(r"```bash\n(.*?)```", section, re.S)
    if block is None:
        raise SystemExit("reproduce_readme: no ```bash block under '## Set up and run' in README.md")
    return block.group(1).strip().splitlines()[0]


def rows(csv_text: str, skip: tuple[str, ...] = VOLATILE_COLUMNS) -> dict[str, dict[str, str]]:
    """Leaderboard rows by method label, without the columns in `skip`."""
    out = {}
    for r in csv.DictReader(io.StringIO(csv_text)):
        out[r["method"]] = {k: v for k, v in r.items() if k not in skip}
    return out


def missing_rows(expected: dict, got: dict) -> list[str]:
    return ([f"{m}: in the committed leaderboard, not produced" for m in expected if m not in got]
            + [f"{m}: produced, not in the committed leaderboard" for m in got if m not in expected])


def differences(expected: dict, got: dict) -> list[str]:
    out = missing_rows(expected, got)
    for m in expected.keys() & got.keys():
        out += [f"{m}.{k}: committed {expected[m][k]!r}, produced {got[m].get(k)!r}"
                for k in expected[m] if expected[m][k] != got[m].get(k)]
    return sorted(out)


def across_environments(expected: dict, got: dict) -> tuple[list[str], list[str]]:
    """(shape differences, which fail; values outside their committed CI, which are reported)."""
    shape, moved = missing_rows(expected, got), []
    for m in expected.keys() & got.keys():
        want, have = expected[m], got[m]
        shape += [f"{m}.{k}: committed {want[k]!r}, produced {have.get(k)!r}" for k in SHAPE_COLUMNS if want.get(k) != have.get(k)]
        for value, ci in VALUE_IN_CI:
            if not want.get(ci):
                continue  # no CI committed (no judge in this method): nothing to compare
            low, high = json.loads(want[ci])
            produced = float(have[value]) if have.get(value) else None
            if produced is None or not low <= produced <= high:
                moved.append(f"{m}.{value}: produced {have.get(value)!r}, outside the committed 95% CI [{low}, {high}]")
    return sorted(shape), sorted(moved)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help="regenerate the committed leaderboard instead of checking it")
    parser.add_argument("--cache", type=Path, default=None,
                        help="the model cache to use (default: a fresh one, so the run is a cold start like a new machine's)")
    parser.add_argument("--runs", type=Path, default=None,
                        help="the runs folder to use (default: a fresh one); finished runs in it are read back, not "
                             "recomputed, e.g. runs/comparison after scripts/comparison.py (CI always starts fresh)")
    args = parser.parse_args()
    command = readme_command()
    work = Path(tempfile.mkdtemp(prefix="selfalign-readme-"))
    runs, cache = (args.runs or work / "runs").resolve(), (args.cache or work / "cache").expanduser().resolve()
    env = {**os.environ, "SELFALIGN_RUNS": str(runs), "SELFALIGN_CACHE": str(cache)}
    print(f"[reproduce] {command}\n[reproduce] runs in {runs}, cache in {cache}", flush=True)
    start = time.perf_counter()
    proc = subprocess.run(["bash", "-c", command], cwd=REPO, env=env)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"reproduce_readme: the README's command failed (exit {proc.returncode}); runs kept in {runs}")
    print(f"[reproduce] the README's command took {wall / 60:.1f} min", flush=True)
    produced = (runs / "leaderboard.csv").read_text(encoding="utf-8")
    if args.write:
        shutil.copyfile(runs / "leaderboard.md", COMMITTED.with_suffix(".md"))
        COMMITTED.with_suffix(".csv").write_text(produced, encoding="utf-8")
        HOST.write_text(json.dumps(float_environment(), indent=1) + "\n", encoding="utf-8")
        # the invocation as given: with --runs, finished runs were read back rather than recomputed
        record([COMMITTED.with_suffix(".md"), COMMITTED.with_suffix(".csv"), HOST],
               "python scripts/reproduce_readme.py " + " ".join(sys.argv[1:]))
        print(f"[reproduce] wrote {COMMITTED}.md and .csv")
    else:
        skip = VOLATILE_COLUMNS + (CACHE_COST_COLUMNS if args.cache else ())
        expected, got = rows(COMMITTED.with_suffix(".csv").read_text(encoding="utf-8"), skip), rows(produced, skip)
        here = float_environment()
        there = json.loads(HOST.read_text(encoding="utf-8")) if HOST.exists() else None
        same_floats = here == there
        if same_floats:
            found = differences(expected, got)
        else:
            print(f"[reproduce] the committed leaderboard was written on {there or 'an unrecorded float environment'}, "
                  f"this is {here}: its numbers cannot match digit for digit here, so only the rows' shape is "
                  f"checked. To check every number on this machine: python scripts/reproduce_readme.py --write, "
                  f"then commit the results.", flush=True)
            found, moved = across_environments(expected, got)
            for line in moved:
                print(f"[reproduce] moved (another float environment) {line}", flush=True)
        for line in found:
            print(f"[reproduce] MISMATCH {line}", file=sys.stderr)
        if found:
            raise SystemExit(f"reproduce_readme: {len(found)} numbers differ from results/leaderboard-default.csv; "
                             f"runs kept in {runs}. If the change moved them on purpose, regenerate with --write "
                             f"and say why in the commit message.")
        if same_floats:
            aside = "wall times" + (" and, with a given cache, its savings in judge calls and tokens" if args.cache else "")
            print(f"[reproduce] every number matches results/leaderboard-default.csv ({aside} aside)")
        else:
            print("[reproduce] every row matches results/leaderboard-default.csv in shape (numbers not compared: "
                  "another float environment)")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
