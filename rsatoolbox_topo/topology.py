"""Persistent-homology comparators of RDMs: cross-barcodes and RTD.

tRSA keeps the neighbourhood structure of an RDM at one pair of thresholds.
Persistent homology summarises a distance matrix across *all* thresholds.
Two kinds of summary are offered here, and they answer different questions:

* **labelled** (they know which condition is which):
  :func:`cross_barcode` and :func:`rtd`, the Representation Topology
  Divergence of Barannikov, Trofimov, Balabin & Burnaev (ICML 2022, PMLR
  162:1607-1626). Two RDMs ``A`` and ``B`` on the same ``n`` conditions
  define a filtration on ``2n`` points whose distance matrix is::

      [[ 0     A+^T      ]
       [ A+    min(A, B) ]]

  where the ``0`` block joins the ``n`` copies of the conditions at
  filtration 0 and ``A+`` is ``A`` with its entries below the diagonal
  replaced by ``+inf`` (the paper's matrix) or ``A`` itself (the default
  of the reference code ``IlyaTrofimov/RTD``). The barcode of this
  filtration in dimension ``k >= 1`` is the *cross-barcode*. In dimension 1
  both matrices give the same barcode, which is also that of the relative
  homology ``H_1(Rips(min(A, B)), Rips(A))`` (checked by the tests through
  gudhi): the clusters that merge earlier in ``min(A, B)`` than in ``A``
  and the loops of ``min(A, B)`` that ``A`` lacks. The package uses the paper's matrix there (fewer edges,
  faster). In dimensions 2 and up the three disagree and the paper's
  matrix depends on the order of the conditions (a relabelling of both
  RDMs alike can change it), so the package uses the reference code's
  full matrix, which does not; its H2 bars are not the relative homology
  (see the user guide). ``RTD_k(A, B)`` is the sum of the lengths of the
  bars; the symmetric RTD is ``(RTD_k(A, B) + RTD_k(B, A)) / 2``. H0
  carries nothing: every point of the ``0`` block joins at filtration 0.
* **label-free baselines** (they forget the condition labels, named
  ``labelfree`` for that reason): :func:`persistence_diagrams` of each RDM
  on its own (Vietoris-Rips) and :func:`labelfree_distance`, the bottleneck
  or Wasserstein distance between two RDMs' diagrams. Relabelling the
  conditions of one RDM does not change them.

Every function here needs the optional extra ``topology``
(``pip install ".[topology]"`` in the rsatoolbox_topo folder: giotto-ph for the barcodes,
gudhi for the diagram distances); the libraries are imported when a
function runs, never when :mod:`rsatoolbox_topo` is imported.

Numerical precision: giotto-ph and ripser compute in float32. Bars start
and end at entries of the (float32) filtration matrix, so a bar length is
exact in float32 and the sums here are taken in float64; equalities that
the tests assert are stated with their tolerance in each test.
"""

import warnings

import numpy as np

from . import _ranking
from ._parallel import chunk_bounds, run_tasks
from ._validation import check_int, check_n_jobs, check_option, check_rdms
from .exceptions import DegenerateRDMWarning, MissingPairsWarning

__all__ = ["cross_barcode", "rtd", "persistence_diagrams",
           "labelfree_distance", "distance_matrix", "evaluation_table",
           "METHODS"]

_NORMALIZE = ("rank", "quantile", "none")
_BACKENDS = ("giotto-ph", "ripser")
_METRICS = ("bottleneck", "wasserstein")
#: Comparator names accepted by identification, inference and the CLI:
#: RTD in H1 and H2 (labelled) and the two label-free baselines (H1).
METHODS = ("rtd", "rtd-h2", "labelfree-bottleneck", "labelfree-wasserstein")
# The reference code scales each matrix by this quantile of its entries.
_QUANTILE = 0.9
_INSTALL = ("pip install giotto-ph gudhi (or, in the rsatoolbox_topo "
            "folder, pip install '.[topology]')")


