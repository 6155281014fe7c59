"""Scale-out on dask: every heavy loop gives the numbers of ``n_jobs=1``.

The package's one runner (``_parallel.run_tasks``) hands its tasks to joblib,
so ``joblib.parallel_config(backend="dask")`` under a
``dask.distributed.Client`` spreads them over a cluster. Draws are made up
front and tasks return their results, so the numbers must be identical to a
single process. These tests start a real two-process ``LocalCluster``.
"""

import runpy
from pathlib import Path

import numpy as np
import pytest
from rsatoolbox.rdm import RDMs

distributed = pytest.importorskip("distributed")
joblib = pytest.importorskip("joblib")

DATA = Path(__file__).parent / "data" / "haxby2001" / "slice"
RECIPES = Path(__file__).parents[1] / "docs" / "recipes"


def _planted(seed=0):
    from _planted import planted

    return planted(seed, n_ind=5, n_class=4, n_cond=12, noise=2.0)


@pytest.fixture(scope="module")
def client():
    """A LocalCluster of 2 worker processes with one thread each."""
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True,
        dashboard_address=None, silence_logs=40)
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


def _on_dask(client, function):
    """``function(n_jobs)`` once in this process and once on the cluster."""
    single = function(1)
    with joblib.parallel_config(backend="dask"):
        spread = function(-1)
    return single, spread


def test_cluster_has_two_worker_processes(client):
    """The fixture really is a 2-process cluster (not threads in this one)."""
    import os

    pids = client.run(os.getpid)
    assert len(pids) == 2 and os.getpid() not in pids.values()


def test_bootstrap_identify_on_dask(client):
    """Bootstrap samples of identification are identical on the cluster."""
    from rsatoolbox_topo.identification import bootstrap_identify

    rdms = _planted()
    one, many = _on_dask(client, lambda n_jobs: bootstrap_identify(
        rdms, "cls", "ind", statistic="rgtm", n_bootstrap=40,
        random_state=3, n_jobs=n_jobs))
    assert np.ptp(one.samples) > 0
    np.testing.assert_array_equal(one.samples, many.samples)


def test_threshold_map_on_dask(client):
    """The (lower, upper) grid with its bootstrap is identical on dask."""
    from rsatoolbox_topo.identification import threshold_map

    rdms = _planted(seed=1)
    one, many = _on_dask(client, lambda n_jobs: threshold_map(
        rdms, "cls", "ind", step=0.25, n_bootstrap=20, random_state=4,
        n_jobs=n_jobs))
    np.testing.assert_array_equal(one.accuracy, many.accuracy)
    np.testing.assert_array_equal(one.samples, many.samples)


def test_eval_bootstrap_pattern_on_dask(client):
    """rsatoolbox-style model comparison samples are identical on dask."""
    from rsatoolbox.model import ModelFixed

    from rsatoolbox_topo.datasets import load_92images
    from rsatoolbox_topo.inference import eval_bootstrap_pattern

    hit = load_92images("hit")
    models = [ModelFixed(name, load_92images("models").subset("name", name))
              for name in ("animacy", "EVA", "Silhouette")]
    one, many = _on_dask(client, lambda n_jobs: eval_bootstrap_pattern(
        models, hit, statistic="rgtm", N=30, random_state=5, n_jobs=n_jobs))
    assert np.isfinite(one.evaluations).any()
    np.testing.assert_array_equal(one.evaluations, many.evaluations)


def test_rgdm_on_dask(client):
    """rgdm's blocks of RDMs give the same RGDMs on dask (no shared writes)."""
    from rsatoolbox_topo import rgdm
    from rsatoolbox_topo.datasets import load_92images

    hit = load_92images("hit")
    rng = np.random.default_rng(0)
    # 400 RDMs of 92 conditions: several blocks (rgdm ranks ~125 at once).
    stack = RDMs(hit.dissimilarities[rng.integers(8, size=400)]
                 + rng.random((400, hit.dissimilarities.shape[1])))
    one, many = _on_dask(client, lambda n_jobs: rgdm(stack, n_jobs=n_jobs))
    np.testing.assert_array_equal(one.dissimilarities, many.dissimilarities)


def test_model_timecourse_on_dask(client):
    """The time course's bootstrap and permutations are identical on dask."""
    from rsatoolbox_topo.timecourse import model_timecourse

    rng = np.random.default_rng(2)
    n_cond, n_times = 8, 6
    cat = np.repeat([0, 1], 4)
    model_vec = (cat[:, None] != cat[None]).astype(float)[
        np.triu_indices(n_cond, 1)]
    vecs = model_vec[None] * np.linspace(0, 1, n_times)[:, None] \
        + rng.random((n_times, len(model_vec)))
    names = [f"c{i}" for i in range(n_cond)]
    rdms = RDMs(vecs, rdm_descriptors={"time": np.arange(n_times) / 10},
                pattern_descriptors={"conditions": names})
    model = RDMs(model_vec[None], pattern_descriptors={"conditions": names},
                 rdm_descriptors={"name": ["category"]})
    one, many = _on_dask(client, lambda n_jobs: model_timecourse(
        rdms, model, statistic="rank_normalize", n_bootstrap=30,
        n_permutations=30, random_state=6, n_jobs=n_jobs))
    np.testing.assert_array_equal(one.bootstrap, many.bootstrap)
    np.testing.assert_array_equal(one.p_values, many.p_values)


def test_searchlight_on_dask(client):
    """Searchlight scores and permutation p-values are identical on dask."""
    pytest.importorskip("nilearn")
    from _haxby import category_model, slice_dataset

    from rsatoolbox_topo.searchlight import searchlight

    ds = slice_dataset()
    model = category_model(ds)
    one, many = _on_dask(client, lambda n_jobs: searchlight(
        ds, model, radius=6.0, statistic="rgtm", n_permutations=20,
        random_state=7, n_jobs=n_jobs, chunk_size=100))
    for name in ("scores", "p_values", "p_fwe", "null_max"):
        np.testing.assert_array_equal(getattr(one, name), getattr(many, name))


def test_slurm_recipe_renders_a_job_script():
    """The docs' dask-jobqueue recipe renders a SLURM script (none is run)."""
    pytest.importorskip("dask_jobqueue")
    recipe = runpy.run_path(str(RECIPES / "slurm_cluster.py"))
    cluster = recipe["make_cluster"](
        account="mylab", queue="normal",
        scheduler_options={"dashboard_address": ":0"})
    try:
        script = cluster.job_script()
    finally:
        cluster.close()
    assert "#SBATCH -A mylab" in script
    assert "#SBATCH -p normal" in script
    assert "#SBATCH --cpus-per-task=4" in script
    assert "--nthreads 1" in script and "--nworkers 4" in script
    assert "distributed.cli.dask_worker" in script
