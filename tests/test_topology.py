"""Cross-barcodes, RTD and the label-free baselines (rsatoolbox_topo.topology).

Tolerances: giotto-ph computes in float32, but every bar starts and ends at
an entry of the float32 filtration matrix, and lengths are summed in
float64. Equal inputs therefore give bitwise equal results (asserted with
``==``); the same barcode reached in another order (relabelled conditions,
another library) agrees up to float64 summation order, asserted with
``atol=1e-9``.
"""

import itertools
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rsatoolbox.rdm import RDMs

from rsatoolbox_topo.exceptions import (DegenerateRDMWarning,
                                        MissingPairsWarning)

gudhi = pytest.importorskip("gudhi")
pytest.importorskip("gph")

from rsatoolbox_topo.topology import (_cross_matrix,  # noqa: E402
                                      _squares, cross_barcode,
                                      labelfree_distance,
                                      persistence_diagrams, rtd)

# Two clusters {0, 1} and {2, 3}, and the same RDM with conditions 1 and 2
# swapped (clusters {0, 2} and {1, 3}): the hand-worked example of the docs.
CLUSTERS = np.array([1.0, 3, 3, 3, 3, 1])
SWAPPED = np.array([3.0, 1, 3, 3, 1, 3])
# A 4-cycle (sides 1, diagonals 2) and the same cycle relabelled so that
# min(A, B) is 1 everywhere.
CYCLE = np.array([1.0, 2, 1, 1, 2, 1])
CYCLE_RELABELLED = np.array([2.0, 1, 1, 1, 1, 2])


def _rdm(vector):
    return RDMs(np.atleast_2d(np.asarray(vector, dtype=np.float64)))


