"""The weighted fast path of ``eval_bootstrap_pattern``.

A bootstrap over conditions repeats some conditions: a pair of distinct
conditions drawn ``c_i`` and ``c_j`` times appears ``c_i * c_j`` times in
the resampled RDM, and the pairs of a condition with its copies are NaN.
The rank RDM and the RGTM of a sample, rsatoolbox's 'corr' and 'cosine'
comparisons and its leave-one-out noise ceiling therefore follow from
weights on the original pairs, without building any resampled RDM. The
results equal the literal resampling up to rounding (the tests check it);
:func:`fast_spec` says when the path applies.

Names have no leading underscore: this private module is meant to be
imported by the inference package.
"""

import warnings

import numpy as np

from .._parallel import chunk_bounds, run_tasks
from ..exceptions import CollapsedStatisticWarning
from ..statistics import TopoStatistic
from ._compat import POOL_TOL

__all__ = ["FAST_METHODS", "fast_spec", "fast_pattern", "FixedOrder",
           "weighted_noise_ceiling"]

#: The comparators the weighted inner products reproduce.
FAST_METHODS = ("corr", "cosine")
CHUNK = 4  # bootstrap samples per batch of the fast path (cache bound)


def fast_kind(statistic):
    """'identity', 'rank' or ('rgtm', lower, upper); None if not fast."""
    if statistic is None:
        return "identity"
    if not isinstance(statistic, TopoStatistic) or statistic.rgtm_cell is None:
        return None
    if statistic.name == "rank_normalize":
        return "rank"
    return ("rgtm",) + statistic.rgtm_cell


def fast_spec(sides, raws, data, method, nc_stat):
    """The common fast-path statistic of all models, or None.

    ``sides`` (the inference drivers' per-model transforms) tell whether
    each model's statistic is fixed (``fixed_statistic``) or fitted per
    fold (``fitted``); the fast path needs one fixed statistic, the same
    for every model and the noise ceiling, with a plain-RGTM
    ``rgtm_cell`` (or none), predictions of one RDM without NaN, data
    without NaN and a comparator of :data:`FAST_METHODS`.
    """
    if method not in FAST_METHODS:
        return None
    kinds = set()
    for side, raw in zip(sides, raws):
        if side.fitted:
            return None
        kinds.add(fast_kind(side.fixed_statistic))
        if raw.n_rdm != 1 or np.isnan(raw.dissimilarities).any():
            return None
    kinds.add(fast_kind(nc_stat))
    if len(kinds) != 1 or None in kinds:
        return None
    if np.isnan(data.dissimilarities).any():
        return None
    return kinds.pop()


