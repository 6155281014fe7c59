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


def order_keys(values, invalid=None):
    """Integer keys with the same order as ``values``; invalid entries last.

    Sorting integers is several times faster than sorting floats in numpy
    (SIMD sorts), and it is exact: the map from IEEE floats to their
    sign-adjusted bit patterns is strictly increasing.

    Parameters
    ----------
    values : ndarray of float32 or float64
    invalid : ndarray of bool | None
        Entries to give the largest key (default: the NaN entries).
    """
    values = np.asarray(values)
    if values.dtype == np.float32:
        itype, mask = np.int32, np.int32(0x7FFFFFFF)
    else:
        values = values.astype(np.float64, copy=False)
        itype, mask = np.int64, np.int64(0x7FFFFFFFFFFFFFFF)
    if invalid is None:
        invalid = np.isnan(values)
    # + 0.0 turns -0.0 into +0.0 so that both zeros tie.
    keys = (values + values.dtype.type(0.0)).view(itype)
    if np.any(keys < 0):  # negative values: flip their magnitude bits
        keys ^= (keys >> (8 * keys.itemsize - 1)) & mask
    keys[invalid] = np.iinfo(itype).max
    return keys


def _tie_runs(sorted_keys):
    """Flat indices of tied entries, with the first and last of their run.

    Ties are rare in real dissimilarities, so the work is proportional to
    the number of tied entries, not to the size of the stack.
    """
    n_rows, n_cols = sorted_keys.shape
    same = sorted_keys[:, 1:] == sorted_keys[:, :-1]
    rows, cols = np.nonzero(same)
    if rows.size == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, empty
    second = rows.astype(np.int64) * n_cols + cols + 1  # flat index
    breaks = np.flatnonzero(np.diff(second) != 1) + 1
    run_first = np.r_[0, breaks]
    run_last = np.r_[breaks - 1, second.size - 1]
    starts = second[run_first] - 1
    ends = second[run_last]
    lengths = ends - starts + 1
    run_of = np.repeat(np.arange(starts.size), lengths)
    elements = np.arange(lengths.sum()) - np.repeat(
        np.cumsum(lengths) - lengths, lengths) + starts[run_of]
    return elements, starts[run_of], ends[run_of]


# Fraction of entries in float32 tie runs above which rows are argsorted
# exactly instead of refined run by run.
_MAX_REFINED = 0.02


