"""The values of book.yaml that describe a book rather than lay it out: languages, texts
in several languages or scripts, contributors and their roles, identifiers, subjects,
dates, prices and the audience. model.py puts them together into `Meta`.

A validator that refuses a value with a code of its own (S-ISBN, S-LANGUAGE, ...)
raises `Coded`; the loader turns it into a SourceError at the key's line.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Annotated, Literal

import langcodes
from pydantic import (
    AfterValidator,
    BeforeValidator,
    ConfigDict,
    Field,
    RootModel,
    StringConstraints,
    model_validator,
)

from publish.resources import read_data
from publish.source.values import MAX_ITEMS, Name, Strict, Title


class Coded(ValueError):
    """A value refused with its own diagnostic code and fix (errors.CODES)."""

    def __init__(self, code: str, message: str, fix: str) -> None:
        super().__init__(message)
        self.code, self.message, self.fix = code, message, fix


def language_tag(value: object) -> str:
    """A BCP 47 language tag (langcodes checks it against the IANA registry), in its
    standard form: `en_GB` and `EN-gb` are kept as `en-GB`, `iw` as `he`."""
    text = value.strip() if isinstance(value, str) else ""
    fix = ("write a tag such as en, en-GB, de, ru, zh-Hans, zh-Hant or ja (a region is two "
           "letters or three digits: fr-FR, es-419; "
           "https://www.w3.org/International/questions/qa-choosing-language-tags)")
    if not text or len(text) > 35 or not langcodes.tag_is_valid(text):
        raise Coded("S-LANGUAGE", f"{str(value)[:40]!r} is not a BCP 47 language tag", fix)
    tag = str(langcodes.standardize_tag(text))
    # langcodes takes any three letters after the language for an extended language
    # subtag ('fr-FRA'); the registry's few (zh-yue) it has already made languages ('yue').
    if langcodes.Language.get(tag).extlangs:
        raise Coded("S-LANGUAGE", f"{str(value)[:40]!r} is not a BCP 47 language tag "
                    f"('{tag.split('-')[1]}' is no region, script or registered subtag)", fix)
    return tag


LangTag = Annotated[str, BeforeValidator(language_tag)]


def marc_language(tag: str) -> str:
    """The MARC (ISO 639-2/B) code of a language tag's language: en-GB -> eng, zh -> chi."""
    return str(langcodes.Language.get(tag).to_alpha3(variant="B"))


def language_name(tag: str) -> str:
    """The English name of a tag's language, without region or script: zh-Hant -> Chinese."""
    return str(langcodes.Language.get(langcodes.Language.get(tag).language or tag)
               .display_name())


def script_of(tag: str) -> str:
    """The ISO 15924 script a tag is written in (its own, or its language's likely one)."""
    return str(langcodes.Language.get(tag).maximize().script)


# A text given in several forms: `title: Seven Letters` (in the book's language), or
# `title: {en: Seven Letters, zh-Hans: 七封信}`: the first form is the text itself, the
# others its alternates in other languages or scripts. The key "" stands for "the book's
# language" (what a plain string means).
def _forms(value: object) -> object:
    return {"": value} if isinstance(value, str) else value


def _form_key(value: str) -> str:
    return "" if value == "" else language_tag(value)


FormKey = Annotated[str, AfterValidator(_form_key)]


class _Forms:
    root: dict[str, str]

    @property
    def text(self) -> str:
        return next(iter(self.root.values()))

    @property
    def lang(self) -> str | None:
        """The text's own language, if it is not the book's."""
        return next(iter(self.root)) or None

    @property
    def alternates(self) -> list[tuple[str, str]]:
        """(language tag, text) of each other form."""
        return list(self.root.items())[1:]

    def __str__(self) -> str:
        return self.text


def _one_main(forms: dict[str, str]) -> dict[str, str]:
    if not forms:
        raise ValueError("give the text, or a mapping of language tags to texts")
    if "" in list(forms)[1:]:
        raise ValueError("each alternate form needs its language tag")
    return forms


class LocalName(_Forms, RootModel[Annotated[dict[FormKey, Name], AfterValidator(_one_main)]]):
    model_config = ConfigDict(frozen=True)
    root: Annotated[dict[FormKey, Name], BeforeValidator(_forms), AfterValidator(_one_main),
                    Field(max_length=MAX_ITEMS)]


class LocalTitle(_Forms,
                 RootModel[Annotated[dict[FormKey, Title], AfterValidator(_one_main)]]):
    model_config = ConfigDict(frozen=True)
    root: Annotated[dict[FormKey, Title], BeforeValidator(_forms), AfterValidator(_one_main),
                    Field(max_length=MAX_ITEMS)]


