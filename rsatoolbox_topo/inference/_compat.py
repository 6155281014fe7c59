"""rsatoolbox's inference internals, forked where they cannot be used as is.

Each piece here reproduces a part of rsatoolbox 0.3.2
(``rsatoolbox.inference`` and ``rsatoolbox.rdm.compare``) with the same
numbers wherever rsatoolbox's are defined, and is kept only until rsatoolbox
offers what it needs. Every fork names, in a comment starting with
``UPSTREAM:``, the rsatoolbox change that would let it go. The code named
was checked in rsatoolbox 0.3.2 and, for rdm/compare.py,
inference/evaluate.py and inference/noise_ceiling.py, on a copy of
rsatoolbox's main branch, which has it unchanged. The drivers of
:mod:`rsatoolbox_topo.inference` call these instead of the rsatoolbox
functions named.

Names have no leading underscore: this private module is meant to be
imported by the inference package (the package's convention for private
modules).
"""

import warnings

import numpy as np
from rsatoolbox.inference import sets_leave_one_out_rdm
from rsatoolbox.inference.noise_ceiling import cv_noise_ceiling as _rsa_cv_nc
from rsatoolbox.rdm import compare as _rsa_compare
from rsatoolbox.util.inference_util import pool_rdm

from .. import topology as _topology
from ..exceptions import InferenceWarning

# A pooled RDM this close to constant (z-score units) counts as undefined.
POOL_TOL = 1e-9


def constant_rows(vectors):
    """Which rows of an array of RDM vectors are constant (NaN ignored)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.nanmax(vectors, axis=1) == np.nanmin(vectors, axis=1)


# ------------------------------------------------------------ comparators
def compare(rdms1, rdms2, method):
    """rsatoolbox's compare, one pair at a time where a vector is constant.

    rsatoolbox 0.3.2's cosine kernel (used by 'cosine', 'corr' and the rank
    correlations) fills the similarities of the vectors with non-zero norm
    into the wrong cells as soon as one vector has zero norm (np.putmask
    cycles its values by flat index). Statistics make constant RDMs common
    (e.g. an RGTM whose thresholds exclude every pair), so those cases are
    compared pair by pair, where rsatoolbox's answer (0) is right. The
    persistent-homology comparators of :mod:`rsatoolbox_topo.topology` give
    similarities ``-distance``.
    """
    # UPSTREAM: rsatoolbox.rdm.compare._cosine ends with
    # ``np.putmask(cos, np.outer(norm_1 > 0, norm_2 > 0), cos_ok)``, which
    # writes cos_ok in the wrong order; ``cos[np.ix_(sel_1, sel_2)] = cos_ok``
    # retires the pair-by-pair loop. A comparator registry in
    # rsatoolbox.rdm.compare (a name -> function table that plugins can add
    # to) would retire the topology dispatch.
    if method in _topology.METHODS:
        return -_topology.distance_matrix(rdms1.dissimilarities,
                                          rdms2.dissimilarities, method)

    def constant(rdms):
        return np.any(constant_rows(rdms.dissimilarities))

    if not (constant(rdms1) or constant(rdms2)):
        return _rsa_compare(rdms1, rdms2, method)
    return np.array([[_rsa_compare(rdms1[i], rdms2[k], method)[0, 0]
                      for k in range(rdms2.n_rdm)]
                     for i in range(rdms1.n_rdm)])


def pool(rdms, method):
    """rsatoolbox's pool_rdm; rank pooling for the topological methods."""
    # UPSTREAM: rsatoolbox.util.inference_util.pool_rdm raises for a method
    # it does not know; the same comparator registry (each comparator
    # naming its pooling) retires this mapping.
    return pool_rdm(rdms, method="spearman" if method in _topology.METHODS
                    else method)


