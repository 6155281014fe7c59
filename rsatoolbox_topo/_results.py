"""The one result contract, shared by every result class (private).

Every result of the package (identification, time course, searchlight,
simulation) is an immutable dataclass built on :class:`Result`::

    @dataclass(frozen=True, eq=False)
    class ThresholdMap(Result):
        lowers: np.ndarray
        classes: tuple
        ...

        def summary(self): ...   # one line with the key numbers
        def to_frame(self): ...  # a pandas DataFrame
        def plot(self, ax=None): # delegates to rsatoolbox_topo.vis
            ...

and so has the same behaviour everywhere:

* **immutable**: assigning a field raises
  :class:`dataclasses.FrozenInstanceError`, and array fields are read-only
  views (writing into them raises ``ValueError``; the caller's arrays are
  left writeable);
* ``save(path)`` / ``load(path)``: ``.npz`` (arrays stored as arrays, the
  rest as a JSON header) or ``.json`` (everything as text), with **exact**
  round trips: dtypes and shapes, ``None``, tuples as tuples and lists as
  lists, ints as ints and floats as floats (NaN and infinities included),
  numpy scalars with their dtype, nested lists, tuples and dicts (keys of any
  of these types). Loading never unpickles: ``.npz`` headers are checked
  and object arrays refused (:mod:`rsatoolbox_topo._safe_io`);
* ``summary()`` is one line; ``repr(result)`` shows it;
* ``Result.load(path)`` reads any result and returns the class that saved
  it; ``SomeResult.load(path)`` insists on that class.

A field that cannot be stored (an image, a function) is not a field: derive it
from stored arrays in a method or a bridge function.
"""

import dataclasses
import json
import math
import pathlib

import numpy as np

from ._safe_io import load_npz

__all__ = ["Result"]

FORMAT = "rsatoolbox_topo result"
VERSION = 1
SUFFIXES = (".npz", ".json")
# Tags of the JSON encoding; a dict whose keys are all strings without this
# prefix is written as a plain JSON object.
_TAG = "__"

_registry = {}


