"""From MNE-Python epochs to time-resolved topological RSA.

MEG and EEG recordings are usually held as :class:`mne.Epochs`. This bridge
takes them to rsatoolbox objects and on to topological RSA over time:

* :func:`epochs_to_dataset`: epochs -> :class:`rsatoolbox.data.TemporalDataset`
  (conditions from ``event_id`` or a metadata column, MNE-style ``picks``,
  ``tmin``/``tmax`` and ``decim``);
* :func:`time_resolved_rdms`: one RDM per time point (crossvalidated
  'crossnobis' by default), with an optional geo-topological statistic
  (:func:`~rsatoolbox_topo.rgtm`, :func:`~rsatoolbox_topo.rank_normalize`,
  :func:`~rsatoolbox_topo.rgdm`) applied to the whole stack at once;
* :func:`model_timecourse`: model RDMs compared with the data RDMs at every
  time point, bootstrap confidence intervals over conditions (and subjects),
  and a test corrected for multiple comparisons over time (cluster-based,
  max-statistic or FDR) -> :class:`TimecourseResult` with ``to_frame`` and
  ``plot``.

MNE is imported inside the functions that need it: importing
:mod:`rsatoolbox_topo` or :mod:`rsatoolbox_topo.bridges` never imports it.
"""

import warnings
from dataclasses import dataclass

import numpy as np
from rsatoolbox.rdm import RDMs

from .. import _resampling
from .._optional import import_extra
from .._parallel import chunk_bounds, run_tasks
from .._validation import (check_fraction, check_int, check_n_jobs,
                           check_option, check_progress, check_random_state,
                           check_real)
from ..exceptions import (CollapsedStatisticWarning, DegenerateRDMWarning,
                           InferenceWarning, TopoWarning)
from ..models import TopoStatistic, as_statistic

__all__ = ["epochs_to_dataset", "time_resolved_rdms", "model_timecourse",
           "TimecourseResult"]

_METHODS = ("crossnobis", "euclidean", "mahalanobis", "correlation")
_CROSSVALIDATED = ("crossnobis",)
_NOISE = ("diag", "shrinkage_eye", "shrinkage_diag", "full")
_CORRECTIONS = ("cluster", "max", "fdr", "none")
_COMPARE = ("corr", "cosine", "spearman", "rho-a", "tau-a", "corr_cov",
            "cosine_cov", "kendall", "tau-b")
_LABELS = {"crossnobis": "crossnobis", "euclidean": "squared euclidean",
           "mahalanobis": "squared mahalanobis", "correlation": "correlation"}


def _import_mne():
    return import_extra("mne", extra="mne",
                        needed_by="rsatoolbox_topo.bridges.mne")


# ------------------------------------------------------------ conditions
def _tag_match(name, key):
    """MNE's event selection: ``name`` matches ``key`` exactly or by tags."""
    if name == key:
        return True
    return set(name.split("/")) <= set(key.split("/"))


def _condition_labels(epochs, conditions):
    """Condition label of every epoch (None: not selected) and their order."""
    codes = epochs.events[:, 2]
    code_to_name = {code: name for name, code in epochs.event_id.items()}
    if conditions is None:
        names = np.array([code_to_name.get(c) for c in codes], dtype=object)
        order = [n for n in epochs.event_id if np.any(names == n)]
        return names, order
    if isinstance(conditions, str):
        metadata = epochs.metadata
        if metadata is None or conditions not in metadata.columns:
            columns = [] if metadata is None else list(metadata.columns)
            raise ValueError(
                "The 'conditions' parameter must be None, a column of "
                "epochs.metadata or a list of event names. Got "
                f"conditions={conditions!r}, but the epochs have "
                + ("no metadata." if metadata is None else
                   f"metadata columns {columns}."))
        values = metadata[conditions].to_numpy()
        if any(v is None or (isinstance(v, float) and np.isnan(v))
               for v in values):
            raise ValueError(
                f"The metadata column {conditions!r} (the 'conditions' "
                "parameter) has missing values; drop those epochs first.")
        labels = np.array([str(v) for v in values], dtype=object)
        order = [str(v) for v in _unique_in_order(values)]
        return labels, order
    if not isinstance(conditions, (list, tuple)) or not all(
            isinstance(c, str) for c in conditions):
        raise TypeError(
            "The 'conditions' parameter must be None, a metadata column name "
            "(str) or a list of event names (str). Got "
            f"{type(conditions).__name__} instead.")
    if len(set(conditions)) != len(conditions):
        raise ValueError("The 'conditions' parameter lists a name more than "
                         f"once. Got {list(conditions)!r} instead.")
    keys = list(epochs.event_id)
    missing = [c for c in conditions
               if not any(_tag_match(c, k) for k in keys)]
    if missing:
        raise ValueError(
            f"The condition(s) {missing} of the 'conditions' parameter match "
            f"no event of the epochs. Available event names: {keys}.")
    labels = np.full(len(codes), None, dtype=object)
    for cond in conditions:
        matched = {epochs.event_id[k] for k in keys if _tag_match(cond, k)}
        hit = np.isin(codes, list(matched))
        both = hit & (labels != None)  # noqa: E711 (element-wise)
        if np.any(both):
            raise ValueError(
                f"The conditions {labels[both][0]!r} and {cond!r} of the "
                "'conditions' parameter select the same epochs; each epoch "
                "must belong to one condition.")
        labels[hit] = cond
    empty = [c for c in conditions if not np.any(labels == c)]
    if empty:
        raise ValueError(
            f"The condition(s) {empty} of the 'conditions' parameter have no "
            "epoch left (all dropped?).")
    return labels, list(conditions)


