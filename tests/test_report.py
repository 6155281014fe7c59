"""Tests of rsatoolbox_topo.report: self-contained HTML, PNG and CSV files."""

import base64
from html.parser import HTMLParser

import matplotlib
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from rsatoolbox_topo.report import (Notes, Report, conclusions,
                                    display_table, figure_to_png,
                                    format_interval)

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
            or any(k in ("src", "href") and not v.startswith(("data:", "#"))
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


def test_long_tables_are_cut_in_html_only(tmp_path):
    """max_rows shortens the HTML table; the CSV keeps every row."""
    frame = pd.DataFrame({"cell": range(30)})
    report = Report("Test", out_dir=tmp_path)
    report.add_table(frame, name="cells", max_rows=5)
    text = report.to_html()
    assert "First 5 of 30 rows; all in cells.csv." in text
    assert "<td>4</td>" in text and "<td>5</td>" not in text
    assert len(pd.read_csv(tmp_path / "cells.csv")) == 30



# ------------------------------------------------------- number format
def test_display_table_one_number_format():
    """3 decimals, one bracketed interval column naming level and method."""
    frame = pd.DataFrame({"noise_level": [0.0, 2.0], "statistic": ["a", "b"],
                          "accuracy": [0.71, 1 / 3], "ci_low": [0.55, 0.2],
                          "ci_high": [0.755, np.nan]})
    shown = display_table(frame, {"accuracy": ("ci_low", "ci_high")},
                          ci_level=0.9, ci_method="bca",
                          parameters=("noise_level",))
    assert shown.columns.tolist() == ["noise_level", "statistic", "accuracy",
                                      "90% interval (bca)"]
    assert shown.values.tolist() == [["0", "a", "0.710", "[0.550, 0.755]"],
                                     ["2", "b", "0.333", ""]]
    assert frame["accuracy"].tolist() == [0.71, 1 / 3]  # input unchanged
    assert format_interval(-0.0123, 1) == "[-0.012, 1.000]"
    with pytest.raises(ValueError, match="'ci_method'.*None"):
        display_table(frame, {"accuracy": ("ci_low", "ci_high")})


# -------------------------------------------------------------- notes
def test_notes_name_rdms_count_repeats_and_flag_rows(tmp_path):
    """A warning with indices names the RDMs; repeats count; rows link."""
    import warnings

    from rsatoolbox.rdm import RDMs

    from rsatoolbox_topo import rgdm

    labels = np.array([0, 0, 0, 0, 0, 1])
    within = (labels[:, None] != labels).astype(float)[np.triu_indices(6, 1)]
    rdms = RDMs(np.vstack([np.arange(15.0), within]),
                rdm_descriptors={"roi": ["V1", "FFA"], "subject": [3, 7]})
    notes = Notes()
    for _ in range(2):
        with notes.collect("ROIs", "rgdm(0,0.5)", rdms=rdms):
            rgdm(rdms, lower=0.0, upper=0.5)
    collapsed = [n for n in notes.items
                 if n.category == "CollapsedStatisticWarning"]
    assert len(collapsed) == 1 and collapsed[0].count == 2
    assert collapsed[0].rdms == ["roi FFA, subject 7"]
    assert "index" not in collapsed[0].text
    assert "RDMs: roi FFA, subject 7." in collapsed[0].text
    # inside a resampling loop indices mean nothing: counted, not named
    with notes.collect("ROIs", "rgdm(0,0.5)"):
        rgdm(rdms, lower=0.0, upper=0.5)
    assert len(notes.items) == 2  # both categories already named above
    with notes.collect("ROIs", "other"):
        warnings.warn("The statistic raised package warnings in 3 of 10 "
                      "bootstrap samples; run it on the full data to see "
                      "them.")
    last = notes.items[-1]
    assert "run it on the full data" not in last.text
    assert "3 of 10 bootstrap samples" in last.text
    assert "raised nothing" in last.text
    assert notes.numbers("ROIs", "rgdm(0,0.5)") == [1, 2]
    report = Report("t")
    report.add_table(pd.DataFrame({"statistic": ["rgdm(0,0.5)", "rdm"]}),
                     name="acc", note_refs=[[1, 2], []])
    report.add_notes(notes)
    text = report.to_html()
    assert '<a class="note" href="#note-1">[1]</a>' in text
    assert '<li id="note-2">' in text and 'id="table-acc"' in text
    assert external_references(text) == []


def test_one_note_for_a_finding_shared_by_statistics():
    """The same warning for several statistics of an analysis is one note
    naming them all (the demo printed two identical notes, one for 'rdm'
    and one for the statistics scored together), and each statistic's row
    links to it, also when the statistics were scored in one call."""
    import warnings

    notes = Notes()
    with notes.collect("IT", "rank, rgtm(0.2,0.8)"):
        warnings.warn("Only 2 individuals.")
    with notes.collect("IT", "rdm"):
        warnings.warn("Only 2 individuals.")
    with notes.collect("IT", "rdm"):
        warnings.warn("Only 2 individuals.")
    with notes.collect("IT", "rgdm(0,0.5)"):
        warnings.warn("Something else.")
    with notes.collect("other analysis", "rdm"):
        warnings.warn("Only 2 individuals.")
    assert [n.line() for n in notes.items] == [
        "[1] IT, rank, rgtm(0.2,0.8), rdm: UserWarning: Only 2 individuals."
        " (x2)",
        "[2] IT, rgdm(0,0.5): UserWarning: Something else.",
        "[3] other analysis, rdm: UserWarning: Only 2 individuals."]
    assert notes.numbers("IT", "rgtm(0.2,0.8)") == [1]
    assert notes.numbers("IT", "rdm") == [1]
    assert notes.numbers("IT", "rgdm(0,0.5)") == [2]
    assert notes.numbers("IT", "rgtm(0.2") == []
    assert notes.numbers("IT") == []


# -------------------------------------------------------- conclusions
def _acc_table(values, lows, highs, names=("rdm", "rank", "rgtm(0.5,0.5)")):
    return pd.DataFrame({"statistic": list(names), "accuracy": values,
                         "ci_low": lows, "ci_high": highs, "chance": 0.1})


def test_conclusions_accuracy_rules():
    """Inside the best one's interval: about as good; below: worse."""
    table = _acc_table([0.7, 0.65, 0.4], [0.6, 0.5, 0.3], [0.8, 0.7, 0.5])
    first, paper = conclusions(("acc", table), what="the layer")
    assert first.text.startswith("rdm identifies the layer best "
                                 "(0.700 [0.600, 0.800]; chance 0.100).")
    assert "rank is about as good" in first.text
    assert "rgtm(0.5,0.5) does worse" in first.text
    assert paper.text.startswith("Against the paper") and paper.table == "acc"
    table = _acc_table([0.7, 0.65, 0.62], [0.6, 0.5, 0.5], [0.8, 0.7, 0.7])
    paper = conclusions(("acc", table))[1]
    assert paper.text.startswith("With the paper")
    assert "about as well as the RDM (0.620; inside the RDM's interval, " \
        "0.700 [0.600, 0.800])" in paper.text
    table = _acc_table([0.7, 0.65, 0.85], [0.6, 0.5, 0.7], [0.8, 0.7, 0.9])
    paper = conclusions(("acc", table))[1]
    assert "better than the RDM (0.850; above the RDM's interval" in \
        paper.text


def _noise_table(curves, width=0.05):
    rows = []
    for statistic, values in curves.items():
        for k, value in zip((0, 4, 30, 100), values):
            rows.append({"noise_level": k, "statistic": statistic,
                         "accuracy": value, "ci_low": value - width,
                         "ci_high": value + width})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("topo, verdict", [
    ((0.7, 0.7, 0.3, 0.1), "Against the paper"),  # falls at k=30, RDM at 100
    ((0.7, 0.7, 0.7, 0.68), "With the paper"),    # never below its interval
    ((0.7, 0.7, 0.67, 0.1), "Neither"),           # both from k = 100
])
def test_conclusions_noise_rules(topo, verdict):
    """Which statistic loses most, and the robustness claim, by rule."""
    table = _noise_table({"rdm": (0.7, 0.7, 0.66, 0.2),
                          "rgtm(0.5,0.5)": topo})
    summary, claim = conclusions(noise=("noise", table))
    assert ("Within the paper's levels (k <= 4) no statistic falls below "
            "its noise-free interval") in summary.text
    assert claim.text.startswith(verdict), claim.text
    if verdict == "Against the paper":
        assert "from k = 30 against from k = 100" in claim.text
        # losses at k = 30, where the first statistic leaves its interval
        assert summary.text.startswith("From k = 0 to k = 30 (the first "
                                       "level at which a statistic leaves")
        assert "rgtm(0.5,0.5) loses most (0.700 to 0.300)" in summary.text
        assert "rdm least (0.700 to 0.660)" in summary.text


def test_conclusions_thresholds_regimes_models_individuality():
    """Optimism, paired regime differences, ceiling, individuality."""
    (opt,) = conclusions(thresholds=("map", {"best": 0.7, "lower": 0.2,
                                             "upper": 0.6, "nested": 0.5}))
    assert "optimistic" in opt.text and "(optimism 0.200)" in opt.text
    (none,) = conclusions(thresholds=("map", {"best": 0.5, "lower": 0.2,
                                              "upper": 0.6, "nested": 0.5}))
    assert "not optimistic" in none.text
    regimes = pd.DataFrame({
        "regime": ["local extractor", "topology sensitive", "rank RDM"],
        "baseline": "rank RDM", "diff_ci_low": [-0.2, -0.05, 0.0],
        "diff_ci_high": [-0.01, 0.05, 0.0]})
    (reg,) = conclusions(regimes=("reg", regimes))
    assert reg.text == ("Against the rank RDM (paired interval excluding 0 "
                        "and p < 0.05): worse: local extractor; the others "
                        "do not differ.")
    named = regimes.assign(diff_vs_baseline=[-0.1, 0.0, 0.0],
                           p_value=[0.01, 0.9, 1.0])
    (reg,) = conclusions(regimes=("reg", named))
    assert "worse: local extractor (-0.100 [-0.200, -0.010], p = 0.010)" \
        in reg.text
    regimes["p_value"] = [0.2, 0.9, 1.0]  # the p-value disagrees: no claim
    (reg,) = conclusions(regimes=("reg", regimes))
    assert reg.text.startswith("No regime of the threshold triangle differs "
                               "from the rank RDM")
    models = pd.DataFrame({"statistic": ["rdm", "rdm", "rank", "rank"],
                           "model": ["a", "b", "a", "b"],
                           "r": [0.3, 0.2, 0.1, 0.2], "ceiling_low": 0.25,
                           "ci_low": [0.25, 0.1, 0.0, 0.05],
                           "ci_high": [0.35, 0.3, 0.2, 0.3]})
    (mod,) = conclusions(models=("m", models))
    assert mod.text.startswith("The model with the highest r is a under "
                               "rdm; b under rank.")
    # under rank a (0.1) lies inside b's interval [0.05, 0.3]; under rdm b
    # (0.2) is below a's [0.25, 0.35]
    assert "Under rank the next model's r lies inside the top model's " \
        "interval (e.g. under rank a 0.100 against b 0.200 [0.050, " \
        "0.300]), so no model is clearly best there" in mod.text
    assert "lower bound of the noise ceiling under rdm." in mod.text
    (low,) = conclusions(models=("m", models.assign(ceiling_low=0.9)))
    assert "No model reaches the lower bound of the noise ceiling" in \
        low.text
    wide = _acc_table([0.5, 0.25, 0.25], [0.05, 0.0, 0.1], [0.6, 0.5, 0.4])
    wide["chance"] = 0.25
    (ind,) = conclusions(individuality=("ind", wide))
    assert "every statistic's interval includes chance (0.250)" in ind.text


def test_findings_are_the_first_section_and_link_to_tables():
    """"What this run shows" comes before everything and links its tables."""
    report = Report("t")
    report.add_text("intro")
    table = _acc_table([0.7, 0.65, 0.4], [0.6, 0.5, 0.3], [0.8, 0.7, 0.5])
    report.add_table(table, name="acc")
    report.add_findings(conclusions(("acc", table)))
    text = report.to_html()
    assert text.index("What this run shows") < text.index("intro")
    assert text.count('href="#table-acc"') == 2
