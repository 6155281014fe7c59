"""Tests of the one resampling module: draws, intervals and p-values."""

import numpy as np
import pytest
from scipy import stats

from rsatoolbox_topo import _resampling as rs


# ---------------------------------------------------------------- draws
def test_two_factor_known_stream():
    """draw_two_factor keeps the package's stream for a seed (the samples
    the fast engine always drew: individuals, then conditions, per sample)."""
    counts, draws = rs.draw_two_factor(np.random.default_rng(7), 4, 6, 3)
    assert counts.tolist() == [[0, 0, 2, 2], [1, 1, 0, 2], [0, 3, 0, 1]]
    assert draws.tolist() == [[0, 1, 1, 3, 4, 5], [0, 0, 2, 2, 4, 4],
                              [1, 2, 2, 3, 4, 5]]


def test_two_factor_minimum_distinct_units():
    """Every sample has at least min_ind individuals, min_cond conditions."""
    counts, draws = rs.draw_two_factor(np.random.default_rng(0), 2, 3, 300,
                                       min_ind=2, min_cond=3)
    assert np.all((counts > 0).sum(axis=1) >= 2)
    assert np.all([len(np.unique(d)) == 3 for d in draws])
    assert np.all(counts.sum(axis=1) == 2)
    assert np.all(np.diff(draws, axis=1) >= 0)


def test_draw_conditions_matches_plain_integers():
    """Without a minimum, draws are rng.integers (rsatoolbox-like rows)."""
    got = rs.draw_conditions(np.random.default_rng(4), 7, 5)
    want = np.random.default_rng(4).integers(0, 7, size=(5, 7))
    np.testing.assert_array_equal(got, want)
    ind = rs.draw_individuals(np.random.default_rng(4), 7, 5)
    np.testing.assert_array_equal(ind, want)


def test_draw_conditions_redraws_and_sorts():
    """Rows with too few distinct conditions are redrawn; sort sorts."""
    draws = rs.draw_conditions(np.random.default_rng(1), 3, 200,
                               min_distinct=3, sort=True)
    assert np.all(draws == np.arange(3))


def test_min_distinct_above_units_is_refused():
    """A minimum that cannot be met raises instead of looping forever."""
    with pytest.raises(ValueError, match="'min_distinct' parameter must be "
                                         "at most the number of units"):
        rs.draw_conditions(np.random.default_rng(0), 2, 5, min_distinct=3)
    with pytest.raises(ValueError, match="'min_ind'"):
        rs.draw_two_factor(np.random.default_rng(0), 1, 5, 5)


def test_permutations_are_permutations_and_seeded():
    """Each row is a permutation; the same seed gives the same rows."""
    p = rs.draw_permutations(np.random.default_rng(3), 6, 50)
    assert p.shape == (50, 6)
    assert np.all(np.sort(p, axis=1) == np.arange(6))
    np.testing.assert_array_equal(
        p, rs.draw_permutations(np.random.default_rng(3), 6, 50))
    assert len({tuple(r) for r in p}) > 40


def test_derived_seeds_come_from_the_generator():
    """Seeds are reproducible, in range, and advance the generator."""
    rng = np.random.default_rng(0)
    seeds = rs.derive_seeds(rng, 3)
    assert np.all((seeds >= 0) & (seeds < 2 ** 31 - 1))
    np.testing.assert_array_equal(
        seeds, rs.derive_seeds(np.random.default_rng(0), 3))
    assert rs.derive_seed(rng) != rs.derive_seed(rng)
    big = rs.derive_seeds(np.random.default_rng(0), 200, high=2 ** 63 - 1)
    assert big.max() > 2 ** 40


# ------------------------------------------------------------ intervals
def test_percentile_interval_of_normal_sample():
    """Percentile interval of N(0, 1) draws is close to +-1.96."""
    x = np.random.default_rng(0).normal(size=200_000)
    low, high = rs.confidence_interval(x)
    assert low == pytest.approx(-1.96, abs=0.02)
    assert high == pytest.approx(1.96, abs=0.02)
    assert (low, high) == pytest.approx(tuple(np.percentile(x, [2.5, 97.5])),
                                         rel=1e-12)


