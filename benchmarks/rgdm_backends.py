"""rgdm(n_jobs=2) under an outside joblib engine equals n_jobs=1.

Issue 9: rgdm's threads used to write into shared arrays, so under
``joblib.parallel_config(backend="dask")`` with a 2-worker LocalCluster
the blocks computed by the workers were lost (differences up to 1.0).
Prints the largest difference from ``n_jobs=1`` under the threading, loky
and dask backends (dask needs ``distributed``).

    python benchmarks/rgdm_backends.py [--n-rdms 1500] [--n-cond 50]
"""

import argparse
import time
import warnings

import joblib
import numpy as np
from rsatoolbox.rdm import RDMs

from rsatoolbox_topo import rgdm


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-rdms", type=int, default=1500)
    parser.add_argument("--n-cond", type=int, default=50)
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    n_pairs = args.n_cond * (args.n_cond - 1) // 2
    rdms = RDMs(np.random.default_rng(0).random((args.n_rdms, n_pairs)))
    ref = rgdm(rdms, n_jobs=1).dissimilarities
    print(f"{args.n_rdms} RDMs of {args.n_cond} conditions")
    for backend in ("threading", "loky", "dask"):
        start = time.perf_counter()
        if backend == "dask":
            from distributed import Client, LocalCluster

            with LocalCluster(n_workers=2, threads_per_worker=1,
                              processes=True, dashboard_address=None) as c, \
                    Client(c), joblib.parallel_config(backend="dask"):
                got = rgdm(rdms, n_jobs=2).dissimilarities
        else:
            with joblib.parallel_config(backend=backend):
                got = rgdm(rdms, n_jobs=2).dissimilarities
        print(f"{backend:>9}: max |n_jobs=2 - n_jobs=1| = "
              f"{np.abs(got - ref).max():.3g} "
              f"({time.perf_counter() - start:.0f} s with start-up)")


if __name__ == "__main__":
    main()
