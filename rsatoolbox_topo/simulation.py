"""Layer identification in trained networks: the simulation of the paper.

Lin & Kriegeskorte (2024, PNAS, doi:10.1073/pnas.2317881121) trained 10
All-CNN-C networks from different random seeds, computed one RDM per layer
and asked whether a statistic identifies the layer of a held-out network's
RDM, as i.i.d. Gaussian noise is added to the RDMs. This module reproduces
that protocol at a scale that runs on a laptop CPU:

* :func:`digit_stimuli` -- the stimuli: real 8 x 8 handwritten digits
  (:func:`sklearn.datasets.load_digits`, 1797 images); the first
  ``n_per_digit`` images of each digit are held out as the stimulus set and
  never used in training;
* :func:`make_network` -- All-CNN-C (Springenberg et al., 2015: 9
  convolutional layers of 96 and 192 channels with ReLU, strided
  convolutions instead of pooling, dropout, global average pooling) for
  8 x 8 one-channel images: 10 layers, as in the paper;
* :func:`train_network` / :func:`simulate_layer_rdms` -- deterministic
  training on the CPU (one seed per network) with a cache on disk, and the
  layer RDMs of all networks through :mod:`rsatoolbox_topo.bridges.torch`;
* :func:`load_simulation_rdms` -- the layer RDMs of the default simulation,
  shipped with the package (no torch needed);
* :func:`add_rdm_noise` -- the paper's RDM noise;
* :func:`run_simulation` -- bootstrap layer identification across seeds per
  statistic and noise level, as a :class:`SimulationResult` (table and
  figure).

Only :func:`make_network`, :func:`train_network` and
:func:`simulate_layer_rdms` need torch (and scikit-learn for the digits);
they import them when called. Regenerate the shipped RDMs with
:func:`regenerate_simulation_rdms` or the command line::

    rsatoolbox-topo simulate --regenerate
"""

import hashlib
import json
import os
import warnings
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources

import numpy as np
from rsatoolbox.rdm import RDMs

from ._validation import check_int, check_option, check_rdms, check_real
from ._optional import import_extra
from ._docs import fill_doc
from ._results import Result
from .exceptions import CacheWarning, TopoWarning
from .statistics import TopoStatistic, as_statistic, statistic_label

__all__ = ["LAYERS", "load_simulation_rdms", "digit_stimuli",
           "make_network", "train_network", "simulate_layer_rdms",
           "regenerate_simulation_rdms", "add_rdm_noise",
           "default_cache_dir", "default_statistics", "run_simulation",
           "SimulationResult", "NOISE_LEVELS"]

#: Names of the recorded layers of :func:`make_network`, input to output.
LAYERS = ("conv1", "conv2", "conv3", "conv4", "conv5", "conv6", "conv7",
          "conv8", "conv9", "pool")

#: Training settings of the default simulation (the shipped RDMs).
DEFAULT_TRAINING = {"width": 96, "epochs": 30, "lr": 0.01, "batch_size": 64,
                    "n_per_digit": 10, "optimizer": "sgd", "batch_norm": False,
                    "dropout": True}

#: Seeds of the default simulation (the shipped RDMs), one per network.
DEFAULT_SEEDS = tuple(range(10))

_ARCHITECTURE_VERSION = 2
_DATA_FILE = "simulation_layer_rdms.npz"
_CACHE_ENV = "RSATOOLBOX_TOPO_CACHE"
_REFERENCES = ("rdm", "all")
_OPTIMIZERS = ("sgd", "adam")


def _torch():
    return import_extra("torch", extra="torch",
                        needed_by="rsatoolbox_topo.simulation")


# ------------------------------------------------------------ shipped data
def load_simulation_rdms():
    """Load the layer RDMs of the default simulation shipped with the package.

    10 All-CNN-C networks for 8 x 8 images (:func:`make_network`), trained
    on real handwritten digits from seeds 0-9 with :data:`DEFAULT_TRAINING`;
    one correlation-distance RDM per layer (10 layers) for 100 held-out
    digit images (10 per digit). Regenerate them with
    :func:`regenerate_simulation_rdms` or ``rsatoolbox-topo simulate
    --regenerate`` (needs torch and scikit-learn; see
    :func:`simulate_layer_rdms`). Loading needs neither.

    Returns
    -------
    rsatoolbox.rdm.RDMs
        100 RDMs (float64 copies of the stored float32 values) with RDM
        descriptors ``'layer'`` (:data:`LAYERS`), ``'seed'`` (int),
        ``'depth'`` (1-10) and ``'test_accuracy'`` (the network's digit
        classification accuracy on the 100 held-out images), and pattern
        descriptors ``'digit'`` (0-9) and ``'image'`` (index into
        :func:`sklearn.datasets.load_digits`). ``descriptors['training']``
        holds the training settings as a JSON string.

    Examples
    --------
    >>> from rsatoolbox_topo.simulation import load_simulation_rdms
    >>> rdms = load_simulation_rdms()
    >>> rdms.n_rdm, rdms.n_cond
    (100, 100)
    >>> rdms.rdm_descriptors["layer"][:3], rdms.rdm_descriptors["seed"][:3]
    (['conv1', 'conv2', 'conv3'], [0, 0, 0])
    """
    with resources.files("rsatoolbox_topo").joinpath(
            "data", _DATA_FILE).open("rb") as handle:
        with np.load(handle, allow_pickle=False) as npz:
            raw = {key: npz[key] for key in npz.files}
    return _rdms_from_arrays(raw)


def _rdms_from_arrays(raw):
    layers = [str(name) for name in raw["layer"]]
    return RDMs(
        raw["dissimilarities"].astype(np.float64),
        dissimilarity_measure=str(raw["measure"]),
        descriptors={"source": "rsatoolbox_topo.simulation",
                     "training": str(raw["training"])},
        rdm_descriptors={
            "layer": layers,
            "seed": [int(s) for s in raw["seed"]],
            "depth": [LAYERS.index(name) + 1 if name in LAYERS else -1
                      for name in layers],
            "test_accuracy": [float(a) for a in raw["test_accuracy"]],
        },
        pattern_descriptors={"digit": [int(d) for d in raw["digit"]],
                             "image": [int(i) for i in raw["image"]]})


def _arrays_from_rdms(rdms):
    return {
        "dissimilarities": np.asarray(rdms.dissimilarities, np.float32),
        "measure": np.array(rdms.dissimilarity_measure),
        "training": np.array(rdms.descriptors["training"]),
        "layer": np.array(rdms.rdm_descriptors["layer"]),
        "seed": np.array(rdms.rdm_descriptors["seed"], np.int64),
        "test_accuracy": np.array(rdms.rdm_descriptors["test_accuracy"],
                                  np.float64),
        "digit": np.array(rdms.pattern_descriptors["digit"], np.int64),
        "image": np.array(rdms.pattern_descriptors["image"], np.int64),
    }


