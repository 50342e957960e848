"""Hand-computed checks for harness.training.losses."""

import math

import pytest
import torch

from harness.errors import ConfigError
from harness.training.losses import (
    LOSS_TYPES,
    DAALossOutput,
    daa_loss,
    dpo_loss,
    hinge_loss,
    implicit_reward,
    ipo_loss,
    log_ratio_margin,
    simpo_loss,
)

# Three hand-made pairs (float64 so comparisons can be tight).
#   pair 0: delta = (-1 - -2) - (-3 - -2.5) = 1 - (-0.5) =  1.5
#   pair 1: delta = (-4 - -3) - (-2 - -2.5) = -1 - 0.5  = -1.5
#   pair 2: delta = 0
PC = [-1.0, -4.0, -2.0]
PR = [-3.0, -2.0, -2.0]
RC = [-2.0, -3.0, -2.0]
RR = [-2.5, -2.5, -2.0]
DELTAS = [1.5, -1.5, 0.0]
BETA = 0.1


def t(values, grad=False):
    return torch.tensor(values, dtype=torch.float64, requires_grad=grad)


def neg_log_sigmoid(x):
    return -math.log(1.0 / (1.0 + math.exp(-x)))


def batch(grad=False):
    return dict(
        policy_chosen_logps=t(PC, grad),
        policy_rejected_logps=t(PR, grad),
        ref_chosen_logps=t(RC),
        ref_rejected_logps=t(RR),
    )


def assert_close(actual, expected, tol=1e-12):
    actual = actual.detach().tolist() if isinstance(actual, torch.Tensor) else actual
    if isinstance(expected, list):
        assert len(actual) == len(expected)
        for a, e in zip(actual, expected):
            assert a == pytest.approx(e, abs=tol), (actual, expected)
    else:
        assert actual == pytest.approx(expected, abs=tol)


# ---------------------------------------------------------------------------- building blocks


def test_loss_types_constant():
    assert LOSS_TYPES == ("dpo", "ipo", "hinge", "simpo")


def test_implicit_reward_by_hand():
    assert_close(implicit_reward(t(PC), t(RC), 0.1), [0.1 * 1.0, 0.1 * -1.0, 0.0])


def test_log_ratio_margin_by_hand():
    assert_close(log_ratio_margin(t(PC), t(PR), t(RC), t(RR)), DELTAS)


# ---------------------------------------------------------------------------- per-pair losses


def test_dpo_by_hand():
    expected = [neg_log_sigmoid(0.15), neg_log_sigmoid(-0.15), math.log(2.0)]
    assert_close(dpo_loss(t(PC), t(PR), t(RC), t(RR), BETA), expected)
    # written out once more: -log(sigmoid(0.15)) = log(1 + e^-0.15)
    assert expected[0] == pytest.approx(math.log(1.0 + math.exp(-0.15)))


def test_dpo_is_stable_for_huge_margins():
    out = dpo_loss(t([0.0]), t([-1e4]), t([0.0]), t([0.0]), 1.0)
    assert_close(out, [0.0])
    out = dpo_loss(t([-1e4]), t([0.0]), t([0.0]), t([0.0]), 1.0)
    assert torch.isfinite(out).all()
    assert_close(out, [1e4], tol=1e-6)


def test_ipo_by_hand():
    # target 1/(2*0.1) = 5
    expected = [(1.5 - 5.0) ** 2, (-1.5 - 5.0) ** 2, 25.0]
    assert expected == [12.25, 42.25, 25.0]
    assert_close(ipo_loss(t(PC), t(PR), t(RC), t(RR), BETA), expected)


def test_hinge_by_hand():
    assert_close(hinge_loss(t(PC), t(PR), t(RC), t(RR), BETA), [0.85, 1.15, 1.0])
    # beta = 1: pair 0 has beta*delta = 1.5 > 1, so the hinge is inactive
    assert_close(hinge_loss(t(PC), t(PR), t(RC), t(RR), 1.0), [0.0, 2.5, 1.0])


