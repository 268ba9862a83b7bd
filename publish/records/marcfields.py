"""The fields of a MARC 21 record that describe the book as it presents itself: its title
statement, publication, series and original (RDA chapters 2 and 27, ISBD punctuation),
and the builder that pairs each field with its 880 where a text has a form in another
script (scripts.py). marc.py puts them in order with the rest of the record.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from pymarc import Field, Indicators, Record, Subfield

from publish.records.casing import sentence_case, usage
from publish.records.coded import translated
from publish.records.headings import NameField, Pairs, statement, terminal
from publish.records.scripts import Form, base, by_language, marc_script, single
from publish.source.metadata import marc_language, script_of
from publish.source.pages import title_page

if TYPE_CHECKING:
    from publish.source.model import Book, Meta

NO_PLACE = "[Place of publication not identified]"  # RDA 2.8.2.6: book.yaml names none
# Initial articles (MARC 21 Appendix E) of the languages whose titles the nonfiling
# indicators are counted for; a title in another language counts none.
ARTICLES = {
    "eng": ("the", "a", "an"), "fre": ("l'", "le", "la", "les", "un", "une"),
    "ger": ("der", "die", "das", "dem", "den", "des", "ein", "eine", "einem", "einen",
            "einer", "eines"),
    "spa": ("el", "la", "lo", "los", "las", "un", "una"),
    "ita": ("l'", "gli", "il", "lo", "la", "le", "un", "uno", "una"),
    "por": ("o", "a", "os", "as", "um", "uma"),
}


def make_field(tag: str, ind: str, *pairs: tuple[str, str]) -> Field:
    return Field(tag, indicators=Indicators(ind[0], ind[1]),
                 subfields=[Subfield(code, value) for code, value in pairs])


@dataclass
class Builder:
    """One record under construction; 880s are numbered in the order they are linked."""

    record: Record = field(default_factory=lambda: Record(force_utf8=True))
    linked: list[Field] = field(default_factory=list)

    # Fields are appended to `record.fields`: pymarc 5.4's add_field() has no annotations.
    def control(self, tag: str, data: str) -> None:
        self.record.fields.append(Field(tag, data=data))

    def add(self, tag: str, ind: str, *pairs: tuple[str, str],
            vernacular: Sequence[tuple[str, str]] = (), script: str | None = None) -> None:
        if not vernacular:
            self.record.fields.append(make_field(tag, ind, *pairs))
            return
        occurrence = f"{len(self.linked) + 1:02d}"
        self.record.fields.append(make_field(tag, ind, ("6", f"880-{occurrence}"), *pairs))
        # The 880 repeats the indicators of its field, and names its script in $6.
        link = f"{tag}-{occurrence}{marc_script(script)}"
        self.linked.append(make_field("880", ind, ("6", link), *vernacular))

    def name(self, tag: str, heading: NameField) -> None:
        """A 1XX or 7XX, with its 880 where the name has a form in another script."""
        self.add(tag, f"{heading.ind1} ", *heading.pairs, vernacular=heading.vernacular or (),
                 script=heading.script)

    def finish(self) -> Record:
        self.record.fields.extend(self.linked)
        return self.record


def vern(form: Form, pairs: Pairs) -> dict[str, Any]:
    """The keywords of Builder.add for a field whose text has a vernacular form."""
    return linked(pairs, form.script if form.vernacular else None)


def linked(pairs: Pairs, script: str | None) -> dict[str, Any]:
    """The keywords of Builder.add: an 880 of `pairs` in `script`, if there is one."""
    return {"vernacular": pairs, "script": script} if script else {}


def nonfiling(text: str, lang: str) -> int:
    """The characters a title's initial article takes (MARC 21 Appendix E), for the
    nonfiling indicators of 130, 240, 245 and 830: in the title's own language only."""
    words = ARTICLES.get(marc_language(lang), ())
    lead = len(text) - len(text.lstrip("\"'[(*"))
    lower = text[lead:].lower()
    for word in words:
        if lower.startswith(word if word.endswith("'") else f"{word} "):
            return min(9, lead + len(word) + (0 if word.endswith("'") else 1))
    return 0


