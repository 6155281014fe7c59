"""Every figure of the package, drawn with matplotlib.

The ``.plot()`` methods of the results and the HTML report
(:mod:`rsatoolbox_topo.report`) only call the functions here. Each
``plot_<thing>`` takes a result (or a table), an optional
:class:`matplotlib.axes.Axes` to draw into and returns the Axes it drew
into, or the :class:`matplotlib.figure.Figure` of a figure with several
panels. Without ``ax`` a new pyplot figure is made, so figures show in
notebooks and scripts as usual; :meth:`Report.add_figure
<rsatoolbox_topo.report.Report.add_figure>` closes it once embedded.

matplotlib (a dependency) is imported inside the functions only, so that
importing the package stays light.

Sections: identification (the paper's protocol and its comparisons),
report tables (bars of accuracy tables, model comparison), and one section
per further analysis.
"""

import numpy as np

from ._docs import fill_doc

__all__ = ["plot_identification", "plot_bootstrap", "plot_threshold_map",
           "plot_nested_cv", "plot_comparison", "plot_accuracies",
           "plot_grouped_bars", "plot_confusions", "plot_model_comparison",
           "plot_searchlight", "plot_timecourse", "plot_simulation"]


# ---- shared helpers
def _new_axes(ax, figsize=None, layout=None):
    """``ax``, or the axes of a new pyplot figure."""
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    return plt.figure(figsize=figsize, layout=layout).add_subplot()


def _new_figure(figsize, layout="constrained"):
    import matplotlib.pyplot as plt

    return plt.figure(figsize=figsize, layout=layout)


def _interval_label(level, method):
    """How an interval is named in figure legends and table headers."""
    return f"{100 * float(level):g}% interval ({method})"


def _check_columns(frame, columns):
    missing = set(columns) - set(frame.columns)
    if missing:
        raise ValueError(
            f"The 'frame' parameter must have the columns "
            f"{', '.join(columns[:-1])} and {columns[-1]}. Missing: "
            f"{sorted(missing)}.")


# ---- identification
@fill_doc
def plot_identification(result, ax=None):
    """Confusion matrix (row-normalised) of an identification.

    Parameters
    ----------
    result : rsatoolbox_topo.identification.IdentificationResult
        What :func:`~rsatoolbox_topo.identification.identify` returned.
    %(ax)s

    Returns
    -------
    matplotlib.axes.Axes
        Rows: true class, columns: assigned class, colour: fraction of the
        class's held-out RDMs (0 to 1); the title gives accuracy and chance.

    Examples
    --------
    >>> from rsatoolbox_topo.datasets import load_92images
    >>> from rsatoolbox_topo.identification import identify
    >>> from rsatoolbox_topo.vis import plot_identification
    >>> ax = plot_identification(identify(load_92images("hit"), "subject",
    ...                                   "session"))
    >>> ax.get_title()
    'accuracy 0.50 (chance 0.25)'
    """
    ax = _new_axes(ax, figsize=(1.5 + 0.4 * len(result.classes),) * 2)
    # Rows over the number of held-out RDMs per class (ties reported with
    # ties='report' are in no column, so rows may sum below 1).
    rates = result.confusion / len(result.individuals)
    image = ax.imshow(rates, vmin=0, vmax=1, cmap="viridis")
    ticks = np.arange(len(result.classes))
    labels = [str(c) for c in result.classes]
    ax.set_xticks(ticks, labels, rotation=90)
    ax.set_yticks(ticks, labels)
    ax.set_xlabel("assigned class")
    ax.set_ylabel("true class")
    ax.set_title(f"accuracy {result.accuracy:.2f} (chance "
                 f"{result.chance:.2f})")
    ax.figure.colorbar(image, ax=ax, label="fraction of held-out RDMs")
    return ax


