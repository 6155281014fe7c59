"""Coverage of the bootstrap intervals of identification accuracy.

A simulation study in the spirit of Schütt et al. (2023, eLife 12:e82566),
who validated rsatoolbox's bootstrap by simulation: does the nominal 95%
interval of :func:`rsatoolbox_topo.identification.bootstrap_identify`
contain the quantity it estimates in 95% of data sets?

The estimand
    The *expected* leave-one-individual-out accuracy at the sample's size:
    the mean of ``identify(...).accuracy`` over fresh data sets (new
    individuals, new conditions, new measurement noise) of the same size
    from the same population. It is computed by Monte Carlo from
    ``--n-mc`` data sets that the coverage part never sees; its Monte Carlo
    standard error is reported next to it.

The population (one per setting, fixed by the seed)
    * a pool of ``POOL_SIZE`` conditions, each a latent feature vector
      ``z`` (``N_FEATURES`` standard normal features);
    * class templates: class ``c`` maps features to ``N_UNITS`` response
      channels with ``W0 + signal * E_c`` (``W0`` shared by all classes,
      ``E_c`` the class's own part);
    * individual deviations: individual ``s`` adds ``shared * U_s`` (one
      deviation for all its classes) and ``deviation * U_sc`` (one per
      class), both standard normal matrices drawn afresh for every
      individual;
    * measurement noise: Gaussian, SD ``noise`` times an individual factor
      ``exp(spread * g - spread**2 / 2)``, ``g`` standard normal, so that
      individuals differ in their signal-to-noise ratio when ``spread > 0``.

    A data set draws ``n_ind`` individuals and ``n_cond`` conditions (two
    groups of ``n_cond / 2``, each drawn without replacement from the whole
    pool), computes the response patterns and one RDM per (class,
    individual): correlation distance between the conditions' patterns
    (values in [0, 2]). Pairs of two group-1 conditions keep their value,
    pairs of two group-2 conditions get ``+ 3`` and mixed pairs ``+ 6``.
    The offsets are the same in every RDM, so they change no Euclidean
    distance between RDMs and no accuracy of the raw RDM; they only let a
    statistic see which group a pair belongs to, even inside a bootstrap
    sample where conditions are duplicated and reordered.

The paired null, equal by construction
    Statistic A keeps the group-1 pairs (values below 2.5), statistic B the
    group-2 pairs (values in [2.5, 5.5), minus 3); every other pair becomes
    0 in all RDMs. The two groups are drawn the same way from the same pool
    and measured the same way, so swapping them is a symmetry of the whole
    data-generating process (and of the bootstrap): A and B have exactly
    the same expected accuracy. The power setting breaks the symmetry by
    multiplying the noise of group-2 conditions by ``group2_noise``.

Accuracy against chance
    A setting with ``signal = 0`` has no class information: every class's
    template is ``W0``, so the held-out RDM is exchangeable over classes
    and the expected accuracy is exactly ``1 / n_classes`` (ties split).
    The test reported is "the lower bound of the 95% interval is above
    chance" (one-sided 2.5% nominal), for each interval method.

What is computed per data set
    Only the package's public API: ``bootstrap_identify(...,
    ci_method='corrected')`` and its ``confidence_interval(ci_method=...,
    ci_level=...)`` for 'percentile', 'basic', 'bc', 't' and 'corrected'
    (part 'main') and for 'bca' (part 'bca'; cached apart because results
    made with 'corrected' held no jackknife when the study was first run and
    it then called ``bootstrap_identify(..., ci_method='bca')``,
    which gives the same samples, jackknife and interval; a data set whose
    'main' and 'bca' are both missing gets both from one call); and
    ``compare_statistics`` for the paired test (part 'paired'). One
    bootstrap seed per data set goes to all three, so they share the
    two-factor samples. Each part is cached per data set and counted on
    its own (see :func:`resample`).

Run ``python validation/interval_coverage.py --help``. Results go to
``validation/results/`` (CSV tables, a JSON record of the run); the user
guide's page ``docs/user_guide/uncertainty.rst`` shows them.
"""

import argparse
import dataclasses
import json
import os
import platform
import sys
import time
from dataclasses import dataclass

import numpy as np
from rsatoolbox.rdm import RDMs

POOL_SIZE = 1000
N_FEATURES = 8
N_UNITS = 30
BY, ACROSS = "class", "individual"
LEVEL = 0.95
ALPHA = 0.05
# Offsets of group-2 and mixed pairs (correlation distances lie in [0, 2]).
_OFFSET_G2, _OFFSET_MIXED = 3.0, 6.0


# ------------------------------------------------------------ population
@dataclass(frozen=True)
class Setting:
    """One generative population and sample size (see the module doc)."""

    name: str
    description: str
    n_ind: int
    signal: float
    n_class: int = 5
    n_cond: int = 16
    deviation: float = 0.5
    shared: float = 0.3
    noise: float = 1.0
    spread: float = 0.0
    group2_noise: float = 1.0

    @property
    def chance(self):
        return 1.0 / self.n_class