def test_basic_interval_reflects_about_estimate():
    """Basic interval = 2 * estimate - percentile bounds (swapped)."""
    x = np.random.default_rng(1).gamma(2.0, size=999)
    q_low, q_high = np.percentile(x, [5, 95])
    low, high = rs.confidence_interval(x, 2.5, level=0.9, method="basic")
    assert low == pytest.approx(5.0 - q_high)
    assert high == pytest.approx(5.0 - q_low)


def test_bc_without_bias_equals_percentile():
    """With the estimate at the median, BC is the percentile interval."""
    x = np.arange(1001.0)
    bc = rs.confidence_interval(x, 500.0, method="bc")
    assert bc == pytest.approx(rs.confidence_interval(x))


def test_bc_moves_towards_a_biased_estimate():
    """Samples biased low: BC shifts the interval up.

    The situation of a resampled leave-one-out accuracy (issue 9): the
    percentile interval excludes the estimate.
    """
    rng = np.random.default_rng(2)
    x = rng.normal(0.5, 0.05, size=2000)
    est = 0.6
    low, high = rs.confidence_interval(x, est)
    assert high < est
    low_bc, high_bc = rs.confidence_interval(x, est, method="bc")
    assert low_bc > low and high_bc > high


def test_bca_matches_scipy_on_the_same_resamples():
    """BCa equals scipy.stats.bootstrap's BCa given its own resamples."""
    rng = np.random.default_rng(5)
    data = rng.lognormal(size=40)
    res = stats.bootstrap((data,), np.mean, method="BCa", n_resamples=2000,
                          confidence_level=0.9, random_state=3)
    jack = np.array([np.mean(np.delete(data, i)) for i in range(len(data))])
    low, high = rs.confidence_interval(
        res.bootstrap_distribution, np.mean(data), level=0.9, method="bca",
        jackknife=jack)
    assert low == pytest.approx(res.confidence_interval.low, rel=1e-10)
    assert high == pytest.approx(res.confidence_interval.high, rel=1e-10)
    # the skewed case: BCa is not the percentile interval
    assert (low, high) != pytest.approx(rs.confidence_interval(
        res.bootstrap_distribution, level=0.9))


def test_bca_two_factors_pool_centred_jackknives():
    """Two factors' leave-one-out values are centred separately, pooled."""
    rng = np.random.default_rng(6)
    x = rng.gamma(3, size=500)
    j1, j2 = rng.gamma(3, size=6), 10 + rng.normal(size=8)
    both = rs.confidence_interval(x, 3.0, method="bca", jackknife=[j1, j2])
    u = np.concatenate([j1.mean() - j1, j2.mean() - j2])
    a = np.sum(u ** 3) / (6 * np.sum(u ** 2) ** 1.5)
    z0 = stats.norm.ppf(np.mean(x < 3.0))
    want = [np.percentile(x, 100 * stats.norm.cdf(
        z0 + (z0 + zp) / (1 - a * (z0 + zp)))) for zp in (-1.959964,
                                                          1.959964)]
    assert both == pytest.approx(tuple(want), rel=1e-5)


def test_t_interval_known_answer():
    """t interval: mean +- t_{n-1} * sd / sqrt(n)."""
    values = np.array([0.5, 0.7, 0.6, 0.9, 0.8])
    low, high = rs.confidence_interval(None, method="t", unit_values=values)
    half = stats.t.ppf(0.975, 4) * values.std(ddof=1) / np.sqrt(5)
    assert (low, high) == pytest.approx((0.7 - half, 0.7 + half))
    low2, _ = rs.confidence_interval(None, 0.6, method="t",
                                     unit_values=values)
    assert low2 == pytest.approx(0.6 - half)


