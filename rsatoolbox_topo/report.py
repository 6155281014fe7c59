"""Self-contained HTML reports of tRSA analyses.

A :class:`Report` collects headings, paragraphs, tables (pandas
``DataFrame``) and matplotlib figures, writes each figure as a PNG file and
each table as a CSV file next to the report if asked, and saves one HTML file
with the figures embedded as base64 data and the style sheet inline: the file
needs nothing else and can be mailed or archived on its own.

A report that concludes has three more parts, all built here from results:

* :func:`conclusions` turns result tables into the sentences of its first
  section, "What this run shows", by rules stated in its docstring; each
  sentence links to the table below that backs it;
* :class:`Notes` collects the warnings of each analysis and statistic as
  findings, names the RDMs they concern by their descriptors, and gives
  them to the terminal (once, at the end) and to the report's "Notes"
  section; table rows link to their notes;
* :func:`format_number`, :func:`format_interval` and :func:`display_table`
  give every table one number format: 3 decimals, intervals in brackets,
  the interval method named once per table (in the column header).

Figures are drawn by :mod:`rsatoolbox_topo.vis`, with whatever backend the
caller uses; :func:`figure_to_png` (the report's encoder, which draws
nothing) renders them by matplotlib's Agg renderer and never needs a
display.
"""

import base64
import contextlib
import datetime
import html
import io
import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from . import __version__

__all__ = ["Report", "Notes", "Note", "Finding", "conclusions",
           "format_number", "format_interval", "interval_header",
           "display_table", "figure_to_png"]

_STYLE = """
body { font-family: system-ui, -apple-system, 'Segoe UI', sans-serif;
       max-width: 60em; margin: 2em auto; padding: 0 1em; color: #222;
       line-height: 1.45; }
h1 { border-bottom: 2px solid #446; padding-bottom: .2em; }
h2 { margin-top: 2em; color: #334; }
table.dataframe { border-collapse: collapse; margin: 1em 0;
                  font-size: .9em; }
table.dataframe th, table.dataframe td { border: 1px solid #ccc;
                                         padding: .25em .6em;
                                         text-align: right; }
table.dataframe thead th { background: #eef; }
figure { margin: 1.5em 0; }
figure img { max-width: 100%; height: auto; }
figcaption { font-size: .9em; color: #555; }
p.meta { color: #777; font-size: .85em; }
pre { background: #f6f6f6; padding: .6em; overflow-x: auto; }
section.findings { background: #f4f6fb; border-left: 4px solid #446;
                   padding: .2em 1em; }
section.findings li { margin: .4em 0; }
ol.notes li { margin: .5em 0; }
ol.notes li:target { background: #fff6d5; }
a.note { font-size: .8em; vertical-align: super; text-decoration: none; }
"""

_SLUG = re.compile(r"[^A-Za-z0-9_.-]+")


# ------------------------------------------------------------ numbers
def format_number(value, decimals=3):
    """One number format for every table: fixed decimals, '' if missing.

    Parameters
    ----------
    value : float | None
        The number.
    decimals : int
        Digits after the point (3 everywhere in the reports).

    Returns
    -------
    str

    Examples
    --------
    >>> from rsatoolbox_topo.report import format_number
    >>> format_number(0.71), format_number(float("nan"))
    ('0.710', '')
    """
    if value is None or not np.isfinite(float(value)):
        return ""
    return f"{float(value):.{decimals}f}"


def format_interval(low, high, decimals=3):
    """An interval as ``[low, high]`` in the number format of the tables.

    Parameters
    ----------
    low, high : float
        The bounds ('' if either is missing).
    decimals : int
        Digits after the point.

    Returns
    -------
    str

    Examples
    --------
    >>> from rsatoolbox_topo.report import format_interval
    >>> format_interval(0.55, 0.755)
    '[0.550, 0.755]'
    """
    if not (np.isfinite(float(low)) and np.isfinite(float(high))):
        return ""
    return (f"[{format_number(low, decimals)}, "
            f"{format_number(high, decimals)}]")


def interval_header(ci_level, ci_method):
    """Column header naming an interval's level and method, once per table.

    Parameters
    ----------
    ci_level : float
        Confidence level in (0, 1).
    ci_method : str
        How the interval was computed, as the result records it (e.g.
        ``'percentile'``, ``'bca'``).

    Returns
    -------
    str

    Examples
    --------
    >>> from rsatoolbox_topo.report import interval_header
    >>> interval_header(0.95, "percentile")
    '95% interval (percentile)'
    """
    return f"{100 * float(ci_level):g}% interval ({ci_method})"


