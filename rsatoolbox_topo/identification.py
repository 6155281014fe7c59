"""The evaluation protocol of tRSA: which representation did an RDM come from?

Lin & Kriegeskorte (2024, PNAS, doi:10.1073/pnas.2317881121) measure how
well a statistic of RDMs keeps what distinguishes representations (brain
regions, network layers: the *classes*) while discarding what differs between
*individuals* (subjects, network seeds) without computational meaning:

* :func:`identify`: leave-one-individual-out nearest-centroid
  identification of the class of every held-out RDM;
* :func:`bootstrap_identify`: intervals (six methods, ``ci_method``) from
  a two-factor bootstrap over individuals and conditions (stimuli);
* :func:`threshold_map`: accuracy over the (lower, upper) grid of the RGTM
  (or the two-step RGDM), with bootstrap intervals;
* :func:`nested_threshold_cv`: the honest counterpart of picking the best
  cell in-sample: thresholds chosen on the training individuals only;
* :func:`compare_regimes`: the five regimes of the (lower, upper) triangle
  compared with the rank RDM or the RDM over the same bootstrap samples;
  :func:`compare_statistics`: the same for any statistics.

Every result is immutable and has ``to_frame()`` (a tidy
:class:`pandas.DataFrame`), ``summary()`` (one line), ``plot(ax=None)``
(drawn by :mod:`rsatoolbox_topo.vis`) and ``save(path)`` / ``load(path)``
(``.npz`` or ``.json``, exact round trip, tuple labels included).

``METHODS`` lists the comparators (``method``); ``DEFAULT_N_BOOTSTRAP``
(1000) and ``DEFAULT_N_BOOTSTRAP_TOPOLOGY`` (100, persistent homology) are
the default bootstrap sizes of :func:`bootstrap_identify`.

Missing values: a pair of conditions that is NaN in any RDM is treated as
missing in all RDMs (a :class:`~rsatoolbox_topo.exceptions.MissingPairsWarning`
says so), so that every distance is taken over the same pairs and no
accuracy silently depends on which RDM had gaps.
"""

import functools
import warnings
from copy import deepcopy
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
from rsatoolbox.rdm import RDMs
from rsatoolbox.rdm import compare as _rsa_compare

from . import _fast_identification as _fast
from . import _resampling
from . import topology as _topology
from ._docs import fill_doc
from ._parallel import chunk_bounds, limit_blas_threads, run_tasks
from ._results import Result
from ._validation import check_int, check_n_jobs, check_option, check_progress
from ._validation import check_rdms, check_real
from ._validation import check_random_state as _rng
from .exceptions import (CollapsedStatisticWarning, MissingPairsWarning,
                         TopoWarning)
from .statistics import (REGIMES, TopoStatistic, as_statistic, regime, rgdm,
                         rgtm, statistic_label)

__all__ = ["identify", "bootstrap_identify", "threshold_map",
           "nested_threshold_cv", "compare_regimes", "compare_statistics",
           "IdentificationResult", "BootstrapResult", "ThresholdMap",
           "NestedCVResult", "RegimeComparison", "StatisticsComparison",
           "METHODS", "DEFAULT_N_BOOTSTRAP", "DEFAULT_N_BOOTSTRAP_TOPOLOGY"]

#: The comparators of identification (``method``): Euclidean distance to
#: the centroids, rsatoolbox's comparators and the persistent-homology ones.
METHODS = ("euclidean", "cosine", "corr", "rho-a", "tau-a", "corr_cov",
           "cosine_cov") + _topology.METHODS
#: Bootstrap samples by default: persistent homology costs about 1000 times
#: the Euclidean comparison, so the topological comparators default to 100.
DEFAULT_N_BOOTSTRAP = 1000
DEFAULT_N_BOOTSTRAP_TOPOLOGY = 100
_TIES = ("split", "report")
_MAP_STATISTICS = ("rgtm", "rgdm")
RANK_RDM = "rank RDM"


# ------------------------------------------------------------ input checks
def _py(value):
    """Plain Python scalar (JSON-able) from a numpy scalar."""
    return value.item() if isinstance(value, np.generic) else value


def _unique_in_order(values):
    seen = {}
    for value in values:
        seen.setdefault(_py(value), None)
    return list(seen)


def _check_descriptor(rdms, name, value):
    names = list(rdms.rdm_descriptors)
    if not isinstance(value, str) or value not in names:
        raise ValueError(
            f"Invalid value for the '{name}' parameter. Allowed values are "
            f"the rdm descriptors of 'rdms' ({', '.join(map(repr, names))}), "
            f"but got {value!r} instead.")


def _prepare(rdms, by, across):
    """Vectors, class and individual labels and the (individual, class) grid.

    Raises for fewer than 2 classes or individuals, a class missing in an
    individual, or a (class, individual) pair given twice.
    """
    # A read-only view where the dissimilarities are float64 already: no
    # copy of a large stack, and nothing can write into the caller's data.
    vectors = np.asarray(check_rdms(rdms, copy=False), dtype=np.float64)
    _check_descriptor(rdms, "by", by)
    _check_descriptor(rdms, "across", across)
    if by == across:
        raise ValueError(
            "The 'by' and 'across' parameters must name different rdm "
            f"descriptors. Got by={by!r} and across={across!r}.")
    cls = [_py(v) for v in rdms.rdm_descriptors[by]]
    ind = [_py(v) for v in rdms.rdm_descriptors[across]]
    classes, individuals = _unique_in_order(cls), _unique_in_order(ind)
    for name, what, labels in (("by", "classes", classes),
                               ("across", "individuals", individuals)):
        if len(labels) < 2:
            raise ValueError(
                f"Identification needs at least 2 {what} (descriptor "
                f"'{name}'). Got {len(labels)} ({labels!r}) instead.")
    grid = np.full((len(individuals), len(classes)), -1, dtype=np.intp)
    c_pos = {c: i for i, c in enumerate(classes)}
    s_pos = {s: i for i, s in enumerate(individuals)}
    for k, (c, s) in enumerate(zip(cls, ind)):
        if grid[s_pos[s], c_pos[c]] >= 0:
            raise ValueError(
                f"The 'rdms' parameter has more than one RDM for class "
                f"{c!r} ({by}) of individual {s!r} ({across}); average or "
                "select them first.")
        grid[s_pos[s], c_pos[c]] = k
    missing = np.argwhere(grid < 0)
    if len(missing):
        pairs = ", ".join(f"{classes[c]!r} of {individuals[s]!r}"
                          for s, c in missing[:5])
        raise ValueError(
            f"The 'rdms' parameter must hold one RDM per class ({by}) and "
            f"individual ({across}). Missing: {pairs}"
            f"{', ...' if len(missing) > 5 else ''}.")
    return vectors, classes, individuals, grid


def _drop_missing(vectors, what="'rdms' parameter"):
    """Mark pairs missing in any RDM as missing in all; return validity."""
    if np.any(np.isinf(vectors)):
        raise ValueError(f"The {what} holds infinite dissimilarities; use "
                         "NaN for missing pairs.")
    missing = np.isnan(vectors).any(axis=0)
    valid = ~missing
    if valid.sum() < 2:
        raise ValueError(
            f"The {what} has fewer than 2 pairs of conditions observed (not "
            "NaN) in every RDM; distances between RDMs are undefined.")
    if np.any(missing):
        warnings.warn(
            f"{int(missing.sum())} of {len(missing)} pairs of conditions are "
            f"NaN in some RDM of the {what}; they are left out of all RDMs.",
            MissingPairsWarning, stacklevel=3)
        vectors = vectors.copy()
        vectors[:, missing] = np.nan
    return vectors, valid


def _new_rdms(rdms, vectors):
    return RDMs(vectors, dissimilarity_measure=rdms.dissimilarity_measure,
                descriptors=deepcopy(rdms.descriptors),
                rdm_descriptors=deepcopy(rdms.rdm_descriptors),
                pattern_descriptors=deepcopy(rdms.pattern_descriptors))


def _check_statistic(statistic):
    """The one statistic type (see :func:`statistics.as_statistic`)."""
    return as_statistic(statistic)


def _apply_statistic(rdms, vectors, statistic):
    """Apply ``statistic`` to a copy of ``rdms`` carrying ``vectors``."""
    statistic = as_statistic(statistic)
    if statistic is None:
        return vectors
    if not vectors.flags.writeable:
        # The statistic gets its own copy: one that works in place (as
        # rsatoolbox's transforms do) must not reach the caller's data.
        vectors = np.array(vectors)
    out = statistic(_new_rdms(rdms, vectors))
    if not isinstance(out, RDMs) or out.n_rdm != len(vectors):
        raise TypeError(
            "The 'statistic' parameter must return an RDMs object with one "
            f"RDM per input RDM ({len(vectors)}). Got {type(out).__name__}"
            f"{'' if not isinstance(out, RDMs) else f' with {out.n_rdm}'}"
            " instead.")
    values = np.asarray(out.dissimilarities, dtype=np.float64)
    return values.reshape(len(vectors), -1)


def _rgtm_cell(statistic):
    """(lower, upper) when ``statistic`` is a plain rank/quantile RGTM."""
    return getattr(as_statistic(statistic), "rgtm_cell", None)


def _compare(a, b, method):
    if method in _topology.METHODS:
        # similarity = -RTD (or -label-free distance): higher is closer
        return -_topology.distance_matrix(a, b, method)
    return _rsa_compare(RDMs(a), RDMs(b), method=method)


def _check_common(method, ties=None, topology=False):
    check_option("method", method, METHODS)
    if method in _topology.METHODS and not topology:
        raise ValueError(
            f"The 'method' parameter {method!r} (persistent homology) is "
            "available in identify and bootstrap_identify only: a map or "
            "regime comparison repeats one identification per (lower, "
            "upper) cell, about 231 times the cost of identify. Got "
            f"method={method!r} here.")
    if ties is not None:
        check_option("ties", ties, _TIES)


def _topology_statistic(statistic, method):
    """Topological comparators use rank-normalised RDMs by default."""
    if statistic is None and method in _topology.METHODS:
        return "rank_normalize"
    return statistic


def _check_run(n_bootstrap, n_jobs, progress, low=1):
    n_bootstrap = check_int("n_bootstrap", n_bootstrap, low)
    check_progress(progress)
    return n_bootstrap, check_n_jobs(n_jobs)


