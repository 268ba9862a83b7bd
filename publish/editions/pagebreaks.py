"""Page map -> page-break markers in the EPUB's XHTML, at exactly the places where the
printed pages begin (pagemap.py), and the page-list that links them.

lxml edits the trees; where a marker goes inside a text, the text is split by hand,
counting letters and digits as pagemap.py counted them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from lxml import etree

from publish.errors import OutputError
from publish.source import ids

if TYPE_CHECKING:
    from publish.layout.pagemap import PageStart

XHTML_NS = "http://www.w3.org/1999/xhtml"
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
# Elements whose content may not hold a marker before a child: it goes inside the child.
_LISTS = {"ol", "ul", "table", "thead", "tbody", "tr"}


@dataclass(frozen=True)
class Marker:
    """A page-break marker: page `label` begins in `section`, at `element` (None: at the
    section's end, for a page with no text) after `offset` letters and digits."""

    label: str
    section: str
    element: str | None
    offset: int

    @property
    def id(self) -> str:
        return ids.page(self.label)


def markers(starts: Sequence[PageStart]) -> list[Marker]:
    """One marker per printed page, in order. A page with no text (a blank verso) is
    marked at the end of the section before it."""
    out: list[Marker] = []
    for start in starts:
        if start.element is not None and start.section is not None:
            out.append(Marker(start.label, start.section, start.element, start.offset))
        elif out:
            out.append(Marker(start.label, out[-1].section, None, 0))
    return out


def insert_markers(xhtml: bytes, section: str, page_markers: list[Marker]) -> bytes:
    """The XHTML page with a marker at each place in `page_markers` that is in it."""
    mine = [m for m in page_markers if m.section == section]
    if not mine:
        return xhtml
    root = etree.fromstring(xhtml)
    for marker in mine:
        _insert(root, marker)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="utf-8"))


def _span(marker: Marker) -> Any:
    span = etree.Element(f"{{{XHTML_NS}}}span", nsmap=None)
    span.set(EPUB_TYPE, "pagebreak")
    span.set("role", "doc-pagebreak")
    span.set("id", marker.id)
    span.set("aria-label", marker.label)
    return span


def _insert(root: Any, marker: Marker) -> None:
    span = _span(marker)
    if marker.element is None:
        section = _by_id(root, marker.section, marker)
        section.append(span)
        return
    element = _by_id(root, marker.element, marker)
    parent = element.getparent()
    if marker.offset == 0 and etree.QName(parent).localname not in _LISTS:
        element.addprevious(span)
        span.tail = None
        return
    seen = 0
    for owner, slot in _slots(element):
        text = getattr(owner, slot) or ""
        for position, char in enumerate(text):
            if char.isalnum():
                if seen == marker.offset:
                    _split(owner, slot, position, span)
                    return
                seen += 1
    raise OutputError("O-PAGE-MAP", f"page {marker.label}: {marker.element} has only {seen} "
                      f"letters, the print edition says it begins after {marker.offset}",
                      "report it: the two editions' texts differ")


def _slots(element: Any) -> Iterator[tuple[Any, str]]:
    """The element's text pieces in reading order, as (owner, "text" | "tail"); not a note's
    number (render/notes.py: the print edition draws it apart from the line)."""
    yield element, "text"
    for child in element:
        if isinstance(child.tag, str) and "noteref" not in (child.get("class") or "").split():
            yield from _slots(child)
        yield child, "tail"


def _split(owner: Any, slot: str, position: int, span: Any) -> None:
    text = getattr(owner, slot)
    setattr(owner, slot, text[:position])
    span.tail = text[position:]
    if slot == "text":
        owner.insert(0, span)
    else:
        parent = owner.getparent()
        parent.insert(parent.index(owner) + 1, span)


def _by_id(root: Any, id: str, marker: Marker) -> Any:
    found = root.xpath("//*[@id=$id]", id=id)
    if not found:
        raise OutputError("O-PAGE-MAP", f"page {marker.label}: no element '{id}' in the EPUB",
                          "report it: the two editions' structures differ")
    return found[0]
