"""What MARC 21 codes about a book rather than names in it: the 008 fixed fields, the
language codes (041) and the language note (546).

Dates (008/06-14): a reprint (an original in the book's language) is "r", the edition's
year and the original's; a translation is a new expression, not a reprint (MARC 21 008
"r": reprints, reissues, facsimiles), so it is "s" like a new book, with the edition's
year alone (the original's stands in 534 and 041 $h).

Literary form (008/33): "i" (letters) when every chapter of the book is a letter; else
what the book's own subjects say: its first BISAC code (FIC, JUV and YAF fiction "1",
FIC029000 short stories "j", POE poetry "p", DRA drama "d", HUM humor "h", any other
heading "0", not fiction), or its first Thema subject (F, YF fiction "1", DC poetry "p",
DD plays "d", any other "0"). A book with neither is "u", unknown: its kinds of part
(chapter, preface, ...) cannot tell a novel from a history, and "0" would be a claim.

Place of publication (008/15-17) is always "xx ": MARC's country codes name a country
(and a US state, a Canadian province, a UK country), and book.yaml names a city, which
no table here could turn into one honestly.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING

from publish.records.scripts import base
from publish.render.markup import Languages, tag_runs
from publish.source.metadata import AUDIENCES, language_name, marc_language

if TYPE_CHECKING:
    from publish.source.model import Block, Book, Meta

BISAC_FORMS = (("FIC029000", "j"), ("FIC", "1"), ("JUV", "1"), ("YAF", "1"), ("POE", "p"),
               ("DRA", "d"), ("HUM", "h"))
THEMA_FORMS = (("YF", "1"), ("F", "1"), ("DC", "p"), ("DD", "d"))
NATURE = {"bibliography": "b"}  # 008/24-27 nature of contents, by kind of part


def translated(meta: Meta) -> bool:
    """A translation: the original is in another language (en-GB of en is no other)."""
    original = meta.original
    return original is not None and marc_language(original.language) != marc_language(
        meta.language)


def literary_form(book: Book) -> str:
    chapters = [p for p in book.parts if p.kind.chapter_like]
    if chapters and all(p.header.kind == "letter" for p in chapters):
        return "i"
    subjects = book.meta.subjects
    if subjects.bisac:
        return next((code for prefix, code in BISAC_FORMS
                     if subjects.bisac[0].startswith(prefix)), "0")
    topics = [t for t in subjects.thema if t[0].isalpha()]  # not a qualifier (1-6)
    if topics:
        return next((code for prefix, code in THEMA_FORMS if topics[0].startswith(prefix)),
                    "0")
    return "u"


def fixed_fields(book: Book, when: dt.datetime, epub: bool) -> str:
    """008 for books, 40 positions: each value below is one or more of them, in order."""
    meta = book.meta
    reprint = meta.original is not None and not translated(meta)
    nature = "".join(dict.fromkeys(NATURE[p.header.kind] for p in book.parts
                                   if p.header.kind in NATURE))
    values = [
        when.strftime("%y%m%d"),  # 00-05 date entered on file
        "r" if reprint else "s",  # 06 type of date: reprint and original, or single
        f"{meta.year:04d}",  # 07-10 date 1: this edition's year
        f"{meta.original.year:04d}" if reprint and meta.original else "    ",  # 11-14
        "xx ",  # 15-17 place of publication: not coded (see above)
        "    ",  # 18-21 no illustrations
        AUDIENCES[meta.audience][1],  # 22 target audience
        "o" if epub else " ",  # 23 form of item: online, or none of the others (print)
        f"{nature:<4}"[:4],  # 24-27 nature of contents
        " ", "0", "0", "0", " ",  # 28 not govt, 29 conference, 30 festschrift, 31 index, 32
        literary_form(book),  # 33 literary form
        " ",  # 34 no biographical material
        marc_language(meta.language),  # 35-37 language
        " ", "d",  # 38 not modified, 39 cataloguing source: other
    ]
    data = "".join(values)
    assert len(data) == 40, f"008 has {len(data)} positions"  # a bug, not the source's
    return data


def text_languages(book: Book) -> list[str]:
    """The languages of the text: the book's, then those of whole parts in another."""
    languages = [book.meta.language]
    languages += [p.header.lang for p in book.parts if p.header.lang]
    return list(dict.fromkeys(marc_language(tag) for tag in languages))


def language_codes(book: Book) -> tuple[str, list[tuple[str, str]]] | None:
    """041: a translation (1_, $a the text's languages, $h the original's), or a text in
    several languages (0_). Not for titles or names in other scripts: 041 codes the
    content's languages, and a parallel title is no content (the 546 names it)."""
    codes = [("a", code) for code in text_languages(book)]
    if translated(book.meta) and book.meta.original:
        return "1 ", [*codes, ("h", marc_language(book.meta.original.language))]
    return ("0 ", codes) if len(codes) > 1 else None


def page_languages(blocks: list[Block], meta: Meta) -> list[str]:
    """The languages of a page given line for line other than the book's: its blocks'
    own, and those of its runs of Han, kana or Hangul (as both editions tag them)."""
    found: list[str] = []
    for block in blocks:
        if block.lang:
            found.append(block.lang)
        where = Languages(block.lang or meta.language, meta.han)
        for line in block.lines:
            found += re.findall(r'<span lang="([^"]+)"', tag_runs(line, where))
    return [t for t in dict.fromkeys(found) if base(t) != base(meta.language)]


def language_note(book: Book) -> str:
    """546: the text's language (and the original's), then what is in other languages."""
    meta = book.meta
    note = f"In {language_name(meta.language)}"
    if translated(meta) and meta.original:
        note += f", translated from the {language_name(meta.original.language)}"
    what: dict[str, list[str]] = {}
    for tag, _ in meta.title.alternates:
        if base(tag) != base(meta.language):
            what.setdefault(language_name(tag), []).append("parallel title")
    for part in book.parts:
        if part.header.lang and base(part.header.lang) != base(meta.language):
            what.setdefault(language_name(part.header.lang), []).append("some parts")
    if meta.imprint and meta.original:
        for tag in page_languages(meta.imprint, meta):
            what.setdefault(language_name(tag), []).append(
                f"the imprint of the {meta.original.year} edition")
    others = [f"{' and '.join(dict.fromkeys(items))} in {name}" for name, items in what.items()]
    return "; ".join([note, *others]) + "."
