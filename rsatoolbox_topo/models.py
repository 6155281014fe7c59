"""rsatoolbox models that compare RDMs through a topological statistic.

The rule of topological RSA: the statistic (rank RDM, RGTM, RGDM) is applied
to *both* sides of a comparison, the data and the model prediction, on the
same conditions. The statistic is the package's one statistic type,
:class:`~rsatoolbox_topo.statistics.TopoStatistic` (any spelling accepted by
:func:`~rsatoolbox_topo.statistics.as_statistic`). This module provides

* topological counterparts of rsatoolbox's fixed, selection and weighted
  models (:class:`ModelFixedTopo`, :class:`ModelSelectTopo`,
  :class:`ModelWeightedTopo`) and a model whose RGTM thresholds
  ``(lower, upper)`` are its parameters (:class:`ModelThresholds`);
* fitters with rsatoolbox's fitter signature (:func:`fit_select_topo`,
  :func:`fit_weighted_topo`, :func:`fit_thresholds`) that fit on the
  transformed training data;
* :func:`model_from_dict`, which rebuilds these models (and rsatoolbox's own)
  from ``Model.to_dict()``.

With :mod:`rsatoolbox_topo.inference` the statistic is applied to the data and
to the prediction inside every bootstrap sample and fold. With rsatoolbox's
own inference functions a model can only transform its *prediction*: transform
the data the same way first (see the user guide, "Inference").
"""

import warnings
from copy import deepcopy

import numpy as np
import rsatoolbox.model
from rsatoolbox.model import Model
from rsatoolbox.rdm import RDMs, compare, rdms_from_dict
from scipy import optimize

from . import _ranking
from ._docs import fill_doc
from ._validation import check_rdms, check_real
from ._validation import plain_value as _plain
from .statistics import TopoStatistic, as_statistic, rgtm

__all__ = ["ModelFixedTopo",
           "ModelSelectTopo", "ModelWeightedTopo", "ModelThresholds",
           "fit_select_topo", "fit_weighted_topo", "fit_thresholds",
           "model_from_dict"]

_TRANSFORM_NOTE = (
    "rsatoolbox's own inference functions can only transform the model's "
    "prediction: transform the data with the same statistic first, or use "
    "rsatoolbox_topo.inference, which transforms both sides in every "
    "bootstrap sample and fold.")


def _model_rdms(rdm, name="rdm"):
    """A private copy of the model RDMs with an 'index' pattern descriptor."""
    check_rdms(rdm, name=name)
    rdms = deepcopy(rdm)
    rdms.pattern_descriptors["index"] = list(range(rdms.n_cond))
    return rdms