def _random_vectors(seed, n_cond, n_rdm=2, ties=False):
    rng = np.random.default_rng(seed)
    v = rng.random((n_rdm, n_cond * (n_cond - 1) // 2))
    if ties:
        v = np.round(v * 3) / 3
    # float32-exact, so that float32 and float64 libraries see one input
    return v.astype(np.float32).astype(np.float64)


def _permuted(vector, perm):
    sq = _squares(np.atleast_2d(vector)).astype(np.float64)[0]
    sq = sq[np.ix_(perm, perm)]
    return sq[np.triu_indices(len(perm), 1)]


# ------------------------------------------------ independent constructions
def _gudhi_sum(simplex_tree, dim):
    simplex_tree.compute_persistence()
    bars = np.asarray(simplex_tree.persistence_intervals_in_dimension(dim))
    bars = bars.reshape(-1, 2)
    assert np.all(np.isfinite(bars))
    return float(np.sum(bars[:, 1] - bars[:, 0]))


def _full_matrix_gudhi(a, b, dim):
    """The reference code's default matrix [[0, A^T], [A, min]], in gudhi."""
    A, B = _squares(np.array([a, b])).astype(np.float64)
    n = len(A)
    M = np.zeros((2 * n, 2 * n))
    M[n:, :n] = A
    M[:n, n:] = A.T
    M[n:, n:] = np.minimum(A, B)
    tree = gudhi.RipsComplex(distance_matrix=M).create_simplex_tree(
        max_dimension=dim + 1)
    return _gudhi_sum(tree, dim)


def _relative_gudhi(a, b, dim):
    """H_dim(Rips(min(A, B)), Rips(A)) via the mapping cone, in gudhi.

    Every simplex of Rips(min(A, B)) at its min-filtration value, plus an
    apex joined to every simplex of Rips(A) at its A-filtration value; for
    dim >= 1 the homology of this cone is the relative homology.
    """
    A, B = _squares(np.array([a, b])).astype(np.float64)
    n, M = len(A), np.minimum(A, B)
    tree = gudhi.SimplexTree()
    tree.insert([n], 0.0)
    for k in range(1, dim + 3):
        for s in itertools.combinations(range(n), k):
            pairs = list(itertools.combinations(s, 2))
            tree.insert(list(s), max((M[p] for p in pairs), default=0.0))
            if k <= dim + 1:
                tree.insert(list(s) + [n],
                            max((A[p] for p in pairs), default=0.0))
    return _gudhi_sum(tree, dim)


@pytest.mark.parametrize("seed", range(30))
def test_h1_matches_two_independent_constructions(seed):
    """H1 RTD = reference full matrix = relative homology (gudhi), 1e-9."""
    n_cond = 4 + seed % 5
    a, b = _random_vectors(seed, n_cond, ties=seed % 3 == 0)
    ours = rtd(_rdm(a), _rdm(b), symmetric=False, normalize="none")[0, 0]
    assert ours == pytest.approx(_full_matrix_gudhi(a, b, 1), abs=1e-9)
    assert ours == pytest.approx(_relative_gudhi(a, b, 1), abs=1e-9)


def test_h1_cross_barcode_of_the_hand_worked_example():
    """Two bars [1, 3): the merge of the clusters and the 4-cycle of min."""
    bars = cross_barcode(_rdm(CLUSTERS), _rdm(SWAPPED), normalize="none")
    np.testing.assert_array_equal(bars, [[1.0, 3.0], [1.0, 3.0]])
    # gudhi, relative homology: the same total length
    assert _relative_gudhi(CLUSTERS, SWAPPED, 1) == 4.0


@pytest.mark.parametrize("seed", range(10))
def test_h2_is_the_reference_full_matrix(seed):
    """H2 RTD = the reference code's full matrix through gudhi (1e-9)."""
    a, b = _random_vectors(seed, 4 + seed % 4, ties=seed % 3 == 0)
    ours = rtd(_rdm(a), _rdm(b), dim=2, symmetric=False,
               normalize="none")[0, 0]
    assert ours == pytest.approx(_full_matrix_gudhi(a, b, 2), abs=1e-9)


def test_h2_of_the_papers_matrix_depends_on_the_order():
    """Why H2 does not use the paper's half matrix (known counterexample).

    On the 4-cycle the paper's matrix and the relative homology see the
    cycle of A filled in min(A, B) at 1 (bar [1, 2)); the full matrix does
    not. Relabelling both RDMs alike changes the paper's H2 barcode.
    """
    import gph

    def half_h2(a, b):
        A, B = _squares(np.array([a, b]))
        dgm = gph.ripser_parallel(_cross_matrix(A, B, half=True),
                                  metric="precomputed", maxdim=2)["dgms"][2]
        return float(np.sum(dgm[:, 1] - dgm[:, 0]))

    assert half_h2(CYCLE, CYCLE_RELABELLED) == 1.0
    assert _relative_gudhi(CYCLE, CYCLE_RELABELLED, 2) == 1.0
    assert _full_matrix_gudhi(CYCLE, CYCLE_RELABELLED, 2) == 0.0
    assert rtd(_rdm(CYCLE), _rdm(CYCLE_RELABELLED), dim=2,
               normalize="none", symmetric=False)[0, 0] == 0.0
    values = set()
    for perm in itertools.permutations(range(5)):
        a, b = _random_vectors(5, 5)
        values.add(round(half_h2(_permuted(a, perm), _permuted(b, perm)), 6))
    assert len(values) > 1


def test_ripser_backend_gives_the_same_bars(rng):
    """giotto-ph and ripser agree bar for bar (float32 values, exact)."""
    pytest.importorskip("ripser")
    a, b = _random_vectors(7, 12)
    for dim in (1, 2):
        x = cross_barcode(_rdm(a), _rdm(b), dim)
        y = cross_barcode(_rdm(a), _rdm(b), dim, backend="ripser")
        np.testing.assert_array_equal(np.sort(x, 0), np.sort(y, 0))


# ------------------------------------------------ normalisation
def test_known_answers_under_each_normalisation():
    """Rank: bars [0, 1); quantile: [1/3, 1); none: [1, 3)."""
    a, b = _rdm(CLUSTERS), _rdm(SWAPPED)
    assert rtd(a, b)[0, 0] == 2.0
    assert rtd(a, b, normalize="none")[0, 0] == 4.0
    # square matrix entries: 4 zeros, 4 ones, 8 threes -> 0.9 quantile 3
    assert rtd(a, b, normalize="quantile")[0, 0] == pytest.approx(
        4 / 3, abs=1e-6)


def test_quantile_scaling_is_the_reference_scaling(rng):
    """normalize='quantile' = dividing by np.quantile of the square matrix."""
    a, b = _random_vectors(3, 10)
    scaled = [v / np.quantile(_squares(v[None])[0].astype(np.float64), 0.9)
              for v in (a, b)]
    x = rtd(_rdm(a), _rdm(b), normalize="quantile")
    y = rtd(_rdm(scaled[0]), _rdm(scaled[1]), normalize="none")
    np.testing.assert_allclose(x, y, atol=1e-6)  # float32 rounding of 1/q


# ------------------------------------------------ properties
_N_COND = st.integers(4, 9)
_SEEDS = st.integers(0, 2 ** 32 - 1)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(seed=_SEEDS, n_cond=_N_COND, normalize=st.sampled_from(
    ["rank", "quantile", "none"]), dim=st.sampled_from([1, 2]))
def test_rtd_of_an_rdm_with_itself_is_zero(seed, n_cond, normalize, dim):
    """RTD(A, A) == 0 exactly (no bar has positive length)."""
    a = _random_vectors(seed, n_cond, 1)[0]
    assert rtd(_rdm(a), _rdm(a), dim=dim, normalize=normalize)[0, 0] == 0.0


_TRANSFORMS = {"exp": np.exp, "cube": lambda x: x ** 3,
               "affine": lambda x: 7.0 + 2.5 * x, "log1p": np.log1p}


@settings(max_examples=40, deadline=None, derandomize=True)
@given(seed=_SEEDS, n_cond=_N_COND, f=st.sampled_from(sorted(_TRANSFORMS)),
       g=st.sampled_from(sorted(_TRANSFORMS)))
def test_rank_rtd_is_invariant_to_increasing_transforms(seed, n_cond, f, g):
    """normalize='rank': RTD(f(A), g(B)) == RTD(A, B) exactly."""
    rng = np.random.default_rng(seed)
    n_pairs = n_cond * (n_cond - 1) // 2
    # distinct values 0.5 apart, so no transform creates ties by rounding
    a, b = (rng.permutation(n_pairs) + 0.5 * rng.random(n_pairs)
            for _ in range(2))
    x = rtd(_rdm(a), _rdm(b))
    y = rtd(_rdm(_TRANSFORMS[f](a)), _rdm(_TRANSFORMS[g](b)))
    assert x[0, 0] == y[0, 0]


@settings(max_examples=40, deadline=None, derandomize=True)
@given(seed=_SEEDS, n_cond=_N_COND, dim=st.sampled_from([1, 2]))
def test_symmetric_rtd_is_symmetric(seed, n_cond, dim):
    """Symmetric RTD(A, B) == RTD(B, A) exactly."""
    a, b = _random_vectors(seed, n_cond, ties=seed % 2 == 0)
    assert rtd(_rdm(a), _rdm(b), dim)[0, 0] == \
        rtd(_rdm(b), _rdm(a), dim)[0, 0]


@settings(max_examples=40, deadline=None, derandomize=True)
@given(seed=_SEEDS, n_cond=_N_COND, dim=st.sampled_from([1, 2]),
       symmetric=st.booleans())
def test_relabelling_both_rdms_alike_changes_nothing(seed, n_cond, dim,
                                                     symmetric):
    """RTD(A[p, p], B[p, p]) = RTD(A, B) up to summation order (1e-9)."""
    a, b = _random_vectors(seed, n_cond, ties=seed % 2 == 0)
    perm = np.random.default_rng(seed + 1).permutation(n_cond)
    x = rtd(_rdm(a), _rdm(b), dim, symmetric)[0, 0]
    y = rtd(_rdm(_permuted(a, perm)), _rdm(_permuted(b, perm)), dim,
            symmetric)[0, 0]
    assert x == pytest.approx(y, abs=1e-9)


def test_relabelling_one_rdm_changes_rtd_on_known_examples():
    """Swapping conditions 1 and 2 of one RDM: 0 -> 2 (rank, H1).

    The label-free baselines cannot see it: their distance stays 0.
    """
    a, b = _rdm(CLUSTERS), _rdm(SWAPPED)
    assert rtd(a, a)[0, 0] == 0.0
    assert rtd(a, b)[0, 0] == 2.0
    for metric in ("bottleneck", "wasserstein"):
        for dim in (0, 1):
            assert labelfree_distance(a, b, dim, metric)[0, 0] == 0.0


# ------------------------------------------------ batching
def test_all_pairs_elementwise_and_self_comparison_agree():
    """One engine: all pairs, element-wise and rdms_b=None give one value."""
    v = _random_vectors(11, 8, n_rdm=4)
    a, b = _rdm(v[:2]), _rdm(v[2:])
    full = rtd(a, b)
    for i in range(2):
        for j in range(2):
            assert full[i, j] == rtd(_rdm(v[i]), _rdm(v[2 + j]))[0, 0]
    np.testing.assert_array_equal(rtd(a, b, elementwise=True),
                                  np.diag(full))
    self_ = rtd(_rdm(v))
    np.testing.assert_array_equal(self_[:2, 2:], full)
    np.testing.assert_array_equal(self_, self_.T)
    np.testing.assert_array_equal(np.diag(self_), 0.0)
    one_way = rtd(_rdm(v), symmetric=False)
    assert one_way[0, 2] == rtd(_rdm(v[0]), _rdm(v[2]),
                                symmetric=False)[0, 0]
    assert one_way[2, 0] == rtd(_rdm(v[2]), _rdm(v[0]),
                                symmetric=False)[0, 0]


def test_n_jobs_does_not_change_results():
    """Two processes give bitwise the same matrix as one."""
    v = _random_vectors(5, 9, n_rdm=5)
    np.testing.assert_array_equal(rtd(_rdm(v), n_jobs=1),
                                  rtd(_rdm(v), n_jobs=2))


def test_inputs_are_not_changed():
    """The caller's RDMs keep their values."""
    v = _random_vectors(2, 6)
    before = v.copy()
    rdms = _rdm(v)
    rtd(rdms, normalize="quantile")
    labelfree_distance(rdms)
    np.testing.assert_array_equal(rdms.dissimilarities, before)


# ------------------------------------------------ missing and degenerate
def test_a_condition_drawn_twice_keeps_one_copy():
    """Bootstrap duplicates: RTD equals that of the distinct conditions."""
    v = _random_vectors(4, 7)
    draws = np.array([0, 1, 1, 2, 3, 4, 4, 4, 5, 6])
    sq = _squares(v).astype(np.float64)[:, draws][:, :, draws]
    iu = np.triu_indices(len(draws), 1)
    res = sq[:, iu[0], iu[1]]
    res[:, draws[iu[0]] == draws[iu[1]]] = np.nan
    with pytest.warns(MissingPairsWarning, match="3 of 10 conditions"):
        x = rtd(_rdm(res[0]), _rdm(res[1]))
    assert x[0, 0] == rtd(_rdm(v[0]), _rdm(v[1]))[0, 0]


def test_nan_pairs_drop_the_condition_with_most_missing_pairs():
    """A NaN pair in one RDM removes one condition from both."""
    v = _random_vectors(6, 6)
    v[1, 0] = np.nan  # pair (0, 1): condition 1 (the later) goes
    with pytest.warns(MissingPairsWarning, match="1 of 6 conditions"):
        x = rtd(_rdm(v[0]), _rdm(v[1]))
    keep = np.array([0, 2, 3, 4, 5])
    sub = [_permuted(row, keep) for row in _random_vectors(6, 6)]
    assert x[0, 0] == rtd(_rdm(sub[0]), _rdm(sub[1]))[0, 0]


def test_constant_rdms():
    """Rank: 0.5 everywhere with a warning; quantile of zeros: an error."""
    const = _rdm(np.full(6, 2.0))
    with pytest.warns(DegenerateRDMWarning, match="constant"):
        assert rtd(const, const)[0, 0] == 0.0
    with pytest.raises(ValueError, match="0.9 quantile of 0"):
        rtd(_rdm(np.zeros(6)), const, normalize="quantile")


# ------------------------------------------------ label-free baselines
def test_persistence_diagrams_of_a_cycle():
    """A 4-cycle has one H1 bar [1, 2) and three finite H0 bars [0, 1)."""
    dgms = persistence_diagrams(_rdm(CYCLE), normalize="none")[0]
    np.testing.assert_array_equal(dgms[1], [[1.0, 2.0]])
    np.testing.assert_array_equal(dgms[0], [[0.0, 1.0]] * 3)


def test_labelfree_distances_known_answer():
    """H0 diagrams {[0,1)}x3 and {[0,1),[0,1),[0,2)}: bottleneck 1, W1 1."""
    a = _rdm(CYCLE)  # MST edges 1, 1, 1
    b = _rdm([1.0, 2, 2, 2, 2, 1])  # MST edges 1, 1, 2
    assert labelfree_distance(a, b, dim=0, metric="bottleneck",
                              normalize="none")[0, 0] == 1.0
    assert labelfree_distance(a, b, dim=0, metric="wasserstein",
                              normalize="none")[0, 0] == 1.0
    d = labelfree_distance(_rdm(np.vstack([CYCLE, [1.0, 2, 2, 2, 2, 1]])),
                           normalize="none", dim=0)
    np.testing.assert_array_equal(d, [[0.0, 1.0], [1.0, 0.0]])


# ------------------------------------------------ errors and imports
@pytest.mark.parametrize("kwargs, error, match", [
    ({"normalize": "minmax"}, ValueError, "'normalize' parameter"),
    ({"dim": 0}, ValueError, "'dim' parameter must be an integer in"),
    ({"backend": "gudhi"}, ValueError, "'backend' parameter"),
    ({"n_jobs": 0}, ValueError, "'n_jobs' parameter"),
    ({"symmetric": "yes"}, TypeError, "'symmetric' parameter"),
])
def test_rtd_rejects_bad_parameters(kwargs, error, match):
    """Every bad parameter is named in the error."""
    with pytest.raises(error, match=match):
        rtd(_rdm(CLUSTERS), _rdm(SWAPPED), **kwargs)


def test_rtd_rejects_bad_inputs():
    """Mismatched conditions, unequal stacks, negative and infinite values."""
    with pytest.raises(ValueError, match="same conditions"):
        rtd(_rdm(CLUSTERS), _rdm(np.ones(10)))
    with pytest.raises(ValueError, match="as many RDMs"):
        rtd(_rdm(np.vstack([CLUSTERS, CLUSTERS])), _rdm(SWAPPED),
            elementwise=True)
    with pytest.raises(ValueError, match="negative dissimilarities"):
        rtd(_rdm(-CLUSTERS), _rdm(SWAPPED), normalize="none")
    with pytest.raises(ValueError, match="infinite"):
        rtd(_rdm(np.r_[np.inf, SWAPPED[1:]]), _rdm(SWAPPED))
    with pytest.raises(TypeError, match="'rdms_a' parameter must be"):
        rtd(CLUSTERS, _rdm(SWAPPED))
    with pytest.raises(ValueError, match="exactly one RDM"):
        cross_barcode(_rdm(np.vstack([CLUSTERS, SWAPPED])), _rdm(SWAPPED))
    with pytest.raises(ValueError, match="'metric' parameter"):
        labelfree_distance(_rdm(CLUSTERS), metric="l2")


def test_importing_the_package_does_not_import_ph_libraries():
    """gph, gudhi, ripser and persim load only when a function runs."""
    code = ("import sys, rsatoolbox_topo, rsatoolbox_topo.topology, "
            "rsatoolbox_topo.identification, rsatoolbox_topo.inference, "
            "rsatoolbox_topo.cli; "
            "print(sorted(m for m in ('gph', 'gudhi', 'ripser', 'persim') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "[]"


# ------------------------------------------------ comparators in protocols
def _planted(rng, n_class=3, n_ind=4, n_cond=8, noise=0.02):
    """RDMs of classes with distinct labelled geometry, plus small noise."""
    from scipy.spatial.distance import pdist

    bases = [pdist(rng.standard_normal((n_cond, 3))) for _ in range(n_class)]
    vectors, cls, ind = [], [], []
    for s in range(n_ind):
        for c in range(n_class):
            vectors.append(bases[c] + noise * rng.random(bases[c].size))
            cls.append(f"c{c}")
            ind.append(s)
    return RDMs(np.array(vectors), rdm_descriptors={"cls": cls, "ind": ind})


def test_identify_with_rtd_uses_rank_centroids(rng):
    """method='rtd': nearest class by RTD to the rank-normalised centroids."""
    from rsatoolbox_topo import rank_normalize
    from rsatoolbox_topo.identification import identify

    rdms = _planted(rng)
    res = identify(rdms, "cls", "ind", method="rtd")
    assert res.accuracy == 1.0
    assert res.statistic == "rank_normalize"
    # distances are similarities -RTD; check one against rtd() directly
    ranks = rank_normalize(rdms).dissimilarities
    held = ranks[:3]  # individual 0, classes c0..c2
    centroid = ranks[3:].reshape(3, 3, -1).mean(axis=0)
    expected = -rtd(RDMs(held), RDMs(centroid))
    np.testing.assert_allclose(res.distances[0], expected, atol=1e-9)
    for method in ("labelfree-bottleneck", "labelfree-wasserstein"):
        assert 0 <= identify(rdms, "cls", "ind", method=method).accuracy <= 1


def test_labelfree_cannot_tell_relabelled_classes_apart(rng):
    """Classes that differ only by condition labels: RTD 1.0, label-free 1/2.

    Class c1 is class c0 with its conditions permuted; every diagram
    distance between them is 0, so each RDM ties and gets 1/2 credit.
    """
    from rsatoolbox_topo.identification import identify

    from scipy.spatial.distance import pdist

    base = pdist(rng.standard_normal((8, 3)))
    perm = rng.permutation(8)
    other = _permuted(base, perm)
    vectors = [v for _ in range(4) for v in (base, other)]
    rdms = RDMs(np.array(vectors), rdm_descriptors={
        "cls": ["a", "b"] * 4, "ind": np.repeat(range(4), 2).tolist()})
    assert identify(rdms, "cls", "ind", method="rtd").accuracy == 1.0
    res = identify(rdms, "cls", "ind", method="labelfree-bottleneck")
    assert res.accuracy == 0.5 and res.n_ties == 8


def test_bootstrap_identify_with_rtd_defaults_to_100_samples(rng):
    """The topological comparators default to 100 samples (cost)."""
    from rsatoolbox_topo.identification import bootstrap_identify

    rdms = _planted(rng, n_class=2, n_ind=3, n_cond=6)
    boot = bootstrap_identify(rdms, "cls", "ind", method="rtd",
                              random_state=0)
    assert len(boot.samples) == 100
    assert boot.method == "rtd" and boot.accuracy == 1.0
    again = bootstrap_identify(rdms, "cls", "ind", method="rtd",
                               n_bootstrap=6, random_state=0, n_jobs=2)
    np.testing.assert_array_equal(again.samples, boot.samples[:6])


def test_maps_refuse_topological_methods(rng):
    """threshold_map etc. say where RTD is available."""
    from rsatoolbox_topo.identification import threshold_map

    with pytest.raises(ValueError, match="identify and bootstrap_identify"):
        threshold_map(_planted(rng), "cls", "ind", method="rtd")


def test_inference_with_rtd_returns_minus_rtd(rdms_92):
    """eval_fixed(method='rtd'): evaluations are -RTD of model and data."""
    from rsatoolbox.model import ModelFixed

    from rsatoolbox_topo.inference import eval_fixed

    models = rdms_92["models"].subset("name", ["animacy", "EVA"])
    data = rdms_92["hit"].subset("subject", ["BE"])
    # 30 conditions keep the test fast
    keep = list(range(1, 93, 3))
    models = models.subset_pattern("image", keep)
    data = data.subset_pattern("image", keep)
    for r in (models, data):  # ModelFixed renumbers its conditions
        r.pattern_descriptors["index"] = list(range(len(keep)))
    ms = [ModelFixed(n, models.subset("name", n)) for n in ("animacy", "EVA")]
    res = eval_fixed(ms, data, method="rtd")
    np.testing.assert_allclose(res.evaluations[0], -rtd(models, data),
                               atol=1e-9)
    assert res.method == "rtd"
    assert np.all(np.isfinite(res.noise_ceiling))


def test_cli_identify_with_rtd(tmp_path, rng):
    """--method rtd runs identify end to end and skips the map."""
    from scipy.spatial.distance import squareform

    from rsatoolbox_topo.cli import main

    rdms = _planted(rng, n_class=2, n_ind=3, n_cond=6)
    folder = tmp_path / "rdms"
    folder.mkdir()
    for v, c, s in zip(rdms.dissimilarities, rdms.rdm_descriptors["cls"],
                       rdms.rdm_descriptors["ind"]):
        np.save(folder / f"sub-{s}_{c}.npy", squareform(v))
    out = tmp_path / "out"
    assert main(["identify", str(folder), "--pattern",
                 "sub-{subject}_{roi}.npy", "--by", "roi", "--across",
                 "subject", "--out", str(out), "--quiet", "--method", "rtd",
                 "--n-bootstrap", "4", "--statistic", "rdm"]) == 0
    import pandas as pd

    table = pd.read_csv(out / "identification_accuracy.csv")
    assert table["accuracy"].tolist() == [1.0]
    assert table["n_bootstrap"].tolist() == [4]
    assert not (out / "identification_map.png").exists()


def test_cli_rejects_unknown_methods(capsys):
    """A bad --method names the allowed ones."""
    from rsatoolbox_topo.cli import main

    with pytest.raises(SystemExit):
        main(["identify", "x", "--by", "a", "--across", "b", "--method",
              "rtd-h0"])
    assert "--method: must be one of euclidean" in capsys.readouterr().err


def test_shipped_evaluation_tables():
    """The precomputed evaluation has every comparator on both data sets."""
    from rsatoolbox_topo.topology import evaluation_table

    ident = evaluation_table()
    for data in ("simulation", "92 images"):
        rows = ident[ident["data"].str.startswith(data)]
        assert {"RDM", "rank RDM", "rtd", "labelfree-bottleneck",
                "labelfree-wasserstein"} <= set(rows["comparator"])
    assert ((ident["ci_low"] <= ident["ci_high"])
            & ident["accuracy"].between(0, 1)).all()
    # each row names its interval method: the package's default
    assert set(ident["ci_method"]) == {"corrected"}
    hit = ident[ident["data"].str.startswith("92 images")]
    # 2 sessions per subject: t with 1 degree of freedom spans [0, 1]
    assert (hit["ci_low"] == 0).all() and (hit["ci_high"] == 1).all()
    models = evaluation_table("models")
    assert (models.groupby("comparator")["rank"].apply(sorted)
            .map(lambda r: r == list(range(1, 9)))).all()
    sim = evaluation_table("simulation_models")
    assert (sim.groupby("comparator").size() == 10).all()
    with pytest.raises(ValueError, match="'part' parameter"):
        evaluation_table("maps")


def test_distance_matrix_is_the_comparators_by_name():
    """distance_matrix dispatches to rtd / labelfree_distance by name."""
    from rsatoolbox_topo.topology import distance_matrix, labelfree_distance
    rng = np.random.default_rng(3)
    a, b = RDMs(rng.random((2, 15))), RDMs(rng.random((3, 15)))
    np.testing.assert_allclose(distance_matrix(a, b, "rtd"), rtd(a, b))
    np.testing.assert_allclose(
        distance_matrix(a.dissimilarities, b.dissimilarities,
                        "labelfree-bottleneck"),
        labelfree_distance(a, b, metric="bottleneck"))
    with pytest.raises(ValueError, match="'method' parameter"):
        distance_matrix(a, b, "cosine")
