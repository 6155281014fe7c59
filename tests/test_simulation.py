"""Tests of the network simulation: shipped RDMs, training, noise, runner."""

import json
import subprocess
import sys
import warnings

import hypothesis.strategies as st
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis.extra.numpy import arrays
from numpy.testing import assert_allclose, assert_array_equal
from rsatoolbox.rdm import RDMs

from rsatoolbox_topo import rank_normalize
from rsatoolbox_topo.exceptions import TopoWarning
from rsatoolbox_topo.simulation import (LAYERS, add_rdm_noise,
                                        load_simulation_rdms, run_simulation)


@pytest.fixture(scope="module")
def shipped():
    """The layer RDMs shipped with the package."""
    return load_simulation_rdms()


# ------------------------------------------------------------ shipped RDMs
def test_shipped_rdms_descriptors(shipped):
    """10 seeds x 10 layers over 100 digits (10 each), seed-major."""
    assert (shipped.n_rdm, shipped.n_cond) == (100, 100)
    assert shipped.rdm_descriptors["layer"] == list(LAYERS) * 10
    assert shipped.rdm_descriptors["seed"] == list(np.repeat(range(10), 10))
    assert shipped.rdm_descriptors["depth"] == list(range(1, 11)) * 10
    digits = np.asarray(shipped.pattern_descriptors["digit"])
    assert_array_equal(np.bincount(digits), [10] * 10)
    assert np.all(np.diff(digits) >= 0)
    assert len(set(shipped.pattern_descriptors["image"])) == 100
    assert shipped.dissimilarity_measure == "correlation"
    assert json.loads(shipped.descriptors["training"])["epochs"] == 30


def test_shipped_rdms_values(shipped):
    """Correlation distances in [0, 2] (to rounding), finite; good nets."""
    values = shipped.dissimilarities
    assert np.all(np.isfinite(values))
    assert values.min() >= -1e-12 and values.max() <= 2 + 1e-12
    accuracy = np.asarray(shipped.rdm_descriptors["test_accuracy"])
    assert accuracy.min() >= 0.9
    # different seeds give different RDMs for the same layer
    first = values[np.asarray(shipped.rdm_descriptors["layer"]) == "conv5"]
    assert np.all(np.std(first, axis=0) > 0)


def test_writer_reproduces_the_shipped_file(shipped, tmp_path):
    """What regeneration writes for these RDMs is the shipped file's content."""
    from importlib import resources

    from rsatoolbox_topo.simulation import _arrays_from_rdms

    path = tmp_path / "rdms.npz"
    np.savez_compressed(path, **_arrays_from_rdms(shipped))
    with resources.files("rsatoolbox_topo").joinpath(
            "data", "simulation_layer_rdms.npz").open("rb") as handle:
        with np.load(handle) as original, np.load(path) as written:
            assert sorted(original.files) == sorted(written.files)
            for key in original.files:
                assert_array_equal(written[key], original[key])
                assert written[key].dtype == original[key].dtype


