"""The PDF's layout -> where each printed page begins in the text: the one pagination both
editions share.

WeasyPrint keeps the boxes it laid out on each page. The first text on a page names the
block it belongs to (every block has an id: markup.py, templates/sections) and, counted
in letters and digits from the block's start, how far into the block the page begins.
Counting letters and digits only is what makes the offset the same in the PDF and the
EPUB: the layout adds hyphens at line ends, collapses spaces and draws no markup, so
those differ, but the letters do not. A list item's number (or bullet) is no letter of
the text: the style generates it (WeasyPrint's `::marker` box), and the EPUB's XHTML does
not hold it as text, so it is neither counted nor quoted; the page's first words are the
item's own, as the EPUB reads them after the page's marker. No library reads this from a
layout, hence by hand; the box tree is WeasyPrint's (`page._page_box`), read-only here.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from weasyprint.formatting_structure.boxes import Box, InlineLevelBox, ReplacedBox, TextBox

if TYPE_CHECKING:
    from weasyprint import Document

    from publish.source.model import Book

FIRST_WORDS = 8
# What the style draws apart from the text's letters: a list item's number, a note's call
# and its number at the foot of the page.
_DRAWN_APART = ("::marker", "::footnote-call", "::footnote-marker")
_CONTAINERS = {"html", "body", "div", "ol", "ul", "nav"}  # hold blocks; are not one


@dataclass(frozen=True)
class PageStart:
    """Where printed page `label` begins: in block `element` of section `section`, after
    `offset` letters and digits of the block's text; `element` is the section itself when
    the page opens it. A page with no text (a blank verso) has `element` None."""

    index: int  # the page's index in the PDF
    label: str  # its printed folio, or the roman number of front matter
    section: str | None
    element: str | None
    offset: int
    first_words: str


def letter_count(text: str) -> int:
    return sum(1 for char in text if char.isalnum())


def page_map(document: Document, labels: list[str]) -> list[PageStart]:
    """Where each page of the laid-out document begins, with its label."""
    seen: dict[str, int] = {}  # letters of each block (and section) laid out so far
    starts: list[PageStart] = []
    for index, page in enumerate(document.pages):
        first: tuple[str, str, int] | None = None
        words: list[str] = []
        content = page._page_box.children[0]  # the margin boxes (heads, folios) come after
        before = set(seen)  # the blocks of earlier pages
        for box, section, block, head in _text_boxes(content, None, None, False):
            if block is None or (head and block in before):
                continue  # a table's header row repeated at the top of a page: once only
            count = letter_count(box.text)
            if first is None and count:
                # A page that opens a section begins at the section, not at its first block,
                # so a link to the section lands on this page.
                if section is not None and not seen.get(section, 0):
                    first = (section, section, 0)
                else:
                    first = (section or "", block, seen.get(block, 0))
            seen[block] = seen.get(block, 0) + count
            if section is not None:
                seen[section] = seen.get(section, 0) + count
            if first is not None and len(words) < FIRST_WORDS:
                words += box.text.split()
        section, element, offset = first if first else (None, None, 0)
        starts.append(PageStart(index, labels[index], section, element, offset,
                                " ".join(words[:FIRST_WORDS])))
    return starts


def _text_boxes(box: Box, section: str | None, block: str | None, head: bool
                ) -> Iterator[tuple[TextBox, str | None, str | None, bool]]:
    """Every text box under `box` in layout order, with its section's and block's ids;
    not those of a list item's number or bullet (its `::marker`): the style draws it, it is
    no text of the book."""
    if (box.element_tag or "").endswith(_DRAWN_APART):
        return
    element = getattr(box, "element", None)
    if element is not None and "noteref" in (element.get("class") or "").split():
        return  # a note's number: the EPUB's text skips it too (render/notes.py)
    if element is not None and element.get("id"):
        if box.element_tag == "section":
            section = element.get("id")
        elif box.element_tag not in _CONTAINERS and not isinstance(box, InlineLevelBox):
            # A block; not an anchor's span (`[words]{#name}`), whose letters count as
            # its block's, as the EPUB counts them (editions/pagebreaks.py).
            block = element.get("id")
    head = head or box.element_tag == "thead"
    if isinstance(box, TextBox):
        yield box, section, block, head
    for child in getattr(box, "children", None) or ():
        yield from _text_boxes(child, section, block, head)


def folios(document: Document, labels: list[str]) -> tuple[bool, ...]:
    """Whether each page prints its number: its label is the text of one of its margin
    boxes (a folio; an opening page, a blank page and the title page print none). A
    catalogue counts the pages as their numbers are printed (records/marc.py)."""
    out = []
    for index, page in enumerate(document.pages):
        margins = page._page_box.children[1:]  # the page's content comes first
        texts = {box.text.strip() for margin in margins
                 for box, *_ in _text_boxes(margin, None, None, False)}
        out.append(labels[index] in texts)
    return tuple(out)


def blank(page: object) -> bool:
    """Whether a laid-out page draws nothing in its content area: no text (a scene break's
    ornament is text), no image, no rule."""
    def draws(box: Box) -> bool:
        if isinstance(box, TextBox):
            return bool(box.text.strip())
        if isinstance(box, ReplacedBox):  # an image
            return True
        style = getattr(box, "style", None)
        if style is not None and any(style[f"border_{side}_width"]
                                     for side in ("top", "right", "bottom", "left")):
            return True
        return any(draws(child) for child in getattr(box, "children", None) or ())
    return not draws(page._page_box.children[0])  # type: ignore[attr-defined]


def anchors_on_pages(document: Document, labels: list[str], wanted: set[str]
                     ) -> dict[str, str]:
    """The label of the page where each of the `wanted` ids stands (a cross-reference's
    target, whose page the EPUB prints as the print edition does)."""
    out: dict[str, str] = {}
    for index, page in enumerate(document.pages):
        for id in wanted & set(page.anchors):
            out.setdefault(id, labels[index])
    return out


def to_json(book: Book, starts: Sequence[PageStart]) -> bytes:
    """dist/<slug>.pages.json: for indexers and for the tests."""
    data: dict[str, Any] = {
        "book": book.meta.epub_id,
        "offset_unit": "letters and digits from the start of the element's text",
        "pages": [asdict(start) for start in starts],
    }
    return (json.dumps(data, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
