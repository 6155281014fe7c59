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
* package: :func:`rsatoolbox_topo.bridges.nilearn.searchlight` with the same
  statistic and model (its time includes its own sphere search and noise
  normalisation).

Prints spheres per second, the ratio (goal: >= 5x), wall times (median of
repeats), peak memory (tracemalloc, separate run) and the largest difference
between the two maps.

Run: ``python benchmarks/bench_searchlight.py [--radius 6 10] [--repeats 3]``
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
    from rsatoolbox_topo.bridges.nilearn import searchlight

    return searchlight(ds, model, radius=radius, statistic=statistic,
                       n_jobs=n_jobs).scores


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--radius", type=float, nargs="+", default=[6.0, 10.0])
    parser.add_argument("--repeats", type=int, default=3)
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


if __name__ == "__main__":
    main()
