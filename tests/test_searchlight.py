"""Tests of the searchlight engine (rsatoolbox_topo.searchlight).

Real data: the Haxby et al. (2001) slice of tests/data/haxby2001 (CC BY-SA
3.0, see its README), read with the nilearn bridge (40x20x1 voxels, 530 in
the mask, 8 categories, 12 runs). Expectations, written down before the
assertions were tuned:

* the searchlight is where the category structure is: sphere information
  correlates with the univariate category F of the voxels (computed
  independently with scipy), and a face/house/other model fits better in
  the spheres with most category information than in those with least;
* the fast sphere RDMs equal rsatoolbox's calc_rdm on nilearn's spheres, and
  the scores equal rsatoolbox.rdm.compare;
* every spelling of a statistic gives the same map; n_jobs and chunk_size
  change nothing.

Synthetic data (plain numpy Datasets, no image library): a planted block is
found by the FWE and FDR maps; the result is immutable and survives save and
load exactly.
"""

import dataclasses
import functools
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from rsatoolbox.data import Dataset
from rsatoolbox.rdm import RDMs, calc_rdm, compare
from scipy import stats

from rsatoolbox_topo import rgtm
from rsatoolbox_topo.searchlight import (SearchlightResult, searchlight,
                                         searchlight_rdms)

from _haxby import NAMES, SLICE
from _haxby import (  # noqa: F401 (fixtures used by the tests)
    attributes_fixture, bold_fixture, category_model_fixture,
    slice_ds_fixture)

RGTM = functools.partial(rgtm, lower=0.2, upper=0.8)


# ------------------------------------------------------------ fixtures
def _planted(seed=0, n_cond=10, n_runs=6, shape=(8, 8)):
    """A plain Dataset (3 mm voxels) with a 3 x 3 block of model structure."""
    rng = np.random.default_rng(seed)
    position = rng.normal(size=(n_cond, 3))
    voxels = np.array([(i, j, 0) for i in range(shape[0])
                       for j in range(shape[1])])
    conditions = np.tile(np.arange(n_cond), n_runs)
    data = rng.normal(size=(n_cond * n_runs, len(voxels)))
    block = (voxels[:, 0] < 3) & (voxels[:, 1] < 3)
    data[:, block] += 1.5 * (position @ rng.normal(size=(3, 9)))[conditions]
    ds = Dataset(data, descriptors={"affine": np.diag([3.0, 3.0, 3.0, 1.0]),
                                    "volume_shape": shape + (1,)},
                 obs_descriptors={"conditions": conditions,
                                  "runs": np.repeat(np.arange(n_runs), n_cond)},
                 channel_descriptors={"voxel": voxels})
    model = np.linalg.norm(position[:, None] - position[None], axis=2)
    return ds, model


@pytest.fixture(scope="module")
def planted_result():
    ds, model = _planted()
    return searchlight(ds, model, radius=3.0, statistic=RGTM,
                       n_permutations=200, random_state=1)


def _nilearn_spheres(mask_img, radius):
    nib = pytest.importorskip("nibabel")
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


# -------------------------------------------------------------- real claims
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
    fit = result.to_volume("scores")[mask]  # read back from the volume
    low, high = np.percentile(f_values, [25, 75])
    # measured 0.34 against 0.23
    assert np.nanmean(fit[f_values >= high]) > \
        np.nanmean(fit[f_values <= low]) + 0.05


def test_input_is_not_changed(slice_ds, category_model):
    """The dataset and the model are left as they were."""
    measurements = slice_ds.measurements.copy()
    model = category_model.dissimilarities.copy()
    searchlight(slice_ds, category_model, radius=4.0, statistic=RGTM)
    np.testing.assert_array_equal(slice_ds.measurements, measurements)
    np.testing.assert_array_equal(category_model.dissimilarities, model)


# -------------------------------------------------------------- exactness
@pytest.mark.parametrize("dissimilarity,noise", [("crossnobis", "diag"),
                                                 ("crossnobis", "none"),
                                                 ("euclidean", "diag")])
