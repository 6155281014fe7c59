"""Every parallel loop gives identical numbers whatever n_jobs and backend.

Each analysis runs once with n_jobs=1 under the default backend and once
with n_jobs=2 inside ``joblib.parallel_config(backend="threading")`` (the
runner must respect an outside engine, and its tasks must return results
instead of writing into shared arrays). Sizes are tiny: this is about
determinism, not speed.
"""

import functools

import joblib
import numpy as np
import pytest
from rsatoolbox.rdm import RDMs
from scipy.spatial.distance import pdist

from rsatoolbox_topo import rgdm, rgtm
from rsatoolbox_topo.identification import (bootstrap_identify,
                                            compare_regimes,
                                            nested_threshold_cv,
                                            threshold_map)


def _planted(seed=0, n_ind=4, n_class=3, n_cond=8):
    rng = np.random.default_rng(seed)
    protos = [pdist(rng.standard_normal((n_cond, 3))) for _ in range(n_class)]
    vectors = [np.maximum(p + 0.8 * p.std() * rng.standard_normal(len(p)), 0)
               for _ in range(n_ind) for p in protos]
    return RDMs(np.array(vectors), rdm_descriptors={
        "cls": [c for _ in range(n_ind) for c in range(n_class)],
        "ind": [s for s in range(n_ind) for _ in range(n_class)]})


def _numbers(result, names):
    return [np.asarray(getattr(result, n), dtype=np.float64) for n in names]


def _both(run, names):
    """(default backend, n_jobs=1) and (threading, n_jobs=2) results."""
    one = _numbers(run(1), names)
    with joblib.parallel_config(backend="threading"):
        two = _numbers(run(2), names)
    return one, two


def _assert_same(one, two):
    for a, b in zip(one, two):
        np.testing.assert_array_equal(a, b)


# Small samples: disconnected or collapsed graphs are expected and warned.
pytestmark = pytest.mark.filterwarnings(
    "ignore::rsatoolbox_topo.exceptions.TopoWarning")

RDMS = _planted()
CELL = functools.partial(rgtm, lower=0.1, upper=0.6)


@pytest.mark.parametrize("statistic, ci_method", [
    (CELL, "bca"), (functools.partial(rgdm, lower=0.0, upper=0.5),
                    "corrected")])
def test_bootstrap_identify(statistic, ci_method):
    """Fast (cells) and literal (RGDM) paths, with the extra evaluations."""
    _assert_same(*_both(lambda n: bootstrap_identify(
        RDMS, "cls", "ind", statistic, n_bootstrap=12, random_state=0,
        n_jobs=n, ci_method=ci_method),
        ["samples", "ci", "jackknife_individuals", "jackknife_conditions",
         "one_factor_individuals", "one_factor_conditions"]))


def test_threshold_map():
    _assert_same(*_both(lambda n: threshold_map(
        RDMS, "cls", "ind", step=0.5, n_bootstrap=10, random_state=1,
        n_jobs=n), ["accuracy", "samples", "ci_low", "ci_high"]))


def test_nested_threshold_cv():
    _assert_same(*_both(lambda n: nested_threshold_cv(
        RDMS, "cls", "ind", step=0.5, n_jobs=n),
        ["fold_lower", "fold_upper", "fold_accuracy", "ci"]))


def test_compare_regimes():
    _assert_same(*_both(lambda n: compare_regimes(
        RDMS, "cls", "ind", n_draws=1, n_bootstrap=10, random_state=2,
        n_jobs=n, baseline="rdm"), ["samples", "ci_low", "p_value"]))


def test_eval_bootstrap_pattern():
    """The literal path (fast=False) runs its chunks through the runner."""
    from rsatoolbox.model import ModelFixed

    from rsatoolbox_topo.inference import eval_bootstrap_pattern

    data = _planted(n_ind=3, n_class=1, n_cond=10)
    model = _planted(seed=1, n_ind=1, n_class=1, n_cond=10)
    models = [ModelFixed("m", model)]
    one, two = _both(lambda n: eval_bootstrap_pattern(
        models, data, method="corr", N=8, statistic="rgtm", random_state=3,
        n_jobs=n, fast=False), ["evaluations", "noise_ceiling"])
    _assert_same(one, two)


def test_timecourse():
    from rsatoolbox_topo.timecourse import model_timecourse

    rng = np.random.default_rng(4)
    model = rng.random(15)
    data = np.array([rng.random(15), model + 0.1 * rng.random(15),
                     model + 0.3 * rng.random(15)])
    rdms = RDMs(data, rdm_descriptors={"time": [0.0, 0.1, 0.2]})
    _assert_same(*_both(lambda n: model_timecourse(
        rdms, RDMs(model), n_bootstrap=20, correction="cluster",
        n_permutations=30, random_state=5, n_jobs=n),
        ["evaluations", "bootstrap", "ci", "p_values"]))


def test_searchlight():
    nib = pytest.importorskip("nibabel")
    pytest.importorskip("nilearn")
    from rsatoolbox_topo.bridges.nilearn import fmri_patterns
    from rsatoolbox_topo.searchlight import searchlight

    rng = np.random.default_rng(0)
    signal = np.array([0., 0., 1., 1.])
    data = rng.normal(size=(4, 4, 1, 32))
    data[:2] += 3 * np.tile(signal, 8)
    img = nib.Nifti1Image(data, np.eye(4))
    mask = nib.Nifti1Image(np.ones((4, 4, 1), np.uint8), np.eye(4))
    ds = fmri_patterns(img, np.tile(list("abcd"), 8), np.repeat(range(4), 8),
                       mask_img=mask)
    model = np.abs(signal[:, None] - signal[None])
    _assert_same(*_both(lambda n: searchlight(
        ds, model, radius=1.0, n_permutations=15, random_state=0,
        chunk_size=3, n_jobs=n), ["scores", "p_values", "p_fwe"]))


def test_rgdm_blocks():
    """rgdm's blocks are returned by tasks, so threads cannot race."""
    rng = np.random.default_rng(6)
    rdms = RDMs(rng.random((300, 45)))

    class _Out:
        def __init__(self, n):
            self.values = rgdm(rdms, n_jobs=n).dissimilarities

    _assert_same(*_both(_Out, ["values"]))

