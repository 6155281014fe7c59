"""Wall time of run_simulation with n_jobs=2 against n_jobs=1, in one
process, alternating, median of repeats; and of the previous granularity
(each draw's bootstrap split over the workers), rebuilt from the public
bootstrap_identify, as the reference the change is measured against.

    nice python benchmarks/bench_simulation_parallel.py --repeats 3

The noise section of ``rsatoolbox-topo demo`` is this call with all 10
seeds, 6 levels, 20 draws, 3 statistics and 100 samples (--full).
"""
import argparse
import warnings

import numpy as np

from _common import median_time, peak_memory_mb
from rsatoolbox_topo.exceptions import TopoWarning
from rsatoolbox_topo.identification import bootstrap_identify
from rsatoolbox_topo.simulation import (add_rdm_noise, load_simulation_rdms,
                                        run_simulation)

STATISTICS = {"rdm": None, "rank": "rank_normalize",
              "rgtm(0.5,0.5)": {"name": "rgtm",
                                "params": {"lower": 0.5, "upper": 0.5}}}


def per_draw_split(rdms, levels, n_draws, n_bootstrap, n_jobs):
    """The previous granularity: one bootstrap_identify per (level, draw,
    statistic), each splitting its few samples over ``n_jobs`` workers."""
    per_draw = n_bootstrap // n_draws
    for level in levels:
        for d in range(n_draws if level > 0 else 1):
            noisy = add_rdm_noise(rdms, level, random_state=d)
            for statistic in STATISTICS.values():
                bootstrap_identify(noisy, "layer", "seed", statistic,
                                   n_bootstrap=per_draw, random_state=d,
                                   n_jobs=n_jobs, jackknife=False)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--full", action="store_true",
                        help="the demo's noise section (about 100 s per run)")
    args = parser.parse_args()
    rdms = load_simulation_rdms()
    levels = (0, 2, 4, 10, 30, 100) if args.full else (0, 10, 30)
    n_draws, n_bootstrap = (20, 100) if args.full else (10, 50)
    kwargs = dict(noise_levels=levels, statistics=STATISTICS,
                  n_bootstrap=n_bootstrap, n_noise_draws=n_draws,
                  random_state=0)
    warnings.simplefilter("ignore", TopoWarning)
    runs = {
        "run_simulation n_jobs=1": lambda: run_simulation(
            rdms, n_jobs=1, **kwargs),
        "run_simulation n_jobs=2": lambda: run_simulation(
            rdms, n_jobs=2, **kwargs),
        "per-draw split n_jobs=2 (previous)": lambda: per_draw_split(
            rdms, levels, n_draws, n_bootstrap, 2),
    }
    times = {name: [] for name in runs}
    results = {}
    for _ in range(args.repeats):
        for name, func in runs.items():
            t, results[name] = median_time(func, repeats=1)
            times[name].append(t)
    same = all(np.array_equal(getattr(results["run_simulation n_jobs=1"], k),
                              getattr(results["run_simulation n_jobs=2"], k))
               for k in ("accuracy", "ci_low", "ci_high", "samples"))
    print(f"settings: levels {levels}, {n_draws} draws, {n_bootstrap} "
          f"samples, statistics {list(STATISTICS)}; {args.repeats} repeats")
    med = {k: float(np.median(v)) for k, v in times.items()}
    for name, value in med.items():
        print(f"{name}: median wall {value:.1f} s "
              f"({', '.join(f'{t:.1f}' for t in times[name])})")
    base = med["run_simulation n_jobs=1"]
    print(f"ratio n_jobs=2 / n_jobs=1: "
          f"{med['run_simulation n_jobs=2'] / base:.2f}")
    print(f"ratio previous per-draw split n_jobs=2 / n_jobs=1: "
          f"{med['per-draw split n_jobs=2 (previous)'] / base:.2f}")
    print(f"n_jobs=1 and n_jobs=2 results identical: {same}")
    peak = peak_memory_mb(runs["run_simulation n_jobs=2"])
    print(f"peak memory of the parent, n_jobs=2: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
