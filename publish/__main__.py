"""`python -m publish` and the `publish` command: the process around the command.

Everything is imported inside the guard: a Ctrl-C while the libraries load (the first
second of a run) ends, like one at any later moment (`cli._reporting`), with one line and
exit status 130, not a traceback.

And the process keeps its temporary files in a folder of its own, `$TMPDIR/publish-<uid>/
<pid>/`, removed when it ends: WeasyPrint's font folders, cffi's probes of the C compiler
while WeasyPrint loads, the preflight's copies. A process killed (SIGKILL, a machine that
stopped) cannot remove its folder, so each run first removes those of processes that are
gone: nothing a build made is left behind for good.
"""

import contextlib
import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path


def main() -> None:
    try:
        with _own_temporary_folder():
            from publish.cli import app

            app(prog_name="publish")
    except KeyboardInterrupt:
        from publish.errors import INTERRUPTED, INTERRUPTED_MESSAGE

        print(INTERRUPTED_MESSAGE, file=sys.stderr)
        sys.exit(INTERRUPTED)


@contextlib.contextmanager
def _own_temporary_folder() -> Iterator[None]:
    base = Path(tempfile.gettempdir()) / f"publish-{os.getuid()}"
    try:
        base.mkdir(mode=0o700, exist_ok=True)
        mine = base.lstat()
        if not stat.S_ISDIR(mine.st_mode) or mine.st_uid != os.getuid():
            raise OSError("not this user's folder")  # made by someone else: not used
        for left in base.iterdir():
            if left.name.isdigit() and not _running(int(left.name)):
                shutil.rmtree(left, ignore_errors=True)
        folder = base / str(os.getpid())
        folder.mkdir(mode=0o700)
    except OSError:  # no folder of its own: the system's, as before
        yield
        return
    before = os.environ.get("TMPDIR")
    os.environ["TMPDIR"] = tempfile.tempdir = str(folder)  # children (qpdf, Java) too
    try:
        yield
    finally:
        tempfile.tempdir = None
        if before is None:
            os.environ.pop("TMPDIR", None)
        else:
            os.environ["TMPDIR"] = before
        shutil.rmtree(folder, ignore_errors=True)
        with contextlib.suppress(OSError):
            base.rmdir()  # when no other run is using it


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


if __name__ == "__main__":
    main()