def test_corrected_interval_known_answer():
    """Corrected variance: rsatoolbox's dual-bootstrap formula, clipped."""
    rng = np.random.default_rng(8)
    both = rng.normal(0, 1.0, 4000)
    one_a = rng.normal(0, 0.6, 4000)
    one_b = rng.normal(0, 0.6, 4000)
    v, v1, v2 = both.var(ddof=1), one_a.var(ddof=1), one_b.var(ddof=1)
    f1, f2 = 10 / 9, 20 / 19
    var = f1 * v1 + f2 * v2 - f1 * f2 * (v - v1 - v2)
    var = min(max(var, f1 * v1, f2 * v2), v)
    half = stats.t.ppf(0.975, 9) * np.sqrt(var)
    got = rs.confidence_interval(both, 0.2, method="corrected",
                                 one_factor=(one_a, one_b), n_units=(10, 20))
    assert got == pytest.approx((0.2 - half, 0.2 + half))
    # with two-factor variance = sum of one-factor ones, no interaction
    # term: between the one-factor and the two-factor variances
    assert np.sqrt(f1 * v1) * stats.t.ppf(0.975, 9) <= half + 1e-12


def test_intervals_vectorised_over_trailing_axes():
    """Each column gets the interval of its own samples."""
    rng = np.random.default_rng(9)
    x = rng.normal(size=(300, 2, 3))
    est = rng.normal(size=(2, 3)) * 0.1
    for method in ("percentile", "basic", "bc"):
        low, high = rs.confidence_interval(x, est, method=method)
        assert low.shape == (2, 3)
        for i in range(2):
            for j in range(3):
                one = rs.confidence_interval(x[:, i, j], est[i, j],
                                             method=method)
                assert (low[i, j], high[i, j]) == pytest.approx(one)


def test_nan_samples_ignored_and_impossible_intervals_nan():
    """NaN samples are dropped; intervals that cannot exist are NaN."""
    x = np.r_[np.arange(101.0), np.nan, np.nan]
    assert rs.confidence_interval(x, level=0.9) == (5.0, 95.0)
    assert np.isnan(rs.confidence_interval(np.full(5, np.nan))).all()
    # every sample below the estimate: no bias correction possible
    assert np.isnan(rs.confidence_interval(np.arange(10.0), 20.0,
                                           method="bc")).all()
    assert np.isnan(rs.confidence_interval(np.arange(10.0), np.nan,
                                           method="basic")).all()
    assert np.isnan(rs.confidence_interval(None, method="t",
                                           unit_values=[0.5])).all()
    cols = np.c_[np.arange(10.0), np.full(10, np.nan)]
    low, high = rs.confidence_interval(cols, [4.5, 1.0], method="bca",
                                       jackknife=np.ones((3, 2)))
    assert np.isfinite(low[0]) and np.isnan(low[1])


def test_interval_errors_name_the_parameter():
    """Missing inputs and bad options raise with the parameter's name."""
    x = np.arange(10.0)
    with pytest.raises(ValueError, match="Invalid value for the 'method'"):
        rs.confidence_interval(x, method="normal")
    with pytest.raises(ValueError, match="'level' parameter must be a float "
                                         r"in \(0, 1\)"):
        rs.confidence_interval(x, level=1.0)
    with pytest.raises(ValueError, match="'estimate' parameter is needed"):
        rs.confidence_interval(x, method="basic")
    with pytest.raises(ValueError, match="'jackknife' parameter is needed"):
        rs.confidence_interval(x, 1.0, method="bca")
    with pytest.raises(ValueError, match="'unit_values' parameter is needed"):
        rs.confidence_interval(x, 1.0, method="t")
    with pytest.raises(ValueError, match="'one_factor' and 'n_units'"):
        rs.confidence_interval(x, 1.0, method="corrected")
    with pytest.raises(ValueError, match="'jackknife' parameter must have "
                                         "the trailing shape"):
        rs.confidence_interval(np.ones((5, 2)), 1.0, method="bca",
                               jackknife=np.ones((4, 3)))
    with pytest.raises(ValueError, match="'estimate' parameter must "
                                         "broadcast"):
        rs.confidence_interval(np.ones((5, 2)), [1.0, 2.0, 3.0],
                               method="basic")


# -------------------------------------------------------------- p-values
def test_bootstrap_p_zero_difference_is_one():
    """A difference of exactly 0 everywhere gives p = 1."""
    assert rs.bootstrap_p_value(np.zeros(100)) == 1.0
    assert rs.bootstrap_p_value(np.zeros(100), 0.0) == 1.0


