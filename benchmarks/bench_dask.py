"""Overhead of running on dask instead of joblib's default backend.

Task: the full RGTM (lower, upper) grid (231 cells, step 0.05) with a
two-factor bootstrap on 23 individuals x 18 classes x 90 conditions (the
planted data of ``bench_identification.py``), ``n_bootstrap`` samples
(default 200). Reference: joblib's default backend (loky processes) with
``n_jobs=2``, in this process. Against it: the same call inside
``joblib.parallel_config(backend="dask")`` with a
``LocalCluster(n_workers=2, threads_per_worker=1, processes=True)`` and
``n_jobs=-1``. The cluster start-up is timed apart and excluded from the
ratio; results must be identical. Peak memory: the largest resident set
of a dask worker over the run, and of this process.

Run: ``python benchmarks/bench_dask.py`` (``--repeats 3`` for medians,
``--n-bootstrap 50`` for a shorter run).
"""

import argparse
import os
import resource
import statistics
import sys
import time

import joblib
import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from bench_identification import make_rdms  # noqa: E402

from rsatoolbox_topo.identification import threshold_map  # noqa: E402


def _worker_peak_mib():
    """Peak resident set of this process, MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n-bootstrap", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args(argv)
    from dask.distributed import Client, LocalCluster

    rdms = make_rdms()

    def run(n_jobs):
        return threshold_map(rdms, "layer", "seed", n_bootstrap=args.n_bootstrap,
                             random_state=0, n_jobs=n_jobs)

    print(f"threshold_map, 23 x 18 x 90, full grid, {args.n_bootstrap} "
          f"samples; load {os.getloadavg()[0]:.1f}")
    start = time.perf_counter()
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                           dashboard_address=None)
    client = Client(cluster)
    startup = time.perf_counter() - start
    print(f"dask LocalCluster start-up: {startup:.1f} s (not in the ratio)")
    t_joblib, t_dask = [], []
    try:
        for _ in range(args.repeats):
            start = time.perf_counter()
            ref = run(2)
            t_joblib.append(time.perf_counter() - start)
            start = time.perf_counter()
            with joblib.parallel_config(backend="dask"):
                out = run(-1)
            t_dask.append(time.perf_counter() - start)
            assert np.array_equal(ref.samples, out.samples, equal_nan=True), \
                "results differ"
            print(f"  joblib loky n_jobs=2: {t_joblib[-1]:.1f} s, dask: "
                  f"{t_dask[-1]:.1f} s")
        peaks = client.run(_worker_peak_mib)
    finally:
        client.close()
        cluster.close()
    a, b = statistics.median(t_joblib), statistics.median(t_dask)
    print(f"median joblib {a:.1f} s, dask {b:.1f} s: ratio dask/joblib "
          f"{b / a:.2f} (goal <= 1.25); identical results")
    print("peak worker memory: " + ", ".join(
        f"{v:.0f} MiB" for v in peaks.values())
        + f"; this process {_worker_peak_mib():.0f} MiB")


if __name__ == "__main__":
    main()
