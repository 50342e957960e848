"""METHODS.md §3 fidelity checks for Self-Judge on the real tiny model: the logit judge reads
A/B ids derived from the tokenizer and averages both orders; during stage B the judge (the
frozen JSFT model) never changes while the policy trains on fresh on-policy pairs; batched
tournaments keep N - 1 comparisons per prompt."""

from __future__ import annotations

import copy
import math
from types import SimpleNamespace

import pytest
import torch

from omegaconf import OmegaConf

from harness.judges.protocol import JudgeCalls
from harness.context import RunContext
from harness.errors import TokenizerContractError
from harness.judges.pairwise import ANSWER_PREFIX, PairwiseLogitJudge
from harness.judges.templates import render
from harness.models.fingerprint import weights_fingerprint
from harness.models.policy import Policy
from harness.models.token_contract import single_token_id
from harness.records import PromptRecord
from harness.sampling.base import SamplingKnobs
from harness.sampling.hf import HFSampler
from harness.selection import tournaments
from harness.store import RunStore
from harness.training.daa_config import DAAConfig
from harness.config import TrainConfig
from methods.self_judge.on_policy import train_on_policy_daa
from methods.self_judge import SelfJudgeConfig, frozen_judge_sampler, self_judged_pairs, self_train


def _copy(policy) -> Policy:
    return Policy(copy.deepcopy(policy.model), policy.tokenizer, torch.device("cpu"), name="copy")


def test_logit_judge_derives_ab_ids_and_averages_both_orders(tiny_policy):
    judge = PairwiseLogitJudge(HFSampler(tiny_policy, batch_size=8, progress=False), "pairwise_ab_v1")
    tok = tiny_policy.tokenizer
    prefix = tiny_policy.chat_prompt(render("pairwise_ab_v1", instruction="q", response_a="1", response_b="2")) + ANSWER_PREFIX
    assert judge.token_ids == [single_token_id(tok, prefix, " A"), single_token_id(tok, prefix, " B")]
    assert [tok.decode([i]) for i in judge.token_ids] == [" A", " B"]

    inst, y1, y2 = ["What is 3 plus 4?", "Reverse the word cat."], ["7", "tac"], ["8", "cat"]
    calls = JudgeCalls()
    scores = judge.compare(inst, y1, y2, calls=calls)
    shown_first, shown_second = judge.order_logprobs(inst, y1, y2, calls), judge.order_logprobs(inst, y2, y1, calls)
    for (s1, s2), (a1, b1), (a2, b2) in zip(scores, shown_first, shown_second):
        p_a_first = math.exp(a1) / (math.exp(a1) + math.exp(b1))
        p_b_second = math.exp(b2) / (math.exp(a2) + math.exp(b2))
        assert s1 == pytest.approx((p_a_first + p_b_second) / 2, abs=1e-6)
        assert s1 + s2 == pytest.approx(1.0)
    assert calls.n == 4 + 2 + 2  # compare = both orders; one forward pass each


def test_logit_judge_refuses_a_tokenizer_that_splits_the_letters(lowercase_tokenizer):
    fake = SimpleNamespace(tokenizer=lowercase_tokenizer, chat_prompt=lambda text: text + "\n")
    with pytest.raises(TokenizerContractError, match="single token"):
        PairwiseLogitJudge(SimpleNamespace(policy=fake), "pairwise_ab_v1")


CFG = SimpleNamespace(sampling=SamplingKnobs(temperature=1.0, top_p=0.9, max_new_tokens=8), judge_template="pairwise_ab_v1")
PROMPTS = [PromptRecord(id=f"p{i}", instruction=f"What is {i} plus {i + 2}?") for i in range(8)]
PROBE = (["What is 5 plus 1?"], ["6"], ["7"])


@pytest.mark.parametrize("refresh, expected_refreshes", [("step", 2 * 2), ("epoch", 2)])
def test_stage_b_judge_stays_frozen_while_the_policy_trains_on_fresh_pairs(tiny_policy, refresh, expected_refreshes):
    policy = _copy(tiny_policy)
    sampler = HFSampler(policy, batch_size=16, progress=False)
    judge_for = frozen_judge_sampler(policy, batch_size=16)
    judge_reads, policy_reads, made = [], [], []

    def make_pairs(batch):
        with judge_for() as frozen:
            judge_reads.append(PairwiseLogitJudge(frozen, "pairwise_ab_v1").order_logprobs(*PROBE))
        policy_reads.append(PairwiseLogitJudge(sampler, "pairwise_ab_v1").order_logprobs(*PROBE))  # the weights being trained
        pairs, stats = self_judged_pairs(sampler, judge_for, CFG, len(made), batch)
        made.append(stats)
        return pairs

    dcfg = DAAConfig(train=TrainConfig(lr=5e-3, epochs=2, batch_size=4, warmup_ratio=0.0))
    stats = train_on_policy_daa(policy, PROMPTS, make_pairs, dcfg, dcfg.train, refresh, max_length=128, seed=0,
                                progress=False)
    assert stats["refreshes"] == expected_refreshes and stats["pairs"] == 2 * len(PROMPTS)
    assert all(r == judge_reads[0] for r in judge_reads)  # the judge is the frozen start model, bit for bit
    assert policy_reads[0] == judge_reads[0]  # ... which is the policy before its first step
    assert policy_reads[-1] != judge_reads[0]  # while the policy itself moved
    assert all(s["judge_calls"] == 2 * n for s, n in zip(made, [4] * len(made) if refresh == "step" else [8] * len(made)))
    # after the stage the frozen copy is gone and the policy holds the trained weights
    assert PairwiseLogitJudge(sampler, "pairwise_ab_v1").order_logprobs(*PROBE) != judge_reads[0]


