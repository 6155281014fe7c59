"""The one result contract (rsatoolbox_topo._results.Result)."""

import dataclasses
from dataclasses import dataclass

import numpy as np
import pytest

from rsatoolbox_topo._results import Result


@dataclass(frozen=True, eq=False)
class Toy(Result):
    values: np.ndarray
    labels: tuple
    names: list
    level: float
    count: int
    extra: object = None

    def summary(self):
        return f"{len(self.values)} values, level {self.level:g}"


@dataclass(frozen=True, eq=False)
class Other(Result):
    x: int


def _toy(**changes):
    base = dict(
        values=np.array([[0.5, np.nan], [np.inf, -1e-300]]),
        labels=(("roi", 1), ("roi", 2)),
        names=["a", ["b", ("c",)]],
        level=0.95,
        count=3,
        extra={"n": np.int32(7), ("tuple", 1): None, "f": np.float32(0.1),
               "nan": float("nan"), "arr": np.arange(3, dtype=np.int16),
               "text": np.array(["x", "yz"]), "z": 1 + 2j, "b": np.bool_(1),
               "__tuple__": "a key that looks like a tag"})
    base.update(changes)
    return Toy(**base)


def _same(a, b):
    """Equal in value and in type, recursively (NaN equal to NaN)."""
    assert type(a) is type(b), (a, b)
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a, b)
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _same(x, y)
    elif isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            _same(a[k], b[k])
    elif isinstance(a, (float, np.floating)) and np.isnan(a):
        assert np.isnan(b)
    else:
        assert a == b


@pytest.mark.parametrize("suffix", [".npz", ".json", ".NPZ"])
def test_round_trip_is_exact(tmp_path, suffix):
    toy = _toy()
    path = tmp_path / f"toy{suffix}"
    toy.save(path)
    back = Toy.load(path)
    for field in dataclasses.fields(Toy):
        _same(getattr(toy, field.name), getattr(back, field.name))
    assert isinstance(Result.load(path), Toy)  # the base dispatches


def test_frozen_and_read_only_without_touching_the_caller():
    values = np.zeros(3)
    toy = _toy(values=values)
    with pytest.raises(dataclasses.FrozenInstanceError):
        toy.level = 0.5
    with pytest.raises(ValueError, match="read-only"):
        toy.values[0] = 1.0
    values[0] = 1.0  # the caller's array is still theirs to change
    assert values.flags.writeable


def test_repr_is_the_summary_line():
    assert repr(_toy()) == "<Toy: 2 values, level 0.95>"
    assert "summary unavailable" in repr(Other(x=1))


def test_wrong_class_and_bad_files_are_named(tmp_path):
    Other(x=1).save(tmp_path / "other.json")
    with pytest.raises(ValueError, match="holds a Other, not a Toy"):
        Toy.load(tmp_path / "other.json")
    with pytest.raises(ValueError, match="'path' parameter must end in"):
        _toy().save(tmp_path / "toy.pkl")
    with pytest.raises(FileNotFoundError, match="no such file"):
        Toy.load(tmp_path / "missing.npz")
    (tmp_path / "bad.json").write_text('{"a": 1}')
    with pytest.raises(ValueError, match="not a result written by save"):
        Toy.load(tmp_path / "bad.json")


def test_unstorable_values_are_refused_before_writing(tmp_path):
    with pytest.raises(TypeError, match=r"Toy.extra: cannot store a value "
                                        r"of type function"):
        _toy(extra=lambda: 0).save(tmp_path / "toy.json")
    with pytest.raises(TypeError, match="object arrays are not stored"):
        _toy(values=np.array([None, 1])).save(tmp_path / "toy.npz")
    assert not list(tmp_path.iterdir())
