"""Tests of the network simulation: shipped RDMs, training, noise, runner."""

import json
import subprocess
import sys

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
    assert json.loads(shipped.descriptors["training"])["epochs"] == 15


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
    """What --regenerate writes for these RDMs is the shipped file's content."""
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
                               width=2, epochs=1, n_per_digit=2, **kwargs)


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


# ---------------------------------------------------------------- runner
def test_default_statistics_cover_every_regime():
    """One RGTM per regime, named after the regime its cell lies in."""
    from rsatoolbox_topo import REGIMES, regime
    from rsatoolbox_topo.simulation import default_statistics

    stats = default_statistics()
    assert list(stats)[:2] == ["RDM", "rank RDM"] and stats["RDM"] is None
    cells = {name: (s.keywords["lower"], s.keywords["upper"])
             for name, s in stats.items() if name.startswith("RGTM")}
    assert sorted(regime(*cell) for cell in cells.values()) == sorted(REGIMES)
    for name, cell in cells.items():
        assert name.startswith(f"RGTM {regime(*cell)}")
    assert stats["RGDM (0, 0.5)"].keywords == {"lower": 0.0, "upper": 0.5}


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
    with pytest.warns(Warning) as record:
        result = run_simulation(shipped, noise_levels=(0,), statistics=stats,
                                n_bootstrap=4, random_state=0,
                                n_noise_draws=2)
    assert all(issubclass(w.category, TopoWarning) for w in record)
    assert result.chance == 0.1
    assert np.all(result.accuracy[0] >= 0.3)
    assert np.all(result.ci_low[0] > result.chance)
    assert result.samples.shape == (1, 4, 4)


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
    assert result.ci_method == "percentile" and result.reference == "all"
    assert frame["noise_level"].tolist() == [0.0, 0.0, 100.0, 100.0]
    assert frame["statistic"].tolist() == ["RDM", "rank RDM"] * 2
    assert_array_equal(frame["accuracy"], result.accuracy.ravel())
    assert np.all(frame["ci_low"] <= frame["ci_high"])
    again = run_simulation(rdms, noise_levels=(0, 100),
                           statistics={"RDM": None}, n_bootstrap=4,
                           random_state=1, n_jobs=2, n_noise_draws=4)
    assert_array_equal(again.samples[:, 0], result.samples[:, 0])
    assert_array_equal(again.accuracy[:, 0], result.accuracy[:, 0])
    # the noise-free level does not depend on the random state
    other = run_simulation(rdms, noise_levels=(0,), statistics=stats,
                           n_bootstrap=2, random_state=5, n_noise_draws=2)
    assert_array_equal(other.accuracy[0], result.accuracy[0])
    assert_array_equal(shipped.dissimilarities,
                       load_simulation_rdms().dissimilarities)


def test_run_simulation_plot(shipped):
    """One line and one band per statistic, plus the chance line."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rdms = shipped.subset("seed", [0, 1, 2])
    result = run_simulation(rdms, noise_levels=(0, 2),
                            statistics={"RDM": None}, n_bootstrap=3,
                            random_state=0, n_noise_draws=3)
    ax = result.plot()
    labels = [line.get_label() for line in ax.get_lines()]
    assert labels == ["RDM", "chance"]
    assert len(ax.collections) == 1
    assert_allclose(ax.get_lines()[0].get_ydata(), result.accuracy[:, 0])
    plt.close(ax.figure)


def test_run_simulation_parameter_errors(shipped):
    """Bad noise levels and statistics are refused by name."""
    with pytest.raises(ValueError, match="'noise_levels'.*>= 0.*-1"):
        run_simulation(shipped, noise_levels=(0, -1))
    with pytest.raises(ValueError, match="'noise_levels'.*at least one"):
        run_simulation(shipped, noise_levels=())
    with pytest.raises(TypeError, match="'statistics'.*dict"):
        run_simulation(shipped, statistics=[rank_normalize])
    with pytest.raises(TypeError, match="'statistics'.*'bad'"):
        run_simulation(shipped, statistics={"bad": 3})
    with pytest.raises(ValueError, match="'n_noise_draws'"):
        run_simulation(shipped, n_noise_draws=0)
