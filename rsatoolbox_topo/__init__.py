"""rsatoolbox_topo: topological representational similarity analysis (tRSA).

A plugin for rsatoolbox implementing the geo-topological statistics of
Lin & Kriegeskorte (2024, PNAS, doi:10.1073/pnas.2317881121): rank RDMs,
representational geo-topological matrices (RGTM) and geodesic distance
matrices (RGDM), with the evaluation protocol and the inference that use them.

Importing the package never imports torch, mne or nilearn; the bridges to
those libraries live in :mod:`rsatoolbox_topo.bridges` and import them when
used.
"""

from .statistics import (REGIMES, TopoStatistic, as_statistic, rank_normalize,
                         regime, rgdm, rgtm)

__version__ = "0.1.0"

__all__ = ["rank_normalize", "rgtm", "rgdm", "regime", "REGIMES",
           "TopoStatistic", "as_statistic", "__version__"]
