"""Time-resolved topological RSA: model RDMs compared over time, with inference.

The engine for RDMs that change over time: one RDM per time point (and,
optionally, per subject), e.g. made from MNE epochs by
:func:`rsatoolbox_topo.bridges.mne.time_resolved_rdms`, or from any other
recording by rsatoolbox.

* :func:`model_timecourse`: model RDMs compared with the data RDMs at every
  time point, the statistic applied to data and models inside every
  bootstrap and permutation sample, bootstrap confidence intervals over
  conditions (and subjects), and a test corrected for multiple comparisons
  over time (cluster-based, max-statistic or FDR);
* :class:`TimecourseResult`: the immutable result, with ``to_frame``,
  ``plot`` (drawn by :func:`rsatoolbox_topo.vis.plot_timecourse`),
  ``save``, ``load`` and ``summary``.

Bootstrap samples and permutations are drawn up front from ``random_state``
and evaluated in chunks by the package's one runner, so the result does not
depend on ``n_jobs`` or on the joblib backend (dask included). Only the
tests across subjects with 'cluster' or 'max' correction use MNE-Python
(imported when they run); everything else needs numpy, scipy and
rsatoolbox. This module takes rsatoolbox RDMs and never imports a bridge.
"""

import warnings
from dataclasses import dataclass

import numpy as np
from rsatoolbox.rdm import RDMs

from . import _resampling
from ._docs import fill_doc
from ._optional import import_extra
from ._parallel import chunk_bounds, run_tasks
from ._results import Result
from ._validation import (apply_statistic, check_comparator,
                          check_fraction, check_int, check_n_jobs,
                          check_option, check_progress, check_random_state)
from .exceptions import (CollapsedStatisticWarning, DegenerateRDMWarning,
                         InferenceWarning, TopoWarning)
from .statistics import as_statistic, statistic_label

__all__ = ["model_timecourse", "TimecourseResult"]

_CORRECTIONS = ("cluster", "max", "fdr", "none")
_COMPARE = ("corr", "cosine", "spearman", "rho-a", "tau-a", "corr_cov",
            "cosine_cov", "kendall", "tau-b")


def _import_mne():
    return import_extra(
        "mne", extra="mne",
        needed_by="rsatoolbox_topo.timecourse (the 'cluster' and 'max' "
                  "tests across subjects)")


# ------------------------------------------------------------ inputs
def _pair_map(idx, n_cond):
    """Condensed indices of the pairs of ``idx`` in an ``n_cond`` RDM.

    Returns the column of every new pair and a mask of the pairs made of one
    condition drawn twice (no dissimilarity: set to NaN, as rsatoolbox's
    bootstrap does).
    """
    idx = np.asarray(idx)
    a, b = np.triu_indices(len(idx), 1)
    i, j = idx[a], idx[b]
    lo, hi = np.minimum(i, j), np.maximum(i, j)
    cols = n_cond * lo - lo * (lo + 1) // 2 + hi - lo - 1
    same = i == j
    cols[same] = 0
    return cols, same


