"""The catalogue records (issue 6): valid by their own standards' tools, and saying what the
source and the built editions say.

Expectations come from source/book.yaml and the text headers (PyYAML), the EPUB (zip +
lxml) and the PDFs (pikepdf); none from the writers' code. The records are read back with
pymarc, lxml against the Library of Congress schema, and onixcheck.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import uuid
from itertools import groupby
from pathlib import Path
from typing import Any

import onixcheck  # type: ignore[import-untyped]
import pikepdf
import pymarc
import pytest
import yaml
from lxml import etree
from typer.testing import CliRunner

from .conftest import EPOCH, PROJECT
from .readback import NS, Epub, printed_pages

ONIX = {"o": "http://ns.editeur.org/onix/3.0/reference"}
SOURCE = PROJECT / "source"
PER_MM = {"mm": 1.0, "cm": 10.0, "in": 25.4, "pt": 25.4 / 72}
ROMAN = re.compile(r"^[ivxlcdm]+$")
# The kinds of part the printed contents leaves out unless a header says otherwise (the
# EPUB Structural Semantics' pages that carry no heading of their own in a contents).
UNLISTED_KINDS = {"half-title", "dedication", "epigraph", "colophon"}
MARC_LANGUAGES = {"en": "eng", "zh": "chi"}  # ISO 639-2/B (MARC Code List for Languages)


def read_marcxml(path: Path) -> list[pymarc.Record]:
    records: list[pymarc.Record] = pymarc.parse_xml_to_array(str(path))  # type: ignore[no-untyped-call]
    return records


def groups(pattern: str, text: str) -> tuple[str, ...]:
    match = re.fullmatch(pattern, text)
    assert match is not None, f"{text!r} is not {pattern}"
    return match.groups()


def length_mm(value: str) -> float:
    number, unit = groups(r"\s*([\d.]+)\s*(mm|cm|in|pt)\s*", value)
    return float(number) * PER_MM[unit]


@pytest.fixture(scope="module")
def book() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((SOURCE / "book.yaml").read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def contents(book: dict[str, Any]) -> list[str]:
    """The titles of the parts the printed contents lists, from the text files' headers."""
    titles = []
    for header in headers(book):
        if header.get("in_contents", header["kind"] not in UNLISTED_KINDS):
            titles.append(header["title"])
    return titles


@pytest.fixture(scope="module")
def held(book: dict[str, Any]) -> list[str]:
    """Of those, the parts whose text this edition holds: not only the editorial note that
    says it does not ("::: editorial ... :::" and nothing else)."""
    titles = []
    for name, header in zip(book["text"], headers(book), strict=True):
        body = (SOURCE / name).read_text(encoding="utf-8").split("---", 2)[2]
        text = re.sub(r"^::: editorial\n.*?^:::$", "", body, flags=re.M | re.S)
        if text.strip() and header.get("in_contents", header["kind"] not in UNLISTED_KINDS):
            titles.append(header["title"])
    return titles


def headers(book: dict[str, Any]) -> list[dict[str, Any]]:
    """The text files' headers in reading order (Seven Letters has no groups of parts)."""
    return [yaml.safe_load((SOURCE / name).read_text(encoding="utf-8").split("---")[1])
            for name in book["text"]]


def in_english(text: str | dict[str, str]) -> str:
    """A text of book.yaml: a string, or its forms by language tag (the English one)."""
    return text if isinstance(text, str) else text["en"]


@pytest.fixture(scope="module")
def records(seven_letters: Path) -> dict[str, pymarc.Record]:
    """The MARCXML records by carrier: 'print' (volume) and 'epub' (online resource)."""
    found = read_marcxml(seven_letters / "seven-letters.marc.xml")
    carriers = {"nc": "print", "cr": "epub"}
    return {carriers[r.get_fields("338")[0]["b"]]: r for r in found}


@pytest.fixture(scope="module")
def onix(seven_letters: Path) -> dict[str, etree._Element]:
    """The ONIX products by form: 'ED' and the print form."""
    root = etree.parse(str(seven_letters / "seven-letters.onix.xml")).getroot()
    return {p.findtext("o:DescriptiveDetail/o:ProductForm", namespaces=ONIX): p
            for p in root.findall("o:Product", ONIX)}


