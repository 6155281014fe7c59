"""Tests of the nilearn bridge on real fMRI (Haxby et al., 2001, subject 1).

The searchlight engine itself is tested in test_searchlight.py; here: images
in (patterns, regions) and maps out (searchlight_img).

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
  - searchlight maps come back as images in the input space, also after the
    result is saved and loaded.
* 25 mm whole brain (12 run images, events files, Harvard-Oxford labels):
  the events reproduce the slice's volume labels, the atlas regions are the
  atlas values of the channels, and shapes/affines are checked.
"""

import functools
import subprocess
import sys

import nibabel as nib
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from rsatoolbox_topo import rgtm
from rsatoolbox_topo.bridges.nilearn import (fmri_patterns, region_rdms,
                                             searchlight_img)
from rsatoolbox_topo.searchlight import SearchlightResult, searchlight

from _haxby import DATA, SLICE
from _haxby import (  # noqa: F401 (fixtures used by the tests)
    attributes_fixture, bold_fixture, category_model_fixture,
    slice_ds_fixture)

BRAIN = DATA / "sub001_25mm"
RGTM = functools.partial(rgtm, lower=0.2, upper=0.8)


def _brain_runs():
    return [str(BRAIN / "BOLD" / f"task001_run{r:03d}" / "bold_25mm.nii.gz")
            for r in range(1, 13)]


def _brain_events():
    return [str(BRAIN / "BOLD" / f"task001_run{r:03d}" / "bold_events.tsv")
            for r in range(1, 13)]


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
    region_rdms(slice_ds, group_by=None)
    searchlight_img(searchlight(slice_ds, category_model, radius=4.0,
                                statistic=RGTM))
    np.testing.assert_array_equal(labels, labels_copy)
    np.testing.assert_array_equal(runs, runs_copy)
    np.testing.assert_array_equal(slice_ds.measurements, measurements)
    np.testing.assert_array_equal(category_model.dissimilarities, model)


# -------------------------------------------------------------- real claims
def test_faces_and_houses_are_far_apart(slice_ds):
    """Face-house is among the 3 largest crossnobis distances and 1 in RGTM."""
    rdm = region_rdms(slice_ds, group_by=None)
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

    halves = region_rdms(slice_ds, group_by=None, n_splits=2)
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


# ---------------------------------------------------------------- maps out
def test_maps_are_images_in_the_input_space(slice_ds, category_model, bold,
                                            tmp_path):
    """Score and p images share the input affine; 0 / 1 outside the mask;
    a saved and loaded result gives the same images."""
    img, _, mask = bold
    result = searchlight(slice_ds, category_model, radius=6.0,
                         n_permutations=20, random_state=0)
    result.save(tmp_path / "slice.npz")
    loaded = SearchlightResult.load(tmp_path / "slice.npz")
    for what, outside in [("scores", 0.0), ("p_values", 1.0),
                          ("p_fdr", 1.0), ("p_fwe", 1.0), ("n_voxels", 0.0)]:
        out = searchlight_img(result, what)
        assert out.shape == img.shape[:3]
        assert out.get_data_dtype() == np.float32
        np.testing.assert_allclose(out.affine, img.affine)
        assert np.all(out.get_fdata()[~mask] == outside)
        np.testing.assert_allclose(out.get_fdata()[mask],
                                   getattr(result, what), rtol=1e-6)
        again = searchlight_img(loaded, what)
        np.testing.assert_array_equal(again.get_fdata(), out.get_fdata())
        np.testing.assert_array_equal(again.affine, out.affine)
    assert searchlight_img(result).get_fdata()[mask][0] == np.float32(
        result.scores[0])  # 'scores' is the default
    with pytest.raises(TypeError, match="'result' parameter must be a "
                       "SearchlightResult"):
        searchlight_img(result.scores)
    with pytest.raises(ValueError, match="'what' parameter"):
        searchlight_img(result, "p")


def test_dataset_carries_the_geometry_as_arrays(slice_ds, bold):
    """fmri_patterns stores the affine and the volume shape as plain arrays,
    so that the searchlight engine needs no image library."""
    img, _, mask = bold
    np.testing.assert_array_equal(slice_ds.descriptors["affine"], img.affine)
    assert isinstance(slice_ds.descriptors["affine"], np.ndarray)
    assert slice_ds.descriptors["volume_shape"] == (40, 20, 1)
    np.testing.assert_array_equal(
        slice_ds.descriptors["mask_img"].get_fdata() > 0, mask)


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
    rdms = region_rdms(ds, dissimilarity="euclidean")
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


def test_bad_parameters_are_named(slice_ds):
    """Invalid options and datasets raise errors naming them."""
    with pytest.raises(ValueError, match="'noise' parameter"):
        region_rdms(slice_ds, noise="full")
    with pytest.raises(ValueError, match="'dissimilarity' parameter. Allowed "
                       "values are 'crossnobis', 'euclidean', 'correlation' "
                       "and 'mahalanobis', but got 'corr'"):
        region_rdms(slice_ds, dissimilarity="corr")
    with pytest.raises(ValueError, match="'group_by' parameter must name a "
                       "channel_descriptor"):
        region_rdms(slice_ds, group_by="region")
    with pytest.raises(ValueError, match="'n_splits' parameter must be an "
                       r"integer in \[1, 6\]. Got 7"):
        region_rdms(slice_ds, group_by=None, n_splits=7)
    with pytest.raises(TypeError, match="'dataset' parameter must be an "
                       "rsatoolbox.data.Dataset"):
        region_rdms(slice_ds.measurements)
    with pytest.raises(TypeError, match="unexpected keyword"):
        region_rdms(slice_ds, by=None)
    with pytest.raises(ValueError, match=r"'method' parameter is not one of "
                       r"region_rdms.*did you mean dissimilarity='euclidean'"):
        region_rdms(slice_ds, method="euclidean")


def test_importing_the_package_does_not_import_nilearn():
    """nilearn and nibabel are imported only when a bridge function runs."""
    code = ("import sys, rsatoolbox_topo, rsatoolbox_topo.bridges.nilearn, "
            "rsatoolbox_topo.searchlight; "
            "print(sorted(m for m in sys.modules "
            "if m.split('.')[0] in ('nilearn', 'nibabel')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "[]"
