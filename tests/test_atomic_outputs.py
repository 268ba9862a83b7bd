"""Atomic outputs: a build killed while it writes leaves the previous files in dist/ as they
were, and no partial file under their names; the next build removes what the dead one
left; a second build into the same dist/ stops with U-BUSY and writes nothing.

To kill a build at an exact moment, the child process runs `python -m publish build` with
one change: the file publish/build/output.py opens for `PAUSE_AT` writes half its bytes, then
says so (the file SIGNAL) and waits for the file GO. Nothing else of the build is touched.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pikepdf
import pytest

from publish.build.output import publish_files
from publish.build.pipeline import build

from .changes import snapshot
from .conftest import EPOCH, PROJECT

FORMATS = "pdf,epub"
PUBLISHED = ["minimal.pdf", "minimal.pages.json", "minimal.epub"]  # in the order written
WAIT_S = 240.0  # for a build to reach the moment wanted, on a loaded machine

CHILD = """
import os, runpy, sys, time
from pathlib import Path
import publish.build.output

PAUSE_AT, SIGNAL, GO = os.environ["PAUSE_AT"], Path(os.environ["SIGNAL"]), Path(os.environ["GO"])


class Halting:
    def __init__(self, handle):
        self.handle = handle

    def __enter__(self):
        return self

    def __exit__(self, *exception):
        self.handle.close()

    def write(self, data):
        half = len(data) // 2
        self.handle.write(data[:half])
        self.handle.flush()
        os.fsync(self.handle.fileno())
        SIGNAL.write_text(self.handle.name)
        while not GO.exists():
            time.sleep(0.05)
        return half + self.handle.write(data[half:])

    def flush(self):
        self.handle.flush()

    def fileno(self):
        return self.handle.fileno()


def halting_open(file, mode="r", *args, **kwargs):
    handle = open(file, mode, *args, **kwargs)
    named = isinstance(file, (str, os.PathLike))  # not the lock's file descriptor
    return Halting(handle) if named and PAUSE_AT in os.path.basename(file) else handle


