"""Tests of rsatoolbox_topo.io: reading RDMs and their labels from files."""

import numpy as np
import pandas as pd
import pytest
from rsatoolbox.rdm import RDMs
from scipy.spatial.distance import pdist, squareform

from rsatoolbox_topo.exceptions import RDMFileWarning
from rsatoolbox_topo.io import parse_pattern, read_rdms


def _rdm(rng, n_cond=6):
    """A random condensed RDM with distinct entries."""
    return pdist(rng.standard_normal((n_cond, 3)))


@pytest.fixture
def folder(tmp_path, rng):
    """Six RDMs (3 subjects x 2 ROIs) saved half square, half condensed."""
    written = {}
    for subject in (1, 2, 10):
        for roi in ("V1", "FFA"):
            vector = _rdm(rng)
            name = f"sub-{subject}_{roi}.npy"
            data = squareform(vector) if roi == "V1" else vector
            np.save(tmp_path / name, data)
            written[name] = vector
    (tmp_path / "README.txt").write_text("not an RDM")
    return tmp_path, written


def test_folder_round_trip_and_pattern(folder):
    """Every RDM read equals the one written and the fields are parsed."""
    path, written = folder
    rdms = read_rdms(path, pattern="sub-{subject:d}_{roi}.npy",
                     dissimilarity_measure="euclidean")
    assert isinstance(rdms, RDMs)
    assert rdms.n_rdm == 6 and rdms.n_cond == 6
    assert rdms.dissimilarity_measure == "euclidean"
    # natural order: sub-2 before sub-10
    assert rdms.rdm_descriptors["subject"] == [1, 1, 2, 2, 10, 10]
    assert rdms.rdm_descriptors["roi"] == ["FFA", "V1"] * 3
    for name, vector in zip(rdms.rdm_descriptors["file"],
                            rdms.get_vectors()):
        np.testing.assert_array_equal(vector, written[name])


def test_pattern_without_extension_and_text_fields(folder):
    """A pattern without '.npy' matches too; text fields stay strings."""
    path, _ = folder
    rdms = read_rdms(path, pattern="sub-{subject}_{roi}")
    assert rdms.rdm_descriptors["subject"] == ["1", "1", "2", "2",
                                               "10", "10"]


def test_parse_pattern_splits_on_literal_text():
    """Fields take as little text as possible; the last takes the rest."""
    fields = parse_pattern("{a}_{b}", ["x_y_z.npy", "1_2"])
    assert fields == {"a": ["x", "1"], "b": ["y_z", "2"]}


def test_pattern_mismatch_names_the_files(folder):
    """Files the pattern does not match are listed in the error."""
    path, _ = folder
    np.save(path / "subject3_V1.npy", squareform(np.arange(15.0)))
    with pytest.raises(ValueError, match=r"does not match 1 of 7 .*"
                       r"subject3_V1\.npy"):
        read_rdms(path, pattern="sub-{subject}_{roi}")


def test_integer_field_rejects_text(folder):
    """A {name:d} field only matches integers."""
    path, _ = folder
    with pytest.raises(ValueError, match="does not match 6 of 6"):
        read_rdms(path, pattern="sub-{subject}_{roi:d}")


@pytest.mark.parametrize("pattern, message", [
    ("no_fields.npy", "at least one field"),
    ("sub-{subject}_{subject}", "twice"),
    ("sub-{file}", "reserved"),
    ("sub-{sub ject}", "malformed field"),
    ("sub-{subject:x}", "malformed field"),
    ("sub-{subject", "unmatched brace"),
])
def test_bad_patterns(folder, pattern, message):
    """Malformed patterns are errors naming the parameter."""
    path, _ = folder
    with pytest.raises(ValueError, match=f"'pattern' parameter.*{message}"):
        read_rdms(path, pattern=pattern)


def test_labels_csv_matches_rows_by_file(folder):
    """CSV columns become descriptors, whatever the row order of the table."""
    path, written = folder
    names = sorted(written)[::-1]
    table = pd.DataFrame({"file": [n[:-4] for n in names],  # without .npy
                          "hemisphere": [f"h{i}" for i in range(6)]})
    table.to_csv(path / "labels.csv", index=False)
    rdms = read_rdms(path, labels=path / "labels.csv")
    expected = {n: f"h{i}" for i, n in enumerate(names)}
    assert rdms.rdm_descriptors["hemisphere"] == [
        expected[f] for f in rdms.rdm_descriptors["file"]]


def test_labels_and_pattern_together(folder):
    """Pattern fields and CSV columns are combined."""
    path, written = folder
    table = pd.DataFrame({"file": list(written), "group": range(6)})
    rdms = read_rdms(path, pattern="sub-{subject}_{roi}", labels=table)
    assert set(rdms.rdm_descriptors) >= {"subject", "roi", "group", "file"}


