"""Every random draw, bootstrap interval and p-value of the package.

Draws
    All come from a :class:`numpy.random.Generator` made by
    :func:`rsatoolbox_topo._validation.check_random_state`, and are made up
    front (before any parallel task runs), so results depend on the seed
    only, never on ``n_jobs`` or the joblib backend.

    * :func:`draw_two_factor`: individuals (with all their RDMs) and
      conditions together, as identification resamples them;
    * :func:`draw_conditions`, :func:`draw_individuals`: one factor;
    * :func:`draw_permutations`: permutations of conditions;
    * :func:`derive_seed`, :func:`derive_seeds`: integer seeds for other
      libraries (MNE's permutation tests, torch) or for child generators,
      from the same generator.

Intervals
    :func:`confidence_interval` with the methods of :data:`INTERVAL_METHODS`.

p-values
    :func:`bootstrap_p_value` (paired differences, centred on the null) and
    :func:`permutation_p_value` (with the +1 correction).
"""

import warnings

import numpy as np
from scipy import special, stats

from ._validation import check_int, check_option, check_real

__all__ = ["draw_two_factor", "draw_conditions", "draw_individuals",
           "draw_permutations", "derive_seed", "derive_seeds",
           "INTERVAL_METHODS", "confidence_interval", "bootstrap_p_value",
           "permutation_p_value", "max_statistic_p_value",
           "plus_one_p_value", "TAILS"]

#: Interval methods of :func:`confidence_interval`.
INTERVAL_METHODS = ("percentile", "basic", "bc", "bca", "t", "corrected")

#: Tails of :func:`permutation_p_value`.
TAILS = ("greater", "less", "two-sided")

# A bootstrap value this close to the observed one (relative) counts as a
# tie: accuracies are sums of float weights, so exact ties may differ by
# rounding.
_TIE_RTOL = 1e-12

_SEED_HIGH = 2 ** 31 - 1  # fits every library's seed (MNE, torch, C ints)


# ------------------------------------------------------------------ draws
def _check_min_distinct(name, min_distinct, n_units):
    min_distinct = check_int(name, min_distinct, 1)
    if min_distinct > n_units:
        raise ValueError(
            f"The '{name}' parameter must be at most the number of units "
            f"({n_units}). Got {min_distinct} instead.")
    return min_distinct


def _draw_units(rng, n_units, n_samples, min_distinct):
    """Rows of ``n_units`` indices drawn with replacement.

    A row with fewer than ``min_distinct`` distinct indices is drawn again
    (rows in order), so every row can be analysed.
    """
    idx = rng.integers(n_units, size=(n_samples, n_units))
    if min_distinct > 1:
        for row in np.flatnonzero([len(np.unique(r)) < min_distinct
                                   for r in idx]):
            while len(np.unique(idx[row])) < min_distinct:
                idx[row] = rng.integers(n_units, size=n_units)
    return idx


def draw_conditions(rng, n_cond, n_samples, *, min_distinct=1, sort=False):
    """Bootstrap samples of conditions (indices drawn with replacement).

    Parameters
    ----------
    rng : numpy.random.Generator
        Source of the random numbers.
    n_cond, n_samples : int
        Number of conditions and of samples.
    min_distinct : int
        A sample with fewer distinct conditions is drawn again (3 lets
        every sample rank at least two pairs).
    sort : bool
        Sort each sample (the order of drawn conditions carries no
        information; sorted draws make samples easy to compare).

    Returns
    -------
    ndarray of int, shape (n_samples, n_cond)

    Examples
    --------
    >>> import numpy as np
    >>> draw_conditions(np.random.default_rng(0), 5, 2, min_distinct=3).shape
    (2, 5)
    """
    n_cond = check_int("n_cond", n_cond, 1)
    n_samples = check_int("n_samples", n_samples, 0)
    min_distinct = _check_min_distinct("min_distinct", min_distinct, n_cond)
    idx = _draw_units(rng, n_cond, n_samples, min_distinct)
    return np.sort(idx, axis=1) if sort else idx


