"""METHODS.md §4 fidelity checks for SeRA on the real tiny model: the implicit reward judge is
β·(log π − log π_ref) of the two networks; margins are exactly 0 while π = π_ref (warm-up rule);
bootstrapped pairs use the current policy's rewards; a fixed reference trains like M_t when the
two are equal; review reports how many flipped pairs it removed."""

from __future__ import annotations

import copy
from types import SimpleNamespace

import pytest
import torch

from harness.config import TrainConfig
from harness.judges.implicit import ImplicitRewardJudge
from harness.models.policy import Policy
from harness.records import PreferencePair, PromptRecord, Sample
from harness.sampling.hf import HFSampler
from harness.training.daa import pair_logps, train_daa
from harness.training.daa_config import DAAConfig
from methods.sera import bootstrap_pairs, review

PAIRS = [PreferencePair(prompt_id=f"q{i}", prompt=f"What is {i} plus 3?", chosen=str(i + 3), rejected=str(i + 4))
         for i in range(6)]


def _copy(policy, perturb: float = 0.0, seed: int = 0) -> Policy:
    model = copy.deepcopy(policy.model)
    if perturb:
        g = torch.Generator().manual_seed(seed)
        with torch.no_grad():
            for p in model.parameters():
                p.add_(perturb * torch.randn(p.shape, generator=g))
    return Policy(model, policy.tokenizer, torch.device("cpu"), name="copy")


def test_implicit_reward_is_beta_times_the_log_ratio_of_the_two_networks(tiny_policy):
    policy, reference = _copy(tiny_policy, perturb=0.02), _copy(tiny_policy)
    judge = ImplicitRewardJudge(policy, reference, beta=0.25, normalise="sum", max_length=128)
    inst, resp = [p.prompt for p in PAIRS], [p.chosen for p in PAIRS]
    lp = HFSampler(policy, progress=False).logprobs(inst, resp)
    lr = HFSampler(reference, progress=False).logprobs(inst, resp)
    assert judge.rewards(inst, resp) == pytest.approx([0.25 * (a - b) for a, b in zip(lp, lr)], abs=1e-4)
    margins = judge.margins(PAIRS)
    lp_r = HFSampler(policy, progress=False).logprobs(inst, [p.rejected for p in PAIRS])
    lr_r = HFSampler(reference, progress=False).logprobs(inst, [p.rejected for p in PAIRS])
    expected = [0.25 * ((a - b) - (c - d)) for a, b, c, d in zip(lp, lr, lp_r, lr_r)]
    assert margins == pytest.approx(expected, abs=1e-4)


def test_margins_are_zero_while_the_policy_is_the_reference_and_the_warmup_rule_applies(tiny_policy):
    judge = ImplicitRewardJudge(_copy(tiny_policy), _copy(tiny_policy), beta=0.1, normalise="sum", max_length=128)
    margins = judge.margins(PAIRS)
    assert margins == [0.0] * len(PAIRS)
    cfg = SimpleNamespace(select_ratio=0.5, select="largest", warmup=1.0)
    keep, stats = review(PAIRS, margins, cfg)
    assert keep == list(range(len(PAIRS))) and stats["warmup_rule"]


def test_bootstrap_scores_with_the_current_policy(tiny_policy):
    policy, reference = _copy(tiny_policy), _copy(tiny_policy)
    judge = ImplicitRewardJudge(policy, reference, beta=0.1, normalise="sum", max_length=128)
    inst, resp = ["What is 2 plus 3?"] * 3, ["5", "6", "7"]
    assert judge.rewards(inst, resp) == [0.0, 0.0, 0.0]
    with torch.no_grad():  # the policy moves; the judge reads it, not a stale copy
        for p in policy.model.parameters():
            p.add_(0.02 * torch.randn_like(p))
    after = judge.rewards(inst, resp)
    lp = HFSampler(policy, progress=False).logprobs(inst, resp)
    lr = HFSampler(reference, progress=False).logprobs(inst, resp)
    assert after == pytest.approx([0.1 * (a - b) for a, b in zip(lp, lr)], abs=1e-5) and any(r != 0 for r in after)

    prompts = [PromptRecord(id="a", instruction="A?"), PromptRecord(id="b", instruction="B?"),
               PromptRecord(id="c", instruction="C?")]
    samples = [Sample("a", 0, "x", 1, "stop"), Sample("a", 1, "y", 1, "stop"), Sample("a", 2, "z", 1, "stop"),
               Sample("b", 0, "u", 1, "stop"), Sample("b", 1, "v", 1, "stop"),
               Sample("c", 0, "same", 1, "stop"), Sample("c", 1, "same", 1, "stop")]
    rewards = [0.2, 0.9, -0.4, 0.30, 0.25, 0.5, 0.1]
    pairs, stats = bootstrap_pairs(prompts, samples, rewards, SimpleNamespace(min_margin=0.1))
    assert [(p.prompt_id, p.chosen, p.rejected) for p in pairs] == [("a", "y", "z")]
    assert pairs[0].meta["margin"] == pytest.approx(1.3)
    assert stats["bootstrap_dropped_small_margin"] == 2  # b: margin 0.05 < 0.1; c: identical texts


