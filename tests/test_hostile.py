"""Hostile input, built at test time: every class of docs/user_guide/bad_input.

Each case asserts the named error (or the documented result) and that the
caller's data is unchanged. Crafted pickles would create a marker file if
any byte of them were unpickled; the marker must never appear.
"""

import io as stdio
import os
import pathlib
import pickle
import signal
import struct
import subprocess
import sys
import time
import warnings
import zipfile

import numpy as np
import pandas as pd
import pytest
from rsatoolbox.rdm import RDMs
from scipy.spatial.distance import pdist, squareform

from rsatoolbox_topo import rank_normalize, rgdm, rgtm
from rsatoolbox_topo.cli import main
from rsatoolbox_topo.identification import (IdentificationResult, identify,
                                            threshold_map)
from rsatoolbox_topo.inference import (bootstrap_crossval,
                                       eval_bootstrap_pattern,
                                       eval_dual_bootstrap, eval_fixed,
                                       load_results)
from rsatoolbox_topo.io import read_rdms


# ------------------------------------------------------------- builders
class _Marker:
    """Unpickling this creates the file ``path``: proof that code ran."""

    def __init__(self, path):
        self.path = str(path)

    def __reduce__(self):
        return (open, (self.path, "w"))


@pytest.fixture
def marker(tmp_path):
    """Path of the marker file a crafted pickle would create."""
    path = tmp_path / "PICKLE_RAN"
    yield path
    assert not path.exists(), "a crafted pickle was unpickled"


def crafted_pickle(path, marker, protocol=pickle.HIGHEST_PROTOCOL):
    """Write a pickle that would create ``marker`` when unpickled."""
    path.write_bytes(pickle.dumps(_Marker(marker), protocol=protocol))
    return path


def rdm_matrix(rng, n=6):
    """A valid square RDM (Euclidean distances of random points)."""
    return squareform(pdist(rng.standard_normal((n, 3))))


def npy_bytes(array):
    """The bytes of ``np.save(array)``."""
    buffer = stdio.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def lying_npy(shape=(1_000_000, 1_000_000), dtype="<f8"):
    """A header-only .npy (128 bytes) that claims ``shape`` of data."""
    header = (f"{{'descr': '{dtype}', 'fortran_order': False, "
              f"'shape': {shape}, }}")
    header = header + " " * (-(10 + len(header) + 1) % 64) + "\n"
    return (b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header))
            + header.encode())


@pytest.fixture
def good_npz(tmp_path, rng):
    """An .npz of 3 subjects x 2 ROIs, stored uncompressed."""
    path = tmp_path / "good.npz"
    np.savez(path, **{f"sub-{s}_{r}": rdm_matrix(rng)
                      for s in range(3) for r in ("A", "B")})
    return path


def crc_damaged(source, target):
    """Copy an archive with one byte of its first member's data flipped."""
    data = bytearray(source.read_bytes())
    with zipfile.ZipFile(source) as archive:
        info = archive.infolist()[0]
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start + 150] ^= 0xFF
    target.write_bytes(bytes(data))
    return target


def unchanged(before, after):
    """RDMs or arrays equal bit for bit (NaN equal to NaN)."""
    if isinstance(before, RDMs):
        np.testing.assert_array_equal(before.dissimilarities,
                                      after.dissimilarities)
        assert before.rdm_descriptors.keys() == after.rdm_descriptors.keys()
    else:
        np.testing.assert_array_equal(before, after)


# ------------------------------------------------------------- pickles
PICKLE_NAMES = ["x.pkl", "x.hdf5", "x.h5", "x.npz", "x.PKL"]


@pytest.mark.parametrize("name", PICKLE_NAMES)
@pytest.mark.parametrize("reader", ["read_rdms", "load_results"])
def test_pickles_are_refused_before_unpickling(tmp_path, marker, name,
                                               reader):
    """A pickle under any name is refused, with the reason, and never run."""
    path = crafted_pickle(tmp_path / name, marker)
    function = {"read_rdms": read_rdms, "load_results": load_results}[reader]
    with pytest.raises(ValueError, match=r"refused to read .* pickle file: "
                       r"unpickling a file can run arbitrary code.*"
                       r"allow_pickle=True"):
        function(path)


