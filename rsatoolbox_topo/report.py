"""Self-contained HTML reports of tRSA analyses.

A :class:`Report` collects headings, paragraphs, tables (pandas
``DataFrame``) and matplotlib figures, writes each figure as a PNG file and
each table as a CSV file next to the report if asked, and saves one HTML file
with the figures embedded as base64 data and the style sheet inline: the file
needs nothing else and can be mailed or archived on its own.

Figures are drawn with whatever backend the caller uses; PNG output is
rendered by matplotlib's Agg renderer and never needs a display.
"""

import base64
import datetime
import html
import io
import re
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from . import __version__

__all__ = ["Report", "figure_to_png", "accuracy_figure", "grouped_figure"]

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
"""

_SLUG = re.compile(r"[^A-Za-z0-9_.-]+")


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


def accuracy_figure(frame, title=None, ax=None):
    """Bar chart of accuracies with confidence intervals and chance.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per bar, with columns ``statistic`` (the bar label),
        ``accuracy``, ``ci_low``, ``ci_high`` and ``chance``.
    title : str | None
        Title of the axes.
    ax : matplotlib.axes.Axes | None
        Where to draw; a new figure (not managed by pyplot) if None.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure drawn into.

    Examples
    --------
    >>> import pandas as pd
    >>> from rsatoolbox_topo.report import accuracy_figure
    >>> frame = pd.DataFrame({"statistic": ["rank", "rgtm(0.5,0.5)"],
    ...                       "accuracy": [0.8, 0.7], "ci_low": [0.6, 0.5],
    ...                       "ci_high": [0.9, 0.85], "chance": [0.1, 0.1]})
    >>> fig = accuracy_figure(frame, title="layer across seeds")
    >>> len(fig.axes[0].patches)
    2
    """
    missing = {"statistic", "accuracy", "ci_low", "ci_high",
               "chance"} - set(frame.columns)
    if missing:
        raise ValueError(
            f"The 'frame' parameter must have the columns statistic, "
            f"accuracy, ci_low, ci_high and chance. Missing: "
            f"{sorted(missing)}.")
    if ax is None:
        fig = Figure(figsize=(1.2 + 0.9 * len(frame), 3.4))
        ax = fig.add_subplot()
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
    ax.axhline(float(frame["chance"].iloc[0]), color="#c33", ls=":",
               label="chance")
    ax.set_xticks(positions, [str(s) for s in frame["statistic"]],
                  rotation=30, ha="right")
    ax.set_ylim(0, 1.02)
    ax.set_ylabel("identification accuracy")
    ax.legend(loc="lower right", fontsize="small")
    if title:
        ax.set_title(title)
    ax.figure.tight_layout()
    return ax.figure


def grouped_figure(frame, x, group, value, ylabel, low="ci_low",
                   high="ci_high"):
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

    Returns
    -------
    fig : matplotlib.figure.Figure
        A new figure, not managed by pyplot.

    Examples
    --------
    >>> import pandas as pd
    >>> from rsatoolbox_topo.report import grouped_figure
    >>> frame = pd.DataFrame({"model": ["a", "a", "b", "b"],
    ...                       "statistic": ["rank", "rgtm"] * 2,
    ...                       "r": [0.2, 0.3, 0.1, 0.0],
    ...                       "ci_low": [0.1, 0.2, 0.0, -0.1],
    ...                       "ci_high": [0.3, 0.4, 0.2, 0.1]})
    >>> fig = grouped_figure(frame, "model", "statistic", "r", "r")
    >>> len(fig.axes[0].patches)
    4
    """
    xs = list(dict.fromkeys(frame[x]))
    groups = list(dict.fromkeys(frame[group]))
    fig = Figure(figsize=(1.5 + 0.25 * len(xs) * len(groups), 3.8))
    ax = fig.add_subplot()
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
    fig.tight_layout()
    return fig


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

    def add_table(self, frame, name=None, caption=None, float_format="{:.3f}",
                  index=False, max_rows=None):
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
        """
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(
                f"The 'frame' parameter must be a pandas DataFrame. Got "
                f"{type(frame).__name__} instead.")
        if name is not None:
            self._write(name, ".csv", frame.to_csv(index=index))
        if caption:
            self._parts.append(f"<p><b>{html.escape(caption)}</b></p>")
        if max_rows is not None and len(frame) > max_rows:
            where = (f"; all in {_slug(name)}.csv"
                     if name is not None and self.out_dir is not None
                     else "")
            self._parts.append(
                f"<p>First {max_rows} of {len(frame)} rows{where}.</p>")
            frame = frame.iloc[:max_rows]
        self._parts.append(frame.to_html(
            index=index, float_format=float_format.format, border=0,
            na_rep="", escape=True))

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
        body = "\n".join(self._parts)
        title = html.escape(self.title)
        return (
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
            "<meta charset=\"utf-8\">\n"
            f"<title>{title}</title>\n<style>{_STYLE}</style>\n</head>\n"
            f"<body>\n<h1>{title}</h1>\n"
            f"<p class=\"meta\">rsatoolbox_topo {__version__}, {stamp}</p>\n"
            f"{body}\n</body>\n</html>\n")

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
