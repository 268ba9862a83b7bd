"""One base error for everything a user can be told, each with a stable code.

The codes are listed, with what to do about each, in README.md ("Diagnostics").
Every error that comes from the source carries the file and line it is about.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class PublishError(Exception):
    """An error the user can act on. `code` is stable; `fix` says what to do."""

    code: str
    message: str
    fix: str = ""
    path: str | None = None
    line: int | None = None

    def location(self) -> str:
        if self.path is None:
            return ""
        return f"{self.path}:{self.line}" if self.line else self.path

    def __str__(self) -> str:
        where = self.location()
        text = f"{where}: {self.code}: {self.message}" if where else f"{self.code}: {self.message}"
        return f"{text}\n  fix: {self.fix}" if self.fix else text


class SourceError(PublishError):
    """The book's source is wrong: YAML, Markdown, a missing file, a glyph no font has."""


class OutputError(PublishError):
    """An edition was written but fails its own check (preflight, validator)."""


class EnvironmentProblem(PublishError):
    """Something the machine lacks: a system package, Java, chromium."""
