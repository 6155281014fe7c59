"""Run-wise condition patterns as one array, noise-normalised (private).

Shared by the fMRI bridge (:func:`rsatoolbox_topo.bridges.nilearn.region_rdms`)
and the searchlight engine (:mod:`rsatoolbox_topo.searchlight`): both take an
rsatoolbox Dataset with one pattern per (run, condition), as
:func:`~rsatoolbox_topo.bridges.nilearn.fmri_patterns` returns, and need it
as a (runs, conditions, channels) array with univariate noise normalisation.
"""

import numpy as np
from rsatoolbox.data import Dataset

from ._validation import check_option, plain_value

__all__ = ["NOISE", "check_dataset", "run_tensor", "noise_scale",
           "prepare_patterns"]

#: Noise normalisations: every channel divided by its residual SD, or none.
NOISE = ("diag", "none")


def check_dataset(dataset):
    """Refuse anything but a Dataset with 'conditions' and 'runs'."""
    if not isinstance(dataset, Dataset):
        raise TypeError("The 'dataset' parameter must be an "
                        "rsatoolbox.data.Dataset (see fmri_patterns). "
                        f"Got {type(dataset).__name__} instead.")
    for key in ("conditions", "runs"):
        if key not in dataset.obs_descriptors:
            raise ValueError(
                f"The 'dataset' parameter needs the obs_descriptor '{key}'. "
                f"Got {sorted(dataset.obs_descriptors)}.")


def run_tensor(dataset):
    """Patterns as (runs, conditions, channels), conditions sorted.

    Returns the (new) array, the sorted conditions and the sorted runs.
    """
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
                    f"{plain_value(c)!r} in run {plain_value(r)!r}; exactly "
                    f"one per run and condition is needed (see "
                    f"fmri_patterns).")
            tensor[i, j] = dataset.measurements[sel][0]
    return tensor, cond_values, run_values


def noise_scale(tensor):
    """Univariate noise normalisation: 1 / residual SD of every channel.

    The residuals are the run-wise patterns minus each condition's mean over
    runs, with ``n_runs * n_conditions - n_conditions`` degrees of freedom;
    channels without residual variance get weight 0.
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


def prepare_patterns(dataset, noise, dissimilarity):
    """Checked dataset as a noise-normalised (runs, conditions, channels)
    array, with the sorted conditions and runs."""
    check_dataset(dataset)
    check_option("noise", noise, NOISE)
    tensor, cond_values, run_values = run_tensor(dataset)
    if dissimilarity == "crossnobis" and len(run_values) < 2:
        raise ValueError("Crossvalidated (crossnobis) RDMs need at least 2 "
                         f"runs; the dataset has {len(run_values)}.")
    if noise == "diag":
        tensor *= noise_scale(tensor)  # tensor is a fresh array
    return tensor, cond_values, run_values