class Population:
    """The fixed part of a setting: condition pool and class templates.

    Parameters
    ----------
    setting : Setting
    seed : int | numpy.random.SeedSequence
        Fixes the pool and the templates.
    """

    def __init__(self, setting, seed):
        self.setting = setting
        rng = np.random.default_rng(seed)
        scale = 1.0 / np.sqrt(N_FEATURES)
        self.pool = rng.standard_normal((POOL_SIZE, N_FEATURES))
        self.w0 = scale * rng.standard_normal((N_FEATURES, N_UNITS))
        self.templates = scale * rng.standard_normal(
            (setting.n_class, N_FEATURES, N_UNITS))
        n = setting.n_cond
        if n % 2 or n < 6:
            raise ValueError("The 'n_cond' of a setting must be an even "
                             f"integer >= 6. Got {n!r} instead.")
        self._iu = np.triu_indices(n, 1)
        group = np.repeat([0, 1], n // 2)
        g_i, g_j = group[self._iu[0]], group[self._iu[1]]
        self.pair_group = np.where(g_i != g_j, 2, g_i)
        self.offsets = np.array([0.0, _OFFSET_G2, _OFFSET_MIXED])[
            self.pair_group]

    def draw_individuals(self, rng, n_ind=None):
        """Individual deviations and noise SDs of ``n_ind`` new individuals.

        Returns
        -------
        shared : ndarray, shape (n_ind, N_FEATURES, N_UNITS)
        deviations : ndarray, shape (n_ind, n_class, N_FEATURES, N_UNITS)
        noise_sd : ndarray, shape (n_ind,)
        """
        st = self.setting
        n_ind = st.n_ind if n_ind is None else n_ind
        scale = 1.0 / np.sqrt(N_FEATURES)
        shared = scale * rng.standard_normal((n_ind, N_FEATURES, N_UNITS))
        deviations = scale * rng.standard_normal(
            (n_ind, st.n_class, N_FEATURES, N_UNITS))
        noise_sd = st.noise * np.exp(st.spread * rng.standard_normal(n_ind)
                                     - st.spread ** 2 / 2)
        return shared, deviations, noise_sd

    def draw_conditions(self, rng):
        """Pool rows of the conditions: two groups of ``n_cond / 2``."""
        half = self.setting.n_cond // 2
        return np.concatenate([rng.choice(POOL_SIZE, half, replace=False),
                               rng.choice(POOL_SIZE, half, replace=False)])

    def measure(self, individuals, rows, rng):
        """RDMs of the given individuals and conditions, with fresh noise.

        Returns
        -------
        rsatoolbox.rdm.RDMs
            One RDM per (class, individual), rdm descriptors ``'class'``
            and ``'individual'``.
        """
        st = self.setting
        shared, deviations, noise_sd = individuals
        n_ind = len(noise_sd)
        z = self.pool[rows]
        half = st.n_cond // 2
        noise_rows = np.repeat([1.0, st.group2_noise], half)[:, None]
        maps = (self.w0 + st.signal * self.templates[None]
                + st.shared * shared[:, None] + st.deviation * deviations)
        y = np.einsum("nf,scfu->scnu", z, maps)
        y += (noise_sd[:, None, None, None] * noise_rows
              * rng.standard_normal(y.shape))
        y -= y.mean(axis=-1, keepdims=True)
        y /= np.linalg.norm(y, axis=-1, keepdims=True)
        dist = np.clip(1.0 - y @ np.swapaxes(y, -1, -2), 0.0, 2.0)
        vectors = dist[..., self._iu[0], self._iu[1]] + self.offsets
        classes = np.tile(np.arange(st.n_class), n_ind)
        individuals = np.repeat(np.arange(n_ind), st.n_class)
        return RDMs(vectors.reshape(n_ind * st.n_class, -1),
                    dissimilarity_measure="correlation (offset)",
                    rdm_descriptors={BY: classes, ACROSS: individuals})

    def draw(self, rng, n_ind=None):
        """One simulated data set: new individuals, conditions and noise.

        Parameters
        ----------
        rng : numpy.random.Generator
        n_ind : int | None
            Number of individuals (default: the setting's).

        Returns
        -------
        rsatoolbox.rdm.RDMs
        """
        individuals = self.draw_individuals(rng, n_ind)
        return self.measure(individuals, self.draw_conditions(rng), rng)


def _keep(rdms, low, high, shift):
    values = rdms.dissimilarities
    inside = (values >= low) & (values < high)
    out = np.where(inside, values - shift, 0.0)
    out[np.isnan(values)] = np.nan
    return RDMs(out, dissimilarity_measure=rdms.dissimilarity_measure,
                rdm_descriptors=dict(rdms.rdm_descriptors))


def group1_pairs(rdms):
    """Statistic A of the paired null: only pairs of group-1 conditions."""
    return _keep(rdms, -np.inf, 2.5, 0.0)


def group2_pairs(rdms):
    """Statistic B of the paired null: only pairs of group-2 conditions."""
    return _keep(rdms, 2.5, 5.5, _OFFSET_G2)


# ------------------------------------------------------------ settings
SETTINGS = (
    Setting("easy-20", "accuracy about 0.9, 20 individuals", n_ind=20,
            signal=0.85),
    Setting("hard-20", "accuracy about 0.5, 20 individuals", n_ind=20,
            signal=0.38),
    Setting("easy-5", "accuracy about 0.9, 5 individuals", n_ind=5,
            signal=1.05),
    Setting("hard-5", "accuracy about 0.5, 5 individuals", n_ind=5,
            signal=0.53),
    Setting("indiv-5", "individual differences dominate (SNR spread, "
            "large deviations), 5 individuals", n_ind=5, signal=1.2,
            deviation=1.0, shared=0.8, spread=1.0),
    Setting("null-5", "no class information (chance), 5 individuals",
            n_ind=5, signal=0.0),
    Setting("null-20", "no class information (chance), 20 individuals",
            n_ind=20, signal=0.0),
    Setting("power-20", "paired test's power: group-2 noise x 2, "
            "20 individuals", n_ind=20, signal=0.6, group2_noise=2.0),
)
SETTING_NAMES = tuple(s.name for s in SETTINGS)


# ------------------------------------------------------------ seeds
# Every random number comes from a SeedSequence keyed by (seed, setting,
# role, index): a data set is the same whatever --n-jobs, --n-datasets or
# --settings are.
_ROLE_POPULATION, _ROLE_ESTIMAND, _ROLE_DATA, _ROLE_COMPONENTS = range(4)


def _seq(seed, setting, role, index=0):
    k = SETTING_NAMES.index(setting.name) if setting.name in SETTING_NAMES \
        else 99
    return np.random.SeedSequence(seed, spawn_key=(k, role, index))


def population(setting, seed):
    """The fixed population of ``setting`` for the study's ``seed``."""
    return Population(setting, _seq(seed, setting, _ROLE_POPULATION))


# ------------------------------------------------------------ estimand
def _estimand_task(setting, seed, start, stop):
    """Full-data accuracies (raw RDM, A, B) of fresh data sets."""
    from rsatoolbox_topo.identification import identify

    pop = population(setting, seed)
    out = np.empty((stop - start, 3))
    for row, i in enumerate(range(start, stop)):
        rdms = pop.draw(np.random.default_rng(
            _seq(seed, setting, _ROLE_ESTIMAND, i)))
        for col, statistic in enumerate((None, group1_pairs, group2_pairs)):
            out[row, col] = identify(rdms, BY, ACROSS, statistic).accuracy
    return out


def _components_task(setting, seed, k, n_cond_sets):
    """Accuracies of one set of individuals crossed with condition sets."""
    from rsatoolbox_topo.identification import identify

    pop = population(setting, seed)
    rng = np.random.default_rng(_seq(seed, setting, _ROLE_COMPONENTS, k))
    individuals = pop.draw_individuals(rng)
    out = np.empty(n_cond_sets)
    for j in range(n_cond_sets):
        rows = pop.draw_conditions(np.random.default_rng(_seq(
            seed, setting, _ROLE_COMPONENTS, 10 ** 6 + j)))
        out[j] = identify(pop.measure(individuals, rows, rng), BY,
                          ACROSS).accuracy
    return out


def variance_components(acc):
    """Shares of the variance of the accuracy: individuals, conditions, rest.

    ``acc[k, j]``: data set with individual set ``k`` and condition set
    ``j`` (fresh noise in each), a two-way random-effects layout without
    replication; method-of-moments estimates (negative ones set to 0).
    """
    n_k, n_j = acc.shape
    grand = acc.mean()
    ms_k = n_j * np.sum((acc.mean(axis=1) - grand) ** 2) / (n_k - 1)
    ms_j = n_k * np.sum((acc.mean(axis=0) - grand) ** 2) / (n_j - 1)
    resid = acc - acc.mean(axis=1, keepdims=True) \
        - acc.mean(axis=0, keepdims=True) + grand
    ms_e = np.sum(resid ** 2) / ((n_k - 1) * (n_j - 1))
    v_ind = max(0.0, (ms_k - ms_e) / n_j)
    v_cond = max(0.0, (ms_j - ms_e) / n_k)
    total = v_ind + v_cond + ms_e
    return v_ind / total, v_cond / total, ms_e / total


# ------------------------------------------------------------ statistics
def wilson(k, n, level=0.95):
    """Wilson score interval of a binomial proportion ``k / n``."""
    from scipy.stats import norm

    z = norm.ppf(0.5 + level / 2)
    p = k / n
    centre = (p + z ** 2 / (2 * n)) / (1 + z ** 2 / n)
    half = z * np.sqrt(p * (1 - p) / n + z ** 2 / (4 * n ** 2)) \
        / (1 + z ** 2 / n)
    return centre - half, centre + half


def rate(hits):
    """``(rate, low, high, n)`` of a boolean array, Wilson 95% interval."""
    hits = np.asarray(hits, dtype=bool)
    n = hits.size
    low, high = wilson(hits.sum(), n)
    return float(hits.mean()), float(low), float(high), int(n)


# ------------------------------------------------------------ one data set
#: Interval methods of ``bootstrap_identify`` (``ci_method``), in table order.
METHODS = ("percentile", "basic", "bc", "bca", "t", "corrected")
#: The methods of part 'main' (all but 'bca', which has a part of its own).
FROM_CORRECTED = ("percentile", "basic", "bc", "t", "corrected")
#: What is computed per data set, each cached and counted on its own:
#: 'main' (``bootstrap_identify(ci_method='corrected')``: the methods of
#: ``FROM_CORRECTED``), 'bca' (the 'bca' interval of the same seed: the
#: same two-factor samples plus the jackknife) and 'paired'
#: (``compare_statistics`` of statistics A and B). 'main+bca' computes the
#: first two from one call and is cached as the two parts.
PARTS = ("main", "bca", "paired")


def _capped(boot):
    """1.0 where the 'corrected' variance is capped at the two-factor
    bootstrap variance (the interval is then the estimate +- t_d two-factor
    SDs, d = min(n_individuals, n_conditions) - 1), else 0.0; NaN where the
    interval is clipped to [0, 1] on both sides."""
    from scipy.stats import t

    sd = np.nanstd(boot.samples, ddof=1)
    d = min(boot.n_individuals, boot.n_conditions) - 1
    half = t.ppf(0.5 + LEVEL / 2, d) * sd
    low, high = boot.confidence_interval(ci_method="corrected", ci_level=LEVEL)
    if high < 1.0:
        got = high - boot.accuracy
    elif low > 0.0:
        got = boot.accuracy - low
    else:
        return np.nan
    return float(np.isclose(got, half, rtol=1e-9, atol=1e-12))


def resample(rdms, n_bootstrap, random_state, part="main"):
    """One part of a data set's results, all from the public API.

    Parameters
    ----------
    rdms : rsatoolbox.rdm.RDMs
    n_bootstrap : int
        Two-factor bootstrap samples (and, for 'corrected', samples of each
        one-factor bootstrap, as ``bootstrap_identify`` draws them).
    random_state : int
        Handed to every public function, so 'main', 'bca' and 'paired'
        share the same two-factor bootstrap samples.
    part : {'main', 'bca', 'main+bca', 'paired'}
        * 'main': ``bootstrap_identify(..., ci_method='corrected')`` and its
          ``confidence_interval(ci_method=m, ci_level=0.95)`` for every ``m`` of
          :data:`FROM_CORRECTED`; keys ``estimate``, ``low``, ``high``
          (one column per method) and ``capped`` (see :func:`_capped`);
        * 'bca': ``bootstrap_identify(..., ci_method='bca')``; keys
          ``estimate``, ``low``, ``high`` (one column);
        * 'main+bca': one ``bootstrap_identify(..., ci_method='corrected')``
          for both (its result holds the jackknife too): the keys of 'main'
          with a last column for 'bca' (:func:`split_main_bca` separates
          them; the same numbers as the two parts computed apart);
        * 'paired': ``compare_statistics`` of statistics A and B (baseline
          A) with ``ci_method='percentile'`` (the p-value does not depend
          on the interval method); keys ``acc_ab`` and ``p``.

    Returns
    -------
    dict of ndarray
        Also ``seconds`` (CPU time of this process) and ``wall``.
    """
    from rsatoolbox_topo.identification import (bootstrap_identify,
                                                compare_statistics)

    cpu, wall = time.process_time(), time.perf_counter()
    if part == "paired":
        comp = compare_statistics(rdms, BY, ACROSS,
                                  [group1_pairs, group2_pairs], baseline=0,
                                  n_bootstrap=n_bootstrap,
                                  random_state=random_state,
                                  ci_method="percentile")
        out = {"acc_ab": np.asarray(comp.accuracy, dtype=float),
               "p": float(comp.p_value[1])}
    elif part in ("main", "bca", "main+bca"):
        ci_method = "bca" if part == "bca" else "corrected"
        methods = {"main": FROM_CORRECTED, "bca": ("bca",),
                   "main+bca": FROM_CORRECTED + ("bca",)}[part]
        boot = bootstrap_identify(rdms, BY, ACROSS, n_bootstrap=n_bootstrap,
                                  random_state=random_state,
                                  ci_method=ci_method)
        bounds = np.array([boot.confidence_interval(ci_method=m, ci_level=LEVEL)
                           for m in methods], dtype=float)
        out = {"estimate": float(boot.accuracy), "low": bounds[:, 0],
               "high": bounds[:, 1]}
        if part != "bca":
            out["capped"] = _capped(boot)
    else:
        raise ValueError(f"The 'part' parameter must be one of "
                         f"{PARTS + ('main+bca',)}. Got {part!r} instead.")
    out["seconds"] = time.process_time() - cpu
    out["wall"] = time.perf_counter() - wall
    return out


def split_main_bca(res):
    """The 'main' and the 'bca' part of a 'main+bca' result (stacked over
    data sets). The CPU time goes to 'main'; 'bca' records NaN and
    ``with_main`` (its cost is inside the 'main' figure)."""
    k = len(FROM_CORRECTED)
    main = dict(res, low=res["low"][:, :k], high=res["high"][:, :k])
    bca = {"estimate": res["estimate"], "low": res["low"][:, k:],
           "high": res["high"][:, k:], "index": res["index"],
           "seconds": np.full(len(res["index"]), np.nan),
           "wall": np.full(len(res["index"]), np.nan),
           "with_main": np.array(True)}
    return main, bca


def _resample_task(setting, seed, start, stop, n_bootstrap, part="main"):
    import warnings

    from rsatoolbox_topo.exceptions import TopoWarning

    pop = population(setting, seed)
    out = []
    for i in range(start, stop):
        rng = np.random.default_rng(_seq(seed, setting, _ROLE_DATA, i))
        rdms = pop.draw(rng)
        boot_seed = int(rng.integers(2 ** 31 - 1))
        with warnings.catch_warnings():
            # Tiny resamples may tie or collapse: the study counts them.
            warnings.simplefilter("ignore", TopoWarning)
            out.append(resample(rdms, n_bootstrap, boot_seed, part))
    return {key: np.stack([np.asarray(r[key]) for r in out])
            for key in out[0]}


def intervals(parts):
    """Estimates and intervals of every method from a setting's parts.

    Rows are data sets 0, 1, ...: as many as the longer of the 'main' and
    the 'bca' part (each method counts only the rows its part has; see
    ``counts``).

    Returns
    -------
    estimate : ndarray, shape (n_rows,)
    low, high : ndarray, shape (n_rows, len(METHODS))
        NaN where a part has no such data set.
    counts : list of int
        Data sets of each method (``METHODS`` order).
    """
    main, bca = parts["main"], parts.get("bca")
    n_main = len(main["estimate"])
    n_bca = 0 if bca is None else len(bca["estimate"])
    n = max(n_main, n_bca)
    estimate = np.full(n, np.nan)
    low = np.full((n, len(METHODS)), np.nan)
    high = np.full((n, len(METHODS)), np.nan)
    cols = [METHODS.index(m) for m in FROM_CORRECTED]
    estimate[:n_main] = main["estimate"]
    low[:n_main, cols], high[:n_main, cols] = main["low"], main["high"]
    if n_bca:
        both = min(n_main, n_bca)
        if not np.array_equal(bca["estimate"][:both], main["estimate"][:both]):
            raise ValueError("The 'bca' and 'main' parts disagree on the "
                             "full-data estimate: not the same data sets.")
        estimate[:n_bca] = bca["estimate"]
        j = METHODS.index("bca")
        low[:n_bca, j], high[:n_bca, j] = bca["low"][:, 0], bca["high"][:, 0]
    counts = [n_bca if m == "bca" else n_main for m in METHODS]
    return estimate, low, high, counts


# ------------------------------------------------------------ driver
def _log(message):
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())} UTC] {message}",
          flush=True)


