"""Data-parallel training on 2 CPU processes (torch's gloo backend), launched by torchrun.

One training phase under DDP and under FSDP2 must match one process with the same global batch:
the per-step numbers the loop logs within LOSS_TOL and the final weights within WEIGHT_TOL (float
sums in another order). Batches deliberately split unevenly (13 items, batch 4: one batch smaller
than the world), so the per-rank weighting is exercised. A different batch order moves the weights
by far more than WEIGHT_TOL, so the tolerance can tell a wrong run from a right one. End to end,
`torchrun -m harness.cli ... dist=ddp|fsdp`, and two submitit tasks (as hydra/launcher=slurm_8gpu_ddp
starts eight), train the same model as one process, with one writer.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from conftest import FAST, REPO, run_cli

LOSS_TOL = 1e-5  # per-step loss, reward accuracy, margin, lr, grad norm (absolute)
WEIGHT_TOL = 5e-5  # largest absolute difference of any final weight
JOB = REPO / "tests" / "distributed_phase_job.py"


def _torchrun(args: list[str], cwd: Path, env: dict | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO), **(env or {})}
    return subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", *args],
                          capture_output=True, text=True, env=env, timeout=timeout, cwd=cwd)


@pytest.fixture(scope="module")
def phases(tmp_path_factory) -> Path:
    """One folder per test module (and xdist worker): each one-process reference phase runs once."""
    return tmp_path_factory.mktemp("phases")


def _phase(tmp_path: Path, strategy: str, kind: str, seed: int = 3) -> dict:
    out = tmp_path / f"{strategy}-{kind}-{seed}.pt"
    if out.exists():
        return torch.load(out, weights_only=False)
    if strategy == "single":
        env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
        proc = subprocess.run([sys.executable, str(JOB), strategy, kind, str(out), str(seed)], capture_output=True,
                              text=True, env=env, timeout=300, cwd=tmp_path)
    else:
        proc = _torchrun([str(JOB), strategy, kind, str(out), str(seed)], tmp_path)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return torch.load(out, weights_only=False)


def _largest_weight_difference(a: dict, b: dict) -> float:
    assert a.keys() == b.keys()
    return max(float((a[k].float() - b[k].float()).abs().max()) for k in a)


@pytest.mark.parametrize("strategy,kind", [("ddp", "daa"), ("fsdp", "daa"), ("ddp", "sft"), ("fsdp", "daa_lora")])
def test_a_phase_on_two_ranks_matches_one_process(phases, strategy, kind):
    one, two = _phase(phases, "single", kind), _phase(phases, strategy, kind)
    assert len(one["steps"]) == len(two["steps"]) == 4  # 2 epochs x 4 batches, 2 accumulated per step
    for a, b in zip(one["steps"], two["steps"]):
        assert a.keys() == b.keys()
        assert all(abs(a[k] - b[k]) <= LOSS_TOL for k in a), (a, b)
    assert _largest_weight_difference(one["state"], two["state"]) <= WEIGHT_TOL


def test_the_weight_tolerance_separates_another_batch_order(phases):
    """Negative control: the same phase with another batch order is not 'equal' under WEIGHT_TOL."""
    assert _largest_weight_difference(_phase(phases, "single", "daa", seed=3)["state"],
                                      _phase(phases, "single", "daa", seed=4)["state"]) > 100 * WEIGHT_TOL


def _cli_run(tmp_path: Path, cache_dir: Path, strategy: str, launcher: str = "torchrun") -> Path:
    runs = tmp_path / f"{strategy}-{launcher}" / "runs"
    runs.parent.mkdir(parents=True)
    args = ["method=dpo", *FAST, "logger=tensorboard"]
    if strategy == "single":
        proc = run_cli(args, runs, cache_dir)
    elif launcher == "submitit_local":  # two submitit tasks form the group, as on a SLURM node
        proc = run_cli(["-m", *args, f"dist={strategy}", "hydra/launcher=submitit_local",
                        "hydra.launcher.tasks_per_node=2"], runs, cache_dir)
    else:
        proc = _torchrun(["-m", "harness.cli", *args, f"dist={strategy}"], runs.parent,
                         env={"SELFALIGN_RUNS": str(runs), "SELFALIGN_CACHE": str(cache_dir)})
    assert proc.returncode == 0, proc.stderr[-3000:]
    return next(runs.rglob("metrics.json")).parent


def _losses(run_dir: Path) -> list[float]:
    from tensorboard.backend.event_processing import event_accumulator

    ea = event_accumulator.EventAccumulator(str(run_dir / "tracking"))
    ea.Reload()
    return [e.value for e in ea.Scalars("train/loss")]


@pytest.mark.parametrize("launchers", [[("ddp", "torchrun"), ("fsdp", "torchrun")], [("ddp", "submitit_local")]],
                         ids=["torchrun", "submitit-tasks"])
def test_a_launched_group_trains_the_same_model_with_one_writer(tmp_path, cache_dir, launchers):
    from safetensors.torch import load_file

    if launchers[0][1] == "submitit_local":
        pytest.importorskip("hydra_plugins.hydra_submitit_launcher")
    one = _cli_run(tmp_path, cache_dir, "single")  # also builds the shared seed model first
    for strategy, launcher in launchers:
        two = _cli_run(tmp_path, cache_dir, strategy, launcher)
        assert two.name == one.name  # dist is not part of a run's identity
        weights = [load_file(d / "stages/train/checkpoint/model.safetensors") for d in (one, two)]
        assert _largest_weight_difference(*weights) <= WEIGHT_TOL
        assert _losses(one) == pytest.approx(_losses(two), abs=LOSS_TOL) and _losses(one)
        provenance = json.loads((two / "provenance.json").read_text())
        assert provenance["dist"] == {"strategy": strategy, "world_size": 2}
        log = (two / "run.log").read_text()
        assert log.count("run dir:") == 1  # rank 0 alone opened the run and wrote its files
        assert len(list((two / "tracking").glob("events.out.tfevents.*"))) == 1


@pytest.mark.parametrize("extra, expect", [
    ([], ["dist.strategy='single'", "launcher started 2 processes", "dist=ddp"]),
    (["dist=ddp", "sampler=vllm"], ["sampler.backend='vllm'", "hf when training on 2 processes"]),
    (["dist=fsdp", "seed_sft.train.optimizer=adamw_8bit"], ["seed_sft.train.optimizer='adamw_8bit'", "adamw with dist=fsdp"]),
], ids=["dist-single", "vllm", "fsdp-8bit"])
def test_what_cannot_run_on_several_processes_is_refused_and_every_rank_exits(tmp_path, cache_dir, extra, expect):
    runs = tmp_path / "runs"
    proc = _torchrun(["-m", "harness.cli", "method=dpo", *FAST, *extra], tmp_path,
                     env={"SELFALIGN_RUNS": str(runs), "SELFALIGN_CACHE": str(cache_dir)}, timeout=120)
    assert proc.returncode != 0
    err = " ".join(proc.stderr.split())
    assert all(e in err for e in expect), err[-2000:]