def _model_vectors(models, rdms):
    """Model RDM vectors aligned with the data's conditions, names, and the
    statistics that ModelFixedTopo models carry (name -> statistic)."""
    from rsatoolbox.model import Model, ModelFixed

    from .models import ModelFixedTopo

    items = list(models) if isinstance(models, (list, tuple)) else [models]
    if not items:
        raise ValueError("The 'models' parameter must hold at least one "
                         "model; got an empty list.")
    names, vectors, carried = [], [], {}
    for item in items:
        if isinstance(item, ModelFixedTopo):
            m_rdms = item.predict_raw_rdm()
            m_names = [item.name]
            carried[item.name] = item.statistic
        elif isinstance(item, ModelFixed):
            m_rdms = item.predict_rdm()
            m_names = [item.name]
        elif isinstance(item, RDMs):
            m_rdms = item
            given = item.rdm_descriptors.get("name")
            m_names = ([str(n) for n in given] if given is not None
                       and len(given) == item.n_rdm else
                       [f"model {len(names) + i}" for i in range(item.n_rdm)])
        elif isinstance(item, Model):
            raise TypeError(
                "The 'models' parameter accepts fixed models only "
                "(rsatoolbox.model.ModelFixed, "
                "rsatoolbox_topo.models.ModelFixedTopo or RDMs); "
                f"{type(item).__name__} {item.name!r} has parameters to fit.")
        else:
            raise TypeError(
                "The 'models' parameter must be rsatoolbox RDMs, a "
                "ModelFixed, a ModelFixedTopo, or a list of these. Got "
                f"{type(item).__name__} instead.")
        if m_rdms.n_cond != rdms.n_cond:
            raise ValueError(
                f"The model(s) {m_names} have {m_rdms.n_cond} conditions but "
                f"the data RDMs have {rdms.n_cond}.")
        vec = np.array(m_rdms.get_vectors(), dtype=np.float64)
        data_c = rdms.pattern_descriptors.get("conditions")
        model_c = m_rdms.pattern_descriptors.get("conditions")
        if data_c is not None and model_c is not None:
            data_c = [str(c) for c in data_c]
            model_c = [str(c) for c in model_c]
            if set(data_c) != set(model_c):
                raise ValueError(
                    f"The conditions of the model(s) {m_names} are not those "
                    "of the data (pattern descriptor 'conditions'); only in "
                    f"the data: {sorted(set(data_c) - set(model_c))[:5]}, "
                    "only in the model: "
                    f"{sorted(set(model_c) - set(data_c))[:5]}.")
            pos = {c: i for i, c in enumerate(model_c)}
            cols, _ = _pair_map([pos[c] for c in data_c], rdms.n_cond)
            vec = vec[:, cols]
        names += m_names
        vectors.append(vec)
    if len(set(names)) != len(names):
        raise ValueError(f"The models must have distinct names; got {names}.")
    return names, np.concatenate(vectors), carried


def _data_cube(rdms, time_descriptor, subject_descriptor):
    """Data RDMs as (n_subjects, n_times, n_pairs), with times, subjects."""
    for name, desc in (("time_descriptor", time_descriptor),
                       ("subject_descriptor", subject_descriptor)):
        required = name == "time_descriptor"  # the subject may be None
        if (desc is not None or required) \
                and desc not in rdms.rdm_descriptors:
            raise ValueError(
                f"The '{name}' parameter must name an rdm descriptor of the "
                f"data RDMs ({list(rdms.rdm_descriptors)}). Got {desc!r} "
                "instead.")
    vectors = np.array(rdms.get_vectors(), dtype=np.float64)
    t_all = np.asarray(rdms.rdm_descriptors[time_descriptor], dtype=float)
    times, t_idx = np.unique(t_all, return_inverse=True)
    if subject_descriptor is None:
        subjects, s_idx = np.array(["all"]), np.zeros(len(t_all), int)
    else:
        values = np.asarray(rdms.rdm_descriptors[subject_descriptor])
        if values.dtype.kind not in "biufU":
            values = values.astype(str)  # saved without pickle
        subjects, s_idx = np.unique(values, return_inverse=True)
    counts = np.zeros((len(subjects), len(times)), int)
    np.add.at(counts, (s_idx, t_idx), 1)
    if np.any(counts != 1):
        raise ValueError(
            "The data RDMs must hold exactly one RDM per time point"
            + (" and subject" if subject_descriptor else "")
            + f" (rdm descriptor {time_descriptor!r}); found "
            f"{counts.min()} to {counts.max()}."
            + ("" if subject_descriptor else
               " Several subjects? Set 'subject_descriptor'."))
    cube = np.empty((len(subjects), len(times), vectors.shape[1]))
    cube[s_idx, t_idx] = vectors
    return cube, times, subjects


