"""Notes (`[^1]`), rendered for each edition from mdit-py-plugins' footnote tokens.

- Print, notes at the foot of the page (book.yaml `notes.place: foot`, the default): the
  note's text stands where it is called, in a span WeasyPrint floats to the foot of that
  page (`float: footnote`, styles/print.css), numbered by `data-n`.
- The EPUB: the call is a link (`epub:type="noteref"`, `role="doc-noteref"`) to an aside
  (`epub:type="footnote"`, `role="doc-footnote"`) after the part's text, which links back:
  reading systems show it as a pop-up.
- Notes at the end of the chapter (`notes.place: chapter`), in both editions: a list of
  notes after the part's text (`epub:type="endnotes"`), linked both ways.

A call's number is the note's in its part (`numbering: chapter`) or in the book
(`numbering: book`, from `env["note_offset"]`). Neither a call's number nor a note's text
is counted where a page begins (layout/pagemap.py, editions/pagebreaks.py): the print
edition draws them apart from the line, so the EPUB's text skips them too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markdown_it.token import Token

from publish.source import ids


def split(tokens: Sequence[Token]) -> tuple[list[Token], dict[int, list[Token]]]:
    """The text's tokens, and each note's (by its number from 0)."""
    main: list[Token] = []
    notes: dict[int, list[Token]] = {}
    current: list[Token] | None = None
    for token in tokens:
        if token.type == "footnote_open":
            current = notes.setdefault(int(token.meta["id"]), [])
        elif token.type == "footnote_close":
            current = None
        elif token.type in ("footnote_block_open", "footnote_block_close", "footnote_anchor"):
            continue
        elif current is not None:
            current.append(token)
        else:
            main.append(token)
    return main, notes


def number(env: Any, note: int) -> int:
    return int(env["note_offset"]) + note + 1


def note_id(env: Any, note: int) -> str:
    return ids.note(env["part"], number(env, note))


def ref_id(env: Any, note: int, sub: int) -> str:
    return ids.noteref(env["part"], number(env, note), sub)


def footnote_ref(renderer: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any
                 ) -> str:
    meta = tokens[idx].meta
    note, sub = int(meta["id"]), int(meta.get("subId", 0))
    n = number(env, note)
    if env["floats"] and sub == 0:  # print, at the foot of the page: the note itself
        return (f'<span class="footnote" id="{note_id(env, note)}" data-n="{n}">'
                f'{env["note_html"][note]}</span>')
    href = f"#{note_id(env, note)}"  # the note is in the part's own file, in both editions
    return (f'<a class="noteref" epub:type="noteref" role="doc-noteref" href="{href}" '
            f'id="{ref_id(env, note, sub)}">{n}</a>')


def note_paragraph(env: Any, html: str, opening: bool) -> str:
    """A paragraph of a note floated to the foot of a page: a span, since it stands inside
    the paragraph that calls it."""
    if not env.get("in_float"):
        return html
    return '<span class="note-p">' if opening else "</span>"


def notes_after(env: Any, notes: dict[int, list[Token]], calls: dict[int, int]) -> str:
    """The notes after the part's text: asides (the EPUB's foot notes), or the notes of
    the chapter as a list; each begins with its number, a link back to its call."""
    if not notes or env["floats"]:
        return ""
    endnotes = env["place"] == "chapter"
    out = []
    for note in sorted(notes):
        n = number(env, note)
        back = (f'<a class="backlink" role="doc-backlink" href="#{ref_id(env, note, 0)}">'
                f"{n}.</a> ")
        body = env["note_html"][note].replace(">", ">" + back, 1) if \
            env["note_html"][note].startswith("<p") else back + env["note_html"][note]
        if endnotes:
            out.append(f'<li id="{note_id(env, note)}" class="book-note" '
                       f'epub:type="endnote">{body}</li>')  # doc-endnote: deprecated
        else:
            out.append(f'<aside id="{note_id(env, note)}" class="book-note" epub:type="footnote" '
                       f'role="doc-footnote">{body}</aside>')
    if endnotes:
        return (f'<section class="notes" epub:type="endnotes" role="doc-endnotes" '
                f'aria-label="Notes">\n<ol class="notes-list">\n{chr(10).join(out)}\n'
                "</ol>\n</section>\n")
    return "\n".join(out) + "\n"
