"""fMRI images (NIfTI, nilearn conventions) to patterns and RDMs, and back.

The bridge converts: it takes what an fMRI lab holds -- a 4D image (or one
per run), the condition and run of every volume (or BIDS-style events files
with onsets and durations), and a mask or a labels atlas image -- and
returns rsatoolbox objects, and it turns searchlight results back into
images:

* :func:`fmri_patterns`: run-wise condition patterns, the mean of the volumes
  of each condition in each run, extracted with :class:`nilearn.maskers.NiftiMasker`,
  as an :class:`rsatoolbox.data.Dataset` (observations: run x condition;
  channels: voxels, with their (i, j, k) index and atlas region; the affine
  and volume shape as descriptors).
* :func:`region_rdms`: one crossvalidated RDM per region (rsatoolbox's
  crossnobis with the runs as ``cv_descriptor``), optionally per split of the
  runs, ready for the topological statistics, identification and model
  comparison.
* :func:`searchlight_img`: a map of a
  :class:`~rsatoolbox_topo.searchlight.SearchlightResult` (scores,
  p-values) as a NIfTI image in the input space.

The searchlight itself (sphere RDMs, model fits, permutation maps) is the
engine :mod:`rsatoolbox_topo.searchlight`; it runs on the dataset that
:func:`fmri_patterns` returns.

nilearn and nibabel are imported when a function of this module is called,
never when the module or the package is imported; install them with
``pip install ".[nilearn]"`` in the rsatoolbox_topo folder.
"""

import warnings
from copy import deepcopy

import numpy as np
from rsatoolbox.data import Dataset
from rsatoolbox.rdm import RDMs, calc_rdm, concat

from .._docs import fill_doc
from .._optional import import_extra
from .._run_patterns import prepare_patterns
from .._validation import (check_int, check_option, check_real, plain_value,
                           refuse_method)

__all__ = ["fmri_patterns", "region_rdms", "searchlight_img"]

_DISSIMILARITIES = ("crossnobis", "euclidean", "correlation", "mahalanobis")


def _import_nilearn():
    import_extra(("nibabel", "nilearn.image", "nilearn.maskers",
                  "nilearn.signal"), extra="nilearn",
                 needed_by="rsatoolbox_topo.bridges.nilearn",
                 pip="nilearn nibabel")
    import nibabel
    import nilearn
    return nibabel, nilearn


# ------------------------------------------------------------------ images
def _load_4d(imgs, nilearn):
    """A list of 4D images from one image, a path or a sequence of them."""
    if isinstance(imgs, (list, tuple)):
        if len(imgs) == 0:
            raise ValueError("The 'imgs' parameter is an empty sequence; "
                             "pass a 4D image or one 4D image per run.")
        loaded = [nilearn.image.load_img(img) for img in imgs]
    else:
        loaded = [nilearn.image.load_img(imgs)]
    for i, img in enumerate(loaded):
        if img.ndim != 4:
            raise ValueError(
                f"The 'imgs' parameter must hold 4D images (x, y, z, time). "
                f"Image {i} has shape {img.shape} instead.")
    return loaded


def _check_same_space(name, img, ref, ref_name="imgs"):
    if tuple(img.shape[:3]) != tuple(ref.shape[:3]):
        raise ValueError(
            f"The '{name}' image has shape {tuple(img.shape[:3])} but "
            f"'{ref_name}' has shape {tuple(ref.shape[:3])}; resample one onto "
            f"the other first (nilearn.image.resample_to_img).")
    if not np.allclose(img.affine, ref.affine, atol=1e-4):
        raise ValueError(
            f"The affine of '{name}' does not match the affine of "
            f"'{ref_name}':\n{np.round(img.affine, 4)}\nversus\n"
            f"{np.round(ref.affine, 4)}\nResample one onto the other first "
            f"(nilearn.image.resample_to_img).")


def _load_3d(name, img, nilearn):
    img = nilearn.image.load_img(img)
    if img.ndim == 4 and img.shape[3] == 1:
        img = nilearn.image.index_img(img, 0)
    if img.ndim != 3:
        raise ValueError(f"The '{name}' parameter must be a 3D image. "
                         f"Got shape {img.shape} instead.")
    return img


