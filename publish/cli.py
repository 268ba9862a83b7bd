"""The `publish` command: a thin shell over build.py, check.py, proof.py, watch.py, new.py.

Nothing a user wrote (a path, a message quoting the source) is read as Rich markup: it is
printed as `Text`. Every error ends the command in `_reporting`, with its code's exit status
(publish/errors.py): 2 for wrong usage, 1 for the rest.
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import shlex
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from publish.author.check import check
from publish.author.new import new_book
from publish.author.proof import proof
from publish.author.watch import Outcome, watch
from publish.build.pipeline import ORDER, build
from publish.errors import (
    INTERRUPTED,
    INTERRUPTED_MESSAGE,
    WRONG_USAGE,
    PublishError,
    UsageError,
)
from publish.source.services import ALIASES, SERVICE_NAMES

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Build a book's EPUB, print PDF and catalogue records from one source.")
err = Console(stderr=True, soft_wrap=True)
out_console = Console()


def _folder(value: str | Path) -> Path:
    """A folder named on the command line to be read (SOURCE) or made (new's FOLDER),
    refused at once, with exit status 2, when it cannot be one: empty (Path("") is the
    current folder), too long for the file system, a file, or inside a file."""
    text = str(value)
    if not text:
        raise typer.BadParameter("an empty path names no folder")
    path = Path(text)
    try:
        path.stat()
    except OSError as error:
        if error.errno == errno.ENAMETOOLONG:
            raise typer.BadParameter(f"the path is too long ({len(text):,} characters)"
                                     ) from None
        if error.errno == errno.ENOTDIR:
            raise typer.BadParameter("it lies inside a file, not a folder") from None
    if path.is_file():
        raise typer.BadParameter("it names a file, not a folder")
    return path


Source = Annotated[Path, typer.Argument(help="The book's folder (holding book.yaml)",
                                        parser=_folder, metavar="SOURCE")]
def _out_folder(value: str | Path) -> Path:
    """OUT: any path but an empty one. What the machine makes of it (a file in the way,
    no permission, a name too long) the build reports with its `E-` code (exit 1)."""
    if not str(value):
        raise typer.BadParameter("an empty path names no folder")
    return Path(value)


Out = Annotated[Path, typer.Option("-o", "--out", help="Where the built files are (or go)",
                                   parser=_out_folder)]


@app.callback()
def main() -> None:
    """publish: one source, two editions, one pagination."""


Service_ = Annotated[str, typer.Option(
    "--service", help="The print service the print files are made for: kdp, ingramspark, "
    "lulu or press (an offset printer: bleed and crop marks)")]
# The former option: `--profile pod` is KDP's rules, `--profile press` the press's.
Profile_ = Annotated[str | None, typer.Option(hidden=True)]


def _service(service: str, profile: str | None) -> str:
    """The service asked for (by `--service`, or the former `--profile`), checked."""
    if profile is not None and service != "kdp" and profile != service:
        raise typer.BadParameter("give `--service` alone (`--profile` is its former name)",
                                 param_hint="--profile")
    chosen = profile if profile is not None else service
    if chosen not in (*SERVICE_NAMES, *ALIASES):
        raise typer.BadParameter(f"choose {', '.join(SERVICE_NAMES)}",
                                 param_hint="--profile" if profile is not None else "--service")
    return chosen


@app.command("build")
def build_command(
    source: Source = Path("source"),
    out: Annotated[Path, typer.Option("-o", "--out", help="Where to write the files",
                                      parser=_out_folder)] = Path("dist"),
    formats: Annotated[str, typer.Option("--format", help="Comma-separated: " + ",".join(
        ORDER))] = ",".join(ORDER),
    service: Service_ = "kdp",
    profile: Profile_ = None,
    cache: Annotated[bool, typer.Option(help="Reuse what an earlier build made from the same "
                                        "inputs (kept in .OUT.cache beside OUT)")] = True,
) -> None:
    """Build the editions of the book in SOURCE into OUT."""
    service = _service(service, profile)
    chosen = [f.strip() for f in formats.split(",") if f.strip()]
    with _reporting():
        if not chosen:  # build() would make nothing, and say nothing
            raise UsageError("U-FORMAT", "`--format` names no format",
                             f"choose from {', '.join(ORDER)}")
        with _spinner("Building") as say:
            built = build(source, out, chosen, service,  # type: ignore[arg-type]
                          progress=say, cache=cache)
        if built.reused:
            err.print(Text(f"reused from the cache: {', '.join(dict.fromkeys(built.reused))}"))
        for warning in built.warnings:
            err.print(Text(warning, style="yellow"))
        for path in built.files.values():
            err.print(Text.assemble(("wrote ", "green"),
                                    f"{path} ({path.stat().st_size:,} bytes)"))


@app.command("catalog")
def catalog_command(
    source: Source = Path("source"),
    out: Annotated[Path, typer.Option("-o", "--out", help="Where to write the files",
                                      parser=_out_folder)] = Path("dist"),
) -> None:
    """Write the catalogue records (MARC 21 and ONIX 3.0) of the book in SOURCE into OUT.

    The records describe the built editions: the PDF and the EPUB are laid out for them
    (their `needs`) but only the records are written."""
    build_command(source, out, "marc,onix", "kdp", None, cache=True)


@app.command("check")
def check_command(
    source: Source = Path("source"),
    out: Out = Path("dist"),
    as_json: Annotated[bool, typer.Option("--json", help="Print the results as JSON")] = False,
    service: Service_ = "kdp",
    profile: Profile_ = None,
) -> None:
    """Run every check on both editions of SOURCE and on its records.

    The checks: EPUBCheck, DAISY Ace, the print preflight of the
    interior and the cover, glyphs, navigation, pagination and the
    catalogue records. SOURCE is built into OUT first (an unchanged book
    comes from the build cache), and only the files that build wrote are
    checked. Exit status 1 if any check finds an error; warnings do not
    fail."""
    service = _service(service, profile)
    with _reporting():
        with _spinner("Checking") as say:
            report = check(source, out, progress=say,
                           profile=service)  # type: ignore[arg-type]
        if as_json:
            print(json.dumps(report.to_json(), ensure_ascii=False, indent=1))
        else:
            cached = " (unchanged: from the cache)" if "build" in report.reused else ""
            err.print(Text(f"built {out}{cached}"))
            table = Table("check", "result", "count", "first message", expand=False)
            colour = {"pass": "green", "warning": "yellow", "error": "red"}
            for result in report.results:
                count = result.count("error") or result.count("warning")
                table.add_row(result.check, Text(result.result, colour[result.result]),
                              str(count) if count else "", Text(result.first()))
            out_console.print(table)
    if not report.ok:
        raise typer.Exit(1)


@app.command("proof")
def proof_command(
    source: Source = Path("source"),
    out: Out = Path("dist"),
    pages: Annotated[str | None, typer.Option(
        "--pages", help="Printed page labels, comma-separated; `4+5` for a spread "
        "(default: title page, imprint, contents, first spread of text)")] = None,
    service: Service_ = "kdp",
    profile: Profile_ = None,
) -> None:
    """Picture chosen pages: the PDF's page beside the same place in the EPUB.

    One PNG contact sheet per page (or spread) under OUT/proof/; the
    EPUB is rendered by headless chromium with its own CSS and fonts,
    with scripts off and no network. SOURCE is built into OUT first (an
    unchanged book comes from the build cache), and only the files that
    build wrote are pictured."""
    if pages is not None and not pages.replace(",", "").replace("+", "").strip():
        raise typer.BadParameter("name at least one page", param_hint="--pages")
    service = _service(service, profile)
    with _reporting():
        with _spinner("Proofing") as say:
            written = proof(source, out, pages, progress=say,
                            profile=service)  # type: ignore[arg-type]
        for path in written:
            err.print(Text.assemble(("wrote ", "green"), str(path)))


@app.command("watch")
def watch_command(source: Source = Path("source"), out: Out = Path("dist")) -> None:
    """Build SOURCE into OUT, then again on every save, until Ctrl-C.

    A build that fails leaves OUT as it was (the last good files) and
    the watch goes on; wrong usage (SOURCE_DATE_EPOCH) stops it."""
    def say(outcome: Outcome) -> None:
        if outcome.changed:
            err.print(Text.assemble(("changed ", "cyan"), ", ".join(outcome.changed)))
        if outcome.error is not None and outcome.error.exit_status == WRONG_USAGE:
            raise outcome.error  # no save can mend it: _reporting says it, and exits 2
        if outcome.error is not None:
            err.print(Text.assemble(("error: ", "red"), str(outcome.error)))
            err.print(Text(f"  {out} keeps the last good files; watching for the next save"))
        else:
            err.print(Text.assemble(("built ", "green"), f"in {outcome.seconds:.1f} s: "
                                    f"{len(outcome.files)} files in {out}"))

    # watchfiles logs a warning on Ctrl-C; "stopped" below says it.
    logging.getLogger("watchfiles").setLevel(logging.ERROR)
    with _reporting(), contextlib.suppress(KeyboardInterrupt):  # Ctrl-C during a build
        err.print(Text(f"watching {source}, fonts/ and styles/ (Ctrl-C to stop)"))
        watch(source, out, say)
    err.print("stopped")


@app.command("new")
def new_command(
    folder: Annotated[Path, typer.Argument(help="The new book's folder (must not exist, or "
                                                "be empty)", parser=_folder, metavar="FOLDER")],
) -> None:
    """Make a new book in FOLDER: a commented book.yaml and one text file.

    It builds at once: publish build FOLDER. FOLDER must not exist, or
    be empty."""
    with _reporting():
        written = new_book(folder)
        for path in written:
            err.print(Text.assemble(("wrote ", "green"), str(path)))
        err.print(Text(f"next: publish build {shlex.quote(str(folder))} (or publish watch "
                       f"{shlex.quote(str(folder))}), then open dist/"))


@contextlib.contextmanager
def _spinner(what: str) -> Iterator[Callable[[str], None]]:
    """A spinner on stderr naming the current stage; it vanishes when done. None when
    stderr is no terminal (a log, a pipe), where it would only leave an empty line."""
    with Progress(SpinnerColumn(), TextColumn("{task.description}", markup=False),
                  TimeElapsedColumn(), console=err, transient=True,
                  disable=not err.is_terminal) as bar:
        task = bar.add_task(what, total=None)
        yield lambda stage: bar.update(task, description=stage)


@contextlib.contextmanager
def _reporting() -> Iterator[None]:
    """Turn a PublishError into one message and its code's exit status (2 wrong usage, 1
    the rest: publish/errors.py's `CODES`); any other failure into E-INTERNAL, status 1."""
    try:
        yield
    except PublishError as error:
        _stop(error)
    except KeyboardInterrupt:
        err.print(Text(INTERRUPTED_MESSAGE))
        raise typer.Exit(INTERRUPTED) from None
    except Exception as error:
        if os.environ.get("PUBLISH_DEBUG"):
            raise
        _stop(PublishError("E-INTERNAL", f"{type(error).__name__}: {error}", "this is a bug "
                           "in publish; run again with PUBLISH_DEBUG=1 and report the traceback"))


def _stop(error: PublishError) -> NoReturn:
    err.print(Text.assemble(("error: ", "red"), str(error)))
    raise typer.Exit(error.exit_status) from None