class _TopoModel(Model):
    """Base of the models that apply a statistic to their prediction.

    Subclasses define :meth:`predict_raw_rdm` (the untransformed prediction)
    and may make the statistic depend on ``theta`` through :meth:`transform`.
    """

    _keeps_theta = False  # ModelThresholds stores its fit in theta_

    def __init__(self, name, rdm, statistic):
        super().__init__(name)
        self.rdm_obj = _model_rdms(rdm)
        self.n_cond = self.rdm_obj.n_cond
        stat = as_statistic(statistic)
        if stat is None:
            raise ValueError(
                f"The 'statistic' parameter of {type(self).__name__} must be a "
                "statistic (e.g. 'rgtm' or TopoStatistic('rgtm', lower=0.2, "
                "upper=0.8)). Got None instead; use rsatoolbox's own models "
                "for untransformed RDMs.")
        self.statistic = stat

    @fill_doc
    def predict_raw_rdm(self, theta=None):
        """The prediction before the statistic.

        Parameters
        ----------
        %(model_theta)s

        Returns
        -------
        rsatoolbox.rdm.RDMs
            One RDM.
        """
        raise NotImplementedError

    def transform(self, rdms, theta=None):
        """Apply this model's statistic (for parameters ``theta``) to RDMs.

        :mod:`rsatoolbox_topo.inference` calls it on the data and on the
        resampled raw prediction alike.

        Parameters
        ----------
        rdms : rsatoolbox.rdm.RDMs
            Data or prediction RDMs (not changed).
        theta : array-like | None
            The model parameters (used by models whose statistic has
            parameters, such as :class:`ModelThresholds`).

        Returns
        -------
        rsatoolbox.rdm.RDMs
            The transformed RDMs.
        """
        return self.statistic(rdms)

    @fill_doc
    def predict_rdm(self, theta=None):
        """The transformed prediction, ``transform(predict_raw_rdm(theta))``.

        rsatoolbox's own inference functions resample this already
        transformed RDM, and compare it with data they do not transform.

        Parameters
        ----------
        %(model_theta)s

        Returns
        -------
        rsatoolbox.rdm.RDMs
            One transformed RDM.
        """
        return self.transform(self.predict_raw_rdm(theta), theta)

    @fill_doc
    def predict(self, theta=None):
        """The transformed prediction as a vector.

        Parameters
        ----------
        %(model_theta)s

        Returns
        -------
        ndarray, shape (n_pairs,)
        """
        return self.predict_rdm(theta).get_vectors()[0]

    @fill_doc
    def fit(self, data, method="cosine", pattern_idx=None,
            pattern_descriptor=None, sigma_k=None):
        """Fit the parameters with the model's default fitter.

        A :class:`ModelThresholds` also keeps them in ``theta_``, which
        ``predict`` and ``transform`` use when ``theta`` is None.

        Parameters
        ----------
        %(fit_data)s
        %(fit_method)s
        %(pattern_idx)s
        %(pattern_descriptor_fit)s
        %(sigma_k)s

        Returns
        -------
        ndarray | int
            The fitted parameters ``theta``.
        """
        theta = super().fit(data, method=method, pattern_idx=pattern_idx,
                            pattern_descriptor=pattern_descriptor,
                            sigma_k=sigma_k)
        if self._keeps_theta:
            self.theta_ = theta
        return theta

    def to_dict(self):
        """``Model.to_dict()`` plus the statistic.

        Returns
        -------
        dict
            Rebuild the model with :func:`model_from_dict`.
        """
        out = super().to_dict()
        if not isinstance(self.statistic, TopoStatistic):
            raise TypeError(
                f"Model {self.name!r} uses a custom statistic callable "
                f"({self.statistic!r}), which cannot be saved; use a "
                "TopoStatistic to save it.")
        out["statistic"] = self.statistic.to_dict()
        return out


class ModelFixedTopo(_TopoModel):
    """A fixed model RDM compared through a statistic.

    Topological counterpart of :class:`rsatoolbox.model.ModelFixed`: no
    parameters; the prediction is ``statistic(rdm)``.

    Parameters
    ----------
    name : str
        Model name (shown in results and figures).
    rdm : rsatoolbox.rdm.RDMs
        Exactly one model RDM (copied).
    statistic : TopoStatistic | str | callable
        The statistic applied to both sides (see :func:`as_statistic`).

    Notes
    -----
    rsatoolbox's own inference functions can only transform the model's
    prediction: transform the data with the same statistic first, or use
    :mod:`rsatoolbox_topo.inference`, which transforms both sides in every
    bootstrap sample and fold.

    Examples
    --------
    >>> from rsatoolbox_topo.datasets import load_92images
    >>> from rsatoolbox_topo.models import ModelFixedTopo
    >>> models = load_92images("models")
    >>> m = ModelFixedTopo("EVA rank", models.subset("name", "EVA"),
    ...                    "rank_normalize")
    >>> float(m.predict().max())
    1.0
    """

    def __init__(self, name, rdm, statistic="rgtm"):
        super().__init__(name, rdm, statistic)
        if self.rdm_obj.n_rdm != 1:
            raise ValueError(
                "The 'rdm' parameter of ModelFixedTopo must hold exactly one "
                f"RDM. Got {self.rdm_obj.n_rdm} RDMs instead; use "
                "ModelSelectTopo or ModelWeightedTopo for several.")
        self.n_param = 0
        self.default_fitter = rsatoolbox.model.fit_mock

    def predict_raw_rdm(self, theta=None):
        """The fixed RDM (a copy).

        Parameters
        ----------
        theta : None
            Ignored (no parameters).

        Returns
        -------
        rsatoolbox.rdm.RDMs
        """
        return deepcopy(self.rdm_obj)


