"""The compute bill held against a real run: every stage the run recorded a cost for is a phase
of the bill, every phase was run, and each stage's recorded counters stay within the phase's
bounds, equal to them where the phase says its counts are exact (and nothing came from the
judgment cache)."""

from __future__ import annotations

import json
from pathlib import Path

from omegaconf import OmegaConf

from harness.planning.bill import COUNTERS, price


def assert_bill_holds(run_dir: Path) -> None:
    run_dir = Path(run_dir)
    lines = {line.phase.stage: line for line in price(OmegaConf.load(run_dir / "config.yaml"))}
    recorded = {}
    for done in (run_dir / "stages").rglob("_done.json"):
        recorded[done.parent.relative_to(run_dir / "stages").as_posix()] = json.loads(done.read_text())["cost"]
    counted = {s for s, c in recorded.items() if any(c.get(k) for k in COUNTERS)}
    assert counted <= set(lines), f"stages with a cost the bill does not name: {sorted(counted - set(lines))}"
    assert set(lines) <= set(recorded), f"phases the run never ran: {sorted(set(lines) - set(recorded))}"
    for stage, line in lines.items():
        cost, cached = recorded[stage], recorded[stage].get("judge_cache_hits", 0)
        for k in COUNTERS:
            assert cost.get(k, 0) <= line.bound[k], (stage, k, cost.get(k), line.bound[k])
        if line.phase.exact and not cached:
            for k in ("sampler_calls", "judge_calls"):
                assert cost.get(k, 0) == line.bound[k], (stage, k, cost.get(k), line.bound[k])
