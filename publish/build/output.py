"""The output folder: every file written under a temporary name and renamed into place, in
a burst at the end, under a lock beside the folder, so a failed or killed build leaves the
last good files as they were and two builds never interleave."""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import re
import signal
from collections.abc import Iterator
from pathlib import Path

from publish.errors import CODES, EnvironmentProblem, PublishError

# What publish_files names its temporary files: `.<name>.<pid>.tmp`.
_TEMPORARY = re.compile(r"^\..+\.[0-9]+\.tmp$")


def publish_files(out: Path, files: dict[str, bytes]) -> dict[str, Path]:
    """Write every file under a temporary name, then rename them all into place.

    Called under the lock, so a temporary file already there was left by a build that
    died (killed, or the machine stopped): it is removed first. Each one is created
    anew (`x`), never opened through a name that something else put there."""
    out.mkdir(exist_ok=True)
    for name in files:
        if (out / name).is_dir() and not (out / name).is_symlink():
            # os.replace cannot put a file there: found now, before any file is renamed.
            raise IsADirectoryError(errno.EISDIR, "a folder stands where the build writes a "
                                    "file", str(out / name))
    for stale in out.iterdir():
        if _TEMPORARY.match(stale.name):
            stale.unlink(missing_ok=True)
    written: dict[str, Path] = {}
    temporary = []
    try:
        for name, data in files.items():
            temp = out / f".{name}.{os.getpid()}.tmp"
            with open(temp, "xb") as handle:
                temporary.append((temp, out / name))
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        # The renames are the one moment a Ctrl-C would leave some new files beside some
        # old ones: it waits until they are done.
        with _uninterrupted():
            for temp, final in temporary:
                os.replace(temp, final)
                written[final.name] = final
    finally:
        for temp, _ in temporary:
            temp.unlink(missing_ok=True)
    return written



@contextlib.contextmanager
def _uninterrupted() -> Iterator[None]:
    """SIGINT and SIGTERM held back (delivered when the block ends)."""
    held = {signal.SIGINT, signal.SIGTERM}
    before = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, before)


@contextlib.contextmanager
def locked(out: Path) -> Iterator[None]:
    """Hold a lock beside `out` (not in it, so a failed build adds nothing to it)."""
    if not out.parent.is_dir():
        raise EnvironmentProblem("E-OUT-NO-PARENT", f"the folder {out.parent} does not exist "
                                 f"(or is not a folder), so {out.name}/ cannot be made in it",
                                 f"create it (mkdir -p {out.parent}), or build elsewhere "
                                 "with -o")
    if out.exists() and not out.is_dir():
        raise EnvironmentProblem("E-OUT-NOT-FOLDER", f"{out} is a file, not a folder",
                                 "remove or rename it, or build elsewhere with -o")
    # O_NOFOLLOW: the lock file is never a link to some other file, which "w" would empty.
    descriptor = os.open(out.parent / f".{out.name}.lock",
                         os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    with open(descriptor, "r+b") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise PublishError("U-BUSY", f"another build is writing into {out}",
                               "wait for it to finish, or build into another folder") from None
        yield


# What the system says, as what a user can do about it.
_FAULTS = {
    errno.EACCES: "E-OUT-DENIED", errno.EPERM: "E-OUT-DENIED", errno.EROFS: "E-OUT-DENIED",
    errno.ENOTDIR: "E-OUT-NOT-FOLDER", errno.EEXIST: "E-OUT-NOT-FOLDER",
    errno.EISDIR: "E-OUT-NOT-FOLDER", errno.ENOTEMPTY: "E-OUT-NOT-FOLDER",
    errno.ENOSPC: "E-DISK-FULL", errno.EDQUOT: "E-DISK-FULL", errno.EFBIG: "E-DISK-FULL",
    errno.ENAMETOOLONG: "E-NAME-TOO-LONG", errno.ENOENT: "E-OUT-NO-PARENT",
}


def environment_error(error: OSError) -> PublishError:
    """An OSError of writing the build's files (the output folder, its lock, its cache or
    a temporary file) as the fault of the machine it is, with its fix."""
    code = _FAULTS.get(error.errno or 0, "E-OUT-WRITE")
    where = f": {error.filename}" if error.filename else ""
    return EnvironmentProblem(code, f"{error.strerror or error}{where}", CODES[code].fix)