# ---------------------------------------------------------------- stimuli
def digit_stimuli(n_per_digit=10):
    """Real handwritten digits split into a training set and stimuli.

    Parameters
    ----------
    n_per_digit : int
        Held-out stimuli per digit: the first ``n_per_digit`` images of each
        digit, in the order of :func:`sklearn.datasets.load_digits`. The
        split is fixed, so every network sees the same stimuli.

    Returns
    -------
    dict
        ``'stimuli'``: float32 array (10 * n_per_digit, 1, 8, 8), pixel values
        scaled to [0, 1], sorted by digit; ``'digit'`` and ``'image'``
        (index into load_digits) of each stimulus; ``'train_images'`` and
        ``'train_digits'``: all other images (never a stimulus).

    Examples
    --------
    >>> from rsatoolbox_topo.simulation import digit_stimuli
    >>> data = digit_stimuli(2)
    >>> data["stimuli"].shape, data["digit"][:4].tolist()
    ((20, 1, 8, 8), [0, 0, 1, 1])
    >>> len(data["train_digits"])
    1777
    """
    from sklearn.datasets import load_digits

    n_per_digit = check_int("n_per_digit", n_per_digit, low=1, high=100)
    digits = load_digits()
    images = (digits.images / 16.0).astype(np.float32)[:, np.newaxis]
    target = digits.target.astype(np.int64)
    held_out = np.concatenate([np.flatnonzero(target == digit)[:n_per_digit]
                               for digit in range(10)])
    train = np.setdiff1d(np.arange(len(target)), held_out)
    return {"stimuli": images[held_out], "digit": target[held_out],
            "image": held_out, "train_images": images[train],
            "train_digits": target[train]}


# --------------------------------------------------------------- networks
def make_network(width=96, *, batch_norm=False, dropout=True):
    """All-CNN-C for 8 x 8 images, with 10 named layers.

    The All-CNN-C of the paper (Springenberg et al., 2015) for 8 x 8
    one-channel images: three 3 x 3 convolutions with ``width`` channels
    (the third with stride 2), three 3 x 3 with ``2 * width`` (the last
    with stride 2), a 3 x 3 and a 1 x 1 convolution with ``2 * width``
    channels, a 1 x 1 convolution to 10 channels, each followed by a ReLU,
    and global average pooling to the 10 class scores. With the defaults
    (``width=96``: 96 and 192 channels, dropout, no batch normalisation) the
    layers are those of All-CNN-C except that the 3 x 3 convolution after
    the second stride-2 layer is padded (the original's is unpadded: 8 x 8
    inputs leave a 2 x 2 map there, too small for it) and the input has one
    channel, not three. Dropout (``dropout=True``, as in All-CNN-C): 20% on
    the input, 50% after each stride-2 layer; it acts in training mode
    only. The weights start from He (Kaiming) normal initialisation for
    ReLUs, biases from 0.

    Parameters
    ----------
    width : int
        Channels of the first three layers (All-CNN-C: 96).
    batch_norm : bool
        Batch normalisation after each convolution (which then has no bias);
        not in All-CNN-C. The networks shipped by earlier versions of the
        package used it.
    dropout : bool
        All-CNN-C's dropout (see above).

    Returns
    -------
    torch.nn.Sequential
        Submodules named :data:`LAYERS`; ``'convN'`` outputs the ReLU of the
        N-th convolution (after dropout in training mode), ``'pool'`` the
        class scores.

    Examples
    --------
    >>> import torch
    >>> from rsatoolbox_topo.simulation import make_network
    >>> net = make_network(4)
    >>> [name for name, _ in net.named_children()][-2:]
    ['conv9', 'pool']
    >>> net.eval()(torch.zeros(2, 1, 8, 8)).shape
    torch.Size([2, 10])
    """
    torch = _torch()

    width = check_int("width", width, low=1)
    batch_norm = _check_bool("batch_norm", batch_norm)
    dropout = _check_bool("dropout", dropout)
    # (in, out, kernel, stride) of the nine convolutions
    spec = [(1, width, 3, 1), (width, width, 3, 1), (width, width, 3, 2),
            (width, 2 * width, 3, 1), (2 * width, 2 * width, 3, 1),
            (2 * width, 2 * width, 3, 2), (2 * width, 2 * width, 3, 1),
            (2 * width, 2 * width, 1, 1), (2 * width, 10, 1, 1)]
    layers = {}
    for i, (n_in, n_out, kernel, stride) in enumerate(spec, start=1):
        conv = torch.nn.Conv2d(n_in, n_out, kernel, stride=stride,
                               padding=kernel // 2, bias=not batch_norm)
        torch.nn.init.kaiming_normal_(conv.weight, nonlinearity="relu")
        if conv.bias is not None:
            torch.nn.init.zeros_(conv.bias)
        parts = [conv]
        if dropout and i == 1:
            parts.insert(0, torch.nn.Dropout(0.2))
        if batch_norm:
            parts.append(torch.nn.BatchNorm2d(n_out))
        parts.append(torch.nn.ReLU())
        if dropout and stride == 2:
            parts.append(torch.nn.Dropout(0.5))
        layers[f"conv{i}"] = torch.nn.Sequential(*parts)
    layers["pool"] = torch.nn.Sequential(torch.nn.AdaptiveAvgPool2d(1),
                                         torch.nn.Flatten())
    return torch.nn.Sequential(OrderedDict(layers))


def _check_bool(name, value):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"The {name!r} parameter must be True or False. "
                        f"Got {value!r} instead.")
    return bool(value)


def default_cache_dir():
    """Where trained networks are cached unless told otherwise.

    Returns
    -------
    str
        ``$RSATOOLBOX_TOPO_CACHE`` if set, else
        ``~/.cache/rsatoolbox_topo``.

    Examples
    --------
    >>> from rsatoolbox_topo.simulation import default_cache_dir
    >>> isinstance(default_cache_dir(), str)
    True
    """
    return os.environ.get(_CACHE_ENV) or os.path.join(
        os.path.expanduser("~"), ".cache", "rsatoolbox_topo")


def _training_settings(width, epochs, lr, batch_size, n_per_digit,
                       optimizer, batch_norm, dropout):
    return {"width": check_int("width", width, low=1),
            "epochs": check_int("epochs", epochs, low=1),
            "lr": check_real("lr", lr, low=0),
            "batch_size": check_int("batch_size", batch_size, low=1),
            "n_per_digit": check_int("n_per_digit", n_per_digit, low=1,
                                     high=100),
            "optimizer": check_option("optimizer", optimizer, _OPTIMIZERS),
            "batch_norm": _check_bool("batch_norm", batch_norm),
            "dropout": _check_bool("dropout", dropout)}


