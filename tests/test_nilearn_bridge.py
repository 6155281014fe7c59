"""Tests of the nilearn bridge on real fMRI (Haxby et al., 2001, subject 1).

Data: tests/data/haxby2001 (CC BY-SA 3.0, see its README). Expectations,
written down before the assertions were tuned:

* Slice (40x20x1 voxels, 530 in the mask, 8 categories, 12 runs):
  - the run-wise patterns are the means of the right volumes of the right
    voxels (checked against nibabel directly);
  - faces and houses are far apart: their crossnobis distance is among the
    3 largest of the 28 pairs, and 1 after the RGTM (0.2, 0.8);
  - the categories are identifiable across runs (leave-one-run-out nearest
    centroid of the run-wise patterns) well above chance (1/8);
  - RDMs of independent halves of the runs agree (r > 0.5), and regions of
    the slice are identified from independent runs by their RDMs above
    chance;
  - the searchlight is where the category structure is: sphere information
    correlates with the univariate category F of the voxels (computed
    independently with scipy), and a face/house/other model fits better in
    the spheres with most category information than in those with least;
  - the fast sphere RDMs equal rsatoolbox's calc_rdm on nilearn's spheres.
* 25 mm whole brain (12 run images, events files, Harvard-Oxford labels):
  the events reproduce the slice's volume labels, the atlas regions are the
  atlas values of the channels, and shapes/affines are checked.
"""

import functools
import subprocess
import sys
import warnings
from pathlib import Path

import nibabel as nib
import numpy as np
import pandas as pd
import pytest
from rsatoolbox.data import Dataset
from rsatoolbox.rdm import RDMs, calc_rdm, compare
from scipy import stats

from rsatoolbox_topo import rgtm
from rsatoolbox_topo.bridges.nilearn import (
    fmri_patterns, region_rdms, searchlight, searchlight_rdms)

DATA = Path(__file__).parent / "data" / "haxby2001"
SLICE = DATA / "slice"
BRAIN = DATA / "sub001_25mm"
NAMES = np.array(["rest", "face", "house", "shoe", "cat", "scissors",
                  "scrambledpix", "bottle", "chair"])
RGTM = functools.partial(rgtm, lower=0.2, upper=0.8)


@pytest.fixture(scope="module")
def attributes():
    """Labels and runs of the 1452 volumes of the slice."""
    att = np.loadtxt(SLICE / "attributes.txt", dtype=int)
    return NAMES[att[:, 0]], att[:, 1]


@pytest.fixture(scope="module")
def bold():
    """The slice data and mask as arrays (read with nibabel only)."""
    img = nib.load(SLICE / "bold.nii.gz")
    mask = nib.load(SLICE / "mask.nii.gz").get_fdata() > 0
    return img, img.get_fdata(), mask


@pytest.fixture(scope="module")
def slice_ds(attributes):
    """Run-wise patterns of the slice, standardised within runs, no rest."""
    labels, runs = attributes
    return fmri_patterns(str(SLICE / "bold.nii.gz"), labels, runs,
                         mask_img=str(SLICE / "mask.nii.gz"), exclude=["rest"],
                         standardize="zscore_sample")


@pytest.fixture(scope="module")
def category_model(slice_ds):
    """Face / house / other objects: 0 within, 1 between the three groups."""
    cond = np.unique(slice_ds.obs_descriptors["conditions"])
    group = np.array([0 if c == "face" else 1 if c == "house" else 2
                      for c in cond])
    return RDMs((group[:, None] != group[None]).astype(float)[np.newaxis],
                pattern_descriptors={"conditions": cond})


def _brain_runs():
    return [str(BRAIN / "BOLD" / f"task001_run{r:03d}" / "bold_25mm.nii.gz")
            for r in range(1, 13)]


def _brain_events():
    return [str(BRAIN / "BOLD" / f"task001_run{r:03d}" / "bold_events.tsv")
            for r in range(1, 13)]


def _nilearn_spheres(mask_img, radius):
    from nilearn.image import coord_transform
    try:
        from nilearn.maskers.nifti_spheres_masker import \
            apply_mask_and_get_affinity
    except ImportError:  # nilearn < 0.12 keeps it private
        from nilearn.maskers.nifti_spheres_masker import \
            _apply_mask_and_get_affinity as apply_mask_and_get_affinity
    mask = nib.load(mask_img)
    ijk = np.nonzero(mask.get_fdata())
    seeds = np.asarray(coord_transform(*ijk, mask.affine)).T
    _, adjacency = apply_mask_and_get_affinity(seeds, None, radius, True,
                                               mask_img=mask)
    return adjacency.tocsr()


