"""The package's one task runner (joblib workers, one tqdm progress bar).

Every loop of the package that may run in parallel (bootstrap samples,
permutations, searchlight chunks, blocks of RDMs) goes through
:func:`run_tasks`. The rules that make results independent of ``n_jobs``
and of the joblib backend:

* random draws are made up front, in the caller, before any task runs
  (see :mod:`rsatoolbox_topo._resampling`);
* a task returns its result and never writes into shared arrays (a thread
  or a dask worker writing into a parent's array is silently lost or raced);
* the work is split by :func:`chunk_bounds`, which depends only on the
  number of items and ``n_jobs``, never on the backend.

An active :func:`joblib.parallel_config` (e.g. ``backend="threading"`` or
``"dask"``) is respected: the runner never hard-codes a backend, ``prefer``
is only joblib's soft hint.
"""

import contextlib
import os
import warnings

from ._validation import check_n_jobs, check_progress

__all__ = ["run_tasks", "chunk_bounds", "limit_blas_threads"]


def _active_config():
    """True when a joblib ``parallel_config`` sets a backend or ``n_jobs``."""
    try:
        from joblib import parallel as _jp

        config = getattr(_jp._backend, "config", None)
        if config is None:
            return False
        default = _jp.default_parallel_config
        return any(config[key] is not default[key]
                   for key in ("backend", "n_jobs"))
    except Exception:  # pragma: no cover - private joblib API changed
        # Unknown: go through joblib, which applies any active config.
        return True


def _n_workers(n_jobs):
    """Workers that ``n_jobs`` asks for (-1: all cores), for chunking.

    Under an active :func:`joblib.parallel_config` the backend says how many
    workers ``n_jobs`` means (with dask, -1 counts the cluster's workers).
    Only the chunking depends on it, never the results.
    """
    if n_jobs is None or n_jobs == 1:
        return 1
    if _active_config():
        from joblib import effective_n_jobs

        return max(1, int(effective_n_jobs(n_jobs)))
    if n_jobs < 0:
        return max(1, (os.cpu_count() or 1) + 1 + n_jobs)
    return n_jobs


