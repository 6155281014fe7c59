"""Benchmark: topological model searchlight on the Haxby (2001) slice.

Data: tests/data/haxby2001/slice (530 voxels, 8 categories x 12 runs,
CC BY-SA 3.0, see its README). The patterns are extracted once
(:func:`fmri_patterns`, standardised within runs) and noise-normalised once
(each voxel divided by its residual SD, the same operation both sides use).
Then, for every voxel's sphere:

* reference: a plain loop written here -- nilearn's sphere extraction
  (``apply_mask_and_get_affinity``, as in nilearn's SearchLight), then per
  sphere rsatoolbox ``calc_rdm(method='crossnobis', cv_descriptor='runs')``,
  the RGTM (0.2, 0.8) and ``rsatoolbox.rdm.compare`` with the model;
* package: :func:`rsatoolbox_topo.searchlight.searchlight` with the same
  statistic and model (its time includes its own sphere search and noise
  normalisation).

Prints spheres per second, the ratio (goal: >= 5x), wall times (median of
repeats), peak memory (tracemalloc, separate run) and the largest difference
between the two maps.

A second part shows that memory is bounded by ``chunk_size``: a simulated
brain-sized volume (an ellipsoid mask of 3 mm voxels, 40 conditions x 6 runs,
780 pairs per RDM), whose stack of all sphere RDMs would not be small, run
with several chunk sizes and with ``n_jobs=2`` (same scores required).

Run: ``python benchmarks/bench_searchlight.py [--radius 6 10] [--repeats 3]
[--shape 30 36 30]``
"""

import argparse
import functools
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from _common import median_time, peak_memory_mb  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SLICE = ROOT / "tests" / "data" / "haxby2001" / "slice"
NAMES = np.array(["rest", "face", "house", "shoe", "cat", "scissors",
                  "scrambledpix", "bottle", "chair"])


def load():
    """Run-wise patterns of the slice and a face / house / other model."""
    from rsatoolbox.rdm import RDMs

    from rsatoolbox_topo.bridges.nilearn import fmri_patterns

    att = np.loadtxt(SLICE / "attributes.txt", dtype=int)
    ds = fmri_patterns(str(SLICE / "bold.nii.gz"), NAMES[att[:, 0]],
                       att[:, 1], mask_img=str(SLICE / "mask.nii.gz"),
                       exclude=["rest"], standardize="zscore_sample")
    cond = np.unique(ds.obs_descriptors["conditions"])
    group = np.array([0 if c == "face" else 1 if c == "house" else 2
                      for c in cond])
    model = RDMs((group[:, None] != group[None]).astype(float)[np.newaxis],
                 pattern_descriptors={"conditions": cond})
    return ds, model


def whitened(ds):
    """The dataset with every voxel divided by its residual SD."""
    from rsatoolbox.data import Dataset

    runs = np.unique(ds.obs_descriptors["runs"])
    tensor = ds.measurements.reshape(len(runs), -1, ds.n_channel)
    resid = tensor - tensor.mean(axis=0)
    dof = tensor.shape[0] * tensor.shape[1] - tensor.shape[1]
    scale = 1 / np.sqrt((resid ** 2).sum(axis=(0, 1)) / dof)
    return Dataset(ds.measurements * scale,
                   obs_descriptors=ds.obs_descriptors)


def reference(ds, model, radius, statistic):
    """The plain loop: nilearn spheres, rsatoolbox per sphere."""
    import nibabel as nib
    from nilearn.image import coord_transform
    from rsatoolbox.data import Dataset
    from rsatoolbox.rdm import calc_rdm, compare
    try:
        from nilearn.maskers.nifti_spheres_masker import \
            apply_mask_and_get_affinity
    except ImportError:  # nilearn < 0.12
        from nilearn.maskers.nifti_spheres_masker import \
            _apply_mask_and_get_affinity as apply_mask_and_get_affinity

    mask = nib.load(SLICE / "mask.nii.gz")
    seeds = np.asarray(coord_transform(*np.nonzero(mask.get_fdata()),
                                       mask.affine)).T
    _, spheres = apply_mask_and_get_affinity(seeds, None, radius, True,
                                             mask_img=mask)
    white = whitened(ds)
    model_t = statistic(model)
    scores = np.empty(len(seeds))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for i, members in enumerate(spheres.rows):
            sphere = Dataset(white.measurements[:, members],
                             obs_descriptors=white.obs_descriptors)
            rdm = calc_rdm(sphere, method="crossnobis",
                           descriptor="conditions", cv_descriptor="runs")
            scores[i] = compare(model_t, statistic(rdm), method="corr")[0, 0]
    return scores