def _optimizer(torch, net, settings):
    """SGD as All-CNN-C was trained (momentum 0.9, the learning rate divided
    by 10 after 4/7, 5/7 and 6/7 of the epochs: the original's epochs 200,
    250 and 300 of 350), with weight decay 0.001; or Adam at a constant
    rate."""
    if settings["optimizer"] == "adam":
        return torch.optim.Adam(net.parameters(), lr=settings["lr"]), None
    optimizer = torch.optim.SGD(net.parameters(), lr=settings["lr"],
                                momentum=0.9, weight_decay=1e-3)
    epochs = settings["epochs"]
    milestones = sorted({round(epochs * k / 7) for k in (4, 5, 6)} - {0})
    return optimizer, torch.optim.lr_scheduler.MultiStepLR(
        optimizer, milestones=milestones, gamma=0.1)


def _cache_path(cache_dir, settings, seed):
    torch = _torch()

    key = dict(settings, architecture=_ARCHITECTURE_VERSION,
               torch=torch.__version__.split("+")[0])
    digest = hashlib.sha256(
        json.dumps(key, sort_keys=True).encode()).hexdigest()[:16]
    return os.path.join(cache_dir, "simulation", digest, f"seed_{seed}.pt")


class _TorchSettings:
    """Fix threads and deterministic algorithms; restore them on exit."""

    def __init__(self, torch, n_threads):
        self.torch = torch
        self.n_threads = n_threads

    def __enter__(self):
        torch = self.torch
        self.saved = (torch.get_num_threads(),
                      torch.are_deterministic_algorithms_enabled())
        torch.set_num_threads(self.n_threads)
        torch.use_deterministic_algorithms(True)
        return self

    def __exit__(self, *exc):
        self.torch.set_num_threads(self.saved[0])
        self.torch.use_deterministic_algorithms(self.saved[1])
        return False


def train_network(seed, *, width=96, epochs=30, lr=0.01, batch_size=64,
                  n_per_digit=10, optimizer="sgd", batch_norm=False,
                  dropout=True, cache_dir=None, n_threads=1):
    """Train one network on the digits from one seed, deterministically.

    The seed sets the initial weights (``torch.manual_seed``) and the order
    of the training batches (a seeded ``torch.Generator``); training uses
    deterministic algorithms and ``n_threads`` CPU threads (restored
    afterwards) and cross-entropy on the images that are not stimuli
    (:func:`digit_stimuli`). Same seed, settings, torch version and machine
    give the same weights bit for bit; other CPUs may differ in the last
    bits.

    Parameters
    ----------
    seed : int
        The network's seed.
    width, epochs, lr, batch_size, n_per_digit
        Channels of the first layers (:func:`make_network`), passes over the
        training set, (initial) learning rate, batch size, stimuli per digit
        held out of training.
    optimizer : {'sgd', 'adam'}
        ``'sgd'``: stochastic gradient descent with momentum 0.9 and the
        learning rate divided by 10 after 4/7, 5/7 and 6/7 of the epochs,
        as All-CNN-C was trained (there after epochs 200, 250 and 300 of
        350), with weight decay 0.001 (the project's choice). ``'adam'``: Adam at a constant learning
        rate, no weight decay (the networks shipped by earlier versions
        of the package).
    batch_norm, dropout : bool
        As in :func:`make_network`.
    cache_dir : str | False | None
        Trained weights are stored under ``cache_dir/simulation/<key>/``,
        with ``<key>`` a hash of the settings and torch version, and loaded
        instead of retrained when present. None uses
        :func:`default_cache_dir`; False disables the cache.
    n_threads : int
        CPU threads used for training (fixed for reproducibility).

    Returns
    -------
    torch.nn.Sequential
        The trained network (:func:`make_network`) in evaluation mode.

    Examples
    --------
    >>> from rsatoolbox_topo.simulation import train_network
    >>> net = train_network(0, width=2, epochs=1, cache_dir=False)
    >>> net.training
    False
    """
    torch = _torch()

    seed = check_int("seed", seed, low=0)
    settings = _training_settings(width, epochs, lr, batch_size, n_per_digit,
                                  optimizer, batch_norm, dropout)
    n_threads = check_int("n_threads", n_threads, low=1)
    if cache_dir is None:
        cache_dir = default_cache_dir()
    path = _cache_path(cache_dir, settings, seed) if cache_dir else None
    shape = {key: settings[key] for key in ("width", "batch_norm", "dropout")}
    net = make_network(**shape)
    if path and os.path.exists(path):
        try:
            net.load_state_dict(torch.load(path, weights_only=True))
            return net.eval()
        except Exception as exc:  # torch raises many kinds for bad files
            # a corrupt or foreign cache entry: name it, then rebuild it
            warnings.warn(
                f"The cached network {path} cannot be read as weights "
                f"({type(exc).__name__}; corrupt, truncated or not written "
                f"by this package); it is trained again and replaced.",
                CacheWarning,
                stacklevel=2)
            net = make_network(**shape)
    data = digit_stimuli(settings["n_per_digit"])
    images = torch.from_numpy(data["train_images"])
    targets = torch.from_numpy(data["train_digits"])
    with _TorchSettings(torch, n_threads):
        torch.manual_seed(seed)
        net = make_network(**shape)
        optimizer, schedule = _optimizer(torch, net, settings)
        order = torch.Generator().manual_seed(seed)
        net.train()
        for _ in range(settings["epochs"]):
            permutation = torch.randperm(len(targets), generator=order)
            for start in range(0, len(targets), settings["batch_size"]):
                batch = permutation[start:start + settings["batch_size"]]
                optimizer.zero_grad()
                loss = torch.nn.functional.cross_entropy(
                    net(images[batch]), targets[batch])
                loss.backward()
                optimizer.step()
            if schedule is not None:
                schedule.step()
    net.eval()
    if path:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        partial = f"{path}.{os.getpid()}.tmp"
        torch.save(net.state_dict(), partial)
        os.replace(partial, path)  # atomic: parallel runs never see half
    return net


