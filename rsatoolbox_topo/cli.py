"""The ``rsatoolbox-topo`` command (also ``python -m rsatoolbox_topo``).

Only this module knows about the command line: it parses arguments with
:mod:`argparse`, turns them into calls of the public API, and writes CSV
tables, PNG figures and a self-contained HTML report (:mod:`.report`) into an
output folder. Input that does not fit (bad arguments, unreadable or
inconsistent files) ends with a one-line error and a non-zero exit status;
``--traceback`` shows the full traceback instead. Existing output is never
overwritten without ``--force``.

Exit status: 0 success, 1 error in the input or the analysis, 2 bad command
line (argparse), 130 interrupted.
"""

import argparse
import contextlib
import sys
import textwrap
import time
import warnings
from pathlib import Path

from . import __version__

__all__ = ["main", "build_parser"]

PROG = "rsatoolbox-topo"


class CommandError(Exception):
    """An error to report in one line, without a traceback."""


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error (no usage block) and exit status 2."""

    def error(self, message):
        self.exit(2, f"{self.prog}: error: {message} "
                     f"(see '{self.prog} --help')\n")


# ----------------------------------------------------------------- types
def _argument_type(convert, valid, expected):
    """An argparse type: ``convert`` the text, then check ``valid``."""
    def parse(text):
        try:
            value = convert(text)
        except ValueError:
            value = None
        if value is None or not valid(value):
            raise argparse.ArgumentTypeError(f"must {expected}, got {text!r}")
        return value
    return parse


_positive_int = _argument_type(int, lambda v: v >= 1,
                               "be a positive integer")
_n_jobs = _argument_type(int, lambda v: v >= 1 or v == -1,
                         "be a positive integer or -1 (all cores)")
_seed = _argument_type(int, lambda v: v >= 0, "be a non-negative integer")
_noise_level = _argument_type(float, lambda v: 0 <= v < float("inf"),
                              "be a non-negative number")
_fraction = _argument_type(float, lambda v: 0 < v < 1,
                           "be a number between 0 and 1 (exclusive)")
_step = _argument_type(
    float, lambda v: 0 < v < 1 and abs(round(1 / v) * v - 1) <= 1e-9,
    "divide 1 into equal parts (e.g. 0.05, 0.1, 0.25)")


# The command line's short name of the rank RDM and of the RDM itself; every
# other name is one of statistics.as_statistic's.
_SHORT_NAMES = {"rank": "rank_normalize"}
_STATISTIC_FORMS = ("'rdm' (the RDM itself), a statistic's name ('rgtm', "
                    "'rank_normalize' or 'rank', 'rgdm'), a name with "
                    "parameters ('rgtm:lower=0.2,upper=0.8') or a JSON dict "
                    "('{\"name\": \"rgtm\", \"params\": {\"lower\": 0.2}}')")


def _parameter_value(text):
    """A parameter's value from the command line: a JSON number, true,
    false or null, otherwise the text itself (e.g. ``graph=k-nearest``)."""
    import json

    try:
        value = json.loads(text)
    except ValueError:
        return text
    return value if isinstance(value, (int, float, bool, type(None))) \
        else text


def parse_statistic(text):
    """Turn a ``--statistic`` value into the package's one statistic type.

    The spellings are those of :func:`rsatoolbox_topo.statistics.as_statistic`
    written on a command line: a name (``'rgtm'``, ``'rank_normalize'``,
    ``'rgdm'``, with the statistic's defaults; ``'rank'`` is short for
    ``'rank_normalize'``), a name with keyword parameters
    (``'rgtm:lower=0.2,upper=0.8'``) or the JSON dict that
    :meth:`~rsatoolbox_topo.statistics.TopoStatistic.to_dict` writes
    (``'{"name": "rgtm", "params": {"lower": 0.2}}'``). ``'rdm'`` is the
    RDM itself (no statistic).

    Parameters
    ----------
    text : str
        The option's value.

    Returns
    -------
    TopoStatistic | None
        None for ``'rdm'``.

    Raises
    ------
    argparse.ArgumentTypeError
        Naming the accepted forms (and the form meant, for the positional
        ``'rgtm:0.2,0.8'`` of earlier versions).

    Examples
    --------
    >>> from rsatoolbox_topo.cli import parse_statistic
    >>> parse_statistic("rgtm:lower=0.2,upper=0.8")
    TopoStatistic('rgtm', lower=0.2, upper=0.8)
    >>> parse_statistic('{"name": "rgdm", "params": {"upper": 0.5}}')
    TopoStatistic('rgdm', upper=0.5)
    >>> parse_statistic("rdm") is None
    True
    """
    import json

    from .statistics import as_statistic

    text = text.strip()
    if text.lower() == "rdm":
        return None
    hint = ""
    try:
        if text.startswith("{"):
            spec = json.loads(text)
            if not isinstance(spec, dict):
                raise ValueError("the JSON is not a dict")
        else:
            name, colon, args = text.partition(":")
            name = _SHORT_NAMES.get(name.strip(), name.strip())
            params = {}
            for item in filter(str.strip, args.split(",")) if colon else ():
                key, equals, value = item.partition("=")
                if not equals or not key.strip():
                    hint = (f"; parameters are keywords, e.g. "
                            f"{name}:lower=0.2,upper=0.8")
                    raise ValueError(f"{item!r} is not key=value")
                params[key.strip()] = _parameter_value(value.strip())
            spec = {"name": name, "params": params}
        return as_statistic(spec)
    except (ValueError, TypeError) as exc:
        reason = " ".join(str(exc).split())
        raise argparse.ArgumentTypeError(
            f"must be {_STATISTIC_FORMS}, got {text!r} ({reason}{hint})"
        ) from None


def statistic_label(statistic):
    """The short name of a statistic in the tables and figures.

    ``'rdm'`` (None), ``'rank'`` (the rank RDM), ``'rgtm(l,u)'`` /
    ``'rgdm(l,u)'`` when only the thresholds are set, and the statistic's
    own label otherwise (e.g. ``'rgdm(upper=0.5, graph='k-nearest')'``).

    Examples
    --------
    >>> from rsatoolbox_topo.cli import parse_statistic, statistic_label
    >>> statistic_label(parse_statistic("rgtm:lower=0.5,upper=0.5"))
    'rgtm(0.5,0.5)'
    """
    if statistic is None:
        return "rdm"
    if statistic.name == "rank_normalize" and not statistic.params:
        return "rank"
    if statistic.name in ("rgtm", "rgdm") and \
            set(statistic.params) == {"lower", "upper"}:
        return (f"{statistic.name}({statistic.params['lower']:g},"
                f"{statistic.params['upper']:g})")
    return statistic.label


# ---------------------------------------------------------------- parser
_COMMON_EPILOG = """
Common options: --out DIR (output folder), --force (replace existing
output), --random-state N (seed of the random numbers; the same seed gives
the same numbers for any --n-jobs), --n-jobs N (parallel workers, -1 for
all cores), --n-bootstrap N (bootstrap samples for the confidence
intervals), --ci-level LEVEL (their level), --ci-method METHOD (how they
are computed), --quiet (no progress bars),
--traceback (show the full error).
"""


def _renamed(group, old, new, **kwargs):
    """The flag of an earlier version, hidden from --help, same destination.

    The options follow the package's naming table (docs/changelog.rst lists
    each renamed flag); the old spelling still works.
    """
    group.add_argument(old, dest=new.lstrip("-").replace("-", "_"),
                       default=argparse.SUPPRESS, help=argparse.SUPPRESS,
                       **kwargs)


def _common(parser, default_out, default_bootstrap):
    group = parser.add_argument_group("output and computation")
    group.add_argument(
        "--out", type=Path, default=Path(default_out), metavar="DIR",
        help=f"folder for the CSV tables, PNG figures and report.html "
             f"(default: {default_out}); created if needed, e.g. "
             f"--out results/trsa")
    group.add_argument(
        "--force", action="store_true",
        help="write into --out even if it already holds files (files of "
             "the same name are replaced, others are left alone)")
    group.add_argument(
        "--random-state", type=_seed, default=0, metavar="N",
        help="seed of the random numbers (bootstrap, random thresholds, "
             "noise); default 0, e.g. --random-state 7")
    _renamed(group, "--seed", "--random-state", type=_seed, metavar="N")
    group.add_argument(
        "--n-jobs", type=_n_jobs, default=1, metavar="N",
        help="parallel worker processes, -1 for all cores (default 1); "
             "results do not depend on it, e.g. --n-jobs 2")
    from .identification import (DEFAULT_N_BOOTSTRAP,
                                 DEFAULT_N_BOOTSTRAP_TOPOLOGY)

    default_text = default_bootstrap or (
        f"{DEFAULT_N_BOOTSTRAP}, or {DEFAULT_N_BOOTSTRAP_TOPOLOGY} with a "
        "topological --method")
    group.add_argument(
        "--n-bootstrap", type=_positive_int, default=default_bootstrap,
        metavar="N",
        help=f"bootstrap samples (of individuals and conditions) for the "
             f"confidence intervals (default {default_text}), e.g. "
             f"--n-bootstrap 1000")
    group.add_argument(
        "--ci-level", type=_fraction, default=0.95, metavar="LEVEL",
        help="confidence level of the intervals (default 0.95), e.g. "
             "--ci-level 0.9")
    _renamed(group, "--ci", "--ci-level", type=_fraction, metavar="LEVEL")
    from ._resampling import INTERVAL_METHODS

    group.add_argument(
        "--ci-method", choices=INTERVAL_METHODS, default="corrected",
        metavar="METHOD",
        help="how the intervals of the identification, regime and noise "
             "tables are computed: " + ", ".join(INTERVAL_METHODS)
             + " (default corrected, the one the package's coverage study "
             "found calibrated; the model comparison keeps percentile), "
             "e.g. --ci-method percentile")
    group.add_argument(
        "--quiet", action="store_true",
        help="no progress bars and no tables on the terminal (the notes "
             "still come at the end; report.log has everything)")
    group.add_argument(
        "--traceback", action="store_true",
        help="on error, show the full Python traceback instead of one line")


def _statistic_option(group):
    group.add_argument(
        "--statistic", type=parse_statistic, action="append",
        metavar="STAT",
        help="statistic to compare, repeatable: 'rdm' (the RDM itself), "
             "a name ('rgtm', 'rank_normalize' or its short form 'rank', "
             "'rgdm'; the statistic's defaults), a name with keyword "
             "parameters ('rgtm:lower=0.4,upper=0.6') or a JSON dict as "
             "TopoStatistic.to_dict writes it ('{\"name\": \"rgtm\", "
             "\"params\": {\"lower\": 0.4}}') (default: rdm, rank, "
             "rgtm:lower=0.2,upper=0.8, rgtm:lower=0.5,upper=0.5, "
             "rgdm:lower=0,upper=0.5), e.g. --statistic rank --statistic "
             "rgtm:lower=0.4,upper=0.6")


def _map_options(group, n_draws):
    group.add_argument(
        "--map-step", type=_step, default=0.1, metavar="STEP",
        help="grid step of the (lower, upper) accuracy map of the RGTM "
             "(default 0.1; the paper uses 0.05), e.g. --map-step 0.05")
    group.add_argument(
        "--n-draws", type=_positive_int, default=n_draws, metavar="N",
        help=f"random (lower, upper) pairs drawn per regime for the regime "
             f"comparison (default {n_draws}), e.g. --n-draws 20")


def _noise_option(group, default, draws):
    group.add_argument(
        "--noise", type=_noise_level, nargs="+", default=default,
        metavar="K",
        help=f"noise levels k: Gaussian noise of SD k x 10%% of the SD of "
             f"all RDMs' entries pooled (default "
             f"{' '.join(f'{k:g}' for k in default)}: the paper's 0-4 and "
             f"beyond, until accuracy falls), e.g. --noise 0 1 2 3 4")
    group.add_argument(
        "--n-noise-draws", type=_positive_int, default=draws, metavar="N",
        help=f"independent noise draws per level, averaged (default "
             f"{draws}), e.g. --n-noise-draws 50")
    _renamed(group, "--noise-draws", "--n-noise-draws", type=_positive_int,
             metavar="N")


def _epilog(text):
    return textwrap.dedent(text).strip() + "\n\n" + _COMMON_EPILOG.strip()


def build_parser():
    """The argument parser of ``rsatoolbox-topo`` with its subcommands.

    Returns
    -------
    parser : argparse.ArgumentParser
        The parser; ``parse_args`` gives a namespace whose ``handler`` runs
        the chosen command.

    Examples
    --------
    >>> from rsatoolbox_topo.cli import build_parser
    >>> args = build_parser().parse_args(["demo", "--n-bootstrap", "20"])
    >>> args.command, args.n_bootstrap, str(args.out)
    ('demo', 20, 'trsa-demo')
    """
    formatter = argparse.RawDescriptionHelpFormatter
    parser = _Parser(
        prog=PROG, formatter_class=formatter,
        description="Topological RSA (tRSA, Lin & Kriegeskorte 2024, PNAS): "
                    "identify representations from their RDMs with "
                    "geo-topological statistics.",
        epilog=textwrap.dedent("""
            examples:
              rsatoolbox-topo demo
              rsatoolbox-topo identify rdms/ --pattern 'sub-{subject}_{roi}' \\
                  --by roi --across subject
              rsatoolbox-topo simulate --n-seeds 4 --epochs 2

            Run 'rsatoolbox-topo COMMAND --help' for the options of a command.
            """).strip())
    parser.add_argument("--version", action="version",
                        version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND",
                                     required=True)

    demo = commands.add_parser(
        "demo", formatter_class=formatter,
        help="the tRSA analysis on the data shipped with the package",
        description="Run tRSA on the embedded data, offline and without "
                    "torch: (1) identify the layer of simulated network "
                    "RDMs across network instances (seeds), with noise, for "
                    "the RDM, rank RDM, RGTM and RGDM; map the accuracy over "
                    "the (lower, upper) thresholds and compare the regimes; "
                    "(2) compare 8 models of human IT (Kriegeskorte et al. "
                    "2008, 92 images) per statistic; (3) measure how much "
                    "individuality (subject across sessions) each statistic "
                    "keeps. Prints tables with confidence intervals and "
                    "the run's notes, and writes CSV tables, PNG figures, "
                    "report.log and report.html (its first section says "
                    "what the run shows) into --out.",
        epilog=_epilog("""
            examples:
              rsatoolbox-topo demo
              rsatoolbox-topo demo --out my-demo --random-state 3 --n-jobs 2
              rsatoolbox-topo demo --n-bootstrap 50 --force
            """))
    demo_group = demo.add_argument_group("analysis")
    _map_options(demo_group, n_draws=5)
    _noise_option(demo_group, DEMO_NOISE_LEVELS, 20)
    _common(demo, "trsa-demo", 100)
    demo.set_defaults(handler=_run_demo)

    identify = commands.add_parser(
        "identify", formatter_class=formatter,
        help="the identification protocol on your RDM files",
        description="Identify the class of each RDM (e.g. the ROI or layer) "
                    "across groups (e.g. subjects or network seeds) by "
                    "leave-one-group-out nearest-centroid classification, "
                    "for several statistics, with bootstrap confidence "
                    "intervals; optionally map the accuracy over the "
                    "(lower, upper) thresholds and compare the regimes. "
                    "RDMs are read from a folder of .npy files (square "
                    "matrices or condensed vectors), an .npz archive or an "
                    "rsatoolbox .hdf5/.pkl file.",
        epilog=_epilog("""
            examples:
              rsatoolbox-topo identify rdms/ \\
                  --pattern 'sub-{subject}_{roi}.npy' --by roi --across subject
              rsatoolbox-topo identify layers.npz \\
                  --pattern 'seed{seed:d}_layer{layer:d}' --by layer \\
                  --across seed --statistic rank --statistic rgtm:lower=0.5,upper=0.5
              rsatoolbox-topo identify rdms.hdf5 --by roi --across subject \\
                  --labels extra.csv --no-map --no-regimes
            """))
    identify.add_argument(
        "path", type=Path,
        help="folder of .npy files, an .npz archive, or an rsatoolbox "
             ".hdf5/.h5 file (.pkl with --allow-pickle), e.g. rdms/")
    files = identify.add_argument_group("reading the RDMs")
    files.add_argument(
        "--pattern", metavar="PATTERN",
        help="file-name pattern whose {fields} become labels: {name} is "
             "text, {name:d} an integer, e.g. 'sub-{subject}_{roi}.npy'")
    files.add_argument(
        "--labels", type=Path, metavar="CSV",
        help="CSV table with one row per file (a 'file' column naming it) "
             "whose columns become labels, e.g. --labels labels.csv")
    files.add_argument(
        "--allow-pickle", action="store_true",
        help="read an rsatoolbox .pkl file. Unpickling runs whatever code "
             "the file holds: use only for files you trust (hdf5 and npz "
             "are safe); without it a pickle is refused before it is read")
    files.add_argument(
        "--dissimilarity", metavar="NAME",
        help="name of the dissimilarity measure the RDMs were computed "
             "with, for the report (default: what an rsatoolbox file "
             "records), e.g. --dissimilarity 'correlation distance'")
    _renamed(files, "--measure", "--dissimilarity", metavar="NAME")
    analysis = identify.add_argument_group("analysis")
    analysis.add_argument(
        "--by", required=True, metavar="LABEL",
        help="label to identify (the classes), e.g. --by roi")
    analysis.add_argument(
        "--across", required=True, metavar="LABEL",
        help="label of the groups left out in turn, e.g. --across subject")
    _statistic_option(analysis)
    from .identification import METHODS as _IDENTIFY_METHODS

    analysis.add_argument(
        "--method", default="euclidean", metavar="METHOD",
        type=_argument_type(str, lambda v: v in _IDENTIFY_METHODS,
                            "be one of " + ", ".join(_IDENTIFY_METHODS)),
        help="how a held-out RDM is compared with the class centroids: "
             "'euclidean' (default, the authors' choice), an rsatoolbox "
             "comparator ('corr', 'cosine', ...), 'rtd' or 'rtd-h2' "
             "(Representation Topology Divergence, needs the topology "
             "extra) or the label-free baselines 'labelfree-bottleneck' "
             "and 'labelfree-wasserstein'; a topological method skips the "
             "map and the regimes, e.g. --method rtd")
    _map_options(analysis, n_draws=10)
    analysis.add_argument(
        "--no-map", action="store_true",
        help="skip the (lower, upper) accuracy map")
    analysis.add_argument(
        "--no-regimes", action="store_true",
        help="skip the regime comparison")
    _common(identify, "trsa-identify", None)
    identify.set_defaults(handler=_run_identify)

    simulate = commands.add_parser(
        "simulate", formatter_class=formatter,
        help="train networks from several seeds and identify their layers "
             "(needs torch)",
        description="Train All-CNN-C networks (for 8 x 8 images, 10 "
                    "layers) on handwritten digits from several random "
                    "seeds, compute the RDM of every layer for held-out "
                    "digit images, and identify the layer of each network's "
                    "RDMs from the other networks, per statistic and noise "
                    "level, after the protocol of Lin & Kriegeskorte (2024). "
                    "The defaults are those of the RDMs shipped with the "
                    "package (trained networks are cached). Needs torch: "
                    "pip install '.[torch]' in the rsatoolbox_topo folder.",
        epilog=_epilog("""
            examples:
              rsatoolbox-topo simulate
              rsatoolbox-topo simulate --n-seeds 4 --epochs 3 --noise 0 2 4
              rsatoolbox-topo simulate --width 8 --statistic rank \\
                  --statistic rgtm:lower=0.5,upper=0.5 --no-cache
              rsatoolbox-topo simulate --regenerate --out regenerated
            """))
    sim = simulate.add_argument_group("simulation")
    sim.add_argument(
        "--n-seeds", type=_positive_int, default=10, metavar="N",
        help="networks trained from seeds 0 .. N-1 (default 10, at least "
             "2), e.g. --n-seeds 4")
    sim.add_argument(
        "--epochs", type=_positive_int, default=30, metavar="N",
        help="training epochs per network (default 30), e.g. --epochs 3")
    sim.add_argument(
        "--width", type=_positive_int, default=96, metavar="N",
        help="channels of the first layers, twice as many in the later "
             "ones (default 96, as All-CNN-C), e.g. --width 8")
    sim.add_argument(
        "--n-per-digit", type=_positive_int, default=10, metavar="N",
        help="held-out images per digit used as stimuli, so 10 N "
             "conditions (default 10), e.g. --n-per-digit 5")
    _noise_option(sim, SIMULATE_NOISE_LEVELS, 20)
    _statistic_option(sim)
    sim.add_argument(
        "--cache-dir", type=Path, metavar="DIR",
        help="where trained networks are cached (default: the package's "
             "cache folder, or $RSATOOLBOX_TOPO_CACHE), e.g. "
             "--cache-dir ~/.cache/trsa")
    sim.add_argument(
        "--no-cache", action="store_true",
        help="train every network anew and store nothing")
    sim.add_argument(
        "--regenerate", action="store_true",
        help="only train the default networks (seeds 0-9, the shipped "
             "settings; the other simulation options are ignored) and write "
             "the layer RDMs shipped with the package to "
             "OUT/simulation_layer_rdms.npz (copy it to rsatoolbox_topo/data "
             "to ship it)")
    _common(simulate, "trsa-simulate", 100)
    simulate.set_defaults(handler=_run_simulate)
    return parser


# ------------------------------------------------------------ plumbing
def prepare_output(out, force):
    """Create the output folder; refuse a non-empty one without ``force``."""
    out = Path(out)
    _check_out(out, force)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CommandError(f"cannot create --out {out}: {exc}") from exc
    return out


class _Console:
    """Terminal output, the plain ``report.log`` and the run's notes.

    Progress bars are shown only on a terminal and without ``--quiet``
    (one per analysis); everything said (not the bars) also goes to
    ``report.log`` in the output folder, which has no carriage returns.
    Warnings of the analyses become numbered notes, printed once at the
    end (:class:`~rsatoolbox_topo.report.Notes`).
    """

    def __init__(self, quiet, log=None):
        from .report import Notes

        self.quiet = quiet
        self.start = time.perf_counter()
        self.notes = Notes()
        self.log = log
        self.progress = not quiet and sys.stderr.isatty()
        if log is not None:
            Path(log).write_text("", encoding="utf-8")

    def _log(self, text):
        if self.log is not None:
            with open(self.log, "a", encoding="utf-8") as handle:
                handle.write(text + "\n")

    def say(self, text):
        self._log(text)
        if not self.quiet:
            print(text, flush=True)

    def table(self, title, frame):
        text = f"\n{title}\n{frame.to_string(index=False)}"
        self._log(text)
        if not self.quiet:
            print(text, flush=True)

    def bar(self, items, desc, unit):
        """One progress bar for an analysis (terminal only)."""
        from tqdm.auto import tqdm

        return tqdm(items, desc=desc, unit=unit, disable=not self.progress,
                    leave=False)

    def print_notes(self):
        """All notes, once, at the end of the run (stderr and the log)."""
        lines = self.notes.lines()
        if not lines:
            return
        head = (f"\n{len(lines)} note(s) on this run (also in report.html, "
                f"section Notes):")
        self._log(head + "\n" + "\n".join(lines))
        print("\n".join([head] + lines), file=sys.stderr, flush=True)

    def elapsed(self):
        return time.perf_counter() - self.start


@contextlib.contextmanager
def _one_line_warnings():
    seen = set()

    def show(message, category, filename, lineno, file=None, line=None):
        text = f"{PROG}: warning: {category.__name__}: {message}"
        if text not in seen:  # bootstrap loops repeat the same warning
            seen.add(text)
            print(text, file=sys.stderr)

    from .exceptions import TopoWarning

    with warnings.catch_warnings():
        warnings.showwarning = show
        # shown (once per place), never turned into errors by outer filters
        warnings.filterwarnings("default", category=TopoWarning)
        yield


def main(argv=None):
    """Run ``rsatoolbox-topo`` with ``argv`` (default: ``sys.argv[1:]``).

    Parameters
    ----------
    argv : list of str | None
        The arguments after the command name; None reads ``sys.argv``.

    Returns
    -------
    status : int
        The exit status: 0 on success, 1 for input that does not fit or an
        error of the analysis (reported in one line on stderr), 130 when
        interrupted. Bad arguments exit with status 2 from argparse
        (``SystemExit``). The console script exits with the status.

    Examples
    --------
    >>> from rsatoolbox_topo.cli import main
    >>> main(["--version"])  # doctest: +SKIP
    rsatoolbox-topo 0.1.0
    """
    args = None
    try:
        parser = _build_parser_deferring_ctrl_c()
        argv = sys.argv[1:] if argv is None else list(argv)
        args = parser.parse_args(argv)
        args.argv = argv
        _keep_freed_memory()
        with _one_line_warnings():
            args.handler(args)
    except KeyboardInterrupt:
        if args is not None and args.traceback:
            raise
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except (CommandError, ValueError, TypeError, KeyError, OSError,
            MemoryError) as exc:
        if args is None or args.traceback:
            raise
        message = " ".join(str(exc).split()) or type(exc).__name__
        if isinstance(exc, MemoryError):
            message = f"out of memory ({message})"
        print(f"{PROG} {args.command}: error: {message}", file=sys.stderr)
        return 1
    except Exception as exc:  # a bug or a library's surprise: still one line
        if args is None or args.traceback:
            raise
        message = " ".join(str(exc).split())
        print(f"{PROG} {args.command}: error: {type(exc).__name__}: "
              f"{message} (unexpected; run again with --traceback and "
              f"report it)", file=sys.stderr)
        return 1
    return 0


def _keep_freed_memory():
    """Let glibc keep freed large blocks for reuse (Linux only).

    The analyses allocate and free arrays of a few MB per bootstrap sample.
    glibc returns each such block to the system and the next one is faulted
    in again, page by page: the demo made 15 million page faults and spent
    53 s of its 272 s of CPU time in the kernel. With freed memory kept
    (and the other speed-ups of this version) it made 74 thousand and spent
    0.4 s there, for a peak memory of 311 MB instead of 299 MB (measured
    with ``/usr/bin/time -v``; see the command-line guide). Only this
    command sets it, never the library; it changes no number.
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        libc = ctypes.CDLL("libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (e.g. musl)
        return
    m_trim_threshold, m_top_pad, m_mmap_threshold = -1, -2, -3
    mallopt(m_mmap_threshold, 32 * 2 ** 20)  # the most glibc documents
    mallopt(m_trim_threshold, 1024 * 2 ** 20)
    mallopt(m_top_pad, 64 * 2 ** 20)


def _build_parser_deferring_ctrl_c():
    """:func:`build_parser`, holding back Ctrl-C until its imports are done.

    A Ctrl-C that lands inside the import of a compiled extension (numpy's,
    while the parser loads the package) is turned by that extension into an
    ``ImportError`` about a broken install. So SIGINT only sets a flag while
    the imports run, and is raised as ``KeyboardInterrupt`` afterwards.
    """
    import signal

    received = []
    try:
        previous = signal.signal(signal.SIGINT,
                                 lambda signum, frame: received.append(1))
    except ValueError:  # not the main thread: signals cannot be handled
        return build_parser()
    try:
        parser = build_parser()
    finally:
        signal.signal(signal.SIGINT, previous)
    if received:
        raise KeyboardInterrupt
    return parser


# ------------------------------------------------------------ commands
DEFAULT_STATISTICS = ("rdm", "rank", "rgtm:lower=0.2,upper=0.8",
                      "rgtm:lower=0.5,upper=0.5", "rgdm:lower=0,upper=0.5")
# the noise curves of the demo: the RDM, the rank RDM and a topology-sensitive
# RGTM (the paper's headline contrast), few enough to stay within minutes
DEMO_NOISE_STATISTICS = ("rdm", "rank", "rgtm:lower=0.5,upper=0.5")
# the paper's levels (k = 0..4) and beyond, until the RDM's accuracy falls
# on the shipped networks
DEMO_NOISE_LEVELS = [0, 2, 4, 10, 30, 100]
SIMULATE_NOISE_LEVELS = [0, 1, 2, 3, 4, 10, 20, 30, 50, 100]


def _named(texts):
    """``{label: statistic}`` of ``--statistic`` spellings, in order."""
    return {statistic_label(s): s for s in map(parse_statistic, texts)}


def _statistics(args):
    """The chosen statistics, ``{label: TopoStatistic or None}``."""
    if not args.statistic:
        return _named(DEFAULT_STATISTICS)
    labels = [statistic_label(s) for s in args.statistic]
    if len(set(labels)) != len(labels):
        raise CommandError(f"--statistic: each statistic once, got "
                           f"{', '.join(labels)}.")
    return dict(zip(labels, args.statistic))


def _check_labels(rdms, by, across, source):
    names = [n for n in rdms.rdm_descriptors if n != "index"]
    for option, value in (("--by", by), ("--across", across)):
        if value not in names:
            raise CommandError(
                f"{option} {value!r} is not a label of the RDMs read from "
                f"{source}; their labels are {', '.join(names)} (set labels "
                f"with --pattern or --labels).")


def _accuracy_rows(rdms, by, across, statistics, args, console, what):
    """Bootstrap identification per statistic, on shared samples (one seed).

    Warnings become notes of the analysis: first the statistic is applied
    to the full data, so that a warning names the RDMs by their
    descriptors; then the identification and its bootstrap run. The plain
    RGTMs (the rank RDM included) are scored in one pass
    (:func:`~rsatoolbox_topo.identification.compare_statistics`: the ranks
    of each resampled RDM are computed once for all of them); with the same
    seed the samples and accuracies are those of
    :func:`~rsatoolbox_topo.identification.bootstrap_identify` per
    statistic, and the interval bounds agree to about 1e-16 (the variance
    of several columns is summed in another order).

    Returns the table (one row per statistic), the point results and the
    interval method.
    """
    import pandas as pd

    from .identification import (bootstrap_identify, compare_statistics,
                                 identify)

    method = getattr(args, "method", "euclidean")
    run = dict(n_bootstrap=args.n_bootstrap, ci_level=args.ci_level,
               ci_method=args.ci_method, random_state=args.random_state,
               n_jobs=args.n_jobs, progress=False)
    cells = [label for label, s in statistics.items() if s is not None
             and method == "euclidean" and s.rgtm_cell is not None]
    shared = {}
    if len(cells) >= 2:
        with console.notes.collect(what, ", ".join(cells)):
            comp = compare_statistics(rdms, by, across,
                                      {c: statistics[c] for c in cells},
                                      **run)
        shared = {name: dict(accuracy=comp.accuracy[k],
                             ci=(comp.ci_low[k], comp.ci_high[k]),
                             chance=comp.chance, ci_method=comp.ci_method,
                             n_bootstrap=comp.n_bootstrap)
                  for k, name in enumerate(comp.names)}
    rows, points, ci_method = [], {}, None
    for label, function in console.bar(statistics.items(), what,
                                       "statistic"):
        if function is not None:
            with console.notes.collect(what, label, rdms=rdms):
                function(rdms)
        with console.notes.collect(what, label):
            points[label] = identify(rdms, by, across, statistic=function,
                                     method=method)
            if label not in shared:
                boot = bootstrap_identify(rdms, by, across,
                                          statistic=function, method=method,
                                          **run)
                shared[label] = dict(accuracy=boot.accuracy, ci=boot.ci,
                                     chance=boot.chance,
                                     ci_method=boot.ci_method,
                                     n_bootstrap=boot.n_bootstrap)
        got = shared[label]
        ci_method = got["ci_method"]
        rows.append({"statistic": label, "accuracy": got["accuracy"],
                     "ci_low": got["ci"][0], "ci_high": got["ci"][1],
                     "chance": got["chance"],
                     "n_ties": points[label].n_ties,
                     "n_bootstrap": got["n_bootstrap"]})
    return pd.DataFrame(rows), points, ci_method


def _shown(frame, args, method, drop=("n_bootstrap",), parameters=("n_ties",)):
    from .report import display_table

    return display_table(frame, {"accuracy": ("ci_low", "ci_high")},
                         ci_level=args.ci_level, ci_method=method,
                         drop=drop, parameters=parameters)


def _identification_section(report, console, rdms, by, across, statistics,
                            args, name, what, caption=None):
    """Accuracy table, bar chart and confusion matrices in the report."""
    import pandas as pd

    from .vis import plot_accuracies, plot_confusions

    report.add_heading(f"{what}: accuracy per statistic", level=3)
    console.say(f"\n{what}: identify {by!r} across {across!r} "
                f"({len(set(rdms.rdm_descriptors[by]))} classes, "
                f"{len(set(rdms.rdm_descriptors[across]))} groups, "
                f"{rdms.n_cond} conditions)")
    frame, points, method = _accuracy_rows(rdms, by, across, statistics,
                                           args, console, what)
    shown = _shown(frame, args, method)
    console.table(f"{what}: accuracy ({args.n_bootstrap} bootstrap "
                  f"samples)", shown)
    report.add_table(
        frame, name=f"{name}_accuracy", display=shown,
        note_refs=[console.notes.numbers(what, s) for s in frame["statistic"]],
        caption=caption or (
            f"Identification accuracy of {by!r} across {across!r} on the "
            f"full data; {args.ci_level:.0%} {method} bootstrap interval "
            f"({args.n_bootstrap} samples of {across}s and conditions, seed "
            f"{args.random_state})."))
    report.add_figure(plot_accuracies(frame, title=what).figure,
                      name=f"{name}_accuracy",
                      caption=f"Bars: accuracy on the full data; black "
                              f"ranges: {args.ci_level:.0%} {method} bootstrap "
                              f"interval (over resampled {across}s and "
                              f"conditions, so it need not contain the "
                              f"full-data accuracy); dotted: chance.")
    report.add_figure(plot_confusions(points), name=f"{name}_confusion",
                      caption="Confusion matrices on one colour scale "
                              "(rows: true class; fraction of held-out "
                              "RDMs assigned to each class).")
    assignments = []
    for label, point in points.items():
        table = point.to_frame()
        table.insert(0, "statistic", label)
        assignments.append(table)
    pd.concat(assignments).to_csv(args.out / f"{name}_assignments.csv",
                                  index=False)
    return frame


def _map_section(report, console, rdms, by, across, args, name, what):
    """The (lower, upper) accuracy map of the RGTM and its honest estimate.

    Returns the values for the threshold finding.
    """
    from .identification import nested_threshold_cv, threshold_map
    from .report import display_table, format_number
    from .vis import plot_threshold_map

    report.add_heading(f"{what}: accuracy over the (lower, upper) "
                       f"thresholds", level=3)
    console.say(f"\n{what}: accuracy over the (lower, upper) thresholds "
                f"(step {args.map_step:g})")
    with console.notes.collect(what, "rgtm map"):
        tmap = threshold_map(rdms, by, across, step=args.map_step,
                             random_state=args.random_state, n_jobs=args.n_jobs,
                             progress=console.progress)
    report.add_figure(plot_threshold_map(tmap, label_regimes=True,
                                         title=f"{what}: RGTM").figure,
                      name=f"{name}_threshold_map",
                      caption=f"{what}: identification accuracy of the RGTM "
                              f"at each (lower, upper) on the full data. "
                              f"Dark lines separate the regimes of the "
                              f"threshold triangle (named inside); the "
                              f"diagonal is the binary (topology) end, "
                              f"(0, 1) the rank RDM.")
    lower, upper, best = tmap.best
    values = {"best": best, "lower": lower, "upper": upper, "nested": None}
    n_groups = len(set(rdms.rdm_descriptors[across]))
    if n_groups >= 3:
        with console.notes.collect(what, "rgtm map"):
            nested = nested_threshold_cv(rdms, by, across,
                                         step=args.map_step)
        values["nested"] = nested.nested_accuracy
    cells = tmap.to_frame().sort_values("accuracy", ascending=False,
                                        kind="stable")
    text = (f"Best cell in sample: (lower, upper) = ({lower:g}, {upper:g}), "
            f"accuracy {format_number(best)} (chance "
            f"{format_number(tmap.chance)}); the authors report this "
            f"figure, and it is optimistic.")
    if values["nested"] is not None:
        text += (f" Choosing the thresholds by nested cross-validation "
                 f"(inner folds on the training {across}s only) gives "
                 f"{format_number(values['nested'])}, an optimism of "
                 f"{format_number(best - values['nested'])}.")
    else:
        text += (f" (Nested cross-validation of the thresholds needs at "
                 f"least 3 {across}s.)")
    console.say(text)
    report.add_text(text)
    report.add_table(cells, name=f"{name}_threshold_map", max_rows=10,
                     display=display_table(cells,
                                           parameters=("lower", "upper")),
                     caption="Cells by accuracy, best first (full data, no "
                             "interval).")
    return values


def _regime_section(report, console, rdms, by, across, args, name, what):
    """Regimes of the threshold triangle against the baselines, paired."""
    import pandas as pd

    from .identification import RANK_RDM, RDM, compare_regimes
    from .report import display_table, interval_header
    from .vis import plot_accuracies

    report.add_heading(f"{what}: regimes of the threshold triangle",
                       level=3)
    console.say(f"\n{what}: regimes of the (lower, upper) triangle "
                f"({args.n_draws} random draws each)")
    # The authors compare with the RDM itself; the rank RDM is the other end
    # of the threshold triangle. One run with the RDM holds both baselines
    # (their differences come from the same bootstrap samples).
    with console.notes.collect(what, "regimes"):
        result = compare_regimes(
            rdms, by, across, n_draws=args.n_draws,
            n_bootstrap=args.n_bootstrap, ci_level=args.ci_level,
            ci_method=args.ci_method, random_state=args.random_state,
            n_jobs=args.n_jobs, progress=console.progress, baseline="rdm")
    frames = []
    for compared in (result, result.against(RANK_RDM)):
        frame = compared.to_frame()
        frame = frame.rename(columns={c: "diff_vs_baseline" for c in
                                      frame.columns
                                      if c.startswith("diff_vs_")})
        frame.insert(1, "baseline", compared.baseline)
        if compared.baseline == RANK_RDM:  # its RDM row repeats the above
            frame = frame[frame["regime"] != RDM]
        frames.append(frame)
    frame = pd.concat(frames, ignore_index=True)
    method = result.ci_method
    shown = display_table(
        frame, {"accuracy": ("ci_low", "ci_high"),
                "diff_vs_baseline": ("diff_ci_low", "diff_ci_high")},
        ci_level=args.ci_level, ci_method=method, parameters=("n_draws",),
        drop=("ci_method", "n_bootstrap"))
    console.table(f"{what}: regimes (difference to the baseline, paired "
                  f"bootstrap p-value)", shown)
    report.add_table(
        frame, name=f"{name}_regimes", display=shown,
        caption=f"{what}: accuracy per regime (mean over {args.n_draws} "
                f"random (lower, upper) each), its difference to the "
                f"baseline on the same bootstrap samples "
                f"({interval_header(args.ci_level, method)}) and the paired "
                f"bootstrap p-value.")
    bars = frames[0].rename(columns={"regime": "statistic"})  # every name
    bars["chance"] = result.chance
    report.add_figure(plot_accuracies(bars, title=f"{what}: regimes").figure,
                      name=f"{name}_regimes",
                      caption=f"Accuracy per regime on the full data with "
                              f"{interval_header(args.ci_level, method)} "
                              f"ranges; dotted: chance.")
    return frame


def _noise_section(report, console, rdms, statistics, levels, args, name,
                   what, n_noise_draws):
    """Identification accuracy as RDM noise grows (the paper's simulation)."""
    from .report import format_interval, format_number, interval_header
    from .simulation import run_simulation

    report.add_heading(f"{what}: robustness to noise", level=3)
    console.say(f"\n{what}: identification as Gaussian noise is added to "
                f"the RDMs (levels k = {', '.join(f'{k:g}' for k in levels)}"
                f"; {n_noise_draws} noise draws per level)")
    with console.notes.collect(what, "noise"):
        result = run_simulation(
            rdms, noise_levels=levels,
            statistics=statistics,
            n_bootstrap=args.n_bootstrap, random_state=args.random_state,
            n_jobs=args.n_jobs, progress=console.progress,
            ci_level=args.ci_level, ci_method=args.ci_method,
            n_noise_draws=n_noise_draws)
    frame = result.to_frame()
    frame["chance"] = result.chance
    header = interval_header(args.ci_level, result.ci_method)
    cells = frame.assign(cell=[
        f"{format_number(a)} {format_interval(lo, hi)}" for a, lo, hi in
        zip(frame["accuracy"], frame["ci_low"], frame["ci_high"])])
    shown = cells.pivot(index="noise_level", columns="statistic",
                        values="cell")[list(result.statistics)]
    shown.index = [f"{k:g}" for k in shown.index]
    shown = shown.rename_axis("k").reset_index()
    console.table(f"{what}: accuracy by noise level k, mean over "
                  f"{n_noise_draws} noise draws [{header}]", shown)
    report.add_table(
        frame, name=f"{name}_noise", display=shown,
        caption=f"{what}: accuracy by noise level k (noise SD = k x "
                f"{result.fraction:g} x the SD of {result.reference_text}; "
                f"negative values set to 0), mean over {n_noise_draws} "
                f"noise draws, [{header}] over seeds, conditions and noise "
                f"draws.")
    report.add_figure(result.plot().figure, name=f"{name}_noise",
                      caption=f"{what}: accuracy against noise level "
                              f"(log-spaced beyond the paper's k <= 4) with "
                              f"{header} bands.")
    return frame


def _model_section(report, console, data, model_rdms, statistics, args,
                   name, what):
    """rsatoolbox model comparison with each statistic on shared samples."""
    import numpy as np
    import pandas as pd
    from rsatoolbox.model import ModelFixed

    from . import inference
    from .report import display_table
    from .vis import plot_model_comparison

    names = list(model_rdms.rdm_descriptors["name"])
    models = [ModelFixed(n, model_rdms.subset("name", n)) for n in names]
    console.say(f"\n{what}: {len(models)} models compared with each "
                f"statistic applied to data and models (Pearson r, "
                f"bootstrap of the images)")
    from ._resampling import confidence_interval

    samples = inference.draw_samples(data, N=args.n_bootstrap,
                                     random_state=args.random_state)
    # Percentile, not the package's calibrated 'corrected': that one needs
    # a two-factor bootstrap (subjects and images), and the coverage study
    # that chose it measured identification accuracy, not model
    # evaluations. This comparison resamples the images only.
    method = "percentile"
    rows = []
    for label, function in console.bar(statistics.items(), what,
                                       "statistic"):
        if function is not None:
            for rdms in (model_rdms, data):
                with console.notes.collect(what, label, rdms=rdms):
                    function(rdms)
        with console.notes.collect(what, label):
            result = inference.eval_bootstrap_pattern(
                models, data, method="corr", samples=samples,
                statistic=function, n_jobs=args.n_jobs,
                progress=False)
        evaluations = np.asarray(result.evaluations, dtype=float)
        evaluations = evaluations.reshape(len(evaluations), len(models), -1)
        evaluations = np.nanmean(evaluations, axis=2)
        low, high = confidence_interval(evaluations, result.get_means(),
                                        level=args.ci_level, method=method)
        ceiling = np.nanmean(np.asarray(result.noise_ceiling, dtype=float)
                             .reshape(2, -1), axis=1)
        for k, model in enumerate(names):
            rows.append({"statistic": label, "model": model,
                         "r": result.get_means()[k], "ci_low": low[k],
                         "ci_high": high[k], "ceiling_low": ceiling[0],
                         "ceiling_high": ceiling[1]})
    frame = pd.DataFrame(rows)
    shown = frame.pivot(index="model", columns="statistic", values="r")
    shown = shown[list(statistics)].loc[names]
    console.table(f"{what}: mean Pearson r with the data",
                  shown.map(lambda v: f"{v:.3f}").reset_index())
    display = display_table(frame, {"r": ("ci_low", "ci_high")},
                            ci_level=args.ci_level, ci_method=method)
    report.add_table(
        frame, name=f"{name}_models", display=display,
        note_refs=[console.notes.numbers(what, s, item=m)
                   for s, m in zip(frame["statistic"], frame["model"])],
        caption=f"{what}: Pearson r of each model with the data after the "
                f"statistic (mean over the {data.n_rdm} data RDMs), "
                f"{args.ci_level:.0%} {method} bootstrap interval over "
                f"images ({args.n_bootstrap} samples shared by all "
                f"statistics) and the noise ceiling (lower, upper). The "
                f"interval generalises to other images seen by these "
                f"subjects, not to other subjects. It is a percentile "
                f"interval, not the calibrated 'corrected' one of the "
                f"identification tables: that needs a bootstrap of subjects "
                f"and images, and the package's coverage study measured "
                f"identification accuracy, not model evaluations.")
    report.add_figure(
        plot_model_comparison(frame, ci_level=args.ci_level,
                              ci_method=method),
        name=f"{name}_models",
        caption=f"{what}: model evaluations per statistic (bars), "
                f"{args.ci_level:.0%} {method} bootstrap intervals over "
                f"images (lines; not calibrated, see the table) and the "
                f"noise ceiling (grey band), as rsatoolbox draws them.")
    return frame


def _command_line(argv):
    import shlex

    return " ".join([PROG] + [shlex.quote(a) for a in argv])


def _finish(report, args, console, findings=None):
    if findings is not None:
        report.add_findings(findings)
    report.add_notes(console.notes)
    path = report.save(args.out / "report.html")
    console.say(f"\nWrote the report {path} (tables, figures and "
                f"report.log in {args.out}) in {console.elapsed():.0f} s.")
    console.print_notes()


def _check_out(out, force):
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise CommandError(f"--out {out} exists and is not a folder.")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise CommandError(
            f"--out {out} already holds files; use --force to replace them "
            f"or choose another folder.")


def _start(args, title):
    """Output folder, console (with report.log) and report of a command."""
    from .report import Report

    args.out = prepare_output(args.out, args.force)
    console = _Console(args.quiet, log=args.out / "report.log")
    report = Report(title, out_dir=args.out)
    report.add_code(_command_line(args.argv))
    console.say(_command_line(args.argv))
    return console, report


def _run_identify(args):
    from .io import read_rdms
    from .report import conclusions

    # before the (possibly long) reading and analysis
    _check_out(args.out, args.force)
    statistics = _statistics(args)
    rdms = read_rdms(args.path, pattern=args.pattern, labels=args.labels,
                     dissimilarity_measure=args.dissimilarity,
                     allow_pickle=args.allow_pickle)
    _check_labels(rdms, args.by, args.across, args.path)
    console, report = _start(
        args, f"tRSA identification: {args.by} across {args.across}")
    measure = (f" (dissimilarity: {rdms.dissimilarity_measure})"
               if rdms.dissimilarity_measure else "")
    report.add_text(
        f"{rdms.n_rdm} RDMs of {rdms.n_cond} conditions read from "
        f"{args.path}{measure}. Each RDM is assigned to the nearest class "
        f"centroid ({args.by}) built from the other groups ({args.across}), "
        f"leaving one group out at a time (the protocol of Lin & "
        f"Kriegeskorte 2024, PNAS).")
    from .identification import (DEFAULT_N_BOOTSTRAP,
                                 DEFAULT_N_BOOTSTRAP_TOPOLOGY)
    from .topology import METHODS

    what = f"{args.by} across {args.across}"
    name = "identification"
    topological = args.method in METHODS
    if args.n_bootstrap is None:
        args.n_bootstrap = DEFAULT_N_BOOTSTRAP_TOPOLOGY if topological \
            else DEFAULT_N_BOOTSTRAP
    if args.method != "euclidean":
        report.add_text(f"Comparator: {args.method} (--method).")
    found = {"accuracy": (f"{name}_accuracy", _identification_section(
        report, console, rdms, args.by, args.across, statistics, args,
        name, what))}
    if topological and not (args.no_map and args.no_regimes):
        console.say(f"--method {args.method}: the (lower, upper) map and the "
                    "regimes are skipped (one identification per cell).")
        args.no_map = args.no_regimes = True
    if not args.no_map:
        found["thresholds"] = (f"{name}_threshold_map", _map_section(
            report, console, rdms, args.by, args.across, args, name, what))
    if not args.no_regimes:
        found["regimes"] = (f"{name}_regimes", _regime_section(
            report, console, rdms, args.by, args.across, args, name, what))
    _finish(report, args, console,
            conclusions(**found, what=f"the {args.by}"))


def _topology_section(report, console):
    """The shipped evaluation of RTD against the RDM statistics (issue of
    labelled persistent homology): precomputed, since RTD costs minutes."""
    from .report import display_table
    from .topology import evaluation_table

    table = evaluation_table("identification")
    report.add_heading("Beyond thresholds: persistent homology (RTD)",
                       level=3)
    text = ("Representation Topology Divergence (RTD; Barannikov et al., "
            "ICML 2022) compares two RDMs on the same labelled conditions "
            "across all thresholds at once; the label-free baselines compare "
            "persistence diagrams and forget which condition is which. "
            "These results are precomputed by the package (regenerate with "
            "'python benchmarks/eval_topology.py', about an hour on two "
            "cores), with the package's default interval method at the time "
            "of each data set's run (column ci_method where they differ) "
            "from the number of bootstrap samples in each row; RTD rows "
            "have few samples; with 2 sessions per subject the 92-image "
            "intervals span [0, 1]. See the topology user guide.")
    report.add_text(text)
    console.say("\n" + text)
    methods = list(dict.fromkeys(table["ci_method"]))
    shown = display_table(table, {"accuracy": ("ci_low", "ci_high")},
                          ci_method=(methods[0] if len(methods) == 1 else
                                     "per row: " + " or ".join(methods)),
                          parameters=("n_bootstrap",),
                          drop=("seconds",) + (("ci_method",)
                                               if len(methods) == 1 else ()))
    console.table("Identification by RTD and label-free baselines "
                  "(precomputed)", shown)
    report.add_table(table, name="topology_identification",
                     caption="Identification accuracy by comparator "
                             "(precomputed; interval method per row: "
                             f"{', '.join(methods)}).",
                     display=shown)


def _run_demo(args):
    from .datasets import CITATION_92IMAGES, load_92images
    from .report import conclusions
    from .simulation import load_simulation_rdms

    console, report = _start(args, "tRSA demo: identifying representations "
                                   "with geo-topological statistics")
    statistics = _named(DEFAULT_STATISTICS)
    report.add_text(
        "Topological RSA (Lin & Kriegeskorte 2024, PNAS, "
        "doi:10.1073/pnas.2317881121) asks whether a statistic of an RDM "
        "keeps what tells representations apart while discarding "
        "differences between individuals. Statistics: 'rdm' the RDM "
        "itself; 'rank' its rank-normalised version; 'rgtm(l,u)' the "
        "geo-topological matrix, which sets the rank-normalised "
        "dissimilarities below the l quantile to 0 and those above the u "
        "quantile to 1 and rescales those between (rgtm(0.5,0.5) keeps "
        "only which pairs are near: topology sensitive); 'rgdm(l,u)' the "
        "geodesic distances along the graph of the pairs below the u "
        "quantile. All numbers below were measured by this run on data "
        "shipped with the package; none is the paper's.")

    # 1. The paper's question: which layer is this, across network seeds?
    simulated = load_simulation_rdms()
    report.add_heading("1. Simulated networks: which layer is this?")
    report.add_text(
        f"{simulated.n_rdm} RDMs ({simulated.dissimilarity_measure}) of the "
        f"{len(set(simulated.rdm_descriptors['layer']))} layers of "
        f"All-CNN-C networks (for 8 x 8 images) trained on handwritten "
        f"digits from "
        f"{len(set(simulated.rdm_descriptors['seed']))} random seeds, for "
        f"{simulated.n_cond} held-out digit images (shipped with the "
        f"package; see rsatoolbox_topo.simulation). The layer of each "
        f"network's RDM is identified from the other networks' RDMs by "
        f"the nearest class centroid, leaving one seed out at a time.")
    what = "Layers across seeds"
    found = {"accuracy": ("layers_accuracy", _identification_section(
        report, console, simulated, "layer", "seed", statistics, args,
        "layers", what))}
    found["noise"] = ("layers_noise", _noise_section(
        report, console, simulated,
        _named(DEMO_NOISE_STATISTICS), args.noise,
        args, "layers", what, n_noise_draws=args.n_noise_draws))
    found["thresholds"] = ("layers_threshold_map", _map_section(
        report, console, simulated, "layer", "seed", args, "layers", what))
    found["regimes"] = ("layers_regimes", _regime_section(
        report, console, simulated, "layer", "seed", args, "layers", what))
    _topology_section(report, console)

    # 2. Which model explains human IT, per statistic?
    hit = load_92images("hit")
    report.add_heading("2. Human IT fMRI: which model explains it?")
    report.add_text(
        "RDMs of human inferior temporal cortex for 92 object images, 4 "
        "subjects x 2 sessions (Kriegeskorte et al. 2008), and the 8 model "
        "RDMs shipped with them (animacy, face/body/man-made/natural "
        "categories, monkey IT, EVA, HMAX, V1, silhouette, RADON), compared "
        "with rsatoolbox's model comparison, each statistic applied to the "
        "data and the models after resampling the images "
        "(rsatoolbox_topo.inference). Source: " + CITATION_92IMAGES)
    found["models"] = ("hit_models_models", _model_section(
        report, console, hit, load_92images("models"), statistics, args,
        "hit_models", "Human IT: models"))

    # 3. Individuality: what tRSA aims to discard.
    report.add_heading("3. Human IT fMRI: how much individuality does a "
                       "statistic keep?")
    report.add_text(
        "Each session's RDM is assigned to a subject by the other "
        "session's RDMs. This measures how much of what is individual "
        "about a subject's representation a statistic keeps, which tRSA "
        "means to discard: here lower accuracy is what tRSA aims for. With "
        "4 subjects x 2 sessions (8 RDMs) the intervals are wide; read "
        "them before the accuracies.")
    found["individuality"] = ("hit_subject_accuracy", _identification_section(
        report, console, hit, "subject", "session", statistics, args,
        "hit_subject", "Human IT: subject across sessions",
        caption=f"Subject identification across sessions (lower: less "
                f"individuality kept, as tRSA aims for); {args.ci_level:.0%} "
                f"bootstrap interval over sessions and images "
                f"({args.n_bootstrap} samples, seed {args.random_state})."))
    _finish(report, args, console, conclusions(**found, what="the layer"))


def _regenerate(args):
    """``simulate --regenerate``: the shipped layer RDMs, written to --out."""
    from .simulation import regenerate_simulation_rdms

    args.out = prepare_output(args.out, args.force)
    path = args.out / "simulation_layer_rdms.npz"
    rdms = regenerate_simulation_rdms(
        path, cache_dir=False if args.no_cache else args.cache_dir,
        n_jobs=args.n_jobs, progress=not args.quiet and sys.stderr.isatty())
    print(f"wrote {rdms.n_rdm} RDMs of {rdms.n_cond} stimuli to {path}")


def _run_simulate(args):
    try:
        import torch  # noqa: F401  (only to fail early and clearly)
    except ImportError:
        raise CommandError(
            "simulate needs torch, which is not installed; install it with "
            "pip install '.[torch]' in the rsatoolbox_topo folder (or pip "
            "install torch).") from None
    from .report import conclusions
    from .simulation import simulate_layer_rdms

    if args.regenerate:
        return _regenerate(args)
    if args.n_seeds < 2:
        raise CommandError("--n-seeds must be at least 2: a layer is "
                           "identified from the other seeds' networks.")
    statistics = _statistics(args)
    console, report = _start(args, "tRSA simulation: identifying network "
                                   "layers across seeds")
    console.say(f"Training {args.n_seeds} networks ({args.epochs} epochs, "
                f"width {args.width}) and computing their layer RDMs")
    rdms = simulate_layer_rdms(
        seeds=range(args.n_seeds), epochs=args.epochs, width=args.width,
        n_per_digit=args.n_per_digit,
        cache_dir=False if args.no_cache else args.cache_dir,
        progress=console.progress)
    rdms.save(str(args.out / "layer_rdms.hdf5"), file_type="hdf5",
              overwrite=True)
    test_accuracy = sorted(set(rdms.rdm_descriptors["test_accuracy"]))
    text = (f"{args.n_seeds} networks trained for {args.epochs} epochs "
            f"(width {args.width}); digit classification accuracy on the "
            f"held-out stimuli {test_accuracy[0]:.3f} to "
            f"{test_accuracy[-1]:.3f}. {rdms.n_rdm} layer RDMs "
            f"({rdms.dissimilarity_measure}) of {rdms.n_cond} stimuli are "
            f"in layer_rdms.hdf5 (rsatoolbox format; rsatoolbox-topo "
            f"identify reads it).")
    console.say(text)
    report.add_text(text)
    what = "Layers across seeds"
    found = {"accuracy": ("layers_accuracy", _identification_section(
        report, console, rdms, "layer", "seed", statistics, args, "layers",
        what))}
    found["noise"] = ("layers_noise", _noise_section(
        report, console, rdms, statistics, args.noise, args, "layers", what,
        n_noise_draws=args.n_noise_draws))
    _finish(report, args, console, conclusions(**found, what="the layer"))
