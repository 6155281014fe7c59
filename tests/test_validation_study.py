"""Building blocks of the interval validation study (validation/).

The study itself (validation/interval_coverage.py) is a script; these tests
check that its population, its null constructions and its bookkeeping are
what its documentation says. No timing here.
"""

import dataclasses
import importlib.util
import pathlib

import numpy as np
import pytest
from rsatoolbox.rdm import RDMs

from rsatoolbox_topo.identification import identify

_PATH = pathlib.Path(__file__).parents[1] / "validation" / \
    "interval_coverage.py"


@pytest.fixture(scope="module")
def study():
    """The study script, imported as a module."""
    spec = importlib.util.spec_from_file_location("interval_coverage", _PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _setting(study, **changes):
    base = study.Setting("tiny", "test", n_ind=4, signal=0.5, n_class=3,
                         n_cond=8)
    return dataclasses.replace(base, **changes)


def test_data_set_layout(study):
    """One RDM per (class, individual), offsets by pair group."""
    st = _setting(study)
    pop = study.Population(st, 0)
    rdms = pop.draw(np.random.default_rng(1))
    assert rdms.n_rdm == st.n_ind * st.n_class
    assert rdms.n_cond == st.n_cond
    assert sorted(set(rdms.rdm_descriptors["class"])) == [0, 1, 2]
    values = rdms.dissimilarities
    for group, (low, high) in enumerate(((0, 2), (3, 5), (6, 8))):
        inside = values[:, pop.pair_group == group]
        assert inside.min() >= low and inside.max() <= high


def test_no_class_information_gives_chance(study):
    """signal = 0: the expected accuracy is exactly 1 / n_classes."""
    st = _setting(study, signal=0.0)
    pop = study.Population(st, 0)
    rng = np.random.default_rng(2)
    acc = np.array([identify(pop.draw(rng), "class", "individual").accuracy
                    for _ in range(300)])
    se = acc.std(ddof=1) / np.sqrt(len(acc))
    assert abs(acc.mean() - 1 / 3) < 4 * se


def test_strong_signal_without_noise_is_perfect(study):
    """Large class templates, no deviations or noise: accuracy 1."""
    st = _setting(study, signal=50.0, deviation=0.0, shared=0.0, noise=0.0)
    pop = study.Population(st, 0)
    rng = np.random.default_rng(3)
    for _ in range(5):
        assert identify(pop.draw(rng), "class", "individual").accuracy == 1


def test_offsets_do_not_change_the_raw_rdm_accuracy(study):
    """Per-pair offsets shared by all RDMs leave every distance unchanged."""
    pop = study.Population(_setting(study), 0)
    rdms = pop.draw(np.random.default_rng(4))
    plain = RDMs(rdms.dissimilarities - pop.offsets,
                 rdm_descriptors=dict(rdms.rdm_descriptors))
    a = identify(rdms, "class", "individual")
    b = identify(plain, "class", "individual")
    assert a.accuracy == b.accuracy
    np.testing.assert_allclose(a.distances, b.distances, rtol=1e-9)


def test_paired_statistics_are_mirror_images(study):
    """Swapping the two condition groups turns statistic A into B."""
    st = _setting(study)
    pop = study.Population(st, 0)
    rdms = pop.draw(np.random.default_rng(5))
    n, half = st.n_cond, st.n_cond // 2
    square = rdms.get_matrices()
    base = np.zeros((n, n))
    iu = np.triu_indices(n, 1)
    base[iu] = pop.offsets
    base = base + base.T
    swap = np.r_[half:n, 0:half]
    swapped = (square - base)[:, swap][:, :, swap] + base
    other = RDMs(swapped, rdm_descriptors=dict(rdms.rdm_descriptors))
    a_swapped = study.group1_pairs(other).get_matrices()
    b = study.group2_pairs(rdms).get_matrices()
    np.testing.assert_allclose(a_swapped, b[:, swap][:, :, swap],
                               atol=1e-12)
    # Each statistic keeps only its own group's pairs.
    a = study.group1_pairs(rdms).dissimilarities
    assert np.all(a[:, pop.pair_group != 0] == 0)
    assert np.all(a[:, pop.pair_group == 0] > 0)


def test_paired_statistics_keep_missing_pairs(study):
    """A NaN pair stays NaN (the bootstrap drops it), it does not become 0."""
    pop = study.Population(_setting(study), 0)
    rdms = pop.draw(np.random.default_rng(6))
    values = rdms.dissimilarities.copy()
    values[:, 0] = np.nan
    rdms = RDMs(values, rdm_descriptors=dict(rdms.rdm_descriptors))
    for statistic in (study.group1_pairs, study.group2_pairs):
        out = statistic(rdms).dissimilarities
        assert np.all(np.isnan(out[:, 0]))
        assert not np.any(np.isnan(out[:, 1:]))


def test_wilson_interval_known_answer(study):
    """Wilson 95% interval of 5/10 and 0/10."""
    low, high = study.wilson(5, 10)
    assert low == pytest.approx(0.2366, abs=1e-4)
    assert high == pytest.approx(0.7634, abs=1e-4)
    low, high = study.wilson(0, 10)
    assert low == pytest.approx(0.0, abs=1e-12)
    assert high == pytest.approx(0.2775, abs=1e-4)


def test_variance_components_known_answer(study):
    """A pure row effect is all 'individuals'; a pure column effect all
    'conditions'."""
    rows = np.repeat(np.arange(6.0)[:, None], 5, axis=1)
    np.testing.assert_allclose(study.variance_components(rows), (1, 0, 0),
                               atol=1e-12)
    np.testing.assert_allclose(study.variance_components(rows.T), (0, 1, 0),
                               atol=1e-12)


def test_choose_default_rule(study):
    """Goal reached where achievable; elsewhere the highest coverage."""
    table = {("a", "x"): 0.95, ("a", "y"): 0.94, ("a", "z"): 0.90,
             ("b", "x"): 0.85, ("b", "y"): 0.88, ("b", "z"): 0.91}
    rows = [{"setting": s, "method": m, "coverage": c}
            for (s, m), c in table.items()]
    method, reason = study.choose_default(rows, ["x", "y", "z"])
    # z misses 0.93 in the achievable setting a; y covers b best after it.
    assert method == "y"
    assert "b (y: 0.880)" in reason


def test_data_sets_do_not_depend_on_chunking(study):
    """Data set 1 is the same computed alone or after data set 0."""
    st = _setting(study)
    for part in ("main", "paired"):
        both = study._resample_task(st, 7, 0, 2, 20, part)
        alone = study._resample_task(st, 7, 1, 2, 20, part)
        for key in both:
            if key not in ("seconds", "wall"):
                np.testing.assert_array_equal(both[key][1], alone[key][0])


def test_quick_mode_runs(study, tmp_path):
    """The --quick size runs end to end and writes its tables."""
    from rsatoolbox_topo._resampling import INTERVAL_METHODS

    default = study.main(["--quick", "--settings", "null-5",
                          "--raw", str(tmp_path / "raw"),
                          "--out", str(tmp_path / "out")])
    assert default in INTERVAL_METHODS
    coverage = (tmp_path / "out" / "coverage.csv").read_text().splitlines()
    assert len(coverage) == 1 + len(INTERVAL_METHODS)
    tests = (tmp_path / "out" / "tests_display.csv").read_text()
    assert "chance: percentile lower bound > chance" in tests
    # A fresh run gets 'main' and 'bca' from one call, cached as two parts.
    folder = study._raw_dir(str(tmp_path / "raw"), 2024, 50)
    bca = study._load_part(folder, "null-5", "bca")
    assert bca["with_main"].all() and len(bca["index"]) == 12
    summary = (tmp_path / "out" / "summary.rst").read_text()
    assert "12 'bca' results came from the 'main' call" in summary


def test_study_methods_are_the_packages(study):
    """The study evaluates every interval method the package offers."""
    from rsatoolbox_topo._resampling import INTERVAL_METHODS

    assert study.METHODS == INTERVAL_METHODS
    assert set(study.FROM_CORRECTED) | {"bca"} == set(INTERVAL_METHODS)


def test_study_imports_nothing_private():
    """validation/ uses only the package's public API."""
    import ast

    for path in _PATH.parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                modules = [node.module or ""]
                names = [a.name for a in node.names]
            elif isinstance(node, ast.Import):
                modules, names = [a.name for a in node.names], []
            else:
                continue
            for module in modules:
                if module.split(".")[0] != "rsatoolbox_topo":
                    continue
                private = [p for p in module.split(".") + names
                           if p.startswith("_")]
                assert not private, f"{path.name} imports {private}"


def test_study_intervals_are_the_public_ones(study):
    """Every interval the study stores is what
    ``bootstrap_identify(...).confidence_interval`` gives users for the
    same seed."""
    from rsatoolbox_topo.identification import bootstrap_identify

    st = _setting(study)
    rdms = study.Population(st, 0).draw(np.random.default_rng(8))
    main = study.resample(rdms, 40, 3, "main")
    bca = study.resample(rdms, 40, 3, "bca")
    for ci_method, res, methods in (("corrected", main,
                                     study.FROM_CORRECTED),
                                    ("bca", bca, ("bca",))):
        boot = bootstrap_identify(rdms, "class", "individual",
                                  n_bootstrap=40, random_state=3,
                                  ci_method=ci_method)
        assert res["estimate"] == boot.accuracy
        for j, method in enumerate(methods):
            got = boot.confidence_interval(ci_method=method, ci_level=0.95)
            np.testing.assert_array_equal((res["low"][j], res["high"][j]),
                                          got)
    # The default's interval is the result's own.
    boot = bootstrap_identify(rdms, "class", "individual", n_bootstrap=40,
                              random_state=3)
    j = study.FROM_CORRECTED.index("corrected")
    assert (main["low"][j], main["high"][j]) == boot.ci


def test_main_and_bca_from_one_call(study, tmp_path):
    """'main+bca' gives the numbers of the two parts computed apart."""
    st = _setting(study)
    both = study._resample_task(st, 7, 0, 2, 20, "main+bca")
    main, bca = study.split_main_bca(dict(both, index=np.arange(2)))
    for part, got in (("main", main), ("bca", bca)):
        alone = study._resample_task(st, 7, 0, 2, 20, part)
        for key in ("estimate", "low", "high", "capped"):
            if key in alone:
                np.testing.assert_array_equal(got[key], alone[key])
    assert np.isnan(bca["seconds"]).all() and bca["with_main"]


def test_capped_matches_the_variance_formula(study):
    """The study's 'capped' flag (read off the public interval) is the
    formula's cap of the corrected variance at the two-factor variance."""
    from rsatoolbox_topo._resampling import _corrected_variance
    from rsatoolbox_topo.identification import bootstrap_identify

    seen = set()
    for seed in range(6):
        st = _setting(study, n_ind=3 + seed % 3)
        rdms = study.Population(st, seed).draw(
            np.random.default_rng(seed))
        boot = bootstrap_identify(rdms, "class", "individual",
                                  n_bootstrap=30, random_state=seed)
        v = np.var(boot.samples, ddof=1)
        var = _corrected_variance(
            v, np.var(boot.one_factor_individuals, ddof=1),
            np.var(boot.one_factor_conditions, ddof=1), boot.n_individuals,
            boot.n_conditions)
        flag = study._capped(boot)
        if np.isfinite(flag):
            assert flag == float(np.isclose(var, v, rtol=1e-12))
            seen.add(flag)
    assert seen, "every interval was clipped on both sides"


def test_study_paired_test_is_compare_statistics(study):
    """The study's paired p-value of A vs B is ``compare_statistics``'s,
    whatever the interval method."""
    from rsatoolbox_topo.identification import compare_statistics

    st = _setting(study)
    rdms = study.Population(st, 0).draw(np.random.default_rng(9))
    res = study.resample(rdms, 40, 4, "paired")
    comp = compare_statistics(rdms, "class", "individual",
                              [study.group1_pairs, study.group2_pairs],
                              baseline=0, n_bootstrap=40, random_state=4)
    np.testing.assert_array_equal(comp.accuracy, res["acc_ab"])
    assert comp.p_value[1] == res["p"]
    assert 0 < res["p"] <= 1


def test_coverage_rows_use_each_methods_count(study):
    """A method evaluated on fewer data sets is counted over those only."""
    low = np.array([[0.1, 0.1], [0.1, np.nan], [0.9, np.nan]])
    high = np.array([[0.5, 0.5], [0.5, np.nan], [1.0, np.nan]])
    rows = study.coverage_rows("s", np.full(3, 0.3), low, high,
                               ["a", "b"], 0.3, counts=[3, 1])
    assert [(r["method"], r["n"], r["coverage"]) for r in rows] == [
        ("a", 3, pytest.approx(2 / 3)), ("b", 1, 1.0)]
    assert rows[0]["truth_below"] == pytest.approx(1 / 3)


def test_import_previous_checks_against_the_public_api(study, tmp_path):
    """Earlier results are imported only where they equal the public
    API's; a wrong value is refused."""
    st = next(s for s in study.SETTINGS if s.name == "hard-5")
    fresh = {part: study._resample_task(st, 5, 0, 2, 20, part)
             for part in ("bca", "paired")}
    columns = ["estimate"] + [f"{m}_{e}" for e in ("low", "high")
                              for m in study.METHODS] + ["acc_a", "acc_b",
                                                         "paired_p"]
    table = np.full((2, len(columns)), np.nan)
    table[:, columns.index("estimate")] = fresh["bca"]["estimate"]
    table[:, columns.index("bca_low")] = fresh["bca"]["low"][:, 0]
    table[:, columns.index("bca_high")] = fresh["bca"]["high"][:, 0]
    table[:, columns.index("acc_a")] = fresh["paired"]["acc_ab"][:, 0]
    table[:, columns.index("acc_b")] = fresh["paired"]["acc_ab"][:, 1]
    table[:, columns.index("paired_p")] = fresh["paired"]["p"]
    np.savez(tmp_path / "good.npz", columns=np.array(columns),
             **{"hard-5": table})
    folder = tmp_path / "raw"
    folder.mkdir()
    study.import_previous(str(tmp_path / "good.npz"), str(folder), 5, 20,
                          n_verify=2)
    got = study._load_part(str(folder), "hard-5", "paired")
    np.testing.assert_array_equal(got["p"], fresh["paired"]["p"])
    assert got["imported"].all()
    table[1, columns.index("paired_p")] += 0.01
    np.savez(tmp_path / "bad.npz", columns=np.array(columns),
             **{"hard-5": table})
    with pytest.raises(ValueError, match="hard-5 paired p differs"):
        study.import_previous(str(tmp_path / "bad.npz"),
                              str(tmp_path), 5, 20, n_verify=2)


def test_intervals_keep_each_parts_count(study):
    """'bca' may cover more data sets than 'main' (imported); the rows of
    each method are its own part's, and the parts must agree on the
    estimates they share."""
    k = len(study.FROM_CORRECTED)
    main = {"estimate": np.array([0.5, 0.6]),
            "low": np.zeros((2, k)), "high": np.ones((2, k))}
    bca = {"estimate": np.array([0.5, 0.6, 0.7]),
           "low": np.full((3, 1), 0.1), "high": np.full((3, 1), 0.9)}
    estimate, low, high, counts = study.intervals({"main": main,
                                                   "bca": bca})
    j = study.METHODS.index("bca")
    assert counts == [3 if m == "bca" else 2 for m in study.METHODS]
    np.testing.assert_array_equal(estimate, [0.5, 0.6, 0.7])
    np.testing.assert_array_equal(low[:, j], [0.1] * 3)
    assert np.isnan(low[2, study.METHODS.index("corrected")])
    bca["estimate"][1] = 0.65
    with pytest.raises(ValueError, match="disagree"):
        study.intervals({"main": main, "bca": bca})
