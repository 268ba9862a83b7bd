"""The wheel builds a book as the checkout does.

The wheel is built (`pip wheel --no-deps`) from a copy of the checkout, so that setuptools'
`build/` and `*.egg-info` land in the copy, not in the checkout, and installed with
`--no-deps --no-index` into a fresh venv outside the checkout. Its dependencies come from
this venv through a `.pth` file naming a folder of links to this venv's site-packages,
every entry but publish's own (the editable install's `__editable__*` finder and its
dist-info, or an installed `publish/`): so the new venv imports publish from the wheel or
not at all, which the test checks, and nothing is downloaded but the build backend
(setuptools, from pip's cache when it holds it).

With that venv's `publish`, from a folder outside the checkout, Seven Letters (a copy of
`source/`) and a `publish new` book are built with `--no-cache`; the checkout's package
(`python -m publish`) builds copies of the same two folders; every file must be the same,
byte for byte. About 20 s, mostly the four builds.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from publish.checks import ace
from publish.errors import EnvironmentProblem

from .conftest import EPOCH, PROJECT

# What a checkout holds at its top that is no part of a build of the wheel (made by make,
# git, the tools, the tests, an earlier build); and anywhere, Python's caches.
NOT_COPIED = {".git", ".venv", "build", "dist", "publish.egg-info", ".dist.cache", ".dist.lock",
              ".hypothesis", ".mypy_cache", ".pytest_cache", ".ruff_cache"}


def _not_copied(folder: str, names: list[str]) -> set[str]:
    top = Path(folder).resolve() == PROJECT.resolve()
    return {name for name in names
            if name in ("__pycache__", "node_modules") or (top and name in NOT_COPIED)}


BOOKS = ("seven-letters", "my-book")


def _run(command: list[str], cwd: Path, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True,
                          check=False, timeout=300)
    assert done.returncode == 0, (
        f"{' '.join(command)} (in {cwd}) exited with {done.returncode}:\n"
        f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    )
    return done.stdout


def _environment() -> dict[str, str]:
    """The environment of every command: the fixed epoch, nothing that leads to the checkout."""
    kept = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    return {**kept, "SOURCE_DATE_EPOCH": EPOCH, "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "PYTHONDONTWRITEBYTECODE": "1"}


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built from a copy of the checkout."""
    root = tmp_path_factory.mktemp("wheel")
    tree = root / "publish"
    shutil.copytree(PROJECT, tree, ignore=_not_copied, symlinks=True)
    _run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(root / "out"),
          str(tree)], root, _environment())
    (built,) = (root / "out").glob("publish-*.whl")
    return built


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv outside the checkout holding the wheel; its dependencies are this venv's."""
    root = tmp_path_factory.mktemp("venv")
    assert not root.resolve().is_relative_to(PROJECT.resolve())
    env = root / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(env)], root, _environment())
    python = env / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", str(python), "install", "--quiet",
          "--no-deps", "--no-index", str(wheel)], root, _environment())
    # This venv's libraries, every one but publish itself.
    deps = root / "deps"
    deps.mkdir()
    for site in sorted({sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}):
        for entry in sorted(Path(site).iterdir()):
            name = entry.name
            if (name == "publish" or name.startswith(("__editable__", "publish-", "publish."))
                    or name.endswith(".pth") or name == "__pycache__"
                    or (deps / name).exists()):
                continue
            (deps / name).symlink_to(entry)
    where = "import sysconfig; print(sysconfig.get_path('purelib'))"
    site_packages = _run([str(python), "-c", where], root, _environment()).strip()
    (Path(site_packages) / "test-dependencies.pth").write_text(f"{deps}\n", encoding="utf-8")
    return env


