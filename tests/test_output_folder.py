"""The output folder and the machine: a folder that cannot be the output is refused before
anything is written, and each fault of the machine (no permission, a file in the way, a
missing parent, a full disk, a name too long, a date out of range, Ctrl-C) ends as itself:
its own code, its cause and fix, exit status 1 (130 for Ctrl-C), never E-INTERNAL, and
the last good files as they were."""

from __future__ import annotations

import os
import re
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from publish.build.pipeline import build, cache_folder
from publish.cli import app

from .changes import around, snapshot
from .conftest import EPOCH, PROJECT


def run(source: Path, out: Path, *options: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["build", str(source), "-o", str(out), *options])
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def refused(output: str, code: str) -> None:
    """One message, with the code, a cause and a fix."""
    assert len(re.findall(r"^error:", output, re.MULTILINE)) == 1, output
    assert f"{code}:" in output, output
    assert "fix:" in output, output
    assert "E-INTERNAL" not in output


@pytest.mark.parametrize("where", ["the book's folder", "the folder holding it",
                                   "the folder of its text files", "inside that folder"])
def test_the_output_is_a_folder_of_its_own(minimal: Path, where: str) -> None:
    out = {"the book's folder": minimal, "the folder holding it": minimal.parent,
           "the folder of its text files": minimal / "text",
           "inside that folder": minimal / "text" / "dist"}[where]
    before = snapshot(minimal.parent)
    status, output = run(minimal, out)
    assert status == 2
    refused(output, "U-OUT-SOURCE")
    assert snapshot(minimal.parent) == before  # not even a lock file


def test_an_output_inside_the_book_beside_book_yaml_is_allowed(minimal: Path) -> None:
    status, output = run(minimal, minimal / "dist", "--format", "epub")
    assert status == 0, output
    assert (minimal / "dist" / "minimal.epub").is_file()


def test_one_folder_named_two_ways_is_one_build(minimal: Path, tmp_path: Path) -> None:
    """The lock and the cache belong to the folder, not to the name it is given: a build
    through a link to the output folder waits for (refuses to run beside) one into it."""
    from publish.build.output import locked

    (tmp_path / "dist").mkdir()
    (tmp_path / "alias").symlink_to(tmp_path / "dist", target_is_directory=True)
    with locked((tmp_path / "dist").resolve()):
        status, output = run(minimal, tmp_path / "alias")
    assert status == 1
    refused(output, "U-BUSY")
    build(minimal, tmp_path / "alias", ["epub"])
    assert cache_folder(tmp_path / "dist").is_dir()
    assert not cache_folder(tmp_path / "alias").exists()
    assert build(minimal, tmp_path / "dist", ["epub"]).reused == ["build"]


def test_an_output_that_is_a_file(minimal: Path, tmp_path: Path) -> None:
    (tmp_path / "dist").write_text("a file, not a folder", encoding="utf-8")
    status, output = run(minimal, tmp_path / "dist")
    assert status == 1
    refused(output, "E-OUT-NOT-FOLDER")
    assert (tmp_path / "dist").read_text(encoding="utf-8") == "a file, not a folder"


def test_a_file_of_the_build_is_a_folder_in_the_output(minimal: Path, last_good: Path) -> None:
    (last_good / "minimal.epub").unlink()
    (last_good / "minimal.epub").mkdir()
    (last_good / "minimal.epub" / "mine.txt").write_text("kept", encoding="utf-8")
    before = snapshot(last_good)
    status, output = run(minimal, last_good, "--format", "pdf,epub")
    assert status == 1
    refused(output, "E-OUT-NOT-FOLDER")
    assert snapshot(last_good) == before


def test_an_output_whose_parent_does_not_exist(minimal: Path, tmp_path: Path) -> None:
    status, output = run(minimal, tmp_path / "missing" / "dist")
    assert status == 1
    refused(output, "E-OUT-NO-PARENT")
    assert not (tmp_path / "missing").exists()


def test_an_output_that_cannot_be_written(minimal: Path, tmp_path: Path) -> None:
    if os.geteuid() == 0:  # root writes anywhere but where the kernel itself refuses
        out = Path("/sys/publish-test-dist")
    else:
        (tmp_path / "closed").mkdir(mode=0o555)
        out = tmp_path / "closed" / "dist"
    status, output = run(minimal, out)
    assert status == 1
    refused(output, "E-OUT-DENIED")
    assert not out.exists()


def test_a_name_too_long(minimal: Path, tmp_path: Path) -> None:
    status, output = run(minimal, tmp_path / ("d" * 300))
    assert status == 1
    refused(output, "E-NAME-TOO-LONG")


