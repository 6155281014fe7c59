"""Array engines behind :mod:`rsatoolbox_topo.identification`.

Two engines compute leave-one-individual-out nearest-centroid credits:

* :func:`loo_credit` (exact): float64, explicit differences to every
  leave-out centroid. It is the reference of the package: ``identify`` uses
  it, and the fast engine falls back to it wherever a decision is close.
* :func:`cells_credit` (fast): many (lower, upper) RGTM cells on one
  bootstrap sample. Written by hand because no library does leave-one-out
  nearest centroid on weighted, resampled data without refitting: ranks are
  taken once per sample (they do not depend on the thresholds), each cell
  is one clip transform in float32, and the squared distances to every
  leave-out centroid follow from two BLAS products (``X @ S.T`` and the
  within-individual Gram matrices) instead of a refit per fold.

A bootstrap sample is described without building resampled RDMs:

* ``m``: how often each individual was drawn (all its RDMs come along; an
  individual drawn ``m_s`` times is held out ``m_s`` times, and all copies
  leave the training set each time);
* ``w``: the multiplicity of each original pair of conditions, ``c_i c_j``
  for condition draw counts ``c`` (a pair made of one condition drawn twice
  is dropped). Ranks and quantiles of a resampled RDM are the weighted ranks
  and quantiles (:mod:`rsatoolbox_topo._ranking`), and the squared Euclidean
  distance between resampled vectors is ``sum_p w_p (x_p - y_p) ** 2``.
"""

import numpy as np

from . import _ranking
from .statistics import _gt_from_normalized

# Relative tolerance under which two squared distances count as tied in
# the exact engine: only rounding differences, never real differences.
_TIE_RTOL = 1e-12
# Relative gap under which the fast float32 engine does not trust its own
# decision and recomputes the row in float64.
_CHECK_RTOL = 1e-4


def pair_index(n_cond):
    """Square matrix of condensed-vector positions of the pairs (i, j)."""
    index = np.full((n_cond, n_cond), -1, dtype=np.intp)
    iu = np.triu_indices(n_cond, 1)
    index[iu] = np.arange(len(iu[0]))
    index[iu[1], iu[0]] = index[iu]
    return index


def pair_weights(counts):
    """Multiplicities ``c_i c_j`` (i < j) of the original pairs."""
    counts = np.asarray(counts, dtype=np.float64)
    iu = np.triu_indices(len(counts), 1)
    return counts[iu[0]] * counts[iu[1]]


def resample_vectors(vectors, draws):
    """Literal resampled RDM vectors: conditions ``draws`` (with repeats).

    Pairs made of one condition drawn twice are NaN (dropped).
    """
    n_cond = len(draws)
    index = pair_index(n_cond)
    iu = np.triu_indices(n_cond, 1)
    a, b = draws[iu[0]], draws[iu[1]]
    same = a == b
    cols = index[a, b]
    cols[same] = 0
    out = vectors[..., cols].astype(np.float64)
    out[..., same] = np.nan
    return out


def draw_samples(rng, n_ind, n_cond, n_bootstrap):
    """Draw all bootstrap samples up front (identical whatever ``n_jobs``).

    Returns individual multiplicities ``(n_bootstrap, n_ind)`` and condition
    draws ``(n_bootstrap, n_cond)``. A sample with fewer than two distinct
    individuals (no leave-one-out possible) or fewer than three distinct
    conditions (no two pairs to rank) is redrawn.
    """
    mult = np.zeros((n_bootstrap, n_ind), dtype=np.int64)
    draws = np.zeros((n_bootstrap, n_cond), dtype=np.intp)
    for b in range(n_bootstrap):
        while True:
            ind = rng.integers(0, n_ind, n_ind)
            if len(np.unique(ind)) >= 2:
                break
        while True:
            cond = rng.integers(0, n_cond, n_cond)
            if len(np.unique(cond)) >= 3:
                break
        mult[b] = np.bincount(ind, minlength=n_ind)
        draws[b] = np.sort(cond)
    return mult, draws


def _tied(values, best, higher):
    """Mask of candidates tied with the best one (exact up to rounding)."""
    scale = np.maximum(np.abs(best), 1e-300)
    if higher:
        return values >= best - _TIE_RTOL * scale
    return values <= best + _TIE_RTOL * scale


