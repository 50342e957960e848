"""Where every committed result came from. results/PROVENANCE.json maps each file under results/
(keyed by its path inside results/, e.g. `report/report.md`) to the git commit of the code that
produced it and the command that did; the scripts that write results record their files here. CI runs `python -m harness.results_provenance check`, which
fails when a file in results/ is not listed, a listed file is missing, or a commit is not an
ancestor of HEAD (a result from code that the branch never had, or from uncommitted code).

    python -m harness.results_provenance check
    python -m harness.results_provenance record results/x.md --command "python scripts/x.py"
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "results"
MANIFEST = "PROVENANCE.json"


def _git(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True, timeout=30)


def code_commit() -> dict:
    """HEAD, and whether tracked files outside results/ differ from it (results regenerated over
    old ones do not make the code dirty)."""
    head = _git("rev-parse", "HEAD")
    if head.returncode != 0:
        return {"commit": None, "dirty": None}
    status = _git("status", "--porcelain", "--untracked-files=no", "--", ".", ":(exclude)results")
    return {"commit": head.stdout.strip(), "dirty": bool(status.stdout.strip())}


def load(results: Path = RESULTS) -> dict:
    path = results / MANIFEST
    return json.loads(path.read_text()) if path.exists() else {}


def record(paths, command: str, results: Path = RESULTS) -> None:
    """Names the current commit and `command` as the source of each file in `paths`."""
    from .store import atomic_write_text

    if not any(Path(p).resolve().is_relative_to(results.resolve()) for p in paths):
        return  # nothing under results/: no commit to look up, no manifest to touch
    entries = load(results)
    source = {**code_commit(), "command": command}
    for p in paths:
        p = Path(p).resolve()
        if not p.is_relative_to(results.resolve()):
            continue  # written somewhere else (an --out outside results/): nothing to vouch for
        entries[p.relative_to(results.resolve()).as_posix()] = source
    atomic_write_text(results / MANIFEST, json.dumps(dict(sorted(entries.items())), indent=1) + "\n")


def problems(results: Path = RESULTS) -> list[str]:
    entries = load(results)
    found = sorted(p.relative_to(results).as_posix() for p in results.rglob("*") if p.is_file() and p.name != MANIFEST)
    out = [f"{name}: not in {MANIFEST} (which commit and command produced it?)" for name in found if name not in entries]
    out += [f"{name}: listed in {MANIFEST} but missing" for name in entries if name not in found]
    for name, src in entries.items():
        commit = src.get("commit")
        if not commit or src.get("dirty"):
            out.append(f"{name}: produced by uncommitted code ({commit or 'no commit'}); commit the code, then regenerate")
        elif _git("merge-base", "--is-ancestor", commit, "HEAD").returncode != 0:
            out.append(f"{name}: its commit {commit[:12]} is not an ancestor of HEAD")
        if not src.get("command"):
            out.append(f"{name}: no command recorded")
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(prog="python -m harness.results_provenance", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="action", required=True)
    sub.add_parser("check", help="fail unless every file in results/ names an ancestor commit and a command")
    rec = sub.add_parser("record", help="name the current commit and a command as the source of files")
    rec.add_argument("files", nargs="+", type=Path)
    rec.add_argument("--command", required=True)
    args = parser.parse_args(argv)
    if args.action == "record":
        record(args.files, args.command)
        return
    found = problems()
    for line in found:
        print(f"results provenance: {line}", file=sys.stderr)
    if found:
        sys.exit(1)
    print(f"results provenance: {len(load())} files, every one from an ancestor commit with its command")


if __name__ == "__main__":
    main()
