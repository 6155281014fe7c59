"""Activations of PyTorch networks as rsatoolbox datasets and layer RDMs.

The bridge records the outputs of named submodules of any
:class:`torch.nn.Module` for a set of stimuli with forward hooks, flattens
them (a convolutional map of shape ``(channels, height, width)`` becomes one
vector per stimulus, in that order) and wraps each layer in an
:class:`rsatoolbox.data.Dataset`. :func:`layer_rdms` turns those into one
RDM per layer with any measure of :func:`rsatoolbox.rdm.calc_rdm`.

torch is imported when a function of this module is called, never when the
module or the package is imported; install it with
``pip install ".[torch]"`` in the rsatoolbox_topo folder.
"""

from contextlib import ExitStack
from copy import deepcopy

import numpy as np
from rsatoolbox.data import Dataset
from rsatoolbox.rdm import RDMs, calc_rdm
from tqdm.auto import tqdm

from .._optional import import_extra
from .._validation import check_int

__all__ = ["layer_names", "extract_activations", "layer_rdms"]


def _import_torch():
    return import_extra("torch", extra="torch", needed_by="rsatoolbox_topo",
                        hint="For a CPU-only or CUDA build, follow "
                             "https://pytorch.org.")


def _check_model(model, torch):
    if not isinstance(model, torch.nn.Module):
        raise TypeError(
            "The 'model' parameter must be a torch.nn.Module. "
            f"Got {type(model).__name__} instead."
        )


def layer_names(model):
    """Names of the submodules of a network whose outputs can be recorded.

    Parameters
    ----------
    model : torch.nn.Module
        The network.

    Returns
    -------
    list of str
        The names of :meth:`torch.nn.Module.named_modules`, in registration
        order, without the empty name of the network itself.

    Examples
    --------
    >>> import torch
    >>> from rsatoolbox_topo.bridges.torch import layer_names
    >>> net = torch.nn.Sequential(torch.nn.Linear(4, 3), torch.nn.ReLU())
    >>> layer_names(net)
    ['0', '1']
    """
    torch = _import_torch()
    _check_model(model, torch)
    return [name for name, _ in model.named_modules() if name]


def _check_layers(model, layers):
    available = layer_names(model)
    if layers is None:
        return available
    if isinstance(layers, str):
        layers = [layers]
    layers = list(layers)
    if not layers:
        raise ValueError(
            "The 'layers' parameter must name at least one layer. Got an "
            "empty sequence instead.")
    unknown = [name for name in layers if name not in available]
    if unknown:
        raise ValueError(
            f"Invalid value for the 'layers' parameter: unknown layer name(s) "
            f"{unknown!r}. Available layers of this "
            f"{type(model).__name__} are {available!r}.")
    duplicated = sorted({name for name in layers if layers.count(name) > 1})
    if duplicated:
        raise ValueError(
            f"The 'layers' parameter names layer(s) {duplicated!r} more than "
            "once; name each layer once.")
    return layers


def _model_device(model, torch):
    for tensor in model.parameters():
        return tensor.device
    for tensor in model.buffers():
        return tensor.device
    return torch.device("cpu")


def _model_float_dtype(model, torch):
    for tensor in model.parameters():
        if tensor.is_floating_point():
            return tensor.dtype
    return torch.get_default_dtype()


def _as_stimuli(stimuli, model, torch):
    """A tensor of stimuli (never a view the caller could see changed)."""
    if isinstance(stimuli, torch.Tensor):
        tensor = stimuli.detach()
    else:
        try:
            array = np.asarray(stimuli)
        except Exception as err:  # ragged nested lists and the like
            raise TypeError(
                "The 'stimuli' parameter must be a torch.Tensor or an array "
                f"of shape (n_stimuli, ...). Got {type(stimuli).__name__} "
                "that numpy cannot turn into an array.") from err
        if not (np.issubdtype(array.dtype, np.number)
                or array.dtype == bool):
            raise TypeError(
                "The 'stimuli' parameter must hold numbers. Got dtype "
                f"{array.dtype} instead.")
        tensor = torch.as_tensor(array)
        if tensor.is_floating_point():
            tensor = tensor.to(_model_float_dtype(model, torch))
    if tensor.ndim < 1 or tensor.shape[0] < 1:
        raise ValueError(
            "The 'stimuli' parameter must have shape (n_stimuli, ...) with at "
            f"least one stimulus. Got shape {tuple(tensor.shape)} instead.")
    return tensor


