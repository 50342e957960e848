"""Runs the README's first command exactly as written (set up, then the default `selfalign`) in
fresh run and cache folders, and compares the leaderboard it prints with the committed one,
results/leaderboard-default.csv: every column must match exactly except the wall times.

    python scripts/reproduce_readme.py            # check (CI runs this on a clean clone)
    python scripts/reproduce_readme.py --write    # regenerate results/leaderboard-default.{md,csv}

A change that moves the numbers on purpose regenerates them with --write in the same commit (the
code committed first: the results name its commit, see harness/results_provenance.py).
"""

from __future__ import annotations

import argparse
import csv
import io
import os
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
VOLATILE_COLUMNS = ("wall_s",)  # the only column allowed to differ between machines and runs
# what a warm judgment cache saves (results are the same, the work counted is less): compared only cold
CACHE_COST_COLUMNS = ("judge_calls", "tokens_generated")


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


def differences(expected: dict, got: dict) -> list[str]:
    out = [f"{m}: in the committed leaderboard, not produced" for m in expected if m not in got]
    out += [f"{m}: produced, not in the committed leaderboard" for m in got if m not in expected]
    for m in expected.keys() & got.keys():
        out += [f"{m}.{k}: committed {expected[m][k]!r}, produced {got[m].get(k)!r}"
                for k in expected[m] if expected[m][k] != got[m].get(k)]
    return sorted(out)


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
        # the invocation as given: with --runs, finished runs were read back rather than recomputed
        record([COMMITTED.with_suffix(".md"), COMMITTED.with_suffix(".csv")],
               "python scripts/reproduce_readme.py " + " ".join(sys.argv[1:]))
        print(f"[reproduce] wrote {COMMITTED}.md and .csv")
    else:
        skip = VOLATILE_COLUMNS + (CACHE_COST_COLUMNS if args.cache else ())
        found = differences(rows(COMMITTED.with_suffix(".csv").read_text(encoding="utf-8"), skip), rows(produced, skip))
        for line in found:
            print(f"[reproduce] MISMATCH {line}", file=sys.stderr)
        if found:
            raise SystemExit(f"reproduce_readme: {len(found)} numbers differ from results/leaderboard-default.csv; "
                             f"runs kept in {runs}. If the change moved them on purpose, regenerate with --write "
                             f"and say why in the commit message.")
        aside = "wall times" + (" and, with a given cache, its savings in judge calls and tokens" if args.cache else "")
        print(f"[reproduce] every number matches results/leaderboard-default.csv ({aside} aside)")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
