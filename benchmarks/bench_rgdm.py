"""Benchmark: the two-step rgdm against rsatoolbox's geodesic_transform.

Two cases: a stack of 1,000 RDMs of 92 conditions, and one RDM of 1,000
conditions. rsatoolbox's ``geodesic_transform`` takes no thresholds and
drops zero-weight edges, so the two do not compute the same numbers; the
comparison is of the cost of the same job (a geodesic matrix per RDM over
an RGTM neighbourhood graph). rsatoolbox is given the RGTM of its own
``geotopological_transform`` as its input, as its docs intend.

Prints wall times (median of repeats), the ratios, and peak memory.
Run: ``python benchmarks/bench_rgdm.py [--repeats 3]``
"""

import argparse
import warnings

import numpy as np
from _common import median_time, peak_memory_mb, realistic_rdms
from rsatoolbox.rdm import RDMs, geodesic_transform, geotopological_transform

from rsatoolbox_topo import rgdm

LOWER, UPPER = 0.0, 0.5


def theirs(vectors):
    """rsatoolbox 0.3.2: RGTM with its own function, then its geodesics."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rdms = geotopological_transform(RDMs(vectors.copy()), LOWER, UPPER)
        return geodesic_transform(rdms).dissimilarities


def ours(vectors, n_jobs=1):
    with warnings.catch_warnings():
        # a few noisy RDMs have a condition with no edge at upper=0.5
        warnings.simplefilter("ignore")
        return rgdm(RDMs(vectors), LOWER, UPPER,
                    n_jobs=n_jobs).dissimilarities


def run_case(label, vectors, repeats, ref_repeats):
    t_ours, out = median_time(lambda: ours(vectors), repeats)
    t_two, out2 = median_time(lambda: ours(vectors, 2), repeats)
    t_ref, _ = median_time(lambda: theirs(vectors), ref_repeats)
    mem = peak_memory_mb(lambda: ours(vectors))
    finite = np.isfinite(out).all()
    print(f"{label}")
    print(f"  rsatoolbox_topo.rgdm       {t_ours:8.3f} s  peak {mem:7.1f} MiB"
          f"  (all finite: {finite})")
    print(f"  rgdm with n_jobs=2         {t_two:8.3f} s  (identical: "
          f"{np.array_equal(out, out2)})")
    print(f"  rsatoolbox geodesic        {t_ref:8.3f} s")
    print(f"  speed-up: {t_ref / t_ours:6.1f}x with one job, "
          f"{t_ref / t_two:6.1f}x with n_jobs=2")
    return t_ref / t_ours


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--n-rdm", type=int, default=1000)
    parser.add_argument("--n-cond-large", type=int, default=1000)
    args = parser.parse_args()
    print(f"two-step rgdm(lower={LOWER}, upper={UPPER}); "
          f"median of {args.repeats} repeats (rsatoolbox: 1 run)")
    stack = realistic_rdms(args.n_rdm, 92)
    r1 = run_case(f"stack: {args.n_rdm} RDMs x 92 conditions", stack,
                  args.repeats, 1)
    large = realistic_rdms(1, args.n_cond_large)
    r2 = run_case(f"single RDM: {args.n_cond_large} conditions", large,
                  args.repeats, 1)
    print(f"goals: stack >= 10x (got {r1:.1f}x), single large >= 2x "
          f"(got {r2:.1f}x)")


if __name__ == "__main__":
    main()