# ------------------------------------------------------------- volume labels
def _read_events(events):
    import pandas as pd

    if isinstance(events, pd.DataFrame):
        table = events.copy()
    else:
        table = pd.read_csv(events, sep="\t")
    missing = {"onset", "duration", "trial_type"} - set(table.columns)
    if missing:
        raise ValueError(
            f"The events table {events if isinstance(events, str) else ''} "
            f"lacks the column(s) {sorted(missing)}; BIDS events need "
            f"'onset', 'duration' and 'trial_type'. Got {list(table.columns)}.")
    return table


def _labels_from_events(table, n_volumes, t_r, delay):
    """The trial_type of every volume: the event that contains its time.

    Volume ``i`` is acquired at ``t = i * t_r`` (nilearn's frame times with
    ``slice_time_ref=0``); it belongs to an event when
    ``onset <= t - delay < onset + duration``. Volumes in no event are None.
    """
    times = np.arange(n_volumes) * t_r - delay
    labels = np.full(n_volumes, None, dtype=object)
    for onset, duration, trial in zip(table["onset"], table["duration"],
                                      table["trial_type"]):
        inside = (times >= onset) & (times < onset + duration)
        clash = inside & (labels != None) & (labels != trial)  # noqa: E711
        if np.any(clash):
            raise ValueError(
                f"The events overlap: volume(s) {np.flatnonzero(clash)[:5]} "
                f"fall in an event of '{trial}' and of "
                f"'{labels[clash][0]}'; one label per volume is needed.")
        labels[inside] = trial
    return labels


def _volume_labels(images, conditions, runs, events, t_r, delay):
    n_per_image = [img.shape[3] for img in images]
    n_volumes = sum(n_per_image)
    if events is not None:
        if conditions is not None:
            raise ValueError("Pass either 'conditions' (one label per volume) "
                             "or 'events' (one table per run), not both.")
        if not isinstance(events, (list, tuple)):
            events = [events]
        if len(events) != len(images):
            raise ValueError(
                f"The 'events' parameter has {len(events)} table(s) but "
                f"'imgs' has {len(images)} run image(s); pass one events "
                f"table per run image.")
        if runs is not None and len(runs) != len(images):
            raise ValueError(
                f"With 'events', 'runs' names the run of each image: it has "
                f"{len(runs)} entries but 'imgs' has {len(images)} images.")
        run_names = list(runs) if runs is not None else list(range(len(images)))
        labels, run_of = [], []
        for img, table, run, n in zip(images, events, run_names, n_per_image):
            tr = _repetition_time(img, t_r)
            table = _read_events(table)
            labels.append(_labels_from_events(table, n, tr, delay))
            run_of.append(np.full(n, run, dtype=object))
        return np.concatenate(labels), np.concatenate(run_of)
    if conditions is None:
        raise ValueError("Pass 'conditions' (one label per volume) or "
                         "'events' (BIDS-style tables, one per run image).")
    conditions = np.asarray(conditions, dtype=object).ravel()
    if len(conditions) != n_volumes:
        raise ValueError(
            f"The 'conditions' parameter has {len(conditions)} labels but "
            f"'imgs' has {n_volumes} volumes; pass one label per volume.")
    if runs is None:
        if len(images) == 1:
            raise ValueError("Pass 'runs' (the run of every volume): the "
                             "crossvalidated RDMs need at least two runs.")
        runs = np.concatenate([np.full(n, i) for i, n in enumerate(n_per_image)])
    runs = np.asarray(runs).ravel()
    if len(runs) != n_volumes:
        raise ValueError(
            f"The 'runs' parameter has {len(runs)} labels but 'imgs' has "
            f"{n_volumes} volumes; pass one run label per volume.")
    return conditions, runs


def _check_t_r(t_r):
    """A repetition time must be positive: 0 would put every volume at t=0."""
    if t_r is None:
        return None
    t_r = check_real("t_r", t_r)
    if t_r <= 0:
        raise ValueError(
            f"The 't_r' parameter must be a positive number of seconds (the "
            f"repetition time). Got {t_r!r} instead.")
    return t_r


def _repetition_time(img, t_r):
    if t_r is not None:
        return _check_t_r(t_r)
    t_r = float(img.header.get_zooms()[3])
    if not t_r > 0:
        raise ValueError("The image header has no repetition time; pass "
                         "'t_r' (seconds) explicitly.")
    return t_r


