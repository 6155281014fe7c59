"""
Layer RDMs of a PyTorch network
===============================

:mod:`rsatoolbox_topo.bridges.torch` records the activations of named layers
of any :class:`torch.nn.Module` for a set of stimuli (forward hooks, evaluation
mode, no gradients, in batches) as rsatoolbox datasets, and computes one RDM
per layer with any rsatoolbox measure. The topological statistics then apply
to those RDMs like to any other.

Here the network is one of the simulation's All-CNN-C networks (for 8 x 8
images), trained for about 40 s of CPU on real handwritten digits
(scikit-learn's ``load_digits``); the stimuli are 100 held-out digits, 10 per
digit, that the network never saw in training. Any trained model works the same way, e.g. a torchvision model
with the stimuli as a tensor of images.
"""

# %%
# A trained network and held-out stimuli
# --------------------------------------
# ``train_network`` is deterministic for a seed (on one machine and torch
# version); ``cache_dir=False`` keeps this example from writing a cache.
import matplotlib.pyplot as plt
import numpy as np
from scipy.spatial.distance import squareform

from rsatoolbox_topo import rgtm
from rsatoolbox_topo.bridges.torch import (extract_activations, layer_names,
                                           layer_rdms)
from rsatoolbox_topo.simulation import (digit_stimuli, load_simulation_rdms,
                                        train_network)

net = train_network(seed=0, cache_dir=False)
data = digit_stimuli(n_per_digit=10)
print("stimuli:", data["stimuli"].shape, "digits:", np.bincount(data["digit"]))
print("layers:", layer_names(net)[:6], "...")

# %%
# Activations as rsatoolbox datasets
# ----------------------------------
# One :class:`rsatoolbox.data.Dataset` per layer; convolutional maps
# (channels x height x width) are flattened per stimulus.
datasets = extract_activations(
    net, data["stimuli"], ["conv1", "conv6", "pool"],
    stimulus_descriptors={"digit": data["digit"].tolist()},
    model_name="seed 0", batch_size=50)
for ds in datasets:
    print(ds.descriptors["layer"], ds.measurements.shape)

# %%
# One RDM per layer
# -----------------
# Any measure of :func:`rsatoolbox.rdm.calc_rdm`; here correlation distance.
# These are the RDMs of seed 0 that ship with the package, which are stored as
# float32: with the same torch version on the same kind of CPU they differ
# only by that rounding (below 1e-6).
layers = ["conv1", "conv3", "conv6", "conv9", "pool"]
rdms = layer_rdms(net, data["stimuli"], layers, dissimilarity="correlation",
                  stimulus_descriptors={"digit": data["digit"].tolist()},
                  model_name="seed 0", descriptors={"seed": 0})
print(rdms.rdm_descriptors["layer"], rdms.dissimilarity_measure)
shipped = load_simulation_rdms().subset("seed", 0).subset("layer", layers)
print("largest difference to the shipped RDMs:",
      float(np.max(np.abs(shipped.dissimilarities - rdms.dissimilarities))))

# %%
# The RDMs and their topology
# ---------------------------
# Top: the RDMs. Bottom: the topology-sensitive RGTM (0.5, 0.5), which keeps
# only whether a pair is among the closest half of pairs of that RDM.
topology = rgtm(rdms, 0.5, 0.5)
fig, axes = plt.subplots(2, len(layers), figsize=(12, 5))
for i, layer in enumerate(layers):
    axes[0, i].imshow(squareform(rdms.dissimilarities[i]), cmap="viridis")
    axes[0, i].set_title(layer)
    axes[1, i].imshow(squareform(topology.dissimilarities[i]), cmap="gray_r")
for ax in axes.ravel():
    ax.set_xticks([])
    ax.set_yticks([])
axes[0, 0].set_ylabel("RDM")
axes[1, 0].set_ylabel("RGTM (0.5, 0.5)")
fig.suptitle("100 held-out digits sorted by digit, one network (seed 0)")
fig.tight_layout()
plt.show()
