"""Known answers, invariants and error paths of the geo-topological statistics."""

import warnings

import numpy as np
import pytest
from rsatoolbox.rdm import RDMs
from scipy.spatial.distance import squareform
from scipy.stats import rankdata

from rsatoolbox_topo import REGIMES, rank_normalize, regime, rgdm, rgtm
from rsatoolbox_topo.exceptions import (CollapsedStatisticWarning,
                                        DegenerateRDMWarning,
                                        DisconnectedGraphWarning)


def _rdms(vectors, **kwargs):
    return RDMs(np.atleast_2d(np.asarray(vectors, dtype=float)), **kwargs)


# ------------------------------------------------------------ known answers
def test_worked_example_of_the_method():
    """d = 0..5 with (0.2, 0.8) gives [0, 0, 1/3, 2/3, 1, 1] (TRSA.md)."""
    out = rgtm(_rdms([0, 1, 2, 3, 4, 5]), 0.2, 0.8).dissimilarities
    np.testing.assert_allclose(out, [[0, 0, 1 / 3, 2 / 3, 1, 1]])


def test_rank_normalize_matches_scipy_average_ranks(rng):
    """Ranks equal scipy's average ranks min-max scaled, ties included."""
    vectors = rng.integers(0, 6, size=(5, 45)).astype(float)
    out = rank_normalize(_rdms(vectors)).dissimilarities
    for got, row in zip(out, vectors):
        ranks = rankdata(row)
        expected = (ranks - ranks.min()) / (ranks.max() - ranks.min())
        np.testing.assert_allclose(got, expected)


def test_binary_rgtm_marks_neighbours_with_zero():
    """upper == lower gives 0 at or below the quantile and 1 above it."""
    out = rgtm(_rdms([5, 1, 3, 0, 4, 2]), 0.4, 0.4).dissimilarities
    # ranks 1,0.2,.6,0,.8,.4 ; the 0.4-quantile of r is 0.4
    np.testing.assert_array_equal(out, [[1, 0, 1, 0, 1, 0]])


def test_quantile_thresholds_with_ties_use_tied_ranks():
    """With ties the thresholds are quantiles of the tied ranks."""
    # d: four pairs tied at the bottom -> r = [0, 0, 0, 0, 2/3, 1] after
    # average ranks 2.5 x4, 5, 6 -> (r - 2.5) / 3.5
    out = rgtm(_rdms([1, 1, 1, 1, 2, 3]), 0.2, 0.8)
    r = (np.array([2.5, 2.5, 2.5, 2.5, 5, 6]) - 2.5) / 3.5
    t_l, t_u = np.quantile(r, 0.2), np.quantile(r, 0.8)
    expected = np.clip((r - t_l) / (t_u - t_l), 0, 1)
    np.testing.assert_allclose(out.dissimilarities[0], expected)
    # the 'value' reading thresholds the ranks at 0.2 and 0.8 directly
    by_value = rgtm(_rdms([1, 1, 1, 1, 2, 3]), 0.2, 0.8, thresholds="value")
    np.testing.assert_allclose(by_value.dissimilarities[0],
                               np.clip((r - 0.2) / 0.6, 0, 1))


def test_rgtm_without_normalisation_uses_absolute_values():
    """normalize='none', thresholds='value': thresholds in units of d."""
    d = [-0.5, 0.0, 0.5, 1.0, 1.5, 2.0]
    out = rgtm(_rdms(d), 0.0, 1.0, normalize="none", thresholds="value")
    np.testing.assert_allclose(out.dissimilarities[0],
                               [0, 0, 0.5, 1, 1, 1])


def test_rgtm_minmax_normalisation():
    """normalize='minmax' scales d to [0, 1] before the value thresholds."""
    d = [0.0, 1.0, 3.0, 4.0, 2.0, 10.0]
    out = rgtm(_rdms(d), 0.0, 0.5, normalize="minmax", thresholds="value")
    np.testing.assert_allclose(out.dissimilarities[0],
                               [0, 0.2, 0.6, 0.8, 0.4, 1])


