"""Tests of the MNE bridge: epochs -> datasets -> time-resolved RDMs.

The inference over time (model_timecourse) is tested in test_timecourse.py.
Expectations, written before the code was run on the simulations below:

* The simulated epochs hold 12 conditions in 3 categories of 4; from sample
  ``ONSET`` on, every epoch carries its category's pattern (plus noise),
  before it only noise.
* Crossnobis is unbiased: before ``ONSET`` its dissimilarities average 0,
  while squared Euclidean distances of noisy means are positive.
* The RDMs computed for all time points at once equal rsatoolbox's
  ``calc_rdm_movie``, time point by time point.
* Bad input (missing conditions, empty picks, time window outside the
  epochs, too few repetitions for crossvalidation) raises errors naming the
  parameter, what is allowed and what was given.
"""

import functools
import subprocess
import sys

import numpy as np
import pytest

mne = pytest.importorskip("mne")

from rsatoolbox.data import TemporalDataset  # noqa: E402
from rsatoolbox.rdm import calc_rdm_movie  # noqa: E402

from rsatoolbox_topo import TopoStatistic, rgtm  # noqa: E402
from rsatoolbox_topo.bridges.mne import (epochs_to_dataset,  # noqa: E402
                                         time_resolved_rdms)

from _planted import (CATEGORY, N_COND, N_TIMES, NAMES, ONSET,  # noqa: E402
                      SFREQ, TMIN, planted_trials)


def simulate(seed, **kwargs):
    """Planted trials (see _planted.planted_trials) as MNE epochs."""
    x, codes = planted_trials(seed, **kwargs)
    info = mne.create_info([f"EEG{i:03d}" for i in range(x.shape[1])],
                           SFREQ, "eeg")
    events = np.c_[np.arange(len(codes)) * 100, np.zeros(len(codes), int),
                   codes + 1]
    return mne.EpochsArray(x, info, events=events, tmin=TMIN, verbose=False,
                           event_id={n: i + 1 for i, n in enumerate(NAMES)})


@pytest.fixture(scope="module")
def epochs():
    """One simulated subject."""
    return simulate(0)


@pytest.fixture(scope="module")
def rdms(epochs):
    """Crossnobis RDMs of the simulated subject."""
    return time_resolved_rdms(epochs)