@pytest.fixture(scope="module")
def epub(seven_letters: Path) -> Epub:
    return Epub(seven_letters / "seven-letters.epub")


@pytest.fixture(scope="module")
def labels(seven_letters: Path) -> list[str]:
    with pikepdf.open(seven_letters / "seven-letters.pdf") as pdf:
        return [page.label for page in pdf.pages]


def sequences(labels: list[str]) -> list[str]:
    """The last label of each run of roman or arabic page numbers, as RDA records them."""
    def kind(label: str) -> str:
        return "roman" if ROMAN.match(label) else "arabic" if label.isdigit() else ""

    return [list(run)[-1] for k, run in groupby(labels, key=kind) if k]


def values(product: etree._Element, path: str) -> list[str]:
    return [str(v) for v in product.xpath(f"{path}/text()", namespaces=ONIX)]


def extent(product: etree._Element, kind: str) -> str:
    return str(product.xpath(f"string(.//o:Extent[o:ExtentType='{kind}']/o:ExtentValue)",
                             namespaces=ONIX))


def opf_meta(epub: Epub, xpath: str) -> list[str]:
    return [str(v).strip() for v in epub.opf.xpath(xpath, namespaces=NS)]


# --- validity --------------------------------------------------------------------------


def test_onix_message_passes_onixcheck(seven_letters: Path) -> None:
    errors = onixcheck.validate(str(seven_letters / "seven-letters.onix.xml"),
                                schemas=("xsd", "rng"))
    assert errors == [], [str(e) for e in errors]


def test_marcxml_is_valid_against_the_loc_schema(seven_letters: Path) -> None:
    xsd = PROJECT / "publish" / "checks" / "schemas" / "MARC21slim.xsd"
    schema = etree.XMLSchema(etree.parse(str(xsd)))
    document = etree.parse(str(seven_letters / "seven-letters.marc.xml"))
    assert schema.validate(document), schema.error_log
    assert len(document.getroot()) == 2


def test_binary_marc_reads_back_to_the_same_fields(seven_letters: Path) -> None:
    data = (seven_letters / "seven-letters.mrc").read_bytes()
    binary = list(pymarc.MARCReader(data, to_unicode=True, force_utf8=True))
    xml = read_marcxml(seven_letters / "seven-letters.marc.xml")
    assert [str(r) for r in binary] == [str(r) for r in xml]
    # The leader's record length and base address are those of the bytes (ISO 2709).
    for raw in data.split(b"\x1d")[:-1]:
        record = raw + b"\x1d"
        directory = record[24:record.index(b"\x1e")]
        assert int(record[:5]) == len(record)
        assert int(record[12:17]) == 24 + len(directory) + 1
        assert len(directory) % 12 == 0


def test_leader_and_008_are_built_position_by_position(records: dict[str, pymarc.Record],
                                                       book: dict[str, Any]) -> None:
    entered = dt.datetime.fromtimestamp(int(EPOCH), dt.UTC).strftime("%y%m%d")
    for kind, record in records.items():
        leader = str(record.leader)
        assert len(leader) == 24
        assert (leader[5], leader[6], leader[7], leader[9], leader[20:]) == (
            "n", "a", "m", "a", "4500")
        fixed = record["008"].data
        assert fixed is not None and len(fixed) == 40
        assert fixed[:6] == entered
        # A reprint (its original in its own language): type "r", then both years.
        assert book["original"]["language"] == book["language"]
        assert fixed[6] == "r"
        assert fixed[7:11] == str(book["date"])[:4]
        assert fixed[11:15] == str(book["original"]["date"])[:4]
        assert fixed[15:18] == "xx "  # book.yaml names no country
        assert fixed[22] == "g"  # audience: general (book.yaml's default)
        assert fixed[35:38] == MARC_LANGUAGES[book["language"]]
        assert fixed[23] == ("o" if kind == "epub" else " ")
        # Literary form: letters, because every chapter of the book is a letter.
        kinds = {h["kind"] for h in headers(book)} - {"preface"}
        assert kinds == {"letter"} and fixed[33] == "i"
        assert not record.get_fields("041")  # English, from English: no translation