def _stimulus_descriptors(n_stimuli, stimulus_labels, stimulus_descriptors):
    if stimulus_labels is None:
        labels = list(range(n_stimuli))
    else:
        labels = list(stimulus_labels)
        if len(labels) != n_stimuli:
            raise ValueError(
                f"The 'stimulus_labels' parameter must have one label per "
                f"stimulus ({n_stimuli}). Got {len(labels)} instead.")
    out = {"stimulus": labels}
    for name, values in (stimulus_descriptors or {}).items():
        values = list(values)
        if len(values) != n_stimuli:
            raise ValueError(
                f"The 'stimulus_descriptors' entry {name!r} must have one "
                f"value per stimulus ({n_stimuli}). Got {len(values)} "
                "instead.")
        if name == "stimulus":
            raise ValueError(
                "The 'stimulus_descriptors' parameter must not contain "
                "'stimulus'; pass stimulus labels with 'stimulus_labels'.")
        out[name] = values
    return out


class _Recorder:
    """Forward hook that stores a module's flattened output per call."""

    def __init__(self, name):
        self.name = name
        self.batches = []
        self.calls = 0

    def __call__(self, module, inputs, output):
        self.calls += 1
        if isinstance(output, (tuple, list)) and output:
            output = output[0]
        if not hasattr(output, "detach") or not hasattr(output, "reshape"):
            raise TypeError(
                f"Layer {self.name!r} ({type(module).__name__}) returned "
                f"{type(output).__name__}, not a tensor; record a submodule "
                "that returns a tensor instead.")
        values = output.detach()
        if values.ndim == 0:
            raise ValueError(
                f"Layer {self.name!r} ({type(module).__name__}) returned a "
                "scalar, which has no per-stimulus activations.")
        self.batches.append(
            values.reshape(values.shape[0], -1).to("cpu", copy=True))