def test_loader_does_not_import_torch():
    """Loading the shipped RDMs works without torch."""
    code = ("import sys; from rsatoolbox_topo.simulation import "
            "load_simulation_rdms; r = load_simulation_rdms(); "
            "assert r.n_rdm == 100; "
            "assert 'torch' not in sys.modules")
    result = subprocess.run([sys.executable, "-c", code],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


# -------------------------------------------------------------------- noise
def test_noise_sd_scales_with_level(rng):
    """reference='rdm': noise SD is level x 10% of each RDM's own SD."""
    values = np.stack([100 + rng.normal(size=20000),
                       100 + 5 * rng.normal(size=20000)])
    rdms = RDMs(values)
    for level in (1, 2, 4):
        noisy = add_rdm_noise(rdms, level, reference="rdm",
                              random_state=1).dissimilarities
        noise_sd = np.std(noisy - values, axis=1)
        assert_allclose(noise_sd, level * 0.1 * np.std(values, axis=1),
                        rtol=0.03)


def test_noise_reference_all_pools_entries(rng):
    """By default (reference='all') every RDM gets the pooled SD."""
    values = np.stack([100 + rng.normal(size=20000),
                       100 + 5 * rng.normal(size=20000)])
    noisy = add_rdm_noise(RDMs(values), 3, random_state=2).dissimilarities
    assert_allclose(np.std(noisy - values, axis=1),
                    [0.3 * np.std(values)] * 2, rtol=0.03)
    assert_array_equal(noisy, add_rdm_noise(RDMs(values), 3, reference="all",
                                            random_state=2).dissimilarities)


def test_noise_clips_negative_values_to_zero(rng):
    """Values pushed below 0 become exactly 0; none stays negative."""
    values = np.abs(rng.normal(size=(3, 5000)))
    noisy = add_rdm_noise(RDMs(values), 4, random_state=3).dissimilarities
    assert noisy.min() == 0.0
    unclipped = values + (noisy - values)
    assert np.mean(noisy == 0) > 0.05
    assert np.all(noisy[noisy > 0] == unclipped[noisy > 0])


def test_noise_reproducible_and_input_unchanged(shipped):
    """Same seed, same noise; other seed, other noise; input untouched."""
    before = shipped.dissimilarities.copy()
    first = add_rdm_noise(shipped, 2, random_state=7)
    again = add_rdm_noise(shipped, 2, random_state=np.random.default_rng(7))
    other = add_rdm_noise(shipped, 2, random_state=8)
    assert_array_equal(first.dissimilarities, again.dissimilarities)
    assert not np.array_equal(first.dissimilarities, other.dissimilarities)
    assert_array_equal(shipped.dissimilarities, before)
    assert first.rdm_descriptors["layer"] == shipped.rdm_descriptors["layer"]
    assert first.descriptors["noise_level"] == 2.0
    assert_array_equal(add_rdm_noise(shipped, 0).dissimilarities, before)


@settings(max_examples=40, deadline=None)
@given(values=arrays(np.float64, (2, 6), elements=st.floats(0, 1e3)),
       level=st.floats(0, 10), seed=st.integers(0, 2**32 - 1))
def test_noise_properties(values, level, seed):
    """Output is never negative, input unchanged, reproducible per seed."""
    rdms = RDMs(values.copy())
    first = add_rdm_noise(rdms, level, random_state=seed).dissimilarities
    again = add_rdm_noise(rdms, level, random_state=seed).dissimilarities
    assert np.all(first >= 0)
    assert_array_equal(first, again)
    assert_array_equal(rdms.dissimilarities, values)


def test_noise_keeps_nan_and_checks_parameters():
    """NaN entries stay NaN; bad parameters are named in the error."""
    rdms = RDMs(np.array([[1.0, np.nan, 3.0, 4.0, 5.0, 6.0]]))
    noisy = add_rdm_noise(rdms, 1, random_state=0).dissimilarities
    assert np.isnan(noisy[0, 1]) and np.all(np.isfinite(noisy[0, [0, 2]]))
    with pytest.raises(ValueError, match="'level'.*>= 0.*-1"):
        add_rdm_noise(rdms, -1)
    with pytest.raises(ValueError, match="'reference'.*'rdm' and 'all'"):
        add_rdm_noise(rdms, 1, reference="pooled")
    with pytest.raises(TypeError, match="'rdms'.*RDMs"):
        add_rdm_noise(np.ones((1, 6)), 1)


# ------------------------------------------------------- training (torch)
def test_digit_stimuli_are_held_out():
    """Stimuli are the first images of each digit and never train."""
    pytest.importorskip("sklearn")
    from rsatoolbox_topo.simulation import digit_stimuli

    data = digit_stimuli(3)
    assert_array_equal(data["digit"], np.repeat(range(10), 3))
    assert len(data["train_digits"]) + len(data["digit"]) == 1797
    assert data["stimuli"].min() >= 0 and data["stimuli"].max() <= 1
    from sklearn.datasets import load_digits
    target = load_digits().target
    for digit in range(10):
        first = np.flatnonzero(target == digit)[:3]
        assert_array_equal(data["image"][data["digit"] == digit], first)


def _tiny(seeds, **kwargs):
    from rsatoolbox_topo.simulation import simulate_layer_rdms

    return simulate_layer_rdms(seeds, layers=["conv2", "conv9", "pool"],
                               width=4, epochs=1, n_per_digit=2, **kwargs)


def test_tiny_simulation_is_deterministic(tmp_path):
    """Two trainings from one seed give identical RDMs; seeds differ."""
    torch = pytest.importorskip("torch")
    threads = torch.get_num_threads()
    deterministic = torch.are_deterministic_algorithms_enabled()
    first = _tiny([5, 6], cache_dir=False)
    second = _tiny([5, 6], cache_dir=False)
    assert_array_equal(first.dissimilarities, second.dissimilarities)
    assert not np.array_equal(first.dissimilarities[:3],
                              first.dissimilarities[3:])
    assert first.rdm_descriptors["seed"] == [5, 5, 5, 6, 6, 6]
    assert first.n_cond == 20
    # global torch settings come back as they were
    assert torch.get_num_threads() == threads
    assert torch.are_deterministic_algorithms_enabled() == deterministic


def test_cache_reuses_trained_networks(tmp_path):
    """The cache stores one file per seed and gives the same RDMs back."""
    pytest.importorskip("torch")
    fresh = _tiny([2], cache_dir=str(tmp_path))
    files = list(tmp_path.rglob("seed_2.pt"))
    assert len(files) == 1
    stamp = files[0].stat().st_mtime_ns
    cached = _tiny([2], cache_dir=str(tmp_path))
    assert files[0].stat().st_mtime_ns == stamp
    assert_array_equal(fresh.dissimilarities, cached.dissimilarities)


def test_default_cache_dir_honours_environment(monkeypatch, tmp_path):
    """RSATOOLBOX_TOPO_CACHE overrides ~/.cache/rsatoolbox_topo."""
    from rsatoolbox_topo.simulation import default_cache_dir

    monkeypatch.setenv("RSATOOLBOX_TOPO_CACHE", str(tmp_path))
    assert default_cache_dir() == str(tmp_path)
    monkeypatch.delenv("RSATOOLBOX_TOPO_CACHE")
    assert default_cache_dir().endswith(".cache/rsatoolbox_topo")


def test_simulation_parameter_errors():
    """Unknown layers and repeated seeds are refused by name."""
    pytest.importorskip("torch")
    from rsatoolbox_topo.simulation import simulate_layer_rdms

    with pytest.raises(ValueError, match="'layers'.*'pool'.*'fc1'"):
        simulate_layer_rdms([0], layers=["fc1"], cache_dir=False)
    with pytest.raises(ValueError, match="'seeds'.*each once.*\\[1, 1\\]"):
        simulate_layer_rdms([1, 1], cache_dir=False)
    with pytest.raises(ValueError, match="'epochs'.*>= 1"):
        simulate_layer_rdms([0], epochs=0, cache_dir=False)


def test_parallel_training_gives_identical_rdms():
    """n_jobs=2 (two worker processes) trains the same networks as n_jobs=1."""
    pytest.importorskip("torch")
    single = _tiny([3, 4, 5], cache_dir=False)
    spread = _tiny([3, 4, 5], cache_dir=False, n_jobs=2)
    assert_array_equal(spread.dissimilarities, single.dissimilarities)
    assert spread.rdm_descriptors == single.rdm_descriptors


def test_training_on_a_dask_cluster_gives_identical_rdms():
    """Under joblib's dask backend the networks train on the cluster's
    worker processes and give the RDMs of n_jobs=1."""
    pytest.importorskip("torch")
    distributed = pytest.importorskip("distributed")
    import joblib

    single = _tiny([1, 2], cache_dir=False)
    with distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True,
            dashboard_address=None, silence_logs=40) as cluster, \
            distributed.Client(cluster) as client:
        with joblib.parallel_config(backend="dask"):
            spread = _tiny([1, 2], cache_dir=False, n_jobs=-1)
        assert len(client.run(lambda: 0)) == 2
    assert_array_equal(spread.dissimilarities, single.dissimilarities)


