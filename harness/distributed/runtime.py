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
# hours on a real model. Training collectives (weights, gradients, stats) use the default group,
# whose timeout is torch's usual: a rank that dies mid-phase stops the others within it (torchrun
# also stops every rank as soon as one fails; submitit tasks rely on the timeout).
WAIT_TIMEOUT = datetime.timedelta(hours=24)
STEP_TIMEOUT = datetime.timedelta(minutes=30)

_STRATEGY = "single"
_CONTROL = None  # a gloo group that only carries phase descriptions, pickled, on the CPU
_BROKEN = False  # a phase failed on rank 0: the other ranks are mid-collective, not waiting for messages


def launched_world_size() -> int:
    return int(os.environ.get("WORLD_SIZE", "1"))


def rank() -> int:
    return dist.get_rank() if dist.is_initialized() else int(os.environ.get("RANK", "0"))


def world_size() -> int:
    return dist.get_world_size() if dist.is_initialized() else 1


def device() -> torch.device:
    """This rank's training device: its own GPU (LOCAL_RANK; modulo the GPUs it can see, for
    clusters that bind one GPU per task) when there are GPUs, else the CPU."""
    if torch.cuda.is_available():
        return torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")) % torch.cuda.device_count())
    return torch.device("cpu")


def adopt_submitit_tasks() -> None:
    """Inside a submitit job with several tasks (hydra/launcher=slurm_8gpu_ddp, or submitit_local
    with tasks_per_node > 1): torch.distributed's variables from submitit's job environment, the
    way torchrun would set them. The first host is the rendezvous; the port follows the job id
    (each element of a sweep's job array has its own), so concurrent jobs on a node do not collide."""
    if "WORLD_SIZE" in os.environ:
        return
    try:
        import submitit

        env = submitit.JobEnvironment()
    except (ImportError, RuntimeError):  # not a submitit job
        return
    if env.num_tasks > 1:
        job = int("".join(c for c in str(getattr(env, "raw_job_id", env.job_id)) if c.isdigit()) or 0)
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
    dist.init_process_group(backend=backend, timeout=STEP_TIMEOUT)
    _CONTROL = dist.new_group(backend="gloo", timeout=WAIT_TIMEOUT)
    return True


def active_group() -> bool:
    return dist.is_initialized()


def configure(cfg) -> None:
    """Each job, on rank 0: adopt its `dist` config, checked against how the processes were launched
    and against what cannot run across ranks."""
    global _STRATEGY
    from ..config import check

    dcfg = cfg.get("dist")
    strategy = dcfg.strategy if dcfg is not None else "single"
    n = world_size()
    check(strategy, strategy != "single" or n == 1, "dist.strategy", f"ddp or fsdp: the launcher started {n} "
          "processes, and dist=single would leave all but one idle", hint="add dist=ddp or dist=fsdp, or launch one process")
    if n > 1:
        # vLLM's in-process engine joins the existing process group and waits for every rank, while
        # the other ranks wait for training phases: the two cannot share a launch
        check(cfg.sampler.backend, cfg.sampler.backend != "vllm", "sampler.backend", f"hf when training on {n} processes "
              "(vLLM's engine would join the training group and wait for ranks that are waiting for rank 0)",
              hint="use sampler=hf with dist=, or one process with sampler=vllm")
    if strategy == "fsdp":
        for key, value in _optimiser_knobs(cfg):
            check(value, value == "adamw", key, "adamw with dist=fsdp (bitsandbytes' 8-bit AdamW cannot step FSDP's "
                  "sharded DTensor parameters)", hint=f"use {key}=adamw, or dist=ddp")
    if strategy != "single" and n == 1:
        log.info("dist=%s on a single process: training runs unsharded (launch with torchrun --nproc_per_node N "
                 "to spread it)", strategy)
    _STRATEGY = strategy


def _optimiser_knobs(cfg, where: str = ""):
    """(dotted key, value) of every `optimizer` knob in the config's training blocks."""
    from omegaconf import DictConfig

    for key in cfg.keys():
        node = cfg._get_node(key)
        dotted = f"{where}.{key}" if where else str(key)
        if key == "optimizer" and isinstance(cfg[key], str):
            yield dotted, cfg[key]
        elif isinstance(node, DictConfig) and not node._is_none():
            yield from _optimiser_knobs(node, dotted)


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


def phase_failed() -> None:
    """Rank 0: a phase raised while the other ranks were inside its collectives."""
    global _BROKEN
    _BROKEN = True


def shutdown() -> None:
    """Rank 0, at exit: release the waiting ranks, then leave the group. After a failed phase the
    other ranks are not listening: they stop on the step timeout (or torchrun stops them)."""
    if not dist.is_initialized():
        return
    if rank() == 0 and not _BROKEN:
        send(None)
    dist.destroy_process_group()
