"""Benchmark: RTD against the straightforward construction, across libraries.

The straightforward construction is the reference code's: build the full
2n x 2n float64 matrix ``[[0, A^T], [A, min(A, B)]]`` and make one
persistent-homology call per direction, one pair at a time in one process.
The package builds the paper's half matrix (``+inf`` below the diagonal of
the off-diagonal block; fewer edges, the same H1 barcode) in float32.

Parts (all on one core unless said):

1. one RTD (H1) between two 92-condition RDMs (noisy copies of the real
   human-IT RDMs), per direction and symmetric, for giotto-ph, ripser and
   gudhi on the same matrices, with the H1 RTD each returns (correctness);
2. H2 for the same pair (giotto-ph);
3. how the cost of one symmetric H1 RTD grows with n (random Euclidean
   RDMs), with the peak resident memory of a fresh process doing it;
4. ``identify(..., method='rtd')`` on 100 RDMs of 100 conditions
   (10 classes x 10 individuals) in one process.

Prints medians of repeats and ratios; the machine load (``uptime``) is
printed first, as timings on a shared machine are noisy.
Run: ``python benchmarks/bench_topology.py [--repeats 5] [--parts 1234]``
"""

import argparse
import json
import os
import subprocess
import sys

import numpy as np
from _common import realistic_rdms
from rsatoolbox.rdm import RDMs

from rsatoolbox_topo.topology import _cross_matrix, _squares, rtd


def median_time(func, repeats=3):
    """Median wall and CPU (process) time of ``repeats`` calls, last result.

    On a shared, overloaded machine the wall time measures the queue; the
    CPU time of this single-threaded work is what one free core would take.
    """
    import time

    walls, cpus, result = [], [], None
    for _ in range(repeats):
        w, c = time.perf_counter(), time.process_time()
        result = func()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return (float(np.median(walls)), float(np.median(cpus))), result


def full_matrix(a, b):
    """The reference code's default matrix, float64."""
    n = len(a)
    m = np.zeros((2 * n, 2 * n))
    m[n:, :n] = a
    m[:n, n:] = a.T
    m[n:, n:] = np.minimum(a, b)
    return m


def h_sum(dgm):
    dgm = np.asarray(dgm, dtype=np.float64).reshape(-1, 2)
    return float(np.sum(dgm[:, 1] - dgm[:, 0]))


def library_calls():
    """One PH call (matrix, dim) -> H_dim RTD for each library."""
    import gudhi
    from gph import ripser_parallel
    from ripser import ripser

    def gph(m, dim):
        return h_sum(ripser_parallel(m, metric="precomputed", maxdim=dim,
                                     n_threads=1)["dgms"][dim])

    def rip(m, dim):
        return h_sum(ripser(m, distance_matrix=True, maxdim=dim)["dgms"][dim])

    def gud(m, dim):
        tree = gudhi.RipsComplex(distance_matrix=m).create_simplex_tree(
            max_dimension=dim + 1)
        tree.compute_persistence()
        return h_sum(tree.persistence_intervals_in_dimension(dim))

    return {"giotto-ph": gph, "ripser": rip, "gudhi": gud}


def rank_squares(vectors):
    from rsatoolbox_topo import rank_normalize

    ranks = rank_normalize(RDMs(vectors)).dissimilarities
    return ranks, _squares(ranks)


def part_one(repeats):
    print("\n1. One RTD between two 92-condition RDMs (H1, rank-normalised)")
    ranks, (a, b) = rank_squares(realistic_rdms(2, 92, seed=1))
    a64, b64 = a.astype(np.float64), b.astype(np.float64)
    calls = library_calls()
    rows = []
    for name, call in calls.items():
        reps = 1 if name == "gudhi" else repeats
        t_dir, val = median_time(lambda: call(full_matrix(a64, b64), 1), reps)
        t_sym, _ = median_time(lambda: (call(full_matrix(a64, b64), 1)
                                        + call(full_matrix(b64, a64), 1)) / 2,
                               reps)
        rows.append((f"straightforward, {name}", t_dir, t_sym, val))
    for backend in ("giotto-ph", "ripser"):
        t_dir, val = median_time(lambda: rtd(
            RDMs(ranks[:1]), RDMs(ranks[1:]), symmetric=False,
            normalize="none", backend=backend)[0, 0], repeats)
        t_sym, _ = median_time(lambda: rtd(
            RDMs(ranks[:1]), RDMs(ranks[1:]), normalize="none",
            backend=backend)[0, 0], repeats)
        rows.append((f"package rtd(), {backend}", t_dir, t_sym, val))
    # the half matrix through each library, without the package's checks
    for name in ("giotto-ph", "ripser"):
        half = _cross_matrix(a, b)
        t_dir, val = median_time(lambda: calls[name](half, 1), repeats)
        rows.append((f"half matrix only, {name}", t_dir, None, val))
    ref = rows[0][1][1]
    print("times in ms, median of repeats: wall / CPU; ratios from CPU")
    print(f"{'construction, library':34s} {'per direction':>15s} "
          f"{'symmetric':>15s} {'vs straightforward gph':>22s} "
          f"{'RTD(A,B) H1':>12s}")
    for label, t_dir, t_sym, val in rows:
        sym = f"{1e3 * t_sym[0]:7.1f}/{1e3 * t_sym[1]:<7.1f}" if t_sym \
            else f"{'':15s}"
        print(f"{label:34s} {1e3 * t_dir[0]:7.1f}/{1e3 * t_dir[1]:<7.1f} "
              f"{sym} {ref / t_dir[1]:21.2f}x {val:12.6f}")