# --- linkage ---------------------------------------------------------------------------


def test_every_880_links_to_its_field_and_back(records: dict[str, pymarc.Record]) -> None:
    for record in records.values():
        vernacular = record.get_fields("880")
        assert vernacular
        for field in vernacular:
            tag, occurrence, script = groups(r"(\d{3})-(\d{2})/(.+)", field["6"])
            assert script == "$1"  # CJK
            partners = [f for f in record.get_fields(tag) if f.get("6") == f"880-{occurrence}"]
            assert len(partners) == 1, f"880 {field['6']} has no partner"
            assert partners[0].indicators == field.indicators
        linking = [f for f in record.fields if not f.is_control_field() and f.tag != "880"
                   and f.get("6")]
        back = {f["6"].split("/")[0] for f in vernacular}
        assert {f"{f.tag}-{f['6'][4:]}" for f in linking} == back


def test_the_editions_link_each_other(records: dict[str, pymarc.Record],
                                      onix: dict[str, etree._Element]) -> None:
    assert records["print"]["776"]["w"] == records["epub"]["001"].data
    assert records["epub"]["776"]["w"] == records["print"]["001"].data
    epub, paper = onix["ED"], next(p for form, p in onix.items() if form != "ED")
    own = {form: values(p, "o:ProductIdentifier/o:IDValue") for form, p in onix.items()}
    alternative = ".//o:RelatedProduct[o:ProductRelationCode='06']/o:ProductIdentifier/o:IDValue"
    assert values(epub, alternative) == own[values(paper, "o:DescriptiveDetail/o:ProductForm")[0]]
    assert values(paper, alternative) == own["ED"]


# --- cross-checks ----------------------------------------------------------------------


def test_titles_agree(book: dict[str, Any], epub: Epub, seven_letters: Path,
                      records: dict[str, pymarc.Record],
                      onix: dict[str, etree._Element]) -> None:
    title, title_zh = book["title"]["en"], book["title"]["zh-Hans"]
    pinyin = book["title"]["zh-Latn-pinyin"]
    assert opf_meta(epub, "//dc:title/text()") == [title]
    assert opf_meta(epub, "//opf:meta[@refines='#title'][@property='alternate-script']"
                          "/text()") == [title_zh, pinyin]
    with pikepdf.open(seven_letters / "seven-letters.pdf") as pdf:
        assert str(pdf.docinfo["/Title"]) == title
    # The title in sentence case (RDA A.4): its names as the text writes them.
    sentence = ("Seven letters exchanged between the Central Committees of the Communist "
                "Party of China and the Communist Party of the Soviet Union")
    assert sentence.lower() == title.lower()
    for record in records.values():
        # The regular fields hold the romanized title, each paired with an 880 in Han.
        assert record["245"]["a"] == f"{sentence} ="
        assert record["245"]["b"].rstrip(".") == pinyin
        assert record["245"].indicators == ("0", "0")  # entered under its title
        assert record["246"]["a"] == pinyin and record["246"].indicators == ("3", "1")
        for tag in ("245", "246"):
            vernacular = paired(record, record[tag])
            assert vernacular["6"].endswith("/$1")  # the CJK script code
            assert title_zh in vernacular.value() and pinyin not in vernacular.value()
    for product in onix.values():
        assert values(product, ".//o:TitleDetail[o:TitleType='01']//o:TitleText") == [title]
        chinese = product.xpath(".//o:TitleDetail[o:TitleType='06']//o:TitleText",
                                namespaces=ONIX)
        assert [(t.text, t.get("language"), t.get("textscript")) for t in chinese] == [
            (title_zh, "chi", "Hans"), (pinyin, "chi", "Latn")]


def paired(record: pymarc.Record, field: pymarc.Field) -> pymarc.Field:
    """The 880 a field links to through its $6, checked to link back."""
    occurrence = field["6"].removeprefix("880-")
    (vernacular,) = [f for f in record.get_fields("880")
                     if f["6"].split("/")[0] == f"{field.tag}-{occurrence}"]
    return vernacular