def _run(function, tasks, n_jobs):
    """``function(*task)`` for every task, in order (joblib)."""
    from joblib import Parallel, delayed

    return Parallel(n_jobs=n_jobs)(delayed(function)(*t) for t in tasks)


def _chunks(first, stop, size):
    return [(a, min(stop, a + size)) for a in range(first, stop, size)]


def estimand(setting, seed, n_mc, n_jobs=1):
    """Monte Carlo expected accuracies of the raw RDM, A and B.

    Returns
    -------
    dict
        ``mean``, ``sd``, ``se`` (3,) and ``diff``, ``diff_se`` (A - B).
    """
    acc = np.concatenate(_run(
        _estimand_task, [(setting, seed, a, b) for a, b in
                         _chunks(0, n_mc, 100)], n_jobs))
    diff = acc[:, 1] - acc[:, 2]
    return {"mean": acc.mean(axis=0), "sd": acc.std(axis=0, ddof=1),
            "se": acc.std(axis=0, ddof=1) / np.sqrt(n_mc),
            "diff": diff.mean(), "diff_se": diff.std(ddof=1) / np.sqrt(n_mc),
            "n_mc": n_mc}


def components(setting, seed, size, n_jobs=1):
    """Variance shares (individuals, conditions, rest) of the accuracy."""
    acc = np.array(_run(_components_task,
                        [(setting, seed, k, size) for k in range(size)],
                        n_jobs))
    return variance_components(acc)