class CopyServingSampler:
    """A backend that serves its own copy of the weights, as a vLLM engine does: new weights reach
    it only through sync_weights(policy), which compares fingerprints and reloads only when they
    moved. It generates for real (the HF backend over the copy) and records, at every generate,
    the fingerprint it serves next to the policy's live one."""

    def __init__(self, policy):
        self.policy = policy
        self.copy = copy.deepcopy(policy.model).eval()
        self.served = weights_fingerprint(self.copy)
        self.reloads = 0
        self.seen: list[tuple[str, str]] = []
        self.hf = HFSampler(policy, batch_size=16, progress=False, model=self.copy)
        self.tokens_generated = self.calls = 0

    def sync_weights(self, policy) -> None:
        self.policy = self.hf.policy = policy
        fingerprint = weights_fingerprint(policy.model)
        if fingerprint != self.served:
            self.copy.load_state_dict(policy.model.state_dict())
            self.served, self.reloads = fingerprint, self.reloads + 1

    def generate(self, prompts, params, desc: str = "sampling"):
        self.seen.append((self.served, weights_fingerprint(self.policy.model)))
        return self.hf.generate(prompts, params, desc=desc)


@pytest.mark.parametrize("refresh, refreshes", [("step", 2 * 2), ("epoch", 2)])
def test_stage_b_syncs_the_run_sampler_to_the_current_weights_before_every_refresh(tiny_policy, tmp_path, refresh,
                                                                                   refreshes):
    """METHODS.md §3: on-policy with every backend. A backend holding its own copy of the weights
    (vLLM) must be handed the current weights before each refresh; a sync of unchanged weights
    reloads nothing."""
    policy = _copy(tiny_policy)
    backend = CopyServingSampler(policy)
    cfg = SelfJudgeConfig(prompts=len(PROMPTS), refresh=refresh, sampling=CFG.sampling,
                          daa=DAAConfig(train=TrainConfig(lr=5e-3, epochs=2, batch_size=4, warmup_ratio=0.0))).validate()
    run_cfg = OmegaConf.create({"seed": 0, "progress": False, "sampler": {"batch_size": 16}, "model": {"max_length": 128}})
    ctx = RunContext(run_cfg, cfg, RunStore(tmp_path / "run"), None, lambda: policy, lambda p: backend)

    stats = self_train(ctx, PROMPTS)
    assert stats["refreshes"] == refreshes and len(backend.seen) == refreshes  # one sampling call per refresh
    assert len({live for _, live in backend.seen}) == refreshes  # the policy moved between refreshes ...
    assert all(served == live for served, live in backend.seen)  # ... and every refresh sampled its current weights
    assert backend.reloads == refreshes - 1  # the first refresh's weights (M1) were already served

    trained = backend.reloads
    for _ in range(2):
        ctx.sampler  # after the stage: the trained weights once, then nothing to reload
    assert backend.reloads == trained + 1 and backend.served == weights_fingerprint(policy.model)


def test_self_judged_pairs_keep_every_prompt_and_choose_the_higher_score(tiny_policy):
    policy = _copy(tiny_policy)
    sampler = HFSampler(policy, batch_size=16, progress=False)
    policy.begin_training()
    try:
        pairs, stats = self_judged_pairs(sampler, frozen_judge_sampler(policy, 16), CFG, 3, PROMPTS)
    finally:
        policy.end_training()
    assert [p.prompt_id for p in pairs] == [p.id for p in PROMPTS]  # no pair is dropped
    assert all(p.chosen_score >= p.rejected_score and p.chosen_score + p.rejected_score == pytest.approx(1) for p in pairs)
    assert stats["judge_calls"] == 2 * len(PROMPTS)


def test_batched_tournaments_play_each_group_to_one_winner():
    groups = [list(range(n)) for n in (1, 2, 5, 8)]
    rounds = []

    def judge_round(matches):
        rounds.append(len(matches))
        return [a > b for _, a, b in matches]

    winners, comparisons = tournaments(groups, judge_round, seeds=[0, 1, 2, 3])
    assert winners == [0, 1, 4, 7] and comparisons == [0, 1, 4, 7]
    assert len(rounds) == 3  # ceil(log2 8) rounds, every group's matches of a round in one call
    assert sum(rounds) == sum(comparisons)