@pytest.mark.parametrize("protocol", [0, 1, 2, 5])
def test_every_pickle_protocol_named_pkl_is_refused(tmp_path, marker,
                                                    protocol):
    """Old protocols have no signature: the .pkl name alone refuses them."""
    path = crafted_pickle(tmp_path / "x.pkl", marker, protocol)
    with pytest.raises(ValueError, match="refused"):
        read_rdms(path)
    with pytest.raises(ValueError, match="refused"):
        load_results(str(path))


def test_load_results_refuses_open_files_and_file_type(tmp_path, marker):
    """An open pickle file and file_type='pkl' need allow_pickle too."""
    path = crafted_pickle(tmp_path / "x.h5", marker)
    with open(path, "rb") as handle:
        with pytest.raises(ValueError, match="refused"):
            load_results(handle)
        assert handle.tell() == 0
    hdf5 = tmp_path / "y.bin"
    hdf5.write_bytes(b"not a pickle at all")
    with pytest.raises(ValueError, match="file_type='pkl' means unpickling"):
        load_results(hdf5, file_type="pkl")
    with pytest.raises(TypeError, match="'allow_pickle' parameter must be "
                       "True or False"):
        load_results(path, allow_pickle="yes")
    with pytest.raises(TypeError, match="'filename' parameter must be"):
        load_results(3)
    with pytest.raises(FileNotFoundError, match="no such file"):
        load_results(tmp_path / "missing.h5")


def test_pickled_objects_inside_npy_and_npz_are_refused(tmp_path, marker):
    """Object arrays would need unpickling: refused from .npy and .npz."""
    objects = np.array([_Marker(marker)] * 3, dtype=object)
    folder = tmp_path / "rdms"
    folder.mkdir()
    np.save(folder / "a.npy", objects, allow_pickle=True)
    with pytest.raises(ValueError, match=r"a\.npy: holds Python objects"):
        read_rdms(folder)
    np.savez(tmp_path / "o.npz", a=objects)
    with pytest.raises(ValueError, match=r"o\.npz\['a'\]: holds Python "
                       r"objects"):
        read_rdms(tmp_path / "o.npz")
    crafted_pickle(folder / "a.npy", marker)
    with pytest.raises(ValueError, match=r"a\.npy: cannot be read as a "
                       r"\.npy array"):
        read_rdms(folder)


def test_trusted_pickles_are_read_with_opt_in(tmp_path, rdms_92):
    """allow_pickle=True reads rsatoolbox pickles of RDMs and results."""
    hit = rdms_92["hit"]
    hit.save(str(tmp_path / "hit.pkl"), file_type="pkl")
    rdms = read_rdms(tmp_path / "hit.pkl", allow_pickle=True)
    np.testing.assert_allclose(rdms.get_vectors(), hit.get_vectors())
    from rsatoolbox.model import ModelFixed
    eva = rdms_92["models"].subset("name", "EVA")
    result = eval_fixed(ModelFixed("EVA", eva), hit, method="corr")
    result.save(str(tmp_path / "res.pkl"), file_type="pkl")
    result.save(str(tmp_path / "res.h5"))
    loaded = load_results(tmp_path / "res.pkl", allow_pickle=True)
    assert loaded.models[0].name == "EVA"
    loaded = load_results(pathlib.Path(tmp_path / "res.h5"))  # a Path
    np.testing.assert_allclose(loaded.evaluations, result.evaluations)


