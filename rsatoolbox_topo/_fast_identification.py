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
# Relative gap under which float64 products are not trusted either and the
# distances are recomputed from explicit differences.
_REFINE_RTOL = 1e-9
# Columns per block in the fast engine (float32: 512 columns x a few
# hundred RDMs fit the per-core cache).
_BLOCK = 512


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


def weighted_quantiles(sr, qs):
    """'linear' quantiles ``qs`` of every row of weighted sorted ranks.

    The same numbers as :func:`rsatoolbox_topo._ranking.quantiles` (same
    formula), for many quantiles at once: one binary search per row and
    quantile instead of a pass over the data per quantile.

    Returns
    -------
    ndarray, shape (n_rows, len(qs))
    """
    qs = np.asarray(qs, dtype=np.float64)
    cum = sr.cum_weights
    n_rows, n_cols = cum.shape
    total = sr.total_weight
    top = np.maximum(total - 1.0, 0.0)[:, None]
    pos = qs[None, :] * top
    low = np.floor(pos)
    frac = pos - low
    high = np.minimum(low + 1.0, top)
    # Rows laid end to end: offsets keep the flattened cumsum sorted.
    span = float(np.max(total)) + 2.0
    offset = np.arange(n_rows)[:, None] * span
    flat = (cum + offset).ravel()
    base = np.arange(n_rows)[:, None] * n_cols
    i_low = np.searchsorted(flat, (low + offset).ravel(), "right").reshape(
        low.shape) - base
    i_high = np.searchsorted(flat, (high + offset).ravel(), "right").reshape(
        low.shape) - base
    last = np.maximum(sr.n_valid - 1, 0)[:, None]
    i_low = np.minimum(i_low, last)
    i_high = np.minimum(i_high, last)
    svals = sr.sorted_ranks
    v_low = np.take_along_axis(svals, i_low, axis=1).astype(np.float64)
    v_high = np.take_along_axis(svals, i_high, axis=1).astype(np.float64)
    out = v_low + frac * (v_high - v_low)
    out[sr.n_valid == 0] = np.nan
    return out


def cells_credit(raw, m, w, lowers, uppers, ties="split"):
    """Leave-one-out credits of many RGTM cells on one (bootstrap) sample.

    Each cell is decided in up to three stages, each exact enough for what
    it decides: float32 products (the bulk), float64 products for the
    held-out RDMs whose two nearest centroids are within 1e-4 (relative),
    and explicit float64 differences (as :func:`loo_credit`) for those
    still within 1e-9, i.e. ties.

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
    ties : {'split', 'report'}

    Returns
    -------
    credit : ndarray, shape (n_cells, n_ind)
        Summed credit over the classes of one copy of each individual
        (0 for individuals not drawn). Accuracy of a cell is
        ``credit @ m / (m.sum() * n_class)``.
    n_ties : ndarray, shape (n_cells,)
        Held-out RDMs (copies counted) with a tie between centroids.
    """
    n_ind, n_class, _ = raw.shape
    used = np.flatnonzero(m > 0)
    n_used = len(used)
    mu = m[used].astype(np.float64)
    total = mu.sum()
    w = np.asarray(w, dtype=np.float64)
    # Pairs of weight 0 (a condition not drawn, or missing) take no part in
    # ranks, quantiles or distances: drop them first (most of the pairs of
    # a bootstrap sample over conditions).
    keep = np.flatnonzero(w > 0)
    w = w[keep]
    sr = _ranking.sorted_ranks(
        raw[used][:, :, keep].reshape(n_used * n_class, -1), w)
    qs, q_index = np.unique(np.concatenate([lowers, uppers]),
                            return_inverse=True)
    q_all = weighted_quantiles(sr, qs)
    # Column blocks small enough to stay in the CPU cache through all the
    # passes of one cell (transform, centring, products).
    blocks = [slice(a, a + _BLOCK) for a in range(0, len(keep), _BLOCK)]
    ranks = [np.ascontiguousarray(sr.ranks[:, b], dtype=np.float32)
             for b in blocks]
    sqrtw = [np.sqrt(w[b]).astype(np.float32) for b in blocks]
    bufs = [np.empty_like(r) for r in ranks]
    n_cells = len(lowers)
    credit = np.zeros((n_cells, n_ind))
    n_ties = np.zeros(n_cells)
    mu32 = mu.astype(np.float32)
    degenerate = np.flatnonzero(sr.degenerate)
    A = np.empty((n_used * n_class, n_class))
    G = np.empty((n_used, n_class, n_class))
    for k in range(n_cells):
        tl = q_all[:, q_index[k]]
        tu = q_all[:, q_index[n_cells + k]]
        width = tu - tl
        binary = np.flatnonzero(width <= 0)
        inv = 1.0 / np.where(width <= 0, 1.0, width)
        inv32 = inv.astype(np.float32)[:, None]
        off32 = (tl * inv + 0.5).astype(np.float32)[:, None]
        tl32 = tl.astype(np.float32)[:, None]
        A[:] = 0.0
        G[:] = 0.0
        ss = np.zeros(n_class)
        for r32, sw, buf in zip(ranks, sqrtw, bufs):
            _transform32(r32, inv32, off32, tl32, binary, degenerate, sw,
                         buf)
            # Centre on the mean RDM: distances are unchanged, and
            # products of small numbers lose less precision in float32.
            S = (mu32 @ buf.reshape(n_used, -1)).reshape(n_class, -1)
            centre = S.sum(axis=0) / np.float32(total * n_class)
            buf -= centre
            S -= np.float32(total) * centre
            A += buf @ S.T
            X = buf.reshape(n_used, n_class, -1)
            G += np.matmul(X, X.transpose(0, 2, 1))
            ss += np.einsum("cp,cp->c", S, S, dtype=np.float64)
        d2, scale = _d2_from_products(A.reshape(n_used, n_class, n_class), G,
                                      mu, ss, None)
        cred, unsure = _decide(d2, scale, _CHECK_RTOL)
        if np.any(unsure):
            full = np.concatenate(bufs, axis=1).reshape(n_used, n_class, -1)
            n_ties[k] = _refine(full, mu, unsure, cred, ties)
        credit[k, used] = cred.sum(axis=1)
    return credit, n_ties