def draw_individuals(rng, n_ind, n_samples, *, min_distinct=1):
    """Bootstrap samples of individuals (indices drawn with replacement).

    Same as :func:`draw_conditions` for the other factor; counts per
    individual are ``np.bincount(row, minlength=n_ind)``.

    Examples
    --------
    >>> import numpy as np
    >>> draw_individuals(np.random.default_rng(0), 4, 3).shape
    (3, 4)
    """
    n_ind = check_int("n_ind", n_ind, 1)
    n_samples = check_int("n_samples", n_samples, 0)
    min_distinct = _check_min_distinct("min_distinct", min_distinct, n_ind)
    return _draw_units(rng, n_ind, n_samples, min_distinct)


def draw_two_factor(rng, n_ind, n_cond, n_samples, *, min_ind=2, min_cond=3):
    """Two-factor bootstrap: individuals (all their RDMs) and conditions.

    For each sample, the individuals are drawn with replacement (again
    until at least ``min_ind`` are distinct: leave-one-out needs two), then
    the conditions (again until at least ``min_cond`` are distinct: ranking
    needs two pairs).

    Parameters
    ----------
    rng : numpy.random.Generator
    n_ind, n_cond, n_samples : int
    min_ind, min_cond : int
        Distinct individuals and conditions every sample must have.

    Returns
    -------
    counts : ndarray of int, shape (n_samples, n_ind)
        How often each individual was drawn.
    draws : ndarray of int, shape (n_samples, n_cond)
        The conditions drawn (sorted).

    Examples
    --------
    >>> import numpy as np
    >>> counts, draws = draw_two_factor(np.random.default_rng(0), 4, 6, 2)
    >>> counts.sum(axis=1).tolist(), draws.shape
    ([4, 4], (2, 6))
    """
    n_ind = check_int("n_ind", n_ind, 1)
    n_cond = check_int("n_cond", n_cond, 1)
    n_samples = check_int("n_samples", n_samples, 0)
    min_ind = _check_min_distinct("min_ind", min_ind, n_ind)
    min_cond = _check_min_distinct("min_cond", min_cond, n_cond)
    counts = np.zeros((n_samples, n_ind), dtype=np.int64)
    draws = np.zeros((n_samples, n_cond), dtype=np.intp)
    # Sample by sample (individuals, then conditions): the stream of
    # random numbers is the one the package has always used for a seed.
    for b in range(n_samples):
        while True:
            ind = rng.integers(0, n_ind, n_ind)
            if len(np.unique(ind)) >= min_ind:
                break
        while True:
            cond = rng.integers(0, n_cond, n_cond)
            if len(np.unique(cond)) >= min_cond:
                break
        counts[b] = np.bincount(ind, minlength=n_ind)
        draws[b] = np.sort(cond)
    return counts, draws


def draw_permutations(rng, n, n_perm):
    """``n_perm`` random permutations of ``range(n)`` (one per row).

    Examples
    --------
    >>> import numpy as np
    >>> p = draw_permutations(np.random.default_rng(0), 5, 3)
    >>> np.sort(p, axis=1).tolist()[0]
    [0, 1, 2, 3, 4]
    """
    n = check_int("n", n, 1)
    n_perm = check_int("n_perm", n_perm, 0)
    return np.argsort(rng.random((n_perm, n)), axis=1)


def derive_seeds(rng, k, *, high=_SEED_HIGH):
    """``k`` integer seeds in ``[0, high)`` for other libraries or workers.

    The default bound fits every seed argument (MNE's ``seed``/``rng``,
    ``torch.manual_seed``, C integers); pass ``high=2**63 - 1`` for child
    numpy generators.

    Examples
    --------
    >>> import numpy as np
    >>> derive_seeds(np.random.default_rng(0), 2).shape
    (2,)
    """
    k = check_int("k", k, 0)
    return rng.integers(0, high, size=k)