def display_table(frame, intervals=None, ci_level=0.95, ci_method=None,
                  parameters=(), drop=()):
    """The shown form of a result table: text cells in one number format.

    Numbers get 3 decimals, each interval one bracketed column whose header
    names the level and method (:func:`interval_header`), parameters
    (e.g. noise levels or thresholds) their shortest form (``2``, ``0.25``).
    The CSV files keep the full-precision table; this is for the HTML and
    the terminal.

    Parameters
    ----------
    frame : pandas.DataFrame
        The result table (not changed).
    intervals : dict of str to (str, str) | None
        For each column with an interval, its (low, high) columns; the
        interval column is shown after it (one header per table: with
        several intervals, each header names its column).
    ci_level : float
        Confidence level of the intervals.
    ci_method : str | None
        Interval method, required when ``intervals`` is given.
    parameters : sequence of str
        Columns shown with ``:g`` instead of 3 decimals.
    drop : sequence of str
        Columns left out of the display.

    Returns
    -------
    pandas.DataFrame
        All cells are strings.

    Examples
    --------
    >>> import pandas as pd
    >>> from rsatoolbox_topo.report import display_table
    >>> frame = pd.DataFrame({"statistic": ["rdm"], "accuracy": [0.71],
    ...                       "ci_low": [0.55], "ci_high": [0.755]})
    >>> display_table(frame, {"accuracy": ("ci_low", "ci_high")},
    ...               ci_method="percentile").iloc[0].tolist()
    ['rdm', '0.710', '[0.550, 0.755]']
    """
    intervals = dict(intervals or {})
    if intervals and not ci_method:
        raise ValueError("The 'ci_method' parameter must name the interval "
                         "method when 'intervals' is given. Got "
                         f"{ci_method!r} instead.")
    hidden = set(drop) | {c for pair in intervals.values() for c in pair}
    out = {}
    for column in frame.columns:
        if column in hidden:
            continue
        values = frame[column]
        if column in parameters:
            out[column] = [f"{v:g}" if isinstance(v, (int, float, np.number))
                           else str(v) for v in values]
        elif pd.api.types.is_bool_dtype(values):
            out[column] = ["yes" if v else "" for v in values]
        elif pd.api.types.is_numeric_dtype(values):
            out[column] = [format_number(v) for v in values]
        else:
            out[column] = ["" if v is None else str(v) for v in values]
        if column in intervals:
            low, high = intervals[column]
            header = interval_header(ci_level, ci_method)
            if len(intervals) > 1:
                header = f"{column}: {header}"
            out[header] = [format_interval(a, b) for a, b in
                           zip(frame[low], frame[high])]
    return pd.DataFrame(out, index=frame.index)


# -------------------------------------------------------------- notes
@dataclass
class Note:
    """One warning of an analysis, as a finding of the report.

    Parameters
    ----------
    number : int
        Its number in the report (1, 2, ...); rows link to ``#note-N``.
    analysis : str
        The analysis it arose in (e.g. 'Network layers across seeds').
    statistic : str | None
        The statistic it concerns, if one.
    category : str
        The warning class name.
    text : str
        What happened, naming the RDMs by their descriptors.
    rdms : list of str
        The RDMs concerned (descriptions), empty if unknown.
    count : int
        How often the same warning was raised.
    """

    number: int
    analysis: str
    statistic: object
    category: str
    text: str
    rdms: list = field(default_factory=list)
    count: int = 1

    def line(self):
        """The note as one line of terminal output.

        Returns
        -------
        str
        """
        where = self.analysis + (f", {self.statistic}" if self.statistic
                                 else "")
        times = f" (x{self.count})" if self.count > 1 else ""
        return f"[{self.number}] {where}: {self.category}: {self.text}{times}"


def _concerns(label, statistic):
    """Whether a note's statistic label (one statistic, or several joined
    by ', ') concerns ``statistic``. Statistic labels carry no ', '."""
    if label is None or statistic is None:
        return label == statistic
    return label == statistic or statistic in label.split(", ")


_BOOT_COUNT = re.compile(r"in (\d+) of (\d+) bootstrap samples")
_MODEL_NAME = re.compile(r"model '([^']+)'")


def describe_rdm(rdms, index, skip=("index",)):
    """Name one RDM of an RDMs object by its descriptors.

    Parameters
    ----------
    rdms : rsatoolbox.rdm.RDMs
        The RDMs.
    index : int
        Which RDM.
    skip : sequence of str
        Descriptors left out.

    Returns
    -------
    str
        ``'name value, name value'`` over the RDM descriptors.

    Examples
    --------
    >>> import numpy as np
    >>> from rsatoolbox.rdm import RDMs
    >>> from rsatoolbox_topo.report import describe_rdm
    >>> rdms = RDMs(np.ones((2, 3)), rdm_descriptors={"layer": ["a", "b"],
    ...                                               "seed": [0, 7]})
    >>> describe_rdm(rdms, 1)
    'layer b, seed 7'
    """
    parts = [f"{name} {values[index]}"
             for name, values in rdms.rdm_descriptors.items()
             if name not in skip and len(values) == rdms.n_rdm]
    return ", ".join(parts) or f"RDM {index}"