class FixedOrder:
    """Weighted ranks of fixed vectors under changing bootstrap weights.

    A bootstrap of conditions changes the weights of the pairs, never their
    order, so each vector is sorted once here and every sample only needs
    cumulative sums of its weights in that order (tie groups are fixed too).
    This is :func:`rsatoolbox_topo._ranking.sorted_ranks` and
    :func:`~rsatoolbox_topo._ranking.quantiles` with the sort hoisted out of
    the bootstrap loop (hand-written for that reason; the tests check both
    against the literal resampling). Pairs of weight 0 drop out.
    """

    def __init__(self, vectors):
        order = np.argsort(vectors, axis=1, kind="stable")
        svals = np.take_along_axis(vectors, order, axis=1)
        n_rows, n_cols = svals.shape
        cols = np.broadcast_to(np.arange(n_cols), (n_rows, n_cols))
        new = np.ones((n_rows, n_cols), dtype=bool)
        new[:, 1:] = svals[:, 1:] != svals[:, :-1]
        starts = np.maximum.accumulate(np.where(new, cols, 0), axis=1)
        end = np.ones((n_rows, n_cols), dtype=bool)
        end[:, :-1] = new[:, 1:]
        ends = np.minimum.accumulate(
            np.where(end, cols, n_cols - 1)[:, ::-1], axis=1)[:, ::-1]
        # Flat indices into (n_samples, n_rows * n_cols) arrays: one take
        # per step instead of broadcast index grids. Cumulative sums are
        # padded by a leading 0, so the sum before a group is at its start.
        rows = np.arange(n_rows)[:, None]
        self.shape = (n_rows, n_cols)
        self.gather = order.ravel()
        self.before = (rows * (n_cols + 1) + starts).ravel()
        self.through = (rows * (n_cols + 1) + ends + 1).ravel()
        self.inverse = (rows * n_cols + np.argsort(order, axis=1)).ravel()

    def statistic(self, pair_w, kind):
        """The statistic of every row under each sample's pair weights.

        ``pair_w`` has shape (n_samples, n_pairs); returns the statistic,
        (n_samples, n_rows, n_pairs) in the original pair order, and which
        rows came out constant, (n_samples, n_rows).
        """
        n_samples = len(pair_w)
        n_rows, n_cols = self.shape
        sw = np.take(pair_w, self.gather, axis=1).reshape(
            n_samples, n_rows, n_cols)
        cum = np.zeros((n_samples, n_rows, n_cols + 1))
        np.cumsum(sw, axis=2, out=cum[:, :, 1:])
        flat = cum.reshape(n_samples, -1)
        avg = (np.take(flat, self.before, axis=1)
               + np.take(flat, self.through, axis=1) + 1.0) * 0.5
        avg = avg.reshape(n_samples, n_rows, n_cols)
        valid = sw > 0
        first = np.where(valid, avg, np.inf).min(axis=2)
        last = np.where(valid, avg, -np.inf).max(axis=2)
        span = last - first
        degenerate = (span <= 0) | (valid.sum(axis=2) < 2)
        scale = 1.0 / np.where(degenerate, 1.0, span)
        ranks = avg
        ranks -= first[..., None]
        ranks *= scale[..., None]
        ranks[degenerate] = 0.5
        if kind != "rank":
            cum = cum[:, :, 1:]
            t_low = self._quantile(ranks, cum, kind[1])[..., None]
            t_up = self._quantile(ranks, cum, kind[2])[..., None]
            width = t_up - t_low
            binary = width <= 0
            with np.errstate(over="ignore"):  # tiny width: a steep step
                ranks = np.where(binary, (ranks > t_low).astype(float),
                                 np.clip((ranks - t_low) / np.where(
                                     binary, 1.0, width), 0.0, 1.0))
            # As rgtm: a constant RDM's RGTM is the midpoint, like its ranks.
            ranks[degenerate] = 0.5
        low = np.where(valid, ranks, np.inf).min(axis=2)
        high = np.where(valid, ranks, -np.inf).max(axis=2)
        ranks[~valid] = 0.0
        out = np.take(ranks.reshape(n_samples, -1), self.inverse,
                      axis=1).reshape(n_samples, n_rows, n_cols)
        return out, high <= low

    @staticmethod
    def _quantile(ranks, cum, q):
        """numpy's 'linear' quantile of the weight-expanded sorted ranks."""
        top = np.maximum(cum[..., -1] - 1.0, 0.0)
        pos = q * top
        low = np.floor(pos)
        frac = pos - low
        high = np.minimum(low + 1.0, top)
        last = cum.shape[-1] - 1
        i_low = np.minimum((cum <= low[..., None]).sum(axis=-1), last)
        i_high = np.minimum((cum <= high[..., None]).sum(axis=-1), last)
        v_low = np.take_along_axis(ranks, i_low[..., None], axis=-1)[..., 0]
        v_high = np.take_along_axis(ranks, i_high[..., None], axis=-1)[..., 0]
        return v_low + frac * (v_high - v_low)


def fast_chunk(values, cond_group, iu, vectors, fixed, kind, method, n_data,
               group_ids, boot_noise_ceil, chunk):
    """Evaluations, noise ceilings and collapse counts of a chunk of pattern
    samples by weights on the original pairs (see :func:`fast_pattern`)."""
    nc = np.full((len(chunk), 2), np.nan)
    collapsed = np.zeros(len(vectors), dtype=int)
    counts = np.stack([np.bincount(np.searchsorted(values, s),
                                   minlength=len(values))
                       for s in chunk])
    valid = (counts > 0).sum(axis=1) >= 3
    cond_w = counts[:, cond_group].astype(np.float64)
    pair_w = cond_w[:, iu[0]] * cond_w[:, iu[1]]
    if kind == "identity":
        t = np.broadcast_to(vectors, (len(chunk),) + vectors.shape)
    else:
        t, constant = fixed.statistic(pair_w, kind)
        collapsed += (constant & valid[:, None]).sum(axis=0)
    # (a sample of one condition has no pairs; it is marked invalid)
    total = np.maximum(pair_w.sum(axis=1), 1.0)[:, None, None]
    if method == "corr":
        mean = np.einsum("brp,bp->br", t, pair_w)[..., None] / total
        t = t - mean
    gram = np.matmul(t * pair_w[:, None, :], t.transpose(0, 2, 1))
    norms = np.sqrt(np.maximum(np.einsum("brr->br", gram), 0.0))
    ok = norms > 0
    safe = np.where(ok, norms, 1.0)
    cos = gram / safe[:, :, None] / safe[:, None, :]
    cos = np.where(ok[:, :, None] & ok[:, None, :], cos, 0.0)
    evals = cos[:, n_data:, :n_data].mean(axis=2)
    evals[~valid] = np.nan
    if boot_noise_ceil:
        ceil = weighted_noise_ceiling(gram[:, :n_data, :n_data],
                                       group_ids)
        ceil[~valid] = np.nan
        nc[:] = ceil
    return evals, nc, collapsed


