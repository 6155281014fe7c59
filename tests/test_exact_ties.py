"""The fast identification engine gives what ``identify`` gives, ties too.

The fast engine (:func:`rsatoolbox_topo._fast_identification.cells_credit`,
behind ``threshold_map`` and the RGTM bootstrap) decides in float32 only
beyond a proven rounding bound; these tests compare it, sample by sample
and cell by cell, with the exact path on tie-heavy data (binary cells,
narrow windows, integer and categorical RDMs, constant RDMs, two
individuals), and check that identification does not depend on a common
scale of the RDMs.
"""

import functools
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rsatoolbox.rdm import RDMs

from rsatoolbox_topo import _fast_identification as fast
from rsatoolbox_topo import _ranking
from rsatoolbox_topo._resampling import draw_two_factor
from rsatoolbox_topo import rgtm
from rsatoolbox_topo.exceptions import TopoWarning
from rsatoolbox_topo.identification import (bootstrap_identify, identify,
                                            threshold_map)
from rsatoolbox_topo.simulation import load_simulation_rdms

# derandomize: the same examples on every run, so CI cannot fail by chance;
# run with --hypothesis-seed=N to explore other examples locally.
SETTINGS = settings(max_examples=40, deadline=None, derandomize=True)


def literal_accuracy(raw, valid, m, draws, lower, upper, ties):
    """Exact reference of one bootstrap sample, from literal resampled RDMs.

    The drawn individuals' RDMs are resampled over the condition draws
    (pairs of one condition drawn twice dropped), transformed by ``rgtm``
    and identified by the exact engine of ``identify`` with every
    individual weighted by how often it was drawn.
    """
    n_ind, n_class, n_pairs = raw.shape
    used = np.flatnonzero(m > 0)
    vectors = np.where(valid, raw[used].reshape(-1, n_pairs), np.nan)
    resampled = fast.resample_vectors(vectors, draws)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TopoWarning)
        values = rgtm(RDMs(resampled), lower, upper).dissimilarities
    w = (~np.isnan(values).any(axis=0)).astype(float)
    T = np.zeros((n_ind, n_class, values.shape[1]))
    T[used] = np.nan_to_num(values).reshape(len(used), n_class, -1)
    credit, _, _ = fast.loo_credit(T, w, m, ties=ties)
    own = np.trace(credit, axis1=1, axis2=2)
    return own @ m / (m.sum() * n_class)


def fast_accuracy(raw, valid, m, draws, lowers, uppers, ties):
    w = fast.pair_weights(np.bincount(draws, minlength=len(draws))) * valid
    credit, _ = fast.cells_credit(raw, m, w, lowers, uppers, ties)
    return credit @ m / (m.sum() * raw.shape[1])


@st.composite
def tie_heavy(draw):
    """(raw, cells) of RDMs full of ties: small integers, categories or
    values rounded to 0.1, some RDMs constant; two to four individuals and
    classes; binary cells and narrow windows among the cells."""
    n_ind = draw(st.integers(2, 4))
    n_class = draw(st.integers(2, 4))
    n_cond = draw(st.integers(4, 7))
    n_pairs = n_cond * (n_cond - 1) // 2
    kind = draw(st.sampled_from(["integer", "categorical", "binary",
                                 "rounded"]))
    seed = draw(st.integers(0, 2 ** 16))
    rng = np.random.default_rng(seed)
    if kind == "categorical":
        # each class groups the conditions in 2-3 categories; individuals
        # relabel a condition now and then
        protos = rng.integers(0, 3, (n_class, n_cond))
        raw = np.empty((n_ind, n_class, n_pairs))
        iu = np.triu_indices(n_cond, 1)
        for s in range(n_ind):
            for c in range(n_class):
                labels = protos[c].copy()
                flip = rng.random(n_cond) < 0.2
                labels[flip] = rng.integers(0, 3, flip.sum())
                raw[s, c] = labels[iu[0]] != labels[iu[1]]
    elif kind == "rounded":
        # a class template plus individual noise, rounded to 0.1
        protos = rng.random((n_class, n_pairs))
        raw = np.round(protos[None] + 0.5 * rng.random(
            (n_ind, n_class, n_pairs)), 1)
    else:
        top = 1 if kind == "binary" else 3
        raw = rng.integers(0, top + 1, (n_ind, n_class, n_pairs)).astype(
            float)
    constant = draw(st.lists(st.booleans(), min_size=n_ind * n_class,
                             max_size=n_ind * n_class))
    raw.reshape(-1, n_pairs)[np.array(constant)] = 1.0
    grid = st.integers(0, 20).map(lambda k: k / 20)
    width = st.sampled_from([0.0, 0.0, 1e-9, 1e-3, 0.05, 0.3, 1.0])
    cells = draw(st.lists(st.tuples(grid, width), min_size=1, max_size=4))
    lowers = np.array([lo for lo, _ in cells])
    uppers = np.minimum(lowers + np.array([wd for _, wd in cells]), 1.0)
    return raw, lowers, uppers, seed


