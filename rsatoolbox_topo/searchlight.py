"""Searchlight: the RDM of the sphere around every voxel, and model maps.

The engine works on an rsatoolbox :class:`~rsatoolbox.data.Dataset` of
run-wise condition patterns whose channels are voxels:

* obs_descriptors ``'conditions'`` and ``'runs'`` (one pattern per run and
  condition);
* channel_descriptor ``'voxel'``, the (i, j, k) index of every channel;
* descriptor ``'affine'``, the 4 x 4 voxel-to-mm matrix, and optionally
  ``'volume_shape'``, the (x, y, z) shape of the volume.

:func:`rsatoolbox_topo.bridges.nilearn.fmri_patterns` builds such a dataset
from NIfTI images; any other source works as well (the engine imports
neither nibabel nor nilearn).

* :func:`searchlight_rdms`: the RDM of the sphere (radius in mm) around
  every voxel, optionally turned into a topological statistic.
* :func:`searchlight`: every sphere's (transformed) RDM compared with a
  model, with permutation p-values corrected by FDR or by the maximum
  statistic, as a :class:`SearchlightResult` (arrays plus the geometry to
  map them back: :func:`rsatoolbox_topo.bridges.nilearn.searchlight_img`
  turns it into NIfTI images).

The sphere RDMs come from sparse matrix products instead of a loop over
spheres; they equal rsatoolbox's :func:`rsatoolbox.rdm.calc_rdm` on each
sphere (tested). Spheres are processed in chunks through the package's one
runner, so ``n_jobs`` and a ``joblib.parallel_config`` backend (threads,
processes, dask) spread them without changing a number.
"""

import os
from dataclasses import dataclass

import numpy as np
from rsatoolbox.rdm import RDMs, concat
from scipy import sparse

from . import _resampling
from ._parallel import run_tasks
from ._docs import fill_doc
from ._results import Result
from ._run_patterns import prepare_patterns
from ._validation import (check_comparator, check_int, check_option,
                          check_progress, check_random_state, check_real,
                          plain_value, refuse_method)
from .statistics import as_statistic, statistic_label

__all__ = ["searchlight_rdms", "searchlight", "SearchlightResult"]

#: Sphere RDMs: leave-one-run-out crossnobis or Euclidean of run means.
DISSIMILARITIES = ("crossnobis", "euclidean")
#: Comparators of a sphere RDM with the model RDM.
METHODS = ("corr", "cosine", "spearman")
#: What a result can map onto the volume, and the value outside the centres.
MAPS = {"scores": 0.0, "n_voxels": 0.0, "p_values": 1.0, "p_fdr": 1.0,
        "p_fwe": 1.0}


# ---------------------------------------------------------------- geometry
def _geometry(dataset):
    """Voxel indices (n_channels, 3), affine (4, 4) and volume shape."""
    descriptors = dataset.descriptors
    mask_img = descriptors.get("mask_img")
    affine = descriptors.get("affine", getattr(mask_img, "affine", None))
    if "voxel" not in dataset.channel_descriptors or affine is None:
        raise ValueError(
            "The dataset needs the channel_descriptor 'voxel' (the i, j, k "
            "index of every channel) and the descriptor 'affine' (4 x 4 "
            "voxel-to-mm matrix) for a searchlight; fmri_patterns sets both. "
            f"Got channel_descriptors {sorted(dataset.channel_descriptors)} "
            f"and descriptors {sorted(descriptors)}.")
    voxels = np.asarray(np.stack(list(dataset.channel_descriptors["voxel"])))
    if voxels.ndim != 2 or voxels.shape[1] != 3 or \
            not np.allclose(voxels, np.round(voxels)):
        raise ValueError(
            "The channel_descriptor 'voxel' must hold the integer (i, j, k) "
            f"index of every channel. Got an array of shape {voxels.shape}.")
    voxels = np.round(voxels).astype(np.int64)
    affine = np.array(affine, dtype=np.float64)
    if affine.shape != (4, 4) or not np.all(np.isfinite(affine)):
        raise ValueError("The descriptor 'affine' must be a finite 4 x 4 "
                         f"matrix. Got shape {affine.shape}.")
    shape = descriptors.get("volume_shape",
                            getattr(mask_img, "shape", None))
    if shape is None:
        shape = voxels.max(axis=0) + 1
    shape = tuple(int(s) for s in tuple(shape)[:3])
    if np.any(voxels < 0) or np.any(voxels >= np.array(shape)):
        raise ValueError(
            f"The channel_descriptor 'voxel' holds indices outside the "
            f"volume of shape {shape} (descriptor 'volume_shape').")
    return voxels, affine, shape