def test_labels_missing_row_is_an_error(folder):
    """A file without a row in the table is named in the error."""
    path, written = folder
    table = pd.DataFrame({"file": sorted(written)[1:], "group": range(5)})
    missing = sorted(written)[0]
    with pytest.raises(ValueError, match=f"no row for 1 file.*{missing}"):
        read_rdms(path, labels=table)


def test_labels_extra_row_warns(folder):
    """A row for a file that is not there is ignored with a warning."""
    path, written = folder
    table = pd.DataFrame({"file": list(written) + ["sub-9_V1.npy"],
                          "group": range(7)})
    with pytest.warns(RDMFileWarning, match="sub-9_V1"):
        rdms = read_rdms(path, labels=table)
    assert rdms.n_rdm == 6


@pytest.mark.parametrize("table, message", [
    (pd.DataFrame({"name": ["a"]}), "must have a 'file' column"),
    (pd.DataFrame({"file": ["a", "a"]}), "more than one row for: a"),
])
def test_labels_table_errors(folder, table, message):
    """A table without a 'file' column or with duplicated rows is an error."""
    path, _ = folder
    with pytest.raises(ValueError, match=message):
        read_rdms(path, labels=table)


def test_labels_empty_cell_is_an_error(folder):
    """An empty cell in the table names the column and the file."""
    path, written = folder
    names = sorted(written)
    table = pd.DataFrame({"file": names, "roi": ["a"] * 5 + [None]})
    with pytest.raises(ValueError, match=f"column 'roi' for {names[-1]}"):
        read_rdms(path, labels=table)


def test_labels_column_clashing_with_pattern(folder):
    """A descriptor defined by both the pattern and the table is an error."""
    path, written = folder
    table = pd.DataFrame({"file": list(written), "roi": range(6)})
    with pytest.raises(ValueError, match=r"\['roi'\] are defined twice"):
        read_rdms(path, pattern="sub-{subject}_{roi}", labels=table)


def test_unreadable_labels_file(folder):
    """A labels file that is not there is an error naming the parameter."""
    path, _ = folder
    with pytest.raises(ValueError, match="'labels' parameter: cannot read"):
        read_rdms(path, labels=path / "nope.csv")


def test_inconsistent_sizes_name_the_file(tmp_path, rng):
    """RDMs of different sizes: the error names the odd file."""
    np.save(tmp_path / "a.npy", _rdm(rng, 5))
    np.save(tmp_path / "b.npy", squareform(_rdm(rng, 6)))
    with pytest.raises(ValueError, match=r"a\.npy has 5 conditions but "
                       r"b\.npy has 6"):
        read_rdms(tmp_path)


def test_non_symmetric_matrix_is_an_error(tmp_path, rng):
    """A square matrix that is not symmetric is rejected, naming the entry."""
    matrix = squareform(_rdm(rng))
    matrix[1, 4] += 0.5
    np.save(tmp_path / "bad.npy", matrix)
    with pytest.raises(ValueError, match=r"bad\.npy: the matrix is not "
                       r"symmetric: entry \((1, 4|4, 1)\)"):
        read_rdms(tmp_path)


def test_float32_round_off_is_accepted(tmp_path, rng):
    """Symmetry up to float32 round-off passes."""
    matrix = squareform(_rdm(rng)).astype(np.float32)
    matrix[0, 1] = np.nextafter(matrix[0, 1], np.float32(10))
    np.save(tmp_path / "ok.npy", matrix)
    assert read_rdms(tmp_path).n_cond == 6


def test_non_zero_diagonal_is_an_error(tmp_path, rng):
    """A square matrix with a non-zero diagonal (e.g. a similarity) fails."""
    np.save(tmp_path / "similarity.npy", 1 - squareform(_rdm(rng)))
    with pytest.raises(ValueError, match=r"similarity\.npy: the diagonal of "
                       r"an RDM must be 0, but entry \(0, 0\) is 1"):
        read_rdms(tmp_path)


@pytest.mark.parametrize("data, message", [
    (np.arange(7.0), "a vector of 7 entries is not a condensed RDM"),
    (np.zeros((3, 4)), r"got shape \(3, 4\)"),
    (np.zeros((2, 3, 3)), r"got shape \(2, 3, 3\)"),
    (np.array(["a", "b", "c"]), "must hold numbers"),
    (np.array([1.0, np.inf, 2.0]), "infinite"),
])
def test_bad_arrays(tmp_path, data, message):
    """Arrays that are not RDMs are errors naming the file."""
    np.save(tmp_path / "x.npy", data)
    with pytest.raises(ValueError, match=rf"x\.npy: .*{message}"):
        read_rdms(tmp_path)


