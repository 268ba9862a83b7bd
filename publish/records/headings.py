"""MARC 21 access points: the contributors' names (1XX, 7XX) and the subjects (6XX, 653),
as subfields with the punctuation the Library of Congress and OCLC give them.

Who is the main entry (RDA 6.27.1): the first author (relator `aut`) of a work by one or
more named authors, a person in 100 and an organisation in 110 (RDA 19.2: a body's
official communications, the letters of a central committee, are among the works a body
creates). A compilation of works by different creators is entered under its title (RDA
6.27.1.4): the toolchain knows a book is one when its chapters are letters from more
than one sender (Seven Letters: two central committees' letters, 245 0_ with both in
710). Every other contributor is an added entry: a person in 700, a body in 710, with
the relator's term in $e and its code in $4.

Subject headings (LCSH, second indicator 0): a topic in 650, a place in 651, a body in
610, a person in 600; book.yaml writes the subdivisions after " -- ". Their kind is
not written, so it is told from the text: a century, a date or a "..., 1917-1921"
period is chronological ($y); one of LCSH's form subdivisions below ($v, the form of the
book: "Fiction"); a place the book itself names as a place heading is geographic ($z:
"China -- Foreign relations -- Soviet Union" beside `place: Soviet Union -- ...`);
anything else is a topical subdivision ($x). A place that is not one of the book's own
place headings cannot be told from a topic and is written $x: a cataloguer may recode it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from publish.records.scripts import single
from publish.source.metadata import Heading, relators

if TYPE_CHECKING:
    from publish.source.metadata import Contributor
    from publish.source.model import Book

Pairs = list[tuple[str, str]]

# LCSH free-floating form subdivisions (H 1095) that name what the book is, not a topic.
FORM_SUBDIVISIONS = frozenset({
    "Fiction", "Juvenile fiction", "Juvenile literature", "Juvenile poetry", "Poetry",
    "Drama", "Diaries", "Correspondence", "Early works to 1800", "Sources", "Biography",
    "Dictionaries", "Periodicals", "Bibliography", "Pictorial works", "Maps", "Guidebooks",
    "Anecdotes", "Humor", "Sermons", "Quotations", "Translations into English",
})
_CHRONOLOGICAL = re.compile(
    r"(?:\d{1,2}(?:st|nd|rd|th)(?:-\d{1,2}(?:st|nd|rd|th))? centur(?:y|ies)"
    r"|(?:To |Ca\. )?\d{3,4}(?:-\d{0,4})?|.+, (?:ca\. )?\d{3,4}(?:-\d{0,4})?)(?: B\.C\.)?")
_DATES = re.compile(r"(?P<name>.+?),\s*(?P<dates>(?:ca\. )?\d{3,4}\??-(?:\d{3,4}\??)?)")


def terminal(text: str) -> str:
    """A field's last data element ends with a mark of punctuation (OCLC BFAS 1XX, 6XX,
    7XX: a period unless it ends with one, a closing parenthesis or an open date)."""
    return text if text.endswith((".", "?", "!", ")", "-")) else f"{text}."


def _join(pairs: Pairs) -> Pairs:
    """Name subfields punctuated: a comma before $d and $e (not after an open date), a
    period at the end of the name and its terms; $4 codes take none."""
    out: Pairs = []
    data = [p for p in pairs if p[0] != "4"]
    for index, (code, value) in enumerate(data):
        last = index == len(data) - 1
        nxt = data[index + 1][0] if not last else ""
        if last:
            value = terminal(value)
        elif nxt in ("d", "e") and not value.endswith("-"):
            value = value.rstrip(",") + ","
        elif nxt == "b":
            value = terminal(value)
        out.append((code, value))
    return out + [p for p in pairs if p[0] == "4"]


def invert(name: str) -> str:
    """'Anna Petrova' -> 'Petrova, Anna', as Contributor.file_as makes a sort form."""
    first, _, last = name.rpartition(" ")
    return f"{last}, {first}" if first else name


def _body(text: str) -> Pairs:
    """A body and its subordinate units, written "Body. Unit" (AACR2/RDA form)."""
    body, *units = text.split(". ")
    return [("a", body), *(("b", unit) for unit in units)]


@dataclass(frozen=True)
class NameField:
    """A contributor's 1XX or 7XX: first indicator, subfields, and the vernacular's."""

    person: bool
    ind1: str
    pairs: Pairs
    vernacular: Pairs | None
    script: str | None

    def tag(self, main: bool) -> str:
        return ("1" if main else "7") + ("00" if self.person else "10")


def name_field(contributor: Contributor, language: str) -> NameField:
    form = single(contributor.name, language)
    person = contributor.kind == "person"
    regular_is_main = form.text == contributor.name.text
    heading = contributor.file_as if regular_is_main else (
        invert(form.text) if person else form.text)
    vernacular = form.vernacular
    if vernacular and person:
        # Inverted as the regular form is, when that is the name inverted ("Anna
        # Petrova", "Petrova, Anna"); a name sorted otherwise stays as written.
        if not regular_is_main:
            vernacular = contributor.file_as
        elif contributor.sort is None or contributor.sort == invert(contributor.name.text):
            vernacular = invert(vernacular)
    roles = [("e", relators()[code][0]) for code in contributor.role]
    codes = [("4", code) for code in contributor.role]
    dates = [("d", contributor.dates)] if contributor.dates and person else []

    def pairs(name: str, split: bool) -> Pairs:
        names = _body(name) if split and not person else [("a", name)]
        return _join([*names, *dates, *roles, *codes])

    ind1 = ("1" if "," in heading else "0") if person else "2"
    return NameField(person, ind1, pairs(heading, True),
                     pairs(vernacular, False) if vernacular else None, form.script)


def is_compilation(book: Book) -> bool:
    """Letters from more than one sender: works by different creators (RDA 6.27.1.4)."""
    letters = [p for p in book.parts if p.kind.chapter_like]
    senders = {p.header.sender for p in letters if p.header.kind == "letter"}
    return bool(letters) and all(p.header.kind == "letter" for p in letters) and \
        len(senders) > 1


def main_entry(book: Book) -> Contributor | None:
    """The contributor of the 1XX: the first author, unless the book is a compilation."""
    if is_compilation(book):
        return None
    return next((c for c in book.meta.contributors if "aut" in c.role), None)


@dataclass(frozen=True)
class SubjectField:
    tag: str
    ind: str
    pairs: Pairs


def _places(book: Book) -> set[str]:
    """The places the book's own place headings name (their first element)."""
    return {h.text.split("--")[0].strip() for h in book.meta.subjects.lcsh
            if isinstance(h, Heading) and h.kind == "place"}