# ------------------------------------------------------------ evaluation
def _evaluate(cube, model_vecs, cond_idx, subj_idx, statistic, method,
              n_cond, quiet=False):
    """Evaluations (n_samples, n_models, n_subjects, n_times) of samples.

    ``cond_idx`` (n_samples, k) and ``subj_idx`` (n_samples, s) index the
    conditions and subjects of each sample. The statistic is applied once
    to the RDMs of all samples, time points and subjects together.
    """
    from rsatoolbox.rdm import compare

    n_samp, n_sub = len(cond_idx), subj_idx.shape[1]
    n_time, n_model = cube.shape[1], len(model_vecs)
    data, mods = [], []
    for c_idx, s_idx in zip(cond_idx, subj_idx):
        cols, same = _pair_map(c_idx, n_cond)
        d = cube[s_idx][:, :, cols]
        d[..., same] = np.nan
        m = model_vecs[:, cols]
        m[:, same] = np.nan
        data.append(d.reshape(-1, len(cols)))
        mods.append(m)
    with warnings.catch_warnings():
        if quiet:  # constant resampled RDMs: reported by the caller
            warnings.simplefilter("ignore", TopoWarning)
        data = apply_statistic(statistic, RDMs(np.concatenate(data)))
        mods = apply_statistic(statistic, RDMs(np.concatenate(mods)))
    data = data.get_vectors().reshape(n_samp, n_sub * n_time, -1)
    mods = mods.get_vectors().reshape(n_samp, n_model, -1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        out = np.stack([compare(m, d, method=method)
                        for m, d in zip(mods, data)])
    # An RDM without two distinct values has no defined comparison.
    out[_constant(mods)] = np.nan
    out.transpose(0, 2, 1)[_constant(data)] = np.nan
    return out.reshape(n_samp, n_model, n_sub, n_time)


def _constant(vectors):
    """True for rows (last axis) without two distinct non-NaN values."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        spread = np.nanmax(vectors, axis=-1) - np.nanmin(vectors, axis=-1)
    return ~(spread > 0)


def _bootstrap_indices(rng, n_bootstrap, n_cond, n_subj):
    """All bootstrap samples drawn up front (so n_jobs cannot change them).

    Conditions are resampled with replacement, identically for every time
    point and subject of a sample; a sample with fewer than 3 distinct
    conditions is drawn again. Subjects are resampled when there are
    several.
    """
    cond = _resampling.draw_conditions(rng, n_cond, n_bootstrap,
                                       min_distinct=3)
    if n_subj > 1:
        subj = _resampling.draw_individuals(rng, n_subj, n_bootstrap)
    else:
        subj = np.zeros((n_bootstrap, 1), dtype=int)
    return cond, subj


# ------------------------------------------------------------ tests
def _z_scores(values, null):
    """Values standardised by the null's mean and SD at each time point."""
    mean, sd = null.mean(axis=0), null.std(axis=0)
    return np.where(sd > 0, (values - mean) / np.where(sd > 0, sd, 1), 0.0)


def _cluster_masses(supra, z):
    """Mass (sum of z) of each run of True along the last axis.

    Returns labels (same shape, 0 outside runs, unique per run) and masses
    indexed by label. scipy.ndimage.label finds the runs; a structure that
    connects only along time keeps the rows apart.
    """
    from scipy import ndimage

    flat = supra.reshape(-1, supra.shape[-1])
    structure = np.array([[0, 0, 0], [1, 1, 1], [0, 0, 0]])
    labels, n_lab = ndimage.label(flat, structure=structure)
    masses = np.zeros(n_lab + 1)
    if n_lab:
        masses[1:] = ndimage.sum(z.reshape(flat.shape), labels,
                                 np.arange(1, n_lab + 1))
    return labels.reshape(supra.shape), masses


def _permutation_tests(obs, null, correction, cluster_threshold):
    """p-values over time from a condition-permutation null.

    obs: (n_models, n_times); null: (n_perm, n_models, n_times). One-sided
    (evaluation larger than under the null). Hand-written because MNE's
    cluster tests sign-flip subjects, which needs several subjects; here
    the null comes from relabelling the conditions of the models.

    The observed and the permuted time courses are treated alike (pooled
    z-scores, p-values and cluster masses over all n_perm + 1 of them), so
    that under the null the observed one is exchangeable with the others and
    the corrected test is exact; standardising by the permutations alone
    makes the max and cluster tests liberal (measured: FWER 0.06 instead of
    0.05 for 'max').
    """
    from scipy.stats import rankdata

    n_all = len(null) + 1
    full = np.concatenate([obs[None], null])       # row 0: observed
    # p of every row among all rows (itself included): (1 + #others >=) / n
    p_full = (n_all + 1 - rankdata(full, method="min", axis=0)) / n_all
    if correction in ("fdr", "none"):
        return p_full[0]
    z_full = _z_scores(full, full)
    if correction == "max":
        max_full = z_full.max(axis=2)              # (n_all, n_models)
        return np.sum(max_full[:, :, None] >= z_full[0], axis=0) / n_all
    labels, masses = _cluster_masses(p_full < cluster_threshold, z_full)
    largest = np.zeros(labels.shape[:2])           # 0: no cluster
    rows = np.broadcast_to(np.arange(largest.size).reshape(largest.shape)
                           [..., None], labels.shape)
    inside = labels > 0
    np.maximum.at(largest.reshape(-1), rows[inside], masses[labels[inside]])
    p = np.ones_like(obs)
    for model in range(obs.shape[0]):
        own = labels[0, model]
        for lab in np.unique(own[own > 0]):
            p[model, own == lab] = np.sum(largest[:, model]
                                          >= masses[lab]) / n_all
    return p


def _group_tests(per_subject, correction, cluster_threshold, n_permutations,
                 seed, n_jobs):
    """p-values over time from the subjects' evaluations (n_models, S, T)."""
    from scipy import stats

    mne = None if correction in ("fdr", "none") else _import_mne()
    n_subj = per_subject.shape[1]
    p = np.ones(per_subject.shape[::2])
    for model, x in enumerate(per_subject):
        if correction in ("fdr", "none"):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                p[model] = stats.ttest_1samp(x, 0.0,
                                             alternative="greater").pvalue
            p[model] = np.where(np.isnan(p[model]), 1.0, p[model])
        elif correction == "max":
            func = mne.stats.permutation_t_test
            _, p[model], _ = func(x, n_permutations, tail=1, n_jobs=n_jobs,
                                  verbose=False, **_mne_seed(func, seed))
        else:
            threshold = stats.t.ppf(1 - cluster_threshold, n_subj - 1)
            func = mne.stats.permutation_cluster_1samp_test
            with warnings.catch_warnings():  # "No clusters found": p = 1
                warnings.filterwarnings("ignore", "No clusters found",
                                        RuntimeWarning)
                _, clusters, p_clu, _ = func(
                    x, threshold=threshold, n_permutations=n_permutations,
                    tail=1, n_jobs=n_jobs, out_type="mask", verbose=False,
                    **_mne_seed(func, seed))
            for where, p_c in zip(clusters, p_clu):
                p[model][where] = p_c  # a boolean mask or tuple of slices
    return p


def _mne_seed(func, seed):
    """MNE's seed keyword: ``rng`` in recent versions, ``seed`` before."""
    import inspect

    params = inspect.signature(func).parameters
    return {"rng": seed} if "rng" in params else {"seed": seed}


def _one_statistic(statistic, carried):
    """The statistic of the analysis, given ModelFixedTopo's own ones.

    One statistic is applied to the data and every model; a ModelFixedTopo
    carries one, which must be that one (or gives it, when ``statistic`` is
    None).
    """
    if not carried:
        return statistic
    if statistic is None:
        first = next(iter(carried.values()))
        if all(s == first for s in carried.values()):
            return first
    differing = {name: s for name, s in carried.items() if s != statistic}
    if differing:
        raise ValueError(
            "The time course applies one statistic to the data and to every "
            "model, but the ModelFixedTopo model(s) carry "
            + ", ".join(f"{name!r}: {statistic_label(s)}"
                        for name, s in differing.items())
            + f" and the 'statistic' parameter is "
            f"{statistic_label(statistic)}. Pass statistic= the models' "
            "statistic (or leave it None when all models carry the same "
            "one), or give the models' raw RDMs.")
    return statistic


# ------------------------------------------------------------ driver
@fill_doc
def model_timecourse(rdms, models, *, method="corr", statistic=None,
                     time_descriptor="time", subject_descriptor=None,
                     n_bootstrap=1000, ci_level=0.95,
                     correction="cluster", alpha=0.05,
                     cluster_threshold=0.05, n_permutations=1000,
                     random_state=None, n_jobs=1, progress=False):
    """Compare model RDMs with time-resolved data RDMs, with inference.

    At every time point the (transformed) data RDM of every subject is
    compared with each (transformed) model RDM; the evaluation is the mean
    over subjects. The statistic is applied to the data and the model RDMs
    on the same conditions, inside every bootstrap or permutation sample.

    Confidence intervals come from a bootstrap of the conditions (and of
    the subjects when there are several): every sample uses the same
    conditions and subjects at all time points, so the CIs of different
    times are coherent. The test (one-sided: the model explains the data
    better than chance) is corrected over time:

    * several subjects (``subject_descriptor``): across subjects, with
      :func:`mne.stats.permutation_cluster_1samp_test` ('cluster', cluster
      forming at a one-sided t-test p < ``cluster_threshold``),
      :func:`mne.stats.permutation_t_test` ('max'), or a one-sided t-test
      per time point with Benjamini-Hochberg FDR
      (:func:`scipy.stats.false_discovery_control`, 'fdr');
    * one subject: a randomisation test that permutes the conditions of
      the models (the same permutation at every time point), with
      cluster-mass ('cluster': clusters of time points with uncorrected
      p < ``cluster_threshold``, mass = sum of the evaluations' z-scores
      under the null, each cluster compared with the null's largest),
      max-statistic ('max') or FDR ('fdr') correction.

    Parameters
    ----------
    rdms : rsatoolbox.rdm.RDMs
        Data RDMs, one per time point (and subject), e.g. from
        :func:`rsatoolbox_topo.bridges.mne.time_resolved_rdms`
        (untransformed: pass the statistic here).
    models : RDMs | rsatoolbox.model.ModelFixed | ModelFixedTopo | list
        The model RDMs (each RDM of an RDMs object is one model, named by
        its rdm descriptor ``'name'`` if present). When both the data and a
        model have the pattern descriptor ``'conditions'``, the model is
        reordered to the data's conditions. A
        :class:`~rsatoolbox_topo.models.ModelFixedTopo` gives its raw RDM,
        and its statistic must be ``statistic`` (or becomes it when
        ``statistic`` is None): one statistic is applied to the data and
        all models.
    method : {'corr', 'cosine', 'spearman', 'rho-a', 'tau-a', 'kendall', \
'tau-b', 'corr_cov', 'cosine_cov'}
        How model and data RDMs are compared, as in
        :func:`rsatoolbox.rdm.compare` (the comparator; the dissimilarity
        measure is chosen when the RDMs are made).
    %(statistic)s
        It is applied to data and models inside every bootstrap and
        permutation sample. Checks that depend on the data (such as rgdm's
        ``k`` below the number of conditions) run on the data RDMs, before
        any resampling.
    time_descriptor : str
        Rdm descriptor holding the time of each RDM.
    subject_descriptor : str | None
        Rdm descriptor holding the subject of each RDM; None: one subject.
    n_bootstrap : int
        Bootstrap samples for the CIs (0: no CIs).
    %(ci_level)s
        The intervals are percentile intervals.
    correction : {'cluster', 'max', 'fdr', 'none'}
        Correction for multiple comparisons over time.
    alpha : float
        Level of the (corrected) test, in (0, 1).
    cluster_threshold : float
        Uncorrected one-sided p-value that forms clusters, in (0, 1).
    %(n_permutations)s
        Not used by 'fdr' and 'none' with several subjects.
    %(random_state)s
        It seeds the bootstrap, the permutations and MNE's tests.
    %(n_jobs)s
        Chunks of bootstrap samples and of permutations run on them; MNE's
        tests across subjects get ``n_jobs`` too.
    %(progress)s
        One bar for the bootstrap, one for the permutations.

    Returns
    -------
    TimecourseResult

    Examples
    --------
    >>> import numpy as np
    >>> from rsatoolbox.rdm import RDMs
    >>> from rsatoolbox_topo.timecourse import model_timecourse
    >>> rng = np.random.default_rng(0)
    >>> model = rng.random(15)  # 6 conditions
    >>> data = np.array([rng.random(15), model + 0.1 * rng.random(15)])
    >>> rdms = RDMs(data, rdm_descriptors={"time": [0.0, 0.1]})
    >>> res = model_timecourse(rdms, RDMs(model), n_bootstrap=50,
    ...                        correction="none", n_permutations=200,
    ...                        random_state=0)
    >>> res.significant.tolist()
    [[False, True]]
    """
    if not isinstance(rdms, RDMs):
        raise TypeError("The 'rdms' parameter must be an rsatoolbox RDMs "
                        f"object. Got {type(rdms).__name__} instead.")
    if rdms.n_cond < 3:
        raise ValueError("The 'rdms' parameter must have at least 3 "
                         f"conditions. Got {rdms.n_cond} instead.")
    check_comparator(method, _COMPARE)
    check_option("correction", correction, _CORRECTIONS)
    n_bootstrap = check_int("n_bootstrap", n_bootstrap, 0)
    n_permutations = check_int("n_permutations", n_permutations, 1)
    ci_level = check_fraction("ci_level", ci_level)
    alpha = check_fraction("alpha", alpha)
    cluster_threshold = check_fraction("cluster_threshold", cluster_threshold)
    n_jobs = check_n_jobs(n_jobs, allow_none=True)
    check_progress(progress)
    rng = check_random_state(random_state)
    statistic = as_statistic(statistic)
    cube, times, subjects = _data_cube(rdms, time_descriptor,
                                       subject_descriptor)
    names, model_vecs, carried = _model_vectors(models, rdms)
    statistic = _one_statistic(statistic, carried)
    n_subj, n_time = cube.shape[:2]
    n_cond = rdms.n_cond
    if subject_descriptor is not None and n_subj < 2:
        raise ValueError(
            f"The subject descriptor {subject_descriptor!r} has a single "
            "value; set subject_descriptor=None for one subject.")

    # The estimate first: the statistic meets the data (and its
    # data-dependent checks run) before any resampling.
    all_cond = np.arange(n_cond)[None]
    all_subj = np.arange(n_subj)[None]
    per_subject = _evaluate(cube, model_vecs, all_cond, all_subj, statistic,
                            method, n_cond)[0]          # (M, S, T)
    evaluations = per_subject.mean(axis=1)
    undefined = np.isnan(per_subject).all(axis=(1, 2))
    if np.any(undefined):
        warnings.warn(
            f"The model(s) {[names[i] for i in np.flatnonzero(undefined)]} "
            f"have the same value for every pair of conditions after the "
            f"statistic ({statistic_label(statistic)}), so they cannot be "
            "compared with the data (evaluations are NaN). A binary model "
            "becomes constant under an RGTM whose lower threshold lies "
            "above its fraction of 0-pairs; use other thresholds.",
            CollapsedStatisticWarning, stacklevel=2)

    # all random draws up front, in a fixed order
    boot_cond, boot_subj = _bootstrap_indices(rng, n_bootstrap, n_cond,
                                              n_subj)
    perms = _resampling.draw_permutations(rng, n_cond, n_permutations)
    mne_seed = _resampling.derive_seed(rng)

    common = dict(statistic=statistic, method=method, n_cond=n_cond)
    boot = np.empty((n_bootstrap, len(names), n_time))
    if n_bootstrap:
        chunk = max(1, min(100, int(2e7 // max(1, n_subj * n_time
                                                * len(names) * n_cond ** 2))))
        bounds = chunk_bounds(n_bootstrap, n_jobs, max_size=chunk)
        parts = run_tasks(
            _bootstrap_means,
            [(boot_cond[a:b], boot_subj[a:b]) for a, b in bounds],
            shared=(cube, model_vecs), shared_kwargs=common, n_jobs=n_jobs,
            progress=progress, desc="bootstrap", unit="sample",
            sizes=[b - a for a, b in bounds])
        boot[:] = np.concatenate(parts)
        bad = np.isnan(boot) & ~np.isnan(evaluations)
        if np.any(bad):
            warnings.warn(
                f"{int(bad.any(axis=(1, 2)).sum())} of {n_bootstrap} bootstrap "
                "samples had an RDM without two distinct values (too few "
                "distinct conditions drawn); they are left out of the CIs.",
                DegenerateRDMWarning, stacklevel=2)
        ci = np.stack(_resampling.confidence_interval(boot, level=ci_level))
    else:
        ci = np.full((2, len(names), n_time), np.nan)

    _warn_unreachable(n_subj, n_permutations, correction, alpha)
    if n_subj > 1:
        p_values = _group_tests(per_subject, correction, cluster_threshold,
                                n_permutations, mne_seed, n_jobs)
    else:
        null = _permutation_null(cube[0], model_vecs, perms, n_jobs,
                                 progress, **common)
        p_values = _permutation_tests(evaluations, null, correction,
                                      cluster_threshold)
    p_values = np.where(np.isnan(evaluations), 1.0, p_values)
    if correction == "fdr":
        from scipy.stats import false_discovery_control

        p_values = np.stack([false_discovery_control(p, method="bh")
                             for p in p_values])
    return TimecourseResult(
        times=times, model_names=tuple(names), evaluations=evaluations,
        ci=ci, bootstrap=boot, p_values=p_values,
        significant=p_values < alpha, per_subject=per_subject,
        subjects=subjects, method=method,
        statistic=statistic_label(statistic), correction=correction,
        alpha=alpha, ci_level=ci_level, cluster_threshold=cluster_threshold,
        n_permutations=n_permutations)