def simulate_layer_rdms(seeds=DEFAULT_SEEDS, *, layers=LAYERS,
                        dissimilarity="correlation", width=96, epochs=30,
                        lr=0.01, batch_size=64, n_per_digit=10,
                        optimizer="sgd", batch_norm=False, dropout=True,
                        cache_dir=None, n_threads=1, n_jobs=1,
                        progress=False):
    """Train one network per seed and compute one RDM per layer.

    The defaults are the shipped simulation (:func:`load_simulation_rdms`):
    10 seeds x 10 layers, about 40 s of training per network on one CPU
    core (409 s of CPU for all ten; cached afterwards). The paper used 10
    All-CNN-C networks with 10 layers (reportedly trained on CIFAR-10; not
    verified here); here the networks have All-CNN-C's layers but see real
    8 x 8 digits for 30 epochs (see :func:`make_network` and
    :func:`train_network` for every difference), so that everything runs
    on a CPU.

    Parameters
    ----------
    seeds : sequence of int
        One network per seed.
    layers : sequence of str
        Layers to record, from :data:`LAYERS`. The input is not a layer: its
        RDM is the same for every seed, so it would be identified trivially.
    dissimilarity : str
        Dissimilarity measure of :func:`rsatoolbox.rdm.calc_rdm`.
    width, epochs, lr, batch_size, n_per_digit, optimizer, batch_norm, \
dropout, cache_dir, n_threads
        As in :func:`train_network`.
    n_jobs : int | None
        Networks trained at once, one task per seed through the package's
        runner (joblib; -1 uses all cores; None hands the work to the
        active joblib backend, e.g. dask). Each network trains with
        ``n_threads`` threads and deterministic algorithms, so the RDMs are
        the same whatever ``n_jobs`` or the backend is (on one kind of
        CPU). Two jobs writing the same cache file replace it atomically.
    progress : bool
        Show a progress bar over seeds.

    Returns
    -------
    rsatoolbox.rdm.RDMs
        ``len(seeds) * len(layers)`` RDMs, seed-major, with the descriptors
        of :func:`load_simulation_rdms`.

    Examples
    --------
    >>> from rsatoolbox_topo.simulation import simulate_layer_rdms
    >>> rdms = simulate_layer_rdms([0, 1], layers=["conv1", "pool"], width=4,
    ...                            epochs=1, n_per_digit=2, cache_dir=False)
    >>> rdms.n_rdm, rdms.n_cond, rdms.rdm_descriptors["layer"]
    (4, 20, ['conv1', 'pool', 'conv1', 'pool'])
    """
    _torch()  # fail early and clearly without torch
    from ._parallel import run_tasks

    seeds = [check_int("seeds", seed, low=0) for seed in seeds]
    if not seeds or len(set(seeds)) != len(seeds):
        raise ValueError(
            "The 'seeds' parameter must hold at least one seed, each once. "
            f"Got {seeds!r} instead.")
    layers = [check_option("layers", name, LAYERS) for name in layers]
    if not isinstance(dissimilarity, str):
        raise TypeError(
            "The 'dissimilarity' parameter must be a str naming a measure "
            "of rsatoolbox.rdm.calc_rdm, e.g. 'correlation'. Got "
            f"{type(dissimilarity).__name__} instead.")
    settings = _training_settings(width, epochs, lr, batch_size, n_per_digit,
                                  optimizer, batch_norm, dropout)
    n_threads = check_int("n_threads", n_threads, low=1)
    if cache_dir is None:
        cache_dir = default_cache_dir()  # resolved here, not in a worker
    data = digit_stimuli(settings["n_per_digit"])
    stimuli = {key: data[key] for key in ("stimuli", "digit", "image")}
    parts = run_tasks(
        _network_rdms, [(seed,) for seed in seeds],
        shared=(stimuli, layers, settings, dissimilarity, cache_dir,
                n_threads),
        n_jobs=n_jobs, progress=progress, desc="networks", unit="net",
        prefer="processes")
    vectors = np.concatenate([part[0] for part in parts])
    if not np.all(np.isfinite(vectors)):
        raise ValueError(
            "Some layer RDMs have undefined dissimilarities (a stimulus "
            f"with constant activations under the {dissimilarity!r} "
            "measure); train longer or choose another 'dissimilarity'.")
    raw = {
        "dissimilarities": vectors,
        "measure": np.array(parts[0][1]),
        "training": np.array(json.dumps(settings, sort_keys=True)),
        "layer": np.array(layers * len(seeds)),
        "seed": np.repeat(seeds, len(layers)),
        "test_accuracy": np.repeat([part[2] for part in parts], len(layers)),
        "digit": data["digit"], "image": data["image"],
    }
    return _rdms_from_arrays(raw)


def _network_rdms(stimuli, layers, settings, dissimilarity, cache_dir,
                  n_threads, seed):
    """One task of :func:`simulate_layer_rdms`: train (or load) the network
    of ``seed``; return its layer RDM vectors, their measure and its digit
    accuracy on the stimuli."""
    torch = _torch()
    from ._parallel import limit_blas_threads
    from .bridges.torch import layer_rdms

    net = train_network(seed, **settings, cache_dir=cache_dir,
                        n_threads=n_threads)
    images = stimuli["stimuli"].copy()  # (a fresh, aligned buffer)
    # The forward passes and the RDMs (float32 products) use fixed thread
    # counts too: their sums depend on how many threads split them, and a
    # worker process has other defaults than this one.
    with _TorchSettings(torch, n_threads), limit_blas_threads(1):
        with torch.no_grad():
            scores = net(torch.from_numpy(images))
        rdms = layer_rdms(
            net, images, layers, dissimilarity=dissimilarity,
            stimulus_labels=list(stimuli["image"]),
            stimulus_descriptors={"digit": list(stimuli["digit"])},
            model_name=f"seed {seed}", descriptors={"seed": seed})
    hits = scores.argmax(dim=1).numpy() == stimuli["digit"]
    return (np.asarray(rdms.dissimilarities), rdms.dissimilarity_measure,
            float(np.mean(hits)))


def regenerate_simulation_rdms(output=None, *, cache_dir=None, n_jobs=1,
                               progress=False):
    """Train the default networks and write the shipped layer RDMs.

    The RDMs of :func:`load_simulation_rdms`, computed again by
    :func:`simulate_layer_rdms` with its defaults (:data:`DEFAULT_SEEDS`,
    :data:`DEFAULT_TRAINING`); cached networks are loaded instead of
    trained. Same as ``rsatoolbox-topo simulate --regenerate``. Needs torch
    and scikit-learn.

    Parameters
    ----------
    output : str | pathlib.Path | None
        The ``.npz`` file to write; None writes the package's own data file
        (``rsatoolbox_topo/data/simulation_layer_rdms.npz``), which needs a
        writeable installation (e.g. ``pip install -e``).
    cache_dir : str | False | None
        As in :func:`train_network`.
    n_jobs : int | None
        Networks trained at once (:func:`simulate_layer_rdms`).
    progress : bool
        Show a progress bar over networks.

    Returns
    -------
    rsatoolbox.rdm.RDMs
        The RDMs written (float32 on disk, as shipped).

    Examples
    --------
    >>> from rsatoolbox_topo.simulation import regenerate_simulation_rdms
    >>> rdms = regenerate_simulation_rdms("rdms.npz")  # doctest: +SKIP
    """
    if output is None:
        output = resources.files("rsatoolbox_topo").joinpath("data",
                                                             _DATA_FILE)
    output = os.fspath(output)
    if not output.lower().endswith(".npz"):
        raise ValueError("The 'output' parameter must be a file name ending "
                         f"in '.npz'. Got {output!r} instead.")
    rdms = simulate_layer_rdms(DEFAULT_SEEDS, **DEFAULT_TRAINING,
                               cache_dir=cache_dir, n_jobs=n_jobs,
                               progress=progress)
    with open(output, "wb") as handle:  # np.savez would add a suffix
        np.savez_compressed(handle, **_arrays_from_rdms(rdms))
    return rdms