class Notes:
    """Warnings collected per analysis and statistic, as numbered findings.

    Use :meth:`collect` around each piece of work; warnings raised inside
    are recorded (not shown), once per distinct text. A warning that
    carries the indices of the RDMs it concerns (``warning.indices``, set
    by :mod:`rsatoolbox_topo.statistics`) is named by those RDMs'
    descriptors when the block was given the RDMs; inside resampling loops
    (``rdms=None``) such per-sample warnings are counted, not repeated.

    Examples
    --------
    >>> import warnings
    >>> from rsatoolbox_topo.report import Notes
    >>> notes = Notes()
    >>> with notes.collect("demo", "rdm"):
    ...     warnings.warn("something odd")
    >>> print(notes.items[0].line())
    [1] demo, rdm: UserWarning: something odd
    >>> notes.numbers("demo", "rdm")
    [1]
    """

    def __init__(self):
        self.items = []

    @contextlib.contextmanager
    def collect(self, analysis, statistic=None, rdms=None):
        """Record the warnings raised in the block for this analysis.

        Parameters
        ----------
        analysis : str
            The analysis.
        statistic : str | None
            The statistic, if the block computes one.
        rdms : rsatoolbox.rdm.RDMs | None
            The RDMs a statistic is applied to in the block, so that
            warnings carrying RDM indices name them; None inside resampling
            loops, where indices refer to resampled sets.

        Yields
        ------
        Notes
            This object.
        """
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            yield self
        skipped = {}  # per-sample warnings of resampled sets, by class
        for item in caught:
            indices = getattr(item.message, "indices", None)
            if indices is not None and rdms is None:
                name = item.category.__name__
                skipped[name] = skipped.get(name, 0) + 1
                continue
            self.add(analysis, statistic, item.category.__name__,
                     str(item.message), rdms=rdms, indices=indices)
        for name, count in skipped.items():
            if not any(n.analysis == analysis and n.statistic == statistic
                       and n.category == name for n in self.items):
                self.add(analysis, statistic, name,
                         f"raised {count} time(s) on resampled RDMs only "
                         "(not on the full data).")

    def add(self, analysis, statistic, category, text, rdms=None,
            indices=None):
        """Add one note (or count a repeat of the same one).

        Parameters
        ----------
        analysis, statistic : str
            Where it arose (``statistic`` may be None).
        category : str
            The warning class name.
        text : str
            The warning's text.
        rdms : rsatoolbox.rdm.RDMs | None
            The RDMs that ``indices`` refer to.
        indices : list of int | None
            The RDMs the warning concerns.

        Returns
        -------
        Note
        """
        names = []
        if indices is not None and rdms is not None:
            names = [describe_rdm(rdms, i) for i in indices]
            text = re.sub(r"\(index [0-9, .]+\)", "", text)
            text = f"{text.strip()} RDMs: {'; '.join(names)}."
        names += _MODEL_NAME.findall(text)
        text = " ".join(self._advice(analysis, statistic, category,
                                     text).split())
        for note in self.items:
            if (note.analysis, note.category, note.text) != \
                    (analysis, category, text):
                continue
            if _concerns(note.statistic, statistic):
                note.count += 1
                return note
            if note.statistic is not None and statistic is not None:
                # the same finding for another statistic: one note
                note.statistic = f"{note.statistic}, {statistic}"
                return note
        note = Note(len(self.items) + 1, analysis, statistic, category,
                    text, names)
        self.items.append(note)
        return note

    def _advice(self, analysis, statistic, category, text):
        """Replace advice that the command line cannot follow."""
        found = _BOOT_COUNT.search(text)
        if found and "run it on the full data" in text:
            same = [n.number for n in self.items
                    if n.analysis == analysis and n.statistic == statistic]
            full = (f"on the full data it raised note(s) "
                    f"{', '.join(map(str, same))}" if same else
                    "on the full data it raised nothing, so only resampled "
                    "conditions and individuals (e.g. a condition drawn "
                    "twice, whose copies tie) cause it")
            text = (f"the statistic raised warnings in {found.group(1)} of "
                    f"{found.group(2)} bootstrap samples; {full}. Those "
                    "samples still count in the interval.")
        return text

    def numbers(self, analysis, statistic=None, item=None):
        """Numbers of the notes of an analysis (and statistic, and item).

        Parameters
        ----------
        analysis : str
        statistic : str | None
            None: the notes of the analysis that concern no statistic.
        item : str | None
            A row's item (e.g. a model name): only notes naming it, or
            naming nothing.

        Returns
        -------
        list of int
        """
        return [n.number for n in self.items
                if n.analysis == analysis and _concerns(n.statistic, statistic)
                and (item is None or not n.rdms
                     or any(item == r or r.startswith(f"{item},")
                            or f" {item}" in r for r in n.rdms))]

    def lines(self):
        """All notes, one line each, for the terminal.

        Returns
        -------
        list of str
        """
        return [note.line() for note in self.items]


# --------------------------------------------------------- conclusions
@dataclass
class Finding:
    """One sentence of "What this run shows" and the table that backs it.

    Parameters
    ----------
    text : str
        The sentence.
    table : str
        Name of the table (``Report.add_table(name=...)``) that backs it.
    """

    text: str
    table: str


def _row(frame, column, value):
    rows = frame[frame[column] == value]
    return None if rows.empty else rows.iloc[0]


def _topology_sensitive(label):
    """Whether a statistic label 'rgtm(l,u)' lies in the topology regime."""
    from .statistics import regime

    found = re.fullmatch(r"rgtm\(([\d.]+),([\d.]+)\)", str(label))
    return bool(found) and regime(float(found.group(1)),
                                  float(found.group(2))) == \
        "topology sensitive"


def _names(items):
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _r(row):
    return (f"{format_number(row['r'])} "
            f"{format_interval(row['ci_low'], row['ci_high'])}")


