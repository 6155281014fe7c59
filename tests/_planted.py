"""Planted RDMs shared by test modules (not a test module itself)."""

import numpy as np
from rsatoolbox.rdm import RDMs
from scipy.spatial.distance import pdist


def planted(seed, n_ind=5, n_class=3, n_cond=9, noise=1.0):
    """Class prototypes plus individual noise (individuals outer).

    RDMs carry ``cls`` ('c0', ...) and ``ind`` ('s0', ...) descriptors.
    """
    rng = np.random.default_rng(seed)
    protos = [pdist(rng.standard_normal((n_cond, 4))) for _ in range(n_class)]
    vectors, cls, ind = [], [], []
    for s in range(n_ind):
        for c in range(n_class):
            v = protos[c] + noise * protos[c].std() * rng.standard_normal(
                len(protos[c]))
            vectors.append(np.maximum(v, 0))
            cls.append(f"c{c}")
            ind.append(f"s{s}")
    return RDMs(np.array(vectors), rdm_descriptors={"cls": cls, "ind": ind})