def test_sphere_rdms_equal_rsatoolbox_on_nilearn_spheres(slice_ds,
                                                         dissimilarity, noise):
    """Batched sphere RDMs equal calc_rdm on nilearn's sphere voxels."""
    radius = 6.0
    fast = searchlight_rdms(slice_ds, radius=radius,
                            dissimilarity=dissimilarity, noise=noise,
                            chunk_size=101)
    spheres = _nilearn_spheres(str(SLICE / "mask.nii.gz"), radius)
    tensor = slice_ds.measurements.reshape(12, 8, -1).astype(np.float64)
    resid = tensor - tensor.mean(0)
    scale = 1 / np.sqrt((resid ** 2).sum(axis=(0, 1)) / (96 - 8))
    if noise == "none":
        scale = np.ones_like(scale)
    white = Dataset(slice_ds.measurements * scale,
                    obs_descriptors=slice_ds.obs_descriptors)
    kwargs = {"cv_descriptor": "runs"} if dissimilarity == "crossnobis" else {}
    for centre in np.random.default_rng(1).choice(530, 25, replace=False):
        members = spheres[centre].indices
        sphere = Dataset(white.measurements[:, members],
                         obs_descriptors=white.obs_descriptors)
        with warnings.catch_warnings():  # rsatoolbox casts NaN to int runs
            warnings.simplefilter("ignore", RuntimeWarning)
            ref = calc_rdm(sphere, method=dissimilarity,
                           descriptor="conditions", **kwargs)
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
                         statistic=RGTM, method=how)
    rdms = RGTM(searchlight_rdms(slice_ds, radius=6.0))
    ref = compare(RGTM(category_model), rdms, method=how)[0]
    finite = np.isfinite(ref)
    np.testing.assert_allclose(result.scores[finite], ref[finite], atol=1e-10)
    assert np.array_equal(np.isfinite(result.scores), finite)
    assert result.method == how


def test_statistic_is_applied_to_every_sphere_rdm(slice_ds):
    """searchlight_rdms(statistic=f) equals f applied to all sphere RDMs."""
    raw = searchlight_rdms(slice_ds, radius=6.0)
    topo = searchlight_rdms(slice_ds, radius=6.0, statistic=RGTM,
                            chunk_size=100)
    np.testing.assert_array_equal(topo.dissimilarities,
                                  RGTM(raw).dissimilarities)
    np.testing.assert_array_equal(topo.rdm_descriptors["n_voxels"],
                                  raw.rdm_descriptors["n_voxels"])


def test_every_statistic_spelling_gives_the_same_map():
    """Object (statistics or models), name, dict, partial, function and a
    custom callable are one statistic: identical scores and p-values."""
    from rsatoolbox_topo import models, statistics

    ds, model = _planted(seed=2)
    kwargs = dict(radius=3.0, n_permutations=20, random_state=4)
    ref = searchlight(ds, model, statistic=statistics.TopoStatistic(
        "rgtm", lower=0.1, upper=0.6), **kwargs)
    assert ref.statistic == "rgtm(lower=0.1, upper=0.6)"
    partial = functools.partial(rgtm, lower=0.1, upper=0.6)
    for spelling in (models.TopoStatistic("rgtm", lower=0.1, upper=0.6),
                     {"name": "rgtm", "params": {"lower": 0.1, "upper": 0.6}},
                     partial, lambda rdms: partial(rdms)):
        same = searchlight(ds, model, statistic=spelling, **kwargs)
        np.testing.assert_array_equal(same.scores, ref.scores)
        np.testing.assert_array_equal(same.p_fwe, ref.p_fwe)
    default = searchlight(ds, model, statistic="rgtm", **kwargs)
    assert default.statistic == "rgtm"
    for spelling in (rgtm, statistics.TopoStatistic("rgtm"),
                     {"name": "rgtm", "params": {}}, RGTM):
        same = searchlight(ds, model, statistic=spelling, **kwargs)
        np.testing.assert_array_equal(same.scores, default.scores)
    assert not np.array_equal(default.scores, ref.scores)  # not a no-op
    rdms = searchlight_rdms(ds, radius=3.0, statistic="rank_normalize")
    np.testing.assert_array_equal(
        rdms.dissimilarities,
        statistics.rank_normalize(searchlight_rdms(ds, radius=3.0))
        .dissimilarities)


def test_model_fixed_and_reordered_models_give_the_same_map(slice_ds,
                                                            category_model):
    """A ModelFixed, or a model in another condition order, changes nothing."""
    from rsatoolbox.model import ModelFixed, ModelWeighted

    order = np.random.default_rng(3).permutation(8)
    cond = category_model.pattern_descriptors["conditions"][order]
    square = category_model.get_matrices()[0][np.ix_(order, order)]
    shuffled = RDMs(square[np.newaxis], pattern_descriptors={"conditions": cond})
    a = searchlight(slice_ds, category_model, radius=6.0).scores
    b = searchlight(slice_ds, shuffled, radius=6.0).scores
    c = searchlight(slice_ds, ModelFixed("category", shuffled),
                    radius=6.0).scores
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(a, c)
    with pytest.raises(TypeError, match="fixed model only.*ModelWeighted"):
        searchlight(slice_ds, ModelWeighted("w", category_model), radius=6.0)


