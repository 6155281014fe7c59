"""Warnings raised by rsatoolbox_topo, all in one place.

Every warning of the package derives from :class:`TopoWarning`, so a user can
silence or escalate all of them at once::

    import warnings
    from rsatoolbox_topo.exceptions import TopoWarning
    warnings.simplefilter("error", TopoWarning)
"""

__all__ = [
    "TopoWarning",
    "DegenerateRDMWarning",
    "CollapsedStatisticWarning",
    "DisconnectedGraphWarning",
    "RDMFileWarning",
    "MissingPairsWarning",
    "CacheWarning",
    "InferenceWarning",
]


class TopoWarning(UserWarning):
    """Base class of all warnings raised by rsatoolbox_topo."""


class DegenerateRDMWarning(TopoWarning):
    """An RDM carries no order information (constant, or all entries tied).

    The statistics still return a defined result (documented per function),
    but it cannot distinguish any pair of conditions.
    """


class CollapsedStatisticWarning(TopoWarning):
    """A statistic gives the same value to every pair of conditions of an RDM.

    Typical cause: an RGDM whose zero-weight edges (pairs below the lower
    threshold) already connect all conditions, so that every geodesic is 0.
    """


class DisconnectedGraphWarning(TopoWarning):
    """A neighbourhood graph has more than one connected component.

    Pairs of conditions in different components have no geodesic; they get
    the explicit value chosen by the ``disconnected`` parameter.
    """


class RDMFileWarning(TopoWarning):
    """Something in the RDM files or their labels looks like a mistake.

    Raised by :func:`rsatoolbox_topo.io.read_rdms`, e.g. for rows of a labels
    table that name files which are not there.
    """


class MissingPairsWarning(TopoWarning):
    """Some pairs of conditions are missing (NaN) in some RDMs.

    Raised by :mod:`rsatoolbox_topo.identification`: a pair missing in any
    RDM is treated as missing in all of them, so that every distance between
    RDMs is taken over the same pairs.
    """


class InferenceWarning(TopoWarning):
    """A probable mistake in the arguments of an inference function.

    For example ``use_correction=True`` with a single cross-validation run
    per bootstrap sample, where no correction is possible.
    """


class CacheWarning(TopoWarning):
    """A cached file (e.g. a trained network) could not be read.

    Raised by :mod:`rsatoolbox_topo.simulation`, which names the file and
    rebuilds it.
    """