# ---------------------------------------------------------------- patterns
def test_patterns_are_means_of_the_right_voxels_and_volumes(slice_ds,
                                                            attributes, bold):
    """Each pattern is the mean of its run's volumes of its condition."""
    labels, runs = attributes
    ds = fmri_patterns(str(SLICE / "bold.nii.gz"), labels, runs,
                       mask_img=str(SLICE / "mask.nii.gz"), exclude=["rest"])
    _, data, mask = bold
    assert (ds.n_obs, ds.n_channel) == (96, 530)
    voxels = np.stack(list(ds.channel_descriptors["voxel"]))
    np.testing.assert_array_equal(voxels, np.argwhere(mask))
    for run, cond in [(3, "face"), (0, "house"), (11, "chair")]:
        row = ((ds.obs_descriptors["runs"] == run)
               & (ds.obs_descriptors["conditions"] == cond))
        volumes = (runs == run) & (labels == cond)
        expected = data[tuple(voxels.T)][:, volumes].mean(axis=1)
        np.testing.assert_allclose(ds.measurements[row][0], expected,
                                   rtol=1e-5)
        assert ds.obs_descriptors["n_volumes"][row][0] == volumes.sum()


def test_standardize_within_runs_even_when_runs_are_interleaved(attributes,
                                                                 bold):
    """Standardisation is per run, whatever the order of the run labels."""
    labels, runs = attributes
    renamed = np.array([f"r{(7 * r) % 12:02d}" for r in runs])  # unsorted
    ds = fmri_patterns(str(SLICE / "bold.nii.gz"), labels, renamed,
                       mask_img=str(SLICE / "mask.nii.gz"), exclude=["rest"],
                       standardize=True)
    _, data, mask = bold
    x = data[mask].T
    sel = runs == 5
    z = (x[sel] - x[sel].mean(0)) / x[sel].std(0, ddof=1)
    face = labels[sel] == "face"
    row = ((ds.obs_descriptors["runs"] == "r11")
           & (ds.obs_descriptors["conditions"] == "face"))
    np.testing.assert_allclose(ds.measurements[row][0], z[face].mean(0),
                               atol=1e-5)


def test_input_arrays_are_not_changed(attributes, slice_ds, category_model):
    """The label arrays, the dataset and the model are left as they were."""
    labels, runs = attributes
    labels_copy, runs_copy = labels.copy(), runs.copy()
    fmri_patterns(str(SLICE / "bold.nii.gz"), labels, runs,
                  mask_img=str(SLICE / "mask.nii.gz"), exclude=["rest"])
    measurements = slice_ds.measurements.copy()
    model = category_model.dissimilarities.copy()
    region_rdms(slice_ds, by=None)
    searchlight(slice_ds, category_model, radius=4.0, statistic=RGTM)
    np.testing.assert_array_equal(labels, labels_copy)
    np.testing.assert_array_equal(runs, runs_copy)
    np.testing.assert_array_equal(slice_ds.measurements, measurements)
    np.testing.assert_array_equal(category_model.dissimilarities, model)


# -------------------------------------------------------------- real claims
def test_faces_and_houses_are_far_apart(slice_ds):
    """Face-house is among the 3 largest crossnobis distances and 1 in RGTM."""
    rdm = region_rdms(slice_ds, by=None)
    cond = list(rdm.pattern_descriptors["conditions"])
    square = rdm.get_matrices()[0]
    face_house = square[cond.index("face"), cond.index("house")]
    assert face_house > 0
    assert np.sum(rdm.dissimilarities > face_house) <= 2
    topo = RGTM(rdm).get_matrices()[0]
    assert topo[cond.index("face"), cond.index("house")] == 1.0