@fill_doc
class ModelSelectTopo(_TopoModel):
    """Select one of several model RDMs, compared through a statistic.

    Topological counterpart of :class:`rsatoolbox.model.ModelSelect`:
    ``theta`` is the index of the RDM; :func:`fit_select_topo` picks the one
    whose transformed prediction best matches the transformed data.

    Parameters
    ----------
    %(model_name)s
    rdm : rsatoolbox.rdm.RDMs
        The candidate RDMs (copied).
    %(model_statistic)s

    Notes
    -----
    rsatoolbox's own inference functions can only transform the model's
    prediction: transform the data with the same statistic first, or use
    :mod:`rsatoolbox_topo.inference`.

    Examples
    --------
    >>> from rsatoolbox_topo.datasets import load_92images
    >>> from rsatoolbox_topo.models import ModelSelectTopo
    >>> m = ModelSelectTopo("select", load_92images("models"), "rank_normalize")
    >>> hit = load_92images("hit")
    >>> m.rdm_obj.rdm_descriptors["name"][m.fit(hit, method="corr")]
    'animacy'
    """

    def __init__(self, name, rdm, statistic="rgtm"):
        super().__init__(name, rdm, statistic)
        self.n_param = 1
        self.n_rdm = self.rdm_obj.n_rdm
        self.default_fitter = fit_select_topo

    def predict_raw_rdm(self, theta=0):
        """The candidate RDM number ``theta``.

        Parameters
        ----------
        theta : int | None
            Index of the candidate (default 0).

        Returns
        -------
        rsatoolbox.rdm.RDMs
        """
        theta = 0 if theta is None else theta
        index = int(np.asarray(theta).reshape(-1)[0])
        if not 0 <= index < self.n_rdm:
            raise ValueError(
                f"The 'theta' parameter of model {self.name!r} must be an "
                f"index in [0, {self.n_rdm - 1}]. Got {theta!r} instead.")
        return self.rdm_obj[index]


@fill_doc
class ModelWeightedTopo(_TopoModel):
    """A weighted sum of model RDMs, compared through a statistic.

    Topological counterpart of :class:`rsatoolbox.model.ModelWeighted`: the
    prediction is ``statistic(sum_k theta_k rdm_k)``. Its default fitter,
    :func:`fit_weighted_topo`, fits non-negative weights on the transformed
    data.

    Parameters
    ----------
    %(model_name)s
    rdm : rsatoolbox.rdm.RDMs
        The component RDMs (copied).
    %(model_statistic)s

    Notes
    -----
    rsatoolbox's own inference functions can only transform the model's
    prediction: transform the data with the same statistic first, or use
    :mod:`rsatoolbox_topo.inference`.

    Examples
    --------
    >>> import numpy as np
    >>> from rsatoolbox_topo.datasets import load_92images
    >>> from rsatoolbox_topo.models import ModelWeightedTopo
    >>> m = ModelWeightedTopo("mix", load_92images("models"), "rank_normalize")
    >>> m.predict(np.ones(8)).shape
    (4186,)
    """

    def __init__(self, name, rdm, statistic="rgtm"):
        super().__init__(name, rdm, statistic)
        self.n_param = self.rdm_obj.n_rdm
        self.n_rdm = self.rdm_obj.n_rdm
        self.default_fitter = fit_weighted_topo

    def predict_raw_rdm(self, theta=None):
        """The weighted sum ``sum_k theta_k rdm_k``.

        Parameters
        ----------
        theta : array-like of shape (n_param,) | None
            The weights (equal weights when None).

        Returns
        -------
        rsatoolbox.rdm.RDMs
        """
        theta = np.ones(self.n_rdm) if theta is None else np.asarray(
            theta, dtype=float).reshape(-1)
        if theta.shape != (self.n_rdm,):
            raise ValueError(
                f"The 'theta' parameter of model {self.name!r} must hold "
                f"{self.n_rdm} weights. Got shape {theta.shape} instead.")
        vectors = theta @ self.rdm_obj.get_vectors()
        return RDMs(vectors[np.newaxis],
                    dissimilarity_measure=self.rdm_obj.dissimilarity_measure,
                    descriptors=deepcopy(self.rdm_obj.descriptors),
                    pattern_descriptors=deepcopy(
                        self.rdm_obj.pattern_descriptors))


