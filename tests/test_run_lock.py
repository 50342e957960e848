"""One writer per run directory: a live holder makes a second start refuse with the holder named;
a lock left by a dead process is taken over; a finished run leaves no lock."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

from conftest import FAST, run_cli

ARGS = ["method=dpo", *FAST]


def test_a_second_process_on_a_held_run_directory_is_refused(tmp_path, cache_dir):
    runs = tmp_path / "runs"
    first = run_cli(ARGS, runs, cache_dir)
    assert first.returncode == 0, first.stderr[-2000:]
    run_dir = next(runs.rglob("metrics.json")).parent
    assert not (run_dir / ".lock").exists()  # released at the end
    holder = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        (run_dir / ".lock").write_text(json.dumps({"pid": holder.pid, "host": socket.gethostname(),
                                                   "since": "2026-01-01 00:00:00"}))
        second = run_cli(ARGS, runs, cache_dir)
    finally:
        holder.kill()
    assert second.returncode == 2 and "Traceback" not in second.stderr
    err = " ".join(second.stderr.split())
    assert f"is in use by process {holder.pid} on {socket.gethostname()}" in err and "delete" in err
    assert (run_dir / ".lock").exists()  # the holder's lock is left alone


def test_a_lock_left_by_a_dead_process_is_taken_over(tmp_path, cache_dir):
    runs = tmp_path / "runs"
    first = run_cli(ARGS, runs, cache_dir)
    assert first.returncode == 0, first.stderr[-2000:]
    run_dir = next(runs.rglob("metrics.json")).parent
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    (run_dir / ".lock").write_text(json.dumps({"pid": int(gone.stdout), "host": socket.gethostname(), "since": "x"}))
    again = run_cli(ARGS, runs, cache_dir)
    assert again.returncode == 0, again.stderr[-2000:]
    assert "is no longer running" in again.stderr and not (run_dir / ".lock").exists()