def _acc(row):
    return (f"{format_number(row['accuracy'])} "
            f"{format_interval(row['ci_low'], row['ci_high'])}")


def conclusions(accuracy=None, noise=None, thresholds=None, regimes=None,
                models=None, individuality=None, *, what="the class",
                paper_levels=4.0):
    """The sentences of "What this run shows", by stated rules.

    Every input is optional; each gives the findings below, each backed by
    the table named in the input.

    Parameters
    ----------
    accuracy : (str, pandas.DataFrame) | None
        Table name and identification table (one row per statistic:
        ``statistic``, ``accuracy``, ``ci_low``, ``ci_high``, ``chance``).
        Rule 1: the *best* statistic has the highest full-data accuracy; a
        statistic is *about as good* when its accuracy lies inside the
        best one's interval, *worse* when below it. Rule 4a (the paper's
        claim that topology-sensitive statistics identify about as well as
        the RDM): *with the paper* if each topology-sensitive RGTM
        (:func:`~rsatoolbox_topo.statistics.regime`) lies inside the RDM's
        interval or above the RDM, *against* if below the interval.
    noise : (str, pandas.DataFrame) | None
        Table of accuracy by noise level (``noise_level``, ``statistic``,
        ``accuracy``, ``ci_low``, ``ci_high``). Rule 2: a statistic *loses*
        under noise from the first level at which its accuracy falls below
        its own interval at level 0; the loss is accuracy at 0 minus
        accuracy at the lowest level at which any statistic loses (the
        highest level if none does: further on, all statistics head for
        chance); the statistics with the largest and smallest loss are
        named, and whether any loses within the paper's
        levels (k <= ``paper_levels``). Rule 4b (the claim that they are
        more robust to noise): *against* if a topology-sensitive RGTM
        starts to lose at a lower level than the RDM, *with* if every one
        starts later (or never, while the RDM does), otherwise neither.
    thresholds : (str, dict) | None
        Table name and ``{'best': acc, 'lower': l, 'upper': u, 'nested':
        acc or None}``. Rule 3: the in-sample best cell is *optimistic* by
        best minus nested accuracy when that is positive.
    regimes : (str, pandas.DataFrame) | None
        Regime comparison (``regime``, ``baseline``, the paired interval
        of the difference ``diff_ci_low``/``diff_ci_high`` and, if given,
        its bootstrap ``p_value``): a regime differs from the baseline when
        the interval excludes 0 and the p-value is below 0.05 (the two are
        computed differently and can disagree; then no difference is
        claimed).
    models : (str, pandas.DataFrame) | None
        Model comparison (``statistic``, ``model``, ``r``, ``ci_low``,
        ``ci_high``, ``ceiling_low``): the best model per statistic, and
        whether it reaches the lower bound of the noise ceiling.
    individuality : (str, pandas.DataFrame) | None
        Identification of individuals (same columns as ``accuracy``): lower
        is what tRSA aims for; if every interval includes chance, the data
        cannot tell.
    what : str
        What is identified, for the sentences (e.g. 'the layer').
    paper_levels : float
        Highest noise level of the paper.

    Returns
    -------
    list of Finding

    Examples
    --------
    >>> import pandas as pd
    >>> from rsatoolbox_topo.report import conclusions
    >>> table = pd.DataFrame({"statistic": ["rdm", "rgtm(0.5,0.5)"],
    ...                       "accuracy": [0.7, 0.4], "ci_low": [0.6, 0.3],
    ...                       "ci_high": [0.8, 0.5], "chance": [0.1, 0.1]})
    >>> [f.text for f in conclusions(("acc", table))][1][:40]
    'Against the paper: the topology-sensitiv'
    """
    findings = []
    if accuracy is not None:
        findings += _accuracy_findings(*accuracy, what)
    if noise is not None:
        findings += _noise_findings(*noise, paper_levels)
    if thresholds is not None:
        findings += _threshold_findings(*thresholds)
    if regimes is not None:
        findings += _regime_findings(*regimes)
    if models is not None:
        findings += _model_findings(*models)
    if individuality is not None:
        findings += _individuality_findings(*individuality)
    return findings


def _accuracy_findings(name, frame, what):
    best = frame.loc[frame["accuracy"].idxmax()]
    low, high = best["ci_low"], best["ci_high"]
    others = frame[frame["statistic"] != best["statistic"]]
    inside = others[(others["accuracy"] >= low) & (others["accuracy"] <= high)]
    below = others[others["accuracy"] < low]
    text = (f"{best['statistic']} identifies {what} best "
            f"({_acc(best)}; chance {format_number(best['chance'])}).")
    if len(inside):
        text += (f" {_names(inside['statistic'])} "
                 f"{'is' if len(inside) == 1 else 'are'} about as good "
                 f"(inside its interval)")
        text += "; " if len(below) else "."
    elif len(below):
        text += " "
    if len(below):
        text += (f"{_names(below['statistic'])} "
                 f"{'does' if len(below) == 1 else 'do'} worse (below "
                 f"its interval).")
    findings = [Finding(text, name)]
    rdm = _row(frame, "statistic", "rdm")
    topo = frame[[_topology_sensitive(s) for s in frame["statistic"]]]
    if rdm is not None and len(topo):
        low_rdm = rdm["ci_low"]
        worse = topo[topo["accuracy"] < low_rdm]
        if len(worse):
            findings.append(Finding(
                f"Against the paper: the topology-sensitive "
                f"{_names(worse['statistic'])} identif"
                f"{'ies' if len(worse) == 1 else 'y'} {what} less well "
                f"than the RDM ({format_number(worse['accuracy'].iloc[0])}"
                f" against {_acc(rdm)}).", name))
        else:
            above = (topo["accuracy"] > rdm["ci_high"]).all()
            findings.append(Finding(
                f"With the paper: the topology-sensitive "
                f"{_names(topo['statistic'])} identif"
                f"{'ies' if len(topo) == 1 else 'y'} {what} "
                f"{'better than' if above else 'about as well as'} the RDM "
                f"({', '.join(format_number(a) for a in topo['accuracy'])}"
                f"; {'above' if above else 'inside'} the RDM's interval, "
                f"{_acc(rdm)}).", name))
    return findings


