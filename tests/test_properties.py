"""Property tests (hypothesis): invariants every statistic must keep."""

import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rsatoolbox.rdm import RDMs
from scipy.spatial.distance import squareform

from rsatoolbox_topo import rank_normalize, rgdm, rgtm
from rsatoolbox_topo.exceptions import TopoWarning

# derandomize: the same examples on every run, so CI cannot fail by chance;
# run with --hypothesis-seed=N to explore other examples locally.
SETTINGS = settings(max_examples=40, deadline=None, derandomize=True)


@st.composite
def rdm_stacks(draw, max_rdms=4, ties=True):
    """Stacks of 1-4 RDMs of 3-10 conditions, with ties when ``ties``."""
    n_cond = draw(st.integers(3, 10))
    n_rdm = draw(st.integers(1, max_rdms))
    n_pairs = n_cond * (n_cond - 1) // 2
    if ties:
        values = st.integers(0, 6).map(float)
    else:
        # well-separated values, so that the transforms below stay strictly
        # increasing in floating point (x**3 of a subnormal underflows to 0)
        values = st.integers(0, 10 ** 6).map(lambda v: v / 1000)
    rows = draw(st.lists(
        st.lists(values, min_size=n_pairs, max_size=n_pairs,
                 unique=not ties),
        min_size=n_rdm, max_size=n_rdm))
    return np.array(rows, dtype=float)


thresholds = st.tuples(st.floats(0, 1), st.floats(0, 1)).map(sorted)


def _quiet(func, *args, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TopoWarning)
        return func(*args, **kwargs)


@SETTINGS
@given(rdm_stacks(), thresholds)
def test_rgtm_in_unit_interval_and_monotone(vectors, lu):
    """Values lie in [0, 1] and never decrease as the dissimilarity grows."""
    out = _quiet(rgtm, RDMs(vectors), *lu).dissimilarities
    assert np.all((out >= 0) & (out <= 1))
    for row, res in zip(vectors, out):
        order = np.argsort(row, kind="stable")
        assert np.all(np.diff(res[order]) >= -1e-12)


@SETTINGS
@given(rdm_stacks(ties=False), thresholds)
def test_rgtm_invariant_to_increasing_transforms(vectors, lu):
    """With rank normalisation, log1p, x**3 and affine maps change nothing."""
    ref = _quiet(rgtm, RDMs(vectors), *lu).dissimilarities
    for transformed in (np.log1p(vectors), vectors ** 3 + 2 * vectors,
                        5 * vectors - 3):
        out = _quiet(rgtm, RDMs(transformed), *lu).dissimilarities
        np.testing.assert_allclose(out, ref, atol=1e-12)


@SETTINGS
@given(rdm_stacks())
def test_rgtm_zero_one_is_rank_normalize(vectors):
    """rgtm(0, 1) equals rank_normalize."""
    a = _quiet(rgtm, RDMs(vectors), 0.0, 1.0).dissimilarities
    b = _quiet(rank_normalize, RDMs(vectors)).dissimilarities
    np.testing.assert_allclose(a, b, atol=1e-12)


@SETTINGS
@given(rdm_stacks(), thresholds, st.sampled_from(["rgtm", "rgdm"]))
def test_results_do_not_depend_on_other_rdms(vectors, lu, which):
    """Each RDM's result is the same alone or inside a stack."""
    if which == "rgtm":
        def func(r):
            return _quiet(rgtm, r, *lu)
    else:
        def func(r):
            return _quiet(rgdm, r, 0.0, max(lu[1], 0.3))
    stacked = func(RDMs(vectors)).dissimilarities
    for i, row in enumerate(vectors):
        np.testing.assert_allclose(func(RDMs(row[None])).dissimilarities[0],
                                   stacked[i], atol=1e-12)


@SETTINGS
@given(rdm_stacks(), thresholds, st.randoms(use_true_random=False))
def test_condition_order_does_not_matter(vectors, lu, rnd):
    """Relabelling the conditions relabels the result (equivariance)."""
    n_cond = squareform(vectors[0]).shape[0]
    perm = list(range(n_cond))
    rnd.shuffle(perm)
    perm = np.array(perm)

    def permute(stack):
        return np.array([squareform(squareform(v)[np.ix_(perm, perm)])
                         for v in stack])

    for func in (lambda r: _quiet(rgtm, r, *lu),
                 lambda r: _quiet(rgdm, r, 0.0, max(lu[1], 0.3))):
        a = permute(func(RDMs(vectors)).dissimilarities)
        b = func(RDMs(permute(vectors))).dissimilarities
        np.testing.assert_allclose(a, b, atol=1e-12)


@SETTINGS
@given(rdm_stacks(), thresholds)
def test_inputs_never_change(vectors, lu):
    """No statistic writes into the caller's array."""
    rdms = RDMs(vectors.copy())
    before = rdms.dissimilarities.copy()
    _quiet(rgtm, rdms, *lu)
    _quiet(rank_normalize, rdms)
    _quiet(rgdm, rdms, 0.0, max(lu[1], 0.3))
    _quiet(rgdm, rdms, graph="k-nearest", k=2)
    np.testing.assert_array_equal(rdms.dissimilarities, before)


@SETTINGS
@given(rdm_stacks(), st.floats(0.05, 1.0),
       st.sampled_from(["two-step", "p-shortest", "k-nearest"]))
def test_unranked_geodesics_are_metric_and_below_direct_edges(vectors, upper,
                                                              graph):
    """Without the final ranking: triangle inequality, never above an edge."""
    kwargs = dict(rank=False, graph=graph, disconnected=np.inf)
    if graph == "two-step":
        kwargs.update(lower=0.0, upper=upper)
    elif graph == "p-shortest":
        kwargs.update(p=upper)
    else:
        kwargs.update(k=2)
    geo = _quiet(rgdm, RDMs(vectors), **kwargs).dissimilarities
    ranks = _quiet(rgtm, RDMs(vectors), 0.0, upper).dissimilarities \
        if graph == "two-step" else \
        _quiet(rank_normalize, RDMs(vectors)).dissimilarities
    for g, direct in zip(geo, ranks):
        sq = squareform(g)
        n = sq.shape[0]
        for k in range(n):
            with np.errstate(invalid="ignore"):
                assert np.all(sq <= sq[:, [k]] + sq[[k], :] + 1e-9)
        # the direct edge is one path: geodesic <= its weight where it is an
        # edge (two-step: RGTM < 1; others: rank weight)
        if graph == "two-step":
            is_edge = direct < 1
            assert np.all(g[is_edge] <= direct[is_edge] + 1e-9)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@SETTINGS
@given(vectors=rdm_stacks(), lu=thresholds)
def test_nan_pairs_do_not_change_other_pairs(dtype, vectors, lu):
    """Setting one pair to NaN equals ranking the RDM without that pair."""
    vectors = vectors.astype(dtype)
    with_nan = vectors.copy()
    with_nan[:, 0] = np.nan
    out = _quiet(rgtm, RDMs(with_nan), *lu).dissimilarities
    assert np.all(np.isnan(out[:, 0]))
    # the remaining entries equal the rgtm of the remaining entries, which we
    # get by padding the vector to a valid RDM length with NaN-free copies
    from rsatoolbox_topo import _ranking
    data = _ranking.sorted_ranks(vectors[:, 1:])
    np.testing.assert_allclose(
        _ranking.sorted_ranks(with_nan).ranks[:, 1:], data.ranks, atol=1e-6)