def extract_activations(model, stimuli, layers=None, *, stimulus_labels=None,
                        stimulus_descriptors=None, model_name=None,
                        descriptors=None, batch_size=64, device=None,
                        progress=False):
    """Record the activations of named layers of a network for stimuli.

    Each listed submodule gets a forward hook; the stimuli go through the
    network in batches, in evaluation mode and without gradients. Hooks are
    removed and every submodule's training flag is restored afterwards, also
    when the forward pass raises.

    Parameters
    ----------
    model : torch.nn.Module
        Any network.
    stimuli : torch.Tensor | numpy.ndarray
        Shape ``(n_stimuli, *input_shape)``: what ``model`` takes as one
        batch. Floating-point arrays are converted to the dtype of the
        model's parameters; the caller's array is not changed.
    layers : str | list of str | None
        Names of submodules as given by :func:`layer_names` (e.g.
        ``'features.3'``). None records every submodule.
    stimulus_labels : sequence | None
        One label per stimulus, stored as the observation descriptor
        ``'stimulus'``. None uses ``0 .. n_stimuli - 1``.
    stimulus_descriptors : dict of str to sequence | None
        More observation descriptors, one value per stimulus (e.g.
        ``{'digit': labels}``); they become pattern descriptors of the RDMs.
    model_name : str | None
        Stored as descriptor ``'model'`` (e.g. a seed name). None uses the
        class name of ``model``.
    descriptors : dict | None
        More dataset descriptors (e.g. ``{'seed': 3}``); they become RDM
        descriptors of the RDMs.
    batch_size : int
        Stimuli per forward pass.
    device : str | torch.device | None
        Where the forward pass runs. None uses the device of the model's
        parameters. A model on another device is moved there for the
        extraction and moved back afterwards.
    progress : bool
        Show a progress bar over batches.

    Returns
    -------
    list of rsatoolbox.data.Dataset
        One dataset per layer, in the order of ``layers``, with measurements
        of shape ``(n_stimuli, n_units)`` (float64; the layer's output
        flattened per stimulus), descriptors ``'layer'`` and ``'model'``
        (plus ``descriptors``), observation descriptors ``'stimulus'`` (plus
        ``stimulus_descriptors``) and channel descriptor ``'unit'``. A layer
        that returns a tuple or list (e.g. :class:`torch.nn.LSTM`) is
        recorded through its first element.

    Raises
    ------
    ValueError
        Unknown layer names (the message lists the available ones), stimuli
        without a first (stimulus) axis, a forward pass that fails on the
        stimuli (the message gives their shape), or a layer that is called
        more or less than once per forward pass (e.g. a module reused with
        shared weights), whose activations would be ambiguous.

    See Also
    --------
    layer_rdms : RDMs of the recorded layers.

    Examples
    --------
    >>> import torch
    >>> from rsatoolbox_topo.bridges.torch import extract_activations
    >>> net = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU())
    >>> _ = torch.nn.init.ones_(net[0].weight), torch.nn.init.zeros_(net[0].bias)
    >>> data = extract_activations(net, torch.tensor([[1., 2.], [-1., -2.]]))
    >>> [d.descriptors["layer"] for d in data]
    ['0', '1']
    >>> data[1].measurements
    array([[3., 3., 3.],
           [0., 0., 0.]])
    """
    torch = _import_torch()
    _check_model(model, torch)
    layers = _check_layers(model, layers)
    batch_size = check_int("batch_size", batch_size, low=1)
    tensor = _as_stimuli(stimuli, model, torch)
    n_stimuli = tensor.shape[0]
    obs = _stimulus_descriptors(n_stimuli, stimulus_labels,
                                stimulus_descriptors)
    if model_name is None:
        model_name = type(model).__name__
    extra = dict(descriptors or {})
    for key in ("layer", "model"):
        if key in extra:
            raise ValueError(
                f"The 'descriptors' parameter must not contain {key!r}; it "
                "is set by the bridge (use 'model_name' for the model).")

    original_device = _model_device(model, torch)
    target = original_device if device is None else torch.device(device)
    modules = dict(model.named_modules())
    recorders = {name: _Recorder(name) for name in layers}
    training = [(module, module.training) for module in model.modules()]
    starts = range(0, n_stimuli, batch_size)
    with ExitStack() as stack:
        # Undo in reverse order: remove hooks, restore modes, move back.
        if target != original_device:
            model.to(target)
            stack.callback(model.to, original_device)
        stack.callback(_restore_training, training)
        for name in layers:
            handle = modules[name].register_forward_hook(recorders[name])
            stack.callback(handle.remove)
        model.eval()
        stack.enter_context(torch.no_grad())
        for start in tqdm(starts, disable=not progress, desc="batches",
                          unit="batch"):
            batch = tensor[start:start + batch_size].to(target)
            calls_before = {n: r.calls for n, r in recorders.items()}
            try:
                model(batch)
            except (RuntimeError, ValueError, IndexError) as err:
                raise ValueError(
                    f"The forward pass of the {type(model).__name__} failed "
                    f"on a batch of stimuli of shape {tuple(batch.shape)} "
                    f"(all stimuli: {tuple(tensor.shape)}): {err}. Check "
                    "that 'stimuli' has shape (n_stimuli, *input_shape) as "
                    "the model expects.") from err
            _check_calls(recorders, calls_before, model)
    return [_dataset(name, recorders[name], n_stimuli, obs, model_name,
                     extra) for name in layers]


def _restore_training(training):
    for module, flag in training:
        module.train(flag)


def _check_calls(recorders, calls_before, model):
    for name, recorder in recorders.items():
        calls = recorder.calls - calls_before[name]
        if calls != 1:
            raise ValueError(
                f"Layer {name!r} of the {type(model).__name__} was called "
                f"{calls} times in one forward pass; its activations are "
                "only defined for a module called exactly once (reused "
                "modules and unused branches cannot be recorded).")