def chunk_bounds(n, n_jobs=1, min_chunks=1, max_size=None):
    """Split ``n`` items into contiguous chunks ``[(start, stop), ...]``.

    The split depends only on ``n``, ``n_jobs`` and the two limits, never
    on the joblib backend. With several workers there are about 8 chunks
    per worker (so a slow chunk does not leave workers idle); with one,
    ``min_chunks`` chunks (a progress bar needs a few).

    Parameters
    ----------
    n : int
        Number of items (>= 0).
    n_jobs : int | None
        As in :func:`run_tasks`; -1 counts all cores.
    min_chunks : int
        At least this many chunks (when ``n`` allows).
    max_size : int | None
        At most this many items per chunk (e.g. to bound memory).

    Returns
    -------
    list of tuple of int
        Non-empty ``(start, stop)`` ranges covering ``range(n)`` in order.

    Examples
    --------
    >>> chunk_bounds(10, 1, min_chunks=3)
    [(0, 3), (3, 6), (6, 10)]
    """
    if n <= 0:
        return []
    workers = _n_workers(n_jobs)
    n_chunks = max(min_chunks, 8 * workers if workers > 1 else 1)
    if max_size is not None:
        n_chunks = max(n_chunks, -(-n // max(1, int(max_size))))
    n_chunks = min(n, n_chunks)
    bounds = [(i * n) // n_chunks for i in range(n_chunks + 1)]
    return [(a, b) for a, b in zip(bounds[:-1], bounds[1:]) if b > a]


def limit_blas_threads(n_threads=1):
    """Context manager limiting BLAS threads (threadpoolctl, if installed).

    The products inside the package's tasks are small, and several BLAS
    threads per process only wait for each other (about 3x the CPU time on
    a shared machine); parallelism comes from ``n_jobs``.

    The loaded libraries are looked up once and again only after new
    modules were imported: a plain ``threadpool_limits`` call scans every
    loaded library each time, which took 15% of the demo's noise analysis
    (one call per chunk of bootstrap samples).

    Examples
    --------
    >>> with limit_blas_threads():
    ...     pass
    """
    controller = _controller()
    if controller is None:  # pragma: no cover - installed with scikit-learn
        return contextlib.nullcontext()
    return controller.limit(limits=n_threads, user_api="blas")


_CONTROLLER = [None, -1]  # the threadpoolctl controller, len(sys.modules)


def _controller():
    """A threadpoolctl controller of the loaded libraries (None without
    threadpoolctl), made again when modules were imported since."""
    import sys

    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - installed with scikit-learn
        return None
    if _CONTROLLER[1] != len(sys.modules):
        _CONTROLLER[0] = ThreadpoolController()
        _CONTROLLER[1] = len(sys.modules)
    return _CONTROLLER[0]


class _WarningsBack:
    """``function`` run in a worker, with the warnings it raised returned.

    A warning raised in a worker process goes to that process's stderr:
    the caller's filters, ``warnings.catch_warnings`` and the CLI's notes
    never see it (a parallel demo printed some 700 raw warnings). In
    another process the task records its warnings, and :func:`run_tasks`
    raises them again in the caller, as the sequential path would. In the
    caller's own process (threads) nothing is recorded:
    ``catch_warnings`` changes process-wide state and is not thread-safe.
    """

    def __init__(self, function, parent_pid):
        self.function = function
        self.parent_pid = parent_pid

    def __call__(self, *args, **kwargs):
        if os.getpid() == self.parent_pid:
            return self.function(*args, **kwargs), ()
        with warnings.catch_warnings(record=True) as caught:
            # The caller's filters apply when the warnings are raised again.
            warnings.simplefilter("always")
            result = self.function(*args, **kwargs)
        return result, tuple(_portable(w.message) for w in caught)


def _portable(message):
    """A recorded warning that can travel back to the caller: the warning
    itself (with attributes such as the RDM ``indices`` the CLI's notes
    read) when it pickles, else a UserWarning naming its class."""
    import pickle

    try:
        pickle.loads(pickle.dumps(message))
    except Exception:
        return UserWarning(f"{type(message).__name__}: {message}")
    return message


def _reemit(caught):
    for message in caught:
        warnings.warn(message, stacklevel=3)


def run_tasks(function, tasks, *, shared=(), shared_kwargs=None, n_jobs=1,
              progress=False, desc=None, unit="task", prefer=None,
              sizes=None):
    """Call ``function(*shared, *task, **shared_kwargs)`` for every task.

    Parameters
    ----------
    function : callable
        Returns the result of one task (it must not write into shared
        arrays: results are combined by the caller).
    tasks : iterable of tuple
        Positional arguments of each call.
    shared : tuple
        Positional arguments put before every task's own: the data that all
        tasks read. Pass large data here rather than binding it into
        ``function`` (e.g. with :func:`functools.partial`): joblib then sends
        it once, not with every task (the dask backend scatters arguments
        above 1 kB to the cluster once per call; the default backend
        memory-maps large arrays for its worker processes).
    shared_kwargs : dict | None
        Keyword arguments of every call, sent once like ``shared``.
    n_jobs : int | None
        joblib workers; -1 uses all cores. With 1 (or None) and no active
        :func:`joblib.parallel_config`, the tasks run in this process
        without joblib.
    progress : bool
        Show one tqdm bar, updated as results arrive.
    desc, unit : str
        Label and unit of the bar.
    prefer : {'threads', 'processes'} | None
        joblib's soft hint; an active ``parallel_config`` backend wins.
    sizes : sequence of int | None
        Units of work of each task (e.g. samples per chunk) for the bar;
        default 1 per task.

    Returns
    -------
    list
        The results, in task order.

    Examples
    --------
    >>> run_tasks(pow, [(2, 3), (3, 2)], n_jobs=1)
    [8, 9]
    """
    n_jobs = check_n_jobs(n_jobs, allow_none=True)
    check_progress(progress)
    shared = tuple(shared)
    kwargs = dict(shared_kwargs or {})
    tasks = [shared + tuple(task) for task in tasks]
    sizes = [1] * len(tasks) if sizes is None else [int(s) for s in sizes]
    from tqdm.auto import tqdm

    bar = tqdm(total=sum(sizes), desc=desc, unit=unit, disable=not progress)
    results = []
    try:
        if n_jobs in (None, 1) and not _active_config():
            for task, size in zip(tasks, sizes):
                results.append(function(*task, **kwargs))
                bar.update(size)
        else:
            from joblib import Parallel, delayed

            parallel = Parallel(n_jobs=n_jobs, prefer=prefer,
                                return_as="generator")
            task_function = _WarningsBack(function, os.getpid())
            for (result, caught), size in zip(parallel(
                    delayed(task_function)(*task, **kwargs)
                    for task in tasks), sizes):
                _reemit(caught)
                results.append(result)
                bar.update(size)
    finally:
        bar.close()
    return results
