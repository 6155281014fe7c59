"""Bridges from other libraries (torch, MNE, nilearn) to rsatoolbox objects.

Each bridge lives in its own submodule and imports its third-party library
lazily, so that ``import rsatoolbox_topo`` and ``import rsatoolbox_topo.bridges``
never import torch, MNE or nilearn. Import a bridge explicitly, e.g.
``from rsatoolbox_topo.bridges import torch as topo_torch``.
"""
