"""`python -m publish` and the `publish` command: the process around the command.

Everything is imported inside main()'s guard, the standard library's modules too: a
Ctrl-C while the libraries load (the first second of a run) ends, like one at any later
moment (`cli._reporting`), with one line and exit status 130, not a traceback. While the
package and its libraries load, SIGINT is held back (blocked, not lost) and delivered as
soon as they have loaded: a native extension's start-up code cannot take an interrupt
(pikepdf's nanobind aborts the process with "Critical nanobind error" when a
KeyboardInterrupt comes while it makes its enums), so a Ctrl-C then waits the moment it
takes.

And the process keeps its temporary files in a folder of its own, `$TMPDIR/publish-<uid>/
<pid>/`, removed when it ends: WeasyPrint's font folders, cffi's probes of the C compiler
while WeasyPrint loads, the preflight's copies. A process killed (SIGKILL, a machine that
stopped) cannot remove its folder, so each run first removes those of processes that are
gone: nothing a build made is left behind for good.
"""

import sys  # built in: loaded before any code of the package runs
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import typer


def _unraisable(hook: "sys.UnraisableHookArgs") -> None:
    """A Ctrl-C that came while Python ran a finalizer (WeasyPrint's FontConfiguration
    .__del__): Python would print it as "Exception ignored in ..." with a traceback and go
    on. Raised again, in the main flow, it ends the run as any Ctrl-C does; anything else
    a finalizer raises is not the user's to see."""
    if isinstance(hook.exc_value, KeyboardInterrupt):
        import os
        import signal
        import threading

        # From another thread, a moment later: the signal's handler then raises in the
        # main thread's own code, not in this hook (nor in the finalizer it came from).
        threading.Timer(0.01, os.kill, (os.getpid(), signal.SIGINT)).start()


def main() -> None:
    sys.unraisablehook = _unraisable
    folder, interrupted = None, False
    try:
        folder = _own_temporary_folder()
        app = _load()

        app(prog_name="publish")
    except KeyboardInterrupt:
        from publish.errors import INTERRUPTED_MESSAGE

        print(INTERRUPTED_MESSAGE, file=sys.stderr)
        interrupted = True
    except SystemExit as stop:
        if stop.code != 130:  # cli._reporting said it was interrupted: ended below too
            raise
        interrupted = True
    finally:
        if folder is not None:
            _remove(folder)
    if not interrupted:
        return
    # Interrupted: the process ends here, its files removed, with 130. Not through the
    # interpreter's shutdown, where a KeyboardInterrupt still pending (in a thread's join)
    # would end it as killed by SIGINT instead.
    import os

    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(130)


def _load() -> "typer.Typer":
    """The command, its modules and libraries loaded with SIGINT held back (see above)."""
    import signal

    held = hasattr(signal, "pthread_sigmask")
    if held:
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        from publish.cli import app
    finally:
        if held:  # a Ctrl-C that came meanwhile is raised here, caught in main()
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    return app


def _own_temporary_folder() -> str | None:
    """Make the process's folder and point TMPDIR at it (children, qpdf and Java, use it
    too); None, and the system's folder as before, where it cannot be made safely."""
    import os
    import shutil
    import stat
    import tempfile
    from pathlib import Path

    base = Path(tempfile.gettempdir()) / f"publish-{os.getuid()}"
    try:
        base.mkdir(mode=0o700, exist_ok=True)
        found = base.lstat()
        if not stat.S_ISDIR(found.st_mode) or found.st_uid != os.getuid():
            return None  # a link, or made by someone else: not used
        for left in base.iterdir():
            if left.name.isdigit() and not _running(int(left.name)):
                shutil.rmtree(left, ignore_errors=True)
        folder = base / str(os.getpid())
        folder.mkdir(mode=0o700)
    except OSError:
        return None
    os.environ["TMPDIR"] = tempfile.tempdir = str(folder)
    return str(folder)


def _running(pid: int) -> bool:
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove(folder: str) -> None:
    import contextlib
    import os
    import shutil

    shutil.rmtree(folder, ignore_errors=True)
    with contextlib.suppress(OSError):
        os.rmdir(os.path.dirname(folder))  # when no other run is using it


if __name__ == "__main__":
    main()
