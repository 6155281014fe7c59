"""Model comparison with a topological statistic applied per sample.

The functions of this package have the names and arguments of
:mod:`rsatoolbox.inference` (``eval_fixed``, ``eval_bootstrap_pattern``,
``eval_bootstrap_rdm``, ``crossval``, ``bootstrap_crossval``,
``eval_dual_bootstrap``) plus

* ``statistic=``: a statistic in any spelling
  (:class:`~rsatoolbox_topo.statistics.TopoStatistic`, one of the names
  'rgtm', 'rank_normalize', 'rgdm', the dict ``TopoStatistic.to_dict``
  writes, or any callable mapping RDMs to RDMs) applied to the data *and*
  to every model prediction inside each bootstrap sample and fold, after
  resampling, on the same conditions;
* ``random_state=``: an int, a :class:`numpy.random.Generator` or None; the
  bootstrap samples (and fold assignments) are drawn from it, never from
  numpy's global state;
* ``samples=``: the bootstrap samples themselves, so that rsatoolbox's own
  numbers can be reproduced sample by sample;
* ``progress=`` and ``n_jobs=``: a tqdm progress bar and the package's
  runner (results are identical for every ``n_jobs`` and joblib backend).

They return :class:`rsatoolbox.inference.Result` objects, which
``Result.summary()``, :func:`rsatoolbox.vis.plot_model_comparison` and
rsatoolbox's tests accept. Noise ceilings are computed on the transformed
data (with ``statistic``, or the statistic all models share; untransformed
where the models' statistics differ, e.g. thresholds fitted per fold).
With ``statistic=None`` and the same samples, the numbers equal
rsatoolbox's.

``method`` is the comparator (see the naming table). For the
persistent-homology comparators of :mod:`rsatoolbox_topo.topology`
('rtd', ...) the evaluations are similarities ``-RTD`` and the noise
ceilings pool the data RDMs by their ranks (rsatoolbox's 'spearman'
pooling). The number of bootstrap samples keeps rsatoolbox's name ``N``
(a documented exception to the package's ``n_bootstrap``).

The package's models (:mod:`rsatoolbox_topo.models`) carry their own
statistic; for them ``statistic`` must stay None and the model's statistic
(for :class:`~rsatoolbox_topo.models.ModelThresholds`, with the thresholds
fitted on each training fold) is applied to both sides.

Duplicated conditions: a bootstrap over conditions repeats some conditions;
the pairs made of one condition and its copy are NaN (rsatoolbox's
convention) and drop out of ranks, quantiles and comparisons. A pair of
distinct conditions drawn ``c_i`` and ``c_j`` times appears ``c_i * c_j``
times. ``eval_bootstrap_pattern`` uses this to compute the rank RDM and the
RGTM of each sample from weighted ranks of the original pairs (a fast path
for comparators 'corr' and 'cosine'); it is equal to the literal
resampling, which is used for every other statistic and comparator.

Layout: this module holds the public drivers; ``_compat`` the parts of
rsatoolbox's inference forked until rsatoolbox offers them (each naming
the upstream change that retires it); ``_weighted`` the weighted fast path.
"""

import os
import warnings

import numpy as np
from rsatoolbox.inference import Result
from rsatoolbox.io.hdf5 import read_dict_hdf5
from rsatoolbox.io.pkl import read_dict_pkl
from rsatoolbox.model import Model, ModelFixed, ModelSelect, ModelWeighted
from rsatoolbox.rdm import RDMs
from rsatoolbox.util.inference_util import default_k_pattern, default_k_rdm

from .. import _resampling
from .._docs import fill_doc
from .._parallel import chunk_bounds, run_tasks
from .._safe_io import refuse_pickle
from .._validation import (check_bool, check_int, check_n_jobs,
                           check_option, check_progress)
from .._validation import check_random_state as _rng
from ..exceptions import CollapsedStatisticWarning, InferenceWarning
from ..models import (ModelFixedTopo, ModelSelectTopo, ModelThresholds,
                      ModelWeightedTopo, model_from_dict)
from ..statistics import TopoStatistic, as_statistic
from .. import topology as _topology
from . import _compat, _weighted

__all__ = ["eval_fixed", "eval_bootstrap_pattern", "eval_bootstrap_rdm",
           "crossval", "bootstrap_crossval", "eval_dual_bootstrap",
           "draw_samples", "load_results", "result_from_dict"]

# rsatoolbox 0.3.2's comparators (rsatoolbox.rdm.compare).
_METHODS = ("cosine", "spearman", "corr", "kendall", "tau-b", "tau-a",
            "rho-a", "corr_cov", "cosine_cov", "neg_riem_dist", "bures",
            "bures_metric") + _topology.METHODS
_BOOT_TYPES = ("both", "pattern", "rdm")
# The package's models: they apply their own statistic (ModelThresholds
# with thresholds fitted per training fold).
_TOPO_MODELS = (ModelFixedTopo, ModelSelectTopo, ModelWeightedTopo,
                ModelThresholds)


# ---------------------------------------------------------------- checks
def _check_data(data, name="data"):
    if not isinstance(data, RDMs):
        raise TypeError(
            f"The '{name}' parameter must be an rsatoolbox.rdm.RDMs object. "
            f"Got {type(data).__name__} instead.")
    if data.n_cond < 3:
        raise ValueError(
            f"The '{name}' parameter must have at least 3 conditions. Got "
            f"{data.n_cond} instead.")


def _check_models(models):
    if isinstance(models, Model):
        return [models]
    try:
        models = list(models)
    except TypeError:
        raise TypeError(
            "The 'models' parameter must be an rsatoolbox.model.Model or a "
            f"list of them. Got {type(models).__name__} instead.") from None
    bad = [type(m).__name__ for m in models if not isinstance(m, Model)]
    if bad or not models:
        raise TypeError(
            "The 'models' parameter must be an rsatoolbox.model.Model or a "
            f"non-empty list of them. Got {bad or 'an empty list'} instead.")
    return models


def _check_thetas(theta, n_models):
    if theta is None:
        return [None] * n_models
    theta = list(theta)
    if len(theta) != n_models:
        raise ValueError(
            f"The 'theta' parameter must hold one parameter vector per model "
            f"({n_models}). Got {len(theta)} instead.")
    return theta


def _check_fitters(fitter, models):
    if fitter is None:
        return [m.default_fitter for m in models]
    if callable(fitter):
        return [fitter] * len(models)
    fitter = list(fitter)
    if len(fitter) != len(models):
        raise ValueError(
            f"The 'fitter' parameter must be one fitter or one per model "
            f"({len(models)}). Got {len(fitter)} instead.")
    return [f if f is not None else m.default_fitter
            for f, m in zip(fitter, models)]


def _descriptor_values(data, descriptor, kind):
    table = data.pattern_descriptors if kind == "pattern" \
        else data.rdm_descriptors
    if descriptor not in table:
        raise ValueError(
            f"Invalid value for the '{kind}_descriptor' parameter. Allowed "
            f"values are the data's {kind} descriptors {sorted(table)}, but "
            f"got {descriptor!r} instead.")
    return np.unique(np.asarray(table[descriptor]))