# ------------------------------------------------------------------ patterns
def fmri_patterns(imgs, conditions=None, runs=None, *, events=None, t_r=None,
                  delay=0.0, mask_img=None, labels_img=None, labels=None,
                  exclude=None, smoothing_fwhm=None, standardize=False,
                  verbose=0):
    """Run-wise condition patterns of fMRI images as an rsatoolbox Dataset.

    Every volume is labelled with its condition and run, either directly or
    from BIDS-style events tables; the volumes inside the mask (or inside the
    regions of a labels atlas) are extracted with
    :class:`nilearn.maskers.NiftiMasker`, optionally smoothed and
    standardised within each run, and the volumes of each condition in each
    run are averaged into one pattern.

    Parameters
    ----------
    imgs : Niimg-like or sequence of Niimg-like
        One 4D image, or one 4D image per run (concatenated in time), as
        images or paths.
    conditions : array-like of shape (n_volumes,) | None
        The condition of every volume (any hashable labels). Not with
        ``events``.
    runs : array-like | None
        The run of every volume. Without it, each image of ``imgs`` is one
        run. With ``events``: one run name per image.
    events : DataFrame | str | sequence of them | None
        BIDS-style events, one table (or path to a ``.tsv``) per run image,
        with columns ``onset``, ``duration`` (seconds) and ``trial_type``.
        Volume ``i`` (acquired at ``i * t_r``) gets the ``trial_type`` of
        the event with ``onset <= i * t_r - delay < onset + duration``;
        volumes in no event are dropped.
    t_r : float | None
        Repetition time in seconds for ``events``, > 0; by default read from
        the image header (a header without a positive one is an error).
    delay : float
        Shift in seconds applied to the event times (e.g. 5 for a
        hemodynamic lag) before the volumes are labelled.
    mask_img : Niimg-like | None
        Brain mask in the space of ``imgs``. None: computed by NiftiMasker
        (or the union of the atlas regions when ``labels_img`` is given).
    labels_img : Niimg-like | None
        Labels atlas (integers, 0 = background) in the space of ``imgs``.
        Its label of every voxel becomes the channel descriptor 'region'.
    labels : dict | sequence | None
        Names of the atlas labels, a dict ``{value: name}`` or a sequence
        indexed by value (nilearn's convention, background first).
    exclude : sequence | None
        Conditions to drop (e.g. rest), after standardisation.
    smoothing_fwhm : float | None
        Full width at half maximum (mm) of the Gaussian smoothing applied by
        NiftiMasker before masking.
    standardize : bool | str
        Standardise each voxel's time series within each run
        (:func:`nilearn.signal.clean` with ``runs``), e.g. ``'zscore_sample'``.
        True means ``'zscore_sample'``.
    verbose : int
        Verbosity of the nilearn masker.

    Returns
    -------
    rsatoolbox.data.Dataset
        One observation per (run, condition), sorted by run then condition,
        with obs_descriptors 'runs', 'conditions' and 'n_volumes'; one
        channel per voxel with channel_descriptors 'voxel' (its i, j, k
        index) and, with an atlas, 'region'. ``descriptors['mask_img']`` is
        the mask actually used, so that results can be mapped back to
        images.

    Raises
    ------
    ValueError
        When images, labels and masks do not fit together: numbers of labels
        and volumes differ, an image's shape or affine differs from that of
        ``imgs``, the mask or an atlas region is empty, or a condition is
        missing from a run.

    Examples
    --------
    A tiny image with two conditions in two runs (a real analysis reads
    NIfTI files):

    >>> import numpy as np, nibabel as nib
    >>> from rsatoolbox_topo.bridges.nilearn import fmri_patterns
    >>> data = np.arange(2 * 2 * 1 * 8, dtype=float).reshape(2, 2, 1, 8)
    >>> img = nib.Nifti1Image(data, np.eye(4))
    >>> mask = nib.Nifti1Image(np.ones((2, 2, 1), np.uint8), np.eye(4))
    >>> ds = fmri_patterns(img, ["a", "a", "b", "b"] * 2, [0] * 4 + [1] * 4,
    ...                    mask_img=mask)
    >>> ds.n_obs, ds.n_channel
    (4, 4)
    >>> ds.obs_descriptors["conditions"]
    array(['a', 'b', 'a', 'b'], dtype=object)
    """
    t_r = _check_t_r(t_r)
    nibabel, nilearn = _import_nilearn()
    images = _load_4d(imgs, nilearn)
    ref = images[0]
    for i, img in enumerate(images[1:], start=1):
        _check_same_space(f"imgs[{i}]", img, ref, "imgs[0]")
    delay = check_real("delay", delay)
    cond, run = _volume_labels(images, conditions, runs, events, t_r, delay)
    if smoothing_fwhm is not None:
        smoothing_fwhm = check_real("smoothing_fwhm", smoothing_fwhm, 0.0)

    mask, region = _mask_and_regions(mask_img, labels_img, labels, ref,
                                     nibabel, nilearn)
    masker = nilearn.maskers.NiftiMasker(
        mask_img=mask, smoothing_fwhm=smoothing_fwhm, standardize=None,
        verbose=verbose)
    masker.fit(ref if mask is None else None)
    mask = masker.mask_img_
    mask_data = np.asarray(mask.get_fdata()) > 0
    if not mask_data.any():
        raise ValueError("The mask computed from 'imgs' is empty; pass "
                         "'mask_img'.")
    signals = np.vstack([masker.transform(img) for img in images]).astype(
        np.float64)
    if standardize:
        how = "zscore_sample" if standardize is True else standardize
        # One call per run: nilearn.signal.clean(runs=...) stacks its output
        # run by run in sorted order, which reorders interleaved runs.
        for value in np.unique(run.astype(str)):
            sel = run.astype(str) == value
            signals[sel] = nilearn.signal.clean(
                signals[sel], detrend=False, filter=False, standardize=how)
    keep = np.array([c is not None for c in cond])
    if exclude is not None:
        excluded = set(np.atleast_1d(np.asarray(exclude, dtype=object)))
        keep &= np.array([c not in excluded for c in cond])
    if not keep.any():
        raise ValueError("No volume is left after dropping unlabelled and "
                         "excluded volumes; check 'conditions'/'events' and "
                         f"'exclude' (got exclude={exclude!r}).")
    measurements, obs = _average_runs(signals[keep], cond[keep], run[keep])
    voxels = np.argwhere(mask_data)  # C order, like NiftiMasker's columns
    channels = {"voxel": voxels}
    if region is not None:
        channels["region"] = region[tuple(voxels.T)]
    affine = np.array(mask.affine, dtype=np.float64)
    return Dataset(measurements,
                   descriptors={"mask_img": nibabel.Nifti1Image(
                       mask_data.astype(np.uint8), affine),
                                "affine": affine,
                                "volume_shape": tuple(mask_data.shape)},
                   obs_descriptors=obs, channel_descriptors=channels)


