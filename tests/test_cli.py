"""Tests of the rsatoolbox-topo command: end to end, error paths, output."""

import argparse
import json
import os
import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from scipy.spatial.distance import pdist, squareform

from rsatoolbox_topo.cli import build_parser, main

ROIS = ("V1", "LOC", "FFA")


def run(*args, env=None, cwd=None):
    """Run the command in a fresh interpreter, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "rsatoolbox_topo", *map(str, args)],
        capture_output=True, text=True, timeout=300, env=env, cwd=cwd)


def one_line_error(stderr):
    """The error output is one line and no traceback."""
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    return lines[0]


def external_references(text):
    """src/href attributes that are not embedded data or a link inside the
    page to an existing id, and script/link tags."""
    refs = re.findall(r'(?:src|href)\s*=\s*["\']([^"\']*)', text)
    tags = re.findall(r"<(?:script|link)\b", text)
    ids = set(re.findall(r'\bid="([^"]+)"', text))
    return [r for r in refs if not r.startswith("data:")
            and not (r.startswith("#") and r[1:] in ids)] + tags


@pytest.fixture
def roi_folder(tmp_path, rng):
    """4 subjects x 3 ROIs; each ROI has its own geometry, subjects add noise.

    The ROIs are planted far apart, so every statistic identifies them all.
    """
    folder = tmp_path / "rdms"
    folder.mkdir()
    bases = {roi: pdist(rng.standard_normal((8, 4))) for roi in ROIS}
    for subject in range(1, 5):
        for roi in ROIS:
            vector = bases[roi] + 0.02 * rng.random(bases[roi].size)
            np.save(folder / f"sub-{subject}_{roi}.npy", squareform(vector))
    return folder


def identify_args(folder, out, *extra):
    """Arguments of a quick identify run on ``roi_folder``."""
    return ["identify", folder, "--pattern", "sub-{subject}_{roi}.npy",
            "--by", "roi", "--across", "subject", "--out", out,
            "--n-bootstrap", "5", "--quiet", *extra]


def test_identify_end_to_end(roi_folder, tmp_path):
    """identify writes tables, figures and a self-contained report."""
    out = tmp_path / "out"
    result = run(*identify_args(roi_folder, out, "--no-map", "--no-regimes",
                                "--statistic", "rank",
                                "--statistic", "rgtm:lower=0.5,upper=0.5"))
    assert result.returncode == 0, result.stderr
    table = pd.read_csv(out / "identification_accuracy.csv")
    assert table["statistic"].tolist() == ["rank", "rgtm(0.5,0.5)"]
    assert table["accuracy"].tolist() == [1.0, 1.0]  # planted structure
    assert table["chance"].tolist() == pytest.approx([1 / 3] * 2)
    assert (table["ci_low"] <= table["ci_high"]).all()
    assignments = pd.read_csv(out / "identification_assignments.csv")
    assert len(assignments) == 2 * 12
    assert (assignments["true_class"] == assignments["assigned"]).all()
    html = (out / "report.html").read_text()
    assert external_references(html) == []
    assert html.count("data:image/png;base64,") == 2
    assert {p.name for p in out.iterdir()} == {
        "identification_accuracy.csv", "identification_accuracy.png",
        "identification_confusion.png", "identification_assignments.csv",
        "report.html", "report.log"}
    log = (out / "report.log").read_text()
    assert "\r" not in log and "identification_accuracy" not in log
    assert re.search(r"rank\s+1\.000\s+\[1\.000, 1\.000\]\s+0\.333", log)


def test_identify_prints_the_table(roi_folder, tmp_path, capsys):
    """Without --quiet the accuracies are printed with their interval."""
    args = identify_args(roi_folder, tmp_path / "out", "--no-map",
                         "--no-regimes", "--statistic", "rdm")
    args.remove("--quiet")
    assert main([str(a) for a in args]) == 0
    out = capsys.readouterr().out
    assert re.search(r"rdm\s+1\.000\s+\[1\.000, 1\.000\]\s+0\.333", out), out
    assert out.count("95% interval (corrected)") == 1  # the method, once


def test_no_overwrite_without_force(roi_folder, tmp_path, capsys):
    """Existing output is kept unless --force is given."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    args = [str(a) for a in identify_args(
        roi_folder, out, "--no-map", "--no-regimes", "--statistic", "rdm")]
    assert main(args) == 1
    line = one_line_error(capsys.readouterr().err)
    assert "already holds files; use --force" in line
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    assert main(args + ["--force"]) == 0
    assert (out / "keep.txt").read_text() == "mine"
    assert (out / "report.html").exists()


