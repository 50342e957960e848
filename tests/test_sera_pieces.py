"""METHODS.md §4 fidelity checks for SeRA's shared pieces on hand values: (1) implicit reward,
(2) zero margins when π = π_ref and the warm-up rule, (3) selection of exactly the requested
fraction in the requested direction."""

from __future__ import annotations

import pytest
import torch

from harness.errors import ConfigError
from harness.pairs import select_by_margin
from harness.training.losses import implicit_reward

MARGINS = [0.3, -1.2, 2.0, 0.0, 0.9, -0.4, 1.5, 0.1, -2.5, 0.6]


def test_implicit_reward_on_a_hand_example():
    r = implicit_reward(torch.tensor([-4.0, -10.0]), torch.tensor([-5.0, -8.0]), beta=0.1)
    assert torch.allclose(r, torch.tensor([0.1, -0.2]))


def test_margins_vanish_when_policy_is_reference_and_warmup_applies():
    logps = torch.tensor([-3.0, -7.5, -1.25])
    margins = (implicit_reward(logps, logps, 0.1) - implicit_reward(logps.flip(0), logps.flip(0), 0.1)).tolist()
    assert margins == [0.0, 0.0, 0.0]
    assert select_by_margin([0.0] * 10, ratio=0.3) == list(range(10))  # warm-up: all of D
    assert select_by_margin([0.0] * 10, ratio=0.3, warmup=0.5) == [0, 1, 2, 3, 4]


@pytest.mark.parametrize("mode, expected", [
    ("largest", [2, 4, 6]),     # margins 2.0, 1.5, 0.9
    ("smallest", [1, 5, 8]),    # -2.5, -1.2, -0.4
    ("middle", [0, 3, 7]),      # sorted: -2.5 -1.2 -0.4 [0.0 0.1 0.3] 0.6 0.9 1.5 2.0: the centred 3
])
def test_selection_keeps_the_requested_fraction_in_the_requested_direction(mode, expected):
    keep = select_by_margin(MARGINS, ratio=0.3, mode=mode)
    assert keep == expected and len(keep) == 3


def test_selection_rejects_bad_knobs():
    with pytest.raises(ConfigError, match="select_ratio"):
        select_by_margin(MARGINS, ratio=0.0)
    with pytest.raises(ConfigError, match="select"):
        select_by_margin(MARGINS, ratio=0.5, mode="random")