class _Side:
    """How one model's prediction and the data are transformed."""

    def __init__(self, model, statistic):
        self.model = model
        self.topo = isinstance(model, _TOPO_MODELS)
        if self.topo and statistic is not None:
            raise ValueError(
                f"Model {model.name!r} ({type(model).__name__}) applies its own "
                f"statistic {model.statistic!r}; pass statistic=None, or use "
                "rsatoolbox's own models with statistic=...")
        self.statistic = statistic
        # thresholds fitted per fold: the statistic changes with theta
        self.fitted = isinstance(model, ModelThresholds)
        #: the statistic of every theta (None where it depends on theta)
        self.fixed_statistic = None if self.fitted else (
            model.statistic if self.topo else statistic)

    def raw(self, theta):
        if self.topo:
            return self.model.predict_raw_rdm(theta)
        return self.model.predict_rdm(theta)

    def key(self, theta):
        """Equal keys mean equal transforms (to share the data's one)."""
        if self.fitted:
            theta = self.model.theta_ if theta is None else theta
            return ("thresholds", tuple(np.asarray(theta, dtype=float)
                                        .ravel()), id(self.model))
        return ("statistic", _stat_key(self.fixed_statistic))

    def transform(self, rdms, theta, where):
        if self.topo:
            out = self.model.transform(rdms, theta)
            name = self.model.statistic
        elif self.statistic is None:
            return rdms
        else:
            out = self.statistic(rdms)
            name = self.statistic
        return _checked(out, rdms, name, where)


def _stat_key(statistic):
    return statistic if isinstance(statistic, TopoStatistic) or \
        statistic is None else id(statistic)


def _checked(out, rdms, statistic, where):
    """The statistic's output must be RDMs of the same shape, not all NaN."""
    if not isinstance(out, RDMs) or out.n_cond != rdms.n_cond \
            or out.n_rdm != rdms.n_rdm:
        raise TypeError(
            f"The statistic {statistic!r} must return an RDMs object with "
            f"{rdms.n_rdm} RDM(s) of {rdms.n_cond} conditions; got "
            f"{type(out).__name__} instead ({where}).")
    before = np.isnan(rdms.dissimilarities).all(axis=1)
    after = np.isnan(out.dissimilarities).all(axis=1)
    if np.any(after & ~before):
        rows = np.flatnonzero(after & ~before)
        raise ValueError(
            f"The statistic {statistic!r} returned only NaN for RDM(s) "
            f"{rows.tolist()} of {where}; it must return numbers where the "
            "input has them.")
    collapsed = _compat.constant_rows(out.dissimilarities) & \
        ~_compat.constant_rows(rdms.dissimilarities)
    if np.any(collapsed):
        warnings.warn(
            f"The statistic {statistic!r} is constant (every pair equal) for "
            f"RDM(s) {np.flatnonzero(collapsed).tolist()} of {where}; they "
            "compare as 0.", CollapsedStatisticWarning, stacklevel=4)
    return out


def _nc_statistic(statistic, sides):
    """The statistic of the noise ceiling.

    ``statistic`` when given; otherwise the fixed statistic shared by all
    models (the package's models carry one); otherwise None (untransformed
    data), e.g. for thresholds fitted per fold, which differ between folds.
    """
    if statistic is not None:
        return statistic
    if not all(side.topo and not side.fitted for side in sides):
        return None
    if len({_stat_key(side.fixed_statistic) for side in sides}) == 1:
        return sides[0].fixed_statistic
    return None


def _apply(statistic, rdms, where):
    if statistic is None:
        return rdms
    return _checked(statistic(rdms), rdms, statistic, where)


def _transform(statistic):
    """``_apply`` of ``statistic`` as a function of (rdms, where), or None."""
    if statistic is None:
        return None

    def transform(rdms, where):
        return _apply(statistic, rdms, where)
    return transform


def _check_conditions(sides, thetas, data, pattern_descriptor):
    """Model predictions must have the data's conditions."""
    for side, theta in zip(sides, thetas):
        pred = side.raw(theta)
        name = side.model.name
        if pred.n_cond != data.n_cond:
            raise ValueError(
                f"Model {name!r} predicts {pred.n_cond} conditions, but the "
                f"data have {data.n_cond}: models and data must describe the "
                "same conditions.")
        if pattern_descriptor is not None \
                and pattern_descriptor not in pred.pattern_descriptors:
            raise ValueError(
                f"Model {name!r} has no pattern descriptor "
                f"{pattern_descriptor!r} (it has "
                f"{sorted(pred.pattern_descriptors)}), so its prediction "
                "cannot be resampled like the data.")
        for key in set(pred.pattern_descriptors) & set(
                data.pattern_descriptors):
            a = [str(v) for v in pred.pattern_descriptors[key]]
            b = [str(v) for v in data.pattern_descriptors[key]]
            if a != b:
                raise ValueError(
                    f"Model {name!r} and the data have different conditions: "
                    f"their pattern descriptor {key!r} differs.")


def _prepare(models, data, theta, method, statistic, *,
             pattern_descriptor=None, rdm_descriptor=None):
    """Check a driver's arguments; its models, sides and descriptor values.

    ``pattern_descriptor`` is given where conditions are resampled (the
    predictions must have it too), ``rdm_descriptor`` where RDMs are.
    """
    _check_data(data)
    check_option("method", method, _METHODS)
    models = _check_models(models)
    statistic = as_statistic(statistic)
    thetas = _check_thetas(theta, len(models))
    values = {}
    if pattern_descriptor is not None:
        values["pattern"] = _descriptor_values(data, pattern_descriptor,
                                               "pattern")
    if rdm_descriptor is not None:
        values["rdm"] = _descriptor_values(data, rdm_descriptor, "rdm")
    sides = [_Side(m, statistic) for m in models]
    _check_conditions(sides, thetas, data, pattern_descriptor)
    return models, thetas, sides, _nc_statistic(statistic, sides), values


def _sample_chunks(n, n_jobs, size):
    """Index arrays of chunks of ``n`` samples (at most ``size`` each)."""
    return [np.arange(a, b) for a, b in chunk_bounds(n, n_jobs,
                                                      max_size=size)]


def _run(func, shared, tasks, sizes, n_jobs, progress, desc):
    """``func(*shared, *task)`` for every task, through the package's runner.

    ``shared`` (the data, models and settings) is sent once, not with every
    task (the dask backend scatters it to the cluster once per call).
    """
    return run_tasks(func, tasks, shared=shared,
                     n_jobs=check_n_jobs(n_jobs, allow_none=True),
                     progress=progress, desc=desc, unit="sample",
                     sizes=sizes)