def test_out_is_a_file(roi_folder, tmp_path, capsys):
    """--out naming a file is an error."""
    (tmp_path / "file").write_text("x")
    args = identify_args(roi_folder, tmp_path / "file", "--force")
    assert main([str(a) for a in args]) == 1
    assert "exists and is not a folder" in capsys.readouterr().err


def test_inconsistent_files_give_one_line(roi_folder, tmp_path, capsys):
    """A bad RDM file ends with one line naming it and exit status 1."""
    matrix = np.load(roi_folder / "sub-1_V1.npy")
    matrix[0, 1] += 1.0
    np.save(roi_folder / "sub-1_V1.npy", matrix)
    assert main([str(a) for a in identify_args(
        roi_folder, tmp_path / "out")]) == 1
    line = one_line_error(capsys.readouterr().err)
    assert re.search(r"sub-1_V1\.npy: the matrix is not symmetric", line)
    assert not (tmp_path / "out").exists()  # nothing written


@pytest.mark.parametrize("change, message", [
    (["--by", "region"], r"--by 'region' is not a label of the RDMs .*"
                         r"their labels are subject, roi, file"),
    (["--pattern", "subject{subject}_{roi}"], "does not match 12 of 12"),
    (["--labels", "missing.csv"], "'labels' parameter: cannot read"),
    (["--statistic", "rank", "--statistic", "rank"], "each statistic once"),
])
def test_input_errors(roi_folder, tmp_path, capsys, change, message):
    """Labels that do not fit are one-line errors with exit status 1."""
    args = [str(a) for a in identify_args(roi_folder, tmp_path / "out")]
    if change[0] in ("--by", "--pattern"):
        flag = args.index(change[0])
        args[flag:flag + 2] = change
    else:
        args += change
    assert main(args) == 1
    assert re.search(message, one_line_error(capsys.readouterr().err))


def test_analysis_errors_are_one_line(tmp_path, rng, capsys):
    """An error raised by the analysis (a missing ROI) is one line too."""
    for subject in (1, 2):
        for roi in ("V1", "FFA") if subject == 1 else ("V1",):
            np.save(tmp_path / f"sub-{subject}_{roi}.npy", pdist(
                rng.standard_normal((5, 2))))
    args = ["identify", str(tmp_path), "--pattern", "sub-{subject}_{roi}",
            "--by", "roi", "--across", "subject", "--quiet",
            "--out", str(tmp_path / "out"), "--n-bootstrap", "2"]
    assert main(args) == 1
    assert "Missing: 'FFA' of '2'" in one_line_error(capsys.readouterr().err)
    with pytest.raises(ValueError, match="Missing"):
        main(args + ["--traceback", "--force"])


