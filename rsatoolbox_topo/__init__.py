"""rsatoolbox_topo: topological representational similarity analysis (tRSA).

A plugin for rsatoolbox implementing the geo-topological statistics of
Lin & Kriegeskorte (2024, PNAS, doi:10.1073/pnas.2317881121): rank RDMs,
representational geo-topological matrices (RGTM) and geodesic distance
matrices (RGDM), with the evaluation protocol and the inference that use them.

Importing the package never imports torch, mne or nilearn; the bridges to
those libraries live in :mod:`rsatoolbox_topo.bridges` and import them when
used. The statistics below are imported on first use (PEP 562), so that
``import rsatoolbox_topo`` and the command line start at once and a Ctrl-C
while they load rsatoolbox is answered in one line.
"""

import importlib

__version__ = "0.1.0"

__all__ = ["rank_normalize", "rgtm", "rgdm", "regime", "REGIMES",
           "TopoStatistic", "as_statistic", "__version__"]

_FROM_STATISTICS = ("rank_normalize", "rgtm", "rgdm", "regime", "REGIMES",
                    "TopoStatistic", "as_statistic")


def __getattr__(name):
    if name in _FROM_STATISTICS:
        value = getattr(importlib.import_module(".statistics", __name__),
                        name)
        globals()[name] = value
        return value
    try:
        return importlib.import_module(f".{name}", __name__)
    except ModuleNotFoundError as exc:
        if exc.name != f"{__name__}.{name}":
            raise
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