def test_dissimilarity_is_the_measure_name():
    """'dissimilarity' chooses the measure; 'method' is no longer a name."""
    pytest.importorskip("torch")
    euclid = _tiny([0], cache_dir=False, dissimilarity="euclidean")
    assert euclid.dissimilarity_measure == "squared euclidean"
    with pytest.raises(TypeError, match="method"):
        _tiny([0], cache_dir=False, method="euclidean")
    with pytest.raises(TypeError, match="'dissimilarity'.*str.*int"):
        _tiny([0], cache_dir=False, dissimilarity=3)


def _tiny_defaults(monkeypatch):
    from rsatoolbox_topo import simulation

    monkeypatch.setattr(simulation, "DEFAULT_SEEDS", (0, 1))
    monkeypatch.setattr(simulation, "DEFAULT_TRAINING",
                        dict(simulation.DEFAULT_TRAINING, width=4, epochs=1,
                             n_per_digit=2))


def test_make_network_is_all_cnn_c():
    """The default network has All-CNN-C's layers: 96/192 channels, strides
    at conv3 and conv6, 1 x 1 conv8 and conv9, dropout 0.2 on the input and
    0.5 after each stride-2 layer, no batch norm; batch_norm=True adds it."""
    torch = pytest.importorskip("torch")
    from rsatoolbox_topo.simulation import make_network, train_network

    net = make_network()
    assert [name for name, _ in net.named_children()] == list(LAYERS)
    convs = [m for m in net.modules() if isinstance(m, torch.nn.Conv2d)]
    assert [c.out_channels for c in convs] == [96] * 3 + [192] * 5 + [10]
    assert [c.stride[0] for c in convs] == [1, 1, 2, 1, 1, 2, 1, 1, 1]
    assert [c.kernel_size[0] for c in convs] == [3] * 7 + [1, 1]
    assert all(c.bias is not None for c in convs)
    dropout = {name: [m.p for m in block
                      if isinstance(m, torch.nn.Dropout)]
               for name, block in net.named_children()}
    assert dropout == {**{name: [] for name in LAYERS}, "conv1": [0.2],
                       "conv3": [0.5], "conv6": [0.5]}
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in net.modules())
    plain = make_network(4, batch_norm=True, dropout=False)
    assert sum(isinstance(m, torch.nn.BatchNorm2d)
               for m in plain.modules()) == 9
    assert not any(isinstance(m, torch.nn.Dropout) for m in plain.modules())
    # dropout acts in training mode only
    x = torch.ones(3, 1, 8, 8)
    torch.manual_seed(0)
    small = make_network(4).eval()
    assert torch.equal(small(x), small(x))
    with pytest.raises(TypeError, match="'dropout' parameter must be True"):
        make_network(4, dropout=1)
    with pytest.raises(ValueError, match="'optimizer'"):
        train_network(0, width=2, epochs=1, optimizer="rmsprop",
                      cache_dir=False)