def _bootstrap_means(cube, model_vecs, cond_idx, subj_idx, *, statistic,
                     method, n_cond):
    """Evaluations (n_samples, n_models, n_times) of bootstrap samples."""
    return _evaluate(cube, model_vecs, cond_idx, subj_idx, statistic,
                     method, n_cond, quiet=True).mean(axis=2)


def _warn_unreachable(n_subj, n_permutations, correction, alpha):
    """Warn when no p-value of the test can fall below ``alpha``."""
    if n_subj > 1 and correction in ("fdr", "none"):
        return  # t-tests
    if n_subj > 1:
        # MNE's sign flips: all 2**n_subj when there are few enough
        smallest = max(1 / 2 ** n_subj, 1 / (n_permutations + 1))
        what = (f"{n_subj} subjects and n_permutations={n_permutations} "
                "(sign flips across subjects)")
    else:
        smallest = 1 / (n_permutations + 1)
        what = f"n_permutations={n_permutations}"
    if smallest >= alpha:
        warnings.warn(
            f"With {what} the smallest possible p-value is {smallest:.3g}, "
            f"not below alpha={alpha:g}: nothing can be significant. Use more "
            "permutations" + (" or subjects" if n_subj > 1 else "") + ".",
            InferenceWarning, stacklevel=3)


