"""Input checks shared by all public functions.

Every check raises with the same shape of message, naming the parameter, what
is allowed and what was given (the convention of MNE's ``_check_option`` and
scikit-learn's parameter validation).
"""

import numbers

import numpy as np
from rsatoolbox.rdm import RDMs


def check_option(name, value, allowed):
    """Return ``value`` if it is one of ``allowed``, else raise ValueError."""
    if isinstance(value, str) and value in allowed:
        return value
    options = ", ".join(repr(a) for a in allowed[:-1])
    options = f"{options} and {allowed[-1]!r}" if options else repr(allowed[-1])
    raise ValueError(
        f"Invalid value for the '{name}' parameter. Allowed values are "
        f"{options}, but got {value!r} instead."
    )


#: rsatoolbox's dissimilarity measures (``calc_rdm``'s ``method``), for the
#: hint of :func:`check_comparator`.
DISSIMILARITIES = ("euclidean", "correlation", "mahalanobis", "crossnobis",
                   "poisson", "poisson_cv")


def check_comparator(value, allowed, name="method"):
    """:func:`check_option` for a comparator of RDMs (``method``).

    A dissimilarity measure given where a comparator is expected (the name
    ``method`` meant the dissimilarity in earlier versions) gets a
    ValueError that points to ``dissimilarity``.
    """
    if isinstance(value, str) and value not in allowed \
            and value in DISSIMILARITIES:
        options = ", ".join(repr(a) for a in allowed)
        raise ValueError(
            f"Invalid value for the '{name}' parameter: it is the comparator "
            f"of RDMs ({options}), and {value!r} is a dissimilarity measure; "
            f"did you mean dissimilarity={value!r}?")
    return check_option(name, value, allowed)


def refuse_method(method, function):
    """A ValueError for ``method`` given to a function that computes RDMs.

    Such functions call the dissimilarity measure ``dissimilarity`` (it was
    ``method``, as in rsatoolbox's ``calc_rdm``); ``method`` is the
    comparator elsewhere, so an old call must not pass silently.
    """
    if method is None:
        return
    hint = (f"; did you mean dissimilarity={method!r}?"
            if isinstance(method, str) and method in DISSIMILARITIES else ".")
    raise ValueError(
        f"The 'method' parameter is not one of {function}: the dissimilarity "
        "measure is 'dissimilarity' (renamed from 'method'; 'method' names "
        f"how RDMs are compared). Got method={method!r}{hint}")


def _in_range(name, value, low, high, kind):
    """``value`` if ``low <= value <= high``, else a ValueError saying so."""
    if (low is not None and value < low) or (high is not None and value > high):
        raise ValueError(
            f"The '{name}' parameter must be {kind}{_range_text(low, high)}. "
            f"Got {value!r} instead.")
    return value


def check_real(name, value, low=None, high=None, *, allow_none=False):
    """Return ``value`` as a float after checking ``low <= value <= high``."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real) \
            or not np.isfinite(value):
        raise TypeError(
            f"The '{name}' parameter must be a finite real number"
            f"{_range_text(low, high)}. Got {value!r} instead."
        )
    return _in_range(name, float(value), low, high, "a float")


def check_int(name, value, low=None, high=None):
    """Return ``value`` as an int after checking ``low <= value <= high``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"The '{name}' parameter must be an integer"
            f"{_range_text(low, high)}. Got {value!r} instead."
        )
    return _in_range(name, int(value), low, high, "an integer")


def is_real_dtype(dtype):
    """True for integer and float dtypes (not bool, complex, str, object)."""
    return np.dtype(dtype).kind in "iuf"


def check_fraction(name, value):
    """Return ``value`` as a float strictly between 0 and 1.

    For probabilities and levels where both ends are meaningless: a
    confidence level of 1, a significance level of 0.
    """
    value = check_real(name, value, 0.0, 1.0)
    if not 0.0 < value < 1.0:
        raise ValueError(
            f"The '{name}' parameter must be a float in (0, 1), both ends "
            f"excluded. Got {value!r} instead.")
    return value


def check_bool(name, value):
    """Return ``value`` as a bool if it is True or False (numpy's too)."""
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(
            f"The '{name}' parameter must be True or False. Got {value!r} "
            f"instead.")
    return bool(value)


def _range_text(low, high):
    if low is not None and high is not None:
        return f" in [{low}, {high}]"
    if low is not None:
        return f" >= {low}"
    if high is not None:
        return f" <= {high}"
    return ""