@cache
def relators() -> dict[str, tuple[str, str]]:
    """MARC relator code -> (its term, the ONIX contributor role code, list 17)."""
    out = {}
    for line in read_data("relators.tsv").splitlines():
        if line and not line.startswith("#"):
            code, term, onix = line.split("\t")
            out[code] = (term, onix)
    return out


def _relator(value: object) -> str:
    if not isinstance(value, str) or value not in relators():
        raise Coded("S-RELATOR", f"{str(value)[:20]!r} is not a MARC relator code",
                    "write a code of https://id.loc.gov/vocabulary/relators (aut author, "
                    "edt editor, trl translator, ill illustrator, aui author of introduction, "
                    "aft author of afterword, ...)")
    return value


Relator = Annotated[str, BeforeValidator(_relator)]


def _roles(value: object) -> object:
    return [value] if isinstance(value, str) else value


class Contributor(Strict):
    """A person or an organisation that made the book, with what they did."""

    name: LocalName
    kind: Literal["person", "organisation"] = "person"
    role: Annotated[tuple[Relator, ...], BeforeValidator(_roles),
                    Field(min_length=1, max_length=5)] = ("aut",)
    # How catalogues sort the name: "Tolstoy, Leo". A person's is made from the name
    # ("Leo Tolstoy" -> "Tolstoy, Leo") when not given; an organisation's is its name.
    sort: Name | None = None
    dates: Name | None = None  # "1828-1910": a person's dates, as catalogues add them

    @property
    def file_as(self) -> str:
        if self.sort:
            return self.sort
        first, _, last = self.name.text.rpartition(" ")
        return f"{last}, {first}" if self.kind == "person" and first else self.name.text


def _isbn13(value: object) -> str:
    text = str(value).strip() if isinstance(value, str | int) else ""
    digits = text.replace("-", "").replace(" ", "")
    if not re.fullmatch(r"[0-9]{13}", digits):
        raise Coded("S-ISBN", f"{text[:30]!r} is not an ISBN-13: 13 digits (hyphens allowed)",
                    "write the 13-digit ISBN your ISBN agency gave the edition")
    if not digits.startswith(("978", "979")):
        raise Coded("S-ISBN", f"ISBN {text} does not begin with 978 or 979",
                    "an ISBN-13 begins with 978 or 979: copy it again from the agency's record")
    check = (10 - sum((3 if i % 2 else 1) * int(c) for i, c in enumerate(digits[:12])) % 10) % 10
    if int(digits[12]) != check:
        raise Coded("S-ISBN", f"ISBN {text}: its check digit is {digits[12]}, the other "
                    f"digits give {check}", "copy the ISBN again: a digit is wrong")
    return digits


ISBN = Annotated[str, BeforeValidator(_isbn13)]


class Isbns(Strict):
    """Each edition its own ISBN (an EPUB and a paperback are two products)."""

    epub: ISBN | None = None
    print: ISBN | None = None

    @model_validator(mode="after")
    def _each_its_own(self) -> Isbns:
        if self.epub and self.epub == self.print:
            raise Coded("S-ISBN", f"the EPUB and the print edition have the same ISBN "
                        f"{self.epub}", "give each edition its own ISBN (an ISBN names one "
                        "product: the EPUB and the paperback are two)")
        return self


def _matching(pattern: str, what: str) -> AfterValidator:
    """A code checked by its form, refused with what the form is."""
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise ValueError(f"{value[:30]!r} is not {what}")
        return value
    return AfterValidator(check)


Code = Annotated[str, StringConstraints(strip_whitespace=True, max_length=40)]
Territories = Annotated[str, StringConstraints(strip_whitespace=True, max_length=750)]  # 249


class Series(Strict):
    name: LocalTitle
    number: Annotated[int, Field(ge=1, le=9999)] | None = None
    issn: Annotated[Code, _matching(r"[0-9]{4}-[0-9]{3}[0-9X]",
                                    "an ISSN: 8 digits as 1234-567X")] | None = None


# ISO 3166-1 country codes (US, GB), or WORLD
Territory = Annotated[Territories, _matching(r"[A-Z]{2}( [A-Z]{2})*|WORLD", "a territory: ISO "
                                             "3166 country codes in capitals, 'US CA', or "
                                             "WORLD")]
WebAddress = Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000),
                       _matching(r"https?://[^\s<>\"]+", "a web address: https://...")]


