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


@pytest.mark.parametrize("name, target, gpus", [("slurm_1gpu", "SlurmLauncher", 1), ("slurm_8gpu", "SlurmLauncher", 8),
                                                ("submitit_local", "LocalLauncher", None)])
def test_cluster_presets_compose_to_submitit(name, target, gpus):
    launcher = _launcher(name)
    assert launcher._target_.endswith(target)
    assert launcher.gpus_per_node == gpus
    if target == "SlurmLauncher":
        assert launcher.max_num_timeout > 0  # a job killed at its time limit is requeued, and resumes


def _span(run_dir) -> tuple[datetime, datetime]:
    stamps = [datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f")
              for line in (run_dir / "run.log").read_text().splitlines() if line[:4].isdigit()]
    return stamps[0], stamps[-1]


def test_two_jobs_run_at_once_into_their_own_directories_and_one_leaderboard(tmp_path, cache_dir):
    runs = tmp_path / "runs"
    warm = run_cli(["method=sft", *FAST], tmp_path / "warm", cache_dir)  # the tiny base, built once beforehand
    assert warm.returncode == 0, warm.stderr[-2000:]
    # two jobs of equal work (each trains for seconds), so that running at once shows as overlap
    proc = run_cli(["-m", "method=dpo", "seed=0,1", "hydra/launcher=local_parallel", "threads=1", *FAST], runs, cache_dir)
    assert proc.returncode == 0, proc.stderr[-3000:]
    dirs = {json.loads(f.read_text())["seed"]: f.parent for f in runs.rglob("metrics.json")}
    assert set(dirs) == {0, 1} and dirs[0] != dirs[1]
    (start_a, end_a), (start_b, end_b) = _span(dirs[0]), _span(dirs[1])
    assert start_a < end_b and start_b < end_a  # the two jobs overlapped in time
    (sweep,) = (runs / "sweeps").iterdir()
    board = (sweep / "leaderboard.md").read_text()
    assert "| dpo | tiny | 2 |" in board  # one leaderboard: both seeds in one row
    assert len((sweep / "runs.txt").read_text().split()) == 2
