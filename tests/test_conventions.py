"""Every public function follows the one naming table (docs: Conventions)."""

import importlib
import inspect

import pytest

MODULES = ["statistics", "graphs", "topology", "identification", "inference",
           "models", "timecourse", "searchlight", "simulation", "io",
           "datasets", "vis", "report", "bridges.torch", "bridges.mne",
           "bridges.nilearn"]

# name -> the one name of the naming table
RENAMED = {"ci": "ci_level", "confidence_level": "ci_level",
           "compare": "method", "seed": "random_state",
           "rng": "random_state", "n_perm": "n_permutations",
           "n_boot": "n_bootstrap"}
# The seed that names a simulated network (its cache key, one individual of
# the simulation) is data, not a random_state: see the naming table.
SEED_OK = {"train_network"}
# 'verbose' only where it is handed to MNE's or nilearn's own logging.
VERBOSE_OK = {"epochs_to_dataset", "time_resolved_rdms", "fmri_patterns"}
# rsatoolbox's N, kept by the inference drivers so rsatoolbox code runs.
N_OK_MODULE = "rsatoolbox_topo.inference"
# Dissimilarity measures that are no comparator: a 'method' defaulting to
# one of these would be the old meaning of 'method'.
DISSIMILARITY_ONLY = {"crossnobis", "correlation", "mahalanobis", "poisson",
                      "poisson_cv"}
# Identification's class / individual descriptors, used with that meaning.
BY_OK_MODULES = {"rsatoolbox_topo.identification",
                 "rsatoolbox_topo.simulation", "rsatoolbox_topo.report"}


def _public_callables():
    for name in MODULES:
        try:
            module = importlib.import_module(f"rsatoolbox_topo.{name}")
        except ImportError:  # an extra that is not installed
            continue
        for attr in getattr(module, "__all__", []):
            obj = getattr(module, attr)
            if inspect.isfunction(obj):
                yield f"{module.__name__}.{attr}", module.__name__, obj
            elif inspect.isclass(obj):
                for meth, func in vars(obj).items():
                    if inspect.isfunction(func) and not meth.startswith("_"):
                        yield (f"{module.__name__}.{attr}.{meth}",
                               module.__name__, func)


CALLABLES = sorted(_public_callables(), key=lambda item: item[0])


def test_the_modules_are_there():
    assert len(CALLABLES) > 60


@pytest.mark.parametrize("qualname, module, func", CALLABLES,
                         ids=[c[0].removeprefix("rsatoolbox_topo.")
                              for c in CALLABLES])
def test_parameter_names_follow_the_naming_table(qualname, module, func):
    params = inspect.signature(func).parameters
    for old, new in RENAMED.items():
        if old == "seed" and func.__name__ in SEED_OK:
            continue
        assert old not in params, f"{qualname}: '{old}' is spelled '{new}'"
    # An interval's level and method (a heading's or a noise level is not).
    assert not {"level", "method"} <= set(params), (
        f"{qualname}: an interval's level and method are 'ci_level' and "
        "'ci_method'")
    if "verbose" in params:
        assert func.__name__ in VERBOSE_OK, (
            f"{qualname}: a progress bar is 'progress'; 'verbose' is only "
            "for MNE's and nilearn's own logging")
    if "N" in params:
        assert module == N_OK_MODULE, f"{qualname}: 'N' is 'n_bootstrap'"
    if "by" in params:
        assert module in BY_OK_MODULES, (
            f"{qualname}: 'by' is identification's class descriptor")
    if "method" in params:
        default = params["method"].default
        assert default not in DISSIMILARITY_ONLY, (
            f"{qualname}: 'method' is the comparator; a dissimilarity "
            "measure is 'dissimilarity'")