@fill_doc
def plot_bootstrap(result, ax=None):
    """Histogram of the bootstrap accuracies with the interval and chance.

    Parameters
    ----------
    result : rsatoolbox_topo.identification.BootstrapResult
        What :func:`~rsatoolbox_topo.identification.bootstrap_identify`
        returned.
    %(ax)s

    Returns
    -------
    matplotlib.axes.Axes
        Solid line: full-data accuracy; dashed: the interval; dotted:
        chance.

    Examples
    --------
    >>> from rsatoolbox_topo.datasets import load_92images
    >>> from rsatoolbox_topo.identification import bootstrap_identify
    >>> from rsatoolbox_topo.vis import plot_bootstrap
    >>> boot = bootstrap_identify(load_92images("hit"), "session", "subject",
    ...                           n_bootstrap=20, random_state=0)
    >>> plot_bootstrap(boot).get_xlabel()
    'identification accuracy'
    """
    ax = _new_axes(ax)
    ax.hist(result.samples, bins=30, color="0.7")
    ax.axvline(result.accuracy, color="k", label="full data")
    for bound in result.ci:
        ax.axvline(bound, color="k", ls="--")
    ax.axvline(result.chance, color="r", ls=":", label="chance")
    ax.set_xlabel("identification accuracy")
    ax.set_ylabel("bootstrap samples")
    ax.set_title(f"{100 * result.ci_level:g}% {result.ci_method} interval, "
                 f"{result.n_bootstrap} samples", fontsize="medium")
    ax.legend()
    return ax


def _regime_codes(lowers, uppers):
    from .statistics import REGIMES, regime

    codes = np.full((len(lowers), len(uppers)), -1)
    for i, lo in enumerate(lowers):
        for j, up in enumerate(uppers):
            if lo <= up:
                codes[i, j] = REGIMES.index(regime(lo, up))
    return codes


def _triangle(ax, lowers, uppers, accuracy, best=None, marks=None,
              boundary=("w", 1.0), legend=True):
    """Heatmap of a (lower, upper) map with the regimes outlined."""
    ax = _new_axes(ax, figsize=(5.5, 4.5))
    color, width = boundary
    half = (lowers[1] - lowers[0]) / 2 if len(lowers) > 1 else 0.5
    extent = (uppers[0] - half, uppers[-1] + half, lowers[-1] + half,
              lowers[0] - half)
    image = ax.imshow(np.ma.masked_invalid(accuracy), extent=extent,
                      cmap="viridis", aspect="equal")
    codes = _regime_codes(lowers, uppers)
    for i in range(len(lowers)):
        for j in range(len(uppers)):
            if codes[i, j] < 0:
                continue
            lo, up = lowers[i], uppers[j]
            if j + 1 < len(uppers) and codes[i, j + 1] != codes[i, j]:
                ax.plot([up + half] * 2, [lo - half, lo + half], "-",
                        color=color, lw=width)
            if i + 1 < len(lowers) and codes[i + 1, j] >= 0 and \
                    codes[i + 1, j] != codes[i, j]:
                ax.plot([up - half, up + half], [lo + half] * 2, "-",
                        color=color, lw=width)
    if marks is not None:
        ax.plot(marks[:, 1], marks[:, 0], "o", mfc="none", mec="w", ms=8,
                label="chosen per fold")
    if best is not None:
        ax.plot(best[1], best[0], "r*", ms=14, label="best (in-sample)")
        if legend:
            ax.legend(loc="lower left", fontsize="small")
    ax.set_xlabel("upper threshold u")
    ax.set_ylabel("lower threshold l")
    ax.figure.colorbar(image, ax=ax, label="accuracy")
    return ax


# short names of the regimes, written inside the triangle
_REGIME_SHORT = {"local extractor": "local", "global extractor": "global",
                 "geometry sensitive": "geometry",
                 "topology sensitive": "topology",
                 "intermediate": "intermediate"}


def _name_regimes(ax, lowers, uppers):
    """Name each regime at the centre of its cells; legend below the axes."""
    from matplotlib.lines import Line2D

    from .statistics import regime

    cells = {}
    for lo in lowers:
        for up in uppers:
            if lo <= up:
                cells.setdefault(regime(lo, up), []).append((lo, up))
    for name, where in cells.items():
        lo, up = np.mean(where, axis=0)
        ax.text(up, lo, _REGIME_SHORT.get(name, name), ha="center",
                va="center", fontsize=8, color="k",
                bbox={"boxstyle": "round,pad=0.15", "fc": "w", "alpha": 0.7,
                      "lw": 0})
    handles = [Line2D([], [], color="0.15", lw=1.4,
                      label="boundary between regimes (named inside)"),
               Line2D([], [], color="r", marker="*", ls="", ms=12,
                      label="best cell in sample (optimistic)")]
    ax.legend(handles=handles, loc="upper center", fontsize="small",
              bbox_to_anchor=(0.5, -0.12), ncol=1, frameon=False)


