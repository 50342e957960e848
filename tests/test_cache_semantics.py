"""The judgment cache saves work and never changes a result: every method gives the same metrics
with the cache off, cold and warm, and two identical responses judged by sampling keep
independent draws (as each response is judged in the papers), cache or not."""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import FAST, FAST_SELF_REWARDING, run_cli
from harness.judges.protocol import JudgeCalls
from harness.judges.judgment_cache import JudgmentCache
from harness.judges.rubric import RubricJudge, RubricJudgeConfig
from harness.sampling.hf import HFSampler
from test_end_to_end import FAST_META, FAST_SELECTION

# Each method on a fast config; the judging ones judge for real (the baselines must still match).
METHOD_ARGS = {
    "sft": [],
    "dpo": [],
    "online_dpo": FAST_SELF_REWARDING,
    "self_rewarding": FAST_SELF_REWARDING,
    "meta_rewarding": FAST_META,
    "self_judge": [*FAST_SELECTION, "method.prompts=8", "method.daa.train.epochs=1", "method.daa.train.batch_size=4",
                   "method.sampling.max_new_tokens=8"],
    "sera": ["method.iterations=2", "method.bootstrap_prompts=6", "method.sampling.max_new_tokens=8"],
    "self_j": [*FAST_SELECTION, "method.label_prompts=6", "method.train.epochs=1", "method.sampling.max_new_tokens=8"],
}
# What may differ between runs: how long they took, where they live, and what the cache saved (the
# `cost` blocks: judge calls, judge tokens and sampler calls; deterministic judgments are shared even
# within a cold run).
VOLATILE = ("wall_s", "run_dir", "cost", "eval_cost")


def _results(node):
    """The metrics without the keys that may legitimately differ."""
    if isinstance(node, dict):
        return {k: _results(v) for k, v in node.items() if not k.startswith(VOLATILE)}
    if isinstance(node, list):
        return [_results(v) for v in node]
    return node


def _run(args, runs, cache):
    proc = run_cli(args, runs, cache)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(next(runs.rglob("metrics.json")).read_text())


# Three methods that judge three ways (sampled rubric, pairwise tournament, SeRA's reviews) run in the
# default suite; the rest run with the slow tests, which keeps the default suite inside its budget.
DEFAULT_SUITE = {"self_rewarding", "self_judge", "sera"}


@pytest.mark.parametrize("method", [m if m in DEFAULT_SUITE else pytest.param(m, marks=pytest.mark.slow)
                                    for m in sorted(METHOD_ARGS)])
def test_cache_off_cold_and_warm_give_identical_results(method, tmp_path, cache_dir):
    cache = tmp_path / "cache"  # the session's models without its judgments: the first cached run is cold
    shutil.copytree(cache_dir, cache, ignore=shutil.ignore_patterns(f"{JudgmentCache.FILE}*"))
    args = [f"method={method}", *FAST, *METHOD_ARGS[method]]
    off = _run([*args, "store.judgment_cache=false"], tmp_path / "off", cache)
    cold = _run(args, tmp_path / "cold", cache)
    warm = _run(args, tmp_path / "warm", cache)
    assert _results(cold) == _results(off)
    assert _results(warm) == _results(off)
    # the warm run computed nothing the cache holds (judges it does not cover, like the oracle, still count calls)
    assert warm["cost"]["judge_cache_misses"] + warm["eval_cost"]["judge_cache_misses"] == 0


def _rubric(policy, cfg, folder, instructions, responses):
    """Raw judgments and judge calls of a fresh rubric judge (with a cache in `folder`, or none)."""
    sampler = HFSampler(policy, batch_size=8, progress=False)
    if folder is not None:
        sampler.judgment_cache = JudgmentCache(folder)
    calls = JudgeCalls()
    return [j.raw for j in RubricJudge(sampler, cfg).score(instructions, responses, seed=11, calls=calls)], calls.n


def test_identical_responses_keep_independent_draws(tiny_policy, tmp_path):
    # Each text twice: judged by sampling, the copies are separate draws, exactly as without a cache.
    cfg = RubricJudgeConfig(k=3, max_new_tokens=12, temperature=1.0)
    instructions = ["Put in ascending order: 3 1 2"] * 4 + ["Sort the letters of CAB into alphabet order"] * 4
    responses = ["1 2 3", "1 2 3", "3 2 1", "3 2 1", "ABC", "ABC", "CBA", "CBA"]
    uncached, calls = _rubric(tiny_policy, cfg, None, instructions, responses)
    cold, cold_calls = _rubric(tiny_policy, cfg, tmp_path, instructions, responses)
    warm, warm_calls = _rubric(tiny_policy, cfg, tmp_path, instructions, responses)
    assert cold == uncached and warm == uncached
    assert (calls, cold_calls, warm_calls) == (8 * 3, 8 * 3, 0)
    # the copies were drawn independently: at T=1 the fast model's reviews of a copy differ
    assert any(uncached[i] != uncached[i + 1] for i in range(0, 8, 2))
    # a call sharing only some of its prompts with a cached one is drawn afresh, as without a cache
    half, half_calls = _rubric(tiny_policy, cfg, tmp_path, instructions[:4], responses[:4])
    assert half_calls == 4 * 3
    assert half == _rubric(tiny_policy, cfg, None, instructions[:4], responses[:4])[0]
