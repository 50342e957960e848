"""Hand-computed checks for harness.training.logps.sequence_logps: per-sequence log-probabilities
of the labelled tokens, summed or averaged over the mask."""

import math

import pytest
import torch

from harness.errors import ConfigError
from harness.training.logps import sequence_logps

LN2, LN3 = math.log(2.0), math.log(3.0)
# position rows: [0,0,0] -> probs 1/3 each; [0, ln2, ln3] -> 1/6, 2/6, 3/6; [ln3, 0, 0] -> 3/5, 1/5, 1/5
LOGITS = torch.tensor(
    [
        [[0.0, 0.0, 0.0], [0.0, LN2, LN3], [LN3, 0.0, 0.0]],
        [[0.0, LN2, LN3], [0.0, 0.0, 0.0], [5.0, 5.0, 5.0]],
    ],
    dtype=torch.float64,
)
LABELS = torch.tensor([[1, 2, 0], [0, -100, 2]])
MASK = torch.tensor([[0, 1, 1], [1, 0, 1]])
ROW0 = math.log(3 / 6) + math.log(3 / 5)  # positions 1 (label 2) and 2 (label 0)
ROW1 = math.log(1 / 6) + math.log(1 / 3)  # positions 0 (label 0) and 2 (label 2)


def test_sequence_logps_sum_with_mask():
    logps, count = sequence_logps(LOGITS, LABELS, MASK, normalise="sum")
    assert logps.tolist() == pytest.approx([ROW0, ROW1], abs=1e-12)
    assert count.tolist() == [2, 2]


def test_sequence_logps_mean_with_mask():
    logps, count = sequence_logps(LOGITS, LABELS, MASK, normalise="mean")
    assert logps.tolist() == pytest.approx([ROW0 / 2, ROW1 / 2], abs=1e-12)
    assert count.tolist() == [2, 2]


def test_sequence_logps_default_is_sum_and_uneven_counts():
    mask = torch.tensor([[0, 0, 1], [1, 0, 1]])
    logps, count = sequence_logps(LOGITS, LABELS, mask)
    assert logps.tolist() == pytest.approx([math.log(3 / 5), ROW1], abs=1e-12)
    assert count.tolist() == [1, 2]
    mean, _ = sequence_logps(LOGITS, LABELS, mask, normalise="mean")
    assert mean.tolist() == pytest.approx([math.log(3 / 5), ROW1 / 2], abs=1e-12)


def test_sequence_logps_empty_mask_row_is_zero():
    mask = torch.tensor([[0, 0, 0], [1, 0, 1]])
    for mode in ("sum", "mean"):
        logps, count = sequence_logps(LOGITS, LABELS, mask, normalise=mode)
        assert logps[0].item() == 0.0
        assert count.tolist() == [0, 2]


def test_sequence_logps_masked_minus_inf_does_not_make_nan():
    logits = LOGITS.clone()
    logits[1, 1, 0] = float("-inf")  # masked position whose (safe) label 0 has -inf log-prob
    logps, _ = sequence_logps(logits, LABELS, MASK)
    assert logps.tolist() == pytest.approx([ROW0, ROW1], abs=1e-12)


def test_sequence_logps_gradient_and_bf16():
    logits = LOGITS.clone().float().requires_grad_(True)
    logps, _ = sequence_logps(logits, LABELS, MASK)
    logps.sum().backward()
    assert torch.isfinite(logits.grad).all()
    # masked positions get no gradient
    assert logits.grad[0, 0].abs().sum().item() == 0.0
    assert logits.grad[1, 1].abs().sum().item() == 0.0
    out, _ = sequence_logps(LOGITS.to(torch.bfloat16), LABELS, MASK)
    assert out.dtype == torch.float32
    assert out.tolist() == pytest.approx([ROW0, ROW1], abs=2e-2)


def test_sequence_logps_bad_normalise_is_config_error():
    with pytest.raises(ConfigError) as info:
        sequence_logps(LOGITS, LABELS, MASK, normalise="token")
    assert "token" in str(info.value) and "sum" in str(info.value) and "mean" in str(info.value)


def test_sequence_logps_shape_mismatch_raises():
    with pytest.raises(ValueError):
        sequence_logps(LOGITS, LABELS[:, :2], MASK)
