"""Read RDMs from files into an rsatoolbox ``RDMs`` object.

Three kinds of input are understood by :func:`read_rdms`:

* a folder of ``.npy`` files, one RDM per file, each either a square
  ``(n, n)`` matrix or a condensed vector of the ``n (n - 1) / 2``
  upper-triangle entries (the order of
  :func:`scipy.spatial.distance.squareform` and of rsatoolbox);
* one ``.npz`` archive, one RDM per array, named by its key;
* an rsatoolbox file (``.hdf5``, ``.h5`` or, only with
  ``allow_pickle=True``, ``.pkl``, as written by
  :meth:`rsatoolbox.rdm.RDMs.save`).

Unpickling a file can run any code its author chose, so pickles are refused
unless the caller opts in with ``allow_pickle=True``. The decision is taken
before a byte is unpickled, from the file's content as well as its name: a
pickle renamed ``.hdf5`` or ``.npz`` is refused too. ``.npy`` and ``.npz``
files are read with ``allow_pickle=False``, and their headers are checked
against the file size before any memory is allocated.

Labels (the rdm descriptors that say which class and which individual an RDM
belongs to) come from a file-name pattern with named fields, such as
``"sub-{subject}_{roi}"``, from a CSV table with one row per file, or both.

Input that does not fit is an error that names the file and what is wrong:
files of different sizes, square matrices that are not symmetric or whose
diagonal is not zero, file names the pattern does not match, files without a
row in the CSV table, an empty folder. A CSV row for a file that does not exist
is only a warning (:class:`~rsatoolbox_topo.exceptions.RDMFileWarning`), since
leaving files out on purpose is common.
"""

import os
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from rsatoolbox.io.hdf5 import read_dict_hdf5
from rsatoolbox.io.pkl import read_dict_pkl
from rsatoolbox.rdm import RDMs
from rsatoolbox.rdm.rdms import rdms_from_dict

from ._safe_io import CONTENT, load_npy, load_npz, reason, refuse_pickle
from ._validation import is_real_dtype
from .exceptions import RDMFileWarning

__all__ = ["read_rdms", "parse_pattern"]

_RSATOOLBOX_SUFFIXES = (".hdf5", ".h5", ".pkl")
# 'file' is added by read_rdms, 'index' is rsatoolbox's own numbering.
_RESERVED = ("file", "index")
_RESERVED_TEXT = ("which is reserved ('file' names the file, 'index' is "
                  "rsatoolbox's own numbering of the RDMs); rename it")
_FIELD = re.compile(r"\{([^{}]*)\}")
_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
# Relative tolerance (of the largest absolute entry) for symmetry and a zero
# diagonal: loose enough for matrices stored as float32, tight enough to catch
# a matrix that is not an RDM at all.
_RTOL = 1e-5


def parse_pattern(pattern, names):
    """Read the named fields of a file-name pattern from a list of names.

    Parameters
    ----------
    pattern : str
        Literal text with fields in braces: ``{name}`` matches any non-empty
        text (as little as possible, so the literal text that follows splits
        the name) and ``{name:d}`` an integer, returned as ``int``. A
        trailing ``.npy`` in the pattern and in the names is ignored.
    names : sequence of str
        File names (without folders) or ``.npz`` keys.

    Returns
    -------
    fields : dict of str to list
        One list per field, in the order of ``names``.

    Raises
    ------
    ValueError
        If the pattern has no field, a malformed or repeated field, or a name
        it does not match (the error lists those names).

    Examples
    --------
    >>> from rsatoolbox_topo.io import parse_pattern
    >>> parse_pattern("sub-{subject}_{roi}",
    ...               ["sub-01_V1.npy", "sub-02_FFA.npy"])
    {'subject': ['01', '02'], 'roi': ['V1', 'FFA']}
    >>> parse_pattern("seed{seed:d}_layer{layer:d}", ["seed3_layer10"])
    {'seed': [3], 'layer': [10]}
    """
    regex, kinds = _compile_pattern(pattern)
    fields = {name: [] for name in kinds}
    unmatched = []
    for name in names:
        match = regex.fullmatch(_strip_npy(os.path.basename(name)))
        if match is None:
            unmatched.append(name)
            continue
        for field, kind in kinds.items():
            text = match.group(field)
            fields[field].append(int(text) if kind == "d" else text)
    if unmatched:
        raise ValueError(
            f"The 'pattern' parameter {pattern!r} does not match "
            f"{len(unmatched)} of {len(names)} file name(s): "
            f"{_short(unmatched)}.")
    return fields