def _centres(process_mask, voxels, affine, shape):
    """Channel indices of the sphere centres (all, or inside the mask)."""
    if process_mask is None:
        return np.arange(len(voxels))
    if isinstance(process_mask, (str, os.PathLike)):
        raise TypeError(
            "The 'process_mask' parameter must be an array or a loaded "
            f"image, not a path ({str(process_mask)!r}); load it first, e.g. "
            "with nibabel.load.")
    if hasattr(process_mask, "get_fdata") and hasattr(process_mask, "affine"):
        values = np.asarray(process_mask.get_fdata())
        if values.ndim == 4 and values.shape[3] == 1:
            values = values[..., 0]
        if values.shape != shape or not np.allclose(
                process_mask.affine, affine, atol=1e-4):
            raise ValueError(
                f"The 'process_mask' image (shape {values.shape}) is not in "
                f"the dataset's space (shape {shape}, affine\n"
                f"{np.round(affine, 4)}); resample it first "
                "(nilearn.image.resample_to_img).")
    else:
        values = np.asarray(process_mask)
    if values.shape == (len(voxels),):
        inside = values != 0
    elif values.shape == shape:
        inside = values[tuple(voxels.T)] != 0
    else:
        raise ValueError(
            f"The 'process_mask' parameter must have one value per channel "
            f"({len(voxels)},) or the volume's shape {shape}. Got shape "
            f"{values.shape} instead.")
    if not inside.any():
        raise ValueError("The 'process_mask' parameter has no voxel inside "
                         "the dataset's mask; no sphere to compute.")
    return np.flatnonzero(inside)


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


# ------------------------------------------------------------- sphere RDMs
def _chunk_rdms(tensor, adjacency, rows, dissimilarity, pairs):
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
    crossnobis = dissimilarity == "crossnobis"
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


def _apply_statistic(rdm_values, cond_values, statistic, centres):
    rdms = RDMs(rdm_values, pattern_descriptors={"conditions": cond_values},
                rdm_descriptors={"voxel": centres})
    if statistic is None:
        return rdms
    out = statistic(rdms)
    if not isinstance(out, RDMs) or out.n_rdm != rdms.n_rdm:
        raise TypeError("The 'statistic' parameter must be a callable that "
                        "takes an RDMs object and returns an RDMs object with "
                        "as many RDMs (e.g. functools.partial(rgtm, lower=0.2,"
                        " upper=0.8)).")
    return out


def _setup(dataset, radius, dissimilarity, noise, statistic, chunk_size,
           process_mask, progress):
    """Checked parameters, noise-normalised patterns, spheres and chunks."""
    check_option("dissimilarity", dissimilarity, DISSIMILARITIES)
    radius = check_real("radius", radius, 0.0)
    chunk_size = check_int("chunk_size", chunk_size, 1)
    check_progress(progress)
    statistic = as_statistic(statistic)
    tensor, cond_values, _ = prepare_patterns(dataset, noise, dissimilarity)
    voxels, affine, shape = _geometry(dataset)
    centres = _centres(process_mask, voxels, affine, shape)
    adjacency = _sphere_adjacency(voxels, affine, radius)
    chunks = [centres[start:start + chunk_size]
              for start in range(0, len(centres), chunk_size)]
    return dict(tensor=tensor, cond_values=cond_values, voxels=voxels,
                affine=affine, shape=shape, adjacency=adjacency,
                pairs=np.triu_indices(len(cond_values), k=1), chunks=chunks,
                centres=centres, statistic=statistic, radius=radius)


