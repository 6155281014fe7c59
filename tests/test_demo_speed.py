"""Work the demo saves must not change a number.

One regime comparison with the RDM serves both baselines
(``RegimeComparison.against``), and a one-factor bootstrap of the
individuals transforms the RDMs once (a ``TopoStatistic`` acts on each RDM
on its own): both must give exactly what the longer computation gives.
"""

import warnings

import numpy as np
import pytest

from rsatoolbox_topo.identification import (RANK_RDM, bootstrap_identify,
                                            compare_regimes,
                                            compare_statistics)
from rsatoolbox_topo.exceptions import TopoWarning
from rsatoolbox_topo.simulation import load_simulation_rdms
from rsatoolbox_topo.statistics import TopoStatistic

FIELDS = ("accuracy", "samples", "ci_low", "ci_high", "diff", "diff_ci_low",
          "diff_ci_high", "p_value")


@pytest.fixture(scope="module")
def layers():
    """5 seeds x 10 layers of the shipped simulation (100 conditions)."""
    return load_simulation_rdms().subset("seed", [0, 1, 2, 3, 4])


def test_one_regime_run_serves_both_baselines(layers):
    """against('rank RDM') of the run with the RDM equals the rank run."""
    both = compare_regimes(layers, "layer", "seed", n_draws=2, n_bootstrap=6,
                           random_state=3, baseline="rdm")
    rank = compare_regimes(layers, "layer", "seed", n_draws=2, n_bootstrap=6,
                           random_state=3, baseline="rank")
    got = both.against(RANK_RDM)
    assert got.baseline == RANK_RDM and both.baseline == "RDM"
    assert got.names[:len(rank.names)] == rank.names
    k = len(rank.names)
    for field in FIELDS:
        np.testing.assert_array_equal(
            np.asarray(getattr(got, field))[..., :k], getattr(rank, field),
            err_msg=field)
    # the RDM against the rank RDM is the opposite of the reverse
    rdm = got.names.index("RDM")
    assert got.diff[rdm] == -both.diff[both.names.index(RANK_RDM)]
    assert "diff_vs_rank" in got.to_frame() and "diff_vs_rdm" in \
        both.to_frame()
    # the original is not changed
    assert both.baseline == "RDM" and both.diff[-1] == 0


def test_against_names_the_allowed_baselines(layers):
    comp = compare_statistics(layers, "layer", "seed",
                              {"RDM": None, "rank": "rank_normalize"},
                              n_bootstrap=4, random_state=0)
    rank = comp.against("rank")
    assert rank.diff[1] == 0 and rank.p_value[1] == 1
    assert rank.diff[0] == -comp.diff[1] != 0
    np.testing.assert_array_equal(rank.ci_low, comp.ci_low)
    with pytest.raises(ValueError, match="'baseline' parameter.*'median'"):
        comp.against("median")


@pytest.mark.parametrize("statistic", [
    TopoStatistic("rgdm", lower=0, upper=0.5),
    TopoStatistic("rgtm", lower=0.2, upper=0.8, normalize="minmax"),
])
def test_one_factor_individuals_transform_once(layers, statistic):
    """A TopoStatistic is applied once for the individuals-only bootstrap;
    an opaque callable per sample: the same numbers."""
    with warnings.catch_warnings(record=True) as fast_warnings:
        warnings.simplefilter("always", TopoWarning)
        fast = bootstrap_identify(layers, "layer", "seed", statistic,
                                  n_bootstrap=5, random_state=1)
    with warnings.catch_warnings(record=True) as literal_warnings:
        warnings.simplefilter("always", TopoWarning)
        literal = bootstrap_identify(layers, "layer", "seed",
                                     lambda rdms: statistic(rdms),
                                     n_bootstrap=5, random_state=1)
    # the same warnings (e.g. rgdm's resampled ties in a two-factor sample)
    assert [str(w.message) for w in fast_warnings] == \
        [str(w.message) for w in literal_warnings]
    for field in ("samples", "one_factor_individuals",
                  "one_factor_conditions"):
        np.testing.assert_array_equal(getattr(fast, field),
                                      getattr(literal, field), err_msg=field)
    assert fast.ci == literal.ci
    # the individuals-only samples differ from sample to sample
    assert len(set(fast.one_factor_individuals)) > 1


def test_cli_scores_plain_rgtms_in_one_pass(layers):
    """The command line's accuracy table (plain RGTMs through
    compare_statistics) equals bootstrap_identify per statistic, up to the
    summation order of the interval's variance."""
    from types import SimpleNamespace

    from rsatoolbox_topo import cli

    statistics = cli._named(["rdm", "rank", "rgtm:lower=0.2,upper=0.8",
                             "rgtm:lower=0.5,upper=0.5"])
    args = SimpleNamespace(n_bootstrap=5, ci_level=0.9, random_state=2,
                           n_jobs=1, method="euclidean",
                           ci_method="corrected")  # the CLI's default
    frame, points, method = cli._accuracy_rows(
        layers, "layer", "seed", statistics, args, cli._Console(True), "x")
    assert frame["statistic"].tolist() == list(statistics)
    assert method == "corrected" and set(points) == set(statistics)
    for row, statistic in zip(frame.itertuples(), statistics.values()):
        boot = bootstrap_identify(layers, "layer", "seed", statistic,
                                  n_bootstrap=5, ci_level=0.9,
                                  random_state=2)
        assert (row.accuracy, row.n_bootstrap) == (boot.accuracy,
                                                   boot.n_bootstrap)
        # the same samples; the variance of several columns at once may sum
        # in another order (the demo's 100 samples: 1e-16 apart)
        np.testing.assert_allclose((row.ci_low, row.ci_high), boot.ci,
                                   rtol=0, atol=1e-12)