def test_authors_agree(book: dict[str, Any], epub: Epub, seven_letters: Path,
                       records: dict[str, pymarc.Record],
                       onix: dict[str, etree._Element]) -> None:
    authors = book["contributors"]
    assert {a["kind"] for a in authors} == {"organisation"}
    assert all(a.get("role", "aut") == "aut" for a in authors)
    names = [in_english(a["name"]) for a in authors]
    filed = [a["sort"] for a in authors]
    assert opf_meta(epub, "//dc:creator/text()") == names
    assert opf_meta(epub, "//opf:meta[@property='file-as']/text()") == filed
    with pikepdf.open(seven_letters / "seven-letters.pdf") as pdf, pdf.open_metadata() as xmp:
        assert list(xmp["dc:creator"]) == names
    for record in records.values():
        headings = [f"{f['a']} {f['b']}".rstrip(",.") for f in record.get_fields("710")]
        assert headings == filed
        assert all(f.indicators == ("2", " ") and f["4"] == "aut"
                   for f in record.get_fields("710"))
        # A compilation of two bodies' letters is entered under its title (RDA 6.27.1.4).
        assert not record.get_fields("100", "110", "111", "130")
    for product in onix.values():
        assert values(product, ".//o:Contributor/o:CorporateName") == names
        assert set(values(product, ".//o:Contributor/o:ContributorRole")) == {"A01"}


def test_identifiers_agree(book: dict[str, Any], epub: Epub, seven_letters: Path,
                           records: dict[str, pymarc.Record],
                           onix: dict[str, etree._Element]) -> None:
    identifier = book["identifier"]
    # Seven Letters has no ISBN: the print edition's own identifier is (documented in
    # README) a name-based uuid of the EPUB's.
    assert "isbn" not in book
    print_id = "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, identifier + "#print"))
    assert print_id != identifier
    unique = epub.opf.get("unique-identifier")
    assert opf_meta(epub, f"//dc:identifier[@id='{unique}']/text()") == [identifier]
    assert opf_meta(epub, "//opf:meta[@property='pageBreakSource']/text()") == [print_id]
    # The PDF carries its identifier as the seed of its XMP DocumentID (see pdfx.py).
    namespace = uuid.uuid5(uuid.NAMESPACE_URL, "publish:pdfx")
    with pikepdf.open(seven_letters / "seven-letters.pdf") as pdf, pdf.open_metadata() as xmp:
        assert xmp["xmpMM:DocumentID"] == "uuid:" + str(
            uuid.uuid5(namespace, "document:" + print_id.encode().hex()))
    own = {"epub": identifier, "print": print_id}
    for kind, record in records.items():
        assert [f["a"] for f in record.get_fields("024")] == [own[kind]], kind
        assert record["024"].indicators == ("8", " ")
        assert not record.get_fields("020")  # no ISBN
        other = print_id if kind == "epub" else identifier
        assert record["776"]["o"] == other and record["776"].get("z") is None
    for form, product in onix.items():
        assert values(product, "o:ProductIdentifier[o:ProductIDType='22']/o:IDValue") == [
            identifier if form == "ED" else print_id], form
        assert not values(product, "o:ProductIdentifier[o:ProductIDType='15']/o:IDValue")


def test_page_counts_agree_with_the_printed_pages(labels: list[str], book: dict[str, Any],
                                                  seven_letters: Path,
                                                  records: dict[str, pymarc.Record],
                                                  onix: dict[str, etree._Element]) -> None:
    """The MARC extent counts the pages as their printed numbers do (RDA 3.4.5.2): the front
    matter of Seven Letters prints none (title page, imprint, contents, a blank verso), so
    only the body's sequence is recorded; ONIX counts every page, numbered or not."""
    pages = printed_pages(seven_letters / "seven-letters.pdf", 15, 16)
    numbers = [label for label, page in zip(labels, pages, strict=True)
               if page.foot.strip() == label]
    assert numbers and not [n for n in numbers if ROMAN.match(n)]
    statement = f"{', '.join(sequences(numbers))} pages"
    printed = sequences(labels)
    assert len(printed) == 2 and ROMAN.match(printed[0])  # front matter, then the body
    height_cm = math.ceil(length_mm(book["print"]["trim_height"]) / 10)
    assert records["print"]["300"]["a"] == f"{statement} ;"
    assert records["print"]["300"]["c"] == f"{height_cm} cm"
    assert records["epub"]["300"]["a"] == f"1 online resource ({statement})"
    front = sum(1 for label in labels if ROMAN.match(label))
    paper = next(p for form, p in onix.items() if form != "ED")
    assert extent(paper, "00") == printed[1]
    assert extent(paper, "03") == str(front)
    assert extent(paper, "06") == str(len(labels))
    assert extent(onix["ED"], "08") == str(front + int(printed[1]))