def check_rdms(rdms, name="rdms", min_conditions=3, copy=True):
    """Check that ``rdms`` is an rsatoolbox RDMs object with enough conditions.

    Returns the dissimilarities as a float array of shape (n_rdm, n_pairs):
    a writable copy by default; with ``copy=False`` a read-only view where
    the caller's array is already float (no copy of large stacks, and no
    code can write into the caller's data through it).
    """
    if not isinstance(rdms, RDMs):
        raise TypeError(
            f"The '{name}' parameter must be an rsatoolbox.rdm.RDMs object. "
            f"Got {type(rdms).__name__} instead; wrap arrays with "
            f"rsatoolbox.rdm.RDMs(dissimilarities)."
        )
    if rdms.n_cond < min_conditions:
        raise ValueError(
            f"The '{name}' parameter must have at least {min_conditions} "
            f"conditions. Got {rdms.n_cond} instead."
        )
    vectors = np.asarray(rdms.dissimilarities)
    if vectors.ndim == 1:
        vectors = vectors[np.newaxis]
    if np.issubdtype(vectors.dtype, np.complexfloating):
        raise TypeError(
            f"The '{name}' parameter must hold real dissimilarities. Got "
            f"dtype {vectors.dtype} instead; dropping the imaginary part "
            f"is for the caller to decide.")
    if np.issubdtype(vectors.dtype, np.floating):
        if copy:
            return np.array(vectors, copy=True)
        vectors = vectors.view()
    elif np.issubdtype(vectors.dtype, np.number):
        vectors = vectors.astype(np.float64)
        if copy:
            return vectors
    else:
        raise TypeError(
            f"The '{name}' parameter must hold numeric dissimilarities. "
            f"Got dtype {vectors.dtype} instead.")
    vectors.flags.writeable = False
    return vectors


def check_random_state(random_state):
    """Return a numpy Generator from None, an int >= 0 or a Generator."""
    if random_state is None or isinstance(random_state, np.random.Generator):
        return np.random.default_rng(random_state)
    if isinstance(random_state, numbers.Integral) \
            and not isinstance(random_state, bool) and random_state >= 0:
        return np.random.default_rng(int(random_state))
    raise TypeError(
        "The 'random_state' parameter must be None, an int >= 0 or a "
        f"numpy.random.Generator. Got {random_state!r} instead.")


def plain_value(value):
    """numpy scalars, 0-d arrays and bytes (as read back from hdf5) -> Python
    values; anything else unchanged."""
    if isinstance(value, bytes):
        return value.decode()
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, np.generic):
        return value.item()
    return value


# joblib passes n_jobs to C as an int (10**20 was an OverflowError); far
# more workers than any machine has cores is a typo, not a request.
_MAX_JOBS = 4096


def check_n_jobs(n_jobs, *, allow_none=False):
    """Return ``n_jobs`` if it is a positive int or -1 (all cores).

    ``None`` (with ``allow_none``) leaves the choice to an active
    :func:`joblib.parallel_config` (1 without one).
    """
    if n_jobs is None and allow_none:
        return None
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, numbers.Integral):
        raise TypeError(
            "The 'n_jobs' parameter must be a positive integer or -1. "
            f"Got {n_jobs!r} instead.")
    if n_jobs == 0 or n_jobs < -1:
        raise ValueError(
            "The 'n_jobs' parameter must be a positive integer or -1. "
            f"Got {n_jobs!r} instead.")
    if n_jobs > _MAX_JOBS:
        raise ValueError(
            f"The 'n_jobs' parameter must be a positive integer up to "
            f"{_MAX_JOBS}, or -1 (all cores). Got {n_jobs!r} instead.")
    return int(n_jobs)


def check_progress(progress):
    """Return ``progress`` as a bool if it is True or False."""
    return check_bool("progress", progress)


def apply_statistic(statistic, rdms):
    """``statistic(rdms)`` checked: RDMs of the same shape come back.

    ``statistic`` is None (``rdms`` returned as they are) or what
    :func:`rsatoolbox_topo.statistics.as_statistic` returned.
    """
    if statistic is None:
        return rdms
    out = statistic(rdms)
    if not isinstance(out, RDMs) or out.n_rdm != rdms.n_rdm \
            or out.n_cond != rdms.n_cond:
        raise ValueError(
            "The 'statistic' parameter must return an RDMs object with as "
            "many RDMs and conditions as it was given "
            f"({rdms.n_rdm} RDMs of {rdms.n_cond} conditions). Got "
            f"{type(out).__name__} instead.")
    return out
