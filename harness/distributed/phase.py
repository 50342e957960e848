"""One training phase run by every rank: rank 0 describes it, each rank builds a network of the
same shape, rank 0's weights are broadcast, DDP or FSDP2 wraps the network, the shared loop runs
on each rank's share of every batch, and rank 0 ends up holding the trained weights."""

from __future__ import annotations

import copy
import gc
import logging
from dataclasses import dataclass

import torch
import torch.distributed as dist

from ..training.batch_loss import ShardableLoss
from ..training.steps import run_loop
from . import runtime
from .shard import Shard

log = logging.getLogger("selfalign")


@dataclass
class ModelShape:
    """What another rank needs to build the same network: the base's transformers config, the
    LoRA adapter's config (or None), and every parameter and buffer's name and dtype in order."""

    config: object
    adapter: object
    tensors: list[tuple[str, torch.dtype]]
    gradient_checkpointing: bool = False


@dataclass
class Phase:
    strategy: str
    shape: ModelShape
    loss: ShardableLoss
    n_items: int
    train: object  # TrainConfig-like optimiser knobs
    seed: int
    desc: str


def _named_tensors(model) -> list[tuple[str, torch.Tensor]]:
    return list(model.named_parameters()) + list(model.named_buffers())


def describe(model) -> ModelShape:
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    adapter = model.peft_config["default"] if hasattr(model, "peft_config") else None
    return ModelShape(base.config, adapter, [(n, t.dtype) for n, t in _named_tensors(model)],
                      bool(getattr(base, "is_gradient_checkpointing", False)))


def build(shape: ModelShape, device: torch.device):
    """An uninitialised network of `shape` on `device` (its values arrive by broadcast)."""
    from transformers import AutoModelForCausalLM

    with torch.device("meta"):
        model = AutoModelForCausalLM.from_config(shape.config)
    model = model.to_empty(device=device)
    model.tie_weights()  # to_empty gives tied parameters separate storage
    if shape.adapter is not None:
        from peft import get_peft_model

        model = get_peft_model(model, copy.deepcopy(shape.adapter))
    if shape.gradient_checkpointing:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    dtypes = dict(shape.tensors)
    for name, t in _named_tensors(model):
        if name in dtypes and t.dtype != dtypes[name]:
            t.data = t.data.to(dtypes[name])
    names = [n for n, _ in _named_tensors(model)]
    expected = [n for n, _ in shape.tensors]
    if names != expected:
        first = next((f"{a!r} where rank 0 has {b!r}" for a, b in zip(names, expected) if a != b),
                     f"{len(names)} tensors where rank 0 has {len(expected)}")
        raise RuntimeError(f"rank {runtime.rank()} built a network that differs from rank 0's: {first}. Every rank must "
                           f"run the same code and package versions.")
    return model


def broadcast_weights(model) -> None:
    for _, t in _named_tensors(model):
        dist.broadcast(t.data, src=0)


def _fully_shard(model, device: torch.device):
    """FSDP2: one shard group per decoder layer (the classes transformers will not split), then the rest."""
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.fsdp import fully_shard

    mesh = init_device_mesh(device.type, (runtime.world_size(),))
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    layer_types = set(getattr(base, "_no_split_modules", None) or ())
    for module in model.modules():
        if type(module).__name__ in layer_types:
            fully_shard(module, mesh=mesh)
    fully_shard(model, mesh=mesh)
    return model


def _fit(model, phase: Phase, device: torch.device, progress: bool) -> dict:
    """Every rank: wrap, train, and leave rank 0's `model` with the trained weights."""
    broadcast_weights(model)
    if phase.strategy == "ddp":
        from torch.nn.parallel import DistributedDataParallel

        # gradients live in DDP's all-reduce buckets instead of a second copy beside them
        trained = DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None,
                                          gradient_as_bucket_view=True)
    else:  # fsdp: shard a copy on rank 0, whose own network must stay whole for sampling
        trained = _fully_shard(copy.deepcopy(model) if runtime.rank() == 0 else model, device)
    shard = Shard(runtime.rank(), runtime.world_size(), phase.loss.weight)
    stats = run_loop(trained, phase.n_items, lambda idx: phase.loss(trained, idx, device), phase.train, phase.seed,
                     phase.desc, progress, shard=shard, log_steps=runtime.rank() == 0)
    if phase.strategy == "fsdp":
        from torch.distributed.checkpoint.state_dict import StateDictOptions, get_model_state_dict

        full = get_model_state_dict(trained, options=StateDictOptions(full_state_dict=True, cpu_offload=True))
        if runtime.rank() == 0:
            model.load_state_dict(full)
    dist.barrier()
    return stats


def _release_memory() -> None:
    """The wrapped or sharded copy and its optimiser state go now, before sampling needs the memory."""
    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def train_on_all_ranks(model, n_items: int, loss: ShardableLoss, train, seed: int, desc: str, progress: bool) -> dict:
    """Rank 0: runs one phase on every rank and returns the loop's stats."""
    phase = Phase(runtime.strategy(), describe(model), loss, n_items, train, seed, desc)
    runtime.send(phase)
    try:
        return _fit(model, phase, next(model.parameters()).device, progress)
    except BaseException:
        runtime.phase_failed()  # the other ranks are inside this phase's collectives, not listening
        raise
    finally:
        _release_memory()


def serve() -> None:
    """Ranks other than 0: train each phase rank 0 sends until it says stop. An error here ends
    this process (and, under torchrun, the job); rank 0 stops at its next collective's timeout."""
    device = runtime.device()
    while (phase := runtime.receive()) is not None:
        model = build(phase.shape, device)
        _fit(model, phase, device, progress=False)
        del model
        _release_memory()


def serve_if_worker() -> bool:
    """Joins a launched group; on ranks above 0, trains the phases rank 0 sends until it says stop
    (then True: this process has nothing else to do)."""
    if not (runtime.init_from_env() and runtime.rank() != 0):
        return False
    try:
        serve()
    finally:
        dist.destroy_process_group()
    return True