def credit_from_tied(tied, ties):
    """Credit of each candidate class for one held-out RDM per row."""
    n_tied = tied.sum(axis=-1, keepdims=True)
    if ties == "split":
        return tied / n_tied
    return np.where(n_tied == 1, tied, 0.0).astype(np.float64)


def loo_credit(T, w, m, method="euclidean", ties="split", compare=None):
    """Exact leave-one-individual-out nearest-centroid assignment.

    Parameters
    ----------
    T : ndarray, shape (n_ind, n_class, n_pairs)
        Transformed RDM vectors (float64); entries with ``w == 0`` ignored.
    w : ndarray, shape (n_pairs,)
        Pair weights (multiplicities); 0 drops a pair.
    m : ndarray, shape (n_ind,)
        Individual multiplicities; 0 leaves an individual out entirely.
    method : str
        'euclidean' or an rsatoolbox comparator name (similarity, higher is
        closer; needs 0/1 weights).
    compare : callable | None
        ``compare(a, b, method)`` returning similarities (rsatoolbox's).

    Returns
    -------
    credit : ndarray, shape (n_ind, n_class, n_class)
        Credit given to each candidate class (last axis) for one copy of
        each held-out RDM; zeros for individuals with ``m == 0``.
    dist : ndarray, shape (n_ind, n_class, n_class)
        Distances (Euclidean) or similarities to the leave-out centroids;
        NaN for individuals with ``m == 0``.
    n_tied : ndarray of int, shape (n_ind, n_class)
        Size of the set of nearest centroids.
    """
    n_ind, n_class, _ = T.shape
    keep = w > 0
    Tk = np.where(keep, T, 0.0)
    m = np.asarray(m, dtype=np.float64)
    credit = np.zeros((n_ind, n_class, n_class))
    dist = np.full((n_ind, n_class, n_class), np.nan)
    n_tied = np.zeros((n_ind, n_class), dtype=np.int64)
    higher = method != "euclidean"
    for s in np.flatnonzero(m > 0):
        train = m.copy()
        train[s] = 0.0
        # An explicit sum over individuals (not BLAS) so that identical
        # inputs give bitwise identical centroids and exact ties stay ties.
        centroid = np.zeros(Tk.shape[1:])
        for t in np.flatnonzero(train > 0):
            centroid += train[t] * Tk[t]
        centroid /= train.sum()
        if higher:
            a = np.where(keep, Tk[s], np.nan)
            b = np.where(keep, centroid, np.nan)
            d = np.asarray(compare(a, b, method), dtype=np.float64)
            best = np.nanmax(d, axis=1, keepdims=True)
        else:
            diff = Tk[s][:, None, :] - centroid[None, :, :]
            d = np.sqrt(np.einsum("ijp,p,ijp->ij", diff, w, diff))
            best = d.min(axis=1, keepdims=True)
        tied = _tied(d, best, higher)
        dist[s] = d
        n_tied[s] = tied.sum(axis=1)
        credit[s] = credit_from_tied(tied, ties)
    return credit, dist, n_tied


def transform_cells(sr, lowers, uppers):
    """float64 RGTM of sorted ranks for each cell (generator of arrays)."""
    for lower, upper in zip(lowers, uppers):
        out, _, _ = _gt_from_normalized(sr, lower, upper, "quantile",
                                        "linear")
        yield out


