"""Computations in a process of their own: a fault in compiled code ends that process, not the server.

The simulation engine is compiled code that trusts its numbers: should an input ever get
past the checks with values that make it fault, the process running it dies with a
signal (SIGSEGV) and no Python error. So the web runs everything that simulates — a
simulation run, a staffing plan, an appraisal, a calibration's fit — through
:func:`call` (or :func:`compute` from async code): in a child process started from a
fork server, one clean single-threaded process that has imported the simulator and the
planners (:data:`PRELOAD`). A child starts in milliseconds with the engine loaded and
never inherits the server's threads or database connections. Arguments and results
cross as pickles, so a computation takes plain data (scenarios, requests, monthly
volumes), never a database engine; the caller reads the archive first.

What the caller gets:

* the function's result, as it would have returned it in this process;
* a :class:`~borderflow.errors.BorderFlowError` the function raised, raised again here
  (same class, text, key and fields), so the user reads the same one-line message;
* :class:`ProcessStoppedError` (HTTP 500, code ``internal_error``) when the child ended
  without an answer — killed by a signal, or stopped by an unexpected exception — after
  logging the signal, or the child's traceback, here;
* :class:`Stopped` when ``stopping()`` turned true while it waited (a closing store): the
  child is terminated, not waited for. :func:`compute` does the same when the awaiting
  task is cancelled (a server shutting down), so no request waits on a child.

The command line computes in its own process and does not come here.
"""

from __future__ import annotations

import functools
import logging
import pickle
import signal
import threading
import traceback
from collections.abc import Callable
from typing import Any, TypeVar

from borderflow.errors import BorderFlowError

log = logging.getLogger("borderflow.isolation")

T = TypeVar("T")

#: Modules the fork server imports once, so that each child starts with them loaded: the
#: compiled engine (importing ``borderflow.sim.warm`` loads it), the modules whose
#: functions the web runs in a child, and the ``borderflow`` command's own module. A
#: child runs the server's main script again, as multiprocessing does (the fork server
#: cannot preload ``__main__`` itself: Python 3.11 never hands it the script's path); for
#: ``borderflow serve`` that script imports ``borderflow.cli.main``, 45 ms a child unless
#: it is already loaded.
PRELOAD = (
    "borderflow.sim.warm",
    "borderflow.services.isolation",
    "borderflow.services.simulations",
    "borderflow.staffing.planner",
    "borderflow.planning.appraisal",
    "borderflow.services.calibration",
    "borderflow.cli.main",
)
#: How often a waiting caller looks at ``stopping()`` (an answer is read as soon as it comes).
POLL_SECONDS = 0.25
#: How long a child told to stop (SIGTERM) may take before it is killed.
TERMINATE_SECONDS = 5.0


class ProcessStoppedError(BorderFlowError):
    """A computation's process ended without answering (a signal, or an unexpected error in it)."""

    http_status = 500
    code = "internal_error"

    @property
    def kind(self) -> str:
        """The signal's name (``SIGSEGV``), the exception's (``ValueError``) or ``exit_N``."""
        return str(self.fields.get("kind", ""))


def process_stopped(kind: str) -> ProcessStoppedError:
    return ProcessStoppedError(f"the computation's process stopped ({kind}) before it answered; it has been logged",
                               key="compute.stopped", fields={"kind": kind})


class Stopped(Exception):
    """The caller stopped waiting (``stopping()``); the child was terminated."""


_CONTEXT: Any = None
_CONTEXT_LOCK = threading.Lock()


def fork_server() -> Any:
    """The ``forkserver`` multiprocessing context, with :data:`PRELOAD` (set on first use;
    the fork server itself starts with the first child)."""
    global _CONTEXT
    with _CONTEXT_LOCK:
        if _CONTEXT is None:
            import multiprocessing

            context = multiprocessing.get_context("forkserver")
            context.set_forkserver_preload(list(PRELOAD))
            _CONTEXT = context
        return _CONTEXT


# -- the child ---------------------------------------------------------------------------------


def _send_progress(conn: Any, *values: Any) -> None:
    conn.send(("progress", *values))


def _portable(error: BorderFlowError) -> BorderFlowError:
    """``error`` if it survives a pickle, else its class with its text alone."""
    try:
        pickle.loads(pickle.dumps(error))
    except (pickle.PickleError, TypeError, AttributeError, ValueError):
        return type(error)(str(error))
    return error


def _child(function: Callable[..., Any], args: tuple[Any, ...], conn: Any, relays_progress: bool) -> None:
    """A child's life: ``("done", result)``, ``("refused", error)`` or ``("crashed", exception
    name, traceback)``; before it, ``("progress", ...)`` for each ``progress(...)`` call."""
    try:
        if relays_progress:
            result = function(*args, progress=functools.partial(_send_progress, conn))
        else:
            result = function(*args)
        conn.send(("done", result))
    except BorderFlowError as exc:
        conn.send(("refused", _portable(exc)))
    except Exception as exc:  # noqa: BLE001 - the caller logs its traceback and answers
        conn.send(("crashed", type(exc).__name__, traceback.format_exc()))
    finally:
        conn.close()


# -- the caller --------------------------------------------------------------------------------


