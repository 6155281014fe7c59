"""Fast identification engine before and after a change, same conditions.

Task: the grid benchmark of ``bench_identification.py`` (23 individuals x
18 classes x 90 conditions, the full RGTM grid of 231 cells) on the
bootstrap samples that ``threshold_map(..., random_state=seed)`` draws.
For every sample the two engines run back to back in this process, in
alternating order (one BLAS thread each, as in ``threshold_map``), so that
the load of a shared machine hits both alike. The old engine is loaded
from a git revision (``--old``, default: the last commit before exact
ties) without touching the working tree.

Prints the median time per sample of each engine, the ratio of the total
times (new / old) with the ratio's median over samples, the time scaled to
1000 samples, and how many (sample, cell) accuracies differ between the
two (the old engine broke exact ties; the new one matches ``identify``).

Run: ``python benchmarks/bench_fast_engine.py --n-bootstrap 200``
(``--n-bootstrap 1000`` for the full task).
"""

import argparse
import importlib.util
import os
import statistics
import subprocess
import sys
import time

import numpy as np

import rsatoolbox_topo
from rsatoolbox_topo import _fast_identification as new_engine
from rsatoolbox_topo._parallel import limit_blas_threads
from rsatoolbox_topo._resampling import draw_two_factor
from rsatoolbox_topo.identification import _Data

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_identification import N_COND, N_IND, make_rdms  # noqa: E402

OLD_REVISION = "7f2812b"


def load_engine(revision):
    """The engine module as it was at ``revision`` (git show)."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    source = subprocess.run(
        ["git", "-C", root, "show",
         f"{revision}:rsatoolbox_topo/_fast_identification.py"],
        check=True, capture_output=True, text=True).stdout
    # The GT transform it imports has moved from statistics to _ranking
    # since; the old engine gets today's (unchanged) function.
    source = source.replace(
        "from .statistics import _gt_from_normalized",
        "from ._ranking import gt_from_normalized as _gt_from_normalized")
    name = f"rsatoolbox_topo._engine_{revision}"
    spec = importlib.util.spec_from_loader(name, loader=None)
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "rsatoolbox_topo"
    sys.modules[name] = module
    exec(compile(source, f"{revision}:_fast_identification.py", "exec"),
         module.__dict__)
    return module


def accuracy(engine, data, m, w, lowers, uppers):
    credit, _ = engine.cells_credit(data.raw, m, w, lowers, uppers, "split")
    return credit @ m / (m.sum() * data.n_class)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-bootstrap", type=int, default=200)
    parser.add_argument("--old", default=OLD_REVISION)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    old_engine = load_engine(args.old)
    data = _Data(make_rdms(args.seed), "layer", "seed")
    i, j = np.triu_indices(21)
    lowers, uppers = i / 20, j / 20
    mult, draws = draw_two_factor(np.random.default_rng(args.seed), N_IND,
                                  N_COND, args.n_bootstrap)
    print(f"{rsatoolbox_topo.__file__}; old engine from {args.old}; "
          f"{args.n_bootstrap} samples x {len(lowers)} cells; "
          f"load average before {os.getloadavg()}")
    times = {"old": [], "new": []}
    differ = 0
    with limit_blas_threads():
        for b in range(args.n_bootstrap):
            w = new_engine.pair_weights(
                np.bincount(draws[b], minlength=N_COND)) * data.valid
            order = ("old", "new") if b % 2 == 0 else ("new", "old")
            out = {}
            for name in order:
                engine = old_engine if name == "old" else new_engine
                start = time.perf_counter()
                out[name] = accuracy(engine, data, mult[b], w, lowers,
                                     uppers)
                times[name].append(time.perf_counter() - start)
            differ += int(np.sum(np.abs(out["old"] - out["new"]) > 1e-12))
    old, new = np.array(times["old"]), np.array(times["new"])
    print(f"old: median {np.median(old):.3f} s per sample, total "
          f"{old.sum():.1f} s -> {old.sum() * 1000 / len(old) / 60:.1f} min "
          "per 1000 samples (one process)")
    print(f"new: median {np.median(new):.3f} s per sample, total "
          f"{new.sum():.1f} s -> {new.sum() * 1000 / len(new) / 60:.1f} min "
          "per 1000 samples (one process)")
    print(f"ratio new / old: total {new.sum() / old.sum():.2f}, median of "
          f"per-sample ratios {statistics.median(new / old):.2f} "
          "(goal <= 1.5)")
    print(f"(sample, cell) accuracies that differ: {differ} of "
          f"{len(old) * len(lowers)}; load average after "
          f"{os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