def derive_seed(rng, *, high=_SEED_HIGH):
    """One integer seed (see :func:`derive_seeds`).

    Examples
    --------
    >>> import numpy as np
    >>> isinstance(derive_seed(np.random.default_rng(0)), int)
    True
    """
    return int(derive_seeds(rng, 1, high=high)[0])


# -------------------------------------------------------------- intervals
def _columns(values, name, m=None):
    """(n, m) float view of (n, ...) values and the trailing shape.

    With ``m``, the values must have ``m`` values per row (the trailing
    size of the samples they go with).
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim == 0:
        raise ValueError(
            f"The '{name}' parameter must be an array of shape (n, ...). "
            "Got a scalar instead.")
    cols = values.reshape(len(values), -1)
    if m is not None and cols.shape[1] != m:
        raise ValueError(
            f"The '{name}' parameter must have the trailing shape of "
            f"'samples' ({m} values per row). Got {cols.shape[1]} instead.")
    return cols, values.shape[1:]


def _nan_quantile(columns, q):
    """Linear quantiles (numpy's default) of each column, NaN ignored.

    ``q`` is one level or one level per column; a column without values or
    a NaN level gives NaN.
    """
    m = columns.shape[1]
    q = np.broadcast_to(np.asarray(q, dtype=np.float64), (m,))
    ordered = np.sort(columns, axis=0)            # NaN last
    n_valid = np.sum(~np.isnan(columns), axis=0)
    out = np.full(m, np.nan)
    ok = (n_valid > 0) & ~np.isnan(q)
    if not np.any(ok):
        return out
    cols = np.flatnonzero(ok)
    pos = np.clip(q[ok], 0.0, 1.0) * (n_valid[ok] - 1)
    lo = np.floor(pos).astype(np.intp)
    hi = np.minimum(lo + 1, n_valid[ok] - 1)
    frac = pos - lo
    low_v, high_v = ordered[lo, cols], ordered[hi, cols]
    diff = high_v - low_v
    # numpy's interpolation, so that results equal np.percentile's
    out[ok] = np.where(frac >= 0.5, high_v - diff * (1 - frac),
                       low_v + diff * frac)
    return out


def _nan_percentile(columns, q):
    """np.nanpercentile of each column at one level ``q`` in [0, 1]."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        # rounded: 1 - 0.9 is not 0.1 in floating point
        return np.nanpercentile(columns, round(100 * q, 10), axis=0)


def _nan_var(columns):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanvar(columns, axis=0, ddof=1)


def _bias_z0(columns, estimate):
    """Bias correction ``z0 = Phi^-1(p0)``, ties counted as half below.

    ``p0`` is the fraction of samples below the estimate; a sample equal
    to it (common for accuracies) counts one half. ``p0`` of 0 or 1 (every
    sample on one side) gives an infinite ``z0``; the caller returns NaN.
    """
    n_valid = np.sum(~np.isnan(columns), axis=0)
    scale = _TIE_RTOL * np.maximum(np.abs(estimate), 1.0)
    below = np.sum(columns < estimate - scale, axis=0)
    tied = np.sum(np.abs(columns - estimate) <= scale, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        p0 = (below + 0.5 * tied) / n_valid
        return special.ndtri(p0)


def _acceleration(jackknife, m):
    """BCa acceleration from leave-one-out estimates of each factor.

    ``a = sum(u^3) / (6 * sum(u^2)^1.5)`` with ``u = mean(J) - J`` (Efron
    1987). With two resampled factors (individuals and conditions), each
    factor's leave-one-out values are centred on their own mean and the
    sums run over both: to first order the statistic is a sum of
    independent contributions of the two factors (its influence function
    is the sum of the two factors' influence functions), and the second
    and third cumulants of a sum of independent terms add, so the pooled
    sums estimate the variance and skewness of the total.
    """
    if isinstance(jackknife, (list, tuple)):
        parts = list(jackknife)
    else:
        parts = [jackknife]
    num = np.zeros(m)
    den = np.zeros(m)
    for part in parts:
        cols, _ = _columns(part, "jackknife", m)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            u = np.nanmean(cols, axis=0) - cols
        num += np.nansum(u ** 3, axis=0)
        den += np.nansum(u ** 2, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        a = num / (6.0 * den ** 1.5)
    return np.where(den > 0, a, 0.0)


def _corrected_variance(v_both, v_1, v_2, n_1, n_2):
    """Variance of a two-factor statistic (Schuett et al. 2023, eq. of the
    dual bootstrap), from the two-factor and the one-factor bootstrap
    variances, clipped to the range the paper justifies."""
    f1, f2 = n_1 / (n_1 - 1), n_2 / (n_2 - 1)
    var = f1 * v_1 + f2 * v_2 - f1 * f2 * (v_both - v_1 - v_2)
    var = np.maximum(np.maximum(var, f1 * v_1), f2 * v_2)
    return np.minimum(var, v_both)


def confidence_interval(samples, estimate=None, *, level=0.95,
                        method="percentile", jackknife=None,
                        unit_values=None, one_factor=None, n_units=None):
    r"""Bootstrap confidence interval ``(low, high)`` by one of six methods.

    Vectorised over the trailing axes of ``samples``; NaN samples are
    ignored, and an interval that cannot be formed (no valid samples, a
    NaN estimate, every sample on one side of the estimate for 'bc' and
    'bca', fewer than two units for 't') is NaN, without an error.

    With :math:`\theta^*` the bootstrap samples, :math:`\hat\theta` the
    full-data estimate, :math:`Q(p)` the linear-interpolated
    :math:`p`-quantile of the samples, :math:`\alpha = 1 - \text{level}`,
    :math:`z_p = \Phi^{-1}(p)`:

    * ``'percentile'``: :math:`[Q(\alpha/2), Q(1-\alpha/2)]`. Needs only
      the samples; inherits any bias of the bootstrap distribution.
    * ``'basic'`` (reverse percentile): :math:`[2\hat\theta - Q(1-\alpha/2),
      2\hat\theta - Q(\alpha/2)]`. Reflects the bootstrap deviations about
      the estimate.
    * ``'bc'`` (bias-corrected percentile): :math:`z_0 = \Phi^{-1}(p_0)`
      with :math:`p_0` the fraction of samples below :math:`\hat\theta`
      (ties count one half); interval :math:`[Q(\Phi(2z_0 + z_{\alpha/2})),
      Q(\Phi(2z_0 + z_{1-\alpha/2}))]`. Corrects a median bias such as
      the downward bias of a resampled leave-one-out accuracy.
    * ``'bca'`` (bias-corrected and accelerated, Efron 1987): as 'bc' with
      levels :math:`\Phi(z_0 + (z_0 + z_p) / (1 - a (z_0 + z_p)))`,
      :math:`a = \sum u^3 / (6 (\sum u^2)^{3/2})`, :math:`u` the deviations
      of the leave-one-out estimates (``jackknife``) from their mean.
      Several resampled factors: pass one array per factor; each is
      centred on its own mean and the sums pool them (to first order
      the factors' contributions add, and so do their second and third
      cumulants).
    * ``'t'``: over independent units (e.g. individuals), with
      :math:`x_i` the ``unit_values``, :math:`n` their number,
      :math:`s` their SD: :math:`\hat\theta \pm t_{n-1, 1-\alpha/2}
      s/\sqrt{n}`; the estimate defaults to the mean of the unit values.
      Does not use the samples. Leave-one-out accuracies of different
      held-out individuals share training data, so they are not exactly
      independent.
    * ``'corrected'``: :math:`\hat\theta \pm t_{d, 1-\alpha/2}\sigma` with
      the variance correction of Schuett et al. (2023, eLife 12:e82566)
      for two-factor bootstraps, as rsatoolbox's dual bootstrap uses it:
      the two-factor bootstrap counts the interaction of the factors
      twice; with :math:`v` the variance of the two-factor samples,
      :math:`v_1, v_2` those of the one-factor bootstraps (factor 1 only,
      factor 2 only, ``one_factor``), :math:`f_k = n_k / (n_k - 1)` for
      the numbers of units ``n_units``:
      :math:`\sigma^2 = f_1 v_1 + f_2 v_2 - f_1 f_2 (v - v_1 - v_2)`,
      clipped to :math:`[\max(f_1 v_1, f_2 v_2), v]`;
      :math:`d = \min(n_1, n_2) - 1`.

    Parameters
    ----------
    samples : array_like, shape (n_samples, ...)
        Bootstrap values (not used by 't', may be None there).
    estimate : float | array_like | None
        Full-data estimate, broadcast to the trailing shape; needed by
        every method except 'percentile' (and 't', which defaults to the
        mean of the unit values).
    level : float
        Confidence level, in (0, 1).
    method : str
        One of :data:`INTERVAL_METHODS`.
    jackknife : array_like or list of array_like, shape (n_units, ...)
        Leave-one-out estimates, one array per resampled factor ('bca').
    unit_values : array_like, shape (n_units, ...)
        Values of the independent units ('t').
    one_factor : tuple of two array_like, shape (n_b, ...)
        One-factor bootstrap samples (factor 1 only, factor 2 only)
        ('corrected').
    n_units : tuple of two int
        Units of the two factors, e.g. ``(n_individuals, n_conditions)``
        ('corrected').

    Returns
    -------
    low, high : float or ndarray
        Of the trailing shape of ``samples``.

    Examples
    --------
    >>> import numpy as np
    >>> x = np.arange(101.0)
    >>> confidence_interval(x, level=0.9)
    (5.0, 95.0)
    >>> confidence_interval(x, 40.0, level=0.9, method="basic")
    (-15.0, 75.0)
    """
    check_option("method", method, INTERVAL_METHODS)
    level = check_real("level", level, 0.0, 1.0)
    if not 0.0 < level < 1.0:
        raise ValueError("The 'level' parameter must be a float in (0, 1). "
                         f"Got {level!r} instead.")
    alpha = 1.0 - level
    z = special.ndtri(np.array([alpha / 2, 1 - alpha / 2]))
    if method == "t":
        return _t_interval(unit_values, estimate, alpha)
    cols, shape = _columns(samples, "samples")
    m = cols.shape[1]
    if method == "percentile":
        low = _nan_percentile(cols, alpha / 2)
        high = _nan_percentile(cols, 1 - alpha / 2)
        return _shaped(low, shape), _shaped(high, shape)
    est = _estimate(estimate, shape, method)
    if method == "basic":
        low = 2 * est - _nan_percentile(cols, 1 - alpha / 2)
        high = 2 * est - _nan_percentile(cols, alpha / 2)
    elif method in ("bc", "bca"):
        z0 = _bias_z0(cols, est)
        if method == "bc":
            a = np.zeros(m)
        elif jackknife is None:
            raise ValueError(
                "The 'jackknife' parameter is needed by method='bca' "
                "(leave-one-out estimates of each resampled factor). "
                "Got None instead.")
        else:
            a = _acceleration(jackknife, m)
        levels = []
        for zp in z:
            with np.errstate(invalid="ignore", divide="ignore"):
                shift = z0 + zp
                denom = 1.0 - a * shift
                p = special.ndtr(z0 + shift / denom)
            p = np.where(np.isfinite(z0) & (denom > 0), p, np.nan)
            levels.append(p)
        low = _nan_quantile(cols, levels[0])
        high = _nan_quantile(cols, levels[1])
    else:
        low, high = _corrected_interval(cols, est, one_factor, n_units, m,
                                        alpha)
    return _shaped(low, shape), _shaped(high, shape)


def _estimate(estimate, shape, method):
    if estimate is None:
        raise ValueError(
            f"The 'estimate' parameter is needed by method={method!r} "
            "(the full-data value). Got None instead.")
    est = np.asarray(estimate, dtype=np.float64)
    try:
        return np.broadcast_to(est, shape).reshape(-1)
    except ValueError:
        raise ValueError(
            "The 'estimate' parameter must broadcast to the trailing shape "
            f"of 'samples' {shape}. Got shape {est.shape} instead.") from None


def _shaped(values, shape):
    values = np.asarray(values, dtype=np.float64).reshape(shape)
    return float(values) if values.ndim == 0 else values


def _t_interval(unit_values, estimate, alpha):
    if unit_values is None:
        raise ValueError(
            "The 'unit_values' parameter is needed by method='t' (one "
            "value per independent unit, e.g. per individual). Got None "
            "instead.")
    cols, shape = _columns(unit_values, "unit_values")
    n = np.sum(~np.isnan(cols), axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        mean = np.nanmean(cols, axis=0)
        sd = np.nanstd(cols, axis=0, ddof=1)
    est = mean if estimate is None else _estimate(estimate, shape, "t")
    with np.errstate(invalid="ignore", divide="ignore"):
        half = stats.t.ppf(1 - alpha / 2, np.maximum(n - 1, 1)) \
            * sd / np.sqrt(n)
    half = np.where(n >= 2, half, np.nan)
    return _shaped(est - half, shape), _shaped(est + half, shape)


def _corrected_interval(cols, est, one_factor, n_units, m, alpha):
    if one_factor is None or n_units is None or len(one_factor) != 2 \
            or len(n_units) != 2:
        raise ValueError(
            "The 'one_factor' and 'n_units' parameters are needed by "
            "method='corrected': the samples of the two one-factor "
            "bootstraps and the numbers of units of the two factors. Got "
            f"one_factor={type(one_factor).__name__}, n_units={n_units!r} "
            "instead.")
    n_1 = check_int("n_units[0]", n_units[0], 2)
    n_2 = check_int("n_units[1]", n_units[1], 2)
    variances = [_nan_var(_columns(part, "one_factor", m)[0])
                 for part in one_factor]
    var = _corrected_variance(_nan_var(cols), variances[0], variances[1],
                              n_1, n_2)
    half = stats.t.ppf(1 - alpha / 2, min(n_1, n_2) - 1) * np.sqrt(var)
    return est - half, est + half


# --------------------------------------------------------------- p-values
def plus_one_p_value(n_extreme, n_samples):
    """``(1 + n_extreme) / (1 + n_samples)``: the observed value counts as
    one of the samples, so a p-value is never 0 (Phipson & Smyth 2010).

    Examples
    --------
    >>> plus_one_p_value(0, 999)
    0.001
    """
    with np.errstate(invalid="ignore", divide="ignore"):
        p = (1.0 + np.asarray(n_extreme, dtype=np.float64)) \
            / (1.0 + np.asarray(n_samples, dtype=np.float64))
    return float(p) if p.ndim == 0 else p


def bootstrap_p_value(diff_samples, observed=None):
    r"""Two-sided bootstrap p-value of paired differences, centred on H0.

    The bootstrap distribution of a difference is centred on its own mean
    :math:`\bar d^*` to approximate the null distribution (the
    shifted-distribution form of the bootstrap test, Hall & Wilson 1991):

    .. math:: p = \frac{1 + \#\{|d^*_b - \bar d^*| \ge |\hat d|\}}{1 + B}

    with :math:`\hat d` the observed (full-data) difference, :math:`B` the
    number of valid (non-NaN) samples, ties counted as extreme. A bias of
    the bootstrap distribution (e.g. resampled leave-one-out accuracies
    are low) moves :math:`\bar d^*` and the samples alike, so it does not
    make the p-value small; an observed difference of 0 gives p = 1.

    Parameters
    ----------
    diff_samples : array_like, shape (n_samples, ...)
        Paired differences on shared bootstrap samples.
    observed : float | array_like | None
        Full-data difference; None uses the mean of the samples.

    Returns
    -------
    float or ndarray
        Of the trailing shape; NaN where no sample is valid.

    Examples
    --------
    >>> import numpy as np
    >>> bootstrap_p_value(np.zeros(99), 0.0)
    1.0
    """
    cols, shape = _columns(diff_samples, "diff_samples")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        centre = np.nanmean(cols, axis=0)
    obs = centre if observed is None else _estimate(observed, shape,
                                                    "bootstrap")
    n_valid = np.sum(~np.isnan(cols), axis=0)
    size = np.abs(obs)
    extreme = np.abs(cols - centre) >= size * (1 - _TIE_RTOL) - 1e-15
    n_extreme = np.sum(extreme & ~np.isnan(cols), axis=0)
    p = np.minimum(1.0, plus_one_p_value(n_extreme, n_valid))
    p = np.where((n_valid > 0) & ~np.isnan(obs), p, np.nan)
    return _shaped(p, shape)


def permutation_p_value(null_samples, observed, *, tail="greater"):
    r"""Permutation p-value with the +1 correction.

    ``'greater'``: :math:`(1 + \#\{s_b \ge t\}) / (1 + B)` with :math:`t`
    the observed statistic and :math:`s_b` the :math:`B` valid (non-NaN)
    null samples, ties (to rounding) counted as extreme; ``'less'``
    likewise with :math:`\le`; ``'two-sided'``: twice the smaller
    one-sided p-value, at most 1 (valid whatever the centre of the null).

    Parameters
    ----------
    null_samples : array_like, shape (n_perm, ...)
    observed : float | array_like
        Broadcast to the trailing shape.
    tail : {'greater', 'less', 'two-sided'}

    Returns
    -------
    float or ndarray
        NaN where the observed value is NaN or no null sample is valid.

    Examples
    --------
    >>> import numpy as np
    >>> permutation_p_value(np.arange(99.0), 97.5)
    0.02
    """
    check_option("tail", tail, TAILS)
    cols, shape = _columns(null_samples, "null_samples")
    obs = _estimate(observed, shape, "permutation")
    n_valid = np.sum(~np.isnan(cols), axis=0)
    tol = _TIE_RTOL * np.maximum(np.abs(obs), 1.0)
    p_greater = plus_one_p_value(np.sum(cols >= obs - tol, axis=0), n_valid)
    p_less = plus_one_p_value(np.sum(cols <= obs + tol, axis=0), n_valid)
    if tail == "greater":
        p = p_greater
    elif tail == "less":
        p = p_less
    else:
        p = np.minimum(1.0, 2 * np.minimum(p_greater, p_less))
    p = np.where((n_valid > 0) & ~np.isnan(obs), p, np.nan)
    return _shaped(p, shape)


def max_statistic_p_value(null_max, observed):
    r"""Family-wise corrected p-values from a maximum-statistic null.

    One null distribution is shared by all tests: :math:`m_b`, the largest
    statistic over all tests of permutation :math:`b`. Each observed
    :math:`t_v` gets :math:`(1 + \#\{m_b \ge t_v\}) / (1 + B)` (ties to
    rounding count as extreme; NaN in ``null_max`` are left out, NaN
    observed give NaN). Sorting the null once keeps memory at
    O(B + n_tests).

    Parameters
    ----------
    null_max : array_like, shape (n_perm,)
    observed : array_like, shape (n_tests,)

    Returns
    -------
    ndarray, shape (n_tests,)

    Examples
    --------
    >>> import numpy as np
    >>> max_statistic_p_value(np.arange(9.0), [8.5, 4.0]).tolist()
    [0.1, 0.6]
    """
    null = np.sort(np.asarray(null_max, dtype=np.float64).ravel())
    null = null[~np.isnan(null)]
    obs = np.asarray(observed, dtype=np.float64)
    tol = _TIE_RTOL * np.maximum(np.abs(obs), 1.0)
    count = len(null) - np.searchsorted(null, obs - tol, side="left")
    p = plus_one_p_value(count, len(null))
    return np.where(np.isnan(obs) | (len(null) == 0), np.nan, p)