def test_sigmoid_variant_matches_authors_formula():
    """shape='sigmoid' at default thresholds is sigmoid(10 (r - 0.5))."""
    vec = np.r_[np.arange(10.0), np.arange(5.0)]  # 6 conditions, with ties
    out = rgtm(_rdms(vec), 0.2, 0.8, shape="sigmoid")
    ranks = rankdata(vec)
    r = (ranks - ranks.min()) / (ranks.max() - ranks.min())
    t_l, t_u = np.quantile(r, 0.2), np.quantile(r, 0.8)
    expected = 1 / (1 + np.exp(-10 * (r - (t_l + t_u) / 2)))
    np.testing.assert_allclose(out.dissimilarities[0], expected, rtol=1e-12)
    no_ties = rgtm(_rdms(np.arange(15.0)), 0.2, 0.8, shape="sigmoid")
    r = np.arange(15.0) / 14
    np.testing.assert_allclose(no_ties.dissimilarities[0],
                               1 / (1 + np.exp(-10 * (r - 0.5))))


def test_rgdm_small_graph_known_by_hand():
    """A 4-node path graph: geodesics add the edge weights along the path."""
    # conditions 0-1-2-3 on a line with gaps 1, 2, 4; k=1 nearest neighbours
    x = np.array([0.0, 1.0, 3.0, 7.0])
    d = squareform(np.abs(x[:, None] - x[None, :]))
    out = rgdm(_rdms(d), graph="k-nearest", k=1, rank=False,
               normalize="none")
    # edges: 0-1 (1), 1-2 (2; 2's nearest is 1), 2-3 (4; 3's nearest is 2)
    np.testing.assert_allclose(out.dissimilarities[0], d)
    # with rank normalisation the weights are ranks of d, so geodesics are
    # sums of ranks along the path: ranks of d = [0, .4, 1, .2, .8, .6]
    ranked = rgdm(_rdms(d), graph="k-nearest", k=1, rank=False)
    w01, w12, w23 = 0.0, 0.2, 0.6
    np.testing.assert_allclose(
        ranked.dissimilarities[0],
        [w01, w01 + w12, w01 + w12 + w23, w12, w12 + w23, w23])


def test_rgdm_two_step_keeps_zero_weight_edges():
    """Pairs below the lower threshold are edges of weight 0, not missing."""
    # 4 conditions: pair (0,1) is the smallest dissimilarity
    d = np.array([0.1, 0.5, 0.9, 0.6, 0.8, 0.7])
    out = rgdm(_rdms(d), lower=0.2, upper=0.9, rank=False)
    square = squareform(out.dissimilarities[0])
    assert square[0, 1] == 0.0  # a zero edge, distance 0
    # 1 reaches 2 directly or through 0 at zero cost: never more than 0->2
    assert square[1, 2] <= square[0, 2] + 1e-12
    # the authors' reading drops the two zero edges of condition 0, which
    # then has no edge left: the closest pair becomes the farthest
    with pytest.warns(DisconnectedGraphWarning):
        dropped = rgdm(_rdms(d), lower=0.2, upper=0.9, rank=False,
                       zero_edges="drop")
    dropped = squareform(dropped.dissimilarities[0])
    assert dropped[0, 1] == dropped.max() > square.max()


def test_rgdm_collapse_is_detected_on_real_rdms(rdms_92):
    """lower=0.3 connects all 92 conditions by zero edges: warn, all tie."""
    with pytest.warns(CollapsedStatisticWarning, match="lower=0"):
        out = rgdm(rdms_92["hit"], lower=0.3, upper=0.5, rank=False)
    # at least 97% of the pairs of every real RDM are at geodesic 0
    assert np.all((out.dissimilarities == 0).mean(axis=1) >= 0.97)
    with pytest.warns(CollapsedStatisticWarning, match="more than 50%"):
        rgdm(rdms_92["hit"], lower=0.05, upper=0.5)
    # at lower=0 the RGDM keeps information (no warning raised here)
    ok = rgdm(rdms_92["hit"], lower=0.0, upper=0.5)
    assert np.all(np.ptp(ok.dissimilarities, axis=1) == 1.0)


def test_rgdm_disconnected_pairs_get_explicit_value():
    """Two far-apart clusters: cross pairs get max+1, 'inf' or a float."""
    x = np.array([0.0, 0.1, 0.2, 10.0, 10.1, 10.2])
    d = squareform(np.abs(x[:, None] - x[None, :]))
    with pytest.warns(DisconnectedGraphWarning, match="disconnected"):
        out = rgdm(_rdms(d), graph="k-nearest", k=2, rank=False,
                   normalize="none")
    square = squareform(out.dissimilarities[0])
    within = square[:3, :3].max()
    np.testing.assert_allclose(square[:3, 3:], within + 1.0)
    with pytest.warns(DisconnectedGraphWarning):
        inf = rgdm(_rdms(d), graph="k-nearest", k=2, rank=False,
                   normalize="none", disconnected=np.inf)
    assert np.isinf(squareform(inf.dissimilarities[0])[0, 4])
    with pytest.warns(DisconnectedGraphWarning):
        fixed = rgdm(_rdms(d), graph="k-nearest", k=2, rank=False,
                     normalize="none", disconnected=7.0)
    assert squareform(fixed.dissimilarities[0])[0, 4] == 7.0