def _mask_and_regions(mask_img, labels_img, labels, ref, nibabel, nilearn):
    mask = None
    if mask_img is not None:
        mask_img = _load_3d("mask_img", mask_img, nilearn)
        _check_same_space("mask_img", mask_img, ref)
        mask = np.asarray(mask_img.get_fdata()) != 0
        if not mask.any():
            raise ValueError("The 'mask_img' image has no voxel inside the "
                             "mask (all values are 0).")
    if labels_img is None:
        if labels is not None:
            raise ValueError("The 'labels' parameter names atlas regions; "
                             "pass 'labels_img' with it.")
        if mask is None:
            return None, None
        return nibabel.Nifti1Image(mask.astype(np.uint8), ref.affine), None
    labels_img = _load_3d("labels_img", labels_img, nilearn)
    _check_same_space("labels_img", labels_img, ref)
    values = np.asarray(labels_img.get_fdata())
    if not np.allclose(values, np.round(values)):
        raise ValueError("The 'labels_img' image must hold integer labels; "
                         "it holds non-integer values (a probabilistic atlas?).")
    values = np.round(values).astype(int)
    inside = values != 0
    if mask is not None:
        inside &= mask
    if not inside.any():
        raise ValueError("No voxel has a non-zero label of 'labels_img' "
                         "inside 'mask_img'; the regions are empty.")
    region = values.astype(object)
    if labels is not None:
        names = dict(labels) if isinstance(labels, dict) else dict(enumerate(labels))
        present = set(np.unique(values[inside]))
        for value in present:
            if value not in names:
                raise ValueError(
                    f"The atlas label {value} has no name in 'labels'; name "
                    f"every label present in 'labels_img'.")
        empty = [f"{names[v]!r} (label {v})" for v in names
                 if v != 0 and v not in present]
        if empty:
            raise ValueError(
                f"The region(s) {', '.join(empty[:5])} of 'labels' have no "
                f"voxel in 'labels_img' inside the mask.")
        region = np.vectorize(lambda v: names.get(v, v), otypes=[object])(values)
    return nibabel.Nifti1Image(inside.astype(np.uint8), ref.affine), region


