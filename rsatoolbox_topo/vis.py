"""Every figure of the package, drawn with matplotlib.

Functions ``plot_<thing>(result, ax=None, ...)`` return the matplotlib Axes
(or the Figure of a multi-panel plot); the ``.plot()`` methods of the results
and the report only call them. matplotlib's pyplot is imported inside the
functions, so importing this module stays light.
"""

import numpy as np

__all__ = ["plot_searchlight"]


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
    import matplotlib.pyplot as plt

    from ._validation import check_int, check_real

    alpha = check_real("alpha", alpha, 0.0, 1.0)
    if not 0.0 < alpha < 1.0:
        raise ValueError("The 'alpha' parameter must be in (0, 1). Got "
                         f"{alpha!r} instead.")
    bins = check_int("bins", bins, 1)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 3.5))
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
