"""Tests of rsatoolbox_topo.inference: rsatoolbox's numbers without a
statistic, the statistic applied per bootstrap sample and fold, Results that
rsatoolbox accepts, and errors."""

import warnings
from copy import deepcopy

import matplotlib
import numpy as np
import pytest
import rsatoolbox
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rsatoolbox.inference import (boot_noise_ceiling, bootstrap_sample,
                                  bootstrap_sample_pattern,
                                  bootstrap_sample_rdm, sets_k_fold)
from rsatoolbox.model import ModelFixed, ModelSelect
from rsatoolbox.rdm import RDMs, compare

from rsatoolbox_topo import inference as inf
from rsatoolbox_topo import rgtm
from rsatoolbox_topo.exceptions import (CollapsedStatisticWarning,
                                        DegenerateRDMWarning,
                                        DisconnectedGraphWarning,
                                        InferenceWarning)
from rsatoolbox_topo.models import (ModelFixedTopo, ModelThresholds,
                                    TopoStatistic)

matplotlib.use("Agg")

NAMES = ["animacy", "monkeyIT", "EVA", "V1"]


@pytest.fixture
def hit(rdms_92):
    """hIT fMRI subject-session RDMs (a copy of the shared real data)."""
    return deepcopy(rdms_92["hit"])


@pytest.fixture
def model_rdms(rdms_92):
    """The 8 model RDMs (a copy: rsatoolbox's ModelFixed edits its RDMs)."""
    return deepcopy(rdms_92["models"])


@pytest.fixture
def fixed(model_rdms):
    """rsatoolbox fixed models for four of the model RDMs."""
    return [ModelFixed(n, model_rdms.subset("name", n)) for n in NAMES]


def _pattern_samples(data, seed, n):
    np.random.seed(seed)
    return np.array([bootstrap_sample_pattern(data, "index")[1]
                     for _ in range(n)])


# ------------------------------------------------- rsatoolbox's own numbers
@pytest.mark.parametrize("method", ["corr", "cosine", "spearman"])
@pytest.mark.parametrize("fast", [True, False])
def test_bootstrap_pattern_equals_rsatoolbox(hit, fixed, method, fast):
    """Same samples, no statistic: rsatoolbox's evaluations, ceilings, SEMs."""
    np.random.seed(11)
    ref = rsatoolbox.inference.eval_bootstrap_pattern(fixed, hit, method=method,
                                                      N=8)
    samples = _pattern_samples(hit, 11, 8)
    ours = inf.eval_bootstrap_pattern(fixed, hit, method=method,
                                      samples=samples, fast=fast)
    np.testing.assert_allclose(ours.evaluations, ref.evaluations, atol=1e-12)
    np.testing.assert_allclose(ours.noise_ceiling, ref.noise_ceiling,
                               atol=1e-12)
    np.testing.assert_allclose(ours.get_sem(), ref.get_sem(), atol=1e-12)
    assert ours.cv_method == ref.cv_method and ours.dof == ref.dof


def test_fixed_noise_ceiling_equals_rsatoolbox(hit, fixed):
    """boot_noise_ceil=False: one ceiling on all data, as in rsatoolbox."""
    np.random.seed(6)
    ref = rsatoolbox.inference.eval_bootstrap_pattern(
        fixed, hit, method="cosine", N=5, boot_noise_ceil=False)
    samples = _pattern_samples(hit, 6, 5)
    for fast in (True, False):
        ours = inf.eval_bootstrap_pattern(fixed, hit, method="cosine",
                                          samples=samples, fast=fast,
                                          boot_noise_ceil=False)
        np.testing.assert_allclose(ours.noise_ceiling, ref.noise_ceiling)
        np.testing.assert_allclose(ours.variances, ref.variances,
                                   atol=1e-15)


