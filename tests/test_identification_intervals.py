"""Interval methods, paired comparisons and recorded interval provenance of
the identification results (issue 9, deliverables 1 and 5)."""

import dataclasses
import functools
import warnings

import numpy as np
import pytest
from scipy import stats

from rsatoolbox_topo import rgtm
from rsatoolbox_topo.statistics import REGIMES
from rsatoolbox_topo.identification import (BootstrapResult,
                                            RegimeComparison,
                                            StatisticsComparison,
                                            ThresholdMap, bootstrap_identify,
                                            compare_regimes,
                                            compare_statistics, identify,
                                            nested_threshold_cv,
                                            threshold_map)

from _planted import planted  # noqa: E402

CELL = functools.partial(rgtm, lower=0.2, upper=0.8)


@pytest.fixture(scope="module")
def rdms():
    return planted(0)


def test_same_samples_for_every_method(rdms):
    """The seed fixes the two-factor samples whatever ci_method is, and
    confidence_interval(method) equals a run made with that method."""
    runs = {m: bootstrap_identify(rdms, "cls", "ind", CELL, n_bootstrap=30,
                                  random_state=1, ci_method=m)
            for m in ("percentile", "bca", "corrected")}
    for run in runs.values():
        np.testing.assert_array_equal(run.samples, runs["percentile"].samples)
        assert run.n_bootstrap == 30
    bca = runs["bca"]
    assert bca.ci_method == "bca"
    assert bca.confidence_interval("percentile") == \
        pytest.approx(runs["percentile"].ci)
    assert runs["corrected"].confidence_interval("basic") == \
        pytest.approx(runs["percentile"].confidence_interval("basic"))
    # Symmetric about the estimate, then clipped to [0, 1].
    low, high = runs["corrected"].ci
    acc = runs["corrected"].accuracy
    half = max(acc - low, high - acc)
    assert half > 0
    assert low == pytest.approx(max(0.0, acc - half))
    assert high == pytest.approx(min(1.0, acc + half))


def test_default_result_gives_every_method(rdms):
    """A 'corrected' result (the default) also holds the jackknife: its BCa
    interval is that of a 'bca' run with the same seed, and every method
    gives an interval from it."""
    runs = {m: bootstrap_identify(rdms, "cls", "ind", CELL, n_bootstrap=30,
                                  random_state=3, ci_method=m)
            for m in ("bca", "corrected")}
    corrected, bca = runs["corrected"], runs["bca"]
    np.testing.assert_array_equal(corrected.jackknife_individuals,
                                  bca.jackknife_individuals)
    np.testing.assert_array_equal(corrected.jackknife_conditions,
                                  bca.jackknife_conditions)
    assert corrected.confidence_interval("bca") == pytest.approx(bca.ci)
    assert np.isfinite(corrected.jackknife_individuals).all()
    for method in ("percentile", "basic", "bc", "bca", "t", "corrected"):
        low, high = corrected.confidence_interval(method)
        assert 0.0 <= low <= high <= 1.0, method


def test_missing_interval_data_is_a_clear_error(rdms):
    """A percentile run cannot give BCa or corrected intervals afterwards."""
    boot = bootstrap_identify(rdms, "cls", "ind", n_bootstrap=5,
                              random_state=0, ci_method="percentile")
    with pytest.raises(ValueError, match=r"cannot give a 'bca' interval: it "
                                         r"holds no jackknife_individuals"):
        boot.confidence_interval("bca")
    with pytest.raises(ValueError, match="ci_method='corrected'"):
        boot.confidence_interval("corrected")
    with pytest.raises(ValueError, match="Invalid value for the 'ci_method'"):
        bootstrap_identify(rdms, "cls", "ind", n_bootstrap=5,
                           ci_method="normal")


def test_jackknife_values_are_leave_one_out_identifications(rdms):
    """Jackknife rows equal identify() without that individual/condition."""
    boot = bootstrap_identify(rdms, "cls", "ind", CELL, n_bootstrap=3,
                              random_state=0, ci_method="bca")
    ind = np.array(rdms.rdm_descriptors["ind"])
    assert boot.jackknife_individuals.shape == (5,)
    for s, name in enumerate(["s0", "s1", "s2", "s3", "s4"]):
        sub = rdms.subset("ind", [n for n in np.unique(ind) if n != name])
        assert boot.jackknife_individuals[s] == pytest.approx(
            identify(sub, "cls", "ind", CELL).accuracy, abs=1e-12)
    # the literal path (a comparator) too
    corr = bootstrap_identify(rdms, "cls", "ind", CELL, method="corr",
                              n_bootstrap=2, random_state=0,
                              ci_method="bca")
    for c in (0, 4, 8):
        keep = [k for k in range(rdms.n_cond) if k != c]
        sub = rdms.subsample_pattern("index", keep)
        assert boot.jackknife_conditions[c] == pytest.approx(
            identify(sub, "cls", "ind", CELL).accuracy, abs=1e-12)
        assert corr.jackknife_conditions[c] == pytest.approx(
            identify(sub, "cls", "ind", CELL, method="corr").accuracy,
            abs=1e-12)


