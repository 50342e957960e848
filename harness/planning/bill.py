"""A compute bill for a composed config, before anything runs: the method's phases (phases.py)
turned into the counters a run records (sampler_calls, judge_calls, tokens_generated,
train_tokens), split like metrics.json into the method's cost and the evaluation's, plus the
prompts drawn from the pool, model loads, weight syncs and an optional GPU-hour estimate.

Without stored runs every count is its cold bound: calls as if nothing were cached or
deduplicated, tokens at max_new_tokens, training sequences at model.max_length. With stored runs
of the same method and model (`measured`), each phase takes the rates those runs recorded for
the same stage: tokens per sequence, training tokens per planned sequence (pairs kept and their
length), calls per planned call (duplicates merged, and whatever those runs found in the judgment
cache beside their own work). Stages served whole from the cache are left out of the rates, and no
expected count exceeds its bound."""

from __future__ import annotations

import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from .phases import Phase

COUNTERS = ("sampler_calls", "judge_calls", "tokens_generated", "train_tokens")


def planned_phases(cfg) -> list[Phase]:
    """The phases the config's method declares; ConfigError for a method without a bill."""
    from ..errors import ConfigError
    from ..method_knobs import method_config
    from ..registry import get_method

    entry = get_method(cfg.method.name)
    if entry.plan is None:
        raise ConfigError(f"Method {entry.name!r} registers no compute bill (register_method(..., plan=fn)); "
                          f"`selfalign plan` cannot price it.")
    return entry.plan(cfg, method_config(entry, cfg.method))


def pattern(stage: str) -> str:
    """Iteration and model numbers dropped: iter2/judge and iter1/judge share their rates."""
    return re.sub(r"\b(iter|M)\d+\b", r"\1*", stage)


def _rates_of(phase: Phase, cost: dict) -> dict[str, float]:
    rates = {}
    if phase.sampler_calls:
        rates["sampler_calls"] = cost.get("sampler_calls", 0) / phase.sampler_calls
    if phase.judge_calls:
        rates["judge_calls"] = cost.get("judge_calls", 0) / phase.judge_calls
    if phase.sequences:
        rates["tokens_generated"] = cost.get("tokens_generated", 0) / phase.sequences
    if phase.train_sequences:
        rates["train_tokens"] = cost.get("train_tokens", 0) / (phase.train_sequences * phase.epochs)
    return rates


def measured(run_dirs, method: str, model: str) -> dict[str, dict[str, float]]:
    """stage pattern -> counter -> mean rate over the stored runs of `method` on `model`."""
    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    from ..errors import DataError, SelfAlignError

    pooled: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for d in map(Path, run_dirs):
        metrics, config = d / "metrics.json", d / "config.yaml"
        if not (metrics.exists() and config.exists()):
            continue
        try:
            m = json.loads(metrics.read_text())
        except (json.JSONDecodeError, UnicodeDecodeError) as e:
            raise DataError(f"{metrics} is not readable JSON ({e}); delete that run directory or point --runs elsewhere.") from None
        if m.get("method") != method or m.get("model") != model:
            continue
        try:
            plan = {p.stage: p for p in planned_phases(OmegaConf.load(config))}
        except (SelfAlignError, OmegaConfBaseException):
            continue  # a run from an older harness whose knobs no longer compose: it cannot be priced
        for done in (d / "stages").rglob("_done.json"):
            stage = done.parent.relative_to(d / "stages").as_posix()
            cost = json.loads(done.read_text()).get("cost", {})
            # a stage served whole from the cache (an earlier run's judgments) says nothing about a cold
            # run; hits beside misses are duplicates within the stage, which a cold run merges too
            if stage in plan and not (cost.get("judge_cache_hits") and not cost.get("judge_cache_misses")):
                for k, v in _rates_of(plan[stage], cost).items():
                    pooled[pattern(stage)][k].append(v)
    return {p: {k: sum(v) / len(v) for k, v in rates.items()} for p, rates in pooled.items()}


@dataclass
class Line:
    """One phase priced: the cold bound and the expected count of each counter."""
    phase: Phase
    bound: dict = field(default_factory=dict)
    expected: dict = field(default_factory=dict)
    measured: bool = False


def price(cfg, rates: dict | None = None) -> list[Line]:
    rates = rates or {}
    max_length = int(cfg.model.max_length)
    lines = []
    for p in planned_phases(cfg):
        bound = {"sampler_calls": p.sampler_calls, "judge_calls": p.judge_calls,
                 "tokens_generated": p.sequences * p.max_new_tokens,
                 "train_tokens": p.train_sequences * p.epochs * max_length}
        r = rates.get(pattern(p.stage), {})
        expected = {
            "sampler_calls": p.sampler_calls * r.get("sampler_calls", 1.0),
            "judge_calls": p.judge_calls * r.get("judge_calls", 1.0),
            "tokens_generated": p.sequences * r.get("tokens_generated", p.max_new_tokens),
            "train_tokens": p.train_sequences * p.epochs * r.get("train_tokens", max_length),
        }
        # rates from runs with other lengths or sample counts must not price past this config's bounds
        expected = {k: min(v, bound[k]) for k, v in expected.items()}
        lines.append(Line(p, bound, expected, measured=bool(r)))
    return lines


def totals(lines: list[Line], evaluation: bool, which: str = "expected") -> dict[str, float]:
    out = dict.fromkeys(COUNTERS, 0.0)
    for line in lines:
        if line.phase.evaluation == evaluation:
            for k in COUNTERS:
                out[k] += getattr(line, which)[k]
    return out


def pool_needed(lines: list[Line]) -> int:
    return sum(line.phase.prompts for line in lines)


def check_prompt_pool(cfg) -> None:
    """Refuse, before any work, a recipe that draws more fresh training prompts than the pool
    holds (data.n_train_prompts; a local prompts file is checked when it is read)."""
    from ..errors import ConfigError
    from ..registry import get_method

    if cfg.data.train_prompts_path or get_method(cfg.method.name).plan is None:
        return
    needed = pool_needed(price(cfg))
    pool = int(cfg.data.n_train_prompts)
    if needed > pool:
        raise ConfigError(f"{cfg.method.name} draws {needed} fresh training prompts over the run, but the prompt "
                          f"pool holds data.n_train_prompts={pool}. Raise data.n_train_prompts to at least {needed}, "
                          f"or draw fewer (the method's prompts per iteration, or its iterations).")



def _si(x: float) -> str:
    for unit, size in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if x >= size:
            return f"{x / size:.1f}{unit}"
    return f"{x:.0f}"


def one_line(lines: list[Line]) -> str:
    """The bill's bounds in one phrase (method and evaluation together), for tables."""
    b = {k: totals(lines, False, "bound")[k] + totals(lines, True, "bound")[k] for k in COUNTERS}
    return (f"bill: ≤ {_si(b['judge_calls'])} judge calls, ≤ {_si(b['tokens_generated'])} generated tokens, "
            f"≤ {_si(b['train_tokens'])} training tokens")