def test_bootstrap_pattern_descriptor_groups_equal_rsatoolbox(hit, fixed):
    """Resampling whole categories and leaving out subjects matches too."""
    np.random.seed(5)
    ref = rsatoolbox.inference.eval_bootstrap_pattern(
        fixed, hit, method="corr", N=6, pattern_descriptor="category",
        rdm_descriptor="subject")
    np.random.seed(5)
    samples = np.array([bootstrap_sample_pattern(hit, "category")[1]
                        for _ in range(6)])
    for fast in (True, False):
        ours = inf.eval_bootstrap_pattern(
            fixed, hit, method="corr", samples=samples, fast=fast,
            pattern_descriptor="category", rdm_descriptor="subject")
        np.testing.assert_allclose(ours.evaluations, ref.evaluations,
                                   atol=1e-12, equal_nan=True)
        np.testing.assert_allclose(ours.noise_ceiling, ref.noise_ceiling,
                                   atol=1e-12, equal_nan=True)
    # With a statistic, both paths still agree on grouped resampling.
    kwargs = dict(method="corr", samples=samples, statistic="rgtm",
                  pattern_descriptor="category", rdm_descriptor="subject")
    fast = inf.eval_bootstrap_pattern(fixed[1:], hit, **kwargs)
    slow = inf.eval_bootstrap_pattern(fixed[1:], hit, fast=False, **kwargs)
    np.testing.assert_allclose(fast.evaluations, slow.evaluations,
                               atol=1e-10, equal_nan=True)
    np.testing.assert_allclose(fast.noise_ceiling, slow.noise_ceiling,
                               atol=1e-10, equal_nan=True)


def test_bootstrap_rdm_equals_rsatoolbox(hit, fixed):
    """Same RDM samples, no statistic: rsatoolbox's numbers."""
    np.random.seed(2)
    ref = rsatoolbox.inference.eval_bootstrap_rdm(fixed, hit, method="corr",
                                                  N=10,
                                                  rdm_descriptor="subject")
    np.random.seed(2)
    samples = np.array([bootstrap_sample_rdm(hit, "subject")[1]
                        for _ in range(10)])
    ours = inf.eval_bootstrap_rdm(fixed, hit, method="corr", samples=samples,
                                  rdm_descriptor="subject")
    np.testing.assert_allclose(ours.evaluations, ref.evaluations, atol=1e-12)
    np.testing.assert_allclose(ours.noise_ceiling, ref.noise_ceiling,
                               atol=1e-12)
    np.testing.assert_allclose(ours.get_means(), ref.get_means(), atol=1e-12)
    # Our variances also hold the noise ceiling's; the models' are the same.
    np.testing.assert_allclose(ours.get_sem(), ref.get_sem(), atol=1e-12)
    # rsatoolbox treats the ceiling as fixed (variance of model - ceiling =
    # model variance); ours uses the ceiling's bootstrap variance too.
    np.testing.assert_allclose(ref.noise_ceil_var[:, 0], ref.get_sem() ** 2)
    assert not np.allclose(ours.noise_ceil_var, ref.noise_ceil_var)


def test_eval_fixed_equals_rsatoolbox(hit, fixed):
    """eval_fixed without a statistic is rsatoolbox's eval_fixed."""
    ref = rsatoolbox.inference.eval_fixed(fixed, hit, method="spearman")
    ours = inf.eval_fixed(fixed, hit, method="spearman")
    np.testing.assert_allclose(ours.evaluations, ref.evaluations)
    np.testing.assert_allclose(ours.noise_ceiling, ref.noise_ceiling)
    np.testing.assert_allclose(ours.variances, ref.variances)


def test_crossval_equals_rsatoolbox(hit, model_rdms, fixed):
    """Given folds, a fitted selection model and fixed models: same numbers."""
    models = fixed + [ModelSelect("select", model_rdms)]
    train, test, ceil = sets_k_fold(hit, k_rdm=2, k_pattern=3, random=False)
    ref = rsatoolbox.inference.crossval(models, hit, train, test, ceil,
                                        method="corr")
    ours = inf.crossval(models, hit, train, test, ceil, method="corr")
    np.testing.assert_allclose(ours.evaluations, ref.evaluations)
    np.testing.assert_allclose(ours.noise_ceiling, ref.noise_ceiling)


