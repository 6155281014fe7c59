"""Safe file access shared by the readers (private).

Sniffing a file's format from its content, refusing pickles before a byte is
unpickled, and reading ``.npy``/``.npz`` files with their headers checked
against the file size. :mod:`rsatoolbox_topo.io` reads RDMs with these; the
result classes (``save``/``load``) and :func:`rsatoolbox_topo.inference.load_results`
read their files with them too.
"""

import ast
import os
import struct
import zipfile
import zlib

import numpy as np

HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06")
NPY_MAGIC = b"\x93NUMPY"
CONTENT = {"hdf5": "an HDF5 file", "zip": "a zip (.npz) archive",
           "npy": "a .npy array", "pickle": "a pickle",
           "unknown": "not a known format"}
PICKLE_REASON = (
    "unpickling a file can run arbitrary code, so pickles are read only "
    "with allow_pickle=True (command line: --allow-pickle), and only from "
    "sources you trust; hdf5 and npz are the safe formats")


def file_format(source):
    """The format of a file from its first bytes, whatever its name says.

    Returns 'hdf5' (signature at byte 0 or after a user block of 512,
    1024, ... bytes), 'zip' (``.npz``), 'npy', 'pickle' (protocol 2 or
    later, which starts with the PROTO opcode) or 'unknown'. An open binary
    file is read from its current position, which is restored.
    """
    if not hasattr(source, "read"):
        with open(source, "rb") as handle:
            return file_format(handle)
    start = source.tell()
    try:
        head = source.read(8)
        offset = 512
        while not head.startswith(HDF5_MAGIC) and offset <= 2 ** 20:
            source.seek(start + offset)
            if source.read(8) == HDF5_MAGIC:
                return "hdf5"
            offset *= 2
    finally:
        source.seek(start)
    if head.startswith(HDF5_MAGIC):
        return "hdf5"
    if head.startswith(ZIP_MAGICS):
        return "zip"
    if head.startswith(NPY_MAGIC):
        return "npy"
    if len(head) >= 2 and head[0] == 0x80 and 2 <= head[1] <= 5:
        return "pickle"
    return "unknown"


def refuse_pickle(source, allow_pickle, what):
    """Say whether ``source`` is to be unpickled, before a byte of it is.

    A file is read as a pickle when its content is a pickle (protocol >= 2)
    or when it ends in ``.pkl`` and is neither HDF5 nor an archive; without
    ``allow_pickle=True`` that is a ValueError naming the file and the
    reason. Returns the content's format ('hdf5', 'pickle', ...).
    """
    if not isinstance(allow_pickle, (bool, np.bool_)):
        raise TypeError(
            f"The 'allow_pickle' parameter must be True or False. Got "
            f"{allow_pickle!r} instead.")
    name = str(source.name if hasattr(source, "read") else source)
    try:
        kind = file_format(source)
    except OSError as exc:
        raise ValueError(f"{name}: cannot be read ({exc}).") from exc
    if kind == "unknown" and name.lower().endswith(".pkl"):
        kind = "pickle"
    if kind == "pickle" and not allow_pickle:
        raise ValueError(
            f"{name}: refused to read {what} from a pickle file: "
            f"{PICKLE_REASON}.")
    return kind


def npy_header(handle, source, size):
    """Shape and dtype of the .npy array at ``handle``, checked on ``size``.

    ``size`` is the number of bytes the array file has (on disk or inside
    the archive): a header that claims more data than that is refused
    before any memory is allocated.
    """
    try:
        shape, dtype = parse_npy_header(handle)
    except (ValueError, OSError, EOFError, SyntaxError, TypeError,
            KeyError, MemoryError, RecursionError) as exc:
        raise ValueError(
            f"{source}: cannot be read as a .npy array "
            f"({reason(exc)}).") from exc
    if dtype.hasobject:
        raise ValueError(
            f"{source}: holds Python objects (dtype {dtype}), which would "
            f"need unpickling; store numbers instead.")
    count = int(np.prod(shape, dtype=object)) if shape else 1
    needed = count * dtype.itemsize
    available = size - handle.tell()
    if needed > available:
        raise ValueError(
            f"{source}: the header claims shape {tuple(shape)} of "
            f"{dtype} ({needed} bytes) but the file holds {available} "
            f"bytes of data (truncated or corrupt).")
    return shape, dtype