@pytest.mark.parametrize("args, message", [
    (["demo", "--n-bootstrap", "0"], "--n-bootstrap: must be a positive"),
    (["demo", "--n-jobs", "0"], "--n-jobs: must be a positive integer or -1"),
    (["demo", "--seed", "-3"], "--seed: must be a non-negative integer"),
    (["demo", "--ci-level", "1.5"],
     "--ci-level: must be a number between 0 and 1"),
    (["identify", "x", "--by", "a", "--across", "b", "--map-step", "0.3"],
     "--map-step: must divide 1 into equal parts"),
    (["identify", "x", "--by", "a", "--across", "b", "--statistic",
      "rgtm:lower=0.8,upper=0.2"], "The 'lower' parameter must not exceed "
                                   "the 'upper' parameter"),
    (["identify", "x", "--by", "a", "--across", "b", "--statistic",
      "rgtm:0.2,0.8"], "parameters are keywords, e.g. "
                       "rgtm:lower=0.2,upper=0.8"),
    (["identify", "x", "--by", "a", "--across", "b", "--statistic",
      "median"], "--statistic: must be 'rdm' (the RDM itself), a "
                 "statistic's name"),
    (["identify", "x", "--by", "a", "--across", "b", "--statistic",
      '{"name": "rgtm", "lower": 0.2}'], "must be {'name': ..., "
                                         "'params': {...}}"),
    (["identify", "x"], "required: --by, --across"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    ([], "required: COMMAND"),
])
def test_bad_arguments(capsys, args, message):
    """Bad arguments: one line pointing to --help, exit status 2."""
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 2
    line = one_line_error(capsys.readouterr().err)
    assert message in line and "--help')" in line


@pytest.mark.parametrize("ci_method", ["percentile", "bca"])
def test_ci_method_reaches_the_tables(tmp_path, rng, capsys, ci_method):
    """--ci-method gives the interval bootstrap_identify gives with that
    method (same seed and samples), and the table names it once."""
    from rsatoolbox_topo.identification import bootstrap_identify
    from rsatoolbox_topo.io import read_rdms

    folder = tmp_path / "noisy"
    folder.mkdir()
    bases = {roi: pdist(rng.standard_normal((8, 4))) for roi in ROIS}
    for subject in range(1, 7):  # noise of the bases' size: errors happen
        for roi in ROIS:
            vector = np.abs(bases[roi]
                            + 1.5 * rng.standard_normal(bases[roi].size))
            np.save(folder / f"sub-{subject}_{roi}.npy", squareform(vector))
    out = tmp_path / "out"
    args = identify_args(folder, out, "--no-map", "--no-regimes",
                         "--statistic", "rdm", "--ci-method", ci_method)
    args[args.index("--n-bootstrap") + 1] = "40"
    args.remove("--quiet")
    assert main([str(a) for a in args]) == 0
    assert capsys.readouterr().out.count(f"95% interval ({ci_method})") == 1
    table = pd.read_csv(out / "identification_accuracy.csv")
    rdms = read_rdms(folder, pattern="sub-{subject}_{roi}.npy")
    want = bootstrap_identify(rdms, "roi", "subject", n_bootstrap=40,
                              random_state=0, ci_method=ci_method)
    assert table["accuracy"].tolist() == pytest.approx([want.accuracy])
    assert (table["ci_low"][0], table["ci_high"][0]) == \
        pytest.approx(want.ci, abs=1e-12)
    default = bootstrap_identify(rdms, "roi", "subject", n_bootstrap=40,
                                 random_state=0)
    assert default.ci != pytest.approx(want.ci)  # the option mattered


def test_every_option_is_explained_with_examples():
    """--help of each command has examples and a help text for every option."""
    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices
    assert set(commands) >= {"demo", "identify"}
    for name, sub in commands.items():
        text = sub.format_help()
        assert "examples:" in text and f"rsatoolbox-topo {name}" in text
        for action in sub._actions:
            assert action.help, (name, action.dest)
            if action.help == argparse.SUPPRESS:  # a renamed flag's alias
                continue
            for option in action.option_strings:
                assert option in text


def test_help_in_a_subprocess_and_version(capsys):
    """--help works from the command line; --version exits 0."""
    result = run("identify", "--help")
    assert result.returncode == 0
    assert "--pattern PATTERN" in result.stdout and "examples:" in \
        result.stdout
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0
    assert re.match(r"rsatoolbox-topo \d+\.\d+", capsys.readouterr().out)


def test_same_seed_same_numbers(roi_folder, tmp_path, rng):
    """The same --seed gives the same intervals, another seed others."""
    # noisier RDMs, so that the bootstrap intervals are not all [1, 1]
    for file in roi_folder.iterdir():
        np.save(file, squareform(squareform(np.load(file))
                                 + 4 * rng.random(28)))
    tables = []
    for out, seed in (("a", "4"), ("b", "4"), ("c", "5")):
        args = identify_args(roi_folder, tmp_path / out, "--no-map",
                             "--no-regimes", "--statistic",
                             "rgtm:lower=0.2,upper=0.8",
                             "--seed", seed, "--n-bootstrap", "20")
        assert main([str(a) for a in args]) == 0
        tables.append(pd.read_csv(tmp_path / out /
                                  "identification_accuracy.csv"))
    pd.testing.assert_frame_equal(tables[0], tables[1])
    assert tables[0]["ci_low"].iloc[0] < 1  # the intervals are not trivial
    assert not tables[0].equals(tables[2])


def test_demo_end_to_end(tmp_path):
    """The demo runs offline and writes a self-contained report."""
    out = tmp_path / "demo"
    result = run("demo", "--out", out, "--n-bootstrap", "3",
                 "--map-step", "0.25", "--n-draws", "1", "--noise", "0", "4")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert re.search(r"rgtm\(0\.5,0\.5\)\s+\d\.\d+\s+\[", result.stdout)
    html = (out / "report.html").read_text()
    assert external_references(html) == []
    assert "Kriegeskorte" in html  # the data is cited
    pngs = sorted(out.glob("*.png"))
    assert pngs and html.count("data:image/png;base64,") == len(pngs)
    names = {"rdm", "rank", "rgtm(0.2,0.8)", "rgtm(0.5,0.5)", "rgdm(0,0.5)"}
    hit = pd.read_csv(out / "hit_subject_accuracy.csv")
    assert set(hit["statistic"]) == names and (hit["chance"] == 0.25).all()
    layers = pd.read_csv(out / "layers_accuracy.csv")
    assert set(layers["statistic"]) == names
    assert (layers["chance"] == 0.1).all()
    # the real RDM identifies the layer well above chance (shipped data)
    assert layers.set_index("statistic").loc["rdm", "accuracy"] > 0.5
    noise = pd.read_csv(out / "layers_noise.csv")
    assert sorted(set(noise["noise_level"])) == [0.0, 4.0]
    cells = pd.read_csv(out / "layers_threshold_map.csv")
    assert len(cells) == 15  # 0 <= lower <= upper <= 1 in steps of 0.25
    regimes = pd.read_csv(out / "layers_regimes.csv")
    assert regimes["regime"].iloc[-1] == "rank RDM"
    assert "nested cross-validation" in result.stdout
    models = pd.read_csv(out / "hit_models_models.csv")
    assert len(models) == 8 * 5 and set(models["statistic"]) == names
    # the monkey IT model correlates with human IT (Kriegeskorte et al.)
    best = models[models["statistic"] == "rdm"].set_index("model")["r"]
    assert best["monkeyIT"] > 0.1 and best["monkeyIT"] > best["V1"]
    # the precomputed RTD evaluation (labelled persistent homology)
    rtd = pd.read_csv(out / "topology_identification.csv")
    assert {"rtd", "labelfree-bottleneck"} <= set(rtd["comparator"])
    assert "precomputed" in result.stdout
    # the story: layers, then models, then individuality; conclusions first
    order = [html.index(h) for h in (
        "What this run shows", "1. Simulated networks",
        "Beyond thresholds: persistent homology (RTD)", "2. Human IT fMRI",
        "3. Human IT fMRI", '<h2 id="notes">Notes</h2>')]
    assert order == sorted(order)
    # warnings are notes: printed once, at the end, naming the analysis
    # and statistic; the report lists them and table rows link to them
    assert ": warning: " not in result.stderr
    err = result.stderr.strip().splitlines()
    notes = [line for line in err if re.match(r"\[\d+\] ", line)]
    assert notes and err[-len(notes):] == notes
    assert len(notes) == len(set(notes))
    assert any(line.startswith(("[1] Layers across seeds, rgdm(0,0.5)",
                                "[1] Human IT: models, ")) for line in notes)
    assert "run it on the full data" not in result.stderr
    assert "Use lower=0" not in result.stderr  # the demo's lower is 0
    assert html.count('<li id="note-') == len(notes)
    assert 'class="note" href="#note-' in html
    # no progress bar outside a terminal, and a plain log
    assert "\r" not in result.stderr
    log = (out / "report.log").read_text()
    assert "\r" not in log and "What this run shows" not in log
    assert log.splitlines()[-len(notes):] == notes


def test_simulate_without_torch_says_so(tmp_path):
    """Without torch, simulate ends with one line naming the extra."""
    fake = tmp_path / "fake"
    (fake / "torch").mkdir(parents=True)
    (fake / "torch" / "__init__.py").write_text(
        "raise ImportError('No module named torch')\n")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [str(fake), os.environ.get("PYTHONPATH", "")]))
    result = run("simulate", "--out", tmp_path / "out", env=env)
    assert result.returncode == 1
    line = one_line_error(result.stderr)
    assert "simulate needs torch" in line
    assert "pip install '.[torch]' in the rsatoolbox_topo folder" in line
    assert not (tmp_path / "out").exists()


