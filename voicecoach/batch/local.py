"""Running a batch's clips on this machine: a pool of worker processes that Ctrl-C stops at once.

On Ctrl-C the workers are killed, not waited for: waiting for each worker's clip in progress took
15 s with ``--jobs 2`` on the benchmark's 31 s clips (25 s in issue 14). Even ``--jobs 1`` runs its
clips in one worker process, so that the stop never waits for a long native call either (decoding
an hour-long MP3, loading a model, a large model's decode window), which Python's signal handling
cannot cut short. Workers ignore SIGINT (a terminal sends it to the whole process group; they
must not print tracebacks) and exit when their parent is gone, so a killed batch leaves no orphan
analysing on. They write nothing: outcomes come back to the parent.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Callable, Iterator, TypeVar

T = TypeVar("T")
R = TypeVar("R")


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)  # the batch is gone: nobody will take this clip's result


def _worker_init() -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent stops us; no KeyboardInterrupt traceback
    threading.Thread(target=_watch_parent, args=(os.getppid(),), daemon=True).start()


def _kill(pool: ProcessPoolExecutor) -> None:
    kill = getattr(pool, "kill_workers", None)  # Python 3.14; before it, the pool's process table
    if kill is not None:
        kill()
        return
    for proc in list((getattr(pool, "_processes", None) or {}).values()):
        try:
            proc.kill()
        except (OSError, ValueError):  # already gone
            pass


def _quiet_resource_tracker() -> None:
    """Start multiprocessing's resource tracker with its stderr on /dev/null. A worker killed on
    Ctrl-C leaves a semaphore behind (tqdm, which faster-whisper imports, makes one per process);
    the tracker frees it, but also prints a warning that must not follow the interrupt's one line.
    (When a tracker already runs in this process, it is kept as it is.)"""
    from multiprocessing import resource_tracker

    saved = os.dup(2)
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
        resource_tracker.ensure_running()
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _submit_ignoring_sigint(pool: ProcessPoolExecutor, fn, tasks: list) -> dict:
    """Submit every task; the workers, spawned meanwhile, inherit SIGINT ignored and so are deaf to
    a Ctrl-C from their first import on (the initializer comes only after those imports)."""
    if threading.current_thread() is not threading.main_thread():
        return {pool.submit(fn, t): t for t in tasks}
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        return {pool.submit(fn, t): t for t in tasks}
    finally:
        signal.signal(signal.SIGINT, previous)


def run_pool(fn: Callable[[T], R], tasks: list[T], jobs: int, on_lost: Callable[[T, BaseException], R]) -> Iterator[R]:
    """``fn(task)`` for every task in ``jobs`` spawned worker processes, yielded as each finishes.
    A worker that dies (out of memory, killed) fails its clips through ``on_lost``; a
    KeyboardInterrupt (or closing the iterator) kills the workers at once."""
    import multiprocessing

    _quiet_resource_tracker()
    # spawn: a clean interpreter per worker (no forked threads or locks); each worker then keeps
    # its process, and with it the lru_cached Whisper model, for every clip it is given
    pool = ProcessPoolExecutor(
        max_workers=max(1, min(jobs, len(tasks))), mp_context=multiprocessing.get_context("spawn"), initializer=_worker_init
    )
    finished = False
    try:
        futures = _submit_ignoring_sigint(pool, fn, tasks)
        for fut in as_completed(futures):
            task = futures[fut]
            try:
                outcome = fut.result()
            except Exception as e:  # noqa: BLE001  a worker died: its clips fail, the batch goes on
                outcome = on_lost(task, e)
            yield outcome
        finished = True
    finally:
        if finished:
            pool.shutdown(wait=True)
        else:  # interrupted or abandoned: nothing more of this pool is wanted
            _kill(pool)
            # not waited for: with its workers killed, the pool's manager thread can block for good on
            # the call queue's feeder (a pipe nobody reads); CI saw a Ctrl-C'd --jobs 2 batch hang there
            pool.shutdown(wait=False, cancel_futures=True)
