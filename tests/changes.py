"""Changes to a copy of a sample book, as the bad- and hostile-source corpora write them.

A change names a `file` of the book (or `fonts/...`, a file of a copy of the shipped
fonts folder) and one of: `replace: [old, new]` (the first occurrence; a lone surrogate
such as "\\udcff" writes the raw byte ff, which is how a case holds invalid UTF-8),
`append: text`, `write: text`, `delete: true`, or `symlink: target` (the file or folder
becomes a symbolic link to `target`, absolute or relative to the folder it is in).
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path
from typing import Any

from .conftest import PROJECT

FONTS = PROJECT / "fonts"


def fonts_copy(folder: Path) -> Path:
    """A copy of the shipped fonts folder, named `fonts` as messages name it."""
    copy = folder / "fonts"
    if not copy.exists():
        shutil.copytree(FONTS, copy)
    return copy


def apply(book: Path, case: dict[str, Any]) -> Path | None:
    """Make the change; return the fonts folder the build must use if it changed one."""
    fonts = None
    if case["file"].startswith("fonts/"):
        fonts = fonts_copy(book.parent)
        path = fonts / case["file"].removeprefix("fonts/")
    else:
        path = book / case["file"]
    if case.get("delete"):
        path.unlink()
    elif "symlink" in case:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path)
        path.unlink(missing_ok=True)
        os.symlink(case["symlink"], path)
    else:
        if "write" in case:
            text = case["write"]
        elif "append" in case:
            text = path.read_text(encoding="utf-8") + case["append"]
        else:
            old, new = case["replace"]
            text = path.read_text(encoding="utf-8")
            assert old in text, f"the case's text to replace is not in {case['file']}: {old!r}"
            text = text.replace(old, new, 1)
        path.unlink(missing_ok=True)  # never write through a link into a shipped file
        path.write_bytes(text.encode("utf-8", "surrogateescape"))
    return fonts


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under `folder` (dot files too) by its SHA-256."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}
