"""The identification results keep the one result contract; every spelling
of a statistic gives the same identification."""

import dataclasses
import functools

import numpy as np
import pandas as pd
import pytest
from rsatoolbox.rdm import RDMs

from rsatoolbox_topo._results import Result
from rsatoolbox_topo.identification import (BootstrapResult,
                                            IdentificationResult,
                                            NestedCVResult, RegimeComparison,
                                            StatisticsComparison,
                                            ThresholdMap, bootstrap_identify,
                                            compare_regimes,
                                            compare_statistics, identify,
                                            nested_threshold_cv,
                                            threshold_map)
from rsatoolbox_topo.statistics import TopoStatistic, rgtm

from _planted import planted  # noqa: E402

NAMES = ["identify", "bootstrap", "map", "map_no_bootstrap", "nested",
         "statistics", "regimes"]
CLASSES = {"identify": IdentificationResult, "bootstrap": BootstrapResult,
           "map": ThresholdMap, "map_no_bootstrap": ThresholdMap,
           "nested": NestedCVResult, "statistics": StatisticsComparison,
           "regimes": RegimeComparison}


def _tuple_labels(rdms):
    """The RDMs with tuple labels: class ('c0', 0), individual ('s0', 1)."""
    desc = rdms.rdm_descriptors
    return RDMs(rdms.dissimilarities, rdm_descriptors={
        "cls": [(c, int(c[1:])) for c in desc["cls"]],
        "ind": [(s, 1) for s in desc["ind"]]})


@pytest.fixture(scope="module")
def rdms():
    """Three classes, four individuals, eight conditions, tuple labels."""
    return _tuple_labels(planted(5, n_ind=4, n_class=3, n_cond=8))


@pytest.fixture(scope="module")
def results(rdms):
    """One result of each identification function."""
    return {
        "identify": identify(rdms, "cls", "ind"),
        "bootstrap": bootstrap_identify(rdms, "cls", "ind", n_bootstrap=6,
                                        random_state=0, ci_method="bca"),
        "map": threshold_map(rdms, "cls", "ind", step=0.5, n_bootstrap=4,
                             random_state=0),
        "map_no_bootstrap": threshold_map(rdms, "cls", "ind", step=0.5),
        "nested": nested_threshold_cv(rdms, "cls", "ind", step=0.5),
        "statistics": compare_statistics(
            rdms, "cls", "ind", {"RDM": None, "rank": "rank_normalize"},
            n_bootstrap=4, random_state=0),
        "regimes": compare_regimes(rdms, "cls", "ind", n_draws=1,
                                   n_bootstrap=4, random_state=0,
                                   baseline="rdm")}


def _assert_same(a, b, where):
    """Equal values of the same types, recursively (arrays: dtype, shape)."""
    assert type(a) is type(b), f"{where}: {type(a)} vs {type(b)}"
    if isinstance(a, np.ndarray):
        assert (a.dtype, a.shape) == (b.dtype, b.shape), where
        np.testing.assert_array_equal(a, b, err_msg=where)
    elif isinstance(a, (tuple, list)):
        assert len(a) == len(b), where
        for k, (x, y) in enumerate(zip(a, b)):
            _assert_same(x, y, f"{where}[{k}]")
    elif isinstance(a, float) and np.isnan(a):
        assert np.isnan(b), where
    else:
        assert a == b, where


@pytest.mark.parametrize("suffix", [".npz", ".json"])
@pytest.mark.parametrize("name", NAMES)
def test_round_trip_is_exact(results, tmp_path, name, suffix):
    """save/load gives back every field with its type, dtype and shape."""
    result = results[name]
    assert type(result) is CLASSES[name]
    path = tmp_path / f"{name}{suffix}"
    result.save(path)
    back = type(result).load(path)
    for field in dataclasses.fields(result):
        _assert_same(getattr(back, field.name), getattr(result, field.name),
                     field.name)
    pd.testing.assert_frame_equal(back.to_frame(), result.to_frame())
    assert type(Result.load(path)) is type(result)
    assert back.summary() == result.summary()


@pytest.mark.parametrize("suffix", [".npz", ".json"])
def test_tuple_labels_come_back_as_tuples(results, tmp_path, suffix):
    """Classes and individuals that are tuples stay tuples through a file."""
    point, nested = results["identify"], results["nested"]
    assert point.classes == (("c0", 0), ("c1", 1), ("c2", 2))
    assert point.individuals == (("s0", 1), ("s1", 1), ("s2", 1),
                                 ("s3", 1))
    for result in (point, nested):
        result.save(tmp_path / f"r{suffix}")
        back = type(result).load(tmp_path / f"r{suffix}")
        assert back.individuals == point.individuals
        assert all(type(label) is tuple for label in back.individuals)
    assert set(point.to_frame()["individual"]) == set(point.individuals)


@pytest.mark.parametrize("name", NAMES)
def test_results_are_immutable(results, name):
    """Fields cannot be assigned and arrays cannot be written into."""
    result = results[name]
    first = dataclasses.fields(result)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(result, first, None)
    arrays = [getattr(result, f.name) for f in dataclasses.fields(result)
              if isinstance(getattr(result, f.name), np.ndarray)]
    assert arrays
    for array in arrays:
        with pytest.raises(ValueError, match="read-only"):
            array[(0,) * array.ndim] = 0.5


def test_construction_leaves_the_callers_arrays_writeable(results):
    """A result built from an array freezes a view, not the array."""
    point = results["identify"]
    confusion = np.array(point.confusion)
    again = dataclasses.replace(point, confusion=confusion)
    confusion[0, 0] = -1.0  # still the caller's to change
    assert not again.confusion.flags.writeable