def _unique_in_order(values):
    seen = {}
    for v in values:
        seen.setdefault(v, None)
    return list(seen)


def _check_window(times, tmin, tmax):
    tmin = times[0] if tmin is None else check_real("tmin", tmin)
    tmax = times[-1] if tmax is None else check_real("tmax", tmax)
    if tmin > tmax:
        raise ValueError(
            "The 'tmin' parameter must not exceed the 'tmax' parameter. Got "
            f"tmin={tmin!r} and tmax={tmax!r} instead.")
    tol = 0.5 * np.median(np.diff(times)) if len(times) > 1 else 0.0
    inside = (times >= tmin - 1e-9) & (times <= tmax + 1e-9)
    if tmin < times[0] - tol or tmax > times[-1] + tol or not inside.any():
        raise ValueError(
            f"The time window tmin={tmin:g} s, tmax={tmax:g} s is outside "
            f"the epochs, which span {times[0]:g} s to {times[-1]:g} s.")
    return tmin, tmax


# ------------------------------------------------------------ epochs
def epochs_to_dataset(epochs, conditions=None, *, picks=None, tmin=None,
                      tmax=None, decim=1, verbose=None):
    """Turn MNE epochs into an rsatoolbox temporal dataset.

    Parameters
    ----------
    epochs : mne.Epochs | mne.EpochsArray
        The epochs; they are not changed.
    conditions : None | str | list of str
        What the conditions (the rows of the RDMs) are. None (default): one
        condition per event name of ``epochs.event_id``. A str: a column of
        ``epochs.metadata`` whose values are the conditions. A list of event
        names: those conditions only, selected as ``epochs[name]`` would
        (exact names or '/'-separated tags, e.g. ``'face'`` selects
        ``'face/left'`` and ``'face/right'``); other epochs are left out.
    picks : str | list | slice | None
        Channels to use, as in MNE (names, indices, channel types such as
        ``'meg'`` or ``'eeg'``). None (default) picks the good data channels.
    tmin, tmax : float | None
        Time window in seconds (inclusive); None: the start / end of the
        epochs.
    decim : int
        Keep every ``decim``-th sample, with MNE's
        :meth:`mne.Epochs.decimate` (which warns when the epochs are not
        low-pass filtered enough for it).
    verbose : bool | str | int | None
        MNE's verbosity for the operations above.

    Returns
    -------
    rsatoolbox.data.TemporalDataset
        Measurements of shape (n_epochs, n_channels, n_times). Observation
        descriptors: ``'conditions'`` (the condition of each epoch),
        ``'condition_index'`` (its position in the order of the list given,
        else of ``epochs.event_id``, else of first appearance),
        ``'repetition'`` (0, 1, ... over the epochs of each condition, in
        epoch order, the default crossvalidation folds), ``'epoch'`` (index
        into ``epochs``) and ``'event'`` (event code). Channel descriptors:
        ``'names'`` and ``'types'``. Time descriptor: ``'time'`` (s).
        Descriptor ``'sfreq'``: the sampling rate after decimation.

    Examples
    --------
    >>> import numpy as np, mne
    >>> from rsatoolbox_topo.bridges.mne import epochs_to_dataset
    >>> info = mne.create_info(3, 100.0, "eeg")
    >>> events = np.c_[np.arange(4) * 100, np.zeros(4, int), [1, 2, 1, 2]]
    >>> epochs = mne.EpochsArray(np.zeros((4, 3, 11)), info, events=events,
    ...                          event_id={"a": 1, "b": 2}, verbose=False)
    >>> ds = epochs_to_dataset(epochs, tmax=0.05)
    >>> ds.measurements.shape, ds.obs_descriptors["repetition"].tolist()
    ((4, 3, 6), [0, 0, 1, 1])
    """
    mne = _import_mne()
    if not isinstance(epochs, mne.BaseEpochs):
        raise TypeError("The 'epochs' parameter must be an mne.Epochs object. "
                        f"Got {type(epochs).__name__} instead.")
    decim = check_int("decim", decim, 1)
    if not epochs.preload:
        # Lazy epochs learn which epochs are rejected when read: find out
        # now (on a copy, which holds no data) so events and data agree.
        epochs = epochs.copy().drop_bad(verbose=verbose)
    labels, order = _condition_labels(epochs, conditions)
    keep = np.flatnonzero(labels != None)  # noqa: E711 (element-wise)
    if len(order) < 2:
        raise ValueError(
            "The 'conditions' parameter must give at least 2 conditions; "
            f"got {order} instead.")
    tmin, tmax = _check_window(epochs.times, tmin, tmax)
    # MNE's own pick/crop/decimate run on a one-epoch probe of zeros, so
    # that their semantics (and warnings) hold, while the data are copied
    # once, for the selected epochs, channels and window only.
    probe = mne.EpochsArray(np.zeros((1, len(epochs.ch_names),
                                      len(epochs.times))), epochs.info,
                            tmin=epochs.times[0], verbose=False)
    try:
        probe.pick("data" if picks is None else picks, exclude="bads",
                   verbose=verbose)
    except ValueError as err:
        types = sorted(set(epochs.get_channel_types()))
        raise ValueError(
            "The 'picks' parameter selects no channel of the epochs (or an "
            f"unknown one). Got picks={picks!r}; the epochs have channel "
            f"types {types} and channels {epochs.ch_names[:5]}"
            f"{'...' if len(epochs.ch_names) > 5 else ''}. MNE said: {err}"
        ) from None
    probe.crop(tmin, tmax, include_tmax=True, verbose=verbose)
    if decim > 1:
        probe.decimate(decim, verbose=verbose)
    samples = np.round((probe.times - epochs.times[0])
                       * epochs.info["sfreq"]).astype(int)
    step = decim if len(samples) > 1 else 1
    if len(samples) > 1 and np.any(np.diff(samples) != step):
        raise RuntimeError(  # pragma: no cover - guards MNE changes
            "Internal error: MNE's decimation did not keep every "
            f"{decim}-th sample; please report it.")
    # get_data with both item and picks copies twice: select channels here
    ch_idx = np.array([epochs.ch_names.index(n) for n in probe.ch_names])
    channels = (slice(None) if np.array_equal(ch_idx, np.arange(
        len(epochs.ch_names))) else ch_idx)
    data = epochs.get_data(item=keep, copy=False, verbose=verbose)
    data = np.asarray(data[:, channels, samples[0]:samples[-1] + 1:step],
                      dtype=np.float64)
    if epochs.preload and np.shares_memory(data,
                                           epochs.get_data(copy=False)):
        data = data.copy()  # never hand out a view of the caller's epochs
    if data.shape[2] != len(probe.times):
        raise RuntimeError(  # pragma: no cover - guards MNE changes
            "Internal error: the time samples of the epochs and of MNE's "
            "crop/decimate do not line up; please report it.")
    labels = labels[keep]
    repetition = np.zeros(len(labels), dtype=int)
    for cond in order:
        hit = labels == cond
        repetition[hit] = np.arange(hit.sum())
    from rsatoolbox.data import TemporalDataset

    return TemporalDataset(
        data,
        descriptors={"sfreq": float(probe.info["sfreq"])},
        obs_descriptors={"conditions": np.array(labels, dtype=str),
                         "condition_index": np.array(
                             [order.index(c) for c in labels]),
                         "repetition": repetition,
                         "epoch": keep,
                         "event": epochs.events[keep, 2].copy()},
        channel_descriptors={"names": np.array(probe.ch_names),
                             "types": np.array(probe.get_channel_types())},
        time_descriptors={"time": probe.times.copy()})


