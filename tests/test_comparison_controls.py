"""The comparison's controls and dose-response checks (harness/evaluation/comparison.py), on
hand-made summaries."""

from __future__ import annotations

import pytest

from harness.evaluation import comparison as cmp

# --- controls, on hand-made summaries ----------------------------------------------------------


def entry(method="online_dpo", win=50.0, win_ci=(45.0, 55.0), gain=None, gain_ci=None, p=None, realised=None,
          n_seeds=3) -> dict:
    vs = None
    if gain is not None:
        vs = {"gain": {"mean": gain, "ci": list(gain_ci or (gain - 2, gain + 2)), "n_seeds": n_seeds},
              "n_pairs": 100, "wilcoxon_p": 0.01}
    return {"method": method, "seeds": list(range(n_seeds)), "win_rate": {"mean": win, "ci": list(win_ci), "n_seeds": n_seeds},
            "vs_sft": vs, "realised_accuracy": None if realised is None else {"mean": realised, "ci": [realised] * 2, "n_seeds": n_seeds},
            "judge_accuracy": None, "decoding": "greedy", "tokens_generated": 0.0, "judge_calls": 0.0, "wall_s": 0.0,
            "external_judge_accuracy": p}


SFT = entry("sft", win=44.0, win_ci=(40.0, 48.0))


@pytest.mark.parametrize("gain, win_ci, passes", [
    (15.0, (55.0, 65.0), True),
    (10.0, (48.5, 62.0), True),   # the margin itself is enough
    (8.0, (50.0, 56.0), False),   # CIs disjoint but the gain is too small
    (15.0, (47.0, 70.0), False),  # big gain but the CIs overlap
    (15.0, (48.0, 70.0), False),  # touching is not disjoint
])
def test_positive_control(gain, win_ci, passes):
    oracle = entry(win=sum(win_ci) / 2, win_ci=win_ci, gain=gain, p=1.0)
    v = cmp.controls({"sft": SFT, "online_dpo": oracle})["positive"]
    assert v["pass"] is passes
    assert v["gain"] == gain
    assert v["cis_disjoint"] is (win_ci[0] > 48.0)


def test_positive_control_needs_sft_and_the_oracle():
    assert "positive" not in cmp.controls({"online_dpo": entry(gain=20.0, p=1.0)})
    assert "positive" not in cmp.controls({"sft": SFT, "online_dpo": entry(p=1.0)})  # no paired gain


@pytest.mark.parametrize("gain, gain_ci, passes, inside", [
    (0.0, (-2.0, 2.0), True, True),
    (-6.0, (-12.0, 0.0), True, False),  # a CI that touches 0: no effect detected, though the mean is outside sft's CI
    (-6.0, (-12.0, -0.1), False, False),  # a random judge that hurts moves the policy too
    (8.0, (3.0, 13.0), False, False),     # one that helps means the loop learns without a judge
    (3.0, (-1.0, 7.0), True, True),
])
def test_negative_control_random_is_paired(gain, gain_ci, passes, inside):
    rnd = entry(win=44.0 + gain, win_ci=(30.0, 60.0), gain=gain, gain_ci=gain_ci)
    v = cmp.controls({"sft": SFT, "online_dpo[random]": rnd})["negative_random"]
    assert v == {"win_rate": 44.0 + gain, "gain": gain, "gain_ci": list(gain_ci), "pass": passes,
                 "mean_within_sft_ci": inside}


def test_negative_control_needs_the_paired_gain():
    assert "negative_random" not in cmp.controls({"sft": SFT, "online_dpo[random]": entry(win=44.0)})


def test_negative_control_adversarial():
    ok = cmp.controls({"sft": SFT, "online_dpo[noisy_oracle p=0]": entry(gain=-20.0, gain_ci=(-30.0, -10.0), p=0.0)})
    assert ok["negative_adversarial"] == {"p": 0.0, "gain": -20.0, "pass": True}
    bad = cmp.controls({"sft": SFT, "online_dpo[noisy_oracle p=0.3]": entry(gain=-5.0, gain_ci=(-15.0, 5.0), p=0.3)})
    assert bad["negative_adversarial"]["pass"] is False
    assert "negative_adversarial" not in cmp.controls({"sft": SFT, "online_dpo": entry(gain=20.0, p=1.0)})


def _curve(points: dict[float, tuple[float, float, float]]) -> dict:
    out = {"sft": SFT}
    for p, (gain, low, high) in points.items():
        name = "online_dpo" if p == 1.0 else f"online_dpo[noisy_oracle p={p:g}]"
        out[name] = entry(gain=gain, gain_ci=(low, high), p=p)
    return out


def test_monotone_for_an_increasing_curve():
    s = _curve({0.5: (0.0, -3.0, 3.0), 0.6: (2.0, -1.0, 5.0), 0.7: (5.0, 2.0, 8.0), 0.8: (8.0, 5.0, 11.0),
                0.9: (11.0, 8.0, 14.0), 1.0: (15.0, 12.0, 18.0)})
    assert cmp.controls(s)["monotone_within_cis"] is True
    assert [r["p"] for r in cmp.dose_response(s)] == [0.5, 0.6, 0.7, 0.8, 0.9, 1.0]


def test_monotone_tolerates_dips_inside_the_cis():
    s = _curve({0.5: (1.0, -3.0, 5.0), 0.7: (0.0, -4.0, 4.0), 0.9: (6.0, 2.0, 10.0)})
    assert cmp.controls(s)["monotone_within_cis"] is True


def test_not_monotone_for_a_clearly_decreasing_curve():
    s = _curve({0.5: (20.0, 18.0, 22.0), 0.7: (10.0, 8.0, 12.0), 0.9: (0.0, -2.0, 2.0)})
    assert cmp.controls(s)["monotone_within_cis"] is False


def test_monotonicity_ignores_the_adversarial_end():
    s = _curve({0.0: (30.0, 28.0, 32.0), 0.5: (0.0, -2.0, 2.0), 0.9: (10.0, 8.0, 12.0)})
    v = cmp.controls(s)
    assert v["monotone_within_cis"] is True
    assert v["negative_adversarial"]["pass"] is False


def test_dose_response_and_method_points():
    s = {**_curve({0.7: (5.0, 1.0, 9.0), 1.0: (15.0, 12.0, 18.0)}),
         "online_dpo[random]": entry(gain=0.0, p=None),
         "self_judge": entry("self_judge", gain=4.0, gain_ci=(0.0, 8.0), realised=65.0),
         "sft_like": entry("sft_like", gain=1.0)}  # no realised accuracy: not a point
    s["online_dpo[noisy_oracle p=0.7]"]["realised_accuracy"] = {"mean": 70.5, "ci": [70.5, 70.5], "n_seeds": 3}
    curve = cmp.dose_response(s)
    assert [(r["arm"], r["p"], r["gain"], r["gain_ci"], r["realised"]) for r in curve] == [
        ("online_dpo[noisy_oracle p=0.7]", 0.7, 5.0, [1.0, 9.0], 70.5), ("online_dpo", 1.0, 15.0, [12.0, 18.0], None)]
    assert cmp.method_points(s) == [{"arm": "self_judge", "accuracy": 65.0, "gain": 4.0, "gain_ci": [0.0, 8.0]}]