def call(function: Callable[..., T], *args: Any, progress: Callable[..., None] | None = None,
         stopping: Callable[[], bool] | None = None) -> T:
    """``function(*args)`` in a process of its own (module docstring); blocks until it answers.

    ``function`` and ``args`` must pickle (a module-level function; plain data). With
    ``progress``, ``function`` is also given ``progress=``, a callable whose calls are
    relayed to ``progress`` here."""
    what = f"{getattr(function, '__module__', '?')}.{getattr(function, '__qualname__', repr(function))}"
    context = fork_server()
    receive, send = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(function, args, send, progress is not None), daemon=True,
                              name="borderflow-compute")
    try:
        process.start()
    finally:
        send.close()
    outcome: tuple[Any, ...] | None = None
    try:
        while outcome is None:
            if stopping is not None and stopping():
                raise Stopped
            if not receive.poll(POLL_SECONDS):
                if not process.is_alive() and not receive.poll(0):
                    break
                continue
            try:
                message = receive.recv()
            except EOFError:  # the child is gone without a word
                break
            if message[0] != "progress":
                outcome = message
            elif progress is not None:
                progress(*message[1:])
    finally:
        if outcome is None and process.is_alive():
            process.terminate()
        process.join(timeout=TERMINATE_SECONDS)
        if process.is_alive():
            process.kill()
            process.join()
        receive.close()
    if outcome is not None and outcome[0] == "done":
        return outcome[1]  # type: ignore[no-any-return]
    if outcome is not None and outcome[0] == "refused":
        raise outcome[1]
    if outcome is not None:
        log.error("%s stopped on an unexpected error in its process:\n%s", what, outcome[2])
        raise process_stopped(str(outcome[1]))
    code = process.exitcode
    kind = f"exit_{code}"
    if code is not None and code < 0:
        try:
            kind = signal.Signals(-code).name
        except ValueError:
            pass
    log.error("%s: its process stopped (%s) before it answered", what, kind)
    raise process_stopped(kind)


async def compute(function: Callable[..., T], *args: Any) -> T:
    """:func:`call` from async code, waiting in a worker thread. When the awaiting task is
    cancelled (a server shutting down), the child is terminated rather than waited for."""
    from anyio import to_thread

    given_up = threading.Event()
    try:
        return await to_thread.run_sync(functools.partial(call, function, *args, stopping=given_up.is_set),
                                        abandon_on_cancel=True)
    finally:
        given_up.set()


#: The setting naming a folder the server's worker processes share their computation
#: slots in; ``borderflow serve`` sets it for its workers.
SLOTS_SETTING = "BORDERFLOW_COMPUTE_SLOTS_DIR"


def slots_folder(port: int) -> str:
    """The folder a server on ``port`` keeps its computation slots in (:class:`Slots`): the
    same for every server this user runs on the port, one at a time, so restarts do not
    leave folders behind. A folder of that name that is not this user's alone (made by
    someone else, or open to others) is not used: a fresh private one is made instead."""
    import os
    import stat
    import tempfile

    if not port:  # a port the system picks: no other server shares it
        return tempfile.mkdtemp(prefix="borderflow-slots-")
    folder = os.path.join(tempfile.gettempdir(), f"borderflow-slots-{os.getuid()}-{int(port)}")
    try:
        os.mkdir(folder, 0o700)
    except FileExistsError:
        pass
    found = os.lstat(folder)
    if not stat.S_ISDIR(found.st_mode) or found.st_uid != os.getuid() or found.st_mode & 0o077:
        return tempfile.mkdtemp(prefix="borderflow-slots-")
    return folder


class Slots:
    """At most ``count`` computations at once, with the semaphore's ``acquire(blocking=False)``
    and ``release()``.

    Without a folder (one process) a semaphore counts them. With ``directory`` (the
    :data:`SLOTS_SETTING` the server gives its worker processes) the count holds across
    every process given the same folder: a slot is a lock on one of ``count`` files there,
    taken without waiting and released when its holder gives it back or ends, a crash
    included, so a worker that dies holding slots does not keep them."""

    def __init__(self, count: int, directory: str | None = None) -> None:
        self.count = count
        self.directory = directory or None
        self._local = threading.BoundedSemaphore(count)
        self._held: list[int] = []
        self._lock = threading.Lock()

    @classmethod
    def from_environment(cls, count: int, name: str) -> Slots:
        """``count`` slots named ``name``, shared through the folder of :data:`SLOTS_SETTING` if set."""
        import os

        folder = os.environ.get(SLOTS_SETTING, "")
        return cls(count, os.path.join(folder, name) if folder else None)

    def acquire(self, blocking: bool = False) -> bool:
        if blocking:
            raise ValueError("slots are taken without waiting")
        if self.directory is None:
            return self._local.acquire(blocking=False)
        import fcntl
        import os

        os.makedirs(self.directory, mode=0o700, exist_ok=True)
        for i in range(self.count):
            fd = os.open(os.path.join(self.directory, f"slot-{i}"), os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            with self._lock:
                self._held.append(fd)
            return True
        return False

    def release(self) -> None:
        if self.directory is None:
            self._local.release()
            return
        import os

        with self._lock:
            fd = self._held.pop()  # slots are alike: any one this process holds
        os.close(fd)  # closing the file releases its lock


async def compute_in_a_slot(slots: Slots | threading.BoundedSemaphore, busy: Callable[[], BorderFlowError],
                            function: Callable[..., T], *args: Any) -> T:
    """:func:`compute`, if one of ``slots`` is free (held until the child answers); else
    ``busy()`` raised at once: a front that caps its computations answers "busy" rather
    than queueing requests behind each other."""
    if not slots.acquire(blocking=False):
        raise busy()
    try:
        return await compute(function, *args)
    finally:
        slots.release()