# ---------------------------------------------------------------- encoding
# Written here rather than with a library: JSON itself loses tuples, numpy
# dtypes and non-string keys, and pickle-based formats are what the package
# refuses to read.
def encode(value, where):
    """A JSON-ready form of ``value`` that :func:`decode` inverts exactly."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, np.generic):
        if value.dtype.kind not in "biufcUS?":
            raise TypeError(f"{where}: cannot store a numpy scalar of dtype "
                            f"{value.dtype}.")
        return {"__scalar__": value.dtype.str,
                "value": encode(value.item(), where)}
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"__float__": repr(value)}
    if isinstance(value, complex):
        return {"__complex__": [encode(value.real, where),
                                encode(value.imag, where)]}
    if isinstance(value, np.ndarray):
        return {"__ndarray__": encode_array(value, where)}
    if isinstance(value, tuple):
        return {"__tuple__": [encode(v, where) for v in value]}
    if isinstance(value, list):
        return [encode(v, where) for v in value]
    if isinstance(value, dict):
        if all(isinstance(k, str) and not k.startswith(_TAG) for k in value):
            return {k: encode(v, where) for k, v in value.items()}
        return {"__dict__": [[encode(k, where), encode(v, where)]
                             for k, v in value.items()]}
    raise TypeError(f"{where}: cannot store a value of type "
                    f"{type(value).__name__} ({value!r:.60}).")


def encode_array(array, where):
    """An array as JSON: dtype, shape and the values in C order."""
    if array.dtype.kind not in "biufcUS":
        raise TypeError(f"{where}: cannot store an array of dtype "
                        f"{array.dtype} (object arrays are not stored, so "
                        "that loading never unpickles).")
    flat = array.ravel()
    if array.dtype.kind == "c":
        data = [[encode(float(v.real), where), encode(float(v.imag), where)]
                for v in flat]
    elif array.dtype.kind == "f":
        data = [encode(float(v), where) for v in flat]
    elif array.dtype.kind == "S":
        data = [v.decode("latin-1") for v in flat]
    else:
        data = flat.tolist()
    return {"dtype": array.dtype.str, "shape": list(array.shape),
            "data": data}


def decode_array(spec):
    dtype = np.dtype(spec["dtype"])
    data = spec["data"]
    if dtype.kind == "c":
        data = [complex(decode(re), decode(im)) for re, im in data]
    elif dtype.kind == "f":
        data = [decode(v) for v in data]
    elif dtype.kind == "S":
        data = [v.encode("latin-1") for v in data]
    return np.array(data, dtype=dtype).reshape(spec["shape"])


def decode(value):
    """Invert :func:`encode`."""
    if isinstance(value, list):
        return [decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "__tuple__" in value:
        return tuple(decode(v) for v in value["__tuple__"])
    if "__float__" in value:
        return float(value["__float__"])
    if "__scalar__" in value:
        return np.dtype(value["__scalar__"]).type(decode(value["value"]))
    if "__complex__" in value:
        return complex(*[decode(v) for v in value["__complex__"]])
    if "__ndarray__" in value:
        return decode_array(value["__ndarray__"])
    if "__dict__" in value:
        return {decode(k): decode(v) for k, v in value["__dict__"]}
    return {k: decode(v) for k, v in value.items()}


def _check_path(path):
    path = pathlib.Path(path)
    if path.suffix.lower() not in SUFFIXES:
        raise ValueError(
            "The 'path' parameter must end in '.npz' or '.json'. Got "
            f"{str(path)!r} instead.")
    return path


def read_header(path):
    """``(header, arrays)`` of a file written by :meth:`Result.save`."""
    path = _check_path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no such file.")
    try:
        if path.suffix.lower() == ".npz":
            arrays = load_npz(path)  # checked headers, no unpickling
            header = json.loads(str(arrays.pop("__header__")))
        else:
            header = json.loads(path.read_text(encoding="utf-8"))
            arrays = {}
        if header.get("format") != FORMAT:
            raise ValueError("it has no rsatoolbox_topo result header")
        arrays.update({name: decode_array(spec) for name, spec
                       in header.get("arrays", {}).items()})
        fields = {name: decode(value)
                  for name, value in header["fields"].items()}
        kind = header["type"]
    except (KeyError, TypeError, AttributeError, ValueError,
            UnicodeDecodeError) as exc:
        if str(exc).startswith(str(path)):
            raise
        raise ValueError(f"{path}: is not a result written by save() "
                         f"({type(exc).__name__}: {exc}).") from exc
    fields.update(arrays)
    return kind, fields


# ------------------------------------------------------------------ base
class Result:
    """Base of every result: immutable, saveable, one-line summary.

    Subclasses are declared with ``@dataclass(frozen=True, eq=False)`` and
    define :meth:`summary`, :meth:`to_frame` and :meth:`plot`.
    """

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # Before @dataclass runs: a __repr__ in the class's own namespace
        # keeps the dataclass from writing one that prints every array.
        cls.__repr__ = Result.__repr__
        _registry[cls.__name__] = cls

    def __post_init__(self):
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if isinstance(value, np.ndarray) and value.flags.writeable:
                view = value.view()  # read-only view; the caller's array
                view.flags.writeable = False  # stays writeable
                object.__setattr__(self, field.name, view)

    def __repr__(self):
        try:
            text = self.summary()
        except Exception as exc:  # a repr must not fail
            text = f"summary unavailable: {type(exc).__name__}"
        return f"<{type(self).__name__}: {text}>"

    # The three methods every result defines.
    def summary(self):
        """One line with the result's key numbers."""
        raise NotImplementedError(
            f"{type(self).__name__} does not define summary().")

    def to_frame(self):
        """The result as a :class:`pandas.DataFrame`."""
        raise NotImplementedError(
            f"{type(self).__name__} does not define to_frame().")

    def plot(self, ax=None):
        """Draw the result (with :mod:`rsatoolbox_topo.vis`)."""
        raise NotImplementedError(
            f"{type(self).__name__} does not define plot().")

    # saving
    def save(self, path):
        """Save to ``path`` (``.npz`` or ``.json``); :meth:`load` reads it.

        The round trip is exact: arrays keep dtype and shape, tuples stay
        tuples, numbers keep their type.

        Parameters
        ----------
        path : str | pathlib.Path
            File name ending in ``.npz`` (arrays stored as arrays) or
            ``.json`` (plain text).
        """
        path = _check_path(path)
        name = type(self).__name__
        arrays, fields = {}, {}
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            where = f"{name}.{field.name}"
            if isinstance(value, np.ndarray):
                encode_array(value, where)  # refuses object arrays early
                arrays[field.name] = value
            else:
                fields[field.name] = encode(value, where)
        header = {"format": FORMAT, "version": VERSION, "type": name,
                  "fields": fields}
        if path.suffix.lower() == ".npz":
            with open(path, "wb") as handle:  # np.savez would add .npz
                np.savez(handle, __header__=np.array(json.dumps(header)),
                         **arrays)
        else:
            header["arrays"] = {k: encode_array(v, f"{name}.{k}")
                                for k, v in arrays.items()}
            path.write_text(json.dumps(header), encoding="utf-8")

    @classmethod
    def load(cls, path):
        """Read a result written by :meth:`save`.

        ``Result.load`` returns whichever result the file holds; a subclass's
        ``load`` insists on that class.

        Parameters
        ----------
        path : str | pathlib.Path
            A ``.npz`` or ``.json`` file written by ``save``.

        Returns
        -------
        Result
        """
        kind, fields = read_header(path)
        target = _registry.get(kind)
        if target is None:
            raise ValueError(f"The file {str(path)!r} holds a {kind}, which "
                             "this version of rsatoolbox_topo does not know.")
        if cls is not Result and target is not cls:
            raise ValueError(f"The file {str(path)!r} holds a {kind}, not a "
                             f"{cls.__name__}.")
        try:
            return target(**fields)
        except TypeError as exc:
            raise ValueError(f"{path}: its fields do not fit a {kind} "
                             f"({exc}).") from exc