def test_print_product_is_measured_from_trim_and_spine(book: dict[str, Any],
                                                       seven_letters: Path,
                                                       onix: dict[str, etree._Element]) -> None:
    settings = book["print"]
    paper = onix[{"paperback": "BC", "hardback": "BB"}[settings.get("binding", "paperback")]]
    assert values(paper, ".//o:ProductFormDetail") == ["B305"]
    assert values(paper, ".//o:ProductAvailability") == ["23"]  # print on demand
    measures = {m.findtext("o:MeasureType", namespaces=ONIX): float(
        m.findtext("o:Measurement", namespaces=ONIX) or "nan")
        for m in paper.findall(".//o:Measure", ONIX)}
    assert measures["01"] == pytest.approx(length_mm(settings["trim_height"]), abs=0.051)
    assert measures["02"] == pytest.approx(length_mm(settings["trim_width"]), abs=0.051)
    # The spine is what the cover spread leaves between its two panels.
    with pikepdf.open(seven_letters / "seven-letters-cover.pdf") as cover:
        box = [float(v) for v in cover.pages[0].trimbox]
    spine = (box[2] - box[0]) * 25.4 / 72 - 2 * length_mm(settings["trim_width"])
    assert measures["03"] == pytest.approx(spine, abs=0.051)


def test_epub_records_declare_what_the_epub_declares(epub: Epub,
                                                     records: dict[str, pymarc.Record],
                                                     onix: dict[str, etree._Element]) -> None:
    product = onix["ED"]
    assert values(product, ".//o:ProductFormDetail")[0] == "E101"
    assert values(product, ".//o:EpubTechnicalProtection") == ["00"]
    # schema.org -> ONIX list 196, per the W3C accessibility metadata display guide.
    known = {"tableOfContents": "11", "readingOrder": "13", "structuralNavigation": "29",
             "displayTransformability": "36", "pageBreakMarkers": "19",
             "printPageNumbers": "19", "pageNavigation": "41", "alternativeText": "14"}
    declared = opf_meta(epub, "//opf:meta[@property='schema:accessibilityFeature']/text()")
    assert set(declared) <= set(known), "a feature this test does not know yet"
    expected = {known[f] for f in declared}
    conforms = " ".join(opf_meta(epub, "//opf:meta[@property='dcterms:conformsTo']/text()"))
    if "EPUB Accessibility 1.1" in conforms:
        expected.add("04")
    expected |= {{"2.0": "80", "2.1": "81", "2.2": "82"}[v]
                 for v in re.findall(r"WCAG (2\.\d)", conforms)}
    expected |= {{"A": "84", "AA": "85", "AAA": "86"}[v]
                 for v in re.findall(r"Level (A+)\b", conforms)}
    if opf_meta(epub, "//opf:meta[@property='schema:accessModeSufficient']/text()") == [
            "textual"]:
        expected.add("52")
    summary = opf_meta(epub, "//opf:meta[@property='schema:accessibilitySummary']/text()")
    features = product.xpath(".//o:ProductFormFeature[o:ProductFormFeatureType='09']",
                             namespaces=ONIX)
    codes = [f.findtext("o:ProductFormFeatureValue", namespaces=ONIX) for f in features]
    assert set(codes) - {"00"} == expected
    described = [f.findtext("o:ProductFormFeatureDescription", namespaces=ONIX)
                 for f in features if f.findtext("o:ProductFormFeatureValue",
                                                 namespaces=ONIX) == "00"]
    assert described == summary
    assert [f["a"] for f in records["epub"].get_fields("532")] == summary
    assert not records["print"].get_fields("532", "347")


