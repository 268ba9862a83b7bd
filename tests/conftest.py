"""Shared fixtures: the sample books under tests/roots, a built Seven Letters and its
`publish check` report; and the Hypothesis profiles."""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

TESTS = Path(__file__).parent
ROOTS = TESTS / "roots"
PROJECT = TESTS.parent
EPOCH = "1700000000"

# Hypothesis profiles, chosen by $HYPOTHESIS_PROFILE (or pytest's --hypothesis-profile):
# `ci`, the default (`make test`, CI), and `long` (`make test-long`), which draws many more
# examples. `ci` keeps what Hypothesis loads by itself (derandomized, no database, on a CI
# machine). No deadline in either: an example builds books or starts Java, whose times
# depend on the machine's load, not on the code.
settings.register_profile("ci", settings.default, deadline=None)
settings.register_profile("long", deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
# Examples per run of each property of tests/test_properties.py, by profile.
EXAMPLES = {
    "ci": {"sources": 200, "builds": 4},  # a full build (both editions, EPUBCheck): ~6 s
    "long": {"sources": 3000, "builds": 60},
}


def examples(kind: str) -> int:
    """How many examples the property `kind` draws under the profile loaded; a profile of
    Hypothesis' own (`default`, `dev`) counts as `ci`."""
    profile = settings.get_current_profile_name()
    return EXAMPLES["long" if profile.startswith("long") else "ci"][kind]


# pytest-xdist (`-n auto --dist loadfile`, pyproject.toml) hands each worker whole modules,
# whose module fixtures are then made on one worker only, in this order: the slowest first,
# so that no long one is left for last while the other worker idles. (Its `loadgroup`, which
# could put test_epub.py with test_author_loop.py, groups nothing on pytest 9.2: xdist
# issue 1386.)
SLOWEST_FIRST = ["test_properties", "test_author_loop", "test_planted", "test_pagination",
                 "test_validator_runners", "test_cache", "test_kill", "test_wheel",
                 "test_atomic_outputs", "test_hostile_sources", "test_words_kept",
                 "test_books"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if not hasattr(config, "workerinput"):  # not an xdist worker: the order as collected
        return

    def rank(item: pytest.Item) -> int:
        module = Path(item.nodeid.partition("::")[0]).stem
        return SLOWEST_FIRST.index(module) if module in SLOWEST_FIRST else len(SLOWEST_FIRST)

    items.sort(key=rank)  # stable: within a module, the order as collected


@contextlib.contextmanager
def once_per_run(factory: pytest.TempPathFactory, name: str) -> Iterator[tuple[Path, bool]]:
    """A folder `name` made once per test run and then only read: under xdist, the workers
    share it (it is beside their own temporary folders), the first one to ask makes it and
    the others wait for that. Yields the folder and whether it is still to be made; it is
    kept only if the block ends without an exception."""
    base = factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        base = base.parent
    folder, done = base / name, base / f"{name}.done"
    with open(base / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if done.exists():
            yield folder, False
            return
        shutil.rmtree(folder, ignore_errors=True)  # a worker's failed attempt
        folder.mkdir()
        yield folder, True
        done.touch()


@pytest.fixture(autouse=True)
def _fixed_epoch(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


@pytest.fixture
def minimal(tmp_path: Path) -> Path:
    """A fresh copy of the small sample book, free to be changed by the test."""
    copy = tmp_path / "minimal"
    shutil.copytree(ROOTS / "minimal", copy)
    return copy


@pytest.fixture
def last_good(tmp_path: Path) -> Path:
    """A dist/ holding a previous edition, which a failed build must leave alone."""
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "minimal.epub").write_bytes(b"the last good EPUB")
    (dist / "minimal.pdf").write_bytes(b"the last good PDF")
    return dist


@pytest.fixture(scope="session")
def seven_letters(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Seven Letters built once for the test run (the tests only read it): the folder
    holding its files."""
    from publish.build.pipeline import build

    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    with once_per_run(tmp_path_factory, "seven-letters") as (out, to_make):
        if to_make:
            build(PROJECT / "source", out)
    return out


@pytest.fixture(scope="session")
def seven_letters_check(tmp_path_factory: pytest.TempPathFactory,
                        seven_letters: Path) -> subprocess.CompletedProcess[str]:
    """`publish check --json` run once for the test run on its Seven Letters: EPUBCheck and
    Ace side by side, and every other check. tests/test_author_loop.py asserts on the run,
    tests/test_epub.py on the validators' findings."""
    command = [sys.executable, "-m", "publish", "check", "source", "-o", str(seven_letters),
               "--json"]
    with once_per_run(tmp_path_factory, "seven-letters-check") as (folder, to_make):
        if to_make:
            run = subprocess.run(command, cwd=PROJECT, capture_output=True, text=True,
                                 timeout=300, check=False,
                                 env={**os.environ, "COLUMNS": "200", "SOURCE_DATE_EPOCH": EPOCH})
            (folder / "run.json").write_text(json.dumps(
                {"returncode": run.returncode, "stdout": run.stdout, "stderr": run.stderr}))
        kept = json.loads((folder / "run.json").read_text())
    return subprocess.CompletedProcess(command, kept["returncode"], kept["stdout"], kept["stderr"])


def check_rows(run: subprocess.CompletedProcess[str]) -> dict[str, dict[str, Any]]:
    """The rows of a `publish check --json` report, by check."""
    report = json.loads(run.stdout)
    return {row["check"]: row for row in report["checks"]}
