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
def _draw_units(rng, n_units, n_samples, min_distinct):
    """Index draws with replacement; rows with too few distinct units are
    redrawn (as the package's two-factor bootstrap does)."""
    out = np.empty((n_samples, n_units), dtype=np.intp)
    for b in range(n_samples):
        while True:
            row = rng.integers(0, n_units, n_units)
            if len(np.unique(row)) >= min_distinct:
                break
        out[b] = np.sort(row)
    return out


def resample(rdms, n_bootstrap, n_one_factor, random_state, paired=True):
    """Everything the interval methods and the paired test need.

    * ``estimate``, ``samples``: :func:`bootstrap_identify` of the raw
      RDM (two-factor: individuals with all their RDMs x conditions);
    * ``unit``: each held-out individual's leave-one-out accuracy (the
      't' interval's units), from :func:`identify`'s credits;
    * ``jack_ind``, ``jack_cond``: leave-one-individual-out and
      leave-one-condition-out full-data accuracies ('bca' acceleration);
    * ``ind_only``, ``cond_only``: one-factor bootstraps (individuals
      only, conditions only) for the variance correction ('corrected');
    * ``acc_ab``, ``samples_ab``: statistics A and B by
      :func:`bootstrap_identify` with the same ``random_state``, hence on
      the same (shared) bootstrap samples (NaN unless ``paired``).

    The intervals made from these ('percentile', 'basic', 'bc', 'bca', 't')
    and the paired p-value are those of ``bootstrap_identify(...,
    ci_method=...).confidence_interval`` and ``compare_statistics`` for the
    same ``random_state`` (tests/test_validation_study.py checks it); the
    one-factor bootstraps of 'corrected' are drawn here (``n_one_factor``
    samples each), where ``bootstrap_identify`` draws ``n_bootstrap``.

    Returns
    -------
    dict of ndarray
    """
    from rsatoolbox_topo import identification as idn

    start = time.perf_counter()
    boot = idn.bootstrap_identify(rdms, BY, ACROSS, n_bootstrap=n_bootstrap,
                                  random_state=random_state)
    point = idn.identify(rdms, BY, ACROSS)
    n_class, n_ind, n_cond = len(point.classes), len(point.individuals), \
        rdms.n_cond
    unit = np.trace(point.credit, axis1=1, axis2=2) / n_class
    inds = list(range(n_ind))
    jack_ind = [idn.identify(rdms.subset(ACROSS, inds[:k] + inds[k + 1:]),
                             BY, ACROSS).accuracy for k in range(n_ind)]
    conds = list(range(n_cond))
    jack_cond = [idn.identify(rdms.subsample_pattern(
        "index", conds[:k] + conds[k + 1:]), BY, ACROSS).accuracy
        for k in range(n_cond)]
    # One-factor bootstraps through the engine behind bootstrap_identify
    # (the public function only offers the two-factor bootstrap).
    rng = np.random.default_rng(random_state)
    data = idn._Data(rdms, BY, ACROSS)
    ind_draws = _draw_units(rng, n_ind, n_one_factor, 2)
    mult = np.stack([np.bincount(row, minlength=n_ind) for row in ind_draws])
    fixed = np.tile(np.arange(n_cond), (n_one_factor, 1))
    ind_only = idn._sample_general(data.rdms, data.raw, data.valid, mult,
                                   fixed, [None], "euclidean", "split")[:, 0]
    cond_draws = _draw_units(rng, n_cond, n_one_factor, 3)
    ones = np.ones((n_one_factor, n_ind), dtype=np.int64)
    cond_only = idn._sample_general(data.rdms, data.raw, data.valid, ones,
                                    cond_draws, [None], "euclidean",
                                    "split")[:, 0]
    acc_ab, samples_ab = [np.nan] * 2, [np.full(n_bootstrap, np.nan)] * 2
    for k, statistic in enumerate((group1_pairs, group2_pairs)):
        if paired:
            res = idn.bootstrap_identify(rdms, BY, ACROSS, statistic,
                                         n_bootstrap=n_bootstrap,
                                         random_state=random_state)
            acc_ab[k], samples_ab[k] = res.accuracy, res.samples
    return {"estimate": boot.accuracy, "samples": boot.samples,
            "unit": unit, "jack_ind": np.array(jack_ind),
            "jack_cond": np.array(jack_cond), "ind_only": ind_only,
            "cond_only": cond_only, "acc_ab": np.array(acc_ab),
            "samples_ab": np.stack(samples_ab, axis=1),
            "seconds": time.perf_counter() - start}