def test_summaries_are_one_line_with_the_key_numbers(results):
    """summary() is one line that holds each result's key numbers."""
    for name in NAMES:
        text = results[name].summary()
        assert "\n" not in text and text
        assert repr(results[name]) == \
            f"<{type(results[name]).__name__}: {text}>"
    point, boot = results["identify"], results["bootstrap"]
    assert point.summary().startswith(
        f"accuracy {point.accuracy:.3f} (chance 0.333), 3 classes x 4 "
        "individuals")
    assert (f"95% bca interval [{boot.ci[0]:.3f}, {boot.ci[1]:.3f}] over 6 "
            "bootstrap samples") in boot.summary()
    tmap = results["map"]
    lower, upper, best = tmap.best
    assert (f"RGTM map of 6 (lower, upper) cells: best {best:.3f} at "
            f"({lower:g}, {upper:g})") in tmap.summary()
    nested = results["nested"]
    assert nested.summary().startswith(
        f"nested accuracy {nested.nested_accuracy:.3f}")
    assert f"optimism {nested.optimism:+.3f}" in nested.summary()
    comp = results["statistics"]
    assert (f"vs baseline 'RDM': RDM {comp.accuracy[0]:.3f}, rank "
            f"{comp.accuracy[1]:.3f} (p={comp.p_value[1]:.3g})") \
        in comp.summary()
    assert "7 regime accuracies vs baseline 'RDM'" in \
        results["regimes"].summary()


def test_results_are_built_complete(results):
    """Every interval is there at construction: nothing is None that the
    method made."""
    boot = results["bootstrap"]
    assert boot.jackknife_individuals is not None
    assert boot.n_bootstrap == len(boot.samples) == 6
    assert boot.ci == pytest.approx(boot.confidence_interval())
    for name in ("statistics", "regimes"):
        comp = results[name]
        for field in ("samples", "ci_low", "diff_ci_low", "p_value",
                      "one_factor_individuals"):
            assert getattr(comp, field) is not None, (name, field)
        np.testing.assert_allclose(comp.diff_ci_low,
                                   comp.confidence_interval(diff=True)[0])
    tmap = results["map"]
    np.testing.assert_array_equal(tmap.ci_low, tmap.confidence_interval()[0])
    assert results["map_no_bootstrap"].ci_low is None
    assert results["map_no_bootstrap"].n_bootstrap == 0


# ------------------------------------------------------------ spellings
def _named_rgtm(rdms):
    """A plain callable RDMs -> RDMs (no partial, no TopoStatistic)."""
    return rgtm(rdms, lower=0.2, upper=0.8)


SPELLINGS = {
    "object": TopoStatistic("rgtm", lower=0.2, upper=0.8),
    "name": "rgtm",
    "dict": {"name": "rgtm", "params": {"lower": 0.2, "upper": 0.8}},
    "partial": functools.partial(rgtm, lower=0.2, upper=0.8),
    "callable": _named_rgtm}


@pytest.mark.parametrize("spelling", list(SPELLINGS))
def test_identify_accepts_every_spelling(rdms, spelling):
    """identify(..., statistic=<any spelling>) gives the RGTM's numbers
    (the name alone is the RGTM with its defaults)."""
    want = identify(rdms, "cls", "ind", statistic=functools.partial(
        rgtm, **({} if spelling == "name" else {"lower": 0.2,
                                                  "upper": 0.8})))
    got = identify(rdms, "cls", "ind", statistic=SPELLINGS[spelling])
    assert got.accuracy == want.accuracy
    np.testing.assert_array_equal(got.distances, want.distances)
    if spelling != "callable":
        assert got.statistic == want.statistic


def test_identify_with_the_name_on_the_real_data(rdms_92):
    """The issue's call: identify(rdms, 'roi', 'subject', statistic='rgtm')
    (here the 92-image human-IT RDMs) runs and equals the object."""
    hit = rdms_92["hit"]
    by_name = identify(hit, "subject", "session", statistic="rgtm")
    by_object = identify(hit, "subject", "session",
                         statistic=TopoStatistic("rgtm"))
    assert by_name.accuracy == by_object.accuracy
    assert by_name.statistic == by_object.statistic


def test_bootstrap_and_comparison_accept_every_spelling(rdms):
    """bootstrap_identify and compare_statistics give the same samples for
    every spelling of one statistic (fast path and literal resampling)."""
    spellings = {k: v for k, v in SPELLINGS.items() if k != "name"}
    boots = {k: bootstrap_identify(rdms, "cls", "ind", v, n_bootstrap=5,
                                   random_state=1, ci_method="percentile")
             for k, v in spellings.items()}
    for k, boot in boots.items():
        np.testing.assert_allclose(boot.samples, boots["object"].samples,
                                   err_msg=k)
    comp = compare_statistics(rdms, "cls", "ind", spellings, n_bootstrap=5,
                              random_state=1, ci_method="percentile")
    np.testing.assert_allclose(
        comp.samples, np.tile(boots["object"].samples[:, None], (1, 4)))
    assert np.all(comp.p_value == 1.0)


def test_map_statistic_is_a_family_name(rdms):
    """threshold_map's statistic names the family of its grid; a spelling
    of one cell is refused with the allowed values."""
    with pytest.raises(ValueError, match="'statistic' parameter.*'rgtm'"):
        threshold_map(rdms, "cls", "ind", statistic=SPELLINGS["object"])