@fill_doc
class ModelThresholds(_TopoModel):
    """A model RDM compared through an RGTM whose thresholds are fitted.

    The parameters are ``theta = (lower, upper)``, the quantile thresholds of
    :func:`~rsatoolbox_topo.rgtm`. Its default fitter, :func:`fit_thresholds`,
    searches them on the training data of each fold (a grid, then a finer
    grid around the best cell), and the fitted thresholds are then applied to
    *both* sides of the test comparison by
    :mod:`rsatoolbox_topo.inference`.

    Parameters
    ----------
    %(model_name)s
    rdm : rsatoolbox.rdm.RDMs
        Exactly one model RDM (copied).
    grid : float
        Step of the first grid over ``0 <= lower <= upper <= 1``
        (the diagonal ``lower == upper`` included).
    refine : float | None
        Step of the second, local grid (+- one ``grid`` step around the best
        cell); None skips it.
    **rgtm_params
        Other keyword arguments of :func:`~rsatoolbox_topo.rgtm`
        (``normalize``, ``thresholds``, ``shape``).

    Attributes
    ----------
    theta_ : ndarray of shape (2,) | None
        Thresholds of the last :meth:`fit`; used when ``theta`` is None.

    Notes
    -----
    rsatoolbox's own inference functions can only transform the model's
    prediction: transform the data with the same thresholds first, or use
    :mod:`rsatoolbox_topo.inference`.

    Examples
    --------
    >>> from rsatoolbox_topo.datasets import load_92images
    >>> from rsatoolbox_topo.models import ModelThresholds
    >>> models = load_92images("models")
    >>> m = ModelThresholds("monkeyIT", models.subset("name", "monkeyIT"))
    >>> theta = m.fit(load_92images("hit"), method="corr")
    >>> bool(0 <= theta[0] <= theta[1] <= 1)
    True
    """

    _keeps_theta = True

    def __init__(self, name, rdm, grid=0.1, refine=0.02, **rgtm_params):
        self.grid = check_real("grid", grid, 0.0, 1.0)
        if self.grid <= 0:
            raise ValueError("The 'grid' parameter must be a float in (0, 1]. "
                             f"Got {grid!r} instead.")
        self.refine = check_real("refine", refine, 0.0, 1.0, allow_none=True)
        if self.refine is not None and self.refine <= 0:
            raise ValueError("The 'refine' parameter must be None or a float "
                             f"in (0, 1]. Got {refine!r} instead.")
        for key in ("lower", "upper"):
            if key in rgtm_params:
                raise ValueError(
                    f"The '{key}' threshold of ModelThresholds is its "
                    "parameter theta, fitted per fold; do not pass it.")
        super().__init__(name, rdm, TopoStatistic("rgtm", **rgtm_params))
        if self.rdm_obj.n_rdm != 1:
            raise ValueError(
                "The 'rdm' parameter of ModelThresholds must hold exactly one "
                f"RDM. Got {self.rdm_obj.n_rdm} RDMs instead.")
        self.rgtm_params = dict(rgtm_params)
        self.n_param = 2
        self.default_fitter = fit_thresholds
        self.theta_ = None

    def _theta(self, theta):
        if theta is None:
            theta = self.theta_
        if theta is None:
            raise ValueError(
                f"ModelThresholds {self.name!r} is not fitted: its thresholds "
                "theta=(lower, upper) are unknown. Call model.fit(data), use "
                "a cross-validating inference function, or pass theta.")
        theta = np.asarray(theta, dtype=float).reshape(-1)
        if theta.shape != (2,):
            raise ValueError(
                f"The 'theta' parameter of model {self.name!r} must be "
                f"(lower, upper). Got {theta!r} instead.")
        return theta

    def predict_raw_rdm(self, theta=None):
        """The model RDM (a copy), before thresholding.

        Parameters
        ----------
        theta : array-like | None
            Ignored: the thresholds act in :meth:`transform`.

        Returns
        -------
        rsatoolbox.rdm.RDMs
        """
        return deepcopy(self.rdm_obj)

    def transform(self, rdms, theta=None):
        """RGTM of ``rdms`` with the thresholds ``theta``.

        Parameters
        ----------
        rdms : rsatoolbox.rdm.RDMs
            Data or prediction RDMs (not changed).
        theta : array-like of shape (2,) | None
            ``(lower, upper)``; None uses the fitted ``theta_``.

        Returns
        -------
        rsatoolbox.rdm.RDMs
        """
        lower, upper = self._theta(theta)
        return rgtm(rdms, lower, upper, **self.rgtm_params)

    def to_dict(self):
        """The model dict plus grid, refine, rgtm parameters and ``theta_``.

        Returns
        -------
        dict
        """
        out = super().to_dict()
        out["grid"] = self.grid
        out["refine"] = self.refine
        out["theta_"] = None if self.theta_ is None else np.asarray(self.theta_)
        return out