# ------------------------------------------------------------------ noise
def add_rdm_noise(rdms, level, *, fraction=0.1, reference="all",
                  random_state=None):
    """Add the paper's i.i.d. Gaussian noise to every dissimilarity.

    The noise SD is ``level * fraction`` times the standard deviation of the
    dissimilarities (the n(n-1)/2 entries of the condensed vectors); values
    below 0 are then set to 0 (also entries that were negative before, e.g.
    of crossvalidated distances). Lin & Kriegeskorte (2024) used levels
    0-4 with fraction 0.1.

    Parameters
    ----------
    rdms : rsatoolbox.rdm.RDMs
        The RDMs; not changed.
    level : float
        Noise level k >= 0; 0 returns an unchanged copy (nothing clipped).
    fraction : float
        SD of the noise per unit of level, as a fraction of the SD of the
        dissimilarities.
    reference : {'all', 'rdm'}
        Whose SD scales the noise: all entries of all RDMs pooled
        (``'all'``, the default: one noise SD for every RDM, as the
        authors' benchmarking code computes it), or each RDM's own entries
        (``'rdm'``: every RDM gets the same signal-to-noise ratio, so a
        layer with a small spread of dissimilarities gets less noise than
        under ``'all'``).
    random_state : int | numpy.random.Generator | None
        Seed or generator of the noise.

    Returns
    -------
    rsatoolbox.rdm.RDMs
        New RDMs with all descriptors copied; ``descriptors['noise_level']``
        records ``level`` and the dissimilarity measure says what was added.
        NaN entries stay NaN.

    Examples
    --------
    >>> import numpy as np
    >>> from rsatoolbox.rdm import RDMs
    >>> from rsatoolbox_topo.simulation import add_rdm_noise
    >>> rdms = RDMs(np.array([[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]]))
    >>> noisy = add_rdm_noise(rdms, 2, random_state=0)
    >>> bool(np.all(noisy.dissimilarities >= 0))
    True
    >>> add_rdm_noise(rdms, 0).dissimilarities
    array([[1., 2., 3., 4., 5., 6.]])
    """
    from copy import deepcopy

    vectors = check_rdms(rdms, min_conditions=2)
    level = check_real("level", level, low=0)
    fraction = check_real("fraction", fraction, low=0)
    check_option("reference", reference, _REFERENCES)
    rng = np.random.default_rng(random_state)
    if reference == "rdm":
        spread = np.nanstd(vectors, axis=1, keepdims=True)
    else:
        spread = np.nanstd(vectors)
    if level * fraction == 0:
        noisy = vectors  # already a copy (check_rdms); nothing is clipped
    else:
        noise = rng.standard_normal(vectors.shape) * (level * fraction
                                                      * spread)
        noisy = np.maximum(vectors + noise, 0.0)
        noisy[np.isnan(vectors)] = np.nan
    descriptors = deepcopy(rdms.descriptors)
    descriptors["noise_level"] = level
    measure = rdms.dissimilarity_measure
    label = f"Gaussian noise (level {level:g} x {fraction:g} SD, " \
            f"{reference}) added to {measure or 'dissimilarities'}"
    return RDMs(noisy, dissimilarity_measure=label, descriptors=descriptors,
                rdm_descriptors=deepcopy(rdms.rdm_descriptors),
                pattern_descriptors=deepcopy(rdms.pattern_descriptors))


# ------------------------------------------------------------ the runner
#: One representative (lower, upper) cell of the RGTM per regime, all on the
#: 0.1 grid; (0.2, 0.8) is the paper's default and lies in 'intermediate'.
_REGIME_CELLS = {"local extractor": (0.0, 0.3),
                 "global extractor": (0.7, 1.0),
                 "geometry sensitive": (0.1, 0.9),
                 "topology sensitive": (0.5, 0.5),
                 "intermediate": (0.2, 0.8)}


def default_statistics():
    """The statistics compared by :func:`run_simulation` by default.

    Returns
    -------
    dict of str to TopoStatistic or None
        ``'RDM'`` (None: the dissimilarities as they are), ``'rank RDM'``
        (:func:`rank_normalize`), one RGTM per regime of the threshold
        triangle at a representative cell -- local extractor (0, 0.3),
        global extractor (0.7, 1), geometry sensitive (0.1, 0.9), topology
        sensitive (0.5, 0.5: the binary neighbourhood matrix), intermediate
        (0.2, 0.8: the paper's default) -- and ``'RGDM (0, 0.5)'``, the
        two-step geodesic matrix with its sensible lower threshold 0. Names
        give the regime and the cell, e.g. ``'RGTM topology sensitive
        (0.5, 0.5)'``.

    Examples
    --------
    >>> from rsatoolbox_topo.simulation import default_statistics
    >>> list(default_statistics())[:3]
    ['RDM', 'rank RDM', 'RGTM local extractor (0, 0.3)']
    >>> default_statistics()["RGDM (0, 0.5)"]
    TopoStatistic('rgdm', lower=0.0, upper=0.5)
    """
    statistics = {"RDM": None, "rank RDM": TopoStatistic("rank_normalize")}
    for name, (lower, upper) in _REGIME_CELLS.items():
        statistics[f"RGTM {name} ({lower:g}, {upper:g})"] = TopoStatistic(
            "rgtm", lower=lower, upper=upper)
    statistics["RGDM (0, 0.5)"] = TopoStatistic("rgdm", lower=0.0,
                                                upper=0.5)
    return statistics