def test_notes_describe_the_1964_original_and_the_letters(
        book: dict[str, Any], contents: list[str], held: list[str],
        records: dict[str, pymarc.Record]) -> None:
    original = book["original"]
    year = str(original["date"])[:4]
    for record in records.values():
        # The contents note lists what the edition holds; a note names the rest.
        assert len(contents) == 7 and len(held) == 1
        assert record["505"]["a"].rstrip(".").split(" -- ") == held
        (absent,) = [f["a"] for f in record.get_fields("500") if f["a"].startswith("Not ")]
        assert absent == ("Not included in this edition but for their headings: "
                          + "; ".join(t for t in contents if t not in held) + ".")
        note = record["534"]
        assert note["p"] == "Originally published:"  # a reprint, not a translation
        assert note["c"] == (f"{original['place']['en']} : {original['publisher']['en']}, "
                             f"{year}.")
        assert note["b"] == f"{original['edition']['en']}."
        chinese = next(f for f in record.get_fields("880") if f["6"].startswith("534"))
        assert original["publisher"]["zh-Hans"] in chinese["c"]
        assert original["place"]["zh-Hans"] in chinese["c"]
        assert chinese["b"] == f"{original['edition']['zh-Hans']}."
        imprint = " ".join(f["a"] for f in record.get_fields("500"))
        assert original["edition"]["zh-Hans"] in imprint and book["title"]["zh-Hans"] in imprint
        assert all(number in imprint for number in original["numbers"])
        assert record["264"].indicators == (" ", "1")
        assert record["264"]["b"].rstrip(",") == book["publisher"]
        assert record["264"]["c"] == f"{str(book['date'])[:4]}."  # the year, as RDA records it
        # book.yaml names no place for this edition: RDA's "not identified".
        assert "place" not in book
        assert record["264"]["a"] == "[Place of publication not identified] :"
        assert [f["a"] for f in record.get_fields("546")] == [
            f"In English; parallel title and the imprint of the {year} edition in Chinese."]


def test_records_are_reproducible_and_catalog_writes_only_them(tmp_path: Path) -> None:
    from publish.build.pipeline import build
    from publish.cli import app

    names = ["seven-letters.marc.xml", "seven-letters.mrc", "seven-letters.onix.xml"]
    built = build(SOURCE, tmp_path / "a", ["marc", "onix"])
    result = CliRunner().invoke(app, ["catalog", str(SOURCE), "-o", str(tmp_path / "b")])
    assert result.exit_code == 0, result.output
    assert sorted(built.files) == sorted(names)
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == sorted(names)
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_a_title_too_long_for_marc_is_a_source_error(minimal: Path, tmp_path: Path) -> None:
    """Every form of book.yaml's values fits its own limit, but a title with eighteen
    parallel titles of 500 Cyrillic letters (2 bytes each) makes a 245 of 18,000 bytes:
    more than ISO 2709's 9,999. The build names the key and its line, and writes nothing."""
    from publish.build.pipeline import build
    from publish.errors import SourceError

    meta = minimal / "book.yaml"
    tags = ["ru", "uk", "bg", "sr-Cyrl", "mk", "be", "kk", "ky", "mn", "tg", "tt", "ba",
            "cv", "ce", "os", "ab", "av", "udm"]
    forms = "".join(f"\n  {tag}: {'Ж' * 500}" for tag in tags)
    text = meta.read_text(encoding="utf-8")
    meta.write_text(text.replace("  zh-Hans: 两封信\n", f"  zh-Hans: 两封信{forms}\n", 1),
                    encoding="utf-8")
    with pytest.raises(SourceError) as raised:
        build(minimal, tmp_path / "dist", ["marc"])
    assert raised.value.code == "S-BAD-VALUE"
    assert "title is too long" in str(raised.value) and "245" in str(raised.value)
    title_line = text.splitlines().index("title:") + 1
    assert f"book.yaml:{title_line}" in str(raised.value)
    assert not (tmp_path / "dist").exists() or not any((tmp_path / "dist").iterdir())
