"""The blocks of a book that are more than paragraphs, as the parse leaves them for the
renderer: notes (mdit-py-plugins' footnote, checked here: a reference with no note, a note
no reference calls), verse (`::: verse`: its lines' indents, kept from the source, which
markdown-it strips), attributions (a quotation's, a poem's or an epigraph's last paragraph
that begins with a dash) and a table's caption (`Table: ...` right after it). Each is a
markdown-it core rule of source/markup.py's parser; what the format refuses is a Refusal
at its line.
"""

from __future__ import annotations

import re

from markdown_it.rules_core import StateCore
from markdown_it.token import Token

from publish.source.limits import Refusal

CONTAINERS = ("editorial", "verse", "epigraph")
_UNDEFINED_NOTE = re.compile(r"\[\^([^\]\s]+)\]")
ATTRIBUTION = "\u2014"  # an em dash (`---` or `--` as written, before the dashes rule)


def check_notes(state: StateCore) -> None:
    """A reference to a note that is not defined is text markdown-it leaves as it is
    (`[^7]`); a note no reference calls, markdown-it drops: both are refused."""
    for block in state.tokens:
        line = (block.map[0] + 1) if block.map else 1
        for token in block.children or ():
            if token.type == "softbreak":
                line += 1
            found = _UNDEFINED_NOTE.search(token.content) if token.type == "text" else None
            if found:
                raise Refusal("S-NOTE", line, f"'[^{found[1]}]' refers to a note that is not "
                              "in this part", f"write the note: a line '[^{found[1]}]: its "
                              "text' (in the same text file), or '\\[^' for the text")
    refs = (state.env.get("footnotes") or {}).get("refs") or {}
    for label, number in refs.items():
        if number == -1:  # defined, never referred to
            name = label.removeprefix(":")
            at = state.src.find(f"[^{name}]:")
            line = state.src.count("\n", 0, at) + 1 if at >= 0 else 1
            raise Refusal("S-NOTE", line, f"the note '[^{name}]' is never referred to: it "
                          "would be in neither edition", f"refer to it with '[^{name}]' in "
                          "the text, or remove it")


def verse_lines(state: StateCore) -> None:
    """Each stanza of a poem (a paragraph in `::: verse`) keeps, for each of its lines, how
    far the source indents it (two spaces a level, at most four), in `meta["indents"]`."""
    lines = state.src.split("\n")
    depth = 0
    for token in state.tokens:
        if token.type == "container_verse_open":
            depth += 1
        elif token.type == "container_verse_close":
            depth -= 1
        elif depth and token.type == "paragraph_open" and token.map:
            start, end = token.map
            base = min(_indent(lines[n]) for n in range(start, end) if lines[n].strip())
            token.meta["indents"] = [min(4, (_indent(lines[n]) - base) // 2)
                                     for n in range(start, end)]
            token.attrSet("class", "stanza")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def attributions(state: StateCore) -> None:
    """The last paragraph of a quotation, a poem or an epigraph, when it begins with a dash
    ("— Anon."), is its attribution; so is the last of the book's epigraph (a part of kind
    `epigraph`, whose whole text is the epigraph: `env["epigraph"]`)."""
    stack: list[int] = []
    last: dict[int, int] = {}  # the container's index -> its last paragraph's index
    if state.env.get("epigraph"):
        top = [i for i, t in enumerate(state.tokens) if t.type == "paragraph_open"
               and t.level == 0]
        if len(top) > 1 and state.tokens[top[-1] + 1].content.lstrip().startswith(
                (ATTRIBUTION, "--")):
            state.tokens[top[-1]].attrSet("class", "attribution")
    for index, token in enumerate(state.tokens):
        if token.type in ("blockquote_open", "container_verse_open",
                          "container_epigraph_open"):
            stack.append(index)
        elif token.type in ("blockquote_close", "container_verse_close",
                            "container_epigraph_close") and stack:
            opened = stack.pop()
            at = last.get(opened)
            if at is not None and state.tokens[at + 1].content.lstrip().startswith(
                    (ATTRIBUTION, "--")):
                state.tokens[at].attrSet("class", "attribution")
                state.tokens[at].meta.pop("indents", None)  # a line, not a stanza
        elif token.type == "paragraph_open" and stack and token.level == \
                state.tokens[stack[-1]].level + 1:
            last[stack[-1]] = index


_CELL_BORDER = re.compile(r"(?<!\\)\|")


def _cells(line: str) -> int:
    inner = line.strip()
    inner = inner[1:] if inner.startswith("|") else inner
    inner = inner[:-1] if inner.endswith("|") and not inner.endswith("\\|") else inner
    return len(_CELL_BORDER.split(inner))


def check_tables(state: StateCore) -> None:
    """A row with more cells than the table's header: markdown-it drops the ones past the
    header's, so they would be in neither edition."""
    lines = state.src.split("\n")
    for token in state.tokens:
        if token.type != "table_open" or not token.map:
            continue
        start, end = token.map
        columns = _cells(lines[start])
        for number in range(start + 2, end):
            if lines[number].strip() and _cells(lines[number]) > columns:
                raise Refusal("S-TABLE", number + 1, f"a row of {_cells(lines[number])} cells "
                              f"in a table of {columns} columns: the cells past the header's "
                              "would be lost", "give the header row as many cells, or join "
                              "cells (write '\\|' for a '|' of the text)")


def table_captions(state: StateCore) -> None:
    """`Table: words` on the paragraph right after a table is the table's caption."""
    tokens = state.tokens
    index = 0
    while index < len(tokens):
        token = tokens[index]
        if (token.type == "table_close" and index + 3 < len(tokens)
                and tokens[index + 1].type == "paragraph_open"
                and tokens[index + 2].content.startswith("Table: ")):
            start = _opening(tokens, index)
            inline = tokens[index + 2]
            first = inline.children[0] if inline.children else None
            if first is not None and first.type == "text":
                first.content = first.content.removeprefix("Table: ")
            inline.content = inline.content.removeprefix("Table: ")
            caption = [Token("caption_open", "caption", 1), inline,
                       Token("caption_close", "caption", -1)]
            caption[0].map, caption[0].block = tokens[index + 1].map, True
            caption[2].block = True
            del tokens[index + 1:index + 4]
            tokens[start + 1:start + 1] = caption
            index += 1
        index += 1


def _opening(tokens: list[Token], close: int) -> int:
    depth = 0
    for index in range(close, -1, -1):
        depth += {"table_close": 1, "table_open": -1}.get(tokens[index].type, 0)
        if depth == 0:
            return index
    return close