def _check_statistics(statistics):
    """``{label: statistic}`` with every statistic through as_statistic."""
    if statistics is None:
        return default_statistics()
    if isinstance(statistics, str) or (
            isinstance(statistics, dict) and "name" in statistics
            and "params" in statistics):
        raise TypeError(
            "The 'statistics' parameter must be a mapping of labels to "
            "statistics or a list of statistics; wrap a single statistic in "
            f"a list: [{statistics!r}].")
    if isinstance(statistics, Mapping):
        items = list(statistics.items())
    elif isinstance(statistics, (list, tuple)):
        items = [(None, spec) for spec in statistics]
    else:
        raise TypeError(
            "The 'statistics' parameter must be a mapping of labels to "
            "statistics, a list of statistics, or None. Got "
            f"{type(statistics).__name__} instead.")
    if not items:
        raise ValueError("The 'statistics' parameter must hold at least one "
                         "statistic. Got an empty one instead.")
    checked = {}
    for label, spec in items:
        try:
            statistic = as_statistic(spec)
        except (TypeError, ValueError) as exc:
            raise type(exc)(
                "The 'statistics' parameter holds a statistic that cannot "
                f"be used ({spec if label is None else label!r}): "
                f"{exc}") from None
        label = statistic_label(statistic, none="RDM") if label is None else label
        if not isinstance(label, str):
            raise TypeError(
                "The 'statistics' parameter must map str labels to "
                f"statistics. Got the label {label!r} instead.")
        if label in checked:
            raise ValueError(
                "The 'statistics' parameter must name each statistic once; "
                f"{label!r} comes twice (give a mapping with other labels).")
        checked[label] = statistic
    return checked


@dataclass(frozen=True, eq=False)
class SimulationResult(Result):
    """Result of :func:`run_simulation`; the parameters are its attributes.

    Immutable; ``save``/``load`` round trip exactly (``.npz`` or
    ``.json``), ``summary()`` gives one line, ``to_frame()`` the table and
    ``plot()`` the figure (:func:`rsatoolbox_topo.vis.plot_simulation`).

    Parameters
    ----------
    noise_levels : ndarray, shape (n_levels,)
        Noise levels k (noise SD = k x ``fraction`` x the SD named by
        ``reference``).
    statistics : tuple of str
        Labels of the statistics.
    accuracy : ndarray, shape (n_levels, n_statistics)
        Layer identification accuracy on all RDMs (leave one seed out),
        mean over the noise draws of each level.
    ci_low, ci_high : ndarray, shape (n_levels, n_statistics)
        Bootstrap interval at level ``ci_level`` by ``ci_method``, over
        seeds, stimuli and noise draws.
    samples : ndarray, shape (n_levels, n_statistics, n_bootstrap)
        Two-factor bootstrap accuracies: sample ``b`` resamples seeds and
        stimuli of one noise draw (draws get the samples in blocks). All
        statistics and noise levels share the same bootstrap samples
        (paired).
    chance : float
        1 / number of layers.
    ci_level : float
        Level of the intervals.
    fraction : float
        Noise SD per unit of level (0.1 in the paper).
    draw_accuracy : ndarray, shape (n_levels, n_statistics, n_noise_draws)
        Full-data accuracy of each noise draw.
    reference : str
        Whose SD scales the noise (:func:`add_rdm_noise`).
    ci_method : str
        How the intervals were computed (see :meth:`confidence_interval`).
    one_factor_individuals, one_factor_conditions : ndarray | None
        Shape of ``samples``: the one-factor bootstraps (seeds only,
        stimuli only) of :func:`~rsatoolbox_topo.identification.bootstrap_identify`
        that the ``'corrected'`` interval needs; None for the other methods.
    n_individuals, n_conditions : int
        Seeds and stimuli (the units of the two resampled factors).
    """

    noise_levels: np.ndarray
    statistics: tuple
    accuracy: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    samples: np.ndarray
    chance: float
    ci_level: float
    fraction: float
    draw_accuracy: np.ndarray
    reference: str = "all"
    ci_method: str = "corrected"
    one_factor_individuals: object = None
    one_factor_conditions: object = None
    n_individuals: int = None
    n_conditions: int = None

    @property
    def n_noise_draws(self):
        """Noise draws per level."""
        return self.draw_accuracy.shape[-1]

    @property
    def n_bootstrap(self):
        """Two-factor bootstrap samples per level and statistic."""
        return self.samples.shape[-1]

    @property
    def reference_text(self):
        """What the noise SD is a fraction of, in words."""
        return ("all RDMs' entries pooled" if self.reference == "all" else
                "each RDM's own entries")

    def confidence_interval(self, ci_method=None, ci_level=None):
        """Intervals recomputed from the stored samples, without resampling.

        Parameters
        ----------
        ci_method : {'percentile', 'basic', 'bc', 'corrected'} | None
            Interval method; None uses ``ci_method``. 'corrected' needs the
            one-factor samples (a result computed with it).
        ci_level : float | None
            Interval level; None uses ``ci_level``.

        Returns
        -------
        low, high : ndarray, shape (n_levels, n_statistics)
        """
        return _pooled_interval(
            self.samples, self.accuracy,
            None if self.one_factor_individuals is None else
            (self.one_factor_individuals, self.one_factor_conditions),
            (self.n_individuals, self.n_conditions),
            self.ci_level if ci_level is None else ci_level,
            self.ci_method if ci_method is None else ci_method)

    def summary(self):
        """One line: statistics, levels, and the best statistic at the
        first and last level.

        Returns
        -------
        str
            The line, without a newline.

        Examples
        --------
        >>> from rsatoolbox_topo.simulation import run_simulation
        >>> from rsatoolbox_topo.simulation import load_simulation_rdms
        >>> result = run_simulation(load_simulation_rdms().subset(
        ...     "seed", [0, 1, 2]), noise_levels=(0, 30), statistics=[None],
        ...     n_bootstrap=2, n_noise_draws=2, random_state=0)
        >>> result.summary()  # doctest: +ELLIPSIS
        '1 statistics x 2 noise levels (k = 0 to 30, 2 draws, 2 samples); ...'
        """
        def best(i):
            j = int(np.nanargmax(self.accuracy[i]))
            return (f"k = {self.noise_levels[i]:g}: best {self.statistics[j]}"
                    f" {self.accuracy[i, j]:.3f} [{self.ci_low[i, j]:.3f}, "
                    f"{self.ci_high[i, j]:.3f}]")

        levels = self.noise_levels
        parts = [best(0)] + ([best(len(levels) - 1)] if len(levels) > 1
                             else [])
        return (f"{len(self.statistics)} statistics x {len(levels)} noise "
                f"levels (k = {levels.min():g} to {levels.max():g}, "
                f"{self.n_noise_draws} draws, {self.n_bootstrap} samples); "
                + "; ".join(parts) + f"; {100 * self.ci_level:g}% "
                f"{self.ci_method} intervals; chance {self.chance:.3f}")

    def to_frame(self):
        """Tidy table, one row per noise level and statistic.

        Returns
        -------
        pandas.DataFrame
            Columns ``noise_level``, ``statistic``, ``accuracy`` (mean over
            noise draws), ``ci_low``, ``ci_high``, and ``draw_sd`` (SD of
            the full-data accuracy over noise draws).
        """
        import pandas as pd

        n_levels, n_stats = self.accuracy.shape
        return pd.DataFrame({
            "noise_level": np.repeat(self.noise_levels, n_stats),
            "statistic": list(self.statistics) * n_levels,
            "accuracy": self.accuracy.ravel(),
            "ci_low": self.ci_low.ravel(),
            "ci_high": self.ci_high.ravel(),
            "draw_sd": self.draw_accuracy.std(axis=-1).ravel(),
        })

    @fill_doc
    def plot(self, ax=None):
        """Accuracy against noise level per statistic, with interval bands
        (:func:`rsatoolbox_topo.vis.plot_simulation`).

        Parameters
        ----------
        %(ax)s

        Returns
        -------
        matplotlib.axes.Axes
        """
        from . import vis

        return vis.plot_simulation(self, ax=ax)


