"""Fault injection: a small Self-Rewarding run is SIGKILLed at TRIALS random moments (seeded),
anywhere: from a cold cache (building the tiny base or M1) and from a warm one (mid-stage, between
stages). Each killed
run is started again and must finish byte-identical to an uninterrupted one (every record file,
every checkpoint, the summary), with no temporary file, temporary folder or lock left behind."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import FAST, FAST_SELF_REWARDING, REPO, run_cli

pytestmark = pytest.mark.slow

ARGS = ["method=self_rewarding", *FAST, *FAST_SELF_REWARDING]
TRIALS = 8


def _results(runs: Path) -> dict[str, bytes | dict]:
    (metrics,) = runs.rglob("metrics.json")
    run_dir = metrics.parent
    out: dict[str, bytes | dict] = {"summary": json.loads(metrics.read_text())["summary"]}
    for path in sorted(run_dir.rglob("*")):
        if path.name == "records.jsonl" or path.suffix == ".safetensors":
            out[str(path.relative_to(run_dir))] = path.read_bytes()
    return out


def _leftovers(*roots: Path) -> list[str]:
    return [str(p) for root in roots for p in root.rglob("*")
            if p.name.endswith(".tmp") or p.name == ".lock" or (p.is_dir() and p.name.startswith(".") and ".git" not in p.name)]


def test_runs_killed_at_random_moments_resume_byte_identical(tmp_path):
    (tmp_path / "ref").mkdir()
    start = time.perf_counter()
    reference = run_cli(ARGS, tmp_path / "ref" / "runs", tmp_path / "ref" / "cache")
    duration = time.perf_counter() - start
    assert reference.returncode == 0, reference.stderr[-3000:]
    expected = _results(tmp_path / "ref" / "runs")
    start = time.perf_counter()  # the same run on the now warm cache: only the run's own stages
    warm = run_cli(ARGS, tmp_path / "ref" / "runs-warm", tmp_path / "ref" / "cache")
    warm_duration = time.perf_counter() - start
    assert warm.returncode == 0 and _results(tmp_path / "ref" / "runs-warm") == expected
    rng = random.Random(0)
    identical, killed = 0, []
    for trial in range(TRIALS):
        root = tmp_path / f"trial{trial}"
        runs, cache = root / "runs", root / "cache"
        root.mkdir()
        cold = trial % 2 == 0  # cold: kills land in the tiny base and M1 builds too; warm: in the run's stages
        if not cold:
            shutil.copytree(tmp_path / "ref" / "cache", cache)
        env = {**os.environ, "SELFALIGN_RUNS": str(runs), "SELFALIGN_CACHE": str(cache), "OMP_NUM_THREADS": "1"}
        child = subprocess.Popen([sys.executable, "-m", "harness.cli", *ARGS], env=env, cwd=root,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        # cold: anywhere after Python starts; warm: the later half, once imports are done and stages run
        delay = rng.uniform(2.0, 0.9 * duration) if cold else rng.uniform(0.5 * warm_duration, 0.95 * warm_duration)
        try:
            child.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
            killed.append((round(delay, 1), len(list(runs.rglob("_done.json")))))  # when, and stages done by then
        resumed = run_cli(ARGS, runs, cache)
        assert resumed.returncode == 0, (trial, delay, resumed.stderr[-3000:])
        got = _results(runs)
        assert got.keys() == expected.keys(), (trial, delay)
        assert all(got[k] == expected[k] for k in expected), (trial, delay, [k for k in expected if got[k] != expected[k]])
        assert _leftovers(runs, cache) == [], (trial, delay)
        assert not (REPO / ".git" / "index.lock").exists()  # provenance's git calls take no lock
        identical += 1
    print(f"fault injection: {len(killed)} of {TRIALS} runs killed (seconds, stages done): {killed}; "
          f"{identical} resumed byte-identical")
    assert identical == TRIALS and len(killed) >= TRIALS - 2