def _argsort_rows(values, invalid):
    """Sort order of every row, and tie keys of the row in that order.

    numpy's argsort is several times slower than its SIMD sort of plain
    64-bit integers, so the order comes from sorting integers that pack a
    32-bit order key above the column index. For float32 the key is exact.
    For float64 it is the key of the value rounded to float32, which orders
    correctly except inside runs of values that round to the same float32;
    those (few) runs are re-sorted by the exact values.
    """
    n_rows, n_cols = values.shape
    if n_cols >= 2 ** 31:  # the index must fit the low 32 bits
        keys = order_keys(values, invalid)
        order = np.argsort(keys, axis=1)
        return order, np.take_along_axis(keys, order, axis=1)
    single = values.dtype == np.float32
    key32 = order_keys(values if single else values.astype(np.float32),
                       invalid)
    packed = key32.astype(np.int64)
    packed <<= 32
    packed |= np.arange(n_cols, dtype=np.int64)
    packed.sort(axis=1)
    order = (packed & 0xFFFFFFFF).astype(np.intp)
    packed >>= 32
    if single:
        return order, packed
    elements, run_start, _ = _tie_runs(packed)
    if elements.size > _MAX_REFINED * packed.size:
        # Many float32 collisions (e.g. sums of path lengths): an exact
        # argsort is cheaper than re-sorting the runs.
        keys = order_keys(values, invalid)
        order = np.argsort(keys, axis=1)
        svals = np.take_along_axis(values, order, axis=1)
        elements = ()
    else:
        svals = np.take_along_axis(values, order, axis=1)
    if len(elements):
        exact = svals.flat[elements]
        perm = np.lexsort((exact, run_start))
        order.flat[elements] = order.flat[elements][perm]
        svals.flat[elements] = exact[perm]
    # Tie keys: the exact values, with invalid entries made unequal to all.
    valid_count = n_cols - invalid.sum(axis=1)
    tail = np.arange(n_cols)[np.newaxis] >= valid_count[:, None]
    if np.any(tail):
        svals[tail] = np.nan  # NaN != NaN: the tail never ties
    return order, svals


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
    n_rows, n_cols = values.shape
    invalid = np.isnan(values)
    if weights is not None:
        weights = np.broadcast_to(np.asarray(weights, dtype=np.float64),
                                  values.shape)
        invalid = invalid | (weights <= 0)
    n_valid = n_cols - invalid.sum(axis=1)
    # Invalid entries sort last; their ranks are overwritten with NaN below,
    # so their tie runs do not matter.
    order, skeys = _argsort_rows(values, invalid)
    tied, run_start, run_end = _tie_runs(skeys)
    offsets = (tied // n_cols) * n_cols
    positions = np.arange(n_cols, dtype=np.float64)
    cum = None
    if weights is None and tied.size == 0:
        # No ties: ranks are the sorted positions.
        avg = np.broadcast_to(positions, (n_rows, n_cols))
    elif weights is None:
        # Ranks are sorted positions, averaged over each run of ties.
        avg = np.repeat(positions[np.newaxis], n_rows, axis=0)
        avg.flat[tied] = (run_start + run_end - 2 * offsets) * 0.5
    else:
        sw = np.take_along_axis(weights, order, axis=1)
        sw = np.where(positions[np.newaxis] < n_valid[:, None], sw, 0.0)
        cum = np.cumsum(sw, axis=1)
        before = cum - sw
        through = cum.copy()
        before.flat[tied] = before.flat[run_start]
        through.flat[tied] = cum.flat[run_end]
        avg = before + (through - before + 1.0) * 0.5
    total = n_valid.astype(np.float64) if cum is None else cum[:, -1].copy()
    first = avg[:, :1]
    last = np.take_along_axis(avg, np.maximum(n_valid - 1, 0)[:, None], 1)
    span = last - first
    degenerate = (span[:, 0] <= 0) | (n_valid < 2)
    # Divide, never multiply by 1 / span: k * (1 / (n - 1)) can round to
    # 0.9999999999999999 for k = n - 1, a division gives exactly 1.
    span = np.where(degenerate[:, None], 1.0, span).astype(out_dtype)
    if avg.strides[0] == 0:  # no ties, no weights: first == 0
        sranks = np.divide(positions.astype(out_dtype), span)
    else:
        sranks = np.subtract(avg, first, dtype=out_dtype)
        sranks /= span
    if np.any(degenerate):
        sranks[degenerate] = 0.5
    if np.any(n_valid < n_cols):
        sranks[positions[np.newaxis] >= n_valid[:, None]] = np.nan
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


# ------------------------------------------------ the GT transform
# The smooth ('sigmoid') variant's steepness, as the authors' code has it.
SIGMOID_ALPHA = 10.0


def overflow_halves(high, low):
    """0.5 where ``high - low`` overflows (finite inputs), else 1.0."""
    with np.errstate(over="ignore", invalid="ignore"):
        width = high - low
    return np.where(np.isinf(width) & np.isfinite(high) & np.isfinite(low),
                    0.5, 1.0).astype(np.result_type(high, low))


def gt_from_normalized(data, lower, upper, thresholds, shape):
    """Apply the GT transform to normalised values, row by row."""
    values = data.ranks
    if thresholds == "quantile":
        t_low = quantiles(data, lower)
        t_up = quantiles(data, upper)
    else:
        t_low = np.full(len(values), lower)
        t_up = np.full(len(values), upper)
    t_low = t_low[:, None].astype(values.dtype)
    t_up = t_up[:, None].astype(values.dtype)
    if shape == "sigmoid":
        # The authors' smooth variant, centred between the two thresholds.
        centre = (t_low + t_up) / 2
        out = 1.0 / (1.0 + np.exp(-SIGMOID_ALPHA * (values - centre)))
        return out.astype(values.dtype, copy=False), t_low, t_up
    half = overflow_halves(t_up, t_low)  # thresholds near the float max
    width = t_up * half - t_low * half
    binary = width <= 0
    safe = np.where(binary, 1.0, width).astype(values.dtype)
    with np.errstate(over="ignore"):  # a tiny width is a steep step
        out = np.subtract(values * half if np.any(half != 1) else values,
                          t_low * half)
        out /= safe  # not * (1 / safe): 1 / a subnormal width is inf
        np.clip(out, 0.0, 1.0, out=out)
    if np.any(binary):
        rows = binary[:, 0]
        step = (values[rows] > t_low[rows]).astype(values.dtype)
        out[rows] = np.where(np.isnan(values[rows]), np.nan, step)
    if thresholds == "quantile" and np.any(data.degenerate):
        # No pair is nearer or farther than another: the midpoint, as in
        # rank_normalize (rgtm(0, 1) stays equal to the rank RDM).
        rows = data.degenerate
        out[rows] = np.where(np.isnan(values[rows]), np.nan, 0.5)
    return out, t_low, t_up
