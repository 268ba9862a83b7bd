"""The ids the build gives to the elements of a book: one scheme, which the loader (a part's
id must not be one of them), the parser (the blocks' ids), the templates (through the
Jinja environment's `ids`), the page map and the EPUB's page markers all use.

The print edition is one HTML document, so every id is unique across the whole book:
- the front matter's sections `cover`, `titlepage`, `imprint`, `contents`, their blocks
  `titlepage-1`, ..., and the contents' heading `contents-heading`;
- the EPUB's navigation: `toc`, `landmarks`, `page-list`;
- a part `x` (its `id` in the header), its blocks `x-1`, `x-2`, ... (or the anchor the
  author gave one, `{#name}`), its elements `x-heading`, `x-dateline`, `x-addressee`, its
  notes `x-note-1` and their calls `x-noteref-1`;
- the page-break markers `page-<label>` (`page-iii`, `page-12`).
"""

from __future__ import annotations

import re

FRONT = ("cover", "titlepage", "imprint", "contents")
COVER_IMAGE = "images/cover.jpg"  # the EPUB's cover image, beside text/
NAVIGATION = ("toc", "landmarks", "page-list")
RESERVED = frozenset({*FRONT, *NAVIGATION})
ELEMENTS = ("heading", "dateline", "addressee")
_PAGE = "page"
_GENERATED = re.compile(rf"^(?P<owner>.+)-(?P<element>[0-9]+|{'|'.join(ELEMENTS)})$")


def block(owner: str, number: int) -> str:
    """The `number`th block (from 1) of a part or of a front-matter section."""
    return f"{owner}-{number}"


def element(owner: str, name: str) -> str:
    """A named element of a part or section: its heading, dateline or addressee."""
    assert name in ELEMENTS, name
    return f"{owner}-{name}"


def note(owner: str, number: int) -> str:
    """The `number`th note of a part (or of the book, numbered through it)."""
    return f"{owner}-note-{number}"


def noteref(owner: str, number: int, sub: int = 0) -> str:
    """A call of a note: the first, or the `sub`th after it."""
    return f"{owner}-noteref-{number}" + (f"-{sub}" if sub else "")


def page(label: str) -> str:
    """The page-break marker of the printed page `label`."""
    return f"{_PAGE}-{label}"


def part_file(number: int) -> str:
    """The EPUB file that holds the `number`th part."""
    return f"part-{number:02d}.xhtml"


def taken_by_the_book(candidate: str) -> bool:
    """Whether a part may not have `candidate` as its id: the front matter's and the
    navigation's ids, the page markers', and the ids of their elements."""
    return candidate in RESERVED or candidate.startswith(
        (f"{_PAGE}-", *(f"{r}-" for r in RESERVED)))


def generated(candidate: str) -> tuple[str, str] | None:
    """(owner, element) when `candidate` is the id an element of a part `owner` would
    get (`letter-2`, `letter-heading`), else None."""
    match = _GENERATED.match(candidate)
    return (match["owner"], match["element"]) if match else None
