"""The judgment cache: judging the same responses again with the same weights costs no judge
call and gives the same judgments; new weights, another template or other sampling params miss."""

from __future__ import annotations

import json
import shutil

import pytest
import torch

from conftest import FAST, FAST_SELF_REWARDING, run_cli
from harness.judges.protocol import JudgeCalls
from harness.judges.digit import DigitJudge
from harness.judges.judgment_cache import JudgmentCache
from harness.judges.pairwise import PairwiseLogitJudge
from harness.judges.rubric import RubricJudge, RubricJudgeConfig
from harness.models.fingerprint import weights_fingerprint
from harness.sampling.hf import HFSampler
from harness.world import WorldConfig, judge_test_pairs

PAIRS = judge_test_pairs(WorldConfig(seed=5), 6)
INSTRUCTIONS = [p.prompt for p in PAIRS]
RESPONSES = [p.response_a for p in PAIRS]


def _sampler(policy, folder):
    sampler = HFSampler(policy, batch_size=8, progress=False)
    sampler.judgment_cache = JudgmentCache(folder)
    return sampler


def test_fingerprint_follows_the_weights(tiny_policy):
    model = tiny_policy.model
    before = weights_fingerprint(model)
    assert weights_fingerprint(model) == before
    param = next(model.parameters())
    with torch.no_grad():
        param.view(-1)[7] += 1e-3  # one element, not at a sampled position: the sum still moves
        assert weights_fingerprint(model) != before
        param.view(-1)[7] -= 1e-3
    assert weights_fingerprint(model) == before


def test_rubric_judgments_are_served_from_the_cache(tiny_policy, tmp_path):
    cfg = RubricJudgeConfig(k=2, max_new_tokens=12)
    judge, calls = RubricJudge(_sampler(tiny_policy, tmp_path), cfg), JudgeCalls()
    first = judge.score(INSTRUCTIONS, RESPONSES, seed=3, calls=calls)
    cache = judge.sampler.judgment_cache
    assert (calls.n, cache.misses, cache.hits) == (12, 6, 0)
    # a fresh judge and a fresh connection to the same file: nothing computed, same judgments
    again, again_calls = RubricJudge(_sampler(tiny_policy, tmp_path), cfg), JudgeCalls()
    second = again.score(INSTRUCTIONS, RESPONSES, seed=3, calls=again_calls)
    assert again_calls.n == 0 and again.sampler.judgment_cache.hits == 6
    assert [j.to_dict() for j in second] == [j.to_dict() for j in first]
    # another sampling seed is another draw: all misses
    reseeded_calls = JudgeCalls()
    RubricJudge(_sampler(tiny_policy, tmp_path), cfg).score(INSTRUCTIONS, RESPONSES, seed=4, calls=reseeded_calls)
    assert reseeded_calls.n == 12


def test_logit_judges_hit_until_the_weights_change(tiny_policy, tmp_path):
    sampler = _sampler(tiny_policy, tmp_path)
    pairwise, calls = PairwiseLogitJudge(sampler, "pairwise_ab_v1"), JudgeCalls()
    rows = pairwise.order_logprobs(INSTRUCTIONS, RESPONSES, [p.response_b for p in PAIRS], calls)
    assert calls.n == 6
    again = pairwise.order_logprobs(INSTRUCTIONS, RESPONSES, [p.response_b for p in PAIRS], calls)
    assert calls.n == 6
    assert [x for row in again for x in row] == pytest.approx([x for row in rows for x in row])
    digit_calls = JudgeCalls()
    DigitJudge(sampler, "digit_judge_v1").expected_scores(INSTRUCTIONS, RESPONSES, calls=digit_calls)  # another judge: its own entries
    assert digit_calls.n == 6
    param = next(tiny_policy.model.parameters())
    with torch.no_grad():
        param.mul_(1.01)
        try:
            pairwise.order_logprobs(INSTRUCTIONS, RESPONSES, [p.response_b for p in PAIRS], calls)
            assert calls.n == 12  # new weights: recomputed, never served stale
        finally:
            param.div_(1.01)


