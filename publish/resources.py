"""Where the package's own files are: the style sheets, the fonts, the templates and the
schemas, found through importlib.resources, so an installed wheel builds a book as a
checkout does. `styles/` and `fonts/` sit at the top of the checkout and are the packages
`publish.styles` and `publish.fonts` once installed (pyproject.toml's package-dir)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def _folder(package: str) -> Path:
    # A Traversable; WeasyPrint, fontconfig and HarfBuzz read real files, and the package is
    # installed as files (pip, pipx), never run from a zip.
    return Path(str(files(package)))


PACKAGE = _folder("publish")
STYLES = _folder("publish.styles")
FONTS = _folder("publish.fonts")
TEMPLATES = PACKAGE / "render" / "templates"
SCHEMAS = PACKAGE / "checks" / "schemas"
DATA = PACKAGE / "source" / "data"


def read_data(name: str) -> str:
    """A data file of the source stage (publish/source/data/), as text."""
    return (DATA / name).read_text(encoding="utf-8")