def _subdivision(text: str, places: set[str]) -> tuple[str, str]:
    if _CHRONOLOGICAL.fullmatch(text):
        return "y", text
    if text in FORM_SUBDIVISIONS:
        return "v", text
    return ("z" if text in places else "x"), text


def subject_fields(book: Book) -> list[SubjectField]:
    """The LCSH headings in 600, 610, 650 and 651 (in tag order, each kind in the order
    book.yaml gives them), then each keyword in a 653 (uncontrolled: no source)."""
    places = _places(book)
    out: list[SubjectField] = []
    for heading in book.meta.subjects.lcsh:
        kind, text = ("topic", heading) if isinstance(heading, str) else (
            heading.kind, heading.text)
        main, *subdivisions = (p.strip() for p in text.split("--"))
        if kind == "person":
            dated = _DATES.fullmatch(main)
            name: Pairs = [("a", dated["name"] + ","), ("d", dated["dates"])] if dated \
                else [("a", main)]
            tag, ind = "600", ("1" if "," in (dated["name"] if dated else main) else "0") + "0"
        elif kind == "body":
            name, tag, ind = _body(main), "610", "20"
            name = [(c, terminal(v) if i < len(name) - 1 else v) for i, (c, v) in enumerate(name)]
        else:
            name, tag, ind = [("a", main)], ("651" if kind == "place" else "650"), " 0"
        pairs = [*name, *(_subdivision(s, places) for s in subdivisions)]
        pairs[-1] = (pairs[-1][0], terminal(pairs[-1][1]))
        out.append(SubjectField(tag, ind, pairs))
    out.sort(key=lambda f: f.tag)  # stable: book.yaml's order within a tag
    return out + [SubjectField("653", "  ", [("a", k)]) for k in book.meta.keywords]


def statement(names: Sequence[str], credits: Sequence[str]) -> str:
    """245 $c from the title page's lines: the authors, then "translated by ..." (RDA
    1.7: the words of a statement in lower case, the names as they are)."""
    parts = [", ".join(names)] if names else []
    parts += [line[:1].lower() + line[1:] for line in credits]
    return " ; ".join(parts)