publish.build.output.open = halting_open  # the module's name `open`, ahead of the builtin
sys.argv = ["publish", *sys.argv[1:]]
runpy.run_module("publish", run_name="__main__")
"""


def environment(**extra: str) -> dict[str, str]:
    return {**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "PYTHONPATH": str(PROJECT), **extra}


@pytest.fixture
def previous(tmp_path: Path) -> Path:
    """dist/ holding a previous build's files (and a file of someone else's)."""
    dist = tmp_path / "dist"
    dist.mkdir()
    for name in PUBLISHED:
        (dist / name).write_bytes(f"the previous {name}\n".encode())
    (dist / "notes.txt").write_text("not ours\n", encoding="utf-8")
    return dist


@pytest.fixture
def children() -> Iterator[list[subprocess.Popen[bytes]]]:
    """Child processes of the test, killed at its end whatever happened."""
    started: list[subprocess.Popen[bytes]] = []
    yield started
    for child in started:
        if child.poll() is None:
            child.kill()
        child.wait()
        for stream in (child.stdout, child.stderr):
            if stream is not None:
                stream.close()


def start_halting(children: list[subprocess.Popen[bytes]], source: Path, dist: Path,
                  pause_at: str) -> tuple[subprocess.Popen[bytes], Path, Path]:
    """A build that halts halfway through writing the file whose name holds `pause_at`."""
    signal_file, go = dist.parent / "halted", dist.parent / "go"
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, "build", str(source), "-o", str(dist), "--format", FORMATS],
        env=environment(PAUSE_AT=pause_at, SIGNAL=str(signal_file), GO=str(go)),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    children.append(child)
    deadline = time.monotonic() + WAIT_S
    while not signal_file.exists():
        if child.poll() is not None:
            pytest.fail(f"the build ended before it halted: {child.stderr.read().decode()}"
                        if child.stderr else "the build ended before it halted")
        assert time.monotonic() < deadline, "the build never reached the moment wanted"
        time.sleep(0.05)
    return child, signal_file, go


def temporary_files(dist: Path) -> list[str]:
    return sorted(p.name for p in dist.iterdir() if p.name.endswith(".tmp"))


def published(dist: Path) -> dict[str, str]:
    return {name: digest for name, digest in snapshot(dist).items() if not name.endswith(".tmp")}


def assert_complete(dist: Path) -> None:
    """A whole new edition: the PDF opens, its pages are those of pages.json, the EPUB
    is a whole zip."""
    pages = json.loads((dist / "minimal.pages.json").read_text(encoding="utf-8"))
    with pikepdf.open(dist / "minimal.pdf") as pdf:
        assert len(pdf.pages) == len(pages["pages"])
    with zipfile.ZipFile(dist / "minimal.epub") as epub:
        assert epub.testzip() is None


@pytest.mark.parametrize("pause_at", [".minimal.pdf.", ".minimal.epub."],
                         ids=["killed writing the PDF", "killed writing the last file"])
def test_a_killed_build_leaves_the_previous_files(pause_at: str, minimal: Path, previous: Path,
                                                 children: list[subprocess.Popen[bytes]]
                                                 ) -> None:
    before = published(previous)
    child, signal_file, _ = start_halting(children, minimal, previous, pause_at)
    halted_in = Path(signal_file.read_text(encoding="utf-8"))
    assert halted_in.parent == previous and halted_in.exists()  # it was writing, here
    os.kill(child.pid, signal.SIGKILL)
    assert child.wait() == -signal.SIGKILL
    assert published(previous) == before  # every previous file intact, no new name
    left = temporary_files(previous)
    assert halted_in.name in left  # the dead build's partial file, under its own name
    if pause_at == ".minimal.epub.":  # the files written before it were never renamed
        assert len(left) == len(PUBLISHED)

    # The next build publishes a whole edition and removes what the dead one left.
    build(minimal, previous, FORMATS.split(","))
    assert temporary_files(previous) == []
    assert_complete(previous)
    assert (previous / "notes.txt").read_text(encoding="utf-8") == "not ours\n"


def test_a_second_build_stops_with_u_busy(minimal: Path, previous: Path,
                                          children: list[subprocess.Popen[bytes]]) -> None:
    before = published(previous)
    first, _, go = start_halting(children, minimal, previous, ".minimal.pdf.")
    written = temporary_files(previous)
    second = subprocess.run(
        [sys.executable, "-m", "publish", "build", str(minimal), "-o", str(previous),
         "--format", FORMATS], env=environment(), capture_output=True, text=True,
        timeout=WAIT_S, check=False)
    assert second.returncode == 1
    assert "U-BUSY: another build is writing into" in second.stderr, second.stderr
    assert "Traceback" not in second.stderr
    assert temporary_files(previous) == written  # the second build wrote nothing
    assert published(previous) == before
    go.touch()  # the first build goes on, and publishes alone
    assert first.wait(timeout=WAIT_S) == 0
    assert temporary_files(previous) == []
    assert_complete(previous)


def test_publishing_removes_only_its_own_stale_files(tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    dist.mkdir()
    victim = tmp_path / "victim"
    victim.write_text("untouched\n", encoding="utf-8")
    # A stale file of this very process id, planted as a link: never written through.
    (dist / f".minimal.pdf.{os.getpid()}.tmp").symlink_to(victim)
    (dist / ".minimal.epub.123.tmp").write_bytes(b"left by a dead build")
    (dist / ".keep").write_bytes(b"")
    (dist / "draft.tmp").write_bytes(b"someone's")
    publish_files(dist, {"minimal.pdf": b"new PDF", "minimal.epub": b"new EPUB"})
    assert sorted(p.name for p in dist.iterdir()) == [
        ".keep", "draft.tmp", "minimal.epub", "minimal.pdf"]
    assert victim.read_text(encoding="utf-8") == "untouched\n"
    assert (dist / "minimal.pdf").read_bytes() == b"new PDF"


def test_a_failed_write_renames_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "minimal.pdf").write_bytes(b"previous PDF")
    calls = []

    def full_disk(descriptor: int) -> None:
        calls.append(descriptor)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full_disk)
    with pytest.raises(OSError, match="No space left"):
        publish_files(dist, {"minimal.pdf": b"new PDF", "minimal.epub": b"new EPUB"})
    assert sorted(p.name for p in dist.iterdir()) == ["minimal.pdf"]
    assert (dist / "minimal.pdf").read_bytes() == b"previous PDF"
