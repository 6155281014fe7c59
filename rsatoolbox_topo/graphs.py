"""Neighbourhood graphs over conditions and their shortest paths.

Array-level helpers behind :func:`rsatoolbox_topo.statistics.rgdm`. A graph
is a stack of square weight matrices of shape (n_graphs, n, n) in which
``np.inf`` marks a missing edge, so that an edge of weight 0 is an edge (its
two conditions are at geodesic distance 0), unlike in a dense
networkx/scipy adjacency matrix, where 0 means "no edge".
"""

import numpy as np
from scipy.sparse.csgraph import csgraph_from_dense, shortest_path

from ._validation import check_int, is_real_dtype

__all__ = ["knn_mask", "geodesic_distances"]

# Below this many conditions, a Floyd-Warshall sweep vectorised over a block
# of graphs beats one compiled scipy call per graph (the per-call overhead
# dominates for small graphs); above it, scipy's compiled Floyd-Warshall
# wins. Chosen with benchmarks/bench_rgdm.py.
_BATCH_MAX_CONDITIONS = 160
# Entries of one vectorised block of graphs: small enough to stay in cache.
_BATCH_ENTRIES = 2 ** 16


def _square_stack(name, array):
    """``array`` as a real float array of shape (n_graphs, n, n)."""
    array = np.asarray(array)
    if not is_real_dtype(array.dtype):
        raise TypeError(
            f"The '{name}' parameter must be a real (integer or float) "
            f"array. Got dtype {array.dtype} instead.")
    if array.ndim != 3 or array.shape[1] != array.shape[2]:
        raise ValueError(
            f"The '{name}' parameter must have shape (n_graphs, n, n). Got "
            f"shape {array.shape} instead.")
    return array


def knn_mask(dist, k):
    """Union-symmetric k-nearest-neighbour edges of a stack of distance matrices.

    Parameters
    ----------
    dist : ndarray, shape (n_graphs, n, n)
        Symmetric distances; NaN entries are never neighbours.
    k : int
        Number of nearest neighbours of each node (itself excluded).

    Returns
    -------
    mask : ndarray of bool, shape (n_graphs, n, n)
        True where either node is among the other's k nearest neighbours
        (the symmetrisation of Isomap). Ties at the k-th distance are broken
        by condition order (a stable sort), so that exactly k neighbours
        are chosen per node.
    """
    dist = _square_stack("dist", dist)
    n = dist.shape[-1]
    k = check_int("k", k, 1, max(n - 1, 1))
    work = np.where(np.isnan(dist), np.inf, dist)
    diag = np.arange(n)
    work[:, diag, diag] = np.inf
    nearest = np.argsort(work, axis=-1, kind="stable")[..., :k]
    mask = np.zeros(dist.shape, dtype=bool)
    np.put_along_axis(mask, nearest, True, axis=-1)
    mask &= np.isfinite(work)
    return mask | np.swapaxes(mask, -1, -2)


def geodesic_distances(weights):
    """All-pairs shortest-path lengths of a stack of weighted graphs.

    Parameters
    ----------
    weights : ndarray, shape (n_graphs, n, n)
        Symmetric edge weights >= 0, ``np.inf`` where there is no edge. The
        diagonal is ignored.

    Raises
    ------
    ValueError
        If an edge has a negative weight: shortest paths are then undefined
        (a negative edge is a negative cycle in an undirected graph), so
        this is checked before any path is computed.

    Returns
    -------
    geodesics : ndarray, shape (n_graphs, n, n), float64
        Shortest-path lengths; ``np.inf`` between conditions in different
        connected components; 0 on the diagonal.
    """
    weights = _square_stack("weights", weights).astype(np.float64,
                                                        copy=False)
    n_graphs, n, _ = weights.shape
    off_diagonal = ~np.eye(n, dtype=bool)
    negative = np.any(weights[:, off_diagonal] < 0, axis=-1)
    if np.any(negative):
        raise ValueError(
            "The 'weights' parameter has negative edge weights in "
            f"{int(negative.sum())} graph(s) (index "
            f"{np.flatnonzero(negative)[:5].tolist()}); shortest paths are "
            "undefined with negative edges (walking such an edge back and "
            "forth shortens any path without end). Use weights >= 0, "
            "np.inf for a missing edge.")
    out = np.empty_like(weights)
    if n <= _BATCH_MAX_CONDITIONS:
        block = max(1, _BATCH_ENTRIES // (n * n))
        for start in range(0, n_graphs, block):
            out[start:start + block] = _floyd_warshall_stack(
                weights[start:start + block])
        return out
    for i in range(n_graphs):
        # scipy has no batched shortest paths; one compiled call per graph.
        # csgraph_from_dense with null_value=inf keeps zero-weight edges.
        graph = csgraph_from_dense(weights[i], null_value=np.inf)
        out[i] = shortest_path(graph, method="FW", directed=False)
    return out


def _floyd_warshall_stack(weights):
    # Vectorised over the stack: numpy has no batched shortest-path routine
    # and scipy's is one graph per call.
    dist = weights.copy()
    n = dist.shape[-1]
    diag = np.arange(n)
    dist[:, diag, diag] = 0.0
    through = np.empty_like(dist)
    for k in range(n):
        np.add(dist[:, :, k, np.newaxis], dist[:, np.newaxis, k, :],
               out=through)
        np.minimum(dist, through, out=dist)
    return dist

