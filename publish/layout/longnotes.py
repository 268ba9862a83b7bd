"""A note too long for the foot of its page goes on at the foot of the next, as a book
sets it. WeasyPrint 70 does not split a footnote (Kozea/WeasyPrint#1833: it sets the
whole note, over the page's top), so the layout splits it itself, from what a laid-out
document shows (`notesplit.py` cuts the HTML):

- a page whose notes pass its top: of its tallest note, the lines that fit between the
  line of its call and the foot stay there; the rest becomes a part of its own;
- each part after the first floats from the first line of the page after the page where
  the part before it stands (the page map's start of that page), so it heads that page's
  notes.

The document is laid out again until nothing passes a page's top and each part stands
where the page map says (interior.py). WeasyPrint's box tree (`page._page_box`) is read
only, as pagemap.py reads it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence, Set
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from weasyprint.formatting_structure.boxes import Box, LineBox, TextBox

from publish.layout.notesplit import Continuation, Splits
from publish.layout.pagemap import PageStart, letter_count

if TYPE_CHECKING:
    from weasyprint import Document

_SLACK = 0.5  # CSS px: what layout arithmetic may round
PROBE_LINES = 2  # a note's first part while the line of its call finds its page
PROBE_LETTERS = 300  # a part cut short after WeasyPrint left it out: some five lines
# The notes' area's own height (its rule, margin and padding: print.css), where a page has
# no notes yet to measure it by: 0.8em + 0.3em of the notes' 7.5pt, and the rule.
_AREA_SPACE = 12.0
# A page's calls: (the id of) the note's element -> the bottom and height of its line
Calls = dict[int, tuple[float, float]]


class Unsplittable(Exception):
    """A note passes its page's top, and not one of its lines fits below its call
    (`at_end` False), or no page with text follows for its rest to go on at (True)."""

    def __init__(self, note: str, at_end: bool = False) -> None:
        super().__init__(note)
        self.note, self.at_end = note, at_end


def settle(document: Document, starts: Sequence[PageStart], calls: Sequence[Calls],
           splits: Splits, excused: Set[str] = frozenset()
           ) -> dict[str, tuple[Continuation, ...]]:
    """The splits the next layout needs: `splits` with a cut for each note (or part of one)
    that passes its page's top or stands on a page after its call's (WeasyPrint puts off a
    note that does not fit below its call's line), and each part after the first placed
    from the page after its part before. Raises Unsplittable for a note that passes its
    page's top and that no cut makes fit. A note in `excused` put off is left whole: the
    paragraph whose orphans put it off moves on instead (orphans.py). `calls`: each page's
    (calls_on).

    A note first split for its length keeps PROBE_LINES at its call (`probe`): those fit
    below almost any line, so the call's line stays where the text puts it (given the
    whole note, WeasyPrint pushes the line on from page to page and leaves pages half
    empty). Laid out so, the first part grows to the room below its call's line."""
    out = {note: list(parts) for note, parts in splits.items()}
    placed: dict[tuple[str, int], tuple[int, Box]] = {}  # (note, part) -> (page, box)
    over: set[tuple[str, int]] = set()  # the tallest note of each page whose notes overflow
    for index, page in enumerate(document.pages):
        area = area_of(page._page_box)
        for child in area.children if area is not None else ():
            key = key_of(child)
            if key is not None:
                placed.setdefault(key, (index, child))
        if area is not None and over_top(page._page_box, area):
            key = key_of(max(area.children, key=lambda c: c.margin_height()))
            if key is not None:
                over.add(key)
    for key, (index, box) in sorted(placed.items(), key=lambda item: item[1][0]):
        called = call_page(calls, index, box)
        if key not in over and (called is None or called == index or key[0] in excused):
            continue  # at the foot of its call's page, or to go back there whole
        parts = out.setdefault(key[0], [])
        if len(parts) >= key[1] and parts[key[1] - 1].probe:
            continue  # cut short for now: it grows below
        probe = key in over and key[1] == 1 and not parts
        fits = _letters_of(box, PROBE_LINES) if probe else \
            _letters_that_fit(document, calls, index if called is None else called, box)
        if not fits and key in over:
            raise Unsplittable(key[0])
        if fits >= _letters_of(box, None) and key[1] > 1:
            # A part put off though the room below its call seems to hold it (WeasyPrint
            # keeps some room its way): a quarter shorter, until it stands there.
            count = len(list(lines_of(box)))
            fits = _letters_of(box, count - max(2, count // 4))
        if not fits or fits >= _letters_of(box, None):
            continue  # put off, and not a line (or every line) fits below its call: as it is
        before = parts[key[1] - 2].start if key[1] > 1 else 0
        # The cut replaces the part's end: what follows it goes to the next part.
        parts[key[1] - 1:] = [Continuation(before + fits, "", 0, probe)]
    for note, parts in out.items():
        laid = splits.get(note) or ()
        # A part cut short (`probe` on the cut after it) grows, once laid out so, to the
        # room below its call's line; the cut after a part laid out but left out of every
        # page (WeasyPrint loses a note too long for any page) comes PROBE_LETTERS in.
        for number in range(1, len(parts) + 2):
            start = parts[number - 2].start if number > 1 else 0
            if (note, number) in placed:
                cut = parts[number - 1] if number <= len(parts) else None
                was = laid[number - 1] if number <= len(laid) else None
                if cut is not None and cut.probe and was is not None and was.probe:
                    index, box = placed[(note, number)]
                    called = call_page(calls, index, box)
                    grown = start + _letters_that_fit(
                        document, calls, index if called is None else called, box, True)
                    parts[number - 1] = replace(cut, start=max(grown, cut.start), probe=False)
            elif number > 1 and (note, number - 1) in placed and number - 2 < len(laid) \
                    and laid[number - 2].block:
                parts[number - 1:] = [Continuation(start + PROBE_LETTERS, "", 0, True)]
                break
        for number, part in enumerate(parts, 2):
            if (note, number - 1) not in placed:
                if not part.block and number > 2:  # for now, where the part before stands
                    previous = parts[number - 3]
                    parts[number - 2] = replace(part, block=previous.block,
                                                offset=previous.offset)
                continue  # its part before is not laid out yet: placed next time
            index = placed[(note, number - 1)][0]
            start_at = next((s for s in starts[index + 1:] if s.element), None)
            if start_at is None or start_at.element is None:
                raise Unsplittable(note, at_end=True)
            parts[number - 2] = replace(part, block=start_at.element, offset=start_at.offset)
    return {note: tuple(parts) for note, parts in out.items() if parts}


def call_page(calls: Sequence[Calls], index: int, note: Box) -> int | None:
    """The page that calls the note standing on page `index`: that page or an earlier."""
    return next((p for p in range(index, -1, -1) if id(note.element) in calls[p]), None)


def placed_parts(document: Document) -> set[tuple[str, int]]:
    """The notes, and parts of split notes, that some page's notes hold: (note, part)."""
    return {key for page in document.pages for area in [area_of(page._page_box)]
            if area is not None for key in map(key_of, area.children) if key is not None}


def area_of(page: Box) -> Box | None:
    """The page's notes' area (WeasyPrint's FootnoteAreaBox), if it has one."""
    return next((c for c in page.children if type(c).__name__ == "FootnoteAreaBox"), None)


def over_top(page: Box, area: Box) -> bool:
    """The page's notes pass its top (WeasyPrint sets a note too tall over the running
    head and the text)."""
    return bool(area.children) and area.position_y < page.content_box_y() - _SLACK


def key_of(box: Any) -> tuple[str, int] | None:
    """Which note and which part (from 1) a box of the notes' area is."""
    element = getattr(box, "element", None)
    if element is None:
        return None
    if element.get("data-of"):
        return str(element.get("data-of")), int(element.get("data-part") or 2)
    return (str(element.get("id")), 1) if element.get("id") else None




def _letters_that_fit(document: Document, calls: Sequence[Calls], index: int,
                      note: Box, beyond: bool = False) -> int:
    """How many of the note's letters fit below the line of its call on page `index` (the
    call's page), with the notes called before it there: the letters of its first lines,
    as many as the room takes. `beyond`: the note is a part cut short, whose lines end
    before the room does: as many letters as its lines hold, a line, the room takes."""
    page = document.pages[index]._page_box
    if id(note.element) not in calls[index]:
        return 0
    call, height = calls[index][id(note.element)]
    area = area_of(page)
    own = _AREA_SPACE if area is None else \
        area.margin_height() - sum(c.margin_height() for c in area.children)
    others = sum(c.margin_height() for c in (area.children if area is not None else ())
                 if c is not note and calls[index].get(id(c.element), (call + 1, 0))[0]
                 <= call + _SLACK)
    bottom = page.content_box_y() + page.height
    lines = list(lines_of(note))
    if not lines:
        return 0
    top = lines[0].position_y
    used = lines[-1].position_y + lines[-1].height - top
    extra = note.margin_height() - used
    # One line of text more than the call's: a paragraph keeps two lines on a page
    # (orphans, widows: 2), so the call's line rarely stands alone at a page's foot.
    room = bottom - call - own - others - extra - height
    if beyond:
        pitch, per_line = used / len(lines), _letters_of(note, None) / len(lines)
        return int(int(room // pitch) * per_line)
    count = sum(1 for line in lines if line.position_y + line.height - top <= room + _SLACK)
    return _letters_of(note, count)


def _letters_of(note: Box, lines: int | None) -> int:
    """The letters of the note's first `lines` lines (None: all)."""
    return sum(letter_count(t.text) for line in list(lines_of(note))[:lines]
               for t in _texts(line))


def calls_on(box: Box, line: Box | None = None, out: Calls | None = None) -> Calls:
    """The notes called on a page's text: the bottom and the height of the line of each
    one's call, by the (id of the) note's element."""
    out = {} if out is None else out
    if isinstance(box, LineBox):
        line = box
    if (box.element_tag or "").endswith("::footnote-call") and line is not None:
        out.setdefault(id(box.element), (float(line.position_y + line.height),
                                         float(line.height)))
        return out
    for child in getattr(box, "children", None) or ():
        calls_on(child, line, out)
    return out


def lines_of(box: Box) -> Iterator[LineBox]:
    if isinstance(box, LineBox):
        yield box
        return
    for child in getattr(box, "children", None) or ():
        yield from lines_of(child)


def _texts(box: Box) -> Iterator[TextBox]:
    """The text of a line of a note, not its number (`::footnote-marker`)."""
    if (box.element_tag or "").endswith("::footnote-marker"):
        return
    if isinstance(box, TextBox):
        yield box
    for child in getattr(box, "children", None) or ():
        yield from _texts(child)