# ---------------------------------------------------------------- fitters
def _training_prediction(model, theta, data, pattern_idx, pattern_descriptor):
    pred = model.predict_raw_rdm(theta)
    if pattern_idx is not None and pattern_descriptor is not None:
        pred = pred.subsample_pattern(pattern_descriptor, pattern_idx)
    if pred.n_cond != data.n_cond:
        raise ValueError(
            f"Model {model.name!r} predicts {pred.n_cond} conditions but the "
            f"data have {data.n_cond}; pass the pattern_idx and "
            "pattern_descriptor that select the data's conditions.")
    return pred


def _score(pred_t, data_t, method, sigma_k):
    return float(np.mean(compare(pred_t, data_t, method=method,
                                 sigma_k=sigma_k)))


@fill_doc
def fit_select_topo(model, data, method="cosine", pattern_idx=None,
                    pattern_descriptor=None, sigma_k=None):
    """Fit a :class:`ModelSelectTopo`: the RDM best matching the data.

    Both the data and each candidate are transformed by the model's
    statistic before they are compared (rsatoolbox's fitter signature).

    Parameters
    ----------
    model : ModelSelectTopo
        The model to fit.
    %(fit_data)s
    %(fit_method)s
    %(pattern_idx)s
    %(pattern_descriptor_fit)s
    %(sigma_k)s

    Returns
    -------
    int
        Index of the best candidate (the first one on ties).

    Examples
    --------
    >>> from rsatoolbox_topo.datasets import load_92images
    >>> from rsatoolbox_topo.models import ModelSelectTopo, fit_select_topo
    >>> m = ModelSelectTopo("select", load_92images("models"), "rgtm")
    >>> int(fit_select_topo(m, load_92images("hit"), method="corr"))
    0
    """
    data_t = model.transform(data)
    scores = np.array([
        _score(model.transform(_training_prediction(
            model, i, data, pattern_idx, pattern_descriptor)), data_t,
            method, sigma_k)
        for i in range(model.n_rdm)])
    if np.all(np.isnan(scores)):
        raise ValueError(
            f"Every candidate of model {model.name!r} compares as NaN with the "
            f"data under method={method!r} after {model.statistic!r}.")
    return int(np.nanargmax(scores))