def test_simpo_by_hand():
    # l_w=-0.5, l_l=-1.0: 2*0.5 - 0.5 = 0.5 ; l_w=-1.2, l_l=-0.8: 2*(-0.4) - 0.5 = -1.3
    out = simpo_loss(t([-0.5, -1.2]), t([-1.0, -0.8]), beta=2.0, gamma=0.5)
    assert_close(out, [math.log(1 + math.exp(-0.5)), math.log(1 + math.exp(1.3))])


# ---------------------------------------------------------------------------- dispatcher


def test_daa_dpo_output_fields():
    out = daa_loss("dpo", **batch(), beta=BETA)
    assert isinstance(out, DAALossOutput)
    per = [neg_log_sigmoid(0.15), neg_log_sigmoid(-0.15), math.log(2.0)]
    assert_close(out.per_pair, per)
    assert out.loss.dim() == 0
    assert_close(out.loss.item(), sum(per) / 3)
    assert_close(out.chosen_rewards, [0.1, -0.1, 0.0])
    assert_close(out.rejected_rewards, [-0.05, 0.05, 0.0])
    # diffs 0.15, -0.15, 0.0: only the first is strictly positive (a tie is not a win)
    assert out.reward_accuracy == pytest.approx(1 / 3)
    assert out.margin == pytest.approx(0.0, abs=1e-12)
    assert isinstance(out.reward_accuracy, float) and isinstance(out.margin, float)


def test_daa_ipo_and_hinge_means():
    assert_close(daa_loss("ipo", **batch(), beta=BETA).loss.item(), (12.25 + 42.25 + 25.0) / 3)
    assert_close(daa_loss("hinge", **batch(), beta=BETA).loss.item(), (0.85 + 1.15 + 1.0) / 3)


def test_daa_margin_and_accuracy_two_pairs():
    out = daa_loss(
        "dpo",
        policy_chosen_logps=t([-1.0, -1.0]),
        policy_rejected_logps=t([-3.0, -2.0]),
        ref_chosen_logps=t([-2.0, -2.0]),
        ref_rejected_logps=t([-2.5, -2.5]),
        beta=0.5,
    )
    # chosen rewards 0.5*(1, 1) = (0.5, 0.5); rejected 0.5*(-0.5, 0.5) = (-0.25, 0.25)
    assert out.reward_accuracy == 1.0
    assert out.margin == pytest.approx(((0.5 + 0.25) + (0.5 - 0.25)) / 2)


def test_daa_simpo_ignores_reference_and_uses_beta_l_rewards():
    out = daa_loss(
        "simpo",
        policy_chosen_logps=t([-0.5, -1.2]),
        policy_rejected_logps=t([-1.0, -0.8]),
        beta=2.0,
        gamma=0.5,
    )
    per = [math.log(1 + math.exp(-0.5)), math.log(1 + math.exp(1.3))]
    assert_close(out.per_pair, per)
    assert_close(out.loss.item(), sum(per) / 2)
    assert_close(out.chosen_rewards, [-1.0, -2.4])
    assert_close(out.rejected_rewards, [-2.0, -1.6])
    assert out.reward_accuracy == 0.5
    assert out.margin == pytest.approx((1.0 + -0.8) / 2)
    # reference log-probs, if given, change nothing
    out2 = daa_loss(
        "simpo",
        policy_chosen_logps=t([-0.5, -1.2]),
        policy_rejected_logps=t([-1.0, -0.8]),
        ref_chosen_logps=t([5.0, 5.0]),
        ref_rejected_logps=t([-5.0, -5.0]),
        beta=2.0,
        gamma=0.5,
    )
    assert_close(out2.per_pair, per)


