"""Geo-topological statistics of RDMs: rank RDM, RGTM, RGDM and regimes.

Each statistic maps every RDM of an rsatoolbox ``RDMs`` object to a new RDM,
independently of the other RDMs in the object (Lin & Kriegeskorte, 2024,
PNAS, doi:10.1073/pnas.2317881121):

* :func:`rank_normalize`: ranks of the dissimilarities scaled to [0, 1];
* :func:`rgtm`: the representational geo-topological matrix, 0 below a
  lower threshold, 1 above an upper one, linear in between;
* :func:`rgdm`: geodesic distances over a neighbourhood graph of the
  conditions;
* :func:`regime`: the name of the part of the (lower, upper) triangle.

All of them work on the whole stack of RDMs at once, keep NaN entries as NaN
without letting them affect the other entries, accept float32 and float64,
never change the caller's RDMs, copy all descriptors and record what was
applied in ``dissimilarity_measure``.
"""

import functools
import inspect
import warnings
from copy import deepcopy

import numpy as np
from rsatoolbox.rdm import RDMs

from . import _ranking
from ._parallel import chunk_bounds, run_tasks
from ._validation import (check_int, check_option, check_rdms, check_real,
                          plain_value)
from .exceptions import (CollapsedStatisticWarning, DegenerateRDMWarning,
                         DisconnectedGraphWarning)
from .graphs import geodesic_distances, knn_mask

__all__ = ["rank_normalize", "rgtm", "rgdm", "regime", "REGIMES",
           "TopoStatistic", "as_statistic", "statistic_label"]

#: The five regimes of the (lower, upper) threshold triangle.
REGIMES = ("local extractor", "global extractor", "geometry sensitive",
           "topology sensitive", "intermediate")

_NORMALIZE = ("rank", "minmax", "none")
_THRESHOLDS = ("quantile", "value")
_SHAPES = ("linear", "sigmoid")
_GRAPHS = ("two-step", "p-shortest", "k-nearest", "p-nearest")
_WEIGHTS = ("rgtm", "rank")
_ZERO_EDGES = ("keep", "drop")
# An RGDM with more than this fraction of its geodesics at 0 has collapsed.
_COLLAPSE_FRACTION = 0.5
# Values ranked at once (a few MB per temporary; see _row_chunks).
_CHUNK_ENTRIES = 2 ** 19


# ---------------------------------------------------------------- helpers
def _new_rdms(rdms, vectors, label):
    """A new RDMs with copied descriptors and the applied statistic named."""
    old = rdms.dissimilarity_measure
    measure = f"{label} of {old}" if old else label
    return RDMs(vectors, dissimilarity_measure=measure,
                descriptors=deepcopy(rdms.descriptors),
                rdm_descriptors=deepcopy(rdms.rdm_descriptors),
                pattern_descriptors=deepcopy(rdms.pattern_descriptors))


def _float_vectors(rdms):
    vectors = check_rdms(rdms, copy=False)
    if vectors.dtype not in (np.float32, np.float64):
        vectors = vectors.astype(np.float64)
    return vectors


def _row_chunks(vectors):
    """Slices of rows holding about _CHUNK_ENTRIES values each.

    Ranking works on a few temporaries of the size of its input; chunks
    bound the memory (100,000 searchlight RDMs fit) and keep them in cache.
    """
    step = _row_step(vectors)
    return [slice(i, i + step) for i in range(0, len(vectors), step)]


