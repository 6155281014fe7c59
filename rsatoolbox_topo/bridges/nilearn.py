"""fMRI images (NIfTI, nilearn conventions) to patterns, RDMs and searchlights.

The bridge takes what an fMRI lab holds -- a 4D image (or one per run), the
condition and run of every volume (or BIDS-style events files with onsets and
durations), and a mask or a labels atlas image -- and returns rsatoolbox
objects:

* :func:`fmri_patterns`: run-wise condition patterns, the mean of the volumes
  of each condition in each run, extracted with :class:`nilearn.maskers.NiftiMasker`,
  as an :class:`rsatoolbox.data.Dataset` (observations: run x condition;
  channels: voxels, with their atlas region).
* :func:`region_rdms`: one crossvalidated RDM per region (rsatoolbox's
  crossnobis with the runs as ``cv_descriptor``), optionally per split of the
  runs, ready for the topological statistics, identification and model
  comparison.
* :func:`searchlight_rdms` and :func:`searchlight`: an RDM for the sphere
  around every voxel (radius in mm), optionally turned into a topological
  statistic, compared with a model, and returned as NIfTI images in the input
  space with permutation p-values corrected by FDR or by the maximum
  statistic.

The searchlight computes the sphere RDMs from the run-wise patterns with
sparse matrix products instead of a loop over spheres; the results equal
rsatoolbox's :func:`rsatoolbox.rdm.calc_rdm` on each sphere (tested).

nilearn and nibabel are imported when a function of this module is called,
never when the module or the package is imported; install them with
``pip install ".[nilearn]"`` in the rsatoolbox_topo folder.
"""

import warnings
from copy import deepcopy
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from rsatoolbox.data import Dataset
from rsatoolbox.rdm import RDMs, calc_rdm, concat
from scipy import sparse

from .. import _resampling
from .._optional import import_extra
from .._parallel import run_tasks
from .._validation import check_int, check_option, check_random_state
from .._validation import check_real
from ..statistics import as_statistic

__all__ = ["fmri_patterns", "region_rdms", "searchlight_rdms", "searchlight",
           "SearchlightResult"]