def test_review_reports_the_share_of_flipped_pairs_removed():
    pairs = [PreferencePair(f"p{i}", "x", "a", "b", meta={"flipped": i in (1, 3, 5)}) for i in range(8)]
    margins = [0.5, -2.0, 0.4, -1.0, 0.3, 0.2, 0.1, 0.05]
    keep, stats = review(pairs, margins, SimpleNamespace(select_ratio=0.75, select="largest", warmup=1.0))
    assert keep == [0, 2, 4, 5, 6, 7]
    assert stats["flipped_pairs"] == 3 and stats["flipped_removed"] == 2
    assert stats["flipped_removed_fraction"] == pytest.approx(2 / 3) and stats["clean_removed_fraction"] == 0.0


@pytest.mark.parametrize("loss", ["dpo", "ipo", "hinge", "simpo"])
def test_a_fixed_reference_equal_to_m_t_trains_exactly_like_the_default(tiny_policy, loss):
    dcfg = DAAConfig(loss=loss, beta=2.0 if loss == "simpo" else 0.1,
                     train=TrainConfig(lr=1e-3, epochs=1, batch_size=3, warmup_ratio=0.0))
    a, b = _copy(tiny_policy), _copy(tiny_policy)
    ref = pair_logps(a, a.model, PAIRS, 128, "sum")
    stats_a = train_daa(a, PAIRS, dcfg, dcfg.train, 128, seed=1, progress=False)
    stats_b = train_daa(b, PAIRS, dcfg, dcfg.train, 128, seed=1, progress=False, reference_logps=ref)
    assert stats_a["final_loss"] == pytest.approx(stats_b["final_loss"], abs=1e-6)
    for pa, pb in zip(a.model.parameters(), b.model.parameters()):
        assert torch.allclose(pa, pb, atol=1e-6)
    if loss != "simpo":  # a different reference changes the loss; SimPO has none
        c = _copy(tiny_policy)
        shifted = ref + torch.tensor([1.0, -1.0] * len(PAIRS))
        stats_c = train_daa(c, PAIRS, dcfg, dcfg.train, 128, seed=1, progress=False, reference_logps=shifted)
        assert stats_c["final_loss"] != pytest.approx(stats_a["final_loss"], abs=1e-4)


def test_an_iteration_that_selects_and_bootstraps_nothing_trains_on_no_pairs(tmp_path, cache_dir):
    """select_ratio 0 keeps no offline pair once margins differ; the bootstrap cap
    (bootstrap_ratio x |selected|) then admits none either. The iteration must still run: a
    zero-pair DAA phase takes no optimiser step and saves M_t unchanged as M_{t+1}."""
    import json
    from pathlib import Path

    from conftest import FAST, run_cli

    runs = tmp_path / "runs"
    proc = run_cli(["method=sera", *FAST, "method.iterations=2", "method.bootstrap_prompts=6", "method.select_ratio=0",
                    "method.sampling.max_new_tokens=8"], runs, cache_dir)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (m,) = [json.loads(p.read_text()) for p in runs.rglob("metrics.json")]
    first, second = m["iterations"][1], m["iterations"][2]
    assert first["warmup_rule"] and first["selected"] == 16  # warm-up: ratio 0 does not apply
    assert not second["warmup_rule"] and second["selected"] == 0 and second["bootstrapped"] == 0
    assert second["bootstrap_dropped_cap"] == second["bootstrap_candidates"]
    assert second["train"]["pairs"] == 0 and second["train"]["steps"] == 0
    assert m["summary"]["highlights"]["selected+bootstrapped by iteration"] == "16+0 / 0+0"
    assert (Path(m["run_dir"]) / "stages/iter2/train/checkpoint").is_dir()