def test_simulate_then_identify_its_rdms(tmp_path, capsys):
    """simulate trains tiny networks; identify reads the RDMs it saved."""
    pytest.importorskip("torch")
    out = tmp_path / "sim"
    assert main(["simulate", "--out", str(out), "--n-seeds", "2",
                 "--epochs", "1", "--width", "4", "--n-per-digit", "1",
                 "--no-cache", "--n-bootstrap", "2", "--noise", "0", "3",
                 "--statistic", "rank", "--quiet"]) == 0
    noise = pd.read_csv(out / "layers_noise.csv")
    assert noise["noise_level"].tolist() == [0.0, 3.0]
    assert (noise["chance"] == 0.1).all()
    again = tmp_path / "again"
    assert main(["identify", str(out / "layer_rdms.hdf5"), "--by", "layer",
                 "--across", "seed", "--statistic", "rank", "--no-map",
                 "--no-regimes", "--n-bootstrap", "2", "--quiet",
                 "--out", str(again)]) == 0
    first = pd.read_csv(out / "layers_accuracy.csv")
    second = pd.read_csv(again / "identification_accuracy.csv")
    assert second["accuracy"].tolist() == first["accuracy"].tolist()
    capsys.readouterr()


def test_simulate_needs_two_seeds(tmp_path, capsys):
    """One seed cannot be identified across seeds."""
    pytest.importorskip("torch")
    assert main(["simulate", "--n-seeds", "1", "--out",
                 str(tmp_path / "o")]) == 1
    assert "--n-seeds must be at least 2" in capsys.readouterr().err


