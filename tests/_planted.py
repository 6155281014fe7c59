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


# Time-resolved trials: 12 conditions in 3 categories of 4, 41 samples from
# -0.1 s at 100 Hz; the categories appear at sample ONSET (t = 0.1 s).
SFREQ = 100.0
TMIN = -0.1
N_TIMES = 41
ONSET = 20
N_CAT, PER_CAT = 3, 4
N_COND = N_CAT * PER_CAT
NAMES = [f"c{i:02d}" for i in range(N_COND)]
CATEGORY = np.repeat(np.arange(N_CAT), PER_CAT)


def planted_trials(seed, n_rep=6, n_chan=16, snr=0.6):
    """Trials (n_rep * N_COND, n_chan, N_TIMES) and their condition codes.

    Before ONSET only noise; from ONSET on every trial carries its
    category's prototype times ``snr`` (plus noise). Conditions cycle
    0, 1, ..., N_COND - 1 over the trials.
    """
    rng = np.random.default_rng(seed)
    prototypes = rng.normal(size=(N_CAT, n_chan))
    codes = np.tile(np.arange(N_COND), n_rep)
    x = rng.normal(size=(len(codes), n_chan, N_TIMES))
    x[:, :, ONSET:] += snr * prototypes[CATEGORY[codes]][:, :, None]
    return x, codes


def category_model():
    """Binary category RDM of the planted trials (0 within, 1 between)."""
    square = (CATEGORY[:, None] != CATEGORY[None, :]).astype(float)
    return RDMs(square[np.triu_indices(N_COND, 1)][None],
                rdm_descriptors={"name": ["category"]},
                pattern_descriptors={"conditions": list(NAMES)})