# ---------------------------------------------------------------- samples
def draw_samples(data, N=1000, kind="pattern", descriptor="index",
                 random_state=None):
    """Draw bootstrap samples of conditions or RDMs with an explicit RNG.

    Each row is one bootstrap sample: as many descriptor values as there are
    groups, drawn with replacement (what rsatoolbox's samplers return as
    ``pattern_idx`` / ``rdm_idx``, but from ``random_state`` rather than
    numpy's global state).

    Parameters
    ----------
    data : rsatoolbox.rdm.RDMs
        The data to resample.
    N : int
        Number of samples.
    kind : {'pattern', 'rdm'}
        Resample conditions (pattern descriptor) or RDMs (rdm descriptor).
    descriptor : str
        The descriptor whose groups are resampled together.
    random_state : int | numpy.random.Generator | None
        Source of the random numbers.

    Returns
    -------
    ndarray, shape (N, n_groups)
        Descriptor values.

    Examples
    --------
    >>> from rsatoolbox_topo.datasets import load_92images
    >>> from rsatoolbox_topo.inference import draw_samples
    >>> draw_samples(load_92images("hit"), N=5, random_state=0).shape
    (5, 92)
    """
    check_option("kind", kind, ("pattern", "rdm"))
    N = check_int("N", N, 1)
    values = _descriptor_values(data, descriptor, kind)
    # conditions and RDM groups are drawn alike (rows with replacement)
    return values[_resampling.draw_conditions(_rng(random_state),
                                              len(values), N)]


def _check_samples(samples, N, values, name):
    samples = np.asarray(samples)
    if samples.ndim != 2 or samples.shape[1] != len(values):
        raise ValueError(
            f"The '{name}' parameter must have shape (n_samples, "
            f"{len(values)}) (one row of descriptor values per bootstrap "
            f"sample). Got shape {samples.shape} instead.")
    unknown = ~np.isin(samples, values)
    if np.any(unknown):
        raise ValueError(
            f"The '{name}' parameter holds values that are not descriptor "
            f"values of the data, e.g. {samples[unknown][0]!r}.")
    if N is not None and N != 1000 and N != len(samples):
        raise ValueError(
            f"The 'N' parameter ({N}) disagrees with the number of samples "
            f"passed ({len(samples)}); leave N at its default.")
    return samples


# ---------------------------------------------------------------- eval_fixed
@fill_doc
def eval_fixed(models, data, theta=None, method="cosine", *, statistic=None,
               random_state=None):
    """Evaluate models on data without bootstrap or cross-validation.

    :func:`rsatoolbox.inference.eval_fixed` with the statistic applied to the
    data and to each prediction before they are compared.

    Parameters
    ----------
    %(models)s
    %(data)s
    %(theta)s
    %(method)s
    %(statistic_resampled)s
    %(random_state_unused)s

    Returns
    -------
    rsatoolbox.inference.Result
        ``cv_method='fixed'``; the noise ceiling is computed on the
        transformed data.

    Examples
    --------
    >>> from rsatoolbox.model import ModelFixed
    >>> from rsatoolbox_topo.datasets import load_92images
    >>> from rsatoolbox_topo.inference import eval_fixed
    >>> models = load_92images("models")
    >>> ms = [ModelFixed(n, models.subset("name", n))
    ...       for n in ("EVA", "monkeyIT")]
    >>> res = eval_fixed(ms, load_92images("hit"), method="corr",
    ...                  statistic="rgtm")
    >>> res.evaluations.shape
    (1, 2, 8)
    """
    models, thetas, sides, nc_stat, _ = _prepare(models, data, theta, method,
                                                 statistic)
    _rng(random_state)
    evaluations = np.zeros((len(models), data.n_rdm))
    for k, (side, th) in enumerate(zip(sides, thetas)):
        pred = side.transform(side.raw(th), th, f"model {side.model.name!r}")
        data_t = side.transform(data, th, "the data")
        evaluations[k] = _compat.compare(pred, data_t, method)
    evaluations = evaluations.reshape((1, len(models), data.n_rdm))
    nc_data = _apply(nc_stat, data, "the data")
    noise_ceil = _compat.boot_noise_ceiling(nc_data, method, "index")
    _warn_undefined_ceiling(evaluations[0, :1].T, np.array([noise_ceil]),
                            3)
    if data.n_rdm > 1:
        variances = np.cov(evaluations[0], ddof=0) / evaluations.shape[-1]
        dof = evaluations.shape[-1] - 1
    else:
        variances = None
        dof = 0
    return _result(models, evaluations, method, "fixed", noise_ceil,
                   variances, dof, data, "rdm")


# ---------------------------------------------------------------- bootstrap
def _result(models, evaluations, method, cv_method, noise_ceil, variances,
            dof, data, resampled):
    """rsatoolbox's Result; only the ``resampled`` factor ('rdm' or
    'pattern') corrects the variances, the other count is set afterwards
    (as rsatoolbox's drivers do)."""
    counts = {"rdm": data.n_rdm, "pattern": data.n_cond}
    result = Result(models, evaluations, method=method, cv_method=cv_method,
                    noise_ceiling=noise_ceil, variances=variances, dof=dof,
                    n_rdm=counts["rdm"] if resampled == "rdm" else None,
                    n_pattern=counts["pattern"] if resampled == "pattern"
                    else None)
    result.n_rdm, result.n_pattern = counts["rdm"], counts["pattern"]
    return result


def _warn_undefined_ceiling(evaluations, nc, stacklevel):
    bad = np.isfinite(evaluations[:, 0]) & ~np.all(np.isfinite(nc), axis=1)
    if np.any(bad):
        warnings.warn(
            f"The noise ceiling is undefined (NaN) in {bad.sum()} of "
            f"{len(bad)} bootstrap samples: a transformed data RDM has no "
            "variance there (check the statistic's thresholds).",
            InferenceWarning, stacklevel=stacklevel)


def _bootstrap_task(sides, thetas, raws, data, kind, descriptor,
                    rdm_descriptor, method, boot_noise_ceil, nc_stat,
                    samples, first):
    """Literal resampling: evaluate a batch of bootstrap samples.

    ``kind`` 'pattern' resamples the conditions of the data and of the
    predictions (samples with fewer than 3 distinct conditions are NaN),
    'rdm' the data RDMs (the predictions are transformed once).
    """
    evals = np.full((len(samples), len(sides)), np.nan)
    nc = np.full((len(samples), 2), np.nan)
    fixed = {}
    for row, idx in enumerate(samples):
        where = f"bootstrap sample {first + row}"
        if kind == "pattern":
            if len(np.unique(idx)) < 3:
                continue
            sample = data.subsample_pattern(descriptor, idx)
        else:
            sample = data.subsample(descriptor, idx)
        cache = {}
        for j, (side, th) in enumerate(zip(sides, thetas)):
            name = f"model {side.model.name!r}"
            if kind == "pattern":
                pred = side.transform(raws[j].subsample_pattern(
                    descriptor, idx), th, f"{name}, {where}")
            else:
                if j not in fixed:
                    fixed[j] = side.transform(raws[j], th, name)
                pred = fixed[j]
            key = side.key(th)
            if key not in cache:
                cache[key] = side.transform(sample, th, "the data, " + where)
            evals[row, j] = np.mean(_compat.compare(pred, cache[key],
                                                    method))
        if boot_noise_ceil:
            nc[row] = _compat.boot_noise_ceiling(
                _apply(nc_stat, sample, "the data, " + where), method,
                rdm_descriptor)
    return evals, nc


