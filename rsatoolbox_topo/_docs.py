"""The one docstring template: shared parameter descriptions.

A parameter that many public functions share (the statistic, the
comparator, the interval level, the runner's ``n_jobs`` ...) is described
once, in :data:`docdict`, and put into each docstring by :func:`fill_doc`,
the ``docdict`` / ``fill_doc`` convention of MNE-Python and nilearn::

    from ._docs import fill_doc

    @fill_doc
    def f(rdms, statistic=None, *, random_state=None):
        '''One line.

        Parameters
        ----------
        rdms : rsatoolbox.rdm.RDMs
            The RDMs.
        %(statistic)s
        %(random_state)s
        '''

An entry is written without indentation: its first line is the numpydoc
``name : type`` line, the description lines below it are indented by four
spaces. :func:`fill_doc` indents every line of the entry by the indentation
of the line that holds the placeholder, so the same entry fits a function's
and a method's docstring. A function that needs to say more than the shared
description adds an indented paragraph right below the placeholder. Only
``%(name)s`` placeholders are replaced; any other ``%`` is left as it is.

The names follow the package's naming table (docs/user_guide/conventions):
``method`` is always the comparator (how two RDMs are compared),
``dissimilarity`` how patterns become an RDM, ``ci_level`` the interval
level, ``progress`` the progress bar, ``n_jobs`` the runner's workers. New
shared parameters get their entry here, not a copy in each docstring.
"""

import re

__all__ = ["docdict", "fill_doc"]

docdict = {}

# ------------------------------------------------------------ shared names
docdict["statistic"] = """\
statistic : TopoStatistic | str | dict | callable | None
    The topological statistic, in any spelling that
    :func:`~rsatoolbox_topo.statistics.as_statistic` accepts: a
    :class:`~rsatoolbox_topo.statistics.TopoStatistic`
    (``TopoStatistic('rgtm', lower=0.2, upper=0.8)``), its name ('rgtm',
    'rank_normalize' or 'rgdm', with the statistic's defaults), the dict
    :meth:`~rsatoolbox_topo.statistics.TopoStatistic.to_dict` writes
    (``{'name': 'rgtm', 'params': {'lower': 0.2, 'upper': 0.8}}``) or any
    callable mapping RDMs to RDMs. All spellings of one statistic give the
    same numbers. None uses the dissimilarities as they are."""

docdict["method"] = """\
method : str
    The comparator: how two RDMs are compared. A comparator of
    :func:`rsatoolbox.rdm.compare` ('cosine', 'corr', 'spearman', 'rho-a',
    'tau-a', 'corr_cov', 'cosine_cov', ...) or a persistent-homology
    comparator of :mod:`rsatoolbox_topo.topology` (``topology`` extra):
    'rtd', 'rtd-h2' (Representation Topology Divergence, H1 or H2,
    symmetric, rank-normalised) or the label-free baselines
    'labelfree-bottleneck' and 'labelfree-wasserstein', whose similarities
    are minus the distance (0 is a perfect match). How patterns become an
    RDM is ``dissimilarity``, never ``method``."""

docdict["ci_level"] = """\
ci_level : float
    Level of the confidence intervals, in (0, 1); 0.95 gives 95% intervals."""

docdict["ci_method"] = """\
ci_method : {'percentile', 'basic', 'bc', 'bca', 't', 'corrected'}
    How the confidence intervals are computed (see
    :func:`rsatoolbox_topo._resampling.confidence_interval` and the
    "Uncertainty" guide). 'corrected' (the default where the package's
    coverage study supports it) combines the two-factor bootstrap with the
    two one-factor bootstraps; the quantile methods ('percentile', 'basic',
    'bc', 'bca') can under-cover when the estimate is biased."""

docdict["n_bootstrap"] = """\
n_bootstrap : int
    Number of bootstrap samples."""

docdict["n_permutations"] = """\
n_permutations : int
    Number of permutations of the null distribution (p-values are
    ``(1 + n_extreme) / (1 + n_permutations)``, never 0)."""

docdict["n_jobs"] = """\
n_jobs : int | None
    Parallel workers of the package's runner (joblib); -1 uses all cores.
    None hands the work to the active joblib backend (e.g. dask inside
    ``joblib.parallel_config(backend='dask')``), 1 without one. The
    results do not depend on it."""

docdict["progress"] = """\
progress : bool
    Show a tqdm progress bar."""

docdict["random_state"] = """\
random_state : int | numpy.random.Generator | None
    Source of every random draw (numpy's global state is never used). All
    draws are made up front, so a seed gives the same result whatever
    ``n_jobs`` or the joblib backend is."""