def simulate(setting, seed, first, stop, n_bootstrap, part="main", n_jobs=1,
             chunk=5):
    """One part's results of data sets ``first .. stop - 1`` (stacked)."""
    tasks = [(setting, seed, a, b, n_bootstrap, part)
             for a, b in _chunks(first, stop, chunk)]
    parts = _run(_resample_task, tasks, n_jobs)
    out = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    out["index"] = np.arange(first, stop)
    return out


# ------------------------------------------------------------ raw files
def _raw_dir(raw, seed, n_bootstrap):
    return os.path.join(raw, f"seed{seed}-B{n_bootstrap}")


def _save(path, values):
    tmp = path + ".tmp.npz"
    np.savez_compressed(tmp, **values)
    os.replace(tmp, path)


def _part_files(folder, name, part):
    import glob

    return sorted(glob.glob(os.path.join(folder, f"{name}-{part}-d*.npz")))


def _load_part(folder, name, part):
    """Concatenated results of one part of one setting, by data set index
    (None if there are none)."""
    parts = []
    for path in _part_files(folder, name, part):
        with np.load(path) as npz:
            parts.append({k: npz[k] for k in npz.files})
    if not parts:
        return None
    parts.sort(key=lambda p: p["index"][0])
    # Per-data-set arrays that every file has ('verified', the data sets an
    # import was checked on, belongs to its file only).
    keys = [k for k in parts[0] if k != "verified"
            and all(k in p and np.ndim(p[k]) for p in parts)]
    out = {k: np.concatenate([np.atleast_1d(p[k]) for p in parts])
           for k in keys}
    out["wall_seconds"] = float(sum(p["wall_seconds"] for p in parts))
    for flag in ("imported", "with_main"):
        out[flag] = np.concatenate([np.full(len(p["index"]),
                                            bool(p.get(flag, False)))
                                    for p in parts])
    if np.any(np.diff(out["index"]) != 1) or out["index"][0] != 0:
        raise ValueError(f"Data sets of {name} ({part}) in {folder} are not "
                         "0, 1, 2, ... without gaps or repeats.")
    return out


