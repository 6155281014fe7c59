"""Benchmark: eval_bootstrap_pattern with the RGTM against rsatoolbox's own.

Real 92-image data: the 8 hIT subject-session RDMs as data and the 8 model
RDMs as fixed models, comparator 'corr', 1000 bootstrap samples of the
conditions, noise ceiling in every sample. Prints

* the wall time (median of repeats) of rsatoolbox's
  ``eval_bootstrap_pattern`` on the untransformed RDMs (the reference),
* the wall time of ``rsatoolbox_topo.inference.eval_bootstrap_pattern`` with
  ``statistic=rgtm(0.2, 0.8)`` (weighted-ranks fast path) and the ratio
  ours / reference (goal: <= 1.0), from
  interleaved repeats, and the same for process CPU time,
* optionally (``--literal``) the same for the literal-resampling path,
* peak memory (tracemalloc) of the reference and of ours,
* the largest difference between the fast and the literal path on a few
  samples (they must agree to rounding).

Run: ``python benchmarks/bench_inference.py [--n 1000] [--repeats 3] [--literal]``
"""

import argparse
import contextlib
import io
import time

import numpy as np
import rsatoolbox
from _common import median_time, peak_memory_mb
from rsatoolbox.model import ModelFixed

from rsatoolbox_topo import inference
from rsatoolbox_topo.datasets import load_92images
from rsatoolbox_topo import TopoStatistic


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="bootstrap samples")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--literal", action="store_true",
                        help="also time the literal-resampling path")
    args = parser.parse_args()

    hit = load_92images("hit")
    model_rdms = load_92images("models")
    models = [ModelFixed(name, model_rdms.subset("name", name))
              for name in model_rdms.rdm_descriptors["name"]]
    stat = TopoStatistic("rgtm", lower=0.2, upper=0.8)

    def reference():
        # rsatoolbox draws from numpy's global RNG and prints a tqdm bar.
        np.random.seed(0)
        with contextlib.redirect_stderr(io.StringIO()):
            return rsatoolbox.inference.eval_bootstrap_pattern(
                models, hit, method="corr", N=args.n)

    def ours(fast=True):
        return inference.eval_bootstrap_pattern(
            models, hit, method="corr", N=args.n, statistic=stat,
            random_state=0, fast=fast)

    samples = inference.draw_samples(hit, 20, random_state=1)
    fast = inference.eval_bootstrap_pattern(models, hit, method="corr",
                                            samples=samples, statistic=stat)
    slow = inference.eval_bootstrap_pattern(models, hit, method="corr",
                                            samples=samples, statistic=stat,
                                            fast=False)
    diff = max(np.nanmax(np.abs(fast.evaluations - slow.evaluations)),
               np.nanmax(np.abs(fast.noise_ceiling - slow.noise_ceiling)))

    # Interleaved repeats: the machine is shared, so both sides see the
    # same load; medians of wall time and of process CPU time.
    wall = {"ref": [], "ours": []}
    cpu = {"ref": [], "ours": []}
    for _ in range(args.repeats):
        for key, func in (("ref", reference), ("ours", ours)):
            c0 = time.process_time()
            t, _ = median_time(func, 1)
            cpu[key].append(time.process_time() - c0)
            wall[key].append(t)
    t_ref, t_ours = np.median(wall["ref"]), np.median(wall["ours"])
    c_ref, c_ours = np.median(cpu["ref"]), np.median(cpu["ours"])
    print(f"eval_bootstrap_pattern, {args.n} samples, 92 conditions, "
          f"{len(models)} models, {hit.n_rdm} data RDMs, method='corr', "
          f"median of {args.repeats}")
    print(f"  rsatoolbox, untransformed RDMs : {t_ref:8.2f} s")
    print(f"  rsatoolbox_topo, rgtm (fast)   : {t_ours:8.2f} s   "
          f"ratio ours/rsatoolbox = {t_ours / t_ref:.3f}")
    print(f"  CPU time: rsatoolbox {c_ref:.2f} s, rsatoolbox_topo {c_ours:.2f} s"
          f"   ratio = {c_ours / c_ref:.3f}")
    if args.literal:
        t_lit, _ = median_time(lambda: ours(fast=False), args.repeats)
        print(f"  rsatoolbox_topo, rgtm (literal): {t_lit:8.2f} s   "
              f"ratio ours/rsatoolbox = {t_lit / t_ref:.3f}")
    print(f"  peak memory: rsatoolbox {peak_memory_mb(reference):.1f} MiB, "
          f"rsatoolbox_topo {peak_memory_mb(ours):.1f} MiB")
    print(f"  fast vs literal path, 20 samples: max |difference| = {diff:.2e}")


if __name__ == "__main__":
    main()