# ------------------------------------------------------------ results
def _plot_method(name, summary):
    """A result's ``plot`` method: draws with :mod:`rsatoolbox_topo.vis`."""

    def plot(self, ax=None, **kwargs):
        from . import vis

        return getattr(vis, name)(self, ax=ax, **kwargs)

    plot.__doc__ = f"""{summary}

        Drawn by :func:`rsatoolbox_topo.vis.{name}`.

        Parameters
        ----------
        %(ax)s
        **kwargs
            Further options of :func:`rsatoolbox_topo.vis.{name}`.

        Returns
        -------
        matplotlib.axes.Axes
        """
    return fill_doc(plot)


def _summary_stats(credit, dist, n_tied, m, method):
    """Confusion matrix and derived figures from per-RDM credits."""
    m = np.asarray(m, dtype=np.float64)
    n_class = credit.shape[1]
    confusion = np.einsum("s,sij->ij", m, credit)
    total = m.sum()
    sensitivity = np.diagonal(confusion) / total
    false_alarm = confusion.sum(axis=0) - np.diagonal(confusion)
    specificity = 1.0 - false_alarm / (total * (n_class - 1))
    dist = dist[m > 0]
    if method in _topology.METHODS:
        dist = -dist
    elif method != "euclidean":
        dist = 1.0 - dist
    eye = np.eye(n_class, dtype=bool)
    within = np.nanmean(dist[:, eye])
    between = np.nanmean(dist[:, ~eye])
    ratio = within / between if between > 0 else np.nan
    n_ties = float(np.sum(m[:, None] * (n_tied > 1)))
    accuracy = float(np.trace(confusion) / (total * n_class))
    return accuracy, confusion, sensitivity, specificity, float(ratio), \
        n_ties


@dataclass(frozen=True, eq=False)
class IdentificationResult(Result):
    """Result of :func:`identify`.

    Parameters
    ----------
    accuracy : float
        Fraction of held-out RDMs assigned to their own class (tied RDMs
        count ``1/k`` with ``ties='split'``, 0 with ``ties='report'``).
    chance : float
        ``1 / n_classes``.
    classes, individuals : tuple
        Labels, in order of first appearance in the RDMs (as Python
        scalars; a label that is a tuple stays a tuple through save/load).
    confusion : ndarray, shape (n_classes, n_classes)
        Rows: true class, columns: assigned class; fractional counts.
    sensitivity : ndarray, shape (n_classes,)
        Hit rate per class (row-normalised diagonal).
    specificity : ndarray, shape (n_classes,)
        Correct-rejection rate per class: of the RDMs of other classes,
        the fraction not assigned to this one.
    distance_ratio : float
        Mean distance of held-out RDMs to their own class's centroid
        divided by the mean distance to the other centroids (below 1 when
        classes are distinguishable; with a comparator, distance is
        ``1 - similarity``).
    n_ties : float
        Number of held-out RDMs nearest to more than one centroid.
    distances : ndarray, shape (n_individuals, n_classes, n_classes)
        Distance (Euclidean) or similarity (comparators) of each held-out
        RDM (individual, true class) to each leave-out centroid.
    credit : ndarray, shape (n_individuals, n_classes, n_classes)
        Credit given to each candidate class for each held-out RDM.
    method, ties, statistic : str
        What was computed (``statistic`` is a label).
    """

    accuracy: float
    chance: float
    classes: tuple
    individuals: tuple
    confusion: np.ndarray
    sensitivity: np.ndarray
    specificity: np.ndarray
    distance_ratio: float
    n_ties: float
    distances: np.ndarray
    credit: np.ndarray
    method: str = "euclidean"
    ties: str = "split"
    statistic: str = "none"

    def summary(self):
        """One line: accuracy, chance, classes, individuals, ties.

        Returns
        -------
        str
        """
        return (f"accuracy {self.accuracy:.3f} (chance {self.chance:.3f}), "
                f"{len(self.classes)} classes x {len(self.individuals)} "
                f"individuals, statistic {self.statistic}, method "
                f"{self.method}, {self.n_ties:g} tied")

    def to_frame(self):
        """One row per held-out RDM: individual, true and assigned class.

        Returns
        -------
        pandas.DataFrame
            Columns ``individual``, ``true_class``, ``assigned`` (the nearest
            class; tied classes joined with ``' | '``), ``n_tied``,
            ``credit`` (credit given to the true class) and ``distance``
            (to the own-class centroid).
        """
        rows = []
        higher = self.method != "euclidean"
        for s, ind in enumerate(self.individuals):
            for c, cls in enumerate(self.classes):
                d = self.distances[s, c]
                best = np.nanmax(d) if higher else np.nanmin(d)
                tied = np.flatnonzero(self.credit[s, c] > 0) \
                    if self.ties == "split" else \
                    np.flatnonzero(_fast.tied_mask(d, best, higher))
                rows.append({
                    "individual": ind, "true_class": cls,
                    "assigned": " | ".join(str(self.classes[t])
                                           for t in tied),
                    "n_tied": len(tied),
                    "credit": float(self.credit[s, c, c]),
                    "distance": float(d[c])})
        return pd.DataFrame(rows)

    plot = _plot_method(
        "plot_identification",
        "Confusion matrix (row-normalised) with accuracy and chance.")


@fill_doc
def identify(rdms, by, across, statistic=None, method="euclidean",
             ties="split"):
    """Leave-one-individual-out nearest-centroid identification.

    For each individual in turn, each class's centroid is the mean of the
    other individuals' (transformed, vectorised) RDMs of that class; each of
    the held-out individual's RDMs is assigned to the nearest centroid.
    Accuracy pools all held-out RDMs (Lin & Kriegeskorte, 2024).

    Parameters
    ----------
    %(id_rdms)s
    %(by)s
    %(across)s
    %(statistic)s
        It must act on each RDM separately. With a persistent-homology
        ``method`` and ``statistic=None``, the RDMs are rank-normalised.
    %(id_method)s
        Their ``distances`` are similarities ``-RTD`` (or minus the diagram
        distance).
    %(ties)s

    Returns
    -------
    IdentificationResult

    Notes
    -----
    Pairs of conditions missing (NaN) in any RDM are left out of all RDMs,
    before the statistic, with a :class:`MissingPairsWarning`.

    The values are scaled by a power of two before any square (exact in
    floating point), so the result does not depend on a common scale of
    the RDMs within the float range. Besides its input (and the
    statistic's output), ``identify`` holds one stack of class centroids
    and a few arrays of that size at a time.

    Examples
    --------
    Which subject does each session's human-IT RDM come from, given the
    other session?

    >>> from rsatoolbox_topo.datasets import load_92images
    >>> from rsatoolbox_topo.identification import identify
    >>> result = identify(load_92images("hit"), by="subject",
    ...                   across="session")
    >>> result.chance
    0.25
    """
    _check_common(method, ties, topology=True)
    statistic = _check_statistic(_topology_statistic(statistic, method))
    vectors, classes, individuals, grid = _prepare(rdms, by, across)
    vectors, valid = _drop_missing(vectors)
    values = _apply_statistic(rdms, vectors, statistic)
    del vectors
    values, valid = _drop_missing(values, "output of the 'statistic'")
    # The (individual, class, pair) stack is read row by row, not copied.
    return _identify_arrays(_fast.RowStack(values, grid),
                            valid.astype(np.float64), classes, individuals,
                            method, ties, statistic_label(statistic))


def _identify_arrays(T, w, classes, individuals, method, ties, label):
    m = np.ones(T.shape[0])
    credit, dist, n_tied = _fast.loo_credit(T, w, m, method, ties, _compare)
    acc, conf, sens, spec, ratio, n_ties = _summary_stats(
        credit, dist, n_tied, m, method)
    return IdentificationResult(
        accuracy=acc, chance=1.0 / len(classes), classes=tuple(classes),
        individuals=tuple(individuals), confusion=conf, sensitivity=sens,
        specificity=spec, distance_ratio=ratio, n_ties=n_ties,
        distances=dist, credit=credit, method=method, ties=ties,
        statistic=label)


# ------------------------------------------------------------ bootstrap
class _Data:
    """Validated arrays shared by the bootstrap functions.

    ``raw`` holds the untransformed dissimilarities as (individual, class,
    pair), NaN pairs marked missing in all RDMs; ``valid`` the usable pairs.
    """

    def __init__(self, rdms, by, across):
        vectors, self.classes, self.individuals, grid = _prepare(
            rdms, by, across)
        vectors, self.valid = _drop_missing(vectors, "'rdms' parameter")
        self.rdms = rdms
        self.grid = grid
        self.raw = vectors[grid]
        self.n_cond = rdms.n_cond
        self.n_ind, self.n_class = grid.shape


def _accuracy(credit, m, n_class):
    """Accuracy from credits (..., n_ind) and multiplicities (n_ind,)."""
    return credit @ np.asarray(m, dtype=np.float64) / (np.sum(m) * n_class)


def _cells_accuracy(raw, m, w, lowers, uppers, ties):
    credit, _ = _fast.cells_credit(raw, m, w, lowers, uppers, ties)
    return _accuracy(credit, m, raw.shape[1])


def _sample_cells(raw, valid, mult, draws, lowers, uppers, ties,
                  n_cond=None):
    """Accuracies (n_samples, n_cells) of RGTM cells on bootstrap samples.

    ``draws`` may hold fewer than ``n_cond`` conditions per row (the
    leave-one-condition-out rows of the jackknife).
    """
    n_cond = draws.shape[1] if n_cond is None else n_cond
    out = np.empty((len(mult), len(lowers)))
    with limit_blas_threads():
        for b, (m, d) in enumerate(zip(mult, draws)):
            w = _fast.pair_weights(np.bincount(d, minlength=n_cond)) * valid
            out[b] = _cells_accuracy(raw, m, w, lowers, uppers, ties)
    return out