def test_identify_with_map_and_regimes(roi_folder, tmp_path):
    """The (l, u) map and the regime comparison are written and reported."""
    out = tmp_path / "out"
    args = identify_args(roi_folder, out, "--statistic", "rank",
                         "--map-step", "0.5", "--n-draws", "1")
    assert main([str(a) for a in args]) == 0
    cells = pd.read_csv(out / "identification_threshold_map.csv")
    assert cells["accuracy"].is_monotonic_decreasing  # best first
    assert sorted(zip(cells["lower"], cells["upper"])) == [
        (0, 0), (0, 0.5), (0, 1), (0.5, 0.5), (0.5, 1), (1, 1)]
    # planted ROIs: the rank RDM (0, 1) identifies all of them
    assert cells.set_index(["lower", "upper"]).loc[(0, 1), "accuracy"] == 1
    regimes = pd.read_csv(out / "identification_regimes.csv")
    assert regimes["regime"].tolist()[-1] == "rank RDM"
    assert regimes["diff_vs_baseline"].iloc[-1] == 0
    html = (out / "report.html").read_text()
    assert "nested cross-validation" in html and external_references(html) \
        == []
    assert html.count("data:image/png;base64,") == 4


def test_identify_with_labels_table(roi_folder, tmp_path, capsys):
    """Labels from a CSV table work like labels from the file names."""
    files = sorted(p.name for p in roi_folder.iterdir())
    table = pd.DataFrame({"file": files,
                          "area": [f.split("_")[1][:-4] for f in files],
                          "person": [f.split("_")[0] for f in files]})
    table.to_csv(tmp_path / "labels.csv", index=False)
    out = tmp_path / "out"
    assert main(["identify", str(roi_folder), "--labels",
                 str(tmp_path / "labels.csv"), "--by", "area", "--across",
                 "person", "--statistic", "rdm", "--no-map", "--no-regimes",
                 "--n-bootstrap", "2", "--quiet", "--out", str(out)]) == 0
    table = pd.read_csv(out / "identification_accuracy.csv")
    assert table["accuracy"].tolist() == [1.0]
    assignments = pd.read_csv(out / "identification_assignments.csv")
    assert set(assignments["true_class"]) == set(ROIS)


