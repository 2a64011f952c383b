"""Where a study's independent solves run: in this process, on a pool of local processes, or on a Dask cluster.

`task_mapper` yields a `map_tasks(function, items)` that returns the results in the order of `items`; functions
and items must be picklable for processes and Dask (top-level functions, cases, numbers).
"""
from __future__ import annotations

import contextlib
import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor

EXECUTORS = ("local", "dask")
MapTasks = Callable[[Callable, Iterable], Iterable]


def serial_map(function: Callable, items: Iterable) -> Iterable:
    """Run tasks one after the other in this process."""
    return map(function, items)


@contextlib.contextmanager
def task_mapper(executor: str = "local", jobs: int = 1, scheduler: str | None = None) -> Iterator[MapTasks]:
    """A task mapper for `jobs` local processes (1 = this process) or a Dask cluster (`scheduler`, or a local
    cluster of `jobs` workers). ValueError for an unknown executor; ImportError if Dask is not installed."""
    if executor not in EXECUTORS:
        raise ValueError(f"unknown executor '{executor}': choose one of {', '.join(EXECUTORS)}")
    if executor == "local" and jobs == 1:
        yield serial_map
        return
    if executor == "local":
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn")) as pool:
            yield pool.map
        return
    from distributed import Client, LocalCluster  # dask is optional: pip install 'capopt[cluster]'

    cluster = None if scheduler else LocalCluster(n_workers=jobs, threads_per_worker=1, dashboard_address=None)
    client = Client(scheduler or cluster)
    try:
        yield lambda function, items: client.gather(client.map(function, list(items), pure=False))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