def test_a_full_disk_leaves_the_last_good_files(minimal: Path, last_good: Path) -> None:
    """The disk fills while the files are written (here: a limit on the size of a file,
    which the system reports as a write that fails, as it does a full disk)."""
    before = snapshot(last_good)
    limit = 200_000  # the editions of the small book are larger; its text files smaller

    def small_files() -> None:
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    done = subprocess.run(
        [sys.executable, "-m", "publish", "build", str(minimal), "-o", str(last_good),
         "--no-cache"], capture_output=True, text=True, check=False, preexec_fn=small_files,
        env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH}, cwd=PROJECT)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    refused(done.stderr, "E-DISK-FULL")
    assert snapshot(last_good) == before


@pytest.mark.parametrize("epoch", ["99999999999", "-1", "4354819200"])
def test_a_build_date_out_of_range(minimal: Path, last_good: Path, epoch: str,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    before = snapshot(last_good)
    status, output = run(minimal, last_good)
    assert status == 1
    refused(output, "E-DATE")
    assert snapshot(last_good) == before


def test_a_source_file_dated_far_in_the_future(minimal: Path, last_good: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    os.utime(minimal / "text" / "02-second.md", (5_000_000_000, 5_000_000_000))
    status, output = run(minimal, last_good)
    assert status == 1
    refused(output, "E-DATE")
    assert "minimal/text/02-second.md" in output


@pytest.mark.parametrize("after", [0.0, 0.1, 0.3, 0.8, 1.5, 2.5, 4.0])
def test_ctrl_c_at_any_moment_is_one_line_and_130(minimal: Path, last_good: Path,
                                                  tmp_path: Path, after: float) -> None:
    """From the first imports to the last file: one line, exit status 130, and the last
    good files, or the new ones whole (a build that was done when the signal came). The
    moments count from when publish's code starts (its own temporary folder appears):
    before that, the Python interpreter is still starting, and its own KeyboardInterrupt
    is not publish's to catch."""
    before = snapshot(last_good)
    (tmp_path / "tmp").mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "publish", "build", str(minimal), "-o", str(last_good),
         "--no-cache"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH, "TMPDIR": str(tmp_path / "tmp")},
        cwd=PROJECT)
    started = tmp_path / "tmp" / f"publish-{os.getuid()}" / str(process.pid)
    while not started.exists() and process.poll() is None:
        time.sleep(0.002)
    time.sleep(after)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=120)
    assert "Traceback" not in stderr
    if "wrote " in stderr:  # it had finished: the signal came as (or after) the process ended
        assert process.returncode in (0, -signal.SIGINT), stderr
        assert sorted(p.name for p in last_good.iterdir()) == sorted(
            Path(line.split()[1]).name for line in stderr.splitlines() if line.startswith("wrote"))
        return
    assert process.returncode == 130, stderr
    assert [line for line in stderr.splitlines() if line.strip()] == [
        "publish: interrupted (Ctrl-C); the last good files are as they were"], stderr
    assert snapshot(last_good) == before
    assert not any((tmp_path / "tmp").iterdir())  # its temporary files removed


def test_an_output_that_is_a_link_to_nothing(minimal: Path, tmp_path: Path) -> None:
    """Followed, the link would have the build make a folder the user never named."""
    (tmp_path / "dist").symlink_to(tmp_path / "nowhere" / "dist")
    (tmp_path / "nowhere").mkdir()
    status, output = run(minimal, tmp_path / "dist")
    assert status == 1
    refused(output, "E-OUT-NOT-FOLDER")
    assert not any((tmp_path / "nowhere").iterdir())


def test_the_cache_key_is_never_made_where_no_home_is(
        minimal: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A relative XDG_CACHE_HOME is ignored (the XDG rules), and a home that does not exist
    is not made: the key is then this process's own."""
    from publish.build import cache

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    monkeypatch.setenv("HOME", str(tmp_path / "no-home"))
    cache.machine_key.cache_clear()
    try:
        assert cache.key_file() == tmp_path / "no-home" / ".cache" / "publish" / "cache-key"
        before = around(tmp_path)
        assert len(cache.machine_key()) == cache.KEY_BYTES
        assert around(tmp_path) == before
    finally:
        cache.machine_key.cache_clear()


def test_a_ctrl_c_in_a_finalizer_ends_the_run_as_any_other() -> None:
    """A SIGINT that comes while Python runs a finalizer (WeasyPrint's FontConfiguration.
    __del__): Python would print "Exception ignored in ..." and a traceback, and go on;
    publish's hook raises it again in the main flow, so it ends the run as a Ctrl-C."""
    code = (
        "import sys, time\n"
        "from publish.__main__ import _unraisable\n"
        "sys.unraisablehook = _unraisable\n"
        "class Finalized:\n"
        "    def __del__(self):\n"
        "        raise KeyboardInterrupt\n"
        "try:\n"
        "    Finalized()\n"
        "    for _ in range(500):\n"
        "        time.sleep(0.001)\n"
        "    print('went on')\n"
        "except KeyboardInterrupt:\n"
        "    print('interrupted')\n")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=PROJECT, timeout=60)
    assert run.stdout.strip() == "interrupted"
    assert "Traceback" not in run.stderr and "Exception ignored" not in run.stderr