def _replay_bootcv(data, seed, n, variants):
    """Replay rsatoolbox's global-RNG draws of a k=1 bootstrap_crossval."""
    np.random.seed(seed)
    rdm_s, pattern_s = [], []
    for _ in range(n):
        sample, rdm_idx, pattern_idx = bootstrap_sample(data)
        rdm_s.append(rdm_idx)
        pattern_s.append(pattern_idx)
        for variant in variants:
            part = {"both": sample,
                    "rdm": data.subsample("index", rdm_idx),
                    "pattern": data.subsample_pattern("index", pattern_idx)
                    }[variant]
            sets_k_fold(part, k_rdm=1, k_pattern=1, random=True)
    return np.array(rdm_s), np.array(pattern_s)


def test_bootstrap_crossval_equals_rsatoolbox(hit, fixed):
    """k=1, the same samples: rsatoolbox's bootstrap_crossval numbers."""
    np.random.seed(4)
    ref = rsatoolbox.inference.bootstrap_crossval(
        fixed, hit, method="corr", k_pattern=1, k_rdm=1, N=4, n_cv=1,
        use_correction=False)
    samples = _replay_bootcv(hit, 4, 4, ["both"])
    ours = inf.bootstrap_crossval(fixed, hit, method="corr", k_pattern=1,
                                  k_rdm=1, n_cv=1, use_correction=False,
                                  samples=samples, random_state=0)
    np.testing.assert_allclose(ours.evaluations, ref.evaluations, atol=1e-12)
    np.testing.assert_allclose(ours.noise_ceiling, ref.noise_ceiling,
                               atol=1e-12)
    np.testing.assert_allclose(ours.variances, ref.variances, atol=1e-12)


def test_dual_bootstrap_equals_rsatoolbox(hit, fixed):
    """k=1, the same samples: rsatoolbox's eval_dual_bootstrap numbers."""
    np.random.seed(8)
    ref = rsatoolbox.inference.eval_dual_bootstrap(fixed[:2], hit,
                                                   method="cosine", N=4)
    samples = _replay_bootcv(hit, 8, 4, ["both", "rdm", "pattern"])
    ours = inf.eval_dual_bootstrap(fixed[:2], hit, method="cosine",
                                   samples=samples, random_state=0)
    np.testing.assert_allclose(ours.evaluations, ref.evaluations, atol=1e-12)
    np.testing.assert_allclose(ours.noise_ceiling, ref.noise_ceiling,
                               atol=1e-12)
    np.testing.assert_allclose(ours.variances, ref.variances, atol=1e-12)


# ------------------------------------------------- the statistic per sample
@pytest.mark.parametrize("statistic", [
    "rank_normalize", TopoStatistic("rgtm", lower=0.2, upper=0.8),
    TopoStatistic("rgtm", lower=0.5, upper=0.5),
    TopoStatistic("rgtm", lower=0.0, upper=0.3)])
@pytest.mark.parametrize("method", ["corr", "cosine"])
def test_fast_path_equals_literal_resampling(hit, fixed, statistic, method):
    """Weighted ranks on original pairs equal the resampled statistic."""
    samples = inf.draw_samples(hit, 6, random_state=3)
    with warnings.catch_warnings():
        # The binary animacy model collapses at (0.5, 0.5); both paths say so.
        warnings.simplefilter("ignore", CollapsedStatisticWarning)
        fast = inf.eval_bootstrap_pattern(fixed, hit, method=method,
                                          samples=samples, statistic=statistic)
        slow = inf.eval_bootstrap_pattern(fixed, hit, method=method,
                                          samples=samples, statistic=statistic,
                                          fast=False)
    np.testing.assert_allclose(fast.evaluations, slow.evaluations, atol=1e-10)
    np.testing.assert_allclose(fast.noise_ceiling, slow.noise_ceiling,
                               atol=1e-10)


