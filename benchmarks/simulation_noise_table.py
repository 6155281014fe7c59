"""Accuracy against noise for the 8 default statistics of run_simulation.

The table of docs/user_guide/simulation.rst: the shipped layer RDMs, the
default noise levels (NOISE_LEVELS), 20 noise draws per level, the default
statistics, ``ci_method='corrected'`` (the default), seed 0. Statistics run
one at a time (``--only``) give the same numbers as one run with all of
them: the noise and the bootstrap seeds do not depend on the statistics.

    nice -n 5 python benchmarks/simulation_noise_table.py --n-bootstrap 20 \\
        --levels 0 4 10 30 100 --only "RGDM (0, 0.5)" --save /tmp/t_rgdm.npz
    nice -n 5 python benchmarks/simulation_noise_table.py --n-bootstrap 20 \\
        --levels 0 4 10 30 100 --only RDM "rank RDM" ... --save /tmp/t_main.npz
    python benchmarks/simulation_noise_table.py --show /tmp/t_main.npz /tmp/t_rgdm.npz
"""
import argparse
import time

import numpy as np

from rsatoolbox_topo.simulation import (NOISE_LEVELS, SimulationResult,
                                        default_statistics, run_simulation)


def table(results, method=None):
    names = [n for r in results for n in r.statistics]
    first = results[0]
    lines = []
    for i, level in enumerate(first.noise_levels):
        cells = []
        for r in results:
            low, high = r.confidence_interval(method)
            for j in range(len(r.statistics)):
                cells.append(f"{r.accuracy[i, j]:.3f} [{low[i, j]:.3f}, "
                             f"{high[i, j]:.3f}]")
        lines.append((f"{level:g}", cells))
    return names, lines


def show(paths, method=None):
    results = [SimulationResult.load(p) for p in paths]
    order = list(default_statistics())
    results.sort(key=lambda r: order.index(r.statistics[0])
                 if r.statistics[0] in order else len(order))
    names, lines = table(results, method)
    print(f"# {method or results[0].ci_method} intervals, "
          f"{results[0].n_bootstrap} samples, "
          f"{results[0].n_noise_draws} draws")
    print("k | " + " | ".join(names))
    for level, cells in lines:
        print(f"{level} | " + " | ".join(cells))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n-bootstrap", type=int, default=60)
    parser.add_argument("--n-noise-draws", type=int, default=20)
    parser.add_argument("--levels", type=float, nargs="+", default=None,
                        help="noise levels (default NOISE_LEVELS)")
    parser.add_argument("--only", nargs="+", default=None,
                        help="labels of default_statistics() to run")
    parser.add_argument("--ci-method", default="corrected")
    parser.add_argument("--save", default=None)
    parser.add_argument("--show", nargs="+", default=None)
    args = parser.parse_args()
    if args.show:
        for method in ("corrected", "percentile"):
            show(args.show, method)
        return
    stats = default_statistics()
    if args.only:
        stats = {k: stats[k] for k in args.only}
    start, wall = time.process_time(), time.perf_counter()
    levels = NOISE_LEVELS if args.levels is None else args.levels
    result = run_simulation(noise_levels=levels, statistics=stats,
                            n_bootstrap=args.n_bootstrap,
                            n_noise_draws=args.n_noise_draws, random_state=0,
                            ci_method=args.ci_method)
    print(f"{list(stats)}: {time.process_time() - start:.1f} s CPU, "
          f"{time.perf_counter() - wall:.1f} s wall")
    if args.save:
        result.save(args.save)
    print(result.to_frame().round(3).to_string(index=False))


if __name__ == "__main__":
    np.set_printoptions(precision=3)
    main()