def test_bootstrap_p_centred_despite_bootstrap_bias():
    """An observed 0 with a shifted bootstrap distribution gives p = 1.

    The uncentred p-value (fraction of samples on the other side of 0)
    gives 0.076-like values here (issue 9).
    """
    diff = np.random.default_rng(0).normal(-0.03, 0.02, size=1000)
    assert rs.bootstrap_p_value(diff, 0.0) == 1.0
    uncentred = 2 * min(np.mean(diff <= 0), np.mean(diff >= 0))
    assert uncentred < 0.2


def test_bootstrap_p_known_answer():
    """p counts |d - mean(d)| >= |observed|, plus one."""
    diff = np.array([-2.0, -1.0, 0.0, 1.0, 2.0, np.nan])
    assert rs.bootstrap_p_value(diff, 1.0) == pytest.approx(5 / 6)
    assert rs.bootstrap_p_value(diff, 1.5) == pytest.approx(3 / 6)
    assert rs.bootstrap_p_value(diff, 3.0) == pytest.approx(1 / 6)
    both = rs.bootstrap_p_value(np.c_[diff, diff], [1.0, 3.0])
    np.testing.assert_allclose(both, [5 / 6, 1 / 6])


def test_bootstrap_p_uniform_under_null():
    """Under a simulated null, P(p <= a) is close to a (fixed seed).

    400 data sets of 30 N(0, 1) values, 999 bootstrap means each; the
    rejection rate at 0.05 lies within 0.05 +- 0.035 (about 3 binomial SEs)
    and a KS test does not reject uniformity at 0.001.
    """
    rng = np.random.default_rng(11)
    n_sets, n, n_boot = 400, 30, 999
    p = np.empty(n_sets)
    for s in range(n_sets):
        x = rng.normal(size=n)
        boot = x[rng.integers(0, n, size=(n_boot, n))].mean(axis=1)
        p[s] = rs.bootstrap_p_value(boot, x.mean())
    assert abs(np.mean(p <= 0.05) - 0.05) < 0.035
    assert abs(np.mean(p <= 0.2) - 0.2) < 0.06
    assert stats.kstest(p, "uniform").pvalue > 0.001


def test_permutation_p_known_answers():
    """+1 correction; tails; ties count as extreme; NaN handled."""
    null = np.arange(99.0)
    assert rs.permutation_p_value(null, 97.5) == pytest.approx(2 / 100)
    assert rs.permutation_p_value(null, 98.0) == pytest.approx(2 / 100)
    assert rs.permutation_p_value(null, 200.0) == pytest.approx(1 / 100)
    assert rs.permutation_p_value(null, 0.5, tail="less") == \
        pytest.approx(2 / 100)
    assert rs.permutation_p_value(null, 0.5, tail="two-sided") == \
        pytest.approx(4 / 100)
    assert rs.permutation_p_value(null, 49.0, tail="two-sided") == 1.0
    assert np.isnan(rs.permutation_p_value(null, np.nan))
    with pytest.raises(ValueError, match="Invalid value for the 'tail'"):
        rs.permutation_p_value(null, 1.0, tail=1)


def test_permutation_p_uniform_under_null():
    """Exchangeable null: P(p <= 0.05) close to 0.05 (fixed seed)."""
    rng = np.random.default_rng(12)
    x = rng.normal(size=(2000, 20))
    p = rs.permutation_p_value(x[:, 1:].T, x[:, 0])
    assert p.shape == (2000,)
    assert abs(np.mean(p <= 0.05) - 0.05) < 0.015
    assert abs(np.mean(p <= 0.5) - 0.5) < 0.035


def test_max_statistic_p_known_answers():
    """FWE p: one shared null of maxima, +1 correction, NaN handled."""
    null_max = np.array([3.0, 1.0, np.nan, 2.0, 5.0])
    p = rs.max_statistic_p_value(null_max, [5.0, 2.5, 0.0, 9.0, np.nan])
    np.testing.assert_allclose(p[:4], [2 / 5, 3 / 5, 1.0, 1 / 5])
    assert np.isnan(p[4])
    # equals the per-test permutation p-value against the same null
    obs = np.array([0.3, 1.7, 2.0])
    per_test = rs.permutation_p_value(
        np.repeat(null_max[~np.isnan(null_max), None], 3, axis=1), obs)
    np.testing.assert_allclose(rs.max_statistic_p_value(null_max, obs),
                               per_test)