def test_t_interval_from_held_out_individuals(rdms):
    """'t': mean of the held-out individuals' accuracies +- t * SE."""
    boot = bootstrap_identify(rdms, "cls", "ind", n_bootstrap=5,
                              random_state=0, ci_method="t", ci_level=0.9)
    point = identify(rdms, "cls", "ind")
    assert boot.unit_values.mean() == pytest.approx(point.accuracy)
    half = stats.t.ppf(0.95, 4) * boot.unit_values.std(ddof=1) / np.sqrt(5)
    assert boot.ci == pytest.approx((point.accuracy - half,
                                     point.accuracy + half))


def test_summary_frame_flags_excluding_interval(rdms):
    """to_frame(summary=True) names the method and flags exclusion."""
    boot = bootstrap_identify(rdms, "cls", "ind", n_bootstrap=20,
                              random_state=2)
    frame = boot.to_frame(summary=True)
    assert list(frame.columns) == [
        "statistic", "accuracy", "ci_low", "ci_high", "ci_level",
        "ci_method", "n_bootstrap", "ci_excludes_estimate", "chance"]
    assert frame.ci_method[0] == "corrected"  # the default
    assert frame.n_bootstrap[0] == 20
    low, high = boot.ci
    assert frame.ci_excludes_estimate[0] == \
        (not low <= boot.accuracy <= high)
    moved = dataclasses.replace(boot, ci=(boot.accuracy + 0.1,
                                          boot.accuracy + 0.2))
    assert moved.ci_excludes_estimate
    assert len(boot.to_frame()) == 20  # per-sample table unchanged


@pytest.mark.parametrize("suffix", [".npz", ".json"])
def test_save_load_keeps_interval_data(rdms, tmp_path, suffix):
    """Round trips keep method, sample count and the data of the methods."""
    boot = bootstrap_identify(rdms, "cls", "ind", n_bootstrap=8,
                              random_state=0, ci_method="bca")
    path = tmp_path / f"boot{suffix}"
    boot.save(path)
    back = BootstrapResult.load(path)
    assert back.ci_method == "bca" and back.n_bootstrap == 8
    np.testing.assert_array_equal(back.jackknife_conditions,
                                  boot.jackknife_conditions)
    assert back.confidence_interval() == pytest.approx(boot.ci)
    assert back.confidence_interval("bc", 0.8) == \
        pytest.approx(boot.confidence_interval("bc", 0.8))
    comp = compare_regimes(rdms, "cls", "ind", n_draws=1, n_bootstrap=6,
                           random_state=0, baseline="rdm", ci_method="t")
    comp.save(tmp_path / f"comp{suffix}")
    again = RegimeComparison.load(tmp_path / f"comp{suffix}")
    assert again.baseline == "RDM" and again.ci_method == "t"
    np.testing.assert_array_equal(again.p_value, comp.p_value)
    np.testing.assert_allclose(again.confidence_interval(diff=True),
                               comp.confidence_interval(diff=True))


def test_threshold_map_records_method(rdms, tmp_path):
    """Map tables carry the interval method and the exclusion flag."""
    tmap = threshold_map(rdms, "cls", "ind", step=0.5, n_bootstrap=10,
                         random_state=0, ci_method="bc")
    frame = tmap.to_frame()
    assert set(frame.ci_method) == {"bc"}
    assert frame.ci_excludes_estimate.dtype == bool
    want = (frame.accuracy < frame.ci_low) | (frame.accuracy > frame.ci_high)
    assert (frame.ci_excludes_estimate == want).all()
    low, _ = tmap.confidence_interval("percentile")
    np.testing.assert_allclose(
        low[0, 2], np.nanpercentile(tmap.samples[:, 0, 2], 2.5))
    tmap.save(tmp_path / "map.npz")
    back = ThresholdMap.load(tmp_path / "map.npz")
    assert back.ci_method == "bc" and back.n_bootstrap == 10
    np.testing.assert_array_equal(back.ci_low, tmap.ci_low)


def test_compare_statistics_paired(rdms):
    """Baseline diff 0, p = 1; identical statistics are never different."""
    comp = compare_statistics(
        rdms, "cls", "ind", {"RDM": None, "cell": CELL, "same": CELL},
        baseline="cell", n_bootstrap=25, random_state=3)
    assert isinstance(comp, StatisticsComparison)
    assert comp.names == ("RDM", "cell", "same")
    np.testing.assert_array_equal(comp.samples[:, 1], comp.samples[:, 2])
    assert comp.p_value[1] == 1.0 and comp.p_value[2] == 1.0
    assert comp.diff[2] == 0
    boot = bootstrap_identify(rdms, "cls", "ind", None, n_bootstrap=25,
                              random_state=3)
    np.testing.assert_allclose(comp.samples[:, 0], boot.samples)
    assert comp.accuracy[0] == boot.accuracy
    frame = comp.to_frame()
    assert {"diff_vs_baseline", "p_value", "ci_method",
            "ci_excludes_estimate"} <= set(frame.columns)
    with pytest.raises(ValueError, match="Invalid value for the 'baseline'"):
        compare_statistics(rdms, "cls", "ind", [None, CELL], baseline="x",
                           n_bootstrap=2)
    with pytest.raises(ValueError, match="distinct names"):
        compare_statistics(rdms, "cls", "ind", [CELL, CELL], n_bootstrap=2)