def _transform32(ranks32, inv32, off32, tl32, binary, degenerate, sqrtw,
                 out):
    """(RGTM - 0.5) * sqrt(w) of one column block in float32, into ``out``.

    The same transform as :func:`rsatoolbox_topo.statistics.rgtm` (linear
    between the thresholds, a step where they coincide, 0.5 for RDMs
    without order information), shifted by 0.5.
    """
    np.multiply(ranks32, inv32, out=out)
    np.subtract(out, off32, out=out)
    np.clip(out, -0.5, 0.5, out=out)
    if len(binary):
        out[binary] = np.where(ranks32[binary] > tl32[binary], 0.5, -0.5)
    if len(degenerate):
        out[degenerate] = 0.0
    out *= sqrtw


def _expansion_d2(Xs, mu, S, ss, used):
    """Squared distances to the leave-out centroids from inner products.

    Returns ``d2`` (n, n_class, n_class) for the individuals ``used``
    (all if None) and the scale of the numbers that were subtracted.
    """
    n_class = Xs.shape[1]
    who = np.arange(len(mu)) if used is None else used
    X = Xs[who]
    A = (X.reshape(-1, X.shape[-1]) @ S.T).reshape(len(who), n_class,
                                                    n_class)
    G = np.matmul(X, X.transpose(0, 2, 1))
    return _d2_from_products(A, G, mu, ss, used)


def _d2_from_products(A, G, mu, ss, used):
    """Squared distances to leave-out centroids (see :func:`cells_credit`).

    With ``S_c = sum_t mu_t x_{t,c}`` the centroid of class ``c`` without
    individual ``s`` is ``(S_c - mu_s x_{s,c}) / (M - mu_s)``, so the
    distances need only ``A = x.S`` (one matrix product), the
    within-individual products ``G = x_{s,c}.x_{s,c'}`` and ``|S_c|^2``
    (``ss``) -- no refit per fold.
    """
    A = A.astype(np.float64, copy=False)
    G = G.astype(np.float64, copy=False)
    m = mu if used is None else mu[used]
    hold = mu.sum() - m
    sq = np.diagonal(G, axis1=1, axis2=2)
    a_own = np.diagonal(A, axis1=1, axis2=2)
    xc = (A - m[:, None, None] * G) / hold[:, None, None]
    c2 = (ss[None, :] - 2 * m[:, None] * a_own
          + m[:, None] ** 2 * sq) / hold[:, None] ** 2
    d2 = sq[:, :, None] - 2 * xc + c2[:, None, :]
    scale = sq[:, :, None] + c2[:, None, :]
    return d2, scale


def _decide(d2, scale, rtol):
    """Credit of the own class where the nearest centroid is clear.

    Returns the credit (n, n_class) and the mask of held-out RDMs whose
    second-nearest centroid is within ``rtol * scale`` of the nearest.
    """
    n_class = d2.shape[1]
    best = d2.min(axis=2, keepdims=True)
    near = d2 - best <= rtol * scale.max(axis=2, keepdims=True)
    unsure = near.sum(axis=2) > 1
    own = near[:, np.arange(n_class), np.arange(n_class)]
    return (own & ~unsure).astype(np.float64), unsure


def _refine(bufs, mu, unsure, cred, ties):
    """Decide close calls: float64 products, then explicit differences.

    Fills ``cred`` in place; returns the number of tied held-out RDMs
    (copies counted).
    """
    n_class = bufs.shape[1]
    who = np.flatnonzero(unsure.any(axis=1))
    X64 = bufs.astype(np.float64)
    S64 = np.zeros(bufs.shape[1:])
    for t in range(len(mu)):
        S64 += mu[t] * X64[t]
    d2, scale = _expansion_d2(X64, mu, S64, np.einsum("cp,cp->c", S64, S64),
                              used=who)
    got, still = _decide(d2, scale, _REFINE_RTOL)
    still &= unsure[who]
    sub = unsure[who]
    cred[who] = np.where(sub, got, cred[who])
    if not np.any(still):
        return 0.0
    n_tied = 0.0
    if np.all(X64 == X64[:1, :1]):
        # Every RDM identical (a collapsed statistic): all centroids tie.
        share = 1.0 / n_class if ties == "split" else 0.0
        rows = np.argwhere(still)
        cred[who[rows[:, 0]], rows[:, 1]] = share
        return float(np.sum(mu[who[rows[:, 0]]]))
    total = mu.sum()
    for i, s in enumerate(who):
        rows = np.flatnonzero(still[i])
        if not len(rows):
            continue
        centroid = (S64 - mu[s] * X64[s]) / (total - mu[s])
        diff = X64[s, rows][:, None, :] - centroid[None]
        d = np.sqrt(np.einsum("ijp,ijp->ij", diff, diff))
        tied = _tied(d, d.min(axis=1, keepdims=True), False)
        share = credit_from_tied(tied, ties)
        cred[s, rows] = share[np.arange(len(rows)), rows]
        n_tied += mu[s] * np.sum(tied.sum(axis=1) > 1)
    return n_tied