def _rdm_task(tensor, adjacency, pairs, dissimilarity, cond_values,
              statistic, rows):
    """One chunk of :func:`searchlight_rdms`."""
    values, sizes = _chunk_rdms(tensor, adjacency, rows, dissimilarity, pairs)
    return _apply_statistic(values, cond_values, statistic, rows), sizes


def _run_chunks(task, setup, dissimilarity, extra, n_jobs, progress):
    # Threads by default: the chunks share the pattern array without copies
    # and the heavy steps (sparse and dense products) release the GIL; a
    # joblib.parallel_config(backend=...) context can choose processes or
    # dask. The data go once as shared arguments, the chunks as tasks.
    shared = (setup["tensor"], setup["adjacency"], setup["pairs"],
              dissimilarity, setup["cond_values"], setup["statistic"]) + extra
    return run_tasks(task, [(rows,) for rows in setup["chunks"]],
                     shared=shared, n_jobs=n_jobs, progress=progress,
                     desc="searchlight", unit="sphere",
                     sizes=[len(rows) for rows in setup["chunks"]],
                     prefer="threads")


@fill_doc
def searchlight_rdms(dataset, *, radius=6.0, dissimilarity="crossnobis",
                     noise="diag", statistic=None, process_mask=None,
                     chunk_size=1000, n_jobs=1, progress=False, method=None):
    """The RDM of the sphere around every voxel of a dataset.

    Parameters
    ----------
    dataset : rsatoolbox.data.Dataset
        Run-wise condition patterns with the voxel of every channel and the
        affine, e.g. from
        :func:`~rsatoolbox_topo.bridges.nilearn.fmri_patterns` (see the
        module's description for what it needs).
    radius : float
        Sphere radius in mm; a voxel is in the sphere when its centre is at
        most ``radius`` from the centre voxel (nilearn's convention).
    dissimilarity : {'crossnobis', 'euclidean'}
        Leave-one-run-out crossnobis (equal to rsatoolbox's
        ``calc_rdm(method='crossnobis', cv_descriptor='runs')``) or the
        squared Euclidean distance of the run-averaged patterns divided by
        the number of voxels (rsatoolbox's 'euclidean').
    noise : {'diag', 'none'}
        'diag' divides every voxel by its residual SD (run-wise patterns
        minus the condition means), i.e. crossnobis with a diagonal noise
        precision; 'none' leaves the patterns as they are.
    %(statistic)s
        It is applied to each chunk of sphere RDMs.
    process_mask : ndarray | image | None
        Only voxels inside this mask are sphere centres; the spheres still
        take their voxels from all channels (nilearn's SearchLight
        convention). One value per channel, or a volume of the dataset's
        ``volume_shape``, or a loaded image (anything with ``get_fdata()``
        and ``affine``, e.g. a nibabel image) in the dataset's space; non-zero
        means inside. None: every voxel.
    chunk_size : int
        Spheres per chunk (bounds memory; results do not depend on it).
    %(n_jobs)s
        The chunks run in threads unless a ``joblib.parallel_config``
        context says otherwise.
    %(progress)s
    %(method_refused)s

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
    A 3 x 3 slice of voxels (1 mm), three conditions in four runs:

    >>> import numpy as np
    >>> from rsatoolbox.data import Dataset
    >>> from rsatoolbox_topo.searchlight import searchlight_rdms
    >>> rng = np.random.default_rng(0)
    >>> voxels = np.array([(i, j, 0) for i in range(3) for j in range(3)])
    >>> ds = Dataset(rng.normal(size=(12, 9)),
    ...              descriptors={"affine": np.eye(4)},
    ...              obs_descriptors={"conditions": np.tile(list("abc"), 4),
    ...                               "runs": np.repeat(range(4), 3)},
    ...              channel_descriptors={"voxel": voxels})
    >>> rdms = searchlight_rdms(ds, radius=1.0)
    >>> rdms.n_rdm, rdms.rdm_descriptors["n_voxels"][:3].tolist()
    (9, [3, 4, 3])
    """
    refuse_method(method, "searchlight_rdms")
    setup = _setup(dataset, radius, dissimilarity, noise, statistic,
                   chunk_size, process_mask, progress)
    parts = _run_chunks(_rdm_task, setup, dissimilarity, (), n_jobs,
                        progress)
    rdms = concat([p[0] for p in parts])
    rdms.rdm_descriptors["n_voxels"] = np.concatenate([p[1] for p in parts])
    rdms.rdm_descriptors["voxel"] = setup["centres"]
    if setup["statistic"] is None:
        rdms.dissimilarity_measure = (f"{dissimilarity} (noise='{noise}', "
                                      f"radius={setup['radius']:g} mm)")
    return rdms


