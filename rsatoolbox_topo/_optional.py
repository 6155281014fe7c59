"""Import an optional dependency (an extra) where it is used (private).

The package imports torch, MNE-Python, nilearn, nibabel, giotto-ph and gudhi
only inside the functions that need them, so ``import rsatoolbox_topo`` stays
light. Every such import goes through :func:`import_extra`, so that a missing
extra always fails the same way: an ``ImportError`` that names what needed
it, the package to install and the extra that installs it.
"""

import importlib

__all__ = ["import_extra"]


def import_extra(modules, *, extra, needed_by, pip=None, hint=None):
    """Import ``modules`` or say how to install them.

    Parameters
    ----------
    modules : str | sequence of str
        Module names, imported in order (``"nilearn.maskers"`` imports
        ``nilearn`` too).
    extra : str
        The rsatoolbox_topo extra that installs them (``"torch"``).
    needed_by : str
        What needs them, for the message (``"rsatoolbox_topo.bridges.mne"``).
    pip : str, optional
        The pip requirement(s) to name; the first module's top-level name by
        default.
    hint : str, optional
        A sentence appended to the message (for instance where to find a
        CUDA build).

    Returns
    -------
    module
        The first module (its top-level package when a dotted name is
        given).
    """
    if isinstance(modules, str):
        modules = (modules,)
    try:
        loaded = [importlib.import_module(name) for name in modules]
    except ImportError as err:
        top = modules[0].split(".")[0]
        message = (f"{needed_by} needs {pip or top}, which is not installed. "
                   f"Install it with 'pip install {pip or top}' or, in the "
                   f"rsatoolbox_topo folder, 'pip install \".[{extra}]\"'.")
        if hint:
            message += " " + hint
        raise ImportError(message) from err
    first = modules[0].split(".")[0]
    return importlib.import_module(first) if loaded else None