def fast_pattern(kind, raws, model_names, data, pattern_descriptor,
                  rdm_descriptor, method, samples, boot_noise_ceil, progress):
    """eval_bootstrap_pattern by weights on the original pairs.

    A condition drawn c times turns pair (i, j) into c_i * c_j resampled
    pairs and its pairs with its own copies into NaN. Weighted ranks and
    quantiles (:class:`FixedOrder`) give the statistic of the resampled
    RDM, and weighted inner products give rsatoolbox's 'corr' and
    'cosine' comparisons and its leave-one-out noise ceiling, without
    building the resampled RDMs (hand-written: rsatoolbox has no weighted
    comparators).
    """
    n_data = data.n_rdm
    vectors = np.concatenate([data.get_vectors()] +
                             [r.get_vectors() for r in raws])
    n_rows = len(vectors)
    n_cond = data.n_cond
    iu = np.triu_indices(n_cond, 1)
    desc = np.asarray(data.pattern_descriptors[pattern_descriptor])
    groups = np.asarray(data.rdm_descriptors[rdm_descriptor])
    group_ids = [np.flatnonzero(groups == g) for g in np.unique(groups)]
    values, cond_group = np.unique(desc, return_inverse=True)
    evaluations = np.full((len(samples), n_rows - n_data), np.nan)
    nc = np.full((len(samples), 2), np.nan)
    fixed = None if kind == "identity" else FixedOrder(vectors)
    collapsed = np.zeros(n_rows, dtype=int)
    bounds = chunk_bounds(len(samples), 1, max_size=CHUNK)
    # The chunks are vectorised and share FixedOrder (sent once); with an
    # active joblib backend (e.g. dask) they run there.
    parts = run_tasks(
        fast_chunk, [(samples[a:b],) for a, b in bounds],
        shared=(values, cond_group, iu, vectors, fixed, kind, method, n_data,
                group_ids, boot_noise_ceil),
        progress=progress, desc="eval_bootstrap_pattern", unit="sample",
        sizes=[b - a for a, b in bounds])
    if parts:
        evaluations = np.concatenate([p[0] for p in parts])
        nc = np.concatenate([p[1] for p in parts])
        collapsed = np.sum([p[2] for p in parts], axis=0)
    if np.any(collapsed):
        names = ([f"data RDM {i}" for i in range(n_data)]
                 + [f"model {name!r}" for name in model_names])
        which = ", ".join(f"{names[r]} in {collapsed[r]}"
                          for r in np.flatnonzero(collapsed))
        warnings.warn(
            f"The statistic is constant (every pair equal) in some of the "
            f"{len(evaluations)} bootstrap samples: {which}; those RDMs "
            "compare as 0.",
            CollapsedStatisticWarning, stacklevel=3)
    return evaluations, nc


def weighted_noise_ceiling(gram, group_ids):
    """rsatoolbox's boot_noise_ceiling from the Gram matrix of the data.

    pool_rdm scales each RDM to unit (weighted) RMS after centring for
    'corr' and averages them; the shift it adds afterwards does not change
    a correlation. The pooled RDM of a set S is thus sum_i z_i / |S| with
    z_i = x_i / ||x_i||, and its comparisons with each test RDM follow from
    the Gram matrix (the common weight total cancels).
    """
    diag = np.sqrt(np.maximum(np.einsum("brr->br", gram), 0.0))
    undefined = np.any(diag <= 0, axis=1)  # rsatoolbox cannot pool these
    safe = np.where(diag > 0, diag, 1.0)
    unit = gram / safe[:, :, None] / safe[:, None, :]     # <z_i, z_k>

    def pooled_vs_tests(train, tests):
        # <pool, x_t> / (||pool|| ||x_t||) = mean_i <z_i, z_t> / ||pool||
        pool_sq = unit[:, train][:, :, train].sum(axis=(1, 2))
        pool_norm = np.sqrt(np.maximum(pool_sq, 0.0)) / len(train)
        inner = unit[:, train][:, :, tests].mean(axis=1)
        # Rounding leaves ~1e-16 of units that cancel exactly; the literal
        # path sees the same case as a constant pooled RDM.
        defined = pool_sq > POOL_TOL ** 2 * 1e6
        norm = np.where(defined, pool_norm, 1.0)[:, None]
        out = np.where(defined[:, None], inner / norm, np.nan)
        return out.mean(axis=1)

    everything = np.concatenate(group_ids)
    if len(group_ids) == 1:
        value = pooled_vs_tests(everything, everything)
        out = np.stack([value, value], axis=1)
    else:
        low, high = [], []
        for test in group_ids:
            train = np.setdiff1d(everything, test)
            low.append(pooled_vs_tests(train, test))
            high.append(pooled_vs_tests(everything, test))
        out = np.stack([np.mean(low, axis=0), np.mean(high, axis=0)], axis=1)
    out[undefined] = np.nan
    return out
