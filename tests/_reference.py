"""A straightforward reference of the bootstrap identification accuracy,
shared by the tests and benchmarks/bench_identification.py (not a test
module itself)."""

import numpy as np
from rsatoolbox.rdm import RDMs
from scipy.spatial.distance import squareform
from sklearn.neighbors import NearestCentroid

from rsatoolbox_topo import rgtm


def literal_accuracy(rdms, by, across, mult, draws, lower, upper):
    """Straightforward reference of one bootstrap sample, built literally.

    Copies individuals as drawn, builds each resampled RDM from the square
    matrix (pairs of one condition drawn twice dropped), applies rgtm and
    runs leave-one-individual-out with sklearn's NearestCentroid, removing
    all copies of the held-out individual from the training set; a held-out
    RDM equally near k centroids (within 1e-12) counts 1/k.
    """
    cls = np.array(rdms.rdm_descriptors[by])
    ind = np.array(rdms.rdm_descriptors[across])
    labels = list(dict.fromkeys(ind.tolist()))
    iu = np.triu_indices(len(draws), 1)
    same = draws[iu[0]] == draws[iu[1]]
    X, y, who = [], [], []
    for s, count in zip(labels, mult):
        for _ in range(count):
            for k in np.flatnonzero(ind == s):
                square = squareform(rdms.dissimilarities[k])
                v = square[np.ix_(draws, draws)][iu].astype(float)
                v[same] = np.nan
                X.append(v)
                y.append(cls[k])
                who.append(s)
    X = rgtm(RDMs(np.array(X)), lower, upper).dissimilarities[:, ~same]
    y, who = np.array(y), np.array(who)
    hits = []
    for s in labels:
        test = who == s
        if not test.any():
            continue
        model = NearestCentroid().fit(X[~test], y[~test])
        # sklearn breaks ties by class order; identification splits them.
        d = np.sqrt(((X[test][:, None] - model.centroids_[None]) ** 2)
                    .sum(axis=2))
        tied = d <= d.min(axis=1, keepdims=True) * (1 + 1e-12)
        own = model.classes_[None, :] == y[test][:, None]
        hits.extend((tied & own).sum(axis=1) / tied.sum(axis=1))
    return np.mean(hits)