def test_statistic_applied_after_resampling(hit, fixed):
    """Each sample: statistic of the resampled data and prediction, NaN pairs."""
    samples = inf.draw_samples(hit, 3, random_state=9)
    res = inf.eval_bootstrap_pattern(fixed, hit, method="corr",
                                     samples=samples, statistic="rgtm",
                                     fast=False)
    for i, idx in enumerate(samples):
        sample = hit.subsample_pattern("index", idx)
        assert np.isnan(sample.dissimilarities).any()  # duplicated conditions
        data_t = rgtm(sample)
        for j, model in enumerate(fixed):
            pred_t = rgtm(model.predict_rdm().subsample_pattern("index", idx))
            expected = np.mean(compare(pred_t, data_t, "corr"))
            assert res.evaluations[i, j] == pytest.approx(expected, abs=1e-12)
        low, high = boot_noise_ceiling(data_t, method="corr")
        assert res.noise_ceiling[:, i] == pytest.approx([low, high],
                                                        abs=1e-12)
    # Transforming the whole RDM before resampling is a different statistic.
    before = inf.eval_bootstrap_pattern(
        [ModelFixed(m.name, rgtm(m.predict_rdm())) for m in fixed],
        rgtm(hit), method="corr", samples=samples)
    assert not np.allclose(before.evaluations, res.evaluations)


def test_user_callable_statistic(hit, fixed):
    """Any RDMs -> RDMs callable works through the literal path."""
    def cube(rdms):
        return RDMs(rdms.dissimilarities ** 3,
                    pattern_descriptors=rdms.pattern_descriptors)
    samples = inf.draw_samples(hit, 3, random_state=1)
    res = inf.eval_bootstrap_pattern(fixed, hit, method="spearman",
                                     samples=samples, statistic=cube)
    ref = inf.eval_bootstrap_pattern(fixed, hit, method="spearman",
                                     samples=samples)
    # Spearman is invariant to the increasing cube: same numbers.
    np.testing.assert_allclose(res.evaluations, ref.evaluations, atol=1e-12)


def test_reproducible_and_global_state_untouched(hit, fixed):
    """Seeds reproduce results, n_jobs does not matter, np.random unused."""
    np.random.seed(0)
    state = np.random.get_state()[1].copy()
    a = inf.eval_bootstrap_pattern(fixed, hit, method="corr", N=5,
                                   statistic="rgtm", random_state=7,
                                   fast=False)
    b = inf.eval_bootstrap_pattern(fixed, hit, method="corr", N=5,
                                   statistic="rgtm", random_state=7,
                                   fast=False, n_jobs=2)
    c = inf.bootstrap_crossval(fixed[:1], hit, method="corr", k_pattern=2,
                               k_rdm=2, N=2, statistic="rgtm", random_state=3)
    d = inf.bootstrap_crossval(fixed[:1], hit, method="corr", k_pattern=2,
                               k_rdm=2, N=2, statistic="rgtm", random_state=3,
                               n_jobs=2)
    np.testing.assert_array_equal(a.evaluations, b.evaluations)
    np.testing.assert_array_equal(c.evaluations, d.evaluations)
    np.testing.assert_array_equal(np.random.get_state()[1], state)


# ------------------------------------------------- every statistic spelling
_RGTM_DICT = {"name": "rgtm", "params": {"lower": 0.2, "upper": 0.8}}


def _run_driver(driver, statistic, fixed, hit):
    """One small run of an inference driver with the given statistic."""
    if driver == "crossval":
        train, test, ceil = sets_k_fold(hit, k_rdm=2, k_pattern=2,
                                        random=False)
        return inf.crossval(fixed, hit, train, test, ceil, method="corr",
                            statistic=statistic)
    kwargs = {"eval_fixed": {},
              "eval_bootstrap_pattern": {"N": 3, "random_state": 2},
              "eval_bootstrap_pattern_literal": {"N": 3, "random_state": 2,
                                                 "fast": False},
              "eval_bootstrap_rdm": {"N": 3, "random_state": 2},
              "bootstrap_crossval": {"N": 2, "k_pattern": 2, "k_rdm": 2,
                                     "random_state": 2},
              "eval_dual_bootstrap": {"N": 2, "random_state": 2}}[driver]
    func = getattr(inf, driver.replace("_literal", ""))
    return func(fixed, hit, method="corr", statistic=statistic, **kwargs)