def _n_done(folder, name, part):
    """Data sets 0 .. n - 1 of a part are cached; returns n."""
    stops = []
    for path in _part_files(folder, name, part):
        a, b = os.path.basename(path)[:-4].rsplit("-d", 1)[1].split("-")
        stops.append((int(a), int(b)))
    n = 0
    for a, b in sorted(stops):
        if a != n:
            break
        n = b
    return n


def _load_estimand(folder, name):
    path = os.path.join(folder, f"{name}-estimand.npz")
    if not os.path.exists(path):
        return None
    with np.load(path) as npz:
        return {k: npz[k] for k in npz.files}


def import_previous(path, folder, seed, n_bootstrap, n_verify=5, n_jobs=1):
    """Cache the 'bca' and 'paired' results of an earlier run's table.

    ``path`` is a ``datasets.npz`` written by :func:`summarise` of the
    study's earlier version (commit 0371bb6; its columns name the
    methods), made with the same ``seed`` and ``n_bootstrap``: its 'bca'
    interval and paired p-value of a data set are deterministic functions of
    the data set and its bootstrap seed, as are the public functions'. They
    are imported only after ``n_verify`` data sets per setting (spread over
    the range) are recomputed here by the public API and found equal to
    1e-12 (intervals clipped to [0, 1] as the results clip them).
    """
    with np.load(path) as npz:
        columns = list(npz["columns"])
        tables = {k: npz[k] for k in npz.files if k != "columns"}
    col = columns.index
    for setting in SETTINGS:
        table = tables.get(setting.name)
        if table is None:
            continue
        n = len(table)
        values = {
            "bca": {"estimate": table[:, col("estimate")],
                    "low": np.clip(table[:, [col("bca_low")]], 0.0, 1.0),
                    "high": np.clip(table[:, [col("bca_high")]], 0.0, 1.0)},
            "paired": {"acc_ab": table[:, [col("acc_a"), col("acc_b")]],
                       "p": table[:, col("paired_p")]}}
        check = np.unique(np.linspace(0, n - 1, n_verify).astype(int))
        for part, got in values.items():
            fresh = _run(_resample_task, [(setting, seed, i, i + 1,
                                           n_bootstrap, part)
                                          for i in check], n_jobs)
            for key, column in got.items():
                want = np.concatenate([f[key] for f in fresh])
                if not np.allclose(column[check], want, rtol=1e-12,
                                   atol=1e-12, equal_nan=True):
                    raise ValueError(
                        f"{path}: {setting.name} {part} {key} differs from "
                        f"the public API at data sets {check.tolist()}: not "
                        "importing it.")
            if _n_done(folder, setting.name, part):
                continue
            _save(os.path.join(folder, f"{setting.name}-{part}-d00000-"
                               f"{n:05d}.npz"),
                  {**got, "index": np.arange(n),
                   "seconds": np.full(n, np.nan), "wall": np.full(n, np.nan),
                   "wall_seconds": np.array(0.0), "imported": np.array(True),
                   "verified": check})
            _log(f"{setting.name}: imported {part} of data sets 0-{n - 1} "
                 f"(verified on {check.tolist()})")


# ------------------------------------------------------------ summaries
def coverage_rows(name, estimate, low, high, methods, truth, counts=None):
    """One row per method: coverage (with its binomial standard error and
    Wilson 95% interval), misses on each side, width.

    ``counts[j]``: method ``j`` is evaluated on the first ``counts[j]``
    data sets (default: all).
    """
    rows = []
    for j, method in enumerate(methods):
        n = len(estimate) if counts is None else counts[j]
        if not n:
            continue
        lo, hi, est = low[:n, j], high[:n, j], estimate[:n]
        formed = np.isfinite(lo) & np.isfinite(hi)
        covered = formed & (lo <= truth) & (truth <= hi)
        cov, c_low, c_high, n = rate(covered)
        rows.append({
            "setting": name, "method": method, "coverage": cov,
            "coverage_se": float(np.sqrt(cov * (1 - cov) / n)),
            "coverage_low": c_low, "coverage_high": c_high, "n": n,
            "mean_width": float(np.nanmean(hi - lo)),
            "truth_below": float(np.mean(formed & (truth < lo))),
            "truth_above": float(np.mean(formed & (truth > hi))),
            "excludes_estimate": float(np.mean(
                formed & ((est < lo) | (est > hi)))),
            "not_formed": float(np.mean(~formed))})
    return rows


def test_rows(setting, p, low, methods, counts=None):
    """False-positive rates (or power) of the paired and the chance tests.

    ``p``: paired p-values (may be empty); ``counts`` as in
    :func:`coverage_rows`.
    """
    null = setting.group2_noise == 1.0
    p = np.asarray(p, dtype=float)
    p = p[np.isfinite(p)]
    rows = [dict(setting=setting.name,
                 test="paired A vs B: p < 0.05",
                 kind="false-positive rate" if null else "power",
                 **dict(zip(("rate", "low", "high", "n"),
                            rate(p < ALPHA))))] if len(p) else []
    if setting.signal == 0:
        for j, method in enumerate(methods):
            n = len(low) if counts is None else counts[j]
            if not n:
                continue
            rows.append(dict(
                setting=setting.name,
                test=f"chance: {method} lower bound > chance",
                kind="false-positive rate",
                **dict(zip(("rate", "low", "high", "n"),
                           rate(np.isfinite(low[:n, j])
                                & (low[:n, j] > setting.chance))))))
    return rows