_METHODS = ("crossnobis", "euclidean")
_ROI_METHODS = ("crossnobis", "euclidean", "correlation", "mahalanobis")
_NOISE = ("diag", "none")
_COMPARE = ("corr", "cosine", "spearman")


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
    return Dataset(measurements,
                   descriptors={"mask_img": nibabel.Nifti1Image(
                       mask_data.astype(np.uint8), mask.affine)},
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


def _py(value):
    """A numpy scalar as the Python value, for readable messages."""
    return value.item() if isinstance(value, np.generic) else value


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
                    f"The condition {_py(c)!r} has no volume in run "
                    f"{_py(r)!r}; every "
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
def _check_dataset(dataset):
    if not isinstance(dataset, Dataset):
        raise TypeError("The 'dataset' parameter must be an "
                        "rsatoolbox.data.Dataset (see fmri_patterns). "
                        f"Got {type(dataset).__name__} instead.")
    for key in ("conditions", "runs"):
        if key not in dataset.obs_descriptors:
            raise ValueError(
                f"The 'dataset' parameter needs the obs_descriptor '{key}'. "
                f"Got {sorted(dataset.obs_descriptors)}.")


def _run_tensor(dataset):
    """Patterns as (runs, conditions, voxels), conditions sorted."""
    cond = np.asarray(dataset.obs_descriptors["conditions"], dtype=object)
    run = np.asarray(dataset.obs_descriptors["runs"])
    cond_values, run_values = np.unique(cond), np.unique(run)
    if len(cond_values) < 3:
        raise ValueError("RDMs need at least 3 conditions; the dataset has "
                         f"{len(cond_values)}: {list(cond_values)}.")
    tensor = np.full((len(run_values), len(cond_values), dataset.n_channel),
                     np.nan)
    for i, r in enumerate(run_values):
        for j, c in enumerate(cond_values):
            sel = (run == r) & (cond == c)
            if sel.sum() != 1:
                raise ValueError(
                    f"The dataset has {int(sel.sum())} patterns for condition "
                    f"{_py(c)!r} in run {_py(r)!r}; exactly one per run and "
                    f"condition "
                    f"is needed (see fmri_patterns).")
            tensor[i, j] = dataset.measurements[sel][0]
    return tensor, cond_values, run_values


def _noise_scale(tensor):
    """Univariate noise normalisation: 1 / residual SD of every voxel.

    The residuals are the run-wise patterns minus each condition's mean over
    runs, with ``n_runs * n_conditions - n_conditions`` degrees of freedom;
    voxels without residual variance get weight 0.
    """
    n_runs, n_cond = tensor.shape[:2]
    if n_runs < 2:
        raise ValueError("Noise normalisation needs at least 2 runs; the "
                         f"dataset has {n_runs}. Use noise='none'.")
    resid = tensor - tensor.mean(axis=0, keepdims=True)
    var = np.einsum("rcv,rcv->v", resid, resid) / (n_runs * n_cond - n_cond)
    scale = np.zeros_like(var)
    scale[var > 0] = 1.0 / np.sqrt(var[var > 0])
    return scale


def _prepared(dataset, noise, method):
    _check_dataset(dataset)
    check_option("noise", noise, _NOISE)
    tensor, cond_values, run_values = _run_tensor(dataset)
    if method == "crossnobis" and len(run_values) < 2:
        raise ValueError("Crossvalidated (crossnobis) RDMs need at least 2 "
                         f"runs; the dataset has {len(run_values)}.")
    if noise == "diag":
        tensor *= _noise_scale(tensor)  # tensor is a fresh array
    return tensor, cond_values, run_values


def region_rdms(dataset, *, method="crossnobis", noise="diag", by="region",
                n_splits=None):
    """One RDM per region (and per split of the runs) with rsatoolbox.

    Parameters
    ----------
    dataset : rsatoolbox.data.Dataset
        Run-wise condition patterns, e.g. from :func:`fmri_patterns`.
    method : {'crossnobis', 'euclidean', 'correlation', 'mahalanobis'}
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
    by : str | None
        channel_descriptor defining the regions ('region' from an atlas);
        None: one RDM over all channels.
    n_splits : int | None
        Split the runs, in order, into this many groups and compute one RDM
        per group (rdm_descriptor 'split'), e.g. to identify regions across
        independent data. Each group needs at least 2 runs for crossnobis.

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
    check_option("method", method, _ROI_METHODS)
    tensor, cond_values, run_values = _prepared(dataset, noise, method)
    if by is not None and by not in dataset.channel_descriptors:
        raise ValueError(
            f"The 'by' parameter must name a channel_descriptor of the "
            f"dataset ({sorted(dataset.channel_descriptors)}) or be None. "
            f"Got {by!r} instead.")
    regions = (np.asarray(dataset.channel_descriptors[by], dtype=object)
               if by is not None else np.full(dataset.n_channel, "all",
                                              dtype=object))
    min_runs = 2 if method == "crossnobis" else 1
    if n_splits is None:
        splits = [np.arange(len(run_values))]
    else:
        n_splits = check_int("n_splits", n_splits, 1, len(run_values) // min_runs)
        splits = np.array_split(np.arange(len(run_values)), n_splits)
    region_values = np.unique(regions)
    rdms = []
    for i_split, idx in enumerate(splits):
        sub = tensor[idx]
        obs = {"conditions": np.tile(cond_values, len(idx)),
               "runs": np.repeat(run_values[idx], len(cond_values))}
        for region in region_values:
            cols = regions == region
            data = Dataset(sub[:, :, cols].reshape(-1, cols.sum()),
                           obs_descriptors=deepcopy(obs))
            kwargs = {"cv_descriptor": "runs"} if method == "crossnobis" else {}
            with warnings.catch_warnings():
                # rsatoolbox casts NaN into the integer 'runs' descriptor of
                # the averaged patterns; harmless, the descriptor is dropped.
                warnings.filterwarnings("ignore", "invalid value encountered "
                                        "in cast", RuntimeWarning)
                rdm = calc_rdm(data, method=method, descriptor="conditions",
                               **kwargs)
            rdms.append(RDMs(
                rdm.dissimilarities, dissimilarity_measure=(
                    f"{method} (noise='{noise}')"),
                rdm_descriptors={"region": [region], "split": [i_split],
                                 "n_voxels": [int(cols.sum())]},
                pattern_descriptors={"conditions": cond_values.copy()}))
    return concat(rdms)


# ---------------------------------------------------------------- spheres
def _sphere_adjacency(voxels, affine, radius):
    """Sparse (n_voxels, n_voxels) matrix: row i holds the sphere of voxel i.

    A voxel belongs to the sphere of a centre when their world coordinates
    (mm) are at most ``radius`` apart, as in nilearn's searchlight. scipy's
    KD-tree is used instead of nilearn's helper, whose nearest-voxel lookup is
    quadratic in the number of voxels.
    """
    from scipy.spatial import cKDTree

    coords = voxels @ affine[:3, :3].T + affine[:3, 3]
    tree = cKDTree(coords)
    members = tree.query_ball_point(coords, r=radius + 1e-9, return_sorted=True)
    indptr = np.cumsum([0] + [len(m) for m in members])
    indices = np.concatenate(members).astype(np.int64)
    data = np.ones(len(indices))
    n = len(voxels)
    return sparse.csr_matrix((data, indices, indptr), shape=(n, n))


def _pair_index(n_cond):
    return np.triu_indices(n_cond, k=1)


def _chunk_rdms(tensor, adjacency, rows, method, pairs):
    """Sphere RDMs of the centres ``rows`` (chunk) from per-voxel terms.

    The crossnobis RDM of a sphere is a sum over its voxels, so each voxel's
    contribution to every pair is computed once and the spheres sum them
    with one sparse product. With S the sum over runs of the pattern
    differences of a pair and D_r those of run r, the leave-one-run-out
    crossnobis distance is ``(S**2 - sum_r D_r**2) / (R (R - 1))`` per voxel,
    divided by the number of voxels (as rsatoolbox does); the Euclidean
    distance of the run means is ``(S / R)**2`` per voxel.
    """
    block = adjacency[rows]
    cols = np.unique(block.indices)
    block = block[:, cols]
    n_runs = tensor.shape[0]
    crossnobis = method == "crossnobis"
    i, j = pairs
    # (voxels, pairs) arrays, updated in place to keep one chunk's memory low
    total = np.zeros((len(cols), len(i)))
    squares = np.zeros_like(total) if crossnobis else None
    diff = np.empty_like(total)
    for r in range(n_runs):
        sub = np.ascontiguousarray(tensor[r][:, cols].T)
        np.take(sub, i, axis=1, out=diff)
        diff -= sub[:, j]
        total += diff
        if crossnobis:
            diff *= diff
            squares += diff
    if crossnobis:
        total *= total
        total -= squares
        total /= n_runs * (n_runs - 1)
    else:
        total /= n_runs
        total *= total
    sizes = np.diff(block.indptr).astype(np.int64)
    return np.asarray(block @ total) / sizes[:, None], sizes


def _check_radius(radius):
    return check_real("radius", radius, 0.0)


def _mask_geometry(dataset):
    if "voxel" not in dataset.channel_descriptors or \
            "mask_img" not in dataset.descriptors:
        raise ValueError(
            "The dataset needs the channel_descriptor 'voxel' and the "
            "descriptor 'mask_img' for a searchlight; create it with "
            "fmri_patterns.")
    voxels = np.asarray(np.stack(list(dataset.channel_descriptors["voxel"])),
                        dtype=float)
    return voxels, dataset.descriptors["mask_img"]


def _stat_vectors(rdm_values, cond_values, statistic, centres):
    rdms = RDMs(rdm_values, pattern_descriptors={"conditions": cond_values},
                rdm_descriptors={"voxel": centres})
    statistic = as_statistic(statistic)
    if statistic is None:
        return rdms
    out = statistic(rdms)
    if not isinstance(out, RDMs) or out.n_rdm != rdms.n_rdm:
        raise TypeError("The 'statistic' parameter must be a callable that "
                        "takes an RDMs object and returns an RDMs object with "
                        "as many RDMs (e.g. functools.partial(rgtm, lower=0.2,"
                        " upper=0.8)).")
    return out


def _check_statistic(statistic):
    """The one statistic type (see :func:`statistics.as_statistic`)."""
    return as_statistic(statistic)


def _run_chunks(function, chunks, n_jobs, verbose):
    # Threads by default: the chunks share the pattern array without copies
    # and the heavy steps (sparse and dense products) release the GIL; a
    # joblib.parallel_config(backend=...) context can choose processes.
    return run_tasks(function, [(rows,) for rows in chunks], n_jobs=n_jobs,
                     progress=bool(verbose), desc="searchlight",
                     unit="chunk", prefer="threads")


def _centres(process_mask_img, voxels, mask):
    """Channel indices of the sphere centres (all, or inside the process mask)."""
    if process_mask_img is None:
        return np.arange(len(voxels))
    _, nilearn = _import_nilearn()
    process = _load_3d("process_mask_img", process_mask_img, nilearn)
    _check_same_space("process_mask_img", process, mask,
                      "the dataset's mask_img")
    inside = np.asarray(process.get_fdata())[tuple(voxels.astype(int).T)] != 0
    if not inside.any():
        raise ValueError("The 'process_mask_img' image has no voxel inside "
                         "the dataset's mask; no sphere to compute.")
    return np.flatnonzero(inside)


def _searchlight_setup(dataset, radius, method, noise, statistic, chunk_size,
                       process_mask_img):
    """Checked parameters, noise-normalised patterns, spheres and chunks."""
    check_option("method", method, _METHODS)
    radius = _check_radius(radius)
    chunk_size = check_int("chunk_size", chunk_size, 1)
    _check_statistic(statistic)
    tensor, cond_values, _ = _prepared(dataset, noise, method)
    voxels, mask = _mask_geometry(dataset)
    centres = _centres(process_mask_img, voxels, mask)
    adjacency = _sphere_adjacency(voxels, mask.affine, radius)
    chunks = [centres[start:start + chunk_size]
              for start in range(0, len(centres), chunk_size)]
    return (tensor, cond_values, voxels, mask, adjacency,
            _pair_index(len(cond_values)), chunks, centres)


def searchlight_rdms(dataset, *, radius=6.0, method="crossnobis", noise="diag",
                     statistic=None, process_mask_img=None, chunk_size=1000,
                     n_jobs=1, verbose=0):
    """The RDM of the sphere around every voxel of a dataset.

    Parameters
    ----------
    dataset : rsatoolbox.data.Dataset
        Run-wise condition patterns from :func:`fmri_patterns` (it carries
        the voxel positions and the mask image).
    radius : float
        Sphere radius in mm; a voxel is in the sphere when its centre is at
        most ``radius`` from the centre voxel (nilearn's convention).
    method : {'crossnobis', 'euclidean'}
        Leave-one-run-out crossnobis (equal to rsatoolbox's
        ``calc_rdm(method='crossnobis', cv_descriptor='runs')``) or the
        squared Euclidean distance of the run-averaged patterns divided by
        the number of voxels (rsatoolbox's 'euclidean').
    noise : {'diag', 'none'}
        Univariate noise normalisation of every voxel, as in
        :func:`region_rdms`.
    statistic : TopoStatistic | str | dict | callable | None
        Applied to each chunk of sphere RDMs: any spelling accepted by
        :func:`~rsatoolbox_topo.statistics.as_statistic`, e.g. ``'rgtm'``
        or ``TopoStatistic('rgtm', lower=0.2, upper=0.8)``.
    process_mask_img : Niimg-like | None
        Only voxels inside this mask (in the space of the dataset's mask)
        are sphere centres; the spheres still take their voxels from the
        whole mask (nilearn's SearchLight convention). None: every voxel.
    chunk_size : int
        Spheres per chunk (bounds memory; results do not depend on it).
    n_jobs : int
        Parallel jobs over chunks (joblib, threads unless a
        ``joblib.parallel_config`` context says otherwise); results do not
        depend on it.
    verbose : int
        Show a progress bar when > 0.

    Returns
    -------
    rsatoolbox.rdm.RDMs
        One RDM per sphere centre, in the dataset's channel order, with
        rdm_descriptors 'voxel' (channel index of the centre) and
        'n_voxels' (sphere size). All of them are held in memory: for a
        whole brain with many conditions, use :func:`searchlight`, which
        keeps one chunk at a time.

    Examples
    --------
    >>> import numpy as np, nibabel as nib
    >>> from rsatoolbox_topo.bridges.nilearn import fmri_patterns, searchlight_rdms
    >>> rng = np.random.default_rng(0)
    >>> img = nib.Nifti1Image(rng.normal(size=(3, 3, 1, 24)), np.eye(4))
    >>> mask = nib.Nifti1Image(np.ones((3, 3, 1), np.uint8), np.eye(4))
    >>> ds = fmri_patterns(img, np.tile(["a", "b", "c"], 8),
    ...                    np.repeat(range(4), 6), mask_img=mask)
    >>> rdms = searchlight_rdms(ds, radius=1.0)
    >>> rdms.n_rdm, rdms.rdm_descriptors["n_voxels"][:3].tolist()
    (9, [3, 4, 3])
    """
    setup = _searchlight_setup(dataset, radius, method, noise, statistic,
                               chunk_size, process_mask_img)
    tensor, cond_values, voxels, mask, adjacency, pairs, chunks, centres = setup

    def one_chunk(rows):
        values, sizes = _chunk_rdms(tensor, adjacency, rows, method, pairs)
        return _stat_vectors(values, cond_values, statistic, rows), sizes

    parts = _run_chunks(one_chunk, chunks, n_jobs,
                        verbose)
    rdms = concat([p[0] for p in parts])
    rdms.rdm_descriptors["n_voxels"] = np.concatenate([p[1] for p in parts])
    rdms.rdm_descriptors["voxel"] = centres
    rdms.dissimilarity_measure = (f"{method} (noise='{noise}', radius="
                                  f"{radius:g} mm)" if statistic is None else
                                  rdms.dissimilarity_measure)
    return rdms


# ------------------------------------------------------------ model fit
def _model_vector(model, cond_values, statistic):
    """The model RDM in the dataset's condition order, statistic applied."""
    if not isinstance(model, RDMs):
        model = np.asarray(model, dtype=float)
        model = RDMs(model[np.newaxis] if model.ndim == 2 else
                     np.atleast_2d(model))
    if model.n_rdm != 1:
        raise ValueError(f"The 'model' parameter must hold one RDM. Got "
                         f"{model.n_rdm} instead; run one searchlight per "
                         f"model.")
    if model.n_cond != len(cond_values):
        raise ValueError(
            f"The 'model' has {model.n_cond} conditions but the dataset has "
            f"{len(cond_values)}: {list(cond_values)}.")
    square = model.get_matrices()[0]
    names = model.pattern_descriptors.get("conditions")
    if names is not None:
        names = [str(n) for n in names]
        wanted = [str(c) for c in cond_values]
        if sorted(names) != sorted(wanted):
            raise ValueError(
                f"The model's pattern_descriptor 'conditions' {names} does not "
                f"match the dataset's conditions {wanted}.")
        order = [names.index(c) for c in wanted]
        square = square[np.ix_(order, order)]
    i, j = _pair_index(len(cond_values))
    ordered = RDMs(square[i, j][np.newaxis],
                   pattern_descriptors={"conditions": cond_values})
    statistic = as_statistic(statistic)
    if statistic is not None:
        ordered = statistic(ordered)
    return ordered.get_matrices()[0]


def _check_model_values(vector, compare, statistic):
    """Refuse a model that would make every score NaN, before any sphere."""
    after = "" if statistic is None else " after the statistic"
    bad = ~np.isfinite(vector)
    if bad.any():
        raise ValueError(
            f"The 'model' RDM has {int(bad.sum())} missing or infinite "
            f"entries{after}; every sphere would score NaN. Give a model "
            f"with a finite dissimilarity for every pair of conditions.")
    if compare == "cosine":
        degenerate, what = not np.any(vector), "all zero"
    else:
        degenerate, what = bool(np.all(vector == vector[0])), "constant"
    if degenerate:
        raise ValueError(
            f"The 'model' RDM is {what}{after}: its {compare} similarity "
            f"with any RDM is undefined and every sphere would score NaN.")


def _standardized(vectors, compare):
    """Rows scaled so that a dot product / n gives the chosen similarity."""
    from scipy.stats import rankdata

    vectors = np.asarray(vectors, dtype=float)
    if compare == "spearman":
        vectors = rankdata(vectors, axis=1)
    if compare in ("corr", "spearman"):
        vectors = vectors - vectors.mean(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def _similarities(data, models, block=64):
    """``data @ models.T`` computed in zero-padded blocks of ``block`` rows.

    BLAS may sum in an order that depends on the shape of the product (a
    matrix-vector product of 1000 rows can differ in the last bit from one of
    250 rows); with every product of the same shape, the scores do not depend
    on ``chunk_size``.
    """
    out = np.empty((len(data), len(models)))
    part = np.zeros((block, data.shape[1]))
    for start in range(0, len(data), block):
        rows = data[start:start + block]
        part[:len(rows)] = rows
        part[len(rows):] = 0.0
        out[start:start + len(rows)] = (part @ models.T)[:len(rows)]
    return out


@dataclass
class SearchlightResult:
    """Scores and p-values of a model searchlight, as arrays and images.

    Parameters
    ----------
    scores : ndarray of shape (n_centres,)
        Similarity of each sphere's (transformed) RDM with the model, in the
        dataset's channel order (one per voxel without a process mask).
    scores_img : nibabel.Nifti1Image
        ``scores`` in the space of the input images; 0 outside the mask and
        at voxels that are no sphere centre.
    n_voxels : ndarray of shape (n_centres,)
        Number of voxels in each sphere.
    centres : ndarray of shape (n_centres,)
        Channel index (in the dataset) of each sphere's centre.
    p_values : ndarray | None
        Uncorrected permutation p-values (condition labels of the model
        permuted), ``(1 + #{null >= score}) / (1 + n_permutations)``; None
        without permutations.
    p_img : nibabel.Nifti1Image | None
        ``p_values`` as an image; 1 outside the mask and at voxels that are
        no sphere centre.
    p_fdr : ndarray | None
        Benjamini-Hochberg adjusted p-values (FDR).
    p_fdr_img : nibabel.Nifti1Image | None
        ``p_fdr`` as an image; 1 outside the mask.
    p_fwe : ndarray | None
        Family-wise error corrected p-values from the maximum statistic over
        all spheres of each permutation.
    p_fwe_img : nibabel.Nifti1Image | None
        ``p_fwe`` as an image; 1 outside the mask.
    params : dict
        The parameters of the run.
    """

    scores: np.ndarray
    scores_img: Any
    n_voxels: np.ndarray
    centres: np.ndarray | None = None
    p_values: np.ndarray | None = None
    p_img: Any = None
    p_fdr: np.ndarray | None = None
    p_fdr_img: Any = None
    p_fwe: np.ndarray | None = None
    p_fwe_img: Any = None
    params: dict = field(default_factory=dict)


def _to_img(values, voxels, mask, fill):
    import nibabel

    volume = np.full(mask.shape, fill, dtype=np.float32)
    volume[tuple(voxels.astype(int).T)] = values
    return nibabel.Nifti1Image(volume, mask.affine)


def searchlight(dataset, model, *, radius=6.0, method="crossnobis",
                noise="diag", statistic=None, compare="corr",
                n_permutations=0, random_state=None, process_mask_img=None,
                chunk_size=1000, n_jobs=1, verbose=0):
    """Model fit of every sphere's (topological) RDM, as NIfTI images.

    For every voxel of the dataset's mask, the RDM of the sphere around it is
    computed (as in :func:`searchlight_rdms`), transformed by ``statistic``
    and compared with the model RDM transformed by the same statistic.
    Permutations of the model's condition labels give uncorrected,
    FDR-adjusted and family-wise (maximum statistic) p-values. Spheres are
    processed in chunks, so memory grows with ``chunk_size``, not with the
    number of voxels.

    Parameters
    ----------
    dataset : rsatoolbox.data.Dataset
        Run-wise condition patterns from :func:`fmri_patterns`.
    model : rsatoolbox.rdm.RDMs | array-like
        One model RDM. With a pattern_descriptor 'conditions' it is
        reordered to the dataset's conditions; otherwise its conditions must
        be in the dataset's (sorted) order. A model with NaN or infinite
        entries, or one that is constant (all zero for 'cosine') after the
        statistic, is an error: every score would be NaN.
    radius, method, noise, process_mask_img, chunk_size, n_jobs, verbose
        As in :func:`searchlight_rdms`.
    statistic : TopoStatistic | str | dict | callable | None
        Applied to the sphere RDMs and to the model: any spelling accepted
        by :func:`~rsatoolbox_topo.statistics.as_statistic`, e.g. ``'rgtm'``
        or ``TopoStatistic('rgtm', lower=0.2, upper=0.8)``.
    compare : {'corr', 'cosine', 'spearman'}
        Similarity of RDM vectors, equal to :func:`rsatoolbox.rdm.compare`
        with the same method.
    n_permutations : int
        Number of random permutations of the model's conditions (0: no
        p-values). All are drawn before the spheres are processed, so the
        results do not depend on ``n_jobs`` or ``chunk_size``.
    random_state : int | numpy.random.Generator | None
        Seed of the permutations.

    Returns
    -------
    SearchlightResult

    Examples
    --------
    >>> import numpy as np, nibabel as nib
    >>> from rsatoolbox_topo.bridges.nilearn import fmri_patterns, searchlight
    >>> rng = np.random.default_rng(0)
    >>> signal = np.array([0., 0., 1., 1.])  # conditions a, b vs c, d
    >>> data = rng.normal(size=(4, 4, 1, 32))
    >>> data[:2] += 3 * np.tile(signal, 8)  # structure in the first rows
    >>> img = nib.Nifti1Image(data, np.eye(4))
    >>> mask = nib.Nifti1Image(np.ones((4, 4, 1), np.uint8), np.eye(4))
    >>> ds = fmri_patterns(img, np.tile(list("abcd"), 8), np.repeat(range(4), 8),
    ...                    mask_img=mask)
    >>> model = np.abs(signal[:, None] - signal[None])
    >>> res = searchlight(ds, model, radius=1.0, n_permutations=23,
    ...                   random_state=0)
    >>> bool(res.scores[:8].mean() > res.scores[8:].mean())
    True
    """
    check_option("compare", compare, _COMPARE)
    n_permutations = check_int("n_permutations", n_permutations, 0)
    setup = _searchlight_setup(dataset, radius, method, noise, statistic,
                               chunk_size, process_mask_img)
    tensor, cond_values, voxels, mask, adjacency, pairs, chunks, centres = setup
    model_square = _model_vector(model, cond_values, statistic)
    perms = _resampling.draw_permutations(check_random_state(random_state),
                                          len(cond_values), n_permutations)
    i, j = pairs
    _check_model_values(model_square[i, j], compare, statistic)
    models = np.array([model_square[i, j]] +
                      [model_square[np.ix_(p, p)][i, j] for p in perms])
    models = _standardized(models, compare)

    def one_chunk(rows):
        values, sizes = _chunk_rdms(tensor, adjacency, rows, method, pairs)
        data = _stat_vectors(values, cond_values, statistic, rows)
        sims = _similarities(_standardized(data.dissimilarities, compare),
                             models)
        score = sims[:, 0]
        null = sims[:, 1:]
        if not n_permutations:
            return score, sizes, None, np.zeros(0)
        p = _resampling.permutation_p_value(null.T, score)
        null_max = np.nanmax(np.where(np.isfinite(null), null, -np.inf),
                             axis=0)
        return score, sizes, p, null_max

    parts = _run_chunks(one_chunk, chunks, n_jobs,
                        verbose)
    scores = np.concatenate([p[0] for p in parts])
    sizes = np.concatenate([p[1] for p in parts])
    params = {"radius": radius, "method": method, "noise": noise,
              "statistic": statistic, "compare": compare,
              "n_permutations": n_permutations,
              "conditions": list(cond_values)}
    at = voxels[centres]
    result = SearchlightResult(scores, _to_img(scores, at, mask, 0.0),
                               sizes, centres=centres, params=params)
    if n_permutations:
        from scipy.stats import false_discovery_control

        null_max = np.max(np.stack([p[3] for p in parts]), axis=0)
        finite = np.isfinite(scores)
        p_values = np.where(finite, np.concatenate([p[2] for p in parts]),
                            np.nan)
        p_fdr = np.full(len(scores), np.nan)
        p_fdr[finite] = false_discovery_control(p_values[finite], method="bh")
        p_fwe = np.full(len(scores), np.nan)
        # maximum statistic: the largest score of each permutation
        p_fwe[finite] = _resampling.max_statistic_p_value(null_max,
                                                          scores[finite])
        result.p_values, result.p_fdr, result.p_fwe = p_values, p_fdr, p_fwe
        result.p_img = _to_img(p_values, at, mask, 1.0)
        result.p_fdr_img = _to_img(p_fdr, at, mask, 1.0)
        result.p_fwe_img = _to_img(p_fwe, at, mask, 1.0)
    return result