# ------------------------------------------------------------ inference
# rsatoolbox.inference's own parameters, shared by the eval_* drivers.
docdict["models"] = """\
models : rsatoolbox.model.Model | list of Model
    The models. rsatoolbox's ``ModelSelect`` and ``ModelWeighted`` given
    with a ``statistic`` are fitted as their topological counterparts;
    the package's models carry their own statistic."""

docdict["data"] = """\
data : rsatoolbox.rdm.RDMs
    Data RDMs (not changed)."""

docdict["theta"] = """\
theta : list | None
    One parameter vector per model (None: the models' defaults)."""

docdict["N"] = """\
N : int
    Number of bootstrap samples (ignored when ``samples`` is given). The
    eval_* drivers keep rsatoolbox's name ``N`` (a drop-in for
    :mod:`rsatoolbox.inference`); elsewhere it is ``n_bootstrap``."""

docdict["fitter"] = """\
fitter : callable | list | None
    Fitters (rsatoolbox's signature); None uses each model's default."""

docdict["boot_noise_ceil"] = """\
boot_noise_ceil : bool
    Compute the noise ceiling in every sample (else once, on all data)."""

docdict["n_cv"] = """\
n_cv : int
    Cross-validation runs per bootstrap sample."""

docdict["use_correction"] = """\
use_correction : bool
    Correct the variance for the cross-validation noise (needs
    ``n_cv > 1``; with ``n_cv=1`` an
    :class:`~rsatoolbox_topo.exceptions.InferenceWarning` is raised
    instead of rsatoolbox's bare ``Warning`` exception)."""

docdict["pair_samples"] = """\
samples : (rdm_samples, pattern_samples) | None
    The bootstrap samples: descriptor values of shape (n_samples,
    n_groups) each, None for a dimension that is not resampled."""

docdict["statistic_resampled"] = docdict["statistic"] + """
    It is applied to the data and to each prediction, in every bootstrap
    sample and fold, after resampling."""

docdict["random_state_unused"] = """\
random_state : int | numpy.random.Generator | None
    Accepted (and checked) for a signature uniform with the bootstrap
    functions; nothing random happens here."""

docdict["method_refused"] = """\
method : None
    Not a parameter of this function: the dissimilarity measure is
    ``dissimilarity`` (renamed from ``method``, which names the
    comparator elsewhere). Any value raises a ``ValueError`` that says
    so, so that an old call is not silently misread."""

# ------------------------------------------------------------ model fitters
docdict["fit_data"] = """\
data : rsatoolbox.rdm.RDMs
    Training data RDMs (transformed by the fitter with the model's
    statistic, never changed)."""

docdict["fit_method"] = """\
method : str
    The comparator: an rsatoolbox comparator ('cosine', 'corr', ...)."""

docdict["pattern_idx"] = """\
pattern_idx : list | None
    Descriptor values of the training conditions (with repeats for a
    bootstrap sample), used to resample the prediction like the data."""

docdict["pattern_descriptor_fit"] = """\
pattern_descriptor : str | None
    The descriptor ``pattern_idx`` refers to."""

docdict["sigma_k"] = """\
sigma_k : ndarray | None
    Pattern covariance for the whitened comparators."""

# ------------------------------------------------------------ models
docdict["model_theta"] = """\
theta : array-like | None
    The model parameters."""

docdict["model_name"] = """\
name : str
    Model name."""

docdict["model_statistic"] = """\
statistic : TopoStatistic | str | dict | callable
    The statistic applied to both sides (the prediction and the data), in
    any spelling of :func:`~rsatoolbox_topo.statistics.as_statistic`."""

# ------------------------------------------------------------ figures
docdict["ax"] = """\
ax : matplotlib.axes.Axes | None
    Where to draw; a new (pyplot) figure if None."""

# ------------------------------------------------------------ identification
# The parameters shared by the six functions of rsatoolbox_topo.identification.
docdict["id_rdms"] = """\
rdms : rsatoolbox.rdm.RDMs
    One RDM per (class, individual); not changed."""

docdict["by"] = """\
by : str
    rdm descriptor holding the class (e.g. ``'roi'``, ``'layer'``)."""

docdict["across"] = """\
across : str
    rdm descriptor holding the individual (``'subject'``, ``'seed'``)."""