# ------------------------------------------------------------ RDMs
def _as_dataset(data, conditions, picks, tmin, tmax, decim, verbose):
    """Epochs or a TemporalDataset -> (array, labels, order, times, ds)."""
    from rsatoolbox.data import TemporalDataset

    if isinstance(data, TemporalDataset):
        if picks is not None or tmin is not None or tmax is not None \
                or decim != 1:
            raise ValueError(
                "The 'picks', 'tmin', 'tmax' and 'decim' parameters apply to "
                "mne.Epochs only; subset a TemporalDataset with its own "
                "methods (subset_channel, subset_time).")
        desc = "conditions" if conditions is None else conditions
        if not isinstance(desc, str) or desc not in data.obs_descriptors:
            raise ValueError(
                "With a TemporalDataset, the 'conditions' parameter names an "
                f"observation descriptor; got {conditions!r}, available: "
                f"{list(data.obs_descriptors)}.")
        if "time" not in data.time_descriptors:
            raise ValueError(
                "The TemporalDataset must have the time descriptor 'time' "
                f"(seconds); it has {list(data.time_descriptors)}.")
        ds = data
    else:
        ds = epochs_to_dataset(data, conditions, picks=picks, tmin=tmin,
                               tmax=tmax, decim=decim, verbose=verbose)
        desc = "conditions"
    labels = np.asarray(ds.obs_descriptors[desc]).astype(str)
    order = [str(v) for v in _unique_in_order(labels)]
    if desc == "conditions" and "condition_index" in ds.obs_descriptors:
        # the order given to epochs_to_dataset (list or event_id order)
        index = np.asarray(ds.obs_descriptors["condition_index"])
        order = [str(labels[index == i][0]) for i in np.unique(index)]
    if len(order) < 2:
        raise ValueError(f"The descriptor {desc!r} must give at least 2 "
                         f"conditions; got {order} instead.")
    x = np.asarray(ds.measurements, dtype=np.float64)
    times = np.asarray(ds.time_descriptors["time"], dtype=np.float64)
    return x, labels, order, times, ds