def _compile_pattern(pattern):
    # Hand-written (about 20 lines) rather than a dependency on the 'parse'
    # package: two field kinds are all file names need.
    if not isinstance(pattern, str):
        raise TypeError(
            f"The 'pattern' parameter must be a str such as "
            f"'sub-{{subject}}_{{roi}}'. Got {type(pattern).__name__} "
            f"instead.")
    body = _strip_npy(pattern)
    parts, kinds, position = [], {}, 0
    for match in _FIELD.finditer(body):
        parts.append(_literal(body[position:match.start()], pattern))
        name, _, kind = match.group(1).partition(":")
        if not _FIELD_NAME.match(name) or kind not in ("", "d", "s"):
            raise ValueError(
                f"The 'pattern' parameter has a malformed field "
                f"{match.group(0)!r}; fields are {{name}} or {{name:d}}. "
                f"Got {pattern!r}.")
        if name in kinds or name in _RESERVED:
            raise ValueError(
                f"The 'pattern' parameter uses the field name {name!r} "
                f"{'twice' if name in kinds else _RESERVED_TEXT}. "
                f"Got {pattern!r}.")
        kinds[name] = kind or "s"
        parts.append(rf"(?P<{name}>-?\d+)" if kind == "d"
                     else rf"(?P<{name}>.+?)")
        position = match.end()
    parts.append(_literal(body[position:], pattern))
    if not kinds:
        raise ValueError(
            f"The 'pattern' parameter must contain at least one field in "
            f"braces, such as 'sub-{{subject}}_{{roi}}'. Got {pattern!r}.")
    return re.compile("".join(parts)), kinds


def _literal(text, pattern):
    if "{" in text or "}" in text:
        raise ValueError(
            f"The 'pattern' parameter has an unmatched brace. Got "
            f"{pattern!r}.")
    return re.escape(text)


def _strip_npy(name):
    return name[:-4] if name.lower().endswith(".npy") else name


def _short(items, most=5):
    items = [str(i) for i in items]
    text = ", ".join(items[:most])
    return text + (f", ... ({len(items) - most} more)"
                   if len(items) > most else "")


def _natural_key(name):
    # 'sub-2' sorts before 'sub-10'
    return [int(part) if part.isdigit() else part
            for part in re.split(r"(\d+)", name)]


def _vector(array, source):
    """The condensed dissimilarity vector of one RDM read from ``source``."""
    array = np.asarray(array)
    if not is_real_dtype(array.dtype):
        raise ValueError(
            f"{source}: must hold numbers (real: integer or float), got "
            f"dtype {array.dtype}.")
    array = array.astype(np.float64)
    if array.ndim == 2 and 1 in array.shape and array.shape != (1, 1):
        array = array.ravel()
    if array.ndim == 1:
        n_cond = (1 + np.sqrt(1 + 8 * array.size)) / 2
        if array.size == 0 or n_cond != int(n_cond):
            raise ValueError(
                f"{source}: a vector of {array.size} entries is not a "
                f"condensed RDM (n * (n - 1) / 2 entries for n conditions).")
        vector, n_cond = array, int(n_cond)
    elif array.ndim == 2 and array.shape[0] == array.shape[1] \
            and array.shape[0] >= 2:
        _check_square(array, source)
        n_cond = array.shape[0]
        vector = array[np.triu_indices(n_cond, k=1)]
    else:
        raise ValueError(
            f"{source}: must be a square (n, n) matrix or a condensed vector "
            f"of n * (n - 1) / 2 entries, got shape {array.shape}.")
    _check_finite(vector, source)
    return vector, n_cond


def _check_finite(vectors, source):
    """Refuse infinite dissimilarities, the same way for every format."""
    infinite = np.isinf(vectors)
    if infinite.any():
        raise ValueError(
            f"{source}: holds {int(infinite.sum())} infinite "
            f"dissimilarit{'y' if infinite.sum() == 1 else 'ies'}; an RDM "
            f"needs finite values (NaN marks a missing one).")