class Catalogue(Strict):
    """What the catalogue records take from whoever catalogues and sells the book: their
    MARC organization code (the Library of Congress's MARC Code List for Organizations:
    040's agency, 003's assigner of 001), where the EPUB can be had (856 in its record),
    where a retailer fetches the front cover image (ONIX's SupportingResource), and where
    the publisher may sell the book (ONIX's SalesRights)."""

    agency: Annotated[Code, _matching(r"[A-Za-z][A-Za-z0-9:-]{1,15}",
                                      "a MARC organization code: letters, digits, '-' and "
                                      "':', as DLC, UkOxU or Uk-StRLS")] | None = None
    epub_url: WebAddress | None = None
    cover_url: WebAddress | None = None
    sales_territory: Territory = "WORLD"


Bisac = Annotated[Code, _matching(r"[A-Z]{3}[0-9]{6}",
                                  "a BISAC code: 3 capital letters and 6 digits, FIC019000")]
Thema = Annotated[Code, _matching(r"[A-Z1-6][A-Z0-9\-]{0,11}",
                                  "a Thema code: capitals and digits, FBA or 1DDU-GB")]


class Heading(Strict):
    """An LCSH heading other than a topic: a place (651), a body (610), a person (600)."""

    place: Name | None = None
    body: Name | None = None
    person: Name | None = None

    @model_validator(mode="after")
    def _one(self) -> Heading:
        if sum(x is not None for x in (self.place, self.body, self.person)) != 1:
            raise ValueError("give one of place, body or person")
        return self

    @property
    def kind(self) -> str:
        return "place" if self.place else "body" if self.body else "person"

    @property
    def text(self) -> str:
        return self.place or self.body or self.person or ""


class Subjects(Strict):
    """Controlled subjects, each scheme in its own list (keywords are apart: `keywords`)."""

    bisac: Annotated[list[Bisac], Field(max_length=MAX_ITEMS)] = Field(default_factory=list)
    thema: Annotated[list[Thema], Field(max_length=MAX_ITEMS)] = Field(default_factory=list)
    # A topic as a string ("Communism -- History -- 20th century"), else a mapping.
    lcsh: Annotated[list[Name | Heading], Field(max_length=MAX_ITEMS)] = Field(
        default_factory=list)


_DATE = re.compile(r"[0-9]{4}(-[0-9]{2}(-[0-9]{2})?)?")


def _date(value: object) -> str:
    """A publication date: a year, a year and month, or a full date, as ISO 8601 writes it."""
    text = value.isoformat() if isinstance(value, dt.date) else \
        str(value).strip() if isinstance(value, str | int) else ""
    if _DATE.fullmatch(text) and 1450 <= int(text[:4]) <= 2100:
        try:
            dt.datetime.strptime(text, ("%Y", "%Y-%m", "%Y-%m-%d")[text.count("-")])
            return text
        except ValueError:
            pass
    raise ValueError(f"{str(value)[:30]!r} is not a date between 1450 and 2100: write "
                     "2026, 2026-03 or 2026-03-15")


PubDate = Annotated[str, BeforeValidator(_date)]


def _amount(value: object) -> str:
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        amount = Decimal("NaN")
    if not amount.is_finite() or amount <= 0 or amount > 100_000 or -amount.as_tuple()[2] > 2:  # type: ignore[operator]
        raise ValueError(f"{str(value)[:20]!r} is not a price: write 12.99 (at most two "
                         "decimals, above 0)")
    return f"{amount:.2f}"


class Price(Strict):
    """A price of one edition, in a currency, where it applies."""

    edition: Literal["print", "epub"]
    amount: Annotated[str, BeforeValidator(_amount)]
    currency: Annotated[Code, _matching(r"[A-Z]{3}", "an ISO 4217 currency code: "
                                        "3 capital letters, USD, EUR, GBP")]
    territory: Territory = "WORLD"


# The audience, as ONIX list 28 names it, with its code there and MARC 008/22's.
AUDIENCES = {
    "general": ("01", "g"), "children": ("02", "j"), "young-adult": ("03", "d"),
    "primary-education": ("04", "b"), "secondary-education": ("05", "d"),
    "higher-education": ("06", "e"), "professional": ("07", "f"),
    "language-teaching": ("08", "f"), "adult-education": ("09", "e"),
}
Audience = Literal["general", "children", "young-adult", "primary-education",
                   "secondary-education", "higher-education", "professional",
                   "language-teaching", "adult-education"]
