"""The print HTML with its long notes split: each note's first part stays where it is
called, each further part floats from the first line of the page after the part before
(`longnotes.py` works out where). Done on the HTML as a string, by hand: the places are
letter counts (as `pagemap.py` counts a page's start), which no HTML library keeps.

The HTML is the renderer's own (markdown-it with xhtmlOut, the templates): tags are
well formed, text holds no markup, and `&` only begins an entity.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

CONTINUED = "footnote note-continued"  # the class of a part after the first (print.css)
_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)[^>]*?(/?)>")
_ID = re.compile(r'\s(?:id|xml:id)="[^"]*"')
# What a continuation may stand in: a block of running text; not a heading (the PDF's
# bookmarks would take its text in) nor a figure's caption (it parted the caption from
# its image).
_RUNNING = {"p", "li", "td", "th", "dd", "dt"}
_RUNNING_TAG = re.compile(rf"<(?:{'|'.join(sorted(_RUNNING))})\b[^>]*>")


@dataclass(frozen=True)
class Continuation:
    """A part of a note after its first: from `start` letters of the note on, floated from
    `block`, `offset` letters in (the first line of a page, as the page map names it)."""

    start: int
    block: str
    offset: int
    probe: bool = False  # the first part is cut short while its call finds its page


Splits = Mapping[str, Sequence[Continuation]]  # a note's id -> its parts after the first


def apply(html: str, splits: Splits) -> str:
    """`html` with each note of `splits` cut into its parts."""
    if not splits:
        return html
    # The parts after the first: (where, the note's order, the part's number, its span).
    inserts: list[tuple[Continuation, int, int, str]] = []
    notes = sorted(splits.items(), key=lambda item: _note_at(html, item[0])[0])
    for order, (note, parts) in enumerate(notes):
        _, inner_start, inner_end = _note_at(html, note)
        pieces = split_fragment(html[inner_start:inner_end], [p.start for p in parts])
        html = html[:inner_start] + pieces[0] + html[inner_end:]
        for number, (part, piece) in enumerate(zip(parts, pieces[1:], strict=True), 2):
            inserts.append((part, order, number, f'<span class="{CONTINUED}" '
                            f'data-of="{note}" data-part="{number}">{piece}</span>'))
    # From the end, so that each place found stays where it was; at one place, the later
    # first, so that they stand in order.
    placed = sorted(((_position(html, part.block, part.offset), order, number, span)
                     for part, order, number, span in inserts),
                    key=lambda i: (-i[0], -i[1], -i[2]))
    for position, _, _, span in placed:
        html = html[:position] + span + html[position:]
    return html


def _note_at(html: str, note: str) -> tuple[int, int, int]:
    """Where the note's span begins, and where its content begins and ends."""
    start = html.index(f'<span class="footnote" id="{note}"')
    inner_start = html.index(">", start) + 1
    return start, inner_start, _closing(html, inner_start)


def _closing(html: str, inner_start: int) -> int:
    """Where the element whose content begins at `inner_start` closes."""
    depth = 1
    for tag in _TAG.finditer(html, inner_start):
        if tag[3]:
            continue  # <br />
        depth += -1 if tag[1] else 1
        if depth == 0:
            return tag.start()
    raise ValueError("an element is not closed")


def split_fragment(fragment: str, offsets: Sequence[int]) -> list[str]:
    """The fragment cut before the word holding each of its letters `offsets` (counted
    from 0, letters and digits only): each piece closes the elements open at its end,
    and the next opens them again (without their ids)."""
    pieces: list[str] = []
    last, opened = 0, ""
    cuts = iter(sorted(offsets))
    wanted = next(cuts, None)
    stack: list[Opened] = []
    for position, letter, at_tag in _walk(fragment, stack):
        while wanted is not None and letter is not None and letter >= wanted:
            cut = _word_start(fragment, position, at_tag)
            around = list(stack)
            # An element that opens right where the cut is goes wholly to the next piece.
            while around and around[-1].end == cut:
                cut = around.pop().start
            closing = "".join(f"</{o.name}>" for o in reversed(around))
            pieces.append(opened + fragment[last:cut] + closing)
            opened = "".join(o.tag for o in around)
            last, wanted = cut, next(cuts, None)
    pieces.append(opened + fragment[last:])
    return pieces


@dataclass(frozen=True)
class Opened:
    """An element open at a place of a fragment: its name, its start tag (without its id,
    to be opened again) and where that tag stands."""

    name: str
    tag: str
    start: int
    end: int


def _walk(fragment: str, stack: list[Opened]) -> Iterator[tuple[int, int | None, int]]:
    """Each letter of the fragment's text: its position, its number, and where the text it
    is in begins; `stack` follows the elements open around it."""
    count, position, text_start = 0, 0, 0
    while position < len(fragment):
        char = fragment[position]
        if char == "<":
            tag = _TAG.match(fragment, position)
            assert tag, fragment[position:position + 40]
            if tag[1]:
                stack.pop()
            elif not tag[3]:
                stack.append(Opened(tag[2], _ID.sub("", tag[0]), tag.start(), tag.end()))
            position = text_start = tag.end()
            continue
        if char == "&":
            position = fragment.index(";", position) + 1
            continue
        if char.isalnum():
            yield position, count, text_start
            count += 1
        position += 1


def _word_start(fragment: str, position: int, text_start: int) -> int:
    """The start of the word at `position`, within its text (from `text_start`)."""
    while position > text_start and not fragment[position - 1].isspace():
        position -= 1
    return position


def _position(html: str, block: str, offset: int) -> int:
    """Where in `html` the continuation of a note goes: in block `block`, after `offset`
    letters of its running text (a note's text is not counted: the page map does not count
    it), at the end of the word there; in the next block of running text where `block`
    is none (a heading, a section)."""
    found = re.search(rf'<([a-z0-9]+)\b[^>]*\sid="{re.escape(block)}"', html)
    if found is None:
        raise ValueError(f"no element {block}")
    start = html.index(">", found.start()) + 1
    if found[1] not in _RUNNING:
        following = _RUNNING_TAG.search(html, start)
        return following.end() if following else start
    count, position = 0, start
    depth = 0
    while position < len(html):
        char = html[position]
        if char == "<":
            tag = _TAG.match(html, position)
            assert tag
            if html.startswith('<span class="footnote', position):
                position = _closing(html, tag.end()) + len("</span>")
                continue
            if not tag[3]:
                depth += -1 if tag[1] else 1
            if depth < 0:
                return position  # the block ends: at its end
            position = tag.end()
            continue
        if char == "&":
            position = html.index(";", position) + 1
            continue
        if char.isalnum():
            if count >= offset:
                while position < len(html) and not html[position].isspace() \
                        and html[position] != "<":
                    position += 1
                return position
            count += 1
        position += 1
    return position