docdict["id_method"] = """\
method : {'euclidean', 'cosine', 'corr', 'rho-a', 'tau-a', 'corr_cov', \
'cosine_cov', 'rtd', 'rtd-h2', 'labelfree-bottleneck', \
'labelfree-wasserstein'}
    The comparator: how a held-out RDM is compared with the class
    centroids. 'euclidean' (the authors' choice) assigns it to the nearest
    centroid; the rsatoolbox comparators to the most similar one. The
    persistent-homology comparators (``topology`` extra;
    :func:`~rsatoolbox_topo.identification.identify` and
    :func:`~rsatoolbox_topo.identification.bootstrap_identify` only)
    assign it to the centroid at the smallest Representation Topology
    Divergence ('rtd', 'rtd-h2': H1 or H2, symmetric, rank-normalised;
    :func:`rsatoolbox_topo.topology.rtd`) or H1 persistence-diagram
    distance ('labelfree-bottleneck', 'labelfree-wasserstein';
    :func:`rsatoolbox_topo.topology.labelfree_distance`); with
    ``statistic=None`` their centroids are class means of the
    rank-normalised RDMs."""

# Fields of the identification results (one parameter per entry).
docdict["result_chance"] = """\
chance : float
    Chance accuracy, ``1 / n_classes``."""

docdict["result_method_ties"] = """\
method, ties : str
    The comparator and the tie rule the result was made with."""

docdict["result_sizes"] = """\
n_bootstrap, n_individuals, n_conditions : int
    Bootstrap samples drawn (0: none), individuals and conditions of the
    data."""

docdict["result_resampling"] = """\
unit_values, jackknife_individuals, jackknife_conditions, \
one_factor_individuals, one_factor_conditions : ndarray | None
    What the interval methods need besides the bootstrap samples, of the
    estimate's trailing shape: the full-data accuracy of each held-out
    individual ('t'), the accuracy with each individual / condition left
    out ('bca') and the accuracies of the two one-factor bootstraps
    ('corrected'); None where not computed."""

docdict["comparison_accuracy"] = """\
accuracy : ndarray, shape (k,)
    Full-data accuracy of each compared statistic (or regime)."""

docdict["comparison_samples"] = """\
samples : ndarray, shape (n_bootstrap, k)
    The accuracies on each shared bootstrap sample."""

docdict["comparison_ci"] = """\
ci_low, ci_high : ndarray, shape (k,)
    Intervals by ``ci_method`` at level ``ci_level``."""

docdict["comparison_diff"] = """\
diff, diff_ci_low, diff_ci_high : ndarray, shape (k,)
    Accuracy minus the baseline's (full data) and the interval of the
    paired difference over the shared samples (same method)."""

docdict["comparison_p_value"] = """\
p_value : ndarray, shape (k,)
    Two-sided paired bootstrap p-value of the difference to the baseline,
    centred on the null (see
    :func:`rsatoolbox_topo._resampling.bootstrap_p_value`); 1 for the
    baseline itself."""

docdict["ties"] = """\
ties : {'split', 'report'}
    A held-out RDM equally close to ``k`` centroids (up to rounding, e.g.
    when a statistic collapses all RDMs to the same values): 'split'
    (default) gives each tied class ``1/k`` of the count, the expected
    credit of random tie breaking; 'report' gives no credit to any class
    (the RDM counts as a miss and is absent from the confusion matrix).
    Both report the number of ties."""

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def fill_doc(obj):
    """Fill the ``%(name)s`` placeholders of ``obj``'s docstring.

    Each placeholder is replaced by ``docdict[name]``, indented like the
    line that holds the placeholder.

    Parameters
    ----------
    obj : callable | type
        A function, method or class (returned, its ``__doc__`` filled).

    Returns
    -------
    obj : callable | type
        The same object.

    Raises
    ------
    KeyError
        A placeholder names no entry of :data:`docdict`; the message names
        the placeholder and the function.

    Examples
    --------
    >>> @fill_doc
    ... def f(progress=False):
    ...     '''Do it.
    ...
    ...     Parameters
    ...     ----------
    ...     %(progress)s
    ...     '''
    >>> print(f.__doc__.splitlines()[4])
        progress : bool
    """
    doc = obj.__doc__
    if not doc:
        return obj
    name = getattr(obj, "__qualname__", getattr(obj, "__name__", repr(obj)))

    def replace(match):
        key = match.group(1)
        if key not in docdict:
            raise KeyError(
                f"fill_doc: unknown docdict key {key!r} (placeholder "
                f"'%({key})s') in the docstring of {name}. Known keys: "
                f"{sorted(docdict)}.")
        start = doc.rfind("\n", 0, match.start()) + 1
        indent = doc[start:match.start()]
        if indent.strip():      # inside a sentence: no re-indentation
            indent = ""
        return "\n".join(indent + line if line and i else line
                         for i, line in enumerate(docdict[key].split("\n")))

    obj.__doc__ = _PLACEHOLDER.sub(replace, doc)
    return obj