def _resample_task(setting, seed, start, stop, n_bootstrap, n_one_factor,
                   paired=True):
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
            out.append(resample(rdms, n_bootstrap, n_one_factor, boot_seed,
                                paired))
    return {key: np.stack([np.asarray(r[key]) for r in out])
            for key in out[0]}


def intervals(res, methods, level=LEVEL):
    """Intervals of every method for stacked resampling results.

    Returns
    -------
    low, high : ndarray, shape (n_datasets, n_methods)
    """
    from rsatoolbox_topo._resampling import confidence_interval

    n = len(res["estimate"])
    n_ind, n_cond = res["unit"].shape[1], res["jack_cond"].shape[1]
    low = np.full((n, len(methods)), np.nan)
    high = np.full((n, len(methods)), np.nan)
    for i in range(n):
        for j, method in enumerate(methods):
            low[i, j], high[i, j] = confidence_interval(
                res["samples"][i], res["estimate"][i], level=level,
                method=method,
                jackknife=[res["jack_ind"][i], res["jack_cond"][i]],
                unit_values=res["unit"][i],
                one_factor=(res["ind_only"][i], res["cond_only"][i]),
                n_units=(n_ind, n_cond))
    return low, high


def corrected_capped(res):
    """Fraction of data sets whose 'corrected' variance is capped at the
    two-factor bootstrap variance (the correction then changes nothing)."""
    from rsatoolbox_topo._resampling import _corrected_variance

    n_ind, n_cond = res["unit"].shape[1], res["jack_cond"].shape[1]
    v = np.nanvar(res["samples"], axis=1, ddof=1)
    var = _corrected_variance(v, np.nanvar(res["ind_only"], axis=1, ddof=1),
                              np.nanvar(res["cond_only"], axis=1, ddof=1),
                              n_ind, n_cond)
    return float(np.mean(var >= v))


def paired_p(res):
    """Centred bootstrap p-values of A - B, one per data set."""
    from rsatoolbox_topo._resampling import bootstrap_p_value

    diff = res["samples_ab"][:, :, 0] - res["samples_ab"][:, :, 1]
    observed = res["acc_ab"][:, 0] - res["acc_ab"][:, 1]
    return np.array([bootstrap_p_value(d, o)
                     for d, o in zip(diff, observed)])


# ------------------------------------------------------------ driver
def _log(message):
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())} UTC] {message}",
          flush=True)


def _run(function, tasks, n_jobs, desc):
    from rsatoolbox_topo._parallel import run_tasks

    return run_tasks(function, tasks, n_jobs=n_jobs, progress=False,
                     desc=desc)


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
                         _chunks(0, n_mc, 100)],
        n_jobs, f"estimand {setting.name}"))
    diff = acc[:, 1] - acc[:, 2]
    return {"mean": acc.mean(axis=0), "sd": acc.std(axis=0, ddof=1),
            "se": acc.std(axis=0, ddof=1) / np.sqrt(n_mc),
            "diff": diff.mean(), "diff_se": diff.std(ddof=1) / np.sqrt(n_mc),
            "n_mc": n_mc}


def components(setting, seed, size, n_jobs=1):
    """Variance shares (individuals, conditions, rest) of the accuracy."""
    acc = np.array(_run(_components_task,
                        [(setting, seed, k, size) for k in range(size)],
                        n_jobs, f"components {setting.name}"))
    return variance_components(acc)


def simulate(setting, seed, first, stop, n_bootstrap, n_one_factor,
             paired=True, n_jobs=1, chunk=5):
    """Resampling results of data sets ``first .. stop - 1`` (stacked)."""
    tasks = [(setting, seed, a, b, n_bootstrap, n_one_factor, paired)
             for a, b in _chunks(first, stop, chunk)]
    parts = _run(_resample_task, tasks, n_jobs, f"data sets {setting.name}")
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


def _load_setting(folder, name):
    """Concatenated resampling results of one setting, by data set index."""
    import glob

    parts = []
    for path in sorted(glob.glob(os.path.join(folder, f"{name}-d*.npz"))):
        with np.load(path) as npz:
            parts.append({k: npz[k] for k in npz.files})
    if not parts:
        return None
    parts.sort(key=lambda p: p["index"][0])
    out = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]
           if np.ndim(parts[0][k])}
    out["wall_seconds"] = float(sum(p["wall_seconds"] for p in parts))
    if np.any(np.diff(out["index"]) != 1) or out["index"][0] != 0:
        raise ValueError(f"Data sets of {name} in {folder} are not "
                         "0, 1, 2, ... without gaps or repeats.")
    return out