def _bootstrap(data, thetas, sides, nc_stat, method, kind,
               descriptor, rdm_descriptor, samples, boot_noise_ceil,
               progress, n_jobs, raws):
    """A bootstrap's evaluations (n_samples, n_models), its noise ceiling
    and covariances, by the literal resampling through the runner."""
    chunks = _sample_chunks(len(samples), n_jobs, 50)
    out = _run(_bootstrap_task,
               (sides, thetas, raws, data, kind, descriptor, rdm_descriptor,
                method, boot_noise_ceil, nc_stat),
               [(samples[idx], idx[0]) for idx in chunks],
               [len(idx) for idx in chunks], n_jobs, progress,
               f"eval_bootstrap_{kind}")
    return (np.concatenate([o[0] for o in out]),
            np.concatenate([o[1] for o in out]))


def _bootstrap_result(models, evaluations, nc, boot_noise_ceil, nc_stat,
                      data, method, rdm_descriptor, kind):
    """The Result of eval_bootstrap_pattern / eval_bootstrap_rdm."""
    if boot_noise_ceil:
        _warn_undefined_ceiling(evaluations, nc, 4)
    else:
        nc = _compat.boot_noise_ceiling(_apply(nc_stat, data, "the data"),
                                        method, rdm_descriptor)
    noise_ceil, variances = _compat.bootstrap_variances(evaluations, nc)
    dof = (data.n_cond if kind == "pattern" else data.n_rdm) - 1
    return _result(models, evaluations, method, f"bootstrap_{kind}",
                   noise_ceil, variances, dof, data, kind)
@fill_doc
def eval_bootstrap_pattern(models, data, theta=None, method="cosine", N=1000,
                           pattern_descriptor="index", rdm_descriptor="index",
                           boot_noise_ceil=True, *, statistic=None,
                           random_state=None, samples=None, progress=False,
                           n_jobs=1, fast=True):
    """Evaluate models with a bootstrap over conditions.

    :func:`rsatoolbox.inference.eval_bootstrap_pattern` with the statistic
    applied, in every sample, to the resampled data and to each resampled
    prediction (duplicated conditions give NaN pairs, which drop out).

    Parameters
    ----------
    %(models)s
    %(data)s
    %(theta)s
    %(method)s
    %(N)s
    pattern_descriptor : str
        Conditions with the same value are resampled together.
    rdm_descriptor : str
        Groups of RDMs left out together by the noise ceiling.
    %(boot_noise_ceil)s
    %(statistic_resampled)s
    %(random_state)s
    samples : array of shape (n_samples, n_groups) | None
        The bootstrap samples (pattern descriptor values, as rsatoolbox's
        ``bootstrap_sample_pattern`` returns them); see :func:`draw_samples`.
    %(progress)s
    %(n_jobs)s
    fast : bool
        Use the weighted-ranks fast path where it applies (the rank RDM, the
        rank-based RGTM or no statistic, comparators 'corr' and 'cosine',
        predictions without NaN). It gives the same numbers as the literal
        resampling up to rounding; ``fast=False`` forces the literal path.

    Returns
    -------
    rsatoolbox.inference.Result
        ``cv_method='bootstrap_pattern'``; evaluations of shape
        (n_samples, n_models), NaN for samples with fewer than 3 distinct
        conditions.

    Examples
    --------
    >>> from rsatoolbox.model import ModelFixed
    >>> from rsatoolbox_topo.datasets import load_92images
    >>> from rsatoolbox_topo.inference import eval_bootstrap_pattern
    >>> models = load_92images("models")
    >>> ms = [ModelFixed(n, models.subset("name", n))
    ...       for n in ("EVA", "monkeyIT")]
    >>> res = eval_bootstrap_pattern(ms, load_92images("hit"), method="corr",
    ...                              N=20, statistic="rgtm", random_state=1)
    >>> res.evaluations.shape, res.cv_method
    ((20, 2), 'bootstrap_pattern')
    """
    _check_execution(n_jobs, progress, fast)
    models, thetas, sides, nc_stat, values = _prepare(
        models, data, theta, method, statistic,
        pattern_descriptor=pattern_descriptor, rdm_descriptor=rdm_descriptor)
    if samples is None:
        samples = draw_samples(data, N, "pattern", pattern_descriptor,
                               random_state)
    else:
        samples = _check_samples(samples, N, values["pattern"], "samples")
    raws = [side.raw(th) for side, th in zip(sides, thetas)]
    spec = _weighted.fast_spec(sides, raws, data, method, nc_stat) \
        if fast else None
    if spec is not None:
        evaluations, nc = _weighted.fast_pattern(
            spec, raws, [m.name for m in models], data, pattern_descriptor,
            rdm_descriptor, method, samples, boot_noise_ceil, progress)
    else:
        evaluations, nc = _bootstrap(
            data, thetas, sides, nc_stat, method, "pattern",
            pattern_descriptor, rdm_descriptor, samples, boot_noise_ceil,
            progress, n_jobs, raws)
    return _bootstrap_result(models, evaluations, nc, boot_noise_ceil,
                             nc_stat, data, method, rdm_descriptor, "pattern")


@fill_doc
def eval_bootstrap_rdm(models, data, theta=None, method="cosine", N=1000,
                       rdm_descriptor="index", boot_noise_ceil=True, *,
                       statistic=None, random_state=None, samples=None,
                       progress=False, n_jobs=1):
    """Evaluate models with a bootstrap over RDMs (subjects).

    :func:`rsatoolbox.inference.eval_bootstrap_rdm` with the statistic
    applied to each resampled data set and to the predictions.

    Parameters
    ----------
    %(models)s
    %(data)s
    %(theta)s
    %(method)s
    %(N)s
    rdm_descriptor : str
        RDMs with the same value are resampled together.
    %(boot_noise_ceil)s
    %(statistic_resampled)s
    %(random_state)s
    samples : array of shape (n_samples, n_groups) | None
        The bootstrap samples (rdm descriptor values, as rsatoolbox's
        ``bootstrap_sample_rdm`` returns them).
    %(progress)s
    %(n_jobs)s

    Returns
    -------
    rsatoolbox.inference.Result
        ``cv_method='bootstrap_rdm'``. Unlike rsatoolbox 0.3.2, whose
        ``variances`` leave out the noise ceiling (they are overwritten by
        the model covariance), they include it, so that tests against the
        noise ceiling use its bootstrap variance; the model variances are
        the same.

    Examples
    --------
    >>> from rsatoolbox.model import ModelFixed
    >>> from rsatoolbox_topo.datasets import load_92images
    >>> from rsatoolbox_topo.inference import eval_bootstrap_rdm
    >>> models = load_92images("models")
    >>> m = ModelFixed("EVA", models.subset("name", "EVA"))
    >>> res = eval_bootstrap_rdm(m, load_92images("hit"), method="corr", N=10,
    ...                          statistic="rank_normalize", random_state=0)
    >>> res.cv_method
    'bootstrap_rdm'
    """
    _check_execution(n_jobs, progress)
    models, thetas, sides, nc_stat, values = _prepare(
        models, data, theta, method, statistic,
        rdm_descriptor=rdm_descriptor)
    if samples is None:
        samples = draw_samples(data, N, "rdm", rdm_descriptor, random_state)
    else:
        samples = _check_samples(samples, N, values["rdm"], "samples")
    raws = [side.raw(th) for side, th in zip(sides, thetas)]
    evaluations, nc = _bootstrap(
        data, thetas, sides, nc_stat, method, "rdm", rdm_descriptor,
        rdm_descriptor, samples, boot_noise_ceil, progress, n_jobs, raws)
    return _bootstrap_result(models, evaluations, nc, boot_noise_ceil,
                             nc_stat, data, method, rdm_descriptor, "rdm")