# ---------------------------------------------------------------- model fit
def _model_and_statistic(model, statistic):
    """The model's RDM (or array) and the one statistic of the analysis.

    A :class:`~rsatoolbox_topo.models.ModelFixedTopo` gives its raw RDM and
    carries a statistic: it becomes the analysis's statistic when
    ``statistic`` is None and must equal it otherwise (one statistic is
    applied to the spheres and to the model).
    """
    from rsatoolbox.model import Model, ModelFixed

    from .models import ModelFixedTopo

    statistic = as_statistic(statistic)
    if isinstance(model, ModelFixedTopo):
        if statistic is not None and statistic != model.statistic:
            raise ValueError(
                "The searchlight applies one statistic to the spheres and to "
                f"the model, but the ModelFixedTopo {model.name!r} carries "
                f"{statistic_label(model.statistic)} and the 'statistic' "
                f"parameter is {statistic_label(statistic)}. Pass "
                "statistic= the model's statistic (or leave it None), or give "
                "the model's raw RDM.")
        return model.predict_raw_rdm(), model.statistic
    if isinstance(model, ModelFixed):
        return model.predict_rdm(), statistic
    if isinstance(model, Model):
        raise TypeError(
            "The 'model' parameter accepts a fixed model only (RDMs, an "
            "array, rsatoolbox.model.ModelFixed or "
            "rsatoolbox_topo.models.ModelFixedTopo); "
            f"{type(model).__name__} {model.name!r} has parameters to fit.")
    return model, statistic


def _model_square(model, cond_values, statistic):
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
    i, j = np.triu_indices(len(cond_values), k=1)
    ordered = RDMs(square[i, j][np.newaxis],
                   pattern_descriptors={"conditions": cond_values})
    if statistic is not None:
        ordered = statistic(ordered)
    return ordered.get_matrices()[0]


def _check_model_values(vector, method, statistic):
    """Refuse a model that would make every score NaN, before any sphere."""
    after = "" if statistic is None else " after the statistic"
    bad = ~np.isfinite(vector)
    if bad.any():
        raise ValueError(
            f"The 'model' RDM has {int(bad.sum())} missing or infinite "
            f"entries{after}; every sphere would score NaN. Give a model "
            f"with a finite dissimilarity for every pair of conditions.")
    if method == "cosine":
        degenerate, what = not np.any(vector), "all zero"
    else:
        degenerate, what = bool(np.all(vector == vector[0])), "constant"
    if degenerate:
        raise ValueError(
            f"The 'model' RDM is {what}{after}: its {method} similarity "
            f"with any RDM is undefined and every sphere would score NaN.")


def _standardized(vectors, method):
    """Rows scaled so that a dot product gives the chosen similarity."""
    from scipy.stats import rankdata

    vectors = np.asarray(vectors, dtype=float)
    if method == "spearman":
        vectors = rankdata(vectors, axis=1)
    if method in ("corr", "spearman"):
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


