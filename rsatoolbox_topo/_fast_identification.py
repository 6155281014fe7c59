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

# Relative tolerance under which two squared distances count as tied in
# the exact engine: only rounding differences, never real differences.
_TIE_RTOL = 1e-12
# Comparisons that a common power-of-two scale of the values leaves
# unchanged (Euclidean distances are rescaled afterwards).
_SCALE_FREE = ("euclidean", "cosine", "corr", "rho-a", "tau-a", "corr_cov",
               "cosine_cov")
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


def tied_mask(values, best, higher):
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
        Any object with ``shape`` whose ``T[s]`` is the (n_class, n_pairs)
        array of individual ``s`` will do (:class:`RowStack` avoids a copy
        of the whole stack).
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
        NaN for individuals with ``m == 0``. Distances beyond the float
        range (RDMs near 1e308) are inf; decisions never are.
    n_tied : ndarray of int, shape (n_ind, n_class)
        Size of the set of nearest centroids.

    Notes
    -----
    Memory: one centroid stack (n_class, n_pairs) and one held-out
    individual at a time besides ``T``. For the Euclidean distance and the
    scale-free rsatoolbox comparators, values are scaled by a power of two
    before any product (:func:`power_of_two_scale`), which is exact, so the
    result is the same for RDMs scaled by any common factor within the
    float range.
    """
    n_ind, n_class, _ = T.shape
    w = np.asarray(w, dtype=np.float64)
    keep = w > 0
    m = np.asarray(m, dtype=np.float64)
    credit = np.zeros((n_ind, n_class, n_class))
    dist = np.full((n_ind, n_class, n_class), np.nan)
    n_tied = np.zeros((n_ind, n_class), dtype=np.int64)
    higher = method != "euclidean"
    used = np.flatnonzero(m > 0)
    # Exact power-of-two scaling where the comparison cannot see it: the
    # Euclidean distances (rescaled below) and the scale-free rsatoolbox
    # comparators; other comparators (e.g. topological divergences, which
    # grow with the scale) get the values as they are.
    scale = power_of_two_scale(T, used, keep) if method in _SCALE_FREE \
        else 1.0
    for s in used:
        centroid = loo_centroid(T, m, s, keep, scale)
        if higher:
            a = np.where(keep, T[s] * scale, np.nan)
            b = np.where(keep, centroid, np.nan)
            d = np.asarray(compare(a, b, method), dtype=np.float64)
            best = np.nanmax(d, axis=1, keepdims=True)
            dist[s] = d
        else:
            d = row_distances(T[s], centroid, w, keep, scale)
            best = d.min(axis=1, keepdims=True)
            with np.errstate(over="ignore"):
                dist[s] = d / scale
        tied = tied_mask(d, best, higher)
        n_tied[s] = tied.sum(axis=1)
        credit[s] = credit_from_tied(tied, ties)
    return credit, dist, n_tied


class RowStack:
    """``values[grid[s]]`` on demand: the (individual, class, pair) view of
    a stack of RDM vectors without copying the stack."""

    def __init__(self, values, grid):
        self.values = values
        self.grid = grid
        self.shape = grid.shape + values.shape[1:]

    def __getitem__(self, s):
        return self.values[self.grid[s]]


def power_of_two_scale(T, used, keep):
    """Exact factor ``2 ** -e`` that brings ``max |T|`` into [0.5, 1).

    Multiplying by a power of two is exact in binary floating point (away
    from the subnormal range), so every comparison, tie and zero distance
    is what it would be without it; only overflow (squares above about
    1e154, sums near 1.8e308) and underflow (squares below about 1e-154)
    are avoided. Used by both engines.
    """
    largest = 0.0
    all_kept = bool(np.all(keep))
    for t in used:
        rows = T[t] if all_kept else T[t][:, keep]
        if rows.size:
            largest = max(largest, float(np.nanmax(np.abs(rows))))
    if not np.isfinite(largest) or largest == 0.0:
        return 1.0
    return float(np.ldexp(1.0, -int(np.frexp(largest)[1])))


def loo_centroid(T, m, s, keep, scale):
    """Centroids of every class without individual ``s``, times ``scale``.

    An explicit sum over the training individuals in index order (not BLAS
    and not ``total - own``), so that identical inputs give bitwise
    identical centroids and exact ties stay ties. Both engines call it: the
    fast engine's re-check does the arithmetic of :func:`identify`.
    Columns outside ``keep`` are 0.
    """
    centroid = np.zeros(T.shape[1:])
    hold = 0.0
    for t in np.flatnonzero(m > 0):
        if t != s:
            centroid += (m[t] * scale) * T[t]
            hold += m[t]
    if not np.all(keep):
        centroid[:, ~keep] = 0.0
    centroid /= hold
    return centroid


def row_distances(rows, centroid, w, keep, scale):
    """Weighted Euclidean distances of ``rows * scale`` to the centroids.

    One held-out row at a time, so the only temporary is one centroid
    stack. Returns an array (len(rows), n_class) in units of ``scale``.
    """
    out = np.empty((len(rows), len(centroid)))
    all_kept = bool(np.all(keep))
    for i, row in enumerate(rows):
        x = row * scale if all_kept else np.where(keep, row * scale, 0.0)
        diff = x[None, :] - centroid
        out[i] = np.sqrt(np.einsum("jp,p,jp->j", diff, w, diff))
    return out


def transform_cells(sr, lowers, uppers):
    """float64 RGTM of sorted ranks for each cell (generator of arrays)."""
    for lower, upper in zip(lowers, uppers):
        out, _, _ = _ranking.gt_from_normalized(sr, lower, upper, "quantile",
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

    Each cell is decided in two stages. The bulk is float32 products; a
    held-out RDM is decided there only when its nearest centroid wins by
    more than a proven bound on every rounding error of that stage (see
    :func:`_float32_bounds`). Every other held-out RDM (close calls, ties)
    is decided by the arithmetic of :func:`loo_credit` itself, on the
    float64 RGTM that ``identify`` computes, so ties are split or reported
    exactly as ``identify`` does.

    Parameters
    ----------
    raw : ndarray, shape (n_ind, n_class, n_pairs)
        Untransformed dissimilarities (NaN only where ``w == 0``).
    m : ndarray of int, shape (n_ind,)
        Individual multiplicities (at least two individuals with m > 0).
    w : ndarray, shape (n_pairs,)
        Pair multiplicities (integers); 0 drops a pair.
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
        # RDMs without order (degenerate) are 0.5 whatever the cell.
        binary = np.flatnonzero((width <= 0) & ~sr.degenerate)
        with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
            inv = 1.0 / np.where(width <= 0, 1.0, width)
            inv32 = inv.astype(np.float32)[:, None]
            off32 = (tl * inv + 0.5).astype(np.float32)[:, None]
        A[:] = 0.0
        G[:] = 0.0
        ss = np.zeros(n_class)
        for b, r32, sw, buf in zip(blocks, ranks, sqrtw, bufs):
            with np.errstate(invalid="ignore", over="ignore"):
                _transform32(r32, inv32, off32, binary, degenerate, sw, buf)
            if len(binary):
                # The step of a binary cell is decided in float64, on the
                # very ranks and threshold that identify compares.
                step = sr.ranks[binary, b] > tl[binary, None]
                buf[binary] = np.where(step, np.float32(0.5),
                                       np.float32(-0.5)) * sw
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
        G3 = A.reshape(n_used, n_class, n_class)
        with np.errstate(invalid="ignore", over="ignore"):
            d2 = _d2_from_products(G3, G, mu, ss)
            eta = np.where(width <= 0, _ETA_BINARY,
                           6 * _U32 * (inv + 1.0))
            eta[degenerate] = 0.0
            clear, nearest, contender = _float32_decisions(
                d2, G, ss, mu, eta, w.sum(), n_used)
        cred = (clear & (nearest == np.arange(n_class))).astype(np.float64)
        if not np.all(clear):
            n_ties[k] = _exact_rows(sr, lowers[k], uppers[k], w, mu, ~clear,
                                    contender, cred, ties)
        credit[k, used] = cred.sum(axis=1)
    return credit, n_ties


# Unit roundoff of float32.
_U32 = 2.0 ** -24
# Per-entry error of a binary cell's float32 value over sqrt(w): only the
# product of +-1/2 by the rounded sqrt(w) (see _float32_decisions).
_ETA_BINARY = 1.01 * _U32
# Margin, relative and in units of sqrt(total weight), beyond the proven
# float32 error: covers identify's own float64 rounding and its 1e-12
# relative tie tolerance (see _float32_decisions).
_MARGIN = 1e-9


def _gamma(n, u):
    """Higham's gamma_n = n u / (1 - n u): the error bound of a dot product
    of length n in any summation order, with or without FMA."""
    return n * u / (1.0 - n * u)


def _transform32(ranks32, inv32, off32, binary, degenerate, sqrtw, out):
    """(RGTM - 0.5) * sqrt(w) of one column block in float32, into ``out``.

    The same transform as :func:`rsatoolbox_topo.statistics.rgtm` (linear
    between the thresholds, 0.5 for RDMs without order information),
    shifted by 0.5. Rows of binary cells (``binary``, never degenerate)
    are overwritten by the caller.
    """
    np.multiply(ranks32, inv32, out=out)
    np.subtract(out, off32, out=out)
    np.clip(out, -0.5, 0.5, out=out)
    if len(binary):
        out[binary] = 0.0
    if len(degenerate):
        out[degenerate] = 0.0
    out *= sqrtw


def _d2_from_products(A, G, mu, ss):
    """Squared distances to leave-out centroids (see :func:`cells_credit`).

    With ``S_c = sum_t mu_t x_{t,c}`` the centroid of class ``c`` without
    individual ``s`` is ``(S_c - mu_s x_{s,c}) / (M - mu_s)``, so the
    distances need only ``A = x.S`` (one matrix product), the
    within-individual products ``G = x_{s,c}.x_{s,c'}`` and ``|S_c|^2``
    (``ss``) -- no refit per fold.
    """
    hold = mu.sum() - mu
    sq = np.diagonal(G, axis1=1, axis2=2)
    a_own = np.diagonal(A, axis1=1, axis2=2)
    xc = (A - mu[:, None, None] * G) / hold[:, None, None]
    c2 = (ss[None, :] - 2 * mu[:, None] * a_own
          + mu[:, None] ** 2 * sq) / hold[:, None] ** 2
    return sq[:, :, None] - 2 * xc + c2[:, None, :]


def _float32_decisions(d2, G, ss, mu, eta, total_weight, n_used):
    """Held-out RDMs whose nearest centroid the float32 stage proves.

    Returns ``clear`` (n_used, n_class), true where the decision is proven,
    ``nearest``, the index of the nearest centroid, and ``contender``
    (n_used, n_class, n_class): the candidates not proven farther than the
    nearest one (which identify might find nearest or tied).

    The proof. Write ``x`` for the exact vectors that :func:`identify`
    compares, ``(g - 1/2) sqrt(w)`` with ``g`` the float64 RGTM (the shift
    by 1/2 changes no distance), ``u = 2**-24`` and ``W = sum(w)``. Exact
    real distances ``d_j`` of one held-out RDM to the centroids ``j``:

    1. Transform. ``g`` is ``clip((r - t_l) / width, 0, 1)``. The float32
       value rounds ``r``, ``1 / width``, ``t_l / width + 1/2``, their
       product and difference (each a relative error <= u), and clipping
       is 1-Lipschitz; with ``r, t_l`` in [0, 1] the error of ``g - 1/2`` is
       below ``4.02 u / width + 1.01 u``, and after the product by the
       rounded ``sqrt(w)`` below ``eta sqrt(w)``, ``eta = 6 u (1 / width +
       1)``. Binary cells take their step from the float64 ranks, so only
       the product errs (``eta = 1.01 u``); RDMs without order are exactly
       0. Over a row: ``|x_hat - x| <= eta sqrt(W)``.
    2. Centring subtracts one float32 vector ``c`` from every row (no
       distance changes), rounding each entry (relative u): the rows ``y``
       that enter the products are within ``p = eta sqrt(W) + 1.01 u |y|``
       of ``x - c``. A centroid is a weighted mean of rows, so it moves by
       at most ``max_t p_t`` of its class.
    3. The class sums ``S`` (float32, n_used terms of magnitude <=
       ``sqrt(w)/2`` times ``mu``, then shifted by ``M c``) are within
       ``M u (0.6 n_used + 3) sqrt(W)`` of the sums of the ``y``, which
       moves each centroid ``(S - mu_s y_s) / H`` (``H = M - mu_s``) by at
       most that over ``H``. Together: ``|d~ - d| <= P = p_own +
       max_t p_t + dS / H``, where ``d~`` is the distance the products
       stand for.
    4. Products. Each float32 dot product of length ``n`` (a block of
       ``_BLOCK`` columns; block sums added in float64) errs by at most
       ``gamma_n |a| |b|`` (any order, FMA or not: Higham 2002, sec. 3.1);
       the float64 class norms and the combination add ``O(u64)``. Summing
       the six products of the expansion gives ``|d2_hat - d~^2| <= E =
       gamma (|y_s| + (|S_j| + mu_s |y_j|) / H)^2``, the norms taken from
       ``G`` (float32 sums of squares, relative error <= gamma).

    So ``d_j`` lies in ``[sqrt(d2_hat - E) - P, sqrt(d2_hat + E) + P]``. The
    decision is proven when the lower end of every other candidate exceeds
    the upper end of the nearest by a margin of ``1e-9`` relative plus
    ``max(1e-9, 4 (n + W + 3) 2**-53) sqrt(W)``, which is above twice
    identify's own float64 rounding (``(n + W + 3) 2**-53 sqrt(W)``: its
    values lie in [0, 1], so its centroids err by ``n 2**-53`` per entry
    and its sums of ``W`` squares by ``W 2**-53`` relative) plus its 1e-12
    relative tie tolerance: then identify sees that nearest centroid
    alone, and so does this stage.
    By the same bounds, a candidate whose lower end exceeds that margin is
    neither nearest nor tied in identify, whatever the other candidates.
    """
    n_class = d2.shape[1]
    gamma = _gamma(_BLOCK, _U32) * 1.001 + 1e-12
    hold = mu.sum() - mu
    sq = np.diagonal(G, axis1=1, axis2=2)
    norm_y = np.sqrt(np.maximum(sq, 0.0) / (1.0 - gamma))
    norm_s = np.sqrt(ss) * (1.0 + 1e-12)
    sqrt_w = np.sqrt(total_weight)
    p = eta.reshape(n_used, n_class) * sqrt_w + 1.01 * _U32 * norm_y
    d_sum = mu.sum() * _U32 * (0.6 * n_used + 3.0) * sqrt_w
    P = (p[:, :, None] + p.max(axis=0)[None, None, :]
         + (d_sum / hold)[:, None, None])
    span = norm_y[:, :, None] + (norm_s[None, None, :]
                                 + mu[:, None, None] * norm_y[:, None, :]) \
        / hold[:, None, None]
    E = gamma * span ** 2
    nearest = np.argmin(d2, axis=2)
    ii, jj = np.indices(nearest.shape, sparse=True)
    upper = (np.sqrt(np.maximum(d2[ii, jj, nearest] + E[ii, jj, nearest],
                                0.0)) + P[ii, jj, nearest])
    lower = np.sqrt(np.maximum(d2 - E, 0.0)) - P
    lower[ii, jj, nearest] = -np.inf  # the nearest always contends
    # identify's own rounding is below (n + W + 3) 2**-53 sqrt(W); keep the
    # absolute margin above twice that for any size
    slack = max(_MARGIN, 4 * (n_used + total_weight + 3) * 2.0 ** -53)
    margin = upper * (1.0 + _MARGIN) + slack * sqrt_w
    # NaN (an overflowing float32 transform of a near-zero width) compares
    # False: such rows are never clear and all their candidates contend.
    farther = lower > margin[:, :, None]
    clear = farther.sum(axis=2) == n_class - 1
    return clear, nearest, ~farther


def _exact_rows(sr, lower, upper, w, mu, unsure, contender, cred, ties):
    """Decide the held-out RDMs ``unsure`` with the arithmetic of identify.

    The float64 RGTM of the cell (``rgtm``'s own transform) is computed for
    the classes involved only: those of the unsure held-out RDMs and their
    ``contender`` centroids; candidates proven farther cannot be nearest
    or tied. Centroids and distances come from :func:`loo_centroid` and
    :func:`row_distances`, as in :func:`loo_credit`. Fills ``cred``
    (own-class credit) in place; returns the number of tied held-out RDMs
    (copies counted).
    """
    n_used, n_class = unsure.shape
    need = unsure.any(axis=0) | contender[unsure].any(axis=0)
    cls = np.flatnonzero(need)
    rows = (np.arange(n_used)[:, None] * n_class + cls[None, :]).ravel()
    sub = _ranking.SortedRanks(
        sr.ranks[rows], sr.sorted_ranks[rows],
        None if sr.cum_weights is None else sr.cum_weights[rows],
        sr.n_valid[rows], sr.total_weight[rows], sr.degenerate[rows])
    T = _ranking.gt_from_normalized(sub, lower, upper, "quantile", "linear")[0]
    T = T.reshape(n_used, len(cls), -1)
    position = np.full(n_class, -1)
    position[cls] = np.arange(len(cls))
    keep = np.ones(T.shape[-1], dtype=bool)
    flat = T.reshape(-1, T.shape[-1])
    identical = bool(np.all(flat == flat[:1]))
    scale = power_of_two_scale(T, np.arange(n_used), keep)
    n_tied = 0.0
    for s in np.flatnonzero(unsure.any(axis=1)):
        held = np.flatnonzero(unsure[s])
        if identical:
            # Every RDM of these classes is the same vector (a collapsed
            # statistic): identify's centroids are bitwise equal, so all
            # contenders tie exactly.
            tied = contender[s, held][:, cls]
        else:
            centroid = loo_centroid(T, mu, s, keep, scale)
            d = row_distances(T[s, position[held]], centroid, w, keep,
                              scale)
            d[~contender[s, held][:, cls]] = np.inf
            tied = tied_mask(d, d.min(axis=1, keepdims=True), False)
        share = credit_from_tied(tied, ties)
        cred[s, held] = share[np.arange(len(held)), position[held]]
        n_tied += mu[s] * np.sum(tied.sum(axis=1) > 1)
    return n_tied