def test_rgdm_graph_variants_edges():
    """p-shortest keeps the shortest pairs; p-nearest equals k-nearest."""
    rng = np.random.default_rng(0)
    d = squareform(squareform(rng.random(45)))
    a = rgdm(_rdms(d), graph="p-nearest", p=0.2, rank=False)
    b = rgdm(_rdms(d), graph="k-nearest", k=2, rank=False)
    np.testing.assert_allclose(a.dissimilarities, b.dissimilarities)
    ps = rgdm(_rdms(d), graph="p-shortest", p=1.0, rank=False)
    # all pairs are edges with rank weights: geodesic <= rank of the pair
    r = rank_normalize(_rdms(d)).dissimilarities
    assert np.all(ps.dissimilarities <= r + 1e-12)


def test_rgdm_isomap_weights_use_ranks():
    """weights='rank' weights the kept edges by the rank-normalised d."""
    d = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    out = rgdm(_rdms(d), lower=0.0, upper=1.0, weights="rank", rank=False)
    r = rank_normalize(_rdms(d)).dissimilarities[0]
    sq = squareform(r)
    # shortest paths over the complete graph weighted by r
    best = sq.copy()
    for k in range(4):
        best = np.minimum(best, best[:, [k]] + best[[k], :])
    np.testing.assert_allclose(out.dissimilarities[0], squareform(best))


def test_regime_names_known_points():
    """Each named regime at a representative point, plus the tolerance."""
    assert regime(0.0, 0.3) == "local extractor"
    assert regime(0.7, 1.0) == "global extractor"
    assert regime(0.0, 1.0) == "geometry sensitive"
    assert regime(0.45, 0.55) == "topology sensitive"
    assert regime(0.2, 0.8) == "intermediate"
    assert regime(0.1, 0.3004) == "local extractor"  # within 1e-3
    grid = np.round(np.arange(0, 1.0001, 0.05), 2)
    names = {regime(l, u) for l in grid for u in grid if l <= u}
    assert names == set(REGIMES)


# ------------------------------------------------------------ NaN, dtype
def test_nan_entries_stay_nan_and_do_not_poison_others():
    """A NaN pair stays NaN; the other pairs equal the result without it."""
    d = np.array([0.3, 0.1, 0.5, 0.2, 0.9, 0.4, 0.7, 0.6, 0.8, 0.05])
    with_nan = d.copy()
    with_nan[2] = np.nan
    out = rgtm(_rdms(with_nan), 0.2, 0.8).dissimilarities[0]
    assert np.isnan(out[2]) and not np.isnan(np.delete(out, 2)).any()
    ranks = rankdata(np.delete(d, 2))
    r = (ranks - 1) / (ranks.max() - 1)
    t_l, t_u = np.quantile(r, 0.2), np.quantile(r, 0.8)
    np.testing.assert_allclose(np.delete(out, 2),
                               np.clip((r - t_l) / (t_u - t_l), 0, 1))
    geo = rgdm(_rdms(with_nan), upper=0.9).dissimilarities[0]
    assert np.isnan(geo[2]) and not np.isnan(np.delete(geo, 2)).any()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float32_and_float64_agree(dtype, rdms_92):
    """Both precisions give the same RGTM (to float32 precision)."""
    vectors = rdms_92["hit"].dissimilarities.astype(dtype)
    out = rgtm(RDMs(vectors), 0.3, 0.7)
    assert out.dissimilarities.dtype == dtype
    ref = rgtm(rdms_92["hit"], 0.3, 0.7).dissimilarities
    np.testing.assert_allclose(out.dissimilarities, ref, atol=1e-5)