def _fit_task(tensor, adjacency, pairs, dissimilarity, cond_values,
              statistic, models, method, rows):
    """One chunk of :func:`searchlight`: scores, sizes, p-values, null max.

    ``models`` holds the standardised model vector (row 0) and its
    permutations (the other rows).
    """
    data, sizes = _rdm_task(tensor, adjacency, pairs, dissimilarity,
                            cond_values, statistic, rows)
    sims = _similarities(_standardized(data.dissimilarities, method), models)
    score, null = sims[:, 0], sims[:, 1:]
    if null.shape[1] == 0:
        return score, sizes, None, np.zeros(0)
    p = _resampling.permutation_p_value(null.T, score)
    null_max = np.nanmax(np.where(np.isfinite(null), null, -np.inf), axis=0)
    return score, sizes, p, null_max


@dataclass(frozen=True, eq=False)
class SearchlightResult(Result):
    """Scores and p-values of a model searchlight, with the volume geometry.

    Built complete by :func:`searchlight`, immutable (the arrays are
    read-only), saved and loaded exactly with ``save(path)`` and
    ``SearchlightResult.load(path)`` (``.npz`` or ``.json``). Map a field
    back onto the volume with :meth:`to_volume` (numpy) or
    :func:`rsatoolbox_topo.bridges.nilearn.searchlight_img` (NIfTI).

    Parameters
    ----------
    scores : ndarray of shape (n_centres,)
        Similarity of each sphere's (transformed) RDM with the model, in the
        dataset's channel order (one per voxel without a process mask); NaN
        where a sphere's RDM is constant.
    n_voxels : ndarray of int, shape (n_centres,)
        Number of voxels in each sphere.
    centres : ndarray of int, shape (n_centres,)
        Channel index (in the dataset) of each sphere's centre.
    voxels : ndarray of int, shape (n_centres, 3)
        The (i, j, k) voxel index of each centre.
    affine : ndarray of shape (4, 4)
        Voxel-to-mm matrix of the volume.
    volume_shape : tuple of int
        (x, y, z) shape of the volume.
    p_values : ndarray | None
        Uncorrected permutation p-values (condition labels of the model
        permuted), ``(1 + #{null >= score}) / (1 + n_permutations)``; None
        without permutations.
    p_fdr : ndarray | None
        Benjamini-Hochberg adjusted p-values (FDR).
    p_fwe : ndarray | None
        Family-wise error corrected p-values from the maximum statistic over
        all spheres of each permutation.
    null_max : ndarray of shape (n_permutations,) | None
        That maximum score over all spheres of each permutation.
    radius : float
        Sphere radius in mm.
    dissimilarity, noise, method : str
        As given to :func:`searchlight`.
    statistic : str | None
        The statistic's label (e.g. ``'rgtm(lower=0.2, upper=0.8)'``).
    n_permutations : int
        Number of permutations (0: no p-values).
    conditions : tuple
        The dataset's conditions, in the order of the RDMs.
    """

    scores: np.ndarray
    n_voxels: np.ndarray
    centres: np.ndarray
    voxels: np.ndarray
    affine: np.ndarray
    volume_shape: tuple
    p_values: np.ndarray | None = None
    p_fdr: np.ndarray | None = None
    p_fwe: np.ndarray | None = None
    null_max: np.ndarray | None = None
    radius: float = 6.0
    dissimilarity: str = "crossnobis"
    noise: str = "diag"
    method: str = "corr"
    statistic: str | None = None
    n_permutations: int = 0
    conditions: tuple = ()

    def summary(self):
        """One line: spheres, parameters, scores and significant spheres.

        Returns
        -------
        str
        """
        finite = self.scores[np.isfinite(self.scores)]
        stat = self.statistic or "no statistic"
        line = (f"{len(self.scores)} spheres (radius "
                f"{self.radius:g} mm, {self.dissimilarity}, {stat}, "
                f"method={self.method!r}, {len(self.conditions)} "
                f"conditions); score median "
                f"{np.median(finite) if finite.size else np.nan:.3g}, max "
                f"{finite.max() if finite.size else np.nan:.3g}")
        if not self.n_permutations:
            return line + "; no permutations"
        n_fwe = int(np.sum(self.p_fwe < 0.05))
        n_fdr = int(np.sum(self.p_fdr < 0.05))
        return (line + f"; p < 0.05: {n_fwe} FWE, {n_fdr} FDR "
                f"({self.n_permutations} permutations)")

    def coordinates(self):
        """World coordinates (mm) of the sphere centres.

        Returns
        -------
        ndarray of shape (n_centres, 3)
        """
        return self.voxels @ self.affine[:3, :3].T + self.affine[:3, 3]

    def to_frame(self):
        """One row per sphere centre.

        Returns
        -------
        pandas.DataFrame
            Columns ``centre`` (channel index), ``i``, ``j``, ``k`` (voxel),
            ``x``, ``y``, ``z`` (mm), ``n_voxels``, ``score`` and, with
            permutations, ``p_value``, ``p_fdr``, ``p_fwe``.
        """
        import pandas as pd

        xyz = self.coordinates()
        columns = {"centre": self.centres, "i": self.voxels[:, 0],
                   "j": self.voxels[:, 1], "k": self.voxels[:, 2],
                   "x": xyz[:, 0], "y": xyz[:, 1], "z": xyz[:, 2],
                   "n_voxels": self.n_voxels, "score": self.scores}
        if self.n_permutations:
            columns.update(p_value=self.p_values, p_fdr=self.p_fdr,
                           p_fwe=self.p_fwe)
        return pd.DataFrame(columns)

    def to_volume(self, what="scores"):
        """A field of the result as a volume (numpy, no image library).

        Parameters
        ----------
        what : {'scores', 'p_values', 'p_fdr', 'p_fwe', 'n_voxels'}
            The field. Voxels that are no sphere centre get 0 (scores,
            n_voxels) or 1 (p-values).

        Returns
        -------
        ndarray of shape ``volume_shape``
        """
        check_option("what", what, tuple(MAPS))
        values = getattr(self, what)
        if values is None:
            raise ValueError(
                f"The result has no {what!r}: it was computed with "
                "n_permutations=0; run searchlight with n_permutations > 0.")
        volume = np.full(self.volume_shape, MAPS[what], dtype=np.float64)
        volume[tuple(self.voxels.T)] = values
        return volume

    def plot(self, ax=None, **kwargs):
        """Histogram of the scores against the permutation null.

        Parameters
        ----------
        ax : matplotlib.axes.Axes | None
            Where to draw; None: a new figure.
        **kwargs
            Passed to :func:`rsatoolbox_topo.vis.plot_searchlight`
            (``alpha``, ``bins``).

        Returns
        -------
        matplotlib.axes.Axes
        """
        from . import vis

        return vis.plot_searchlight(self, ax=ax, **kwargs)


