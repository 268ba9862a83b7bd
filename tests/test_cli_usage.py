"""Every command of `publish --help`, given odd arguments: wrong usage exits with 2, any
other refusal with 1, each with one message and never a traceback; what a user typed is
printed as typed, never read as Rich markup. Each case stops before a build would begin."""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner, Result

import publish.cli
from publish.author.check import Report
from publish.author.check import Result as CheckResult
from publish.author.watch import watch
from publish.checks import Finding
from publish.cli import app
from tests.conftest import ROOTS

COMMANDS = ["build", "catalog", "check", "proof", "watch", "new"]
# The commands that take SOURCE and -o DIR (new takes FOLDER).
ON_A_BOOK = ["build", "catalog", "check", "proof", "watch"]
# Rich markup, emoji codes; `x[/x]` is two folders, `x[` holding `x]`.
MARKUP = ["x[/x]", "[bold]x", "[/]x", ":smile: [link=https://x]y", "[/x"]


@pytest.fixture(autouse=True)
def _elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run in tmp_path: a default SOURCE (`source`) or DIR (`dist`) is never the repo's.
    `publish watch` stops after its first build instead of watching on: a watch that
    should have stopped by itself then exits with 0 (and fails its test), never hangs."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("PUBLISH_DEBUG", raising=False)
    monkeypatch.setattr(publish.cli, "watch", functools.partial(watch, max_rebuilds=0))


