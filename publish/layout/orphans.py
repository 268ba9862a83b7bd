"""A note put off to let a paragraph keep its orphans goes back to its call's page.

When the page is full at a paragraph's second line (`orphans: 2`), WeasyPrint 70 moves
the page's last notes on to the next page to make room for that line, rather than
moving the paragraph on (`_linebox_layout`, "first try to report footnotes"): the note
then stands a page after its call, which `footnote-policy: line` and every book forbid.
A book moves the paragraph instead and leaves the page a line short, as it does for any
orphan. So for each note laid out after its call's page, the paragraph that runs from
that page on to the next gets one more orphan line than it kept there: laid out again,
it cannot break where it did, and goes on whole to the next page, its lines' notes with
it. No style sheet can ask for this, hence by hand; WeasyPrint's box tree
(`page._page_box`) is read only, as pagemap.py reads it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import TYPE_CHECKING

from publish.layout.longnotes import Calls, area_of, call_page, key_of, lines_of

if TYPE_CHECKING:
    from weasyprint import Document
    from weasyprint.formatting_structure.boxes import Box

    from publish.layout.pagemap import PageStart

# Orphans no paragraph is given more of: past this a page would be left too short, and
# the note stays put off (the tests report it).
MOST_ORPHANS = 6
# A paragraph's own orphans (base.css `p`), which a note put off first adds one to
DEFAULT_ORPHANS = 2


def keep_lines(document: Document, starts: Sequence[PageStart], calls: Sequence[Calls],
               kept: Mapping[str, int]) -> tuple[dict[str, int], set[str]]:
    """`kept` (the orphans each paragraph is given, by its id) with one more for the
    paragraph at the foot of each page whose note was put off; and those notes' ids.
    `calls`: each page's (longnotes.py's calls_on)."""
    out, notes = dict(kept), set()
    for index, page in enumerate(document.pages):
        area = area_of(page._page_box)
        for box in area.children if area is not None else ():
            key = key_of(box)
            called = call_page(calls, index, box)
            if key is None or key[1] != 1 or called is None or called == index:
                continue
            following = starts[called + 1] if called + 1 < len(starts) else None
            if following is None or following.element is None or not following.offset:
                continue  # the next page begins a block: no paragraph broke there
            paragraph = following.element
            lines = _lines_on(document.pages[called]._page_box.children[0], paragraph)
            wanted = max(lines + 1, out.get(paragraph, DEFAULT_ORPHANS))
            if wanted <= MOST_ORPHANS:
                out[paragraph] = wanted
                notes.add(key[0])
    return out, notes


def orphans_css(kept: Mapping[str, int]) -> str:
    """The style sheet that gives each paragraph its orphans."""
    return "".join(f'[id="{_quoted(id)}"] {{ orphans: {count}; }}\n'
                   for id, count in sorted(kept.items()))


def _quoted(id: str) -> str:
    return id.replace("\\", "\\\\").replace('"', '\\"')


def _lines_on(box: Box, id: str) -> int:
    """The lines of the block `id` under `box` (the block's lines on one page)."""
    return sum(1 for _ in _blocks_lines(box, id))


def _blocks_lines(box: Box, id: str) -> Iterator[Box]:
    element = getattr(box, "element", None)
    if element is not None and element.get("id") == id and "::" not in (box.element_tag or ""):
        yield from lines_of(box)
        return
    for child in getattr(box, "children", None) or ():
        yield from _blocks_lines(child, id)
