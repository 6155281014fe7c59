"""Layer identification of the shipped simulation RDMs by the two-step RGDM
at several lower thresholds, with the share of geodesics at 0.

Run: python benchmarks/rgdm_lower.py  (about 10 s; figures quoted in
docs/user_guide/statistics.rst)
"""
import warnings
from functools import partial

import numpy as np

from rsatoolbox_topo import rgdm
from rsatoolbox_topo.identification import identify
from rsatoolbox_topo.simulation import load_simulation_rdms


def main():
    rdms = load_simulation_rdms()
    print(rdms.n_rdm, rdms.n_cond, list(rdms.rdm_descriptors))
    for lower in (0.0, 0.02, 0.05, 0.1, 0.2):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            g = rgdm(rdms, lower=lower, upper=0.5, rank=False)
            res = identify(rdms, "layer", "seed",
                           statistic=partial(rgdm, lower=lower, upper=0.5))
        zero = np.mean(g.dissimilarities == 0, axis=1)
        print(f"lower={lower:.2f} accuracy={res.accuracy:.3f} "
              f"zero-geodesic share median={np.median(zero):.2f} "
              f"range=[{zero.min():.2f},{zero.max():.2f}]")


if __name__ == "__main__":
    main()