@pytest.mark.parametrize("driver", [
    "eval_fixed", "eval_bootstrap_pattern", "eval_bootstrap_pattern_literal",
    "eval_bootstrap_rdm", "crossval", "bootstrap_crossval",
    "eval_dual_bootstrap"])
def test_every_statistic_spelling_gives_the_same_evaluation(hit, fixed,
                                                            driver):
    """Name, to_dict dict, object, partial and callable: one statistic.

    'rgtm' has the defaults lower=0.2, upper=0.8, so the five spellings
    are the same RGTM and every driver gives the same numbers for them
    (the plain callable takes the literal path: equal up to rounding).
    """
    from functools import partial

    models = fixed[1:3]  # not the binary animacy model: it collapses
    spellings = ["rgtm", _RGTM_DICT,
                 TopoStatistic("rgtm", lower=0.2, upper=0.8),
                 partial(rgtm, lower=0.2, upper=0.8)]
    results = [_run_driver(driver, s, models, hit) for s in spellings]
    for res in results[1:]:
        np.testing.assert_array_equal(res.evaluations, results[0].evaluations)
        np.testing.assert_array_equal(res.noise_ceiling,
                                      results[0].noise_ceiling)
    callable_res = _run_driver(
        driver, lambda rdms: rgtm(rdms, lower=0.2, upper=0.8), models, hit)
    np.testing.assert_allclose(callable_res.evaluations,
                               results[0].evaluations, atol=1e-12)
    # ... and it is not the untransformed comparison
    plain = _run_driver(driver, None, models, hit)
    assert not np.allclose(plain.evaluations, results[0].evaluations,
                           equal_nan=True)
    # the caller's dict is not changed
    assert _RGTM_DICT == {"name": "rgtm",
                          "params": {"lower": 0.2, "upper": 0.8}}


def test_bad_statistic_spelling_is_a_named_error(hit, fixed):
    """An unknown name or a malformed dict names the parameter."""
    with pytest.raises(ValueError, match="'statistic' parameter"):
        inf.eval_fixed(fixed, hit, statistic="rgtn")
    with pytest.raises(ValueError, match="name"):
        inf.eval_bootstrap_rdm(fixed, hit, N=2, statistic={"lower": 0.2})


def test_n_jobs_none_hands_work_to_the_backend(hit, fixed):
    """n_jobs=None (the naming table's 'active backend') is accepted and
    gives the n_jobs=1 numbers."""
    one = inf.eval_bootstrap_rdm(fixed, hit, method="corr", N=3,
                                 statistic="rgtm", random_state=1)
    none = inf.eval_bootstrap_rdm(fixed, hit, method="corr", N=3,
                                  statistic="rgtm", random_state=1,
                                  n_jobs=None)
    np.testing.assert_array_equal(one.evaluations, none.evaluations)


# ------------------------------------------------- Results rsatoolbox accepts
def test_result_works_with_rsatoolbox_tools(hit, fixed):
    """summary, tests and plot_model_comparison accept the Result."""
    import matplotlib.pyplot as plt
    res = inf.eval_bootstrap_pattern(fixed, hit, method="corr", N=30,
                                     statistic="rgtm", random_state=0)
    p_pair, p_zero, p_noise = res.test_all()
    assert p_pair.shape == (4, 4) and np.all(np.isfinite(p_zero))
    assert "animacy" in res.summary()
    rsatoolbox.vis.plot_model_comparison(res)
    plt.close("all")