# ---------------------------------------------------------------- backends
def _ph_function(backend):
    """``f(square_float32_matrix, maxdim) -> list of diagrams``."""
    check_option("backend", backend, _BACKENDS)
    try:
        if backend == "giotto-ph":
            from gph import ripser_parallel
        else:
            from ripser import ripser
    except ImportError as err:  # pragma: no cover - extra installed in CI
        raise ImportError(
            f"The '{backend}' backend of rsatoolbox_topo.topology is not "
            f"installed; {_INSTALL}.") from err
    if backend == "giotto-ph":
        def run(matrix, maxdim):
            return ripser_parallel(matrix, metric="precomputed",
                                   maxdim=maxdim, n_threads=1)["dgms"]
    else:
        def run(matrix, maxdim):
            return ripser(matrix, distance_matrix=True,
                          maxdim=maxdim)["dgms"]
    return run


def _gudhi():
    try:
        import gudhi
        import gudhi.hera
    except ImportError as err:  # pragma: no cover - extra installed in CI
        raise ImportError("The label-free distances of "
                          f"rsatoolbox_topo.topology need gudhi; {_INSTALL}."
                          ) from err
    return gudhi


# ---------------------------------------------------------------- inputs
def _n_cond(n_pairs):
    n = int(round((1 + np.sqrt(1 + 8 * n_pairs)) / 2))
    if n * (n - 1) // 2 != n_pairs:
        raise ValueError(f"{n_pairs} is not the length of a condensed RDM.")
    return n


def _kept_conditions(missing, n_cond):
    """Conditions to keep so that no pair among them is missing.

    Drops the condition with the most missing pairs (the later one among
    equals) until none is left. A condition drawn ``k`` times by a
    bootstrap sample has its copies missing to each other only, so exactly
    ``k - 1`` copies go and the first stays.
    """
    square = np.zeros((n_cond, n_cond), dtype=bool)
    iu = np.triu_indices(n_cond, 1)
    square[iu] = missing
    square |= square.T
    keep = np.ones(n_cond, dtype=bool)
    counts = square.sum(axis=1)
    while counts.max() > 0:
        worst = n_cond - 1 - int(np.argmax(counts[::-1]))
        keep[worst] = False
        counts -= square[worst]
        counts[worst] = 0
        square[worst] = False
        square[:, worst] = False
    return keep


def _without_missing(vectors, what, warn=True):
    """Drop conditions until no pair is NaN in any row; same for all rows."""
    missing = np.isnan(vectors).any(axis=0)
    if not missing.any():
        return vectors
    n_cond = _n_cond(vectors.shape[1])
    keep = _kept_conditions(missing, n_cond)
    if keep.sum() < 3:
        raise ValueError(
            f"The {what} has NaN pairs that leave fewer than 3 conditions "
            "with all their pairs observed; RTD needs at least 3.")
    if warn:
        warnings.warn(
            f"{int(missing.sum())} pairs are NaN in some RDM of the {what}; "
            f"{int(n_cond - keep.sum())} of {n_cond} conditions are left "
            "out of all RDMs so that no pair is missing.",
            MissingPairsWarning, stacklevel=4)
    iu = np.triu_indices(n_cond, 1)
    cols = keep[iu[0]] & keep[iu[1]]
    return vectors[:, cols]