def _losses(frame, paper_levels):
    """Per statistic: accuracy at 0 and at the reference level, loss, the
    first level lost.

    The reference level is the lowest at which any statistic leaves its
    noise-free interval (past it, all head for chance and the loss mostly
    measures where they started); the highest level if none does.
    """
    rows = {}
    zero_low = {}
    for statistic, part in frame.groupby("statistic", sort=False):
        part = part.sort_values("noise_level")
        zero_low[statistic] = part.iloc[0]["ci_low"]
    lost = frame[frame["ci_low"].notna() & (frame["accuracy"] < frame[
        "statistic"].map(zero_low))]
    top = (lost["noise_level"].min() if len(lost)
           else frame["noise_level"].max())
    for statistic, part in frame.groupby("statistic", sort=False):
        part = part.sort_values("noise_level")
        zero = part[part["noise_level"] == part["noise_level"].min()].iloc[0]
        lost = part[part["accuracy"] < zero["ci_low"]]
        rows[statistic] = {
            "zero": zero["accuracy"],
            "top": part[part["noise_level"] == top]["accuracy"].iloc[0],
            "first_lost": (lost["noise_level"].min() if len(lost)
                           else None),
            "lost_in_paper": bool(len(lost[lost["noise_level"]
                                           <= paper_levels]))}
        rows[statistic]["loss"] = rows[statistic]["zero"] - \
            rows[statistic]["top"]
    return rows, top


def _noise_findings(name, frame, paper_levels):
    losses, top = _losses(frame, paper_levels)
    worst = max(losses, key=lambda s: losses[s]["loss"])
    best = min(losses, key=lambda s: losses[s]["loss"])
    w, b = losses[worst], losses[best]
    losing = [s for s, v in losses.items() if v["first_lost"] is not None]
    text = (f"From k = 0 to k = {top:g} (the first level at which a "
            f"statistic leaves its noise-free interval), {worst} loses most "
            f"({format_number(w['zero'])} to {format_number(w['top'])})"
            f" and {best} least ({format_number(b['zero'])} to "
            f"{format_number(b['top'])}).")
    if losing:
        text += (" Each falls below its own interval at k = 0 from: "
                 + ", ".join(f"{s} k = {losses[s]['first_lost']:g}"
                             for s in losing) + ".")
    else:
        text += " No statistic falls below its interval at k = 0."
    in_paper = [s for s, v in losses.items() if v["lost_in_paper"]]
    text += (f" Within the paper's levels (k <= {paper_levels:g}) "
             + (f"{_names(in_paper)} already fall below their noise-free "
                f"interval." if in_paper else "no statistic falls below its "
                "noise-free interval (smaller losses of the mean are within "
                "the intervals)."))
    findings = [Finding(text, name)]
    topo = [s for s in losses if _topology_sensitive(s)]
    if "rdm" in losses and topo:
        inf = float("inf")
        rdm_k = losses["rdm"]["first_lost"]
        rdm_k = inf if rdm_k is None else rdm_k
        first = {s: inf if losses[s]["first_lost"] is None
                 else losses[s]["first_lost"] for s in topo}
        earlier = [s for s in topo if first[s] < rdm_k]
        later = [s for s in topo if first[s] > rdm_k]
        def level(k):
            return "never" if k == inf else f"from k = {k:g}"
        if earlier:
            findings.append(Finding(
                f"Against the paper: the topology-sensitive "
                f"{_names(earlier)} fall{'s' if len(earlier) == 1 else ''} "
                f"below {'its' if len(earlier) == 1 else 'their'} noise-free "
                f"interval at lower noise than the RDM "
                f"({level(first[earlier[0]])} against {level(rdm_k)}): "
                f"less robust to noise.", name))
        elif later and len(later) == len(topo):
            findings.append(Finding(
                f"With the paper: the topology-sensitive {_names(later)} "
                f"stay{'s' if len(later) == 1 else ''} inside "
                f"{'its' if len(later) == 1 else 'their'} noise-free "
                f"interval at more noise than the RDM "
                f"({level(first[later[0]])} against {level(rdm_k)}): more "
                f"robust to noise.", name))
        else:
            findings.append(Finding(
                f"Neither with nor against the paper on robustness: the "
                f"topology-sensitive {_names(topo)} and the RDM fall below "
                f"their noise-free intervals at the same noise level "
                f"({level(rdm_k)}).", name))
    return findings


