"""What the ONIX message says of the book, the same for both products: its titles, series,
contributors, edition, languages, subjects, audience, publisher and date; and the prices
of each product. onix.py adds what differs by product; the template lays them out.

Codes are EDItEUR's ONIX 3.0 code lists (the list is named beside each).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from publish.records.coded import text_languages, translated
from publish.records.scripts import explicit_script, onix_language, region
from publish.source.markup import plain_text
from publish.source.metadata import AUDIENCES, relators, script_of

if TYPE_CHECKING:
    from publish.source.metadata import Contributor, LocalName, LocalTitle
    from publish.source.model import Book, Meta

# Thema qualifiers by their first character (list 27): 1 place 94, 2 language 95, 3 time
# period 96, 4 educational purpose 97, 5 interest age 98, 6 style 99; subjects are 93.
THEMA_SCHEMES = {"1": "94", "2": "95", "3": "96", "4": "97", "5": "98", "6": "99"}
BISAC, THEMA, LCSH, KEYWORDS = "10", "93", "04", "20"  # list 27
ONIX_AUDIENCE_CODES = "01"  # list 29: a code of list 28 (AUDIENCES' first code)
ALTERNATIVE_FORM = "05"  # list 18: transliterated / translated form of the primary name
BORN, DIED = "50", "51"  # list 177
TITLE, IN_OTHER_LANGUAGE, IN_ORIGINAL_LANGUAGE = "01", "06", "03"  # list 15
PUBLISHER_COLLECTION, COLLECTION_LEVEL, ISSN, TITLE_ORDER = "10", "02", "02", "02"
# Date formats (list 55) by the length of book.yaml's date: YYYY, YYYY-MM, YYYY-MM-DD.
DATE_FORMATS = {4: "05", 7: "01", 10: "00"}
# PriceType (list 58): a price as book.yaml gives it is what the reader pays. In the US
# and Canada list prices are quoted before the sales tax added at the till (01, RRP
# excluding tax); elsewhere (VAT, GST, and a WORLD price) a consumer price includes the
# tax (02, RRP including tax), as it is printed on the book.
EXCLUDING_TAX, INCLUDING_TAX = "01", "02"
SALES_TAX_COUNTRIES = {"US", "CA"}


@dataclass(frozen=True)
class Text:
    """A text with its language (list 74) and script (list 121), where not the book's."""

    value: str
    language: str = ""
    script: str = ""


@dataclass(frozen=True)
class Title:
    type: str  # list 15
    text: Text
    subtitle: Text | None = None


@dataclass(frozen=True)
class Collection:
    name: Text
    number: str = ""
    issn: str = ""  # unhyphenated


@dataclass(frozen=True)
class Person:
    """A Contributor composite: a person (PersonName and its parts) or a body."""

    sequence: int
    roles: tuple[str, ...]  # list 17
    person: bool
    name: str
    inverted: str = ""  # PersonNameInverted
    before_key: str = ""  # NamesBeforeKey
    key_names: str = ""  # KeyNames
    from_language: str = ""  # a translator's: list 74
    to_language: str = ""
    alternatives: tuple[Text, ...] = ()  # the name in other scripts or languages
    dates: tuple[tuple[str, str], ...] = ()  # (list 177 role, YYYY)


@dataclass(frozen=True)
class Language:
    role: str  # list 22: 01 the text's, 02 the original's of a translation
    code: str  # list 74
    country: str = ""  # list 91: the variant (en-GB)
    script: str = ""  # list 121: where the tag names one (zh-Hant)


@dataclass(frozen=True)
class Subject:
    scheme: str  # list 27
    code: str = ""
    text: str = ""
    main: bool = False


@dataclass(frozen=True)
class Price:
    type: str  # list 58
    amount: str
    currency: str  # ISO 4217
    countries: str = ""  # ISO 3166-1, space-separated
    regions: str = ""  # WORLD


def _text(tag: str | None, value: str, language: str) -> Text:
    """A text in the book's language carries no attributes; another's carries both."""
    if tag is None or tag == language:
        return Text(plain_text(value))
    return Text(plain_text(value), onix_language(tag), script_of(tag))


def titles(meta: Meta) -> list[Title]:
    """The title (01) with its subtitle; each alternate form as a title in another
    language (06, a parallel title), with the subtitle's form of the same language tag;
    a translation's original title (03)."""
    title, subtitle = meta.title, meta.subtitle
    out = [Title(TITLE, _text(title.lang, title.text, meta.language),
                 _text(subtitle.lang, subtitle.text, meta.language) if subtitle else None)]
    other = dict(subtitle.alternates) if subtitle else {}
    for tag, text in title.alternates:
        sub = _text(tag, other[tag], meta.language) if tag in other else None
        out.append(Title(IN_OTHER_LANGUAGE, _text(tag, text, meta.language), sub))
    original = meta.original
    if original and original.title and translated(meta):
        tag = original.title.lang or original.language
        out.append(Title(IN_ORIGINAL_LANGUAGE, _text(tag, original.title.text, "")))
    return out


