"""The cost of content-addressed inputs: digesting a 1 GB data file the first time a run names
it, and again from the digest cache (<store.cache>/digests.json) in a new process.

    python benchmarks/input_hashing.py [--gib 1] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from report import fmt_ci, machine, write_section

REPO = Path(__file__).resolve().parent.parent
# one process per measurement, so the in-process memo cannot help: only the digest cache can
PROBE = ("import sys, time; sys.path.insert(0, %r); from harness.inputs import input_digests; t = time.perf_counter(); "
         "input_digests({'store': {'cache': sys.argv[1]}, 'data': {'ift_path': sys.argv[2]}}); "
         "print(time.perf_counter() - t)")


def _digest_seconds(cache: str, data: Path) -> float:
    out = subprocess.run([sys.executable, "-c", PROBE % str(REPO), cache, str(data)], capture_output=True, text=True,
                         check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--gib", type=float, default=1.0)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    first, cached = [], []
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp, "ift.jsonl")
        line = b'{"prompt": "What is 2 plus 2?", "response": "4"}\n'
        with open(data, "wb") as f:
            for _ in range(int(args.gib * (1 << 30)) // len(line)):
                f.write(line)
        for r in range(args.repeats):
            cache = os.path.join(tmp, f"cache{r}")
            first.append(_digest_seconds(cache, data))
            cached.append(_digest_seconds(cache, data))
    size = data.stat().st_size if data.exists() else int(args.gib * (1 << 30))
    body = (f"## Input hashing\n\n`python benchmarks/input_hashing.py --gib {args.gib:g} --repeats {args.repeats}` on "
            f"{machine()}. A {size / (1 << 30):.2f} GiB data file named by `data.ift_path`; each measurement is a new "
            f"process; mean [95% t CI] over {args.repeats} repeats.\n\n| digest | seconds |\n|---|---|\n"
            f"| first run (sha256 of the whole file) | {fmt_ci(first, 2)} |\n"
            f"| re-run (from the digest cache: path, size, mtime) | {fmt_ci(cached, 4)} |")
    write_section("input-hashing", body)


if __name__ == "__main__":
    main()