#: Noise levels of :func:`run_simulation`: the paper's k = 0..4 and beyond,
#: until the layer RDMs' accuracy falls (around k = 10-100 on the shipped
#: networks with the pooled SD).
NOISE_LEVELS = (0, 1, 2, 3, 4, 10, 20, 30, 50, 100)

#: Interval methods of :func:`run_simulation`: those that need only samples
#: pooled over the noise draws ('corrected' pools the one-factor bootstraps
#: as well; 'bca' and 't' need per-draw jackknife or unit values).
_SIMULATION_INTERVALS = ("corrected", "percentile", "basic", "bc")


def _pooled_interval(samples, estimate, one_factor, n_units, level, method):
    """Intervals from bootstrap samples pooled over noise draws (last axis)."""
    from ._resampling import confidence_interval

    check_option("method", method, _SIMULATION_INTERVALS)
    if method == "corrected" and one_factor is None:
        raise ValueError(
            "The 'method' parameter 'corrected' needs the one-factor "
            "bootstrap samples, which this result does not hold (computed "
            "with ci_method='percentile', 'basic' or 'bc'). Got "
            "'corrected' instead.")
    extra = {}
    if method == "corrected":
        extra = {"one_factor": tuple(np.moveaxis(part, -1, 0)
                                     for part in one_factor),
                 "n_units": n_units}
    low, high = confidence_interval(np.moveaxis(samples, -1, 0), estimate,
                                    level=level, method=method, **extra)
    return np.clip(low, 0.0, 1.0), np.clip(high, 0.0, 1.0)