def _check_square(matrix, source):
    finite = np.abs(matrix[np.isfinite(matrix)])
    tolerance = _RTOL * (finite.max() if finite.size else 1.0)
    diagonal = np.diag(matrix)
    bad = np.flatnonzero(~(np.abs(diagonal) <= tolerance))
    if bad.size:
        i = bad[0]
        raise ValueError(
            f"{source}: the diagonal of an RDM must be 0, but entry "
            f"({i}, {i}) is {diagonal[i]:.6g} ({bad.size} non-zero diagonal "
            f"entries).")
    with np.errstate(invalid="ignore", over="ignore"):
        difference = np.abs(matrix - matrix.T)
    # equal entries (inf and inf included) and NaN on both sides agree
    same = (matrix == matrix.T) | (np.isnan(matrix) & np.isnan(matrix.T))
    difference[same] = 0.0
    difference[np.isnan(difference)] = np.inf  # NaN on one side only
    if difference.max() > tolerance:
        i, j = np.unravel_index(np.argmax(difference), matrix.shape)
        raise ValueError(
            f"{source}: the matrix is not symmetric: entry ({i}, {j}) is "
            f"{matrix[i, j]:.6g} but ({j}, {i}) is {matrix[j, i]:.6g}.")


def _stack(vectors, sizes, names, where):
    first = sizes[0]
    for name, size in zip(names, sizes):
        if size != first:
            raise ValueError(
                f"{where}: RDMs of different sizes: {names[0]} has {first} "
                f"conditions but {name} has {size}.")
    return np.vstack(vectors)


def _read_folder(folder):
    files = sorted((p for p in folder.iterdir()
                    if p.is_file() and p.suffix.lower() == ".npy"),
                   key=lambda p: _natural_key(p.name))
    if not files:
        raise ValueError(f"{folder}: the folder holds no .npy files.")
    vectors, sizes = [], []
    for file in files:
        vector, size = _vector(load_npy(file), file)
        vectors.append(vector)
        sizes.append(size)
    names = [f.name for f in files]
    return _stack(vectors, sizes, names, folder), names


def _read_npz(path):
    arrays = load_npz(path)
    names = sorted(arrays, key=_natural_key)
    if not names:
        raise ValueError(f"{path}: the archive holds no arrays.")
    vectors, sizes = [], []
    for name in names:
        vector, size = _vector(arrays[name], f"{path}[{name!r}]")
        vectors.append(vector)
        sizes.append(size)
    return _stack(vectors, sizes, names, path), names


def _read_table(labels):
    if isinstance(labels, pd.DataFrame):
        return labels.copy()
    try:
        return pd.read_csv(labels)
    except (OSError, ValueError, pd.errors.ParserError) as exc:
        raise ValueError(
            f"The 'labels' parameter: cannot read {labels} as a CSV table "
            f"({exc}).") from exc


def _labels_by_file(table, names, where):
    """Columns of ``table`` in the order of ``names``, by its 'file' column."""
    if "file" not in table.columns:
        raise ValueError(
            f"The 'labels' table must have a 'file' column naming each file "
            f"of {where}. Got columns {list(table.columns)} instead.")
    keys = [_strip_npy(os.path.basename(str(f))) for f in table["file"]]
    duplicated = sorted({k for k in keys if keys.count(k) > 1})
    if duplicated:
        raise ValueError(
            f"The 'labels' table has more than one row for: "
            f"{_short(duplicated)}.")
    row_of = {key: i for i, key in enumerate(keys)}
    wanted = [_strip_npy(n) for n in names]
    missing = [n for n, w in zip(names, wanted) if w not in row_of]
    if missing:
        raise ValueError(
            f"The 'labels' table has no row for {len(missing)} file(s) of "
            f"{where}: {_short(missing)}.")
    extra = sorted(set(keys) - set(wanted))
    if extra:
        warnings.warn(
            f"The 'labels' table has rows for {len(extra)} file(s) not in "
            f"{where}; they are ignored: {_short(extra)}.",
            RDMFileWarning, stacklevel=4)
    table = table.iloc[[row_of[w] for w in wanted]]
    return table.drop(columns="file").reset_index(drop=True)


