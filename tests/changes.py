"""Changes to a copy of a sample book, as the bad- and hostile-source corpora write them.

A change names a `file` of the book (or `fonts/...`, a file of a copy of the shipped
fonts folder) and one of: `replace: [old, new]` (the first occurrence; a lone surrogate
such as "\\udcff" writes the raw byte ff, which is how a case holds invalid UTF-8),
`append: text`, `write: text`, `delete: true`, or `symlink: target` (the file or folder
becomes a symbolic link to `target`, absolute or relative to the folder it is in).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import resource
import shutil
import signal
import stat
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .conftest import PROJECT

FONTS = PROJECT / "fonts"


def fonts_copy(folder: Path) -> Path:
    """A copy of the shipped fonts folder, named `fonts` as messages name it."""
    copy = folder / "fonts"
    if not copy.exists():
        shutil.copytree(FONTS, copy)
    return copy


def apply(book: Path, case: dict[str, Any]) -> Path | None:
    """Make the change; return the fonts folder the build must use if it changed one."""
    fonts = None
    if case["file"].startswith("fonts/"):
        fonts = fonts_copy(book.parent)
        path = fonts / case["file"].removeprefix("fonts/")
    else:
        path = book / case["file"]
    path.parent.mkdir(parents=True, exist_ok=True)  # a file of a new folder (images/)
    if case.get("delete"):
        path.unlink()
    elif "symlink" in case:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        path.unlink(missing_ok=True)
        os.symlink(case["symlink"], path)
    else:
        if "write" in case:
            text = case["write"]
        elif "append" in case:
            text = path.read_text(encoding="utf-8") + case["append"]
        else:
            old, new = case["replace"]
            text = path.read_text(encoding="utf-8")
            assert old in text, f"the case's text to replace is not in {case['file']}: {old!r}"
            text = text.replace(old, new, 1)
        path.unlink(missing_ok=True)  # never write through a link into a shipped file
        path.write_bytes(text.encode("utf-8", "surrogateescape"))
    return fonts


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under `folder` (dot files too) by its SHA-256."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def around(folder: Path) -> dict[str, str]:
    """Everything under `folder` as it is (the tree around a build: the book, the output
    folder, what lies beside them), without following a link or opening a FIFO."""
    found: dict[str, str] = {}
    for top, folders, names in os.walk(folder):  # links to folders are not followed
        for name in folders + names:
            path = Path(top) / name
            mode = path.lstat().st_mode
            key = str(path.relative_to(folder))
            if stat.S_ISLNK(mode):
                found[key] = f"link {os.readlink(path)}"
            elif stat.S_ISREG(mode):
                found[key] = (f"large {path.lstat().st_size}" if path.lstat().st_size > 1 << 24
                              else hashlib.sha256(path.read_bytes()).hexdigest())
            else:
                found[key] = f"kind {stat.S_IFMT(mode)}"
    return found


class TooLong(Exception):
    """A build that ran past its time."""


MEMORY = 1 << 30  # address space a build of the small book may add: it needs < 300 MB
SECONDS = 60  # a build of the small book, on a loaded machine, takes under 10 s


@contextlib.contextmanager
def bounded(memory: int = MEMORY, seconds: int = SECONDS) -> Iterator[None]:
    """Run the block as under `prlimit`: at most `memory` bytes of address space more than
    the process holds now (beyond it, allocations fail), and an alarm after `seconds` (a
    build that waits on a FIFO, or runs away in a quadratic loop, fails the test instead
    of hanging the suite)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    pages = int(Path("/proc/self/statm").read_text().split()[0])
    limit = pages * resource.getpagesize() + memory
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    timed = threading.current_thread() is threading.main_thread()

    def alarm(signum: int, frame: object) -> None:
        raise TooLong(f"the build ran for more than {seconds} s")

    before = signal.signal(signal.SIGALRM, alarm) if timed else None
    if timed:
        signal.alarm(seconds)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
        if timed:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, before)
