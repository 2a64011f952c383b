"""Run a sweep: order the scenarios, solve them in chunks on local processes or a Dask cluster, append each
finished chunk to results.csv, and write results.xlsx and the charts at the end.

Every worker (process, or Dask worker thread) keeps a `ScenarioSolver` for the case, so it builds the LP once and
re-solves each scenario of its chunks warm. Chunks are runs of neighbouring scenarios (`neighbour_order`).
Ctrl-C stops handing out chunks, waits for the chunks being solved, writes them, and returns (local workers ignore
Ctrl-C so they can finish cleanly). A local worker that dies breaks its pool: the chunks not yet written run once
more in a new pool; whatever is still unfinished after that is left for `--resume`.
"""
from __future__ import annotations

import math
import multiprocessing
import os
import signal
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..case import Case
from ..files import OutputFolder
from ..writers.layout import RESULTS_CSV, SWEEP_FILES
from .figures import result_columns, result_figures
from .live import ScenarioSolver
from .params import check_params, group_maxima, parse_key
from .specs import SpecError, canonical, neighbour_order, scenario_id
from .store import FINAL_STATUSES, SWEEP_OWNER, ResultStore, case_fingerprint, read_results, write_xlsx

EXECUTORS = ("local", "dask")
LONG_SWEEP_SECONDS = 30.0  # above this estimated run time, a sweep uses every core by default
PROBE_SCENARIOS = 8  # solved in this process first, warm, to estimate the rest (when --jobs is not given)
Chunk = list[tuple[int, dict[str, float]]]  # (scenario number, parameters)
Handler = Callable[[list[dict]], None]
Progress = Callable[[int, int], None]  # (scenarios solved in this run so far, scenarios to solve in this run)
Warn = Callable[[str], None]  # a one-line warning for the user


@dataclass
class SweepResult:
    """What a sweep run did: scenarios in the sweep, already done before, solved now, left unfinished, and those
    whose row ends in an error (or a time limit) and that --resume solves again."""

    out_dir: Path
    total: int
    skipped: int
    solved: int = 0
    failed: int = 0
    statuses: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    interrupted: bool = False
    problem: str | None = None
    files: list[Path] = field(default_factory=list)

    @property
    def unfinished(self) -> int:
        return self.total - self.skipped - self.solved

    @property
    def scenarios_per_second(self) -> float:
        return self.solved / self.seconds if self.seconds > 0 else 0.0


# ---- work done on a worker ------------------------------------------------------------------------------------

_LOCAL = threading.local()  # per worker thread: {case fingerprint: ScenarioSolver}
_WORKER: dict[str, object] = {}  # per local worker process: the case and its fingerprint


def scenario_row(solver: ScenarioSolver, number: int, params: Mapping[str, float]) -> dict[str, object]:
    """One result row: id, number, parameters and figures (status `error` with the reason if solving raised)."""
    row: dict[str, object] = {"scenario_id": scenario_id(params), "scenario": number, **params}
    try:
        row.update(result_figures(solver.solve(params)))
    except Exception as exc:  # one failing scenario must not stop the sweep; the row says why
        row.update(status="error", detail=f"{type(exc).__name__}: {exc}".replace("\n", " "))
    return row


def solve_chunk(fingerprint: str, case: Case, chunk: Chunk) -> list[dict[str, object]]:
    """Solve a chunk with this thread's solver for the case (built on first use, then re-solved warm)."""
    solvers: dict[str, ScenarioSolver] = getattr(_LOCAL, "solvers", None) or {}
    _LOCAL.solvers = solvers
    if fingerprint not in solvers:
        solvers.clear()
        solvers[fingerprint] = ScenarioSolver(case)
    return [scenario_row(solvers[fingerprint], number, params) for number, params in chunk]


def _watch_parent(parent: int, every_s: float = 0.5) -> None:
    """Exit this worker as soon as the process that started it is gone (killed with -9, say): a worker must not
    outlive its sweep. Runs in a daemon thread of each local worker."""
    while os.getppid() == parent:
        time.sleep(every_s)
    os._exit(1)


