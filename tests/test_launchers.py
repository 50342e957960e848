"""Hydra launchers (conf/hydra/launcher/): the presets compose to the plugins' launchers, and two
sweep jobs run at once under joblib, each into its own run directory, with one leaderboard."""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from conftest import FAST, REPO, run_cli

pytest.importorskip("hydra_plugins.hydra_joblib_launcher")
pytest.importorskip("hydra_plugins.hydra_submitit_launcher")


def _launcher(name: str):
    from hydra import compose, initialize_config_dir

    from harness.config import register_schemas

    register_schemas()
    with initialize_config_dir(config_dir=str(REPO / "conf"), version_base="1.3"):
        return compose("config", overrides=[f"hydra/launcher={name}"], return_hydra_config=True).hydra.launcher


@pytest.mark.parametrize("name, target, gpus, tasks", [
    ("slurm_1gpu", "SlurmLauncher", 1, 1), ("slurm_8gpu", "SlurmLauncher", 8, 1), ("slurm_8gpu_ddp", "SlurmLauncher", 8, 8),
    ("submitit_local", "LocalLauncher", None, 1)])
def test_cluster_presets_compose_to_submitit(name, target, gpus, tasks):
    launcher = _launcher(name)
    assert launcher._target_.endswith(target)
    assert launcher.gpus_per_node == gpus and launcher.tasks_per_node == tasks
    if target == "SlurmLauncher":
        assert launcher.max_num_timeout > 0  # a job killed at its time limit is requeued, and resumes


def test_ray_preset_composes_to_the_ray_launcher():
    """Composed without the plugin installed (it pins cloudpickle<3, so CI's vLLM environment has none)."""
    launcher = _launcher("ray_cluster")
    assert launcher._target_ == "hydra_plugins.hydra_ray_launcher.ray_launcher.RayLauncher"
    assert launcher.ray.init.address == "auto" and launcher.ray.remote.num_gpus == 1


def _span(run_dir) -> tuple[datetime, datetime]:
    stamps = [datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f")
              for line in (run_dir / "run.log").read_text().splitlines() if line[:4].isdigit()]
    return stamps[0], stamps[-1]


def test_two_jobs_run_at_once_into_their_own_directories_and_one_leaderboard(tmp_path, cache_dir):
    runs = tmp_path / "runs"
    warm = run_cli(["method=sft", *FAST], tmp_path / "warm", cache_dir)  # the tiny base, built once beforehand
    assert warm.returncode == 0, warm.stderr[-2000:]
    # two jobs of equal work, each training long enough (several seconds) that a second of start-up
    # jitter between the pool's processes cannot hide their overlap
    proc = run_cli(["-m", "method=dpo", "seed=0,1", "hydra/launcher=local_parallel", "threads=1", *FAST,
                    "data.n_preference_pairs=512"], runs, cache_dir)
    assert proc.returncode == 0, proc.stderr[-3000:]
    dirs = {json.loads(f.read_text())["seed"]: f.parent for f in runs.rglob("metrics.json")}
    assert set(dirs) == {0, 1} and dirs[0] != dirs[1]
    (start_a, end_a), (start_b, end_b) = _span(dirs[0]), _span(dirs[1])
    assert start_a < end_b and start_b < end_a  # the two jobs overlapped in time
    (sweep,) = (runs / "sweeps").iterdir()
    board = (sweep / "leaderboard.md").read_text()
    assert "| dpo | tiny | 2 |" in board  # one leaderboard: both seeds in one row
    assert len((sweep / "runs.txt").read_text().split()) == 2


def _task_process(root_pid: int):
    """The submitit task running the Hydra job (a grandchild: launcher -> local controller -> task)."""
    import psutil

    for child in psutil.Process(root_pid).children(recursive=True):
        try:
            if "submitit.core._submit" in " ".join(child.cmdline()):
                return child
        except psutil.NoSuchProcess:
            continue
    return None


def test_submitit_local_job_preempted_mid_run_is_requeued_and_resumes_identically(tmp_path, cache_dir):
    """A job that receives the preemption signal (SIGUSR2, as SLURM sends it) is checkpointed by
    submitit through the launcher's checkpoint(), requeued, and resumes at its first unfinished
    stage; its results equal an uninterrupted run's."""
    import signal
    import subprocess
    import sys
    import time

    from conftest import FAST_SELF_REWARDING

    args = ["method=self_rewarding", *FAST, *FAST_SELF_REWARDING]
    (tmp_path / "straight").mkdir()
    straight = run_cli(args, tmp_path / "straight" / "runs", cache_dir)  # also builds the seed model
    assert straight.returncode == 0, straight.stderr[-2000:]
    runs = tmp_path / "preempted" / "runs"
    runs.parent.mkdir(parents=True)
    env = {**__import__("os").environ, "SELFALIGN_RUNS": str(runs), "SELFALIGN_CACHE": str(cache_dir),
           "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen([sys.executable, "-m", "harness.cli", "-m", *args, "hydra/launcher=submitit_local"],
                            cwd=runs.parent, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 300
    while not list(runs.glob("self_rewarding/*/*/stages/iter1/prompts/_done.json")):  # the job is under way
        assert proc.poll() is None and time.time() < deadline, proc.communicate()[1][-3000:]
        time.sleep(0.05)
    task = _task_process(proc.pid)
    assert task is not None
    task.send_signal(signal.SIGUSR2)
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err[-3000:]

    (run_dir,) = [f.parent for f in runs.rglob("metrics.json")]
    logs = "".join(p.read_text() for p in runs.rglob(".submitit/*/*_log.err"))
    assert "this job is preempted" in logs, logs[-3000:]
    resumed = [line for line in (run_dir / "run.log").read_text().splitlines() if "resuming after" in line]
    assert len(resumed) == 1  # the second start found the finished stages
    (straight_dir,) = [f.parent for f in (tmp_path / "straight" / "runs").rglob("metrics.json")]
    assert run_dir.name == straight_dir.name
    done, again = (json.loads((d / "metrics.json").read_text()) for d in (straight_dir, run_dir))
    assert again["summary"] == done["summary"] and again["iterations"] == done["iterations"]
    for records in straight_dir.rglob("records.jsonl"):
        assert (run_dir / records.relative_to(straight_dir)).read_text() == records.read_text()
