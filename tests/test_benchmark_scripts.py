"""Every benchmark script imports: the names it takes from the package
exist (benchmarks/demo_intervals.py imported a private CLI helper that a
refactoring removed, and nothing noticed). The scripts are not run here
(timing never goes into a test); importing runs no benchmark, since each
runs only under ``if __name__ == "__main__"``."""

import importlib.util
import pathlib
import sys

import pytest

BENCHMARKS = pathlib.Path(__file__).resolve().parents[1] / "benchmarks"
SCRIPTS = sorted(p for p in BENCHMARKS.glob("*.py")
                 if not p.name.startswith("_"))


def test_there_are_scripts():
    assert len(SCRIPTS) >= 10


@pytest.mark.parametrize("path", SCRIPTS, ids=lambda p: p.name)
def test_benchmark_script_imports(path, monkeypatch):
    monkeypatch.syspath_prepend(str(BENCHMARKS))  # for 'from _common import'
    source = path.read_text()
    assert 'if __name__ == "__main__":' in source, \
        f"{path.name} would run its benchmark on import"
    spec = importlib.util.spec_from_file_location(
        f"_bench_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
    finally:
        sys.modules.pop(f"_bench_{path.stem}", None)
    assert callable(getattr(module, "main", None)), \
        f"{path.name} has no main()"