def choose_default(coverage, methods, goal=0.93, nominal=0.95):
    """The default interval method by the study's rule (see the docs).

    1. Settings where some method reaches ``goal`` are *achievable*.
    2. Candidates: methods reaching ``goal`` in every achievable setting
       (all methods if none does).
    3. Among candidates, the one with the highest worst coverage over the
       other settings (closest to ``nominal`` from below there); ties go
       to the one whose coverages are closest to ``nominal`` on average.

    Returns
    -------
    method : str
    reason : str
    """
    table = {(r["setting"], r["method"]): r["coverage"] for r in coverage}
    settings = list(dict.fromkeys(r["setting"] for r in coverage))
    # A method evaluated in only some settings cannot be the default.
    methods = [m for m in methods if all((s, m) in table for s in settings)]
    achievable = [s for s in settings
                  if max(table[s, m] for m in methods) >= goal]
    hard = [s for s in settings if s not in achievable]
    candidates = [m for m in methods
                  if all(table[s, m] >= goal for s in achievable)]

    def key(m):
        worst = min((table[s, m] for s in hard), default=1.0)
        return (-worst, np.mean([abs(table[s, m] - nominal)
                                 for s in settings]))

    best = min(candidates or list(methods), key=key)
    reason = (f"covers at least {goal} in every setting where some method "
              f"does ({', '.join(achievable) or 'none'})" if candidates
              else f"no method covers {goal} in every setting where some "
              "method does")
    if hard:
        reason += (f"; every method covers less than {goal} in "
                   + ", ".join(f"{s} ({best}: {table[s, best]:.3f})"
                               for s in hard))
    return best, reason


# ------------------------------------------------------------ output
def _write_csv(path, rows, digits=4):
    import csv

    if not rows:
        return
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            writer.writerow({k: (round(v, digits) if isinstance(v, float)
                                 else v) for k, v in row.items()})


def _ci_text(value, low, high):
    return f"{value:.3f} [{low:.3f}, {high:.3f}]"


def write_tables(out, settings_rows, coverage, tests, methods):
    """CSV tables (numbers) and display tables for the docs page.

    A display cell whose method was evaluated on fewer data sets than the
    row's ``n`` says so (``n = ...``).
    """
    os.makedirs(out, exist_ok=True)
    _write_csv(os.path.join(out, "settings.csv"), settings_rows)
    _write_csv(os.path.join(out, "coverage.csv"), coverage)
    _write_csv(os.path.join(out, "tests.csv"), tests)
    names = list(dict.fromkeys(r["setting"] for r in coverage))
    by = {(r["setting"], r["method"]): r for r in coverage}

    def cell(name, m):
        r = by.get((name, m))
        if r is None:
            return "not run"
        text = _ci_text(r["coverage"], r["coverage_low"], r["coverage_high"])
        n_row = by[name, "corrected"]["n"]
        return text if r["n"] == n_row else f"{text} (n = {r['n']})"

    _write_csv(os.path.join(out, "coverage_display.csv"), [
        {"setting": name, "n": by[name, "corrected"]["n"],
         **{m: cell(name, m) for m in methods}} for name in names])
    _write_csv(os.path.join(out, "width_display.csv"), [
        {"setting": name, **{m: (f"{by[name, m]['mean_width']:.3f}"
                                 if (name, m) in by else "not run")
                             for m in methods}} for name in names])
    _write_csv(os.path.join(out, "tests_display.csv"), [
        {"setting": r["setting"], "test": r["test"], "kind": r["kind"],
         "rate [95% CI]": _ci_text(r["rate"], r["low"], r["high"]),
         "n": r["n"]} for r in tests])
    _write_csv(os.path.join(out, "settings_display.csv"), [
        {"setting": r["setting"], "individuals": r["n_ind"],
         "classes x conditions": f"{r['n_class']} x {r['n_cond']}",
         "expected accuracy (MC SE)":
             f"{r['estimand']:.3f} ({r['estimand_se']:.4f})",
         "mean estimate (SD)":
             f"{r['mean_estimate']:.3f} ({r['sd_estimate']:.3f})",
         "variance shares ind / cond / rest": " / ".join(
             f"{r[k]:.2f}" for k in ("share_individuals",
                                     "share_conditions", "share_rest")),
         "A - B expected (MC SE)":
             f"{r['diff_ab']:+.4f} ({r['diff_ab_se']:.4f})"}
        for r in settings_rows])


# ------------------------------------------------------------ command line
_HERE = os.path.dirname(os.path.abspath(__file__))


def write_summary(args, default, reason, settings_rows, coverage, tests,
                  timing, counts):
    """``summary.rst``: the figures the docs page quotes, generated."""
    sd = {r["setting"]: r["sd_estimate"] for r in settings_rows}
    mine = [r for r in coverage if r["method"] == default]
    lines = [f"* Default by the rule: **{default}** ({reason}).", "",
             f"* Coverage of ``{default}`` (Wilson 95% interval) and mean "
             "width, against the width of an exact normal 95% interval "
             "(3.92 x the SD of the estimate across data sets):", ""]
    for r in mine:
        lines.append(
            f"  * {r['setting']}: "
            + _ci_text(r["coverage"], r["coverage_low"], r["coverage_high"])
            + f", width {r['mean_width']:.3f} vs "
            f"{3.92 * sd[r['setting']]:.3f} (n = {r['n']})")
    lines += ["", "* Share of data sets where the 'corrected' variance is "
              "capped at the two-factor bootstrap variance (the correction "
              "then leaves it unchanged): " + ", ".join(
                  f"{r['setting']} {r['corrected_capped']:.2f}"
                  for r in settings_rows) + "."]
    short = [r["setting"] for r in mine if r["coverage"] < 0.93]
    unsure = [r["setting"] for r in mine
              if r["coverage_low"] < 0.93 <= r["coverage"]]
    lines += ["", "* Settings where the default covers less than 0.93: "
              + (", ".join(short) if short else "none")
              + "; where its Wilson interval reaches below 0.93: "
              + (", ".join(unsure) if unsure else "none") + "."]
    paired = [r for r in tests if r["test"].startswith("paired")]
    fpr = [r for r in paired if r["kind"] == "false-positive rate"]
    if fpr:
        worst = max(fpr, key=lambda r: r["rate"])
        lines += ["", "* Paired test (centred bootstrap p < 0.05), "
                  "false-positive rate: at most "
                  + _ci_text(worst["rate"], worst["low"], worst["high"])
                  + f" ({worst['setting']}); over the {len(fpr)} null "
                  "settings "
                  + f"{min(r['rate'] for r in fpr):.3f} to "
                  f"{worst['rate']:.3f}."]
    for r in paired:
        if r["kind"] == "power":
            lines += ["", f"* Paired test, power in {r['setting']}: "
                      + _ci_text(r["rate"], r["low"], r["high"]) + "."]
    chance = [r for r in tests if r["test"] ==
              f"chance: {default} lower bound > chance"]
    if chance:
        lines += ["", f"* Accuracy against chance with ``{default}`` "
                  "(lower bound above chance), false-positive rate: "
                  + "; ".join(f"{r['setting']} " + _ci_text(
                      r["rate"], r["low"], r["high"]) for r in chance)
                  + "."]
    lines += ["", "* Data sets per setting: "
              + "; ".join(f"{part} {_span(counts[part])}"
                          for part in PARTS if counts.get(part))
              + f" ('main': percentile, basic, bc, t and corrected; 'bca'; "
              f"'paired': the paired test); {args.n_bootstrap} two-factor "
              "bootstrap samples per data set ('corrected' adds "
              f"2 x {args.n_bootstrap} one-factor samples)."]
    cpu = {part: [t[part]["cpu_seconds_per_dataset_median"]
                  for t in timing.values() if part in t and
                  np.isfinite(t[part]["cpu_seconds_per_dataset_median"])]
           for part in PARTS}
    together = sum(t["bca"]["n_with_main"] for t in timing.values()
                   if "bca" in t)
    lines += ["", "* CPU seconds per data set (median over data sets, "
              "range over settings): " + "; ".join(
                  f"{part} {min(v):.2f}-{max(v):.2f}"
                  for part, v in cpu.items() if v) + "."
              + (f" {together} 'bca' results came from the 'main' call "
                 "(their cost is in 'main')." if together else ""), ""]
    with open(os.path.join(args.out, "summary.rst"), "w") as handle:
        handle.write("\n".join(lines))