def parse_npy_header(handle):
    """(shape, dtype) from a .npy header, any format version, by literals.

    numpy's own readers differ between versions (and 3.0 has no public
    one); the header is a Python literal of at most 10,000 bytes (numpy's
    limit), read with :func:`ast.literal_eval`, which evaluates no code.
    """
    magic = handle.read(8)
    if len(magic) < 8 or not magic.startswith(NPY_MAGIC):
        raise ValueError("no .npy signature")
    version = (magic[6], magic[7])
    if version not in ((1, 0), (2, 0), (3, 0)):
        raise ValueError(f"unknown .npy format version {version}")
    size_format = "<H" if version == (1, 0) else "<I"
    size_bytes = handle.read(struct.calcsize(size_format))
    if len(size_bytes) < struct.calcsize(size_format):
        raise EOFError("the header length is cut off")
    (length,) = struct.unpack(size_format, size_bytes)
    if length > 10_000:
        raise ValueError(f"header of {length} bytes (at most 10000)")
    text = handle.read(length)
    if len(text) < length:
        raise EOFError("the header is cut off")
    header = ast.literal_eval(
        text.decode("utf8" if version == (3, 0) else "latin1"))
    if not isinstance(header, dict) \
            or set(header) != {"descr", "fortran_order", "shape"}:
        raise ValueError("the header is not a .npy header dict")
    shape = header["shape"]
    if not isinstance(shape, tuple) or not all(
            isinstance(n, int) and n >= 0 for n in shape):
        raise ValueError(f"bad shape {shape!r}")
    return shape, np.lib.format.descr_to_dtype(header["descr"])


def reason(exc):
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def load_npy(path):
    """One array from a .npy file, never unpickling, header checked first."""
    try:
        with open(path, "rb") as handle:
            npy_header(handle, path, os.fstat(handle.fileno()).st_size)
            handle.seek(0)
            return np.load(handle, allow_pickle=False)
    except OSError as exc:
        raise ValueError(f"{path}: cannot be read ({reason(exc)}).") \
            from exc
    except ValueError as exc:
        if str(exc).startswith(str(path)):
            raise
        raise ValueError(
            f"{path}: cannot be read as a .npy array ({reason(exc)}).") \
            from exc


def load_npz(path):
    """All arrays of an .npz archive as a dict, never unpickling.

    Every member's header is checked against its stored size before it is
    read; a truncated, corrupt or CRC-damaged archive is a ValueError that
    names the file (and the member).
    """
    kind = refuse_pickle(path, False, "arrays")
    if kind != "zip":
        raise ValueError(
            f"{path}: is not an .npz archive (its content is "
            f"{CONTENT[kind]}).")
    arrays = {}
    member = None
    try:
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist():
                member = info.filename
                if info.is_dir():
                    continue
                key = member[:-4] if member.endswith(".npy") else member
                source = f"{path}[{key!r}]"
                with archive.open(info) as handle:
                    npy_header(handle, source, info.file_size)
                with archive.open(info) as handle:
                    arrays[key] = np.lib.format.read_array(
                        handle, allow_pickle=False)
    except ValueError as exc:
        if str(exc).startswith(str(path)):
            raise
        where = f"{path}" + (f"[{member!r}]" if member else "")
        raise ValueError(
            f"{where}: cannot be read as a .npz archive ({reason(exc)}).") \
            from exc
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError,
            NotImplementedError, RuntimeError) as exc:
        where = f"{path}" + (f"[{member!r}]" if member else "")
        raise ValueError(
            f"{where}: corrupt or truncated .npz archive "
            f"({reason(exc)}).") from exc
    return arrays


