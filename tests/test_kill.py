"""Nothing lost, nothing outside touched (issue 14): the cache survives being killed.

Twenty builds of the small book, each sent SIGKILL (it and every process it started) at a
random moment of a build's time, some of them after an edit of the source, so that the
cache beside the output folder holds entries of several keys. After each kill the output
folder holds nothing, or only whole files (each one parses), and at most the temporary
files the dead build left, and every entry of the cache is whole. After the twenty, a build
with the cache must succeed and write exactly the files of a fresh build without it, leave
no temporary file, and nothing may have appeared outside the output folder, its cache and
its lock (the system's temporary folder included: the builds are given one of the test's
own, and what they leave there is reported).

The moments are drawn by a seeded generator: PUBLISH_KILL_SEED=<n> replays a run, and a
failure prints the seed and every round's moment. One long test in a module of its own, on
files under tmp_path only: it runs beside the other modules on another xdist worker.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
import pytest
from lxml import etree

from publish.build.pipeline import cache_folder

from .changes import snapshot
from .conftest import EPOCH, PROJECT

ROUNDS = 20
SEED = int(os.environ.get("PUBLISH_KILL_SEED", "14"))
EDITED = "text/01-first.md"
WORD = "This is the first letter."  # the sentence some rounds change, and the last one restores
TIMEOUT_S = 120.0  # one build, on a loaded machine
TEMPORARY = re.compile(r"^\..+\.[0-9]+\.tmp$")  # what a build names a file it is writing


@dataclass
class Round:
    number: int
    edit: str | None
    delay: float
    returncode: int | None = None
    held: str = ""
    cached: list[str] = field(default_factory=list)  # the cache's entries after the round

    def __str__(self) -> str:
        edit = f"edit {self.edit!r}" if self.edit else "source as shipped"
        entries = Counter(name.partition("/")[0] for name in self.cached)
        return (f"round {self.number}: {edit}, SIGKILL after {self.delay:.3f} s, exit "
                f"{self.returncode}, out held {self.held or 'nothing'}; the cache "
                f"{dict(sorted(entries.items())) or 'empty'}")


def command(book: Path, out: Path, *options: str) -> list[str]:
    return [sys.executable, "-m", "publish", "build", str(book), "-o", str(out), *options]


def environment(tmp: Path) -> dict[str, str]:
    return {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "PYTHONPATH": str(PROJECT),
            "TMPDIR": str(tmp)}


def whole(path: Path) -> str | None:
    """Why the file is not a whole one of its kind, or None."""
    try:
        data = path.read_bytes()
        if path.suffix == ".pdf":
            with pikepdf.open(path) as pdf:
                if len(pdf.pages) == 0:
                    return "a PDF of no pages"
        elif path.suffix == ".epub":
            with zipfile.ZipFile(path) as epub:
                bad = epub.testzip()
                if bad is not None:
                    return f"a damaged member {bad}"
                if epub.read("mimetype") != b"application/epub+zip":
                    return "no EPUB mimetype"
        elif path.suffix == ".json":
            json.loads(data)
        elif path.suffix == ".xml":
            etree.fromstring(data)
        elif path.suffix == ".mrc":  # ISO 2709: each record's length stands in its leader
            at = 0
            while at < len(data):
                length = int(data[at:at + 5])
                if length < 24 or data[at + length - 1:at + length] != b"\x1d":
                    return f"a MARC record cut short at byte {at}"
                at += length
            if at != len(data) or not data:
                return "MARC records of the wrong lengths"
        else:
            return "a file of a kind no build writes"
    except Exception as error:  # any failure to read it is the finding
        return f"{type(error).__name__}: {error}"
    return None


def half_entries(cache: Path) -> list[str]:
    """The cache's entries (`<stage>/<key>/`, not a temporary name) that are not whole:
    facts.json unread, or a file it lists missing or not of its SHA-256. The cache writes
    an entry under a temporary name and renames it into place, so a killed build leaves
    none (publish/build/cache.py)."""
    half = []
    for entry in sorted(cache.glob("*/*")):
        if entry.name.startswith("."):
            continue
        try:
            listed = json.loads((entry / "facts.json").read_bytes())["files"]
            if any(hashlib.sha256((entry / "files" / name).read_bytes()).hexdigest() != sha
                   for name, sha in listed.items()):
                half.append(f"{entry.relative_to(cache)} (a file not as its hash)")
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as error:
            half.append(f"{entry.relative_to(cache)} ({type(error).__name__}: {error})")
    return half


def listing(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()} if folder.exists() else set()


def left_in(path: Path) -> str:
    """A file or folder, its size and (a folder) the names of a few of its files."""
    if not path.is_dir() or path.is_symlink():
        return f"{path.name} ({path.lstat().st_size:,} bytes)"
    files = [p for p in path.rglob("*") if p.is_file()]
    names = ", ".join(sorted(p.name for p in files)[:2])
    return (f"{path.name}/ ({len(files)} files, {sum(p.stat().st_size for p in files):,} bytes"
            + (f": {names}{', ...' if len(files) > 2 else ''})" if files else ")"))


def run_killed(book: Path, out: Path, env: dict[str, str], delay: float) -> int:
    """A build into `out`, with its cache, and SIGKILL to its process group after `delay`
    seconds (if it is still running then): its exit status."""
    child = subprocess.Popen(command(book, out), env=env, start_new_session=True,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=delay)
        # The build and anything it started (qpdf); a build already ended has no group.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(child.pid, signal.SIGKILL)
        _, stderr = child.communicate(timeout=TIMEOUT_S)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    if child.returncode not in (0, -signal.SIGKILL):
        raise AssertionError(f"a build ended by itself with {child.returncode}: "
                             f"{stderr.decode(errors='replace')}")
    return child.returncode


def test_builds_killed_at_random_moments_leave_a_cache_that_builds_right(
        minimal: Path, tmp_path: Path) -> None:
    rng = random.Random(SEED)
    temp = tmp_path / "tmp"  # the builds' TMPDIR: what they leave there is seen
    temp.mkdir()
    env = environment(temp)
    work = tmp_path / "work"
    work.mkdir()
    out, fresh = work / "dist", tmp_path / "fresh" / "dist"
    fresh.parent.mkdir()
    cache = cache_folder(out)  # beside out, where the build keeps it
    ours = {out.name, f".{out.name}.lock", cache.name}  # all a build makes beside out
    shipped = snapshot(minimal)
    around = listing(tmp_path)

    started = time.monotonic()
    reference = subprocess.run(command(minimal, fresh, "--no-cache"), env=env,
                               capture_output=True, text=True, timeout=TIMEOUT_S, check=False)
    build_s = time.monotonic() - started
    assert reference.returncode == 0, reference.stderr
    # Most of a small build is Python loading the libraries, when nothing is written: the
    # moments are drawn from the rest, where the stages write the cache and the output.
    started = time.monotonic()
    subprocess.run([sys.executable, "-c", "import publish.cli"], cwd=PROJECT, check=True,
                   timeout=TIMEOUT_S)
    loading_s = min(time.monotonic() - started, build_s / 2)
    expected = snapshot(fresh)

    rounds: list[Round] = []

    def fail(message: str) -> None:
        pytest.fail(f"{message}\nseed {SEED} (PUBLISH_KILL_SEED replays it), a build "
                    f"{build_s:.2f} s;\n" + "\n".join(map(str, rounds)), pytrace=False)

    text = (minimal / EDITED).read_text(encoding="utf-8")
    for number in range(1, ROUNDS + 1):
        edit = f"This is the letter of round {number}." if rng.random() < 0.4 else None
        if edit is None and rng.random() < 0.5:
            edit = "This is the second draft."  # an edit some rounds share: a key met again
        (minimal / EDITED).write_text(text.replace(WORD, edit) if edit else text,
                                      encoding="utf-8")
        this = Round(number, edit, rng.uniform(loading_s, build_s))
        rounds.append(this)
        try:
            this.returncode = run_killed(minimal, out, env, this.delay)
        except AssertionError as error:
            fail(f"round {number}: {error}")
        names = sorted(listing(out))
        this.held = ", ".join(names)
        this.cached = sorted(p.relative_to(cache).as_posix() for p in cache.glob("*/*"))
        broken = {name: why for name in names if not TEMPORARY.match(name)
                  for why in [whole(out / name)] if why}
        if broken:
            fail(f"after round {number}, out holds files that are not whole: {broken}")
        hidden = [n for n in names if n.startswith(".") and not TEMPORARY.match(n)]
        if hidden:
            fail(f"after round {number}, out holds hidden files no build names so: {hidden}")
        if listing(work) - ours:
            fail(f"after round {number}, beside out: {sorted(listing(work) - ours)}")
        half = half_entries(cache)
        if half:
            fail(f"after round {number}, the cache holds entries cut short: {half}")

    (minimal / EDITED).write_text(text, encoding="utf-8")
    final = subprocess.run(command(minimal, out), env=env, capture_output=True, text=True,
                           timeout=TIMEOUT_S, check=False)
    if final.returncode != 0:
        fail(f"the build after the kills failed ({final.returncode}): {final.stderr}")
    problems = []
    built = snapshot(out)
    left = sorted(name for name in built if name.startswith("."))
    if left:
        problems.append(f"the last build left temporary files in out: {left}")
    differ = sorted(name for name in expected.keys() | built.keys()
                    if expected.get(name) != built.get(name) and not name.startswith("."))
    if differ:
        problems.append(f"the build after the kills differs from a fresh one in {differ} "
                        f"(its output: {final.stdout.strip()[:400]!r})")
    if listing(work) != ours:
        problems.append(f"beside out, after the kills: {sorted(listing(work))}, "
                        f"not {sorted(ours)}")
    if snapshot(minimal) != shipped:
        problems.append("the source is not as it was: a build wrote into it")
    if listing(tmp_path) != around:
        problems.append(f"new in the test's folder: {sorted(listing(tmp_path) - around)}")
    if listing(temp):
        problems.append(
            "the killed builds left these in their temporary folder (TMPDIR, else the "
            "system's /tmp), which no later build removes: "
            + ", ".join(left_in(temp / name) for name in sorted(listing(temp))))
    if problems:
        fail("\n".join(problems))
