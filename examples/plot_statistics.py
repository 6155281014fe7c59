"""
The geo-topological statistics on real RDMs
===========================================

This example applies the statistics of topological RSA (Lin & Kriegeskorte,
2024) to the human inferior temporal (hIT) fMRI RDMs of Kriegeskorte et al.
(2008), which ship with the package: 4 subjects, 2 sessions each, 92
object images. It shows the rank RDM, RGTMs across the threshold triangle,
the RGDM, and why the RGDM's lower threshold must stay at 0.

Data: Kriegeskorte N, Mur M, Ruff DA, et al. (2008) Neuron 60(6):1126-1141.
"""

# %%
# Load the data
# -------------
# The loader returns rsatoolbox RDMs with subject and session as rdm
# descriptors and the image categories as pattern descriptors.
import matplotlib.pyplot as plt
import numpy as np
from scipy.spatial.distance import squareform

from rsatoolbox_topo import rank_normalize, regime, rgdm, rgtm
from rsatoolbox_topo.datasets import load_92images

hit = load_92images("hit")
print(hit.n_rdm, "RDMs of", hit.n_cond, "conditions")
print(hit.rdm_descriptors["subject"], hit.rdm_descriptors["session"])

# Sort the images by category for display.
order = np.argsort(hit.pattern_descriptors["category"], kind="stable")
one = hit.subset("name", "hIT | BE | Session: 1")


def show(ax, rdms, title):
    square = squareform(rdms.dissimilarities[0])[np.ix_(order, order)]
    ax.imshow(square, cmap="viridis", vmin=0, vmax=1)
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])


# %%
# From geometry to topology
# -------------------------
# The rank RDM keeps the order of all dissimilarities; the RGTM flattens
# the smallest ones to 0 and the largest to 1; ``lower == upper`` leaves a
# binary neighbourhood matrix.
settings = [(0.0, 1.0), (0.2, 0.8), (0.4, 0.6), (0.5, 0.5)]
fig, axes = plt.subplots(1, 4, figsize=(11, 3))
for ax, (lower, upper) in zip(axes, settings):
    show(ax, rgtm(one, lower, upper),
         f"RGTM ({lower}, {upper})\n{regime(lower, upper)}")
fig.tight_layout()

# %%
# Invariance to increasing transforms
# -----------------------------------
# Ranking makes every statistic blind to monotonic distortions of the
# dissimilarities, e.g. squaring them.
squared = rgtm(hit, 0.4, 0.6).dissimilarities
from rsatoolbox.rdm import RDMs  # noqa: E402

distorted = RDMs(hit.dissimilarities ** 2)
print("max difference after squaring:",
      np.abs(rgtm(distorted, 0.4, 0.6).dissimilarities - squared).max())

# %%
# How much session-to-session agreement survives each statistic?
# ---------------------------------------------------------------
# Correlate each subject's session-1 and session-2 RDMs after each
# statistic. On these data the agreement drops from the raw RDMs to the
# RGTM and the RGDM: the statistics discard information. Whether what
# remains identifies a subject or a region better is what the
# identification protocol measures (see the identification example).
def session_reliability(rdms):
    vectors = rdms.dissimilarities
    return np.mean([np.corrcoef(vectors[2 * s], vectors[2 * s + 1])[0, 1]
                    for s in range(4)])


for name, rdms in [("raw", hit), ("rank RDM", rank_normalize(hit)),
                   ("RGTM (0.4, 0.6)", rgtm(hit, 0.4, 0.6)),
                   ("RGDM (0, 0.5)", rgdm(hit, 0.0, 0.5))]:
    print(f"{name:16s} mean session-1/2 correlation "
          f"{session_reliability(rdms):.3f}")

# %%
# The RGDM collapses when its lower threshold is above 0
# ------------------------------------------------------
# Pairs below the lower threshold are edges of weight 0. Once they connect
# the conditions, most geodesics are 0 and the RGDM carries no information;
# the package warns about it.
import warnings  # noqa: E402

lowers = [0.0, 0.02, 0.05, 0.1, 0.2]
zero_share = []
for lower in lowers:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        geo = rgdm(hit, lower, 0.5, rank=False).dissimilarities
    zero_share.append((geo == 0).mean())
fig, ax = plt.subplots(figsize=(4, 3))
ax.plot(lowers, zero_share, "o-")
ax.set_xlabel("lower threshold of the two-step RGDM")
ax.set_ylabel("share of pairs at geodesic 0")
ax.set_ylim(0, 1.05)
fig.tight_layout()
plt.show()
