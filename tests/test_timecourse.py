"""Tests of the time-course engine: model RDMs compared over time.

Expectations, written before the code was run on the simulations below:

* The simulated recordings hold 12 conditions in 3 categories of 4; from
  sample ``ONSET`` on, every trial carries its category's pattern (plus
  noise), before it only noise. The category model is then recovered from
  ``ONSET`` on and not before: with cluster or max-statistic correction no
  time point before ``ONSET`` is significant and (almost) every one after it
  is.
* The permutation corrections are exact: under the null their familywise
  error rate is the number of permutations that can win over their count.
* Every spelling of a statistic (object, name, dict, keyword partial)
  gives the same result for a seed; checks that need the data run at call
  time.
* The result is immutable and saves and loads exactly.

The data are rsatoolbox TemporalDatasets made here (no MNE needed); the MNE
bridge's own tests are in test_mne_bridge.py.
"""

import functools
import subprocess
import sys

import numpy as np
import pytest
from rsatoolbox.data import TemporalDataset
from rsatoolbox.model import ModelFixed
from rsatoolbox.rdm import RDMs, concat

from rsatoolbox_topo import TopoStatistic, rank_normalize, rgtm
from rsatoolbox_topo.bridges.mne import time_resolved_rdms
from rsatoolbox_topo.exceptions import (CollapsedStatisticWarning,
                                        InferenceWarning)
from rsatoolbox_topo.timecourse import TimecourseResult, model_timecourse
from rsatoolbox_topo.vis import plot_timecourse

from _planted import (CATEGORY, N_COND, N_TIMES, NAMES, ONSET,  # noqa: E402
                      SFREQ, TMIN, category_model, planted_trials)


