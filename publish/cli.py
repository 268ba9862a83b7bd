"""The `publish` command: a thin shell over the functions in build.py."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.text import Text

from .build import ORDER, build
from .errors import PublishError

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Build a book's EPUB, print PDF and catalogue records from one source.")
err = Console(stderr=True, soft_wrap=True)


@app.callback()
def main() -> None:
    """publish: one source, two editions, one pagination."""


@app.command("build")
def build_command(
    source: Annotated[Path, typer.Argument(help="The book's folder (holding book.yaml)")] = Path(
        "source"),
    out: Annotated[Path, typer.Option("-o", "--out", help="Where to write the files")] = Path(
        "dist"),
    formats: Annotated[str, typer.Option("--format", help="Comma-separated: " + ",".join(
        ORDER))] = ",".join(ORDER),
    profile: Annotated[str, typer.Option(help="pod (no marks) or press (bleed and crop marks)"
                                         )] = "pod",
) -> None:
    """Build the editions of the book in SOURCE into OUT."""
    if profile not in ("pod", "press"):
        raise typer.BadParameter("choose pod or press", param_hint="--profile")
    chosen = [f.strip() for f in formats.split(",") if f.strip()]
    with _reporting(), Progress(SpinnerColumn(), TextColumn("{task.description}"),
                                TimeElapsedColumn(), console=err, transient=True) as bar:
        task = bar.add_task("Building", total=None)
        built = build(source, out, chosen, profile,  # type: ignore[arg-type]
                      progress=lambda stage: bar.update(task, description=stage))
    for path in built.files.values():
        err.print(Text.assemble(("wrote ", "green"), f"{path} ({path.stat().st_size:,} bytes)"))


@app.command("catalog")
def catalog_command(
    source: Annotated[Path, typer.Argument(help="The book's folder (holding book.yaml)")] = Path(
        "source"),
    out: Annotated[Path, typer.Option("-o", "--out", help="Where to write the files")] = Path(
        "dist"),
) -> None:
    """Write the catalogue records (MARC 21 and ONIX 3.0) of the book in SOURCE into OUT.

    The records describe the built editions: the PDF and the EPUB are laid out for them
    (their `needs`) but only the records are written."""
    build_command(source, out, "marc,onix", "pod")


@contextlib.contextmanager
def _reporting() -> Iterator[None]:
    """Turn a PublishError (or any failure) into one message and exit status 1."""
    try:
        yield
    except PublishError as error:
        err.print(Text.assemble(("error: ", "red"), str(error)))
        raise typer.Exit(1) from None
    except Exception as error:
        if os.environ.get("PUBLISH_DEBUG"):
            raise
        err.print(Text.assemble(("error: ", "red"), f"E-INTERNAL: {type(error).__name__}: "
                                f"{error}\n  fix: this is a bug in publish; run again with "
                                "PUBLISH_DEBUG=1 and report the traceback"))
        raise typer.Exit(1) from None