def test_default_training_is_every_default():
    """DEFAULT_TRAINING (the shipped RDMs) is what the functions default to,
    and the shipped file records it."""
    import inspect

    from rsatoolbox_topo import simulation

    for function in (simulation.train_network,
                     simulation.simulate_layer_rdms):
        defaults = {name: p.default for name, p in
                    inspect.signature(function).parameters.items()}
        for key, value in simulation.DEFAULT_TRAINING.items():
            assert defaults[key] == value, (function.__name__, key)
    shipped = json.loads(load_simulation_rdms().descriptors["training"])
    assert shipped == simulation.DEFAULT_TRAINING


def test_regenerate_writes_what_the_loader_reads(monkeypatch, tmp_path):
    """The regenerated file holds the simulate_layer_rdms result (float32)."""
    pytest.importorskip("torch")
    from rsatoolbox_topo.simulation import (_rdms_from_arrays,
                                            regenerate_simulation_rdms,
                                            simulate_layer_rdms)

    _tiny_defaults(monkeypatch)
    path = tmp_path / "rdms.npz"
    written = regenerate_simulation_rdms(path, cache_dir=False)
    expected = simulate_layer_rdms((0, 1), width=4, epochs=1, n_per_digit=2,
                                   cache_dir=False)
    assert_array_equal(written.dissimilarities, expected.dissimilarities)
    with np.load(path) as npz:
        assert npz["dissimilarities"].dtype == np.float32
        loaded = _rdms_from_arrays({k: npz[k] for k in npz.files})
    assert_array_equal(loaded.dissimilarities,
                       expected.dissimilarities.astype(np.float32))
    assert loaded.rdm_descriptors["seed"] == [0] * 10 + [1] * 10
    with pytest.raises(ValueError, match="'output'.*'.npz'.*rdms.csv"):
        regenerate_simulation_rdms(tmp_path / "rdms.csv", cache_dir=False)