def test_model_fixed_topo_carries_the_statistic():
    """A ModelFixedTopo gives its raw RDM and its statistic: the same map as
    the raw model with that statistic; another statistic is an error."""
    from rsatoolbox_topo.models import ModelFixedTopo

    ds, model = _planted(seed=5)
    raw = RDMs(model[np.newaxis])
    kwargs = dict(radius=3.0, n_permutations=15, random_state=2)
    ref = searchlight(ds, raw, statistic=RGTM, **kwargs)
    topo = ModelFixedTopo("planted", raw, "rgtm")  # rgtm's defaults: 0.2, 0.8
    for statistic in (None, "rgtm", RGTM):
        same = searchlight(ds, topo, statistic=statistic, **kwargs)
        np.testing.assert_array_equal(same.scores, ref.scores)
        np.testing.assert_array_equal(same.p_values, ref.p_values)
        assert same.statistic == "rgtm"
    with pytest.raises(ValueError, match=r"ModelFixedTopo 'planted' carries "
                       r"rgtm and the 'statistic' parameter is "
                       r"rank_normalize"):
        searchlight(ds, topo, statistic="rank_normalize", **kwargs)


def test_n_jobs_and_chunks_do_not_change_results(slice_ds, category_model):
    """Scores and permutation p-values are identical for any n_jobs/chunks."""
    kwargs = dict(radius=6.0, statistic=RGTM, n_permutations=40,
                  random_state=7)
    a = searchlight(slice_ds, category_model, **kwargs)
    b = searchlight(slice_ds, category_model, n_jobs=2, chunk_size=61,
                    **kwargs)
    for name in ("scores", "p_values", "p_fdr", "p_fwe", "null_max"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))


def test_process_mask_limits_the_centres_not_the_spheres(slice_ds,
                                                        category_model, bold):
    """Centres come from process_mask; spheres still use the whole mask."""
    nib = pytest.importorskip("nibabel")
    img, _, mask = bold
    half = np.zeros(mask.shape, np.uint8)
    half[:20] = 1
    kwargs = dict(radius=6.0, statistic=RGTM, n_permutations=30,
                  random_state=0)
    full = searchlight(slice_ds, category_model, **kwargs)
    part = searchlight(slice_ds, category_model,
                       process_mask=nib.Nifti1Image(half, img.affine),
                       **kwargs)
    voxels = np.stack(list(slice_ds.channel_descriptors["voxel"]))
    np.testing.assert_array_equal(part.centres,
                                  np.flatnonzero(voxels[:, 0] < 20))
    np.testing.assert_array_equal(part.voxels, voxels[part.centres])
    np.testing.assert_array_equal(part.scores, full.scores[part.centres])
    np.testing.assert_array_equal(part.p_values, full.p_values[part.centres])
    np.testing.assert_array_equal(part.n_voxels, full.n_voxels[part.centres])
    assert np.all(part.to_volume("scores")[20:] == 0)
    assert np.all(part.to_volume("p_values")[20:] == 1)
    # the same mask as a volume array and as one value per channel
    for same in (half.astype(bool), voxels[:, 0] < 20):
        other = searchlight(slice_ds, category_model, process_mask=same,
                            **kwargs)
        np.testing.assert_array_equal(other.scores, part.scores)
    rdms = searchlight_rdms(slice_ds, process_mask=half)
    np.testing.assert_array_equal(rdms.rdm_descriptors["voxel"], part.centres)
    with pytest.raises(ValueError, match="'process_mask' parameter has no "
                       "voxel inside the dataset's mask"):
        searchlight_rdms(slice_ds, process_mask=np.zeros(mask.shape))
    moved = img.affine.copy()
    moved[0, 3] += 10
    with pytest.raises(ValueError, match="'process_mask' image .* is not in "
                       "the dataset's space"):
        searchlight_rdms(slice_ds, process_mask=nib.Nifti1Image(half, moved))
    with pytest.raises(ValueError, match=r"one value per channel \(530,\) "
                       r"or the volume's shape \(40, 20, 1\). Got shape "
                       r"\(40, 20\)"):
        searchlight_rdms(slice_ds, process_mask=half[..., 0])
    with pytest.raises(TypeError, match="not a path"):
        searchlight_rdms(slice_ds, process_mask=str(SLICE / "mask.nii.gz"))


