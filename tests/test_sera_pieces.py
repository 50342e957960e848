"""METHODS.md §4 fidelity checks for SeRA's shared pieces on hand values: (1) implicit reward,
(2) zero margins when π = π_ref and the warm-up rule, (3) selection of exactly the requested
fraction in the requested direction."""

from __future__ import annotations

import pytest
import torch

from harness.errors import ConfigError
from methods.sera.selection import select_by_margin
from harness.training.losses import implicit_reward

MARGINS = [0.3, -1.2, 2.0, 0.0, 0.9, -0.4, 1.5, 0.1, -2.5, 0.6]


def test_implicit_reward_on_a_hand_example():
    r = implicit_reward(torch.tensor([-4.0, -10.0]), torch.tensor([-5.0, -8.0]), beta=0.1)
    assert torch.allclose(r, torch.tensor([0.1, -0.2]))


def test_margins_vanish_when_policy_is_reference_and_warmup_applies():
    logps = torch.tensor([-3.0, -7.5, -1.25])
    margins = (implicit_reward(logps, logps, 0.1) - implicit_reward(logps.flip(0), logps.flip(0), 0.1)).tolist()
    assert margins == [0.0, 0.0, 0.0]
    assert select_by_margin([0.0] * 10, ratio=0.3, mode="largest", warmup=1.0) == list(range(10))  # warm-up: all of D
    assert select_by_margin([0.0] * 10, ratio=0.3, warmup=0.5, mode="largest") == [0, 1, 2, 3, 4]


@pytest.mark.parametrize("mode, expected", [
    ("largest", [2, 4, 6]),     # margins 2.0, 1.5, 0.9
    ("smallest", [1, 5, 8]),    # -2.5, -1.2, -0.4
    ("middle", [0, 3, 7]),      # sorted: -2.5 -1.2 -0.4 [0.0 0.1 0.3] 0.6 0.9 1.5 2.0: the centred 3
])
def test_selection_keeps_the_requested_fraction_in_the_requested_direction(mode, expected):
    keep = select_by_margin(MARGINS, ratio=0.3, mode=mode, warmup=1.0)
    assert keep == expected and len(keep) == 3


@pytest.mark.parametrize("margins, ratio, expected", [
    ([0.5, -1.0, 2.0, 0.1, 0.3], 0.5, [0, 2, 4]),  # 2.5 rounds half up to 3 (round() would give 2)
    ([0.4, -0.2], 0.25, [0]),                        # 0.5 rounds up to 1
    ([0.4, -0.2, 1.0, 0.7], 0.625, [0, 2, 3]),       # 2.5 -> 3
    (MARGINS, 0.0, []),                              # ratio 0 keeps none
    (MARGINS, 0.04, []),                             # 0.4 rounds down to 0: no floor of one pair
    (MARGINS, 1.0, list(range(10))),                 # ratio 1 keeps all
])
def test_selected_count_is_ratio_times_n_rounded_half_up(margins, ratio, expected):
    assert select_by_margin(margins, ratio=ratio, mode="largest", warmup=1.0) == expected


def test_round_half_up_survives_float_products():
    from harness.rounding import round_half_up

    assert [round_half_up(x) for x in (0.0, 0.49, 0.5, 1.5, 2.5, 2.51)] == [0, 0, 1, 2, 3, 3]
    assert 0.7 * 45 < 31.5 and round_half_up(0.7 * 45) == 32  # 31.5 by intent, 31.499999999999996 in floats
    assert len(select_by_margin([float(i) for i in range(45)], ratio=0.7, mode="largest", warmup=1.0)) == 32


def test_warmup_count_rounds_half_up_too():
    assert select_by_margin([0.0] * 5, ratio=0.3, warmup=0.5, mode="largest") == [0, 1, 2]  # 2.5 -> 3
    assert select_by_margin([0.0] * 2, ratio=0.3, warmup=0.25, mode="largest") == [0]  # 0.5 -> 1
    assert select_by_margin([], ratio=0.0, mode="largest", warmup=1.0) == []


def test_selection_rejects_bad_knobs():
    with pytest.raises(ConfigError, match="select_ratio"):
        select_by_margin(MARGINS, ratio=1.5, mode="largest", warmup=1.0)
    with pytest.raises(ConfigError, match="select_ratio"):
        select_by_margin(MARGINS, ratio=-0.1, mode="largest", warmup=1.0)
    with pytest.raises(ConfigError, match="warmup"):
        select_by_margin(MARGINS, ratio=0.5, warmup=0.0, mode="largest")
    with pytest.raises(ConfigError, match="select"):
        select_by_margin(MARGINS, ratio=0.5, mode="random", warmup=1.0)