@fill_doc
def fit_weighted_topo(model, data, method="cosine", pattern_idx=None,
                      pattern_descriptor=None, sigma_k=None):
    """Fit the non-negative weights of a :class:`ModelWeightedTopo`.

    Maximises the comparison of the transformed prediction with the
    transformed data by Nelder-Mead from ``n_param + 1`` fixed starting
    points (equal weights and each single RDM), with weights
    ``theta = x**2 / sum(x**2)``. Rank-based statistics make the objective
    piecewise constant in ``theta``, which is why a derivative-free search
    with several deterministic starts is used; no random numbers are drawn.

    Parameters
    ----------
    model : ModelWeightedTopo
        The model to fit.
    %(fit_data)s
    %(fit_method)s
    %(pattern_idx)s
    %(pattern_descriptor_fit)s
    %(sigma_k)s

    Returns
    -------
    ndarray of shape (n_param,)
        Non-negative weights summing to 1.

    Examples
    --------
    >>> from rsatoolbox_topo.datasets import load_92images
    >>> from rsatoolbox_topo.models import ModelWeightedTopo, fit_weighted_topo
    >>> models = load_92images("models")
    >>> m = ModelWeightedTopo("mix", models.subset("name", ["EVA", "monkeyIT"]),
    ...                       "rank_normalize")
    >>> theta = fit_weighted_topo(m, load_92images("hit"), method="corr")
    >>> round(float(theta.sum()), 6)
    1.0
    """
    data_t = model.transform(data)
    base = _training_prediction(model, np.ones(model.n_param), data,
                                pattern_idx, pattern_descriptor)
    components = []
    for k in range(model.n_param):
        unit = np.zeros(model.n_param)
        unit[k] = 1.0
        components.append(_training_prediction(
            model, unit, data, pattern_idx, pattern_descriptor).get_vectors()[0])
    components = np.array(components)

    def weights(x):
        x2 = np.asarray(x) ** 2
        total = x2.sum()
        return x2 / total if total > 0 else np.full(len(x2), 1 / len(x2))

    def loss(x):
        pred = RDMs((weights(x) @ components)[np.newaxis],
                    pattern_descriptors=base.pattern_descriptors)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            value = _score(model.transform(pred), data_t, method, sigma_k)
        return -value if np.isfinite(value) else np.inf

    starts = [np.ones(model.n_param)] + list(np.eye(model.n_param) + 0.05)
    best = None
    for start in starts:
        res = optimize.minimize(loss, start, method="Nelder-Mead",
                                options={"xatol": 1e-3, "fatol": 1e-6})
        if best is None or res.fun < best.fun:
            best = res
    if not np.isfinite(best.fun):
        raise ValueError(
            f"Model {model.name!r} compares as NaN with the data for every "
            f"weight tried (method={method!r}, {model.statistic!r}).")
    return weights(best.x)


def _threshold_grid(step, low=0.0, high=1.0, center=None, span=None):
    values = np.round(np.arange(0.0, 1.0 + step / 2, step), 10)
    values = values[values <= 1.0]
    if center is None:
        lowers = uppers = values
    else:
        lowers = values[np.abs(values - center[0]) <= span + 1e-12]
        uppers = values[np.abs(values - center[1]) <= span + 1e-12]
    return [(lo, up) for lo in lowers for up in uppers if lo <= up + 1e-12]


@fill_doc
def fit_thresholds(model, data, method="cosine", pattern_idx=None,
                   pattern_descriptor=None, sigma_k=None):
    """Fit the RGTM thresholds of a :class:`ModelThresholds` to data.

    Every cell ``(lower, upper)`` of a grid over the threshold triangle
    (step ``model.grid``, diagonal included) transforms both the prediction
    and the data with the same RGTM and scores their comparison (mean over
    data RDMs); a second grid (step ``model.refine``) around the best cell
    refines it. Ties go to the first cell in (lower, upper) order. The ranks
    are computed once per RDM and reused for every cell.

    Parameters
    ----------
    model : ModelThresholds
        The model to fit.
    %(fit_data)s
    %(fit_method)s
    %(pattern_idx)s
    %(pattern_descriptor_fit)s
    %(sigma_k)s

    Returns
    -------
    ndarray of shape (2,)
        The best ``(lower, upper)``.

    Examples
    --------
    >>> from rsatoolbox_topo.datasets import load_92images
    >>> from rsatoolbox_topo.models import ModelThresholds, fit_thresholds
    >>> models = load_92images("models")
    >>> m = ModelThresholds("EVA", models.subset("name", "EVA"), refine=None)
    >>> fit_thresholds(m, load_92images("hit"), method="corr").shape
    (2,)
    """
    pred = _training_prediction(model, None, data, pattern_idx,
                                pattern_descriptor)
    params = model.rgtm_params
    simple = (params.get("normalize", "rank") == "rank"
              and params.get("thresholds", "quantile") == "quantile"
              and params.get("shape", "linear") == "linear")
    both = np.concatenate([check_rdms(pred, "model"), check_rdms(data, "data")])
    n_pred = pred.n_rdm
    ranked = _ranking.sorted_ranks(both) if simple else None

    def score(cell):
        lower, upper = cell
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if ranked is not None:
                vectors, _, _ = _ranking.gt_from_normalized(ranked, lower, upper,
                                                    "quantile", "linear")
                pred_t = RDMs(vectors[:n_pred])
                data_t = RDMs(vectors[n_pred:])
            else:
                pred_t = model.transform(pred, cell)
                data_t = model.transform(data, cell)
            return _score(pred_t, data_t, method, sigma_k)

    def best_of(cells):
        scores = np.array([score(c) for c in cells])
        if np.all(np.isnan(scores)):
            raise ValueError(
                f"Model {model.name!r} compares as NaN with the data for every "
                f"threshold pair tried (method={method!r}).")
        i = int(np.nanargmax(scores))
        return cells[i], scores[i]

    cell, value = best_of(_threshold_grid(model.grid))
    if model.refine is not None and model.refine < model.grid:
        fine, fine_value = best_of(_threshold_grid(
            model.refine, center=cell, span=model.grid))
        if fine_value > value:
            cell = fine
    return np.array(cell, dtype=float)