def test_a_repeated_run_judges_from_the_cache(tmp_path, cache_dir):
    # the session's models without its judgments, so the first run starts cold
    cache = tmp_path / "cache"
    shutil.copytree(cache_dir, cache, ignore=shutil.ignore_patterns(f"{JudgmentCache.FILE}*"))
    args = ["method=self_rewarding", *FAST, *FAST_SELF_REWARDING]
    metrics = []
    for root in ("first", "second"):  # two run roots: every stage recomputes, sharing one cache
        runs = tmp_path / root
        proc = run_cli(args, runs, cache)
        assert proc.returncode == 0, proc.stderr[-3000:]
        metrics.append(json.loads(next(runs.rglob("metrics.json")).read_text()))
    first, second = metrics
    assert first["cost"]["judge_calls"] > 0 and first["cost"]["judge_cache_misses"] > 0
    assert second["cost"]["judge_calls"] == 0 and second["cost"]["judge_cache_misses"] == 0
    assert second["cost"]["judge_cache_hits"] == first["cost"]["judge_cache_hits"] + first["cost"]["judge_cache_misses"]
    assert second["summary"]["win_rate"] == first["summary"]["win_rate"]
    assert second["summary"]["judge"]["accuracy"] == first["summary"]["judge"]["accuracy"]
    proc = run_cli([*args, "store.judgment_cache=false"], tmp_path / "third", cache)
    assert proc.returncode == 0, proc.stderr[-3000:]
    third = json.loads(next((tmp_path / "third").rglob("metrics.json")).read_text())
    assert third["cost"]["judge_calls"] == first["cost"]["judge_calls"] and third["cost"]["judge_cache_hits"] == 0


def test_fingerprint_of_a_real_sized_embedding():
    # SmolLM2's embedding table: float sample positions once rounded past its last element
    table = torch.nn.Embedding(49152, 576)
    before = weights_fingerprint(table)
    with torch.no_grad():
        table.weight.view(-1)[-1] += 1.0  # the last value, which the strided sample includes
    assert weights_fingerprint(table) != before


def test_runs_of_one_multirun_count_only_their_own_cache_traffic(tmp_path, cache_dir):
    """The cache is shared by the jobs of a multirun (one process): online DPO's oracle judge never
    reads the cache, so it must not inherit the hits and misses of the job before it. (The overlay
    makes self_rewarding the base config, so its knobs compose before the sweep.)"""
    runs = tmp_path / "runs"
    proc = run_cli(["-m", "experiment=self_rewarding_tiny", "method=self_rewarding,online_dpo", *FAST, *FAST_SELF_REWARDING], runs, cache_dir)
    assert proc.returncode == 0, proc.stderr[-3000:]
    by_method = {m["method"]: m for m in (json.loads(f.read_text()) for f in runs.rglob("metrics.json"))}
    sr = by_method["self_rewarding"]
    assert sr["cost"]["judge_cache_hits"] + sr["cost"]["judge_cache_misses"] > 0
    for part in ("cost", "eval_cost"):
        assert by_method["online_dpo"][part]["judge_cache_hits"] == by_method["online_dpo"][part]["judge_cache_misses"] == 0


def test_an_edited_row_fails_its_checksum_and_is_not_served(tmp_path):
    import sqlite3

    cache = JudgmentCache(tmp_path)
    cache.store({"a": [1.0, 2.0], "b": "kept"})
    cache.close()
    with sqlite3.connect(tmp_path / JudgmentCache.FILE) as db:
        db.execute("UPDATE judgments SET value = ? WHERE key = 'a'", (json.dumps([9.0, 9.0]),))
    again = JudgmentCache(tmp_path)
    assert again.lookup(["a", "b"]) == {"b": "kept"} and again.rejected == 1
    again.store({"a": [1.0, 2.0]})  # recomputed and stored afresh
    assert again.lookup(["a"]) == {"a": [1.0, 2.0]}


def test_a_file_that_is_not_a_database_is_moved_aside_and_replaced(tmp_path):
    (tmp_path / JudgmentCache.FILE).write_bytes(b"this is not sqlite" * 100)
    cache = JudgmentCache(tmp_path)
    cache.store({"k": 1})
    assert cache.lookup(["k"]) == {"k": 1}
    (aside,) = tmp_path.glob(f"{JudgmentCache.FILE}.corrupt-*")
    assert aside.read_bytes().startswith(b"this is not sqlite")


def test_a_cache_from_before_checksums_recomputes_its_rows_once(tmp_path):
    import sqlite3

    with sqlite3.connect(tmp_path / JudgmentCache.FILE) as db:
        db.execute("CREATE TABLE judgments (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        db.execute("INSERT INTO judgments VALUES ('old', '1')")
    cache = JudgmentCache(tmp_path)
    assert cache.lookup(["old"]) == {}
    cache.store({"old": 1})
    assert cache.lookup(["old"]) == {"old": 1}
