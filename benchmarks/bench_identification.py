"""Speed of the (lower, upper) RGTM map with the two-factor bootstrap.

Task: 23 individuals x 18 classes x 90 conditions (414 RDMs, 4005 pairs)
with planted class structure; the full RGTM grid (step 0.05: 231 cells) on
1000 two-factor bootstrap samples (individuals and conditions resampled).

Reference (``tests/_reference.py``, the one the tests check against):
per bootstrap sample and cell, build the resampled RDMs of all drawn
individual copies from the square matrices, transform them with ``rgtm``,
and run leave-one-individual-out with ``sklearn.neighbors.NearestCentroid``
(all copies of the held-out individual leave the training set). It is
timed on a few (sample, cell) pairs and scaled to the whole task.

Fast path: ``threshold_map(..., n_bootstrap=1000, n_jobs=2)``. The script
checks that it gives the same accuracies as the reference on the same
samples, and prints wall and CPU times, the ratio and the peak memory of
the whole process tree (parent and joblib workers, sampled from /proc).

Run: ``python benchmarks/bench_identification.py`` (full task), or e.g.
``--n-bootstrap 50`` for a shorter run (times scaled to 1000 samples).
"""

import argparse
import os
import statistics
import sys
import threading
import time
import warnings

import numpy as np
from rsatoolbox.rdm import RDMs
from scipy.spatial.distance import pdist

from rsatoolbox_topo._resampling import draw_two_factor
from rsatoolbox_topo.identification import threshold_map

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                os.pardir, "tests"))
from _reference import literal_accuracy  # noqa: E402

N_IND, N_CLASS, N_COND, N_DIM = 23, 18, 90, 10


def make_rdms(seed=0):
    """Planted classes: each class moves the conditions of a shared layout
    a little further (like successive layers); individuals add their own
    displacement of the conditions. Euclidean RDMs of the configurations."""
    rng = np.random.default_rng(seed)
    base = rng.standard_normal((N_COND, N_DIM))
    vectors, cls, ind = [], [], []
    protos = [base + 0.15 * c * rng.standard_normal((N_COND, N_DIM))
              for c in range(N_CLASS)]
    for s in range(N_IND):
        for c in range(N_CLASS):
            points = protos[c] + 0.5 * rng.standard_normal((N_COND, N_DIM))
            vectors.append(pdist(points))
            cls.append(f"layer{c:02d}")
            ind.append(f"seed{s:02d}")
    return RDMs(np.array(vectors), rdm_descriptors={"layer": cls,
                                                     "seed": ind})