def _load_estimand(folder, name):
    path = os.path.join(folder, f"{name}-estimand.npz")
    if not os.path.exists(path):
        return None
    with np.load(path) as npz:
        return {k: npz[k] for k in npz.files}


# ------------------------------------------------------------ summaries
def coverage_rows(name, estimate, low, high, methods, truth):
    """One row per method: coverage, misses on each side, width."""
    rows = []
    for j, method in enumerate(methods):
        lo, hi = low[:, j], high[:, j]
        formed = np.isfinite(lo) & np.isfinite(hi)
        covered = formed & (lo <= truth) & (truth <= hi)
        cov, c_low, c_high, n = rate(covered)
        rows.append({
            "setting": name, "method": method, "coverage": cov,
            "coverage_low": c_low, "coverage_high": c_high, "n": n,
            "mean_width": float(np.nanmean(hi - lo)),
            "truth_below": float(np.mean(formed & (truth < lo))),
            "truth_above": float(np.mean(formed & (truth > hi))),
            "excludes_estimate": float(np.mean(
                formed & ((estimate < lo) | (estimate > hi)))),
            "not_formed": float(np.mean(~formed))})
    return rows


def test_rows(setting, p, low, methods):
    """False-positive rates (or power) of the paired and the chance tests."""
    null = setting.group2_noise == 1.0
    p = p[np.isfinite(p)]
    rows = [dict(setting=setting.name,
                 test="paired A vs B: p < 0.05",
                 kind="false-positive rate" if null else "power",
                 **dict(zip(("rate", "low", "high", "n"),
                            rate(p < ALPHA))))] if len(p) else []
    if setting.signal == 0:
        for j, method in enumerate(methods):
            rows.append(dict(
                setting=setting.name,
                test=f"chance: {method} lower bound > chance",
                kind="false-positive rate",
                **dict(zip(("rate", "low", "high", "n"),
                           rate(np.isfinite(low[:, j])
                                & (low[:, j] > setting.chance))))))
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


def bootstrap_size_rows(name, small, large, methods, truth):
    """Coverage with few vs many bootstrap samples on the same data sets.

    ``small`` and ``large`` are ``(low, high)`` pairs of arrays.
    """
    rows = []
    for j, method in enumerate(methods):
        hit = [(lo[:, j] <= truth) & (truth <= hi[:, j])
               for lo, hi in (small, large)]
        n = len(hit[0])
        gain = int(np.sum(hit[1] & ~hit[0]))
        loss = int(np.sum(hit[0] & ~hit[1]))
        diff = (gain - loss) / n
        # Normal interval of a paired difference of proportions.
        half = 1.96 * np.sqrt(max(gain + loss - n * diff ** 2, 0.0)) / n
        rows.append({
            "setting": name, "method": method, "n": n,
            "coverage_small": float(hit[0].mean()),
            "coverage_large": float(hit[1].mean()),
            "difference": diff, "difference_low": diff - half,
            "difference_high": diff + half,
            "covered_only_large": gain, "covered_only_small": loss,
            "width_small": float(np.nanmean(small[1][:, j]
                                            - small[0][:, j])),
            "width_large": float(np.nanmean(large[1][:, j]
                                            - large[0][:, j]))})
    return rows


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