def test_categories_identified_across_runs(slice_ds):
    """Leave-one-run-out nearest centroid identifies categories above 1/8."""
    x = slice_ds.measurements
    runs = slice_ds.obs_descriptors["runs"]
    conds = slice_ds.obs_descriptors["conditions"]
    names = np.unique(conds)
    hits = []
    for run in np.unique(runs):
        train = runs != run
        centroids = np.array([x[train & (conds == c)].mean(0) for c in names])
        r = np.corrcoef(x[runs == run], centroids)[:8, 8:]
        hits.extend(names[r.argmax(axis=1)] == conds[runs == run])
    accuracy = np.mean(hits)
    assert accuracy > 0.4  # measured 0.51; chance 0.125
    assert stats.binomtest(int(np.sum(hits)), len(hits), 1 / 8).pvalue < 1e-8


def test_independent_halves_agree_and_regions_are_identified(slice_ds):
    """Split-half RDMs agree; quadrants of the slice are identified by RDM."""
    from rsatoolbox_topo.identification import identify

    halves = region_rdms(slice_ds, by=None, n_splits=2)
    assert halves.rdm_descriptors["split"] == [0, 1]
    assert np.corrcoef(halves.dissimilarities)[0, 1] > 0.5
    ds = slice_ds.copy()
    voxels = np.stack(list(ds.channel_descriptors["voxel"]))
    ds.channel_descriptors["region"] = ((voxels[:, 0] >= 20) * 2
                                        + (voxels[:, 1] >= 10))
    rdms = region_rdms(ds, n_splits=3)
    assert rdms.n_rdm == 12
    assert sorted(set(rdms.rdm_descriptors["region"])) == [0, 1, 2, 3]
    result = identify(rdms, by="region", across="split")
    assert result.accuracy >= 0.5  # chance 0.25; measured 0.75


def test_searchlight_is_highest_where_the_category_structure_is(
        slice_ds, category_model, attributes, bold):
    """Sphere information follows the voxels' univariate category F."""
    labels, _ = attributes
    _, data, mask = bold
    x = data[mask].T
    f_values = stats.f_oneway(*[x[labels == c] for c in NAMES[1:]]).statistic
    info = searchlight_rdms(slice_ds, radius=6.0).dissimilarities.mean(axis=1)
    assert stats.spearmanr(info, f_values)[0] > 0.3  # measured 0.49
    result = searchlight(slice_ds, category_model, radius=6.0)
    fit = result.scores_img.get_fdata()[mask]  # read back from the image
    low, high = np.percentile(f_values, [25, 75])
    # measured 0.34 against 0.23
    assert np.nanmean(fit[f_values >= high]) > \
        np.nanmean(fit[f_values <= low]) + 0.05


# -------------------------------------------------------------- exactness
@pytest.mark.parametrize("method,noise", [("crossnobis", "diag"),
                                          ("crossnobis", "none"),
                                          ("euclidean", "diag")])
def test_sphere_rdms_equal_rsatoolbox_on_nilearn_spheres(slice_ds, method,
                                                         noise):
    """Batched sphere RDMs equal calc_rdm on nilearn's sphere voxels."""
    radius = 6.0
    fast = searchlight_rdms(slice_ds, radius=radius, method=method,
                            noise=noise, chunk_size=101)
    spheres = _nilearn_spheres(str(SLICE / "mask.nii.gz"), radius)
    tensor = slice_ds.measurements.reshape(12, 8, -1).astype(np.float64)
    resid = tensor - tensor.mean(0)
    scale = 1 / np.sqrt((resid ** 2).sum(axis=(0, 1)) / (96 - 8))
    if noise == "none":
        scale = np.ones_like(scale)
    white = Dataset(slice_ds.measurements * scale,
                    obs_descriptors=slice_ds.obs_descriptors)
    kwargs = {"cv_descriptor": "runs"} if method == "crossnobis" else {}
    for centre in np.random.default_rng(1).choice(530, 25, replace=False):
        members = spheres[centre].indices
        sphere = Dataset(white.measurements[:, members],
                         obs_descriptors=white.obs_descriptors)
        with warnings.catch_warnings():  # rsatoolbox casts NaN to int runs
            warnings.simplefilter("ignore", RuntimeWarning)
            ref = calc_rdm(sphere, method=method, descriptor="conditions",
                           **kwargs)
        np.testing.assert_allclose(fast.dissimilarities[centre],
                                   ref.dissimilarities[0], rtol=1e-9,
                                   atol=1e-12)
        assert fast.rdm_descriptors["n_voxels"][centre] == len(members)