@pytest.mark.parametrize("loss_type", LOSS_TYPES)
def test_nll_term_adds_exactly_weight_times_nll(loss_type):
    nll = t([0.7, 1.3, 2.0])
    base = daa_loss(loss_type, **batch(), beta=BETA, gamma=0.3)
    with_nll = daa_loss(loss_type, **batch(), beta=BETA, gamma=0.3, chosen_nll=nll, nll_weight=0.25)
    assert_close(with_nll.per_pair - base.per_pair, [0.25 * 0.7, 0.25 * 1.3, 0.25 * 2.0])
    assert_close(with_nll.loss.item() - base.loss.item(), 0.25 * (0.7 + 1.3 + 2.0) / 3)
    # the NLL term does not enter the reward statistics
    assert with_nll.reward_accuracy == base.reward_accuracy
    assert with_nll.margin == base.margin


def test_nll_weight_zero_ignores_nll():
    base = daa_loss("dpo", **batch(), beta=BETA)
    out = daa_loss("dpo", **batch(), beta=BETA, chosen_nll=t([9.0, 9.0, 9.0]), nll_weight=0.0)
    assert_close(out.per_pair, base.per_pair.tolist())


@pytest.mark.parametrize("loss_type", LOSS_TYPES)
def test_gradients_flow_to_policy_not_reference(loss_type):
    b = batch(grad=True)
    out = daa_loss(loss_type, **b, beta=BETA, gamma=0.3)
    out.loss.backward()
    for name in ("policy_chosen_logps", "policy_rejected_logps"):
        g = b[name].grad
        assert g is not None, name
        assert torch.isfinite(g).all(), name
        assert (g != 0).any(), name
    for name in ("ref_chosen_logps", "ref_rejected_logps"):
        assert b[name].grad is None
    assert not out.chosen_rewards.requires_grad
    assert not out.rejected_rewards.requires_grad


def test_dpo_gradient_by_hand():
    b = batch(grad=True)
    daa_loss("dpo", **b, beta=BETA).loss.backward()
    # d/dpc [-log sigmoid(beta*delta)] / B = -beta * sigmoid(-beta*delta) / B; d/dpr is the negative
    sig = lambda x: 1.0 / (1.0 + math.exp(-x))  # noqa: E731
    expected = [-BETA * sig(-BETA * d) / 3 for d in DELTAS]
    assert_close(b["policy_chosen_logps"].grad, expected)
    assert_close(b["policy_rejected_logps"].grad, [-e for e in expected])


def test_reference_given_with_grad_still_gets_no_gradient():
    b = batch(grad=True)
    b["ref_chosen_logps"] = t(RC, grad=True)
    daa_loss("dpo", **b, beta=BETA).loss.backward()
    assert b["ref_chosen_logps"].grad is None


def test_half_precision_inputs_computed_in_float32():
    b = {k: v.to(torch.bfloat16) for k, v in batch().items()}
    out = daa_loss("dpo", **b, beta=BETA)
    assert out.per_pair.dtype == torch.float32


# ---------------------------------------------------------------------------- errors


def test_unknown_loss_type_names_value_and_valid_ones():
    with pytest.raises(ConfigError) as info:
        daa_loss("kto", **batch(), beta=BETA)
    msg = str(info.value)
    assert "kto" in msg
    for name in LOSS_TYPES:
        assert name in msg


@pytest.mark.parametrize("loss_type", ["dpo", "ipo", "hinge"])
def test_missing_reference_raises_value_error_naming_loss(loss_type):
    b = batch()
    del b["ref_rejected_logps"]
    with pytest.raises(ValueError) as info:
        daa_loss(loss_type, **b, beta=BETA)
    assert loss_type in str(info.value)
    assert "ref_rejected_logps" in str(info.value)


@pytest.mark.parametrize("beta", [0.0, -0.1])
def test_non_positive_beta_is_config_error(beta):
    with pytest.raises(ConfigError, match="beta"):
        daa_loss("dpo", **batch(), beta=beta)


def test_nll_weight_without_nll_raises():
    with pytest.raises(ValueError, match="chosen_nll"):
        daa_loss("dpo", **batch(), beta=BETA, nll_weight=1.0)


def test_mismatched_batch_sizes_raise():
    b = batch()
    b["policy_rejected_logps"] = t([-1.0, -2.0])
    with pytest.raises(ValueError, match="batch size"):
        daa_loss("dpo", **b, beta=BETA)