def test_cli_simulate_regenerate(monkeypatch, tmp_path, capsys):
    """rsatoolbox-topo simulate --regenerate writes the file into --out."""
    pytest.importorskip("torch")
    from rsatoolbox_topo import cli

    _tiny_defaults(monkeypatch)
    out = tmp_path / "regenerated"
    assert cli.main(["simulate", "--regenerate", "--no-cache", "--quiet",
                     "--out", str(out)]) in (0, None)
    assert "wrote 20 RDMs of 20 stimuli" in capsys.readouterr().out
    with np.load(out / "simulation_layer_rdms.npz") as npz:
        assert npz["dissimilarities"].shape == (20, 190)


def test_no_second_command_line():
    """The module has no argparse entry point of its own any more."""
    from rsatoolbox_topo import simulation

    assert not hasattr(simulation, "main")


# ---------------------------------------------------------------- runner
def test_default_statistics_cover_every_regime():
    """One RGTM per regime, named after the regime its cell lies in."""
    from rsatoolbox_topo import REGIMES, regime
    from rsatoolbox_topo.simulation import default_statistics
    from rsatoolbox_topo.statistics import TopoStatistic

    stats = default_statistics()
    assert list(stats)[:2] == ["RDM", "rank RDM"] and stats["RDM"] is None
    assert stats["rank RDM"] == TopoStatistic("rank_normalize")
    cells = {name: (s.params["lower"], s.params["upper"])
             for name, s in stats.items() if name.startswith("RGTM")}
    assert sorted(regime(*cell) for cell in cells.values()) == sorted(REGIMES)
    for name, cell in cells.items():
        assert name.startswith(f"RGTM {regime(*cell)}")
        assert stats[name].rgtm_cell == cell  # the fast engine applies
    assert stats["RGDM (0, 0.5)"] == TopoStatistic("rgdm", lower=0.0,
                                                   upper=0.5)


def test_run_simulation_well_above_chance_without_noise(shipped):
    """Expected first: at noise 0 every statistic beats chance (0.1) 3-fold.

    The layers of networks trained from other seeds are similar enough for
    the RDM, rank RDM, a topology-sensitive RGTM and the RGDM to name the
    layer of a held-out seed's RDM far above chance, with the bootstrap
    interval above chance too.
    """
    from rsatoolbox_topo.simulation import default_statistics

    stats = {k: v for k, v in default_statistics().items()
             if k in ("RDM", "rank RDM", "RGTM topology sensitive (0.5, 0.5)",
                      "RGDM (0, 0.5)")}
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        result = run_simulation(shipped, noise_levels=(0,), statistics=stats,
                                n_bootstrap=4, random_state=0,
                                n_noise_draws=2, ci_method="percentile")
    assert all(issubclass(w.category, TopoWarning) for w in record)
    assert result.chance == 0.1
    assert np.all(result.accuracy[0] >= 0.3)
    assert np.all(result.ci_low[0] > result.chance)
    assert result.samples.shape == (1, 4, 4)
    assert result.one_factor_individuals is None


def test_run_simulation_table_noise_and_reproducibility(shipped):
    """Heavy noise drives accuracy down; the table and seeds behave."""
    rdms = shipped.subset("seed", [0, 1, 2, 3])
    stats = {"RDM": None, "rank RDM": rank_normalize}
    result = run_simulation(rdms, noise_levels=(0, 100), statistics=stats,
                            n_bootstrap=4, random_state=1, n_noise_draws=4)
    # noise with 10 times the SD of the RDMs leaves little to identify
    assert np.all(result.accuracy[1] < result.accuracy[0] - 0.2)
    frame = result.to_frame()
    assert frame.columns.tolist() == ["noise_level", "statistic", "accuracy",
                                      "ci_low", "ci_high", "draw_sd"]
    # the accuracy is the mean over the noise draws; level 0 has no noise
    assert_allclose(result.accuracy, result.draw_accuracy.mean(axis=-1))
    assert np.all(frame["draw_sd"][:2] == 0) and result.n_noise_draws == 4
    assert result.ci_method == "corrected" and result.reference == "all"
    assert (result.n_individuals, result.n_conditions) == (4, 100)
    assert frame["noise_level"].tolist() == [0.0, 0.0, 100.0, 100.0]
    assert frame["statistic"].tolist() == ["RDM", "rank RDM"] * 2
    assert_array_equal(frame["accuracy"], result.accuracy.ravel())
    assert np.all(frame["ci_low"] <= frame["ci_high"])
    again = run_simulation(rdms, noise_levels=(0, 100),
                           statistics={"RDM": None}, n_bootstrap=4,
                           random_state=1, n_jobs=2, n_noise_draws=4)
    for kind in ("samples", "one_factor_individuals",
                 "one_factor_conditions"):
        assert_array_equal(getattr(again, kind)[:, 0],
                           getattr(result, kind)[:, 0])
    assert_array_equal(again.accuracy[:, 0], result.accuracy[:, 0])
    assert_array_equal(again.ci_low[:, 0], result.ci_low[:, 0])
    # the noise-free level does not depend on the random state
    other = run_simulation(rdms, noise_levels=(0,), statistics=stats,
                           n_bootstrap=2, random_state=5, n_noise_draws=2)
    assert_array_equal(other.accuracy[0], result.accuracy[0])
    assert_array_equal(shipped.dissimilarities,
                       load_simulation_rdms().dissimilarities)