@pytest.mark.parametrize("radius", [4.0, 8.0])
def test_spheres_equal_nilearn_searchlight_spheres(slice_ds, radius):
    """Sphere sizes match nilearn's apply_mask_and_get_affinity."""
    spheres = _nilearn_spheres(str(SLICE / "mask.nii.gz"), radius)
    sizes = searchlight_rdms(slice_ds, radius=radius).rdm_descriptors["n_voxels"]
    np.testing.assert_array_equal(sizes, np.diff(spheres.indptr))


@pytest.mark.parametrize("how", ["corr", "cosine", "spearman"])
def test_scores_equal_rsatoolbox_compare(slice_ds, category_model, how):
    """Sphere scores equal rsatoolbox.rdm.compare of transformed RDMs."""
    result = searchlight(slice_ds, category_model, radius=6.0,
                         statistic=RGTM, compare=how)
    rdms = RGTM(searchlight_rdms(slice_ds, radius=6.0))
    ref = compare(RGTM(category_model), rdms, method=how)[0]
    finite = np.isfinite(ref)
    np.testing.assert_allclose(result.scores[finite], ref[finite], atol=1e-10)
    assert np.array_equal(np.isfinite(result.scores), finite)


def test_statistic_is_applied_to_every_sphere_rdm(slice_ds):
    """searchlight_rdms(statistic=f) equals f applied to all sphere RDMs."""
    raw = searchlight_rdms(slice_ds, radius=6.0)
    topo = searchlight_rdms(slice_ds, radius=6.0, statistic=RGTM,
                            chunk_size=100)
    np.testing.assert_array_equal(topo.dissimilarities,
                                  RGTM(raw).dissimilarities)
    np.testing.assert_array_equal(topo.rdm_descriptors["n_voxels"],
                                  raw.rdm_descriptors["n_voxels"])
    # Every spelling of the statistic is the same statistic.
    for spelling in ("rgtm", {"name": "rgtm", "params": {}}):
        same = searchlight_rdms(slice_ds, radius=6.0, statistic=spelling)
        np.testing.assert_array_equal(
            same.dissimilarities, rgtm(raw).dissimilarities)


def test_smoothing_is_nilearn_smoothing_before_masking(attributes, bold):
    """smoothing_fwhm gives the patterns of nilearn's smooth_img image."""
    from nilearn.image import smooth_img

    labels, runs = attributes
    img, _, mask = bold
    ds = fmri_patterns(img, labels, runs, mask_img=str(SLICE / "mask.nii.gz"),
                       exclude=["rest"], smoothing_fwhm=6.0)
    smooth = smooth_img(img, 6.0).get_fdata()[mask].T
    volumes = (runs == 2) & (labels == "cat")
    row = ((ds.obs_descriptors["runs"] == 2)
           & (ds.obs_descriptors["conditions"] == "cat"))
    np.testing.assert_allclose(ds.measurements[row][0],
                               smooth[volumes].mean(0), rtol=1e-5)


def test_process_mask_limits_the_centres_not_the_spheres(slice_ds,
                                                        category_model, bold):
    """Centres come from process_mask_img; spheres still use the whole mask."""
    img, _, mask = bold
    half = np.zeros(mask.shape, np.uint8)
    half[:20] = 1
    process = nib.Nifti1Image(half, img.affine)
    full = searchlight(slice_ds, category_model, radius=6.0, statistic=RGTM,
                       n_permutations=30, random_state=0)
    part = searchlight(slice_ds, category_model, radius=6.0, statistic=RGTM,
                       n_permutations=30, random_state=0,
                       process_mask_img=process)
    voxels = np.stack(list(slice_ds.channel_descriptors["voxel"]))
    np.testing.assert_array_equal(part.centres,
                                  np.flatnonzero(voxels[:, 0] < 20))
    np.testing.assert_array_equal(part.scores, full.scores[part.centres])
    np.testing.assert_array_equal(part.p_values, full.p_values[part.centres])
    np.testing.assert_array_equal(part.n_voxels, full.n_voxels[part.centres])
    scores = part.scores_img.get_fdata()
    assert np.all(scores[20:] == 0)
    assert np.all(part.p_img.get_fdata()[20:] == 1)
    rdms = searchlight_rdms(slice_ds, process_mask_img=process)
    np.testing.assert_array_equal(rdms.rdm_descriptors["voxel"], part.centres)
    with pytest.raises(ValueError, match="'process_mask_img' image has no "
                       "voxel inside the dataset's mask"):
        searchlight_rdms(slice_ds, process_mask_img=nib.Nifti1Image(
            np.zeros(mask.shape, np.uint8), img.affine))


