"""The docstring template: every placeholder filled, unknown keys loud."""

import importlib
import inspect
import pkgutil
import re

import pytest

import rsatoolbox_topo
from rsatoolbox_topo._docs import docdict, fill_doc


def _public_modules():
    """Every public module of the package (no leading underscore)."""
    names = ["rsatoolbox_topo"]
    for info in pkgutil.walk_packages(rsatoolbox_topo.__path__,
                                      "rsatoolbox_topo."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)
    return names


def _public_objects(module):
    """(qualified name, object) of a module's public API and its methods."""
    for name in getattr(module, "__all__", ()):
        obj = getattr(module, name)
        yield f"{module.__name__}.{name}", obj
        if inspect.isclass(obj):
            for attr, member in vars(obj).items():
                if not attr.startswith("_") or attr == "__init__":
                    member = getattr(member, "__func__", member)
                    member = getattr(member, "fget", member)
                    yield f"{module.__name__}.{name}.{attr}", member


@pytest.mark.parametrize("module_name", _public_modules())
def test_no_unfilled_placeholder(module_name):
    """No public docstring still holds a '%(' placeholder."""
    module = importlib.import_module(module_name)
    assert "%(" not in (module.__doc__ or "")
    unfilled = [name for name, obj in _public_objects(module)
                if "%(" in (getattr(obj, "__doc__", None) or "")]
    assert unfilled == []


def test_public_modules_found():
    """The walk sees the subpackages (else the test above checks nothing)."""
    names = _public_modules()
    assert "rsatoolbox_topo.inference" in names
    assert "rsatoolbox_topo.statistics" in names
    assert "rsatoolbox_topo.bridges.mne" in names


def test_fill_doc_unknown_key_names_placeholder_and_function():
    """An unknown key is a KeyError naming the key and the function."""
    def my_function():
        """Do it.

        Parameters
        ----------
        %(no_such_parameter)s
        """

    with pytest.raises(KeyError, match=r"no_such_parameter.*my_function"):
        fill_doc(my_function)


def _two_paragraphs():
    """Doc.
    %(test_two_paragraphs)s
    """


def test_fill_doc_indents_like_the_placeholder():
    """The entry takes the placeholder line's indentation, other '%' kept."""
    class Thing:
        def method(self, progress=False, n_jobs=1):
            """Run 95% of it.

            Parameters
            ----------
            %(progress)s
            %(n_jobs)s
                Extra sentence of this method.
            """

    docdict["test_two_paragraphs"] = "two : int\n    First.\n\n    Second."
    try:
        two = fill_doc(_two_paragraphs).__doc__.splitlines()
    finally:
        del docdict["test_two_paragraphs"]
    assert two[1:] == [" " * 4 + "two : int", " " * 8 + "First.", "",
                       " " * 8 + "Second.", " " * 4]
    doc = fill_doc(Thing.method).__doc__
    lines = doc.splitlines()
    assert lines[0] == "Run 95% of it."
    assert lines[4] == " " * 12 + "progress : bool"
    assert lines[5] == " " * 16 + "Show a tqdm progress bar."
    n_jobs = lines.index(" " * 12 + "n_jobs : int | None")
    # every description line of the entry is indented under its name
    body = lines[n_jobs + 1:lines.index(" " * 16 + "Extra sentence of this "
                                        "method.")]
    assert body and all(line.startswith(" " * 16) for line in body)


def test_fill_doc_without_docstring():
    """An object without a docstring is returned unchanged."""
    def bare():
        pass

    assert fill_doc(bare) is bare and bare.__doc__ is None


@pytest.mark.parametrize("key", sorted(docdict))
def test_entries_are_numpydoc_parameters(key):
    """Each entry is numpydoc parameter text: 'name : type' lines at the
    left margin (one entry may list several), descriptions indented by 4
    (blank lines between paragraphs allowed), no trailing spaces."""
    header = re.compile(r"[A-Za-z_*][\w, *]* : \S.*")
    lines = docdict[key].splitlines()
    assert header.fullmatch(lines[0])
    for previous, line in zip(lines, lines[1:]):
        assert line == line.rstrip()
        assert not line or line.startswith("    ") \
            or header.fullmatch(line) or previous.endswith("\\")


def test_naming_table_entries_present():
    """The shared parameters of the naming table have their entry."""
    for key in ("statistic", "method", "ci_level", "ci_method",
                "n_bootstrap", "n_permutations", "n_jobs", "progress",
                "random_state"):
        assert docdict[key].startswith(key + " : ")