def test_real_data_rank_rgtm_rgdm(hit, model_rdms):
    """hIT: monkeyIT and EVA beat Silhouette under rank RDM, RGTM, RGDM."""
    for stat in ("rank_normalize", "rgtm", TopoStatistic("rgdm")):
        models = [ModelFixedTopo(n, model_rdms.subset("name", n), stat)
                  for n in ("monkeyIT", "EVA", "Silhouette")]
        with warnings.catch_warnings():
            # Resampled RDMs may split the RGDM's graph; 'max' handles it.
            warnings.simplefilter("ignore", DisconnectedGraphWarning)
            res = inf.eval_bootstrap_pattern(models, hit, method="corr",
                                             N=20, random_state=1)
        means = res.get_means()
        assert means[0] > means[2] and means[1] > means[2]
        low, _ = res.get_ci(0.95)
        assert low[0] > 0
        # the noise ceiling is computed on the transformed data
        assert res.noise_ceiling.shape == (2, 20)


def test_thresholds_fitted_per_fold(hit, model_rdms):
    """crossval fits (lower, upper) on each training fold, applies to both."""
    model = ModelThresholds("monkeyIT", model_rdms.subset("name", "monkeyIT"),
                            refine=None)
    train, test, ceil = sets_k_fold(hit, k_rdm=2, k_pattern=2, random=False)
    res = inf.crossval(model, hit, train, test, ceil, method="corr")
    for i, (tr, te) in enumerate(zip(train, test)):
        theta = model.fit(tr[0], method="corr", pattern_idx=tr[1],
                          pattern_descriptor="index")
        pred = model.predict_raw_rdm().subsample_pattern("index", te[1])
        expected = np.mean(compare(rgtm(pred, *theta), rgtm(te[0], *theta),
                                   "corr"))
        assert res.evaluations[0, 0, i] == pytest.approx(expected)


# ------------------------------------------------- errors
def test_errors_name_the_problem(hit, model_rdms, fixed):
    """Different conditions, NaN statistics, unfitted models, bad samples."""
    small = ModelFixed("small", model_rdms.subset("name", "EVA")
                       .subsample_pattern("index", list(range(60))))
    with pytest.raises(ValueError, match="predicts 60 conditions"):
        inf.eval_bootstrap_pattern(small, hit, N=2, random_state=0)
    shuffled = deepcopy(model_rdms.subset("name", "EVA"))
    shuffled.pattern_descriptors["image"] = list(range(92, 0, -1))
    with pytest.raises(ValueError, match="pattern descriptor 'image' differs"):
        inf.eval_fixed(ModelFixed("shuffled", shuffled), hit)

    def all_nan(rdms):
        return RDMs(np.full_like(rdms.dissimilarities, np.nan))
    with pytest.raises(ValueError, match="returned only NaN"):
        inf.eval_bootstrap_pattern(fixed, hit, N=2, statistic=all_nan,
                                   random_state=0)
    unfitted = ModelThresholds("thr", model_rdms.subset("name", "EVA"))
    with pytest.raises(ValueError, match="is not fitted"):
        inf.eval_fixed(unfitted, hit)
    with pytest.raises(ValueError, match="applies its own statistic"):
        inf.eval_fixed(ModelFixedTopo("t", model_rdms.subset("name", "EVA")),
                       hit, statistic="rgtm")
    with pytest.raises(ValueError, match=r"shape \(n_samples, 92\)"):
        inf.eval_bootstrap_pattern(fixed, hit, samples=np.zeros((3, 5)))
    with pytest.raises(ValueError, match="'pattern_descriptor' parameter"):
        inf.eval_bootstrap_pattern(fixed, hit, N=2, pattern_descriptor="nope")
    with pytest.raises(TypeError, match="'random_state' parameter"):
        inf.eval_bootstrap_rdm(fixed, hit, N=2, random_state="seed")
    with pytest.raises(ValueError, match="'method' parameter.*'pearson'"):
        inf.eval_fixed(fixed, hit, method="pearson")
    with pytest.raises(ValueError, match="'boot_type' parameter"):
        inf.bootstrap_crossval(fixed, hit, N=2, boot_type="condition")
    with pytest.warns(InferenceWarning, match="n_cv > 1"):
        inf.bootstrap_crossval(fixed[:1], hit, method="corr", k_pattern=2,
                               k_rdm=2, N=2, n_cv=1, random_state=0)