def _normalized(vectors, normalize, what):
    """Normalised float64 vectors (n_rdm, n_pairs) without NaN."""
    if normalize == "rank":
        data = _ranking.sorted_ranks(vectors)
        if np.any(data.degenerate):
            idx = np.flatnonzero(data.degenerate)
            warnings.warn(
                f"{len(idx)} RDM(s) of the {what} are constant; their rank "
                "RDM is 0.5 everywhere (a single bar-free filtration step).",
                DegenerateRDMWarning, stacklevel=4)
        return np.asarray(data.ranks, dtype=np.float64)
    vectors = np.asarray(vectors, dtype=np.float64)
    if np.any(vectors < 0):
        raise ValueError(
            f"The {what} holds negative dissimilarities; persistent homology "
            "needs non-negative distances. Use normalize='rank' (e.g. for "
            "crossvalidated distances).")
    if normalize == "none":
        return vectors
    # The reference code takes the quantile of the square matrix: every
    # pair twice and the n zeros of the diagonal.
    n_cond = _n_cond(vectors.shape[1])
    square = np.concatenate(
        [vectors, vectors, np.zeros((len(vectors), n_cond))], axis=1)
    scale = np.quantile(square, _QUANTILE, axis=1)
    if np.any(scale <= 0):
        idx = np.flatnonzero(scale <= 0)
        raise ValueError(
            f"RDM(s) {idx[:5].tolist()} of the {what} have a 0.9 quantile of "
            "0 (mostly zero dissimilarities); normalize='quantile' cannot "
            "scale them. Use normalize='rank'.")
    return vectors / scale[:, None]


def _prepared(rdms, name, normalize, warn=True):
    vectors = check_rdms(rdms, name, copy=False)
    if np.any(np.isinf(vectors)):
        raise ValueError(f"The '{name}' parameter holds infinite "
                         "dissimilarities; use NaN for missing pairs.")
    return vectors


def _squares(vectors):
    """Stack of square float32 matrices from condensed vectors."""
    n_cond = _n_cond(vectors.shape[1])
    out = np.zeros((len(vectors), n_cond, n_cond), dtype=np.float32)
    iu = np.triu_indices(n_cond, 1)
    out[:, iu[0], iu[1]] = vectors
    out[:, iu[1], iu[0]] = vectors
    return out


# ---------------------------------------------------------------- core
def _cross_matrix(a, b, out=None, half=True):
    """The 2n x 2n filtration matrix for square float32 ``a``, ``b``.

    ``[[0, A+^T], [A+, min(A, B)]]``: with ``half`` (used for dimension 1)
    ``A+`` is ``A`` on and above the diagonal and ``+inf`` below it (the
    paper's matrix, fewer edges); without it ``A+ = A`` (the reference
    code's default matrix, used for dimensions 2 and up, where the paper's
    matrix depends on the order of the conditions).
    """
    n = len(a)
    if out is None:
        out = np.empty((2 * n, 2 * n), dtype=np.float32)
    out[:n, :n] = 0.0
    block = a
    if half:
        lower = np.tril(np.ones((n, n), dtype=bool), -1)
        block = np.where(lower, np.float32(np.inf), a)
    out[n:, :n] = block
    out[:n, n:] = block.T
    np.minimum(a, b, out=out[n:, n:])
    return out


def _bars(diagram):
    bars = np.asarray(diagram, dtype=np.float64).reshape(-1, 2)
    return bars[np.argsort(bars[:, 0] - bars[:, 1], kind="stable")]


def _rtd_pair(run, a, b, dim, symmetric, buf):
    """RTD_dim(a, b) (and back) from square float32 matrices."""
    total = 0.0
    for x, y in ((a, b), (b, a)) if symmetric else ((a, b),):
        bars = np.asarray(run(_cross_matrix(x, y, buf, dim == 1), dim)[dim],
                          dtype=np.float64)
        finite = np.isfinite(bars[:, 1])
        if not finite.all():  # pragma: no cover - excluded by the theory
            raise RuntimeError("A cross-barcode has an infinite bar in "
                               f"dimension {dim}; please report this.")
        total += float(np.sum(bars[:, 1] - bars[:, 0]))
    return total / 2.0 if symmetric else total


def _rtd_rows(pairs, sq_a, sq_b, dim, symmetric, backend):
    run = _ph_function(backend)
    n = sq_a.shape[1]
    buf = np.empty((2 * n, 2 * n), dtype=np.float32)
    return np.array([_rtd_pair(run, sq_a[i], sq_b[j], dim, symmetric, buf)
                     for i, j in pairs], dtype=np.float64)


