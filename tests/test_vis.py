"""Tests of rsatoolbox_topo.vis: every figure draws the numbers it is given."""

import matplotlib
import numpy as np
import pandas as pd
import pytest

from rsatoolbox_topo import vis
from rsatoolbox_topo.identification import (bootstrap_identify,
                                            compare_regimes,
                                            compare_statistics, identify,
                                            nested_threshold_cv,
                                            threshold_map)
from rsatoolbox_topo.statistics import REGIMES

from _planted import planted  # noqa: E402

matplotlib.use("Agg")


@pytest.fixture(autouse=True)
def _close_figures():
    """No figure outlives its test."""
    import matplotlib.pyplot as plt

    yield
    plt.close("all")


@pytest.fixture(scope="module")
def rdms():
    """Three classes, four individuals, eight conditions."""
    return planted(3, n_ind=4, n_class=3, n_cond=8, noise=1.0)


@pytest.fixture(scope="module")
def tmap(rdms):
    """A coarse RGTM map of the planted RDMs."""
    return threshold_map(rdms, "cls", "ind", step=0.25)


def _segments(collection):
    """(x, y_low, y_high) of each vertical segment of a LineCollection."""
    return [(s[0, 0], min(s[:, 1]), max(s[:, 1]))
            for s in collection.get_segments()]


# ---- identification
def test_identification_image_is_the_row_normalised_confusion(rdms):
    """The image's diagonal is the sensitivity; the title gives accuracy."""
    result = identify(rdms, "cls", "ind")
    ax = vis.plot_identification(result)
    rates = ax.images[0].get_array()
    np.testing.assert_allclose(rates, result.confusion / 4)
    np.testing.assert_allclose(np.diag(rates), result.sensitivity)
    assert ax.get_title() == (f"accuracy {result.accuracy:.2f} (chance "
                              "0.33)")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["c0", "c1", "c2"]


def test_plot_methods_delegate_to_vis(rdms):
    """result.plot() draws what vis draws and passes ax and options on."""
    import matplotlib.pyplot as plt

    result = identify(rdms, "cls", "ind")
    ax = plt.figure().add_subplot()
    assert result.plot(ax=ax) is ax
    np.testing.assert_array_equal(
        ax.images[0].get_array(),
        vis.plot_identification(result).images[0].get_array())
    tmap = threshold_map(rdms, "cls", "ind", step=0.25)
    assert tmap.plot(title="mine").get_title() == "mine"
    assert result.plot.__doc__.strip().startswith("Confusion matrix")
    assert "vis.plot_threshold_map" in type(tmap).plot.__doc__


def test_bootstrap_histogram_and_lines(rdms):
    """Histogram of all samples; lines at estimate, interval and chance."""
    boot = bootstrap_identify(rdms, "cls", "ind", n_bootstrap=25,
                              random_state=0)
    ax = vis.plot_bootstrap(boot)
    assert sum(p.get_height() for p in ax.patches) == 25
    xs = [line.get_xdata()[0] for line in ax.lines]
    assert xs == pytest.approx([boot.accuracy, *boot.ci, boot.chance])
    assert ax.get_title() == "95% corrected interval, 25 samples"


def test_threshold_map_image_star_and_boundaries(tmap):
    """Image = accuracy; star on the best cell; white regime boundaries."""
    ax = vis.plot_threshold_map(tmap)
    image = ax.images[0].get_array()
    np.testing.assert_array_equal(image.mask, np.isnan(tmap.accuracy))
    np.testing.assert_array_equal(image.filled(np.nan), tmap.accuracy)
    lower, upper, acc = tmap.best
    star = [line for line in ax.lines if line.get_marker() == "*"]
    assert len(star) == 1
    assert (star[0].get_xdata()[0], star[0].get_ydata()[0]) == (upper, lower)
    boundaries = [line for line in ax.lines if line.get_marker() != "*"]
    assert boundaries and all(line.get_color() == "w" for line in boundaries)
    assert ax.get_legend() is not None
    assert ax.get_title().startswith(f"RGTM identification (best {acc:.2f}")