# ----------------------------------------------- damaged and lying files
def test_damaged_archives_name_the_file(tmp_path, good_npz):
    """Truncated, non-zip, CRC-damaged and empty archives: one clear error."""
    data = good_npz.read_bytes()
    cases = {
        "trunc.npz": (data[:len(data) // 2], "corrupt or truncated"),
        "junk.npz": (b"PK\x03\x04" + bytes(60), "corrupt or truncated"),
        "empty.npz": (b"", "not an .npz archive"),
        "text.npz": (b"hello", "not an .npz archive"),
    }
    for name, (content, message) in cases.items():
        (tmp_path / name).write_bytes(content)
        with pytest.raises(ValueError, match=rf"{name}: .*{message}"):
            read_rdms(tmp_path / name)
    crc_damaged(good_npz, tmp_path / "crc.npz")
    with pytest.raises(ValueError, match=r"crc\.npz\['sub-0_A.npy'\]: "
                       r"corrupt .*CRC"):
        read_rdms(tmp_path / "crc.npz")


def test_lying_headers_are_refused_before_allocating(tmp_path, rng):
    """A small .npy claiming terabytes: refused from its header."""
    folder = tmp_path / "rdms"
    folder.mkdir()
    (folder / "a.npy").write_bytes(lying_npy())
    assert (folder / "a.npy").stat().st_size == 128
    with pytest.raises(ValueError, match=r"a\.npy: the header claims shape "
                       r"\(1000000, 1000000\) of float64 \(8000000000000 "
                       r"bytes\) but the file holds 0 bytes"):
        read_rdms(folder)
    # inside an archive: checked against the member's size
    with zipfile.ZipFile(tmp_path / "lie.npz", "w") as archive:
        archive.writestr("a.npy", lying_npy((10 ** 7,)))
    with pytest.raises(ValueError, match=r"lie\.npz\['a'\]: the header "
                       r"claims shape"):
        read_rdms(tmp_path / "lie.npz")
    # a truncated but honest-looking file
    good = npy_bytes(rdm_matrix(rng))
    (folder / "a.npy").write_bytes(good[:-8])
    with pytest.raises(ValueError, match="truncated or corrupt"):
        read_rdms(folder)
    (folder / "a.npy").write_bytes(b"\x93NUMPY\x01\x00\xff\xff{garbage")
    with pytest.raises(ValueError, match="cannot be read as a .npy array"):
        read_rdms(folder)


def test_not_hdf5_and_foreign_results(tmp_path, good_npz):
    """A .hdf5 that is an archive, a result file that save() did not write."""
    fake = tmp_path / "fake.hdf5"
    fake.write_bytes(good_npz.read_bytes())
    with pytest.raises(ValueError, match=r"fake\.hdf5: is not an HDF5 file"):
        read_rdms(fake)
    with pytest.raises(ValueError, match="neither an HDF5 file"):
        load_results(fake)
    with pytest.raises(ValueError, match="is not a result written by save"):
        IdentificationResult.load(good_npz)
    (tmp_path / "r.json").write_text('{"meta": {}}')
    with pytest.raises(ValueError, match="is not a result written by save"):
        IdentificationResult.load(tmp_path / "r.json")
    (tmp_path / "t.npz").write_bytes(good_npz.read_bytes()[:100])
    with pytest.raises(ValueError, match="corrupt or truncated"):
        IdentificationResult.load(tmp_path / "t.npz")


# ------------------------------------------------- odd dtypes and values
@pytest.mark.parametrize("array, message", [
    (np.ones((4, 4), dtype=bool), "must hold numbers"),
    (np.ones(6, dtype=complex), "must hold numbers"),
    (np.array(list("abcdef")), "must hold numbers"),
])
def test_odd_dtypes_in_files(tmp_path, array, message):
    """bool, complex and str arrays are refused by the reader."""
    np.save(tmp_path / "x.npy", array)
    with pytest.raises(ValueError, match=rf"x\.npy: {message}"):
        read_rdms(tmp_path)


@pytest.mark.parametrize("dtype, error, message", [
    (bool, TypeError, "numeric dissimilarities"),
    (complex, TypeError, "must hold real dissimilarities"),
    (object, TypeError, "numeric dissimilarities"),
    ("U3", TypeError, "numeric dissimilarities"),
])
@pytest.mark.parametrize("function", [rank_normalize, rgtm, rgdm])
def test_odd_dtypes_in_statistics(dtype, error, message, function):
    """The statistics refuse non-real dissimilarities, never drop a part."""
    values = np.ones((2, 6)).astype(dtype)
    rdms = RDMs(values)
    copy = values.copy()
    with pytest.raises(error, match=message):
        function(rdms)
    np.testing.assert_array_equal(rdms.dissimilarities, copy)


def test_infinite_values_same_answer_from_every_format(tmp_path, rng):
    """inf is refused from .npy, .npz and .hdf5 alike, not as asymmetry."""
    matrix = rdm_matrix(rng)
    matrix[0, 1] = matrix[1, 0] = np.inf  # symmetric, with inf
    folder = tmp_path / "rdms"
    folder.mkdir()
    np.save(folder / "a.npy", matrix)
    message = "holds 1 infinite dissimilarity"
    with pytest.raises(ValueError, match=rf"a\.npy: {message}"):
        read_rdms(folder)
    np.savez(tmp_path / "m.npz", a=matrix)
    with pytest.raises(ValueError, match=rf"m\.npz\['a'\]: {message}"):
        read_rdms(tmp_path / "m.npz")
    RDMs(squareform(matrix, checks=False)[None]).save(
        str(tmp_path / "m.hdf5"))
    with pytest.raises(ValueError, match=rf"m\.hdf5: {message}"):
        read_rdms(tmp_path / "m.hdf5")
    matrix[1, 0] = 1.0  # now really asymmetric
    np.save(folder / "a.npy", matrix)
    with pytest.raises(ValueError, match="not symmetric"):
        read_rdms(folder)


def test_upper_case_endings_and_nan(tmp_path, rng):
    """.NPY files are read like .npy; NaN entries are kept as missing."""
    folder = tmp_path / "rdms"
    folder.mkdir()
    first = rdm_matrix(rng)
    first[0, 2] = first[2, 0] = np.nan
    np.save(folder / "sub-1_A.npy", first)
    np.save(folder / "sub-2_A.npy", rdm_matrix(rng))
    os.rename(folder / "sub-2_A.npy", folder / "sub-2_A.NPY")
    rdms = read_rdms(folder, pattern="sub-{subject}_{roi}")
    assert rdms.rdm_descriptors["subject"] == ["1", "2"]
    assert rdms.rdm_descriptors["file"] == ["sub-1_A.npy", "sub-2_A.NPY"]
    assert np.isnan(rdms.dissimilarities[0, 1])
    assert np.isfinite(rdms.dissimilarities[1]).all()


def test_index_is_reserved(tmp_path, rng):
    """A field or column named 'index' never replaces rsatoolbox's index."""
    folder = tmp_path / "rdms"
    folder.mkdir()
    for i in (7, 9):
        np.save(folder / f"run{i}.npy", rdm_matrix(rng))
    with pytest.raises(ValueError, match="field name 'index' which is "
                       "reserved .*rename it"):
        read_rdms(folder, pattern="run{index:d}")
    table = pd.DataFrame({"file": ["run7", "run9"], "index": [7, 9]})
    before = table.copy()
    with pytest.raises(ValueError, match="column 'index', which is reserved"):
        read_rdms(folder, labels=table)
    pd.testing.assert_frame_equal(table, before)
    rdms = read_rdms(folder, pattern="run{run:d}")
    assert rdms.rdm_descriptors["index"] == [0, 1]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_largest_rank_is_exactly_one(dtype, rng):
    """rank_normalize spans [0, 1] exactly; rgtm(0, 1) equals it exactly."""
    for n_cond in range(3, 201):
        n_pairs = n_cond * (n_cond - 1) // 2
        values = rng.random((2, n_pairs)).astype(dtype)
        values[1, :n_pairs // 3] = values[1, 0]  # a run of ties
        rdms = RDMs(values)
        ranks = rank_normalize(rdms).dissimilarities
        assert ranks.dtype == dtype
        assert ranks.max() == 1 and ranks.min() == 0, n_cond
        np.testing.assert_array_equal(rgtm(rdms, 0, 1).dissimilarities,
                                      ranks)
        unchanged(values, rdms.dissimilarities)


def test_threshold_map_sees_the_lower_one_cell(rng):
    """With exact ranks, the (1, 1) cell is flagged collapsed (40 conditions,
    where the largest rank used to be 0.9999999999999999)."""
    bases = [pdist(rng.standard_normal((40, 3))) for _ in range(2)]
    rdms = RDMs(np.array([b + 0.01 * rng.random(b.size)
                          for _ in range(3) for b in bases]),
                rdm_descriptors={"c": [0, 1] * 3, "g": [0, 0, 1, 1, 2, 2]})
    tmap = threshold_map(rdms, "c", "g", step=0.5)
    lowers, uppers = list(tmap.lowers), list(tmap.uppers)
    assert tmap.collapsed[lowers.index(1.0), uppers.index(1.0)]
    assert not tmap.collapsed[lowers.index(0.5), uppers.index(1.0)]


def test_extreme_magnitudes_give_no_nan():
    """Finite entries near the float maximum stay finite in rgtm."""
    big = np.finfo(np.float64).max
    rdms = RDMs(np.array([[-big, 0.0, big, 1.0, -1.0, 0.5 * big]]))
    out = rgtm(rdms, 0.2, 0.8, normalize="minmax",
               thresholds="value").dissimilarities
    assert np.isfinite(out).all()
    # min-max: (0.5 big + big) / (2 big) = 0.75, then (0.75 - 0.2) / 0.6
    np.testing.assert_allclose(out, [[0, 0.5, 1, 0.5, 0.5, 0.55 / 0.6]],
                               rtol=1e-12)
    out = rgtm(rdms, -0.9 * big, 0.9 * big, normalize="none",
               thresholds="value").dissimilarities
    np.testing.assert_allclose(out, [[0, 0.5, 1, 0.5, 0.5, 1.4 / 1.8]],
                               rtol=1e-12)


# ------------------------------------------------------------- arguments
@pytest.fixture(scope="module")
def hit_and_models():
    """The 92-image hIT RDMs and two fixed models."""
    from rsatoolbox.model import ModelFixed

    from rsatoolbox_topo.datasets import load_92images

    models = load_92images("models")
    return load_92images("hit"), [ModelFixed(n, models.subset("name", n))
                                  for n in ("EVA", "monkeyIT")]


@pytest.mark.parametrize("kwargs, error, message", [
    ({"n_jobs": 0}, ValueError, "'n_jobs' parameter must be a positive"),
    ({"n_jobs": -3}, ValueError, "'n_jobs' parameter must be a positive"),
    ({"n_jobs": 1.5}, TypeError, "'n_jobs' parameter must be a positive"),
    ({"progress": "no"}, TypeError, "'progress' parameter must be True or"),
    ({"fast": "yes"}, TypeError, "'fast' parameter must be True or False"),
    ({"fast": None}, TypeError, "'fast' parameter must be True or False"),
])
def test_fast_path_checks_how_to_compute(hit_and_models, kwargs, error,
                                         message):
    """n_jobs, progress and fast are checked before the fast path runs."""
    hit, models = hit_and_models
    with pytest.raises(error, match=message):
        eval_bootstrap_pattern(models, hit, method="corr", N=2,
                               statistic="rgtm", random_state=0, **kwargs)


def test_too_many_folds_is_an_error(hit_and_models):
    """More folds than the data can fill: an error, not all-NaN results."""
    hit, models = hit_and_models
    with pytest.raises(ValueError, match=r"'k_pattern' parameter must be at "
                       r"most 30: each fold needs at least 3 of the 92"):
        bootstrap_crossval(models, hit, method="corr", k_pattern=31,
                           k_rdm=2, N=2, random_state=0)
    with pytest.raises(ValueError, match=r"'k_rdm' parameter must be at "
                       r"most 8"):
        eval_dual_bootstrap(models, hit, method="corr", k_rdm=9, N=2,
                            random_state=0)
    with pytest.raises(ValueError, match="Every bootstrap sample was "
                       "skipped"):
        bootstrap_crossval(models, hit, method="corr", k_pattern=30,
                           k_rdm=2, N=2, random_state=0)
    with pytest.raises(ValueError, match="'pattern_descriptor' parameter"):
        bootstrap_crossval(models, hit, k_pattern=2, k_rdm=2, N=2,
                           pattern_descriptor="nope")


def test_identify_odd_labels(rng):
    """Missing labels and odd dtypes in identification name the problem."""
    vectors = rng.random((6, 10))
    rdms = RDMs(vectors, rdm_descriptors={"c": [0, 1, 2] * 2,
                                          "g": [0, 0, 0, 1, 1, 1]})
    with pytest.raises(ValueError, match="nope"):
        identify(rdms, "nope", "g")
    with pytest.raises(TypeError, match="real dissimilarities"):
        identify(RDMs(vectors + 1j, rdm_descriptors=rdms.rdm_descriptors),
                 "c", "g")
    unchanged(vectors, rdms.dissimilarities)


@pytest.mark.parametrize("value", [None, "x", 3, [], np.ones(3)])
def test_rebuilding_from_odd_dicts(value):
    """Non-dicts and incomplete dicts: TypeError / ValueError, no KeyError."""
    from rsatoolbox_topo.inference import result_from_dict
    from rsatoolbox_topo.models import model_from_dict

    with pytest.raises(TypeError, match="'result_dict' parameter must be "
                       "a dict"):
        result_from_dict(value)
    with pytest.raises(TypeError, match="'model_dict' parameter must be "
                       "a dict"):
        model_from_dict(value)


def test_rebuilding_from_incomplete_dicts():
    """A dict missing keys names what is missing."""
    from rsatoolbox_topo.inference import result_from_dict
    from rsatoolbox_topo.models import model_from_dict

    for broken in ({}, {"models": {}}, {"models": []}):
        with pytest.raises(ValueError, match="not a complete Result "
                           "dictionary"):
            result_from_dict(broken)
    with pytest.raises(ValueError, match="not a complete model dictionary"):
        model_from_dict({"type": "ModelFixedTopo"})
    with pytest.raises(ValueError, match="Cannot rebuild a model of type"):
        model_from_dict({})


@pytest.mark.parametrize("dist, k, error, message", [
    ("x", 1, TypeError, "'dist' parameter must be a real"),
    (np.ones(3), 1, ValueError, r"shape \(n_graphs, n, n\)"),
    (np.ones((1, 3, 3)), 0, ValueError, "'k' parameter must be an integer"),
    (np.ones((1, 3, 3)), 3, ValueError, "'k' parameter must be an integer"),
    (np.ones((1, 3, 3)), 1.5, TypeError, "'k' parameter must be an integer"),
])
def test_graph_helpers_check_their_arrays(dist, k, error, message):
    """knn_mask and geodesic_distances name the bad argument."""
    from rsatoolbox_topo.graphs import geodesic_distances, knn_mask

    with pytest.raises(error, match=message):
        knn_mask(dist, k)
    if k == 1:
        with pytest.raises(error, match=message.replace("dist", "weights")):
            geodesic_distances(dist)


def test_absurd_n_jobs_is_a_named_error(rng):
    """n_jobs beyond any machine is refused, not an OverflowError."""
    from rsatoolbox_topo.identification import bootstrap_identify

    rdms = RDMs(rng.random((6, 10)), rdm_descriptors={
        "c": [0, 1, 2] * 2, "g": [0, 0, 0, 1, 1, 1]})
    with pytest.raises(ValueError, match=r"'n_jobs' parameter must be a "
                       r"positive integer up to 4096, or -1"):
        bootstrap_identify(rdms, "c", "g", n_bootstrap=2, n_jobs=10 ** 20)


# ----------------------------------------------------------- the bridges
def _nifti(rng, n_volumes=16, t_r=None):
    nib = pytest.importorskip("nibabel")
    img = nib.Nifti1Image(rng.standard_normal((3, 3, 1, n_volumes)),
                          np.eye(4))
    if t_r is not None:
        img.header.set_zooms((1.0, 1.0, 1.0, t_r))
    return img


@pytest.mark.parametrize("t_r", [0.0, -2.0, 0])
def test_fmri_patterns_needs_a_positive_tr(rng, t_r):
    """An explicit TR of 0 would fold every volume into one condition."""
    pytest.importorskip("nilearn")
    from rsatoolbox_topo.bridges.nilearn import fmri_patterns

    events = pd.DataFrame({"onset": [0.0, 4.0, 8.0, 12.0],
                           "duration": [4.0] * 4,
                           "trial_type": list("abcd")})
    imgs = [_nifti(rng, t_r=1.0), _nifti(rng, t_r=1.0)]
    with pytest.raises(ValueError, match=r"'t_r' parameter must be a "
                       r"positive number of seconds"):
        fmri_patterns(imgs, events=[events, events], t_r=t_r)
    ds = fmri_patterns(imgs, events=[events, events], t_r=1.0,
                       mask_img=None)
    assert sorted(set(ds.obs_descriptors["conditions"])) == list("abcd")


def test_searchlight_refuses_constant_and_nan_models(rng):
    """A model that would make every sphere NaN is refused up front."""
    pytest.importorskip("nilearn")
    from rsatoolbox_topo.bridges.nilearn import fmri_patterns
    from rsatoolbox_topo.searchlight import searchlight

    img = _nifti(rng, n_volumes=32)
    ds = fmri_patterns(img, np.tile(list("abcd"), 8), np.repeat(range(4), 8))
    good = squareform(pdist(rng.standard_normal((4, 2))))
    for model, message in [
            (np.ones((4, 4)) - np.eye(4), "is constant"),
            (np.where(np.eye(4) > 0, 0, np.nan), "has 6 missing or"),
            (np.where(good == good[0, 1], np.nan, good), "has 1 missing"),
    ]:
        before = model.copy()
        with pytest.raises(ValueError, match=rf"'model' RDM {message}"):
            searchlight(ds, model, radius=1.0)
        unchanged(before, model)
    with pytest.raises(ValueError, match="all zero"):
        searchlight(ds, np.zeros((4, 4)), radius=1.0, method="cosine")
    with pytest.raises(ValueError, match="constant after the statistic"):
        searchlight(ds, good, radius=1.0,
                    statistic=lambda r: RDMs(np.ones_like(
                        r.dissimilarities),
                        pattern_descriptors=r.pattern_descriptors))


@pytest.mark.parametrize("name, value", [
    ("ci_level", 1.0), ("ci_level", 0.0),
    ("alpha", 0.0), ("alpha", 1.0), ("cluster_threshold", 1.0),
    ("cluster_threshold", 0.0), ("alpha", 1.5), ("ci_level", -0.1),
])
def test_timecourse_levels_are_open_intervals(rng, name, value):
    """Levels meaningless at their ends are refused there."""
    from rsatoolbox_topo.timecourse import model_timecourse

    model = rng.random(15)
    rdms = RDMs(np.array([rng.random(15), model]),
                rdm_descriptors={"time": [0.0, 0.1]})
    with pytest.raises(ValueError, match=rf"'{name}' parameter must be a "
                       r"float in"):
        model_timecourse(rdms, RDMs(model), n_bootstrap=2,
                         **{name: value})
    with pytest.raises(TypeError, match="'progress' parameter"):
        model_timecourse(rdms, RDMs(model), n_bootstrap=2, progress="no")
    with pytest.raises(ValueError, match="'time_descriptor' parameter must "
                       "name an rdm descriptor"):
        model_timecourse(rdms, RDMs(model), n_bootstrap=2,
                         time_descriptor=None)


def test_corrupt_cached_network_is_named_and_rebuilt(tmp_path,
                                                     monkeypatch):
    """A corrupt cache entry warns with its path and is replaced."""
    pytest.importorskip("torch")
    from rsatoolbox_topo import simulation
    from rsatoolbox_topo.exceptions import CacheWarning

    settings = simulation._training_settings(**dict(
        simulation.DEFAULT_TRAINING, width=4, epochs=1, n_per_digit=1))
    path = pathlib.Path(simulation._cache_path(tmp_path, settings, 0))
    path.parent.mkdir(parents=True)
    path.write_bytes(b"not a torch file")
    with pytest.warns(CacheWarning, match=rf"{path.name} cannot be read .*"
                      r"trained again and replaced"):
        simulation.train_network(0, width=4, epochs=1, n_per_digit=1,
                                 cache_dir=tmp_path)
    assert path.read_bytes()[:2] == b"PK"  # a torch zip file now
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # read back without a warning
        simulation.train_network(0, width=4, epochs=1, n_per_digit=1,
                                 cache_dir=tmp_path)


# -------------------------------------------------------- the command line
def _one_line(stderr):
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    return lines[0]


def _identify(path, out, *extra):
    return ["identify", str(path), "--pattern", "sub-{s}_{r}", "--by", "r",
            "--across", "s", "--out", str(out), "--quiet", *extra]


def test_cli_in_process_errors_are_one_line(tmp_path, good_npz, rng,
                                            capsys, monkeypatch):
    """Damaged input, odd values and surprises: one line, status 1."""
    data = good_npz.read_bytes()
    (tmp_path / "trunc.npz").write_bytes(data[:len(data) // 3])
    crc_damaged(good_npz, tmp_path / "crc.npz")
    lie = tmp_path / "lie"
    lie.mkdir()
    (lie / "sub-0_A.npy").write_bytes(lying_npy())
    cases = [("trunc.npz", "corrupt or truncated"),
             ("crc.npz", "Bad CRC-32"),
             ("lie", "header claims shape")]
    for name, message in cases:
        status = main(_identify(tmp_path / name, tmp_path / "out"))
        line = _one_line(capsys.readouterr().err)
        assert status == 1
        assert str(tmp_path / name) in line and message in line, line

    def boom(*args, **kwargs):
        raise MemoryError("Unable to allocate 7.28 TiB")
    monkeypatch.setattr("rsatoolbox_topo.io.read_rdms", boom)
    assert main(_identify(good_npz, tmp_path / "out")) == 1
    assert "out of memory" in _one_line(capsys.readouterr().err)

    def surprise(*args, **kwargs):
        raise ZeroDivisionError("division by zero")
    monkeypatch.setattr("rsatoolbox_topo.io.read_rdms", surprise)
    assert main(_identify(good_npz, tmp_path / "out")) == 1
    assert "ZeroDivisionError" in _one_line(capsys.readouterr().err)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt
    monkeypatch.setattr("rsatoolbox_topo.io.read_rdms", interrupted)
    assert main(_identify(good_npz, tmp_path / "out")) == 130
    assert _one_line(capsys.readouterr().err) == "rsatoolbox-topo: " \
                                                  "interrupted"
    monkeypatch.setattr("rsatoolbox_topo.cli.build_parser", interrupted)
    assert main(["demo"]) == 130
    assert _one_line(capsys.readouterr().err) == "rsatoolbox-topo: " \
                                                  "interrupted"


def test_cli_subprocesses(tmp_path, good_npz, marker):
    """As a user runs it: pickles refused (nothing runs), Ctrl-C early."""
    crafted_pickle(tmp_path / "evil.hdf5", marker)
    crafted_pickle(tmp_path / "evil.pkl", marker)
    command = [sys.executable, "-m", "rsatoolbox_topo"]
    runs = {name: subprocess.Popen(
        command + _identify(tmp_path / name, tmp_path / f"out-{name}"),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for name in ("evil.hdf5", "evil.pkl")}
    # Ctrl-C while the command is still loading its libraries: sent once
    # numpy is mapped (the command has started; pandas and rsatoolbox are
    # still to come), not after a guessed delay
    slow = subprocess.Popen(
        command + _identify(good_npz, tmp_path / "out-slow"),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    maps = pathlib.Path(f"/proc/{slow.pid}/maps")
    if maps.exists():
        while slow.poll() is None and "_multiarray_umath" not in \
                maps.read_text():
            time.sleep(0.01)
        slow.send_signal(signal.SIGINT)
        out, err = slow.communicate(timeout=120)
        assert slow.returncode == 130, err
        assert _one_line(err) == "rsatoolbox-topo: interrupted"
    else:  # no /proc: only the pickle runs below
        slow.kill()
        slow.communicate()
    for name, process in runs.items():
        out, err = process.communicate(timeout=120)
        assert process.returncode == 1, err
        line = _one_line(err)
        assert line.startswith(f"rsatoolbox-topo identify: error: "
                               f"{tmp_path / name}: refused"), line
        assert "--allow-pickle" in line