def _threshold_findings(name, values):
    best, nested = values["best"], values.get("nested")
    cell = f"({values['lower']:g}, {values['upper']:g})"
    if nested is None:
        return [Finding(
            f"The best (lower, upper) cell in sample, {cell}, reaches "
            f"{format_number(best)}; with too few individuals for nested "
            "cross-validation, how optimistic this is cannot be measured.",
            name)]
    optimism = best - nested
    if optimism > 0:
        text = (f"Choosing the thresholds in sample is optimistic: the best "
                f"(lower, upper) cell {cell} reaches {format_number(best)}; "
                f"thresholds chosen by nested cross-validation, without "
                f"looking at the held-out individual, reach "
                f"{format_number(nested)} (optimism "
                f"{format_number(optimism)}).")
    else:
        text = (f"Choosing the thresholds in sample is not optimistic here: "
                f"the best cell {cell} reaches {format_number(best)}, "
                f"nested cross-validation {format_number(nested)}.")
    return [Finding(text, name)]


def _regime_findings(name, frame, alpha=0.05):
    findings = []
    for baseline, part in frame.groupby("baseline", sort=False):
        part = part[part["regime"] != baseline]
        sure = part["p_value"] < alpha if "p_value" in part else True
        better = part[(part["diff_ci_low"] > 0) & sure]
        worse = part[(part["diff_ci_high"] < 0) & sure]
        if len(better) == 0 and len(worse) == 0:
            text = (f"No regime of the threshold triangle differs from the "
                    f"{baseline} (paired interval excluding 0 and p < "
                    f"{alpha:g}).")
        else:
            text = (f"Against the {baseline} (paired interval excluding 0 "
                    f"and p < {alpha:g}): ") + "; ".join(
                f"{word} {_names(_differences(rows))}"
                for rows, word in ((better, "better:"), (worse, "worse:"))
                if len(rows)) + "; the others do not differ."
        findings.append(Finding(text, name))
    return findings


def _differences(rows):
    """Regimes with their paired difference (and p-value) in brackets."""
    out = []
    for _, row in rows.iterrows():
        parts = []
        if "diff_vs_baseline" in row:
            parts.append(f"{format_number(row['diff_vs_baseline'])} "
                         f"{format_interval(row['diff_ci_low'], row['diff_ci_high'])}")
        if "p_value" in row:
            parts.append(f"p = {format_number(row['p_value'])}")
        out.append(row["regime"] + (f" ({', '.join(parts)})" if parts
                                    else ""))
    return out


def _model_findings(name, frame):
    texts = []
    best_by, unclear = {}, []
    for statistic, part in frame.groupby("statistic", sort=False):
        ranked = part.sort_values("r", ascending=False, kind="stable")
        top = ranked.iloc[0]
        best_by.setdefault(top["model"], []).append(statistic)
        if len(ranked) > 1 and "ci_low" in ranked and \
                ranked.iloc[1]["r"] >= top["ci_low"]:
            unclear.append((statistic, top, ranked.iloc[1]))
    texts.append("The model with the highest r is " + "; ".join(
        f"{model} under {_names(stats)}" for model, stats in best_by.items())
        + ".")
    if unclear:
        statistic, top, second = unclear[0]
        texts.append(
            f"Under {_names([u[0] for u in unclear])} the next model's r "
            f"lies inside the top model's interval (e.g. under {statistic} "
            f"{second['model']} {format_number(second['r'])} against "
            f"{top['model']} {_r(top)}), so no model is clearly best there "
            f"(the intervals are not a paired test of the difference).")
    reach = []
    for statistic, part in frame.groupby("statistic", sort=False):
        top = part.loc[part["r"].idxmax()]
        if top["r"] >= top["ceiling_low"]:
            reach.append(statistic)
    texts.append("No model reaches the lower bound of the noise ceiling, "
                 "so each leaves explainable variance unexplained."
                 if not reach else
                 f"The top model reaches the lower bound of the noise "
                 f"ceiling under {_names(reach)}.")
    return [Finding(" ".join(texts), name)]


def _individuality_findings(name, frame):
    spans = (frame["ci_low"] <= frame["chance"]) & \
        (frame["ci_high"] >= frame["chance"])
    if spans.all():
        text = ("Individuality (lower is what tRSA aims for): every "
                "statistic's interval includes chance "
                f"({format_number(frame['chance'].iloc[0])}), so these data "
                "cannot tell which statistic keeps less of what is "
                "individual.")
    else:
        above = frame[frame["ci_low"] > frame["chance"]]
        text = ("Individuality (lower is what tRSA aims for): "
                f"{_names(above['statistic'])} keep"
                f"{'s' if len(above) == 1 else ''} individual differences "
                f"above chance (interval above "
                f"{format_number(frame['chance'].iloc[0])}: "
                + "; ".join(f"{s} {_acc(r)}" for s, (_, r) in
                            zip(above["statistic"], above.iterrows()))
                + "); the intervals of the others include chance.")
    return [Finding(text, name)]