# ------------------------------------------------------------ noise ceilings
def boot_noise_ceiling(rdms, method, rdm_descriptor):
    """rsatoolbox's boot_noise_ceiling, NaN where a pooled RDM is undefined.

    The same leave-one-group-out pooling and comparisons as rsatoolbox's
    (same numbers whenever they are defined). A transformed data RDM
    without variance (e.g. an RGTM with thresholds (1, 1), all 0), or
    training RDMs that cancel when pooled, leave no pooled RDM to compare:
    rsatoolbox then divides by zero and raises an unrelated error about NaN
    positions, or returns rounding noise; here that bound is NaN.
    """
    # UPSTREAM: rsatoolbox.inference.noise_ceiling.boot_noise_ceiling (and
    # pool_rdm, which divides by the RDMs' norm unchecked) returning NaN
    # for a pooled RDM without variance retires this copy.
    _, test_set, ceil_set = sets_leave_one_out_rdm(rdms, rdm_descriptor)
    with warnings.catch_warnings():
        # the divisions by zero that the NaN results report
        warnings.simplefilter("ignore", RuntimeWarning)
        pred_test = pool(rdms, method)
        low, high = [], []
        for train, test in zip(ceil_set, test_set):
            pred_train = pool(train[0], method)
            low.append(pooled_similarity(pred_train, test[0], method))
            high.append(pooled_similarity(pred_test, test[0], method))
    return np.mean(low), np.mean(high)


def pooled_similarity(pooled, test, method):
    """Mean similarity of a pooled RDM with test RDMs; NaN if undefined."""
    vec = pooled.dissimilarities[0]
    if not np.array_equal(np.isnan(vec), np.isnan(test.dissimilarities[0])):
        return np.nan
    valid = vec[~np.isnan(vec)]
    spread = np.abs(valid).max() if method == "cosine" else np.ptp(valid)
    if spread <= POOL_TOL:
        return np.nan
    return np.mean(compare(pooled, test, method))


def cv_noise_ceiling(rdms, ceil_set, test_set, method, pattern_descriptor,
                     transform=None):
    """rsatoolbox's cv_noise_ceiling, ``transform`` on the test conditions.

    ``transform(rdms, where)`` (the statistic) is applied after restricting
    to each fold's test conditions, to the training RDMs that form the
    ceiling and to the test RDMs; without it, and for rsatoolbox's own
    comparators, rsatoolbox's function is used.
    """
    # UPSTREAM: rsatoolbox.inference.noise_ceiling.cv_noise_ceiling taking
    # a ``transform`` callable applied to the RDMs restricted to the test
    # conditions (and using the comparator registry above) retires this.
    if transform is None and method not in _topology.METHODS:
        return _rsa_cv_nc(rdms, ceil_set, test_set, method=method,
                          pattern_descriptor=pattern_descriptor)
    if transform is None:
        def transform(rdms, where):
            return rdms
    noise_min, noise_max = [], []
    where = "the noise ceiling's test conditions"
    for ceil, test in zip(ceil_set, test_set):
        test_t = transform(test[0], where)
        train = transform(ceil[0].subsample_pattern(
            pattern_descriptor, test[1]), where)
        full = transform(rdms.subsample_pattern(
            pattern_descriptor, test[1]), where)
        noise_min.append(np.mean(compare(pool(train, method), test_t,
                                         method)))
        noise_max.append(np.mean(compare(pool(full, method), test_t,
                                         method)))
    return np.mean(noise_min), np.mean(noise_max)