def test_import_leaves_rsatoolbox_unchanged():
    """Importing the package patches nothing in rsatoolbox."""
    import rsatoolbox.inference.evaluate as ev
    import rsatoolbox.model.model as mm
    import rsatoolbox_topo  # noqa: F401
    import rsatoolbox_topo.inference  # noqa: F401
    assert rsatoolbox.inference.eval_fixed is ev.eval_fixed
    assert ev.eval_fixed.__module__ == "rsatoolbox.inference.evaluate"
    assert rsatoolbox.model.model_from_dict is mm.model_from_dict
    assert mm.model_from_dict.__module__ == "rsatoolbox.model.model"


def test_selection_model_fitted_on_transformed_data(hit, model_rdms):
    """With a statistic, ModelSelect is fitted as ModelSelectTopo per fold."""
    from rsatoolbox_topo.models import ModelSelectTopo
    # Category models are constant on a fold of animate images only.
    rdms = model_rdms.subset("name", ["monkeyIT", "EVA", "HMAX", "V1"])
    train, test, ceil = sets_k_fold(hit, k_rdm=2, k_pattern=2, random=False)
    plain = inf.crossval(ModelSelect("select", rdms), hit, train, test,
                         ceil, method="corr", statistic="rgtm")
    topo = inf.crossval(ModelSelectTopo("select", rdms, "rgtm"), hit,
                        train, test, ceil, method="corr")
    np.testing.assert_allclose(plain.evaluations, topo.evaluations)
    np.testing.assert_allclose(plain.noise_ceiling, topo.noise_ceiling)
    assert plain.models[0].__class__ is ModelSelect  # the user's model


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2 ** 32 - 1), n_cond=st.integers(5, 9),
       lower=st.floats(0, 1), width=st.floats(0, 1),
       method=st.sampled_from(["corr", "cosine"]))
def test_fast_path_property_with_ties(seed, n_cond, lower, width, method):
    """Fast = literal path on small RDMs full of ties, any thresholds."""
    gen = np.random.default_rng(seed)
    n_pairs = n_cond * (n_cond - 1) // 2
    data = RDMs(np.round(gen.normal(1, 1, (3, n_pairs)), 1),
                rdm_descriptors={"subject": ["a", "a", "b"]})
    models = [ModelFixed(f"m{i}", RDMs(gen.integers(0, 3, (1, n_pairs))
                                       .astype(float)))
              for i in range(2)]
    stat = TopoStatistic("rgtm", lower=lower,
                         upper=min(1.0, lower + width))
    samples = inf.draw_samples(data, 4, random_state=gen)
    kwargs = dict(method=method, samples=samples, statistic=stat,
                  rdm_descriptor="subject")
    with warnings.catch_warnings():
        # Constant resampled RDMs are expected here (and reported).
        warnings.simplefilter("ignore", DegenerateRDMWarning)
        warnings.simplefilter("ignore", CollapsedStatisticWarning)
        warnings.simplefilter("ignore", InferenceWarning)
        fast = inf.eval_bootstrap_pattern(models, data, **kwargs)
        slow = inf.eval_bootstrap_pattern(models, data, fast=False, **kwargs)
    np.testing.assert_allclose(fast.evaluations, slow.evaluations,
                               atol=1e-9, equal_nan=True)
    np.testing.assert_allclose(fast.noise_ceiling, slow.noise_ceiling,
                               atol=1e-9, equal_nan=True)