def part_two(repeats):
    print("\n2. H2 for the same pair (giotto-ph, full matrix)")
    ranks, _ = rank_squares(realistic_rdms(2, 92, seed=1))
    t_dir, val = median_time(lambda: rtd(
        RDMs(ranks[:1]), RDMs(ranks[1:]), dim=2, symmetric=False,
        normalize="none")[0, 0], max(1, repeats // 2))
    print(f"H2 RTD(A, B) = {val:.6f}: {1e3 * t_dir[0]:.0f} ms wall, "
          f"{1e3 * t_dir[1]:.0f} ms CPU per direction")


_CHILD = """
import json, sys, time
import numpy as np
sys.path.insert(0, {bench!r})
from _common import realistic_rdms
from rsatoolbox.rdm import RDMs
from rsatoolbox_topo.topology import rtd


def hwm():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM"):
            return int(line.split()[1]) / 1024


v = realistic_rdms(2, {n}, seed=2)
a, b = RDMs(v[:1]), RDMs(v[1:])
import gph  # the library, before any matrix exists
open("/proc/self/clear_refs", "w").write("5")  # reset the peak RSS
base = hwm()
walls, cpus = [], []
for _ in range({repeats}):
    w, c = time.perf_counter(), time.process_time()
    rtd(a, b)
    walls.append(time.perf_counter() - w)
    cpus.append(time.process_time() - c)
print(json.dumps([float(np.median(walls)), float(np.median(cpus)), base,
                  hwm()]))
"""


def part_three(repeats):
    print("\n3. Cost of one symmetric H1 RTD (giotto-ph) against n")
    print(f"{'n':>5s} {'s wall':>9s} {'s CPU':>9s} {'CPU ratio to n/2':>17s} "
          f"{'RSS MiB':>8s} {'peak added by RTD':>18s}")
    bench = os.path.dirname(os.path.abspath(__file__))
    last = None
    for n in (25, 50, 100, 200, 400):
        reps = repeats if n <= 200 else 1
        out = subprocess.run(
            [sys.executable, "-c", _CHILD.format(bench=bench, n=n,
                                                 repeats=reps)],
            capture_output=True, text=True, check=True)
        wall, cpu, base, peak = json.loads(out.stdout)
        ratio = f"{cpu / last:16.1f}x" if last else f"{'':>17s}"
        print(f"{n:5d} {wall:9.3f} {cpu:9.3f} {ratio} {base:8.0f} "
              f"{peak - base:18.1f}")
        last = cpu


def part_four():
    import time

    from rsatoolbox_topo.identification import identify

    print("\n4. identify(method='rtd'): 100 RDMs of 100 conditions, one "
          "process")
    vectors = realistic_rdms(100, 100, seed=3)
    rdms = RDMs(vectors, rdm_descriptors={
        "cls": [i % 10 for i in range(100)],
        "ind": [i // 10 for i in range(100)]})
    start, cpu = time.perf_counter(), time.process_time()
    res = identify(rdms, "cls", "ind", method="rtd")
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(f"{wall:.1f} s wall, {cpu:.1f} s CPU for 1000 symmetric RTDs "
          f"(accuracy {res.accuracy:.2f} on random RDMs, chance 0.10)")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--parts", default="1234")
    args = parser.parse_args()
    print("uptime:", subprocess.run(["uptime"], capture_output=True,
                                    text=True).stdout.strip())
    if "1" in args.parts:
        part_one(args.repeats)
    if "2" in args.parts:
        part_two(args.repeats)
    if "3" in args.parts:
        part_three(args.repeats)
    if "4" in args.parts:
        part_four()
    print("uptime:", subprocess.run(["uptime"], capture_output=True,
                                    text=True).stdout.strip())


if __name__ == "__main__":
    main()
