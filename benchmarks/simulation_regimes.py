"""Regimes of the RGTM against both baselines on noisy simulation RDMs.

The authors' comparison (random (lower, upper) pairs inside each regime,
compared with a baseline) on the shipped layer RDMs, averaged over several
noise draws per level (noise seeds 0, 1, ...; one draw at k = 0, where
there is no noise), bootstrap seed 0 in every draw.

One ``compare_regimes(..., baseline='rdm')`` call per draw holds both
baselines (its samples include the rank RDM's, ``against('rank RDM')``).
Every draw uses the same bootstrap seed, so the same threshold pairs and
the same resampled seeds and stimuli: averaging the stored samples (and the
one-factor samples and per-seed values) over the draws gives the bootstrap
samples of the mean over draws, from which the intervals and paired
p-values are recomputed (``RegimeComparison.against``). These intervals
cover the resampling of seeds and stimuli given the drawn noise; the SD of
the full-data accuracy over the draws is printed beside them.

    nice python benchmarks/simulation_regimes.py --levels 0 30 \\
        --n-noise-draws 5 --n-bootstrap 200 --save /tmp/regimes
"""
import argparse
import dataclasses
import time

import numpy as np

from rsatoolbox_topo.identification import RegimeComparison, compare_regimes
from rsatoolbox_topo.simulation import add_rdm_noise, load_simulation_rdms

_AVERAGED = ("accuracy", "samples", "unit_values", "jackknife_individuals",
             "jackknife_conditions", "one_factor_individuals",
             "one_factor_conditions")


def mean_over_draws(comparisons):
    """One comparison whose accuracies and samples are the means over the
    draws (all made with the same bootstrap seed); intervals, differences
    and p-values recomputed from them."""
    first = comparisons[0]
    for comp in comparisons[1:]:
        np.testing.assert_array_equal(comp.draw_lower, first.draw_lower)
    fields = {}
    for name in _AVERAGED:
        values = [getattr(c, name) for c in comparisons]
        fields[name] = (None if values[0] is None
                        else np.mean(np.stack(values), axis=0))
    mean = dataclasses.replace(first, **fields)
    low, high = mean.confidence_interval()
    mean = dataclasses.replace(mean, ci_low=low, ci_high=high)
    return mean.against(mean.baseline)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--levels", type=float, nargs="+", default=[0, 30])
    parser.add_argument("--n-bootstrap", type=int, default=200)
    parser.add_argument("--n-draws", type=int, default=10,
                        help="(lower, upper) pairs per regime")
    parser.add_argument("--n-noise-draws", type=int, default=5)
    parser.add_argument("--save", default=None,
                        help="folder prefix for the averaged results (.npz)")
    args = parser.parse_args()
    rdms = load_simulation_rdms()
    for level in args.levels:
        n_noise = 1 if level == 0 else args.n_noise_draws
        start, wall = time.process_time(), time.perf_counter()
        comps = [compare_regimes(add_rdm_noise(rdms, level, random_state=d),
                                 "layer", "seed", n_draws=args.n_draws,
                                 n_bootstrap=args.n_bootstrap,
                                 random_state=0, baseline="rdm")
                 for d in range(n_noise)]
        cpu = time.process_time() - start
        mean = mean_over_draws(comps)
        draw_sd = np.std([c.accuracy for c in comps], axis=0, ddof=1) \
            if n_noise > 1 else np.zeros(len(mean.names))
        if args.save:
            mean.save(f"{args.save}_k{level:g}.npz")
        for baseline in ("RDM", "rank RDM"):
            frame = mean.against(baseline).to_frame()
            frame.insert(3, "draw_sd", draw_sd)
            print(f"\n## k = {level:g}, baseline = {baseline!r}, mean over "
                  f"{n_noise} noise draw(s) ({mean.ci_method} "
                  f"{100 * mean.ci_level:g}% intervals, {args.n_bootstrap} "
                  f"samples; {cpu:.1f} s CPU, "
                  f"{time.perf_counter() - wall:.1f} s wall)")
            print(frame.round(3).to_string(index=False))


if __name__ == "__main__":
    main()