def _map_pairs(function, pairs, n_jobs, *args):
    """Run ``function(pairs_chunk, *args)`` over chunks of ``pairs``
    (the package's runner: any joblib backend, same numbers)."""
    if len(pairs) < 2:
        return function(pairs, *args)
    parts = run_tasks(function, [(pairs[a:b],) + args for a, b in
                                 chunk_bounds(len(pairs), n_jobs)],
                      n_jobs=n_jobs)
    return np.concatenate(parts)


def _check_common(dim, normalize, n_jobs, backend):
    dim = check_int("dim", dim, 1, 3)
    check_option("normalize", normalize, _NORMALIZE)
    check_option("backend", backend, _BACKENDS)
    return dim, check_n_jobs(n_jobs)


def _pair_list(n_a, n_b, elementwise, same):
    if elementwise:
        return [(i, i) for i in range(n_a)]
    if same:
        return [(i, j) for i in range(n_a) for j in range(i + 1, n_a)]
    return [(i, j) for i in range(n_a) for j in range(n_b)]


def _inputs(rdms_a, rdms_b, normalize, elementwise):
    """Validated, missing-free, normalised vectors of both stacks."""
    va = _prepared(rdms_a, "rdms_a", normalize)
    same = rdms_b is None
    vb = va if same else _prepared(rdms_b, "rdms_b", normalize)
    if va.shape[1] != vb.shape[1]:
        raise ValueError(
            "The 'rdms_a' and 'rdms_b' parameters must have the same "
            f"conditions. Got {rdms_a.n_cond} and {rdms_b.n_cond} conditions "
            "instead.")
    if elementwise and not same and len(va) != len(vb):
        raise ValueError(
            "With elementwise=True, 'rdms_a' and 'rdms_b' must hold as many "
            f"RDMs. Got {len(va)} and {len(vb)} instead.")
    both = _without_missing(np.concatenate([va, vb]) if not same else va,
                            "'rdms_a' and 'rdms_b' parameters")
    both = _normalized(both, normalize, "'rdms_a' and 'rdms_b' parameters")
    return both[:len(va)], (both if same else both[len(va):]), same


def _rtd_vectors(va, vb, dim=1, symmetric=True, normalize="rank",
                n_jobs=1, backend="giotto-ph", elementwise=False):
    """RTD between rows of two arrays of condensed RDM vectors (no checks).

    The engine behind :func:`rtd` and the ``'rtd'`` comparators of
    identification and inference; NaN pairs are handled as in :func:`rtd`
    without a warning (the callers warn once). Returns ``(len(va),
    len(vb))`` or ``(len(va),)`` with ``elementwise``.
    """
    both = _without_missing(np.concatenate([va, vb]), "RDMs", warn=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateRDMWarning)
        both = _normalized(both, normalize, "RDMs")
    sq = _squares(both)
    sq_a, sq_b = sq[:len(va)], sq[len(va):]
    pairs = _pair_list(len(va), len(vb), elementwise, False)
    values = _map_pairs(_rtd_rows, pairs, n_jobs, sq_a, sq_b, dim, symmetric,
                        backend)
    return values if elementwise else values.reshape(len(va), len(vb))