def test_model_is_reordered_by_its_conditions(slice_ds, category_model):
    """A model given in another condition order gives the same map."""
    order = np.random.default_rng(3).permutation(8)
    cond = category_model.pattern_descriptors["conditions"][order]
    square = category_model.get_matrices()[0][np.ix_(order, order)]
    shuffled = RDMs(square[np.newaxis], pattern_descriptors={"conditions": cond})
    a = searchlight(slice_ds, category_model, radius=6.0).scores
    b = searchlight(slice_ds, shuffled, radius=6.0).scores
    np.testing.assert_array_equal(a, b)


def test_n_jobs_and_chunks_do_not_change_results(slice_ds, category_model):
    """Scores and permutation p-values are identical for any n_jobs/chunks."""
    kwargs = dict(radius=6.0, statistic=RGTM, n_permutations=40,
                  random_state=7)
    a = searchlight(slice_ds, category_model, **kwargs)
    b = searchlight(slice_ds, category_model, n_jobs=2, chunk_size=61,
                    **kwargs)
    for name in ("scores", "p_values", "p_fdr", "p_fwe"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


def test_maps_are_images_in_the_input_space(slice_ds, category_model, bold):
    """Score and p images share the input affine; 0 / 1 outside the mask."""
    img, _, mask = bold
    result = searchlight(slice_ds, category_model, radius=6.0,
                         n_permutations=20, random_state=0)
    for out, outside in [(result.scores_img, 0.0), (result.p_img, 1.0),
                         (result.p_fdr_img, 1.0), (result.p_fwe_img, 1.0)]:
        assert out.shape == img.shape[:3]
        np.testing.assert_allclose(out.affine, img.affine)
        assert np.all(out.get_fdata()[~mask] == outside)
    np.testing.assert_allclose(result.scores_img.get_fdata()[mask],
                               result.scores, rtol=1e-6)


# -------------------------------------------------- planted significance
def test_permutation_maps_find_planted_structure(rng):
    """FWE and FDR maps mark the planted block and nothing far from it."""
    n_cond, n_runs, shape = 10, 6, (8, 8, 1)
    position = rng.normal(size=(n_cond, 3))
    data = rng.normal(size=shape + (n_cond * n_runs,))
    conditions = np.tile(np.arange(n_cond), n_runs)
    runs = np.repeat(np.arange(n_runs), n_cond)
    pattern = position @ rng.normal(size=(3, 9))  # 9 voxels of signal
    data[:3, :3, 0] += 1.5 * pattern[conditions].T.reshape(3, 3, -1)
    img = nib.Nifti1Image(data, np.diag([3.0, 3.0, 3.0, 1.0]))
    mask = nib.Nifti1Image(np.ones(shape, np.uint8), img.affine)
    ds = fmri_patterns(img, conditions, runs, mask_img=mask)
    model = np.linalg.norm(position[:, None] - position[None], axis=2)
    result = searchlight(ds, model, radius=3.0, statistic=RGTM,
                         n_permutations=200, random_state=1)
    fwe = result.p_fwe_img.get_fdata()[..., 0]
    fdr = result.p_fdr_img.get_fdata()[..., 0]
    assert fwe[1, 1] < 0.05 and fdr[1, 1] < 0.05
    assert np.all(fwe[5:, :] >= 0.05) and np.all(fwe[:, 5:] >= 0.05)
    assert np.all(result.p_fdr >= result.p_values - 1e-12)
    assert np.all(result.p_fwe >= result.p_values - 1e-12)


# ------------------------------------------------------- 25 mm, events
def test_events_files_reproduce_the_volume_labels(attributes):
    """Events tables label the 25 mm runs exactly like attributes.txt."""
    labels, runs = attributes
    from_events = fmri_patterns(_brain_runs(), events=_brain_events(),
                                mask_img=str(BRAIN / "masks/25mm/brain.nii.gz"))
    from_labels = fmri_patterns(_brain_runs(), labels, runs,
                                mask_img=str(BRAIN / "masks/25mm/brain.nii.gz"),
                                exclude=["rest"])
    assert from_events.n_channel == 129
    assert from_events.n_obs == 96
    np.testing.assert_array_equal(from_events.measurements,
                                  from_labels.measurements)
    np.testing.assert_array_equal(from_events.obs_descriptors["n_volumes"],
                                  from_labels.obs_descriptors["n_volumes"])


def test_events_delay_shifts_the_labels(attributes):
    """delay = one TR labels each volume like the volume one TR earlier."""
    labels, runs = attributes
    shifted = np.concatenate([np.r_[["rest"], labels[runs == r][:-1]]
                              for r in range(12)])
    mask = str(BRAIN / "masks/25mm/gray.nii.gz")
    a = fmri_patterns(_brain_runs(), events=_brain_events(), delay=2.5,
                      mask_img=mask)
    b = fmri_patterns(_brain_runs(), shifted, runs, mask_img=mask,
                      exclude=["rest"])
    np.testing.assert_allclose(a.measurements, b.measurements)


def test_labels_atlas_gives_the_regions_of_the_channels():
    """Harvard-Oxford labels become the 'region' of every channel."""
    hoc = str(BRAIN / "masks/25mm/hoc.nii.gz")
    values = np.round(nib.load(hoc).get_fdata()).astype(int)
    events = [pd.read_csv(e, sep="\t") for e in _brain_events()]
    ds = fmri_patterns(_brain_runs(), events=events, labels_img=hoc)
    voxels = np.stack(list(ds.channel_descriptors["voxel"]))
    assert ds.n_channel == 45
    np.testing.assert_array_equal(ds.channel_descriptors["region"],
                                  values[tuple(voxels.T)])
    names = {v: f"area{v}" for v in np.unique(values)}
    named = fmri_patterns(_brain_runs(), events=events, labels_img=hoc,
                          labels=names,
                          mask_img=str(BRAIN / "masks/25mm/brain.nii.gz"))
    brain = nib.load(BRAIN / "masks/25mm/brain.nii.gz").get_fdata() > 0
    assert named.n_channel == np.sum((values > 0) & brain)
    rdms = region_rdms(ds, method="euclidean")
    assert rdms.n_rdm == 21
    assert sum(rdms.rdm_descriptors["n_voxels"]) == 45
    assert sorted(rdms.rdm_descriptors["region"]) == sorted(
        set(np.unique(values)) - {0})


# ------------------------------------------------------------ bad input
def test_lengths_that_do_not_fit_are_named(attributes):
    """Label and volume counts that differ raise errors naming both."""
    labels, runs = attributes
    bold_path = str(SLICE / "bold.nii.gz")
    mask = str(SLICE / "mask.nii.gz")
    with pytest.raises(ValueError, match="'conditions' parameter has 1400 "
                       "labels but 'imgs' has 1452 volumes"):
        fmri_patterns(bold_path, labels[:1400], runs, mask_img=mask)
    with pytest.raises(ValueError, match="'runs' parameter has 1451"):
        fmri_patterns(bold_path, labels, runs[1:], mask_img=mask)
    with pytest.raises(ValueError, match="'events' parameter has 11 table"):
        fmri_patterns(_brain_runs(), events=_brain_events()[:11])
    with pytest.raises(ValueError, match="either 'conditions'"):
        fmri_patterns(_brain_runs(), labels, events=_brain_events())
    bad = pd.DataFrame({"onset": [0.0], "length": [2.5], "trial_type": ["a"]})
    with pytest.raises(ValueError, match=r"lacks the column\(s\) "
                       r"\['duration'\]"):
        fmri_patterns(_brain_runs()[:1], events=[bad])


def test_condition_missing_from_a_run_is_named(attributes):
    """A condition absent from a run names the condition and the run."""
    labels, runs = attributes
    labels = labels.copy()
    labels[(runs == 3) & (labels == "face")] = "rest"
    with pytest.raises(ValueError, match="condition 'face' has no volume in "
                       "run 3"):
        fmri_patterns(str(SLICE / "bold.nii.gz"), labels, runs,
                      mask_img=str(SLICE / "mask.nii.gz"), exclude=["rest"])


def test_masks_and_atlases_that_do_not_fit_are_named(attributes, bold):
    """Empty masks, empty regions, other shapes or affines raise errors."""
    labels, runs = attributes
    img, _, mask = bold
    bold_path = str(SLICE / "bold.nii.gz")
    empty = nib.Nifti1Image(np.zeros(mask.shape, np.uint8), img.affine)
    with pytest.raises(ValueError, match="'mask_img' image has no voxel"):
        fmri_patterns(bold_path, labels, runs, mask_img=empty)
    moved = img.affine.copy()
    moved[0, 3] += 10
    with pytest.raises(ValueError, match="affine of 'mask_img' does not "
                       "match the affine of 'imgs'"):
        fmri_patterns(bold_path, labels, runs,
                      mask_img=nib.Nifti1Image(mask.astype(np.uint8), moved))
    with pytest.raises(ValueError, match=r"'labels_img' image has shape "
                       r"\(6, 10, 10\) but 'imgs' has shape \(40, 20, 1\)"):
        fmri_patterns(bold_path, labels, runs,
                      labels_img=str(BRAIN / "masks/25mm/hoc.nii.gz"))
    atlas = np.zeros(mask.shape, np.int16)
    atlas[mask] = 1
    atlas_img = nib.Nifti1Image(atlas, img.affine)
    with pytest.raises(ValueError, match=r"region\(s\) 'FFA' \(label 2\)"):
        fmri_patterns(bold_path, labels, runs, labels_img=atlas_img,
                      labels={0: "background", 1: "VT", 2: "FFA"})
    outside = nib.Nifti1Image((~mask).astype(np.uint8), img.affine)
    with pytest.raises(ValueError, match="regions are empty"):
        fmri_patterns(bold_path, labels, runs, labels_img=atlas_img,
                      mask_img=outside)


def test_bad_parameters_are_named(slice_ds, category_model):
    """Invalid options, models and datasets raise errors naming them."""
    with pytest.raises(ValueError, match="'method' parameter. Allowed values "
                       "are 'crossnobis' and 'euclidean', but got 'pearson'"):
        searchlight_rdms(slice_ds, method="pearson")
    with pytest.raises(ValueError, match="'noise' parameter"):
        region_rdms(slice_ds, noise="full")
    with pytest.raises(ValueError, match="'compare' parameter"):
        searchlight(slice_ds, category_model, compare="tau")
    with pytest.raises(ValueError, match="'radius' parameter must be a float"
                       " >= 0.0. Got -1.0"):
        searchlight_rdms(slice_ds, radius=-1.0)
    with pytest.raises(ValueError, match="'by' parameter must name a "
                       "channel_descriptor"):
        region_rdms(slice_ds, by="region")
    with pytest.raises(ValueError, match="'n_splits' parameter must be an "
                       r"integer in \[1, 6\]. Got 7"):
        region_rdms(slice_ds, by=None, n_splits=7)
    with pytest.raises(TypeError, match="'statistic' parameter must be None"):
        searchlight(slice_ds, category_model, statistic=3)
    with pytest.raises(ValueError, match="'statistic' parameter.*'rgdt'"):
        searchlight(slice_ds, category_model, statistic="rgdt")
    with pytest.raises(ValueError, match="'model' has 3 conditions but the "
                       "dataset has 8"):
        searchlight(slice_ds, np.ones((3, 3)) - np.eye(3))
    wrong = RDMs(category_model.dissimilarities, pattern_descriptors={
        "conditions": np.array(list("abcdefgh"))})
    with pytest.raises(ValueError, match="does not match the dataset's "
                       "conditions"):
        searchlight(slice_ds, wrong)
    bare = Dataset(slice_ds.measurements,
                   obs_descriptors=slice_ds.obs_descriptors)
    with pytest.raises(ValueError, match="'voxel' and the descriptor "
                       "'mask_img'"):
        searchlight_rdms(bare)
    with pytest.raises(TypeError, match="'dataset' parameter must be an "
                       "rsatoolbox.data.Dataset"):
        region_rdms(slice_ds.measurements)


def test_importing_the_package_does_not_import_nilearn():
    """nilearn and nibabel are imported only when a bridge function runs."""
    code = ("import sys, rsatoolbox_topo, rsatoolbox_topo.bridges.nilearn; "
            "print(sorted(m for m in sys.modules "
            "if m.split('.')[0] in ('nilearn', 'nibabel')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "[]"
