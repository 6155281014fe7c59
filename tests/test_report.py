"""Tests of rsatoolbox_topo.report: self-contained HTML, PNG and CSV files."""

import base64
from html.parser import HTMLParser

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from rsatoolbox_topo.report import Report, figure_to_png

matplotlib.use("Agg")


class _Collect(HTMLParser):
    """Collect tags and their attributes."""

    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def external_references(text):
    """Every src/href of a page that is not embedded data."""
    parser = _Collect()
    parser.feed(text)
    return [(tag, attrs) for tag, attrs in parser.tags
            if tag in ("link", "script")
            or any(k in ("src", "href") and not v.startswith("data:")
                   for k, v in attrs.items())]


def _figure():
    fig = Figure(figsize=(2, 2))
    fig.add_subplot().plot([0, 1], [0, 1])
    return fig


def test_report_is_self_contained(tmp_path):
    """Figures are embedded as the same PNG bytes that are written to disk."""
    report = Report("Test", out_dir=tmp_path)
    report.add_figure(_figure(), name="line", caption="a line")
    html_path = report.save(tmp_path / "report.html")
    text = html_path.read_text()
    assert external_references(text) == []
    parser = _Collect()
    parser.feed(text)
    sources = [a["src"] for t, a in parser.tags if t == "img"]
    assert len(sources) == 1
    embedded = base64.b64decode(sources[0].split(",", 1)[1])
    assert embedded == (tmp_path / "line.png").read_bytes()
    assert embedded.startswith(b"\x89PNG")
    assert report.files == [tmp_path / "line.png", html_path]


def test_tables_round_trip_through_csv(tmp_path):
    """A named table is written as CSV at full precision and as HTML."""
    frame = pd.DataFrame({"statistic": ["rank", "rgtm"],
                          "accuracy": [1 / 3, 0.123456789]})
    report = Report("Test", out_dir=tmp_path)
    report.add_table(frame, name="acc table", caption="Accuracies")
    pd.testing.assert_frame_equal(pd.read_csv(tmp_path / "acc_table.csv"),
                                  frame)
    text = report.to_html()
    assert "<b>Accuracies</b>" in text and "0.333" in text
    assert "0.3333" not in text  # shown with float_format


def test_text_is_escaped(tmp_path):
    """Text, titles and captions cannot inject HTML."""
    report = Report("<b>T</b>")
    report.add_text("a < b\n\n<script>alert(1)</script>")
    report.add_code("x > y")
    text = report.to_html()
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "<p>a &lt; b</p>" in text and "<pre>x &gt; y</pre>" in text
    assert "<title>&lt;b&gt;T&lt;/b&gt;</title>" in text


def test_without_out_dir_nothing_is_written(tmp_path, monkeypatch):
    """Without out_dir only the HTML file named in save() is written."""
    monkeypatch.chdir(tmp_path)
    report = Report("Test")
    report.add_table(pd.DataFrame({"a": [1]}), name="a")
    report.add_figure(_figure(), name="f")
    assert list(tmp_path.iterdir()) == []
    report.save(tmp_path / "sub" / "r.html")
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == ["r.html"]


def test_pyplot_figures_are_closed():
    """Adding a pyplot figure closes it."""
    import matplotlib.pyplot as plt

    fig = plt.figure()
    plt.plot([0, 1])
    Report("Test").add_figure(fig, name="p")
    assert not plt.fignum_exists(fig.number)


def test_figure_to_png_does_not_change_figure():
    """Rendering twice gives the same bytes."""
    fig = _figure()
    assert figure_to_png(fig) == figure_to_png(fig)


@pytest.mark.parametrize("call, error, message", [
    (lambda r: r.add_heading("x", level=1), ValueError, "'level' parameter"),
    (lambda r: r.add_table(np.zeros(2)), TypeError, "'frame' parameter"),
    (lambda r: r.add_figure("fig", name="x"), TypeError, "'fig' parameter"),
    (lambda r: r.add_table(pd.DataFrame({"a": [1]}), name="///"),
     ValueError, "'name' parameter"),
])
def test_bad_arguments(tmp_path, call, error, message):
    """Bad arguments raise errors naming the parameter."""
    with pytest.raises(error, match=message):
        call(Report("Test", out_dir=tmp_path))
    with pytest.raises(TypeError, match="'title' parameter"):
        Report(3)


def test_accuracy_figure_draws_the_numbers():
    """Bar heights are the accuracies and the chance line is at chance."""
    from rsatoolbox_topo.report import accuracy_figure

    frame = pd.DataFrame({"statistic": ["rdm", "rank", "rgtm"],
                          "accuracy": [0.9, 0.5, 0.7],
                          "ci_low": [0.8, 0.3, 0.6],
                          "ci_high": [1.0, 0.6, 0.8],
                          "chance": [0.25] * 3})
    fig = accuracy_figure(frame, title="t")
    ax = fig.axes[0]
    assert [p.get_height() for p in ax.patches] == pytest.approx(
        [0.9, 0.5, 0.7])
    assert ax.lines[-1].get_ydata()[0] == pytest.approx(0.25)
    assert [t.get_text() for t in ax.get_xticklabels()] == \
        ["rdm", "rank", "rgtm"]
    with pytest.raises(ValueError, match=r"Missing: \['ci_high', 'ci_low'\]"):
        accuracy_figure(frame.drop(columns=["ci_low", "ci_high"]))


def test_grouped_figure_puts_each_bar_in_its_group():
    """Bars are grouped along x, one colour per group, heights as given."""
    from rsatoolbox_topo.report import grouped_figure

    frame = pd.DataFrame({"model": ["b", "b", "a", "a"],
                          "statistic": ["rank", "rgtm"] * 2,
                          "r": [0.1, 0.2, 0.3, 0.4],
                          "ci_low": [0.0] * 4, "ci_high": [0.5] * 4})
    ax = grouped_figure(frame, "model", "statistic", "r", "r").axes[0]
    heights = {(round(p.get_x() + p.get_width() / 2, 2)): p.get_height()
               for p in ax.patches}
    # x order is first appearance: b at 0, a at 1; rank left, rgtm right
    assert heights == pytest.approx({-0.2: 0.1, 0.8: 0.3, 0.2: 0.2,
                                     1.2: 0.4})
    assert [t.get_text() for t in ax.get_xticklabels()] == ["b", "a"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == \
        ["rank", "rgtm"]


def test_long_tables_are_cut_in_html_only(tmp_path):
    """max_rows shortens the HTML table; the CSV keeps every row."""
    frame = pd.DataFrame({"cell": range(30)})
    report = Report("Test", out_dir=tmp_path)
    report.add_table(frame, name="cells", max_rows=5)
    text = report.to_html()
    assert "First 5 of 30 rows; all in cells.csv." in text
    assert "<td>4</td>" in text and "<td>5</td>" not in text
    assert len(pd.read_csv(tmp_path / "cells.csv")) == 30