def test_threshold_map_names_the_regimes(tmap):
    """label_regimes: dark boundaries, every regime of the grid named."""
    ax = vis.plot_threshold_map(tmap, label_regimes=True, title="T")
    assert ax.get_title() == "T"
    names = {t.get_text() for t in ax.texts}
    shown = {regime for regime in REGIMES
             if (tmap.to_frame()["regime"] == regime).any()}
    assert names == {vis._REGIME_SHORT[r] for r in shown}
    boundaries = [line for line in ax.lines if line.get_marker() != "*"]
    assert all(line.get_color() == "0.15" for line in boundaries)
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[1] == "best cell in sample (optimistic)"
    assert tuple(ax.figure.get_size_inches()) == (6.2, 6.2)


def test_nested_cv_marks_every_fold(rdms):
    """One circle per outer fold, at its chosen (upper, lower)."""
    cv = nested_threshold_cv(rdms, "cls", "ind", step=0.25)
    ax = vis.plot_nested_cv(cv)
    circles = [line for line in ax.lines if line.get_marker() == "o"]
    assert len(circles) == 1
    np.testing.assert_array_equal(circles[0].get_xdata(), cv.fold_upper)
    np.testing.assert_array_equal(circles[0].get_ydata(), cv.fold_lower)
    assert f"nested {cv.nested_accuracy:.2f}" in ax.get_title()


@pytest.mark.parametrize("kind", ["statistics", "regimes"])
def test_comparison_bars_intervals_and_baseline(rdms, kind):
    """Bar heights are the accuracies, the baseline's bar is grey."""
    if kind == "statistics":
        comp = compare_statistics(rdms, "cls", "ind",
                                  {"RDM": None, "rank": "rank_normalize"},
                                  baseline="rank", n_bootstrap=8,
                                  random_state=0)
    else:
        comp = compare_regimes(rdms, "cls", "ind", n_draws=1,
                               n_bootstrap=8, random_state=0)
    ax = vis.plot_comparison(comp)
    assert [p.get_height() for p in ax.patches] == pytest.approx(
        list(comp.accuracy))
    grey = [k for k, p in enumerate(ax.patches)
            if p.get_facecolor()[:3] == pytest.approx((0.5, 0.5, 0.5))]
    assert grey == [list(comp.names).index(comp.baseline)]
    segments = _segments(ax.collections[0])
    np.testing.assert_allclose([s[1] for s in segments], comp.ci_low)
    np.testing.assert_allclose([s[2] for s in segments], comp.ci_high)
    assert [t.get_text() for t in ax.get_xticklabels()] == list(comp.names)


# ---- report tables
def _accuracy_frame():
    return pd.DataFrame({"statistic": ["rdm", "rank", "rgtm"],
                         "accuracy": [0.9, 0.5, 0.7],
                         "ci_low": [0.8, 0.3, 0.6],
                         "ci_high": [1.0, 0.6, 0.8],
                         "chance": [0.25] * 3})


def test_accuracies_draw_the_numbers():
    """Bar heights are the accuracies and the chance line is at chance."""
    ax = vis.plot_accuracies(_accuracy_frame(), title="t")
    assert [p.get_height() for p in ax.patches] == pytest.approx(
        [0.9, 0.5, 0.7])
    assert ax.lines[-1].get_ydata()[0] == pytest.approx(0.25)
    assert [t.get_text() for t in ax.get_xticklabels()] == \
        ["rdm", "rank", "rgtm"]
    segments = _segments(ax.collections[0])
    np.testing.assert_allclose(segments, [(0, 0.8, 1.0), (1, 0.3, 0.6),
                                          (2, 0.6, 0.8)])
    assert ax.get_title() == "t"


def test_accuracies_into_given_axes():
    """With ax, nothing new is made: the given axes are drawn into."""
    import matplotlib.pyplot as plt

    ax = plt.figure().add_subplot()
    before = plt.get_fignums()
    assert vis.plot_accuracies(_accuracy_frame(), ax=ax) is ax
    assert plt.get_fignums() == before and len(ax.patches) == 3