def test_nan_entries_are_kept(tmp_path, rng):
    """A missing dissimilarity (NaN, on both sides) is read as NaN."""
    matrix = squareform(_rdm(rng))
    matrix[0, 2] = matrix[2, 0] = np.nan
    np.save(tmp_path / "a.npy", matrix)
    vector = read_rdms(tmp_path).get_vectors()[0]
    assert np.isnan(vector[1]) and np.isfinite(np.delete(vector, 1)).all()


def test_corrupt_file_is_an_error(tmp_path):
    """A file that is not a .npy array is named in the error."""
    (tmp_path / "broken.npy").write_bytes(b"not numpy")
    with pytest.raises(ValueError, match=r"broken\.npy: cannot be read"):
        read_rdms(tmp_path)


def test_empty_folder_and_missing_path(tmp_path):
    """An empty folder and a path that does not exist are errors."""
    with pytest.raises(ValueError, match="holds no .npy files"):
        read_rdms(tmp_path)
    with pytest.raises(FileNotFoundError, match="no such file or folder"):
        read_rdms(tmp_path / "missing")
    (tmp_path / "table.csv").write_text("a\n1\n")
    with pytest.raises(ValueError, match="must be a folder of .npy files"):
        read_rdms(tmp_path / "table.csv")
    with pytest.raises(TypeError, match="'path' parameter must be a str"):
        read_rdms(3)


def test_npz_round_trip(tmp_path, rng):
    """Each array of an .npz is one RDM named by its key."""
    arrays = {f"seed{s}_layer{l}": _rdm(rng, 5)
              for s in range(2) for l in range(3)}
    np.savez(tmp_path / "net.npz", **arrays)
    rdms = read_rdms(tmp_path / "net.npz",
                     pattern="seed{seed:d}_layer{layer:d}")
    assert rdms.rdm_descriptors["seed"] == [0, 0, 0, 1, 1, 1]
    assert rdms.rdm_descriptors["layer"] == [0, 1, 2] * 2
    for key, vector in zip(rdms.rdm_descriptors["file"], rdms.get_vectors()):
        np.testing.assert_array_equal(vector, arrays[key])


def test_npz_errors_name_the_key(tmp_path, rng):
    """A bad array in an .npz is named by its key; an empty archive fails."""
    np.savez(tmp_path / "net.npz", good=_rdm(rng, 4), odd=np.ones(4))
    with pytest.raises(ValueError, match=r"net\.npz\['odd'\]"):
        read_rdms(tmp_path / "net.npz")
    np.savez(tmp_path / "empty.npz")
    with pytest.raises(ValueError, match="holds no arrays"):
        read_rdms(tmp_path / "empty.npz")


@pytest.mark.parametrize("suffix", [".hdf5", ".pkl"])
def test_rsatoolbox_file_round_trip(tmp_path, rdms_92, suffix):
    """An RDMs saved by rsatoolbox reads back equal, with its descriptors."""
    hit = rdms_92["hit"]
    file = tmp_path / f"hit{suffix}"
    hit.save(str(file), file_type=suffix.lstrip("."))
    table = pd.DataFrame({"hemisphere": ["both"] * 8})
    rdms = read_rdms(file, labels=table, allow_pickle=suffix == ".pkl")
    np.testing.assert_allclose(rdms.get_vectors(), hit.get_vectors())
    assert rdms.rdm_descriptors["subject"] == hit.rdm_descriptors["subject"]
    assert rdms.rdm_descriptors["hemisphere"] == ["both"] * 8
    assert rdms.dissimilarity_measure == hit.dissimilarity_measure


def test_rsatoolbox_file_errors(tmp_path, rdms_92):
    """Pattern, a wrong number of label rows and a corrupt file are errors."""
    file = tmp_path / "hit.hdf5"
    rdms_92["hit"].save(str(file))
    with pytest.raises(ValueError, match="'pattern' parameter applies to"):
        read_rdms(file, pattern="{x}")
    with pytest.raises(ValueError, match="has 2 row.*holds 8 RDMs"):
        read_rdms(file, labels=pd.DataFrame({"a": [1, 2]}))
    (tmp_path / "bad.pkl").write_bytes(b"junk")
    with pytest.raises(ValueError, match=r"bad\.pkl: cannot be read as an "
                       r"rsatoolbox"):
        read_rdms(tmp_path / "bad.pkl", allow_pickle=True)


def test_written_files_are_not_changed(folder):
    """Reading leaves the files as they were."""
    path, _ = folder
    before = {p.name: p.read_bytes() for p in path.iterdir()}
    read_rdms(path, pattern="sub-{subject}_{roi}")
    assert {p.name: p.read_bytes() for p in path.iterdir()} == before