# ------------------------------------------------------------ bookkeeping
def test_inputs_unchanged_and_descriptors_copied(rdms_92):
    """The caller's RDMs are untouched; descriptors are copies."""
    hit = rdms_92["hit"]
    before = hit.dissimilarities.copy()
    for func in (rank_normalize, rgtm, rgdm):
        out = func(hit)
        np.testing.assert_array_equal(hit.dissimilarities, before)
        assert out.rdm_descriptors == hit.rdm_descriptors
        assert out.rdm_descriptors is not hit.rdm_descriptors
        out.rdm_descriptors["subject"][0] = "changed"
        assert hit.rdm_descriptors["subject"][0] == "BE"
        assert out.pattern_descriptors["category"] == \
            hit.pattern_descriptors["category"]


def test_dissimilarity_measure_records_parameters(rdms_92):
    """The new measure names the statistic, its parameters and the input."""
    out = rgtm(rdms_92["hit"], 0.25, 0.75)
    assert out.dissimilarity_measure.startswith(
        "rgtm(lower=0.25, upper=0.75, normalize='rank'")
    assert out.dissimilarity_measure.endswith("of correlation distance (1 - r)")
    assert "graph='k-nearest', k=3" in rgdm(
        rdms_92["hit"], graph="k-nearest", k=3).dissimilarity_measure


def test_degenerate_rdm_warns_and_is_defined():
    """A constant RDM warns and gets a defined, constant result."""
    with pytest.warns(DegenerateRDMWarning, match="constant"):
        out = rank_normalize(_rdms([[2.0] * 6, [1, 2, 3, 4, 5, 6]]))
    np.testing.assert_array_equal(out.dissimilarities[0], 0.5)
    np.testing.assert_allclose(out.dissimilarities[1], np.linspace(0, 1, 6))
    with pytest.warns(DegenerateRDMWarning):
        g = rgtm(_rdms([2.0] * 6), 0.2, 0.8)
    np.testing.assert_array_equal(g.dissimilarities, 0.5)


# ------------------------------------------------------------ bad input
@pytest.mark.parametrize("kwargs, match", [
    (dict(lower=1.2), r"'lower' parameter must be a float in \[0.0, 1.0\]. "
                      r"Got 1.2"),
    (dict(upper=-0.1), r"'upper' parameter .* Got -0.1"),
    (dict(lower=0.7, upper=0.3), r"'lower' parameter must not exceed"),
    (dict(normalize="zscore"), r"Invalid value for the 'normalize' "
                               r"parameter.*'rank', 'minmax' and 'none'.*"
                               r"'zscore'"),
    (dict(thresholds="abs"), r"'thresholds' parameter"),
    (dict(shape="step"), r"'shape' parameter"),
])
def test_rgtm_bad_parameters(kwargs, match):
    """Each bad parameter is named, with the allowed values and the value."""
    with pytest.raises((ValueError, TypeError), match=match):
        rgtm(_rdms(np.arange(6.0)), **kwargs)


@pytest.mark.parametrize("kwargs, match", [
    (dict(graph="mst"), r"'graph' parameter"),
    (dict(graph="k-nearest", lower=0.1), r"'lower' parameter is only used"),
    (dict(graph="two-step", k=3), r"'k' parameter is only used"),
    (dict(graph="k-nearest", k=0), r"'k' parameter must be an integer >= 1"),
    (dict(graph="k-nearest", k=4), r"'k' parameter must be smaller"),
    (dict(graph="p-nearest", p=0.0), r"'p' parameter must be a float in"),
    (dict(disconnected=-1.0), r"'disconnected' parameter"),
    (dict(disconnected="min"), r"'disconnected' parameter"),
    (dict(zero_edges="ignore"), r"'zero_edges' parameter"),
    (dict(rank="yes"), r"'rank' parameter must be True or False"),
])
def test_rgdm_bad_parameters(kwargs, match):
    """rgdm names every bad parameter."""
    with pytest.raises((ValueError, TypeError), match=match):
        rgdm(_rdms(np.arange(6.0)), **kwargs)


def test_non_rdms_and_too_few_conditions():
    """Arrays are refused with a hint; 2 conditions are too few."""
    with pytest.raises(TypeError, match="'rdms' parameter must be an "
                                        "rsatoolbox.rdm.RDMs object. Got "
                                        "ndarray"):
        rgtm(np.arange(6.0))
    with pytest.raises(ValueError, match="at least 3 conditions. Got 2"):
        rank_normalize(_rdms([1.0]))


def test_regime_bad_input():
    """regime validates like rgtm."""
    with pytest.raises(ValueError, match="'lower' parameter must not exceed"):
        regime(0.8, 0.2)
    with pytest.raises(TypeError, match="'upper' parameter must be a finite"):
        regime(0.1, "0.9")