# ---------------------------------------------------------------- crossval
def _fitting_model(model, statistic, fitter_given):
    """rsatoolbox models with parameters get their topological counterpart.

    Their own fitters would compare a raw prediction with transformed data;
    the counterparts fit with the statistic applied to both sides.
    """
    if statistic is None or isinstance(model, (*_TOPO_MODELS, ModelFixed)) \
            or model.n_param == 0 or fitter_given:
        return model
    if isinstance(model, ModelSelect):
        return ModelSelectTopo(model.name, model.rdm_obj, statistic)
    if isinstance(model, ModelWeighted):
        return ModelWeightedTopo(model.name, model.rdm_obj, statistic)
    raise ValueError(
        f"Model {model.name!r} ({type(model).__name__}) has parameters, and "
        "its fitter does not know the statistic; pass a fitter that fits on "
        "transformed RDMs, or use a model of rsatoolbox_topo.models.")


def _crossval(sides, fitters, rdms, train_set, test_set, ceil_set, method,
              pattern_descriptor, calc_noise_ceil, nc_stat):
    n_models = len(sides)
    evaluations, noise_ceil = [], []
    for i_fold, (train, test) in enumerate(zip(train_set, test_set)):
        evals = np.full(n_models, np.nan)
        if not (train[0].n_rdm == 0 or test[0].n_rdm == 0
                or train[0].n_cond <= 2 or test[0].n_cond <= 2):
            where = f"fold {i_fold}"
            for j, side in enumerate(sides):
                th = fitters[j](side.model, train[0], method=method,
                                pattern_idx=train[1],
                                pattern_descriptor=pattern_descriptor)
                pred = side.raw(th).subsample_pattern(
                    by=pattern_descriptor, value=test[1])
                pred_t = side.transform(
                    pred, th, f"model {side.model.name!r}, {where}")
                data_t = side.transform(test[0], th, "the test data, " + where)
                evals[j] = np.mean(_compat.compare(pred_t, data_t, method))
            if ceil_set is None and calc_noise_ceil:
                noise_ceil.append(_compat.boot_noise_ceiling(
                    _apply(nc_stat, rdms.subsample_pattern(
                        by=pattern_descriptor, value=test[1]),
                        "the test data, " + where), method, "index"))
        evaluations.append(evals)
    evaluations = np.array(evaluations).T.reshape(
        (1, n_models, len(train_set)))
    if ceil_set is not None and calc_noise_ceil:
        noise_ceil = _compat.cv_noise_ceiling(
            rdms, ceil_set, test_set, method, pattern_descriptor,
            _transform(nc_stat))
    elif calc_noise_ceil:
        noise_ceil = np.array(noise_ceil).T
    else:
        noise_ceil = np.array([np.nan, np.nan])
    return evaluations, noise_ceil


def _prepare_cv(models, fitter, statistic, data, pattern_descriptor):
    models = _check_models(models)
    statistic = as_statistic(statistic)
    given = fitter is not None
    fitting = [_fitting_model(m, statistic, given) for m in models]
    stat_for = [None if f is not m else statistic
                for f, m in zip(fitting, models)]
    fitters = _check_fitters(fitter, fitting)
    sides = [_Side(f, s) for f, s in zip(fitting, stat_for)]
    _check_conditions(sides, [_default_theta(s.model) for s in sides], data,
                      pattern_descriptor)
    nc_stat = _nc_statistic(statistic, sides)
    return models, sides, fitters, nc_stat


@fill_doc
def crossval(models, rdms, train_set, test_set, ceil_set=None,
             method="cosine", fitter=None, pattern_descriptor="index",
             calc_noise_ceil=True, *, statistic=None, random_state=None):
    """Evaluate models on given cross-validation folds.

    :func:`rsatoolbox.inference.crossval` with the statistic applied per
    fold: each model is fitted on the fold's training data (a
    :class:`~rsatoolbox_topo.models.ModelThresholds` fits its thresholds
    there), and the test data and the test prediction are transformed with
    the same statistic (for fitted thresholds, the fitted ones).

    Parameters
    ----------
    %(models)s
    rdms : rsatoolbox.rdm.RDMs
        The full data set.
    train_set, test_set : list of (RDMs, pattern_idx)
        The folds, as made by ``rsatoolbox.inference.sets_k_fold``.
    ceil_set : list of (RDMs, pattern_idx) | None
        Training RDMs at the test conditions, for the noise ceiling.
    %(method)s
    %(fitter)s
    pattern_descriptor : str
        Descriptor of the conditions in the folds.
    calc_noise_ceil : bool
        Compute the noise ceiling.
    %(statistic_resampled)s
    %(random_state_unused)s

    Returns
    -------
    rsatoolbox.inference.Result
        ``cv_method='crossvalidation'``, evaluations (1, n_models, n_folds).

    Examples
    --------
    >>> from rsatoolbox.inference import sets_k_fold
    >>> from rsatoolbox_topo.datasets import load_92images
    >>> from rsatoolbox_topo.inference import crossval
    >>> from rsatoolbox_topo.models import ModelThresholds
    >>> hit, models = load_92images("hit"), load_92images("models")
    >>> m = ModelThresholds("monkeyIT", models.subset("name", "monkeyIT"),
    ...                     refine=None)
    >>> train, test, ceil = sets_k_fold(hit, k_rdm=2, k_pattern=2,
    ...                                 random=False)
    >>> crossval(m, hit, train, test, ceil, method="corr").evaluations.shape
    (1, 1, 4)
    """
    _check_data(rdms, "rdms")
    check_option("method", method, _METHODS)
    _rng(random_state)
    for name, folds in (("train_set", train_set), ("ceil_set", ceil_set)):
        if folds is not None and len(folds) != len(test_set):
            raise ValueError(
                f"The '{name}' and 'test_set' parameters must have the same "
                f"length. Got {len(folds)} and {len(test_set)} instead.")
    models, sides, fitters, nc_stat = _prepare_cv(models, fitter, statistic,
                                                  rdms, pattern_descriptor)
    evaluations, noise_ceil = _crossval(
        sides, fitters, rdms, train_set, test_set, ceil_set, method,
        pattern_descriptor, calc_noise_ceil, nc_stat)
    return Result(models, evaluations, method=method,
                  cv_method="crossvalidation", noise_ceiling=noise_ceil)


def _default_theta(model):
    """A parameter vector good enough to check a model's conditions."""
    if isinstance(model, ModelThresholds):
        return (0.0, 1.0)
    if isinstance(model, (ModelWeighted, ModelWeightedTopo)):
        return np.ones(model.n_param)
    if isinstance(model, (ModelSelect, ModelSelectTopo)):
        return 0
    return None


