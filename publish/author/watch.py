"""`publish watch`: build once, then again after every save, until stopped.

A build that fails writes nothing (build.py), so `dist/` keeps the last good files while
the source has an error; the loop reports the error and goes on watching. watchfiles
waits until the changes have settled (an editor's save can be several writes) and hands
over every change since the last build, so a save during a build is not lost.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import watchfiles

from publish.build.pipeline import ORDER, build
from publish.errors import PublishError
from publish.resources import FONTS, STYLES

TICK_MS = 300  # how often the watcher wakes when nothing changes


@dataclass(frozen=True)
class Outcome:
    """One build of the loop: what set it off (nothing for the first), how long it took,
    and what it wrote or why it failed."""

    changed: list[str]
    seconds: float
    files: list[Path] = field(default_factory=list)
    error: PublishError | None = None


def watch(source: Path, out: Path, report: Callable[[Outcome], None], *,
          stop: threading.Event | None = None, max_rebuilds: int | None = None,
          fonts: Path = FONTS, debounce_ms: int = 400) -> int:
    """Build `source` into `out`, then rebuild on every change of the source, the fonts
    or the style sheets, calling `report` after each build. Returns the number of
    rebuilds when `stop` is set, after `max_rebuilds` rebuilds, or on Ctrl-C."""
    if not source.is_dir():
        raise PublishError("S-FILE-MISSING", f"there is no folder '{source}' to watch",
                           "name the book's folder (the one holding book.yaml)")
    roots = [source.resolve(), fonts.resolve(), STYLES.resolve()]
    rebuilds = 0
    first = True
    # The first build waits for the watcher's first tick: watching begins before it, so a
    # save made during the first build sets off the next one instead of being missed.
    for changes in watchfiles.watch(*roots, watch_filter=_Ignored(out), stop_event=stop,
                                    debounce=debounce_ms, raise_interrupt=False,
                                    yield_on_timeout=True, rust_timeout=TICK_MS):
        if first:
            first = False
            report(_build(source, out, fonts, []))
            if max_rebuilds == 0:
                break
            continue
        changed = _described(changes, roots)
        if not changed:
            continue  # a tick with no change, or an editor's temporary file came and went
        report(_build(source, out, fonts, changed))
        rebuilds += 1
        if max_rebuilds is not None and rebuilds >= max_rebuilds:
            break
    return rebuilds


class _Ignored(watchfiles.DefaultFilter):
    """watchfiles' own filter (editor swap files, .git, caches) and the build's own files,
    should `out` lie inside the source: a build must not set off the next one."""

    def __init__(self, out: Path) -> None:
        self.out = out.resolve()
        self.lock = self.out.parent / f".{self.out.name}.lock"
        super().__init__()

    def __call__(self, change: watchfiles.Change, path: str) -> bool:
        where = Path(path)
        if where == self.lock or where.is_relative_to(self.out):
            return False
        return bool(super().__call__(change, path))


def _build(source: Path, out: Path, fonts: Path, changed: list[str]) -> Outcome:
    started = time.monotonic()
    try:
        built = build(source, out, ORDER, "kdp", fonts=fonts)
    except PublishError as error:
        return Outcome(changed, time.monotonic() - started, error=error)
    except Exception as error:  # a bug: say so, and keep watching
        if os.environ.get("PUBLISH_DEBUG"):
            raise
        return Outcome(changed, time.monotonic() - started, error=PublishError(
            "E-INTERNAL", f"{type(error).__name__}: {error}",
            "this is a bug in publish; run again with PUBLISH_DEBUG=1 and report the traceback"))
    return Outcome(changed, time.monotonic() - started, files=list(built.files.values()))


def _described(changes: set[tuple[watchfiles.Change, str]], roots: list[Path]) -> list[str]:
    """The files changed, `(deleted)` marking those gone. Not `added` or `modified`: many
    editors save by writing a new file and renaming it over the old, which is seen as one
    added. An editor's temporary file, made and removed within the save, is left out."""
    kinds: dict[str, set[watchfiles.Change]] = {}
    for kind, path in changes:
        kinds.setdefault(path, set()).add(kind)
    passing = {watchfiles.Change.added, watchfiles.Change.deleted}
    return sorted(_shown(Path(path), roots) + ("" if Path(path).exists() else " (deleted)")
                  for path, seen in kinds.items() if not passing <= seen or Path(path).exists())


def _shown(path: Path, roots: list[Path]) -> str:
    """The changed file relative to the folder watched (the book's, fonts/ or styles/)."""
    for root in roots:
        if path.is_relative_to(root):
            return str(path.relative_to(root.parent))
    return str(path)
