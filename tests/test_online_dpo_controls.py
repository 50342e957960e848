"""METHODS.md §8 controls for the online-DPO baseline, on hand-made samples of the embedded
world's prompts: the oracle, the noisy oracle of accuracy p (p = 1 is the oracle exactly, the
realised accuracy matches p, p = 0 flips every pair), the random judge (realised accuracy 1/2),
and the refusal of bad knob values. The judges under test are the real ones; only the samples
are hand-made."""

from __future__ import annotations

import math
import random

import pytest

from harness.judges.protocol import JudgeCalls
from harness.context import stage_seed
from harness.errors import ConfigError
from harness.judges.oracle import OracleJudge, RandomJudge, oracle_agreement
from harness.pairs import max_min_pairs
from harness.records import Sample
from harness.registry import get_method
from harness.runner import method_config
from harness.world import WorldConfig, make_prompts, oracle_quality
from methods.online_dpo import OnlineDPOConfig, external_pairs, make_judge


def seed_of(name: str) -> int:
    return stage_seed(0, name)  # what ctx.seed(name) is for run seed 0


def _candidates(prompt) -> list[str]:
    """Answers of assorted oracle quality: right, empty, junk, truncated, doubled last character."""
    g = prompt.gold
    return [g, "", "x", g[:-1], g + g[-1:], "7"]


def _world(n: int, n_samples: int = 4, seed: int = 0):
    """n world prompts, each with n_samples hand-picked answers (some prompts all of one quality)."""
    prompts = make_prompts(WorldConfig(seed=5), "prompts", n)
    rng = random.Random(seed)
    samples = []
    for p in prompts:
        cands = _candidates(p)
        texts = [cands[1]] * n_samples if rng.random() < 0.05 else [rng.choice(cands) for _ in range(n_samples)]
        samples += [Sample(p.id, k, t, n_tokens=max(1, len(t)), finish_reason="stop") for k, t in enumerate(texts)]
    return prompts, samples


def _pairs(judge, prompts, samples, stage="iter1/judge"):
    by_id = {p.id: p for p in prompts}
    judgments = judge.score([by_id[s.prompt_id].instruction for s in samples], [s.text for s in samples],
                            seed=seed_of(stage), ids=[(s.prompt_id, s.index) for s in samples])  # as stages.judge
    return max_min_pairs(prompts, samples, judgments, min_valid=2)


def _cfg(judge: str, p: float = 1.0) -> OnlineDPOConfig:
    return OnlineDPOConfig(external_judge=judge, judge_accuracy=p).validate()


def _within_3se(acc: float, p: float, n: int) -> bool:
    return abs(acc - p) <= 3 * math.sqrt(p * (1 - p) / n)


def test_oracle_pairs_are_best_vs_worst_and_always_right():
    prompts, samples = _world(200)
    cfg = _cfg("oracle")
    pairs, stats = _pairs(make_judge(cfg, prompts), prompts, samples)
    assert stats["dropped_tie"] > 0 and pairs  # the all-empty prompts have no preference
    out, log = external_pairs(cfg, 1, prompts, pairs, seed_of)
    assert out == pairs
    assert log["realised_judge_accuracy"] == 1.0 and log["equal_quality_pairs"] == 0
    assert log["realised_judge_accuracy_pairs"] == len(pairs)
    by_id = {p.id: p for p in prompts}
    for pair in pairs:
        qualities = [oracle_quality(by_id[pair.prompt_id], s.text) for s in samples if s.prompt_id == pair.prompt_id]
        assert oracle_quality(by_id[pair.prompt_id], pair.chosen) == max(qualities)
        assert oracle_quality(by_id[pair.prompt_id], pair.rejected) == min(qualities)


def test_noisy_oracle_at_p1_is_exactly_the_oracle():
    prompts, samples = _world(300)
    oracle, oracle_stats = _pairs(make_judge(_cfg("oracle"), prompts), prompts, samples)
    noisy_cfg = _cfg("noisy_oracle", 1.0)
    assert isinstance(make_judge(noisy_cfg, prompts), OracleJudge)
    scored, stats = _pairs(make_judge(noisy_cfg, prompts), prompts, samples)
    assert stats == oracle_stats  # same ties dropped
    for t in (1, 2):
        noisy, log = external_pairs(noisy_cfg, t, prompts, scored, seed_of)
        assert [p.to_dict() for p in noisy] == [p.to_dict() for p in oracle]
        assert log["pairs_flipped"] == 0 and log["realised_judge_accuracy"] == 1.0


def test_noisy_oracle_realised_accuracy_matches_p():
    prompts, samples = _world(2200)
    cfg = _cfg("noisy_oracle", 0.7)
    oracle, _ = _pairs(make_judge(cfg, prompts), prompts, samples)
    noisy, log = external_pairs(cfg, 1, prompts, oracle, seed_of)
    n = log["realised_judge_accuracy_pairs"]
    assert n == len(oracle) >= 1900 and log["equal_quality_pairs"] == 0
    assert _within_3se(log["realised_judge_accuracy"], 0.7, n), log
    assert log["pairs_flipped"] == n - round(log["realised_judge_accuracy"] * n)
    flipped = {p.prompt_id for p in noisy if p.meta.get("judge_flipped")}
    for o, q in zip(oracle, noisy):
        assert (q.chosen, q.rejected) == ((o.rejected, o.chosen) if o.prompt_id in flipped else (o.chosen, o.rejected))
    # a flip depends on the run seed, the iteration and the prompt only: not on the pairs' order
    again, _ = external_pairs(cfg, 1, prompts, oracle[::-1], seed_of)
    assert {p.prompt_id for p in again if p.meta.get("judge_flipped")} == flipped
    other_iteration, _ = external_pairs(cfg, 2, prompts, oracle, seed_of)
    assert {p.prompt_id for p in other_iteration if p.meta.get("judge_flipped")} != flipped
    other_seed, _ = external_pairs(cfg, 1, prompts, oracle, lambda name: stage_seed(1, name))
    assert {p.prompt_id for p in other_seed if p.meta.get("judge_flipped")} != flipped