# ---------------------------------------------------------------- public
def cross_barcode(rdm_a, rdm_b, dim=1, *, normalize="rank",
                  backend="giotto-ph"):
    """The cross-barcode of two RDMs on the same labelled conditions.

    The barcode, in homology dimension ``dim``, of the Vietoris-Rips
    filtration of ``2n`` points with distance matrix
    ``[[0, A+^T], [A+, min(A, B)]]`` (Barannikov et al., 2022; see
    :mod:`rsatoolbox_topo.topology`). Its bars are the ``(dim - 1)``-
    dimensional features (clusters for ``dim=1``) present in ``min(A, B)``
    and not in ``A``, with the filtration values at which they appear and
    disappear.

    Parameters
    ----------
    rdm_a, rdm_b : rsatoolbox.rdm.RDMs
        One RDM each, on the same conditions in the same order.
    dim : int
        Homology dimension, 1 (default), 2 or 3. Dimension 0 carries
        nothing in this construction.
    normalize : {'rank', 'quantile', 'none'}
        'rank' (default): each RDM's ranks scaled to [0, 1], as
        :func:`~rsatoolbox_topo.rank_normalize` (invariant to strictly
        increasing transforms); 'quantile': each RDM divided by the 0.9
        quantile of the entries of its square matrix, zero diagonal
        included (the reference code's scaling); 'none': as given
        (non-negative values required).
    backend : {'giotto-ph', 'ripser'}
        Persistent-homology library. giotto-ph (default) was about twice
        as fast as ripser on the same matrices with identical bars; ripser
        is MIT-licensed, giotto-ph AGPL-3.0.

    Returns
    -------
    ndarray, shape (n_bars, 2)
        Birth and death of each bar (float64 copies of float32 values),
        longest first.

    Notes
    -----
    Pairs that are NaN in either RDM are handled as in :func:`rtd`.

    Examples
    --------
    Two clusters {0, 1} and {2, 3} against the same RDM with conditions 1
    and 2 swapped:

    >>> import numpy as np
    >>> from rsatoolbox.rdm import RDMs
    >>> from rsatoolbox_topo.topology import cross_barcode
    >>> a = RDMs(np.array([[1., 3, 3, 3, 3, 1]]))
    >>> b = RDMs(np.array([[3., 1, 3, 3, 1, 3]]))
    >>> cross_barcode(a, b, normalize="none")
    array([[1., 3.],
           [1., 3.]])
    >>> cross_barcode(a, a, normalize="none").shape
    (0, 2)
    """
    for name, value in (("rdm_a", rdm_a), ("rdm_b", rdm_b)):
        if check_rdms(value, name, copy=False).shape[0] != 1:
            raise ValueError(f"The '{name}' parameter must hold exactly one "
                             f"RDM. Got {value.n_rdm} instead.")
    dim, _ = _check_common(dim, normalize, 1, backend)
    va, vb, _ = _inputs(rdm_a, rdm_b, normalize, False)
    sq = _squares(np.concatenate([va, vb]))
    run = _ph_function(backend)
    return _bars(run(_cross_matrix(sq[0], sq[1], half=dim == 1), dim)[dim])


