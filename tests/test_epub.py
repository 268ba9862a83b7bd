"""The EPUB as a reading system and the validators see it (issue 3): zip + XML only,
compared with source/book.yaml read by PyYAML, never with the project's own objects."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import subprocess
import zipfile
from pathlib import Path
from typing import Any

import pypdfium2
import pytest
import yaml
from fontTools.ttLib import TTFont
from lxml import etree

from publish.build.pipeline import build
from publish.checks import Finding

from .conftest import EPOCH, PROJECT, check_rows
from .readback import NS, Epub, assert_calibre_reads
from .scan import seed_contents

BOOK: dict[str, Any] = yaml.safe_load((PROJECT / "source" / "book.yaml").read_text("utf-8"))
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
CJK = re.compile("[\u2e80-\u2fdf\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


@pytest.fixture(scope="module")
def path(seven_letters: Path) -> Path:
    return seven_letters / "seven-letters.epub"


@pytest.fixture(scope="module")
def epub(path: Path) -> Epub:
    return Epub(path)


def meta(epub: Epub, query: str) -> list[str]:
    """The values an OPF query finds: attribute values, or elements' text."""
    return [(v if isinstance(v, str) else "".join(v.itertext())).strip()
            for v in epub.opf.xpath(query, namespaces=NS)]


def validator_findings(check: subprocess.CompletedProcess[str], validator: str) -> list[str]:
    """What a validator reported on the session's EPUB, read from the session's one run of
    `publish check --json` (EPUBCheck and Ace side by side: run_epubcheck and run_ace on
    `path`, every finding listed, whatever its severity)."""
    assert check.stdout.startswith("{"), check.stderr  # a report, not a crash
    # check builds first: the session's build, unchanged, comes from the cache whole.
    assert "build" in json.loads(check.stdout)["reused"], "check built the book anew"
    fields = ("validator", "severity", "code", "message", "location")
    return [str(Finding(*(finding[name] for name in fields)))
            for finding in check_rows(check)[validator]["findings"]]


def test_epubcheck_reports_nothing(seven_letters_check: subprocess.CompletedProcess[str]) -> None:
    assert validator_findings(seven_letters_check, "epubcheck") == []


def test_daisy_ace_reports_no_violation(
        seven_letters_check: subprocess.CompletedProcess[str]) -> None:
    assert validator_findings(seven_letters_check, "ace") == []


def test_the_reading_order(epub: Epub) -> None:
    names = [Path(n).stem for n in epub.spine()]
    assert names[:4] == ["cover", "titlepage", "imprint", "contents"]
    parts = [epub.xml(n).xpath("//x:section/@id", namespaces=NS)[0] for n in epub.spine()[4:]]
    assert parts[0] == "publishers-note"
    assert len(parts) == 8


def nav_links(epub: Epub, kind: str) -> list[tuple[str, str, str]]:
    nav = epub.xml(epub.nav_path())
    anchors = nav.xpath(f"//x:nav[@epub:type='{kind}']//x:a", namespaces=NS)
    return [(" ".join("".join(a.itertext()).split()), a.get("href"),
             a.get("{http://www.idpf.org/2007/ops}type") or "") for a in anchors]


def test_the_toc_lists_every_part_in_order_with_its_printed_heading(epub: Epub) -> None:
    labels = [label for label, _, _ in nav_links(epub, "toc")]
    assert labels == ["Publisher\u2019s Note", *seed_contents()]


def resolves(epub: Epub, href: str, base: str) -> bool:
    name = epub.resolve(href, base)
    if name not in epub.zip.namelist():
        return False
    fragment = href.partition("#")[2]
    return not fragment or bool(epub.xml(name).xpath(f"//*[@id='{fragment}']"))


@pytest.mark.parametrize("kind", ["toc", "landmarks", "page-list"])
def test_every_nav_link_resolves(epub: Epub, kind: str) -> None:
    for label, href, _ in nav_links(epub, kind):
        assert resolves(epub, href, epub.nav_path()), f"{kind}: {label} -> {href}"


def test_the_landmarks(epub: Epub) -> None:
    types = [kind for _, _, kind in nav_links(epub, "landmarks")]
    assert types == ["cover", "titlepage", "copyright-page", "toc", "preface", "bodymatter"]
    targets = {kind: href for _, href, kind in nav_links(epub, "landmarks")}
    # The publisher's note is a preface numbered from page 1 with the letters (book.yaml's
    # `matter: body`, as the original prints it): the body begins with it.
    assert targets["preface"].endswith("#publishers-note")
    assert targets["bodymatter"].endswith("#publishers-note")