@fill_doc
def plot_threshold_map(result, ax=None, *, label_regimes=False, title=None):
    """Accuracy over the (lower, upper) triangle, best cell starred.

    Parameters
    ----------
    result : rsatoolbox_topo.identification.ThresholdMap
        What :func:`~rsatoolbox_topo.identification.threshold_map`
        returned.
    %(ax)s
    label_regimes : bool
        False: white lines between the regimes, legend inside the axes.
        True (the report's figure): dark lines, each regime named inside
        the triangle, the legend below the axes where it covers no cell.
    title : str | None
        Title; None: the best cell, its accuracy and chance.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from rsatoolbox_topo.datasets import load_92images
    >>> from rsatoolbox_topo.identification import threshold_map
    >>> from rsatoolbox_topo.vis import plot_threshold_map
    >>> tmap = threshold_map(load_92images("hit"), "session", "subject",
    ...                      step=0.25)
    >>> ax = plot_threshold_map(tmap, label_regimes=True)
    >>> ax.get_xlabel()
    'upper threshold u'
    """
    if label_regimes and ax is None:
        ax = _new_figure((6.2, 6.2)).add_subplot()
    lo, up, acc = result.best
    ax = _triangle(ax, result.lowers, result.uppers, result.accuracy,
                   best=(lo, up),
                   boundary=("0.15", 1.4) if label_regimes else ("w", 1.0),
                   legend=not label_regimes)
    if label_regimes:
        _name_regimes(ax, result.lowers, result.uppers)
    ax.set_title(title or (
        f"{result.statistic.upper()} identification (best {acc:.2f} at "
        f"l={lo:g}, u={up:g}; chance {result.chance:.2f})"),
        fontsize="medium")
    return ax


@fill_doc
def plot_nested_cv(result, ax=None):
    """In-sample map with the best cell and every outer fold's choice.

    Parameters
    ----------
    result : rsatoolbox_topo.identification.NestedCVResult
        What :func:`~rsatoolbox_topo.identification.nested_threshold_cv`
        returned.
    %(ax)s

    Returns
    -------
    matplotlib.axes.Axes
        Star: best cell in sample; circles: the cell chosen in each outer
        fold; the title gives in-sample and nested accuracy.

    Examples
    --------
    >>> from rsatoolbox_topo.datasets import load_92images
    >>> from rsatoolbox_topo.identification import nested_threshold_cv
    >>> from rsatoolbox_topo.vis import plot_nested_cv
    >>> cv = nested_threshold_cv(load_92images("hit"), "session", "subject",
    ...                          step=0.25)
    >>> plot_nested_cv(cv).get_ylabel()
    'lower threshold l'
    """
    marks = np.column_stack([result.fold_lower, result.fold_upper])
    ax = _triangle(ax, result.lowers, result.uppers, result.accuracy,
                   best=result.in_sample_best, marks=marks)
    ax.set_title(f"in-sample {result.in_sample_accuracy:.2f}, nested "
                 f"{result.nested_accuracy:.2f} (optimism "
                 f"{result.optimism:+.2f})", fontsize="medium")
    return ax


