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


def parse_statistic(text):
    """Turn ``rdm``, ``rank``, ``rgtm:L,U`` or ``rgdm:L,U`` into a statistic.

    Returns ``(label, spec)`` where ``spec`` is ``None`` (the RDM itself) or a
    tuple ``(name, lower, upper)`` understood by :func:`_statistic_function`.
    """
    name, _, args = text.strip().lower().partition(":")
    if name in ("rdm", "rank") and not args:
        return name, (None if name == "rdm" else ("rank", 0.0, 1.0))
    if name in ("rgtm", "rgdm"):
        try:
            lower, upper = (float(x) for x in args.split(","))
        except ValueError:
            lower = upper = -1.0
        if 0 <= lower <= upper <= 1:
            return f"{name}({lower:g},{upper:g})", (name, lower, upper)
    raise argparse.ArgumentTypeError(
        f"must be 'rdm', 'rank', 'rgtm:L,U' or 'rgdm:L,U' with "
        f"0 <= L <= U <= 1 (e.g. rgtm:0.2,0.8), got {text!r}")


def _statistic_function(spec):
    """The RDMs -> RDMs function of a parsed statistic (None: the RDM)."""
    from functools import partial

    from .statistics import rank_normalize, rgdm, rgtm

    if spec is None:
        return None
    name, lower, upper = spec
    if name == "rank":
        return rank_normalize
    function = rgtm if name == "rgtm" else rgdm
    return partial(function, lower=lower, upper=upper)


# ---------------------------------------------------------------- parser
_COMMON_EPILOG = """
Common options: --out DIR (output folder), --force (replace existing
output), --seed N (random seed; the same seed gives the same numbers for
any --n-jobs), --n-jobs N (parallel workers, -1 for all cores),
--n-bootstrap N (bootstrap samples for the confidence intervals), --quiet
(no progress bars), --traceback (show the full error).
"""


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
        "--seed", type=_seed, default=0, metavar="N",
        help="seed of the random numbers (bootstrap, random thresholds); "
             "default 0, e.g. --seed 7")
    group.add_argument(
        "--n-jobs", type=_n_jobs, default=1, metavar="N",
        help="parallel worker processes, -1 for all cores (default 1); "
             "results do not depend on it, e.g. --n-jobs 2")
    from .identification import _N_BOOTSTRAP, _N_BOOTSTRAP_TOPOLOGY

    default_text = default_bootstrap or \
        f"{_N_BOOTSTRAP}, or {_N_BOOTSTRAP_TOPOLOGY} with a topological --method"
    group.add_argument(
        "--n-bootstrap", type=_positive_int, default=default_bootstrap,
        metavar="N",
        help=f"bootstrap samples (of individuals and conditions) for the "
             f"confidence intervals (default {default_text}), e.g. "
             f"--n-bootstrap 1000")
    group.add_argument(
        "--ci", type=_fraction, default=0.95, metavar="LEVEL",
        help="confidence level of the intervals (default 0.95)")
    group.add_argument(
        "--quiet", action="store_true",
        help="no progress bars and no table on the terminal")
    group.add_argument(
        "--traceback", action="store_true",
        help="on error, show the full Python traceback instead of one line")


def _statistic_option(group):
    group.add_argument(
        "--statistic", type=parse_statistic, action="append",
        metavar="STAT",
        help="statistic to compare, repeatable: 'rdm' (the RDM itself), "
             "'rank', 'rgtm:L,U' or 'rgdm:L,U' with 0 <= L <= U <= 1 "
             "(default: rdm, rank, rgtm:0.2,0.8, rgtm:0.5,0.5, rgdm:0,0.5), "
             "e.g. --statistic rank --statistic rgtm:0.4,0.6")


def _map_options(group, n_draws):
    group.add_argument(
        "--map-step", type=_step, default=0.1, metavar="STEP",
        help="grid step of the (lower, upper) accuracy map of the RGTM "
             "(default 0.1; the paper uses 0.05), e.g. --map-step 0.05")
    group.add_argument(
        "--n-draws", type=_positive_int, default=n_draws, metavar="N",
        help=f"random (lower, upper) pairs drawn per regime for the regime "
             f"comparison (default {n_draws}), e.g. --n-draws 20")


