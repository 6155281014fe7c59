"""Shared fixtures: seeded random generators and the embedded real RDMs."""

import numpy as np
import pytest


@pytest.fixture
def rng():
    """A seeded generator, so that every test is reproducible."""
    return np.random.default_rng(20240923)


@pytest.fixture(scope="session")
def rdms_92():
    """The real 92-image RDMs shipped with the package (a dict of RDMs)."""
    from rsatoolbox_topo.datasets import load_92images

    return load_92images()
