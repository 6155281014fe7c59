"""Timing and memory helpers shared by the benchmark scripts.

Machines are shared and noisy: every timing is the median of repeats, and
peak memory is measured in a separate run (tracemalloc slows numpy down).
"""

import statistics
import time
import tracemalloc

import numpy as np


def median_time(func, repeats=3):
    """Median wall time of ``repeats`` calls, and the last result."""
    times = []
    result = None
    for _ in range(repeats):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def peak_memory_mb(func):
    """Peak Python/numpy heap allocation of one call, in MiB."""
    tracemalloc.start()
    try:
        func()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2 ** 20


def realistic_rdms(n_rdm, n_cond, seed=0):
    """Noisy copies of the real hIT RDMs (92 conditions) or random ones."""
    from rsatoolbox_topo.datasets import load_92images

    rng = np.random.default_rng(seed)
    n_pairs = n_cond * (n_cond - 1) // 2
    if n_cond == 92:
        base = load_92images("hit").dissimilarities
        picks = base[rng.integers(0, len(base), n_rdm)]
        noise = rng.normal(0, 0.1 * base.std(), size=(n_rdm, n_pairs))
        return np.clip(picks + noise, 0, None)
    points = rng.normal(size=(n_rdm, n_cond, 10))
    from scipy.spatial.distance import pdist
    return np.array([pdist(p) for p in points])