@fill_doc
def plot_comparison(result, ax=None):
    """Bars of the compared accuracies with their intervals and chance.

    Parameters
    ----------
    result : StatisticsComparison | RegimeComparison
        What :func:`~rsatoolbox_topo.identification.compare_statistics` or
        :func:`~rsatoolbox_topo.identification.compare_regimes` returned;
        the baseline's bar is grey.
    %(ax)s

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> from rsatoolbox_topo.datasets import load_92images
    >>> from rsatoolbox_topo.identification import compare_statistics
    >>> from rsatoolbox_topo.vis import plot_comparison
    >>> comp = compare_statistics(load_92images("hit"), "session", "subject",
    ...                           {"RDM": None, "rank": "rank_normalize"},
    ...                           n_bootstrap=10, random_state=0)
    >>> len(plot_comparison(comp).patches)
    2
    """
    ax = _new_axes(ax, figsize=(7, 4))
    x = np.arange(len(result.names))
    colors = ["C0"] * len(result.names)
    colors[list(result.names).index(result.baseline)] = "0.5"
    ax.bar(x, result.accuracy, color=colors)
    # An interval need not contain the full-data value, so it is drawn as a
    # line, not as error bars around the bar height.
    ax.vlines(x, result.ci_low, result.ci_high, color="k", lw=2,
              label="bootstrap interval")
    ax.axhline(result.chance, color="r", ls=":", label="chance")
    ax.set_xticks(x, result.names, rotation=30, ha="right")
    ax.set_ylabel("identification accuracy")
    ax.set_ylim(0, 1.05)
    ax.legend()
    ax.set_title(f"{100 * result.ci_level:g}% {result.ci_method} intervals, "
                 f"{result.n_bootstrap} bootstrap samples",
                 fontsize="medium")
    return ax


# ---- report tables (accuracy bars, confusion panels, model comparison)
@fill_doc
def plot_accuracies(frame, title=None, ax=None):
    """Bar chart of an accuracy table with interval ranges and chance.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per bar, with columns ``statistic`` (the bar label),
        ``accuracy``, ``ci_low``, ``ci_high`` and ``chance``.
    title : str | None
        Title of the axes.
    %(ax)s

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> from rsatoolbox_topo.vis import plot_accuracies
    >>> frame = pd.DataFrame({"statistic": ["rank", "rgtm(0.5,0.5)"],
    ...                       "accuracy": [0.8, 0.7], "ci_low": [0.6, 0.5],
    ...                       "ci_high": [0.9, 0.85], "chance": [0.1, 0.1]})
    >>> ax = plot_accuracies(frame, title="layer across seeds")
    >>> len(ax.patches)
    2
    """
    _check_columns(frame, ["statistic", "accuracy", "ci_low", "ci_high",
                           "chance"])
    ax = _new_axes(ax, figsize=(1.2 + 0.9 * len(frame), 3.4))
    positions = np.arange(len(frame))
    ax.bar(positions, frame["accuracy"].to_numpy(float), color="#7a9cc6",
           edgecolor="#334")
    # Drawn as ranges, not as errors around the bar: a bootstrap interval
    # need not contain the full-data accuracy.
    low, high = (frame[c].to_numpy(float) for c in ("ci_low", "ci_high"))
    ax.vlines(positions, low, high, color="k", lw=1.5)
    for bound in (low, high):
        ax.hlines(bound, positions - 0.12, positions + 0.12, color="k",
                  lw=1.5)
    chance = float(frame["chance"].iloc[0])
    ax.axhline(chance, color="#c33", ls=":")
    # labelled in the right margin, where it covers no bar or interval
    ax.annotate("chance", xy=(1.01, chance), xycoords=("axes fraction",
                                                       "data"),
                color="#c33", va="center", fontsize="small")
    ax.set_xticks(positions, [str(s) for s in frame["statistic"]],
                  rotation=30, ha="right")
    ax.set_ylim(0, 1.02)
    ax.set_ylabel("identification accuracy")
    ax.spines[["top", "right"]].set_visible(False)
    if title:
        ax.set_title(title, fontsize="medium")
    ax.figure.tight_layout()
    return ax