def _init_local_worker(fingerprint: str, case: Case, parent: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and lets chunks in hand finish
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True, name="watch-parent").start()
    _WORKER.update(fingerprint=fingerprint, case=case)


def _local_task(chunk: Chunk) -> list[dict[str, object]]:
    return solve_chunk(_WORKER["fingerprint"], _WORKER["case"], chunk)  # type: ignore[arg-type]


# ---- executors --------------------------------------------------------------------------------------------------

def _chunks(items: Sequence[tuple[int, dict]], workers: int, chunk_size: int | None) -> list[Chunk]:
    size = chunk_size or max(1, min(16, math.ceil(len(items) / (4 * max(workers, 1)))))
    return [list(items[i: i + size]) for i in range(0, len(items), size)]


def _run_inline(fingerprint: str, case: Case, todo: Sequence[tuple[int, dict]], handle: Handler) -> tuple[bool, None]:
    """Solve in this process, writing each row as it is done."""
    try:
        for item in todo:
            handle(solve_chunk(fingerprint, case, [item]))
    except KeyboardInterrupt:
        return True, None
    return False, None


def _run_pool(fingerprint: str, case: Case, chunks: list[Chunk], jobs: int, handle: Handler,
              warn: Warn) -> tuple[bool, str | None]:
    """Solve chunks on `jobs` local processes; if a process dies, run the unfinished chunks once more."""
    for attempt in range(2):
        interrupted, lost = _pool_round(fingerprint, case, chunks, jobs, handle)
        if interrupted or not lost:
            return interrupted, None
        if attempt == 0:
            warn(f"a worker process died; solving the {sum(len(c) for c in lost)} unfinished scenarios again")
        chunks = lost
    return False, f"worker processes died; {sum(len(c) for c in chunks)} scenarios were not finished"


def _pool_round(fingerprint: str, case: Case, chunks: list[Chunk], jobs: int,
                handle: Handler) -> tuple[bool, list[Chunk]]:
    """One pool's run: (interrupted, chunks lost to a dead worker)."""
    pool = ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_init_local_worker, initargs=(fingerprint, case, os.getpid()))
    futures = {pool.submit(_local_task, chunk): chunk for chunk in chunks}
    pending, lost, interrupted = set(futures), [], False

    def collect(done: Iterator) -> None:
        for future in done:
            pending.discard(future)
            try:
                rows = future.result()
            except BrokenProcessPool:
                lost.append(futures[future])
                continue
            handle(rows)

    waited = True
    try:
        try:
            collect(as_completed(futures))
        except KeyboardInterrupt:
            interrupted = True
            for future in pending:
                future.cancel()
            try:
                collect(as_completed([f for f in pending if not f.cancelled()]))
            except KeyboardInterrupt:
                waited = False  # a second Ctrl-C (or SIGTERM): stop waiting for the chunks in hand
    finally:
        if not waited:
            _terminate(pool)
        pool.shutdown(wait=waited, cancel_futures=True)
    return interrupted, lost


def _terminate(pool: ProcessPoolExecutor) -> None:
    """Stop a pool's worker processes now, whatever they are solving (ProcessPoolExecutor has no public way
    before Python 3.14; its `_processes` is a dict of pid -> Process since 3.x)."""
    for process in list(getattr(pool, "_processes", {}).values()):
        if process.is_alive():
            process.terminate()