# ------------------------------------------------ bootstrap + crossvalidation
def _internal_cv(sides, fitters, sample, pattern_descriptor, rdm_descriptor,
                 pattern_idx, k_pattern, k_rdm, method, nc_stat, rng):
    """rsatoolbox's _internal_cv: folds drawn from ``rng``, statistic per
    fold (see _compat.concat_sampling for the upstream change)."""
    train_set, test_set, ceil_set = _compat.sets_k_fold(
        sample, k_rdm, k_pattern, rng, pattern_descriptor, rdm_descriptor)
    if k_rdm > 1 or k_pattern > 1:
        nc = _compat.cv_noise_ceiling(sample, ceil_set, test_set, method,
                                      pattern_descriptor, _transform(nc_stat))
    else:
        nc = _compat.boot_noise_ceiling(
            _apply(nc_stat, sample, "the sample"), method, rdm_descriptor)
    for test_s in test_set:
        test_s[1] = _compat.concat_sampling(pattern_idx, test_s[1])
    for train_s in train_set:
        train_s[1] = _compat.concat_sampling(pattern_idx, train_s[1])
    evaluations, _ = _crossval(sides, fitters, sample, train_set, test_set,
                               None, method, pattern_descriptor, False, None)
    return evaluations[0], nc


def _resolve_boot_samples(samples, boot_type, data, N, rdm_descriptor,
                          pattern_descriptor, rng):
    rdm_values = _descriptor_values(data, rdm_descriptor, "rdm")
    pattern_values = _descriptor_values(data, pattern_descriptor, "pattern")
    if samples is None:
        rdm_s = pattern_s = None
        if boot_type in ("both", "rdm"):
            rdm_s = rdm_values[_resampling.draw_individuals(
                rng, len(rdm_values), N)]
        if boot_type in ("both", "pattern"):
            pattern_s = pattern_values[_resampling.draw_conditions(
                rng, len(pattern_values), N)]
    else:
        if not isinstance(samples, (tuple, list)) or len(samples) != 2:
            raise ValueError(
                "The 'samples' parameter must be a pair (rdm_samples, "
                "pattern_samples), each an array of descriptor values of "
                "shape (n_samples, n_groups) or None for a dimension that is "
                f"not resampled. Got {type(samples).__name__} instead.")
        rdm_s, pattern_s = samples
        need_rdm = boot_type in ("both", "rdm")
        need_pattern = boot_type in ("both", "pattern")
        if (rdm_s is None) == need_rdm or (pattern_s is None) == need_pattern:
            raise ValueError(
                f"With boot_type={boot_type!r}, 'samples' must hold rdm "
                f"samples {'and' if need_rdm else 'but not'} pattern "
                f"samples{'' if need_pattern else ' (None)'}.")
        if rdm_s is not None:
            rdm_s = _check_samples(rdm_s, N, rdm_values, "samples[0]")
        if pattern_s is not None:
            pattern_s = _check_samples(pattern_s, N, pattern_values,
                                       "samples[1]")
        if rdm_s is not None and pattern_s is not None \
                and len(rdm_s) != len(pattern_s):
            raise ValueError(
                "The two parts of 'samples' must have the same number of "
                f"samples. Got {len(rdm_s)} and {len(pattern_s)} instead.")
    n = len(rdm_s) if rdm_s is not None else len(pattern_s)
    rdm_s = np.tile(rdm_values, (n, 1)) if rdm_s is None else rdm_s
    pattern_s = np.tile(pattern_values, (n, 1)) if pattern_s is None \
        else pattern_s
    return rdm_s, pattern_s


def _default_ks(data, k_pattern, k_rdm, pattern_descriptor, rdm_descriptor,
                one_rdm_k1):
    n_pattern = len(_descriptor_values(data, pattern_descriptor, "pattern"))
    n_rdm = len(_descriptor_values(data, rdm_descriptor, "rdm"))
    if k_pattern is None:
        k_pattern = default_k_pattern((1 - 1 / np.exp(1)) * n_pattern)
    if k_rdm is None:
        k_rdm = 1 if (one_rdm_k1 and n_rdm == 1) else \
            default_k_rdm((1 - 1 / np.exp(1)) * n_rdm)
    k_pattern = check_int("k_pattern", k_pattern, 1)
    k_rdm = check_int("k_rdm", k_rdm, 1)
    # A bootstrap sample with fewer distinct groups than this is skipped
    # (NaN); folds the full data cannot fill would give only NaN.
    if 3 * k_pattern > n_pattern:
        raise ValueError(
            f"The 'k_pattern' parameter must be at most {n_pattern // 3}: "
            f"each fold needs at least 3 of the {n_pattern} distinct values "
            f"of the pattern descriptor {pattern_descriptor!r}. Got "
            f"{k_pattern} instead.")
    if k_rdm > n_rdm:
        raise ValueError(
            f"The 'k_rdm' parameter must be at most {n_rdm}, the number of "
            f"distinct values of the rdm descriptor {rdm_descriptor!r}. Got "
            f"{k_rdm} instead.")
    return k_pattern, k_rdm


def _check_all_skipped(evaluations, k_pattern, k_rdm):
    """An error instead of an all-NaN result when every sample was skipped."""
    if evaluations.size and np.all(np.isnan(evaluations)):
        raise ValueError(
            f"Every bootstrap sample was skipped: none had the distinct "
            f"conditions (3 x k_pattern = {3 * k_pattern}) and RDM groups "
            f"(k_rdm = {k_rdm}) the folds need. Use fewer folds.")


def _check_execution(n_jobs, progress, *fast):
    """Check the arguments that say how (not what) to compute."""
    check_n_jobs(n_jobs, allow_none=True)
    check_progress(progress)
    for value in fast:
        check_bool("fast", value)


def _bootcv_task(sides, fitters, data, pattern_descriptor, rdm_descriptor,
                 k_pattern, k_rdm, n_cv, method, nc_stat, variants, samples,
                 seeds):
    """Cross-validation inside a batch of bootstrap samples (each sample's
    folds drawn from its own seed)."""
    rdm_s, pattern_s = samples
    n_models = len(sides)
    k = k_pattern * k_rdm
    evals = np.full((len(seeds), n_models, k, n_cv, len(variants)), np.nan)
    nc = np.full((2, len(seeds), n_cv, len(variants)), np.nan)
    all_patterns = np.unique(np.asarray(
        data.pattern_descriptors[pattern_descriptor]))
    for row, seed in enumerate(seeds):
        rng = np.random.default_rng(seed)
        rdm_idx, pattern_idx = rdm_s[row], pattern_s[row]
        if len(np.unique(rdm_idx)) < k_rdm \
                or len(np.unique(pattern_idx)) < 3 * k_pattern:
            continue
        for v, variant in enumerate(variants):
            if variant == "both":
                sample = data.subsample(rdm_descriptor, rdm_idx)
                sample = sample.subsample_pattern(pattern_descriptor,
                                                  pattern_idx)
                p_idx = pattern_idx
            elif variant == "rdm":
                sample = data.subsample(rdm_descriptor, rdm_idx)
                p_idx = all_patterns
            else:
                sample = data.subsample_pattern(pattern_descriptor,
                                                pattern_idx)
                p_idx = pattern_idx
            for rep in range(n_cv):
                e, c = _internal_cv(sides, fitters, sample, pattern_descriptor,
                                    rdm_descriptor, p_idx, k_pattern, k_rdm,
                                    method, nc_stat, rng)
                evals[row, :, :, rep, v] = e
                nc[:, row, rep, v] = c
    return evals, nc