def rtd(rdms_a, rdms_b=None, dim=1, symmetric=True, normalize="rank", *,
        elementwise=False, n_jobs=1, backend="giotto-ph"):
    """Representation Topology Divergence between RDMs.

    ``RTD_dim(A, B)`` is the sum of the bar lengths of
    :func:`cross_barcode` ``(A, B, dim)``; the symmetric version (default)
    averages both directions, ``(RTD(A, B) + RTD(B, A)) / 2``, as the
    reference code does. RTD is 0 for equal RDMs and grows as the
    neighbourhoods of the labelled conditions differ.

    Parameters
    ----------
    rdms_a : rsatoolbox.rdm.RDMs
        One or more RDMs.
    rdms_b : rsatoolbox.rdm.RDMs | None
        RDMs on the same conditions; None compares ``rdms_a`` with itself
        (each pair once; the diagonal is 0).
    dim : int
        Homology dimension of the cross-barcode: 1 (default), 2 or 3.
    symmetric : bool
        Average both directions (default) or return ``RTD(A, B)`` only.
    normalize : {'rank', 'quantile', 'none'}
        See :func:`cross_barcode`. The package's default is 'rank', the
        reference code's is 'quantile'.
    elementwise : bool
        False (default): all pairs, an ``(n_a, n_b)`` matrix. True: RDM
        ``i`` of ``rdms_a`` with RDM ``i`` of ``rdms_b`` (equal stacks), an
        ``(n,)`` vector.
    n_jobs : int
        Processes over pairs (joblib); results do not depend on it.
    backend : {'giotto-ph', 'ripser'}
        See :func:`cross_barcode`.

    Returns
    -------
    ndarray
        ``(n_a, n_b)``, or ``(n,)`` with ``elementwise``.

    Notes
    -----
    *Missing pairs.* Persistent homology needs every pair. Where a pair is
    NaN in any of the RDMs, conditions are left out of all of them, the
    one with the most missing pairs first (the later one among equals),
    until no pair is missing, with a :class:`MissingPairsWarning`. A
    condition drawn ``k`` times by a bootstrap sample (its copies are NaN to
    each other and equal to all other conditions) thus keeps exactly one
    copy.

    *Constant RDMs.* With 'rank' a constant RDM becomes 0.5 everywhere
    (with a :class:`DegenerateRDMWarning`), and its RTD is that of this
    matrix: 0 against another constant RDM. With 'quantile' an RDM whose
    0.9 quantile is 0 raises ValueError.

    Examples
    --------
    >>> import numpy as np
    >>> from rsatoolbox.rdm import RDMs
    >>> from rsatoolbox_topo.topology import rtd
    >>> a = RDMs(np.array([[1., 3, 3, 3, 3, 1]]))
    >>> b = RDMs(np.array([[3., 1, 3, 3, 1, 3]]))
    >>> rtd(a, b)          # rank-normalised: bars [0, 1) twice, both ways
    array([[2.]])
    >>> rtd(a, b, normalize="none", symmetric=False)
    array([[4.]])
    """
    dim, n_jobs = _check_common(dim, normalize, n_jobs, backend)
    if not isinstance(symmetric, (bool, np.bool_)):
        raise TypeError("The 'symmetric' parameter must be True or False. "
                        f"Got {symmetric!r} instead.")
    va, vb, same = _inputs(rdms_a, rdms_b, normalize, elementwise)
    sq_a = _squares(va)
    sq_b = sq_a if same else _squares(vb)
    pairs = _pair_list(len(va), len(vb), elementwise, same)
    values = _map_pairs(_rtd_rows, pairs, n_jobs, sq_a, sq_b, dim, symmetric,
                        backend)
    if elementwise:
        if same:
            return np.zeros(len(va))
        return values
    if not same:
        return values.reshape(len(va), len(vb))
    out = np.zeros((len(va), len(va)))
    if pairs:
        rows, cols = np.array(pairs).T
        out[rows, cols] = values
        if symmetric:
            out[cols, rows] = values
        else:
            back = _map_pairs(_rtd_rows, [(j, i) for i, j in pairs], n_jobs,
                              sq_a, sq_a, dim, False, backend)
            out[cols, rows] = back
    return out


def persistence_diagrams(rdms, maxdim=1, normalize="rank", *,
                         backend="giotto-ph"):
    """Label-free baseline: the persistence diagrams of each RDM on its own.

    The Vietoris-Rips persistent homology of each RDM as a distance matrix.
    These diagrams forget which condition is which: relabelling the
    conditions of an RDM leaves them unchanged.

    Parameters
    ----------
    rdms : rsatoolbox.rdm.RDMs
    maxdim : int
        Highest homology dimension (1 by default, up to 3).
    normalize : {'rank', 'quantile', 'none'}
        See :func:`cross_barcode`.
    backend : {'giotto-ph', 'ripser'}

    Returns
    -------
    list of list of ndarray
        ``out[i][k]``: the finite bars ``(birth, death)`` of RDM ``i`` in
        dimension ``k`` (the one infinite H0 bar of every RDM is left out).

    Examples
    --------
    >>> import numpy as np
    >>> from rsatoolbox.rdm import RDMs
    >>> from rsatoolbox_topo.topology import persistence_diagrams
    >>> square = RDMs(np.array([[1., 2, 1, 1, 2, 1]]))  # a 4-cycle
    >>> persistence_diagrams(square, normalize="none")[0][1]
    array([[1., 2.]])
    """
    maxdim = check_int("maxdim", maxdim, 0, 3)
    check_option("normalize", normalize, _NORMALIZE)
    vectors = _prepared(rdms, "rdms", normalize)
    vectors = _without_missing(vectors, "'rdms' parameter")
    vectors = _normalized(vectors, normalize, "'rdms' parameter")
    return _diagrams(vectors, maxdim, backend)


