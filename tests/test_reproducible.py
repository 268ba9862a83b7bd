"""Reproducible builds: the same source and SOURCE_DATE_EPOCH give the same bytes, whatever
the folder the source is in, the working directory, the time zone, the locale, the hash
seed, the umask, the files' times and the font cache."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import EPOCH, PROJECT, ROOTS

LOCALE = "de_DE.UTF-8"  # a decimal comma and German month names, unlike C
ZONE = "Pacific/Auckland"  # +13:00 at the epoch, a day ahead of UTC in the afternoon


@pytest.fixture(scope="module")
def german(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The environment of a German locale: the installed one, or one that localedef
    compiles into a folder of the test (glibc looks there first, by LOCPATH)."""
    installed = subprocess.run(["locale", "-a"], capture_output=True, text=True,
                               check=False).stdout.split()
    if any(name.lower().replace("-", "") == "de_de.utf8" for name in installed):
        return {"LC_ALL": LOCALE}
    localedef = shutil.which("localedef")
    if localedef is None or not Path("/usr/share/i18n/locales/de_DE").exists():
        pytest.skip("no de_DE.UTF-8 locale, and no localedef and locale sources to make one")
    folder = tmp_path_factory.mktemp("locales")
    subprocess.run([localedef, "-i", "de_DE", "-f", "UTF-8", str(folder / LOCALE)],
                   capture_output=True, check=False)  # exit status 1 on mere warnings
    return {"LOCPATH": str(folder), "LC_ALL": LOCALE}


def environment(**settings: str) -> dict[str, str]:
    kept = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG", "TZ"))}
    return {**kept, "SOURCE_DATE_EPOCH": EPOCH, "PYTHONPATH": str(PROJECT), **settings}


def seen_by_python(env: dict[str, str]) -> str:
    """What a child process makes of its locale and time zone: decimal point, UTC offset."""
    return subprocess.run(
        [sys.executable, "-c", "import locale, time; locale.setlocale(locale.LC_ALL, ''); "
         f"print(locale.localeconv()['decimal_point'], time.strftime('%z', "
         f"time.localtime({EPOCH})))"],
        env=env, capture_output=True, text=True, check=True).stdout.strip()


def test_two_builds_in_different_settings_are_byte_identical(
        tmp_path: Path, german: dict[str, str]) -> None:
    if not Path("/usr/share/zoneinfo", ZONE).exists():
        pytest.skip(f"no time zone data for {ZONE}")
    first, second = tmp_path / "one", tmp_path / "two" / "a deeper folder"
    shutil.copytree(ROOTS / "minimal", first / "book")
    shutil.copytree(ROOTS / "minimal", second / "the same book")
    for path in (second / "the same book").rglob("*"):
        os.utime(path, (1e9, 1e9))  # other file times: SOURCE_DATE_EPOCH rules, not these
    settings = [
        environment(TZ="UTC", LC_ALL="C.UTF-8", PYTHONHASHSEED="0"),
        environment(TZ=ZONE, PYTHONHASHSEED="4242", XDG_CACHE_HOME=str(tmp_path / "cache"),
                    **german),
    ]
    assert seen_by_python(settings[0]) == ". +0000"
    assert seen_by_python(settings[1]) == ", +1300"  # the settings do take effect
    runs = [  # relative paths from one working directory, absolute ones from another
        subprocess.Popen([sys.executable, "-m", "publish", "build", "book", "-o", "dist"],
                         cwd=first, env=settings[0], stderr=subprocess.PIPE,
                         preexec_fn=lambda: os.umask(0o022)),
        subprocess.Popen([sys.executable, "-m", "publish", "build", str(second / "the same book"),
                          "-o", str(second / "out")], cwd="/", env=settings[1],
                         stderr=subprocess.PIPE, preexec_fn=lambda: os.umask(0o077)),
    ]
    for run in runs:
        _, stderr = run.communicate(timeout=600)
        assert run.returncode == 0, stderr.decode()
    one, two = first / "dist", second / "out"
    names = sorted(p.name for p in one.iterdir())
    assert names == sorted(p.name for p in two.iterdir())
    assert {"minimal.pdf", "minimal-cover.pdf", "minimal.epub", "minimal.pages.json"} <= set(names)
    differ = [name for name in names if (one / name).read_bytes() != (two / name).read_bytes()]
    assert differ == []
    for name in names:  # no trace of where it was built (uncompressed parts, file names)
        data = (one / name).read_bytes()
        assert str(first).encode() not in data and b"/tmp/" not in data, name