def test_corrected_interval_is_bootstrap_identify_s(shipped):
    """With one noise draw the interval is bootstrap_identify's corrected
    interval for the same seed, number for number (no second drawer)."""
    from rsatoolbox_topo._resampling import derive_seeds
    from rsatoolbox_topo.identification import bootstrap_identify

    rdms = shipped.subset("seed", [0, 1, 2, 3, 4])
    result = run_simulation(rdms, noise_levels=(0,), statistics=["rgtm"],
                            n_bootstrap=12, random_state=3, n_noise_draws=1)
    rng = np.random.default_rng(3)
    derive_seeds(rng, 1)  # the noise seeds come first
    seed = int(derive_seeds(rng, 1)[0])
    boot = bootstrap_identify(rdms, "layer", "seed", "rgtm", n_bootstrap=12,
                              random_state=seed, ci_method="corrected")
    assert result.statistics == ("rgtm",)  # labelled by its name
    assert_array_equal(result.samples[0, 0], boot.samples)
    assert_array_equal(result.one_factor_conditions[0, 0],
                       boot.one_factor_conditions)
    assert_allclose([result.ci_low[0, 0], result.ci_high[0, 0]], boot.ci,
                    rtol=0, atol=1e-12)
    # other methods are recomputed from the same samples
    low, high = result.confidence_interval("percentile")
    assert_allclose([low[0, 0], high[0, 0]],
                    boot.confidence_interval("percentile"), atol=1e-12)


def test_every_statistic_spelling_gives_the_same_numbers(shipped):
    """Object, name, dict, partial and function spellings agree; a list is
    labelled by the statistics' names."""
    from functools import partial

    from rsatoolbox_topo import rgtm
    from rsatoolbox_topo.statistics import TopoStatistic

    rdms = shipped.subset("seed", [0, 1, 2])
    kwargs = dict(noise_levels=(0, 20), n_bootstrap=3, n_noise_draws=3,
                  random_state=2, ci_method="percentile")
    spellings = {
        "object": TopoStatistic("rgtm", lower=0.5, upper=0.5),
        "dict": {"name": "rgtm", "params": {"lower": 0.5, "upper": 0.5}},
        "partial": partial(rgtm, lower=0.5, upper=0.5),
        "callable": lambda r: rgtm(r, 0.5, 0.5),
    }
    result = run_simulation(rdms, statistics=spellings, **kwargs)
    for j in range(1, 4):
        assert_array_equal(result.samples[:, j], result.samples[:, 0])
        assert_array_equal(result.accuracy[:, j], result.accuracy[:, 0])
    listed = run_simulation(rdms, statistics=[None, "rank_normalize",
                                              spellings["object"]], **kwargs)
    assert listed.statistics == ("RDM", "rank_normalize",
                                 "rgtm(lower=0.5, upper=0.5)")
    assert_array_equal(listed.samples[:, 2], result.samples[:, 0])


