"""A dask-jobqueue cluster of SLURM jobs for rsatoolbox_topo.

Each SLURM job runs 4 dask worker processes of one thread each (the
package's tasks are single-threaded numpy work; BLAS is limited to one
thread inside them). Adapt ``account``, ``queue``, ``memory`` and
``walltime`` to your cluster. Nothing is submitted until ``cluster.scale``.
"""


def make_cluster(account, queue, jobs_memory="16GB", walltime="02:00:00",
                 **options):
    """A SLURMCluster whose jobs each hold 4 single-threaded workers.

    ``options`` go to ``SLURMCluster`` as they are (e.g.
    ``scheduler_options={"dashboard_address": ":8787"}``).
    """
    from dask_jobqueue import SLURMCluster

    return SLURMCluster(
        account=account,
        queue=queue,
        cores=4,               # CPUs requested per job ...
        processes=4,           # ... split into 4 worker processes
        memory=jobs_memory,    # per job, shared by its 4 workers
        walltime=walltime,
        job_cpu=4,
        job_script_prologue=["export OMP_NUM_THREADS=1",
                             "export OPENBLAS_NUM_THREADS=1"],
        **options,
    )


if __name__ == "__main__":  # pragma: no cover - needs a SLURM cluster
    import joblib
    from dask.distributed import Client

    from rsatoolbox_topo.datasets import load_92images
    from rsatoolbox_topo.identification import threshold_map

    cluster = make_cluster(account="mylab", queue="normal")
    cluster.scale(jobs=4)  # 4 jobs x 4 workers
    with Client(cluster), joblib.parallel_config(backend="dask"):
        result = threshold_map(load_92images("hit"), by="session",
                               across="subject", n_bootstrap=1000,
                               random_state=0, n_jobs=-1)
    print(result.best)