def _row_step(vectors):
    """Rows per chunk: about _CHUNK_ENTRIES values."""
    return max(1, _CHUNK_ENTRIES // max(vectors.shape[1], 1))


def _warn_degenerate(degenerate, what):
    if np.any(degenerate):
        idx = np.flatnonzero(degenerate)
        _warn_rows(DegenerateRDMWarning(
            f"{len(idx)} RDM(s) (index {_short_list(idx)}) have no two "
            f"distinct dissimilarities (constant or all NaN); {what}"), idx)


def _warn_rows(warning, idx, stacklevel=4):
    """Warn with the indices of the RDMs concerned as ``warning.indices``.

    The text lists at most five; callers that know the RDMs' descriptors
    (e.g. the command line) name all of them from the attribute.
    """
    warning.indices = [int(i) for i in idx]
    warnings.warn(warning, stacklevel=stacklevel)


def _short_list(idx, most=5):
    text = ", ".join(str(i) for i in idx[:most])
    return text + (", ..." if len(idx) > most else "")


def _normalized(vectors, normalize):
    """Normalised values and their sorted view for quantiles."""
    if normalize == "rank":
        return _ranking.sorted_ranks(vectors)
    data = _ranking.sorted_values(vectors)
    if normalize == "none":
        return data
    lo = data.sorted_ranks[:, :1]
    hi = np.take_along_axis(data.sorted_ranks,
                            np.maximum(data.n_valid - 1, 0)[:, None], 1)
    # Halve rows whose span overflows (entries near the float maximum):
    # (v - lo) / (hi - lo) is unchanged and no inf / inf makes a NaN.
    half = _ranking.overflow_halves(hi, lo)
    span = np.where(data.degenerate[:, None], 1.0, hi * half - lo * half)
    scaled = ((vectors * half - lo * half) / span).astype(vectors.dtype,
                                                          copy=False)
    scaled[data.degenerate] = np.where(
        np.isnan(vectors[data.degenerate]), np.nan, 0.5)
    return _ranking.sorted_values(scaled)


def _check_rgtm_params(lower, upper, normalize, thresholds, shape):
    """The checks of :func:`rgtm` that need no data; (lower, upper)."""
    check_option("normalize", normalize, _NORMALIZE)
    check_option("thresholds", thresholds, _THRESHOLDS)
    check_option("shape", shape, _SHAPES)
    return _check_thresholds(lower, upper, thresholds, normalize)


def _check_rgdm_params(lower, upper, graph, p, k, weights, zero_edges,
                       disconnected, rank, normalize, n_jobs):
    """The checks of :func:`rgdm` that need no data.

    Checks that depend on the data (``k`` below the number of conditions,
    negative edge weights) run in :func:`rgdm` itself, at call time.
    Returns the checked ``disconnected`` value.
    """
    check_option("graph", graph, _GRAPHS)
    check_option("weights", weights, _WEIGHTS)
    check_option("zero_edges", zero_edges, _ZERO_EDGES)
    check_option("normalize", normalize, _NORMALIZE)
    if not isinstance(rank, (bool, np.bool_)):
        raise TypeError("The 'rank' parameter must be True or False. "
                        f"Got {rank!r} instead.")
    _check_graph_params(graph, lower, upper, p, k, weights)
    if graph == "two-step":
        _check_thresholds(0.0 if lower is None else lower,
                          0.5 if upper is None else upper, "quantile",
                          normalize)
    if n_jobs != -1:
        check_int("n_jobs", n_jobs, 1)
    return _check_disconnected(disconnected)


def _check_thresholds(lower, upper, thresholds, normalize):
    bounded = thresholds == "quantile" or normalize != "none"
    low, high = (0.0, 1.0) if bounded else (None, None)
    lower = check_real("lower", lower, low, high)
    upper = check_real("upper", upper, low, high)
    if lower > upper:
        raise ValueError(
            "The 'lower' parameter must not exceed the 'upper' parameter. "
            f"Got lower={lower!r} and upper={upper!r} instead.")
    return lower, upper


# ---------------------------------------------------------------- public
def rank_normalize(rdms):
    """Replace every RDM by its ranks, scaled to [0, 1].

    Each RDM's dissimilarities are ranked (average ranks for ties) and
    min-max scaled, ``r = (rank - min) / (max - min)``, so that the smallest
    dissimilarity becomes 0 and the largest 1. The result is invariant to
    any strictly increasing transform of the dissimilarities. It is the
    geometry end of the RGTM family, ``rgtm(rdms, 0, 1)``.

    Parameters
    ----------
    rdms : rsatoolbox.rdm.RDMs
        One or more RDMs with at least 3 conditions.

    Returns
    -------
    rsatoolbox.rdm.RDMs
        New RDMs; NaN entries stay NaN and are left out of the ranking. An
        RDM without two distinct values (constant) becomes 0.5 everywhere,
        the scaled average rank, with a :class:`DegenerateRDMWarning`.

    Examples
    --------
    >>> import numpy as np
    >>> from rsatoolbox.rdm import RDMs
    >>> from rsatoolbox_topo import rank_normalize
    >>> rdm = RDMs(np.array([[0.1, 0.7, 0.3, 2.0, 5.0, 0.7]]))
    >>> rank_normalize(rdm).dissimilarities.round(2)
    array([[0. , 0.5, 0.2, 0.8, 1. , 0.5]])
    """
    vectors = _float_vectors(rdms)
    out = np.empty(vectors.shape, dtype=vectors.dtype)
    degenerate = np.zeros(len(vectors), dtype=bool)
    for rows in _row_chunks(vectors):
        data = _ranking.sorted_ranks(vectors[rows])
        out[rows] = data.ranks
        degenerate[rows] = data.degenerate
    _warn_degenerate(degenerate, "their rank RDM is 0.5 everywhere.")
    return _new_rdms(rdms, out, "rank_normalize")


def rgtm(rdms, lower=0.2, upper=0.8, *, normalize="rank",
         thresholds="quantile", shape="linear"):
    """Representational geo-topological matrices (RGTM) of RDMs.

    Each RDM's dissimilarities ``d`` are first normalised (by default to
    ranks scaled to [0, 1], ``r``), then thresholded at ``t_l`` and ``t_u``::

        GT(d) = clip((r - t_l) / (t_u - t_l), 0, 1)

    Pairs at or below ``t_l`` become 0 (same neighbourhood), pairs at or
    above ``t_u`` become 1 (far, distance unknown), and pairs in between are
    scaled linearly. By default ``t_l`` and ``t_u`` are the ``lower`` and
    ``upper`` quantiles of that RDM's own rank-normalised dissimilarities
    (numpy's 'linear' quantile), so that ``t_l = lower`` and ``t_u = upper``
    whenever there are no ties.

    Parameters
    ----------
    rdms : rsatoolbox.rdm.RDMs
        One or more RDMs with at least 3 conditions.
    lower, upper : float
        The thresholds, ``lower <= upper``; in [0, 1] unless
        ``thresholds='value'`` and ``normalize='none'``. ``(0, 1)`` gives
        the rank RDM, ``lower == upper`` the binary matrix: 0 for pairs at
        or below the threshold (neighbours), 1 above it.
    normalize : {'rank', 'minmax', 'none'}
        How the dissimilarities are normalised before thresholding:
        ranks scaled to [0, 1] (the paper's choice, invariant to increasing
        transforms), min-max scaling to [0, 1], or none. Without ranks
        the invariance to increasing transforms is lost; negative
        dissimilarities (crossvalidated distances) are handled like any
        other value: below ``t_l`` they become 0.
    thresholds : {'quantile', 'value'}
        Whether ``lower`` and ``upper`` are quantiles of each RDM's
        normalised dissimilarities or values on the normalised scale
        (with ``normalize='none'``, values of the dissimilarities
        themselves). The two agree for rank-normalised RDMs without ties;
        with ties (e.g. conditions duplicated by a bootstrap) 'quantile'
        takes the quantiles of the tied ranks.
    shape : {'linear', 'sigmoid'}
        'linear' is the GT transform above. 'sigmoid' is the smooth variant
        of the authors' code, ``1 / (1 + exp(-10 (r - (t_l + t_u) / 2)))``;
        with the default thresholds it is their ``sigmoid(10 (r - 0.5))``.

    Returns
    -------
    rsatoolbox.rdm.RDMs
        New RDMs with values in [0, 1]; NaN entries stay NaN. The
        thresholds applied are recorded in ``dissimilarity_measure``.

    See Also
    --------
    rank_normalize : the ``(0, 1)`` member of the family.
    rgdm : geodesic distances over the neighbourhood graph of an RGTM.
    regime : name of the regime of ``(lower, upper)``.

    Examples
    --------
    The worked example of the method: six dissimilarities, paper thresholds.

    >>> import numpy as np
    >>> from rsatoolbox.rdm import RDMs
    >>> from rsatoolbox_topo import rgtm
    >>> rdm = RDMs(np.array([[0., 1., 2., 3., 4., 5.]]))
    >>> rgtm(rdm, 0.2, 0.8).dissimilarities.round(3)
    array([[0.   , 0.   , 0.333, 0.667, 1.   , 1.   ]])
    """
    lower, upper = _check_rgtm_params(lower, upper, normalize, thresholds,
                                      shape)
    vectors = _float_vectors(rdms)
    out = np.empty(vectors.shape, dtype=vectors.dtype)
    degenerate = np.zeros(len(vectors), dtype=bool)
    for rows in _row_chunks(vectors):
        data = _normalized(vectors[rows], normalize)
        out[rows] = _ranking.gt_from_normalized(data, lower, upper, thresholds,
                                        shape)[0]
        degenerate[rows] = data.degenerate
    if thresholds == "quantile":
        _warn_degenerate(degenerate, "their RGTM is 0.5 everywhere.")
    label = (f"rgtm(lower={lower:g}, upper={upper:g}, normalize='{normalize}', "
             f"thresholds='{thresholds}', shape='{shape}')")
    return _new_rdms(rdms, out, label)


def rgdm(rdms, lower=None, upper=None, *, graph="two-step", p=None, k=None,
         weights="rgtm", zero_edges="keep", disconnected="max", rank=True,
         normalize="rank", n_jobs=1):
    """Representational geodesic distance matrices (RGDM) of RDMs.

    The conditions of each RDM are the nodes of a weighted neighbourhood
    graph; the RGDM holds the lengths of the shortest paths between them.
    Ranks are taken per RDM, so one RDM's result never depends on another.

    Graphs (``graph``):

    * ``'two-step'`` (default, the paper's main variant): compute the RGTM
      with ``(lower, upper)``; pairs whose RGTM is below 1 (below ``t_u``)
      are edges, weighted by their RGTM value (``weights='rgtm'``) or by
      their rank-normalised dissimilarity (``weights='rank'``, an
      Isomap-style variant).
    * ``'p-shortest'``: the pairs whose rank-normalised dissimilarity is at
      or below its ``p``-quantile, weighted by it.
    * ``'k-nearest'`` / ``'p-nearest'``: each condition's ``k`` (or
      ``round(p * n_cond)``, at least 1) nearest neighbours, made symmetric
      by union as in Isomap, weighted by the rank-normalised dissimilarity.

    An edge of weight 0 is an edge: its two conditions are at geodesic
    distance 0. This is why the lower threshold of the two-step graph
    should stay at 0 (the default): with ``lower > 0`` every pair below
    ``t_l`` is a zero-weight edge, and as soon as those pairs connect all
    conditions, every geodesic is 0 and the RGDM carries no information
    (a :class:`CollapsedStatisticWarning` says so, as soon as more than
    half of the geodesics of an RDM are 0). On the package's simulated
    network layers, layer identification falls from 0.43 at ``lower=0`` to
    0.18 at ``lower=0.2`` (chance 0.10) for this reason (the package's own
    measurement, see the statistics user guide).

    Parameters
    ----------
    rdms : rsatoolbox.rdm.RDMs
        One or more RDMs with at least 3 conditions.
    lower, upper : float | None
        Thresholds of the two-step graph, as in :func:`rgtm`; default
        ``lower=0.0`` and ``upper=0.5`` (the closest half of the pairs are
        edges). Only used by the two-step graph.
    graph : {'two-step', 'p-shortest', 'k-nearest', 'p-nearest'}
        The neighbourhood graph.
    p : float | None
        Fraction in (0, 1] for 'p-shortest' (default 0.5) and 'p-nearest'
        (default 0.1).
    k : int | None
        Number of neighbours for 'k-nearest' (default 5).
    weights : {'rgtm', 'rank'}
        Edge weights of the two-step graph: the RGTM value (default) or the
        rank-normalised dissimilarity (Isomap-style).
    zero_edges : {'keep', 'drop'}
        'keep' (default) treats zero-weight edges as edges. 'drop' removes
        them, as the authors' released code does (it builds a networkx
        graph from a dense matrix, in which 0 means no edge); use it only
        to reproduce their numbers (for the two-step and p-shortest graphs
        only: their k-nearest and p-nearest graphs use other neighbour
        rules, see the user guide): it is a different statistic, in which
        the closest pairs may end up far apart.
    disconnected : 'max' | float
        Geodesic assigned to pairs in different connected components
        (before the final ranking): 'max' (default) is 1 plus the largest
        finite geodesic of the same RDM, so disconnected pairs are farther
        than all connected ones; a float is used as given (``np.inf``
        keeps infinite distances). A :class:`DisconnectedGraphWarning`
        reports such RDMs.
    rank : bool
        Rank-normalise the geodesics at the end (default). Without it the
        geodesics satisfy the triangle inequality and never exceed the
        direct edge weight.
    normalize : {'rank', 'minmax', 'none'}
        Normalisation of the dissimilarities before the graph is built,
        as in :func:`rgtm`. With ``'none'``, negative dissimilarities
        (crossvalidated distances) are allowed only where they are not edge
        weights: the two-step graph with ``weights='rgtm'`` (clipped to
        [0, 1]); the other graphs raise a ``ValueError`` for them, since
        shortest paths are undefined with negative edges.
    n_jobs : int
        Number of threads working on blocks of RDMs (joblib; -1 for all
        cores). The result does not depend on it.

    Returns
    -------
    rsatoolbox.rdm.RDMs
        New RDMs; NaN entries of the input stay NaN (they are not edges).

    Examples
    --------
    Three conditions in a row: the far pair is reached through the middle.

    >>> import numpy as np
    >>> from rsatoolbox.rdm import RDMs
    >>> from rsatoolbox_topo import rgdm
    >>> rdm = RDMs(np.array([[1.0, 5.0, 2.0]]))  # pairs (0,1), (0,2), (1,2)
    >>> rgdm(rdm, graph="k-nearest", k=1, rank=False,
    ...      normalize="none").dissimilarities
    array([[1., 3., 2.]])
    """
    disconnected = _check_rgdm_params(lower, upper, graph, p, k, weights,
                                      zero_edges, disconnected, rank,
                                      normalize, n_jobs)
    vectors = _float_vectors(rdms)
    n_cond = rdms.n_cond
    if graph == "two-step":
        lower = 0.0 if lower is None else lower
        upper = 0.5 if upper is None else upper
        lower, upper = _check_thresholds(lower, upper, "quantile", normalize)
        label = (f"rgdm(graph='two-step', lower={lower:g}, upper={upper:g}, "
                 f"weights='{weights}'")
    elif graph == "p-shortest":
        p = 0.5 if p is None else p
        label = f"rgdm(graph='p-shortest', p={p:g}"
    elif graph == "p-nearest":
        p = 0.1 if p is None else p
        k = min(max(1, int(round(p * n_cond))), n_cond - 1)
        label = f"rgdm(graph='p-nearest', p={p:g}"
    else:
        k = 5 if k is None else k
        if k > n_cond - 1:
            raise ValueError(
                "The 'k' parameter must be smaller than the number of "
                f"conditions ({n_cond}). Got {k!r} instead.")
        label = f"rgdm(graph='k-nearest', k={k}"
    label += (f", zero_edges='{zero_edges}', disconnected={disconnected!r}, "
              f"rank={bool(rank)}, normalize='{normalize}')")
    params = dict(graph=graph, lower=lower, upper=upper, p=p, k=k,
                  weights=weights, zero_edges=zero_edges, normalize=normalize)
    _check_edge_signs(vectors, graph, weights, normalize)

    # Blocks of RDMs, each returned by its task (no shared writes, so any
    # joblib backend, threads or dask workers, gives the same numbers).
    bounds = chunk_bounds(len(vectors), n_jobs, max_size=_row_step(vectors))
    blocks = run_tasks(_rgdm_block, [(vectors[a:b], n_cond, params,
                                      disconnected, rank)
                                     for a, b in bounds],
                       n_jobs=n_jobs, prefer="threads")
    if blocks:
        out = np.concatenate([b[0] for b in blocks]).astype(vectors.dtype,
                                                            copy=False)
        flags = np.concatenate([b[1] for b in blocks], axis=1)
        zero_frac = np.concatenate([b[2] for b in blocks])
    else:
        out = np.empty(vectors.shape, dtype=vectors.dtype)
        flags = np.zeros((3, 0), dtype=bool)
        zero_frac = np.zeros(0)

    _warn_degenerate(flags[0], "their RGDM cannot separate any pair.")
    _warn_collapse(flags[1] & ~flags[0],
                   (zero_frac > _COLLAPSE_FRACTION) & ~flags[0],
                   lower if graph == "two-step" else None)
    if np.any(flags[2]):
        idx = np.flatnonzero(flags[2])
        _warn_rows(DisconnectedGraphWarning(
            f"The neighbourhood graph of {len(idx)} RDM(s) (index "
            f"{_short_list(idx)}) is disconnected; pairs in different "
            f"components get disconnected={disconnected!r}. Raise 'upper', "
            "'p' or 'k' for a connected graph."), idx, stacklevel=3)
    return _new_rdms(rdms, out, label)


def _rgdm_block(vectors, n_cond, params, disconnected, rank):
    """RGDM of a block of RDM vectors, with its flags.

    Returns the geodesics (ranked if ``rank``), flags (3, n): degenerate
    input, collapsed (constant) geodesics, unreachable pairs; and the
    fraction of zero geodesics per RDM.
    """
    geo_vec, degenerate = _geodesic_vectors(vectors, n_cond, **params)
    flags = np.zeros((3, len(vectors)), dtype=bool)
    flags[0] = degenerate
    zero_frac = _zero_fraction(geo_vec)
    flags[1] = _spread(geo_vec) == 0
    unreachable = np.isinf(geo_vec)
    flags[2] = unreachable.any(axis=1)
    if disconnected == "max" and np.any(unreachable):
        finite = np.where(np.isfinite(geo_vec), geo_vec, -np.inf)
        fill = np.max(finite, axis=1, keepdims=True)
        fill = np.where(np.isfinite(fill), fill, 0.0) + 1.0
        geo_vec = np.where(unreachable, fill, geo_vec)
    elif np.any(unreachable):
        geo_vec[unreachable] = disconnected
    if rank:
        geo_vec = _ranking.sorted_ranks(_tie_equal_sums(geo_vec)).ranks
    return geo_vec, flags, zero_frac


def _geodesic_vectors(vectors, n_cond, graph, lower, upper, p, k, weights,
                      zero_edges, normalize):
    """Unranked geodesics (inf between components) of a chunk of RDMs."""
    data = _normalized(vectors, normalize)
    if graph == "two-step":
        gt, _, _ = _ranking.gt_from_normalized(data, lower, upper, "quantile",
                                       "linear")
        edge = gt < 1.0
        weight = gt if weights == "rgtm" else data.ranks
    elif graph == "p-shortest":
        cut = _ranking.quantiles(data, p)[:, None]
        edge = data.ranks <= cut
        weight = data.ranks
    else:
        mask = knn_mask(_square_stack(data.ranks), k)
        iu = np.triu_indices(n_cond, 1)
        edge = mask[:, iu[0], iu[1]]
        weight = data.ranks
    missing = np.isnan(vectors)
    edge = edge & ~missing
    if zero_edges == "drop":
        edge &= weight != 0
    edge_weights = np.where(edge, weight, np.inf).astype(np.float64)
    geo = geodesic_distances(_square_stack(edge_weights, fill=np.inf))
    iu = np.triu_indices(n_cond, 1)
    geo_vec = geo[:, iu[0], iu[1]]
    geo_vec[missing] = np.nan
    return geo_vec, data.degenerate


def _check_edge_signs(vectors, graph, weights, normalize):
    """Refuse negative edge weights before any shortest path runs.

    Edge weights are the normalised dissimilarities except for the two-step
    graph with RGTM weights (clipped to [0, 1]). Only ``normalize='none'``
    keeps negative dissimilarities (e.g. crossvalidated distances), and a
    negative dissimilarity is always an edge of these graphs (it is among
    the smallest), so any negative value gives a negative edge.
    """
    if normalize != "none" or (graph == "two-step" and weights == "rgtm"):
        return
    with np.errstate(invalid="ignore"):
        negative = np.any(vectors < 0, axis=1)
    if np.any(negative):
        what = ("graph='two-step' with weights='rank'"
                if graph == "two-step" else f"graph={graph!r}")
        raise ValueError(
            f"The neighbourhood graph of {int(negative.sum())} RDM(s) (index "
            f"{_short_list(np.flatnonzero(negative))}) has negative edge "
            f"weights: with normalize='none' and {what} the edges are "
            "weighted by the dissimilarities themselves, and these RDMs have "
            "negative dissimilarities (e.g. crossvalidated distances). "
            "Shortest paths are undefined with negative edges. Use the "
            "default normalize='rank' (or 'minmax'), the two-step graph with "
            "weights='rgtm', or shift the dissimilarities to be >= 0.")


def _check_disconnected(value):
    """'max', or a float >= 0 (np.inf included)."""
    if isinstance(value, str) and value == "max":
        return value
    if isinstance(value, (int, float, np.floating, np.integer)) \
            and not isinstance(value, bool) and not np.isnan(value) \
            and value >= 0:
        return float(value)
    raise ValueError(
        "Invalid value for the 'disconnected' parameter. Allowed values are "
        f"'max' or a number >= 0 (np.inf included), but got {value!r} "
        "instead.")


def _check_graph_params(graph, lower, upper, p, k, weights):
    def unused(name, value, used_by):
        if value is not None:
            raise ValueError(
                f"The '{name}' parameter is only used with graph={used_by}. "
                f"Got {name}={value!r} with graph={graph!r}.")

    if graph != "two-step":
        unused("lower", lower, "'two-step'")
        unused("upper", upper, "'two-step'")
        if weights != "rgtm":
            raise ValueError(
                "The 'weights' parameter only applies to graph='two-step'; "
                f"got weights={weights!r} with graph={graph!r}.")
    if graph in ("p-shortest", "p-nearest"):
        if p is not None:
            check_real("p", p, 0.0, 1.0)
            if p <= 0:
                raise ValueError("The 'p' parameter must be a float in "
                                 f"(0, 1]. Got {p!r} instead.")
    else:
        unused("p", p, "'p-shortest' or 'p-nearest'")
    if graph == "k-nearest":
        if k is not None:
            check_int("k", k, 1)
    else:
        unused("k", k, "'k-nearest'")


def _square_stack(vectors, fill=0.0):
    n_cond = int(round((1 + np.sqrt(1 + 8 * vectors.shape[1])) / 2))
    square = np.full((len(vectors), n_cond, n_cond), fill,
                     dtype=np.float64)
    iu = np.triu_indices(n_cond, 1)
    square[:, iu[0], iu[1]] = vectors
    square[:, iu[1], iu[0]] = vectors
    return square


def _tie_equal_sums(geo_vec):
    """Round geodesics to 1e-12 of each RDM's largest one before ranking.

    Path lengths that are equal in exact arithmetic can differ in the last
    bits when summed in another order (e.g. after relabelling the
    conditions); without rounding, the final ranks would depend on that.
    """
    finite = np.where(np.isfinite(geo_vec), np.abs(geo_vec), 0.0)
    scale = np.max(finite, axis=1, keepdims=True)
    scale = np.where(scale > 0, scale, 1.0) * 1e-12
    with np.errstate(invalid="ignore"):
        return np.where(np.isfinite(geo_vec),
                        np.round(geo_vec / scale) * scale, geo_vec)


def _zero_fraction(geo_vec):
    valid = ~np.isnan(geo_vec)
    return (geo_vec == 0).sum(axis=1) / np.maximum(valid.sum(axis=1), 1)


def _spread(geo_vec):
    finite = np.where(np.isfinite(geo_vec), geo_vec, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmax(finite, axis=1) - np.nanmin(finite, axis=1)


def _warn_collapse(full, most, lower=None):
    """Warn when most geodesics of an RDM are 0 (zero edges connect them).

    The advice depends on the case: with ``lower > 0`` the lower threshold
    makes the zero edges; with ``lower = 0`` (or another graph) only pairs
    tied at the RDM's smallest dissimilarity do, which lowering nothing
    can fix.
    """
    if np.any(most | full):
        rows = np.flatnonzero(most | full)
        if lower is not None and lower > 0:
            advice = ("the zero-weight edges (pairs at or below the lower "
                      f"threshold {lower:g}) connect the conditions. Use "
                      "lower=0 for the two-step RGDM.")
        else:
            advice = ("many pairs are tied at the RDM's smallest "
                      "dissimilarity (e.g. a categorical model RDM, or "
                      "conditions duplicated by a resampling), and these "
                      "zero-weight edges connect the conditions. With "
                      "lower=0 already, no threshold fixes this: the RGDM "
                      "of such an RDM carries little information.")
        _warn_rows(CollapsedStatisticWarning(
            f"The RGDM of {len(rows)} RDM(s) (index {_short_list(rows)}) has "
            f"collapsed: {int(full.sum())} give every pair the same geodesic "
            f"and {int(most.sum())} have more than "
            f"{_COLLAPSE_FRACTION:.0%} of their pairs at geodesic 0, because "
            + advice), rows)


def regime(lower, upper):
    """Name the regime of the (lower, upper) threshold triangle.

    Following Lin & Kriegeskorte (2024), with a tolerance of 1e-3:

    * ``'local extractor'``: ``(lower + upper) / 2 <= 0.2``;
    * ``'global extractor'``: ``(lower + upper) / 2 >= 0.8``;
    * ``'geometry sensitive'``: ``upper - lower >= 0.8``;
    * ``'topology sensitive'``: ``lower >= 0.4`` and ``upper <= 0.6``;
    * ``'intermediate'``: everything else.

    The conditions do not overlap inside the triangle
    ``0 <= lower <= upper <= 1``.

    Parameters
    ----------
    lower, upper : float
        Quantile thresholds with ``0 <= lower <= upper <= 1``.

    Returns
    -------
    str
        One of :data:`REGIMES`.

    Examples
    --------
    >>> from rsatoolbox_topo import regime
    >>> regime(0.0, 1.0), regime(0.5, 0.5), regime(0.2, 0.8)
    ('geometry sensitive', 'topology sensitive', 'intermediate')
    """
    lower, upper = _check_thresholds(lower, upper, "quantile", "rank")
    tol = 1e-3
    mid = (lower + upper) / 2
    if mid <= 0.2 + tol:
        return "local extractor"
    if mid >= 0.8 - tol:
        return "global extractor"
    if upper - lower >= 0.8 - tol:
        return "geometry sensitive"
    if lower >= 0.4 - tol and upper <= 0.6 + tol:
        return "topology sensitive"
    return "intermediate"



# ---------------------------------------------------------- the statistic type
class TopoStatistic:
    """A tRSA statistic with fixed parameters, applied to RDMs.

    The one statistic type of the package: every function that takes a
    ``statistic`` (identification, inference, models, the time course, the
    searchlight, the command line) turns what it is given into one of these
    with :func:`as_statistic`.

    Parameters
    ----------
    name : {'rgtm', 'rank_normalize', 'rgdm'}
        The statistic of :mod:`rsatoolbox_topo.statistics`.
    **params
        Its keyword arguments (e.g. ``lower=0.2, upper=0.8``). Names and
        values that can be checked without data are checked now; checks that
        depend on the data (``k`` below the number of conditions) run when
        the statistic is applied.

    Attributes
    ----------
    rgtm_cell : tuple of float | None
        ``(lower, upper)`` when the statistic is a plain RGTM (rank
        normalisation, quantile thresholds, linear shape; the rank RDM is the
        cell ``(0, 1)``), for which the engines have exact fast paths; None
        otherwise.

    Examples
    --------
    >>> import numpy as np
    >>> from rsatoolbox.rdm import RDMs
    >>> from rsatoolbox_topo.statistics import TopoStatistic
    >>> stat = TopoStatistic("rgtm", lower=0.2, upper=0.8)
    >>> stat
    TopoStatistic('rgtm', lower=0.2, upper=0.8)
    >>> stat.rgtm_cell
    (0.2, 0.8)
    >>> stat(RDMs(np.array([[0., 1., 2., 3., 4., 5.]]))).dissimilarities.round(3)
    array([[0.   , 0.   , 0.333, 0.667, 1.   , 1.   ]])
    """

    def __init__(self, name="rgtm", **params):
        check_option("name", name, tuple(_STATISTICS))
        self.name = name
        self.params = dict(params)
        self._bound = _bind_params(name, self.params)

    def __call__(self, rdms):
        """Apply the statistic to every RDM of ``rdms``.

        Parameters
        ----------
        rdms : rsatoolbox.rdm.RDMs
            The RDMs (not changed).

        Returns
        -------
        rsatoolbox.rdm.RDMs
            New RDMs.
        """
        return _STATISTICS[self.name](rdms, **self.params)

    @property
    def rgtm_cell(self):
        """``(lower, upper)`` of a plain RGTM, else None (see the class)."""
        if self.name == "rank_normalize":
            return 0.0, 1.0
        if self.name != "rgtm":
            return None
        b = self._bound
        if (b["normalize"], b["thresholds"], b["shape"]) != \
                ("rank", "quantile", "linear"):
            return None
        return float(b["lower"]), float(b["upper"])

    @property
    def label(self):
        """A short name for tables: ``'rgtm(lower=0.5, upper=0.5)'``, or
        ``'rank_normalize'`` without parameters."""
        if not self.params:
            return self.name
        args = ", ".join(f"{k}={v:g}" if isinstance(v, float) else
                         f"{k}={v!r}" for k, v in self.params.items())
        return f"{self.name}({args})"

    def __repr__(self):
        args = "".join(f", {k}={v!r}" for k, v in self.params.items())
        return f"TopoStatistic({self.name!r}{args})"

    def __eq__(self, other):
        return (isinstance(other, TopoStatistic) and self.name == other.name
                and self._bound == other._bound)

    def __hash__(self):
        return hash((self.name, tuple(sorted(
            (k, repr(v)) for k, v in self._bound.items()))))

    def to_dict(self):
        """The statistic as a dict of strings and numbers.

        Returns
        -------
        dict
            ``{'name': ..., 'params': {...}}``, writable to JSON, hdf5 and
            pickle; :func:`as_statistic` and :meth:`from_dict` read it back.
        """
        return {"name": self.name, "params": dict(self.params)}

    @classmethod
    def from_dict(cls, spec):
        """Rebuild a statistic from :meth:`to_dict` output.

        Parameters
        ----------
        spec : dict
            ``{'name': ..., 'params': {...}}`` (values read back from hdf5
            are accepted).

        Returns
        -------
        TopoStatistic
        """
        if not isinstance(spec, dict) or "name" not in spec or \
                not set(spec) <= {"name", "params"}:
            raise ValueError(
                "A statistic given as a dict must be {'name': ..., "
                f"'params': {{...}}}} (as TopoStatistic.to_dict writes). Got "
                f"{spec!r} instead.")
        params = {k: plain_value(v)
                  for k, v in dict(spec.get("params") or {}).items()}
        return cls(str(plain_value(spec["name"])), **params)


_STATISTICS = {"rank_normalize": rank_normalize, "rgtm": rgtm, "rgdm": rgdm}
# The checks of each statistic that need no data, keyword -> checked.
_PARAM_CHECKS = {
    "rank_normalize": lambda: None,
    "rgtm": _check_rgtm_params,
    "rgdm": _check_rgdm_params,
}


def _bind_params(name, params):
    """All parameters of statistic ``name`` (defaults filled in), checked."""
    func = _STATISTICS[name]
    signature = inspect.signature(func)
    try:
        bound = signature.bind(None, **params)
    except TypeError:
        allowed = list(signature.parameters)[1:]
        unknown = sorted(set(params) - set(allowed))
        raise ValueError(
            f"Invalid parameter(s) {unknown} for the statistic {name!r}. "
            f"Allowed parameters are {allowed}.") from None
    bound.apply_defaults()
    values = dict(list(bound.arguments.items())[1:])
    _PARAM_CHECKS[name](**values)
    return values


def as_statistic(statistic):
    """Turn any spelling of a statistic into the one statistic type.

    Accepted spellings:

    * ``None`` (no statistic: the RDMs as they are), returned as None;
    * a :class:`TopoStatistic`, returned as is;
    * a name, ``'rgtm'``, ``'rank_normalize'`` or ``'rgdm'`` (the
      statistic's defaults);
    * the dict :meth:`TopoStatistic.to_dict` writes,
      ``{'name': 'rgtm', 'params': {'lower': 0.2, 'upper': 0.8}}``;
    * the functions :func:`rgtm`, :func:`rank_normalize`, :func:`rgdm`
      themselves, or a :func:`functools.partial` of one of them with keyword
      arguments (e.g. ``partial(rgtm, lower=0.5, upper=0.5)``);
    * any other callable mapping RDMs to RDMs, returned unchanged (the
      engines then build resampled RDMs and call it; it cannot be saved).

    Parameters
    ----------
    statistic : TopoStatistic | str | dict | callable | None
        The statistic.

    Returns
    -------
    TopoStatistic | callable | None

    Examples
    --------
    >>> from functools import partial
    >>> from rsatoolbox_topo.statistics import as_statistic, rgtm
    >>> as_statistic("rank_normalize")
    TopoStatistic('rank_normalize')
    >>> as_statistic(partial(rgtm, lower=0.5, upper=0.5)).rgtm_cell
    (0.5, 0.5)
    >>> as_statistic({"name": "rgtm", "params": {"lower": 0.1, "upper": 0.6}})
    TopoStatistic('rgtm', lower=0.1, upper=0.6)
    """
    if statistic is None or isinstance(statistic, TopoStatistic):
        return statistic
    if isinstance(statistic, str):
        check_option("statistic", statistic, tuple(_STATISTICS))
        return TopoStatistic(statistic)
    if isinstance(statistic, dict):
        return TopoStatistic.from_dict(statistic)
    for name, func in _STATISTICS.items():
        if statistic is func:
            return TopoStatistic(name)
        if isinstance(statistic, functools.partial) and \
                statistic.func is func and not statistic.args:
            return TopoStatistic(name, **statistic.keywords)
    if callable(statistic):
        return statistic
    raise TypeError(
        "The 'statistic' parameter must be None, a TopoStatistic, one of "
        f"{list(_STATISTICS)}, a dict {{'name': ..., 'params': {{...}}}} or a "
        "callable mapping RDMs to RDMs. Got "
        f"{type(statistic).__name__} instead.")


def statistic_label(statistic, none="none"):
    """A short name of a statistic in any spelling, for tables and messages.

    Parameters
    ----------
    statistic : TopoStatistic | str | dict | callable | None
        Any spelling :func:`as_statistic` accepts.
    none : str | None
        What to return for None (no statistic: the RDM itself).

    Returns
    -------
    str | None
        ``TopoStatistic.label`` (``'rgtm(lower=0.5, upper=0.5)'``), a
        partial's function with its arguments, or a callable's name.

    Examples
    --------
    >>> from rsatoolbox_topo.statistics import statistic_label
    >>> statistic_label({"name": "rgtm", "params": {"lower": 0.5,
    ...                                              "upper": 0.5}})
    'rgtm(lower=0.5, upper=0.5)'
    >>> statistic_label(None, none="RDM")
    'RDM'
    """
    statistic = as_statistic(statistic)
    if statistic is None:
        return none
    if isinstance(statistic, TopoStatistic):
        return statistic.label
    if isinstance(statistic, functools.partial):
        args = [repr(a) for a in statistic.args]
        args += [f"{k}={v!r}" for k, v in statistic.keywords.items()]
        return f"{statistic_label(statistic.func)}({', '.join(args)})"
    return getattr(statistic, "__name__", repr(statistic))