# -------------------------------------------------- planted significance
def test_permutation_maps_find_planted_structure(planted_result):
    """FWE and FDR maps mark the planted block and nothing far from it."""
    result = planted_result
    fwe = result.to_volume("p_fwe")[..., 0]
    fdr = result.to_volume("p_fdr")[..., 0]
    assert fwe[1, 1] < 0.05 and fdr[1, 1] < 0.05
    assert np.all(fwe[5:, :] >= 0.05) and np.all(fwe[:, 5:] >= 0.05)
    assert np.all(result.p_fdr >= result.p_values - 1e-12)
    assert np.all(result.p_fwe >= result.p_values - 1e-12)
    # the FWE p-values are the maximum statistic over the stored null
    assert result.null_max.shape == (200,)
    expected = (1 + np.sum(result.null_max[None] >= result.scores[:, None]
                           - 1e-12, axis=1)) / 201
    np.testing.assert_allclose(result.p_fwe, expected)


def test_engine_needs_no_image_library():
    """The engine runs on a plain Dataset without importing nibabel/nilearn."""
    code = ("import sys, numpy as np; sys.path.insert(0, 'tests'); "
            "from test_searchlight import _planted; "
            "from rsatoolbox_topo.searchlight import searchlight; "
            "ds, model = _planted(); "
            "searchlight(ds, model, radius=3.0, n_permutations=5); "
            "print(sorted(m for m in sys.modules "
            "if m.split('.')[0] in ('nilearn', 'nibabel')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                         text=True, check=True,
                         cwd=Path(__file__).parents[1])
    assert out.stdout.strip().splitlines()[-1] == "[]"


# ---------------------------------------------------------- the result
def test_result_is_immutable(planted_result):
    """Fields cannot be reassigned and arrays cannot be written into."""
    with pytest.raises(dataclasses.FrozenInstanceError):
        planted_result.scores = np.zeros(3)
    for name in ("scores", "p_values", "p_fwe", "voxels", "affine",
                 "null_max", "centres"):
        with pytest.raises(ValueError, match="read-only"):
            getattr(planted_result, name)[0] = 0


@pytest.mark.parametrize("suffix", [".npz", ".json"])
@pytest.mark.parametrize("n_permutations", [0, 30])
def test_result_round_trips_exactly(tmp_path, suffix, n_permutations):
    """save/load gives the same fields: dtypes, None, tuples, numbers."""
    ds, model = _planted()
    result = searchlight(ds, model, radius=3.0, statistic="rgtm",
                         n_permutations=n_permutations, random_state=3)
    path = tmp_path / f"result{suffix}"
    result.save(path)
    back = SearchlightResult.load(path)
    assert isinstance(back, SearchlightResult)
    for field in dataclasses.fields(SearchlightResult):
        a, b = getattr(result, field.name), getattr(back, field.name)
        assert type(a) is type(b), field.name
        if isinstance(a, np.ndarray):
            assert a.dtype == b.dtype and a.shape == b.shape, field.name
            np.testing.assert_array_equal(a, b)
        else:
            assert a == b, field.name
    assert back.conditions == tuple(range(10))
    assert back.volume_shape == (8, 8, 1)
    assert back.summary() == result.summary()
    np.testing.assert_array_equal(back.to_volume("scores"),
                                  result.to_volume("scores"))