def _bootcv(desc, variants, boot_type, models, data, method, fitter,
            k_pattern, k_rdm, N, n_cv, pattern_descriptor, rdm_descriptor,
            use_correction, statistic, random_state, samples, progress,
            n_jobs):
    """The checks and the sampling of bootstrap_crossval (one variant, the
    resampled ``boot_type``) and eval_dual_bootstrap (three variants).

    Returns the models, evaluations (n_samples, n_models, n_folds, n_cv,
    n_variants), noise ceilings (2, n_samples, n_cv, n_variants) and the
    ``n_cv`` and ``use_correction`` in effect.
    """
    dual = len(variants) > 1
    _check_execution(n_jobs, progress)
    _check_data(data)
    check_option("method", method, _METHODS)
    check_option("boot_type", boot_type, _BOOT_TYPES)
    n_cv = check_int("n_cv", n_cv, 1)
    rng = _rng(random_state)
    # rsatoolbox: bootstrap_crossval takes k_rdm=1 for a single RDM group,
    # eval_dual_bootstrap drops the repetitions without cross-validation
    k_pattern, k_rdm = _default_ks(data, k_pattern, k_rdm, pattern_descriptor,
                                   rdm_descriptor, not dual)
    if dual and k_rdm == 1 and k_pattern == 1:
        n_cv = 1
        use_correction = False
    models, sides, fitters, nc_stat = _prepare_cv(models, fitter, statistic,
                                                  data, pattern_descriptor)
    _compat.warn_correction(use_correction, n_cv)
    rdm_s, pattern_s = _resolve_boot_samples(
        samples, boot_type, data, check_int("N", N, 1), rdm_descriptor,
        pattern_descriptor, rng)
    n = len(rdm_s)
    # One child seed per sample, drawn up front: identical for every n_jobs.
    seeds = _resampling.derive_seeds(rng, n, high=2 ** 63 - 1)
    chunks = _sample_chunks(n, n_jobs, 10)
    out = _run(_bootcv_task,
               (sides, fitters, data, pattern_descriptor, rdm_descriptor,
                k_pattern, k_rdm, n_cv, method, nc_stat, variants),
               [((rdm_s[idx], pattern_s[idx]), seeds[idx]) for idx in chunks],
               [len(idx) for idx in chunks], n_jobs, progress, desc)
    evaluations = np.concatenate([o[0] for o in out])
    _check_all_skipped(evaluations, k_pattern, k_rdm)
    return (models, evaluations, np.concatenate([o[1] for o in out], axis=1),
            n_cv, use_correction)


@fill_doc
def bootstrap_crossval(models, data, method="cosine", fitter=None,
                       k_pattern=None, k_rdm=None, N=1000, n_cv=2,
                       pattern_descriptor="index", rdm_descriptor="index",
                       boot_type="both", use_correction=True, *,
                       statistic=None, random_state=None, samples=None,
                       progress=False, n_jobs=1):
    """k-fold cross-validation inside a bootstrap, statistic per fold.

    :func:`rsatoolbox.inference.bootstrap_crossval`: in every bootstrap
    sample the data are split into ``k_rdm x k_pattern`` folds ``n_cv``
    times; models are fitted on each training fold (thresholds of a
    :class:`~rsatoolbox_topo.models.ModelThresholds` included) and the
    statistic is applied to the test data and prediction of each fold.

    Parameters
    ----------
    %(models)s
    %(data)s
    %(method)s
    %(fitter)s
    k_pattern, k_rdm : int | None
        Folds over conditions and over RDMs (None: rsatoolbox's defaults).
        Each condition fold needs 3 distinct conditions and each RDM fold
        one RDM group: more folds than the data can fill are an error, and
        so is a run in which every bootstrap sample had too few of them.
    %(N)s
    %(n_cv)s
    pattern_descriptor, rdm_descriptor : str
        Descriptors of the condition and RDM groups.
    boot_type : {'both', 'pattern', 'rdm'}
        The dimensions resampled.
    %(use_correction)s
    %(statistic_resampled)s
    %(random_state)s
    %(pair_samples)s
    %(progress)s
    %(n_jobs)s

    Returns
    -------
    rsatoolbox.inference.Result
        Evaluations of shape (n_samples, n_models, k_pattern * k_rdm, n_cv).

    Examples
    --------
    >>> from rsatoolbox.model import ModelFixed
    >>> from rsatoolbox_topo.datasets import load_92images
    >>> from rsatoolbox_topo.inference import bootstrap_crossval
    >>> models = load_92images("models")
    >>> m = ModelFixed("EVA", models.subset("name", "EVA"))
    >>> res = bootstrap_crossval(m, load_92images("hit"), method="corr",
    ...                          k_pattern=2, k_rdm=2, N=3,
    ...                          statistic="rgtm", random_state=0)
    >>> res.evaluations.shape
    (3, 1, 4, 2)
    """
    models, evaluations, noise_ceil, n_cv, use_correction = _bootcv(
        "bootstrap_crossval", [boot_type], boot_type, models, data, method,
        fitter, k_pattern, k_rdm, N, n_cv, pattern_descriptor, rdm_descriptor,
        use_correction, statistic, random_state, samples, progress, n_jobs)
    evaluations = evaluations[..., 0]
    noise_ceil = noise_ceil[..., 0]
    if boot_type == "both":
        cv_method, dof = "bootstrap_crossval", min(data.n_rdm, data.n_cond) - 1
        n_rdm, n_cond = data.n_rdm, data.n_cond
    elif boot_type == "pattern":
        cv_method, dof = "bootstrap_crossval_pattern", data.n_cond - 1
        n_rdm, n_cond = None, data.n_cond
    else:
        cv_method, dof = "bootstrap_crossval_rdm", data.n_rdm - 1
        n_rdm, n_cond = data.n_rdm, None
    variances = _compat.cv_variances(evaluations, noise_ceil, n_cv,
                                     use_correction)
    return Result(models, evaluations, method=method, cv_method=cv_method,
                  noise_ceiling=noise_ceil, variances=variances, dof=dof,
                  n_rdm=n_rdm, n_pattern=n_cond)