def _dataset(name, recorder, n_stimuli, obs, model_name, extra):
    measurements = np.concatenate(
        [batch.numpy() for batch in recorder.batches]).astype(np.float64)
    if measurements.shape[0] != n_stimuli:
        raise ValueError(
            f"Layer {name!r} returned {measurements.shape[0]} rows of "
            f"activations for {n_stimuli} stimuli; only layers whose output "
            "has the stimuli on its first axis can be recorded.")
    descriptors = {"layer": name, "model": model_name, **extra}
    return Dataset(
        measurements, descriptors=descriptors,
        obs_descriptors={key: list(value) for key, value in obs.items()},
        channel_descriptors={"unit": np.arange(measurements.shape[1])})


def layer_rdms(model, stimuli, layers=None, *, dissimilarity="correlation",
               descriptor=None, stimulus_labels=None,
               stimulus_descriptors=None, model_name=None, descriptors=None,
               batch_size=64, device=None, progress=False, **calc_kwargs):
    """One RDM per layer of a network for a set of stimuli.

    Records the layers with :func:`extract_activations` and computes an RDM
    per layer with :func:`rsatoolbox.rdm.calc_rdm`.

    Parameters
    ----------
    model, stimuli, layers, stimulus_labels, stimulus_descriptors, \
model_name, descriptors, batch_size, device, progress
        As in :func:`extract_activations`.
    dissimilarity : str
        Any dissimilarity measure of :func:`rsatoolbox.rdm.calc_rdm`
        (``'correlation'``, ``'euclidean'``, ``'mahalanobis'``, ...), which
        rsatoolbox calls ``method``.
    descriptor : str | None
        Observation descriptor that defines the conditions, passed to
        ``calc_rdm``. None makes every stimulus one condition, in the order
        given (rsatoolbox sorts conditions by value when a descriptor is
        given).
    **calc_kwargs
        Further arguments of ``calc_rdm`` (``noise``, ``cv_descriptor``,
        ``remove_mean``, ...).

    Returns
    -------
    rsatoolbox.rdm.RDMs
        One RDM per layer, with RDM descriptors ``'layer'`` and ``'model'``
        (plus ``descriptors``) and pattern descriptors ``'stimulus'`` (plus
        ``stimulus_descriptors``).

    Examples
    --------
    >>> import torch
    >>> from rsatoolbox_topo.bridges.torch import layer_rdms
    >>> net = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU())
    >>> _ = torch.nn.init.ones_(net[0].weight), torch.nn.init.zeros_(net[0].bias)
    >>> stimuli = torch.tensor([[1., 2.], [-1., -2.], [0., 1.]])
    >>> rdms = layer_rdms(net, stimuli, "0", dissimilarity="euclidean")

    Layer ``'0'`` maps the stimuli to ``(3, 3, 3)``, ``(-3, -3, -3)`` and
    ``(1, 1, 1)``; rsatoolbox's ``'euclidean'`` is the squared distance per
    unit:

    >>> rdms.rdm_descriptors["layer"], rdms.dissimilarities
    (['0'], array([[36.,  4., 16.]]))
    """
    if "method" in calc_kwargs:
        # rsatoolbox's calc_rdm calls the measure 'method'; here 'method'
        # would be a comparator (see the naming table in the docs).
        raise TypeError(
            "layer_rdms takes the dissimilarity measure as 'dissimilarity', "
            f"not 'method'; did you mean dissimilarity="
            f"{calc_kwargs['method']!r}?")
    datasets = extract_activations(
        model, stimuli, layers, stimulus_labels=stimulus_labels,
        stimulus_descriptors=stimulus_descriptors, model_name=model_name,
        descriptors=descriptors, batch_size=batch_size, device=device,
        progress=progress)
    # One calc_rdm call per layer, stacked here: rsatoolbox's concat moves
    # descriptors shared by all RDMs (e.g. 'layer' of a single layer) out of
    # the rdm descriptors, which would make the output depend on len(layers).
    parts = [calc_rdm(data, method=dissimilarity, descriptor=descriptor,
                      **calc_kwargs) for data in datasets]
    rdm_descriptors = {key: [part.rdm_descriptors[key][0] for part in parts]
                       for key in parts[0].rdm_descriptors if key != "index"}
    return RDMs(np.concatenate([part.dissimilarities for part in parts]),
                dissimilarity_measure=parts[0].dissimilarity_measure,
                rdm_descriptors=rdm_descriptors,
                pattern_descriptors=deepcopy(parts[0].pattern_descriptors))