def test_summary_frame_and_volume(planted_result):
    """One summary line with the key numbers; one frame row per centre."""
    result = planted_result
    line = result.summary()
    assert "\n" not in line
    n_fwe = int(np.sum(result.p_fwe < 0.05))
    assert line.startswith("64 spheres (radius 3 mm, "
                           "crossnobis, rgtm(lower=0.2, upper=0.8), "
                           "method='corr', 10 conditions)")
    assert f"p < 0.05: {n_fwe} FWE" in line
    assert "200 permutations" in line
    assert 0 < n_fwe < 64
    assert repr(result) == f"<SearchlightResult: {line}>"
    frame = result.to_frame()
    assert list(frame.columns) == ["centre", "i", "j", "k", "x", "y", "z",
                                   "n_voxels", "score", "p_value", "p_fdr",
                                   "p_fwe"]
    assert len(frame) == 64
    row = frame.iloc[9]  # voxel (1, 1, 0): 3 mm voxels
    assert (row["i"], row["j"], row["x"], row["y"]) == (1, 1, 3.0, 3.0)
    assert row["n_voxels"] == 5  # itself and its 4 neighbours at 3 mm
    assert row["score"] == result.scores[9]
    volume = result.to_volume("n_voxels")
    assert volume.shape == (8, 8, 1) and volume[0, 0, 0] == 3
    no_perm = searchlight(*_planted(), radius=3.0)
    assert no_perm.summary().endswith("; no permutations")
    assert "p_value" not in no_perm.to_frame().columns
    with pytest.raises(ValueError, match="no 'p_fwe'.*n_permutations=0"):
        no_perm.to_volume("p_fwe")
    with pytest.raises(ValueError, match="'what' parameter"):
        result.to_volume("pvalues")


def test_plot_draws_the_scores_and_the_null(planted_result):
    """plot() delegates to vis.plot_searchlight and returns its Axes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from rsatoolbox_topo import vis

    ax = planted_result.plot()
    try:
        bars = [p for p in ax.patches if hasattr(p, "get_height")]
        # density histogram of the scores: the bars integrate to 1
        assert np.isclose(sum(b.get_height() * b.get_width() for b in bars),
                          1.0)
        labels = [t.get_text() for t in ax.get_legend().get_texts()]
        assert any("spheres" in t for t in labels)
        assert any("null" in t for t in labels)
        # the FWE threshold line sits at the 95th percentile of the null
        threshold = np.quantile(planted_result.null_max, 0.95)
        xs = [line.get_xdata()[0] for line in ax.get_lines()]
        assert np.isclose(xs, threshold).any()
    finally:
        plt.close(ax.figure)
    fig, ax = plt.subplots()
    try:
        assert vis.plot_searchlight(planted_result, ax=ax) is ax
    finally:
        plt.close(fig)


# ------------------------------------------------------------ bad input
def test_bad_parameters_are_named(slice_ds, category_model):
    """Invalid options, models and datasets raise errors naming them."""
    with pytest.raises(ValueError, match="'dissimilarity' parameter. Allowed "
                       "values are 'crossnobis' and 'euclidean', but got "
                       "'pearson'"):
        searchlight_rdms(slice_ds, dissimilarity="pearson")
    with pytest.raises(ValueError, match="'method' parameter"):
        searchlight(slice_ds, category_model, method="tau")
    with pytest.raises(ValueError, match=r"'method' parameter: it is the "
                       r"comparator.*did you mean dissimilarity='crossnobis'"):
        searchlight(slice_ds, category_model, method="crossnobis")
    with pytest.raises(ValueError, match=r"'method' parameter is not one of "
                       r"searchlight_rdms.*did you mean "
                       r"dissimilarity='crossnobis'\?"):
        searchlight_rdms(slice_ds, method="crossnobis")
    with pytest.raises(ValueError, match=r"Got method='corr'\.$"):
        searchlight_rdms(slice_ds, method="corr")
    with pytest.raises(ValueError, match="'radius' parameter must be a float"
                       " >= 0.0. Got -1.0"):
        searchlight_rdms(slice_ds, radius=-1.0)
    with pytest.raises(TypeError, match="'statistic' parameter must be None"):
        searchlight(slice_ds, category_model, statistic=3)
    with pytest.raises(ValueError, match="'statistic' parameter.*'rgdt'"):
        searchlight(slice_ds, category_model, statistic="rgdt")
    with pytest.raises(TypeError, match="'progress' parameter must be True"):
        searchlight_rdms(slice_ds, progress="yes")
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
    with pytest.raises(ValueError, match="channel_descriptor 'voxel' .* and "
                       "the descriptor 'affine'"):
        searchlight_rdms(bare)
    with pytest.raises(TypeError, match="'dataset' parameter must be an "
                       "rsatoolbox.data.Dataset"):
        searchlight_rdms(slice_ds.measurements)


def test_unknown_keyword_of_the_old_names_is_refused(slice_ds,
                                                     category_model):
    """The renamed keywords are gone (0.x, listed in the changelog)."""
    for old in ({"compare": "corr"}, {"verbose": 1},
                {"process_mask_img": None}):
        with pytest.raises(TypeError, match="unexpected keyword"):
            searchlight(slice_ds, category_model, **old)