def collection(meta: Meta) -> Collection | None:
    series = meta.series
    if series is None:
        return None
    return Collection(_text(series.name.lang, series.name.text, meta.language),
                      str(series.number or ""), (series.issn or "").replace("-", ""))


def _alternatives(name: LocalName | LocalTitle) -> tuple[Text, ...]:
    return tuple(Text(plain_text(text), onix_language(tag), script_of(tag))
                 for tag, text in name.alternates)


def person(number: int, contributor: Contributor, meta: Meta) -> Person:
    roles = tuple(dict.fromkeys(relators()[code][1] for code in contributor.role))
    translating = "trl" in contributor.role and translated(meta) and meta.original
    languages = (onix_language(meta.original.language), onix_language(meta.language)
                 ) if translating and meta.original else ("", "")
    if contributor.kind == "organisation":
        return Person(number, roles, False, plain_text(contributor.name.text),
                      from_language=languages[0], to_language=languages[1],
                      alternatives=_alternatives(contributor.name))
    sort = contributor.file_as
    key, _, before = sort.partition(", ")
    split = sort.count(", ") == 1  # "Voronin, Ilya": key names, then names before them
    born_died = re.fullmatch(r"(\d{4})-(\d{4})?", contributor.dates or "")
    years = born_died.groups() if born_died else (None, None)
    dates = tuple((role, year) for role, year in ((BORN, years[0]), (DIED, years[1])) if year)
    return Person(number, roles, True, plain_text(contributor.name.text),
                  inverted=sort if "," in sort else "",
                  before_key=before if split else "", key_names=key if split else "",
                  from_language=languages[0], to_language=languages[1],
                  alternatives=_alternatives(contributor.name), dates=dates)


def languages(book: Book) -> list[Language]:
    """The text's languages (01: the book's, then any whole part's), and the original's
    of a translation (02)."""
    meta = book.meta
    out = [Language("01", onix_language(meta.language), region(meta.language) or "",
                    explicit_script(meta.language) or "")]
    out += [Language("01", code) for code in text_languages(book)[1:]]
    if translated(meta) and meta.original:
        out.append(Language("02", onix_language(meta.original.language)))
    return out


def subjects(meta: Meta) -> list[Subject]:
    """Each scheme's subjects, the first of BISAC and of Thema's categories the main one
    (MainSubject is one per scheme); LCSH headings in LC's text form; the keywords in one
    Subject (scheme 20), separated by semicolons as ONIX asks."""
    given = meta.subjects
    out = [Subject(BISAC, code, main=i == 0) for i, code in enumerate(given.bisac)]
    categories = [code for code in given.thema if code[0].isalpha()]
    out += [Subject(THEMA_SCHEMES.get(code[0], THEMA), code,
                    main=bool(categories) and code == categories[0]) for code in given.thema]
    for heading in given.lcsh:
        text = heading if isinstance(heading, str) else heading.text
        out.append(Subject(LCSH, text="--".join(p.strip() for p in text.split("--"))))
    if meta.keywords:
        out.append(Subject(KEYWORDS, text="; ".join(meta.keywords)))
    return out


def prices(meta: Meta, edition: str) -> tuple[Price, ...]:
    out = []
    for price in meta.prices:
        if price.edition != edition:
            continue
        countries = set(price.territory.split()) if price.territory != "WORLD" else set()
        kind = EXCLUDING_TAX if countries and countries <= SALES_TAX_COUNTRIES else \
            INCLUDING_TAX
        out.append(Price(kind, price.amount, price.currency, **territory(price.territory)))
    return tuple(out)


def publishing_date(meta: Meta) -> tuple[str, str]:
    """(list 55 format, the date in it): 2026 (05), 202603 (01), 20260315 (00)."""
    return DATE_FORMATS[len(meta.date)], meta.date.replace("-", "")


def describe(book: Book) -> dict[str, Any]:
    """The template's values shared by both products."""
    meta = book.meta
    return {
        "publisher": plain_text(meta.publisher.text),
        "city": plain_text(meta.place.text) if meta.place else "",
        "language": onix_language(meta.language),
        "titles": titles(meta),
        "collection": collection(meta),
        "contributors": [person(n, c, meta) for n, c in enumerate(meta.contributors, 1)],
        "edition_statement": plain_text(meta.edition.text) if meta.edition else "",
        "languages": languages(book),
        "subjects": subjects(meta),
        "audience": (ONIX_AUDIENCE_CODES, AUDIENCES[meta.audience][0]),
        "description": meta.description or "",
        "published": publishing_date(meta),
        "cover_url": meta.catalogue.cover_url or "",
        "sales": territory(meta.catalogue.sales_territory),
    }


def territory(codes: str) -> dict[str, str]:
    """An ONIX Territory: its countries (ISO 3166), or the region WORLD."""
    return {"regions": "WORLD", "countries": ""} if codes == "WORLD" else \
        {"regions": "", "countries": codes}
