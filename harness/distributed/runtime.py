"""The process group: started from the launcher's environment (RANK, WORLD_SIZE, MASTER_ADDR),
the strategy the run chose, and the control channel rank 0 sends phases over."""

from __future__ import annotations

import datetime
import logging
import os

import torch
import torch.distributed as dist

log = logging.getLogger("selfalign")

# Ranks other than 0 wait on the control channel while rank 0 samples and judges, which can take
# hours on a real model; a dead rank 0 is caught by the launcher (torchrun stops every rank when
# one fails), not by this timeout.
WAIT_TIMEOUT = datetime.timedelta(hours=24)

_STRATEGY = "single"
_CONTROL = None  # a gloo group: phase descriptions travel as pickled objects on the CPU


def launched_world_size() -> int:
    return int(os.environ.get("WORLD_SIZE", "1"))


def rank() -> int:
    return dist.get_rank() if dist.is_initialized() else int(os.environ.get("RANK", "0"))


def world_size() -> int:
    return dist.get_world_size() if dist.is_initialized() else 1


def device() -> torch.device:
    """This rank's training device: its own GPU (LOCAL_RANK) when there are GPUs, else the CPU."""
    if torch.cuda.is_available():
        return torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
    return torch.device("cpu")


def adopt_submitit_tasks() -> None:
    """Inside a submitit job with several tasks (hydra/launcher=slurm_8gpu_ddp, or submitit_local
    with tasks_per_node > 1): torch.distributed's variables from submitit's job environment, the
    way torchrun would set them. The first host is the rendezvous; the port follows the job id,
    so concurrent jobs on one node do not collide."""
    if "WORLD_SIZE" in os.environ:
        return
    try:
        import submitit

        env = submitit.JobEnvironment()
    except (ImportError, RuntimeError):  # not a submitit job
        return
    if env.num_tasks > 1:
        job = int("".join(c for c in str(env.job_id).split("_")[0] if c.isdigit()) or 0)
        os.environ.update(RANK=str(env.global_rank), LOCAL_RANK=str(env.local_rank), WORLD_SIZE=str(env.num_tasks),
                          MASTER_ADDR=env.hostnames[0], MASTER_PORT=str(20000 + job % 20000))


def init_from_env() -> bool:
    """Joins the process group when a launcher started several processes; True if it did."""
    global _CONTROL
    if launched_world_size() <= 1 or dist.is_initialized():
        return dist.is_initialized()
    backend = "nccl" if torch.cuda.is_available() else "gloo"
    if backend == "nccl":
        torch.cuda.set_device(device())
    dist.init_process_group(backend=backend, timeout=WAIT_TIMEOUT)
    _CONTROL = dist.new_group(backend="gloo", timeout=WAIT_TIMEOUT) if backend != "gloo" else None
    return True


def active_group() -> bool:
    return dist.is_initialized()


def configure(dcfg) -> None:
    """Each job, on rank 0: adopt its `dist` config, checked against how the processes were launched."""
    global _STRATEGY
    from ..config import check

    strategy = dcfg.strategy if dcfg is not None else "single"
    n = world_size()
    check(strategy, strategy != "single" or n == 1, "dist.strategy", f"ddp or fsdp: the launcher started {n} "
          "processes, and dist=single would leave all but one idle", hint="add dist=ddp or dist=fsdp, or launch one process")
    if strategy != "single" and n == 1:
        log.info("dist=%s on a single process: training runs unsharded (launch with torchrun --nproc_per_node N "
                 "to spread it)", strategy)
    _STRATEGY = strategy


def strategy() -> str:
    return _STRATEGY


def active() -> bool:
    """True when training phases are spread over several ranks."""
    return _STRATEGY != "single" and world_size() > 1


def control_group():
    return _CONTROL


def send(message) -> None:
    """Rank 0: hand one message (a phase, or None for "stop") to every other rank."""
    dist.broadcast_object_list([message], src=0, group=_CONTROL)


def receive():
    box = [None]
    dist.broadcast_object_list(box, src=0, group=_CONTROL)
    return box[0]


def shutdown() -> None:
    """Rank 0, at exit: release the waiting ranks, then leave the group."""
    if not dist.is_initialized():
        return
    if rank() == 0:
        send(None)
    dist.destroy_process_group()
