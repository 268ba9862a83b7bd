"""Unit tests of small helpers around the text: the EPUB's page-break markers, page labels,
the printed extent and the records' measurements.

Every expected value is worked out by hand in the test (the letters counted, the pages
added up), not taken from a run.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from lxml import etree

from publish.editions.pagebreaks import Marker, insert_markers, markers
from publish.errors import OutputError
from publish.layout.labels import PageLabelRange, labels_of, roman
from publish.layout.pagemap import PageStart
from publish.records.marc import Extent, height_cm, printed_extent
from publish.records.onix import decimal
from publish.source.model import Meta

# --- Page-break markers ---------------------------------------------------------------

HEAD = ('<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops">'
        "<body>")
TAIL = "</body></html>"
# One section: a heading (7 letters), a paragraph with nested inline markup, a list, and a
# paragraph with punctuation between its letters.
SECTION = ('<section id="moscow">'
           '<h2 id="moscow-1">A letter</h2>'
           '<p id="moscow-2">One <em>two <strong>three</strong></em> four.</p>'
           '<ol><li id="moscow-3">Item one</li></ol>'
           '<p id="moscow-4">Yes, it\'s 1964.</p>'
           "</section>")
PAGE = f"<?xml version='1.0' encoding='utf-8'?>\n{HEAD}{SECTION}{TAIL}".encode()


def span(label: str) -> str:
    return (f'<span epub:type="pagebreak" role="doc-pagebreak" id="page-{label}" '
            f'aria-label="{label}"/>')


def canonical(xhtml: str | bytes) -> bytes:
    """The document in canonical form (attributes sorted), to compare two of them."""
    data = xhtml.encode() if isinstance(xhtml, str) else xhtml
    return bytes(etree.tostring(etree.fromstring(data), method="c14n"))


def marked(*page_markers: Marker) -> bytes:
    return canonical(insert_markers(PAGE, "moscow", list(page_markers)))


def expect(section: str) -> bytes:
    return canonical(f"{HEAD}{section}{TAIL}")


def test_a_marker_at_offset_0_goes_before_the_element() -> None:
    got = marked(Marker("7", "moscow", "moscow-2", 0))
    assert got == expect(SECTION.replace('<p id="moscow-2">', span("7") + '<p id="moscow-2">'))


def test_a_page_opening_the_section_is_marked_before_the_section() -> None:
    got = marked(Marker("7", "moscow", "moscow", 0))
    assert got == expect(span("7") + SECTION)


def test_a_marker_inside_a_text_splits_it_after_n_letters() -> None:
    # "A letter": A, l, e are 3 letters; the page begins at the first t.
    got = marked(Marker("7", "moscow", "moscow-1", 3))
    assert got == expect(SECTION.replace("A letter", f"A le{span('7')}tter"))


def test_only_letters_and_digits_are_counted() -> None:
    # "Yes, it's 1964.": Y e s i t s are 6; the comma, spaces and apostrophe are not.
    got = marked(Marker("7", "moscow", "moscow-4", 6))
    assert got == expect(SECTION.replace("Yes, it's 1964.", f"Yes, it's {span('7')}1964."))


@pytest.mark.parametrize(("offset", "paragraph"), [
    # O n e | t w o | t h r e e | f o u r: the first t is letter 3, the second 6, f is 11.
    (3, f"One <em>{span('7')}two <strong>three</strong></em> four."),
    (6, f"One <em>two <strong>{span('7')}three</strong></em> four."),
    (8, f"One <em>two <strong>th{span('7')}ree</strong></em> four."),
    (11, f"One <em>two <strong>three</strong></em> {span('7')}four."),
], ids=["start of em", "start of strong", "inside strong", "after em"])
def test_a_marker_inside_nested_inline_markup(offset: int, paragraph: str) -> None:
    got = marked(Marker("7", "moscow", "moscow-2", offset))
    old = "One <em>two <strong>three</strong></em> four."
    assert got == expect(SECTION.replace(old, paragraph))


def test_two_markers_in_one_paragraph_count_from_its_start() -> None:
    got = marked(Marker("7", "moscow", "moscow-2", 2), Marker("8", "moscow", "moscow-2", 8))
    paragraph = f"On{span('7')}e <em>two <strong>th{span('8')}ree</strong></em> four."
    assert got == expect(SECTION.replace("One <em>two <strong>three</strong></em> four.",
                                         paragraph))


def test_a_list_items_marker_goes_inside_the_item() -> None:
    # A list may hold only items: a page beginning at an item is marked inside it.
    got = marked(Marker("7", "moscow", "moscow-3", 0))
    assert got == expect(SECTION.replace("Item one", f"{span('7')}Item one"))


def test_a_page_with_no_text_is_marked_at_its_sections_end() -> None:
    got = marked(Marker("8", "moscow", None, 0))
    assert got == expect(SECTION.replace("</section>", f"{span('8')}</section>"))


def test_an_offset_beyond_the_text_is_an_error() -> None:
    # "A letter" has 7 letters: a page may begin before the 7th (offset 6), not after it.
    assert marked(Marker("7", "moscow", "moscow-1", 6)) == expect(
        SECTION.replace("A letter", f"A lette{span('7')}r"))
    with pytest.raises(OutputError) as raised:
        marked(Marker("7", "moscow", "moscow-1", 7))
    assert raised.value.code == "O-PAGE-MAP"


def test_a_missing_element_is_an_error() -> None:
    with pytest.raises(OutputError) as raised:
        marked(Marker("7", "moscow", "moscow-99", 0))
    assert raised.value.code == "O-PAGE-MAP"


def test_markers_of_other_sections_leave_the_page_as_it_is() -> None:
    assert insert_markers(PAGE, "moscow", [Marker("7", "peking", "peking-1", 0)]) == PAGE


def test_markers_from_the_page_starts() -> None:
    starts = [
        PageStart(0, "i", None, None, 0, ""),  # no text and nothing before: no marker
        PageStart(1, "1", "moscow", "moscow", 0, "A letter"),
        PageStart(2, "2", "moscow", "moscow-2", 5, "wo three four."),
        PageStart(3, "3", None, None, 0, ""),  # a blank verso: at the end of moscow
        PageStart(4, "4", "peking", "peking-1", 0, "Dear comrades"),
    ]
    assert markers(starts) == [
        Marker("1", "moscow", "moscow", 0),
        Marker("2", "moscow", "moscow-2", 5),
        Marker("3", "moscow", None, 0),
        Marker("4", "peking", "peking-1", 0),
    ]
    assert Marker("iv", "moscow", None, 0).id == "page-iv"


# --- Page labels and the printed extent ---------------------------------------------

# A half-title and its verso unnumbered, two roman pages (iii, iv), then 1 to 21.
FRONT_AND_BODY = [PageLabelRange(0, "none"), PageLabelRange(2, "roman", 3),
                  PageLabelRange(4, "arabic", 1)]


@pytest.mark.parametrize(("number", "numeral"), [
    (1, "i"), (3, "iii"), (4, "iv"), (9, "ix"), (14, "xiv"), (40, "xl"), (90, "xc"),
    (400, "cd"), (1964, "mcmlxiv"), (3999, "mmmcmxcix"),
])
def test_roman(number: int, numeral: str) -> None:
    assert roman(number) == numeral


def test_labels_of_the_ranges() -> None:
    assert labels_of(FRONT_AND_BODY, 7) == ["", "", "iii", "iv", "1", "2", "3"]


def test_labels_of_one_arabic_range() -> None:
    assert labels_of([PageLabelRange(0, "arabic")], 3) == ["1", "2", "3"]


def test_extent_of_front_matter_and_body() -> None:
    # 2 + 2 + 21 = 25 pages: the roman sequence ends at iv, the arabic one at 21.
    extent = printed_extent(FRONT_AND_BODY, 25)
    assert extent == Extent(("iv", "21"), front=4, main=21, total=25)
    assert extent.statement == "iv, 21 pages"


def test_unnumbered_pages_at_the_end_are_not_counted() -> None:
    ranges = [PageLabelRange(0, "roman"), PageLabelRange(4, "arabic"),
              PageLabelRange(25, "none")]
    extent = printed_extent(ranges, 27)  # i-iv, 1-21, two blank pages
    assert extent == Extent(("iv", "21"), front=4, main=21, total=27)
    assert extent.statement == "iv, 21 pages"


def test_extent_of_a_book_with_no_roman_pages() -> None:
    extent = printed_extent([PageLabelRange(0, "arabic")], 21)
    assert extent == Extent(("21",), front=0, main=21, total=21)
    assert extent.statement == "21 pages"


def test_extent_of_a_single_page() -> None:
    assert printed_extent([PageLabelRange(0, "arabic")], 1).statement == "1 page"


def test_extent_of_pages_without_labels() -> None:
    assert printed_extent([], 3).statement == "3 unnumbered pages"
    assert printed_extent([], 1).statement == "1 unnumbered page"


# --- Measurements in the records ------------------------------------------------------


@pytest.mark.parametrize(("value", "written"), [
    (4.25 * 25.4, "108"),  # 107.95mm, held as 107.9499...: halves up, not down
    (107.94, "107.9"),
    (6.87 * 25.4, "174.5"),  # 174.498mm
    (2.25, "2.3"),  # halves up, not to even
    (100.0, "100"),
    (0.04, "0"),
])
def test_decimal(value: float, written: str) -> None:
    assert decimal(value) == written


@cache
def minimal_book() -> str:
    return (Path(__file__).parent / "roots" / "minimal" / "book.yaml").read_text("utf-8")


def meta_with_height(height: str) -> Meta:
    """The small sample book's book.yaml with another trim height."""
    data: dict[str, Any] = yaml.safe_load(minimal_book())
    data["print"]["trim_height"] = height
    return Meta.model_validate(data)


@pytest.mark.parametrize(("height", "cm"), [
    ("6.87in", 18),  # 17.45cm, up to the next whole one
    ("9in", 23),  # 22.86cm
    ("200mm", 20),  # a whole number stays
    ("200.1mm", 21),
    ("21cm", 21),
])
def test_height_cm_rounds_up(height: str, cm: int) -> None:
    assert height_cm(meta_with_height(height)) == cm
