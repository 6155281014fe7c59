"""Every figure of the package.

Functions ``plot_<thing>(result, ax=None, ...)`` return the matplotlib Axes
(or the Figure of a multi-panel plot); the ``.plot()`` methods of the results
and the report only call them. matplotlib's pyplot is imported inside the
functions, so importing this module stays light.
"""

import numpy as np

__all__ = ["plot_timecourse"]


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
        One line per model (its evaluations), then, with
        ``show_significance``, one line per model that is finite exactly
        where the model is significant.

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

    if ax is None:
        _, ax = plt.subplots(figsize=(7, 3.5))
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