@fill_doc
def run_simulation(rdms=None, noise_levels=NOISE_LEVELS, statistics=None,
                   n_bootstrap=100, random_state=None, n_jobs=1,
                   progress=False, *, fraction=0.1, reference="all",
                   ci_level=0.95, by="layer", across="seed",
                   n_noise_draws=20, ci_method="corrected"):
    """Layer identification across seeds as RDM noise grows, per statistic.

    For each noise level, ``n_noise_draws`` independent draws of the
    paper's noise are added to the RDMs (:func:`add_rdm_noise`); each
    statistic then identifies the layer of every held-out seed's RDMs by
    leave-one-seed-out nearest centroid. The accuracy of a level is the
    mean over its draws (one draw of 100 held-out RDMs has a standard error
    near 0.05). The interval comes from the bootstraps of
    :func:`rsatoolbox_topo.identification.bootstrap_identify` over seeds
    and stimuli, spread over the draws (draw ``d`` gets a block of the
    ``n_bootstrap`` samples), so it covers the noise as well.

    Parameters
    ----------
    rdms : rsatoolbox.rdm.RDMs | None
        Layer RDMs with RDM descriptors ``by`` and ``across``. None uses the
        shipped RDMs (:func:`load_simulation_rdms`).
    noise_levels : sequence of float
        Noise levels k >= 0; default :data:`NOISE_LEVELS` (the paper's
        0-4 and beyond, until the accuracy falls).
    statistics : mapping of str to statistic | list of statistic | None
        Statistics to compare: a mapping of table labels to statistics, or
        a list of statistics (labelled by their names). Each statistic in
        any spelling of :func:`rsatoolbox_topo.statistics.as_statistic`: a
        :class:`~rsatoolbox_topo.statistics.TopoStatistic`, a name
        (``'rgtm'``), a dict ``{'name': 'rgtm', 'params': {...}}``, a
        callable RDMs -> RDMs, or None for the RDM itself. None uses
        :func:`default_statistics` (RDM, rank RDM, one RGTM per regime,
        RGDM).
    n_bootstrap : int
        Two-factor bootstrap samples per noise level and statistic, spread
        over the noise draws (at least one per draw is best). Use 1000 for
        final results.
    random_state : int | numpy.random.Generator | None
        Seed of the noise and of the bootstrap. All noise and one bootstrap
        seed per draw are drawn up front, so the result is the same
        whatever ``n_jobs`` is, and all statistics and noise levels share
        the same bootstrap samples.
    %(n_jobs)s
    %(progress)s
    fraction, reference
        As in :func:`add_rdm_noise` (default: 0.1 of the SD of all RDMs'
        entries pooled).
    %(ci_level)s
    by, across : str
        RDM descriptors of the class (layer) and the individual (seed).
    n_noise_draws : int
        Independent noise draws per level (at least 20 for a curve whose
        points are not dominated by the noise of one draw). Level 0 is
        computed once.
    ci_method : {'corrected', 'percentile', 'basic', 'bc'}
        Interval method, over the bootstrap samples pooled across noise
        draws, with the mean over draws as the estimate. 'corrected' (the
        package's calibrated default, Schuett et al. 2023's variance
        correction) pools the two one-factor bootstraps that
        :func:`~rsatoolbox_topo.identification.bootstrap_identify` draws
        with each draw's two-factor samples: three times the resampling.
        The pooled samples vary with the noise draw too, so the interval
        is wider than one for a fixed draw (conservative for the mean over
        draws). 'bca' and 't' need per-draw quantities and are not offered.

    Returns
    -------
    SimulationResult
        ``to_frame()`` gives the table, ``plot()`` the figure.

    Examples
    --------
    >>> from rsatoolbox_topo.simulation import (load_simulation_rdms,
    ...                                         run_simulation)
    >>> rdms = load_simulation_rdms().subset("seed", [0, 1, 2, 3])
    >>> result = run_simulation(rdms, noise_levels=(0, 2),
    ...                         statistics={"rank RDM": "rank_normalize"},
    ...                         n_bootstrap=6, n_noise_draws=3,
    ...                         random_state=0)
    >>> result.to_frame().columns.tolist()
    ['noise_level', 'statistic', 'accuracy', 'ci_low', 'ci_high', 'draw_sd']
    >>> result.chance, result.draw_accuracy.shape, result.ci_method
    (0.1, (2, 1, 3), 'corrected')
    """
    from ._parallel import run_tasks
    from ._resampling import derive_seeds
    from ._validation import check_random_state

    if rdms is None:
        rdms = load_simulation_rdms()
    check_rdms(rdms)
    levels = np.array([check_real("noise_levels", level, low=0)
                       for level in noise_levels], dtype=np.float64)
    if levels.size == 0:
        raise ValueError("The 'noise_levels' parameter must hold at least "
                         "one level. Got an empty sequence instead.")
    statistics = _check_statistics(statistics)
    n_draws = check_int("n_noise_draws", n_noise_draws, low=1)
    n_bootstrap = check_int("n_bootstrap", n_bootstrap, low=1)
    ci_level = check_real("ci_level", ci_level, 0.0, 1.0)
    if not 0 < ci_level < 1:
        raise ValueError("The 'ci_level' parameter must be a float in "
                         f"(0, 1). Got {ci_level!r} instead.")
    check_option("ci_method", ci_method, _SIMULATION_INTERVALS)
    rng = check_random_state(random_state)
    noise_seeds = derive_seeds(rng, len(levels) * n_draws).reshape(
        len(levels), n_draws)
    boot_seeds = derive_seeds(rng, n_draws)
    # bootstrap samples per draw, in blocks: draw d gets sizes[d] of them
    sizes = np.diff(np.linspace(0, n_bootstrap, n_draws + 1).astype(int))
    names = list(statistics)
    shape = (len(levels), len(names))
    draw_acc = np.empty(shape + (n_draws,))
    kinds = ("samples",) + (("one_factor_individuals",
                             "one_factor_conditions")
                            if ci_method == "corrected" else ())
    pooled = {kind: np.empty(shape + (n_bootstrap,)) for kind in kinds}
    # One task per (noise level, draw), each running every statistic's
    # bootstrap in one process: parallel over draws, not over the few
    # samples of one draw (the demo's 360 small bootstraps, each split over
    # workers, took 40% longer with n_jobs=2 than with 1). Every seed is
    # drawn above, so the result is the same whatever n_jobs is.
    # Level 0 adds nothing: its draws without samples copy its first draw.
    keys = [(i, d) for i, level in enumerate(levels) for d in range(n_draws)
            if level > 0 or d == 0 or sizes[d] > 0]
    tasks = [(float(levels[i]), int(noise_seeds[i, d if levels[i] else 0]),
              int(boot_seeds[d]), int(sizes[d])) for i, d in keys]
    done = dict(zip(keys, run_tasks(
        _simulation_draw, tasks, shared=(rdms, by, across, statistics),
        shared_kwargs={"fraction": fraction, "reference": reference,
                       "corrected": ci_method == "corrected"},
        n_jobs=n_jobs, progress=progress, desc="simulation", unit="draw")))
    chance, units = None, (None, None)
    warned = {}  # statistic -> [runs with package warnings, first text]
    for i, d in np.ndindex(len(levels), n_draws):
        if (i, d) not in done:
            draw_acc[i, :, d] = draw_acc[i, :, 0]
            continue
        out = done[i, d]
        start = int(sizes[:d].sum())
        for j, name in enumerate(names):
            row = out[name]
            draw_acc[i, j, d], chance = row["accuracy"], row["chance"]
            if row["warning"] is not None:
                count, text = warned.get(name, (0, row["warning"]))
                warned[name] = (count + 1, text)
            if sizes[d] == 0:
                continue
            units = row["units"]
            for kind in kinds:
                pooled[kind][i, j, start:start + sizes[d]] = row[kind]
    for name, (count, text) in warned.items():
        warnings.warn(
            f"{name}: package warnings in {count} of "
            f"{len(levels) * n_draws} (noise level, draw) runs of the "
            f"bootstrap, e.g. {text}", TopoWarning, stacklevel=2)
    accuracy = draw_acc.mean(axis=-1)
    one_factor = None if ci_method != "corrected" else (
        pooled["one_factor_individuals"], pooled["one_factor_conditions"])
    low, high = _pooled_interval(pooled["samples"], accuracy, one_factor,
                                 units, ci_level, ci_method)
    return SimulationResult(
        noise_levels=levels, statistics=tuple(names),
        accuracy=accuracy, ci_low=low, ci_high=high,
        samples=pooled["samples"], chance=float(chance),
        ci_level=float(ci_level), fraction=float(fraction),
        draw_accuracy=draw_acc, reference=reference, ci_method=ci_method,
        one_factor_individuals=None if one_factor is None else one_factor[0],
        one_factor_conditions=None if one_factor is None else one_factor[1],
        n_individuals=None if units[0] is None else int(units[0]),
        n_conditions=None if units[1] is None else int(units[1]))


def _simulation_draw(rdms, by, across, statistics, level, noise_seed,
                     boot_seed, n_samples, *, fraction, reference,
                     corrected):
    """One noise draw of :func:`run_simulation`: every statistic's accuracy
    and bootstrap samples on the same noisy RDMs (one runner task)."""
    from .identification import bootstrap_identify

    noisy = add_rdm_noise(rdms, level, fraction=fraction,
                          reference=reference, random_state=noise_seed)
    out = {}
    for name, statistic in statistics.items():
        # Package warnings are counted per statistic (one summary at the
        # end); any other warning goes on to the caller.
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", TopoWarning)
            if n_samples == 0:
                point = _identify_point(noisy, by, across, statistic)
                row = {"accuracy": point.accuracy, "chance": point.chance}
            else:
                boot = bootstrap_identify(
                    noisy, by, across, statistic, n_bootstrap=n_samples,
                    random_state=boot_seed, n_jobs=1,
                    ci_method="corrected" if corrected else "percentile",
                    jackknife=False)  # never pooled, and costly
                row = {"accuracy": boot.accuracy, "chance": boot.chance,
                       "units": (boot.n_individuals, boot.n_conditions),
                       "samples": boot.samples}
                if corrected:
                    row["one_factor_individuals"] = \
                        boot.one_factor_individuals
                    row["one_factor_conditions"] = boot.one_factor_conditions
        package = [w for w in caught if issubclass(w.category, TopoWarning)]
        for w in caught:
            if not issubclass(w.category, TopoWarning):
                warnings.warn_explicit(w.message, w.category, w.filename,
                                       w.lineno)
        row["warning"] = str(package[0].message) if package else None
        out[name] = row
    return out


def _identify_point(rdms, by, across, statistic):
    from .identification import identify

    return identify(rdms, by, across, statistic=statistic)
