"""Cost of run_simulation's default interval ('corrected') against
'percentile', in one process, alternating, median of repeats (CPU time).

    nice python benchmarks/bench_simulation_intervals.py --repeats 3
"""
import argparse
import time

import numpy as np

from rsatoolbox_topo.simulation import load_simulation_rdms, run_simulation


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    rdms = load_simulation_rdms()
    kwargs = dict(noise_levels=(0, 10), statistics=[None, "rank_normalize",
                                                    "rgtm"],
                  n_bootstrap=20, n_noise_draws=5, random_state=0)
    times = {"percentile": [], "corrected": []}
    for _ in range(args.repeats):
        for method in times:
            start = time.process_time()
            run_simulation(rdms, ci_method=method, **kwargs)
            times[method].append(time.process_time() - start)
    med = {k: float(np.median(v)) for k, v in times.items()}
    print(f"settings: {kwargs}")
    for k, v in med.items():
        print(f"{k}: median CPU {v:.2f} s over {args.repeats} repeats "
              f"({', '.join(f'{t:.2f}' for t in times[k])})")
    print(f"ratio corrected / percentile: {med['corrected'] / med['percentile']:.2f}")


if __name__ == "__main__":
    main()
