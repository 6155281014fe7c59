"""The exceptions module lists every warning class the package defines."""

import inspect

from rsatoolbox_topo import exceptions


def test_every_warning_class_is_exported():
    """``exceptions.__all__`` names every TopoWarning subclass defined there."""
    defined = {name for name, obj in inspect.getmembers(exceptions,
                                                        inspect.isclass)
               if issubclass(obj, exceptions.TopoWarning)
               and obj.__module__ == exceptions.__name__}
    assert "InferenceWarning" in defined
    assert defined == set(exceptions.__all__)