@SETTINGS
@given(tie_heavy(), st.sampled_from(["split", "report"]))
def test_fast_engine_equals_exact_path_sample_by_sample(case, ties):
    """Every bootstrap sample and the full data: fast = exact to 1e-12."""
    raw, lowers, uppers, seed = case
    n_ind, _, n_pairs = raw.shape
    n_cond = int(round((1 + np.sqrt(1 + 8 * n_pairs)) / 2))
    valid = np.ones(n_pairs, dtype=bool)
    mult, draws = draw_two_factor(np.random.default_rng(seed), n_ind,
                                  n_cond, 3)
    samples = [(np.ones(n_ind, dtype=np.int64), np.arange(n_cond))]
    samples += list(zip(mult, draws))
    for m, d in samples:
        got = fast_accuracy(raw, valid, m, d, lowers, uppers, ties)
        for k, (lo, up) in enumerate(zip(lowers, uppers)):
            want = literal_accuracy(raw, valid, m, d, lo, up, ties)
            assert got[k] == pytest.approx(want, abs=1e-12), (m, d, lo, up)


def _issue_recipe():
    """The tie-heavy example of issue 9 (individuals outer, classes inner)."""
    rng = np.random.default_rng(1)
    protos = rng.random((4, 45))
    vectors = [protos[c] + rng.random(45) for s in range(5) for c in range(4)]
    return RDMs(np.array(vectors), rdm_descriptors={
        "roi": [c for s in range(5) for c in range(4)],
        "subject": [s for s in range(5) for c in range(4)]})


@pytest.mark.parametrize("ties, want", [("split", 0.2875), ("report", 0.2)])
def test_issue_recipe_binary_cell_known_answer(ties, want):
    """Binary cell (0, 0): 8 ties, split 1/k (0.2875) or reported (0.2)."""
    rdms = _issue_recipe()
    tmap = threshold_map(rdms, "roi", "subject", step=0.5, ties=ties)
    exact = identify(rdms, "roi", "subject", ties=ties,
                     statistic=functools.partial(rgtm, lower=0, upper=0))
    assert exact.n_ties == 8
    assert exact.accuracy == pytest.approx(want, abs=1e-12)
    assert tmap.accuracy[0, 0] == pytest.approx(want, abs=1e-12)


def test_issue_recipe_bootstrap_fast_equals_literal():
    """The bootstrap samples of the binary cell: fast = literal path."""
    rdms = _issue_recipe()
    statistic = functools.partial(rgtm, lower=0.0, upper=0.0)
    fast_boot = bootstrap_identify(rdms, "roi", "subject", statistic,
                                   n_bootstrap=20, random_state=3)

    def literal(r):                 # a callable that is not a plain RGTM
        return statistic(r)

    slow = bootstrap_identify(rdms, "roi", "subject", literal,
                              n_bootstrap=20, random_state=3)
    np.testing.assert_allclose(fast_boot.samples, slow.samples, rtol=0,
                               atol=1e-12)