@fill_doc
def plot_grouped_bars(frame, x, group, value, ylabel, low="ci_low",
                      high="ci_high", ax=None):
    """Grouped bars with interval ranges, e.g. models x statistics.

    Parameters
    ----------
    frame : pandas.DataFrame
        Long table, one row per bar.
    x : str
        Column whose values are the groups along the x axis (in order of
        first appearance).
    group : str
        Column whose values are the bars within a group (one colour each).
    value : str
        Column of the bar heights.
    ylabel : str
        Label of the y axis.
    low, high : str
        Columns of the interval drawn over each bar.
    %(ax)s

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import pandas as pd
    >>> from rsatoolbox_topo.vis import plot_grouped_bars
    >>> frame = pd.DataFrame({"model": ["a", "a", "b", "b"],
    ...                       "statistic": ["rank", "rgtm"] * 2,
    ...                       "r": [0.2, 0.3, 0.1, 0.0],
    ...                       "ci_low": [0.1, 0.2, 0.0, -0.1],
    ...                       "ci_high": [0.3, 0.4, 0.2, 0.1]})
    >>> ax = plot_grouped_bars(frame, "model", "statistic", "r", "r")
    >>> len(ax.patches)
    4
    """
    _check_columns(frame, [x, group, value, low, high])
    xs = list(dict.fromkeys(frame[x]))
    groups = list(dict.fromkeys(frame[group]))
    ax = _new_axes(ax, figsize=(1.5 + 0.25 * len(xs) * len(groups), 3.8))
    width = 0.8 / len(groups)
    for k, name in enumerate(groups):
        rows = frame[frame[group] == name].set_index(x).loc[xs]
        positions = np.arange(len(xs)) + (k - (len(groups) - 1) / 2) * width
        ax.bar(positions, rows[value].to_numpy(float), width, label=str(name))
        ax.vlines(positions, rows[low].to_numpy(float),
                  rows[high].to_numpy(float), color="k", lw=1)
    ax.axhline(0, color="0.3", lw=0.8)
    ax.set_xticks(np.arange(len(xs)), [str(v) for v in xs], rotation=30,
                  ha="right")
    ax.set_ylabel(ylabel)
    ax.legend(fontsize="small", ncol=min(len(groups), 3))
    ax.figure.tight_layout()
    return ax