def figure_to_png(fig, dpi=110):
    """Render a matplotlib figure to PNG bytes, whatever the pyplot backend.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to render.
    dpi : int
        Resolution in dots per inch.

    Returns
    -------
    png : bytes
        The PNG file content.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> from rsatoolbox_topo.report import figure_to_png
    >>> fig = Figure()
    >>> _ = fig.add_subplot().plot([0, 1], [1, 0])
    >>> figure_to_png(fig)[:8]
    b'\\x89PNG\\r\\n\\x1a\\n'
    """
    if not isinstance(fig, Figure):
        raise TypeError(
            f"The 'fig' parameter must be a matplotlib Figure. Got "
            f"{type(fig).__name__} instead.")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
    return buffer.getvalue()


class Report:
    """An HTML report of headings, text, tables and figures.

    Parameters
    ----------
    title : str
        Title of the page and its top heading.
    out_dir : str | os.PathLike | None
        If given, every figure is also written there as ``<name>.png`` and
        every table with a name as ``<name>.csv``. The folder is created if
        needed; files of the same name are replaced (the command line checks
        for existing output before it starts).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import pandas as pd
    >>> from matplotlib.figure import Figure
    >>> from rsatoolbox_topo.report import Report
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> report = Report("Identification", out_dir=out)
    >>> report.add_text("Accuracy of identifying the ROI across subjects.")
    >>> report.add_table(pd.DataFrame({"accuracy": [0.75]}), name="accuracy")
    >>> fig = Figure()
    >>> _ = fig.add_subplot().bar(["rank"], [0.75])
    >>> report.add_figure(fig, name="bars", caption="Accuracy")
    >>> path = report.save(out / "report.html")
    >>> sorted(p.name for p in out.iterdir())
    ['accuracy.csv', 'bars.png', 'report.html']
    >>> "data:image/png;base64," in path.read_text()
    True
    """

    def __init__(self, title, out_dir=None):
        if not isinstance(title, str):
            raise TypeError(
                f"The 'title' parameter must be a str. Got "
                f"{type(title).__name__} instead.")
        self.title = title
        self.out_dir = None if out_dir is None else Path(out_dir)
        self._parts = []
        self._findings = []
        self._notes = None
        self.files = []

    def _write(self, name, suffix, data):
        if self.out_dir is None:
            return None
        self.out_dir.mkdir(parents=True, exist_ok=True)
        path = self.out_dir / f"{_slug(name)}{suffix}"
        if isinstance(data, bytes):
            path.write_bytes(data)
        else:
            path.write_text(data, encoding="utf-8")
        self.files.append(path)
        return path

    def add_heading(self, text, level=2):
        """Add a heading.

        Parameters
        ----------
        text : str
            The heading (escaped).
        level : {2, 3, 4}
            Its level; level 1 is the title of the report.
        """
        if level not in (2, 3, 4):
            raise ValueError(
                f"The 'level' parameter must be 2, 3 or 4. Got {level!r} "
                f"instead.")
        self._parts.append(f"<h{level}>{html.escape(text)}</h{level}>")

    def add_text(self, text):
        """Add paragraphs of plain text.

        Parameters
        ----------
        text : str
            The text (escaped); blank lines separate paragraphs.
        """
        for paragraph in str(text).split("\n\n"):
            self._parts.append(f"<p>{html.escape(paragraph.strip())}</p>")

    def add_code(self, text):
        """Add preformatted text, e.g. the command that made the report.

        Parameters
        ----------
        text : str
            The text (escaped), shown in a fixed-width font.
        """
        self._parts.append(f"<pre>{html.escape(str(text))}</pre>")

    def add_findings(self, findings, heading="What this run shows"):
        """Set the report's first section: findings, each linked to a table.

        Parameters
        ----------
        findings : list of Finding
            Sentences (:func:`conclusions`), each naming the table (by its
            ``name`` in :meth:`add_table`) that backs it.
        heading : str
            Heading of the section.
        """
        self._findings = [(heading, list(findings))]

    def add_notes(self, notes):
        """Add the "Notes" section (rendered last) from collected warnings.

        Parameters
        ----------
        notes : Notes
            The warnings of the run; table rows link to them.
        """
        if not isinstance(notes, Notes):
            raise TypeError(
                f"The 'notes' parameter must be a Notes object. Got "
                f"{type(notes).__name__} instead.")
        self._notes = notes

    def add_table(self, frame, name=None, caption=None, float_format="{:.3f}",
                  index=False, max_rows=None, display=None, note_refs=None):
        """Add a pandas table; with ``name`` and ``out_dir`` also a CSV file.

        Parameters
        ----------
        frame : pandas.DataFrame
            The table (not changed).
        name : str | None
            File name stem of the CSV file.
        caption : str | None
            Text shown above the table.
        float_format : str
            Format of floating-point cells in the HTML (the CSV keeps full
            precision).
        index : bool
            Whether to show the index.
        max_rows : int | None
            Show at most this many rows in the HTML, with a note saying how
            many there are (the CSV file has all of them).
        display : pandas.DataFrame | None
            What the HTML shows instead of ``frame`` (e.g. from
            :func:`display_table`); the CSV file is always ``frame``.
        note_refs : sequence of list of int | None
            For each row, the numbers of the notes it is flagged with; a
            'notes' column links them to the "Notes" section.
        """
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(
                f"The 'frame' parameter must be a pandas DataFrame. Got "
                f"{type(frame).__name__} instead.")
        if name is not None:
            self._write(name, ".csv", frame.to_csv(index=index))
        anchor = f' id="table-{_slug(name)}"' if name is not None else ""
        shown = frame if display is None else display.copy()
        if note_refs is not None:
            if display is None:
                shown = shown.copy()
            shown["notes"] = [_NOTE_MARK.format(",".join(map(str, refs)))
                              if refs else "" for refs in note_refs]
        if caption:
            self._parts.append(f"<p{anchor}><b>{html.escape(caption)}</b>"
                               "</p>")
        elif anchor:
            self._parts.append(f"<p{anchor}></p>")
        if max_rows is not None and len(shown) > max_rows:
            where = (f"; all in {_slug(name)}.csv"
                     if name is not None and self.out_dir is not None
                     else "")
            self._parts.append(
                f"<p>First {max_rows} of {len(shown)} rows{where}.</p>")
            shown = shown.iloc[:max_rows]
        table = shown.to_html(
            index=index, float_format=float_format.format, border=0,
            na_rep="", escape=True)
        self._parts.append(_NOTE_RE.sub(_note_links, table))

    def add_figure(self, fig, name, caption=None, dpi=110):
        """Add a matplotlib figure, embedded as base64 PNG (and saved as PNG).

        The figure is closed afterwards if pyplot manages it, so that long
        runs do not accumulate open figures.

        Parameters
        ----------
        fig : matplotlib.figure.Figure
            The figure.
        name : str
            File name stem of the PNG file (with ``out_dir``) and the
            alternative text of the image.
        caption : str | None
            Text shown below the figure.
        dpi : int
            Resolution in dots per inch.
        """
        png = figure_to_png(fig, dpi=dpi)
        self._write(name, ".png", png)
        data = base64.b64encode(png).decode("ascii")
        alt = html.escape(caption or name)
        text = (f"<figcaption>{html.escape(caption)}</figcaption>"
                if caption else "")
        self._parts.append(
            f'<figure><img alt="{alt}" src="data:image/png;base64,{data}">'
            f"{text}</figure>")
        _close(fig)

    def to_html(self):
        """Return the whole report as one self-contained HTML string.

        Returns
        -------
        html : str
            The page, with the style sheet inline and figures as data URIs.
        """
        stamp = datetime.datetime.now(datetime.timezone.utc).strftime(
            "%Y-%m-%d %H:%M UTC")
        parts = [self._findings_html()] + self._parts + [self._notes_html()]
        body = "\n".join(p for p in parts if p)
        title = html.escape(self.title)
        return (
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
            "<meta charset=\"utf-8\">\n"
            f"<title>{title}</title>\n<style>{_STYLE}</style>\n</head>\n"
            f"<body>\n<h1>{title}</h1>\n"
            f"<p class=\"meta\">rsatoolbox_topo {__version__}, {stamp}</p>\n"
            f"{body}\n</body>\n</html>\n")

    def _findings_html(self):
        if not self._findings:
            return ""
        heading, findings = self._findings[0]
        items = "".join(
            f'<li>{html.escape(f.text)} <a href="#table-{_slug(f.table)}">'
            f"(table)</a></li>" for f in findings)
        if not items:
            items = "<li>No result to conclude from.</li>"
        return (f'<section class="findings"><h2>{html.escape(heading)}</h2>'
                f"<ul>{items}</ul></section>")

    def _notes_html(self):
        if self._notes is None:
            return ""
        if not self._notes.items:
            return "<h2 id=\"notes\">Notes</h2><p>No warnings were raised.</p>"
        items = "".join(
            f'<li id="note-{n.number}"><b>{html.escape(n.analysis)}'
            f"{', ' + html.escape(str(n.statistic)) if n.statistic else ''}"
            f"</b> ({html.escape(n.category)}"
            f"{f', {n.count} times' if n.count > 1 else ''}): "
            f"{html.escape(n.text)}</li>" for n in self._notes.items)
        return (f'<h2 id="notes">Notes</h2><p>Warnings raised during the '
                f"run, per analysis and statistic; rows flagged in a table "
                f"link here.</p><ol class=\"notes\">{items}</ol>")

    def save(self, path):
        """Write the HTML report to a file.

        Parameters
        ----------
        path : str | os.PathLike
            The file to write (its folder is created if needed).

        Returns
        -------
        path : pathlib.Path
            The file written.
        """
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_html(), encoding="utf-8")
        self.files.append(path)
        return path


_NOTE_MARK = "@@notes:{}@@"
_NOTE_RE = re.compile(r"@@notes:([0-9,]+)@@")


def _note_links(match):
    return " ".join(f'<a class="note" href="#note-{n}">[{n}]</a>'
                    for n in match.group(1).split(","))


def _slug(name):
    slug = _SLUG.sub("_", str(name)).strip("_")
    if not slug:
        raise ValueError(
            f"The 'name' parameter must contain letters or digits. Got "
            f"{name!r} instead.")
    return slug


def _close(fig):
    import matplotlib.pyplot as plt

    plt.close(fig)  # a no-op for figures pyplot does not manage
