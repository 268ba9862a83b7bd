"""Planted things (tests/hostile/planted.yaml): links, FIFOs, forged cache entries and huge
files beside a source or in the folders a build writes. The build, in a process of its
own under limits of memory and time, either refuses with the case's code or builds what a
fresh build makes; either way nothing outside its output folder, its cache and its lock
is created, changed or removed, and `victim/` is as it was."""

from __future__ import annotations

import hashlib
import json
import os
import resource
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from .changes import around
from .conftest import EPOCH, PROJECT, ROOTS

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "hostile" / "planted.yaml").read_text(encoding="utf-8"))
# The interior alone: its layout, PDF, preflight and whole-build entries are what the cache
# holds of every stage; the other formats add time, and nothing a planted file could reach.
FORMATS = "pdf"
MEMORY = 1 << 30  # address space: a build of the small book needs less than 600 MB
CPU_SECONDS = 90
OWN = (".dist.cache", ".dist.lock")  # what a build writes beside its output folder


def limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_SECONDS, CPU_SECONDS))


def publish(world: Path, out: str, *options: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "publish", "build", "book", "-o", out, "--format", FORMATS,
         *options], cwd=world, capture_output=True, text=True, check=False, timeout=300,
        preexec_fn=limited, env={**os.environ, "SOURCE_DATE_EPOCH": EPOCH,
                                 "PYTHONPATH": str(PROJECT)})


def tree(folder: Path, leave_out: list[Path]) -> dict[str, str]:
    """Everything under `folder` (changes.around) but what lies in `leave_out`."""
    return {name: what for name, what in around(folder).items()
            if not any((folder / name) == o or (folder / name).is_relative_to(o)
                       for o in leave_out)}


def plant(world: Path, step: dict[str, Any]) -> None:
    if "each" in step:
        paths = sorted(world.glob(step["each"]))
        assert paths, f"nothing to plant in: {step['each']}"
        for path in paths:
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
            if "fifo" in step:
                os.mkfifo(path)
            elif "write" in step:
                path.write_text(step["write"], encoding="utf-8")
            else:
                path.symlink_to(step["link"])
        return
    (kind, value), = step.items()
    if kind == "forge":
        forge(world, value)
    elif kind == "fifo":
        os.mkfifo(world / value)
    elif kind == "mkdir":
        (world / value).mkdir(parents=True, exist_ok=True)
    elif kind == "link":
        (world / value[0]).symlink_to(value[1])
    elif kind == "write":
        (world / value[0]).write_text(value[1], encoding="utf-8")
    elif kind == "sparse":
        with open(world / value[0], "wb") as handle:
            handle.truncate(value[1])
    else:
        raise AssertionError(f"unknown step {kind}")


def forge(world: Path, text: str) -> None:
    """Every file of every entry of the cache replaced by `text`, and the hashes its facts
    hold made to match: all an attacker can do without this machine's key."""
    entries = [facts.parent for facts in world.glob(".dist.cache/*/*/facts.json")]
    assert entries
    for entry in entries:
        facts = json.loads((entry / "facts.json").read_text(encoding="utf-8"))
        for name in facts["files"]:
            (entry / "files" / name).write_text(text, encoding="utf-8")
            facts["files"][name] = hashlib.sha256(text.encode()).hexdigest()
        (entry / "facts.json").write_text(json.dumps(facts), encoding="utf-8")


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding the small book as `book/` and its good build in `dist/`, with the
    build's cache and lock beside it (`first: build`: copied, not built again)."""
    world = tmp_path_factory.mktemp("built")
    shutil.copytree(ROOTS / "minimal", world / "book")
    done = publish(world, "dist")
    assert done.returncode == 0, done.stderr
    return world


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, bytes]:
    """The files a fresh build, with no cache, makes of the small book."""
    world = tmp_path_factory.mktemp("reference")
    shutil.copytree(ROOTS / "minimal", world / "book")
    done = publish(world, "dist", "--no-cache")
    assert done.returncode == 0, done.stderr
    return {p.name: p.read_bytes() for p in (world / "dist").iterdir()}


def test_the_corpus_covers_the_issue() -> None:
    assert len(CASES) >= 20
    assert len({case["name"] for case in CASES}) == len(CASES)
    text = yaml.safe_dump(CASES)
    for needle in ("fifo", "link", ".dist.cache", "sparse", "signature", "facts.json"):
        assert needle in text, needle


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_planted(case: dict[str, Any], tmp_path: Path, built: Path,
                 reference: dict[str, bytes]) -> None:
    world = tmp_path / "world"
    steps = case.get("steps", [])
    if steps and steps[0] == {"first": "build"}:
        shutil.copytree(built, world, symlinks=True)
        steps = steps[1:]
    else:
        shutil.copytree(ROOTS / "minimal", world / "book")
    victim = world / "victim"
    for number in range(6):
        (victim / f"folder-{number}").mkdir(parents=True)
        (victim / f"folder-{number}" / "keep.txt").write_text("mine", encoding="utf-8")
    (victim / "keep.txt").write_text("mine", encoding="utf-8")
    for step in steps:
        plant(world, step)
    out = (world / case.get("out", "dist"))
    # A build may replace what was planted in its own folders (its output, its cache and
    # its lock), nothing else; a refused build, nothing at all.
    own = [out, *(out.parent / name.replace("dist", out.name) for name in OWN)]
    if not case.get("builds"):
        own = []
    before = tree(world, own)
    victim_before = tree(victim, [])

    done = publish(world, case.get("out", "dist"))

    assert "Traceback" not in done.stderr, done.stderr
    assert tree(victim, []) == victim_before
    assert tree(world, own) == before
    if case.get("builds"):
        assert done.returncode == 0, done.stderr
        made = {p.name: p.read_bytes() for p in out.iterdir()}
        assert made == reference
    else:
        assert done.returncode in (1, 2), done.stderr
        assert f"{case['code']}:" in done.stderr, done.stderr
        assert "fix:" in done.stderr