def test_missing_columns_are_named():
    """A table without the needed columns names them."""
    frame = _accuracy_frame()
    with pytest.raises(ValueError, match=r"Missing: \['ci_high', 'ci_low'\]"):
        vis.plot_accuracies(frame.drop(columns=["ci_low", "ci_high"]))
    with pytest.raises(ValueError, match=r"Missing: \['ceiling_high'"):
        vis.plot_model_comparison(frame.assign(model="a", r=0.1,
                                               ceiling_low=0.2))
    with pytest.raises(ValueError, match=r"Missing: \['low'\]"):
        vis.plot_grouped_bars(frame, "statistic", "chance", "accuracy",
                              "r", low="low")


def test_grouped_bars_put_each_bar_in_its_group():
    """Bars are grouped along x, one colour per group, heights as given."""
    frame = pd.DataFrame({"model": ["b", "b", "a", "a"],
                          "statistic": ["rank", "rgtm"] * 2,
                          "r": [0.1, 0.2, 0.3, 0.4],
                          "ci_low": [0.0] * 4, "ci_high": [0.5] * 4})
    ax = vis.plot_grouped_bars(frame, "model", "statistic", "r", "r")
    heights = {(round(p.get_x() + p.get_width() / 2, 2)): p.get_height()
               for p in ax.patches}
    # x order is first appearance: b at 0, a at 1; rank left, rgtm right
    assert heights == pytest.approx({-0.2: 0.1, 0.8: 0.3, 0.2: 0.2,
                                     1.2: 0.4})
    assert [t.get_text() for t in ax.get_xticklabels()] == ["b", "a"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == \
        ["rank", "rgtm"]


def test_confusions_one_panel_per_statistic(rdms):
    """Panels in order, spare panels hidden, one shared colour bar."""
    points = {name: identify(rdms, "cls", "ind", statistic)
              for name, statistic in (("rdm", None),
                                      ("rank", "rank_normalize"),
                                      ("rgtm", "rgtm"),
                                      ("binary", {"name": "rgtm", "params": {
                                          "lower": 0.5, "upper": 0.5}}))}
    fig = vis.plot_confusions(points, columns=3)
    panels = [ax for ax in fig.axes if ax.get_visible() and ax.images]
    assert [ax.get_title() for ax in panels] == [
        f"{k}: accuracy {p.accuracy:.3f}" for k, p in points.items()]
    for ax, point in zip(panels, points.values()):
        np.testing.assert_allclose(ax.images[0].get_array(),
                                   point.confusion / 4)
    assert sum(not ax.get_visible() for ax in fig.axes) == 2
    assert sum(ax.get_label() == "<colorbar>" for ax in fig.axes) == 1
    with pytest.raises(ValueError, match="'points' parameter"):
        vis.plot_confusions({})


def test_model_comparison_has_the_noise_ceiling():
    """One panel per statistic, a ceiling band and an interval per model."""
    frame = pd.DataFrame({"statistic": ["rdm"] * 2 + ["rank"] * 2,
                          "model": ["a", "b"] * 2, "r": [0.3, 0.1, 0.2, 0.0],
                          "ci_low": [0.2, 0.0, 0.1, -0.1],
                          "ci_high": [0.4, 0.2, 0.3, 0.1],
                          "ceiling_low": 0.5, "ceiling_high": 0.6})
    fig = vis.plot_model_comparison(frame, ci_level=0.9, ci_method="bca")
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in panels] == ["rdm", "rank"]
    band = panels[0].patches[0]
    assert (band.get_y(), band.get_height()) == pytest.approx((0.5, 0.1))
    assert [p.get_height() for p in panels[1].patches[1:]] == \
        pytest.approx([0.2, 0.0])
    assert fig._suptitle is not None
    legend = [t.get_text() for t in fig.legends[0].get_texts()]
    assert legend[-1] == "90% interval (bca)"
