"""
Topological RSA of fMRI images: regions and a searchlight
==========================================================

From a 4D NIfTI image, the condition and run of every volume and a mask, this
example computes run-wise condition patterns, a crossvalidated (crossnobis)
RDM, its representational geo-topological matrix (RGTM), and a searchlight
map of how well a face / house / other-objects model fits the RGTM of every
sphere, with permutation p-values.

Data: Haxby et al. (2001), Science 293:2425-2430, subject 1, the posterior
half of one axial slice (8 object categories, 12 runs), as distributed by the
PyMVPA project under the CC BY-SA 3.0 licence; the files live in the
repository's ``tests/data/haxby2001`` folder next to their README (provenance
and licence). Run this example from a checkout of the repository.
"""

# %%
# Run-wise patterns
# -----------------
# Each volume's label (0 rest, 1 face, 2 house, ...) and run are in a text
# file. :func:`~rsatoolbox_topo.bridges.nilearn.fmri_patterns` masks the image
# with nilearn's ``NiftiMasker``, standardises every voxel within each run and
# averages the volumes of each condition in each run.
from functools import partial
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from rsatoolbox_topo import rgtm
from rsatoolbox_topo.bridges.nilearn import (fmri_patterns, region_rdms,
                                             searchlight_img)
from rsatoolbox_topo.searchlight import searchlight

# The data are in the repository's tests/data folder: look for it from here
# upwards (sphinx-gallery runs examples from the examples/ folder).
here = Path(__file__).parent if "__file__" in globals() else Path.cwd()
root = next(folder for folder in [here.resolve(), *here.resolve().parents]
            if (folder / "tests" / "data" / "haxby2001").is_dir())
data = root / "tests" / "data" / "haxby2001" / "slice"
names = np.array(["rest", "face", "house", "shoe", "cat", "scissors",
                  "scrambledpix", "bottle", "chair"])
labels, runs = np.loadtxt(data / "attributes.txt", dtype=int).T

dataset = fmri_patterns(str(data / "bold.nii.gz"), names[labels], runs,
                        mask_img=str(data / "mask.nii.gz"), exclude=["rest"],
                        standardize="zscore_sample")
print(f"{dataset.n_obs} patterns (runs x conditions) of "
      f"{dataset.n_channel} voxels")

# %%
# Crossvalidated RDM and its RGTM
# -------------------------------
# rsatoolbox's crossnobis distance, crossvalidated over runs, is unbiased:
# pairs whose patterns do not differ scatter around 0 (some are negative).
# The RGTM keeps the neighbourhood structure: pairs in the lowest 20 % of
# ranks become 0, those in the top 20 % become 1.
rdm = region_rdms(dataset, group_by=None)
topo = rgtm(rdm, lower=0.2, upper=0.8)
conditions = rdm.pattern_descriptors["conditions"]

fig, axes = plt.subplots(1, 2, figsize=(9, 4.6), layout="constrained")
for ax, matrix, title in [(axes[0], rdm, "crossnobis RDM"),
                          (axes[1], topo, "RGTM (0.2, 0.8)")]:
    im = ax.imshow(matrix.get_matrices()[0], cmap="viridis")
    ax.set_xticks(range(8), conditions, rotation=90)
    ax.set_yticks(range(8), conditions)
    ax.set_title(title)
    fig.colorbar(im, ax=ax, shrink=0.8)

# %%
# Searchlight with a model
# ------------------------
# The searchlight engine (:mod:`rsatoolbox_topo.searchlight`) works on the
# dataset: its channels carry their voxel index and the dataset the affine.
# The model says that faces, houses and the other objects form three groups.
# Every sphere of 10 mm radius gets its crossnobis RDM, the RGTM of that RDM
# and its correlation with the RGTM of the model. Permuting the model's
# condition labels gives p-values; with only 8 conditions, many permutations
# leave this model unchanged (faces and houses swapped, the 6 others
# shuffled), so the smallest attainable p-value is about 0.04 and nothing
# survives an FDR or family-wise correction: a limit of the design, not of
# the method.
group = np.array([0 if c == "face" else 1 if c == "house" else 2
                  for c in conditions])
model = (group[:, None] != group[None]).astype(float)
result = searchlight(dataset, model, radius=10.0,
                     statistic=partial(rgtm, lower=0.2, upper=0.8),
                     n_permutations=200, random_state=0)
print(result.summary())
print(result.to_frame().nlargest(3, "score")[["x", "y", "z", "n_voxels",
                                              "score", "p_value", "p_fwe"]])

# %%
# The scores of all spheres against the null distribution of the largest
# score of each permutation (the family-wise test); no brain template needed.
result.plot()

# %%
# The bridge turns the result into NIfTI images in the space of the input
# (here one slice), ready for nilearn's plotting or ``img.to_filename``. The
# result itself saves to ``.npz`` or ``.json`` with its geometry, so the
# images can be made again from a saved result.
fig, axes = plt.subplots(1, 2, figsize=(9, 3.5), layout="constrained")
for ax, what, title, cmap in [
        (axes[0], "scores", "model fit (r)", "RdBu_r"),
        (axes[1], "p_values", "uncorrected p", "viridis_r")]:
    img = searchlight_img(result, what)
    values = img.get_fdata()[:, :, 0].T
    im = ax.imshow(values, origin="lower", cmap=cmap)
    ax.set_title(title)
    ax.set_axis_off()
    fig.colorbar(im, ax=ax, shrink=0.8)
plt.show()
