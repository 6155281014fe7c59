"""Tests of rsatoolbox_topo.models: statistics as parameters, topological
models and their fitters, use with rsatoolbox's own inference, saving and
loading."""

import pickle
from copy import deepcopy

import numpy as np
import pytest
import rsatoolbox
from rsatoolbox.model import ModelFixed
from rsatoolbox.rdm import RDMs

from rsatoolbox_topo import inference as inf
from rsatoolbox_topo import rank_normalize, rgtm
from rsatoolbox_topo.models import (ModelFixedTopo, ModelSelectTopo,
                                    ModelThresholds, ModelWeightedTopo,
                                    TopoStatistic, as_statistic,
                                    model_from_dict)


def test_topo_statistic_applies_and_roundtrips():
    """A TopoStatistic equals its function, compares equal, serialises."""
    rdm = RDMs(np.array([[0., 1., 2., 3., 4., 5.]]))
    stat = TopoStatistic("rgtm", lower=0.2, upper=0.8)
    np.testing.assert_allclose(stat(rdm).dissimilarities,
                               [[0, 0, 1 / 3, 2 / 3, 1, 1]])
    assert TopoStatistic.from_dict(stat.to_dict()) == stat
    assert as_statistic("rgtm") == TopoStatistic("rgtm")
    assert as_statistic(rank_normalize) == TopoStatistic("rank_normalize")
    assert as_statistic(None) is None


def test_topo_statistic_bad_input():
    """Unknown statistics, parameters and out-of-range thresholds raise."""
    with pytest.raises(ValueError, match="'name' parameter.*'rgtm'"):
        TopoStatistic("rtgm")
    with pytest.raises(ValueError, match=r"Invalid parameter\(s\) \['low'\]"):
        TopoStatistic("rgtm", low=0.2)
    with pytest.raises(ValueError, match="'lower' parameter must be a float "
                       r"in \[0.0, 1.0\]. Got 1.2"):
        TopoStatistic("rgtm", lower=1.2, upper=1.0)
    with pytest.raises(ValueError, match="must not exceed"):
        TopoStatistic("rgtm", lower=0.8, upper=0.2)
    with pytest.raises(TypeError, match="'statistic' parameter"):
        as_statistic(3)


def test_fixed_topo_model_predicts_transformed_copy(rdms_92):
    """The prediction is the statistic of the RDM; the input is untouched."""
    model_rdms = deepcopy(rdms_92["models"])
    eva = model_rdms.subset("name", "EVA")
    before = deepcopy(eva.pattern_descriptors)
    model = ModelFixedTopo("EVA", eva, TopoStatistic("rgtm", lower=0.1,
                                                     upper=0.6))
    np.testing.assert_allclose(model.predict_rdm().dissimilarities,
                               rgtm(eva, 0.1, 0.6).dissimilarities)
    np.testing.assert_allclose(model.predict(), rgtm(eva, 0.1, 0.6)
                               .dissimilarities[0])
    assert eva.pattern_descriptors.keys() == before.keys()
    with pytest.raises(ValueError, match="exactly one RDM. Got 8"):
        ModelFixedTopo("all", model_rdms)
    with pytest.raises(ValueError, match="'statistic' parameter"):
        ModelFixedTopo("none", eva, None)


def test_with_rsatoolbox_inference_transform_data_first(rdms_92):
    """rsatoolbox's eval_fixed on rgtm(data) equals ours on the raw data."""
    hit, model_rdms = deepcopy(rdms_92["hit"]), deepcopy(rdms_92["models"])
    model = ModelFixedTopo("EVA", model_rdms.subset("name", "EVA"), "rgtm")
    theirs = rsatoolbox.inference.eval_fixed(model, rgtm(hit), method="corr")
    ours = inf.eval_fixed(model, hit, method="corr")
    np.testing.assert_allclose(theirs.evaluations, ours.evaluations)
    np.testing.assert_allclose(theirs.noise_ceiling, ours.noise_ceiling)
    plain = inf.eval_fixed(ModelFixed("EVA", model_rdms.subset("name", "EVA")),
                           hit, method="corr", statistic="rgtm")
    np.testing.assert_allclose(plain.evaluations, ours.evaluations)


def test_select_topo_finds_planted_candidate(rdms_92, rng):
    """fit_select_topo picks the candidate the data were made from."""
    model_rdms = deepcopy(rdms_92["models"])
    base = model_rdms.subset("name", "HMAX").dissimilarities
    data = RDMs(np.exp(3 * base) + 0.02 * rng.normal(size=(4, base.shape[1])))
    model = ModelSelectTopo("select", model_rdms, "rank_normalize")
    assert model.rdm_obj.rdm_descriptors["name"][model.fit(data)] == "HMAX"
    with pytest.raises(ValueError, match=r"index in \[0, 7\]. Got 9"):
        model.predict_raw_rdm(9)


def test_weighted_topo_recovers_dominant_component(rdms_92, rng):
    """fit_weighted_topo puts most weight on the component in the data."""
    model_rdms = deepcopy(rdms_92["models"])
    parts = model_rdms.subset("name", ["EVA", "Silhouette"])
    eva = parts.dissimilarities[0]
    data = RDMs(eva ** 2 + 0.01 * rng.normal(size=(3, eva.size)))
    model = ModelWeightedTopo("mix", parts, "rank_normalize")
    theta = model.fit(data, method="corr")
    assert theta[0] > 0.8 and theta.sum() == pytest.approx(1.0)
    with pytest.raises(ValueError, match="must hold 2 weights"):
        model.predict_raw_rdm(np.ones(3))


