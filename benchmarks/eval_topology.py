"""Evaluation: RTD and the label-free baselines against the RDM, rank RDM, RGTM.

Two data sets shipped with the package:

* the network simulation (``load_simulation_rdms``: 10 layers x 10 seeds,
  100 digit images): identify the layer of a held-out seed's RDM;
* the 92-image data (``load_92images``): identify the subject of a held-out
  session's human-IT RDM (4 subjects x 2 sessions), and compare the 8
  model RDMs on the 8 human-IT RDMs (``eval_bootstrap_pattern``).

Rows: the RDM and the rank RDM (Euclidean), the best RGTM cell of the full
data's (lower, upper) map (chosen in-sample, so optimistic), RTD in H1 (and
H2 where affordable), and the label-free H1 bottleneck and Wasserstein
distances. Intervals: ``bootstrap_identify`` with the package's default
interval method; fewer samples for the topological comparators (stated in
the output).

Writes ``rsatoolbox_topo/data/topology_evaluation.json``, which
:func:`rsatoolbox_topo.topology.evaluation_table` reads.
A fourth part (``simmodels``) compares models on the simulation: seed 0's
ten layer RDMs as models of each layer's RDMs from seeds 1-9
(``eval_fixed``).

Run: ``PYTHONPATH=. python benchmarks/eval_topology.py [--parts
sim,hit,models,simmodels] [--n-jobs 2]`` (about an hour on 2 shared cores;
``PYTHONPATH=.`` so that a checkout's own code is measured, not an installed
copy: a script's folder, not the current one, comes first on sys.path).
"""

import argparse
import functools
import json
import pathlib
import platform
import subprocess
import time
import warnings

import numpy as np

from rsatoolbox_topo import rank_normalize, rgtm
from rsatoolbox_topo.identification import (bootstrap_identify, identify,
                                            threshold_map)

OUT = pathlib.Path(__file__).resolve().parents[1] / "rsatoolbox_topo" / \
    "data" / "topology_evaluation.json"
SEED = 0