def _sample_general(measure, raw, valid, mult, draws, statistics, method,
                    ties, n_cond=None, full_values=None):
    """Accuracies (n_samples, n_statistics) from literal resampled RDMs.

    Used for statistics other than the plain RGTM and for comparators: the
    resampled RDMs of the drawn individuals are built, transformed, and
    identified with each individual weighted by how often it was drawn.
    ``full_values`` (see :func:`_full_data_values`) holds, per statistic,
    its values on the full data (or None): a row that draws every
    condition once takes them instead of applying the statistic again.
    """
    n_ind, n_class, _ = raw.shape
    n_cond = draws.shape[1] if n_cond is None else n_cond
    out = np.zeros((len(mult), len(statistics) + 1))
    all_cond = np.arange(n_cond)
    for b, (m, d) in enumerate(zip(mult, draws)):
        warned = []
        used = np.flatnonzero(m > 0)
        same_conditions = full_values is not None and \
            np.array_equal(d, all_cond)
        res = sub = None
        for k, statistic in enumerate(statistics):
            if statistic is None and method == "euclidean":
                # No transform: weights on the original pairs are exact.
                w = _fast.pair_weights(np.bincount(
                    d, minlength=n_cond)) * valid
                credit, _, _ = _fast.loo_credit(np.nan_to_num(raw), w, m,
                                                method, ties, _compare)
                out[b, k] = _accuracy(np.trace(credit, axis1=1, axis2=2),
                                      m, n_class)
                continue
            if same_conditions and full_values[k] is not None:
                values = full_values[k][used].reshape(len(used) * n_class,
                                                      -1)
            else:
                if res is None:
                    vec = raw[used].reshape(len(used) * n_class, -1)
                    vec = np.where(valid, vec, np.nan)
                    res = _resampled_vectors(vec, d, n_cond)
                    sub = RDMs(res, dissimilarity_measure=measure)
                values = _quiet_statistic(sub, res, statistic, warned) \
                    if statistic is not None else res
            w = (~np.isnan(values).any(axis=0)).astype(np.float64)
            T = np.zeros((n_ind,) + (n_class, values.shape[1]))
            T[used] = values.reshape(len(used), n_class, -1)
            credit, _, _ = _fast.loo_credit(np.nan_to_num(T), w, m, method,
                                            ties, _compare)
            out[b, k] = _accuracy(np.trace(credit, axis1=1, axis2=2), m,
                                  n_class)
        out[b, -1] = len(warned)
    return out


def _resampled_vectors(vectors, draws, n_cond):
    """Literal resampled RDM vectors of the conditions ``draws``.

    A row of ``n_cond`` draws is a bootstrap sample (see
    ``_fast.resample_vectors``); a shorter row holds distinct conditions
    (a leave-one-condition-out row of the jackknife): the RDMs of that
    subset of conditions.
    """
    if len(draws) == n_cond:
        return _fast.resample_vectors(vectors, draws)
    iu = np.triu_indices(len(draws), 1)
    cols = _fast.pair_index(n_cond)[draws[iu[0]], draws[iu[1]]]
    return vectors[..., cols].astype(np.float64)


