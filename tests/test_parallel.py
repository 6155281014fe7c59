"""Tests of the one task runner and its input checks."""

import threading

import joblib
import numpy as np
import pytest

from rsatoolbox_topo._parallel import chunk_bounds, limit_blas_threads, \
    run_tasks
from rsatoolbox_topo._validation import check_n_jobs, check_progress


def _block(start, stop):
    return np.arange(start, stop) ** 2


def _thread_name(_):
    return threading.current_thread().name


def test_run_tasks_in_order_for_every_backend():
    """Results come back in task order, equal for every n_jobs/backend."""
    tasks = chunk_bounds(50, 2)
    want = np.arange(50) ** 2
    for n_jobs in (1, 2):
        np.testing.assert_array_equal(
            np.concatenate(run_tasks(_block, tasks, n_jobs=n_jobs)), want)
    with joblib.parallel_config(backend="threading"):
        np.testing.assert_array_equal(
            np.concatenate(run_tasks(_block, tasks, n_jobs=2)), want)


def test_n_jobs_1_runs_in_process_without_joblib():
    """n_jobs=1 and no parallel_config: every task in the calling thread."""
    main = threading.current_thread().name
    assert set(run_tasks(_thread_name, [(i,) for i in range(4)])) == {main}


def test_active_parallel_config_is_respected():
    """A parallel_config backend runs the tasks even with n_jobs=None."""
    main = threading.current_thread().name
    with joblib.parallel_config(backend="threading", n_jobs=2):
        names = run_tasks(_thread_name, [(i,) for i in range(20)],
                          n_jobs=None)
    assert main not in names


def test_progress_bar_counts_sizes(capsys):
    """One bar, advanced by each task's size."""
    run_tasks(_block, [(0, 3), (3, 10)], progress=True, desc="demo",
              unit="sample", sizes=[3, 7])
    err = capsys.readouterr().err
    assert "demo" in err and "10/10" in err


def test_chunk_bounds_cover_in_order():
    """Chunks are contiguous, non-empty and cover range(n)."""
    for n, n_jobs, min_chunks in [(1, 1, 1), (10, 1, 3), (100, 2, 1),
                                  (7, -1, 50), (1000, 4, 1)]:
        bounds = chunk_bounds(n, n_jobs, min_chunks=min_chunks)
        assert bounds[0][0] == 0 and bounds[-1][1] == n
        assert all(a < b for a, b in bounds)
        assert all(b == c for (_, b), (c, _) in zip(bounds[:-1], bounds[1:]))
    assert chunk_bounds(0, 2) == []
    assert len(chunk_bounds(100, 2)) == 16
    assert len(chunk_bounds(100, 1, min_chunks=3)) == 3
    assert max(b - a for a, b in chunk_bounds(100, 1, max_size=7)) <= 7


def test_limit_blas_threads_is_a_context():
    """The BLAS limiter works as a context manager."""
    with limit_blas_threads():
        assert np.dot(np.ones(3), np.ones(3)) == 3.0


def test_checks_one_message_shape():
    """n_jobs and progress errors name the parameter and what was given."""
    assert check_n_jobs(-1) == -1 and check_n_jobs(3) == 3
    assert check_n_jobs(None, allow_none=True) is None
    for bad, error in [(0, ValueError), (-2, ValueError), (1.5, TypeError),
                       (True, TypeError), (None, TypeError)]:
        with pytest.raises(error, match="The 'n_jobs' parameter must be a "
                                        "positive integer or -1. Got"):
            check_n_jobs(bad)
    assert check_progress(np.bool_(True)) is True
    with pytest.raises(TypeError, match="The 'progress' parameter must be "
                                        "True or False. Got 'yes'"):
        check_progress("yes")
    with pytest.raises(ValueError, match="'n_jobs'"):
        run_tasks(_block, [(0, 1)], n_jobs=0)


def test_shared_arguments_come_first_and_are_not_copied_in_process():
    """shared= is prepended to every task; in-process it is the same object."""
    import numpy as np

    from rsatoolbox_topo._parallel import run_tasks

    data = np.arange(5.0)
    seen = run_tasks(lambda d, i: (d is data, d[i]), [(1,), (3,)],
                     shared=(data,), n_jobs=1)
    assert seen == [(True, 1.0), (True, 3.0)]
    import joblib

    with joblib.parallel_config(backend="threading"):
        assert run_tasks(lambda d, i: d[i] * 2, [(0,), (4,)], shared=(data,),
                         n_jobs=2) == [0.0, 8.0]


def _warn_and_square(x):
    import os
    import warnings

    from rsatoolbox_topo.exceptions import DisconnectedGraphWarning

    message = DisconnectedGraphWarning(f"task {x} in process {os.getpid()}")
    message.indices = [x]  # as the statistics' warnings carry
    warnings.warn(message)
    return x * x


def test_worker_warnings_reach_the_caller():
    """A warning raised in a worker process is raised again in the caller
    (its filters, catch_warnings and the CLI's notes see it) with its
    category, message and attributes, once per task, for every backend; none is lost
    or doubled."""
    import os
    import warnings

    from rsatoolbox_topo.exceptions import DisconnectedGraphWarning

    configs = [dict(n_jobs=1), dict(n_jobs=2)]
    for kwargs in configs + ["threading"]:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            if kwargs == "threading":
                with joblib.parallel_config(backend="threading"):
                    out = run_tasks(_warn_and_square,
                                    [(i,) for i in range(6)], n_jobs=2)
            else:
                out = run_tasks(_warn_and_square, [(i,) for i in range(6)],
                                **kwargs)
        assert out == [i * i for i in range(6)]
        ours = [w for w in caught
                if issubclass(w.category, DisconnectedGraphWarning)]
        assert sorted(str(w.message).split()[1] for w in ours) == \
            [str(i) for i in range(6)], kwargs
        assert sorted(w.message.indices[0] for w in ours) == list(range(6))
        pids = {str(w.message).split()[-1] for w in ours}
        if kwargs == dict(n_jobs=2):
            assert str(os.getpid()) not in pids  # really from workers