def _span(counts):
    values = sorted(set(counts.values()))
    if len(values) == 1:
        return str(values[0])
    return ", ".join(f"{k} {v}" for k, v in counts.items())


def _parse(argv):
    parser = argparse.ArgumentParser(
        description="Coverage of rsatoolbox_topo's bootstrap intervals of "
        "identification accuracy, and false-positive rates of its tests, "
        "all computed by the public functions bootstrap_identify and "
        "compare_statistics. Results are cached per data set under --raw, "
        "so a run can be stopped, extended (larger --n-datasets) or "
        "summarised again.")
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes (about a minute), written to "
                        "validation/quick/ unless --out/--raw are given")
    parser.add_argument("--settings", nargs="+", choices=SETTING_NAMES,
                        default=list(SETTING_NAMES))
    parser.add_argument("--parts", nargs="+", choices=PARTS,
                        default=list(PARTS),
                        help="what to compute per data set: 'main' "
                        "(ci_method='corrected': percentile, basic, bc, t, "
                        "corrected), 'bca' (ci_method='bca'), 'paired' "
                        "(compare_statistics); each round runs 'main' for "
                        "every setting first")
    parser.add_argument("--n-datasets", type=int, default=750,
                        help="simulated data sets per setting (750: a "
                        "coverage near 0.95 known to +-0.016)")
    parser.add_argument("--round-size", type=int, default=50,
                        help="data sets per setting per round (all "
                        "settings advance together, round by round; each "
                        "round is saved)")
    parser.add_argument("--n-bootstrap", type=int, default=200,
                        help="two-factor bootstrap samples per data set "
                        "(and one-factor samples of each factor for "
                        "'corrected')")
    parser.add_argument("--n-mc", type=int, default=4000,
                        help="fresh data sets for the Monte Carlo estimand")
    parser.add_argument("--components", type=int, default=30,
                        help="K: K individual sets x K condition sets for "
                        "the variance shares")
    parser.add_argument("--import-previous", default=None, metavar="NPZ",
                        help="import the 'bca' and 'paired' results of an "
                        "earlier run's datasets.npz after checking data "
                        "sets of every setting against the public API")
    parser.add_argument("--summarise-only", action="store_true",
                        help="only rebuild the tables from --raw")
    parser.add_argument("--unequal", action="store_true",
                        help="summarise every data set cached; by default "
                        "every setting is cut to the count of the setting "
                        "with the fewest ('main' part)")
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--raw", default=None,
                        help="cache of per-data-set results (default "
                        "validation/raw, not committed)")
    parser.add_argument("--out", default=None,
                        help="tables (default validation/results)")
    args = parser.parse_args(argv)
    base = os.path.join(_HERE, "quick" if args.quick else "")
    if args.quick:
        args.n_datasets, args.round_size = 12, 12
        args.n_bootstrap = 50
        args.n_mc, args.components = 100, 4
        args.settings = [s for s in args.settings
                         if s in ("hard-5", "null-5", "power-20")]
    args.raw = args.raw or os.path.join(base, "raw")
    args.out = args.out or os.path.join(base, "results")
    return args


def run(args):
    """Estimands, then the data sets round by round; results cached."""
    chosen = [s for s in SETTINGS if s.name in args.settings]
    folder = _raw_dir(args.raw, args.seed, args.n_bootstrap)
    os.makedirs(folder, exist_ok=True)
    for setting in chosen:
        path = os.path.join(folder, f"{setting.name}-estimand.npz")
        if os.path.exists(path):
            continue
        t0 = time.time()
        est = estimand(setting, args.seed, args.n_mc, args.n_jobs)
        shares = components(setting, args.seed, args.components, args.n_jobs)
        _save(path, {**est, "shares": np.array(shares),
                     "seconds": time.time() - t0})
        _log(f"{setting.name}: expected accuracy {est['mean'][0]:.4f} "
             f"(MC SE {est['se'][0]:.4f}), A - B {est['diff']:+.4f} "
             f"({est['diff_se']:.4f}); variance shares "
             + "/".join(f"{x:.2f}" for x in shares)
             + f"; {time.time() - t0:.0f} s (load "
             f"{os.getloadavg()[0]:.1f})")
    if args.import_previous:
        import_previous(args.import_previous, folder, args.seed,
                        args.n_bootstrap, n_jobs=args.n_jobs)
    parts = [p for p in PARTS if p in args.parts]
    for first in range(0, args.n_datasets, args.round_size):
        stop = min(args.n_datasets, first + args.round_size)
        for part in parts:
            for setting in chosen:
                start = max(first, _n_done(folder, setting.name, part))
                if start >= stop:
                    continue
                # 'main' and 'bca' of the same data sets from one call
                both = part == "main" and "bca" in parts and \
                    _n_done(folder, setting.name, "bca") == start
                t0 = time.time()
                res = simulate(setting, args.seed, start, stop,
                               args.n_bootstrap,
                               "main+bca" if both else part, args.n_jobs)
                saved = dict(zip(("main", "bca"), split_main_bca(res))) \
                    if both else {part: res}
                for name, values in saved.items():
                    values["wall_seconds"] = np.array(
                        time.time() - t0 if name == "main" else 0.0)
                    values["n_jobs"] = np.array(args.n_jobs)
                    _save(os.path.join(folder, f"{setting.name}-{name}-"
                                       f"d{start:05d}-{stop:05d}.npz"),
                          values)
                _log(f"{setting.name}: {' and '.join(saved)} of data sets "
                     f"{start}-{stop - 1} in {time.time() - t0:.0f} s (load "
                     f"{os.getloadavg()[0]:.1f})")


