"""The catalogue records' rules one by one, on books loaded (not built) from variants of
the small sample book: which form of a text goes in a regular field and which in an 880,
how a subject heading's subdivisions are coded, which contributor is the main entry, the
literary form and the dates of 008, the nonfiling articles, and ONIX's price types and
date formats. The expected values are MARC 21's, RDA's and ONIX's, written out here."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml

from publish.records.casing import Usage, sentence_case
from publish.records.coded import fixed_fields, language_codes, literary_form
from publish.records.headings import main_entry, name_field, subject_fields
from publish.records.marcfields import nonfiling
from publish.records.onixdetail import prices, publishing_date
from publish.records.scripts import by_language, marc_script, single
from publish.source.load import load_book
from publish.source.metadata import Contributor, LocalTitle
from publish.source.model import Book

WHEN = dt.datetime(2026, 3, 15)


def variant(root: Path, change: dict[str, Any], kind: str | None = None) -> Book:
    """The small book in `root` with book.yaml's keys changed, and its parts made of
    `kind` (chapters lose the letters' parties), loaded."""
    meta = yaml.safe_load((root / "book.yaml").read_text(encoding="utf-8"))
    meta.update(change)
    (root / "book.yaml").write_text(yaml.safe_dump(meta, allow_unicode=True), encoding="utf-8")
    if kind:
        for path in (root / "text").glob("*.md"):
            _, header, body = path.read_text(encoding="utf-8").split("---", 2)
            fields = yaml.safe_load(header)
            fields = {k: v for k, v in fields.items() if k in ("id", "title", "short_title")}
            fields["kind"] = kind
            path.write_text(f"---\n{yaml.safe_dump(fields)}---{body}", encoding="utf-8")
    return load_book(root)


# --- scripts: regular field and 880 ---------------------------------------------------


def test_a_romanized_form_goes_in_the_regular_field_and_the_han_in_the_880() -> None:
    title = LocalTitle.model_validate({"en": "Seven Letters", "zh-Hans": "七封信",
                                       "zh-Latn-pinyin": "Qi feng xin"})
    proper, parallel = by_language(title, "en")
    assert (proper.text, proper.vernacular) == ("Seven Letters", None)
    assert (parallel.text, parallel.vernacular, parallel.script) == (
        "Qi feng xin", "七封信", "Hans")
    assert marc_script(parallel.script) == "/$1"


def test_a_text_in_one_script_stands_as_it_is_with_no_880() -> None:
    (form,) = by_language(LocalTitle.model_validate({"ru": "Дом у реки"}), "en")
    assert (form.text, form.vernacular) == ("Дом у реки", None)
    # A name's Latin-script form in another language is its regular form.
    name = single(LocalTitle.model_validate({"ru": "Анна Петрова", "en": "Anna Petrova"}), "en")
    assert (name.text, name.vernacular, name.script) == ("Anna Petrova", "Анна Петрова", "Cyrl")


@pytest.mark.parametrize(("script", "code"), [
    ("Cyrl", "/(N"), ("Grek", "/(S"), ("Hant", "/$1"), ("Jpan", "/$1"), ("Kore", "/$1"),
    ("Arab", "/(3/r"), ("Hebr", "/(2/r"), ("Deva", "")])
def test_880_script_codes_are_marc_21_s(script: str, code: str) -> None:
    assert marc_script(script) == code


def test_a_name_sorted_otherwise_keeps_its_vernacular_as_written() -> None:
    inverted = Contributor.model_validate({"name": {"en": "Anna Petrova", "ru": "Анна Петрова"},
                                           "sort": "Petrova, Anna"})
    assert name_field(inverted, "en").vernacular == [("a", "Петрова, Анна,"),
                                                     ("e", "author."), ("4", "aut")]
    family_first = Contributor.model_validate({"name": {"en": "Mao Zedong", "zh-Hans": "毛泽东"},
                                               "sort": "Mao, Zedong", "dates": "1893-1976"})
    field = name_field(family_first, "en")
    assert field.pairs[:2] == [("a", "Mao, Zedong,"), ("d", "1893-1976,")]
    assert field.vernacular is not None and field.vernacular[0] == ("a", "毛泽东,")
    assert marc_script(field.script) == "/$1"
    body = Contributor.model_validate({"name": "Central Committee", "kind": "organisation",
                                       "sort": "Party. Central Committee", "role": ["aut", "isb"]})
    field = name_field(body, "en")
    assert (field.tag(True), field.ind1) == ("110", "2")
    assert field.pairs == [("a", "Party."), ("b", "Central Committee,"), ("e", "author,"),
                           ("e", "issuing body."), ("4", "aut"), ("4", "isb")]


@pytest.mark.parametrize(("title", "lang", "count"), [
    ("The House by the River", "en", 4), ("A Small Book", "en-GB", 2), ("An Hour", "en", 3),
    ("La maison", "fr", 3), ("L'étranger", "fr", 2), ("Der Zauberberg", "de", 4),
    ("The Beatles", "ru", 0), ("Theatre", "en", 0), ('"The" word', "en", 0)])
def test_nonfiling_characters_count_the_title_s_own_articles(title: str, lang: str,
                                                             count: int) -> None:
    assert nonfiling(title, lang) == count


# --- headings ---------------------------------------------------------------------


# The book's usage: words it writes with a capital mid-sentence, and the words it writes.
USAGE = Usage(proper=frozenset({"volga", "party", "china", "kapitel", "uhr"}),
              seen=frozenset({"volga", "party", "china", "river", "house", "kapitel", "uhr"}))


@pytest.mark.parametrize(("title", "lang", "first", "cased"), [
    ("The House by the Volga River", "en", True, "The house by the Volga river"),
    ("A Novel", "en", False, "a novel"),  # a subtitle begins in lower case
    ("History of the Party in China", "en", True, "History of the Party in China"),
    ("The CPC and the USSR", "en", True, "The CPC and the USSR"),  # initialisms stay
    ("THE PARTY IN CHINA", "en", True, "The Party in China"),  # all capitals: no initialism
    ("War Is Over. Peace Begins", "en", True, "War is over. Peace begins"),
    ("Notes on Ferries", "en", True, "Notes on ferries"),  # a word the text never writes
    ("Die Uhr am Marktplatz", "de", True, "Die Uhr am Marktplatz"),  # German: nouns kept
    ("Письма с Северного Берега", "ru", True, "Письма с северного берега"),
    ("中共中央和苏共中央", "zh-Hans", True, "中共中央和苏共中央"),  # no case
])
def test_a_title_is_set_in_sentence_case(title: str, lang: str, first: bool,
                                         cased: str) -> None:
    assert sentence_case(title, USAGE, lang, first) == cased


def test_subject_subdivisions_are_coded_by_what_they_are(minimal: Path) -> None:
    book = variant(minimal, {"keywords": ["letters"], "subjects": {"lcsh": [
        "Soviet Union -- History -- Revolution, 1917-1921 -- Fiction",
        {"place": "China -- Foreign relations -- Soviet Union"},
        {"place": "Soviet Union -- Foreign relations -- Russia"},
        {"body": "Kommunisticheskaia partiia Sovetskogo Soiuza. TSentral'nyi komitet -- History"},
        {"person": "Tolstoy, Leo, 1828-1910 -- Criticism and interpretation"},
    ]}})
    found = [(f.tag, f.ind, f.pairs) for f in subject_fields(book)]
    assert found == [
        ("600", "10", [("a", "Tolstoy, Leo,"), ("d", "1828-1910"),
                       ("x", "Criticism and interpretation.")]),
        ("610", "20", [("a", "Kommunisticheskaia partiia Sovetskogo Soiuza."),
                       ("b", "TSentral'nyi komitet"), ("x", "History.")]),
        # "Soviet Union" is a place of the book's own headings ($z); "Russia" is not one,
        # and text alone cannot tell it from a topic ($x).
        ("650", " 0", [("a", "Soviet Union"), ("x", "History"), ("y", "Revolution, 1917-1921"),
                       ("v", "Fiction.")]),
        ("651", " 0", [("a", "China"), ("x", "Foreign relations"), ("z", "Soviet Union.")]),
        ("651", " 0", [("a", "Soviet Union"), ("x", "Foreign relations"), ("x", "Russia.")]),
        ("653", "  ", [("a", "letters")]),
    ]


def test_letters_from_two_senders_are_a_compilation_entered_under_title(minimal: Path) -> None:
    assert main_entry(load_book(minimal)) is None


def test_chapters_by_a_named_author_have_a_main_entry(minimal: Path) -> None:
    book = variant(minimal, {"contributors": [
        {"name": "Ilya Voronin", "role": "aut", "dates": "1931-2004"},
        {"name": "Anna Petrova", "role": "trl"}]}, kind="chapter")
    main = main_entry(book)
    assert main is not None and main.name.text == "Ilya Voronin"
    assert name_field(main, "en").pairs[0] == ("a", "Voronin, Ilya,")


# --- 008 and 041 --------------------------------------------------------------------


@pytest.mark.parametrize(("subjects", "form"), [
    ({}, "u"), ({"bisac": ["FIC019000"]}, "1"), ({"bisac": ["FIC029000"]}, "j"),
    ({"bisac": ["POE000000"]}, "p"), ({"bisac": ["HIS000000"]}, "0"),
    ({"thema": ["1DT", "FBA"]}, "1"), ({"thema": ["DC"]}, "p"), ({"thema": ["NH"]}, "0")])
def test_literary_form_comes_from_the_subjects_when_the_parts_are_no_letters(
        minimal: Path, subjects: dict[str, list[str]], form: str) -> None:
    book = variant(minimal, {"subjects": subjects}, kind="chapter")
    assert literary_form(book) == form


def test_a_book_of_letters_is_letters_whatever_its_subjects(minimal: Path) -> None:
    book = variant(minimal, {"subjects": {"bisac": ["HIS000000"]}})
    assert literary_form(book) == "i"
    assert fixed_fields(book, WHEN, False)[33] == "i"


def test_a_reprint_has_two_dates_a_translation_one(minimal: Path) -> None:
    reprint = load_book(minimal)
    fixed = fixed_fields(reprint, WHEN, epub=False)
    assert fixed[6:15] == "r20261964" and language_codes(reprint) is None
    translation = variant(minimal, {"original": {"language": "ru", "date": 1978},
                                    "audience": "young-adult"})
    fixed = fixed_fields(translation, WHEN, epub=True)
    assert fixed[6:15] == "s2026    "
    assert (fixed[22], fixed[23], fixed[35:38]) == ("d", "o", "eng")
    assert language_codes(translation) == ("1 ", [("a", "eng"), ("h", "rus")])


# --- ONIX ---------------------------------------------------------------------------


def test_price_types_follow_where_the_price_applies(minimal: Path) -> None:
    book = variant(minimal, {"prices": [
        {"edition": "print", "amount": 9.5, "currency": "USD", "territory": "US CA"},
        {"edition": "print", "amount": "7", "currency": "GBP", "territory": "GB"},
        {"edition": "print", "amount": 12, "currency": "EUR"},
        {"edition": "epub", "amount": 3, "currency": "USD", "territory": "US"}]})
    found = [(p.type, p.amount, p.currency, p.countries, p.regions)
             for p in prices(book.meta, "print")]
    assert found == [("01", "9.50", "USD", "US CA", ""), ("02", "7.00", "GBP", "GB", ""),
                     ("02", "12.00", "EUR", "", "WORLD")]
    assert [p.amount for p in prices(book.meta, "epub")] == ["3.00"]


@pytest.mark.parametrize(("date", "coded"), [
    ("2026", ("05", "2026")), ("2026-03", ("01", "202603")), ("2026-03-15", ("00", "20260315"))])
def test_publishing_date_keeps_its_precision(minimal: Path, date: str,
                                             coded: tuple[str, str]) -> None:
    assert publishing_date(variant(minimal, {"date": date}).meta) == coded