def run(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner().invoke(app, list(args), env=env)


def one_message(result: Result, status: int) -> str:
    """The output of a command stopped with `status` by one of publish's own errors."""
    output = result.output
    assert result.exit_code == status, output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in output
    assert len(re.findall(r"^error: ", output, re.MULTILINE)) == 1, output
    return output


def usage_error(result: Result, says: str) -> str:
    """The output of a command refused by the command line's parser (exit status 2)."""
    output = result.output
    assert result.exit_code == 2, output
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in output
    lines = [line for line in output.splitlines() if says in line]
    assert len(lines) == 1, output  # the message is one line
    return output


def test_the_commands_are_these() -> None:
    """A new command must be added to the cases below."""
    group = typer.main.get_command(app)
    assert sorted(group.commands) == sorted(COMMANDS)  # type: ignore[attr-defined]
    listed = run("--help")
    assert listed.exit_code == 0
    for command in COMMANDS:
        assert command in listed.output


@pytest.mark.parametrize("command", COMMANDS)
def test_an_unknown_option(command: str) -> None:
    usage_error(run(command, "--no-such-option", "x"), "No such option: --no-such-option")
    usage_error(run(command, "--x[/x]"), "No such option: --x[/x]")  # printed as typed


@pytest.mark.parametrize("command", ON_A_BOOK)
def test_an_option_without_its_value(command: str) -> None:
    usage_error(run(command, "-o"), "requires an argument")


@pytest.mark.parametrize("command", ON_A_BOOK)
def test_too_many_arguments(command: str) -> None:
    usage_error(run(command, "a", "b"), "unexpected extra argument")


def test_new_without_its_folder() -> None:
    usage_error(run("new"), "Missing argument")


def test_an_unknown_format_is_wrong_usage(minimal: Path, tmp_path: Path) -> None:
    result = run("build", str(minimal), "-o", str(tmp_path / "dist"), "--format", "pdf,docx")
    assert "U-FORMAT: unknown format: docx" in one_message(result, 2)
    assert not (tmp_path / "dist").exists()


@pytest.mark.parametrize("formats", ["", ",", " , "])
def test_no_format_is_wrong_usage(formats: str, minimal: Path, tmp_path: Path) -> None:
    result = run("build", str(minimal), "-o", str(tmp_path / "dist"), "--format", formats)
    assert "U-FORMAT: `--format` names no format" in one_message(result, 2)
    assert not (tmp_path / "dist").exists()


@pytest.mark.parametrize("option", ["--service", "--profile"])  # --profile: the former name
def test_an_unknown_print_service_is_wrong_usage(minimal: Path, tmp_path: Path,
                                                 option: str) -> None:
    result = run("build", str(minimal), "-o", str(tmp_path / "dist"), option, "x")
    usage_error(result, "choose kdp, ingramspark, lulu, press")


@pytest.mark.parametrize("command", COMMANDS)
def test_an_empty_path_is_wrong_usage(command: str) -> None:
    """Not the current folder: `publish new ''` would write a book into it."""
    usage_error(run(command, ""), "an empty path names no folder")
    if command != "new":
        usage_error(run(command, "-o", ""), "an empty path names no folder")


@pytest.mark.parametrize("command", COMMANDS)
def test_a_very_long_path_is_wrong_usage(command: str, tmp_path: Path) -> None:
    long = str(tmp_path / ("a" * 300))
    usage_error(run(command, long), "the path is too long")
    deep = "/".join(["b" * 200] * 30)  # each name fits, the path does not
    usage_error(run(command, deep), "the path is too long")


def test_an_out_folder_whose_cache_name_is_too_long(minimal: Path, tmp_path: Path) -> None:
    """`.DIR.cache` beside DIR: a 250-letter DIR fits, its cache's name does not. Not a
    wrong command line but what the file system allows: the machine's fault, exit 1."""
    result = run("build", str(minimal), "-o", str(tmp_path / ("d" * 250)))
    output = one_message(result, 1)
    assert "E-NAME-TOO-LONG:" in output


@pytest.mark.parametrize("command", COMMANDS)
def test_a_file_is_not_a_folder(command: str, tmp_path: Path) -> None:
    afile = tmp_path / "[bold]notes.txt"
    afile.write_text("not a book\n", encoding="utf-8")
    usage_error(run(command, str(afile)), "it names a file, not a folder")
    usage_error(run(command, str(afile / "inside")), "it lies inside a file, not a folder")
    # An OUT that is a file is the machine's fault, E-OUT-NOT-FOLDER: test_output_folder.py.


@pytest.mark.parametrize("name", MARKUP)
@pytest.mark.parametrize("command", ON_A_BOOK)
def test_a_path_with_markup_is_printed_as_typed(command: str, name: str,
                                                tmp_path: Path) -> None:
    """No such folder: S-FILE-MISSING (exit 1), its path printed literally."""
    missing = tmp_path / name
    output = one_message(run(command, str(missing), "-o", str(tmp_path / "dist")), 1)
    if command == "watch":
        assert f"watching {missing}, " in output
        assert f"S-FILE-MISSING: there is no folder '{missing}' to watch" in output
    else:  # the path of book.yaml is shown from the book's folder on
        assert f"S-FILE-MISSING: '{missing.name}/book.yaml' does not exist" in output


@pytest.mark.parametrize("name", MARKUP)
def test_new_prints_a_path_with_markup_as_typed(name: str, tmp_path: Path) -> None:
    folder = tmp_path / name
    result = run("new", str(folder))
    assert result.exit_code == 0, result.output
    assert f"wrote {folder / 'book.yaml'}" in result.output
    assert f"next: publish build {folder}" in result.output.replace("'", "")


def test_new_into_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    folder = tmp_path / "[red]old[/red]"  # two folders: `[red]old[` holds `red]`
    folder.mkdir(parents=True)
    (folder / "keep.txt").write_text("mine\n", encoding="utf-8")
    output = one_message(run("new", str(folder)), 2)
    assert f"U-NOT-EMPTY: '{folder}' already exists" in output
    assert sorted(p.name for p in folder.iterdir()) == ["keep.txt"]


@pytest.mark.parametrize("command", ON_A_BOOK)
def test_a_bad_source_date_epoch_is_wrong_usage(command: str, minimal: Path,
                                                tmp_path: Path) -> None:
    """Before anything is built; `watch` stops too, since no save can mend it."""
    started = time.monotonic()
    result = run(command, str(minimal), "-o", str(tmp_path / "dist"),
                 env={"SOURCE_DATE_EPOCH": "abc"})
    assert "U-EPOCH: SOURCE_DATE_EPOCH is not a number: 'abc'" in one_message(result, 2)
    assert time.monotonic() - started < 30
    assert not list((tmp_path / "dist").glob("*"))


def test_watch_a_missing_folder_stops_at_once(tmp_path: Path) -> None:
    output = one_message(run("watch", str(tmp_path / "nowhere"), "-o", str(tmp_path / "d")), 1)
    assert f"S-FILE-MISSING: there is no folder '{tmp_path / 'nowhere'}' to watch" in output
    assert "stopped" not in output


def test_proof_without_pages_is_wrong_usage(minimal: Path) -> None:
    usage_error(run("proof", str(minimal), "--pages", " , "), "name at least one page")


def test_proof_of_a_page_the_book_has_not(minimal: Path, tmp_path: Path) -> None:
    """U-PAGE (exit 2) on a fresh dist/: the page map is read, nothing is built or drawn.
    The files are stand-ins, dated after every input, so dist/ counts as fresh."""
    dist = tmp_path / "dist"
    dist.mkdir()
    pages = [{"label": label, "section": "text", "element": f"p{index}"}
             for index, label in enumerate(["i", "ii", "1", "2"])]
    (dist / "minimal.pages.json").write_text(json.dumps({"pages": pages}), encoding="utf-8")
    later = time.time() + 86_400
    for suffix in (".pdf", "-cover.pdf", ".epub", ".marc.xml", ".mrc", ".onix.xml",
                   ".pages.json"):
        (dist / f"minimal{suffix}").touch()
        os.utime(dist / f"minimal{suffix}", (later, later))
    result = run("proof", str(minimal), "-o", str(dist), "--pages", "ii,[/x]nosuchpage")
    assert "U-PAGE: no page is labelled [/x]nosuchpage" in one_message(result, 2)
    assert not (dist / "proof").exists()


def test_check_prints_a_finding_as_written(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """A validator's message may quote the EPUB: `[/x]` in it is text."""
    finding = Finding("epubcheck", "ERROR", "RSC-005", "value of [/x] is [bold]wrong", "a:1")

    def checked(source: Path, out: Path, progress: object = None,
                profile: object = "pod") -> Report:
        return Report(out, [CheckResult("epubcheck", [finding])])

    monkeypatch.setattr(publish.cli, "check", checked)
    result = run("check", str(tmp_path), "-o", str(tmp_path / "dist"))
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert "[/x]" in result.output


# --- real processes: nothing reaches stderr but the message -----------------------------

def publish_process(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    project = Path(publish.cli.__file__).parent.parent
    environment = {**os.environ, "PYTHONPATH": str(project), **env}
    environment.pop("PUBLISH_DEBUG", None)
    return subprocess.run([sys.executable, "-m", "publish", *args], cwd=cwd, env=environment,
                          capture_output=True, text=True, timeout=60, check=False)


def test_a_process_watching_a_path_with_markup(tmp_path: Path) -> None:
    """The bug: `publish watch 'x[/x]'` died of a Rich MarkupError traceback."""
    done = publish_process("watch", "x[/x]", "-o", str(tmp_path / "dist"), cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert "watching x[/x]," in done.stderr
    assert "S-FILE-MISSING: there is no folder 'x[/x]' to watch" in done.stderr


def test_a_process_given_an_unknown_format(tmp_path: Path) -> None:
    """The bug: `publish build --format docx` exited with 1."""
    book = tmp_path / "minimal"
    shutil.copytree(ROOTS / "minimal", book)
    done = publish_process("build", str(book), "-o", str(tmp_path / "dist"), "--format", "docx",
                           cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert done.stderr.startswith("error: U-FORMAT: unknown format: docx\n"), done.stderr