@fill_doc
def plot_confusions(points, columns=3):
    """Confusion matrices of several statistics on one shared colour scale.

    Parameters
    ----------
    points : dict of str to IdentificationResult
        One result per statistic (same classes).
    columns : int
        Panels per row.

    Returns
    -------
    matplotlib.figure.Figure
        One panel per statistic (rows: true class, columns: assigned
        class, fraction of held-out RDMs from 0 to 1) and one colour bar.

    Examples
    --------
    >>> from rsatoolbox_topo.datasets import load_92images
    >>> from rsatoolbox_topo.identification import identify
    >>> from rsatoolbox_topo.vis import plot_confusions
    >>> point = identify(load_92images("hit"), "subject", "session")
    >>> fig = plot_confusions({"rdm": point})
    >>> len(fig.axes)  # one panel and the colour bar
    2
    """
    if not isinstance(points, dict) or not points:
        raise ValueError(
            "The 'points' parameter must be a non-empty dict {label: "
            f"IdentificationResult}}. Got {points!r} instead.")
    n = len(points)
    columns = min(columns, n)
    rows = -(-n // columns)
    first = next(iter(points.values()))
    labels = [str(c) for c in first.classes]
    fig = _new_figure((3.3 * columns + 0.8, 3.4 * rows))
    axes = fig.subplots(rows, columns, squeeze=False)
    image = None
    for ax, (label, point) in zip(axes.flat, points.items()):
        rates = point.confusion / len(point.individuals)
        image = ax.imshow(rates, vmin=0, vmax=1, cmap="viridis")
        ticks = np.arange(len(labels))
        ax.set_xticks(ticks, labels, rotation=90, fontsize=9)
        ax.set_yticks(ticks, labels, fontsize=9)
        ax.set_title(f"{label}: accuracy {point.accuracy:.3f}", fontsize=10)
    for ax in axes.flat[n:]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel("true class", fontsize=9)
    for ax in axes[-1, :]:
        ax.set_xlabel("assigned class", fontsize=9)
    fig.colorbar(image, ax=axes, shrink=0.8,
                 label="fraction of held-out RDMs")
    return fig


@fill_doc
def plot_model_comparison(frame, ci_level=0.95, ci_method="percentile"):
    """Model comparison per statistic, in rsatoolbox's style.

    One panel per statistic: a bar per model (Pearson r with the data), its
    bootstrap interval drawn as an interval, and the noise ceiling as a
    grey band from its lower to its upper bound, as
    :func:`rsatoolbox.vis.plot_model_comparison` draws it. All panels share
    the y axis.

    Parameters
    ----------
    frame : pandas.DataFrame
        Columns ``statistic``, ``model``, ``r``, ``ci_low``, ``ci_high``,
        ``ceiling_low``, ``ceiling_high``.
    ci_level : float
        Level of the intervals (for the legend).
    ci_method : str
        Interval method (for the legend).

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> from rsatoolbox_topo.vis import plot_model_comparison
    >>> frame = pd.DataFrame({"statistic": ["rdm"] * 2, "model": ["a", "b"],
    ...                       "r": [0.3, 0.1], "ci_low": [0.2, 0.0],
    ...                       "ci_high": [0.4, 0.2], "ceiling_low": 0.5,
    ...                       "ceiling_high": 0.6})
    >>> fig = plot_model_comparison(frame)
    >>> len(fig.axes[0].patches)  # two bars and the ceiling band
    3
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch, Rectangle

    _check_columns(frame, ["statistic", "model", "r", "ci_low", "ci_high",
                           "ceiling_low", "ceiling_high"])
    statistics = list(dict.fromkeys(frame["statistic"]))
    models = list(dict.fromkeys(frame["model"]))
    columns = min(3, len(statistics))
    rows = -(-len(statistics) // columns)
    fig = _new_figure((3.6 * columns, 3.2 * rows + 0.6))
    axes = fig.subplots(rows, columns, squeeze=False, sharey=True)
    x = np.arange(len(models))
    for ax, statistic in zip(axes.flat, statistics):
        part = frame[frame["statistic"] == statistic].set_index("model")
        part = part.loc[models]
        low, high = part["ceiling_low"].iloc[0], part["ceiling_high"].iloc[0]
        if np.isfinite(low) and np.isfinite(high):
            ax.add_patch(Rectangle((x[0] - 0.5, low), len(x), high - low,
                                   color="0.8", lw=0, zorder=0))
        ax.bar(x, part["r"].to_numpy(float), color="#4f7ab3", width=0.75)
        ax.vlines(x, part["ci_low"].to_numpy(float),
                  part["ci_high"].to_numpy(float), color="k", lw=1.2)
        ax.axhline(0, color="0.3", lw=0.8)
        ax.set_xticks(x, models, rotation=60, ha="right", fontsize=8)
        ax.set_title(statistic, fontsize=10)
        ax.spines[["top", "right"]].set_visible(False)
    for ax in axes.flat[len(statistics):]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel("Pearson r with the data")
    handles = [Patch(color="0.8", label="noise ceiling (lower to upper)"),
               Patch(color="#4f7ab3", label="model"),
               Line2D([], [], color="k", lw=1.2,
                      label=_interval_label(ci_level, ci_method))]
    fig.legend(handles=handles, loc="outside lower center", ncol=3,
               fontsize="small", frameon=False)
    fig.suptitle("Model comparison per statistic (rsatoolbox, bootstrap "
                 "of images)", fontsize=11)
    return fig


# ---- searchlight
def plot_searchlight(result, ax=None, *, alpha=0.05, bins=30):
    """Histogram of a searchlight's sphere scores against the permutation null.

    A summary that needs no brain template: the distribution of the scores
    of all spheres and, with permutations, the distribution of the maximum
    score over all spheres of each permutation (the null of the family-wise
    test) with its ``1 - alpha`` quantile, the FWE threshold. Spheres right
    of the line are significant at ``alpha`` (FWE). For maps on a brain, turn
    the result into an image with
    :func:`rsatoolbox_topo.bridges.nilearn.searchlight_img` and use
    nilearn's plotting.

    Parameters
    ----------
    result : rsatoolbox_topo.searchlight.SearchlightResult
        What :func:`~rsatoolbox_topo.searchlight.searchlight` returned.
    ax : matplotlib.axes.Axes | None
        Where to draw; None: a new figure.
    alpha : float
        Family-wise level of the threshold line, in (0, 1).
    bins : int
        Number of histogram bins (shared by scores and null).

    Returns
    -------
    matplotlib.axes.Axes
        Histograms (density) of the scores and of the null maximum, and a
        vertical line at the FWE threshold.

    Examples
    --------
    >>> import numpy as np
    >>> from rsatoolbox.data import Dataset
    >>> from rsatoolbox_topo.searchlight import searchlight
    >>> from rsatoolbox_topo.vis import plot_searchlight
    >>> rng = np.random.default_rng(0)
    >>> voxels = np.array([(i, j, 0) for i in range(4) for j in range(4)])
    >>> ds = Dataset(rng.normal(size=(16, 16)),
    ...              descriptors={"affine": np.eye(4)},
    ...              obs_descriptors={"conditions": np.tile(list("abcd"), 4),
    ...                               "runs": np.repeat(range(4), 4)},
    ...              channel_descriptors={"voxel": voxels})
    >>> model = np.abs(np.arange(4.)[:, None] - np.arange(4.)[None])
    >>> res = searchlight(ds, model, radius=1.0, n_permutations=19,
    ...                   random_state=0)
    >>> ax = plot_searchlight(res)
    >>> ax.get_xlabel()
    "sphere score (method='corr')"
    """
    from ._validation import check_int, check_real

    alpha = check_real("alpha", alpha, 0.0, 1.0)
    if not 0.0 < alpha < 1.0:
        raise ValueError("The 'alpha' parameter must be in (0, 1). Got "
                         f"{alpha!r} instead.")
    bins = check_int("bins", bins, 1)
    ax = _new_axes(ax, figsize=(6, 3.5), layout="constrained")
    scores = np.asarray(result.scores)
    scores = scores[np.isfinite(scores)]
    null = (np.zeros(0) if result.null_max is None else
            np.asarray(result.null_max)[np.isfinite(result.null_max)])
    values = np.concatenate([scores, null])
    edges = np.histogram_bin_edges(values if values.size else [0.0, 1.0],
                                   bins=bins)
    ax.hist(scores, bins=edges, density=True, alpha=0.7,
            label=f"{len(scores)} spheres")
    if null.size:
        threshold = float(np.quantile(null, 1 - alpha))
        n_sig = int(np.sum(np.asarray(result.p_fwe) < alpha))
        ax.hist(null, bins=edges, density=True, histtype="step",
                color="0.3", label=f"null maximum ({null.size} permutations)")
        ax.axvline(threshold, color="C3", linestyle="--",
                   label=f"FWE {alpha:g} threshold ({n_sig} spheres p < "
                         f"{alpha:g})")
    ax.set_xlabel(f"sphere score (method={result.method!r})")
    ax.set_ylabel("density")
    ax.set_title(f"searchlight, radius {result.radius:g} mm, "
                 f"{result.statistic or 'no statistic'}")
    ax.legend(loc="best", fontsize="small")
    return ax


# ---- time course
def plot_timecourse(result, ax=None, *, colors=None, show_ci=True,
                    show_significance=True):
    """Plot model evaluations over time with CIs and significant times.

    Parameters
    ----------
    result : rsatoolbox_topo.timecourse.TimecourseResult
        What :func:`~rsatoolbox_topo.timecourse.model_timecourse` returned.
    ax : matplotlib.axes.Axes | None
        Where to draw; None: a new figure.
    colors : list | None
        One matplotlib colour per model; None: the default cycle.
    show_ci : bool
        Shade the bootstrap CIs.
    show_significance : bool
        Draw a bar under the curves where each model is significant.

    Returns
    -------
    matplotlib.axes.Axes
        For each model, in order: the line of its evaluations, then (with
        ``show_significance``) a line that is finite exactly where the
        model is significant.

    Examples
    --------
    >>> import numpy as np
    >>> from rsatoolbox.rdm import RDMs
    >>> from rsatoolbox_topo.timecourse import model_timecourse
    >>> from rsatoolbox_topo.vis import plot_timecourse
    >>> rng = np.random.default_rng(0)
    >>> model = rng.random(15)
    >>> rdms = RDMs(np.array([rng.random(15), model]),
    ...             rdm_descriptors={"time": [0.0, 0.1]})
    >>> res = model_timecourse(rdms, RDMs(model), n_bootstrap=20,
    ...                        n_permutations=50, random_state=0)
    >>> ax = plot_timecourse(res)
    >>> ax.get_xlabel()
    'Time (s)'
    """
    import matplotlib.pyplot as plt

    ax = _new_axes(ax, figsize=(7, 3.5))
    n_model = len(result.model_names)
    cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    colors = colors or [cycle[i % len(cycle)] for i in range(n_model)]
    if len(colors) < n_model:
        raise ValueError(
            f"The 'colors' parameter must give one colour per model "
            f"({n_model}). Got {len(colors)} instead.")
    low = np.nanmin(result.ci[0]) if show_ci and np.isfinite(
        result.ci).any() else np.nanmin(result.evaluations)
    span = (np.nanmax(result.evaluations) - low) or 1.0
    for i, name in enumerate(result.model_names):
        ax.plot(result.times, result.evaluations[i], color=colors[i],
                label=name)
        if show_ci and np.isfinite(result.ci[:, i]).any():
            ax.fill_between(result.times, result.ci[0, i], result.ci[1, i],
                            color=colors[i], alpha=0.25, linewidth=0)
        if show_significance:
            level = low - span * (0.06 + 0.05 * i)
            sig = np.where(result.significant[i], level, np.nan)
            ax.plot(result.times, sig, color=colors[i], linewidth=4,
                    solid_capstyle="butt")
    ax.axhline(0, color="0.6", linewidth=0.8)
    ax.axvline(0, color="0.6", linewidth=0.8, linestyle=":")
    ax.set_xlabel("Time (s)")
    ax.set_ylabel(f"Model evaluation ({result.method})")
    title = "" if result.statistic == "none" else \
        f"Statistic: {result.statistic}"
    if show_significance:
        title += ("\n" if title else "") + (
            f"Bars: significant (p < {result.alpha:g}, "
            f"{result.correction} correction)")
    if title:
        ax.set_title(title, fontsize="small")
    ax.figure.tight_layout()
    ax.legend(loc="upper left", fontsize="small", frameon=False)
    return ax


# ---- simulation
@fill_doc
def plot_simulation(result, ax=None):
    """Accuracy against noise level per statistic, with interval bands.

    The x axis is linear over the paper's levels (k <= 4, shaded) and
    logarithmic beyond; the legend sits outside the axes.

    Parameters
    ----------
    result : rsatoolbox_topo.simulation.SimulationResult
        From :func:`~rsatoolbox_topo.simulation.run_simulation`.
    %(ax)s

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from rsatoolbox_topo.simulation import (load_simulation_rdms,
    ...                                         run_simulation)
    >>> from rsatoolbox_topo.vis import plot_simulation
    >>> result = run_simulation(load_simulation_rdms().subset(
    ...     "seed", [0, 1, 2]), noise_levels=(0, 10), statistics=[None],
    ...     n_bootstrap=2, n_noise_draws=2, random_state=0)
    >>> [line.get_label() for line in plot_simulation(result).get_lines()]
    ['RDM', 'chance']
    """
    import matplotlib.pyplot as plt

    ax = _new_axes(ax, figsize=(8, 4.5), layout="constrained")
    colors = plt.get_cmap("tab10")
    levels = result.noise_levels
    for i, name in enumerate(result.statistics):
        color = colors(i % 10)
        ax.plot(levels, result.accuracy[:, i], "o-", color=color,
                label=name, ms=4)
        ax.fill_between(levels, result.ci_low[:, i], result.ci_high[:, i],
                        color=color, alpha=0.15, linewidth=0)
    ax.axhline(result.chance, color="0.4", ls="--", lw=1, label="chance")
    if levels.max() > 4:
        ax.set_xscale("symlog", linthresh=4, linscale=1.5)
        ax.axvspan(0, min(4, levels.max()), color="0.93", zorder=0, lw=0)
        ax.text(2, 0.98, "paper's levels", ha="center", va="top",
                fontsize="small", color="0.35")
    ax.set_xlabel(f"noise level k (noise SD = k x {result.fraction:g} x "
                  f"SD of {result.reference_text})")
    ax.set_ylabel("layer identification accuracy")
    ax.set_ylim(0, 1)
    ax.set_xticks(levels, [f"{k:g}" for k in levels])
    ax.legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1),
              frameon=False)
    draws = (f"mean of {result.n_noise_draws} noise draws\n"
             if result.n_noise_draws > 1 else "")
    ax.set_title(f"{draws}bands: "
                 f"{_interval_label(result.ci_level, result.ci_method)}, "
                 "bootstrap over seeds, stimuli and noise", fontsize="medium")
    return ax