def write_tables(out, settings_rows, coverage, tests, size_rows, methods):
    """CSV tables (numbers) and display tables for the docs page."""
    os.makedirs(out, exist_ok=True)
    _write_csv(os.path.join(out, "settings.csv"), settings_rows)
    _write_csv(os.path.join(out, "coverage.csv"), coverage)
    _write_csv(os.path.join(out, "tests.csv"), tests)
    _write_csv(os.path.join(out, "bootstrap_size.csv"), size_rows)
    names = list(dict.fromkeys(r["setting"] for r in coverage))
    by = {(r["setting"], r["method"]): r for r in coverage}
    _write_csv(os.path.join(out, "coverage_display.csv"), [
        {"setting": name, "n": by[name, methods[0]]["n"], **{
            m: _ci_text(by[name, m]["coverage"], by[name, m]["coverage_low"],
                        by[name, m]["coverage_high"]) for m in methods}}
        for name in names])
    _write_csv(os.path.join(out, "width_display.csv"), [
        {"setting": name, **{m: f"{by[name, m]['mean_width']:.3f}"
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
    if not size_rows:
        _write_csv(os.path.join(out, "bootstrap_size_display.csv"), [
            {"setting": "not measured in this run (see --compare-bootstrap)"}])
    else:
        _write_csv(os.path.join(out, "bootstrap_size_display.csv"), [
            {"setting": r["setting"], "method": r["method"], "n": r["n"],
             "coverage B small": f"{r['coverage_small']:.3f}",
             "coverage B large": f"{r['coverage_large']:.3f}",
             "difference [95% CI]": _ci_text(r["difference"],
                                             r["difference_low"],
                                             r["difference_high"]),
             "width small / large":
                 f"{r['width_small']:.3f} / {r['width_large']:.3f}"}
            for r in size_rows])


# ------------------------------------------------------------ command line
_HERE = os.path.dirname(os.path.abspath(__file__))


def write_summary(args, default, reason, settings_rows, coverage, tests,
                  timing):
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
    lines += ["", "* Settings where the default covers less than 0.93: "
              + (", ".join(short) if short else "none") + "."]
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
    n = sorted({r["n"] for r in coverage})
    cpu = sum(t["cpu_seconds_total"] for t in timing.values())
    wall = sum(t["wall_seconds"] + t["estimand_seconds"]
               for t in timing.values())
    lines += ["", f"* Size: {n[0]}{'' if len(n) == 1 else f'-{n[-1]}'} "
              f"data sets per setting, {args.n_bootstrap} two-factor and "
              f"2 x {args.n_one_factor} one-factor bootstrap samples per "
              f"data set; {cpu / 60:.0f} worker-minutes for the data sets "
              "(wall time per data set summed over the workers), "
              f"{wall / 60:.0f} minutes wall time in all (estimands "
              "included).", ""]
    with open(os.path.join(args.out, "summary.rst"), "w") as handle:
        handle.write("\n".join(lines))


def _parse(argv):
    parser = argparse.ArgumentParser(
        description="Coverage of rsatoolbox_topo's bootstrap intervals of "
        "identification accuracy, and false-positive rates of its tests. "
        "Resampling results are cached per data set under --raw, so a run "
        "can be extended (larger --n-datasets) or summarised again.")
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes (about a minute), written to "
                        "validation/quick/ unless --out/--raw are given")
    parser.add_argument("--settings", nargs="+", choices=SETTING_NAMES,
                        default=list(SETTING_NAMES))
    parser.add_argument("--n-datasets", type=int, default=750,
                        help="simulated data sets per setting (750: a "
                        "coverage near 0.95 known to +-0.016, about an "
                        "hour on 2 cores)")
    parser.add_argument("--round-size", type=int, default=250,
                        help="data sets per setting per round (all "
                        "settings advance together, round by round)")
    parser.add_argument("--n-bootstrap", type=int, default=200,
                        help="two-factor bootstrap samples per data set")
    parser.add_argument("--n-one-factor", type=int, default=100,
                        help="samples of each one-factor bootstrap "
                        "('corrected')")
    parser.add_argument("--n-mc", type=int, default=4000,
                        help="fresh data sets for the Monte Carlo estimand")
    parser.add_argument("--components", type=int, default=30,
                        help="K: K individual sets x K condition sets for "
                        "the variance shares")
    parser.add_argument("--compare-bootstrap", type=int, default=1000,
                        help="summarise: compare coverage with the results "
                        "of this many bootstrap samples where a run made "
                        "them (same seed, same data sets)")
    parser.add_argument("--no-paired", action="store_true",
                        help="skip statistics A and B (e.g. for the check "
                        "of the number of bootstrap samples)")
    parser.add_argument("--summarise-only", action="store_true",
                        help="only rebuild the tables from --raw")
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--raw", default=None,
                        help="cache of resampling results (default "
                        "validation/raw, not committed)")
    parser.add_argument("--out", default=None,
                        help="tables (default validation/results)")
    args = parser.parse_args(argv)
    base = os.path.join(_HERE, "quick" if args.quick else "")
    if args.quick:
        args.n_datasets, args.round_size = 12, 12
        args.n_bootstrap, args.n_one_factor = 50, 25
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
             + f"; {time.time() - t0:.0f} s")
    for first in range(0, args.n_datasets, args.round_size):
        stop = min(args.n_datasets, first + args.round_size)
        for setting in chosen:
            path = os.path.join(folder,
                                f"{setting.name}-d{first:05d}-{stop:05d}.npz")
            if os.path.exists(path):
                continue
            t0 = time.time()
            res = simulate(setting, args.seed, first, stop, args.n_bootstrap,
                           args.n_one_factor, not args.no_paired,
                           args.n_jobs)
            res["wall_seconds"] = np.array(time.time() - t0)
            res["n_jobs"] = np.array(args.n_jobs)
            _save(path, res)
            _log(f"{setting.name}: data sets {first}-{stop - 1} in "
                 f"{time.time() - t0:.0f} s (load "
                 f"{os.getloadavg()[0]:.1f})")


def summarise(args):
    """Tables from the cached results; returns the chosen default."""
    from rsatoolbox_topo._resampling import INTERVAL_METHODS

    methods = list(INTERVAL_METHODS)
    folder = _raw_dir(args.raw, args.seed, args.n_bootstrap)
    big = _raw_dir(args.raw, args.seed, args.compare_bootstrap)
    settings_rows, coverage, tests, size_rows, timing = [], [], [], [], {}
    per_dataset = {}
    for setting in SETTINGS:
        res = _load_setting(folder, setting.name)
        est = _load_estimand(folder, setting.name)
        if res is None or est is None:
            continue
        truth = float(est["mean"][0])
        low, high = intervals(res, methods)
        p = paired_p(res)
        settings_rows.append({
            "setting": setting.name, "description": setting.description,
            "n_ind": setting.n_ind, "n_class": setting.n_class,
            "n_cond": setting.n_cond, "n_datasets": len(res["estimate"]),
            "estimand": truth, "estimand_se": float(est["se"][0]),
            "n_mc": int(est["n_mc"]),
            "mean_estimate": float(res["estimate"].mean()),
            "sd_estimate": float(res["estimate"].std(ddof=1)),
            "share_individuals": float(est["shares"][0]),
            "share_conditions": float(est["shares"][1]),
            "share_rest": float(est["shares"][2]),
            "estimand_a": float(est["mean"][1]),
            "estimand_b": float(est["mean"][2]),
            "diff_ab": float(est["diff"]), "diff_ab_se": float(est["diff_se"]),
            **{f"param_{f.name}": getattr(setting, f.name)
               for f in dataclasses.fields(setting)
               if f.name not in ("name", "description")}})
        coverage += coverage_rows(setting.name, res["estimate"], low, high,
                                  methods, truth)
        tests += test_rows(setting, p, low, methods)
        per_dataset[setting.name] = np.column_stack(
            [res["estimate"], low, high, res["acc_ab"], p])
        settings_rows[-1]["corrected_capped"] = corrected_capped(res)
        timing[setting.name] = {
            "cpu_seconds_per_dataset_median": round(float(np.median(
                res["seconds"])), 3),
            "cpu_seconds_total": round(float(res["seconds"].sum()), 1),
            "wall_seconds": round(res["wall_seconds"], 1),
            "estimand_seconds": round(float(est["seconds"]), 1)}
        other = _load_setting(big, setting.name) if big != folder else None
        if other is not None:
            n = min(len(other["estimate"]), len(res["estimate"]))
            size_rows += bootstrap_size_rows(
                setting.name, (low[:n], high[:n]),
                intervals({k: v[:n] for k, v in other.items()
                           if np.ndim(v)}, methods), methods, truth)
    if not coverage:
        raise SystemExit(f"No cached results in {folder}.")
    default, reason = choose_default(coverage, methods)
    write_tables(args.out, settings_rows, coverage, tests, size_rows,
                 methods)
    write_summary(args, default, reason, settings_rows, coverage, tests,
                  timing)
    np.savez_compressed(
        os.path.join(args.out, "datasets.npz"),
        columns=np.array(["estimate"] + [f"{m}_low" for m in methods]
                         + [f"{m}_high" for m in methods]
                         + ["acc_a", "acc_b", "paired_p"]), **per_dataset)
    record = {"n_bootstrap": args.n_bootstrap,
              "n_one_factor": args.n_one_factor, "seed": args.seed,
              "methods": methods, "default_method": default,
              "default_reason": reason, "timing": timing,
              "cpu_count": os.cpu_count(),
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


if __name__ == "__main__":
    main()