def test_compare_regimes_rdm_baseline(rdms):
    """baseline='rdm' adds the untransformed RDM and compares with it."""
    rank = compare_regimes(rdms, "cls", "ind", n_draws=2, n_bootstrap=15,
                           random_state=5)
    raw = compare_regimes(rdms, "cls", "ind", n_draws=2, n_bootstrap=15,
                          random_state=5, baseline="rdm")
    assert raw.names == rank.names + ("RDM",)
    np.testing.assert_array_equal(raw.samples[:, :-1], rank.samples)
    assert raw.accuracy[-1] == identify(rdms, "cls", "ind").accuracy
    assert raw.p_value[-1] == 1.0 and raw.diff[-1] == 0
    assert "diff_vs_rdm" in raw.to_frame().columns
    assert "diff_vs_rank" in rank.to_frame().columns
    # each row says how many statistics its accuracy averages: the pairs
    # drawn in a regime, one for the rank RDM and one for the RDM itself
    # (the RDM row used to say 0)
    counts = dict(zip(raw.to_frame()["regime"], raw.to_frame()["n_draws"]))
    assert counts == {**{name: 2 for name in REGIMES}, "rank RDM": 1,
                      "RDM": 1}
    assert rank.to_frame()["n_draws"].tolist() == [2] * len(REGIMES) + [1]
    with pytest.raises(ValueError, match="Invalid value for the 'baseline'"):
        compare_regimes(rdms, "cls", "ind", baseline="raw")


def test_nested_cv_t_interval(rdms):
    """The nested accuracy gets a t interval over the outer folds."""
    cv = nested_threshold_cv(rdms, "cls", "ind", step=0.5, ci_level=0.9)
    half = stats.t.ppf(0.95, 4) * cv.fold_accuracy.std(ddof=1) / np.sqrt(5)
    assert cv.ci == pytest.approx((cv.nested_accuracy - half,
                                   cv.nested_accuracy + half))
    assert cv.ci_method == "t"


def test_bootstrap_identify_without_jackknife(rdms):
    """jackknife=False leaves the leave-one-out accuracies out of a
    'corrected' result and changes nothing else; 'bca' always has them."""
    full = bootstrap_identify(rdms, "cls", "ind", n_bootstrap=8,
                              random_state=4)
    lean = bootstrap_identify(rdms, "cls", "ind", n_bootstrap=8,
                              random_state=4, jackknife=False)
    assert full.jackknife_conditions is not None
    assert lean.jackknife_individuals is None
    assert lean.jackknife_conditions is None
    assert lean.ci == full.ci
    np.testing.assert_array_equal(lean.samples, full.samples)
    np.testing.assert_array_equal(lean.one_factor_conditions,
                                  full.one_factor_conditions)
    bca = bootstrap_identify(rdms, "cls", "ind", n_bootstrap=8,
                             random_state=4, ci_method="bca",
                             jackknife=False)
    assert bca.jackknife_conditions is not None
    with pytest.raises(TypeError, match="'jackknife' parameter must be"):
        bootstrap_identify(rdms, "cls", "ind", n_bootstrap=2, jackknife=1)


def test_two_individuals_corrected_interval_warns():
    """With 2 individuals the 'corrected' half-width is t(1 df) = 12.7
    bootstrap SDs: the call says so, and the interval is that wide."""
    two = planted(0, n_ind=2, n_class=4, noise=2.0)
    with pytest.warns(UserWarning, match="1 degree of freedom"):
        run = bootstrap_identify(two, "cls", "ind", CELL, n_bootstrap=40,
                                 random_state=0, jackknife=False)
    assert run.ci == (0.0, 1.0)
    # The half-width scales with the t quantile of 1 degree of freedom:
    # compare two levels whose intervals stay inside [0, 1].
    half = {}
    for level in (0.2, 0.5):
        low, high = run.confidence_interval("corrected", level)
        assert 0 < low < run.accuracy < high < 1
        half[level] = (high - low) / 2
    assert half[0.5] / half[0.2] == pytest.approx(
        stats.t.ppf(0.75, 1) / stats.t.ppf(0.6, 1))
    assert stats.t.ppf(0.75, 1) / stats.t.ppf(0.6, 1) != pytest.approx(
        stats.t.ppf(0.75, 4) / stats.t.ppf(0.6, 4), rel=0.05)
    # Five individuals (the smallest the coverage study tested): no warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bootstrap_identify(planted(3, n_ind=5), "cls", "ind", CELL,
                           n_bootstrap=10, random_state=0, jackknife=False)
    # Percentile intervals do not use the t quantile: no warning.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        bootstrap_identify(two, "cls", "ind", CELL, n_bootstrap=10,
                           random_state=0, ci_method="percentile")