def cells_credit(raw, m, w, lowers, uppers, ties="split"):
    """Leave-one-out credits of many RGTM cells on one (bootstrap) sample.

    Parameters
    ----------
    raw : ndarray, shape (n_ind, n_class, n_pairs)
        Untransformed dissimilarities (NaN only where ``w == 0``).
    m : ndarray of int, shape (n_ind,)
        Individual multiplicities (at least two individuals with m > 0).
    w : ndarray, shape (n_pairs,)
        Pair multiplicities; 0 drops a pair.
    lowers, uppers : ndarray, shape (n_cells,)
        Quantile thresholds of each cell.

    Returns
    -------
    credit : ndarray, shape (n_cells, n_ind)
        Summed credit over the classes of one copy of each individual
        (0 for individuals not drawn). Accuracy of a cell is
        ``credit @ m / (m.sum() * n_class)``.
    n_ties : ndarray, shape (n_cells,)
        Held-out RDMs (copies counted) with a tie between centroids.
    """
    n_ind, n_class, n_pairs = raw.shape
    used = np.flatnonzero(m > 0)
    n_used = len(used)
    mu = m[used].astype(np.float64)
    total = mu.sum()
    w = np.asarray(w, dtype=np.float64)
    sr = _ranking.sorted_ranks(raw[used].reshape(-1, n_pairs), w)
    ranks32 = np.nan_to_num(sr.ranks, nan=0.0).astype(np.float32)
    sqrtw = np.sqrt(w).astype(np.float32)
    qcache = {}

    def quant(q):
        if q not in qcache:
            qcache[q] = _ranking.quantiles(sr, q)
        return qcache[q]

    credit = np.zeros((len(lowers), n_ind))
    n_ties = np.zeros(len(lowers))
    buf = np.empty_like(ranks32)
    bufs = buf.reshape(n_used, n_class, n_pairs)
    mu32 = mu.astype(np.float32)
    hold = (total - mu)[:, None, None]
    for k, (lower, upper) in enumerate(zip(lowers, uppers)):
        tl, tu = quant(float(lower)), quant(float(upper))
        width = tu - tl
        binary = width <= 0
        inv = 1.0 / np.where(binary, 1.0, width)
        # Values centred on 0 ((GT - 0.5) * sqrt(w)): distances are
        # unchanged by the shift and float32 products lose less precision.
        np.multiply(ranks32, inv.astype(np.float32)[:, None], out=buf)
        np.subtract(buf, (tl * inv + 0.5).astype(np.float32)[:, None],
                    out=buf)
        np.clip(buf, -0.5, 0.5, out=buf)
        if np.any(binary):
            rows = np.flatnonzero(binary)
            buf[rows] = np.where(
                ranks32[rows] > tl[rows, None].astype(np.float32), 0.5, -0.5)
        if np.any(sr.degenerate):
            # No order information: the RGTM is 0.5 everywhere (as rgtm).
            buf[sr.degenerate] = 0.0
        buf *= sqrtw
        S = mu32 @ bufs.reshape(n_used, -1)
        S = S.reshape(n_class, n_pairs)
        A = (buf @ S.T).astype(np.float64).reshape(n_used, n_class, n_class)
        G = np.matmul(bufs, bufs.transpose(0, 2, 1)).astype(np.float64)
        sq = np.diagonal(G, axis1=1, axis2=2)            # |x_{s,c}|^2
        a_own = np.diagonal(A, axis1=1, axis2=2)         # x_{s,c}.S_c
        ss = mu @ a_own                                   # |S_c|^2
        ms = mu[:, None, None]
        # x.centroid and |centroid|^2 of the centroid without individual s
        xc = (A - ms * G) / hold
        c2 = (ss[None, :] - 2 * mu[:, None] * a_own
              + mu[:, None] ** 2 * sq) / (total - mu)[:, None] ** 2
        d2 = sq[:, :, None] - 2 * xc + c2[:, None, :]
        order = np.sort(d2, axis=2)
        gap = order[:, :, 1] - order[:, :, 0]
        scale = sq + c2.max(axis=1)[:, None]
        unsure = gap <= _CHECK_RTOL * scale
        best = d2.argmin(axis=2)
        cred = (best == np.arange(n_class)[None, :]).astype(np.float64)
        if np.any(unsure):
            _recheck(bufs, mu, unsure, cred, ties, n_ties, k)
        credit[k, used] = cred.sum(axis=1)
    return credit, n_ties


def _recheck(bufs, mu, unsure, cred, ties, n_ties, k):
    """Redo close decisions in float64 with explicit differences."""
    n_used = len(mu)
    total = mu.sum()
    X = bufs.astype(np.float64)
    for s in np.flatnonzero(unsure.any(axis=1)):
        centroid = np.zeros(X.shape[1:])
        for t in range(n_used):
            if t != s:
                centroid += mu[t] * X[t]
        centroid /= total - mu[s]
        rows = np.flatnonzero(unsure[s])
        diff = X[s, rows][:, None, :] - centroid[None]
        d = np.einsum("ijp,ijp->ij", diff, diff)
        tied = _tied(d, d.min(axis=1, keepdims=True), False)
        got = credit_from_tied(tied, ties)
        cred[s, rows] = got[np.arange(len(rows)), rows]
        n_ties[k] += mu[s] * np.sum(tied.sum(axis=1) > 1)