def _condition_sums(x, cond_idx, n_cond):
    """Sum and count of the observations of each condition."""
    sums = np.zeros((n_cond,) + x.shape[1:])
    np.add.at(sums, cond_idx, x)
    counts = np.bincount(cond_idx, minlength=n_cond).astype(np.float64)
    return sums, counts


def _noise_precision(noise, x, cond_idx, n_cond, method):
    """None, a precision matrix, or one estimated from the residuals."""
    n_chan = x.shape[1]
    if noise is None:
        return None
    if method in ("euclidean", "correlation"):
        raise ValueError(
            f"The 'noise' parameter is only used with method='mahalanobis' "
            f"or 'crossnobis'; got noise with method={method!r}.")
    if isinstance(noise, str):
        check_option("noise", noise, _NOISE)
        from rsatoolbox.data.noise import prec_from_residuals

        sums, counts = _condition_sums(x, cond_idx, n_cond)
        residuals = x - (sums / counts[:, None, None])[cond_idx]
        # Residuals of all time points pooled: one noise model over time.
        res = residuals.transpose(0, 2, 1).reshape(-1, n_chan)
        dof = (len(x) - n_cond) * x.shape[2]
        if dof < 1:
            raise ValueError(
                f"The noise cannot be estimated (noise={noise!r}): every "
                "condition has a single epoch, so there are no residuals.")
        return prec_from_residuals(res, dof=dof, method=noise)
    prec = np.asarray(noise, dtype=np.float64)
    if prec.shape != (n_chan, n_chan) or not np.allclose(prec, prec.T):
        raise ValueError(
            "The 'noise' parameter must be None, one of "
            f"{list(_NOISE)} or a symmetric precision matrix of shape "
            f"({n_chan}, {n_chan}) (channels picked). Got "
            f"shape {prec.shape} instead.")
    return prec


def _folds(ds, labels, order, cv_descriptor, n_folds):
    """Fold index of every observation, checked for crossvalidation."""
    if not isinstance(cv_descriptor, str) \
            or cv_descriptor not in ds.obs_descriptors:
        raise ValueError(
            "The 'cv_descriptor' parameter must name an observation "
            f"descriptor of the dataset ({list(ds.obs_descriptors)}). Got "
            f"{cv_descriptor!r} instead.")
    values = np.asarray(ds.obs_descriptors[cv_descriptor])
    uniq, fold = np.unique(values, return_inverse=True)
    if n_folds is not None:
        n_folds = check_int("n_folds", n_folds, 2)
        if n_folds > len(uniq):
            raise ValueError(
                f"The 'n_folds' parameter must not exceed the {len(uniq)} "
                f"distinct values of {cv_descriptor!r}. Got {n_folds} "
                "instead.")
        fold = fold % n_folds
    n_fold = int(fold.max()) + 1
    present = np.zeros((len(order), n_fold), dtype=bool)
    cond_pos = {c: i for i, c in enumerate(order)}
    present[[cond_pos[c] for c in labels], fold] = True
    bad = ~present.all(axis=1)
    if n_fold < 2 or np.any(bad):
        reps = {c: int(np.sum(labels == c)) for c in order}
        if n_fold < 2:
            detail = (f"'{cv_descriptor}' has a single value, so there is "
                      "only one fold")
        else:
            detail = ", ".join(
                f"{order[i]!r} ({present[i].sum()} of {n_fold} folds, "
                f"{reps[order[i]]} epoch(s))"
                for i in np.flatnonzero(bad)[:5])
            detail = "missing from some folds: " + detail
        raise ValueError(
            "Too few repetitions for crossvalidation: method='crossnobis' "
            f"needs every condition in each of at least 2 folds of "
            f"{cv_descriptor!r}; {detail}. Drop those conditions, set "
            "'n_folds', or use method='euclidean'.")
    return fold, n_fold


def _pairwise_from_kernel(kernel, iu):
    """d_ij = K_ii + K_jj - K_ij - K_ji, condensed, for a (T, n, n) stack."""
    diag = np.einsum("tii->ti", kernel)
    return (diag[:, iu[0]] + diag[:, iu[1]]
            - kernel[:, iu[0], iu[1]] - kernel[:, iu[1], iu[0]])


