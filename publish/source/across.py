"""What the loader checks across the parts of a book, once each part is read: that the
parts stand in the structure `text` gives them (a `part` heads its chapters; no chapter
outside one in a book of parts), and that every anchor is one of a kind and every
cross-reference leads to an anchor or a part (ids of the one print document: ids.py)."""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

from publish.errors import SourceError
from publish.source import ids

if TYPE_CHECKING:
    from publish.source.model import Part


def fits_structure(part: Part, in_group: bool, heads_group: bool, grouped: bool,
                    listed: tuple[str, int]) -> None:
    """A `part` heads a group (`part:` in `text`) and nothing else does; a group holds
    chapters (or letters); where the book is in parts, no chapter stands outside one."""
    kind = part.header.kind
    if heads_group != (kind == "part"):
        raise SourceError(
            "S-STRUCTURE", f"'{part.source}' is of kind '{kind}', but is listed "
            f"{'as' if heads_group else 'not as'} a part (`part:` in `text`)",
            "list a file of kind `part` as `- part: FILE` with its `chapters:`, and give "
            "that file `kind: part`", *listed)
    if in_group and not part.kind.chapter_like:
        raise SourceError(
            "S-STRUCTURE", f"'{part.source}' is a {kind}, listed among a part's chapters",
            "a part holds chapters (or letters): list the others before or after the parts",
            *listed)
    if grouped and not in_group and part.kind.chapter_like:
        raise SourceError(
            "S-STRUCTURE", f"the {kind} '{part.source}' stands outside any part, but the "
            "book is in parts", "list it under a part's `chapters:`, or make a part for it",
            *listed)


def cross_references(parts: list[Part], used: dict[str, str]) -> None:
    """Every anchor is one of a kind in the book, and every cross-reference leads to an
    anchor or a part of it (an id of the one print document: ids.py)."""
    anchors: dict[str, str] = {}  # name -> "file:line"
    for part in parts:
        for name, line in part.text.anchors:
            generated = ids.generated(name)  # `chapter-2`: the id of a block of `chapter`
            owner = used.get(name) or anchors.get(name) or (
                used.get(generated[0]) if generated else None)
            if owner or ids.taken_by_the_book(name):
                raise SourceError("S-DUPLICATE-ID", f"the anchor '{name}' is already the id "
                                  f"of {owner or 'a page the book makes'}",
                                  "give each anchor a name of its own (not a part's id, nor a "
                                  "part's id followed by -2 or -heading)", part.source, line)
            anchors[name] = f"{part.source}:{line}"
    for part in parts:
        for name, line in part.text.xrefs:
            if name not in anchors and name not in used:
                close = difflib.get_close_matches(name, [*anchors, *used], n=1)
                raise SourceError("S-XREF", f"the cross-reference '#{name}' leads to no part "
                                  "and no anchor of the book", (f"did you mean '#{close[0]}'? "
                                  if close else "") + "give the target an anchor, {#" + name +
                                  "}, or link to a part's id", part.source, line)