def simulate(seed, **kwargs):
    """Planted trials as a TemporalDataset (see _planted.planted_trials)."""
    x, codes = planted_trials(seed, **kwargs)
    return TemporalDataset(
        x, obs_descriptors={"conditions": np.array(NAMES)[codes],
                            "repetition": np.arange(len(codes)) // N_COND},
        time_descriptors={"time": TMIN + np.arange(N_TIMES) / SFREQ})


@pytest.fixture(scope="module")
def rdms():
    """Crossnobis RDMs of one simulated subject."""
    return time_resolved_rdms(simulate(0))


@pytest.fixture(scope="module")
def small():
    """A quick result to save, load and print."""
    return model_timecourse(time_resolved_rdms(simulate(0))[np.arange(0, N_TIMES, 4)],
                            category_model(), statistic="rank_normalize",
                            n_bootstrap=20, n_permutations=50,
                            random_state=1)


# ------------------------------------------------------------ packaging
def test_engine_imports_neither_the_bridge_nor_mne():
    """The engine stands alone: a one-subject time course needs no MNE."""
    code = ("import sys, numpy as np; from rsatoolbox.rdm import RDMs; "
            "from rsatoolbox_topo.timecourse import model_timecourse; "
            "m = np.arange(15.); r = RDMs(np.stack([m, m[::-1]]), "
            "rdm_descriptors={'time': [0., .1]}); "
            "model_timecourse(r, RDMs(m), n_bootstrap=5, n_permutations=20, "
            "correction='fdr', random_state=0); "
            "print(sorted(k for k in sys.modules if k == 'mne' or "
            "k.startswith('rsatoolbox_topo.bridges')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True,
                         text=True, check=True)
    assert out.stdout.strip() == "[]"


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
    pytest.importorskip("mne")
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
    pytest.importorskip("mne")
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
    from rsatoolbox_topo.timecourse import _permutation_tests

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
    assert b.model_names == ("category",)


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
    own = plot_timecourse(res, colors=["k"], show_ci=False)
    assert own.lines[0].get_color() == "k"
    assert not own.collections  # no CI band


# ------------------------------------------------------------ statistics
@pytest.mark.filterwarnings(
    "ignore::rsatoolbox_topo.exceptions.DegenerateRDMWarning")
def test_every_statistic_spelling_gives_the_same_result(rdms):
    """Name, dict, object, keyword partial: identical arrays for a seed."""
    from rsatoolbox_topo.models import TopoStatistic as ModelsStatistic

    kwargs = dict(n_bootstrap=20, n_permutations=40, random_state=14)
    data = rdms[np.arange(0, N_TIMES, 5)]
    spellings = ["rgtm", {"name": "rgtm", "params": {}},
                 {"name": "rgtm", "params": {"lower": 0.2, "upper": 0.8}},
                 TopoStatistic("rgtm"), ModelsStatistic("rgtm"),
                 functools.partial(rgtm, upper=0.8), rgtm]
    results = [model_timecourse(data, category_model(), statistic=s,
                                **kwargs) for s in spellings]
    first = results[0]
    assert first.statistic == "rgtm"
    for res in results[1:]:
        for field in ("evaluations", "bootstrap", "ci", "p_values",
                      "per_subject"):
            np.testing.assert_array_equal(getattr(res, field),
                                          getattr(first, field))
    tuned = model_timecourse(data, category_model(), statistic={
        "name": "rgtm", "params": {"lower": 0.1, "upper": 0.5}}, **kwargs)
    same = model_timecourse(data, category_model(), statistic=TopoStatistic(
        "rgtm", lower=0.1, upper=0.5), **kwargs)
    np.testing.assert_array_equal(tuned.bootstrap, same.bootstrap)
    assert tuned.statistic == "rgtm(lower=0.1, upper=0.5)"
    assert not np.array_equal(tuned.evaluations, first.evaluations)
    # any callable RDMs -> RDMs: applied as it is, same values
    anon = model_timecourse(data, category_model(),
                            statistic=lambda r: rgtm(r), **kwargs)
    np.testing.assert_allclose(anon.bootstrap, first.bootstrap, atol=1e-12)
    assert anon.statistic == "<lambda>"


def test_model_fixed_topo_brings_its_statistic(rdms):
    """A ModelFixedTopo's statistic is the analysis's; a different one fails."""
    from rsatoolbox_topo.models import ModelFixedTopo

    kwargs = {"n_bootstrap": 10, "n_permutations": 30, "random_state": 15}
    data = rdms[np.arange(0, N_TIMES, 5)]
    topo = ModelFixedTopo("category", category_model(), "rank_normalize")
    carried = model_timecourse(data, topo, **kwargs)
    given = model_timecourse(data, category_model(),
                             statistic="rank_normalize", **kwargs)
    assert carried.statistic == "rank_normalize"
    np.testing.assert_array_equal(carried.bootstrap, given.bootstrap)
    np.testing.assert_array_equal(carried.p_values, given.p_values)
    same = model_timecourse(data, topo, statistic={"name": "rank_normalize"},
                            **kwargs)
    np.testing.assert_array_equal(same.evaluations, given.evaluations)
    with pytest.raises(ValueError, match=r"ModelFixedTopo model\(s\) carry "
                                         r"'category': rank_normalize and the "
                                         r"'statistic' parameter is rgtm"):
        model_timecourse(data, topo, statistic="rgtm", **kwargs)


def test_data_dependent_statistic_checks_run_at_call_time(rdms):
    """rgdm's default k=5 is built freely; a k the data cannot have fails."""
    stat = TopoStatistic("rgdm", graph="k-nearest")          # k=5: fine
    res = model_timecourse(rdms[np.arange(0, N_TIMES, 10)], category_model(), statistic=stat,
                           n_bootstrap=3, n_permutations=20,
                           correction="none", random_state=0)
    assert np.isfinite(res.evaluations).all()
    too_many = TopoStatistic("rgdm", graph="k-nearest", k=12)
    with pytest.raises(ValueError, match="'k'.*12"):
        model_timecourse(rdms[np.arange(0, N_TIMES, 10)], category_model(), statistic=too_many,
                         n_bootstrap=3, n_permutations=20)


def test_dissimilarity_given_as_comparator_is_explained(rdms):
    """method='crossnobis' is a dissimilarity: the error says where it goes."""
    with pytest.raises(ValueError, match=r"'method' parameter: it is the "
                                         r"comparator.*'crossnobis' is a "
                                         r"dissimilarity measure; did you "
                                         r"mean dissimilarity='crossnobis'\?"):
        model_timecourse(rdms, category_model(), method="crossnobis")


def test_single_subject_fdr_equals_mne_fdr_correction(rdms):
    """scipy's Benjamini-Hochberg gives what MNE's fdr_correction gives."""
    mne = pytest.importorskip("mne")
    kwargs = dict(n_bootstrap=0, n_permutations=60, random_state=5)
    raw = model_timecourse(rdms, category_model(), correction="none",
                           **kwargs)
    fdr = model_timecourse(rdms, category_model(), correction="fdr",
                           **kwargs)
    reject, adjusted = mne.stats.fdr_correction(raw.p_values[0], 0.05)
    np.testing.assert_allclose(fdr.p_values[0], adjusted, rtol=1e-12)
    np.testing.assert_array_equal(fdr.significant[0], reject)
    assert 0 < reject.sum() < N_TIMES


# ------------------------------------------------------------ result
@pytest.mark.parametrize("suffix", [".npz", ".json"])
def test_result_round_trip_is_exact(small, tmp_path, suffix):
    """save/load returns equal arrays, dtypes, tuples and numbers."""
    path = tmp_path / f"timecourse{suffix}"
    small.save(path)
    back = TimecourseResult.load(path)
    assert isinstance(back, TimecourseResult)
    assert back.model_names == ("category",)
    assert isinstance(back.model_names, tuple)
    for field in ("times", "evaluations", "ci", "bootstrap", "p_values",
                  "significant", "per_subject", "subjects"):
        a, b = getattr(small, field), getattr(back, field)
        assert a.dtype == b.dtype and a.shape == b.shape, field
        np.testing.assert_array_equal(a, b)
    for field in ("method", "statistic", "correction", "alpha", "ci_level",
                  "cluster_threshold", "n_permutations"):
        assert getattr(back, field) == getattr(small, field)
        assert type(getattr(back, field)) is type(getattr(small, field))
    assert back.summary() == small.summary()


def test_result_round_trip_keeps_subject_labels(tmp_path):
    """Several subjects (str labels) and several models come back as saved."""
    group = []
    for s in range(3):
        r = time_resolved_rdms(simulate(30 + s))[np.arange(0, N_TIMES, 8)]
        r.rdm_descriptors["subject"] = np.full(r.n_rdm, f"sub-{s}")
        group.append(r)
    models = [category_model(), ModelFixed("noise", RDMs(
        np.random.default_rng(0).random((1, N_COND * (N_COND - 1) // 2))))]
    res = model_timecourse(concat(group), models, subject_descriptor="subject",
                           correction="fdr", n_bootstrap=10, random_state=2)
    res.save(tmp_path / "group.npz")
    back = TimecourseResult.load(tmp_path / "group.npz")
    assert back.model_names == ("category", "noise")
    np.testing.assert_array_equal(back.subjects, ["sub-0", "sub-1", "sub-2"])
    np.testing.assert_array_equal(back.per_subject, res.per_subject)


def test_result_is_immutable(small):
    """Fields cannot be reassigned and arrays cannot be written."""
    import dataclasses

    with pytest.raises(dataclasses.FrozenInstanceError):
        small.alpha = 0.1
    for field in ("evaluations", "ci", "bootstrap", "p_values",
                  "significant", "times"):
        with pytest.raises(ValueError, match="read-only"):
            getattr(small, field)[..., 0] = 0


def test_summary_is_one_line_with_the_key_numbers(small):
    """summary(): one line with sizes, method, statistic and what was found."""
    line = small.summary()
    assert "\n" not in line
    n_sig = int(small.significant.sum())
    assert n_sig > 0
    onset = small.onsets["category"]
    for part in ("1 model(s)", f"{len(small.times)} time points",
                 "1 subject(s)", "method='corr'",
                 "statistic='rank_normalize'", "20 bootstrap samples",
                 "cluster correction, alpha=0.05",
                 f"category {n_sig}/{len(small.times)} from {onset:g} s"):
        assert part in line, part
    assert repr(small) == f"<TimecourseResult: {line}>"


# ------------------------------------------------------------ bad input
def test_parameter_errors_name_parameter_and_allowed_values(rdms):
    """Invalid options follow the 'Invalid value for the ...' shape."""
    with pytest.raises(ValueError, match="'correction' parameter. Allowed"):
        model_timecourse(rdms, category_model(), correction="bonferroni")
    with pytest.raises(ValueError, match="'method' parameter. Allowed values "
                                         "are 'corr', 'cosine'"):
        model_timecourse(rdms, category_model(), method="pearson")
    with pytest.raises(TypeError, match="'random_state' parameter"):
        model_timecourse(rdms, category_model(), random_state="seed")
    with pytest.raises(ValueError, match="'statistic' parameter. Allowed "
                                         "values are 'rank_normalize', 'rgtm'"
                                         ".*got 'rgtn'"):
        model_timecourse(rdms, category_model(), statistic="rgtn")
    with pytest.raises(TypeError, match="'statistic' parameter must be None, "
                                        "a TopoStatistic"):
        model_timecourse(rdms, category_model(), statistic=3)
    with pytest.raises(ValueError, match="'ci_level' parameter must be a "
                                         "float in \\(0, 1\\)"):
        model_timecourse(rdms, category_model(), ci_level=1.0)
    with pytest.raises(ValueError, match="one RDM per time point.*"
                                         "subject_descriptor"):
        model_timecourse(concat([rdms, rdms]), category_model())
    wrong = RDMs(np.ones((1, 3)), pattern_descriptors={"conditions":
                                                       ["a", "b", "c"]})
    with pytest.raises(ValueError, match="have 3 conditions but the data "
                                         "RDMs have 12"):
        model_timecourse(rdms, wrong)
    with pytest.raises(TypeError, match="'rdms' parameter must be an "
                                        "rsatoolbox RDMs"):
        model_timecourse(rdms.dissimilarities, category_model())
