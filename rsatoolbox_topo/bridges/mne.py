"""From MNE-Python epochs to time-resolved RDMs (conversion only).

MEG and EEG recordings are usually held as :class:`mne.Epochs`. This bridge
takes them to rsatoolbox objects:

* :func:`epochs_to_dataset`: epochs -> :class:`rsatoolbox.data.TemporalDataset`
  (conditions from ``event_id`` or a metadata column, MNE-style ``picks``,
  ``tmin``/``tmax`` and ``decim``);
* :func:`time_resolved_rdms`: one RDM per time point (crossvalidated
  'crossnobis' by default), with an optional geo-topological statistic
  (:func:`~rsatoolbox_topo.rgtm`, :func:`~rsatoolbox_topo.rank_normalize`,
  :func:`~rsatoolbox_topo.rgdm`) applied to the whole stack at once.

The inference over time (models compared with these RDMs at every time
point, bootstrap intervals, cluster tests) is the engine
:mod:`rsatoolbox_topo.timecourse` (:func:`~rsatoolbox_topo.timecourse.model_timecourse`);
it takes the RDMs made here and never imports this bridge.

MNE is imported inside the functions that need it: importing
:mod:`rsatoolbox_topo` or :mod:`rsatoolbox_topo.bridges` never imports it.
"""

import numpy as np
from rsatoolbox.rdm import RDMs

from .._optional import import_extra
from .._validation import apply_statistic, check_int, check_option, check_real
from ..statistics import as_statistic

__all__ = ["epochs_to_dataset", "time_resolved_rdms"]

_DISSIMILARITIES = ("crossnobis", "euclidean", "mahalanobis", "correlation")
_CROSSVALIDATED = ("crossnobis",)
_NOISE = ("diag", "shrinkage_eye", "shrinkage_diag", "full")
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


def _noise_precision(noise, x, cond_idx, n_cond, dissimilarity):
    """None, a precision matrix, or one estimated from the residuals."""
    n_chan = x.shape[1]
    if noise is None:
        return None
    if dissimilarity in ("euclidean", "correlation"):
        raise ValueError(
            "The 'noise' parameter is only used with "
            "dissimilarity='mahalanobis' or 'crossnobis'; got noise with "
            f"dissimilarity={dissimilarity!r}.")
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
            "Too few repetitions for crossvalidation: "
            "dissimilarity='crossnobis' "
            f"needs every condition in each of at least 2 folds of "
            f"{cv_descriptor!r}; {detail}. Drop those conditions, set "
            "'n_folds', or use dissimilarity='euclidean'.")
    return fold, n_fold


def _pairwise_from_kernel(kernel, iu):
    """d_ij = K_ii + K_jj - K_ij - K_ji, condensed, for a (T, n, n) stack."""
    diag = np.einsum("tii->ti", kernel)
    return (diag[:, iu[0]] + diag[:, iu[1]]
            - kernel[:, iu[0], iu[1]] - kernel[:, iu[1], iu[0]])


def _rdm_vectors(x, cond_idx, n_cond, dissimilarity, prec, fold=None,
                 n_fold=None):
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
    if dissimilarity == "crossnobis":
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
    if dissimilarity == "correlation":
        means = means - means.mean(axis=1, keepdims=True)
        means = means / np.sqrt(np.einsum("kdt,kdt->kt", means,
                                          means))[:, None, :]
        kernel = np.einsum("kdt,jdt->tkj", means, means)
        return 1.0 - kernel[:, iu[0], iu[1]]
    kernel = np.einsum("kdt,jdt->tkj", whiten(means), means)
    return _pairwise_from_kernel(kernel, iu) / n_chan


def time_resolved_rdms(data, conditions=None, *, dissimilarity="crossnobis",
                       cv_descriptor="repetition", n_folds=None, noise=None,
                       picks=None, tmin=None, tmax=None, decim=1,
                       statistic=None, verbose=None, method=None):
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
    dissimilarity : {'crossnobis', 'euclidean', 'mahalanobis', \
'correlation'}
        How condition patterns become dissimilarities (was ``method``),
        named and scaled as in rsatoolbox (squared distances divided by
        the number of channels). 'crossnobis'
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
    statistic : None | str | dict | TopoStatistic | callable
        Applied once to the whole stack of time-point RDMs, in any spelling
        of :func:`~rsatoolbox_topo.statistics.as_statistic`: a
        :class:`~rsatoolbox_topo.statistics.TopoStatistic` (e.g.
        ``TopoStatistic('rgtm', lower=0.1, upper=0.5)``), one of the names
        'rgtm', 'rank_normalize', 'rgdm' (default parameters), the dict
        ``TopoStatistic.to_dict`` writes, or any callable RDMs -> RDMs.
        Leave it None when the RDMs go on to
        :func:`~rsatoolbox_topo.timecourse.model_timecourse`, which applies
        the statistic inside every bootstrap and permutation sample.
    method : None
        Not a parameter of this function: the dissimilarity is
        ``dissimilarity`` (``method`` names how RDMs are compared, in
        :func:`~rsatoolbox_topo.timecourse.model_timecourse`). Any value
        raises a ``ValueError`` that says so, so that the old spelling
        ``method='crossnobis'`` is not silently taken for a comparator.

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
    >>> rdms = time_resolved_rdms(epochs, dissimilarity="crossnobis")
    >>> rdms.n_rdm, rdms.n_cond, rdms.rdm_descriptors["time"][:2]
    (20, 3, array([0.  , 0.01]))
    """
    if method is not None:
        raise ValueError(
            "The 'method' parameter is not one of time_resolved_rdms: the "
            "dissimilarity measure is 'dissimilarity' (renamed from "
            "'method'; 'method' names how RDMs are compared, in "
            "rsatoolbox_topo.timecourse.model_timecourse). Got "
            f"method={method!r}"
            + (f"; did you mean dissimilarity={method!r}?"
               if method in _DISSIMILARITIES else "."))
    check_option("dissimilarity", dissimilarity, _DISSIMILARITIES)
    statistic = as_statistic(statistic)
    x, labels, order, times, ds = _as_dataset(data, conditions, picks, tmin,
                                              tmax, decim, verbose)
    cond_pos = {c: i for i, c in enumerate(order)}
    cond_idx = np.array([cond_pos[c] for c in labels])
    n_cond = len(order)
    fold = n_fold = None
    if dissimilarity in _CROSSVALIDATED:
        fold, n_fold = _folds(ds, labels, order, cv_descriptor, n_folds)
    elif n_folds is not None:
        raise ValueError("The 'n_folds' parameter is only used with "
                         "dissimilarity='crossnobis'; got "
                         f"dissimilarity={dissimilarity!r}.")
    prec = _noise_precision(noise, x, cond_idx, n_cond, dissimilarity)
    vectors = _rdm_vectors(x, cond_idx, n_cond, dissimilarity, prec, fold,
                           n_fold)
    descriptors = {"noise": "identity" if prec is None else
                   (noise if isinstance(noise, str) else "given")}
    if dissimilarity in _CROSSVALIDATED:
        descriptors["cv_descriptor"] = cv_descriptor
        descriptors["n_folds"] = n_fold
    rdms = RDMs(vectors, dissimilarity_measure=_LABELS[dissimilarity],
                descriptors=descriptors,
                rdm_descriptors={"time": times.copy(),
                                 "index": np.arange(len(times))},
                pattern_descriptors={"conditions": list(order),
                                     "index": np.arange(n_cond)})
    return apply_statistic(statistic, rdms)
