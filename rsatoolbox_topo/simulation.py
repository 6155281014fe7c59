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
* :func:`make_network` -- a small All-CNN-C (9 convolutional layers with
  batch normalisation and ReLU, strided convolutions instead of pooling,
  global average pooling): 10 layers, as in the paper;
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
they import them when called. Regenerate the shipped RDMs with::

    python -m rsatoolbox_topo.simulation --regenerate
"""

import functools
import hashlib
import json
import os
import warnings
from collections import OrderedDict
from dataclasses import dataclass
from importlib import resources

import numpy as np
from rsatoolbox.rdm import RDMs

from ._validation import check_int, check_option, check_rdms, check_real
from ._optional import import_extra
from .exceptions import CacheWarning, TopoWarning
from .statistics import rank_normalize, rgdm, rgtm

__all__ = ["LAYERS", "load_simulation_rdms", "digit_stimuli",
           "make_network", "train_network", "simulate_layer_rdms",
           "add_rdm_noise", "default_cache_dir", "default_statistics",
           "run_simulation", "SimulationResult", "NOISE_LEVELS"]

#: Names of the recorded layers of :func:`make_network`, input to output.
LAYERS = ("conv1", "conv2", "conv3", "conv4", "conv5", "conv6", "conv7",
          "conv8", "conv9", "pool")

#: Training settings of the default simulation (the shipped RDMs).
DEFAULT_TRAINING = {"width": 16, "epochs": 15, "lr": 1e-3, "batch_size": 64,
                    "n_per_digit": 10}

#: Seeds of the default simulation (the shipped RDMs), one per network.
DEFAULT_SEEDS = tuple(range(10))

_ARCHITECTURE_VERSION = 1
_DATA_FILE = "simulation_layer_rdms.npz"
_CACHE_ENV = "RSATOOLBOX_TOPO_CACHE"
_REFERENCES = ("rdm", "all")


def _torch():
    return import_extra("torch", extra="torch",
                        needed_by="rsatoolbox_topo.simulation")


# ------------------------------------------------------------ shipped data
def load_simulation_rdms():
    """Load the layer RDMs of the default simulation shipped with the package.

    10 small All-CNN-C networks (:func:`make_network`), trained on real
    handwritten digits from seeds 0-9 with :data:`DEFAULT_TRAINING`; one
    correlation-distance RDM per layer (10 layers) for 100 held-out digit
    images (10 per digit). Regenerate them with
    ``python -m rsatoolbox_topo.simulation --regenerate`` (needs torch and
    scikit-learn; see :func:`simulate_layer_rdms`). Loading needs neither.

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
def make_network(width=16):
    """A small All-CNN-C for 8 x 8 images with 10 named layers.

    The All-CNN-C of the paper (Springenberg et al., 2015), scaled to 8 x 8
    digits: three 3 x 3 convolutions with ``width`` channels (the third with
    stride 2), three with ``2 * width`` (the last with stride 2), a 3 x 3 and
    a 1 x 1 convolution with ``2 * width`` channels, a 1 x 1 convolution to
    10 channels and global average pooling to the 10 class scores. Each
    convolution is followed by batch normalisation (for reliable training
    from every seed; the original has none) and a ReLU.

    Parameters
    ----------
    width : int
        Channels of the first three layers.

    Returns
    -------
    torch.nn.Sequential
        Submodules named :data:`LAYERS`; ``'convN'`` outputs the ReLU of the
        N-th convolution, ``'pool'`` the class scores.

    Examples
    --------
    >>> import torch
    >>> from rsatoolbox_topo.simulation import make_network
    >>> net = make_network(4)
    >>> [name for name, _ in net.named_children()][-2:]
    ['conv9', 'pool']
    >>> net(torch.zeros(2, 1, 8, 8)).shape
    torch.Size([2, 10])
    """
    torch = _torch()

    width = check_int("width", width, low=1)
    # (in, out, kernel, stride) of the nine convolutions
    spec = [(1, width, 3, 1), (width, width, 3, 1), (width, width, 3, 2),
            (width, 2 * width, 3, 1), (2 * width, 2 * width, 3, 1),
            (2 * width, 2 * width, 3, 2), (2 * width, 2 * width, 3, 1),
            (2 * width, 2 * width, 1, 1), (2 * width, 10, 1, 1)]
    layers = {}
    for i, (n_in, n_out, kernel, stride) in enumerate(spec, start=1):
        layers[f"conv{i}"] = torch.nn.Sequential(
            torch.nn.Conv2d(n_in, n_out, kernel, stride=stride,
                            padding=kernel // 2, bias=False),
            torch.nn.BatchNorm2d(n_out), torch.nn.ReLU())
    layers["pool"] = torch.nn.Sequential(torch.nn.AdaptiveAvgPool2d(1),
                                         torch.nn.Flatten())
    return torch.nn.Sequential(OrderedDict(layers))


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


def _training_settings(width, epochs, lr, batch_size, n_per_digit):
    return {"width": check_int("width", width, low=1),
            "epochs": check_int("epochs", epochs, low=1),
            "lr": check_real("lr", lr, low=0),
            "batch_size": check_int("batch_size", batch_size, low=1),
            "n_per_digit": check_int("n_per_digit", n_per_digit, low=1,
                                     high=100)}


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


def train_network(seed, *, width=16, epochs=15, lr=1e-3, batch_size=64,
                  n_per_digit=10, cache_dir=None, n_threads=1):
    """Train one network on the digits from one seed, deterministically.

    The seed sets the initial weights (``torch.manual_seed``) and the order
    of the training batches (a seeded ``torch.Generator``); training uses
    deterministic algorithms and ``n_threads`` CPU threads (restored
    afterwards), Adam and cross-entropy on the images that are not stimuli
    (:func:`digit_stimuli`). Same seed, settings, torch version and machine
    give the same weights bit for bit; other CPUs may differ in the last
    bits.

    Parameters
    ----------
    seed : int
        The network's seed.
    width, epochs, lr, batch_size, n_per_digit
        Channels of the first layers (:func:`make_network`), passes over the
        training set, Adam learning rate, batch size, stimuli per digit
        held out of training.
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
    settings = _training_settings(width, epochs, lr, batch_size, n_per_digit)
    n_threads = check_int("n_threads", n_threads, low=1)
    if cache_dir is None:
        cache_dir = default_cache_dir()
    path = _cache_path(cache_dir, settings, seed) if cache_dir else None
    net = make_network(settings["width"])
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
            net = make_network(settings["width"])
    data = digit_stimuli(settings["n_per_digit"])
    images = torch.from_numpy(data["train_images"])
    targets = torch.from_numpy(data["train_digits"])
    with _TorchSettings(torch, n_threads):
        torch.manual_seed(seed)
        net = make_network(settings["width"])
        optimizer = torch.optim.Adam(net.parameters(), lr=settings["lr"])
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
    net.eval()
    if path:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        partial = f"{path}.{os.getpid()}.tmp"
        torch.save(net.state_dict(), partial)
        os.replace(partial, path)  # atomic: parallel runs never see half
    return net


def simulate_layer_rdms(seeds=DEFAULT_SEEDS, *, layers=LAYERS,
                        method="correlation", width=16, epochs=15, lr=1e-3,
                        batch_size=64, n_per_digit=10, cache_dir=None,
                        n_threads=1, progress=False):
    """Train one network per seed and compute one RDM per layer.

    The defaults are the shipped simulation (:func:`load_simulation_rdms`):
    10 seeds x 10 layers, about 4 s of training per network on one CPU
    core (cached afterwards). The paper used 10 All-CNN-C networks
    with 10 layers (reportedly trained on CIFAR-10; not verified here); here
    the networks are smaller and see real
    8 x 8 digits, so that everything runs on a CPU.

    Parameters
    ----------
    seeds : sequence of int
        One network per seed.
    layers : sequence of str
        Layers to record, from :data:`LAYERS`. The input is not a layer: its
        RDM is the same for every seed, so it would be identified trivially.
    method : str
        Dissimilarity measure of :func:`rsatoolbox.rdm.calc_rdm`.
    width, epochs, lr, batch_size, n_per_digit, cache_dir, n_threads
        As in :func:`train_network`.
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
    >>> rdms = simulate_layer_rdms([0, 1], layers=["conv1", "pool"], width=2,
    ...                            epochs=1, n_per_digit=2, cache_dir=False)
    >>> rdms.n_rdm, rdms.n_cond, rdms.rdm_descriptors["layer"]
    (4, 20, ['conv1', 'pool', 'conv1', 'pool'])
    """
    torch = _torch()
    from tqdm.auto import tqdm

    from .bridges.torch import layer_rdms

    seeds = [check_int("seeds", seed, low=0) for seed in seeds]
    if not seeds or len(set(seeds)) != len(seeds):
        raise ValueError(
            "The 'seeds' parameter must hold at least one seed, each once. "
            f"Got {seeds!r} instead.")
    layers = [check_option("layers", name, LAYERS) for name in layers]
    settings = _training_settings(width, epochs, lr, batch_size, n_per_digit)
    data = digit_stimuli(settings["n_per_digit"])
    parts, accuracy = [], []
    for seed in tqdm(seeds, disable=not progress, desc="networks",
                     unit="net"):
        net = train_network(seed, **settings, cache_dir=cache_dir,
                            n_threads=n_threads)
        with _TorchSettings(torch, n_threads), torch.no_grad():
            scores = net(torch.from_numpy(data["stimuli"]))
        hits = scores.argmax(dim=1).numpy() == data["digit"]
        accuracy.append(float(np.mean(hits)))
        parts.append(layer_rdms(
            net, data["stimuli"], layers, dissimilarity=method,
            stimulus_labels=list(data["image"]),
            stimulus_descriptors={"digit": list(data["digit"])},
            model_name=f"seed {seed}", descriptors={"seed": seed}))
    vectors = np.concatenate([part.dissimilarities for part in parts])
    if not np.all(np.isfinite(vectors)):
        raise ValueError(
            "Some layer RDMs have undefined dissimilarities (a stimulus "
            f"with constant activations under the {method!r} measure); "
            "train longer or choose another 'method'.")
    raw = {
        "dissimilarities": vectors,
        "measure": np.array(parts[0].dissimilarity_measure),
        "training": np.array(json.dumps(settings, sort_keys=True)),
        "layer": np.array(layers * len(seeds)),
        "seed": np.repeat(seeds, len(layers)),
        "test_accuracy": np.repeat(accuracy, len(layers)),
        "digit": data["digit"], "image": data["image"],
    }
    return _rdms_from_arrays(raw)


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
    dict of str to callable or None
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
    """
    statistics = {"RDM": None, "rank RDM": rank_normalize}
    for name, (lower, upper) in _REGIME_CELLS.items():
        statistics[f"RGTM {name} ({lower:g}, {upper:g})"] = functools.partial(
            rgtm, lower=lower, upper=upper)
    statistics["RGDM (0, 0.5)"] = functools.partial(rgdm, lower=0.0,
                                                    upper=0.5)
    return statistics


def _check_statistics(statistics):
    if statistics is None:
        return default_statistics()
    if not isinstance(statistics, dict) or not statistics:
        raise TypeError(
            "The 'statistics' parameter must be a non-empty dict of names to "
            "statistics (callables mapping RDMs to RDMs, or None for the "
            f"RDM itself). Got {statistics!r} instead.")
    for name, statistic in statistics.items():
        if not isinstance(name, str) or not (statistic is None
                                             or callable(statistic)):
            raise TypeError(
                "The 'statistics' parameter must map str names to callables "
                f"or None. Got {name!r}: {statistic!r} instead.")
    return dict(statistics)


@dataclass(eq=False)
class SimulationResult:
    """Result of :func:`run_simulation`; the parameters are its attributes.

    Parameters
    ----------
    noise_levels : ndarray, shape (n_levels,)
        Noise levels k (noise SD = k x ``fraction`` x the SD named by
        ``reference``).
    statistics : list of str
        Names of the statistics.
    accuracy : ndarray, shape (n_levels, n_statistics)
        Layer identification accuracy on all RDMs (leave one seed out),
        mean over the noise draws of each level.
    ci_low, ci_high : ndarray, shape (n_levels, n_statistics)
        Bootstrap interval at level ``ci_level`` by ``ci_method``, over
        seeds, stimuli and noise draws.
    samples : ndarray, shape (n_levels, n_statistics, n_bootstrap)
        Bootstrap accuracies: sample ``b`` resamples seeds and stimuli of
        noise draw ``b mod n_noise_draws`` (in blocks). All statistics and
        noise levels share the same bootstrap samples (paired).
    chance : float
        1 / number of layers.
    ci_level : float
        Level of the intervals.
    fraction : float
        Noise SD per unit of level (0.1 in the paper).
    draw_accuracy : ndarray | None
        Full-data accuracy of each noise draw, shape (n_levels,
        n_statistics, n_noise_draws).
    reference : str
        Whose SD scales the noise (:func:`add_rdm_noise`).
    ci_method : str
        How the intervals were computed.
    """

    noise_levels: np.ndarray
    statistics: list
    accuracy: np.ndarray
    ci_low: np.ndarray
    ci_high: np.ndarray
    samples: np.ndarray
    chance: float
    ci_level: float
    fraction: float
    draw_accuracy: object = None
    reference: str = "all"
    ci_method: str = "percentile"

    @property
    def n_noise_draws(self):
        """Noise draws per level."""
        return 1 if self.draw_accuracy is None else \
            self.draw_accuracy.shape[-1]

    @property
    def reference_text(self):
        """What the noise SD is a fraction of, in words."""
        return ("all RDMs' entries pooled" if self.reference == "all" else
                "each RDM's own entries")

    def to_frame(self):
        """Tidy table, one row per noise level and statistic.

        Returns
        -------
        pandas.DataFrame
            Columns ``noise_level``, ``statistic``, ``accuracy`` (mean over
            noise draws), ``ci_low``, ``ci_high``, and ``draw_sd`` (SD of
            the full-data accuracy over noise draws) when there are draws.
        """
        import pandas as pd

        n_levels, n_stats = self.accuracy.shape
        frame = pd.DataFrame({
            "noise_level": np.repeat(self.noise_levels, n_stats),
            "statistic": list(self.statistics) * n_levels,
            "accuracy": self.accuracy.ravel(),
            "ci_low": self.ci_low.ravel(),
            "ci_high": self.ci_high.ravel(),
        })
        if self.draw_accuracy is not None:
            frame["draw_sd"] = self.draw_accuracy.std(axis=-1).ravel()
        return frame

    def plot(self, ax=None):
        """Accuracy against noise level per statistic, with interval bands.

        The x axis is linear over the paper's levels (k <= 4, shaded) and
        logarithmic beyond; the legend sits outside the axes.

        Parameters
        ----------
        ax : matplotlib.axes.Axes | None
            Where to draw; None makes a new figure.

        Returns
        -------
        matplotlib.axes.Axes
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(8, 4.5), layout="constrained")
        colors = plt.get_cmap("tab10")
        for i, name in enumerate(self.statistics):
            color = colors(i % 10)
            ax.plot(self.noise_levels, self.accuracy[:, i], "o-",
                    color=color, label=name, ms=4)
            ax.fill_between(self.noise_levels, self.ci_low[:, i],
                            self.ci_high[:, i], color=color, alpha=0.15,
                            linewidth=0)
        ax.axhline(self.chance, color="0.4", ls="--", lw=1, label="chance")
        if self.noise_levels.max() > 4:
            ax.set_xscale("symlog", linthresh=4, linscale=1.5)
            ax.axvspan(0, min(4, self.noise_levels.max()), color="0.93",
                       zorder=0, lw=0)
            ax.text(2, 0.98, "paper's levels", ha="center", va="top",
                    fontsize="small", color="0.35")
        ax.set_xlabel(f"noise level k (noise SD = k x {self.fraction:g} x "
                      f"SD of {self.reference_text})")
        ax.set_ylabel("layer identification accuracy")
        ax.set_ylim(0, 1)
        ax.set_xticks(self.noise_levels,
                      [f"{k:g}" for k in self.noise_levels])
        ax.legend(fontsize="small", loc="upper left",
                  bbox_to_anchor=(1.01, 1), frameon=False)
        draws = (f"mean of {self.n_noise_draws} noise draws\n"
                 if self.n_noise_draws > 1 else "")
        ax.set_title(f"{draws}{100 * self.ci_level:g}% {self.ci_method} "
                     "bootstrap intervals (seeds, stimuli, noise)",
                     fontsize="medium")
        return ax


#: Noise levels of :func:`run_simulation`: the paper's k = 0..4 and beyond,
#: until the layer RDMs' accuracy falls (around k = 10-100 on the shipped
#: networks with the pooled SD).
NOISE_LEVELS = (0, 1, 2, 3, 4, 10, 20, 30, 50, 100)

#: Interval methods of :func:`run_simulation` (they need only the samples
#: and the estimate, which the noise draws pool).
_SIMULATION_INTERVALS = ("percentile", "basic", "bc")


def run_simulation(rdms=None, noise_levels=NOISE_LEVELS, statistics=None,
                   n_bootstrap=100, random_state=None, n_jobs=1,
                   progress=False, *, fraction=0.1, reference="all", ci=0.95,
                   by="layer", across="seed", n_noise_draws=20,
                   ci_method="percentile"):
    """Layer identification across seeds as RDM noise grows, per statistic.

    For each noise level, ``n_noise_draws`` independent draws of the
    paper's noise are added to the RDMs (:func:`add_rdm_noise`); each
    statistic then identifies the layer of every held-out seed's RDMs by
    leave-one-seed-out nearest centroid. The accuracy of a level is the
    mean over its draws (one draw of 100 held-out RDMs has a standard error
    near 0.05). The interval comes from a two-factor bootstrap over seeds
    and stimuli (:func:`rsatoolbox_topo.identification.bootstrap_identify`)
    spread over the draws, so it covers the noise as well.

    Parameters
    ----------
    rdms : rsatoolbox.rdm.RDMs | None
        Layer RDMs with RDM descriptors ``by`` and ``across``. None uses the
        shipped RDMs (:func:`load_simulation_rdms`).
    noise_levels : sequence of float
        Noise levels k >= 0; default :data:`NOISE_LEVELS` (the paper's
        0-4 and beyond, until the accuracy falls).
    statistics : dict of str to callable or None | None
        Statistics to compare, by name; None uses
        :func:`default_statistics` (RDM, rank RDM, one RGTM per regime,
        RGDM).
    n_bootstrap : int
        Bootstrap samples per noise level and statistic, spread over the
        noise draws (at least one per draw is best). Use 1000 for final
        results.
    random_state : int | numpy.random.Generator | None
        Seed of the noise and of the bootstrap. All noise and one bootstrap
        seed per draw are drawn up front, so the result is the same
        whatever ``n_jobs`` is, and all statistics and noise levels share
        the same bootstrap samples.
    n_jobs : int
        Parallel jobs of the bootstrap (joblib); -1 uses all cores.
    progress : bool
        Show one progress bar.
    fraction, reference
        As in :func:`add_rdm_noise` (default: 0.1 of the SD of all RDMs'
        entries pooled).
    ci : float
        Level of the intervals.
    by, across : str
        RDM descriptors of the class (layer) and the individual (seed).
    n_noise_draws : int
        Independent noise draws per level (at least 20 for a curve whose
        points are not dominated by the noise of one draw). Level 0 is
        computed once.
    ci_method : {'percentile', 'basic', 'bc'}
        Interval method of
        :func:`rsatoolbox_topo._resampling.confidence_interval` over the
        bootstrap samples pooled across noise draws, with the mean over
        draws as the estimate (methods that need jackknife or unit values
        do not apply to pooled draws); recorded in the result.

    Returns
    -------
    SimulationResult
        ``to_frame()`` gives the table, ``plot()`` the figure.

    Examples
    --------
    >>> from rsatoolbox_topo import rank_normalize
    >>> from rsatoolbox_topo.simulation import (load_simulation_rdms,
    ...                                         run_simulation)
    >>> rdms = load_simulation_rdms().subset("seed", [0, 1, 2, 3])
    >>> result = run_simulation(rdms, noise_levels=(0, 2),
    ...                         statistics={"rank RDM": rank_normalize},
    ...                         n_bootstrap=6, n_noise_draws=3,
    ...                         random_state=0)
    >>> result.to_frame().columns.tolist()
    ['noise_level', 'statistic', 'accuracy', 'ci_low', 'ci_high', 'draw_sd']
    >>> result.chance, result.draw_accuracy.shape
    (0.1, (2, 1, 3))
    """
    from tqdm.auto import tqdm

    from ._resampling import confidence_interval, derive_seeds
    from ._validation import check_random_state
    from .identification import bootstrap_identify

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
    samples = np.empty(shape + (n_bootstrap,))
    chance, noisy = None, None
    warned = {}  # statistic -> [runs with package warnings, first text]
    bar = tqdm(total=len(levels) * n_draws, disable=not progress,
               desc="simulation", unit="draw")
    for i, level in enumerate(levels):
        for d in range(n_draws):
            # level 0 adds nothing: one draw stands for all
            noisy = add_rdm_noise(rdms, level, fraction=fraction,
                                  reference=reference,
                                  random_state=int(noise_seeds[i, d])) \
                if level > 0 or d == 0 else noisy
            start = int(sizes[:d].sum())
            for j, name in enumerate(names):
                if sizes[d] == 0 and level == 0 and d > 0:
                    draw_acc[i, j, d] = draw_acc[i, j, 0]
                    continue
                if sizes[d] == 0:
                    point = _identify_point(noisy, by, across,
                                            statistics[name])
                    draw_acc[i, j, d], chance = point.accuracy, point.chance
                    continue
                with warnings.catch_warnings(record=True) as caught:
                    warnings.simplefilter("always", TopoWarning)
                    boot = bootstrap_identify(
                        noisy, by, across, statistics[name],
                        n_bootstrap=int(sizes[d]), ci_level=ci,
                        random_state=int(boot_seeds[d]), n_jobs=n_jobs)
                _pass_on(caught, warned, name)
                draw_acc[i, j, d], chance = boot.accuracy, boot.chance
                samples[i, j, start:start + sizes[d]] = boot.samples
            bar.update(1)
    bar.close()
    for name, (count, text) in warned.items():
        warnings.warn(
            f"{name}: package warnings in {count} of "
            f"{len(levels) * n_draws} (noise level, draw) runs of the "
            f"bootstrap, e.g. {text}", TopoWarning, stacklevel=2)
    accuracy = draw_acc.mean(axis=-1)
    low, high = confidence_interval(np.moveaxis(samples, -1, 0), accuracy,
                                    level=ci, method=ci_method)
    return SimulationResult(
        noise_levels=levels, statistics=names,
        accuracy=accuracy, ci_low=low, ci_high=high,
        samples=samples, chance=float(chance), ci_level=float(ci),
        fraction=float(fraction), draw_accuracy=draw_acc,
        reference=reference, ci_method=ci_method)


def _pass_on(caught, warned, name):
    """Count package warnings per statistic (one summary at the end);
    re-issue any other warning."""
    package = [w for w in caught if issubclass(w.category, TopoWarning)]
    for w in caught:
        if not issubclass(w.category, TopoWarning):
            warnings.warn_explicit(w.message, w.category, w.filename,
                                   w.lineno)
    if package:
        count, text = warned.get(name, (0, str(package[0].message)))
        warned[name] = (count + 1, text)


def _identify_point(rdms, by, across, statistic):
    from .identification import identify

    return identify(rdms, by, across, statistic=statistic)


# ----------------------------------------------------------- regenerating
def _regenerate(path, cache_dir=None, progress=True):
    rdms = simulate_layer_rdms(cache_dir=cache_dir, progress=progress)
    np.savez_compressed(path, **_arrays_from_rdms(rdms))
    return rdms


def main(argv=None):
    """Command line: ``python -m rsatoolbox_topo.simulation --regenerate``."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m rsatoolbox_topo.simulation",
        description="Regenerate the shipped layer RDMs of the default "
                    "simulation (needs torch and scikit-learn).")
    parser.add_argument("--regenerate", action="store_true", required=True,
                        help="train (or load cached) networks and write the "
                             "RDMs")
    parser.add_argument("--output", default=None,
                        help="where to write the .npz (default: the "
                             "package's data folder)")
    parser.add_argument("--cache-dir", default=None,
                        help="cache of trained networks (default: "
                             f"${_CACHE_ENV} or ~/.cache/rsatoolbox_topo)")
    args = parser.parse_args(argv)
    output = args.output or str(resources.files("rsatoolbox_topo").joinpath(
        "data", _DATA_FILE))
    rdms = _regenerate(output, cache_dir=args.cache_dir)
    print(f"wrote {rdms.n_rdm} RDMs of {rdms.n_cond} stimuli to {output}")


if __name__ == "__main__":  # pragma: no cover
    main()
