"""METHODS.md §1 fidelity checks for Self-Rewarding, on hand-made inputs."""

from __future__ import annotations

import copy

import pytest
import torch

from harness.judges.parsing import parse_score
from harness.judges.rubric import aggregate
from harness.pairs import max_min_pairs
from harness.records import Judgment, PreferencePair, PromptRecord, Sample
from harness.training.daa import _pair_sequences, _reference_logps, response_logps


# (1) the score parser
@pytest.mark.parametrize("text, expected", [
    ("Good answer. Score: 4", 4.0),
    ("score: 3.5", 3.5),
    ("Points: 2", 2.0),
    ("SCORE:5", 5.0),
    ("Score: 0", 0.0),
    ("Score: 1 ... on reflection, Score: 3", 3.0),  # the final verdict counts
])
def test_parser_accepts(text, expected):
    assert parse_score(text) == expected


@pytest.mark.parametrize("text", ["Score: 7", "Score: -1", "Score: 5.5", "excellent work", "", "Score: four"])
def test_parser_rejects(text):
    assert parse_score(text) is None


# (2) K judgments averaged over the valid ones only
def test_k_judgments_average_valid_only():
    j = aggregate("p", 0, ["nice. Score: 4", "garbled", "Points: 2", "Score: 9"])
    assert j.valid_scores == [4.0, 2.0]
    assert j.score == pytest.approx(3.0)
    assert j.raw == ["nice. Score: 4", "garbled", "Points: 2", "Score: 9"]


def test_no_valid_judgment_is_a_failure_not_a_zero():
    j = aggregate("p", 0, ["no verdict", "Score: 8"])
    assert j.score is None and not j.parsed


def _table(scores_by_prompt):
    prompts, samples, judgments = [], [], []
    for pid, scores in scores_by_prompt.items():
        prompts.append(PromptRecord(id=pid, instruction=f"do {pid}"))
        for i, sc in enumerate(scores):
            samples.append(Sample(prompt_id=pid, index=i, text=f"{pid}-r{i}", n_tokens=3, finish_reason="stop"))
            judgments.append(Judgment(prompt_id=pid, index=i, score=sc))
    return prompts, samples, judgments


def test_pairs_pick_highest_and_lowest():
    prompts, samples, judgments = _table({"a": [2.0, 4.5, None, 1.0]})
    pairs, stats = max_min_pairs(prompts, samples, judgments, min_valid=2)
    assert [(p.chosen, p.rejected) for p in pairs] == [("a-r1", "a-r3")]
    assert (pairs[0].chosen_score, pairs[0].rejected_score) == (4.5, 1.0)
    assert stats["pairs_kept"] == 1


# (3) tie → prompt dropped
def test_tie_drops_prompt():
    prompts, samples, judgments = _table({"a": [3.0, 3.0, 3.0, None], "b": [1.0, 2.0, 2.0, 1.0]})
    pairs, stats = max_min_pairs(prompts, samples, judgments, min_valid=2)
    assert [p.prompt_id for p in pairs] == ["b"]
    assert stats["dropped_tie"] == 1


# (4) fewer than 2 valid scores → prompt dropped
def test_fewer_than_two_valid_drops_prompt():
    prompts, samples, judgments = _table({"a": [None, 4.0, None, None], "b": [None] * 4, "c": [0.0, 5.0]})
    pairs, stats = max_min_pairs(prompts, samples, judgments, min_valid=2)
    assert [p.prompt_id for p in pairs] == ["c"]
    assert stats["dropped_invalid"] == 2 and stats["dropped_tie"] == 0


# (5) the reference of iteration t is M_t (full fine-tune: frozen copy; LoRA: adapter disabled)
def _pairs():
    return [PreferencePair(prompt_id="x", prompt="What is 2 plus 3?", chosen="5", rejected="7"),
            PreferencePair(prompt_id="y", prompt="Sort in ascending order: 3 1 2", chosen="1 2 3", rejected="3 2 1")]


@torch.no_grad()
def _logps(policy, seqs):
    out, _ = response_logps(policy.model, policy, seqs, list(range(len(seqs))), "sum")
    return out


@pytest.mark.parametrize("lora", [False, True])
def test_reference_is_current_model(tiny_policy, lora):
    from omegaconf import OmegaConf

    from harness.models.policy import Policy
    policy = Policy(copy.deepcopy(tiny_policy.model), tiny_policy.tokenizer, torch.device("cpu"),
                    lora_cfg=OmegaConf.create({"enabled": lora, "r": 4, "alpha": 8, "dropout": 0.0,
                                               "target_modules": ["q_proj", "v_proj"]}))
    # Move the policy away from the pre-trained base first: M_t != M_1.
    with torch.no_grad():
        for p in policy.model.parameters():
            p.add_(0.01 * torch.randn_like(p))
    seqs = _pair_sequences(policy, _pairs(), 128)
    m_t = _logps(policy, seqs)
    model = policy.begin_training()
    try:
        ref = _reference_logps(policy, seqs, "sum", 8)
        assert torch.allclose(ref, m_t, atol=1e-5)
        # a training step moves the policy but never the reference
        opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=1.0)
        loss = -response_logps(model, policy, seqs, [0, 2], "sum")[0].sum()
        loss.backward()
        opt.step()
        moved = response_logps(model, policy, seqs, list(range(len(seqs))), "sum")[0].detach()
        assert not torch.allclose(moved, m_t, atol=1e-3)
        assert torch.allclose(_reference_logps(policy, seqs, "sum", 8), m_t, atol=1e-5)
    finally:
        policy.end_training()
    # after the stage, the policy is a plain network holding M_{t+1}
    assert not hasattr(policy.model, "disable_adapter")
    assert torch.allclose(_logps(policy, seqs), moved, atol=1e-4)
