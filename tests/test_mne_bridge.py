"""Tests of the MNE bridge: epochs -> time-resolved RDMs -> model time courses.

Expectations, written before the code was run on the simulations below:

* The simulated epochs hold 12 conditions in 3 categories of 4; from sample
  ``ONSET`` on, every epoch carries its category's pattern (plus noise),
  before it only noise. The category model is then recovered from ``ONSET``
  on and not before: with cluster or max-statistic correction no time point
  before ``ONSET`` is significant and (almost) every one after it is.
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
from rsatoolbox.model import ModelFixed  # noqa: E402
from rsatoolbox.rdm import RDMs, calc_rdm_movie, concat  # noqa: E402

from rsatoolbox_topo import rank_normalize, rgtm  # noqa: E402
from rsatoolbox_topo.bridges.mne import (TimecourseResult,  # noqa: E402
                                         epochs_to_dataset,
                                         model_timecourse,
                                         time_resolved_rdms)
from rsatoolbox_topo.exceptions import (CollapsedStatisticWarning,  # noqa: E402
                                        InferenceWarning)
from rsatoolbox_topo import TopoStatistic  # noqa: E402

SFREQ = 100.0
TMIN = -0.1
N_TIMES = 41            # -0.1 s to 0.3 s
ONSET = 20              # sample index of the onset: t = 0.1 s
N_CAT, PER_CAT = 3, 4
N_COND = N_CAT * PER_CAT
NAMES = [f"c{i:02d}" for i in range(N_COND)]
CATEGORY = np.repeat(np.arange(N_CAT), PER_CAT)


def simulate(seed, n_rep=6, n_chan=16, snr=0.6):
    """Epochs whose category structure appears at sample ONSET."""
    rng = np.random.default_rng(seed)
    prototypes = rng.normal(size=(N_CAT, n_chan))
    codes = np.tile(np.arange(N_COND), n_rep)
    x = rng.normal(size=(len(codes), n_chan, N_TIMES))
    x[:, :, ONSET:] += snr * prototypes[CATEGORY[codes]][:, :, None]
    info = mne.create_info([f"EEG{i:03d}" for i in range(n_chan)], SFREQ,
                           "eeg")
    events = np.c_[np.arange(len(codes)) * 100, np.zeros(len(codes), int),
                   codes + 1]
    return mne.EpochsArray(x, info, events=events, tmin=TMIN, verbose=False,
                           event_id={n: i + 1 for i, n in enumerate(NAMES)})


def category_model():
    """Binary category RDM (0 within, 1 between categories)."""
    square = (CATEGORY[:, None] != CATEGORY[None, :]).astype(float)
    return RDMs(square[np.triu_indices(N_COND, 1)][None],
                rdm_descriptors={"name": ["category"]},
                pattern_descriptors={"conditions": list(NAMES)})


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
    rdms = time_resolved_rdms(ep, ["house", "face"], method="euclidean")
    assert rdms.pattern_descriptors["conditions"] == ["house", "face"]
    from_ds = time_resolved_rdms(by_tag, method="euclidean")
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
@pytest.mark.parametrize("method, with_noise", [
    ("crossnobis", False), ("crossnobis", True), ("euclidean", False),
    ("correlation", False), ("mahalanobis", True)])
def test_rdms_equal_rsatoolbox_calc_rdm_movie(epochs, method, with_noise):
    """All time points at once give rsatoolbox's values at each time point."""
    rng = np.random.default_rng(2)
    noise = None
    if with_noise:
        a = rng.normal(size=(40, 16))
        noise = np.linalg.inv(a.T @ a / 40)
    ours = time_resolved_rdms(epochs, method=method, noise=noise)
    ds = epochs_to_dataset(epochs)
    with pytest.warns(UserWarning, match="pattern descriptors"):
        ref = calc_rdm_movie(ds, method=method, descriptor="conditions",
                             cv_descriptor="repetition", noise=noise)
    np.testing.assert_allclose(ours.dissimilarities, ref.dissimilarities,
                               rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(ours.rdm_descriptors["time"], epochs.times)
    assert ours.pattern_descriptors["conditions"] == NAMES


def test_crossnobis_is_unbiased_before_onset(epochs, rdms):
    """Before the onset crossnobis averages 0; squared Euclidean is biased."""
    before = rdms.dissimilarities[:ONSET]
    euclid = time_resolved_rdms(epochs, method="euclidean")
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


# ------------------------------------------------------------ inference
@pytest.mark.parametrize("correction", ["cluster", "max"])
def test_planted_structure_found_at_onset_not_before(rdms, correction):
    """One subject: the category model is significant from ONSET on only."""
    res = model_timecourse(rdms, category_model(), statistic=rank_normalize,
                           correction=correction, n_bootstrap=100,
                           n_permutations=500, random_state=3)
    sig = res.significant[0]
    assert not sig[:ONSET].any()
    assert sig[ONSET:].all()
    assert res.onsets == {"category": pytest.approx(res.times[ONSET])}
    lower, upper = res.ci[:, 0]
    assert np.all(lower[ONSET:] > 0.3)
    assert np.mean((lower[:ONSET] < 0) & (upper[:ONSET] > 0)) > 0.85
    assert np.all((lower <= res.evaluations[0]) & (res.evaluations[0]
                                                   <= upper))


def test_planted_structure_across_subjects_with_mne_cluster_test():
    """Six subjects: MNE's cluster test finds the model from ONSET on only."""
    subjects = []
    for s in range(6):
        r = time_resolved_rdms(simulate(10 + s, snr=0.35))
        r.rdm_descriptors["subject"] = np.full(r.n_rdm, f"sub-{s}")
        subjects.append(r)
    group = concat(subjects)
    res = model_timecourse(group, category_model(), statistic=rank_normalize,
                           subject_descriptor="subject", n_bootstrap=50,
                           n_permutations=200, random_state=4)
    sig = res.significant[0]
    assert not sig[:ONSET].any()
    assert sig[ONSET:].mean() > 0.9
    assert res.per_subject.shape == (1, 6, N_TIMES)
    np.testing.assert_allclose(res.evaluations, res.per_subject.mean(axis=1))
    fdr = model_timecourse(group, category_model(), statistic=rank_normalize,
                           subject_descriptor="subject", n_bootstrap=0,
                           correction="fdr", random_state=4)
    assert fdr.significant[0, ONSET:].all()
    assert np.all(fdr.p_values >= model_timecourse(
        group, category_model(), statistic=rank_normalize,
        subject_descriptor="subject", n_bootstrap=0, correction="none",
        random_state=4).p_values - 1e-12)


def test_tests_that_cannot_reach_alpha_warn(rdms):
    """Too few permutations or subjects for p < alpha: a warning says so."""
    with pytest.warns(InferenceWarning, match=r"n_permutations=10 the "
                                              r"smallest possible p-value "
                                              r"is 0.0909"):
        res = model_timecourse(rdms, category_model(), n_bootstrap=0,
                               n_permutations=10, random_state=0)
    assert not res.significant.any()
    subjects = []
    for s in range(4):
        r = time_resolved_rdms(simulate(20 + s))
        r.rdm_descriptors["subject"] = np.full(r.n_rdm, s)
        subjects.append(r)
    with pytest.warns(InferenceWarning, match="With 4 subjects.*0.0625"):
        res = model_timecourse(concat(subjects), category_model(),
                               subject_descriptor="subject", n_bootstrap=0,
                               correction="max", random_state=0)
    assert not res.significant.any()
    fdr = model_timecourse(concat(subjects), category_model(),
                           subject_descriptor="subject", n_bootstrap=0,
                           correction="fdr", random_state=0)
    assert fdr.significant[0, ONSET:].all()


@pytest.mark.parametrize("correction", ["cluster", "max"])
def test_permutation_corrections_hold_the_familywise_rate(correction):
    """Exchangeable null time courses: FWER is 10/201, as exactness says."""
    from rsatoolbox_topo.bridges.mne import _permutation_tests

    rng = np.random.default_rng(13)
    n_sim = 1500
    rows = rng.normal(size=(n_sim, 201, 1, 20))  # row 0 plays the observed
    hits = sum((_permutation_tests(r[0], r[1:], correction, 0.05)
                < 0.05).any() for r in rows)
    se = np.sqrt(0.05 * 0.95 / n_sim)
    assert abs(hits / n_sim - 10 / 201) < 3 * se


def test_fdr_single_subject_recovers_structure(rdms):
    """FDR over the permutation p-values: all post-onset points found."""
    res = model_timecourse(rdms, category_model(), correction="fdr",
                           n_bootstrap=0, n_permutations=300, random_state=5)
    assert res.significant[0, ONSET:].all()
    assert res.significant[0, :ONSET].sum() <= 1
    assert np.all(np.isnan(res.ci))


def test_same_seed_same_result_whatever_n_jobs(rdms):
    """random_state fixes the result; n_jobs does not change it."""
    kwargs = dict(statistic=rank_normalize, n_bootstrap=120,
                  n_permutations=100, random_state=6)
    one = model_timecourse(rdms, category_model(), n_jobs=1, **kwargs)
    two = model_timecourse(rdms, category_model(), n_jobs=2, **kwargs)
    np.testing.assert_array_equal(one.bootstrap, two.bootstrap)
    np.testing.assert_array_equal(one.p_values, two.p_values)
    other = model_timecourse(rdms, category_model(),
                             **{**kwargs, "random_state": 7})
    assert not np.array_equal(one.bootstrap, other.bootstrap)


def test_bootstrap_applies_the_statistic_after_resampling(rdms):
    """A bootstrap sample = rsatoolbox's subsample_pattern, then statistic."""
    from rsatoolbox.rdm import compare

    stat = TopoStatistic("rgtm", lower=0.1, upper=0.5)
    res = model_timecourse(rdms, category_model(), statistic=stat,
                           n_bootstrap=3, n_permutations=20,
                           correction="none", random_state=3)
    # the conditions are drawn first, from the generator of random_state
    drawn = np.random.default_rng(3).integers(N_COND, size=(3, N_COND))
    model = category_model()
    model.pattern_descriptors["index"] = np.arange(N_COND)
    for b in range(3):
        data_b = rdms.subsample_pattern("index", drawn[b])
        model_b = model.subsample_pattern("index", drawn[b])
        expected = compare(stat(model_b), stat(data_b), method="corr")[0]
        np.testing.assert_allclose(res.bootstrap[b, 0], expected, atol=1e-12)
    # transforming before resampling would be another statistic
    early = compare(stat(model).subsample_pattern("index", drawn[0]),
                    stat(rdms).subsample_pattern("index", drawn[0]),
                    method="corr")[0]
    assert not np.allclose(res.bootstrap[0, 0], early)


def test_bootstrap_draws_the_same_conditions_at_every_time(rdms):
    """Two identical time points get identical bootstrap evaluations."""
    vec = rdms.dissimilarities[[30, 30, 5]]
    copy = RDMs(vec, rdm_descriptors={"time": [0.0, 0.1, 0.2]},
                pattern_descriptors={"conditions": list(NAMES)})
    res = model_timecourse(copy, category_model(), n_bootstrap=200,
                           correction="none", n_permutations=50,
                           random_state=8)
    np.testing.assert_array_equal(res.bootstrap[:, 0, 0],
                                  res.bootstrap[:, 0, 1])
    assert not np.array_equal(res.bootstrap[:, 0, 0], res.bootstrap[:, 0, 2])


def test_models_are_aligned_by_condition_name(rdms):
    """A model given in another condition order gives the same result."""
    order = np.random.default_rng(9).permutation(N_COND)
    square = (CATEGORY[:, None] != CATEGORY[None, :]).astype(float)
    square = square[np.ix_(order, order)]
    shuffled = ModelFixed("category", RDMs(
        square[np.triu_indices(N_COND, 1)][None],
        pattern_descriptors={"conditions": [NAMES[i] for i in order]}))
    kwargs = dict(n_bootstrap=30, n_permutations=50, random_state=10)
    a = model_timecourse(rdms, category_model(), **kwargs)
    b = model_timecourse(rdms, shuffled, **kwargs)
    np.testing.assert_allclose(a.evaluations, b.evaluations)
    np.testing.assert_allclose(a.bootstrap, b.bootstrap)
    assert b.model_names == ["category"]


def test_binary_model_collapsed_by_the_statistic_warns(rdms):
    """An RGTM that makes the binary model constant warns; nothing is found."""
    stat = TopoStatistic("rgtm", lower=0.4, upper=0.6)
    with pytest.warns(CollapsedStatisticWarning,
                      match=r"category.*rgtm\(lower=0.4"):
        res = model_timecourse(rdms, category_model(), statistic=stat,
                               n_bootstrap=20, n_permutations=50,
                               random_state=11)
    assert np.all(np.isnan(res.evaluations))
    assert not res.significant.any()


def test_frame_and_plot_show_the_result(rdms):
    """to_frame() holds the arrays; plot() draws the curves and the bars."""
    import matplotlib

    matplotlib.use("Agg")
    res = model_timecourse(rdms, category_model(), statistic=rank_normalize,
                           n_bootstrap=30, n_permutations=100,
                           random_state=12)
    assert isinstance(res, TimecourseResult)
    frame = res.to_frame()
    np.testing.assert_allclose(frame["evaluation"], res.evaluations[0])
    np.testing.assert_allclose(frame["ci_low"], res.ci[0, 0])
    np.testing.assert_array_equal(frame["significant"], res.significant[0])
    ax = res.plot()
    curve, bar = ax.lines[0], ax.lines[1]
    np.testing.assert_allclose(curve.get_ydata(), res.evaluations[0])
    np.testing.assert_array_equal(np.isfinite(bar.get_ydata()),
                                  res.significant[0])
    assert "category" in [t.get_text() for t in ax.get_legend().get_texts()]
    assert "cluster" in repr(res)


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
    assert time_resolved_rdms(thin, method="euclidean").n_rdm == N_TIMES


def test_parameter_errors_name_parameter_and_allowed_values(epochs, rdms):
    """Invalid options follow the 'Invalid value for the ...' shape."""
    with pytest.raises(ValueError, match="'method' parameter. Allowed values "
                                         "are 'crossnobis', 'euclidean'"):
        time_resolved_rdms(epochs, method="cosine")
    with pytest.raises(ValueError, match="'noise' parameter is only used"):
        time_resolved_rdms(epochs, method="euclidean", noise="diag")
    with pytest.raises(ValueError, match="'noise' parameter. Allowed"):
        time_resolved_rdms(epochs, noise="ledoit")
    with pytest.raises(ValueError, match="apply to mne.Epochs only"):
        time_resolved_rdms(epochs_to_dataset(epochs), picks="eeg")
    with pytest.raises(ValueError, match="'correction' parameter. Allowed"):
        model_timecourse(rdms, category_model(), correction="bonferroni")
    with pytest.raises(TypeError, match="'random_state' parameter"):
        model_timecourse(rdms, category_model(), random_state="seed")
    with pytest.raises(TypeError, match="'statistic' parameter must be None, "
                                        "a TopoStatistic"):
        time_resolved_rdms(epochs, statistic=3)
    with pytest.raises(ValueError, match="'statistic' parameter. Allowed "
                                         "values are 'rank_normalize', 'rgtm'"
                                         ".*got 'rgtn'"):
        model_timecourse(rdms, category_model(), statistic="rgtn")
    with pytest.raises(ValueError, match="one RDM per time point.*"
                                         "subject_descriptor"):
        model_timecourse(concat([rdms, rdms]), category_model())
    wrong = RDMs(np.ones((1, 3)), pattern_descriptors={"conditions":
                                                       ["a", "b", "c"]})
    with pytest.raises(ValueError, match="have 3 conditions but the data "
                                         "RDMs have 12"):
        model_timecourse(rdms, wrong)
    with pytest.raises(TypeError, match="'epochs' parameter must be an "
                                        "mne.Epochs"):
        epochs_to_dataset(np.zeros((4, 2, 3)))