def _permutation_null(data, model_vecs, perms, n_jobs, progress, *,
                      statistic, method, n_cond):
    """Evaluations (n_perm, n_models, n_times) with permuted model labels.

    The data (n_times, n_pairs) are transformed once; the permuted model
    RDMs are transformed and compared in chunks of permutations by the
    runner (a statistic acts on each RDM alone, and each permutation is
    compared on its own, so the chunking cannot change the values).
    """
    with warnings.catch_warnings():  # already reported for the estimate
        warnings.simplefilter("ignore", TopoWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        data_t = apply_statistic(statistic, RDMs(data)).get_vectors()
    n_model, n_pairs = model_vecs.shape
    chunk = max(1, int(2e6 // max(1, n_model * n_pairs)))
    bounds = chunk_bounds(len(perms), n_jobs, max_size=chunk)
    parts = run_tasks(
        _permuted_evaluations, [(perms[a:b],) for a, b in bounds],
        shared=(data_t, model_vecs),
        shared_kwargs=dict(statistic=statistic, method=method,
                           n_cond=n_cond),
        n_jobs=n_jobs, progress=progress, desc="permutations",
        unit="permutation", sizes=[b - a for a, b in bounds])
    return np.concatenate(parts)


def _permuted_evaluations(data_t, model_vecs, perms, *, statistic, method,
                          n_cond):
    """Transformed data compared with the models under each permutation."""
    from rsatoolbox.rdm import compare

    cols = np.stack([_pair_map(p, n_cond)[0] for p in perms])
    permuted = model_vecs[:, cols]                 # (M, P, pairs)
    permuted = permuted.transpose(1, 0, 2).reshape(-1, model_vecs.shape[1])
    with warnings.catch_warnings():  # already reported for the estimate
        warnings.simplefilter("ignore", TopoWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        permuted = apply_statistic(statistic, RDMs(permuted)).get_vectors()
        # one comparison per permutation, of the shape of the estimate's:
        # the values then do not depend on how permutations are chunked
        # (a larger matrix product may round differently, and a permutation
        # that leaves the model as it is must tie with the estimate)
        null = np.stack([compare(m, data_t, method=method) for m in
                         permuted.reshape(len(perms), len(model_vecs), -1)])
    return null


# ------------------------------------------------------------ result
@dataclass(frozen=True, eq=False)
class TimecourseResult(Result):
    """Model evaluations over time, with bootstrap CIs and a corrected test.

    Made by :func:`model_timecourse`; each parameter is kept as an
    attribute of the same name. Immutable (its arrays are read-only);
    ``save(path)`` writes it to ``.npz`` or ``.json`` and
    ``TimecourseResult.load(path)`` reads it back exactly.

    Parameters
    ----------
    times : ndarray, shape (n_times,)
        Time of each evaluation (s).
    model_names : tuple of str
        Names of the models, in the order of the first axis below.
    evaluations : ndarray, shape (n_models, n_times)
        Comparison of each model with the data (mean over subjects).
    ci : ndarray, shape (2, n_models, n_times)
        Lower and upper bounds of the percentile bootstrap CI (NaN without
        bootstrap).
    bootstrap : ndarray, shape (n_bootstrap, n_models, n_times)
        The bootstrap evaluations.
    p_values : ndarray, shape (n_models, n_times)
        Corrected p-values (cluster p-value for time points in a cluster,
        1 elsewhere; FDR-adjusted for 'fdr'; uncorrected for 'none').
    significant : ndarray of bool, shape (n_models, n_times)
        Time points where the model is significant at ``alpha``.
    per_subject : ndarray, shape (n_models, n_subjects, n_times)
        Evaluations of each subject.
    subjects : ndarray
        Subject labels (``['all']`` for one subject).
    method : str
        How model and data RDMs were compared.
    statistic : str
        Label of the statistic (``'none'`` without one).
    correction : str
        Correction over time.
    alpha : float
        Level of the test.
    ci_level : float
        Level of the CIs.
    cluster_threshold : float
        Cluster-forming p-value ('cluster').
    n_permutations : int
        Permutations asked for (not used by 'fdr' and 'none' across
        subjects).
    """

    times: np.ndarray
    model_names: tuple
    evaluations: np.ndarray
    ci: np.ndarray
    bootstrap: np.ndarray
    p_values: np.ndarray
    significant: np.ndarray
    per_subject: np.ndarray
    subjects: np.ndarray
    method: str
    statistic: str
    correction: str
    alpha: float
    ci_level: float
    cluster_threshold: float
    n_permutations: int

    @property
    def onsets(self):
        """First significant time of each model (NaN if never), a dict."""
        return {name: (float(self.times[np.argmax(sig)]) if sig.any()
                       else float("nan"))
                for name, sig in zip(self.model_names, self.significant)}

    def summary(self):
        """One line: the design and, per model, when it is significant.

        Returns
        -------
        str
        """
        found = []
        for name, sig in zip(self.model_names, self.significant):
            onset = self.onsets[name]
            found.append(f"{name} {int(sig.sum())}/{len(sig)}"
                         + (f" from {onset:g} s" if sig.any() else ""))
        return (f"{len(self.model_names)} model(s), "
                f"{len(self.times)} time points ({self.times[0]:g} to "
                f"{self.times[-1]:g} s), {len(self.subjects)} subject(s), "
                f"method={self.method!r}, statistic={self.statistic!r}, "
                f"{self.bootstrap.shape[0]} bootstrap samples; "
                f"{self.correction} correction, alpha={self.alpha:g}: "
                f"significant {', '.join(found)}")

    def to_frame(self):
        """The result as a long table: one row per model and time point.

        Returns
        -------
        pandas.DataFrame
            Columns: model, time, evaluation, ci_low, ci_high, p_value,
            significant.
        """
        import pandas as pd

        n_model, n_time = self.evaluations.shape
        return pd.DataFrame({
            "model": np.repeat(list(self.model_names), n_time),
            "time": np.tile(self.times, n_model),
            "evaluation": self.evaluations.ravel(),
            "ci_low": self.ci[0].ravel(),
            "ci_high": self.ci[1].ravel(),
            "p_value": self.p_values.ravel(),
            "significant": self.significant.ravel(),
        })

    def plot(self, ax=None, **kwargs):
        """Plot the time courses: :func:`rsatoolbox_topo.vis.plot_timecourse`.

        Parameters
        ----------
        ax : matplotlib.axes.Axes | None
            Where to draw; None: a new figure.
        **kwargs
            Passed to :func:`~rsatoolbox_topo.vis.plot_timecourse`
            (``colors``, ``show_ci``, ``show_significance``).

        Returns
        -------
        matplotlib.axes.Axes
        """
        from . import vis

        return vis.plot_timecourse(self, ax=ax, **kwargs)