def _rdm_vectors(x, cond_idx, n_cond, method, prec, fold=None, n_fold=None):
    """Dissimilarities of all time points at once, shape (n_times, n_pairs).

    Hand-written (rather than rsatoolbox.rdm.calc_rdm_movie, which loops
    over time points and copies the dataset at each) so that all time points
    are computed by one einsum; the values equal rsatoolbox's (tested).
    """
    n_chan = x.shape[1]
    iu = np.triu_indices(n_cond, 1)

    def whiten(means):
        if prec is None:
            return means
        return np.einsum("de,ket->kdt", prec, means)

    sums, counts = _condition_sums(x, cond_idx, n_cond)
    if method == "crossnobis":
        out = np.zeros((x.shape[2], len(iu[0])))
        for f in range(n_fold):
            in_f = fold == f
            s_f, c_f = _condition_sums(x[in_f], cond_idx[in_f], n_cond)
            test = s_f / c_f[:, None, None]
            train = (sums - s_f) / (counts - c_f)[:, None, None]
            kernel = np.einsum("kdt,jdt->tkj", whiten(train), test)
            out += _pairwise_from_kernel(kernel, iu)
        return out / n_fold / n_chan
    means = sums / counts[:, None, None]
    if method == "correlation":
        means = means - means.mean(axis=1, keepdims=True)
        means = means / np.sqrt(np.einsum("kdt,kdt->kt", means,
                                          means))[:, None, :]
        kernel = np.einsum("kdt,jdt->tkj", means, means)
        return 1.0 - kernel[:, iu[0], iu[1]]
    kernel = np.einsum("kdt,jdt->tkj", whiten(means), means)
    return _pairwise_from_kernel(kernel, iu) / n_chan


def _apply_statistic(statistic, rdms):
    """``statistic`` (already checked by models.as_statistic) of ``rdms``."""
    if statistic is None:
        return rdms
    out = statistic(rdms)
    if not isinstance(out, RDMs) or out.n_rdm != rdms.n_rdm \
            or out.n_cond != rdms.n_cond:
        raise ValueError(
            "The 'statistic' parameter must return an RDMs object with as "
            "many RDMs and conditions as it was given "
            f"({rdms.n_rdm} RDMs of {rdms.n_cond} conditions). Got "
            f"{type(out).__name__} instead.")
    return out


def time_resolved_rdms(data, conditions=None, *, method="crossnobis",
                       cv_descriptor="repetition", n_folds=None, noise=None,
                       picks=None, tmin=None, tmax=None, decim=1,
                       statistic=None, verbose=None):
    """One RDM per time point, from MNE epochs or a temporal dataset.

    Condition means are compared at every time point; all time points are
    computed at once (one matrix product over the whole stack), with the
    same values as :func:`rsatoolbox.rdm.calc_rdm_movie`.

    Parameters
    ----------
    data : mne.Epochs | rsatoolbox.data.TemporalDataset
        The epochs (see :func:`epochs_to_dataset`), or a dataset made by it.
    conditions : None | str | list of str
        The conditions, as in :func:`epochs_to_dataset`; with a dataset, the
        observation descriptor holding them (default ``'conditions'``).
        Rows of the RDMs follow the order of the list, else of
        ``epochs.event_id``, else of first appearance.
    method : {'crossnobis', 'euclidean', 'mahalanobis', 'correlation'}
        The dissimilarity, named and scaled as in rsatoolbox (squared
        distances divided by the number of channels). 'crossnobis'
        (default) is crossvalidated: leave one fold out, the distance
        between the training and the test fold's condition differences; it
        is unbiased (0 on average when conditions do not differ) and can be
        negative.
    cv_descriptor : str
        Observation descriptor whose values are the crossvalidation folds;
        default ``'repetition'`` (the k-th epoch of every condition forms
        fold k). Only used by 'crossnobis'.
    n_folds : int | None
        Group the values of ``cv_descriptor`` into this many folds
        (value index modulo ``n_folds``); None: one fold per value.
    noise : None | 'diag' | 'shrinkage_eye' | 'shrinkage_diag' | 'full' | array
        Noise precision for 'mahalanobis' and 'crossnobis' (multivariate
        noise normalisation). None: identity (Euclidean). A string:
        estimated with :func:`rsatoolbox.data.noise.prec_from_residuals`
        from the residuals around the condition means, pooled over all time
        points. An array: a precision matrix over the picked channels.
    picks, tmin, tmax, decim, verbose
        As in :func:`epochs_to_dataset`; epochs only.
    statistic : None | str | TopoStatistic | callable
        Applied once to the whole stack of time-point RDMs: a
        :class:`~rsatoolbox_topo.models.TopoStatistic` (e.g.
        ``TopoStatistic('rgtm', lower=0.1, upper=0.5)``), one of the names
        'rgtm', 'rank_normalize', 'rgdm' (default parameters), or any
        callable RDMs -> RDMs (e.g. :func:`rsatoolbox_topo.rank_normalize`).

    Returns
    -------
    rsatoolbox.rdm.RDMs
        One RDM per time point, rdm descriptor ``'time'`` (s), pattern
        descriptor ``'conditions'``.

    Examples
    --------
    >>> import numpy as np, mne
    >>> from rsatoolbox_topo.bridges.mne import time_resolved_rdms
    >>> rng = np.random.default_rng(0)
    >>> info = mne.create_info(5, 100.0, "eeg")
    >>> codes = np.tile([1, 2, 3], 4)
    >>> events = np.c_[np.arange(12) * 100, np.zeros(12, int), codes]
    >>> epochs = mne.EpochsArray(rng.normal(size=(12, 5, 20)), info,
    ...                          events=events, verbose=False,
    ...                          event_id={"a": 1, "b": 2, "c": 3})
    >>> rdms = time_resolved_rdms(epochs, method="crossnobis")
    >>> rdms.n_rdm, rdms.n_cond, rdms.rdm_descriptors["time"][:2]
    (20, 3, array([0.  , 0.01]))
    """
    check_option("method", method, _METHODS)
    statistic = as_statistic(statistic)
    x, labels, order, times, ds = _as_dataset(data, conditions, picks, tmin,
                                              tmax, decim, verbose)
    cond_pos = {c: i for i, c in enumerate(order)}
    cond_idx = np.array([cond_pos[c] for c in labels])
    n_cond = len(order)
    fold = n_fold = None
    if method in _CROSSVALIDATED:
        fold, n_fold = _folds(ds, labels, order, cv_descriptor, n_folds)
    elif n_folds is not None:
        raise ValueError("The 'n_folds' parameter is only used with "
                         f"method='crossnobis'; got method={method!r}.")
    prec = _noise_precision(noise, x, cond_idx, n_cond, method)
    vectors = _rdm_vectors(x, cond_idx, n_cond, method, prec, fold, n_fold)
    descriptors = {"noise": "identity" if prec is None else
                   (noise if isinstance(noise, str) else "given")}
    if method in _CROSSVALIDATED:
        descriptors["cv_descriptor"] = cv_descriptor
        descriptors["n_folds"] = n_fold
    rdms = RDMs(vectors, dissimilarity_measure=_LABELS[method],
                descriptors=descriptors,
                rdm_descriptors={"time": times.copy(),
                                 "index": np.arange(len(times))},
                pattern_descriptors={"conditions": list(order),
                                     "index": np.arange(n_cond)})
    return _apply_statistic(statistic, rdms)