def test_no_warning_on_ordinary_real_data(rdms_92):
    """Ordinary real RDMs raise no package warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rgtm(rdms_92["hit"])
        rgdm(rdms_92["hit"])
        rank_normalize(rdms_92["behaviour"])


def test_rgtm_of_a_tied_rdm_is_constant_above_its_low_share(rdms_92):
    """A two-level model RDM is constant above its share of low pairs.

    No warning here: the identification and inference layers report such
    collapsed cells in their own context (a grid sweep would warn per cell).
    """
    models = rdms_92["models"]
    animacy = models.subset("name", "animacy")  # two values: 0 and 1
    share_low = np.mean(animacy.dissimilarities == animacy.dissimilarities.min())
    assert 0.3 < share_low < 0.7
    out = rgtm(animacy, 0.75, 0.75)  # above the share of 0-pairs
    assert np.ptp(out.dissimilarities) == 0
    # below that share the binary RGTM keeps the two categories apart
    below = rgtm(animacy, 0.5 * share_low, 0.5 * share_low)
    np.testing.assert_array_equal(below.dissimilarities,
                                  animacy.dissimilarities)
    # the rank RDM keeps its two levels: no warning
    assert np.unique(rgtm(animacy, 0, 1).dissimilarities).size == 2


def test_rgdm_threads_give_identical_results(rdms_92):
    """n_jobs=2 splits the stack over threads without changing a number."""
    from rsatoolbox.rdm import concat

    many = concat([rdms_92["hit"]] * 20)  # 160 RDMs: more than one block
    one = rgdm(many, 0.0, 0.6).dissimilarities
    two = rgdm(many, 0.0, 0.6, n_jobs=2).dissimilarities
    np.testing.assert_array_equal(one, two)
    with pytest.raises(ValueError, match="'n_jobs' parameter must be an "
                                         "integer >= 1. Got 0"):
        rgdm(many, n_jobs=0)


def test_subnormal_threshold_width_is_a_step_not_nan():
    """A subnormal gap between the thresholds is a step, with no NaN."""
    d = np.arange(6.0)
    out = rgtm(_rdms(d), 0.0, 5e-323).dissimilarities
    np.testing.assert_array_equal(out, [[0, 1, 1, 1, 1, 1]])


def test_rgdm_collapse_advice_fits_the_lower_threshold():
    """A categorical RDM collapses at lower=0: no advice to use lower=0."""
    # categories of 5 and 1 conditions: within 0, between 1 (10 of 15 pairs
    # tie at the smallest value), the RDMs at index 1 and 2 of three
    labels = np.array([0, 0, 0, 0, 0, 1])
    within = squareform((labels[:, None] != labels).astype(float))
    data = np.vstack([np.arange(15.0), within, within])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DisconnectedGraphWarning)
        with pytest.warns(CollapsedStatisticWarning) as record:
            rgdm(_rdms(data), lower=0.0, upper=0.5)
    message = str(record[0].message)
    assert "Use lower=0" not in message and "lower=0 already" in message
    assert record[0].message.indices == [1, 2]
    with pytest.warns(CollapsedStatisticWarning,
                      match=r"threshold 0.3\) connect.*Use lower=0") as rec:
        rgdm(rdms := _rdms(data[:1]), lower=0.3, upper=0.5)
    assert rec[0].message.indices == [0] and rdms.n_rdm == 1


NEGATIVE = np.array([[-0.5, 2, 1, 3, 1.5, 0.7]])  # 4 conditions


@pytest.mark.parametrize("kwargs", [
    dict(graph="p-shortest", p=0.5),
    dict(graph="k-nearest", k=2),
    dict(graph="p-nearest", p=0.5),
    dict(graph="two-step", weights="rank"),
])
def test_rgdm_refuses_negative_edge_weights(kwargs):
    """Negative dissimilarities as edge weights raise before any path runs."""
    with pytest.raises(ValueError, match="negative edge weights.*"
                       "normalize='none'.*normalize='rank'"):
        rgdm(RDMs(NEGATIVE), normalize="none", rank=False, **kwargs)


def test_rgdm_allows_negative_dissimilarities_with_nonnegative_weights():
    """Negative values stay allowed where the graph's weights are >= 0."""
    ranked = rgdm(RDMs(NEGATIVE), graph="p-shortest", p=0.5, rank=False)
    # Rank-normalised weights: the negative pair is the closest (rank 0).
    assert ranked.dissimilarities.min() == 0.0
    assert np.all(ranked.dissimilarities >= 0)
    two_step = rgdm(RDMs(NEGATIVE), normalize="none", rank=False)
    assert np.all(two_step.dissimilarities >= 0)