def test_constant_rdm_compared_correctly(hit, fixed):
    """A constant data RDM gets 0; the others keep their own similarity.

    rsatoolbox 0.3.2's compare misplaces the similarities of the other RDMs
    as soon as one vector has zero norm; the package compares pair by pair.
    """
    vectors = hit.dissimilarities.copy()
    vectors[1] = 0.0
    data = RDMs(vectors)
    with pytest.warns(InferenceWarning, match="noise ceiling is undefined"):
        res = inf.eval_fixed(fixed[:1], data, method="corr")
    assert np.all(np.isnan(res.noise_ceiling))
    expected = [compare(fixed[0].predict_rdm(), RDMs(v[None]), "corr")[0, 0]
                for v in vectors]
    np.testing.assert_allclose(res.evaluations[0, 0], expected)
    assert expected[1] == 0.0
    buggy = compare(fixed[0].predict_rdm(), data, "corr")[0]
    assert not np.allclose(buggy, expected)


def test_fast_path_warns_when_statistic_collapses(hit, fixed):
    """RGTM (1, 1) is 0 everywhere: both paths warn, both compare as 0."""
    stat = TopoStatistic("rgtm", lower=1.0, upper=1.0)
    samples = inf.draw_samples(hit, 2, random_state=0)
    for fast in (True, False):
        # the fast path counts per RDM: "<RDM> in <count>" of the samples
        match = (r"in some of the 2 bootstrap samples: data RDM 0 in 2, "
                 if fast else "")
        with pytest.warns(CollapsedStatisticWarning, match=match), \
                pytest.warns(InferenceWarning, match="noise ceiling"):
            res = inf.eval_bootstrap_pattern(fixed, hit, method="corr",
                                             samples=samples, statistic=stat,
                                             fast=fast)
        np.testing.assert_array_equal(res.evaluations, 0.0)
        assert np.all(np.isnan(res.noise_ceiling))


def test_package_layout_is_installed():
    """setup.cfg's package discovery includes the inference subpackage and
    its private modules come with it."""
    import configparser
    from pathlib import Path

    from setuptools import find_packages

    root = Path(inf.__file__).parents[2]
    config = configparser.ConfigParser()
    config.read(root / "setup.cfg")
    include = config["options.packages.find"]["include"].replace(",", " ")
    packages = find_packages(str(root), include=include.split())
    assert "rsatoolbox_topo.inference" in packages
    folder = Path(inf.__file__).parent
    assert {"__init__.py", "_compat.py", "_weighted.py"} <= {
        p.name for p in folder.glob("*.py")}


def test_compat_forks_name_their_upstream_change():
    """Every fork in _compat says which rsatoolbox change retires it."""
    import ast
    import inspect

    from rsatoolbox_topo.inference import _compat

    source = inspect.getsource(_compat)
    funcs = [node for node in ast.parse(source).body
             if isinstance(node, ast.FunctionDef)]
    lines = source.splitlines()
    # helpers that only serve a fork (same UPSTREAM comment as their user)
    helpers = {"constant_rows", "pooled_similarity", "split"}
    missing = [f.name for f in funcs if f.name not in helpers and not any(
        "UPSTREAM:" in line for line in lines[f.lineno:f.end_lineno])]
    assert missing == []
    assert len(funcs) - len(helpers) >= 10


def test_warnings_point_at_the_caller(hit, fixed):
    """Inference warnings name the caller's file (stacklevels survive the
    shared helpers of the package)."""
    with pytest.warns(InferenceWarning, match="n_cv > 1") as record:
        inf.bootstrap_crossval(fixed[:1], hit, method="corr", k_pattern=2,
                               k_rdm=2, N=2, n_cv=1, random_state=0)
    vectors = hit.dissimilarities.copy()
    vectors[1] = 0.0
    with pytest.warns(InferenceWarning, match="undefined") as fixed_rec:
        inf.eval_fixed(fixed[:1], RDMs(vectors), method="corr")
    with pytest.warns(InferenceWarning, match="undefined") as boot_rec:
        inf.eval_bootstrap_rdm(fixed[:1], RDMs(vectors), method="corr", N=3,
                               random_state=0)
    for rec in (record, fixed_rec, boot_rec):
        assert [w.filename for w in rec
                if issubclass(w.category, InferenceWarning)][0] == __file__