def summarise(args):
    """Tables from the cached results; returns the chosen default."""
    methods = list(METHODS)
    folder = _raw_dir(args.raw, args.seed, args.n_bootstrap)
    loaded = {}
    for setting in SETTINGS:
        parts = {part: _load_part(folder, setting.name, part)
                 for part in PARTS}
        est = _load_estimand(folder, setting.name)
        if parts["main"] is not None and est is not None:
            loaded[setting.name] = (parts, est)
    if not loaded:
        raise SystemExit(f"No cached results in {folder}.")
    n_main = {k: len(v[0]["main"]["index"]) for k, v in loaded.items()}
    cap = min(n_main.values()) if not args.unequal else max(n_main.values())
    settings_rows, coverage, tests, timing = [], [], [], {}
    counts = {part: {} for part in PARTS}
    per_dataset = {}
    for setting in SETTINGS:
        if setting.name not in loaded:
            continue
        parts, est = loaded[setting.name]
        n = min(cap, n_main[setting.name])
        # Every setting gets the same number of 'main' data sets; 'bca' and
        # 'paired' (imported from an earlier run where it had more) use
        # all they have.
        parts = dict(parts, main={k: (x[:n] if np.ndim(x) else x)
                                  for k, x in parts["main"].items()})
        main = parts["main"]
        truth = float(est["mean"][0])
        estimate, low, high, method_n = intervals(parts)
        n_bca = method_n[methods.index("bca")]
        p = parts["paired"]["p"] if parts["paired"] is not None else []
        counts["main"][setting.name] = n
        counts["bca"][setting.name] = n_bca
        counts["paired"][setting.name] = len(p)
        settings_rows.append({
            "setting": setting.name, "description": setting.description,
            "n_ind": setting.n_ind, "n_class": setting.n_class,
            "n_cond": setting.n_cond, "n_datasets": n,
            "n_bca": n_bca, "n_paired": len(p),
            "estimand": truth, "estimand_se": float(est["se"][0]),
            "n_mc": int(est["n_mc"]),
            "mean_estimate": float(main["estimate"].mean()),
            "sd_estimate": float(main["estimate"].std(ddof=1)),
            "share_individuals": float(est["shares"][0]),
            "share_conditions": float(est["shares"][1]),
            "share_rest": float(est["shares"][2]),
            "estimand_a": float(est["mean"][1]),
            "estimand_b": float(est["mean"][2]),
            "diff_ab": float(est["diff"]), "diff_ab_se": float(est["diff_se"]),
            "corrected_capped": float(np.nanmean(main["capped"])),
            **{f"param_{f.name}": getattr(setting, f.name)
               for f in dataclasses.fields(setting)
               if f.name not in ("name", "description")}})
        coverage += coverage_rows(setting.name, estimate, low, high,
                                  methods, truth, method_n)
        tests += test_rows(setting, p, low, methods, method_n)
        rows = max(len(estimate), len(p))
        table = np.full((rows, 2 + 2 * len(methods)), np.nan)
        table[:len(estimate)] = np.column_stack([estimate, low, high, np.full(
            len(estimate), np.nan)])
        table[:len(p), -1] = p
        per_dataset[setting.name] = table
        timing[setting.name] = {
            part: {"n_computed": int(np.sum(~v["imported"])),
                   "n_imported": int(np.sum(v["imported"])),
                   "n_with_main": int(np.sum(v["with_main"])),
                   "cpu_seconds_per_dataset_median": round(float(
                       np.nanmedian(v["seconds"])) if np.any(
                           np.isfinite(v["seconds"])) else np.nan, 3),
                   "cpu_seconds_total": round(float(np.nansum(
                       v["seconds"])), 1),
                   "wall_seconds_total": round(v["wall_seconds"], 1)}
            for part, v in parts.items() if v is not None}
        timing[setting.name]["estimand_seconds"] = round(
            float(est["seconds"]), 1)
    default, reason = choose_default(coverage, methods)
    write_tables(args.out, settings_rows, coverage, tests, methods)
    write_summary(args, default, reason, settings_rows, coverage, tests,
                  {k: {p: t[p] for p in PARTS if p in t}
                   for k, t in timing.items()}, counts)
    np.savez_compressed(
        os.path.join(args.out, "datasets.npz"),
        columns=np.array(["estimate"] + [f"{m}_low" for m in methods]
                         + [f"{m}_high" for m in methods] + ["paired_p"]),
        **per_dataset)
    record = {"n_bootstrap": args.n_bootstrap, "seed": args.seed,
              "n_mc": int(next(iter(loaded.values()))[1]["n_mc"]),
              "methods": methods, "default_method": default,
              "default_reason": reason, "counts": counts,
              "imported": "the 'bca' and 'paired' results of the first "
              "data sets (timing n_imported) come from the earlier run's "
              "validation/results/datasets.npz (commit 0371bb6) after "
              "checking 5 data sets per setting against the public API "
              "(--import-previous)",
              "timing": timing, "cpu_count": os.cpu_count(),
              "python": platform.python_version(),
              "summarised": time.strftime("%Y-%m-%d %H:%M UTC",
                                          time.gmtime())}
    with open(os.path.join(args.out, "run.json"), "w") as handle:
        json.dump(record, handle, indent=1)
    _log(f"default: {default} ({reason})")
    return default


def main(argv=None):
    """Run (unless --summarise-only) and summarise; return the default."""
    args = _parse(argv)
    _log("python validation/interval_coverage.py " + " ".join(
        sys.argv[1:] if argv is None else argv) + f" (load "
        f"{os.getloadavg()[0]:.1f}, {os.cpu_count()} cores)")
    started = time.time()
    if not args.summarise_only:
        run(args)
    default = summarise(args)
    _log(f"done in {time.time() - started:.0f} s")
    return default


def _use_this_checkout():
    """Import the package of the checkout this script lives in, in this
    process and in joblib's worker processes."""
    root = os.path.dirname(_HERE)
    sys.path.insert(0, root)
    os.environ["PYTHONPATH"] = os.pathsep.join(
        [root] + [p for p in [os.environ.get("PYTHONPATH")] if p])


if __name__ == "__main__":
    _use_this_checkout()
    main()