# ------------------------------------------------------------ packaging
def test_importing_the_package_does_not_import_mne():
    """Importing the package, even the MNE bridge module, leaves mne unloaded."""
    code = ("import sys, rsatoolbox_topo, rsatoolbox_topo.bridges, "
            "rsatoolbox_topo.bridges.mne; print('mne' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "False"


# ------------------------------------------------------------ datasets
def test_dataset_from_event_id_holds_the_epochs(epochs):
    """Conditions, repetitions, epochs and data come straight from the epochs."""
    ds = epochs_to_dataset(epochs)
    assert isinstance(ds, TemporalDataset)
    np.testing.assert_array_equal(ds.measurements, epochs.get_data())
    codes = epochs.events[:, 2]
    np.testing.assert_array_equal(ds.obs_descriptors["conditions"],
                                  np.array(NAMES)[codes - 1])
    np.testing.assert_array_equal(ds.obs_descriptors["repetition"],
                                  np.arange(len(codes)) // N_COND)
    np.testing.assert_array_equal(ds.obs_descriptors["event"], codes)
    np.testing.assert_allclose(ds.time_descriptors["time"], epochs.times)
    assert ds.descriptors["sfreq"] == SFREQ
    assert list(ds.channel_descriptors["names"]) == epochs.ch_names


def test_dataset_picks_window_and_decim_follow_mne(epochs):
    """picks/tmin/tmax/decim give what MNE's pick, crop and decimate give."""
    with pytest.warns(RuntimeWarning, match="aliasing"):
        ds = epochs_to_dataset(epochs, picks=["EEG001", "EEG003"], tmin=0.0,
                               tmax=0.2, decim=2)
    ref = epochs.copy().pick(["EEG001", "EEG003"]).crop(0.0, 0.2)
    with pytest.warns(RuntimeWarning, match="aliasing"):
        ref.decimate(2)
    np.testing.assert_allclose(ds.measurements, ref.get_data())
    np.testing.assert_allclose(ds.time_descriptors["time"], ref.times)
    assert ds.descriptors["sfreq"] == SFREQ / 2


def test_dataset_from_epochs_not_preloaded_skips_bads_and_stim():
    """Lazy mne.Epochs from Raw: loaded as needed, bad and stim channels out."""
    rng = np.random.default_rng(3)
    info = mne.create_info(["a", "b", "c", "STI"], SFREQ,
                           ["eeg", "eeg", "eeg", "stim"])
    signal = rng.normal(size=(4, 5000))
    signal[2, 1000:1010] = 50.0  # an artefact: the epoch at sample 1000 goes
    raw = mne.io.RawArray(signal, info, verbose=False)
    raw.info["bads"] = ["b"]
    events = np.c_[np.arange(1, 41) * 100, np.zeros(40, int),
                   np.tile([1, 2, 3, 4], 10)]
    lazy = mne.Epochs(raw, events, event_id={"w": 1, "x": 2, "y": 3, "z": 4},
                      tmin=-0.1, tmax=0.3, baseline=None, preload=False,
                      reject={"eeg": 20.0}, verbose=False)
    ds = epochs_to_dataset(lazy, tmin=0.0, tmax=0.2, verbose=False)
    ref = lazy.copy().load_data().pick("data", exclude="bads")
    assert len(ref) == 39
    np.testing.assert_allclose(ds.measurements, ref.crop(0.0, 0.2).get_data())
    np.testing.assert_array_equal(ds.obs_descriptors["event"],
                                  ref.events[:, 2])
    assert list(ds.channel_descriptors["names"]) == ["a", "c"]
    assert not lazy.preload


def test_dataset_conditions_from_metadata_and_tags():
    """Conditions from a metadata column, or from '/'-tags as epochs[tag]."""
    import pandas as pd

    rng = np.random.default_rng(1)
    info = mne.create_info(3, SFREQ, "eeg")
    codes = np.tile([1, 2, 3, 4], 3)
    events = np.c_[np.arange(12) * 100, np.zeros(12, int), codes]
    event_id = {"face/left": 1, "face/right": 2, "house/left": 3,
                "house/right": 4}
    meta = pd.DataFrame({"side": np.where(codes % 2, "left", "right")})
    ep = mne.EpochsArray(rng.normal(size=(12, 3, 5)), info, events=events,
                         event_id=event_id, metadata=meta, verbose=False)
    by_tag = epochs_to_dataset(ep, ["house", "face"])
    expected = np.where(codes <= 2, "face", "house")
    np.testing.assert_array_equal(by_tag.obs_descriptors["conditions"],
                                  expected)
    by_meta = epochs_to_dataset(ep, "side")
    np.testing.assert_array_equal(by_meta.obs_descriptors["conditions"],
                                  meta["side"].to_numpy())
    only_left = epochs_to_dataset(ep, ["face/left", "house/left"])
    np.testing.assert_array_equal(only_left.obs_descriptors["epoch"],
                                  np.flatnonzero(codes % 2))
    rdms = time_resolved_rdms(ep, ["house", "face"],
                              dissimilarity="euclidean")
    assert rdms.pattern_descriptors["conditions"] == ["house", "face"]
    from_ds = time_resolved_rdms(by_tag, dissimilarity="euclidean")
    assert from_ds.pattern_descriptors["conditions"] == ["house", "face"]
    np.testing.assert_allclose(from_ds.dissimilarities, rdms.dissimilarities)


def test_epochs_are_not_changed(epochs):
    """The caller's epochs keep their data, channels and times."""
    before = epochs.get_data().copy()
    with pytest.warns(RuntimeWarning, match="aliasing"):
        time_resolved_rdms(epochs, picks=["EEG000", "EEG001"], tmin=0.0,
                           decim=2, noise="shrinkage_diag")
    np.testing.assert_array_equal(epochs.get_data(), before)
    assert len(epochs.ch_names) == 16 and len(epochs.times) == N_TIMES


# ------------------------------------------------------------ RDMs
@pytest.mark.parametrize("dissimilarity, with_noise", [
    ("crossnobis", False), ("crossnobis", True), ("euclidean", False),
    ("correlation", False), ("mahalanobis", True)])
def test_rdms_equal_rsatoolbox_calc_rdm_movie(epochs, dissimilarity,
                                              with_noise):
    """All time points at once give rsatoolbox's values at each time point."""
    rng = np.random.default_rng(2)
    noise = None
    if with_noise:
        a = rng.normal(size=(40, 16))
        noise = np.linalg.inv(a.T @ a / 40)
    ours = time_resolved_rdms(epochs, dissimilarity=dissimilarity,
                              noise=noise)
    ds = epochs_to_dataset(epochs)
    with pytest.warns(UserWarning, match="pattern descriptors"):
        ref = calc_rdm_movie(ds, method=dissimilarity, descriptor="conditions",
                             cv_descriptor="repetition", noise=noise)
    np.testing.assert_allclose(ours.dissimilarities, ref.dissimilarities,
                               rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.rdm_descriptors["time"], epochs.times)
    assert ours.pattern_descriptors["conditions"] == NAMES


def test_crossnobis_is_unbiased_before_onset(epochs, rdms):
    """Before the onset crossnobis averages 0; squared Euclidean is biased."""
    before = rdms.dissimilarities[:ONSET]
    euclid = time_resolved_rdms(epochs, dissimilarity="euclidean")
    se = before.std() / np.sqrt(before.size)
    assert abs(before.mean()) < 4 * se
    # noise of means of 6 epochs: 2 * 1 / 6 per channel, on average
    np.testing.assert_allclose(euclid.dissimilarities[:ONSET].mean(), 1 / 3,
                               rtol=0.1)
    between = CATEGORY[np.triu_indices(N_COND, 1)[0]] \
        != CATEGORY[np.triu_indices(N_COND, 1)[1]]
    after = rdms.dissimilarities[ONSET:]
    assert after[:, between].mean() > 10 * abs(after[:, ~between].mean())


def test_noise_estimated_from_residuals_changes_the_metric(epochs):
    """noise='diag' equals the precision from the pooled residual variances."""
    ds = epochs_to_dataset(epochs)
    x = ds.measurements
    codes = epochs.events[:, 2] - 1
    means = np.stack([x[codes == c].mean(axis=0) for c in range(N_COND)])
    res = (x - means[codes]).transpose(0, 2, 1).reshape(-1, x.shape[1])
    dof = (len(x) - N_COND) * x.shape[2]
    prec = np.diag(dof / np.sum(res ** 2, axis=0))
    ours = time_resolved_rdms(epochs, noise="diag")
    given = time_resolved_rdms(epochs, noise=prec)
    np.testing.assert_allclose(ours.dissimilarities, given.dissimilarities,
                               rtol=1e-10)
    assert ours.descriptors["noise"] == "diag"


def test_statistic_is_applied_to_the_whole_stack(epochs, rdms):
    """statistic= gives the statistic of every time-point RDM, time kept."""
    stat = functools.partial(rgtm, lower=0.1, upper=0.5)
    ours = time_resolved_rdms(epochs, statistic=stat)
    per_time = [rgtm(rdms[t], 0.1, 0.5).dissimilarities[0]
                for t in range(rdms.n_rdm)]
    np.testing.assert_allclose(ours.dissimilarities, per_time)
    np.testing.assert_allclose(ours.rdm_descriptors["time"], epochs.times)
    assert ours.dissimilarity_measure.startswith("rgtm(lower=0.1")
    named = time_resolved_rdms(epochs, statistic=TopoStatistic(
        "rgtm", lower=0.1, upper=0.5))
    np.testing.assert_allclose(named.dissimilarities, per_time)


def test_n_folds_groups_repetitions(epochs):
    """n_folds=2 is crossnobis over odd/even repetitions."""
    ds = epochs_to_dataset(epochs)
    ds.obs_descriptors["half"] = ds.obs_descriptors["repetition"] % 2
    ours = time_resolved_rdms(epochs, n_folds=2)
    with pytest.warns(UserWarning, match="pattern descriptors"):
        ref = calc_rdm_movie(ds, method="crossnobis", descriptor="conditions",
                             cv_descriptor="half")
    np.testing.assert_allclose(ours.dissimilarities, ref.dissimilarities,
                               rtol=1e-10, atol=1e-12)
    assert ours.descriptors["n_folds"] == 2


# ------------------------------------------------------------ bad input
def test_missing_conditions_are_named(epochs):
    """Conditions absent from event_id are named with the available ones."""
    with pytest.raises(ValueError, match=r"\['zebra'\].*match no event.*c00"):
        epochs_to_dataset(epochs, ["c00", "zebra"])
    with pytest.raises(ValueError, match="no metadata"):
        epochs_to_dataset(epochs, "category")
    with pytest.raises(ValueError, match="at least 2 conditions"):
        epochs_to_dataset(epochs, ["c00"])


def test_overlapping_conditions_are_refused():
    """An epoch selected by two conditions (tags) is an error."""
    info = mne.create_info(2, SFREQ, "eeg")
    events = np.c_[np.arange(4) * 100, np.zeros(4, int), [1, 2, 1, 2]]
    ep = mne.EpochsArray(np.zeros((4, 2, 3)), info, events=events,
                         event_id={"a/x": 1, "b/x": 2}, verbose=False)
    with pytest.raises(ValueError, match="'a/x' and 'x' .* same epochs"):
        epochs_to_dataset(ep, ["a/x", "x"])


def test_empty_picks_are_refused(epochs):
    """picks selecting no channel names the picks and the channel types."""
    with pytest.raises(ValueError, match=r"'picks'.*picks='meg'.*\['eeg'\]"):
        epochs_to_dataset(epochs, picks="meg")
    with pytest.raises(ValueError, match="'picks'"):
        time_resolved_rdms(epochs, picks=[])


def test_time_window_outside_epochs_is_refused(epochs):
    """tmin/tmax outside the epochs name the window and the epochs' span."""
    with pytest.raises(ValueError, match=r"tmin=0.5 s, tmax=0.8 s is outside"
                                         r".*-0.1 s to 0.3 s"):
        epochs_to_dataset(epochs, tmin=0.5, tmax=0.8)
    with pytest.raises(ValueError, match="'tmin' parameter must not exceed"):
        epochs_to_dataset(epochs, tmin=0.2, tmax=0.1)
    with pytest.raises(ValueError, match="'decim' parameter must be an "
                                         "integer >= 1. Got 0"):
        epochs_to_dataset(epochs, decim=0)


def test_too_few_repetitions_for_crossvalidation(epochs):
    """A condition with one epoch cannot be crossvalidated: named in the error."""
    keep = np.ones(len(epochs), bool)
    keep[np.flatnonzero(epochs.events[:, 2] == 3)[1:]] = False
    thin = epochs[np.flatnonzero(keep)]
    with pytest.raises(ValueError, match=r"Too few repetitions.*'c02' "
                                         r"\(1 of 6 folds, 1 epoch"):
        time_resolved_rdms(thin)
    one_each = epochs[np.arange(N_COND)]
    with pytest.raises(ValueError, match="only one fold"):
        time_resolved_rdms(one_each)
    # without crossvalidation the same epochs are fine
    assert time_resolved_rdms(thin, dissimilarity="euclidean").n_rdm \
        == N_TIMES


def test_parameter_errors_name_parameter_and_allowed_values(epochs):
    """Invalid options follow the 'Invalid value for the ...' shape."""
    with pytest.raises(ValueError, match="'dissimilarity' parameter. Allowed "
                                         "values are 'crossnobis', "
                                         "'euclidean'"):
        time_resolved_rdms(epochs, dissimilarity="cosine")
    with pytest.raises(ValueError, match="'noise' parameter is only used"):
        time_resolved_rdms(epochs, dissimilarity="euclidean", noise="diag")
    with pytest.raises(ValueError, match="'noise' parameter. Allowed"):
        time_resolved_rdms(epochs, noise="ledoit")
    with pytest.raises(ValueError, match="apply to mne.Epochs only"):
        time_resolved_rdms(epochs_to_dataset(epochs), picks="eeg")
    with pytest.raises(TypeError, match="'statistic' parameter must be None, "
                                        "a TopoStatistic"):
        time_resolved_rdms(epochs, statistic=3)
    with pytest.raises(TypeError, match="'epochs' parameter must be an "
                                        "mne.Epochs"):
        epochs_to_dataset(np.zeros((4, 2, 3)))


def test_old_method_spelling_points_to_dissimilarity(epochs):
    """method='crossnobis' (the name before the rename) says what to use."""
    with pytest.raises(ValueError, match=r"did you mean "
                                         r"dissimilarity='crossnobis'\?"):
        time_resolved_rdms(epochs, method="crossnobis")
    with pytest.raises(ValueError, match=r"'method' parameter is not one of "
                                         r"time_resolved_rdms.*'dissimilarity'"
                                         r".*Got method='corr'\.$"):
        time_resolved_rdms(epochs, method="corr")