def test_geodesic_distances_refuses_negative_edges():
    """The array-level shortest paths name the bad graph."""
    from rsatoolbox_topo.graphs import geodesic_distances

    good = np.array([[0.0, 1.0, 2.0], [1.0, 0.0, 1.0], [2.0, 1.0, 0.0]])
    bad = good.copy()
    bad[0, 1] = bad[1, 0] = -1.0
    with pytest.raises(ValueError, match=r"negative edge weights in 1 "
                       r"graph\(s\) \(index \[1\]\)"):
        geodesic_distances(np.stack([good, bad]))
    # A negative diagonal is ignored (the diagonal is not an edge).
    diag = good.copy()
    diag[0, 0] = -3.0
    assert np.array_equal(geodesic_distances(diag[None])[0],
                          geodesic_distances(good[None])[0])


def test_statistic_type_checks_data_dependent_parameters_at_call_time():
    """k-nearest with its default k=5 builds; k too large fails on the data."""
    from rsatoolbox_topo import TopoStatistic

    stat = TopoStatistic("rgdm", graph="k-nearest")
    assert stat.rgtm_cell is None
    six = RDMs(np.arange(1.0, 16.0)[np.newaxis])  # 6 conditions
    assert np.array_equal(stat(six).dissimilarities,
                          rgdm(six, graph="k-nearest").dissimilarities)
    four = RDMs(np.arange(1.0, 7.0)[np.newaxis])  # 4 conditions
    with pytest.raises(ValueError, match="'k' parameter must be smaller "
                       r"than the number of conditions \(4\)"):
        stat(four)
    # Checks that need no data still run at construction.
    with pytest.raises(ValueError, match="'k' parameter"):
        TopoStatistic("rgdm", graph="k-nearest", k=0)
    with pytest.raises(ValueError, match="'p' parameter is only used"):
        TopoStatistic("rgdm", p=0.3)
    with pytest.raises(ValueError, match=r"Invalid parameter\(s\) \['k'\] "
                       "for the statistic 'rgtm'"):
        TopoStatistic("rgtm", k=3)


@pytest.mark.parametrize("spelling, cell", [
    ("rgtm", (0.2, 0.8)),
    (rgtm, (0.2, 0.8)),
    ("rank_normalize", (0.0, 1.0)),
    ({"name": "rgtm", "params": {"lower": 0.5, "upper": 0.5}}, (0.5, 0.5)),
    ("rgdm", None),
])
def test_as_statistic_spellings_and_fast_cell(spelling, cell):
    """Every spelling becomes a TopoStatistic whose rgtm_cell is exact."""
    from rsatoolbox_topo import TopoStatistic, as_statistic

    stat = as_statistic(spelling)
    assert isinstance(stat, TopoStatistic)
    assert stat.rgtm_cell == cell
    assert as_statistic(stat.to_dict()) == stat


def test_as_statistic_partials_and_other_callables():
    """A keyword partial of a statistic is the statistic; a lambda is not."""
    from functools import partial

    from rsatoolbox_topo import TopoStatistic, as_statistic

    stat = as_statistic(partial(rgtm, lower=0.5, upper=0.5))
    assert stat == TopoStatistic("rgtm", lower=0.5, upper=0.5)
    assert stat.label == "rgtm(lower=0.5, upper=0.5)"
    assert as_statistic(partial(rgtm, normalize="minmax")).rgtm_cell is None
    # Defaults written out or left out are the same statistic.
    assert TopoStatistic("rgtm") == TopoStatistic("rgtm", lower=0.2)
    assert hash(TopoStatistic("rgtm")) == hash(TopoStatistic("rgtm",
                                                             upper=0.8))
    func = lambda r: rgtm(r)  # noqa: E731
    assert as_statistic(func) is func
    assert as_statistic(None) is None
    with pytest.raises(ValueError, match="'statistic' parameter.*'rgdt'"):
        as_statistic("rgdt")
    with pytest.raises(ValueError, match="as TopoStatistic.to_dict writes"):
        as_statistic({"kind": "rgtm"})
    with pytest.raises(TypeError, match="'statistic' parameter must be"):
        as_statistic(0.5)
