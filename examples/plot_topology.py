"""
Representation Topology Divergence: labelled persistent homology
=================================================================

Persistent homology summarises a distance matrix across all thresholds.
Representation Topology Divergence (RTD; Barannikov, Trofimov, Balabin &
Burnaev, ICML 2022) compares two RDMs *on the same labelled conditions*
through the barcode of a joint filtration (the cross-barcode), so it sees
when the same neighbourhoods are formed by different conditions. Label-free
summaries (persistence diagrams compared by bottleneck distance) cannot.

Needs the ``topology`` extra (``pip install ".[topology]"`` in the package
folder).
"""

# %%
# The hand-worked example: two clusters, relabelled
# ---------------------------------------------------
# ``A`` has clusters {0, 1} and {2, 3}; ``B`` is ``A`` with conditions 1 and
# 2 swapped (clusters {0, 2} and {1, 3}). Without labels they are the same
# RDM; with labels, ``min(A, B)`` joins all four conditions at 1 while ``A``
# keeps two clusters until 3.
import matplotlib.pyplot as plt
import numpy as np
from rsatoolbox.rdm import RDMs

from rsatoolbox_topo.topology import (cross_barcode, labelfree_distance,
                                      rtd)

a = RDMs(np.array([[1.0, 3, 3, 3, 3, 1]]))  # pairs 01 02 03 12 13 23
b = RDMs(np.array([[3.0, 1, 3, 3, 1, 3]]))
print("cross-barcode H1 (A, B):", cross_barcode(a, b, normalize="none"))
print("RTD (rank-normalised, symmetric):", rtd(a, b)[0, 0])
print("label-free bottleneck distance (H0, H1):",
      labelfree_distance(a, b, dim=0)[0, 0],
      labelfree_distance(a, b, dim=1)[0, 0])

# %%
# RTD between the 92-image model RDMs
# -----------------------------------
# All pairs of five of the model RDMs of Kriegeskorte et al. (2008), H1,
# rank-normalised, symmetric; and the label-free bottleneck distance
# between their H1 persistence diagrams for comparison.
from rsatoolbox_topo.datasets import load_92images

models = load_92images("models").subset(
    "name", ["animacy", "monkeyIT", "EVA", "HMAX", "V1"])
names = models.rdm_descriptors["name"]
divergence = rtd(models)
bottleneck = labelfree_distance(models)

fig, axes = plt.subplots(1, 2, figsize=(10, 4.4))
for ax, values, title in ((axes[0], divergence, "RTD (H1, labelled)"),
                          (axes[1], bottleneck,
                           "bottleneck, H1 diagrams (label-free)")):
    image = ax.imshow(values, cmap="viridis")
    ax.set_xticks(range(len(names)), names, rotation=60, ha="right",
                  fontsize="small")
    ax.set_yticks(range(len(names)), names, fontsize="small")
    ax.set_title(title)
    fig.colorbar(image, ax=ax, shrink=0.8)
fig.tight_layout()

# %%
# The cross-barcode of two models
# -------------------------------
# Each bar is a cluster (or loop) that ``min(A, B)`` forms before ``A``
# does; RTD is the total length of the bars.
pair = [names.index("EVA"), names.index("monkeyIT")]
bars = cross_barcode(models[pair[0]], models[pair[1]])
fig, ax = plt.subplots(figsize=(6, 3))
ax.hlines(np.arange(len(bars)), bars[:, 0], bars[:, 1])
ax.set_xlabel("filtration value (rank-normalised dissimilarity)")
ax.set_ylabel("bar")
ax.set_title(f"cross-barcode H1 (EVA, monkeyIT): {len(bars)} bars, "
             f"total {np.sum(bars[:, 1] - bars[:, 0]):.2f}")
fig.tight_layout()
plt.show()
