"""One job: validate the config, open (or resume) the run directory, run the method, write
metrics.json, and register the run with the sweep so the leaderboard can find it."""

from __future__ import annotations

import logging
import shutil
import time
from pathlib import Path

import torch
from omegaconf import DictConfig, OmegaConf

from . import distributed, provenance, stages, tracking
from .config import validate_config
from .context import RunContext
from .data.provider import DataProvider
from .inputs import input_digests
from .judges.judgment_cache import with_judgment_cache
from .judges.rubric import RubricJudgeConfig
from .judges.templates import TEMPLATES
from .logs import setup_logging
from .method_knobs import method_config
from .registry import get_method
from .run_lock import RunLock
from .store import RunStore, atomic_write_text, run_dir_for

log = logging.getLogger("selfalign")


def _sweep_dir() -> Path | None:
    try:
        from hydra.core.hydra_config import HydraConfig
        from hydra.types import RunMode

        hc = HydraConfig.get()
        return Path(hc.sweep.dir) if hc.mode == RunMode.MULTIRUN else None
    except (ValueError, ImportError):
        return None


def register_with_sweep(run_dir: Path) -> None:
    sweep = _sweep_dir()
    if sweep is None:
        return
    sweep.mkdir(parents=True, exist_ok=True)
    with open(sweep / "runs.txt", "a", encoding="utf-8") as f:
        f.write(str(run_dir.resolve()) + "\n")


def record_provenance(store: RunStore, seed: int, inputs: dict) -> None:
    """The first invocation's provenance is kept; a resume appends its own, so a result made
    across several invocations (and possibly code versions) says so."""
    now = provenance.collect(seed, TEMPLATES)
    now["inputs"] = inputs
    now["dist"] = {"strategy": distributed.runtime.strategy(), "world_size": distributed.world_size()}
    path = store.run_dir / "provenance.json"
    if path.exists():
        first = store.read_json("provenance.json")
        first.setdefault("resumed_by", []).append({k: now[k] for k in ("argv", "git", "packages", "dist", "inputs")})
        now = first
    store.write_json("provenance.json", now)


def open_run(cfg: DictConfig, mcfg, run_dir: Path) -> RunContext:
    """The run directory (config and provenance written, logging into it) and the RunContext over
    it: the same setup for a method's job and for any other app that runs stages."""
    from .models.loading import load_policy, resolve_device
    from .sampling.factory import make_sampler

    if cfg.threads:
        torch.set_num_threads(int(cfg.threads))
    store = RunStore(run_dir)
    setup_logging(store.run_dir)
    resumed = store.completed_stages()
    log.info("%s run dir: %s%s", cfg.method.name, store.run_dir,
             f" (resuming after {len(resumed)} finished stages)" if resumed else "")
    atomic_write_text(store.run_dir / "config.yaml", OmegaConf.to_yaml(cfg, resolve=True))
    record_provenance(store, int(cfg.seed), input_digests(OmegaConf.to_container(cfg, resolve=True)))
    tracking.open_tracker(cfg, store.run_dir, OmegaConf.to_container(cfg, resolve=True),
                          store.read_json("provenance.json"))

    device = resolve_device(cfg.device)
    entry = get_method(cfg.method.name)
    template = entry.judge_template(mcfg) if entry.judge_template else RubricJudgeConfig.template
    data = DataProvider(cfg.data, judge_template=template)
    data.check_local_files()
    return RunContext(
        cfg, mcfg, store, data,
        policy_factory=lambda: load_policy(cfg.model, cfg.store.cache, device, data, progress=cfg.progress),
        sampler_factory=lambda policy: with_judgment_cache(
            make_sampler(policy, cfg.sampler, cfg.model, store.run_dir / "sampler", progress=cfg.progress), cfg.store),
    )


def run_identity(resolved: dict) -> dict:
    """What a run directory is keyed by: the resolved config plus the embedded world's version.
    A world change (new families, grading or seed data) makes every stored stage of an older run
    stale though no knob changed, so such a run must start afresh rather than resume. Likewise the
    file a hub AlpacaEval set means (its references) is part of the identity, since what
    `tatsu-lab/alpaca_eval` names has changed before."""
    from .data.alpaca_set import HUB_FILE
    from .world.generators import WORLD_VERSION

    identity = {**resolved, "world_version": WORLD_VERSION}
    digests = input_digests(resolved)
    if digests:  # local files by content: the same path with new rows is a new run
        identity["inputs"] = digests
    source = (resolved.get("data") or {}).get("alpaca_eval_set")
    if source and not Path(source).expanduser().exists() and ":" not in source:
        identity["alpaca_eval_file"] = HUB_FILE
    return identity


def run_job(cfg: DictConfig) -> Path:
    from .planning.bill import check_prompt_pool

    validate_config(cfg)
    distributed.configure(cfg)
    entry = get_method(cfg.method.name)
    mcfg = method_config(entry, cfg.method)
    check_prompt_pool(cfg)  # a pool too small for the recipe fails here, not after M1 is built
    resolved = OmegaConf.to_container(cfg, resolve=True)
    run_dir = run_dir_for(run_identity(resolved), cfg.store.root)
    fresh = not run_dir.exists()
    with RunLock(run_dir):  # taken before anything in the run directory is read or written
        try:
            ctx = open_run(cfg, mcfg, run_dir)
            store = ctx.store
            start = time.perf_counter()
            try:
                metrics = _run_method(cfg, entry, mcfg, resolved, ctx, start)
            finally:
                tracking.close()  # a tracker left open would take the next job's logs
        except Exception:
            if fresh and not RunStore(run_dir).completed_stages():  # a failed start leaves nothing behind
                shutil.rmtree(run_dir, ignore_errors=True)
            raise
    register_with_sweep(store.run_dir)
    from .report import format_row
    log.info("done: %s", format_row(metrics))
    return store.run_dir


def _run_method(cfg, entry, mcfg, resolved: dict, ctx: RunContext, start: float) -> dict:
    store = ctx.store
    summary = entry.run(ctx)
    capability = stages.capability(ctx) if cfg.eval.lm_eval_tasks else None
    metrics = {
        "method": entry.name, "model": cfg.model.name, "seed": int(cfg.seed), "has_judge": entry.has_judge,
        "variant": entry.describe_variant(mcfg, resolved),  # label + seedless config hash: the leaderboard row
        "run_dir": str(store.run_dir), "summary": summary, "iterations": ctx.iterations,
        "capability": capability,
        "cost": ctx.total_cost(), "eval_cost": ctx.total_cost(evaluation=True),
        "wall_s_this_invocation": time.perf_counter() - start,
        "sampler": {"backend": cfg.sampler.backend, **ctx.sampler_stats()},
    }
    store.write_json("metrics.json", metrics)
    tracking.log("final", {"summary": summary, "cost": metrics["cost"], "eval_cost": metrics["eval_cost"]}, step=0)
    ctx.close_sampler()
    return metrics