def test_simulation_result_contract(shipped, tmp_path):
    """Exact save/load round trips, immutability, a one-line summary."""
    import dataclasses

    from rsatoolbox_topo._results import Result
    from rsatoolbox_topo.simulation import SimulationResult

    rdms = shipped.subset("seed", [0, 1, 2])
    result = run_simulation(rdms, noise_levels=(0, 30),
                            statistics={"RDM": None, "rank": "rank_normalize"},
                            n_bootstrap=4, n_noise_draws=2, random_state=0)
    for suffix in (".npz", ".json"):
        path = tmp_path / f"sim{suffix}"
        result.save(path)
        loaded = Result.load(path)
        assert type(loaded) is SimulationResult
        for field in dataclasses.fields(result):
            a, b = getattr(result, field.name), getattr(loaded, field.name)
            assert type(a) is type(b), field.name
            if isinstance(a, np.ndarray):
                assert a.dtype == b.dtype and a.shape == b.shape
                assert_array_equal(a, b)
            else:
                assert a == b, field.name
        assert loaded.statistics == ("RDM", "rank")
        assert loaded.summary() == result.summary()
    percentile = run_simulation(rdms, noise_levels=(0,), statistics=[None],
                                n_bootstrap=2, n_noise_draws=1,
                                random_state=0, ci_method="percentile")
    percentile.save(tmp_path / "p.json")
    assert SimulationResult.load(tmp_path / "p.json").one_factor_conditions \
        is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.accuracy = None
    with pytest.raises(ValueError, match="read-only"):
        result.samples[0, 0, 0] = 1.0
    line = result.summary()
    assert "\n" not in line
    assert line.startswith("2 statistics x 2 noise levels (k = 0 to 30, "
                           "2 draws, 4 samples); k = 0: best ")
    assert f"{result.accuracy[0].max():.3f}" in line
    assert "95% corrected intervals; chance 0.100" in line
    assert repr(result) == f"<SimulationResult: {line}>"
    with pytest.raises(ValueError, match="'corrected'.*one-factor"):
        percentile.confidence_interval("corrected")


def test_run_simulation_plot(shipped):
    """One line and one band per statistic, plus the chance line; the
    method delegates to vis.plot_simulation."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from rsatoolbox_topo.vis import plot_simulation

    rdms = shipped.subset("seed", [0, 1, 2])
    result = run_simulation(rdms, noise_levels=(0, 2),
                            statistics={"RDM": None}, n_bootstrap=3,
                            random_state=0, n_noise_draws=3)
    ax = result.plot()
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["RDM", "chance"]
    assert len(ax.collections) == 1
    assert_allclose(ax.get_lines()[0].get_ydata(), result.accuracy[:, 0])
    assert "(corrected)" in ax.get_title()
    _, other = plt.subplots()
    assert plot_simulation(result, ax=other) is other
    assert_allclose(other.collections[0].get_paths()[0].vertices[:, 1].min(),
                    result.ci_low[:, 0].min())
    plt.close("all")


def test_run_simulation_parameter_errors(shipped):
    """Bad noise levels, statistics and interval options are refused by
    name."""
    with pytest.raises(ValueError, match="'noise_levels'.*>= 0.*-1"):
        run_simulation(shipped, noise_levels=(0, -1))
    with pytest.raises(ValueError, match="'noise_levels'.*at least one"):
        run_simulation(shipped, noise_levels=())
    with pytest.raises(TypeError, match="'statistics'.*mapping.*list"):
        run_simulation(shipped, statistics=rank_normalize)
    with pytest.raises(TypeError, match="'statistics'.*wrap.*\\['rgtm'\\]"):
        run_simulation(shipped, statistics="rgtm")
    with pytest.raises(TypeError, match="'statistics'.*'bad'.*callable"):
        run_simulation(shipped, statistics={"bad": 3})
    with pytest.raises(ValueError, match="'statistics'.*'rgtx'"):
        run_simulation(shipped, statistics=["rgtx"])
    with pytest.raises(ValueError, match="'statistics'.*once.*'RDM'"):
        run_simulation(shipped, statistics=[None, None])
    with pytest.raises(ValueError, match="'statistics'.*at least one"):
        run_simulation(shipped, statistics={})
    with pytest.raises(ValueError, match="'n_noise_draws'"):
        run_simulation(shipped, n_noise_draws=0)
    with pytest.raises(ValueError, match="'ci_method'.*'corrected'.*'bca'"):
        run_simulation(shipped, ci_method="bca")
    with pytest.raises(ValueError, match="'ci_level'.*\\(0, 1\\).*1.0"):
        run_simulation(shipped, ci_level=1.0)
    with pytest.raises(TypeError, match="'ci'"):
        run_simulation(shipped, ci=0.9)