def _quiet_statistic(rdms, values, statistic, warned):
    """Apply the statistic, collecting its package warnings in ``warned``.

    A statistic warning in many bootstrap samples (e.g. a disconnected
    graph) is reported once, with a count, by :func:`_warn_samples`.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", TopoWarning)
        out = _apply_statistic(rdms, values, statistic)
    for item in caught:
        if issubclass(item.category, TopoWarning):
            warned.append(item)
        else:
            warnings.warn_explicit(item.message, item.category,
                                   item.filename, item.lineno)
    return out


def _warn_samples(counts, n_samples):
    """One warning for statistic warnings raised inside bootstrap samples."""
    n_warned = int(np.sum(counts > 0))
    if n_warned:
        warnings.warn(
            f"The statistic raised package warnings (e.g. a disconnected "
            f"or collapsed graph) in {n_warned} of {n_samples} bootstrap "
            "samples; run it on the full data to see them.",
            TopoWarning, stacklevel=3)


def _run_samples(function, mult, draws, n_jobs, progress, desc):
    """Run ``function(mult_chunk, draws_chunk)`` over chunks of samples.

    The samples are drawn before (in the parent), so the result is the same
    whatever ``n_jobs`` or the joblib backend is.
    """
    bounds = chunk_bounds(len(mult), n_jobs, min_chunks=min(len(mult), 50))
    # The data bound first into ``function`` (a partial) is handed to the
    # runner as shared arguments, so that joblib sends it once.
    shared, kwargs = (), {}
    if isinstance(function, functools.partial):
        function, shared, kwargs = (function.func, function.args,
                                    function.keywords)
    out = run_tasks(function, [(mult[a:b], draws[a:b]) for a, b in bounds],
                    shared=shared, shared_kwargs=kwargs, n_jobs=n_jobs,
                    progress=progress,
                    desc=desc, unit="sample",
                    sizes=[b - a for a, b in bounds])
    return np.concatenate(out, axis=0)


# ------------------------------------------------------------ resampling
def _general_statistics(lowers, uppers, statistics, method):
    """The columns scored from literal RDMs: the statistics, after the RGTM
    cells when the fast engine does not take those (another comparator)."""
    if len(lowers) and method != "euclidean":
        return _rgtm_partials(lowers, uppers) + list(statistics)
    return list(statistics)


def _full_data_values(data, statistics):
    """Per statistic, its values on the full data (n_ind, n_class, n_pairs),
    or None where they cannot stand for a resampled set's.

    A :class:`TopoStatistic` transforms each RDM on its own, so on a sample
    that keeps every condition once (a one-factor bootstrap of the
    individuals) the drawn individuals' values are rows of these: computed
    once instead of once per sample. Any other callable may look at all
    RDMs at once and is applied per sample.
    """
    n_ind, n_class, _ = data.raw.shape
    vec = np.where(data.valid, data.raw.reshape(n_ind * n_class, -1), np.nan)
    rdms = RDMs(vec, dissimilarity_measure=data.rdms.dissimilarity_measure)
    out = []
    for statistic in statistics:
        if isinstance(as_statistic(statistic), TopoStatistic):
            values = _quiet_statistic(rdms, vec, statistic, [])
            out.append(values.reshape(n_ind, n_class, -1))
        else:
            out.append(None)
    return out


def _sample_accuracies(raw, valid, mult, draws, *, measure, n_cond, lowers,
                       uppers, statistics, method, ties, full_values=None):
    """Accuracies (n_samples, n_cells + n_statistics) and, in the last
    column, how many package warnings the statistics raised per sample.

    RGTM cells with the Euclidean method go through the fast engine; other
    cells and every statistic build the resampled RDMs.
    """
    parts = []
    if len(lowers) and method == "euclidean":
        parts.append(_sample_cells(raw, valid, mult, draws, lowers, uppers,
                                   ties, n_cond))
    statistics = _general_statistics(lowers, uppers, statistics, method)
    if len(statistics):
        parts.append(_sample_general(measure, raw, valid, mult, draws,
                                     statistics, method, ties, n_cond,
                                     full_values))
    else:
        parts.append(np.zeros((len(mult), 1)))
    return np.concatenate(parts, axis=1)


class _Scorer:
    """Scores the same columns (RGTM cells, then statistics) on any rows of
    (individual counts, condition draws): bootstrap samples, jackknife rows,
    one-factor samples."""

    def __init__(self, data, method, ties, lowers=(), uppers=(),
                 statistics=(), n_jobs=1, progress=False):
        self.data = data
        self.n_jobs, self.progress = n_jobs, progress
        self.function = functools.partial(
            _sample_accuracies, data.raw, data.valid,
            measure=data.rdms.dissimilarity_measure,
            n_cond=data.n_cond, lowers=np.asarray(lowers, dtype=np.float64),
            uppers=np.asarray(uppers, dtype=np.float64),
            statistics=list(statistics), method=method, ties=ties)

    def __call__(self, mult, draws, desc):
        function = self.function
        kw = function.keywords
        general = _general_statistics(kw["lowers"], kw["uppers"],
                                      kw["statistics"], kw["method"])
        if general and draws.shape[1] == self.data.n_cond and \
                np.array_equal(draws, np.broadcast_to(
                    np.arange(self.data.n_cond), draws.shape)):
            # every row keeps all conditions: transform the RDMs once
            function = functools.partial(
                function, full_values=_full_data_values(self.data, general))
        out = _run_samples(function, mult, draws, self.n_jobs,
                           self.progress, desc)
        return out[:, :-1], out[:, -1]


def _resample(scorer, n_bootstrap, ci_method, rng, jackknife=True):
    """Two-factor bootstrap samples and what ``ci_method`` needs.

    The two-factor samples are drawn first, so they are the same for a
    seed whatever the interval method. 'bca' and 'corrected' add the
    leave-one-individual-out and leave-one-condition-out accuracies (NaN
    where fewer than 2 individuals or 3 conditions would remain; they draw
    no random numbers), so that a result made with the default gives every
    interval method; 'corrected' adds the two one-factor bootstraps
    (individuals only, conditions only) drawn after the two-factor samples.
    """
    data = scorer.data
    n_ind, n_cond = data.n_ind, data.n_cond
    mult, draws = _resampling.draw_two_factor(rng, n_ind, n_cond, n_bootstrap)
    samples, warned = scorer(mult, draws, "bootstrap")
    _warn_samples(warned, n_bootstrap)
    if ci_method == "corrected" and n_bootstrap and n_ind == 2:
        warnings.warn(
            "Only 2 individuals (groups of 'across'): the "
            "'corrected' interval then uses Student's t with 1 degree of "
            "freedom (12.7 bootstrap SDs each side of the estimate) and "
            "usually spans every possible accuracy; two units cannot "
            "estimate how the accuracy varies between them. The coverage "
            "study tested 5 and 20 individuals (see the Uncertainty guide).",
            TopoWarning, stacklevel=3)
    out = {"samples": samples, "individual_counts": mult,
           "condition_draws": draws}
    all_cond = np.arange(n_cond)
    k = samples.shape[1]
    if ci_method == "bca" or (ci_method == "corrected" and jackknife):
        # n_ind + n_cond rows, against 3 x n_bootstrap for 'corrected'
        out["jackknife_individuals"] = scorer(
            1 - np.eye(n_ind, dtype=np.int64), np.tile(all_cond, (n_ind, 1)),
            "jackknife")[0] if n_ind >= 3 else np.full((n_ind, k), np.nan)
        out["jackknife_conditions"] = scorer(
            np.ones((n_cond, n_ind), dtype=np.int64),
            np.array([np.delete(all_cond, c) for c in range(n_cond)]),
            "jackknife")[0] if n_cond >= 4 else np.full((n_cond, k), np.nan)
    if ci_method == "corrected":
        ind = _resampling.draw_individuals(rng, n_ind, n_bootstrap,
                                           min_distinct=2)
        counts = np.stack([np.bincount(r, minlength=n_ind) for r in ind]) \
            if n_bootstrap else np.zeros((0, n_ind), dtype=np.int64)
        out["one_factor_individuals"] = scorer(
            counts, np.tile(all_cond, (n_bootstrap, 1)), "bootstrap")[0]
        cond = _resampling.draw_conditions(rng, n_cond, n_bootstrap,
                                           min_distinct=3, sort=True)
        out["one_factor_conditions"] = scorer(
            np.ones((n_bootstrap, n_ind), dtype=np.int64), cond,
            "bootstrap")[0]
    return out


def _per_individual(credit, n_class):
    """Leave-one-out accuracy of each held-out individual (last axis)."""
    return np.moveaxis(np.asarray(credit, dtype=np.float64) / n_class, -1, 0)


def _check_level(level, name="ci_level"):
    level = check_real(name, level, 0.0, 1.0)
    if not 0 < level < 1:
        raise ValueError(f"The '{name}' parameter must be a float in (0, 1)."
                         f" Got {level!r} instead.")
    return level


def _check_ci_level(ci_level, ci_method):
    check_option("ci_method", ci_method, _resampling.INTERVAL_METHODS)
    return _check_level(ci_level)


# What each interval method needs besides the bootstrap samples.
_NEEDS = {"bca": ("jackknife_individuals", "jackknife_conditions"),
          "t": ("unit_values",),
          "corrected": ("one_factor_individuals", "one_factor_conditions")}
_RESAMPLED = ("samples", "jackknife_individuals", "jackknife_conditions",
              "one_factor_individuals", "one_factor_conditions")


def _interval(data, estimate, method, level, n_units, made_with,
              transform=None):
    """Interval of ``estimate`` from stored resampling data.

    ``data`` maps ``'samples'``, ``'unit_values'`` and the names of
    :data:`_RESAMPLED` to arrays (or None where not computed), all of the
    estimate's trailing shape; ``transform`` (the paired differences of a
    comparison) is applied to each, the estimate included. Accuracies are
    clipped to [0, 1], differences to [-1, 1].
    """
    arrays = {name: data.get(name) for name in _RESAMPLED + ("unit_values",)}
    arrays["estimate"] = estimate
    if transform is not None:
        arrays = {k: None if v is None else transform(np.asarray(v))
                  for k, v in arrays.items()}
    if arrays["samples"] is None and method != "t":
        raise ValueError(
            "This result has no bootstrap samples (n_bootstrap=0), so it "
            f"has no {method!r} interval.")
    missing = [n for n in _NEEDS.get(method, ()) if arrays[n] is None]
    if missing:
        raise ValueError(
            f"This result cannot give a {method!r} interval: it holds no "
            f"{' or '.join(missing)} (it was made with "
            f"ci_method={made_with!r}). Run the analysis again with "
            f"ci_method={method!r}; the same random_state gives the same "
            "bootstrap samples.")
    jack = None
    if method == "bca":
        jack = [arrays["jackknife_individuals"],
                arrays["jackknife_conditions"]]
    one = None
    if method == "corrected":
        one = (arrays["one_factor_individuals"],
               arrays["one_factor_conditions"])
    low, high = _resampling.confidence_interval(
        arrays["samples"], arrays["estimate"], level=level, method=method,
        jackknife=jack, unit_values=arrays["unit_values"], one_factor=one,
        n_units=n_units)
    # Accuracies lie in [0, 1] and their differences in [-1, 1]: the
    # symmetric methods ('t', 'corrected') can reach past them, and
    # clipping to the possible values cannot lose coverage.
    lowest = 0.0 if transform is None else -1.0
    with np.errstate(invalid="ignore"):
        return (np.clip(low, lowest, 1.0), np.clip(high, lowest, 1.0))


@dataclass(frozen=True, eq=False, kw_only=True)
class _Intervals:
    """Intervals recomputed from stored resampling data, without resampling.

    A result stores its bootstrap ``samples`` (n_bootstrap, ...) and, where
    they were computed, what the other interval methods need, all of the
    same trailing shape as the estimate: ``unit_values`` (per held-out
    individual), ``jackknife_individuals`` / ``jackknife_conditions``
    (leave-one-out accuracies) and ``one_factor_individuals`` /
    ``one_factor_conditions`` (one-factor bootstraps).
    """

    ci_method: str
    n_bootstrap: int
    n_individuals: int
    n_conditions: int
    samples: object
    unit_values: object = None
    jackknife_individuals: object = None
    jackknife_conditions: object = None
    one_factor_individuals: object = None
    one_factor_conditions: object = None

    def _interval(self, method, level, transform=None):
        method = self.ci_method if method is None else method
        level = self.ci_level if level is None else level
        check_option("method", method, _resampling.INTERVAL_METHODS)
        level = _check_level(level, "level")
        data = {name: getattr(self, name)
                for name in _RESAMPLED + ("unit_values",)}
        return _interval(data, self.accuracy, method, level,
                         (self.n_individuals, self.n_conditions),
                         self.ci_method, transform)

    def confidence_interval(self, ci_method=None, ci_level=None):
        """Interval of the estimate by another method or level.

        Computed from the stored bootstrap data, without resampling.

        Parameters
        ----------
        ci_method : str | None
            One of ``'percentile'``, ``'basic'``, ``'bc'``, ``'bca'``,
            ``'t'``, ``'corrected'`` (see
            :func:`rsatoolbox_topo._resampling.confidence_interval`); None:
            the result's ``ci_method``. A result made with the default,
            ``ci_method='corrected'``, gives all six; 'bca' needs a result
            made with ``'bca'`` or ``'corrected'`` (jackknife), 'corrected'
            one made with ``'corrected'`` (one-factor bootstraps).
        ci_level : float | None
            In (0, 1); None: the result's ``ci_level``.

        Returns
        -------
        low, high : float or ndarray
            Of the shape of the estimate.
        """
        return self._interval(ci_method, ci_level)


def _excludes(estimate, low, high):
    """True where a finite interval does not contain its estimate."""
    estimate, low, high = (np.asarray(v, dtype=np.float64)
                           for v in (estimate, low, high))
    return (estimate < low) | (estimate > high)


@fill_doc
@dataclass(frozen=True, eq=False)
class BootstrapResult(_Intervals, Result):
    """Result of :func:`bootstrap_identify`.

    Parameters
    ----------
    accuracy : float
        Point estimate on the full data (as :func:`identify`).
    samples : ndarray, shape (n_bootstrap,)
        Accuracy of each bootstrap sample.
    ci : tuple of float
        Interval ``(low, high)`` at level ``ci_level`` by ``ci_method``.
    %(ci_level)s
    %(result_chance)s
    individual_counts : ndarray, shape (n_bootstrap, n_individuals)
        How often each individual was drawn in each sample.
    condition_draws : ndarray, shape (n_bootstrap, n_conditions)
        Conditions drawn in each sample (sorted).
    %(result_method_ties)s
    statistic : str
        Label of the statistic.
    %(ci_method)s
        How ``ci`` was made (see :meth:`confidence_interval`).
    %(result_sizes)s
    %(result_resampling)s
        Here ``unit_values`` has shape (n_individuals,); their mean is
        ``accuracy``.
    """

    accuracy: float
    ci: tuple
    ci_level: float
    chance: float
    individual_counts: np.ndarray
    condition_draws: np.ndarray
    method: str
    ties: str
    statistic: str

    def summary(self):
        """One line: accuracy, interval, samples, chance.

        Returns
        -------
        str
        """
        return (f"accuracy {self.accuracy:.3f}, {100 * self.ci_level:g}% "
                f"{self.ci_method} interval [{self.ci[0]:.3f}, "
                f"{self.ci[1]:.3f}] over {self.n_bootstrap} bootstrap "
                f"samples, chance {self.chance:.3f}, statistic "
                f"{self.statistic}, method {self.method}")

    @property
    def ci_excludes_estimate(self):
        """True when the interval does not contain the full-data accuracy."""
        return bool(_excludes(self.accuracy, *self.ci))

    def to_frame(self, summary=False):
        """Bootstrap samples as a table, or a one-row summary.

        Parameters
        ----------
        summary : bool
            False: one row per bootstrap sample (``sample``, ``accuracy``).
            True: one row with the accuracy, the interval, ``ci_level``,
            ``ci_method``, ``n_bootstrap`` and ``ci_excludes_estimate``
            (True flags an interval that does not contain its estimate).

        Returns
        -------
        pandas.DataFrame
        """
        if summary:
            return pd.DataFrame({
                "statistic": [self.statistic], "accuracy": [self.accuracy],
                "ci_low": [self.ci[0]], "ci_high": [self.ci[1]],
                "ci_level": [self.ci_level], "ci_method": [self.ci_method],
                "n_bootstrap": [self.n_bootstrap],
                "ci_excludes_estimate": [self.ci_excludes_estimate],
                "chance": [self.chance]})
        return pd.DataFrame({"sample": np.arange(len(self.samples)),
                             "accuracy": self.samples})

    plot = _plot_method(
        "plot_bootstrap",
        "Histogram of the bootstrap accuracies with the interval.")


@fill_doc
def bootstrap_identify(rdms, by, across, statistic=None, method="euclidean",
                       n_bootstrap=None, ci_level=0.95, random_state=None,
                       n_jobs=1, progress=False, ties="split", *,
                       ci_method="corrected", jackknife=True):
    """Two-factor bootstrap of the identification accuracy.

    Each sample resamples the individuals (with all their RDMs) and the
    conditions (stimuli) with replacement. A pair made of one condition
    drawn twice is dropped. An individual drawn ``k`` times is held out
    ``k`` times, and every time all its copies leave the training set.
    Samples with fewer than 2 distinct individuals (no leave-one-out) or
    fewer than 3 distinct conditions are redrawn.

    Parameters
    ----------
    %(id_rdms)s
    %(by)s
    %(across)s
    %(statistic)s
        As in :func:`identify`.
    %(id_method)s
    n_bootstrap : int | None
        Number of bootstrap samples; None: 1000
        (:data:`DEFAULT_N_BOOTSTRAP`), or 100
        (:data:`DEFAULT_N_BOOTSTRAP_TOPOLOGY`) for the topological methods
        ('rtd', 'rtd-h2' and the two label-free baselines), whose
        identification of 100 RDMs of 100 conditions costs about 35 s of
        one core (measured; see the topology user guide).
    %(ci_level)s
    %(random_state)s
    %(n_jobs)s
    %(progress)s
    %(ties)s
    %(ci_method)s
        'bca' also computes the accuracy with each individual and each
        condition left out (n_individuals + n_conditions more evaluations);
        'corrected' computes these too and runs the two one-factor
        bootstraps (2 x n_bootstrap more samples), so its result gives
        every method afterwards (``confidence_interval(ci_method=...)``);
        't' uses the held-out individuals'
        accuracies. The default, 'corrected', is the only method that
        covered the expected accuracy in at least 93% of simulated data
        sets in every setting of the package's coverage study (0.986-1.000
        at nominal 0.95, 1000 data sets per setting; conservative: 1.3-1.7x
        the width of an exact interval). The resampled leave-one-out
        accuracy is biased low, so the quantile methods can exclude the
        estimate (``BootstrapResult.ci_excludes_estimate``) and covered as
        little as 0.05-0.13 there.
    jackknife : bool
        With ``ci_method='corrected'``, also compute the leave-one-out
        accuracies (so that the result gives ``'bca'`` afterwards):
        n_individuals + n_conditions more evaluations, which can cost far
        more than the samples (measured: 5.3 s of CPU against 0.1 s for 5
        samples of the rank RDM on the 100 simulation RDMs of 100
        conditions). False skips them, as
        :func:`~rsatoolbox_topo.simulation.run_simulation` does in its many
        calls. ``'bca'`` always computes them.

    Returns
    -------
    BootstrapResult
        Its :meth:`~BootstrapResult.confidence_interval` gives the interval
        by another method without resampling.

    Notes
    -----
    Without a statistic, or with a plain RGTM / rank RDM
    (``rgtm``, ``functools.partial(rgtm, lower=..., upper=...)``,
    ``rank_normalize``) and the Euclidean method, samples are computed
    without building resampled RDMs: a pair drawn ``c_i c_j`` times weighs
    ``c_i c_j`` in the ranks, quantiles and distances, which is exactly the
    same. Other statistics and comparators build the resampled RDMs.

    Examples
    --------
    >>> from rsatoolbox_topo.datasets import load_92images
    >>> from rsatoolbox_topo.identification import bootstrap_identify
    >>> boot = bootstrap_identify(load_92images("hit"), by="session",
    ...                           across="subject", n_bootstrap=20,
    ...                           random_state=0)
    >>> len(boot.samples), boot.ci_method
    (20, 'corrected')
    """
    _check_common(method, ties, topology=True)
    statistic = _check_statistic(_topology_statistic(statistic, method))
    if n_bootstrap is None:
        n_bootstrap = DEFAULT_N_BOOTSTRAP_TOPOLOGY \
            if method in _topology.METHODS else DEFAULT_N_BOOTSTRAP
    ci_level = _check_ci_level(ci_level, ci_method)
    n_bootstrap, n_jobs = _check_run(n_bootstrap, n_jobs, progress)
    point = identify(rdms, by, across, statistic, method, ties)
    data = _Data(rdms, by, across)
    cell = _rgtm_cell(statistic)
    if cell is not None and method == "euclidean":
        scorer = _Scorer(data, method, ties, [cell[0]], [cell[1]],
                         n_jobs=n_jobs, progress=progress)
    else:
        scorer = _Scorer(data, method, ties, statistics=[statistic],
                         n_jobs=n_jobs, progress=progress)
    if not isinstance(jackknife, (bool, np.bool_)):
        raise TypeError("The 'jackknife' parameter must be True or False. "
                        f"Got {jackknife!r} instead.")
    out = _resample(scorer, n_bootstrap, ci_method, _rng(random_state),
                    jackknife=bool(jackknife))
    resampled = {k: v[:, 0] for k, v in out.items() if k in _RESAMPLED}
    resampled["unit_values"] = np.trace(point.credit, axis1=1,
                                        axis2=2) / data.n_class
    ci = _interval(resampled, point.accuracy, ci_method, ci_level,
                   (data.n_ind, data.n_cond), ci_method)
    return BootstrapResult(
        accuracy=point.accuracy, ci=tuple(float(v) for v in ci),
        ci_level=ci_level, chance=point.chance,
        individual_counts=out["individual_counts"],
        condition_draws=out["condition_draws"], method=method, ties=ties,
        statistic=point.statistic, ci_method=ci_method,
        n_bootstrap=n_bootstrap, n_individuals=data.n_ind,
        n_conditions=data.n_cond, **resampled)


# ------------------------------------------------------------ (l, u) maps
def _grid(step):
    step = check_real("step", step, 0.0, 0.5)
    n = int(round(1.0 / step)) if step > 0 else 0
    if step <= 0 or abs(n * step - 1.0) > 1e-9:
        raise ValueError(
            "The 'step' parameter must divide 1 into equal parts (e.g. 0.05, "
            f"0.1, 0.25) and be in (0, 0.5]. Got {step!r} instead.")
    return np.arange(n + 1) / n


def _cells_of(grid):
    """(lower, upper) of every cell of the triangle, lower <= upper."""
    i, j = np.triu_indices(len(grid))
    return i, j, grid[i], grid[j]


def _cell_credit(data, m, lowers, uppers, method, ties):
    """Credits (n_cells, n_ind) of RGTM cells on the full data.

    Euclidean: the fast engine; comparators: each cell transformed once
    (the transform is per RDM) and identified exactly with multiplicities
    ``m`` (0 leaves an individual out).
    """
    w = data.valid.astype(np.float64)
    if method == "euclidean":
        with limit_blas_threads():
            return _fast.cells_credit(data.raw, m, w, lowers, uppers,
                                      ties)[0]
    from . import _ranking

    flat = data.raw.reshape(-1, data.raw.shape[-1])
    sr = _ranking.sorted_ranks(flat, w)
    out = np.zeros((len(lowers), data.n_ind))
    for k, T in enumerate(_fast.transform_cells(sr, lowers, uppers)):
        credit, _, _ = _fast.loo_credit(np.nan_to_num(T).reshape(
            data.raw.shape), w, m, method, ties, _compare)
        out[k] = np.trace(credit, axis1=1, axis2=2)
    return out


def _rgtm_partials(lowers, uppers):
    return [functools.partial(rgtm, lower=float(lo), upper=float(up))
            for lo, up in zip(lowers, uppers)]


@fill_doc
@dataclass(frozen=True, eq=False)
class ThresholdMap(_Intervals, Result):
    """Result of :func:`threshold_map`.

    Parameters
    ----------
    lowers, uppers : ndarray
        Grid axes (rows: lower, columns: upper).
    accuracy : ndarray, shape (n_lowers, n_uppers)
        Identification accuracy of each cell on the full data; NaN where
        ``lower > upper``.
    ci_low, ci_high : ndarray | None
        Interval per cell by ``ci_method`` (NaN where not bootstrapped), or
        None without bootstrap.
    samples : ndarray | None
        Bootstrap accuracies, shape (n_bootstrap, n_lowers, n_uppers)
        (NaN for cells not bootstrapped).
    statistic : str
        'rgtm' or 'rgdm'.
    %(result_chance)s
    %(ci_level)s
    %(result_method_ties)s
    collapsed : ndarray
        Cells where the statistic is constant (collapsed) for some RDM:
        for the RGTM the cell ``lower = 1`` and, for heavily tied RDMs,
        cells whose lower threshold reaches the largest rank; for the RGDM
        mostly cells with ``lower > 0``. Collapsed RDMs are equally far from
        all centroids and score chance through the tie rule.
    %(ci_method)s
    %(result_sizes)s
    %(result_resampling)s
        Here with the grid as trailing axes.
    """

    lowers: np.ndarray
    uppers: np.ndarray
    accuracy: np.ndarray
    ci_low: object
    ci_high: object
    statistic: str
    chance: float
    ci_level: float
    method: str
    ties: str
    collapsed: np.ndarray

    def summary(self):
        """One line: grid, best cell (in-sample), chance, bootstrap.

        Returns
        -------
        str
        """
        lower, upper, acc = self.best
        n_cells = int(np.sum(np.isfinite(self.accuracy)))
        return (f"{self.statistic.upper()} map of {n_cells} (lower, upper) "
                f"cells: best {acc:.3f} at ({lower:g}, {upper:g}) "
                f"(in-sample, optimistic), chance {self.chance:.3f}, "
                f"{self.n_bootstrap} bootstrap samples, method "
                f"{self.method}")

    @property
    def best(self):
        """(lower, upper, accuracy) of the best cell (in-sample, optimistic).

        Ties between cells go to the first in grid order (lowest lower,
        then lowest upper).
        """
        flat = np.nanargmax(self.accuracy)
        i, j = np.unravel_index(flat, self.accuracy.shape)
        return (float(self.lowers[i]), float(self.uppers[j]),
                float(self.accuracy[i, j]))

    def to_frame(self):
        """One row per cell: lower, upper, regime, accuracy, interval.

        With bootstrap intervals, ``ci_method`` names how they were made
        and ``ci_excludes_estimate`` flags an interval that does not
        contain the cell's accuracy.

        Returns
        -------
        pandas.DataFrame
        """
        rows = []
        for i, lo in enumerate(self.lowers):
            for j, up in enumerate(self.uppers):
                if lo > up:
                    continue
                row = {"lower": float(lo), "upper": float(up),
                       "regime": regime(lo, up),
                       "accuracy": float(self.accuracy[i, j])}
                if self.ci_low is not None:
                    row["ci_low"] = float(self.ci_low[i, j])
                    row["ci_high"] = float(self.ci_high[i, j])
                    row["ci_method"] = self.ci_method
                    row["ci_excludes_estimate"] = bool(_excludes(
                        self.accuracy[i, j], row["ci_low"], row["ci_high"]))
                if self.collapsed is not None:
                    row["collapsed"] = bool(self.collapsed[i, j])
                rows.append(row)
        return pd.DataFrame(rows)

    plot = _plot_method(
        "plot_threshold_map",
        "Heatmap of the triangle, best cell starred, regimes outlined.")


@fill_doc
def threshold_map(rdms, by, across, statistic="rgtm", step=0.05,
                  n_bootstrap=0, method="euclidean", random_state=None,
                  n_jobs=1, progress=False, *, ci_level=0.95, cells=None,
                  ties="split", ci_method="corrected"):
    """Identification accuracy over the (lower, upper) threshold grid.

    Parameters
    ----------
    %(id_rdms)s
    %(by)s
    %(across)s
    statistic : {'rgtm', 'rgdm'}
        'rgtm': the RGTM of every cell ``0 <= lower <= upper <= 1``
        (diagonal ``lower == upper``, the binary matrix, included), computed
        by a fast path that ranks each RDM once. 'rgdm': the two-step RGDM
        of every cell (slow; cells whose graph collapses are flagged in
        ``collapsed``).
    step : float
        Grid spacing, dividing 1 (0.05 gives 21 x 21 values, 231 cells).
    n_bootstrap : int
        Two-factor bootstrap samples (see :func:`bootstrap_identify`),
        shared by all cells; 0 (default) for none. For 'rgdm' only the
        cells named in ``cells`` are bootstrapped.
    %(id_method)s
    %(random_state)s
    %(n_jobs)s
    %(progress)s
    %(ci_level)s
    cells : list of (lower, upper) | None
        'rgdm' only: the grid cells to bootstrap.
    %(ties)s
    %(ci_method)s

    Returns
    -------
    ThresholdMap

    Notes
    -----
    ``ThresholdMap.best`` is the best cell in-sample, what the paper reports;
    it is optimistic. :func:`nested_threshold_cv` gives the honest accuracy
    of choosing the thresholds from data.

    Examples
    --------
    >>> from rsatoolbox_topo.datasets import load_92images
    >>> from rsatoolbox_topo.identification import threshold_map
    >>> tmap = threshold_map(load_92images("hit"), by="session",
    ...                      across="subject", step=0.25)
    >>> tmap.accuracy.shape
    (5, 5)
    """
    check_option("statistic", statistic, _MAP_STATISTICS)
    _check_common(method, ties)
    grid = _grid(step)
    n_bootstrap, n_jobs = _check_run(n_bootstrap, n_jobs, progress, low=0)
    ci_level = _check_ci_level(ci_level, ci_method)
    data = _Data(rdms, by, across)
    i, j, lowers, uppers = _cells_of(grid)
    shape = (len(grid), len(grid))
    accuracy = np.full(shape, np.nan)
    unit = np.full((data.n_ind,) + shape, np.nan)
    collapsed = None
    if statistic == "rgtm":
        if cells is not None:
            raise ValueError("The 'cells' parameter is only used with "
                             f"statistic='rgdm'. Got cells={cells!r}.")
        m = np.ones(data.n_ind)
        credit = _cell_credit(data, m, lowers, uppers, method, ties)
        accuracy[i, j] = _accuracy(credit, m, data.n_class)
        unit[:, i, j] = _per_individual(credit, data.n_class)
        collapsed = np.zeros(shape, dtype=bool)
        collapsed[i, j] = _constant_rgtm(data, lowers)
        odd = collapsed & (grid[:, None] < 1)
        if np.any(odd):
            k = np.argwhere(odd)[0]
            warnings.warn(
                f"The RGTM is constant for some RDMs in {int(odd.sum())} "
                f"cells with lower < 1 (e.g. lower={grid[k[0]]:g}, "
                f"upper={grid[k[1]]:g}): their dissimilarities are so "
                "heavily tied (e.g. categorical RDMs) that every pair falls "
                "on one side of the thresholds. See ThresholdMap.collapsed.",
                CollapsedStatisticWarning, stacklevel=2)
        boot_idx = np.arange(len(lowers))
        statistics = None
    else:
        boot_idx = _select_cells(cells, grid, n_bootstrap)
        collapsed = np.zeros(shape, dtype=bool)
        statistics = [functools.partial(rgdm, lower=float(lo),
                                        upper=float(up))
                      for lo, up in zip(lowers, uppers)]
        others = {}
        for k, st in enumerate(statistics):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", TopoWarning)
                res = identify(rdms, by, across, st, method, ties)
            accuracy[i[k], j[k]] = res.accuracy
            unit[:, i[k], j[k]] = np.trace(res.credit, axis1=1,
                                           axis2=2) / data.n_class
            for item in caught:
                if issubclass(item.category, CollapsedStatisticWarning):
                    collapsed[i[k], j[k]] = True
                elif issubclass(item.category, TopoWarning):
                    others.setdefault(item.category, set()).add(k)
                else:
                    warnings.warn_explicit(item.message, item.category,
                                           item.filename, item.lineno)
        for category, where in others.items():
            warnings.warn(
                f"{category.__name__} raised by the RGDM in {len(where)} of "
                f"{len(lowers)} cells (e.g. lower={lowers[min(where)]:g}, "
                f"upper={uppers[min(where)]:g}); run rgdm on those cells to "
                "see the details.", category, stacklevel=2)
        if np.any(collapsed):
            warnings.warn(
                f"The RGDM collapsed (all geodesics equal) for some RDMs in "
                f"{int(collapsed.sum())} of {len(lowers)} cells, mostly with "
                "lower > 0; see ThresholdMap.collapsed. Use lower=0 for the "
                "two-step RGDM.", CollapsedStatisticWarning, stacklevel=2)
        statistics = [statistics[k] for k in boot_idx]
    resampled = {"unit_values": unit, "samples": None}
    ci_low = ci_high = None
    if n_bootstrap > 0 and len(boot_idx):
        if statistics is None:
            scorer = _Scorer(data, method, ties, lowers, uppers,
                             n_jobs=n_jobs, progress=progress)
        else:
            scorer = _Scorer(data, method, ties, statistics=statistics,
                             n_jobs=n_jobs, progress=progress)
        out = _resample(scorer, n_bootstrap, ci_method, _rng(random_state))
        for name in _RESAMPLED:
            if name in out:
                values = np.full((len(out[name]),) + shape, np.nan)
                values[:, i[boot_idx], j[boot_idx]] = out[name]
                resampled[name] = values
        ci_low, ci_high = _interval(resampled, accuracy, ci_method, ci_level,
                                    (data.n_ind, data.n_cond), ci_method)
    return ThresholdMap(
        lowers=grid.copy(), uppers=grid.copy(), accuracy=accuracy,
        ci_low=ci_low, ci_high=ci_high, statistic=statistic,
        chance=1.0 / data.n_class, ci_level=ci_level, method=method,
        ties=ties, collapsed=collapsed, ci_method=ci_method,
        n_bootstrap=n_bootstrap, n_individuals=data.n_ind,
        n_conditions=data.n_cond, **resampled)


def _constant_rgtm(data, lowers):
    """Cells whose RGTM is constant for some RDM (full data).

    Ranks are min-max scaled, so the RGTM of an RDM is constant exactly when
    its lower threshold reaches its largest rank (then no pair is above
    it), or when the RDM itself has no two distinct values. The cell
    ``lower = 1`` is such a cell for every RDM.
    """
    from . import _ranking

    flat = data.raw.reshape(-1, data.raw.shape[-1])
    sr = _ranking.sorted_ranks(flat, data.valid.astype(np.float64))
    t_low = _fast.weighted_quantiles(sr, lowers)
    constant = (t_low >= 1.0) | sr.degenerate[:, None]
    return constant.any(axis=0)


def _select_cells(cells, grid, n_bootstrap):
    """Indices (into the cell list) of the RGDM cells to bootstrap."""
    i, j, lowers, uppers = _cells_of(grid)
    if cells is None:
        if n_bootstrap > 0:
            raise ValueError(
                "The 'cells' parameter must list the (lower, upper) cells to "
                "bootstrap with statistic='rgdm' (the RGDM is slow to "
                "bootstrap over the whole grid). Got None instead.")
        return np.array([], dtype=int)
    out = []
    for cell in cells:
        lo, up = (float(v) for v in cell)
        hit = np.flatnonzero(np.isclose(lowers, lo) & np.isclose(uppers, up))
        if not len(hit):
            raise ValueError(
                "The 'cells' parameter must hold (lower, upper) cells of the "
                f"grid (multiples of the step, lower <= upper). Got {cell!r} "
                "instead.")
        out.append(hit[0])
    return np.array(out, dtype=int)


# ------------------------------------------------------------ nested CV
@dataclass(frozen=True, eq=False)
class NestedCVResult(Result):
    """Result of :func:`nested_threshold_cv`.

    Parameters
    ----------
    in_sample_accuracy : float
        Accuracy of the best cell chosen on all individuals (optimistic).
    in_sample_best : tuple of float
        Its (lower, upper).
    nested_accuracy : float
        Accuracy when each outer fold's thresholds are chosen on the
        training individuals only.
    optimism : float
        ``in_sample_accuracy - nested_accuracy``.
    individuals : tuple
        Held-out individual of each outer fold.
    fold_lower, fold_upper : ndarray
        Thresholds chosen in each outer fold.
    fold_inner_accuracy : ndarray
        Inner (training-only) accuracy of the chosen cell per fold.
    fold_accuracy : ndarray
        Accuracy on the held-out individual's RDMs per fold.
    lowers, uppers, accuracy : ndarray
        The in-sample map.
    chance : float
    method, ties : str
    ci : tuple of float
        Interval of ``nested_accuracy`` at level ``ci_level`` by
        ``ci_method`` ('t' over the held-out individuals' accuracies).
    ci_level : float
    ci_method : str
    """

    in_sample_accuracy: float
    in_sample_best: tuple
    nested_accuracy: float
    optimism: float
    individuals: tuple
    fold_lower: np.ndarray
    fold_upper: np.ndarray
    fold_inner_accuracy: np.ndarray
    fold_accuracy: np.ndarray
    lowers: np.ndarray
    uppers: np.ndarray
    accuracy: np.ndarray
    chance: float
    method: str
    ties: str
    ci: tuple
    ci_level: float
    ci_method: str = "t"

    def summary(self):
        """One line: nested and in-sample accuracy, optimism, folds.

        Returns
        -------
        str
        """
        lower, upper = self.in_sample_best
        return (f"nested accuracy {self.nested_accuracy:.3f} "
                f"({100 * self.ci_level:g}% {self.ci_method} interval "
                f"[{self.ci[0]:.3f}, {self.ci[1]:.3f}]), in-sample best "
                f"{self.in_sample_accuracy:.3f} at ({lower:g}, {upper:g}), "
                f"optimism {self.optimism:+.3f}, {len(self.individuals)} "
                f"outer folds, chance {self.chance:.3f}")

    def to_frame(self):
        """One row per outer fold: held-out individual, chosen cell, scores.

        Returns
        -------
        pandas.DataFrame
        """
        return pd.DataFrame({
            "individual": list(self.individuals),
            "lower": self.fold_lower, "upper": self.fold_upper,
            "regime": [regime(lo, up) for lo, up in
                       zip(self.fold_lower, self.fold_upper)],
            "inner_accuracy": self.fold_inner_accuracy,
            "held_out_accuracy": self.fold_accuracy})

    plot = _plot_method(
        "plot_nested_cv",
        "In-sample map with the best cell and every fold's choice marked.")


def _best_cell(acc):
    """Index of the best cell; ties go to the first in grid order."""
    return int(np.argmax(acc))


def _nested_fold(data, s, lowers, uppers, method, ties):
    """Inner choice of the cell with individual ``s`` held out."""
    m = np.ones(data.n_ind)
    m[s] = 0
    inner = _cell_credit(data, m, lowers, uppers, method, ties)
    acc = inner.sum(axis=1) / ((data.n_ind - 1) * data.n_class)
    k = _best_cell(acc)
    return k, acc[k]


@fill_doc
def nested_threshold_cv(rdms, by, across, step=0.05, method="euclidean",
                        *, ties="split", ci_level=0.95, n_jobs=1,
                        progress=False):
    """Honest accuracy of choosing the RGTM thresholds from the data.

    The paper reports the best cell of the (lower, upper) map, chosen on
    the same individuals it is scored on: an optimistic figure. Here each
    individual in turn is held out (outer fold); the thresholds are chosen
    by leave-one-individual-out identification on the remaining
    individuals only, and the held-out individual's RDMs are then
    identified with centroids from all remaining individuals.

    Parameters
    ----------
    %(id_rdms)s
        At least 3 individuals.
    %(by)s
    %(across)s
    step : float
        Grid spacing, as in :func:`threshold_map`.
    %(id_method)s
    %(ties)s
    %(ci_level)s
        The interval is the t interval of the nested accuracy over the
        held-out individuals (each outer fold's accuracy is one value; they
        share training individuals, so the interval is approximate).
    %(n_jobs)s
        The outer folds run in parallel.
    %(progress)s

    Returns
    -------
    NestedCVResult
        In-sample and nested accuracy and their difference (``optimism``).

    Notes
    -----
    Cells with equal inner accuracy: the first in grid order (lowest
    lower, then lowest upper) is chosen, in every fold and in-sample.

    Examples
    --------
    >>> from rsatoolbox_topo.datasets import load_92images
    >>> from rsatoolbox_topo.identification import nested_threshold_cv
    >>> hit = load_92images("hit")
    >>> cv = nested_threshold_cv(hit, by="session", across="subject",
    ...                          step=0.25)
    >>> bool(cv.optimism == cv.in_sample_accuracy - cv.nested_accuracy)
    True
    """
    _check_common(method, ties)
    grid = _grid(step)
    ci_level = _check_ci_level(ci_level, "t")
    n_jobs = check_n_jobs(n_jobs)
    check_progress(progress)
    data = _Data(rdms, by, across)
    if data.n_ind < 3:
        raise ValueError(
            "Nested cross-validation needs at least 3 individuals (descriptor"
            f" 'across'), so that thresholds can be chosen by leave-one-out "
            f"on the training ones. Got {data.n_ind} instead.")
    i, j, lowers, uppers = _cells_of(grid)
    n_ind, n_class = data.n_ind, data.n_class
    full = _cell_credit(data, np.ones(n_ind), lowers, uppers, method, ties)
    acc_full = full.sum(axis=1) / (n_ind * n_class)
    best = _best_cell(acc_full)
    fold = np.zeros((4, n_ind))
    chosen = run_tasks(_nested_fold, [(data, s, lowers, uppers, method, ties)
                                      for s in range(n_ind)],
                       n_jobs=n_jobs, progress=progress, desc="outer folds",
                       unit="fold")
    for s, (k, inner_acc) in enumerate(chosen):
        # The outer test is the full-data leave-one-out of individual s.
        fold[:, s] = lowers[k], uppers[k], inner_acc, full[k, s] / n_class
    accuracy = np.full((len(grid), len(grid)), np.nan)
    accuracy[i, j] = acc_full
    nested = float(fold[3].mean())
    return NestedCVResult(
        in_sample_accuracy=float(acc_full[best]),
        in_sample_best=(float(lowers[best]), float(uppers[best])),
        nested_accuracy=nested, optimism=float(acc_full[best]) - nested,
        individuals=tuple(data.individuals), fold_lower=fold[0],
        fold_upper=fold[1], fold_inner_accuracy=fold[2],
        fold_accuracy=fold[3], lowers=grid.copy(), uppers=grid.copy(),
        accuracy=accuracy, chance=1.0 / n_class, method=method, ties=ties,
        ci=tuple(float(v) for v in _resampling.confidence_interval(
            None, nested, level=ci_level, method="t", unit_values=fold[3])),
        ci_level=ci_level)


# ------------------------------------------------------------ comparisons
def _paired(base):
    """The paired differences to column ``base`` (last axis)."""
    return lambda x: x - x[..., base:base + 1]


@dataclass(frozen=True, eq=False)
class _Comparison(_Intervals):
    """Shared part of the paired comparisons (intervals, table, plot)."""

    names: tuple
    baseline: str
    accuracy: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    diff: np.ndarray
    diff_ci_low: np.ndarray
    diff_ci_high: np.ndarray
    p_value: np.ndarray
    chance: float
    ci_level: float
    method: str
    ties: str

    _label = "statistic"

    def summary(self):
        """One line: the baseline and the accuracy of each, with p-values.

        Returns
        -------
        str
        """
        parts = ", ".join(
            f"{name} {acc:.3f}" + ("" if name == self.baseline else
                                   f" (p={p:.3g})")
            for name, acc, p in zip(self.names, self.accuracy, self.p_value))
        return (f"{len(self.names)} {self._label} accuracies vs baseline "
                f"{self.baseline!r}: {parts}; {self.n_bootstrap} shared "
                f"bootstrap samples, {100 * self.ci_level:g}% "
                f"{self.ci_method} intervals, chance {self.chance:.3f}")

    def confidence_interval(self, ci_method=None, ci_level=None, diff=False):
        """Intervals of the accuracies, or of their differences.

        Computed from the stored bootstrap data, without resampling.

        Parameters
        ----------
        ci_method : str | None
            Interval method (see :meth:`BootstrapResult.confidence_interval`);
            None: ``ci_method``.
        ci_level : float | None
            In (0, 1); None: ``ci_level``.
        diff : bool
            Intervals of the paired differences to the baseline.

        Returns
        -------
        low, high : ndarray
        """
        transform = None
        if diff:
            transform = _paired(list(self.names).index(self.baseline))
        return self._interval(ci_method, ci_level, transform)

    def against(self, baseline):
        """The same comparison against another of its names as baseline.

        The differences, their intervals and the paired p-values are
        recomputed from the stored bootstrap data (the same samples), so
        one run serves several baselines; the accuracies and their
        intervals are unchanged.

        Parameters
        ----------
        baseline : str
            One of ``names`` (e.g. ``'rank RDM'`` for a regime comparison
            made with ``baseline='rdm'``, which holds both baselines).

        Returns
        -------
        result
            A new result of the same class (results are immutable).

        Examples
        --------
        >>> from rsatoolbox_topo.datasets import load_92images
        >>> from rsatoolbox_topo.identification import compare_regimes
        >>> comp = compare_regimes(load_92images("hit"), by="session",
        ...                        across="subject", n_draws=2,
        ...                        n_bootstrap=10, random_state=0,
        ...                        baseline="rdm")
        >>> rank = comp.against("rank RDM")
        >>> rank.baseline, float(rank.p_value[rank.names.index("rank RDM")])
        ('rank RDM', 1.0)
        """
        check_option("baseline", baseline, tuple(self.names))
        data = {name: getattr(self, name)
                for name in _RESAMPLED + ("unit_values",)}
        return replace(self, baseline=baseline, **_differences(
            data, self.accuracy, list(self.names).index(baseline),
            self.ci_method, self.ci_level,
            (self.n_individuals, self.n_conditions)))

    def _frame(self, extra):
        diff_name = f"diff_vs_{self._baseline_key}"
        return pd.DataFrame({
            self._label: list(self.names), **extra,
            "accuracy": self.accuracy, "ci_low": self.ci_low,
            "ci_high": self.ci_high, "ci_method": self.ci_method,
            "ci_excludes_estimate": _excludes(self.accuracy, self.ci_low,
                                              self.ci_high),
            diff_name: self.diff, "diff_ci_low": self.diff_ci_low,
            "diff_ci_high": self.diff_ci_high, "p_value": self.p_value,
            "n_bootstrap": self.n_bootstrap})

    plot = _plot_method(
        "plot_comparison",
        "Bars of the accuracies with their intervals and chance.")


def _compared(scorer, member, accuracy, unit, base, n_bootstrap, ci_level,
              ci_method, rng):
    """Every field of a comparison that comes from the shared samples.

    ``member`` (k, n_columns) maps the scorer's columns to the compared
    accuracies (a regime averages its cells); ``unit`` holds the
    full-data accuracy of each held-out individual (n_individuals, k).
    """
    out = _resample(scorer, n_bootstrap, ci_method, rng)
    resampled = {name: out[name] @ member.T
                 for name in _RESAMPLED if name in out}
    resampled["unit_values"] = unit
    n_units = (scorer.data.n_ind, scorer.data.n_cond)
    ci_low, ci_high = _interval(resampled, accuracy, ci_method, ci_level,
                                n_units, ci_method)
    return dict(accuracy=accuracy, ci_low=ci_low, ci_high=ci_high,
                ci_level=ci_level, ci_method=ci_method,
                n_bootstrap=n_bootstrap, n_individuals=n_units[0],
                n_conditions=n_units[1], **resampled, **_differences(
                    resampled, accuracy, base, ci_method, ci_level,
                    n_units))


def _differences(resampled, accuracy, base, ci_method, ci_level, n_units):
    """The fields of the paired differences to column ``base``: full data,
    interval, bootstrap p-value (from the stored resampling data)."""
    diff_low, diff_high = _interval(resampled, accuracy, ci_method,
                                    ci_level, n_units, ci_method,
                                    _paired(base))
    diff = accuracy - accuracy[base]
    p_value = np.atleast_1d(_resampling.bootstrap_p_value(
        _paired(base)(np.asarray(resampled["samples"])), diff))
    return dict(diff=diff, diff_ci_low=diff_low, diff_ci_high=diff_high,
                p_value=p_value)


@fill_doc
@dataclass(frozen=True, eq=False)
class StatisticsComparison(_Comparison, Result):
    """Result of :func:`compare_statistics`.

    Parameters
    ----------
    names : tuple of str
        The statistics compared.
    baseline : str
        The name of the statistic the others are compared with.
    %(comparison_accuracy)s
    %(comparison_samples)s
    %(comparison_ci)s
    %(comparison_diff)s
    %(comparison_p_value)s
    %(result_chance)s
    %(ci_level)s
    %(result_method_ties)s
    %(ci_method)s
    %(result_sizes)s
    %(result_resampling)s
    """

    _baseline_key = "baseline"

    def to_frame(self):
        """One row per statistic: accuracy, interval, paired comparison.

        ``ci_excludes_estimate`` flags an interval that does not contain
        its accuracy; ``diff_vs_baseline`` is the accuracy minus the
        baseline's.

        Returns
        -------
        pandas.DataFrame
        """
        return self._frame({"baseline": self.baseline})


def _named_statistics(statistics):
    if isinstance(statistics, dict):
        names = list(statistics)
        values = [_check_statistic(v) for v in statistics.values()]
    elif isinstance(statistics, (list, tuple)):
        values = [_check_statistic(v) for v in statistics]
        names = [statistic_label(v) for v in values]
    else:
        raise TypeError(
            "The 'statistics' parameter must be a dict {name: statistic} or "
            f"a list of statistics. Got {type(statistics).__name__} instead.")
    if len(values) < 2 or len(set(names)) != len(names):
        raise ValueError(
            "The 'statistics' parameter must hold at least 2 statistics with "
            f"distinct names (use a dict to name them). Got {names!r}.")
    return [str(n) for n in names], values


@fill_doc
def compare_statistics(rdms, by, across, statistics, baseline=0,
                       n_bootstrap=1000, ci_level=0.95, random_state=None,
                       n_jobs=1, progress=False, *, ci_method="corrected",
                       method="euclidean", ties="split"):
    """Compare the identification accuracy of statistics on shared samples.

    Every statistic is scored on the *same* two-factor bootstrap samples
    (see :func:`bootstrap_identify`), so the differences to the baseline
    are paired: their intervals and p-values account for what the
    statistics share.

    Parameters
    ----------
    %(id_rdms)s
    %(by)s
    %(across)s
    statistics : dict or list
        ``{name: statistic}`` or a list of statistics (named by their
        label); each in any spelling of ``statistic`` (see
        :func:`identify`; None: the RDM itself).
    baseline : int | str
        Index or name of the statistic the others are compared with.
    %(n_bootstrap)s
        Shared by all statistics (see :func:`bootstrap_identify`).
    %(ci_level)s
    %(random_state)s
    %(n_jobs)s
    %(progress)s
    %(ci_method)s
    %(id_method)s
    %(ties)s

    Returns
    -------
    StatisticsComparison

    Examples
    --------
    >>> from functools import partial
    >>> from rsatoolbox_topo.datasets import load_92images
    >>> from rsatoolbox_topo.identification import compare_statistics
    >>> from rsatoolbox_topo.statistics import rgtm
    >>> comp = compare_statistics(
    ...     load_92images("hit"), "session", "subject",
    ...     {"RDM": None, "RGTM": partial(rgtm, lower=0.4, upper=0.6)},
    ...     n_bootstrap=10, random_state=0)
    >>> float(comp.p_value[0])
    1.0
    """
    _check_common(method, ties)
    names, values = _named_statistics(statistics)
    if isinstance(baseline, str):
        check_option("baseline", baseline, names)
        base = names.index(baseline)
    else:
        base = check_int("baseline", baseline, 0, len(names) - 1)
    n_bootstrap, n_jobs = _check_run(n_bootstrap, n_jobs, progress)
    ci_level = _check_ci_level(ci_level, ci_method)
    data = _Data(rdms, by, across)
    points = [identify(rdms, by, across, v, method, ties) for v in values]
    cells = [_rgtm_cell(v) if method == "euclidean" else None for v in values]
    fast = [k for k, c in enumerate(cells) if c is not None]
    slow = [k for k, c in enumerate(cells) if c is None]
    scorer = _Scorer(data, method, ties, [cells[k][0] for k in fast],
                     [cells[k][1] for k in fast],
                     [values[k] for k in slow], n_jobs, progress)
    member = np.zeros((len(values), len(values)))
    member[fast + slow, np.arange(len(values))] = 1.0
    unit = np.stack([np.trace(p.credit, axis1=1, axis2=2) for p in points],
                    axis=1) / data.n_class
    return StatisticsComparison(
        names=tuple(names), baseline=names[base], chance=1.0 / data.n_class,
        method=method, ties=ties, **_compared(
            scorer, member, np.array([p.accuracy for p in points]), unit,
            base, n_bootstrap, ci_level, ci_method, _rng(random_state)))


@fill_doc
@dataclass(frozen=True, eq=False)
class RegimeComparison(_Comparison, Result):
    """Result of :func:`compare_regimes`.

    Parameters
    ----------
    names : tuple of str
        The five regimes (:data:`~rsatoolbox_topo.statistics.REGIMES`),
        ``'rank RDM'`` (lower, upper) = (0, 1) and, with
        ``baseline='rdm'``, ``'RDM'`` (the RDM itself).
    baseline : str
        ``'rank RDM'`` or ``'RDM'``.
    %(comparison_accuracy)s
    %(comparison_samples)s
    %(comparison_ci)s
    %(comparison_diff)s
    %(comparison_p_value)s
    %(result_chance)s
    %(ci_level)s
    %(result_method_ties)s
    %(ci_method)s
    %(result_sizes)s
    %(result_resampling)s
    draw_lower, draw_upper : ndarray
        The (lower, upper) pairs drawn.
    draw_regime : tuple of str
        The regime of each pair drawn.
    """

    draw_lower: np.ndarray
    draw_upper: np.ndarray
    draw_regime: tuple
    _label = "regime"

    @property
    def _baseline_key(self):
        return "rank" if self.baseline == RANK_RDM else "rdm"

    def to_frame(self):
        """One row per regime (and the baselines): intervals, p-values.

        ``ci_excludes_estimate`` flags an interval that does not contain
        its accuracy; ``diff_vs_rank`` (or ``diff_vs_rdm``) is the accuracy
        minus the baseline's; ``n_draws`` is the number of statistics the
        row's accuracy averages: the (lower, upper) pairs drawn in a regime,
        1 for the rank RDM (the pair (0, 1)) and 1 for the RDM (itself,
        nothing drawn).

        Returns
        -------
        pandas.DataFrame
        """
        counts = [1 if name == RDM else self.draw_regime.count(name)
                  for name in self.names]
        return self._frame({"n_draws": counts})


def _draw_regime_cells(rng, n_draws):
    """``n_draws`` (lower, upper) pairs uniform inside each regime."""
    lows, ups, names = [], [], []
    for name in REGIMES:
        got = 0
        while got < n_draws:
            lo, up = np.sort(rng.uniform(0, 1, 2))
            if regime(lo, up) == name:
                lows.append(lo)
                ups.append(up)
                names.append(name)
                got += 1
    lows.append(0.0)
    ups.append(1.0)
    names.append(RANK_RDM)
    return np.array(lows), np.array(ups), names


RDM = "RDM"
_BASELINES = {"rank": RANK_RDM, "rdm": RDM}


@fill_doc
def compare_regimes(rdms, by, across, n_draws=10, n_bootstrap=1000,
                    random_state=None, n_jobs=1, progress=False, *,
                    method="euclidean", ci_level=0.95, ties="split",
                    baseline="rank", ci_method="corrected"):
    """Compare the regimes of the RGTM with a baseline, on shared samples.

    ``n_draws`` (lower, upper) pairs are drawn uniformly inside each of the
    five regimes of the threshold triangle; a regime's accuracy is the mean
    over its draws. All regimes and the baselines are scored on the *same*
    two-factor bootstrap samples, so their differences are paired.

    Parameters
    ----------
    %(id_rdms)s
    %(by)s
    %(across)s
    n_draws : int
        Threshold pairs drawn per regime.
    %(n_bootstrap)s
        Shared by all regimes (see :func:`bootstrap_identify`).
    %(random_state)s
        The threshold pairs are drawn from it first, then the samples.
    %(n_jobs)s
    %(progress)s
    %(id_method)s
    %(ci_level)s
    %(ties)s
    baseline : {'rank', 'rdm'}
        Compare with the rank RDM, RGTM (0, 1) (the package's default), or
        with the RDM itself, untransformed (as Lin & Kriegeskorte's code
        does; adds the row ``'RDM'``). The rank RDM is invariant to
        increasing transforms of the dissimilarities, the RDM is not.
    %(ci_method)s

    Returns
    -------
    RegimeComparison

    Examples
    --------
    >>> from rsatoolbox_topo.datasets import load_92images
    >>> from rsatoolbox_topo.identification import compare_regimes
    >>> comp = compare_regimes(load_92images("hit"), by="session",
    ...                        across="subject", n_draws=2, n_bootstrap=10,
    ...                        random_state=0)
    >>> comp.names[-1]
    'rank RDM'
    """
    _check_common(method, ties)
    check_option("baseline", baseline, tuple(_BASELINES))
    n_draws = check_int("n_draws", n_draws, 1)
    n_bootstrap, n_jobs = _check_run(n_bootstrap, n_jobs, progress)
    ci_level = _check_ci_level(ci_level, ci_method)
    rng = _rng(random_state)
    data = _Data(rdms, by, across)
    lowers, uppers, cell_names = _draw_regime_cells(rng, n_draws)
    names = list(REGIMES) + [RANK_RDM]
    member = np.array([[c == n for c in cell_names] for n in names],
                      dtype=np.float64)
    member /= member.sum(axis=1, keepdims=True)
    m = np.ones(data.n_ind)
    credit = _cell_credit(data, m, lowers, uppers, method, ties)
    unit = _per_individual(credit, data.n_class) @ member.T
    accuracy = _accuracy(credit, m, data.n_class) @ member.T
    statistics = []
    if baseline == "rdm":
        point = identify(rdms, by, across, None, method, ties)
        names.append(RDM)
        member = np.pad(member, ((0, 1), (0, 1)))
        member[-1, -1] = 1.0
        unit = np.column_stack([unit, np.trace(point.credit, axis1=1,
                                               axis2=2) / data.n_class])
        accuracy = np.append(accuracy, point.accuracy)
        statistics = [None]
    scorer = _Scorer(data, method, ties, lowers, uppers, statistics, n_jobs,
                     progress)
    base = names.index(_BASELINES[baseline])
    return RegimeComparison(
        names=tuple(names), baseline=_BASELINES[baseline],
        draw_lower=lowers, draw_upper=uppers, draw_regime=tuple(cell_names),
        chance=1.0 / data.n_class, method=method, ties=ties, **_compared(
            scorer, member, accuracy, unit, base, n_bootstrap, ci_level,
            ci_method, rng))
