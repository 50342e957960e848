"""A run killed between stages resumes at the first unfinished stage and ends with the same
results as an uninterrupted run."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import FAST, FAST_SELF_REWARDING, run_cli

ARGS = ["method=self_rewarding", *FAST, *FAST_SELF_REWARDING]


def _results(runs: Path) -> tuple[dict, dict]:
    (metrics_file,) = runs.rglob("metrics.json")
    m = json.loads(metrics_file.read_text())
    outputs = (metrics_file.parent / "stages/eval/M2/outputs/records.jsonl").read_text()
    return m, outputs


@pytest.mark.parametrize("kill_after", ["iter1/sample", "eval/M2/win_rate"])
def test_killed_run_resumes_with_identical_results(tmp_path, cache_dir, kill_after):
    reference_runs = tmp_path / "uninterrupted" / "runs"
    reference_runs.parent.mkdir()
    proc = run_cli(ARGS, reference_runs, cache_dir)
    assert proc.returncode == 0, proc.stderr[-3000:]
    expected, expected_outputs = _results(reference_runs)

    runs = tmp_path / "killed" / "runs"
    runs.parent.mkdir()
    env = {**os.environ, "SELFALIGN_RUNS": str(runs), "SELFALIGN_CACHE": str(cache_dir), "OMP_NUM_THREADS": "1"}
    child = subprocess.Popen([sys.executable, "-m", "harness.cli", *ARGS], env=env, cwd=runs.parent,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    # Kill it right after a stage is finished (between stages). After eval/M2/win_rate, the next
    # stage reaches the trained model only through the judge: its weights must be reloaded.
    deadline = time.time() + 300
    while not list(runs.rglob(f"stages/{kill_after}/_done.json")):
        assert child.poll() is None, "the run ended before it could be killed"
        assert time.time() < deadline
        time.sleep(0.05)
    os.killpg(child.pid, signal.SIGKILL)
    child.wait()
    assert not list(runs.rglob("metrics.json"))

    proc = run_cli(ARGS, runs, cache_dir)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "resuming after" in proc.stderr
    got, got_outputs = _results(runs)
    assert got_outputs == expected_outputs
    assert got["summary"]["win_rate"] == expected["summary"]["win_rate"]
    assert got["iterations"][1]["pairs_kept"] == expected["iterations"][1]["pairs_kept"]
    assert got["iterations"][1]["score_histogram"] == expected["iterations"][1]["score_histogram"]
    requested = lambda m: m["cost"]["judge_calls"] + 2 * m["cost"]["judge_cache_hits"]  # noqa: E731  (k = 2)
    assert requested(got) == requested(expected)
    assert got["summary"]["judge"]["accuracy"] == expected["summary"]["judge"]["accuracy"]
    assert got["summary"]["judge"]["tie_rate"] == expected["summary"]["judge"]["tie_rate"]
    sample_stage = next(runs.rglob("stages/iter1/sample/_done.json"))
    assert json.loads(sample_stage.read_text())["order"] < json.loads(
        next(runs.rglob("stages/iter1/judge/_done.json")).read_text())["order"]