def _average_runs(signals, cond, run):
    """Mean of the volumes of each (run, condition); every run has every one."""
    cond_values = np.unique(cond)
    run_values = np.unique(run)
    rows, obs_cond, obs_run, counts = [], [], [], []
    for r in run_values:
        in_run = run == r
        for c in cond_values:
            sel = in_run & (cond == c)
            if not sel.any():
                raise ValueError(
                    f"The condition {plain_value(c)!r} has no volume in run "
                    f"{plain_value(r)!r}; every "
                    f"run needs every condition for crossvalidated RDMs "
                    f"(drop the condition with 'exclude' or the run).")
            rows.append(signals[sel].mean(axis=0))
            obs_cond.append(c)
            obs_run.append(r)
            counts.append(int(sel.sum()))
    return np.array(rows), {
        "runs": np.array(obs_run), "conditions": np.array(obs_cond, dtype=object),
        "n_volumes": np.array(counts)}


# --------------------------------------------------------- patterns -> RDMs
@fill_doc
def region_rdms(dataset, *, dissimilarity="crossnobis", noise="diag",
                group_by="region", n_splits=None, method=None):
    """One RDM per region (and per split of the runs) with rsatoolbox.

    Parameters
    ----------
    dataset : rsatoolbox.data.Dataset
        Run-wise condition patterns, e.g. from :func:`fmri_patterns`.
    dissimilarity : {'crossnobis', 'euclidean', 'correlation', 'mahalanobis'}
        Measure of :func:`rsatoolbox.rdm.calc_rdm`. 'crossnobis' is
        crossvalidated over the runs (``cv_descriptor='runs'``) and is
        unbiased: its expected value is 0 for conditions whose patterns do
        not differ, so it can be negative. The others use the mean pattern of
        each condition over runs.
    noise : {'diag', 'none'}
        'diag' divides every voxel by its residual SD (run-wise patterns
        minus the condition means), i.e. crossnobis with a diagonal noise
        precision; 'none' leaves the patterns as they are (crossvalidated
        Euclidean distance).
    group_by : str | None
        channel_descriptor defining the regions ('region' from an atlas);
        None: one RDM over all channels.
    n_splits : int | None
        Split the runs, in order, into this many groups and compute one RDM
        per group (rdm_descriptor 'split'), e.g. to identify regions across
        independent data. Each group needs at least 2 runs for crossnobis.
    %(method_refused)s

    Returns
    -------
    rsatoolbox.rdm.RDMs
        One RDM per region (and split), with rdm_descriptors 'region',
        'split' and 'n_voxels', and pattern_descriptor 'conditions'
        (sorted).

    Examples
    --------
    >>> import numpy as np
    >>> from rsatoolbox.data import Dataset
    >>> from rsatoolbox_topo.bridges.nilearn import region_rdms
    >>> rng = np.random.default_rng(0)
    >>> ds = Dataset(rng.normal(size=(12, 6)),
    ...              obs_descriptors={"conditions": np.tile(["a", "b", "c"], 4),
    ...                               "runs": np.repeat([0, 1, 2, 3], 3)},
    ...              channel_descriptors={"region": np.repeat(["V1", "FFA"], 3)})
    >>> rdms = region_rdms(ds)
    >>> rdms.rdm_descriptors["region"], rdms.n_cond
    (['FFA', 'V1'], 3)
    """
    refuse_method(method, "region_rdms")
    check_option("dissimilarity", dissimilarity, _DISSIMILARITIES)
    tensor, cond_values, run_values = prepare_patterns(dataset, noise,
                                                       dissimilarity)
    if group_by is not None and group_by not in dataset.channel_descriptors:
        raise ValueError(
            f"The 'group_by' parameter must name a channel_descriptor of the "
            f"dataset ({sorted(dataset.channel_descriptors)}) or be None. "
            f"Got {group_by!r} instead.")
    regions = (np.asarray(dataset.channel_descriptors[group_by], dtype=object)
               if group_by is not None else
               np.full(dataset.n_channel, "all", dtype=object))
    min_runs = 2 if dissimilarity == "crossnobis" else 1
    if n_splits is None:
        splits = [np.arange(len(run_values))]
    else:
        n_splits = check_int("n_splits", n_splits, 1, len(run_values) // min_runs)
        splits = np.array_split(np.arange(len(run_values)), n_splits)
    region_values = np.unique(regions)
    kwargs = {"cv_descriptor": "runs"} if dissimilarity == "crossnobis" else {}
    rdms = []
    for i_split, idx in enumerate(splits):
        sub = tensor[idx]
        obs = {"conditions": np.tile(cond_values, len(idx)),
               "runs": np.repeat(run_values[idx], len(cond_values))}
        for region in region_values:
            cols = regions == region
            data = Dataset(sub[:, :, cols].reshape(-1, cols.sum()),
                           obs_descriptors=deepcopy(obs))
            with warnings.catch_warnings():
                # rsatoolbox casts NaN into the integer 'runs' descriptor of
                # the averaged patterns; harmless, the descriptor is dropped.
                warnings.filterwarnings("ignore", "invalid value encountered "
                                        "in cast", RuntimeWarning)
                rdm = calc_rdm(data, method=dissimilarity,
                               descriptor="conditions", **kwargs)
            rdms.append(RDMs(
                rdm.dissimilarities, dissimilarity_measure=(
                    f"{dissimilarity} (noise='{noise}')"),
                rdm_descriptors={"region": [region], "split": [i_split],
                                 "n_voxels": [int(cols.sum())]},
                pattern_descriptors={"conditions": cond_values.copy()}))
    return concat(rdms)


# --------------------------------------------------------------- maps out
def searchlight_img(result, what="scores"):
    """A searchlight map as a NIfTI image in the space of the input images.

    Parameters
    ----------
    result : rsatoolbox_topo.searchlight.SearchlightResult
        The result of :func:`rsatoolbox_topo.searchlight.searchlight` (or
        one loaded with ``SearchlightResult.load``): it carries the voxel of
        every sphere centre, the affine and the volume shape.
    what : {'scores', 'p_values', 'p_fdr', 'p_fwe', 'n_voxels'}
        The map. Voxels outside the mask, and voxels that are no sphere
        centre, get 0 (scores, n_voxels) or 1 (p-values).

    Returns
    -------
    nibabel.Nifti1Image
        float32 image of the result's ``volume_shape`` and ``affine``.

    Examples
    --------
    >>> import numpy as np, nibabel as nib
    >>> from rsatoolbox_topo.bridges.nilearn import (fmri_patterns,
    ...                                              searchlight_img)
    >>> from rsatoolbox_topo.searchlight import searchlight
    >>> rng = np.random.default_rng(0)
    >>> img = nib.Nifti1Image(rng.normal(size=(3, 3, 1, 24)), np.eye(4))
    >>> mask = nib.Nifti1Image(np.ones((3, 3, 1), np.uint8), np.eye(4))
    >>> ds = fmri_patterns(img, np.tile(["a", "b", "c"], 8),
    ...                    np.repeat(range(4), 6), mask_img=mask)
    >>> res = searchlight(ds, [[0, 1, 2], [1, 0, 1], [2, 1, 0]], radius=1.0,
    ...                   n_permutations=9, random_state=0)
    >>> searchlight_img(res, "p_fwe").shape
    (3, 3, 1)
    """
    from ..searchlight import SearchlightResult

    if not isinstance(result, SearchlightResult):
        raise TypeError(
            "The 'result' parameter must be a SearchlightResult (from "
            "rsatoolbox_topo.searchlight.searchlight). Got "
            f"{type(result).__name__} instead.")
    nibabel, _ = _import_nilearn()
    volume = result.to_volume(what).astype(np.float32)
    return nibabel.Nifti1Image(volume, np.array(result.affine))