def _columns(table, names):
    columns = {}
    for column in table.columns:
        if str(column) == "index":
            raise ValueError(
                f"The 'labels' table has a column 'index', {_RESERVED_TEXT}.")
        values = table[column]
        empty = values.isna().to_numpy()
        if empty.any():
            raise ValueError(
                f"The 'labels' table has no value in column {column!r} for "
                f"{_short([n for n, e in zip(names, empty) if e])}.")
        columns[str(column)] = values.tolist()
    return columns


def _merge(descriptors, new, what):
    clash = sorted(set(descriptors) & set(new))
    if clash:
        raise ValueError(
            f"The rdm descriptor(s) {clash} are defined twice (by {what} and "
            f"before); rename the field or the column.")
    descriptors.update(new)


def read_rdms(path, pattern=None, labels=None, dissimilarity_measure=None,
              *, allow_pickle=False):
    """Read RDMs from a folder of ``.npy`` files, ``.npz`` or rsatoolbox file.

    Parameters
    ----------
    path : str | os.PathLike
        A folder of ``.npy`` files (one RDM each: a square ``(n, n)`` matrix
        or a condensed vector of ``n (n - 1) / 2`` entries; other files are
        ignored; the ending may be in any case), an ``.npz`` archive (one
        RDM per array) or a file written by :meth:`rsatoolbox.rdm.RDMs.save`
        (``.hdf5``, ``.h5``; ``.pkl`` only with ``allow_pickle=True``).
        Files and keys are read in natural order (``sub-2`` before
        ``sub-10``).
    pattern : str | None
        File-name pattern whose named fields become rdm descriptors, e.g.
        ``"sub-{subject}_{roi}"`` (text) or ``"seed{seed:d}_layer{layer:d}"``
        (integers); see :func:`parse_pattern`. Every file (or key) must match.
        Not allowed with rsatoolbox files, which carry their own descriptors.
        The field names ``file`` and ``index`` are reserved (an error).
    labels : str | os.PathLike | pandas.DataFrame | None
        CSV table with one row per file; its columns become rdm descriptors.
        For a folder or ``.npz`` it needs a ``file`` column (the file name,
        with or without ``.npy``, or the key); for an rsatoolbox file its rows
        are taken in the order of the stored RDMs and must be as many. A
        column named ``index`` (rsatoolbox's own numbering) is an error.
    dissimilarity_measure : str | None
        Name of the dissimilarity, stored in the result (e.g.
        ``"correlation distance"``). None keeps the one of an rsatoolbox file.
    allow_pickle : bool
        Read rsatoolbox ``.pkl`` files. Unpickling runs whatever code the
        file's author put in it, so this is False by default and a pickle is
        refused (ValueError) before any of it is unpickled; the content
        decides, not only the name (a pickle renamed ``.hdf5`` or ``.npz``
        is refused too). Set it only for files from a source you trust.

    Returns
    -------
    rdms : rsatoolbox.rdm.RDMs
        One RDM per file (or key), float64. Its rdm descriptors hold the
        pattern fields, the CSV columns and ``file`` (the file name or the
        ``.npz`` key; not added for rsatoolbox files).

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        On input that does not fit, naming the file: an empty folder, an
        unreadable file, RDMs of different sizes, a square matrix that is not
        symmetric or whose diagonal is not 0 (relative tolerance 1e-5 of its
        largest entry, so float32 round-off passes), infinite values (from
        any format), non-numeric dtypes (bool, complex, str, object), a
        pickle without ``allow_pickle=True``, a corrupt, truncated or
        CRC-damaged archive, a ``.npy`` header that claims more data than
        the file holds (checked before allocating), a name the pattern does
        not match, a file without a row in ``labels`` or an empty cell. NaN
        entries (missing dissimilarities) are kept.

    Warns
    -----
    RDMFileWarning
        If ``labels`` has rows for files that are not there.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> import numpy as np
    >>> from rsatoolbox_topo.io import read_rdms
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> for subject in ("01", "02"):
    ...     for roi in ("V1", "FFA"):
    ...         np.save(folder / f"sub-{subject}_{roi}.npy", np.arange(6.0))
    >>> rdms = read_rdms(folder, pattern="sub-{subject}_{roi}")
    >>> rdms.n_rdm, rdms.n_cond
    (4, 4)
    >>> rdms.rdm_descriptors["roi"], rdms.rdm_descriptors["subject"]
    (['FFA', 'V1', 'FFA', 'V1'], ['01', '01', '02', '02'])
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(
            f"The 'path' parameter must be a str or a path. Got "
            f"{type(path).__name__} instead.")
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such file or folder.")
    if dissimilarity_measure is not None \
            and not isinstance(dissimilarity_measure, str):
        raise TypeError(
            f"The 'dissimilarity_measure' parameter must be a str or None. "
            f"Got {type(dissimilarity_measure).__name__} instead.")
    if path.is_file():
        kind = refuse_pickle(path, allow_pickle, "RDMs")
        if path.suffix.lower() in _RSATOOLBOX_SUFFIXES or kind == "pickle":
            return _read_rsatoolbox(path, kind, pattern, labels,
                                    dissimilarity_measure)
    if path.is_dir():
        vectors, names = _read_folder(path)
    elif path.suffix.lower() == ".npz":
        vectors, names = _read_npz(path)
    else:
        raise ValueError(
            f"The 'path' parameter must be a folder of .npy files, an .npz "
            f"archive or an rsatoolbox .hdf5/.h5/.pkl file. Got {path}.")
    descriptors = {}
    if pattern is not None:
        descriptors.update(parse_pattern(pattern, names))
    if labels is not None:
        table = _labels_by_file(_read_table(labels), names, path)
        _merge(descriptors, _columns(table, names), "the 'labels' table")
    descriptors["file"] = list(names)
    return RDMs(vectors, dissimilarity_measure=dissimilarity_measure,
                descriptors={"source": str(path)},
                rdm_descriptors=descriptors)


def _read_rsatoolbox(path, kind, pattern, labels, dissimilarity_measure):
    if pattern is not None:
        raise ValueError(
            "The 'pattern' parameter applies to folders of .npy files and "
            f".npz archives, not to rsatoolbox files. Got {pattern!r} for "
            f"{path}.")
    if kind not in ("hdf5", "pickle"):
        raise ValueError(
            f"{path}: is not an HDF5 file (no HDF5 signature; its content "
            f"is {CONTENT[kind]}).")
    try:
        # kind is 'pickle' only after refuse_pickle let it through
        content = read_dict_pkl(str(path)) if kind == "pickle" \
            else read_dict_hdf5(str(path))
        rdms = rdms_from_dict(content)
    except Exception as exc:  # rsatoolbox and h5py raise many kinds
        raise ValueError(
            f"{path}: cannot be read as an rsatoolbox RDMs file "
            f"({reason(exc)}).") from exc
    if not isinstance(rdms, RDMs):
        raise ValueError(f"{path}: does not hold an rsatoolbox RDMs object.")
    vectors = np.asarray(rdms.dissimilarities)
    if not is_real_dtype(vectors.dtype):
        raise ValueError(
            f"{path}: must hold numbers (real: integer or float), got dtype "
            f"{vectors.dtype}.")
    vectors = np.array(vectors, dtype=np.float64, copy=True)
    _check_finite(vectors, path)
    descriptors = {key: list(value)
                   for key, value in rdms.rdm_descriptors.items()
                   if key != "index"}
    if labels is not None:
        table = _read_table(labels)
        if len(table) != rdms.n_rdm:
            raise ValueError(
                f"The 'labels' table has {len(table)} row(s) but {path} holds "
                f"{rdms.n_rdm} RDMs; give one row per RDM, in order.")
        names = [f"RDM {i}" for i in range(rdms.n_rdm)]
        _merge(descriptors, _columns(table.reset_index(drop=True), names),
               "the 'labels' table")
    measure = dissimilarity_measure if dissimilarity_measure is not None \
        else rdms.dissimilarity_measure
    return RDMs(vectors, dissimilarity_measure=measure,
                descriptors=dict(rdms.descriptors),
                rdm_descriptors=descriptors,
                pattern_descriptors={key: list(value) for key, value in
                                     rdms.pattern_descriptors.items()
                                     if key != "index"})
