"""Regimes of the RGTM against both baselines on noisy simulation RDMs.

The authors' comparison (random (lower, upper) pairs inside each regime,
compared with a baseline) on the shipped layer RDMs, at the paper's largest
noise level (k = 4) and where the accuracy falls (k = 10, 30); one noise
draw per level (noise seed 0), bootstrap seed 0.

    nice python benchmarks/simulation_regimes.py --n-bootstrap 200
"""
import argparse
import time

import numpy as np

from rsatoolbox_topo.identification import compare_regimes
from rsatoolbox_topo.simulation import add_rdm_noise, load_simulation_rdms


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--levels", type=float, nargs="+",
                        default=[0, 4, 10, 30])
    parser.add_argument("--n-bootstrap", type=int, default=200)
    parser.add_argument("--n-draws", type=int, default=10)
    args = parser.parse_args()
    rdms = load_simulation_rdms()
    for level in args.levels:
        noisy = add_rdm_noise(rdms, level, random_state=0)
        for baseline in ("rdm", "rank"):
            start = time.process_time()
            comp = compare_regimes(noisy, "layer", "seed",
                                   n_draws=args.n_draws,
                                   n_bootstrap=args.n_bootstrap,
                                   random_state=0, baseline=baseline)
            cpu = time.process_time() - start
            frame = comp.to_frame()
            print(f"\n## k = {level:g}, baseline = {baseline!r} "
                  f"({comp.ci_method} {100 * comp.ci_level:g}% intervals, "
                  f"{args.n_bootstrap} samples, {cpu:.1f} s CPU)")
            with np.printoptions(precision=3):
                print(frame.round(3).to_string(index=False))


if __name__ == "__main__":
    main()