def ncx_entries(epub: Epub, query: str) -> list[tuple[str, str]]:
    """The NCX's navPoints or pageTargets (`query`): (label, target file#fragment)."""
    return [(" ".join(e.xpath("string(ncx:navLabel/ncx:text)", namespaces=NS).split()),
             epub.target(e.xpath("string(ncx:content/@src)", namespaces=NS), epub.ncx_path()))
            for e in epub.xml(epub.ncx_path()).xpath(query, namespaces=NS)]


def nav_entries(epub: Epub, kind: str) -> list[tuple[str, str]]:
    """The nav's list of `kind`: (label, target file#fragment)."""
    return [(label, epub.target(href, epub.nav_path()))
            for label, href, _ in nav_links(epub, kind)]


def test_the_ncx_mirrors_the_toc(epub: Epub) -> None:
    assert ncx_entries(epub, "//ncx:navPoint") == nav_entries(epub, "toc")


def test_the_ncx_gives_epub_2_readers_the_title_authors_and_print_pages(
        epub: Epub, seven_letters: Path) -> None:
    """An EPUB 2 reading system reads the NCX alone: it names the book and its authors as
    book.yaml does, and lists the print edition's pages as the EPUB 3 page-list does,
    with the PDF's page count."""
    ncx = epub.xml(epub.ncx_path())
    def texts(query: str) -> list[str]:
        return [" ".join(t.split()) for t in ncx.xpath(query, namespaces=NS)]
    assert texts("/ncx:ncx/ncx:docTitle/ncx:text/text()") == [BOOK["title"]["en"]]
    assert texts("/ncx:ncx/ncx:docAuthor/ncx:text/text()") == [
        c["name"] for c in BOOK["contributors"] if "aut" in c.get("role", ["aut"])]
    listed = ncx_entries(epub, "//ncx:pageList/ncx:pageTarget")
    assert listed and listed == nav_entries(epub, "page-list")
    targets = ncx.xpath("//ncx:pageList/ncx:pageTarget", namespaces=NS)
    assert all(t.get("type") == ("normal" if t.get("value") else "front") for t in targets)
    pdf = pypdfium2.PdfDocument(seven_letters / "seven-letters.pdf")
    try:
        labels = [pdf.get_page_label(i) for i in range(len(pdf))]
    finally:
        pdf.close()
    head = {m.get("name"): m.get("content") for m in ncx.xpath("//ncx:head/ncx:meta",
                                                               namespaces=NS)}
    assert head["dtb:totalPageCount"] == str(len(labels))
    assert head["dtb:maxPageNumber"] == str(max(int(n) for n in labels if n.isdigit()))
    assert head["dtb:depth"] == "1"  # the contents are one level: the parts


def test_no_page_list_until_there_are_pages(epub: Epub) -> None:
    nav = epub.xml(epub.nav_path())
    lists = nav.xpath("//x:nav[@epub:type='page-list']", namespaces=NS)
    assert not lists or nav.xpath("//x:nav[@epub:type='page-list']//x:a", namespaces=NS)