def test_noisy_oracle_at_p0_flips_every_pair():
    prompts, samples = _world(200)
    cfg = _cfg("noisy_oracle", 0.0)
    oracle, _ = _pairs(make_judge(cfg, prompts), prompts, samples)
    noisy, log = external_pairs(cfg, 1, prompts, oracle, seed_of)
    assert [(p.chosen, p.rejected) for p in noisy] == [(p.rejected, p.chosen) for p in oracle]
    assert log["pairs_flipped"] == len(oracle) and log["realised_judge_accuracy"] == 0.0


def test_random_judge_realised_accuracy_is_one_half():
    prompts, samples = _world(3000)
    cfg = _cfg("random")
    judge = make_judge(cfg, prompts)
    assert isinstance(judge, RandomJudge)
    pairs, _ = _pairs(judge, prompts, samples)
    out, log = external_pairs(cfg, 1, prompts, pairs, seed_of)
    assert out == pairs
    n = log["realised_judge_accuracy_pairs"]
    assert n >= 1800 and log["equal_quality_pairs"] > 0  # random picks among equals too; counted apart
    assert n + log["equal_quality_pairs"] == len(pairs)
    assert _within_3se(log["realised_judge_accuracy"], 0.5, n), log


def test_random_judge_is_seeded_per_stage_and_response():
    judge = RandomJudge()
    ids = [("a", 0), ("a", 1), ("b", 0)]
    calls = JudgeCalls()
    first = [j.score for j in judge.score(["q"] * 3, ["same text"] * 3, seed=seed_of("iter1/judge"), calls=calls, ids=ids)]
    again = [j.score for j in judge.score(["q"] * 3, ["other text"] * 3, seed=seed_of("iter1/judge"), calls=calls, ids=ids)]
    later = [j.score for j in judge.score(["q"] * 3, ["same text"] * 3, seed=seed_of("iter2/judge"), calls=calls, ids=ids)]
    assert first == again and first != later and len(set(first)) == 3
    assert all(0 <= s <= 5 for s in first + later) and calls.n == 9


def test_realised_accuracy_counts_equal_quality_pairs_apart():
    from harness.records import PreferencePair

    (p,) = make_prompts(WorldConfig(seed=5), "prompts", 1)
    pairs = [PreferencePair(p.id, p.instruction, p.gold, ""), PreferencePair(p.id, p.instruction, "", p.gold),
             PreferencePair(p.id, p.instruction, "", "")]
    log = oracle_agreement([p], pairs)
    assert (log["realised_judge_accuracy"], log["realised_judge_accuracy_pairs"], log["equal_quality_pairs"]) == (0.5, 2, 1)
    assert oracle_agreement([p], [])["realised_judge_accuracy"] is None


@pytest.mark.parametrize("overrides, key", [
    (["method.external_judge=gpt4"], "method.external_judge"),
    (["method.external_judge=noisy_oracle", "method.judge_accuracy=1.5"], "method.judge_accuracy"),
    (["method.external_judge=noisy_oracle", "method.judge_accuracy=-0.1"], "method.judge_accuracy"),
    (["method.judge_accuracy=0.7"], "method.judge_accuracy"),  # the oracle would silently ignore it
    (["method.external_judge=random", "method.judge_accuracy=0.5"], "method.judge_accuracy"),
])
def test_bad_judge_knobs_are_refused(make_cfg, overrides, key):
    cfg = make_cfg("method=online_dpo", *overrides)
    with pytest.raises(ConfigError) as err:
        method_config(get_method("online_dpo"), cfg.method)
    message = str(err.value)
    assert key in message and "expected" in message and "\n" not in message


@pytest.mark.parametrize("overrides", [
    [], ["method.external_judge=random"], ["method.external_judge=noisy_oracle"],
    ["method.external_judge=noisy_oracle", "method.judge_accuracy=0"],
    ["method.external_judge=noisy_oracle", "method.judge_accuracy=0.3"],
])
def test_valid_judge_knobs_compose(make_cfg, overrides):
    cfg = make_cfg("method=online_dpo", *overrides)
    method_config(get_method("online_dpo"), cfg.method)


def test_a_noisy_oracle_run_logs_its_realised_accuracy(tmp_path, cache_dir):
    """The wiring, end to end on the tiny model: p = 0 flips every oracle pair, and the iteration
    log and the leaderboard notes carry the realised accuracy."""
    import json

    from conftest import FAST, FAST_SELF_REWARDING, run_cli

    runs = tmp_path / "runs"
    proc = run_cli(["method=online_dpo", *FAST, *FAST_SELF_REWARDING, "method.external_judge=noisy_oracle",
                    "method.judge_accuracy=0"], runs, cache_dir)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (m,) = [json.loads(p.read_text()) for p in runs.rglob("metrics.json")]
    it = m["iterations"][1]
    assert it["external_judge"] == "noisy_oracle" and it["judge_accuracy"] == 0.0
    assert it["pairs_flipped"] == it["pairs_kept"] == it["realised_judge_accuracy_pairs"] == it["train"]["pairs"]
    assert it["equal_quality_pairs"] == 0
    assert it["realised_judge_accuracy"] == (0.0 if it["pairs_kept"] else None)
    notes = m["summary"]["highlights"]
    assert notes["judge"] == "noisy_oracle p=0"
    assert notes["realised judge accuracy by iteration"] == ("0%" if it["pairs_kept"] else "–")