def _noise_option(group, default):
    group.add_argument(
        "--noise", type=_noise_level, nargs="+", default=default,
        metavar="K",
        help=f"noise levels k: Gaussian noise of SD k x 10%% of the SD of "
             f"each RDM (default {' '.join(map(str, default))}), e.g. "
             f"--noise 0 1 2 3 4")


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
                    "torch: identify the layer of simulated network RDMs "
                    "across network instances (seeds), with noise, for the "
                    "rank RDM, RGTM and RGDM statistics; map the accuracy "
                    "over the (lower, upper) thresholds and compare the "
                    "regimes; identify the subject of real human-IT fMRI "
                    "RDMs (Kriegeskorte et al. 2008, 92 images) across "
                    "sessions. Prints the accuracies with confidence "
                    "intervals and writes CSV tables, PNG figures and "
                    "report.html into --out.",
        epilog=_epilog("""
            examples:
              rsatoolbox-topo demo
              rsatoolbox-topo demo --out my-demo --seed 3 --n-jobs 2
              rsatoolbox-topo demo --n-bootstrap 50 --force
            """))
    demo_group = demo.add_argument_group("analysis")
    _map_options(demo_group, n_draws=5)
    _noise_option(demo_group, [0, 2, 4])
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
                  --across seed --statistic rank --statistic rgtm:0.5,0.5
              rsatoolbox-topo identify rdms.hdf5 --by roi --across subject \\
                  --labels extra.csv --no-map --no-regimes
            """))
    identify.add_argument(
        "path", type=Path,
        help="folder of .npy files, an .npz archive, or an rsatoolbox "
             ".hdf5/.h5/.pkl file, e.g. rdms/")
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
        "--measure", metavar="NAME",
        help="name of the dissimilarity measure for the report, e.g. "
             "--measure 'correlation distance'")
    analysis = identify.add_argument_group("analysis")
    analysis.add_argument(
        "--by", required=True, metavar="LABEL",
        help="label to identify (the classes), e.g. --by roi")
    analysis.add_argument(
        "--across", required=True, metavar="LABEL",
        help="label of the groups left out in turn, e.g. --across subject")
    _statistic_option(analysis)
    from .identification import _METHODS as _IDENTIFY_METHODS

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
        description="Train small convolutional networks (All-CNN-C style, "
                    "10 layers) on handwritten digits from several random "
                    "seeds, compute the RDM of every layer for held-out "
                    "digit images, and identify the layer of each network's "
                    "RDMs from the other networks, per statistic and noise "
                    "level, as in Lin & Kriegeskorte (2024). The defaults "
                    "are those of the RDMs shipped with the package (about "
                    "half a minute of training per network on one core; "
                    "trained networks are cached). Needs the torch extra: "
                    "pip install 'rsatoolbox-topo[torch]'.",
        epilog=_epilog("""
            examples:
              rsatoolbox-topo simulate
              rsatoolbox-topo simulate --n-seeds 4 --epochs 3 --noise 0 2 4
              rsatoolbox-topo simulate --width 8 --statistic rank \\
                  --statistic rgtm:0.5,0.5 --no-cache
            """))
    sim = simulate.add_argument_group("simulation")
    sim.add_argument(
        "--n-seeds", type=_positive_int, default=10, metavar="N",
        help="networks trained from seeds 0 .. N-1 (default 10, at least "
             "2), e.g. --n-seeds 4")
    sim.add_argument(
        "--epochs", type=_positive_int, default=15, metavar="N",
        help="training epochs per network (default 15), e.g. --epochs 3")
    sim.add_argument(
        "--width", type=_positive_int, default=16, metavar="N",
        help="channels of the first layers (default 16), e.g. --width 8")
    sim.add_argument(
        "--n-per-digit", type=_positive_int, default=10, metavar="N",
        help="held-out images per digit used as stimuli, so 10 N "
             "conditions (default 10), e.g. --n-per-digit 5")
    _noise_option(sim, [0, 1, 2, 3, 4])
    _statistic_option(sim)
    sim.add_argument(
        "--cache-dir", type=Path, metavar="DIR",
        help="where trained networks are cached (default: the package's "
             "cache folder, or $RSATOOLBOX_TOPO_CACHE), e.g. "
             "--cache-dir ~/.cache/trsa")
    sim.add_argument(
        "--no-cache", action="store_true",
        help="train every network anew and store nothing")
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
    """Terminal output: one-line warnings, optional tables and timing."""

    def __init__(self, quiet):
        self.quiet = quiet
        self.start = time.perf_counter()

    def say(self, text):
        if not self.quiet:
            print(text, flush=True)

    def table(self, title, frame):
        if not self.quiet:
            print(f"\n{title}\n{frame.to_string(index=False)}", flush=True)

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
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    args = parser.parse_args(argv)
    args.argv = argv
    try:
        with _one_line_warnings():
            args.handler(args)
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except (CommandError, ValueError, TypeError, KeyError, OSError) as exc:
        if args.traceback:
            raise
        message = " ".join(str(exc).split()) or type(exc).__name__
        print(f"{PROG} {args.command}: error: {message}", file=sys.stderr)
        return 1
    return 0


# ------------------------------------------------------------ commands
DEFAULT_STATISTICS = ("rdm", "rank", "rgtm:0.2,0.8", "rgtm:0.5,0.5",
                      "rgdm:0,0.5")
# the noise curves of the demo: the RDM, the rank RDM and a topology-sensitive
# RGTM (the paper's headline contrast), few enough to stay within minutes
DEMO_NOISE_STATISTICS = ("rdm", "rank", "rgtm:0.5,0.5")


def _statistics(args):
    chosen = args.statistic or [parse_statistic(s) for s in DEFAULT_STATISTICS]
    labels = [label for label, _ in chosen]
    if len(set(labels)) != len(labels):
        raise CommandError(f"--statistic: each statistic once, got "
                           f"{', '.join(labels)}.")
    return chosen


def _check_labels(rdms, by, across, source):
    names = [n for n in rdms.rdm_descriptors if n != "index"]
    for option, value in (("--by", by), ("--across", across)):
        if value not in names:
            raise CommandError(
                f"{option} {value!r} is not a label of the RDMs read from "
                f"{source}; their labels are {', '.join(names)} (set labels "
                f"with --pattern or --labels).")


def _accuracy_rows(rdms, by, across, statistics, args):
    """Bootstrap identification per statistic, on shared samples (one seed).

    Returns the table (one row per statistic) and the point results.
    """
    import pandas as pd

    from .identification import bootstrap_identify, identify

    rows, points = [], {}
    for label, spec in statistics:
        function = _statistic_function(spec)
        method = getattr(args, "method", "euclidean")
        points[label] = identify(rdms, by, across, statistic=function,
                                 method=method)
        boot = bootstrap_identify(
            rdms, by, across, statistic=function, method=method,
            n_bootstrap=args.n_bootstrap, ci=args.ci,
            random_state=args.seed, n_jobs=args.n_jobs,
            progress=not args.quiet)
        rows.append({"statistic": label, "accuracy": boot.accuracy,
                     "ci_low": boot.ci[0], "ci_high": boot.ci[1],
                     "chance": boot.chance,
                     "n_ties": points[label].n_ties,
                     "n_bootstrap": len(boot.samples)})
    return pd.DataFrame(rows), points


def _for_console(frame, ci):
    shown = frame[["statistic", "accuracy"]].copy()
    shown[f"{ci:.0%} CI"] = [f"[{lo:.3f}, {hi:.3f}]" for lo, hi in
                             zip(frame["ci_low"], frame["ci_high"])]
    shown["chance"] = frame["chance"]
    return shown.round(3)


def _confusion_figure(points):
    from matplotlib.figure import Figure

    n = len(points)
    size = 1.5 + 0.35 * len(next(iter(points.values())).classes)
    fig = Figure(figsize=(size * n, size + 0.6))
    for k, (label, point) in enumerate(points.items()):
        ax = fig.add_subplot(1, n, k + 1)
        point.plot(ax=ax)
        ax.set_title(f"{label}\n{ax.get_title()}", fontsize="small")
    fig.tight_layout()
    return fig


def _identification_section(report, console, rdms, by, across, statistics,
                            args, name, what):
    """Accuracy table, bar chart and confusion matrices in the report."""
    import pandas as pd

    from .report import accuracy_figure

    report.add_heading("Accuracy per statistic", level=3)
    console.say(f"\n{what}: identify {by!r} across {across!r} "
                f"({len(set(rdms.rdm_descriptors[by]))} classes, "
                f"{len(set(rdms.rdm_descriptors[across]))} groups, "
                f"{rdms.n_cond} conditions)")
    frame, points = _accuracy_rows(rdms, by, across, statistics, args)
    console.table(f"{what}: accuracy ({args.n_bootstrap} bootstrap "
                  f"samples)", _for_console(frame, args.ci))
    report.add_table(frame, name=f"{name}_accuracy",
                     caption=f"Identification accuracy of {by!r} across "
                             f"{across!r}, {args.ci:.0%} bootstrap interval "
                             f"({args.n_bootstrap} samples of {across} and "
                             f"conditions; seed {args.seed}).")
    report.add_figure(accuracy_figure(frame, title=what),
                      name=f"{name}_accuracy",
                      caption="Bars: accuracy on the full data; black "
                              "ranges: bootstrap interval (over resampled "
                              "groups and conditions, so it need not "
                              "contain the full-data accuracy); dotted: "
                              "chance.")
    report.add_figure(_confusion_figure(points), name=f"{name}_confusion",
                      caption="Confusion matrices (rows: true class).")
    assignments = []
    for label, point in points.items():
        table = point.to_frame()
        table.insert(0, "statistic", label)
        assignments.append(table)
    pd.concat(assignments).to_csv(args.out / f"{name}_assignments.csv",
                                  index=False)
    return frame


def _map_section(report, console, rdms, by, across, args, name, what):
    """The (lower, upper) accuracy map of the RGTM and its honest estimate."""
    from .identification import nested_threshold_cv, threshold_map

    report.add_heading("Accuracy over the (lower, upper) thresholds",
                       level=3)
    console.say(f"\n{what}: accuracy over the (lower, upper) thresholds "
                f"(step {args.map_step:g})")
    tmap = threshold_map(rdms, by, across, step=args.map_step,
                         random_state=args.seed, n_jobs=args.n_jobs,
                         progress=not args.quiet)
    report.add_figure(tmap.plot().figure, name=f"{name}_threshold_map",
                      caption=f"{what}: identification accuracy of the RGTM "
                              f"at each (lower, upper) on the full data; "
                              f"the diagonal is the binary (topology) end, "
                              f"(0, 1) the rank RDM.")
    cells = tmap.to_frame().sort_values("accuracy", ascending=False,
                                        kind="stable")
    report.add_table(cells, name=f"{name}_threshold_map", max_rows=10,
                     caption="Cells by accuracy, best first.")
    lower, upper, best = tmap.best
    text = (f"Best cell in sample: (lower, upper) = ({lower:g}, {upper:g}), "
            f"accuracy {best:.3f} (chance {tmap.chance:.3f}); this is the "
            f"figure the paper reports and it is optimistic.")
    if len(set(rdms.rdm_descriptors[across])) >= 3:
        nested = nested_threshold_cv(rdms, by, across, step=args.map_step)
        text += (f" Choosing the thresholds by nested cross-validation "
                 f"(inner folds on the training {across}s only) gives "
                 f"{nested.nested_accuracy:.3f}, an optimism of "
                 f"{nested.optimism:.3f}.")
    else:
        text += (f" (Nested cross-validation of the thresholds needs at "
                 f"least 3 {across}s.)")
    console.say(text)
    report.add_text(text)


def _regime_section(report, console, rdms, by, across, args, name, what):
    """Regimes of the threshold triangle against the rank RDM, paired."""
    from .identification import compare_regimes
    from .report import accuracy_figure

    report.add_heading("Regimes of the threshold triangle", level=3)
    console.say(f"\n{what}: regimes of the (lower, upper) triangle "
                f"({args.n_draws} draws each)")
    result = compare_regimes(rdms, by, across, n_draws=args.n_draws,
                             n_bootstrap=args.n_bootstrap, ci=args.ci,
                             random_state=args.seed, n_jobs=args.n_jobs,
                             progress=not args.quiet)
    frame = result.to_frame()
    shown = frame[["regime", "accuracy", "ci_low", "ci_high",
                   "diff_vs_rank", "p_value"]]
    console.table(f"{what}: regimes (difference to the rank RDM, paired "
                  f"bootstrap p-value)", shown.round(3))
    report.add_table(frame, name=f"{name}_regimes",
                     caption=f"{what}: accuracy per regime (mean over "
                             f"{args.n_draws} random (lower, upper) each), "
                             f"its difference to the rank RDM and the "
                             f"paired bootstrap interval and p-value.")
    bars = frame.rename(columns={"regime": "statistic"})
    bars["chance"] = result.chance
    report.add_figure(accuracy_figure(bars, title=f"{what}: regimes"),
                      name=f"{name}_regimes",
                      caption="Accuracy per regime with bootstrap "
                              "intervals; dotted: chance.")


def _noise_section(report, console, rdms, statistics, levels, args, name,
                   what):
    """Identification accuracy as RDM noise grows (the paper's simulation)."""
    from .simulation import run_simulation

    report.add_heading("Robustness to noise", level=3)
    console.say(f"\n{what}: identification as Gaussian noise is added to "
                f"the RDMs (levels {', '.join(f'{k:g}' for k in levels)})")
    result = run_simulation(
        rdms, noise_levels=levels,
        statistics={label: _statistic_function(spec)
                    for label, spec in statistics},
        n_bootstrap=args.n_bootstrap, random_state=args.seed,
        n_jobs=args.n_jobs, progress=not args.quiet, ci=args.ci)
    frame = result.to_frame()
    frame["chance"] = result.chance
    cells = frame.assign(cell=[
        f"{a:.2f} [{lo:.2f}, {hi:.2f}]" for a, lo, hi in
        zip(frame["accuracy"], frame["ci_low"], frame["ci_high"])])
    shown = cells.pivot(index="noise_level", columns="statistic",
                        values="cell")[list(result.statistics)]
    console.table(f"{what}: accuracy [{args.ci:.0%} CI] by noise level",
                  shown.reset_index())
    report.add_table(frame, name=f"{name}_noise",
                     caption=f"{what}: accuracy by noise level k (noise SD "
                             f"= k x {result.fraction:g} x the SD of each "
                             f"RDM; negative values set to 0).")
    report.add_figure(result.plot().figure, name=f"{name}_noise",
                      caption=f"{what}: accuracy against noise level with "
                              f"bootstrap bands.")


def _topo_statistic(spec):
    """The inference module's statistic object of a parsed statistic."""
    from .models import TopoStatistic

    if spec is None:
        return None
    name, lower, upper = spec
    if name == "rank":
        return TopoStatistic("rank_normalize")
    return TopoStatistic(name, lower=lower, upper=upper)


def _model_section(report, console, data, model_rdms, statistics, args,
                   name, what):
    """rsatoolbox model comparison with each statistic on shared samples."""
    import numpy as np
    import pandas as pd
    from rsatoolbox.model import ModelFixed

    from . import inference
    from .report import grouped_figure

    names = list(model_rdms.rdm_descriptors["name"])
    models = [ModelFixed(n, model_rdms.subset("name", n)) for n in names]
    console.say(f"\n{what}: {len(models)} models compared with each "
                f"statistic applied to data and models (Pearson r, "
                f"bootstrap of the images)")
    samples = inference.draw_samples(data, N=args.n_bootstrap,
                                     random_state=args.seed)
    tail = 50 * (1 - args.ci)
    rows = []
    for label, spec in statistics:
        result = inference.eval_bootstrap_pattern(
            models, data, method="corr", samples=samples,
            statistic=_topo_statistic(spec), n_jobs=args.n_jobs,
            progress=not args.quiet)
        evaluations = np.asarray(result.evaluations, dtype=float)
        evaluations = evaluations.reshape(len(evaluations), len(models), -1)
        evaluations = np.nanmean(evaluations, axis=2)
        low, high = np.nanpercentile(evaluations, [tail, 100 - tail], axis=0)
        ceiling = np.nanmean(np.asarray(result.noise_ceiling, dtype=float)
                             .reshape(2, -1), axis=1)
        for k, model in enumerate(names):
            rows.append({"statistic": label, "model": model,
                         "r": result.get_means()[k], "ci_low": low[k],
                         "ci_high": high[k], "ceiling_low": ceiling[0],
                         "ceiling_high": ceiling[1]})
    frame = pd.DataFrame(rows)
    shown = frame.pivot(index="model", columns="statistic", values="r")
    console.table(f"{what}: mean Pearson r with the data",
                  shown[[label for label, _ in statistics]].loc[names]
                  .round(3).reset_index())
    report.add_table(frame, name=f"{name}_models",
                     caption=f"{what}: Pearson r of each model with the "
                             f"data after the statistic, {args.ci:.0%} "
                             f"bootstrap interval over images "
                             f"({args.n_bootstrap} samples shared by all "
                             f"statistics) and the noise ceiling.")
    report.add_figure(
        grouped_figure(frame, x="model", group="statistic", value="r",
                       ylabel="Pearson r with the data"),
        name=f"{name}_models",
        caption=f"{what}: model evaluations per statistic with bootstrap "
                f"intervals.")


def _command_line(argv):
    import shlex

    return " ".join([PROG] + [shlex.quote(a) for a in argv])


def _finish(report, args, console):
    path = report.save(args.out / "report.html")
    console.say(f"\nWrote the report {path} (tables and figures in "
                f"{args.out}) in {console.elapsed():.0f} s.")


def _check_out(out, force):
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise CommandError(f"--out {out} exists and is not a folder.")
    if out.is_dir() and any(out.iterdir()) and not force:
        raise CommandError(
            f"--out {out} already holds files; use --force to replace them "
            f"or choose another folder.")


def _run_identify(args):
    from .io import read_rdms
    from .report import Report

    # before the (possibly long) reading and analysis
    _check_out(args.out, args.force)
    statistics = _statistics(args)
    rdms = read_rdms(args.path, pattern=args.pattern, labels=args.labels,
                     dissimilarity_measure=args.measure)
    _check_labels(rdms, args.by, args.across, args.path)
    args.out = prepare_output(args.out, args.force)
    console = _Console(args.quiet)
    report = Report(f"tRSA identification: {args.by} across {args.across}",
                    out_dir=args.out)
    report.add_code(_command_line(args.argv))
    report.add_text(
        f"{rdms.n_rdm} RDMs of {rdms.n_cond} conditions read from "
        f"{args.path} (dissimilarity: {rdms.dissimilarity_measure}). Each "
        f"RDM is assigned to the nearest class centroid ({args.by}) built "
        f"from the other groups ({args.across}), leaving one group out at a "
        f"time (Lin & Kriegeskorte 2024, PNAS).")
    from .identification import _N_BOOTSTRAP, _N_BOOTSTRAP_TOPOLOGY
    from .topology import METHODS

    what = f"{args.by} across {args.across}"
    topological = args.method in METHODS
    if args.n_bootstrap is None:
        args.n_bootstrap = _N_BOOTSTRAP_TOPOLOGY if topological \
            else _N_BOOTSTRAP
    if args.method != "euclidean":
        report.add_text(f"Comparator: {args.method} (--method).")
    _identification_section(report, console, rdms, args.by, args.across,
                            statistics, args, "identification", what)
    if topological and not (args.no_map and args.no_regimes):
        console.say(f"--method {args.method}: the (lower, upper) map and the "
                    "regimes are skipped (one identification per cell).")
        args.no_map = args.no_regimes = True
    if not args.no_map:
        _map_section(report, console, rdms, args.by, args.across, args,
                     "identification", what)
    if not args.no_regimes:
        _regime_section(report, console, rdms, args.by, args.across, args,
                        "identification", what)
    _finish(report, args, console)


def _run_demo(args):
    from .datasets import CITATION_92IMAGES, load_92images
    from .report import Report
    from .simulation import load_simulation_rdms

    args.out = prepare_output(args.out, args.force)
    console = _Console(args.quiet)
    statistics = [parse_statistic(s) for s in DEFAULT_STATISTICS]
    report = Report("tRSA demo: identifying representations with "
                    "geo-topological statistics", out_dir=args.out)
    report.add_code(_command_line(args.argv))
    report.add_text(
        "Topological RSA (Lin & Kriegeskorte 2024, PNAS, "
        "doi:10.1073/pnas.2317881121) asks whether a statistic of an RDM "
        "keeps what tells representations apart while discarding "
        "differences between individuals. A held-out individual's RDM is "
        "assigned to the nearest class centroid built from the other "
        "individuals; accuracies are shown with bootstrap intervals over "
        "individuals and conditions. Statistics: 'rdm' the RDM itself, "
        "'rank' its rank-normalised version, 'rgtm(l,u)' the "
        "geo-topological matrix with thresholds l and u, 'rgdm(l,u)' the "
        "geodesic distance matrix.")

    simulated = load_simulation_rdms()
    report.add_heading("Simulated networks: which layer is this?")
    report.add_text(
        f"{simulated.n_rdm} RDMs ({simulated.dissimilarity_measure}) of the "
        f"{len(set(simulated.rdm_descriptors['layer']))} layers of small "
        f"convolutional networks trained on handwritten digits from "
        f"{len(set(simulated.rdm_descriptors['seed']))} random seeds, for "
        f"{simulated.n_cond} held-out digit images (shipped with the "
        f"package; see rsatoolbox_topo.simulation). The layer of each "
        f"network's RDM is identified from the other networks' RDMs.")
    what = "Network layers across seeds"
    _identification_section(report, console, simulated, "layer", "seed",
                            statistics, args, "layers", what)
    _noise_section(report, console, simulated,
                   [parse_statistic(s) for s in DEMO_NOISE_STATISTICS],
                   args.noise, args, "layers", what)
    _map_section(report, console, simulated, "layer", "seed", args,
                 "layers", what)
    _regime_section(report, console, simulated, "layer", "seed", args,
                    "layers", what)

    hit = load_92images("hit")
    report.add_heading("Human IT fMRI: which subject is this?")
    report.add_text(
        "RDMs of human inferior temporal cortex for 92 object images, 4 "
        "subjects x 2 sessions (Kriegeskorte et al. 2008). Each session's "
        "RDM is assigned to a subject by the other session's RDMs: do the "
        "statistics keep what is individual about a subject's "
        "representation? Source: " + CITATION_92IMAGES)
    _identification_section(report, console, hit, "subject", "session",
                            statistics, args, "hit_subject",
                            "Human IT: subject across sessions")
    report.add_heading("Human IT fMRI: which model explains it?")
    report.add_text(
        "The 8 model RDMs shipped with the same data (animacy, "
        "face/body/man-made/natural categories, monkey IT, EVA, HMAX, V1, "
        "silhouette, RADON), evaluated against the 8 hIT RDMs with "
        "rsatoolbox's model comparison, each statistic applied to the data "
        "and the models after resampling the images "
        "(rsatoolbox_topo.inference).")
    _model_section(report, console, hit, load_92images("models"),
                   statistics, args, "hit_models", "Human IT: models")
    _finish(report, args, console)


def _run_simulate(args):
    try:
        import torch  # noqa: F401  (only to fail early and clearly)
    except ImportError:
        raise CommandError(
            "simulate needs torch, which is not installed; install it with "
            "pip install 'rsatoolbox-topo[torch]'.") from None
    from .report import Report
    from .simulation import simulate_layer_rdms

    if args.n_seeds < 2:
        raise CommandError("--n-seeds must be at least 2: a layer is "
                           "identified from the other seeds' networks.")
    statistics = _statistics(args)
    args.out = prepare_output(args.out, args.force)
    console = _Console(args.quiet)
    console.say(f"Training {args.n_seeds} networks ({args.epochs} epochs, "
                f"width {args.width}) and computing their layer RDMs")
    rdms = simulate_layer_rdms(
        seeds=range(args.n_seeds), epochs=args.epochs, width=args.width,
        n_per_digit=args.n_per_digit,
        cache_dir=False if args.no_cache else args.cache_dir,
        progress=not args.quiet)
    rdms.save(str(args.out / "layer_rdms.hdf5"), file_type="hdf5",
              overwrite=True)
    report = Report("tRSA simulation: identifying network layers across "
                    "seeds", out_dir=args.out)
    report.add_code(_command_line(args.argv))
    test_accuracy = sorted(set(rdms.rdm_descriptors["test_accuracy"]))
    report.add_text(
        f"{args.n_seeds} networks trained for {args.epochs} epochs (width "
        f"{args.width}); digit classification accuracy on the held-out "
        f"stimuli {min(test_accuracy):.2f} to {max(test_accuracy):.2f}. "
        f"{rdms.n_rdm} layer RDMs ({rdms.dissimilarity_measure}) of "
        f"{rdms.n_cond} stimuli are in layer_rdms.hdf5 (rsatoolbox format; "
        f"rsatoolbox-topo identify reads it).")
    what = "Network layers across seeds"
    _identification_section(report, console, rdms, "layer", "seed",
                            statistics, args, "layers", what)
    _noise_section(report, console, rdms, statistics, args.noise, args,
                   "layers", what)
    _finish(report, args, console)
