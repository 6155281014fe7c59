"""Batched ranks and quantiles of many dissimilarity vectors at once.

Array-level engine behind :mod:`rsatoolbox_topo.statistics` and the fast
identification code. It is written by hand because scipy's ``rankdata`` works
on one vector at a time, has no weights, and the tRSA statistics need the
sorted ranks again for their quantile thresholds; sorting once per vector and
reusing the order for ranks *and* quantiles is what makes the statistics fast.

Weights generalise the ranks to resampled conditions: a pair of conditions
drawn ``w`` times by a bootstrap counts ``w`` times in the ranks and the
quantiles, exactly as if the resampled RDM had been built and ranked (pairs
made of one condition drawn twice have weight 0 and drop out).
"""

from dataclasses import dataclass

import numpy as np


@dataclass
class SortedRanks:
    """Rank-normalised values of a stack of vectors, plus their sorted view.

    Attributes
    ----------
    ranks : ndarray, shape (n_vectors, n_values)
        Rank-normalised values in [0, 1] (average ranks for ties, min-max
        scaled over the valid entries); NaN where the input was NaN or had
        weight 0.
    sorted_ranks : ndarray, shape (n_vectors, n_values)
        ``ranks`` sorted ascending per row, invalid entries (NaN) last.
    cum_weights : ndarray, shape (n_vectors, n_values) | None
        Inclusive cumulative weights in sorted order (None without weights).
    n_valid : ndarray of int, shape (n_vectors,)
        Number of valid entries per row.
    total_weight : ndarray, shape (n_vectors,)
        Sum of the weights of the valid entries (``n_valid`` without weights).
    degenerate : ndarray of bool, shape (n_vectors,)
        Rows with no two distinct valid values (constant, or fewer than two
        valid entries): their ranks are set to 0.5.
    """

    ranks: np.ndarray
    sorted_ranks: np.ndarray
    cum_weights: object
    n_valid: np.ndarray
    total_weight: np.ndarray
    degenerate: np.ndarray


def order_keys(values):
    """Integer keys with the same order as ``values``; NaN gets the largest key.

    Sorting integer views is several times faster than sorting floats in
    numpy (SIMD sorts), and it is exact: the map from IEEE floats to their
    sign-adjusted bit patterns is strictly increasing.
    """
    values = np.asarray(values)
    if values.dtype == np.float32:
        itype, mask = np.int32, np.int32(0x7FFFFFFF)
    else:
        values = values.astype(np.float64, copy=False)
        itype, mask = np.int64, np.int64(0x7FFFFFFFFFFFFFFF)
    # + 0.0 turns -0.0 into +0.0 so that both zeros tie.
    bits = (values + values.dtype.type(0.0)).view(itype)
    keys = bits ^ ((bits >> (8 * bits.itemsize - 1)) & mask)
    keys[np.isnan(values)] = np.iinfo(itype).max
    return keys


def _group_bounds(sorted_keys):
    """First and last sorted position of the tie group of every position."""
    n_rows, n_cols = sorted_keys.shape
    cols = np.arange(n_cols)
    change = sorted_keys[:, 1:] != sorted_keys[:, :-1]
    starts = np.zeros((n_rows, n_cols), dtype=np.intp)
    starts[:, 1:] = np.where(change, cols[1:], 0)
    np.maximum.accumulate(starts, axis=1, out=starts)
    ends = np.full((n_rows, n_cols), n_cols - 1, dtype=np.intp)
    ends[:, :-1] = np.where(change, cols[:-1], n_cols - 1)
    ends = np.minimum.accumulate(ends[:, ::-1], axis=1)[:, ::-1]
    return starts, ends