def test_the_metadata_is_book_yaml(epub: Epub) -> None:
    original = BOOK["original"]
    title, title_zh = BOOK["title"]["en"], BOOK["title"]["zh-Hans"]
    unique = epub.opf.get("unique-identifier")
    assert meta(epub, f"//dc:identifier[@id='{unique}']") == [BOOK["identifier"]]
    assert meta(epub, "//dc:title") == [title]
    title_id = epub.opf.xpath("//dc:title/@id", namespaces=NS)[0]
    alternate = epub.opf.xpath(f"//opf:meta[@refines='#{title_id}']"
                               "[@property='alternate-script']", namespaces=NS)
    assert [(a.text, a.get(XML_LANG)) for a in alternate] == [
        (title_zh, "zh-Hans"), (BOOK["title"]["zh-Latn-pinyin"], "zh-Latn-pinyin")]
    authors = BOOK["contributors"]
    assert meta(epub, "//dc:creator") == [a["name"] for a in authors]
    for element, author in zip(epub.opf.xpath("//dc:creator", namespaces=NS), authors,
                               strict=True):
        refines = f"//opf:meta[@refines='#{element.get('id')}']"
        assert meta(epub, refines + "[@property='file-as']") == [author["sort"]]
        assert meta(epub, refines + "[@property='role']") == ["aut"]
    assert meta(epub, "//dc:language") == ["en"]
    assert epub.opf.get(XML_LANG) == "en"
    assert meta(epub, "//dc:publisher") == [BOOK["publisher"]]
    assert meta(epub, "//dc:date") == [str(BOOK["date"])]
    assert meta(epub, "//dc:rights") == [" ".join(BOOK["rights"].split())]
    headings = [h if isinstance(h, str) else next(iter(h.values()))
                for h in BOOK["subjects"]["lcsh"]]
    assert meta(epub, "//dc:subject") == headings + BOOK["keywords"]
    source = " ".join(meta(epub, "//dc:source"))
    for value in (title, original["publisher"]["en"], str(original["date"])):
        assert value in source
    zh_source = " ".join(meta(epub, "//opf:meta[@refines='#source']"))
    assert original["publisher"]["zh-Hans"] in zh_source and title_zh in zh_source
    modified = dt.datetime.fromtimestamp(int(EPOCH), dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert meta(epub, "//opf:meta[@property='dcterms:modified']") == [modified]


def test_calibre_reads_the_package_metadata(seven_letters: Path) -> None:
    assert_calibre_reads(BOOK, seven_letters / "seven-letters.epub")


def test_the_accessibility_metadata(epub: Epub) -> None:
    def prop(name: str) -> list[str]:
        return meta(epub, f"//opf:meta[@property='{name}']")

    assert prop("schema:accessMode") == ["textual"]
    assert prop("schema:accessModeSufficient") == ["textual"]
    assert {"structuralNavigation", "tableOfContents", "readingOrder"} <= set(
        prop("schema:accessibilityFeature"))
    assert prop("schema:accessibilityHazard") == ["none"]
    assert len(prop("schema:accessibilitySummary")[0]) > 80
    assert prop("dcterms:conformsTo") == ["EPUB Accessibility 1.1 - WCAG 2.2 Level AA"]


def test_the_cover_image(epub: Epub) -> None:
    href = meta(epub, "//opf:item[contains(@properties, 'cover-image')]/@href")
    assert len(href) == 1
    from PIL import Image

    image = Image.open(io.BytesIO(epub.zip.read(epub.resolve(href[0]))))
    assert image.format in ("PNG", "JPEG") and image.height >= 1600


def test_semantics_on_every_page(epub: Epub) -> None:
    expected = {"cover.xhtml": "cover", "titlepage.xhtml": "titlepage",
                "imprint.xhtml": "copyright-page", "contents.xhtml": "toc"}
    for name in epub.spine():
        page = epub.xml(name)
        section = page.xpath("//x:body/x:section", namespaces=NS)[0]
        kind = section.get("{http://www.idpf.org/2007/ops}type")
        assert kind == expected.get(Path(name).name, kind), name
        if kind in ("chapter", "preface", "toc"):
            assert section.get("role") == f"doc-{kind}", name
        if kind in ("chapter", "preface"):
            assert len(page.xpath("//x:h1", namespaces=NS)) == 1, name
        for note in page.xpath("//*[contains(@class, 'editorial')]", namespaces=NS):
            assert note.get("role") == "doc-notice"
            assert note.get("{http://www.idpf.org/2007/ops}type") == "notice"


def language_of(element: etree._Element) -> str:
    while element is not None:
        if element.get(XML_LANG) or element.get("lang"):
            return str(element.get(XML_LANG) or element.get("lang"))
        element = element.getparent()
    return ""


def test_every_chinese_character_is_marked_as_chinese(epub: Epub) -> None:
    seen = 0
    for name in [*epub.spine(), epub.nav_path()]:
        for element in epub.xml(name).iter():
            for text, owner in ((element.text, element), (element.tail, element.getparent())):
                if text and CJK.search(text):
                    assert language_of(owner).startswith("zh"), (name, text)
                    seen += 1
    assert seen >= 4  # the imprint's Chinese lines


def test_the_embedded_fonts_cover_every_character(epub: Epub) -> None:
    fonts = [TTFont(io.BytesIO(epub.zip.read(n))) for n in epub.zip.namelist()
             if n.endswith((".otf", ".ttf"))]
    covered = set().union(*(font.getBestCmap() for font in fonts))
    for name in epub.spine():
        text = "".join(epub.xml(name).xpath("//x:body//text()", namespaces=NS))
        missing = {c for c in text if not c.isspace() and ord(c) not in covered}
        assert not missing, (name, missing)
    assert all(len(font.getGlyphOrder()) < 2000 for font in fonts), "fonts should be subset"


def test_two_builds_are_byte_identical(tmp_path: Path, path: Path) -> None:
    build(PROJECT / "source", tmp_path, ["epub"])
    assert (tmp_path / "seven-letters.epub").read_bytes() == path.read_bytes()


def test_the_zip_is_an_epub(path: Path) -> None:
    with zipfile.ZipFile(path) as z:
        first = z.infolist()[0]
        assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
        assert z.read("mimetype") == b"application/epub+zip"
