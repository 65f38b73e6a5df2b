"""Where a command writes its result (``-o/--output``): stdout, or a file that is replaced
whole, never left half-written, and never the archive's own database.

The rules, the same for every command that takes ``-o``:

* no ``-o``, or ``-o -``: stdout. Binary output (Parquet, PDF) is not written to a terminal.
* a regular file, or a path that does not exist yet: written to a hidden temporary file
  beside it and renamed over it when complete, so a reader never sees half a file and a
  failure leaves the old file as it was and no temporary file behind. A symbolic link to
  a file stays a link: the file it points to is replaced.
* a path that exists and is not a regular file (a terminal, ``/dev/null``, a named pipe)
  or that names a stream (``/dev/stdout``, ``/dev/fd/3``, ``/proc/self/fd/1``): written
  into directly, as a shell redirection would; it is never replaced by a file.
* a folder, or a name ending in ``/``: refused, naming it.
* the archive's own SQLite file (or its ``-wal``, ``-shm`` or ``-journal`` file), through
  any link: refused, whatever the command.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import stat
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from borderflow.errors import BadInputError

#: The ``-o`` value meaning stdout.
STDOUT = "-"
#: Errors of writing a file (as opposed to errors of the work that produces its content).
_WRITE_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EROFS, errno.EACCES})
#: Paths that name devices and open streams rather than files to replace.
_STREAM_ROOTS = ("/dev/", "/proc/")


@dataclass(frozen=True)
class Output:
    """A checked destination: ``path`` None is stdout; ``direct`` writes into ``path``
    itself (a device, a pipe, a stream) instead of replacing it."""

    path: Path | None
    shown: str
    binary: bool
    direct: bool = False

    @property
    def is_stdout(self) -> bool:
        return self.path is None


def _same_file(a: Path, b: Path) -> bool:
    if os.path.realpath(a) == os.path.realpath(b):
        return True
    try:
        return os.path.samefile(a, b)  # hard links, bind mounts
    except OSError:
        return False


def output_for(target: str | None, *, binary: bool, protect: Iterable[Path] = (), what: str = "the output",
               terminal_ok: bool = False, option: str = "-o") -> Output:
    """Check ``target`` before any work is done (see the module rules).

    ``protect``: files that must never be written (the archive's database and its
    companions). ``terminal_ok``: binary output may go to a terminal (raw payload bytes,
    asked for by name). Every refusal is a BadInputError naming the path and the fix.
    """
    if target is None or target == STDOUT:
        if binary and not terminal_ok and sys.stdout.isatty():
            raise BadInputError(f"{what} is binary and is not written to a terminal; name a file with "
                                f"{option} FILE, or pipe it ({option} - writes to a pipe)")
        return Output(None, "stdout", binary)
    if not target.strip():
        raise BadInputError(f"{option} needs a file name (or - for stdout); got an empty one")
    path = Path(target)
    if target.endswith(("/", os.sep)) or path.is_dir():
        raise BadInputError(f"{target} is a folder; name a file in it, e.g. {option} "
                            f"{os.path.join(target.rstrip('/' + os.sep) or '/', 'NAME')}")
    for kept in protect:
        if _same_file(path, kept):
            raise BadInputError(f"{target} is the archive's own database file ({kept}); writing there would "
                                f"destroy the archive: choose another {option}")
    absolute = os.path.abspath(target)
    if absolute.startswith(_STREAM_ROOTS) or os.path.realpath(target).startswith(_STREAM_ROOTS):
        return Output(path, target, binary, direct=True)
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        raise BadInputError(f"cannot write {target}: {exc.strerror}; check the path and its permissions") from None
    if mode is not None and not stat.S_ISREG(mode):
        return Output(path, target, binary, direct=True)  # a FIFO, a device, a socket: into it, never over it
    folder = Path(os.path.realpath(target)).parent
    if not folder.is_dir():
        raise BadInputError(f"cannot write {target}: the folder {folder} does not exist; check the path "
                            f"or create the folder")
    return Output(path, target, binary)


def _new_file_mode(existing: Path) -> int:
    try:
        return stat.S_IMODE(os.stat(existing).st_mode)  # a replaced file keeps its permissions
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def _stdout(binary: bool) -> Iterator[IO[Any]]:
    """stdout for data: bytes as they are, text as UTF-8 whatever the terminal's encoding,
    so ``> file`` holds the same bytes as ``-o file``."""
    buffer = getattr(sys.stdout, "buffer", None)
    if buffer is None:  # a stream of text alone (a test's capture)
        yield sys.stdout
        sys.stdout.flush()
        return
    sys.stdout.flush()  # what was printed before comes first
    if binary:
        yield buffer
        buffer.flush()
        return
    text = io.TextIOWrapper(buffer, encoding="utf-8", newline="", write_through=True)
    try:
        yield text
    finally:
        text.flush()
        text.detach()  # stdout stays open


@contextlib.contextmanager
def open_output(output: Output) -> Iterator[IO[Any]]:
    """A handle to write to (text in UTF-8, or binary); the file is in place when the
    block ends without an error, and nothing is left behind when it raises."""
    if output.path is None:
        yield from _stdout(output.binary)
        return
    text_args: dict[str, Any] = {} if output.binary else {"encoding": "utf-8", "newline": ""}
    file_mode = "wb" if output.binary else "w"
    if output.direct:
        try:
            handle = open(output.path, file_mode, **text_args)  # noqa: SIM115 - closed below
        except OSError as exc:
            raise BadInputError(f"cannot write {output.shown}: {exc.strerror}; check the path and its "
                                "permissions") from None
        with handle:
            yield handle
        return
    final = Path(os.path.realpath(output.path))  # a link to a file stays a link
    try:
        fd, temporary = tempfile.mkstemp(dir=final.parent, prefix=f".{final.name}.", suffix=".partial")
    except OSError as exc:
        raise BadInputError(f"cannot write {output.shown}: {exc.strerror}; check the path and its "
                            "permissions") from None
    try:
        os.fchmod(fd, _new_file_mode(final))
        with open(fd, file_mode, **text_args) as handle:
            yield handle
        os.replace(temporary, final)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temporary)  # nothing half-written is left behind
        if isinstance(exc, OSError) and (exc.errno in _WRITE_ERRNOS or exc.filename == temporary):
            raise BadInputError(f"cannot write {output.shown}: {exc.strerror or exc}; check the path, its "
                                "permissions and the free space") from None
        raise


def write_output(output: Output, data: bytes | str) -> None:
    """Write all of ``data`` (bytes for a binary output, text otherwise) to ``output``."""
    with open_output(output) as handle:
        handle.write(data)
