"""Real data shipped with the package, as rsatoolbox objects.

The 92-image RDMs of Kriegeskorte et al. (2008), Kiani et al. (2007) and
Mur et al. (2013) travel inside the package (``rsatoolbox_topo/data``; see the
README there for provenance, checksums and licence), so that examples, tests
and the command-line demo run offline.
"""

from importlib import resources

import numpy as np
from rsatoolbox.rdm import RDMs

from ._validation import check_option

__all__ = ["load_92images", "CITATION_92IMAGES"]

CITATION_92IMAGES = (
    "Kriegeskorte N, Mur M, Ruff DA, Kiani R, Bodurka J, Esteky H, Tanaka K, "
    "Bandettini PA (2008) Matching categorical object representations in "
    "inferior temporal cortex of man and monkey. Neuron 60(6):1126-1141. "
    "Kiani R, Esteky H, Mirpour K, Tanaka K (2007) J Neurophysiol "
    "97:4296-4309. Mur M, Meys M, Bodurka J, Goebel R, Bandettini PA, "
    "Kriegeskorte N (2013) Front Psychol 4:128."
)

_PARTS = ("hit", "it", "models", "behaviour")

# The six disjoint image categories of Kriegeskorte et al. (2008), defined by
# the shipped membership vectors (every image belongs to exactly one).
_CATEGORIES = (
    ("human body", ("human", "body")),
    ("human face", ("human", "face")),
    ("animal body", ("nonhumani", "body")),
    ("animal face", ("nonhumani", "face")),
    ("natural object", ("natObj",)),
    ("artificial object", ("artiObj",)),
)


def _read_npz():
    with resources.files("rsatoolbox_topo").joinpath(
            "data", "rdms_92images.npz").open("rb") as handle:
        with np.load(handle, allow_pickle=False) as npz:
            return {key: npz[key] for key in npz.files}


def _pattern_descriptors(raw):
    labels = [str(label) for label in raw["category_labels"]]
    member = raw["category_vectors"].astype(bool)
    columns = {label: member[:, i] for i, label in enumerate(labels)}
    category = np.full(member.shape[0], "", dtype=object)
    for name, required in _CATEGORIES:
        mask = np.logical_and.reduce([columns[r] for r in required])
        category[mask] = name
    descriptors = {
        "image": list(range(1, member.shape[0] + 1)),
        "category": list(category),
        "animate": list(columns["animate"]),
    }
    for label in labels:
        descriptors[f"is_{label}"] = list(columns[label])
    return descriptors


def _split_names(names, fields):
    parts = [[p.strip() for p in str(n).split("|")] for n in names]
    out = {"name": [str(n) for n in names]}
    for i, field in enumerate(fields):
        out[field] = [p[i] for p in parts]
    return out


def _make(raw, part):
    patterns = _pattern_descriptors(raw)
    if part == "hit":
        names = raw["hit_subject_session_names"]
        desc = _split_names(names, ("roi", "subject", "session"))
        desc["session"] = [int(s.split(":")[1]) for s in desc["session"]]
        return RDMs(raw["hit_subject_session"].astype(np.float64),
                    dissimilarity_measure="correlation distance (1 - r)",
                    descriptors={"source": "Kriegeskorte et al. 2008, hIT fMRI"},
                    rdm_descriptors=desc, pattern_descriptors=patterns)
    if part == "it":
        names = [str(n) for n in raw["it_group_names"]]
        desc = {"name": names, "species": ["monkey", "human"],
                "roi": ["mIT", "hIT"]}
        return RDMs(raw["it_group"].astype(np.float64),
                    dissimilarity_measure="correlation distance (1 - r)",
                    descriptors={"source": "Kiani et al. 2007; "
                                 "Kriegeskorte et al. 2008, group IT"},
                    rdm_descriptors=desc, pattern_descriptors=patterns)
    if part == "models":
        desc = {"name": [str(n) for n in raw["model_names"]]}
        return RDMs(raw["model"].astype(np.float64),
                    dissimilarity_measure="model RDM",
                    descriptors={"source": "Kriegeskorte et al. 2008, models"},
                    rdm_descriptors=desc, pattern_descriptors=patterns)
    desc = _split_names(raw["behaviour_names"], ("task", "subject"))
    return RDMs(raw["behaviour"].astype(np.float64),
                dissimilarity_measure="similarity-judgement dissimilarity",
                descriptors={"source": "Mur et al. 2013, behaviour"},
                rdm_descriptors=desc, pattern_descriptors=patterns)


def load_92images(part=None):
    """Load the real 92-image RDMs shipped with the package.

    Parameters
    ----------
    part : {'hit', 'it', 'models', 'behaviour'} | None
        Which RDMs to return. ``'hit'``: human IT fMRI of 4 subjects x 2
        sessions (rdm descriptors ``roi``, ``subject``, ``session``,
        ``name``); ``'it'``: the monkey and human IT group RDMs;
        ``'models'``: the 8 model RDMs (animacy, FaceBodyManmadeNatobj,
        monkeyIT, EVA, HMAX, V1, Silhouette, RADON); ``'behaviour'``:
        similarity judgements of 16 subjects. None returns a dict with all
        four.

    Returns
    -------
    rdms : rsatoolbox.rdm.RDMs | dict of str to RDMs
        92 conditions each. The pattern descriptors hold ``image`` (1-92),
        ``category`` (human/animal body/face, natural/artificial object),
        ``animate`` and one boolean ``is_<label>`` per original category
        label.

    Notes
    -----
    Cite Kriegeskorte et al. (2008), Kiani et al. (2007) and Mur et al. (2013)
    when you use these data (see :data:`CITATION_92IMAGES`).

    Examples
    --------
    >>> from rsatoolbox_topo.datasets import load_92images
    >>> hit = load_92images("hit")
    >>> hit.n_rdm, hit.n_cond
    (8, 92)
    >>> hit.rdm_descriptors["subject"][:3]
    ['BE', 'BE', 'KO']
    """
    raw = _read_npz()
    if part is None:
        return {p: _make(raw, p) for p in _PARTS}
    check_option("part", part, _PARTS)
    return _make(raw, part)