class TreeMemory:
    """Peak resident memory of this process and all its descendants, and
    the CPU time of the descendants (joblib workers stay alive, so
    ``os.times`` does not count them)."""

    def __init__(self, interval=0.2):
        self.interval = interval
        self.peak = 0
        self.child_cpu = {}
        self._ticks = os.sysconf("SC_CLK_TCK")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _children(pid):
        out = []
        try:
            for task in os.listdir(f"/proc/{pid}/task"):
                with open(f"/proc/{pid}/task/{task}/children") as handle:
                    out.extend(int(c) for c in handle.read().split())
        except OSError:
            pass
        return out

    @staticmethod
    def _rss(pid):
        try:
            with open(f"/proc/{pid}/status") as handle:
                for line in handle:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) * 1024
        except OSError:
            return 0
        return 0

    def _cpu(self, pid):
        try:
            with open(f"/proc/{pid}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / self._ticks
        except (OSError, IndexError, ValueError):
            return None

    def _tree_rss(self):
        total, todo = 0, [os.getpid()]
        while todo:
            pid = todo.pop()
            total += self._rss(pid)
            if pid != os.getpid():
                cpu = self._cpu(pid)
                if cpu is not None:
                    self.child_cpu[pid] = cpu
            todo.extend(self._children(pid))
        return total

    def _run(self):
        while not self._stop.is_set():
            self.peak = max(self.peak, self._tree_rss())
            time.sleep(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, self._tree_rss())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-bootstrap", type=int, default=1000)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--ref-samples", type=int, default=2,
                        help="bootstrap samples timed with the reference")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    rdms = make_rdms(args.seed)
    grid = np.arange(21) / 20
    i, j = np.triu_indices(21)
    n_cells = len(i)
    ref_cells = [(0.0, 1.0), (0.2, 0.8), (0.5, 0.5), (0.85, 0.95)]
    print(f"data: {N_IND} individuals x {N_CLASS} classes x {N_COND} "
          f"conditions = {rdms.n_rdm} RDMs, {rdms.dissimilarities.shape[1]} "
          f"pairs; grid {n_cells} cells; {args.n_bootstrap} samples; "
          f"n_jobs={args.n_jobs}; cpus={os.cpu_count()}; load average "
          f"{os.getloadavg()[0]:.1f}")

    # Same samples as threshold_map draws from the same seed.
    mult, draws = draw_two_factor(np.random.default_rng(args.seed),
                                  N_IND, N_COND, args.n_bootstrap)

    # ---------------- fast path, the whole task
    cpu0 = os.times()
    with TreeMemory() as memory:
        start = time.perf_counter()
        tmap = threshold_map(rdms, "layer", "seed", step=0.05,
                             n_bootstrap=args.n_bootstrap,
                             random_state=args.seed, n_jobs=args.n_jobs)
        fast_wall = time.perf_counter() - start
    cpu1 = os.times()
    fast_cpu = (cpu1.user - cpu0.user + cpu1.system - cpu0.system
                + sum(memory.child_cpu.values()))

    # ---------------- reference on a few (sample, cell) pairs
    ref_times, mismatches, checked = [], 0, 0
    ref_cpu = []
    with warnings.catch_warnings():
        # sklearn warns about (unused) zero within-class spreads of
        # duplicated pairs.
        warnings.simplefilter("ignore")
        for b in range(args.ref_samples):
            for lower, upper in ref_cells:
                start, c0 = time.perf_counter(), time.process_time()
                want = literal_accuracy(rdms, "layer", "seed", mult[b],
                                        draws[b], lower, upper)
                ref_times.append(time.perf_counter() - start)
                ref_cpu.append(time.process_time() - c0)
                got = tmap.samples[b, list(grid).index(lower),
                                   list(grid).index(upper)]
                checked += 1
                if abs(got - want) > 1e-12:
                    mismatches += 1
                    print(f"  MISMATCH sample {b} cell ({lower}, {upper}): "
                          f"fast {got} reference {want}")
    per_cell = statistics.median(ref_times)
    per_cell_cpu = statistics.median(ref_cpu)
    ref_pass = per_cell * n_cells
    ref_total = ref_pass * 1000
    fast_total = fast_wall * 1000 / args.n_bootstrap
    fast_total_cpu = fast_cpu * 1000 / args.n_bootstrap

    print(f"reference: {per_cell:.3f} s per cell (median of {checked}; CPU "
          f"{per_cell_cpu:.3f} s) -> {ref_pass:.0f} s per grid pass, "
          f"{ref_total / 3600:.1f} h for 1000 samples (scaled)")
    print(f"fast: {fast_wall:.1f} s wall, {fast_cpu:.1f} s CPU (all "
          f"processes) for {args.n_bootstrap} samples -> "
          f"{fast_total:.0f} s wall for 1000 samples "
          f"({fast_total / 60:.1f} min; goal < 10 min)")
    print(f"speed-up (wall, reference single process vs fast with "
          f"n_jobs={args.n_jobs}): {ref_total / fast_total:.0f}x "
          f"(goal >= 150x); CPU-time ratio "
          f"{per_cell_cpu * n_cells * 1000 / fast_total_cpu:.0f}x")
    print(f"peak memory (process tree RSS): {memory.peak / 2 ** 30:.2f} GiB "
          f"(goal < 4 GiB)")
    print(f"same accuracies as the reference: {checked - mismatches} of "
          f"{checked} (sample, cell) pairs")
    best = tmap.best
    print(f"map: best cell (l={best[0]:g}, u={best[1]:g}) accuracy "
          f"{best[2]:.3f}; rank RDM {tmap.accuracy[0, -1]:.3f} "
          f"[{tmap.ci_low[0, -1]:.3f}, {tmap.ci_high[0, -1]:.3f}]; chance "
          f"{tmap.chance:.3f}")
    return 0 if mismatches == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