# ------------------------------------------------------------ fold sets
def sets_k_fold(rdms, k_rdm, k_pattern, rng, pattern_descriptor,
                rdm_descriptor):
    """rsatoolbox's sets_k_fold(random=True), shuffled by ``rng``.

    Reimplemented because rsatoolbox shuffles with numpy's global state;
    the group sizes and the leftover assignment are rsatoolbox's.
    """
    # UPSTREAM: rsatoolbox.inference.crossvalsets.sets_k_fold (and
    # sets_k_fold_rdm / sets_k_fold_pattern) shuffle with
    # ``np.random.shuffle``; a ``random_state`` (numpy Generator) argument
    # used for both shuffles retires this copy and split() below.
    rdm_select = rng.permutation(np.unique(
        np.asarray(rdms.rdm_descriptors[rdm_descriptor])))
    if k_rdm > len(rdm_select):
        raise ValueError(
            f"The 'k_rdm' parameter ({k_rdm}) exceeds the number of RDM "
            f"groups ({len(rdm_select)}).")
    train_set, test_set, ceil_set = [], [], []
    for test_idx, train_idx in split(len(rdm_select), k_rdm):
        rdms_test = rdms.subsample(rdm_descriptor,
                                   [rdm_select[i] for i in test_idx])
        rdms_train = rdms.subsample(rdm_descriptor,
                                    [rdm_select[i] for i in train_idx])
        pattern_select = rng.permutation(np.unique(np.asarray(
            rdms_train.pattern_descriptors[pattern_descriptor])))
        if k_pattern > len(pattern_select):
            raise ValueError(
                f"The 'k_pattern' parameter ({k_pattern}) exceeds the number "
                f"of condition groups ({len(pattern_select)}).")
        for p_test, p_train in split(len(pattern_select), k_pattern):
            test_vals = [pattern_select[i] for i in p_test]
            train_vals = [pattern_select[i] for i in p_train]
            train_set.append([rdms_train.subset_pattern(pattern_descriptor,
                                                        train_vals),
                              train_vals])
            ceil_set.append([rdms_train.subset_pattern(pattern_descriptor,
                                                       test_vals),
                             test_vals])
            test_set.append([rdms_test.subset_pattern(pattern_descriptor,
                                                      test_vals),
                             list(test_vals)])
    return train_set, test_set, ceil_set


def split(n, k):
    """rsatoolbox's k-fold index split of n shuffled items."""
    size = n // k
    extra = n % k
    out = []
    for group in range(k):
        test = list(range(group * size, (group + 1) * size))
        if group < extra:
            test.append(n - (group + 1))
        train = test if k <= 1 else sorted(set(range(n)) - set(test))
        out.append((test, train))
    return out


def concat_sampling(sample1, sample2):
    """Index vector of sampling with sample1, then selecting sample2."""
    # UPSTREAM: a copy of rsatoolbox.inference.evaluate._concat_sampling
    # (private there); goes with _internal_cv once rsatoolbox's
    # _internal_cv takes a random_state and a per-fold transform.
    return [s1 for s2 in sample2 for s1 in sample1 if s1 == s2]


# ------------------------------------------------------------ variances
def bootstrap_variances(evaluations, noise_ceil):
    """Covariance of a bootstrap's evaluations, and its noise ceiling.

    ``noise_ceil`` is either one (low, high) pair per sample, shape
    (n_samples, 2) (``boot_noise_ceil=True``: the covariance includes the
    ceiling) or one pair for all samples, shape (2,). Returns the noise
    ceiling as Result stores it and the covariance. Samples whose first
    evaluation is NaN (skipped) drop out.
    """
    # UPSTREAM: rsatoolbox.inference.evaluate.eval_bootstrap_rdm overwrites
    # its variances by ``variances = np.cov(evaluations.T)`` after this
    # computation (so tests against the noise ceiling ignore its
    # variance); without that line, and with this block as one shared
    # helper of eval_bootstrap / eval_bootstrap_pattern / eval_bootstrap_rdm,
    # the drivers could call rsatoolbox's.
    eval_ok = np.isfinite(evaluations[:, 0])
    noise_ceil = np.asarray(noise_ceil)
    if noise_ceil.ndim == 2:
        noise_ceil = noise_ceil.T
        variances = np.cov(np.concatenate([evaluations[eval_ok, :].T,
                                           noise_ceil[:, eval_ok]]))
    else:
        variances = np.cov(evaluations[eval_ok, :].T)
    return noise_ceil, variances


