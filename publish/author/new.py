"""`publish new DIR`: a new book from `templates/new/`, one that builds at once.

The templates are files (a commented book.yaml and one text file), so what a new author
starts from can be read and changed without reading Python. Only a few values are filled
in: the slug and title from the folder's name, and the edition's identifier, a random
UUID made here once (the book keeps it for good: see book.yaml's comment).
"""

from __future__ import annotations

import datetime as dt
import re
import shlex
import uuid
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

from publish.build.output import environment_error
from publish.errors import UsageError
from publish.resources import TEMPLATES
from publish.source.model import MAX_SLUG

NEW = TEMPLATES / "new"


def new_book(folder: Path) -> list[Path]:
    """Write a new book into `folder` (made if missing; refused if it holds anything);
    return the files written."""
    try:
        return _write(folder)
    except RuntimeError:  # Python 3.11's word for a loop of links
        raise UsageError("U-NOT-EMPTY", f"'{folder}' is a loop of symbolic links",
                         "choose a folder that does not exist yet", path=str(folder)) from None
    except OSError as error:  # the machine's: no permission, a read-only disk, no parent
        raise environment_error(error) from None


def _write(folder: Path) -> list[Path]:
    if folder.is_symlink() and not folder.exists():
        raise UsageError("U-NOT-EMPTY", f"'{folder}' is a link to nothing",
                         "choose a folder that does not exist yet", path=str(folder))
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise UsageError("U-NOT-EMPTY", f"'{folder}' already exists and is not an empty "
                         "folder", "choose a folder that does not exist yet, or empty this one",
                         path=str(folder))
    slug = re.sub(r"[^a-z0-9]+", "-", folder.resolve().name.lower()).strip("-")
    if len(slug) > MAX_SLUG:  # a long folder name: its first words, as many as the slug holds
        slug = slug[:MAX_SLUG + 1].rsplit("-", 1)[0][:MAX_SLUG].strip("-")
    if not slug or not slug[0].isalnum():
        slug = "my-book"
    title = " ".join(word.capitalize() for word in slug.split("-"))
    values = {"slug": slug, "title": title, "title_upper": title.upper(),
              "identifier": f"urn:uuid:{uuid.uuid4()}", "year": dt.date.today().year,
              # Printed in a comment of book.yaml: one line, whatever the name holds.
              "folder": "".join(c if c.isprintable() else "?" for c in shlex.quote(str(folder)))}
    # Not render.environment(): that one escapes HTML, and these are YAML and Markdown.
    env = Environment(loader=FileSystemLoader(NEW), undefined=StrictUndefined,
                      keep_trailing_newline=True, autoescape=False)
    written = []
    for template in sorted(NEW.rglob("*.jinja")):
        name = template.relative_to(NEW).as_posix()
        target = folder / name.removesuffix(".jinja")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(env.get_template(name).render(values), encoding="utf-8")
        written.append(target)
    return written
