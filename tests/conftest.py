"""Shared fixtures: the sample books under tests/roots and a built Seven Letters."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

TESTS = Path(__file__).parent
ROOTS = TESTS / "roots"
PROJECT = TESTS.parent
EPOCH = "1700000000"


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
    """Seven Letters built once for the session: the folder holding its files."""
    from publish.build import build

    out = tmp_path_factory.mktemp("dist")
    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    build(PROJECT / "source", out)
    return out