def _diagrams(vectors, maxdim, backend="giotto-ph"):
    run = _ph_function(backend)
    out = []
    for square in _squares(vectors):
        dgms = run(square, maxdim)
        out.append([_finite(d) for d in dgms])
    return out


def _finite(diagram):
    bars = _bars(diagram)
    return bars[np.isfinite(bars[:, 1])]


def _diagram_distance(x, y, metric):
    gudhi = _gudhi()
    if metric == "bottleneck":
        return float(gudhi.bottleneck_distance(x, y, e=0))
    return float(gudhi.hera.wasserstein_distance(x, y, order=1.0,
                                                 internal_p=np.inf))


def _labelfree_vectors(va, vb, dim=1, metric="bottleneck", normalize="rank"):
    """Label-free distances between rows of two vector arrays (no checks).

    The engine behind :func:`labelfree_distance` and the ``'labelfree-*'``
    comparators; NaN pairs handled as in :func:`rtd`, without a warning.
    """
    both = _without_missing(np.concatenate([va, vb]), "RDMs", warn=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateRDMWarning)
        both = _normalized(both, normalize, "RDMs")
    dgms = [d[dim] for d in _diagrams(both, dim)]
    da, db = dgms[:len(va)], dgms[len(va):]
    return np.array([[_diagram_distance(x, y, metric) for y in db]
                     for x in da])


def labelfree_distance(rdms_a, rdms_b=None, dim=1, metric="bottleneck",
                       normalize="rank"):
    """Label-free baseline: distances between persistence diagrams.

    The bottleneck distance or the 1-Wasserstein distance (L-infinity
    ground metric) between the dimension-``dim`` diagrams of
    :func:`persistence_diagrams`, computed with gudhi. Unlike :func:`rtd`
    it ignores which condition is which.

    Parameters
    ----------
    rdms_a : rsatoolbox.rdm.RDMs
    rdms_b : rsatoolbox.rdm.RDMs | None
        None compares ``rdms_a`` with itself.
    dim : int
        Homology dimension (0 to 3; 1 by default).
    metric : {'bottleneck', 'wasserstein'}
    normalize : {'rank', 'quantile', 'none'}
        See :func:`cross_barcode`.

    Returns
    -------
    ndarray, shape (n_a, n_b)

    Examples
    --------
    Relabelling the conditions leaves the label-free distance at 0:

    >>> import numpy as np
    >>> from rsatoolbox.rdm import RDMs
    >>> from rsatoolbox_topo.topology import labelfree_distance
    >>> a = RDMs(np.array([[1., 3, 3, 3, 3, 1]]))
    >>> b = RDMs(np.array([[3., 1, 3, 3, 1, 3]]))
    >>> labelfree_distance(a, b, dim=0)
    array([[0.]])
    """
    dim = check_int("dim", dim, 0, 3)
    check_option("metric", metric, _METRICS)
    check_option("normalize", normalize, _NORMALIZE)
    va, vb, same = _inputs(rdms_a, rdms_b, normalize, False)
    dgms = [d[dim] for d in _diagrams(va if same else np.concatenate(
        [va, vb]), dim)]
    da = dgms[:len(va)]
    db = da if same else dgms[len(va):]
    return np.array([[_diagram_distance(x, y, metric) for y in db]
                     for x in da])