@fill_doc
def eval_dual_bootstrap(models, data, method="cosine", fitter=None,
                        k_pattern=1, k_rdm=1, N=1000, n_cv=2,
                        pattern_descriptor="index", rdm_descriptor="index",
                        use_correction=True, *, statistic=None,
                        random_state=None, samples=None, progress=False,
                        n_jobs=1):
    """Dual bootstrap (RDMs, conditions, both), statistic per fold.

    :func:`rsatoolbox.inference.eval_dual_bootstrap`: each bootstrap sample
    is evaluated three times, resampling both dimensions, only the RDMs and
    only the conditions, with optional cross-validation (``k_pattern``,
    ``k_rdm``) inside; the variance estimates are combined as in rsatoolbox.

    Parameters
    ----------
    %(models)s
    %(data)s
    %(method)s
    %(fitter)s
    k_pattern, k_rdm : int | None
        Folds over conditions and over RDMs (1: no cross-validation); too
        many for the data is an error, as in :func:`bootstrap_crossval`.
    %(N)s
    %(n_cv)s
    pattern_descriptor, rdm_descriptor : str
        Descriptors of the condition and RDM groups.
    %(use_correction)s
    %(statistic_resampled)s
    %(random_state)s
    %(pair_samples)s
    %(progress)s
    %(n_jobs)s

    Returns
    -------
    rsatoolbox.inference.Result
        ``cv_method='dual_bootstrap'``; evaluations of shape (n_samples,
        n_models, k_pattern * k_rdm, n_cv, 3).

    Examples
    --------
    >>> from rsatoolbox.model import ModelFixed
    >>> from rsatoolbox_topo.datasets import load_92images
    >>> from rsatoolbox_topo.inference import eval_dual_bootstrap
    >>> models = load_92images("models")
    >>> m = ModelFixed("EVA", models.subset("name", "EVA"))
    >>> res = eval_dual_bootstrap(m, load_92images("hit"), method="corr", N=4,
    ...                           statistic="rgtm", random_state=0)
    >>> res.evaluations.shape
    (4, 1, 1, 1, 3)
    """
    models, evaluations, noise_ceil, n_cv, use_correction = _bootcv(
        "eval_dual_bootstrap", ["both", "rdm", "pattern"], "both", models,
        data, method, fitter, k_pattern, k_rdm, N, n_cv, pattern_descriptor,
        rdm_descriptor, use_correction, statistic, random_state, samples,
        progress, n_jobs)
    variances = _compat.dual_variances(evaluations, noise_ceil, n_cv,
                                       use_correction)
    return Result(models, evaluations, method=method,
                  cv_method="dual_bootstrap", noise_ceiling=noise_ceil,
                  variances=variances, dof=min(data.n_rdm, data.n_cond) - 1,
                  n_rdm=data.n_rdm, n_pattern=data.n_cond)


# ---------------------------------------------------------------- loading
# UPSTREAM: rsatoolbox.inference.result.result_from_dict (and so its
# load_results) rebuilds models with rsatoolbox.model.model_from_dict, which
# knows only rsatoolbox's model classes; a registry of model classes there
# (plugins adding theirs) would let these two readers go.
def result_from_dict(result_dict):
    """Rebuild a Result whose models may be this package's.

    Parameters
    ----------
    result_dict : dict
        The output of ``Result.to_dict()`` (or of rsatoolbox's file readers).

    Returns
    -------
    rsatoolbox.inference.Result

    Examples
    --------
    >>> from rsatoolbox_topo.datasets import load_92images
    >>> from rsatoolbox_topo.inference import eval_fixed, result_from_dict
    >>> from rsatoolbox_topo.models import ModelFixedTopo
    >>> eva = load_92images("models").subset("name", "EVA")
    >>> m = ModelFixedTopo("EVA", eva)
    >>> res = eval_fixed(m, load_92images("hit"), method="corr")
    >>> result_from_dict(res.to_dict()).models[0].statistic
    TopoStatistic('rgtm')
    """
    if not isinstance(result_dict, dict):
        raise TypeError(
            f"The 'result_dict' parameter must be a dict (from "
            f"Result.to_dict()). Got {type(result_dict).__name__} instead.")
    try:
        models_dict = result_dict["models"]
        models = [model_from_dict(models_dict[f"model_{i}"])
                  for i in range(len(models_dict))]
        return Result(models, np.asarray(result_dict["evaluations"]),
                      _text(result_dict["method"]),
                      _text(result_dict["cv_method"]),
                      result_dict["noise_ceiling"],
                      variances=result_dict.get("variances"),
                      dof=result_dict.get("dof"),
                      n_rdm=result_dict.get("n_rdm"),
                      n_pattern=result_dict.get("n_pattern"))
    except (KeyError, AttributeError, IndexError, TypeError) as exc:
        raise ValueError(
            f"The 'result_dict' parameter is not a complete Result "
            f"dictionary ({type(exc).__name__}: {exc}).") from exc


def _text(value):
    return value.decode() if isinstance(value, bytes) else str(value)


def load_results(filename, file_type=None, *, allow_pickle=False):
    """Load a Result saved by ``Result.save``, the package's models included.

    rsatoolbox's own ``load_results`` fails for model classes it does not
    know; this one rebuilds the models of :mod:`rsatoolbox_topo.models` and
    rsatoolbox's.

    Parameters
    ----------
    filename : str | os.PathLike | file
        Path ('.h5', '.hdf5' or, with ``allow_pickle=True``, '.pkl') or an
        open binary file.
    file_type : {'hdf5', 'pkl'} | None
        Inferred from the file's content (and name) when None.
    allow_pickle : bool
        Read pickles. Unpickling runs whatever code the file's author put
        in it, so a pickle (recognised by its content, whatever the name,
        or by a '.pkl' name) is refused with a ValueError before any of it
        is unpickled unless this is True. Set it only for trusted files.

    Returns
    -------
    rsatoolbox.inference.Result

    Examples
    --------
    >>> import os, tempfile
    >>> from rsatoolbox_topo.datasets import load_92images
    >>> from rsatoolbox_topo.inference import eval_fixed, load_results
    >>> from rsatoolbox_topo.models import ModelFixedTopo
    >>> eva = load_92images("models").subset("name", "EVA")
    >>> m = ModelFixedTopo("EVA", eva)
    >>> res = eval_fixed(m, load_92images("hit"), method="corr")
    >>> path = os.path.join(tempfile.mkdtemp(), "res.h5")
    >>> res.save(path)
    >>> load_results(path).models[0].name
    'EVA'
    """
    if isinstance(filename, os.PathLike):
        filename = os.fspath(filename)
    if not isinstance(filename, str) and not hasattr(filename, "read"):
        raise TypeError(
            f"The 'filename' parameter must be a str, a path or an open "
            f"binary file. Got {type(filename).__name__} instead.")
    if file_type is not None:
        check_option("file_type", file_type, ("hdf5", "pkl"))
    if isinstance(filename, str) and not os.path.isfile(filename):
        raise FileNotFoundError(f"{filename}: no such file.")
    kind = refuse_pickle(filename, allow_pickle, "results")
    if file_type == "pkl" and kind != "pickle":
        _refuse_pickle_type(filename, allow_pickle)
        kind = "pickle"
    if kind not in ("hdf5", "pickle"):
        raise ValueError(
            f"{getattr(filename, 'name', filename)}: is neither an HDF5 file "
            f"nor an allowed pickle (no HDF5 signature).")
    where = getattr(filename, "name", filename)
    try:
        # kind is 'pickle' only after refuse_pickle let it through
        data = read_dict_pkl(filename) if kind == "pickle" \
            else read_dict_hdf5(filename)
        return result_from_dict(data)
    except Exception as exc:  # h5py, pickle and the readers raise many kinds
        raise ValueError(
            f"{where}: cannot be read as an rsatoolbox Result "
            f"({type(exc).__name__}: {' '.join(str(exc).split())}).") \
            from exc


def _refuse_pickle_type(filename, allow_pickle):
    if not allow_pickle:
        raise ValueError(
            f"{getattr(filename, 'name', filename)}: file_type='pkl' means "
            f"unpickling, which needs allow_pickle=True (unpickling a file "
            f"can run arbitrary code).")