def cv_variances(evaluations, noise_ceil, n_cv, use_correction):
    """rsatoolbox's bootstrap_crossval variance, cross-validation corrected.

    ``evaluations`` (n_samples, n_models, n_folds, n_cv), ``noise_ceil``
    (2, n_samples, n_cv).
    """
    # UPSTREAM: the variance block at the end of
    # rsatoolbox.inference.evaluate.bootstrap_crossval, as a public helper
    # (e.g. in rsatoolbox.util.inference_util) that drivers with their own
    # sampling can call, retires this copy.
    eval_ok = ~np.isnan(evaluations[:, 0, 0, 0])
    if use_correction and n_cv > 1:
        evals_mean = np.mean(np.mean(evaluations[eval_ok], -1), -1)
        evals_1 = np.mean(evaluations[eval_ok], -2)
        noise_ceil_mean = np.mean(noise_ceil[:, eval_ok], -1)
        noise_ceil_1 = noise_ceil[:, eval_ok]
        var_mean = np.cov(np.concatenate([evals_mean.T, noise_ceil_mean]))
        var_1 = np.mean([np.cov(np.concatenate([
            evals_1[:, :, i].T, noise_ceil_1[:, :, i]]))
            for i in range(n_cv)], axis=0)
        return (n_cv * var_mean - var_1) / (n_cv - 1)
    evals_nonan = np.mean(np.mean(evaluations[eval_ok], -1), -1)
    noise_ceil_nonan = np.mean(noise_ceil[:, eval_ok], -1)
    return np.cov(np.concatenate([evals_nonan.T, noise_ceil_nonan]))


def dual_variances(evaluations, noise_ceil, n_cv, use_correction):
    """rsatoolbox's eval_dual_bootstrap variances (one matrix per variant).

    ``evaluations`` (n_samples, n_models, n_folds, n_cv, 3), ``noise_ceil``
    (2, n_samples, n_cv, 3).
    """
    # UPSTREAM: the variance block at the end of
    # rsatoolbox.inference.evaluate.eval_dual_bootstrap, as the same public
    # helper as for cv_variances, retires this copy.
    eval_ok = ~np.isnan(evaluations[:, 0, 0, 0, 0])
    evals_nonan = np.mean(np.mean(evaluations[eval_ok], -2), -2)
    noise_ceil_nonan = np.mean(noise_ceil[:, eval_ok], -2).transpose([1, 0, 2])
    matrix = np.concatenate([evals_nonan, noise_ceil_nonan], 1)
    matrix -= np.mean(matrix, 0, keepdims=True)
    var_mean = np.einsum("ijk,ilk->kjl", matrix, matrix) \
        / (matrix.shape[0] - 1)
    if not (use_correction and n_cv > 1):
        return var_mean
    evals_1 = np.mean(evaluations[eval_ok], -3)
    noise_ceil_1 = noise_ceil[:, eval_ok].transpose([1, 0, 2, 3])
    matrix_1 = np.concatenate([evals_1, noise_ceil_1], 1)
    matrix_1 -= np.mean(matrix_1, 0, keepdims=True)
    var_1 = np.einsum("ijmk,ilmk->kjl", matrix_1, matrix_1) \
        / (matrix_1.shape[0] - 1) / matrix_1.shape[2]
    return (n_cv * var_mean - var_1) / (n_cv - 1)


def warn_correction(use_correction, n_cv):
    """A warning where rsatoolbox raises ``Warning`` as an exception."""
    # UPSTREAM: bootstrap_crossval and eval_dual_bootstrap end with
    # ``raise Warning('correction requested, but only one cv run ...')``
    # (after all the work, losing it); ``warnings.warn(...)`` there, before
    # the sampling, retires this.
    if use_correction and n_cv == 1:
        warnings.warn(
            "use_correction=True needs n_cv > 1 cross-validation runs per "
            "sample; with n_cv=1 no correction is applied.",
            InferenceWarning, stacklevel=4)