@fill_doc
def searchlight(dataset, model, *, radius=6.0, dissimilarity="crossnobis",
                noise="diag", statistic=None, method="corr",
                n_permutations=0, random_state=None, process_mask=None,
                chunk_size=1000, n_jobs=1, progress=False):
    """Model fit of every sphere's (topological) RDM, with permutation maps.

    For every voxel of the dataset, the RDM of the sphere around it is
    computed (as in :func:`searchlight_rdms`), transformed by ``statistic``
    and compared with the model RDM transformed by the same statistic.
    Permutations of the model's condition labels give uncorrected,
    FDR-adjusted and family-wise (maximum statistic) p-values. Spheres are
    processed in chunks, so memory grows with ``chunk_size``, not with the
    number of voxels.

    Parameters
    ----------
    dataset : rsatoolbox.data.Dataset
        Run-wise condition patterns with the voxel of every channel and the
        affine, e.g. from
        :func:`~rsatoolbox_topo.bridges.nilearn.fmri_patterns`.
    model : RDMs | ModelFixed | ModelFixedTopo | array-like
        One model RDM (rsatoolbox RDMs, an array, an
        :class:`rsatoolbox.model.ModelFixed`, or a
        :class:`~rsatoolbox_topo.models.ModelFixedTopo`, whose raw RDM is
        used and whose statistic is the analysis's: with ``statistic=None``
        it is applied to the spheres and the model, and a different
        ``statistic`` is an error). With a pattern_descriptor 'conditions' it is
        reordered to the dataset's conditions; otherwise its conditions must
        be in the dataset's (sorted) order. A model with NaN or infinite
        entries, or one that is constant (all zero for 'cosine') after the
        statistic, is an error: every score would be NaN.
    radius, dissimilarity, noise, process_mask, chunk_size
        As in :func:`searchlight_rdms`.
    %(statistic)s
        It is applied to the sphere RDMs and to the model.
    method : {'corr', 'cosine', 'spearman'}
        Comparator of RDM vectors, equal to :func:`rsatoolbox.rdm.compare`
        with the same method. (A dissimilarity measure given here is an
        error that points to ``dissimilarity``.)
    %(n_permutations)s
        The model's condition labels are permuted (0: no p-values). All
        permutations are drawn before the spheres are processed, so the
        results do not depend on ``n_jobs`` or ``chunk_size``.
    %(random_state)s
    %(n_jobs)s
    %(progress)s

    Returns
    -------
    SearchlightResult

    Examples
    --------
    A 4 x 4 slice whose first two rows hold the structure of the model
    (conditions a, b against c, d):

    >>> import numpy as np
    >>> from rsatoolbox.data import Dataset
    >>> from rsatoolbox_topo.searchlight import searchlight
    >>> rng = np.random.default_rng(0)
    >>> signal = np.array([0., 0., 1., 1.])
    >>> voxels = np.array([(i, j, 0) for i in range(4) for j in range(4)])
    >>> data = rng.normal(size=(16, 16))
    >>> data[:, :8] += 3 * np.tile(signal, 4)[:, None]
    >>> ds = Dataset(data, descriptors={"affine": np.eye(4)},
    ...              obs_descriptors={"conditions": np.tile(list("abcd"), 4),
    ...                               "runs": np.repeat(range(4), 4)},
    ...              channel_descriptors={"voxel": voxels})
    >>> model = np.abs(signal[:, None] - signal[None])
    >>> res = searchlight(ds, model, radius=1.0, n_permutations=23,
    ...                   random_state=0)
    >>> bool(res.scores[:8].mean() > res.scores[8:].mean())
    True
    >>> res.to_frame().shape
    (16, 12)
    """
    check_comparator(method, METHODS)
    n_permutations = check_int("n_permutations", n_permutations, 0)
    model, statistic = _model_and_statistic(model, statistic)
    setup = _setup(dataset, radius, dissimilarity, noise, statistic,
                   chunk_size, process_mask, progress)
    statistic, cond_values = setup["statistic"], setup["cond_values"]
    rng = check_random_state(random_state)
    model_square = _model_square(model, cond_values, statistic)
    perms = _resampling.draw_permutations(rng, len(cond_values),
                                          n_permutations)
    i, j = setup["pairs"]
    _check_model_values(model_square[i, j], method, statistic)
    models = np.array([model_square[i, j]] +
                      [model_square[np.ix_(p, p)][i, j] for p in perms])
    models = _standardized(models, method)
    parts = _run_chunks(_fit_task, setup, dissimilarity, (models, method),
                        n_jobs, progress)
    scores = np.concatenate([p[0] for p in parts])
    centres = setup["centres"]
    fields = dict(
        scores=scores, n_voxels=np.concatenate([p[1] for p in parts]),
        centres=centres.astype(np.int64),
        voxels=setup["voxels"][centres], affine=setup["affine"],
        volume_shape=setup["shape"], radius=setup["radius"],
        dissimilarity=dissimilarity, noise=noise, method=method,
        statistic=statistic_label(statistic, none=None),
        n_permutations=n_permutations,
        conditions=tuple(plain_value(c) for c in cond_values))
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
        fields.update(p_values=p_values, p_fdr=p_fdr, p_fwe=p_fwe,
                      null_max=null_max)
    return SearchlightResult(**fields)