def test_simulation_map_equals_exact_engine_in_every_cell():
    """All 66 cells of the shipped simulation's map equal the exact engine
    (2 differed when float32 rounding broke ties)."""
    rdms = load_simulation_rdms()
    tmap = threshold_map(rdms, "layer", "seed", step=0.1)
    cls = np.array(rdms.rdm_descriptors["layer"])
    seed = np.array(rdms.rdm_descriptors["seed"])
    order = np.lexsort((np.unique(cls, return_inverse=True)[1], seed))
    n_seed, n_layer = len(set(seed)), len(set(cls))
    assert np.all(cls[order].reshape(n_seed, n_layer)
                  == cls[order][:n_layer])
    i, j = np.triu_indices(len(tmap.lowers))
    lowers, uppers = tmap.lowers[i], tmap.uppers[j]
    # rgtm's own float64 transform of every cell (rank once), then the
    # exact engine of identify
    sr = _ranking.sorted_ranks(rdms.dissimilarities[order])
    checked = 0
    for k, values in enumerate(fast.transform_cells(sr, lowers, uppers)):
        T = values.reshape(n_seed, n_layer, -1)
        credit, _, _ = fast.loo_credit(T, np.ones(T.shape[-1]),
                                       np.ones(n_seed))
        want = np.trace(credit, axis1=1, axis2=2).sum() / (n_seed * n_layer)
        assert tmap.accuracy[i[k], j[k]] == pytest.approx(want, abs=1e-12)
        checked += 1
    assert checked == 66
    # the cells with ties in the shipped RDMs (those of the networks shipped
    # before also had ties at (0.1, 0.1)), against identify itself: at
    # (1, 1) every RDM collapses, every held-out RDM ties all ten layers,
    # and the split credit is exactly chance
    for lo, ties in ((0.0, 78), (1.0, 100)):
        exact = identify(rdms, "layer", "seed",
                         statistic=functools.partial(rgtm, lower=lo,
                                                     upper=lo))
        assert exact.n_ties == ties
        assert tmap.accuracy[int(round(lo * 10)), int(round(lo * 10))] == \
            pytest.approx(exact.accuracy, abs=1e-12)
    assert tmap.accuracy[10, 10] == pytest.approx(0.1, abs=1e-12)


def _planted(rng, n_ind=4, n_class=3, n_pairs=28, noise=0.3):
    protos = rng.random((n_class, n_pairs))
    vectors = [protos[c] + noise * rng.random(n_pairs)
               for s in range(n_ind) for c in range(n_class)]
    return np.array(vectors), {
        "cls": [c for s in range(n_ind) for c in range(n_class)],
        "ind": [s for s in range(n_ind) for c in range(n_class)]}


@pytest.mark.parametrize("exponent", [-300, -200, -100, -10, 0, 10, 100,
                                      200, 300])
def test_identify_invariant_to_a_common_scale(rng, exponent):
    """RDMs times 10**k identify as the unscaled ones (1.0; ties alike)."""
    vectors, descriptors = _planted(rng)
    base = identify(RDMs(vectors, rdm_descriptors=descriptors), "cls", "ind")
    assert base.accuracy == 1.0
    scaled = RDMs(vectors * 10.0 ** exponent, rdm_descriptors=descriptors)
    for method in ("euclidean", "cosine"):
        result = identify(scaled, "cls", "ind", method=method)
        assert result.accuracy == 1.0
        assert result.n_ties == 0
    result = identify(scaled, "cls", "ind")
    assert result.distance_ratio == pytest.approx(base.distance_ratio,
                                                  rel=1e-12)
    np.testing.assert_allclose(result.distances,
                               base.distances * 10.0 ** exponent,
                               rtol=1e-12)
    # exact ties (two classes with identical RDMs) stay ties at any scale
    twin = vectors.copy()
    twin[1::3] = twin[0::3]
    tied = identify(RDMs(twin * 10.0 ** exponent,
                         rdm_descriptors=descriptors), "cls", "ind")
    assert tied.n_ties == 8
    assert tied.accuracy == pytest.approx((8 * 0.5 + 4) / 12, abs=1e-12)


@pytest.mark.parametrize("exponent", [-300, 300])
def test_bootstrap_without_statistic_invariant_to_scale(rng, exponent):
    """The bootstrap of the raw RDMs gives the same samples at any scale."""
    vectors, descriptors = _planted(rng, noise=2.0)
    base = bootstrap_identify(RDMs(vectors, rdm_descriptors=descriptors),
                              "cls", "ind", n_bootstrap=10, random_state=0)
    scaled = bootstrap_identify(
        RDMs(vectors * 10.0 ** exponent, rdm_descriptors=descriptors),
        "cls", "ind", n_bootstrap=10, random_state=0)
    np.testing.assert_allclose(scaled.samples, base.samples, rtol=0,
                               atol=1e-12)
    assert scaled.accuracy == base.accuracy


def test_identify_memory_stays_near_the_input(rng):
    """identify allocates less than twice its input (was (classes)^2 x pairs
    per held-out individual: 17 x the input at 20 classes)."""
    import tracemalloc

    n_ind, n_class, n_cond = 3, 10, 120
    n_pairs = n_cond * (n_cond - 1) // 2
    vectors, descriptors = _planted(rng, n_ind, n_class, n_pairs)
    rdms = RDMs(vectors, rdm_descriptors=descriptors)
    tracemalloc.start()
    try:
        result = identify(rdms, "cls", "ind")
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert result.accuracy == 1.0
    assert peak < 2 * vectors.nbytes