# ---------------------------------------------------------------- loading
_OWN = {"ModelFixedTopo": ModelFixedTopo, "ModelSelectTopo": ModelSelectTopo,
        "ModelWeightedTopo": ModelWeightedTopo}
_RSATOOLBOX = ("Model", "ModelFixed", "ModelSelect", "ModelWeighted",
               "ModelInterpolate")


def model_from_dict(model_dict):
    """Rebuild a model (this package's or rsatoolbox's) from ``to_dict()``.

    Unlike ``rsatoolbox.model.model_from_dict``, an unknown model type
    raises a ValueError naming it.

    Parameters
    ----------
    model_dict : dict
        The output of ``model.to_dict()``.

    Returns
    -------
    rsatoolbox.model.Model

    Examples
    --------
    >>> from rsatoolbox_topo.datasets import load_92images
    >>> from rsatoolbox_topo.models import ModelFixedTopo, model_from_dict
    >>> m = ModelFixedTopo("EVA", load_92images("models").subset("name", "EVA"),
    ...                    "rgtm")
    >>> model_from_dict(m.to_dict()).statistic
    TopoStatistic('rgtm')
    """
    if not isinstance(model_dict, dict):
        raise TypeError(
            f"The 'model_dict' parameter must be a dict (from "
            f"model.to_dict()). Got {type(model_dict).__name__} instead.")
    try:
        return _model_from_dict(model_dict)
    except (KeyError, AttributeError, IndexError) as exc:
        raise ValueError(
            f"The 'model_dict' parameter is not a complete model "
            f"dictionary ({type(exc).__name__}: {exc}).") from exc


def _model_from_dict(model_dict):
    kind = _plain(model_dict.get("type"))
    allowed = tuple(_OWN) + ("ModelThresholds",) + _RSATOOLBOX
    if kind not in allowed:
        raise ValueError(
            f"Cannot rebuild a model of type {kind!r}. Allowed types are "
            f"{', '.join(allowed)}.")
    if kind in _RSATOOLBOX:
        return rsatoolbox.model.model_from_dict(model_dict)
    name = str(_plain(model_dict["name"]))
    rdm = rdms_from_dict(model_dict["rdm"])
    stat = TopoStatistic.from_dict(model_dict["statistic"])
    if kind == "ModelThresholds":
        refine = model_dict.get("refine")
        model = ModelThresholds(
            name, rdm, grid=float(_plain(model_dict["grid"])),
            refine=None if refine is None else float(_plain(refine)),
            **stat.params)
        theta = model_dict.get("theta_")
        if theta is not None:
            model.theta_ = np.asarray(theta, dtype=float)
        return model
    return _OWN[kind](name, rdm, stat)