def test_thresholds_model_recovers_planted_thresholds(rdms_92, rng):
    """Data made as rgtm(model, 0.3, 0.6) + noise: the fit finds (0.3, 0.6)."""
    model_rdms = deepcopy(rdms_92["models"])
    base = model_rdms.subset("name", "HMAX")
    true = rgtm(base, 0.3, 0.6).dissimilarities
    data = RDMs(true + 0.05 * rng.normal(size=(4, true.shape[1])))
    model = ModelThresholds("HMAX", base)
    theta = model.fit(data, method="corr")
    np.testing.assert_allclose(theta, [0.3, 0.6], atol=0.05)
    np.testing.assert_array_equal(model.theta_, theta)
    np.testing.assert_allclose(model.predict_rdm().dissimilarities,
                               rgtm(base, *theta).dissimilarities)


def test_thresholds_model_errors(rdms_92):
    """Unfitted use, bad theta, bad grid and fixed thresholds raise clearly."""
    model_rdms = deepcopy(rdms_92["models"])
    base = model_rdms.subset("name", "EVA")
    model = ModelThresholds("EVA", base)
    with pytest.raises(ValueError, match="'EVA' is not fitted"):
        model.predict_rdm()
    with pytest.raises(ValueError, match=r"must be \(lower, upper\)"):
        model.predict_rdm([0.1, 0.2, 0.3])
    with pytest.raises(ValueError, match="'lower' parameter must be a float"):
        model.predict_rdm([-0.1, 0.5])
    with pytest.raises(ValueError, match="'grid' parameter"):
        ModelThresholds("EVA", base, grid=0)
    with pytest.raises(ValueError, match="'lower' threshold of "
                       "ModelThresholds is its parameter"):
        ModelThresholds("EVA", base, lower=0.2)


@pytest.mark.parametrize("suffix", [".h5", ".pkl"])
def test_result_with_topo_models_roundtrips(rdms_92, tmp_path, suffix):
    """Results holding every model type survive hdf5 and pickle files."""
    hit, model_rdms = deepcopy(rdms_92["hit"]), deepcopy(rdms_92["models"])
    thresholds = ModelThresholds("thr", model_rdms.subset("name", "EVA"),
                                 refine=None)
    thresholds.fit(hit, method="corr")
    models = [ModelFixedTopo("fixed", model_rdms.subset("name", "EVA"),
                             TopoStatistic("rgtm", lower=0.1, upper=0.7)),
              ModelSelectTopo("select", model_rdms, "rank_normalize"),
              ModelWeightedTopo("weighted", model_rdms, "rgtm"),
              thresholds,
              ModelFixed("plain", model_rdms.subset("name", "EVA"))]
    res = inf.eval_fixed(models, hit, method="corr",
                         theta=[None, 2, np.ones(8), None, None])
    path = str(tmp_path / f"result{suffix}")
    res.save(path, file_type="pkl" if suffix == ".pkl" else "hdf5")
    loaded = inf.load_results(path, allow_pickle=suffix == ".pkl")
    np.testing.assert_allclose(loaded.evaluations, res.evaluations)
    np.testing.assert_allclose(loaded.noise_ceiling, res.noise_ceiling)
    for old, new in zip(models, loaded.models):
        assert type(new) is type(old) and new.name == old.name
        np.testing.assert_allclose(new.predict_rdm(
            2 if old.name == "select" else None).dissimilarities,
            old.predict_rdm(2 if old.name == "select" else None)
            .dissimilarities)
    assert loaded.models[0].statistic == models[0].statistic
    np.testing.assert_allclose(loaded.models[3].theta_, thresholds.theta_)
    # rsatoolbox's own loader cannot rebuild these models.
    with pytest.raises(Exception):
        rsatoolbox.inference.load_results(path)
    again = pickle.loads(pickle.dumps(res))
    np.testing.assert_allclose(again.evaluations, res.evaluations)


def test_model_from_dict_unknown_type(rdms_92):
    """An unknown model type raises a ValueError naming it."""
    model_rdms = deepcopy(rdms_92["models"])
    spec = ModelFixedTopo("x", model_rdms.subset("name", "EVA")).to_dict()
    spec["type"] = "ModelMystery"
    with pytest.raises(ValueError, match="type 'ModelMystery'"):
        model_from_dict(spec)


def test_custom_statistic_model_cannot_be_saved(rdms_92):
    """A model with a plain callable works but says why it cannot be saved."""
    eva = deepcopy(rdms_92["models"]).subset("name", "EVA")
    model = ModelFixedTopo("cube", eva, lambda rdms: RDMs(
        rdms.dissimilarities ** 3, pattern_descriptors=rdms.pattern_descriptors))
    np.testing.assert_allclose(model.predict(), eva.dissimilarities[0] ** 3)
    with pytest.raises(TypeError, match="custom statistic callable"):
        model.to_dict()