def test_the_wheel_holds_the_package_data(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {f"publish/styles/{p.name}" for p in (PROJECT / "styles").glob("*.css")}
    expected |= {f"publish/styles/icc/{p.name}" for p in (PROJECT / "styles" / "icc").glob("*.icc")}
    expected |= {f"publish/fonts/{p.name}" for p in (PROJECT / "fonts").glob("*.[to]tf")}
    expected.add("publish/fonts/fonts.yaml")
    templates = PROJECT / "publish" / "render" / "templates"
    expected |= {f"publish/render/templates/{p.relative_to(templates).as_posix()}"
                 for p in templates.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    expected.add("publish/checks/schemas/MARC21slim.xsd")
    assert any(name.endswith(".ttf") for name in expected)
    assert any(name.endswith(".otf") for name in expected)
    assert any(name.endswith(".icc") for name in expected)
    assert sorted(expected - names) == []
    assert "publish/fonts/make_subsets.py" not in names, (
        "fonts/make_subsets.py (the script that made the subsets) is shipped in the wheel")


def test_the_venv_imports_publish_from_the_wheel(venv: Path) -> None:
    probe = (
        "import json, sys, publish, publish.resources as r\n"
        "print(json.dumps({'publish': publish.__file__, 'styles': str(r.STYLES),\n"
        "    'fonts': str(r.FONTS), 'templates': str(r.TEMPLATES), 'schemas': str(r.SCHEMAS),\n"
        "    'editable': [m for m in sys.modules if m.startswith('__editable__')],\n"
        "    'path': sys.path}))\n"
    )
    seen = json.loads(_run([str(venv / "bin" / "python"), "-c", probe], venv.parent,
                           _environment()))
    assert seen["editable"] == []
    for key in ("publish", "styles", "fonts", "templates", "schemas"):
        where = Path(seen[key]).resolve()
        assert where.is_relative_to(venv.resolve()), f"{key} is {where}, not in {venv}"
        assert not where.is_relative_to(PROJECT.resolve()), f"{key} is in the checkout: {where}"
    assert not any(Path(p).resolve().is_relative_to(PROJECT.resolve()) for p in seen["path"]
                   if p), seen["path"]


def _files(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_the_wheel_builds_the_books_as_the_checkout_does(
    venv: Path, tmp_path: Path
) -> None:
    env = _environment()
    installed, checkout = tmp_path / "installed", tmp_path / "checkout"
    installed.mkdir()
    shutil.copytree(PROJECT / "source", installed / "seven-letters")
    _run([str(venv / "bin" / "publish"), "new", "my-book"], installed, env)
    shutil.copytree(installed, checkout)  # the same two sources, the new book's uuid included

    commands = {
        installed: [str(venv / "bin" / "publish")],
        checkout: [sys.executable, "-m", "publish"],
    }
    running = [
        (where, book, subprocess.Popen(
            [*command, "build", book, "-o", f"{book}-dist", "--no-cache"], cwd=where, env=env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
        for where, command in commands.items() for book in BOOKS
    ]
    for where, book, process in running:
        output, _ = process.communicate(timeout=300)
        assert process.returncode == 0, f"{book} in {where}:\n{output[-3000:]}"

    for book in BOOKS:
        made, reference = _files(installed / f"{book}-dist"), _files(checkout / f"{book}-dist")
        assert {name.rsplit(".", 1)[-1] for name in made} >= {"pdf", "epub", "json", "xml"}
        assert sorted(made) == sorted(reference), book
        differ = [name for name in made if made[name] != reference[name]]
        assert differ == [], f"{book}: the wheel's build differs from the checkout's in {differ}"


# Ace, found without tools/ace: $PUBLISH_ACE, the PATH, npx; none, and the error names the ways


def test_an_installed_publish_names_the_ways_to_find_ace(venv: Path, tmp_path: Path) -> None:
    probe = (
        "from publish.checks.ace import find_ace\n"
        "from publish.errors import EnvironmentProblem\n"
        "try:\n"
        "    find_ace('node')\n"
        "except EnvironmentProblem as problem:\n"
        "    print(problem.code, problem.message, '|', problem.fix)\n"
    )
    env = {**_environment(), "PATH": str(tmp_path)}
    env.pop("PUBLISH_ACE", None)
    env.pop("PUBLISH_ACE_DIR", None)
    said = _run([str(venv / "bin" / "python"), "-c", probe], tmp_path, env)
    assert said.startswith("E-ENV-ACE ")
    for way in ("$PUBLISH_ACE", "no tools/ace", "PATH", "npx", "npm install"):
        assert way in said, said

    env["PUBLISH_ACE"] = str(ace.default_ace_dir())
    found = _run([str(venv / "bin" / "python"), "-c",
                  "from publish.checks.ace import find_ace; print(find_ace('node').command[-1])"],
                 tmp_path, env)
    assert Path(found.strip()) == ace.default_ace_dir() / ace._ACE_SCRIPT


def _executable(path: Path, text: str = "#!/bin/sh\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(0o755)
    return path


@pytest.fixture
def no_checkout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """find_ace as an installed publish runs it: no checkout, nothing set, an empty PATH."""
    monkeypatch.setattr(ace, "_CHECKOUT", tmp_path / "site-packages")
    monkeypatch.delenv("PUBLISH_ACE", raising=False)
    monkeypatch.delenv("PUBLISH_ACE_DIR", raising=False)
    path = tmp_path / "bin"
    path.mkdir()
    monkeypatch.setenv("PATH", str(path))
    return path


def test_ace_is_found_on_the_path_as_its_puppeteer_runner(
    no_checkout: Path, tmp_path: Path
) -> None:
    package = tmp_path / "lib" / "node_modules" / "@daisy" / "ace" / "bin"
    _executable(package / "ace.js")
    _executable(package / "ace-puppeteer.js")
    (no_checkout / "ace").symlink_to(package / "ace.js")  # as npm install -g links it
    assert ace.find_ace("node").command == ("node", str(package / "ace-puppeteer.js"))
    assert ace.find_ace("node", tmp_path).command == ("node", str(package / "ace-puppeteer.js"))


def test_ace_wrapper_on_the_path_and_npx(no_checkout: Path) -> None:
    npx = _executable(no_checkout / "npx")
    assert ace.find_ace("node").command == (str(npx), "--no-install", "--package", "@daisy/ace",
                                            "ace-puppeteer")
    wrapper = _executable(no_checkout / "ace-puppeteer")
    assert ace.find_ace("node").command == (str(wrapper),)


def test_publish_ace_that_is_not_ace_is_an_error(
    no_checkout: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _executable(no_checkout / "npx")
    monkeypatch.setenv("PUBLISH_ACE", str(tmp_path / "nowhere"))
    with pytest.raises(EnvironmentProblem) as caught:
        ace.find_ace("node")
    assert caught.value.code == "E-ENV-ACE"
    assert "$PUBLISH_ACE" in caught.value.message
