"""Benchmark: rgtm on 10,000 RDMs of 92 conditions.

Prints RDMs per second, the ratio to a straightforward implementation
(scipy.stats.rankdata per RDM, np.quantile, np.clip) written here, and the
ratio to a loop calling rsatoolbox's own ``geotopological_transform`` per RDM
(which skips the ranking, so it does less work), plus wall times (median of
repeats) and peak memory. Checks that the outputs are equal.

Run: ``python benchmarks/bench_rgtm.py [--n-rdm 10000] [--repeats 3]``
"""

import argparse
import warnings

import numpy as np
from _common import median_time, peak_memory_mb, realistic_rdms
from rsatoolbox.rdm import RDMs, geotopological_transform
from scipy.stats import rankdata

from rsatoolbox_topo import rgtm

LOWER, UPPER = 0.2, 0.8


def straightforward(vectors, lower=LOWER, upper=UPPER):
    """The reference: one RDM at a time with scipy and numpy."""
    out = np.empty_like(vectors)
    for i, row in enumerate(vectors):
        ranks = rankdata(row)
        r = (ranks - ranks.min()) / (ranks.max() - ranks.min())
        t_l, t_u = np.quantile(r, lower), np.quantile(r, upper)
        out[i] = np.clip((r - t_l) / (t_u - t_l), 0, 1)
    return out


def rsatoolbox_loop(vectors):
    """rsatoolbox's transform, one RDM per call (no ranks)."""
    out = np.empty_like(vectors)
    for i, row in enumerate(vectors):
        rdm = RDMs(row[np.newaxis].copy())
        out[i] = geotopological_transform(rdm, LOWER, UPPER).dissimilarities
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-rdm", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()

    vectors = realistic_rdms(args.n_rdm, 92)
    rdms = RDMs(vectors)
    print(f"rgtm(lower={LOWER}, upper={UPPER}) on {args.n_rdm} RDMs of 92 "
          f"conditions ({vectors.shape[1]} pairs), float64, "
          f"median of {args.repeats} repeats")

    t_ours, ours = median_time(lambda: rgtm(rdms, LOWER, UPPER),
                               args.repeats)
    t_ref, ref = median_time(lambda: straightforward(vectors), args.repeats)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        t_rsa, _ = median_time(lambda: rsatoolbox_loop(vectors), args.repeats)
    max_diff = np.max(np.abs(ours.dissimilarities - ref))

    rdms32 = RDMs(vectors.astype(np.float32))
    t_ours32, _ = median_time(lambda: rgtm(rdms32, LOWER, UPPER),
                              args.repeats)
    mem_ours = peak_memory_mb(lambda: rgtm(rdms, LOWER, UPPER))
    mem_ref = peak_memory_mb(lambda: straightforward(vectors))

    n = args.n_rdm
    print(f"  rsatoolbox_topo.rgtm      {t_ours:8.3f} s  {n / t_ours:10.0f} "
          f"RDMs/s  peak {mem_ours:7.1f} MiB")
    print(f"  rgtm on float32 input     {t_ours32:8.3f} s  "
          f"{n / t_ours32:10.0f} RDMs/s")
    print(f"  straightforward reference {t_ref:8.3f} s  {n / t_ref:10.0f} "
          f"RDMs/s  peak {mem_ref:7.1f} MiB")
    print(f"  rsatoolbox loop (no rank) {t_rsa:8.3f} s  {n / t_rsa:10.0f} "
          f"RDMs/s")
    print(f"  speed-up vs straightforward: {t_ref / t_ours:6.2f}x "
          f"(goal >= 3x); max |difference| = {max_diff:.2e}")
    print(f"  speed-up vs rsatoolbox loop: {t_rsa / t_ours:6.2f}x")


if __name__ == "__main__":
    main()
