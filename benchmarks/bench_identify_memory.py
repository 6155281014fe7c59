"""Peak memory of ``identify`` on a large stack, before and after a change.

Task: 20 classes x 3 individuals x 1000 conditions (60 RDMs of 499,500
pairs, float64: 229 MiB of dissimilarities), Euclidean identification
with no statistic and with ``rank_normalize``. Each run is a fresh
subprocess, for the package of a git revision (``--old``, extracted with
``git archive`` to a temporary folder) and for this working tree. It
reports, beyond the input that exists before the call:

* the peak of numpy/Python allocations during the call (tracemalloc);
* the growth of the process's peak resident memory during the call
  (``ru_maxrss`` after minus the resident memory before);

next to the input size and the size of one stack of class centroids
(20 x 499,500 float64, 76 MiB). Goal: at most about twice the input plus
what the centroids need.

Run: ``python benchmarks/bench_identify_memory.py`` (about a minute per
run; the old revision needs about 4.5 GB).
"""

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OLD_REVISION = "7f2812b"

CHILD = r"""
import json, resource, sys, time, tracemalloc, warnings
import numpy as np
from rsatoolbox.rdm import RDMs
import rsatoolbox_topo
from rsatoolbox_topo import rank_normalize
from rsatoolbox_topo.identification import identify

n_class, n_ind, n_cond = {n_class}, {n_ind}, {n_cond}
rng = np.random.default_rng(0)
n_pairs = n_cond * (n_cond - 1) // 2
protos = rng.random((n_class, n_pairs))
vectors = np.empty((n_ind * n_class, n_pairs))
for s in range(n_ind):
    for c in range(n_class):
        vectors[s * n_class + c] = protos[c] + rng.random(n_pairs)
rdms = RDMs(vectors, rdm_descriptors={{
    "cls": [c for s in range(n_ind) for c in range(n_class)],
    "ind": [s for s in range(n_ind) for c in range(n_class)]}})
del vectors
statistic = None if "{statistic}" == "none" else rank_normalize
with open("/proc/self/status") as handle:
    rss0 = [int(line.split()[1]) for line in handle
            if line.startswith("VmRSS:")][0] * 1024
tracemalloc.start()
start = time.perf_counter()
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    result = identify(rdms, "cls", "ind", statistic=statistic)
wall = time.perf_counter() - start
peak = tracemalloc.get_traced_memory()[1]
tracemalloc.stop()
maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
print(json.dumps({{"package": rsatoolbox_topo.__file__,
                  "input": rdms.dissimilarities.nbytes, "traced_peak": peak,
                  "rss_before": rss0, "maxrss": maxrss, "wall": wall,
                  "accuracy": result.accuracy}}))
"""


def extract(revision, folder):
    """The package as it was at ``revision``, under ``folder``."""
    archive = os.path.join(folder, "package.tar")
    with open(archive, "wb") as handle:
        subprocess.run(["git", "-C", ROOT, "archive", revision,
                        "rsatoolbox_topo"], check=True, stdout=handle)
    with tarfile.open(archive) as tar:
        tar.extractall(folder, filter="data")
    return folder


def run(path, statistic, args):
    code = CHILD.format(n_class=args.n_class, n_ind=args.n_ind,
                        n_cond=args.n_cond, statistic=statistic)
    env = dict(os.environ, PYTHONPATH=path)
    out = subprocess.run([sys.executable, "-c", code], check=True,
                         capture_output=True, text=True, env=env,
                         cwd=path).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--old", default=OLD_REVISION)
    parser.add_argument("--n-class", type=int, default=20)
    parser.add_argument("--n-ind", type=int, default=3)
    parser.add_argument("--n-cond", type=int, default=1000)
    parser.add_argument("--skip-old", action="store_true")
    args = parser.parse_args(argv)
    mib = 2 ** 20
    n_pairs = args.n_cond * (args.n_cond - 1) // 2
    centroids = args.n_class * n_pairs * 8
    print(f"{args.n_class} classes x {args.n_ind} individuals x "
          f"{args.n_cond} conditions; one centroid stack "
          f"{centroids / mib:.0f} MiB; load average {os.getloadavg()}")
    with tempfile.TemporaryDirectory() as folder:
        trees = [] if args.skip_old else [(args.old, extract(args.old,
                                                              folder))]
        trees.append(("this tree", ROOT))
        for statistic in ("none", "rank_normalize"):
            for name, path in trees:
                r = run(path, statistic, args)
                grow = r["maxrss"] - r["rss_before"]
                print(f"{name:>10} ({r['package']})\n"
                      f"    statistic={statistic:<14} input "
                      f"{r['input'] / mib:.0f} MiB; traced peak "
                      f"{r['traced_peak'] / mib:.0f} MiB "
                      f"({r['traced_peak'] / r['input']:.2f} x input); "
                      f"peak RSS growth {grow / mib:.0f} MiB "
                      f"({grow / r['input']:.2f} x input); wall "
                      f"{r['wall']:.1f} s; accuracy {r['accuracy']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