def title_statement(b: Builder, book: Book, main: bool) -> Form:
    """245 (and a 246 31 for each parallel title): the title proper, its subtitle, each
    parallel title with its own subtitle ("Title : subtitle = Parallel : subtitle", one
    $b as MARC has), and the statement of responsibility the made title page prints.
    Returns the title proper."""
    meta = book.meta
    titles = by_language(meta.title, meta.language)
    subtitles = {base(f.lang): f for f in by_language(meta.subtitle, meta.language)
                 } if meta.subtitle else {}
    proper = titles[0]
    rest: list[tuple[str, Form]] = []  # the separator before each, and the text
    for index, title in enumerate(titles):
        if index:
            rest.append(("=", title))
        if subtitle := subtitles.get(base(title.lang)):
            rest.append((":", subtitle))
    names = credits = []
    if meta.title_page is None:  # the title page made from the metadata: what it says
        made = title_page(meta)
        names = [line for block in made if str(block.style) == "author" for line in block.lines]
        credits = [line for block in made if str(block.style) not in (
            "author", "title", "subtitle", "parallel", "publisher") for line in block.lines]
    responsibility = statement(names, credits)

    names_of = usage(book)

    def cased(text: str, lang: str, first: bool = True) -> str:  # RDA A.4 (casing.py)
        if script_of(lang) != script_of(base(lang)):  # a romanization: cased as it is given
            return text
        return sentence_case(text, names_of, lang, first)

    def pairs(vernacular: bool) -> Pairs:
        def text(form: Form, sep: str = "=") -> str:  # a subtitle (":") begins in lower case
            # The form in the other script is of the same language (scripts.by_language).
            return cased(form.original if vernacular else form.text, form.lang, sep != ":")
        after = " /" if responsibility else "."
        out = [("a", text(proper) + (f" {rest[0][0]}" if rest else after))]
        if rest:
            out.append(("b", text(rest[0][1], rest[0][0]) + "".join(
                f" {sep} {text(form, sep)}" for sep, form in rest[1:]) + after))
        return out + ([("c", f"{responsibility}.")] if responsibility else [])

    shown = [proper, *(form for _, form in rest)]
    script = next((f.script for f in shown if f.vernacular), None)
    skip = nonfiling(proper.text, proper.lang)
    b.add("245", f"{int(main)}{skip}", *pairs(False),
          **linked(pairs(True), script))
    for title in titles[1:]:
        b.add("246", "31", ("a", cased(title.text, title.lang)),
              **vern(title, [("a", cased(title.original, title.lang))]))
    return replace(proper, text=cased(proper.text, proper.lang))


def publication(place: Form | None, publisher: Form, year: int,
                vernacular: bool = False) -> Pairs:
    """264 _1: place, publisher and year (RDA 2.8), or the place "not identified"."""
    def text(form: Form) -> str:
        return form.original if vernacular else form.text
    return [("a", f"{text(place) if place else NO_PLACE} :"), ("b", f"{text(publisher)},"),
            ("c", f"{year}.")]


def series(b: Builder, meta: Meta) -> None:
    """490 1_ as the book states its series, traced (830 _0) under the same name: the
    publisher names its own series, so its name is the series' authorized form."""
    if meta.series is None:
        return
    name, number, issn = single(meta.series.name, meta.language), meta.series.number, \
        meta.series.issn

    def statement(text: str) -> Pairs:
        out = [("a", text + ("," if issn else " ;" if number else ""))]
        if issn:
            out.append(("x", issn + (" ;" if number else "")))
        return out + ([("v", str(number))] if number else [])

    b.add("490", "1 ", *statement(name.text), **vern(name, statement(name.original)))


def series_entry(b: Builder, meta: Meta) -> None:
    """830 _0: the series traced under the name 490 states (after the 7XX)."""
    if meta.series is None:
        return
    name, number = single(meta.series.name, meta.language), meta.series.number
    b.add("830", f" {nonfiling(name.text, name.lang)}",
          ("a", name.text + (" ;" if number else ".")), *([("v", f"{number}.")] if number else []))


def original_note(b: Builder, meta: Meta) -> None:
    """534: the original, as its title page and imprint give it (a reprint: "Originally
    published"; a translation: "Translation of")."""
    original = meta.original
    assert original is not None
    title = single(original.title or meta.title, meta.language)
    edition = single(original.edition, meta.language) if original.edition else None
    place = single(original.place, meta.language) if original.place else None
    publisher = single(original.publisher, meta.language) if original.publisher else None

    def pairs(vernacular: bool) -> Pairs:
        def text(form: Form) -> str:
            return form.original if vernacular else form.text
        where = " : ".join(text(f) for f in (place, publisher) if f)
        out = [("p", "Translation of:" if translated(meta) else "Originally published:"),
               ("t", terminal(text(title)))]
        if edition:
            out.append(("b", terminal(text(edition))))
        return [*out, ("c", f"{where}, {original.year}." if where else f"{original.year}.")]

    shown = [f for f in (title, edition, place, publisher) if f]
    script = next((f.script for f in shown if f.vernacular), None)
    b.add("534", "  ", *pairs(False),
          **linked(pairs(True), script))
