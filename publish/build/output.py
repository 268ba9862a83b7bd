"""The output folder: every file written under a temporary name and renamed into place, in
a burst at the end, under a lock beside the folder, so a failed or killed build leaves the
last good files as they were and two builds never interleave."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
from collections.abc import Iterator
from pathlib import Path

from publish.errors import PublishError

# What publish_files names its temporary files: `.<name>.<pid>.tmp`.
_TEMPORARY = re.compile(r"^\..+\.[0-9]+\.tmp$")


def publish_files(out: Path, files: dict[str, bytes]) -> dict[str, Path]:
    """Write every file under a temporary name, then rename them all into place.

    Called under the lock, so a temporary file already there was left by a build that
    died (killed, or the machine stopped): it is removed first. Each one is created
    anew (`x`), never opened through a name that something else put there."""
    out.mkdir(parents=True, exist_ok=True)
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
        for temp, final in temporary:
            os.replace(temp, final)
            written[final.name] = final
    finally:
        for temp, _ in temporary:
            temp.unlink(missing_ok=True)
    return written



@contextlib.contextmanager
def locked(out: Path) -> Iterator[None]:
    """Hold a lock beside `out` (not in it, so a failed build adds nothing to it)."""
    out.parent.mkdir(parents=True, exist_ok=True)
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