def distance_matrix(rdms_a, rdms_b, method, n_jobs=1):
    """Topological distances between two sets of RDMs, by comparator name.

    The persistent-homology comparators of this module under the names that
    identification, inference and the command take as ``method``
    (:data:`METHODS`): ``'rtd'`` (:func:`rtd` in dimension 1, symmetric,
    rank-normalised), ``'rtd-h2'`` (dimension 2) and the label-free
    ``'labelfree-bottleneck'`` / ``'labelfree-wasserstein'``
    (:func:`labelfree_distance` in dimension 1). Lower is closer; those
    functions use it as the similarity ``-distance``.

    Parameters
    ----------
    rdms_a, rdms_b : rsatoolbox.rdm.RDMs | array-like
        RDMs, or their condensed dissimilarity vectors (one per row).
    method : str
        One of :data:`METHODS`.
    n_jobs : int | None
        Workers for RTD (see the naming table).

    Returns
    -------
    ndarray of shape (n_a, n_b)

    Examples
    --------
    >>> import numpy as np
    >>> from rsatoolbox_topo.topology import distance_matrix
    >>> a = np.array([[1., 3, 3, 3, 3, 1]])
    >>> b = np.array([[3., 1, 3, 3, 1, 3]])
    >>> distance_matrix(a, b, "rtd")
    array([[2.]])
    """
    va = getattr(rdms_a, "dissimilarities", rdms_a)
    vb = getattr(rdms_b, "dissimilarities", rdms_b)
    check_option("method", method, METHODS)
    va = np.atleast_2d(np.asarray(va, dtype=np.float64))
    vb = np.atleast_2d(np.asarray(vb, dtype=np.float64))
    if method.startswith("rtd"):
        return _rtd_vectors(va, vb, dim=2 if method == "rtd-h2" else 1,
                           n_jobs=n_jobs)
    return _labelfree_vectors(va, vb, metric=method.split("-", 1)[1])


def evaluation_table(part="identification"):
    """The package's measured evaluation of RTD, shipped precomputed.

    Identification accuracy with bootstrap intervals on the network
    simulation (layer across seed) and the 92-image human-IT data (subject
    across session), and the model comparison on the 92-image data, for the
    RDM, the rank RDM, the best RGTM, RTD and the label-free baselines.
    Regenerate with ``python benchmarks/eval_topology.py`` (about an hour on
    two cores); see the user guide for what the numbers show.

    Parameters
    ----------
    part : {'identification', 'models', 'simulation_models'}
        Identification rows; the 92-image model comparison (one row per
        comparator and model); or the simulation's model comparison (one
        row per comparator and layer: the winning model layer).

    Returns
    -------
    pandas.DataFrame

    Examples
    --------
    >>> from rsatoolbox_topo.topology import evaluation_table
    >>> table = evaluation_table()
    >>> sorted(table.columns)[:3]
    ['accuracy', 'chance', 'ci_high']
    """
    import json
    from importlib import resources

    import pandas as pd

    check_option("part", part, ("identification", "models",
                                 "simulation_models"))
    text = resources.files("rsatoolbox_topo").joinpath(
        "data", "topology_evaluation.json").read_text()
    raw = json.loads(text)
    if part == "identification":
        return pd.DataFrame(raw.get("simulation", []) + raw.get("hit", []))
    rows = []
    if part == "simulation_models":
        for entry in raw.get("simulation_models", []):
            for layer, winner in entry["winners"].items():
                rows.append({"data": entry["data"],
                             "comparator": entry["comparator"],
                             "layer": layer, "winner": winner,
                             "correct": winner == layer})
        return pd.DataFrame(rows)
    for entry in raw.get("models", []):
        for rank, model in enumerate(entry["ranking"], start=1):
            rows.append({"data": entry["data"],
                         "comparator": entry["comparator"], "model": model,
                         "rank": rank, "mean": entry["mean"][model],
                         "ci_low": entry["ci_low"][model],
                         "ci_high": entry["ci_high"][model],
                         "n_bootstrap": entry["n_bootstrap"]})
    return pd.DataFrame(rows)