def best_rgtm(rdms, by, across):
    """The best (lower, upper) cell of the full-data map (in-sample)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tmap = threshold_map(rdms, by, across, step=0.05)
    acc = np.where(np.isnan(tmap.accuracy), -1, tmap.accuracy)
    i, j = np.unravel_index(np.argmax(acc), acc.shape)
    lower, upper = float(tmap.lowers[i]), float(tmap.uppers[j])
    return lower, upper


def identification_rows(rdms, by, across, n_boot, n_boot_topo, methods,
                        n_jobs, label):
    lower, upper = best_rgtm(rdms, by, across)
    rows = []
    cases = [("RDM", None, "euclidean"),
             ("rank RDM", rank_normalize, "euclidean"),
             (f"best RGTM ({lower:.2f}, {upper:.2f}), in-sample",
              functools.partial(rgtm, lower=lower, upper=upper),
              "euclidean")]
    cases += [(m, None, m) for m in methods]
    for name, statistic, method in cases:
        topo = method != "euclidean"
        n = n_boot_topo.get(method, n_boot) if topo else n_boot
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            # jackknife=False: the table shows the default ('corrected')
            # interval only, and the leave-one-out accuracies 'bca' would
            # need cost n_individuals + n_conditions more evaluations (94
            # for the 92-image data: 8x the cost of H2 RTD's 20 samples).
            boot = bootstrap_identify(rdms, by, across, statistic=statistic,
                                      method=method, n_bootstrap=n,
                                      random_state=SEED, n_jobs=n_jobs,
                                      jackknife=False)
        wall = time.perf_counter() - start
        rows.append({"data": label, "comparator": name,
                     "accuracy": boot.accuracy, "ci_low": boot.ci[0],
                     "ci_high": boot.ci[1], "ci_method": boot.ci_method,
                     "chance": boot.chance, "n_bootstrap": n,
                     "seconds": round(wall, 1)})
        print(json.dumps(rows[-1]), flush=True)
    return rows


def model_cases(methods):
    """(label, comparator, statistic) of the model comparisons."""
    return [("RDM (corr)", "corr", None),
            ("rank RDM (corr)", "corr", "rank_normalize"),
            ("RGTM (0.2, 0.8) (corr)", "corr", "rgtm")] + \
        [(m, m, None) for m in methods]


def model_rows(n_boot, n_boot_topo, methods, n_jobs):
    from rsatoolbox.model import ModelFixed

    from rsatoolbox_topo.datasets import load_92images
    from rsatoolbox_topo.inference import eval_bootstrap_pattern

    models = load_92images("models")
    data = load_92images("hit")
    names = list(models.rdm_descriptors["name"])
    ms = [ModelFixed(n, models.subset("name", n)) for n in names]
    cases = model_cases(methods)
    rows = []
    for name, method, statistic in cases:
        n = n_boot_topo.get(method, n_boot)
        start = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = eval_bootstrap_pattern(ms, data, method=method,
                                         statistic=statistic, N=n,
                                         random_state=SEED, n_jobs=n_jobs)
        means = np.nanmean(res.evaluations, axis=(0, 2)) \
            if res.evaluations.ndim == 3 else np.nanmean(res.evaluations, 0)
        ci = res.get_ci(0.95)
        order = np.argsort(-means)
        rows.append({"data": "92 images: models on human IT",
                     "comparator": name, "n_bootstrap": n,
                     "ranking": [names[k] for k in order],
                     "mean": {names[k]: float(means[k]) for k in order},
                     "ci_low": {names[k]: float(ci[0][k]) for k in order},
                     "ci_high": {names[k]: float(ci[1][k]) for k in order},
                     "noise_ceiling": [float(v) for v in
                                       np.ravel(res.noise_ceiling)[:2]],
                     "seconds": round(time.perf_counter() - start, 1)})
        print(json.dumps(rows[-1]), flush=True)
    return rows


def simulation_model_rows(methods):
    """Which of seed 0's ten layer RDMs best explains another layer?

    For each layer, the data are that layer's RDMs of seeds 1-9 and the
    models seed 0's ten layer RDMs (``eval_fixed``: mean over the nine data
    RDMs, t interval from their spread).
    """
    from rsatoolbox.model import ModelFixed

    from rsatoolbox_topo.inference import eval_fixed
    from rsatoolbox_topo.simulation import load_simulation_rdms

    rdms = load_simulation_rdms()
    layers = list(dict.fromkeys(rdms.rdm_descriptors["layer"]))
    seed0 = rdms.subset("seed", [0])
    ms = [ModelFixed(layer, seed0.subset("layer", [layer]))
          for layer in layers]
    cases = model_cases(methods)
    rows = []
    for name, method, statistic in cases:
        start = time.perf_counter()
        winners, correct = [], 0
        for layer in layers:
            data = rdms.subset("layer", [layer]).subset(
                "seed", list(range(1, 10)))
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = eval_fixed(ms, data, method=method,
                                 statistic=statistic)
            means = res.evaluations[0].mean(axis=-1)
            winners.append(layers[int(np.argmax(means))])
            correct += winners[-1] == layer
        rows.append({"data": "simulation: seed 0's layers as models of "
                             "seeds 1-9", "comparator": name,
                     "correct_layer_first": int(correct),
                     "n_layers": len(layers),
                     "winners": dict(zip(layers, winners)),
                     "seconds": round(time.perf_counter() - start, 1)})
        print(json.dumps(rows[-1]), flush=True)
    return rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--parts", default="sim,hit,models,simmodels")
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--sim-topology-bootstrap", type=int, default=20)
    parser.add_argument("--out", type=pathlib.Path, default=OUT)
    args = parser.parse_args()
    uptime = subprocess.run(["uptime"], capture_output=True,
                            text=True).stdout.strip()
    print("uptime:", uptime)
    result = json.loads(args.out.read_text()) if args.out.exists() else {}
    result["command"] = ("python benchmarks/eval_topology.py --parts "
                         f"{args.parts} --n-jobs {args.n_jobs} "
                         "--sim-topology-bootstrap "
                         f"{args.sim_topology_bootstrap}")
    result["python"] = platform.python_version()
    parts = args.parts.split(",")
    if "sim" in parts:
        from rsatoolbox_topo.simulation import load_simulation_rdms

        k = args.sim_topology_bootstrap
        result["simulation"] = identification_rows(
            load_simulation_rdms(), "layer", "seed", 1000,
            {"rtd": k, "labelfree-bottleneck": 100,
             "labelfree-wasserstein": 100},
            ["rtd", "labelfree-bottleneck", "labelfree-wasserstein"],
            args.n_jobs, "simulation: layer across seed")
    if "hit" in parts:
        from rsatoolbox_topo.datasets import load_92images

        result["hit"] = identification_rows(
            load_92images("hit"), "subject", "session", 1000,
            {"rtd": 100, "rtd-h2": 20, "labelfree-bottleneck": 100,
             "labelfree-wasserstein": 100},
            ["rtd", "rtd-h2", "labelfree-bottleneck",
             "labelfree-wasserstein"],
            args.n_jobs, "92 images: human-IT subject across session")
    if "models" in parts:
        result["models"] = model_rows(
            1000, {"rtd": 50, "labelfree-bottleneck": 100,
                   "labelfree-wasserstein": 100},
            ["rtd", "labelfree-bottleneck"], args.n_jobs)
    if "simmodels" in parts:
        result["simulation_models"] = simulation_model_rows(
            ["rtd", "labelfree-bottleneck"])
    result["uptime_" + "_".join(parts)] = uptime
    # Parts run at different times may use different default intervals:
    # each identification row names its own (rows of runs made before the
    # rows did carry the method of that run, recorded in 'interval').
    old = result.get("interval", "")
    for row in result.get("simulation", []) + result.get("hit", []):
        if "ci_method" not in row and old.startswith("percentile"):
            row["ci_method"] = "percentile"
    result["interval"] = ("per row (ci_method): the package's default "
                          "interval method when the part was run")
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print("uptime:", subprocess.run(["uptime"], capture_output=True,
                                    text=True).stdout.strip())


if __name__ == "__main__":
    main()
