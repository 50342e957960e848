"""Hand-computed checks for harness.stats."""

import math

import numpy as np
import pytest

from harness.stats import PERCENT_RANGE, Estimate, bootstrap_ci, estimate, mean_ci_across_seeds, mean_se, wilson_ci

Z95 = 1.959963984540054  # standard normal 0.975 quantile
T95_DF2 = 4.302652729911275  # Student t 0.975 quantile, 2 degrees of freedom


def test_mean_se_by_hand():
    mean, se = mean_se([1.0, 2.0, 3.0, 4.0])
    assert mean == pytest.approx(2.5)
    # sample variance = (2.25 + 0.25 + 0.25 + 2.25) / 3 = 5/3
    assert se == pytest.approx(math.sqrt(5 / 3) / math.sqrt(4))


def test_mean_se_single_value_has_zero_se():
    assert mean_se([0.7]) == (pytest.approx(0.7), 0.0)


def test_mean_se_accepts_numpy_and_generators():
    assert mean_se(np.array([0, 1, 1, 0]))[0] == pytest.approx(0.5)
    assert mean_se(x for x in (1, 3))[0] == pytest.approx(2.0)


def test_wilson_8_of_10_by_formula():
    n, p, z = 10, 0.8, Z95
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    low, high = wilson_ci(8, 10)
    assert low == pytest.approx(centre - half, abs=1e-9)
    assert high == pytest.approx(centre + half, abs=1e-9)
    # known published value for 8/10 at 95%: [0.490, 0.943]
    assert low == pytest.approx(0.4902, abs=1e-4)
    assert high == pytest.approx(0.9433, abs=1e-4)


def test_wilson_extremes_stay_in_unit_interval():
    low, high = wilson_ci(0, 5)
    assert low == pytest.approx(0.0, abs=1e-12) and 0 < high < 1
    # 0/n upper bound is z^2 / (n + z^2)
    assert high == pytest.approx(Z95**2 / (5 + Z95**2), abs=1e-9)
    low, high = wilson_ci(5, 5)
    assert high == pytest.approx(1.0, abs=1e-12) and 0 < low < 1


def test_wilson_errors():
    with pytest.raises(ValueError):
        wilson_ci(1, 0)
    with pytest.raises(ValueError):
        wilson_ci(11, 10)
    with pytest.raises(ValueError):
        wilson_ci(-1, 10)


def test_bootstrap_deterministic_and_contains_mean():
    rng = np.random.default_rng(123)
    values = rng.normal(0.5, 1.0, size=200)
    a = bootstrap_ci(values, seed=7)
    b = bootstrap_ci(values, seed=7)
    assert a == b
    assert a[0] < values.mean() < a[1]
    assert bootstrap_ci(values, seed=8) != a
    # width roughly 2 * 1.96 * se
    se = values.std(ddof=1) / math.sqrt(values.size)
    assert (a[1] - a[0]) == pytest.approx(2 * Z95 * se, rel=0.15)


def test_bootstrap_two_point_by_hand():
    # resample means of [0, 1] with n=2 take 0, 0.5, 1 with prob 1/4, 1/2, 1/4,
    # so the 2.5% and 97.5% percentiles are 0 and 1.
    assert bootstrap_ci([0.0, 1.0], n_boot=4000) == (0.0, 1.0)


def test_bootstrap_constant_values():
    assert bootstrap_ci([3.0, 3.0, 3.0]) == (3.0, 3.0)
    assert bootstrap_ci([2.5]) == (2.5, 2.5)


def test_bootstrap_other_stats():
    values = [1.0, 2.0, 3.0, 100.0]
    low, high = bootstrap_ci(values, stat=np.median, seed=0)
    assert 1.0 <= low <= high <= 100.0
    # a stat without an axis argument is applied per resample
    low2, high2 = bootstrap_ci(values, stat=lambda x: float(np.max(x)), seed=0)
    assert low2 >= 1.0 and high2 == 100.0


def test_estimate_combines_pieces():
    values = [0, 1, 1, 0, 1, 1, 1, 0]
    est = estimate(values, seed=3)
    assert isinstance(est, Estimate)
    assert est.value == pytest.approx(5 / 8)
    assert est.se == pytest.approx(mean_se(values)[1])
    assert (est.ci_low, est.ci_high) == bootstrap_ci(values, seed=3)
    assert est.n == 8


def test_estimate_format():
    est = Estimate(value=0.523, se=0.041, ci_low=0.44, ci_high=0.602, n=128)
    assert est.format() == "52.3 ± 4.1 [44.0, 60.2] (n=128)"
    assert est.format(scale=1, digits=3) == "0.523 ± 0.041 [0.440, 0.602] (n=128)"
    assert str(est) == est.format()


def test_t_ci_of_1_2_3():
    est = mean_ci_across_seeds([1.0, 2.0, 3.0])
    se = 1.0 / math.sqrt(3)  # sample std 1, n = 3
    assert est.value == pytest.approx(2.0)
    assert est.se == pytest.approx(se)
    assert est.ci_low == pytest.approx(2.0 - T95_DF2 * se, abs=1e-9)
    assert est.ci_high == pytest.approx(2.0 + T95_DF2 * se, abs=1e-9)
    assert est.n == 3


def test_t_ci_is_cut_to_the_quantitys_range():
    values = [100.0, 100.0, 88.0]  # an accuracy near its ceiling, three seeds
    free = mean_ci_across_seeds(values)
    cut = mean_ci_across_seeds(values, bounds=PERCENT_RANGE)
    assert free.ci_high > 100.0 and cut.ci_high == 100.0  # the t-interval overshoots; the cut one stops at 100
    assert cut.ci_low == pytest.approx(free.ci_low) and cut.value == free.value and cut.se == free.se
    low = mean_ci_across_seeds([0.0, 0.0, 9.0], bounds=PERCENT_RANGE)
    assert low.ci_low == 0.0 and low.ci_high == pytest.approx(mean_ci_across_seeds([0.0, 0.0, 9.0]).ci_high)


def test_t_ci_single_seed_collapses():
    est = mean_ci_across_seeds([0.4])
    assert (est.value, est.se, est.ci_low, est.ci_high, est.n) == (0.4, 0.0, 0.4, 0.4, 1)


@pytest.mark.parametrize(
    "fn",
    [mean_se, bootstrap_ci, estimate, mean_ci_across_seeds],
)
def test_empty_input_raises_clear_error(fn):
    with pytest.raises(ValueError, match="empty"):
        fn([])


def test_bad_alpha_raises():
    with pytest.raises(ValueError, match="alpha"):
        bootstrap_ci([1.0, 2.0], alpha=1.5)
    with pytest.raises(ValueError, match="alpha"):
        mean_ci_across_seeds([1.0, 2.0], alpha=0.0)
