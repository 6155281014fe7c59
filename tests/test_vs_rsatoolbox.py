"""Side by side with rsatoolbox 0.3.2's own tRSA functions.

Each test shows one defect of ``rsatoolbox.rdm.geotopological_transform`` or
``geodesic_transform`` (TRSA.md, section 4) and that rsatoolbox_topo does not
have it.
"""

import warnings

import numpy as np
import pytest
from rsatoolbox.rdm import RDMs, geodesic_transform, geotopological_transform
from scipy.spatial.distance import squareform

from rsatoolbox_topo import rgdm, rgtm


def _rdms(vectors):
    return RDMs(np.atleast_2d(np.asarray(vectors, dtype=float)).copy())


def test_defect1_rsatoolbox_changes_the_callers_rdms(rdms_92):
    """rsatoolbox writes into the caller's RDMs; rgtm leaves them alone."""
    theirs = _rdms(rdms_92["hit"].dissimilarities)
    before = theirs.dissimilarities.copy()
    geotopological_transform(theirs, 0.2, 0.8)
    assert not np.array_equal(theirs.dissimilarities, before)

    ours = _rdms(rdms_92["hit"].dissimilarities)
    rgtm(ours, 0.2, 0.8)
    np.testing.assert_array_equal(ours.dissimilarities, before)


def test_defect2_rsatoolbox_pools_quantiles_over_rdms():
    """rsatoolbox's result for one RDM depends on the others in the object."""
    a = np.arange(1.0, 7.0)
    b = 10 * a  # same order, larger scale
    alone = geotopological_transform(_rdms(a), 0.2, 0.8).dissimilarities[0]
    pooled = geotopological_transform(_rdms([a, b]), 0.2, 0.8)
    assert not np.allclose(pooled.dissimilarities[0], alone)

    ours = rgtm(_rdms([a, b]), 0.2, 0.8).dissimilarities
    np.testing.assert_allclose(ours[0], rgtm(_rdms(a)).dissimilarities[0])
    np.testing.assert_allclose(ours[0], ours[1])  # same order, same RGTM


def test_defect3_rsatoolbox_has_no_rank_normalisation():
    """rsatoolbox is not invariant to an increasing transform; rgtm is."""
    d = np.array([0.1, 0.2, 0.3, 0.5, 0.9, 2.0])
    theirs = geotopological_transform(_rdms(d), 0.2, 0.8).dissimilarities
    theirs_exp = geotopological_transform(_rdms(np.exp(3 * d)), 0.2,
                                          0.8).dissimilarities
    assert not np.allclose(theirs, theirs_exp)
    np.testing.assert_allclose(rgtm(_rdms(d)).dissimilarities,
                               rgtm(_rdms(np.exp(3 * d))).dissimilarities)


def test_defect4_rsatoolbox_clips_rescaled_values_in_place():
    """With an upper threshold below 1, rescaled values above it become 1."""
    # correlation distances below 1: the 0.8-quantile is about 0.58
    d = np.array([0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.55, 0.6, 0.65, 0.7])
    d = np.r_[d, d[:5] + 0.01]  # 15 pairs = 6 conditions
    t_l, t_u = np.quantile(d, 0.2), np.quantile(d, 0.8)
    correct = np.clip((d - t_l) / (t_u - t_l), 0, 1)
    theirs = geotopological_transform(_rdms(d), 0.2, 0.8).dissimilarities[0]
    wrong = (correct > t_u) & (correct < 1)
    assert wrong.any()
    np.testing.assert_array_equal(theirs[wrong], 1.0)  # should be < 1
    # the same GT on the raw values with rgtm gives the correct numbers
    ours = rgtm(_rdms(d), 0.2, 0.8, normalize="none").dissimilarities[0]
    np.testing.assert_allclose(ours, correct)


def test_defect5_rsatoolbox_divides_by_zero_and_nan_disables_it():
    """low == up gives NaN; one NaN turns the transform off silently."""
    tied = np.array([1.0, 2.0, 3.0, 3.0, 5.0, 6.0])  # median 3 is a value
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        theirs = geotopological_transform(_rdms(tied), 0.5,
                                          0.5).dissimilarities
    assert np.isnan(theirs[0, 2:4]).all()  # 0 / 0 at the threshold
    ours = rgtm(_rdms(tied), 0.5, 0.5).dissimilarities
    np.testing.assert_array_equal(ours, [[0, 0, 0, 0, 1, 1]])

    d = np.arange(1.0, 7.0)

    with_nan = d.copy()
    with_nan[0] = np.nan
    theirs_nan = geotopological_transform(_rdms(with_nan), 0.2,
                                          0.8).dissimilarities[0]
    np.testing.assert_array_equal(theirs_nan[1:], with_nan[1:])  # untouched
    ours_nan = rgtm(_rdms(with_nan), 0.2, 0.8).dissimilarities[0]
    assert np.isnan(ours_nan[0])
    r = np.arange(5) / 4  # ranks of the five remaining pairs
    np.testing.assert_allclose(ours_nan[1:], np.clip((r - 0.2) / 0.6, 0, 1))


def test_defect6_rsatoolbox_geodesics_drop_zero_edges():
    """networkx's dense reading drops the closest pair and gives inf."""
    # 4 conditions; after min-max the smallest pair (0, 1) has weight 0
    d = np.array([0.0, 0.5, 0.9, 0.6, 0.8, 1.0])
    theirs = squareform(geodesic_transform(_rdms(d)).dissimilarities[0])
    # (0,1) had distance 0 but is routed around, through 0-2-1
    assert theirs[0, 1] > 0
    ours = squareform(rgdm(_rdms(d), graph="p-shortest", p=1.0,
                           rank=False).dissimilarities[0])
    assert ours[0, 1] == 0.0
    # an isolated condition: its only short pair has weight 0 -> inf there
    iso = np.array([0.0, 1.0, 1.0, 0.5, 0.5, 0.4])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        theirs_iso = geodesic_transform(_rdms(iso)).dissimilarities[0]
    assert np.isinf(theirs_iso).any()
    ours_iso = rgdm(_rdms(iso), graph="p-shortest", p=1.0, rank=False)
    assert np.all(np.isfinite(ours_iso.dissimilarities))


def test_defect6_rsatoolbox_geodesics_take_no_parameters():
    """rsatoolbox offers no graph, threshold or disconnected-pair choice."""
    with pytest.raises(TypeError):
        geodesic_transform(_rdms(np.arange(6.0)), 0.2)
    # ours: explicit graphs, and the authors' behaviour only on request
    d = np.array([0.0, 0.5, 0.9, 0.6, 0.8, 1.0])
    kept = rgdm(_rdms(d), graph="p-shortest", p=1.0, rank=False)
    dropped = rgdm(_rdms(d), graph="p-shortest", p=1.0, rank=False,
                   zero_edges="drop")
    assert kept.dissimilarities[0, 0] == 0.0 < dropped.dissimilarities[0, 0]