def _run_dask(fingerprint: str, case: Case, todo: Sequence[tuple[int, dict]], scheduler: str | None, jobs: int,
              chunk_size: int | None, handle: Handler) -> tuple[bool, str | None]:
    """Solve chunks on a Dask cluster at `scheduler` (or a local one with `jobs` worker processes)."""
    try:
        from distributed import Client, LocalCluster
        from distributed import as_completed as dask_completed
    except ImportError:
        raise SpecError("--executor dask needs dask.distributed: pip install 'capopt[cluster]'") from None
    cluster = None if scheduler else LocalCluster(n_workers=jobs, threads_per_worker=1, dashboard_address=None)
    try:
        client = Client(scheduler or cluster)
    except (OSError, TimeoutError) as exc:
        raise SpecError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    problem, interrupted = None, False
    try:
        workers = sum(client.nthreads().values()) or 1
        [case_future] = client.scatter([case], broadcast=True)
        futures = [client.submit(solve_chunk, fingerprint, case_future, chunk, pure=False)
                   for chunk in _chunks(todo, workers, chunk_size)]
        try:
            for future in dask_completed(futures):
                try:
                    rows = future.result()
                except Exception as exc:  # KilledWorker, a lost connection: those scenarios stay unfinished
                    problem = f"a Dask task failed ({type(exc).__name__}: {exc})"
                    continue
                handle(rows)
        except KeyboardInterrupt:
            interrupted = True
            client.cancel([f for f in futures if not f.done()])
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
    return interrupted, problem


# ---- the sweep --------------------------------------------------------------------------------------------------

@contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """While the sweep runs, SIGTERM (kill, a scheduler stopping the job) stops it like Ctrl-C: the pool is shut
    down and the rows written are kept. Only the main thread can handle signals; elsewhere nothing changes."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_sweep(case: Case, scenarios: Sequence[Mapping[str, float]], out_dir: str | Path, *, resume: bool = False,
              overwrite: bool = False, force: bool = False, executor: str = "local", jobs: int | None = None,
              scheduler: str | None = None, chunk_size: int | None = None, progress: Progress | None = None,
              warn: Warn | None = None, about: Mapping[str, object] | None = None) -> SweepResult:
    """Solve every scenario (a {parameter key: value} mapping) of `case` into `out_dir`; see the module doc.

    `jobs`: local worker processes (default: the base case and the first PROBE_SCENARIOS scenarios are solved in
    this process, and the rest go to every core if, at the warm re-solve rate measured, they would take over
    LONG_SWEEP_SECONDS here; else they stay in this process); `progress(done, total)`: called as rows are
    written (first with done = 0); `warn(text)`: told about a worker that died; `about`: extra items for sweep.json
    (e.g. the model file and the specs); `force`: write into a folder that holds files capopt did not write (they
    are kept).
    SpecError for a bad scenario or a folder that cannot be resumed; OutputError for a folder capopt may not write
    into (files it did not write, or another run holds it).
    """
    if executor not in EXECUTORS:
        raise SpecError(f"unknown executor '{executor}': choose one of {', '.join(EXECUTORS)}")
    if scheduler and executor != "dask":
        raise SpecError("--scheduler needs --executor dask")
    maxima = group_maxima(case)
    numbered = []
    for number, scenario in enumerate(scenarios):
        try:
            params = {parse_key(k).text: canonical(v) for k, v in scenario.items()}
            check_params(case, params, maxima)
        except ValueError as exc:
            raise SpecError(f"scenario {number}: {exc}") from None
        numbered.append((number, params))
    keys = list(dict.fromkeys(k for _, params in numbered for k in params))
    fingerprint = case_fingerprint(case)
    meta = {"case": case.name, "model_file": case.source, "case_fingerprint": fingerprint, "parameters": keys,
            "scenarios": len(numbered), **(about or {})}
    folder = OutputFolder(out_dir, SWEEP_OWNER, force=force)
    with folder.session(SWEEP_FILES), _terminate_as_interrupt():
        store = ResultStore(folder, result_columns(case, keys), meta, resume=resume, overwrite=overwrite)
        todo = [(n, p) for n, p in numbered if scenario_id(p) not in store.done]
        todo = [todo[i] for i in neighbour_order([p for _, p in todo])]
        result = SweepResult(folder.path, total=len(numbered), skipped=len(numbered) - len(todo))
        started = time.perf_counter()
        # the case as given: solved first, in this process (which warms the live model), for the charts' base NPV
        base_row = solve_chunk(fingerprint, case, [(-1, {})])[0] if todo else None

        total = len(todo)

        def handle(rows: list[dict]) -> None:
            store.append(rows)
            result.solved += len(rows)
            result.statuses.update(str(r["status"]) for r in rows)
            if progress:
                progress(result.solved, total)

        try:
            if progress:
                progress(0, total)
            workers = jobs or (os.cpu_count() or 1)
            if jobs is None and executor == "local":  # warm re-solves here first: their rate decides the rest
                probe, todo = todo[:PROBE_SCENARIOS], todo[PROBE_SCENARIOS:]
                probe_started = time.perf_counter()
                result.interrupted, result.problem = _run_inline(fingerprint, case, probe, handle)
                workers = _default_jobs(len(todo), (time.perf_counter() - probe_started) / max(len(probe), 1))
            if todo and not result.interrupted:
                if executor == "dask":
                    run = _run_dask(fingerprint, case, todo, scheduler, workers, chunk_size, handle)
                elif workers == 1:
                    run = _run_inline(fingerprint, case, todo, handle)
                else:
                    run = _run_pool(fingerprint, case, _chunks(todo, workers, chunk_size), workers, handle,
                                    warn or (lambda text: None))
                result.interrupted, result.problem = run
        finally:
            rows = store.close()
            result.seconds = time.perf_counter() - started
        at_status = store.columns.index("status")
        result.failed = sum(row[at_status] not in FINAL_STATUSES for row in rows)
        try:
            result.files = write_outputs(folder, keys, meta, base_row, _absolute_bases(case, keys))
        except KeyboardInterrupt:  # results.csv is complete; only the xlsx and charts are skipped
            result.interrupted = True
            result.files = [folder.path / RESULTS_CSV]
    return result


def _default_jobs(scenarios: int, seconds_each: float) -> int:
    """All cores when the scenarios left would take long enough here for starting workers (a few seconds each: a
    fresh process builds its own model and solves it cold) to pay off, as measured (bench/bench_sweep.py); else
    this process."""
    return (os.cpu_count() or 1) if scenarios * seconds_each > LONG_SWEEP_SECONDS else 1


def _absolute_bases(case: Case, keys: Sequence[str]) -> dict[str, float]:
    """The case's own value of each absolute key whose input is one number (set:discount_rate), so that the charts
    can tell its base scenarios apart."""
    return {k: case.horizon.discount_rate for k in keys
            if parse_key(k).absolute and parse_key(k).group == "discount_rate"}


def write_outputs(folder: OutputFolder, keys: Sequence[str], meta: Mapping[str, object],
                  base_row: Mapping[str, Any] | None, absolute_bases: Mapping[str, float] | None = None) -> list[Path]:
    """results.xlsx and the charts from the rows in results.csv (after a run, finished or not); `base_row` is the
    case as given, for the charts' base NPV (None if the sweep had nothing left to solve: then its own row of the
    base scenario, if it has one); `absolute_bases` the case's own values of absolute keys."""
    frame = read_results(folder.path)
    files = [folder.path / RESULTS_CSV]
    if len(frame):
        files.append(write_xlsx(frame, meta, folder))
        # matplotlib: loaded only when a sweep draws its charts
        from ..writers.sweep_charts import write_sweep_charts

        if base_row is None:
            matches = frame[frame["scenario_id"] == scenario_id({})]
            base_row = matches.iloc[0].to_dict() if len(matches) else None
        base_npv = (float(base_row["npv_usd"]) if base_row is not None and base_row["status"] == "optimal"
                    else None)
        files += write_sweep_charts(frame, keys, folder, base_npv,
                                    multipliers=[k for k in keys if not parse_key(k).absolute],
                                    given_bases=absolute_bases)
    return files
