"""The Haxby et al. (2001) slice shared by test modules (not a test module).

tests/data/haxby2001/slice: 40x20x1 voxels, 530 in the mask, 8 categories
plus rest, 12 runs (CC BY-SA 3.0, see the folder's README). The plain
functions load it; a test module gets the fixtures with
``from _haxby import attributes, bold, slice_ds, category_model``.
"""

from pathlib import Path

import numpy as np
import pytest
from rsatoolbox.rdm import RDMs

DATA = Path(__file__).parent / "data" / "haxby2001"
SLICE = DATA / "slice"
NAMES = np.array(["rest", "face", "house", "shoe", "cat", "scissors",
                  "scrambledpix", "bottle", "chair"])


def attributes():
    """Labels and runs of the 1452 volumes of the slice."""
    att = np.loadtxt(SLICE / "attributes.txt", dtype=int)
    return NAMES[att[:, 0]], att[:, 1]


def bold():
    """The slice image, its data and its mask as arrays (nibabel only)."""
    import nibabel as nib

    img = nib.load(SLICE / "bold.nii.gz")
    mask = nib.load(SLICE / "mask.nii.gz").get_fdata() > 0
    return img, img.get_fdata(), mask


def slice_dataset():
    """Run-wise patterns of the slice, standardised within runs, no rest."""
    from rsatoolbox_topo.bridges.nilearn import fmri_patterns

    labels, runs = attributes()
    return fmri_patterns(str(SLICE / "bold.nii.gz"), labels, runs,
                         mask_img=str(SLICE / "mask.nii.gz"), exclude=["rest"],
                         standardize="zscore_sample")


def category_model(dataset):
    """Face / house / other objects: 0 within, 1 between the three groups."""
    cond = np.unique(dataset.obs_descriptors["conditions"])
    group = np.array([0 if c == "face" else 1 if c == "house" else 2
                      for c in cond])
    return RDMs((group[:, None] != group[None]).astype(float)[np.newaxis],
                pattern_descriptors={"conditions": cond})


# ------------------------------------------------------------ fixtures
@pytest.fixture(name="attributes", scope="session")
def attributes_fixture():
    """Labels and runs of the 1452 volumes of the slice."""
    return attributes()


@pytest.fixture(name="bold", scope="session")
def bold_fixture():
    """The slice data and mask as arrays (read with nibabel only)."""
    pytest.importorskip("nibabel")
    return bold()


@pytest.fixture(name="slice_ds", scope="session")
def slice_ds_fixture():
    """Run-wise patterns of the slice, standardised within runs, no rest."""
    pytest.importorskip("nilearn")
    return slice_dataset()


@pytest.fixture(name="category_model", scope="session")
def category_model_fixture(slice_ds):
    """Face / house / other objects: 0 within, 1 between the three groups."""
    return category_model(slice_ds)
