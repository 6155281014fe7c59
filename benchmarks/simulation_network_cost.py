"""CPU time of training one simulation network, by width (and batch norm).

How the default network of ``rsatoolbox_topo.simulation`` was chosen: the
CPU time per epoch of ``train_network`` (one thread, no cache) at several
widths, extrapolated to the regeneration of the ten shipped networks
(``DEFAULT_TRAINING['epochs']`` epochs each). The reference is the width of
the networks shipped before (16), timed in the same process.

    PYTHONPATH=. python benchmarks/simulation_network_cost.py \\
        --widths 16 48 96 --epochs 2 --repeats 3
"""
import argparse
import subprocess
import time

import numpy as np

from rsatoolbox_topo.simulation import DEFAULT_SEEDS, DEFAULT_TRAINING, \
    train_network


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--widths", type=int, nargs="+", default=[16, 48, 96])
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-norm", action="store_true")
    args = parser.parse_args()
    print(subprocess.run(["uptime"], capture_output=True,
                         text=True).stdout.strip())
    settings = dict(DEFAULT_TRAINING, epochs=args.epochs,
                    batch_norm=args.batch_norm)
    cpu = {}
    for _ in range(args.repeats):  # alternate the widths in every repeat
        for width in args.widths:
            start, wall = time.process_time(), time.perf_counter()
            train_network(0, **dict(settings, width=width), cache_dir=False)
            cpu.setdefault(width, []).append(
                ((time.process_time() - start) / args.epochs,
                 (time.perf_counter() - wall) / args.epochs))
    reference = np.median([c for c, _ in cpu[args.widths[0]]])
    n_net = len(DEFAULT_SEEDS) * DEFAULT_TRAINING["epochs"]
    print(f"per epoch of one network (median of {args.repeats}; "
          f"batch_norm={args.batch_norm}); ten networks of "
          f"{DEFAULT_TRAINING['epochs']} epochs extrapolated:")
    for width, times in cpu.items():
        c = np.median([t for t, _ in times])
        w = np.median([t for _, t in times])
        print(f"width {width:3d}: {c:.2f} s CPU ({w:.2f} s wall), "
              f"{c / reference:.1f}x width {args.widths[0]}; "
              f"regeneration about {c * n_net:.0f} s CPU")


if __name__ == "__main__":
    main()