@pytest.mark.parametrize("text, name, params, label", [
    ("rdm", None, None, "rdm"),
    ("rank", "rank_normalize", {}, "rank"),
    ("rank_normalize", "rank_normalize", {}, "rank"),
    ("rgtm", "rgtm", {}, "rgtm"),
    ("rgtm:lower=0.2,upper=0.8", "rgtm", {"lower": 0.2, "upper": 0.8},
     "rgtm(0.2,0.8)"),
    (" rgdm:lower=0, upper=0.5 ", "rgdm", {"lower": 0, "upper": 0.5},
     "rgdm(0,0.5)"),
    ("rgdm:graph=k-nearest,k=7", "rgdm", {"graph": "k-nearest", "k": 7},
     "rgdm(graph='k-nearest', k=7)"),
    (json.dumps({"name": "rgtm", "params": {"lower": 0.4, "upper": 0.6}}),
     "rgtm", {"lower": 0.4, "upper": 0.6}, "rgtm(0.4,0.6)"),
])
def test_statistic_spellings(text, name, params, label):
    """--statistic takes the one spelling family and gives TopoStatistic."""
    from rsatoolbox_topo.cli import parse_statistic, statistic_label
    from rsatoolbox_topo.statistics import TopoStatistic

    statistic = parse_statistic(text)
    assert statistic_label(statistic) == label
    if name is None:
        assert statistic is None
        return
    assert statistic == TopoStatistic(name, **params)
    assert statistic.to_dict() == {"name": name, "params": params}
    # what to_dict writes is read back as the same statistic
    assert parse_statistic(json.dumps(statistic.to_dict())) == statistic


def test_renamed_flags_still_work():
    """The flags of earlier versions are hidden aliases of the new ones."""
    parser = build_parser()
    new = parser.parse_args(["demo", "--ci-level", "0.9", "--random-state",
                             "4", "--n-noise-draws", "3"])
    old = parser.parse_args(["demo", "--ci", "0.9", "--seed", "4",
                             "--noise-draws", "3"])
    for args in (new, old):
        assert (args.ci_level, args.random_state, args.n_noise_draws) == \
            (0.9, 4, 3)
    assert not hasattr(old, "ci") and not hasattr(old, "seed")
    default = parser.parse_args(["identify", "x", "--by", "a", "--across",
                                 "b", "--measure", "euclidean"])
    assert default.dissimilarity == "euclidean"
    assert (default.ci_level, default.random_state) == (0.95, 0)
    demo_help = parser._subparsers._group_actions[0].choices["demo"]
    text = demo_help.format_help()
    assert "--ci-level" in text and "--ci " not in text
    assert "--seed" not in text
