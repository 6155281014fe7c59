"""Accuracy against noise for the 8 default statistics of run_simulation.

The table of docs/user_guide/simulation.rst: the shipped layer RDMs, the
default noise levels (NOISE_LEVELS), 20 noise draws per level, the default
statistics, ``ci_method='corrected'`` (the default), seed 0. Statistics run
one at a time (``--only``) give the same numbers as one run with all of
them: the noise and the bootstrap seeds do not depend on the statistics.

    PYTHONPATH=. python benchmarks/simulation_noise_table.py \
        --n-bootstrap 100 --only "RGDM (0, 0.5)" --save /tmp/t_rgdm.npz
    PYTHONPATH=. python benchmarks/simulation_noise_table.py \
        --n-bootstrap 100 --only RDM "rank RDM" ... --save /tmp/t_main.npz
    python benchmarks/simulation_noise_table.py --show /tmp/t_main.npz /tmp/t_rgdm.npz
    python benchmarks/simulation_noise_table.py --rst /tmp/t_main.npz /tmp/t_rgdm.npz

(``PYTHONPATH=.``: a script's own folder, not the current one, comes first
on sys.path, so without it a checkout would measure an installed copy.)
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


def rst(paths, per_table=5):
    """The docs' tables: one row per statistic, ``per_table`` levels each."""
    results = [SimulationResult.load(p) for p in paths]
    order = list(default_statistics())
    results.sort(key=lambda r: order.index(r.statistics[0])
                 if r.statistics[0] in order else len(order))
    names, lines = table(results)
    width = max(len(n) for n in names)
    for first in range(0, len(lines), per_table):
        chunk = lines[first:first + per_table]
        cell = max(len(c) for _, cells in chunk for c in cells)
        rule = "  ".join(["=" * width] + ["=" * cell] * len(chunk))
        print(rule)
        print(("  ".join([f"{'statistic':<{width}}"] +
                         [f"{'k = ' + level:<{cell}}" for level, _ in chunk])).rstrip())
        print(rule)
        for j, name in enumerate(names):
            print("  ".join([f"{name:<{width}}"] +
                            [f"{cells[j]:<{cell}}" for _, cells in chunk]))
        print(rule + "\n")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--n-bootstrap", type=int, default=100)
    parser.add_argument("--n-noise-draws", type=int, default=20)
    parser.add_argument("--levels", type=float, nargs="+", default=None,
                        help="noise levels (default NOISE_LEVELS)")
    parser.add_argument("--only", nargs="+", default=None,
                        help="labels of default_statistics() to run")
    parser.add_argument("--ci-method", default="corrected")
    parser.add_argument("--save", default=None)
    parser.add_argument("--show", nargs="+", default=None)
    parser.add_argument("--rst", nargs="+", default=None,
                        help="print the saved results as the docs' tables")
    args = parser.parse_args()
    if args.rst:
        return rst(args.rst)
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