def package(ds, model, radius, statistic, n_jobs=1):
    """The package's batched searchlight."""
    from rsatoolbox_topo.searchlight import searchlight

    return searchlight(ds, model, radius=radius, statistic=statistic,
                       n_jobs=n_jobs).scores


def simulated(shape, n_cond=40, n_runs=6, seed=0):
    """Patterns of a simulated volume: ellipsoid mask, planted structure."""
    import nibabel as nib

    from rsatoolbox_topo.bridges.nilearn import fmri_patterns

    rng = np.random.default_rng(seed)
    grid = np.indices(shape).transpose(1, 2, 3, 0)
    centre = (np.array(shape) - 1) / 2
    inside = (((grid - centre) / (np.array(shape) / 2)) ** 2).sum(-1) <= 1
    n_vol = n_cond * n_runs
    data = rng.normal(size=shape + (n_vol,)).astype(np.float32)
    conditions = np.tile(np.arange(n_cond), n_runs)
    signal = rng.normal(size=(n_cond, 5)) @ rng.normal(size=(5, inside.sum()))
    data[inside] += 0.5 * signal[conditions].T.astype(np.float32)
    affine = np.diag([3.0, 3.0, 3.0, 1.0])
    ds = fmri_patterns(nib.Nifti1Image(data, affine), conditions,
                       np.repeat(np.arange(n_runs), n_cond),
                       mask_img=nib.Nifti1Image(inside.astype(np.uint8),
                                                affine))
    model = np.linalg.norm(signal[:, None, :50] - signal[None, :, :50],
                           axis=2)
    return ds, model


def chunking(shape, radius, statistic):
    """Peak memory and time of the searchlight for several chunk sizes."""
    from rsatoolbox_topo.searchlight import searchlight

    ds, model = simulated(tuple(shape))
    n_pairs = 40 * 39 // 2
    full_mb = ds.n_channel * n_pairs * 8 / 2 ** 20
    print(f"\nsimulated volume {tuple(shape)}: {ds.n_channel} spheres, "
          f"radius {radius:g} mm, 40 conditions x 6 runs; all sphere RDMs "
          f"together would take {full_mb:.0f} MiB")
    reference = None
    for chunk_size, n_jobs in [(250, 1), (1000, 1), (4000, 1), (1000, 2)]:
        def run():
            return searchlight(ds, model, radius=radius, statistic=statistic,
                               chunk_size=chunk_size, n_jobs=n_jobs).scores
        seconds, scores = median_time(run, 1)
        peak = peak_memory_mb(run)
        if reference is None:
            reference = scores
        same = np.array_equal(scores, reference, equal_nan=True)
        print(f"  chunk_size {chunk_size:5d}, n_jobs {n_jobs}: {seconds:7.2f} s"
              f"  {ds.n_channel / seconds:8.0f} spheres/s  peak "
              f"{peak:7.1f} MiB  same scores: {same}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--radius", type=float, nargs="+", default=[6.0, 10.0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--shape", type=int, nargs=3, default=[30, 36, 30])
    parser.add_argument("--chunk-radius", type=float, default=6.0)
    args = parser.parse_args()

    from rsatoolbox_topo import rgtm

    statistic = functools.partial(rgtm, lower=0.2, upper=0.8)
    ds, model = load()
    n = ds.n_channel
    print(f"Haxby slice: {n} spheres, {ds.n_obs} run-wise patterns "
          f"(8 conditions x 12 runs), RGTM(0.2, 0.8), corr with a "
          f"face/house/other model")
    for radius in args.radius:
        t_ref, ref = median_time(
            lambda: reference(ds, model, radius, statistic), args.repeats)
        t_pkg, pkg = median_time(
            lambda: package(ds, model, radius, statistic),
            max(args.repeats, 5))
        mem_ref = peak_memory_mb(
            lambda: reference(ds, model, radius, statistic))
        mem_pkg = peak_memory_mb(
            lambda: package(ds, model, radius, statistic))
        both = np.isfinite(ref) & np.isfinite(pkg)
        assert np.array_equal(np.isfinite(ref), np.isfinite(pkg))
        diff = np.max(np.abs(ref[both] - pkg[both]))
        print(f"\nradius {radius:g} mm")
        print(f"  reference loop : {t_ref:8.3f} s  {n / t_ref:10.0f} spheres/s"
              f"  peak {mem_ref:7.1f} MiB")
        print(f"  package        : {t_pkg:8.3f} s  {n / t_pkg:10.0f} spheres/s"
              f"  peak {mem_pkg:7.1f} MiB")
        print(f"  ratio          : {t_ref / t_pkg:8.1f}x   (goal >= 5x)")
        print(f"  max |score difference| = {diff:.2e}")
    chunking(args.shape, args.chunk_radius, statistic)


if __name__ == "__main__":
    main()
