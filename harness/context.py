"""RunContext: what a method receives. It owns the run's store, policy, sampler and data, and
runs named stages: each stage is seeded from (run seed, stage name), persisted atomically, and
skipped on a re-run once done, so a killed run resumes at its first unfinished stage.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from . import tracking
from .judges.protocol import JudgeCalls
from .records import records_to_rows
from .store import AtomicDir, RunStore, atomic_write_json, atomic_write_jsonl, read_jsonl

log = logging.getLogger("selfalign")

COUNTERS = ("tokens_generated", "sampler_calls", "judge_calls", "train_tokens", "judge_cache_hits", "judge_cache_misses")


def stage_seed(seed: int, stage: str) -> int:
    return int(hashlib.sha256(f"{seed}:{stage}".encode()).hexdigest()[:8], 16)


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


class RunContext:
    def __init__(self, cfg, method_cfg, store: RunStore, data, policy_factory: Callable, sampler_factory: Callable):
        self.cfg = cfg
        self.method_cfg = method_cfg
        self.store = store
        self.data = data
        self.progress = bool(cfg.progress)
        self._policy_factory = policy_factory
        self._sampler_factory = sampler_factory
        self._policy = None
        self._sampler = None
        # The judgment cache is shared by every run in a process (a multirun): its hit and miss
        # counts are read relative to where they stood when this run's sampler was made.
        self._cache_base = (0, 0)
        self._pending_checkpoint: Path | None = None
        # unique and increasing: the last finished stage's order, not a count (a redone stage leaves a gap)
        self._order = max((store.done_info(s).get("order", 0) for s in store.completed_stages()), default=0)
        self.counters = {k: 0 for k in COUNTERS}
        self.iterations: list[dict] = []

    # -- lazily built model and sampler ------------------------------------------------------
    @property
    def policy(self):
        if self._policy is None:
            self._policy = self._policy_factory()
        if self._pending_checkpoint is not None:
            self._policy.load_weights(self._pending_checkpoint)
            self._pending_checkpoint = None
        return self._policy

    @property
    def sampler(self):
        policy = self.policy
        if self._sampler is None:
            self._sampler = self._sampler_factory(policy)
            cache = getattr(self._sampler, "judgment_cache", None)
            self._cache_base = (cache.hits, cache.misses) if cache is not None else (0, 0)
        self._sampler.sync_weights(policy)
        return self._sampler

    def close_sampler(self) -> None:
        """Release the sampler's engine, if it has one (vLLM)."""
        close = getattr(self._sampler, "close", None)
        if close:
            close(remove_weights=True)

    def sampler_stats(self) -> dict:
        """Backend facts worth keeping with the metrics (vLLM: engine start and weight-sync times)."""
        stats = getattr(self._sampler, "stats", None)
        return stats() if stats else {}

    @property
    def run_dir(self) -> Path:
        return self.store.run_dir

    def seed(self, stage: str) -> int:
        return stage_seed(int(self.cfg.seed), stage)

    def count(self, **deltas) -> None:
        for k, v in deltas.items():
            self.counters[k] = self.counters.get(k, 0) + int(v)

    @contextmanager
    def judge_calls(self):
        """A JudgeCalls for the judges called inside the block; its count joins this run's
        counters when the block ends (judges report calls, they keep no count of their own)."""
        calls = JudgeCalls()
        yield calls
        self.count(judge_calls=calls.n)

    def _snapshot(self) -> dict:
        """Running totals: the sampler counts its own tokens and calls, the rest is counted here."""
        snap = dict(self.counters)
        if self._sampler is not None:
            snap["tokens_generated"] += self._sampler.tokens_generated
            snap["sampler_calls"] += self._sampler.calls
            cache = getattr(self._sampler, "judgment_cache", None)
            if cache is not None:
                snap["judge_cache_hits"] += cache.hits - self._cache_base[0]
                snap["judge_cache_misses"] += cache.misses - self._cache_base[1]
        return snap

    # -- stages -------------------------------------------------------------------------------
    def _run(self, name: str, compute: Callable, save: Callable[[Path, object], None], extra_cost: dict | None = None):
        self.store.clear_stage(name)
        if self._pending_checkpoint is not None:
            # A resumed run skipped training stages: load their weights before any stage computes,
            # since a stage may reach the model only through a judge holding the sampler.
            _ = self.policy
        seed_everything(self.seed(name))
        before = self._snapshot()
        start = time.perf_counter()
        log.info("stage %s: running", name)
        value = compute()
        save(self.store.stage_dir(name), value)
        after = self._snapshot()
        cost = {k: after[k] - before.get(k, 0) for k in after}
        cost["wall_s"] = time.perf_counter() - start
        for k, v in (extra_cost or {}).items():
            cost[k] = cost.get(k, 0) + v
        self._order += 1
        self.store.mark_done(name, {"order": self._order, "cost": cost})
        tracking.log(f"stage/{name}", {k: v for k, v in cost.items() if v or k == "wall_s"}, step=self._order)
        log.info("stage %s: done in %.1fs", name, cost["wall_s"])
        return value

    def records(self, name: str, cls, compute: Callable[[], list]) -> list:
        path = lambda d: d / "records.jsonl"  # noqa: E731
        if self.store.is_done(name):
            return [cls.from_dict(r) for r in read_jsonl(path(self.store.stage_dir(name)))]
        return self._run(name, compute, lambda d, v: atomic_write_jsonl(path(d), records_to_rows(v)))

    def json(self, name: str, compute: Callable[[], dict]) -> dict:
        path = lambda d: d / "result.json"  # noqa: E731
        if self.store.is_done(name):
            return json.loads(path(self.store.stage_dir(name)).read_text())
        return self._run(name, compute, lambda d, v: atomic_write_json(path(d), v))

    def checkpoint(self, name: str) -> Path:
        """Where the training stage `name` keeps its weights (the one place that knows the layout)."""
        return self.store.stage_dir(name) / "checkpoint"

    def train(self, name: str, fit: Callable[[], dict]) -> dict:
        """A stage that changes the policy's weights: `fit()` trains self.policy in place and
        returns its stats; the weights are saved as the stage's checkpoint (`checkpoint(name)`)."""
        if self.store.is_done(name):
            self._pending_checkpoint = self.checkpoint(name)
            return json.loads((self.store.stage_dir(name) / "result.json").read_text())

        def save(d: Path, stats: dict) -> None:
            with AtomicDir(self.checkpoint(name)) as tmp:
                self.policy.save(tmp)
            atomic_write_json(d / "result.json", stats)

        def compute():
            release = getattr(self._sampler, "release_memory", None)
            if release:  # a colocated engine's GPU memory goes to training (vLLM sleep mode)
                release()
            stats = fit()
            self.count(train_tokens=stats.get("train_tokens", 0))
            return stats

        return self._run(name, compute, save)

    def adopt_checkpoint(self, name: str, folder: Path, info: dict) -> dict:
        """Record a stage whose weights come from the shared cache (e.g. the seed SFT model), so
        its cost is attributed to this run even when another run built it."""
        if not self.store.is_done(name):
            self._run(name, lambda: info, lambda d, v: atomic_write_json(d / "result.json", {"folder": str(folder)}),
                      extra_cost=info.get("cost", {}))
        self._pending_checkpoint = Path(folder)
        return info

    def model_folders(self) -> dict[str, Path]:
        """Saved weights of this run by stage, in the order they were made: the adopted seed model
        first, then every training stage's checkpoint."""
        found = []
        for stage in self.store.completed_stages():
            d = self.store.stage_dir(stage)
            if (d / "checkpoint" / "config.json").exists():
                found.append((self.store.done_info(stage).get("order", 0), stage, d / "checkpoint"))
            elif (d / "result.json").exists() and "folder" in (meta := json.loads((d / "result.json").read_text())):
                found.append((self.store.done_info(stage).get("order", 0), stage, Path(meta["folder"])))
        return {stage: folder for _, stage, folder in sorted(found)}

    def log_iteration(self, metrics: dict) -> None:
        self.iterations.append(metrics)
        # the evaluation on its own series, the iteration's other numbers (pairs kept, parse failures) beside it
        tracking.log("eval", metrics.get("eval") or {}, step=int(metrics.get("iteration", 0)))
        tracking.log("iteration", {k: v for k, v in metrics.items() if k != "eval"}, step=int(metrics.get("iteration", 0)))
        log.info("iteration %s: %s", metrics.get("iteration"), {k: v for k, v in metrics.items() if not isinstance(v, (dict, list))})

    def total_cost(self, evaluation: bool = False) -> dict:
        """Summed cost of the method's stages, or (evaluation=True) of its evaluation stages
        (named "eval/..."), which are measurement, not part of the method's price."""
        totals: dict[str, float] = {}
        for stage in self.store.completed_stages():
            if stage.startswith("eval/") != evaluation:
                continue
            for k, v in self.store.done_info(stage).get("cost", {}).items():
                totals[k] = totals.get(k, 0) + v
        return totals