def sorted_ranks(values, weights=None):
    """Rank-normalise every row of ``values`` (see :class:`SortedRanks`).

    Parameters
    ----------
    values : ndarray, shape (n_vectors, n_values)
        Float values; NaN marks missing entries.
    weights : ndarray, shape (n_values,) or (n_vectors, n_values) | None
        Non-negative multiplicities of the entries (bootstrap counts). An
        entry with weight 0 is treated as missing.

    Returns
    -------
    SortedRanks
    """
    values = np.asarray(values)
    if values.dtype != np.float32:
        values = values.astype(np.float64, copy=False)
    out_dtype = values.dtype
    keys = order_keys(values)
    invalid = np.isnan(values)
    if weights is not None:
        weights = np.broadcast_to(np.asarray(weights, dtype=np.float64),
                                  values.shape)
        invalid = invalid | (weights <= 0)
        keys[invalid] = np.iinfo(keys.dtype).max
    n_valid = values.shape[1] - invalid.sum(axis=1)
    order = np.argsort(keys, axis=1)
    skeys = np.take_along_axis(keys, order, axis=1)
    # Every invalid entry forms its own group so that none of them ties.
    cols = np.arange(values.shape[1])
    tail = cols[np.newaxis, :] >= n_valid[:, np.newaxis]
    skeys = skeys.astype(np.int64)
    skeys[tail] = np.iinfo(np.int64).max - cols[np.newaxis, :].repeat(
        len(values), axis=0)[tail]
    starts, ends = _group_bounds(skeys)
    if weights is None:
        avg = (starts + ends) * 0.5
        cum = None
        total = n_valid.astype(np.float64)
        first = avg[:, :1]
        last = np.take_along_axis(avg, np.maximum(n_valid - 1, 0)[:, None], 1)
    else:
        sw = np.take_along_axis(weights, order, axis=1).copy()
        sw[tail] = 0.0
        cum = np.cumsum(sw, axis=1)
        before = np.take_along_axis(cum - sw, starts, axis=1)
        through = np.take_along_axis(cum, ends, axis=1)
        avg = before + (through - before + 1.0) * 0.5
        total = cum[:, -1].copy()
        first = avg[:, :1]
        last = np.take_along_axis(avg, np.maximum(n_valid - 1, 0)[:, None], 1)
    span = last - first
    degenerate = (span[:, 0] <= 0) | (n_valid < 2)
    safe = np.where(degenerate[:, None], 1.0, span)
    sranks = ((avg - first) / safe).astype(out_dtype, copy=False)
    sranks[degenerate] = 0.5
    sranks[tail] = np.nan
    ranks = np.empty_like(sranks)
    np.put_along_axis(ranks, order, sranks, axis=1)
    return SortedRanks(ranks, sranks, cum, n_valid, total, degenerate)


def sorted_values(values):
    """Values sorted per row (NaN last), as a :class:`SortedRanks` look-alike.

    Used where thresholds are quantiles of raw or min-max scaled values
    rather than of ranks.
    """
    values = np.asarray(values)
    keys = order_keys(values)
    order = np.argsort(keys, axis=1)
    svals = np.take_along_axis(values, order, axis=1)
    n_valid = values.shape[1] - np.isnan(values).sum(axis=1)
    first = svals[:, 0]
    last = np.take_along_axis(svals, np.maximum(n_valid - 1, 0)[:, None], 1)
    degenerate = (last[:, 0] <= first) | (n_valid < 2)
    return SortedRanks(values, svals, None, n_valid,
                       n_valid.astype(np.float64), degenerate)


def quantiles(sorted_data, q):
    """Per-row 'linear' quantiles (numpy's default) of sorted, weighted data.

    Parameters
    ----------
    sorted_data : SortedRanks
        From :func:`sorted_ranks` or :func:`sorted_values`.
    q : float | ndarray of shape (n_vectors,)
        Quantile(s) in [0, 1].

    Returns
    -------
    ndarray, shape (n_vectors,)
        With weights, the quantile of the data in which each entry is
        repeated ``weight`` times; NaN for rows without valid entries.
    """
    svals = sorted_data.sorted_ranks
    n_rows = svals.shape[0]
    q = np.broadcast_to(np.asarray(q, dtype=np.float64), (n_rows,))
    total = sorted_data.total_weight
    pos = q * np.maximum(total - 1.0, 0.0)
    low = np.floor(pos)
    frac = pos - low
    high = np.minimum(low + 1.0, np.maximum(total - 1.0, 0.0))
    if sorted_data.cum_weights is None:
        i_low, i_high = low.astype(np.intp), high.astype(np.intp)
    else:
        cum = sorted_data.cum_weights
        i_low = (cum <= low[:, None]).sum(axis=1)
        i_high = (cum <= high[:, None]).sum(axis=1)
    last = np.maximum(sorted_data.n_valid - 1, 0)
    i_low = np.minimum(i_low, last)
    i_high = np.minimum(i_high, last)
    rows = np.arange(n_rows)
    v_low = svals[rows, i_low].astype(np.float64)
    v_high = svals[rows, i_high].astype(np.float64)
    out = v_low + frac * (v_high - v_low)
    out[sorted_data.n_valid == 0] = np.nan
    return out
