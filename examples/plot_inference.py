"""
Comparing models with topological RSA: rank RDM, RGTM and RGDM
===============================================================

This example runs rsatoolbox's model-comparison workflow with the
geo-topological statistics of Lin & Kriegeskorte (2024): the human IT fMRI
RDMs of Kriegeskorte et al. (2008) are the data (4 subjects x 2 sessions, 92
object images), the 8 model RDMs shipped with them are the candidate models.
Each model is compared with the data through the rank RDM, the RGTM and the
RGDM, with a bootstrap of the images for confidence intervals, and the
result goes straight into ``rsatoolbox.vis.plot_model_comparison``.

The rule of topological RSA is that the statistic is applied to *both* the
data and the model prediction, on the same conditions. A bootstrap over
images duplicates some images, so the statistic is applied inside each
bootstrap sample, after resampling: that is what
:mod:`rsatoolbox_topo.inference` does.

Data: Kriegeskorte N, Mur M, Ruff DA, et al. (2008) Neuron 60(6):1126-1141;
Kiani R, et al. (2007) J Neurophysiol 97:4296-4309.
"""

# %%
# Data and models
# ---------------
# Models are plain rsatoolbox fixed models; the statistic belongs to the
# comparison and is passed to the inference function.
import warnings

import matplotlib.pyplot as plt
import numpy as np
import rsatoolbox
from rsatoolbox.model import ModelFixed

from rsatoolbox_topo import inference, rgtm
from rsatoolbox_topo.datasets import load_92images
from rsatoolbox_topo.exceptions import DisconnectedGraphWarning
from rsatoolbox_topo.models import (ModelFixedTopo, ModelThresholds,
                                    TopoStatistic)

hit = load_92images("hit")
model_rdms = load_92images("models")
names = ["monkeyIT", "EVA", "HMAX", "Silhouette"]
models = [ModelFixed(name, model_rdms.subset("name", name)) for name in names]

# %%
# One statistic, the usual rsatoolbox result
# ------------------------------------------
# ``eval_bootstrap_pattern`` has rsatoolbox's arguments plus ``statistic``
# and ``random_state``. Here the RGTM with the paper's default thresholds
# (0.2, 0.8) and 100 bootstrap samples of the images (use 1000 in a study).
rgtm_stat = TopoStatistic("rgtm", lower=0.2, upper=0.8)
result = inference.eval_bootstrap_pattern(
    models, hit, method="corr", N=100, statistic=rgtm_stat, random_state=0)
print(result.summary())

fig = rsatoolbox.vis.plot_model_comparison(result, sort=True)

# %%
# Rank RDM vs RGTM vs RGDM
# ------------------------
# The same bootstrap samples for every statistic, so the statistics can be
# compared sample by sample. RGDM graphs of resampled RDMs can fall apart
# into components; their geodesics then get the documented 'max' value.
samples = inference.draw_samples(hit, N=100, random_state=0)
statistics = {"rank RDM": TopoStatistic("rank_normalize"),
              "RGTM (0.2, 0.8)": rgtm_stat,
              "RGDM (0, 0.5)": TopoStatistic("rgdm")}
means, cis = {}, {}
for label, stat in statistics.items():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DisconnectedGraphWarning)
        res = inference.eval_bootstrap_pattern(
            models, hit, method="corr", samples=samples, statistic=stat)
    means[label] = res.get_means()
    cis[label] = np.nanpercentile(res.evaluations, [2.5, 97.5], axis=0)
    print(f"{label:16s}", np.round(means[label], 3),
          "noise ceiling", np.round(np.nanmean(res.noise_ceiling, axis=1), 3))

fig, ax = plt.subplots(figsize=(7, 3.5))
width = 0.25
for k, label in enumerate(statistics):
    x = np.arange(len(names)) + (k - 1) * width
    err = np.abs(cis[label] - means[label])
    ax.bar(x, means[label], width, yerr=err, capsize=2, label=label)
ax.set_xticks(np.arange(len(names)), names)
ax.set_ylabel("Pearson r with hIT (95% bootstrap CI)")
ax.legend(fontsize=8)
fig.tight_layout()

# %%
# Thresholds fitted per fold
# --------------------------
# A :class:`~rsatoolbox_topo.models.ModelThresholds` treats the RGTM
# thresholds as parameters: inside cross-validation they are fitted on the
# training RDMs and images of each fold and then applied to both the test
# data and the test prediction.
train, test, ceil = rsatoolbox.inference.sets_k_fold(
    hit, k_rdm=2, k_pattern=2, random=False)
fitted = ModelThresholds("monkeyIT", model_rdms.subset("name", "monkeyIT"),
                         refine=None)
cv = inference.crossval(fitted, hit, train, test, ceil, method="corr")
print("cross-validated r per fold:", np.round(cv.evaluations[0, 0], 3))
print("thresholds fitted on all data:", fitted.fit(hit, method="corr"))

# %%
# With rsatoolbox's own inference functions
# -----------------------------------------
# rsatoolbox's functions never transform the data. A model of this package
# transforms only its prediction, so transform the data the same way
# first. Without resampling of images (``eval_fixed``, ``eval_bootstrap_rdm``)
# this gives the same numbers; with a bootstrap over images use
# ``rsatoolbox_topo.inference``, which transforms after resampling.
topo = ModelFixedTopo("monkeyIT", model_rdms.subset("name", "monkeyIT"),
                      rgtm_stat)
theirs = rsatoolbox.inference.eval_fixed(topo, rgtm(hit, 0.2, 0.8),
                                         method="corr")
ours = inference.eval_fixed(topo, hit, method="corr")
print("rsatoolbox on rgtm(data):", np.round(theirs.get_means(), 4),
      " rsatoolbox_topo:", np.round(ours.get_means(), 4))
plt.show()
