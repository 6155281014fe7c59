"""The demo's identification table with every interval method.

Runs ``bootstrap_identify`` on the shipped simulated networks (layer across
seeds, as ``rsatoolbox-topo demo`` does: seed 0, 100 samples by default)
once, with the default ``ci_method='corrected'`` (whose result holds what
every method needs), and prints, per statistic, the estimate and
the 95% interval of each method, with a '*' where the interval excludes
the estimate. It measures what the methods give, not their coverage (the
coverage study does that).

    python benchmarks/demo_intervals.py [--n-bootstrap 100] [--seed 0]
"""

import argparse
import time

from rsatoolbox_topo._resampling import INTERVAL_METHODS
from rsatoolbox_topo.cli import DEFAULT_STATISTICS, parse_statistic
from rsatoolbox_topo.identification import bootstrap_identify
from rsatoolbox_topo.simulation import load_simulation_rdms


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-bootstrap", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--statistics", nargs="*", default=DEFAULT_STATISTICS)
    args = parser.parse_args()
    rdms = load_simulation_rdms()
    print(f"{rdms.n_rdm} RDMs, {rdms.n_cond} conditions; layer across seed; "
          f"{args.n_bootstrap} samples, seed {args.seed}; '*': the interval "
          "excludes the estimate")
    print(f"{'statistic':>26} {'accuracy':>8}  " + "  ".join(
        f"{m:>16}" for m in INTERVAL_METHODS))
    for spec in args.statistics:
        start = time.perf_counter()
        statistic = parse_statistic(spec)
        run = bootstrap_identify(
            rdms, "layer", "seed", statistic, n_bootstrap=args.n_bootstrap,
            random_state=args.seed, ci_method="corrected")
        cells = []
        for method in INTERVAL_METHODS:
            low, high = run.confidence_interval(method)
            flag = "*" if not low <= run.accuracy <= high else " "
            cells.append(f"[{low:.3f}, {high:.3f}]{flag}")
        print(f"{spec:>26} {run.accuracy:8.3f}  "
              + "  ".join(f"{c:>16}" for c in cells)
              + f"   ({time.perf_counter() - start:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