# ------------------------------------------------------------ models
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
    """Model RDM vectors aligned with the data's conditions, and names."""
    from rsatoolbox.model import Model, ModelFixed

    items = list(models) if isinstance(models, (list, tuple)) else [models]
    if not items:
        raise ValueError("The 'models' parameter must hold at least one "
                         "model; got an empty list.")
    names, vectors = [], []
    for item in items:
        if isinstance(item, ModelFixed):
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
                "(rsatoolbox.model.ModelFixed or RDMs); "
                f"{type(item).__name__} {item.name!r} has parameters to fit.")
        else:
            raise TypeError(
                "The 'models' parameter must be rsatoolbox RDMs, a "
                "ModelFixed, or a list of these. Got "
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
    return names, np.concatenate(vectors)


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
        subjects, s_idx = np.unique(
            np.asarray(rdms.rdm_descriptors[subject_descriptor]),
            return_inverse=True)
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
        data = _apply_statistic(statistic, RDMs(np.concatenate(data)))
        mods = _apply_statistic(statistic, RDMs(np.concatenate(mods)))
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

    mne = _import_mne()
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


def model_timecourse(rdms, models, *, method="corr", statistic=None,
                     time_descriptor="time", subject_descriptor=None,
                     n_bootstrap=1000, confidence_level=0.95,
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
      per time point with :func:`mne.stats.fdr_correction` ('fdr');
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
        :func:`time_resolved_rdms` (untransformed: pass the statistic here).
    models : RDMs | rsatoolbox.model.ModelFixed | list
        The model RDMs (each RDM of an RDMs object is one model, named by
        its rdm descriptor ``'name'`` if present). When both the data and a
        model have the pattern descriptor ``'conditions'``, the model is
        reordered to the data's conditions.
    method : {'corr', 'cosine', 'spearman', 'rho-a', 'tau-a', 'kendall', \
'tau-b', 'corr_cov', 'cosine_cov'}
        Comparison, as in :func:`rsatoolbox.rdm.compare`.
    statistic : None | str | TopoStatistic | callable
        Applied to data and models, as in :func:`time_resolved_rdms`.
    time_descriptor : str
        Rdm descriptor holding the time of each RDM.
    subject_descriptor : str | None
        Rdm descriptor holding the subject of each RDM; None: one subject.
    n_bootstrap : int
        Bootstrap samples for the CIs (0: no CIs).
    confidence_level : float
        Of the percentile CIs, in (0, 1).
    correction : {'cluster', 'max', 'fdr', 'none'}
        Correction for multiple comparisons over time.
    alpha : float
        Level of the (corrected) test, in (0, 1).
    cluster_threshold : float
        Uncorrected one-sided p-value that forms clusters, in (0, 1).
    n_permutations : int
        Permutations of the test (not used by 'fdr' and 'none' with several
        subjects).
    random_state : None | int | numpy.random.Generator
        Seed of all random draws (bootstrap, permutations, MNE's tests).
    n_jobs : int
        Parallel jobs (joblib) over chunks of bootstrap samples, and for
        MNE's tests; the result does not depend on it.
    progress : bool
        Show a tqdm progress bar over the bootstrap.

    Returns
    -------
    TimecourseResult

    Examples
    --------
    >>> import numpy as np
    >>> from rsatoolbox.rdm import RDMs
    >>> from rsatoolbox_topo.bridges.mne import model_timecourse
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
    check_option("method", method, _COMPARE)
    check_option("correction", correction, _CORRECTIONS)
    n_bootstrap = check_int("n_bootstrap", n_bootstrap, 0)
    n_permutations = check_int("n_permutations", n_permutations, 1)
    confidence_level = check_fraction("confidence_level", confidence_level)
    alpha = check_fraction("alpha", alpha)
    cluster_threshold = check_fraction("cluster_threshold", cluster_threshold)
    n_jobs = check_n_jobs(n_jobs)
    check_progress(progress)
    rng = check_random_state(random_state)
    statistic = as_statistic(statistic)
    cube, times, subjects = _data_cube(rdms, time_descriptor,
                                       subject_descriptor)
    names, model_vecs = _model_vectors(models, rdms)
    n_subj, n_time = cube.shape[:2]
    n_cond = rdms.n_cond
    if subject_descriptor is not None and n_subj < 2:
        raise ValueError(
            f"The subject descriptor {subject_descriptor!r} has a single "
            "value; set subject_descriptor=None for one subject.")

    # all random draws up front, in a fixed order
    boot_cond, boot_subj = _bootstrap_indices(rng, n_bootstrap, n_cond,
                                              n_subj)
    perms = _resampling.draw_permutations(rng, n_cond, n_permutations)
    mne_seed = _resampling.derive_seed(rng)

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
            f"statistic ({_statistic_name(statistic)}), so they cannot be "
            "compared with the data (evaluations are NaN). A binary model "
            "becomes constant under an RGTM whose lower threshold lies "
            "above its fraction of 0-pairs; use other thresholds.",
            CollapsedStatisticWarning, stacklevel=2)

    boot = np.empty((n_bootstrap, len(names), n_time))
    if n_bootstrap:
        chunk = max(1, min(100, int(2e7 // max(1, n_subj * n_time
                                                * len(names) * n_cond ** 2))))
        bounds = chunk_bounds(n_bootstrap, n_jobs, max_size=chunk)
        parts = run_tasks(
            _evaluate, [(cube, model_vecs, boot_cond[a:b], boot_subj[a:b],
                         statistic, method, n_cond, True) for a, b in bounds],
            n_jobs=n_jobs, progress=progress, desc="bootstrap",
            unit="sample", sizes=[b - a for a, b in bounds])
        boot[:] = np.concatenate([p.mean(axis=2) for p in parts])
        bad = np.isnan(boot) & ~np.isnan(evaluations)
        if np.any(bad):
            warnings.warn(
                f"{int(bad.any(axis=(1, 2)).sum())} of {n_bootstrap} bootstrap "
                "samples had an RDM without two distinct values (too few "
                "distinct conditions drawn); they are left out of the CIs.",
                DegenerateRDMWarning, stacklevel=2)
        ci = np.stack(_resampling.confidence_interval(
            boot, level=confidence_level))
    else:
        ci = np.full((2, len(names), n_time), np.nan)

    _warn_unreachable(n_subj, n_permutations, correction, alpha)
    if n_subj > 1:
        p_values = _group_tests(per_subject, correction, cluster_threshold,
                                n_permutations, mne_seed, n_jobs)
    else:
        null = _permutation_null(cube[0], model_vecs, perms, statistic,
                                 method, n_cond)
        p_values = _permutation_tests(evaluations, null, correction,
                                      cluster_threshold)
    p_values = np.where(np.isnan(evaluations), 1.0, p_values)
    if correction == "fdr":
        mne = _import_mne()
        significant = np.stack([mne.stats.fdr_correction(p, alpha)[0]
                                for p in p_values])
        p_values = np.stack([mne.stats.fdr_correction(p, alpha)[1]
                             for p in p_values])
    else:
        significant = p_values < alpha
    return TimecourseResult(
        times=times, model_names=names, evaluations=evaluations, ci=ci,
        bootstrap=boot, p_values=p_values, significant=significant,
        per_subject=per_subject, subjects=subjects, method=method,
        statistic=_statistic_name(statistic), correction=correction,
        alpha=alpha, confidence_level=confidence_level)


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


def _permutation_null(data, model_vecs, perms, statistic, method, n_cond):
    """Evaluations (n_perm, n_models, n_times) with permuted model labels.

    The statistic is applied once to all permuted model RDMs together.
    """
    from rsatoolbox.rdm import compare

    cols = np.stack([_pair_map(p, n_cond)[0] for p in perms])
    permuted = model_vecs[:, cols]                 # (M, P, pairs)
    permuted = permuted.transpose(1, 0, 2).reshape(-1, model_vecs.shape[1])
    with warnings.catch_warnings():  # already reported for the estimate
        warnings.simplefilter("ignore", TopoWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        permuted = _apply_statistic(statistic, RDMs(permuted)).get_vectors()
        data_t = _apply_statistic(statistic, RDMs(data)).get_vectors()
        null = compare(permuted, data_t, method=method)
    return null.reshape(len(perms), len(model_vecs), len(data))


def _statistic_name(statistic):
    if statistic is None:
        return "none"
    if isinstance(statistic, TopoStatistic):
        name, kwargs = statistic.name, statistic.params
    else:
        func = getattr(statistic, "func", statistic)
        name = getattr(func, "__name__", type(func).__name__)
        kwargs = getattr(statistic, "keywords", None)
    if kwargs:
        name += "(" + ", ".join(f"{k}={v!r}" for k, v in kwargs.items()) + ")"
    return name


@dataclass(repr=False, eq=False)
class TimecourseResult:
    """Model evaluations over time, with bootstrap CIs and a corrected test.

    Made by :func:`model_timecourse`; each parameter is kept as an
    attribute of the same name.

    Parameters
    ----------
    times : ndarray, shape (n_times,)
        Time of each evaluation (s).
    model_names : list of str
        Names of the models, in the order of the first axis below.
    evaluations : ndarray, shape (n_models, n_times)
        Comparison of each model with the data (mean over subjects).
    ci : ndarray, shape (2, n_models, n_times)
        Lower and upper bounds of the percentile bootstrap CI.
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
    method, statistic, correction : str
        What was computed.
    alpha, confidence_level : float
        Level of the test and of the CIs.
    """

    times: np.ndarray
    model_names: list
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
    confidence_level: float

    def __repr__(self):
        return (f"<TimecourseResult | {len(self.model_names)} model(s), "
                f"{len(self.times)} time points "
                f"({self.times[0]:g} to {self.times[-1]:g} s), "
                f"{len(self.subjects)} subject(s), method={self.method!r}, "
                f"statistic={self.statistic!r}, "
                f"correction={self.correction!r}>")

    @property
    def onsets(self):
        """First significant time of each model (NaN if never), a dict."""
        return {name: (float(self.times[np.argmax(sig)]) if sig.any()
                       else float("nan"))
                for name, sig in zip(self.model_names, self.significant)}

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
            "model": np.repeat(self.model_names, n_time),
            "time": np.tile(self.times, n_model),
            "evaluation": self.evaluations.ravel(),
            "ci_low": self.ci[0].ravel(),
            "ci_high": self.ci[1].ravel(),
            "p_value": self.p_values.ravel(),
            "significant": self.significant.ravel(),
        })

    def plot(self, ax=None, *, colors=None, show_ci=True,
             show_significance=True):
        """Plot the evaluation time courses with CIs and significant times.

        Parameters
        ----------
        ax : matplotlib.axes.Axes | None
            Where to draw; None: a new figure.
        colors : list | None
            One matplotlib colour per model; None: the default cycle.
        show_ci : bool
            Shade the bootstrap CIs.
        show_significance : bool
            Draw a bar under the curves where each model is significant.

        Returns
        -------
        matplotlib.axes.Axes
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 3.5))
        cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
        colors = colors or [cycle[i % len(cycle)]
                            for i in range(len(self.model_names))]
        low = np.nanmin(self.ci[0]) if show_ci and np.isfinite(
            self.ci).any() else np.nanmin(self.evaluations)
        span = (np.nanmax(self.evaluations) - low) or 1.0
        for i, name in enumerate(self.model_names):
            ax.plot(self.times, self.evaluations[i], color=colors[i],
                    label=name)
            if show_ci and np.isfinite(self.ci[:, i]).any():
                ax.fill_between(self.times, self.ci[0, i], self.ci[1, i],
                                color=colors[i], alpha=0.25, linewidth=0)
            if show_significance:
                level = low - span * (0.06 + 0.05 * i)
                sig = np.where(self.significant[i], level, np.nan)
                ax.plot(self.times, sig, color=colors[i], linewidth=4,
                        solid_capstyle="butt")
        ax.axhline(0, color="0.6", linewidth=0.8)
        ax.axvline(0, color="0.6", linewidth=0.8, linestyle=":")
        ax.set_xlabel("Time (s)")
        ax.set_ylabel(f"Model evaluation ({self.method})")
        title = "" if self.statistic == "none" else \
            f"Statistic: {self.statistic}"
        if show_significance:
            title += ("\n" if title else "") + (
                f"Bars: significant (p < {self.alpha:g}, "
                f"{self.correction} correction)")
        if title:
            ax.set_title(title, fontsize="small")
        ax.figure.tight_layout()
        ax.legend(loc="upper left", fontsize="small", frameon=False)
        return ax
