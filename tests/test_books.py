"""The sample books of issue 15 built and read back: a book in German with an English
parallel title (tests/roots/deutsch), a bilingual title page in English and Russian
(tests/roots/bilingual) and a novel in parts (tests/roots/novel).

Each book is built once for the module (the PDF, its cover and the EPUB) and checked as
`publish check` checks it (EPUBCheck, DAISY Ace, the preflight, the navigation and the
pagination); then its files are read back with the tests' own readers (readback.py) and
compared with what its source says, read here with PyYAML: the epub:type, role and
landmark of every part as its kind says (publish/source/kinds.py), the nesting of parts
and chapters in the toc, the NCX, the PDF outline and the printed contents, every
language span in both editions, the page labels and folios of the front, body and back
matter, and the title page and its verso.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import langcodes
import pikepdf
import pytest
import yaml
from lxml import etree

from publish.author.check import check_editions
from publish.author.dist import Editions
from publish.build.pipeline import build
from publish.source.kinds import KINDS
from publish.source.load import load_book
from publish.source.model import mm

from .conftest import EPOCH, ROOTS
from .readback import (
    NS,
    Epub,
    Line,
    assert_calibre_reads,
    block_lines,
    letters,
    pdf_lines,
    printed_pages,
    structure,
)

BOOKS = ["deutsch", "bilingual", "novel"]
# The rows of `publish check` that must pass on every sample (the records, MARC and ONIX,
# are checked elsewhere).
CHECKS = ["epubcheck", "ace", "preflight", "preflight-cover", "glyphs", "navigation", "pages",
          "onix", "marcxml"]
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
# The pages made for every book, with the EPUB landmark each is.
MADE = {"cover": "cover", "titlepage": "titlepage", "imprint": "copyright-page",
        "contents": "toc"}
SPAN = re.compile(r"\[([^\[\]]+)\]\{lang=([A-Za-z0-9-]+)\}")
BLOCK = re.compile(r"^\{lang=([A-Za-z0-9-]+)\}[ \t]*$")
# An entry of the printed contents ends with its leader and its page: arabic, or roman in
# the front matter.
ENTRY_END = re.compile(r"(?:[ .]*\.\s*|\s+)([0-9]+|[ivxlcdm]+)$")


# --- the source, as PyYAML reads it -------------------------------------------------------


@dataclass(frozen=True)
class SourcePart:
    file: str
    header: dict[str, Any]
    body: str
    group: str | None  # the id of the part (group of chapters) it is in

    @property
    def id(self) -> str:
        return str(self.header["id"])

    @property
    def kind(self) -> str:
        return str(self.header["kind"])

    @property
    def title(self) -> str:
        return str(self.header["title"])

    @property
    def matter(self) -> str:
        return str(self.header.get("matter") or KINDS[self.kind].matter)

    @property
    def listed(self) -> bool:
        """In the printed contents (and the PDF outline)."""
        listed = self.header.get("in_contents")
        return KINDS[self.kind].listed if listed is None else bool(listed)

    @property
    def lang(self) -> str | None:
        lang = self.header.get("lang")
        return tag(lang) if lang else None


def tag(value: object) -> str:
    """A language tag in its standard form, as the editions write it."""
    return str(langcodes.standardize_tag(str(value)))


def read_part(root: Path, name: str, group: str | None) -> SourcePart:
    text = (root / name).read_text(encoding="utf-8")
    _, header, body = text.split("---\n", 2)
    return SourcePart(name, yaml.safe_load(header), body, group)


def source_parts(root: Path, meta: dict[str, Any]) -> list[SourcePart]:
    """The text files in reading order, each with the part (group) it is in."""
    parts: list[SourcePart] = []
    for entry in meta["text"]:
        if isinstance(entry, str):
            parts.append(read_part(root, entry, None))
        else:
            head = read_part(root, entry["part"], None)
            parts.append(head)
            parts += [read_part(root, name, head.id) for name in entry["chapters"]]
    return parts


def main_form(value: object) -> str:
    """A text of book.yaml: a string, or its first form of a mapping by language."""
    return str(next(iter(value.values())) if isinstance(value, dict) else value)


@dataclass(frozen=True)
class Span:
    """Words of another language, as the source marks them."""

    where: str  # the section (a part's id, titlepage, imprint) that holds them
    lang: str
    words: str
    what: str  # span, block, part or page block: for messages


def spans(meta: dict[str, Any], parts: list[SourcePart]) -> list[Span]:
    """Every `[words]{lang=..}`, `{lang=..}` block, part with `lang:` and block of the
    title page and imprint with `lang:` the source gives."""
    out: list[Span] = []
    for page in ("title_page", "imprint"):
        for block in meta.get(page) or []:
            if block.get("lang"):
                where = "titlepage" if page == "title_page" else "imprint"
                out.append(Span(where, tag(block["lang"]), " ".join(map(str, block["lines"])),
                                "page block"))
    for part in parts:
        if part.lang:
            out.append(Span(part.id, part.lang, part.title, "part"))
        lines = part.body.splitlines()
        for number, line in enumerate(lines):
            found = BLOCK.match(line)
            if found:
                block = []
                for following in lines[number + 1:]:
                    if not following.strip():
                        break
                    block.append(following.lstrip("> "))
                out.append(Span(part.id, tag(found[1]), " ".join(block), "block"))
        out += [Span(part.id, tag(lang), words, "span")
                for words, lang in SPAN.findall(part.body)]
    return out


# --- the built book -------------------------------------------------------------------


@dataclass
class Sample:
    name: str
    root: Path
    meta: dict[str, Any]
    parts: list[SourcePart]
    epub: Epub
    pdf: Path
    pages: list[dict[str, Any]]  # the page map's pages
    labels: list[str]  # the PDF's page labels
    findings: dict[str, list[str]]  # `publish check`'s, by check

    def section(self, id: str) -> etree._Element:
        """The <section> of that id, in whichever file of the spine holds it."""
        for name in self.epub.spine():
            found = self.epub.xml(name).xpath("//x:body//x:section[@id=$id]", id=id,
                                               namespaces=NS)
            if found:
                return found[0]
        raise AssertionError(f"{self.name}: no section '{id}' in the EPUB")

    def page_indices(self, section: str) -> list[int]:
        """The PDF pages (indices) that print the section: blank pages print none."""
        return [p["index"] for p in self.pages if p["section"] == section]

    def margins(self) -> tuple[float, float]:
        margins = self.meta["print"]["margins"]
        return mm(str(margins["top"])), mm(str(margins["bottom"]))

    def body_lines(self, indices: list[int] | None = None) -> list[Line]:
        """The lines of the text area (no running heads, no folios)."""
        assert indices != [], "no page prints the section"
        top, bottom = self.margins()
        lines = pdf_lines(self.pdf, top, bottom,
                          pages=None if indices is None else range(min(indices), max(indices) + 1))
        return [line for line in lines if indices is None or line.page in indices]


@pytest.fixture(scope="module", params=BOOKS)
def sample(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
           ) -> Iterator[Sample]:
    name = str(request.param)
    root = ROOTS / name
    if not (root / "book.yaml").exists():
        pytest.skip(f"tests/roots/{name} is not written yet")
    sample = build_sample(name, root, tmp_path_factory.mktemp(name) / "dist")
    try:
        yield sample
    finally:
        sample.epub.zip.close()


def build_sample(name: str, root: Path, out: Path) -> Sample:
    """The book in `root` built into `out` (SOURCE_DATE_EPOCH set, every format) and
    checked as `publish check` checks it, read back."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        built = build(root, out, ["pdf", "cover", "epub", "marc", "onix"], cache=False)
        report = check_editions(Editions(load_book(root), dict(built.files)), out)
    meta = yaml.safe_load((root / "book.yaml").read_text(encoding="utf-8"))
    slug = meta["slug"]
    page_map = json.loads((out / f"{slug}.pages.json").read_text(encoding="utf-8"))
    with pikepdf.open(out / f"{slug}.pdf") as pdf:
        labels = [str(page.label) for page in pdf.pages]
    return Sample(name, root, meta, source_parts(root, meta), Epub(out / f"{slug}.epub"),
                  out / f"{slug}.pdf", page_map["pages"], labels,
                  {r.check: [str(f) for f in r.findings] for r in report.results})


def roman(number: int) -> str:
    out = ""
    for value, numeral in ((1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"),
                           (90, "xc"), (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"),
                           (4, "iv"), (1, "i")):
        while number >= value:
            out, number = out + numeral, number - value
    return out


def text_of(element: etree._Element) -> str:
    return "".join(element.itertext())


# --- the samples are the books the tests need -----------------------------------------


def test_the_samples_hold_what_the_tests_need(sample: Sample) -> None:
    kinds = [p.kind for p in sample.parts]
    found = {(s.what, s.lang) for s in spans(sample.meta, sample.parts)}
    isbns = sample.meta.get("isbn") or {}
    assert isbns.get("epub") and isbns.get("print"), "each edition needs its own ISBN"
    if sample.name == "deutsch":
        assert sample.meta["language"] == "de" and set(sample.meta["title"]) == {"de", "en"}
        assert kinds == ["foreword", "chapter", "chapter", "chapter", "appendix", "colophon"]
        assert {("block", "en"), ("span", "la"), ("span", "fr")} <= found
        assert "title_page" not in sample.meta and "imprint" not in sample.meta
        assert [c["kind"] for c in sample.meta["contributors"]] == ["person"]
    if sample.name == "bilingual":
        assert {"introduction", "part", "chapter", "glossary", "bibliography",
                "acknowledgments"} <= set(kinds)
        assert {("page block", "ru"), ("part", "ru"), ("span", "grc")} <= found
        assert sample.meta["title_page"] and sample.meta["imprint"]
        assert any(p.group for p in sample.parts)
    if sample.name == "novel":
        assert {"part", "chapter", "dedication", "epigraph"} <= set(kinds)
        roles = {r for c in sample.meta["contributors"] for r in
                 ([c["role"]] if isinstance(c.get("role", "aut"), str) else c["role"])}
        assert {"aut", "trl"} <= roles


# --- as `publish check` checks it ---------------------------------------------------------


@pytest.mark.parametrize("check", CHECKS)
def test_publish_check_passes(sample: Sample, check: str) -> None:
    """EPUBCheck with no message at all, Ace with no violation, the preflight of both
    print files, the glyphs, the navigation and the pagination: no finding."""
    assert sample.findings[check] == []


# --- semantics: epub:type, role and landmarks as the kinds say ----------------------------


def test_every_section_has_the_epub_type_and_role_of_its_kind(sample: Sample) -> None:
    for part in sample.parts:
        kind = KINDS[part.kind]
        section = sample.section(part.id)
        assert section.get(EPUB_TYPE) == kind.epub_type, (part.file, part.kind)
        assert section.get("role") == kind.role, (part.file, part.kind)
        assert len(section.xpath(".//x:h1", namespaces=NS)) == 1, part.file
    for id, landmark in MADE.items():
        assert sample.section(id).get(EPUB_TYPE) == landmark, id


def nav_anchors(sample: Sample, kind: str) -> list[etree._Element]:
    nav = sample.epub.xml(sample.epub.nav_path())
    return list(nav.xpath(f"//x:nav[@epub:type='{kind}']//x:a", namespaces=NS))


def test_the_landmarks_are_those_the_kinds_give(sample: Sample) -> None:
    """cover, title page, copyright page, toc; then the first part of each kind that has
    a landmark, the first part of the body (bodymatter) and of the back matter."""
    expected = [(landmark, id) for id, landmark in MADE.items()]
    taken: set[str] = set()
    for part in sample.parts:
        matter = {"body": "bodymatter", "back": "backmatter"}.get(part.matter)
        for landmark in (KINDS[part.kind].landmark, matter):
            if landmark and landmark not in taken:
                expected.append((landmark, part.id))
                taken.add(landmark)
    found = [(a.get(EPUB_TYPE), a.get("href").partition("#")[2])
             for a in nav_anchors(sample, "landmarks")]
    assert sorted(found) == sorted(expected)
    assert "bodymatter" in taken
    # each leads to the file that holds its section
    for a in nav_anchors(sample, "landmarks"):
        name = sample.epub.resolve(a.get("href"), sample.epub.nav_path())
        id = a.get("href").partition("#")[2]
        assert sample.epub.xml(name).xpath("//x:section[@id=$id]", id=id, namespaces=NS), \
            a.get("href")


# --- nesting: parts and their chapters ------------------------------------------------


Tree = list[tuple[str, "Tree"]]


def expected_tree(parts: list[SourcePart], listed_only: bool) -> Tree:
    """The parts in reading order, each group's chapters under it, by id."""
    out: Tree = []
    for part in parts:
        if part.group is None and (part.listed or not listed_only):
            out.append((part.id, [(p.id, []) for p in parts if p.group == part.id
                                  and (p.listed or not listed_only)]))
    return out


def pruned(tree: Tree, ids: set[str]) -> Tree:
    """The entries that lead to parts (a part's ## and ### headings left out)."""
    return [(id, pruned(children, ids)) for id, children in tree if id in ids]


def nav_tree(ol: etree._Element) -> Tree:
    return [(li.xpath("string(x:a/@href)", namespaces=NS).partition("#")[2],
             nav_tree(li.xpath("x:ol", namespaces=NS)[0]) if li.xpath("x:ol", namespaces=NS)
             else []) for li in ol.xpath("x:li", namespaces=NS)]


def ncx_tree(point: etree._Element) -> Tree:
    return [(p.xpath("string(ncx:content/@src)", namespaces=NS).partition("#")[2],
             ncx_tree(p)) for p in point.xpath("ncx:navPoint", namespaces=NS)]


def labels_by_id(sample: Sample) -> dict[str, str]:
    return {p.id: letters(p.title) for p in sample.parts}


def test_the_epub_toc_nests_chapters_under_their_part(sample: Sample) -> None:
    nav = sample.epub.xml(sample.epub.nav_path())
    toc = nav.xpath("//x:nav[@epub:type='toc']/x:ol", namespaces=NS)[0]
    ids = {p.id for p in sample.parts}
    assert pruned(nav_tree(toc), ids) == expected_tree(sample.parts, listed_only=False)
    labels = labels_by_id(sample)
    for a in toc.xpath(".//x:a", namespaces=NS):
        id = a.get("href").partition("#")[2]
        if id in labels:
            assert letters(text_of(a)) == labels[id], id


def test_the_ncx_nests_chapters_under_their_part(sample: Sample) -> None:
    ncx = sample.epub.xml(sample.epub.ncx_path())
    ids = {p.id for p in sample.parts}
    tree = ncx_tree(ncx.xpath("//ncx:navMap", namespaces=NS)[0])
    assert pruned(tree, ids) == expected_tree(sample.parts, listed_only=False)
    labels = labels_by_id(sample)
    for point in ncx.xpath("//ncx:navPoint", namespaces=NS):
        id = point.xpath("string(ncx:content/@src)", namespaces=NS).partition("#")[2]
        if id in labels:
            text = point.xpath("string(ncx:navLabel/ncx:text)", namespaces=NS)
            assert letters(text) == labels[id], id


def outline_tree(sample: Sample) -> tuple[Tree, dict[str, int]]:
    """The PDF's bookmarks as parts by id (matched by title), and the page each opens."""
    by_title = {letters(p.title): p.id for p in sample.parts}
    pages: dict[str, int] = {}
    with pikepdf.open(sample.pdf) as pdf, pdf.open_outline() as outline:
        index = {page.obj.objgen: n for n, page in enumerate(pdf.pages)}

        def walk(items: list[Any]) -> Tree:
            out: Tree = []
            for item in items:
                id = by_title.get(letters(str(item.title)), f"?{item.title}")
                destination = item.destination
                if isinstance(destination, pikepdf.Array):
                    pages[id] = index[destination[0].objgen]
                out.append((id, walk(list(item.children))))
            return out

        tree = walk(list(outline.root))
    return tree, pages


def test_the_pdf_outline_nests_chapters_under_their_part(sample: Sample) -> None:
    """As the printed contents: the parts it lists, each at the page where it begins."""
    tree, pages = outline_tree(sample)
    ids = {p.id for p in sample.parts}
    assert pruned(tree, ids) == expected_tree(sample.parts, listed_only=True)
    for id in (p.id for p in sample.parts if p.listed):
        assert pages.get(id) == sample.page_indices(id)[0], id


def contents_html_tree(sample: Sample) -> Tree:
    ol = sample.section("contents").xpath(".//x:ol[@class='contents-list']", namespaces=NS)[0]
    return nav_tree(ol)


def test_the_printed_contents_lists_chapters_under_their_part_in_html(sample: Sample) -> None:
    assert contents_html_tree(sample) == expected_tree(sample.parts, listed_only=True)


@dataclass(frozen=True)
class Entry:
    title: str
    page: str
    x0: float


def pdf_contents(sample: Sample) -> tuple[str, list[Entry]]:
    """The printed contents page(s): its heading and its entries, each with where its
    first line begins."""
    lines = sample.body_lines(sample.page_indices("contents"))
    heading, entries = lines[0].text, []
    current, x0 = "", 0.0
    for line in lines[1:]:
        if not current:
            x0 = line.x0
        current = f"{current} {line.text}".strip()
        found = ENTRY_END.search(current)
        if found:
            entries.append(Entry(ENTRY_END.sub("", current), found[1], x0))
            current = ""
    assert not current, f"an entry with no page number: {current!r}"
    return heading, entries


def test_the_printed_contents_in_the_pdf(sample: Sample) -> None:
    """Every listed part, in order, at the page where it begins; a part's chapters set in
    from it."""
    heading, entries = pdf_contents(sample)
    assert letters(heading) == letters(sample.meta.get("contents_heading", "Contents"))
    expected: list[tuple[str, int]] = []
    for id, children in expected_tree(sample.parts, listed_only=True):
        expected += [(id, 0), *((child, 1) for child, _ in children)]
    titles = labels_by_id(sample)
    assert [letters(e.title) for e in entries] == [titles[id] for id, _ in expected]
    assert [e.page for e in entries] == [sample.labels[sample.page_indices(id)[0]]
                                         for id, _ in expected]
    left = min(e.x0 for e in entries)
    for entry, (id, depth) in zip(entries, expected, strict=True):
        if depth == 0:
            assert abs(entry.x0 - left) < 1, (id, entry)
        else:
            assert entry.x0 > left + 5, f"{id} is not set in under its part: {entry}"


# --- languages ------------------------------------------------------------------------


def test_every_language_span_is_tagged_in_the_epub(sample: Sample) -> None:
    """Each holds exactly the words written, in an element with `lang` and `xml:lang`."""
    used: set[Any] = set()
    for span in spans(sample.meta, sample.parts):
        section = sample.section(span.where)
        candidates = [section] if span.what == "part" else [
            e for e in section.xpath(".//*[@lang]", namespaces=NS) if e not in used]
        found = [e for e in candidates if e.get("lang") == span.lang
                 and e.get(XML_LANG) == span.lang
                 and (span.what == "part" or letters(text_of(e)) == letters(span.words))]
        assert found, f"{span.what} {span.words!r} in {span.where}: not tagged {span.lang}"
        used.add(found[0])


def test_every_language_span_is_printed_in_the_pdf(sample: Sample) -> None:
    with pikepdf.open(sample.pdf) as pdf:
        assert str(pdf.Root.Lang) == tag(sample.meta["language"])
    text = letters(" ".join(line.text for line in sample.body_lines()))
    for span in spans(sample.meta, sample.parts):
        assert letters(span.words) in text, span


def test_every_language_span_has_its_language_in_the_pdf_structure(sample: Sample) -> None:
    """A screen reader takes the voice from the tagged PDF's /Lang: each run the source
    gives another language is an element of the structure tree with that language (one or
    more: a run broken over lines or pages is one element per piece)."""
    book = tag(sample.meta["language"])
    wanted = Counter(span.lang for span in spans(sample.meta, sample.parts) if span.lang != book)
    tagged = Counter(element.lang for element in structure(sample.pdf) if element.lang)
    if not wanted:
        pytest.skip(f"{sample.name} has no run in another language")
    assert {lang: count for lang, count in wanted.items() if tagged[lang] < count} == {}


def test_calibre_reads_the_books_metadata(sample: Sample) -> None:
    assert_calibre_reads(sample.meta, sample.epub.path)


# pdfua 0.1.3 cannot run this rule on pikepdf 10 (it asks an array for `/is_integer`);
# test_no_heading_of_the_tagged_pdf_is_empty checks what it would.
PDFUA_CANNOT_RUN = {"UA-14-001": "is_integer"}


def test_the_tagged_pdf_passes_the_pdf_ua_checker(sample: Sample) -> None:
    """pdfua (the PDF/UA-1 rules a machine can check) finds nothing: a structure tree,
    marked content tagged or an artifact, the language, figures' alt text, tables'
    headers, the title shown, the PDF/UA identification."""
    run = subprocess.run([sys.executable, "-m", "pdfua", "check", "--format", "json",
                          str(sample.pdf)], capture_output=True, text=True, check=False)
    report = json.loads(run.stdout)
    assert report["findings"] == [], report["findings"]
    skipped = {item["rule_id"]: item["reason"] for item in report["skipped"]}
    assert [rule for rule, reason in skipped.items()
            if not (rule in PDFUA_CANNOT_RUN and PDFUA_CANNOT_RUN[rule] in reason)] == []


def test_no_heading_of_the_tagged_pdf_is_empty(sample: Sample) -> None:
    """The rule pdfua cannot run (PDF/UA-1 7.4.2): each heading element marks text."""
    headings = [e for e in structure(sample.pdf) if re.fullmatch(r"H[1-6]", e.kind)]
    assert headings and [e for e in headings if not e.marks_content] == []


def test_a_part_in_another_language_is_tagged_in_the_toc_and_contents(sample: Sample) -> None:
    parts = [p for p in sample.parts if p.lang]
    if not parts:
        pytest.skip(f"{sample.name} has no part in another language")
    nav = {a.get("href").partition("#")[2]: a for a in nav_anchors(sample, "toc")}
    contents = {a.get("href").partition("#")[2]: a for a in
                sample.section("contents").xpath(".//x:a", namespaces=NS)}
    for part in parts:
        assert language_of(contents[part.id]) == part.lang, f"contents: {part.id}"
        assert language_of(nav[part.id]) == part.lang, f"nav.xhtml toc: {part.id}"


def forms(meta: dict[str, Any]) -> list[tuple[str, str]]:
    """(language tag, text) of every text of book.yaml given by language: the title, the
    subtitle, names, the publisher, the place, the edition, the series, the original's."""
    values = [meta.get(key) for key in ("title", "subtitle", "publisher", "place", "edition")]
    values += [person.get("name") for person in meta.get("contributors", [])]
    values.append((meta.get("series") or {}).get("name"))
    original = meta.get("original") or {}
    values += [original.get(key) for key in ("title", "publisher", "place", "edition")]
    return [(tag(lang), str(text)) for value in values if isinstance(value, dict)
            for lang, text in value.items()]


def language_of(element: etree._Element) -> str | None:
    for e in (element, *element.iterancestors()):
        if e.get(XML_LANG) or e.get("lang"):
            return str(e.get(XML_LANG) or e.get("lang"))
    return None


@pytest.mark.parametrize("section", ["cover", "titlepage", "imprint"])
def test_a_text_of_book_yaml_in_another_language_is_tagged_where_printed(
        sample: Sample, section: str) -> None:
    """A form of the title, a name, the original's title or publisher in a language other
    than the book's, where a made or given page prints it, stands in an element of its
    language."""
    base = tag(sample.meta["language"]).split("-")[0]
    page = sample.section(section)
    for lang, text in forms(sample.meta):
        if lang.split("-")[0] == base:
            continue
        holding = [e for e in page.iter() if letters(text) in letters(text_of(e))]
        innermost = [e for e in holding if not any(c in holding for c in e.iterchildren())]
        for element in innermost:
            assert language_of(element) == lang, \
                f"{section}: {text!r} is printed as {language_of(element)}, not {lang}"


# --- page numbers: roman in the front matter, arabic from the body ----------------------


def test_page_labels_roman_in_the_front_arabic_from_the_body(sample: Sample) -> None:
    with pikepdf.open(sample.pdf) as pdf:
        assert "/PageLabels" in pdf.Root
    body = next(p for p in sample.parts if p.matter == "body")
    start = sample.page_indices(body.id)[0]
    assert sample.labels[:start] == [roman(n) for n in range(1, start + 1)]
    assert sample.labels[start:] == [str(n) for n in range(1, len(sample.labels) - start + 1)]
    for part in sample.parts:
        for index in sample.page_indices(part.id):
            label = sample.labels[index]
            if part.matter == "front":
                assert re.fullmatch("[ivxlcdm]+", label), (part.id, label)
            else:
                assert label.isdigit(), (part.id, label)
    back = [p for p in sample.parts if p.matter == "back"]
    if back:  # the back matter goes on from the body's numbers
        last_body = max(i for p in sample.parts if p.matter == "body"
                        for i in sample.page_indices(p.id))
        first_back = sample.page_indices(back[0].id)[0]
        assert int(sample.labels[first_back]) > int(sample.labels[last_body])


def test_folios_and_running_heads_as_the_kinds_say(sample: Sample) -> None:
    """A part whose kind has heads prints its page's label as the folio on every page,
    and a running head on every page but its first (the book's title on a verso, the
    part's on a recto); a kind without (a dedication, a colophon) prints neither."""
    top, bottom = sample.margins()
    printed = printed_pages(sample.pdf, top, bottom)
    book_head = sample.meta.get("short_title") or main_form(sample.meta["title"])
    for part in sample.parts:
        heads = KINDS[part.kind].heads
        indices = sample.page_indices(part.id)
        for index in indices:
            page = printed[index]
            folio = page.foot.strip()
            where = f"{part.id}, page {sample.labels[index]}"
            assert folio == (sample.labels[index] if heads else ""), where
            if not heads or index == indices[0]:
                assert page.head.strip() == "", where
                continue
            own = part.header.get("short_title") or part.title
            assert letters(page.head) == letters(book_head if index % 2 else own), where


# --- the title page and its verso -----------------------------------------------------


def editions_text(sample: Sample, section: str) -> tuple[str, str]:
    """Both editions' text of a front page (the EPUB's, the PDF's), as letters."""
    epub = letters(text_of(sample.section(section)))
    pdf = letters(" ".join(line.text for line in sample.body_lines(
        sample.page_indices(section))))
    return epub, pdf


def contributors(meta: dict[str, Any], *roles: str) -> list[str]:
    out = []
    for person in meta.get("contributors", []):
        role = person.get("role", "aut")
        if set([role] if isinstance(role, str) else role) & set(roles):
            out.append(main_form(person["name"]))
    return out


def test_the_made_title_page_holds_the_title_authors_and_publisher(sample: Sample) -> None:
    if sample.meta.get("title_page"):
        pytest.skip(f"{sample.name} gives its title page line for line")
    meta = sample.meta
    wanted = [main_form(meta["title"]), *contributors(meta, "aut", "trl", "edt", "ill"),
              main_form(meta["publisher"])]
    if meta.get("subtitle"):
        wanted.append(main_form(meta["subtitle"]))
    for edition, text in zip(("EPUB", "PDF"), editions_text(sample, "titlepage"), strict=True):
        for value in wanted:
            assert letters(value) in text, f"{edition} title page: no {value!r}"


def test_the_made_copyright_page_holds_the_isbns_and_publisher(sample: Sample) -> None:
    if sample.meta.get("imprint"):
        pytest.skip(f"{sample.name} gives its imprint line for line")
    meta = sample.meta
    isbns = meta.get("isbn") or {}
    wanted = [main_form(meta["publisher"]), *(str(isbns[e]) for e in ("print", "epub")
                                              if isbns.get(e))]
    for edition, text in zip(("EPUB", "PDF"), editions_text(sample, "imprint"), strict=True):
        for value in wanted:
            assert letters(value) in text, f"{edition} copyright page: no {value!r}"


@pytest.mark.parametrize("page, section", [("title_page", "titlepage"),
                                           ("imprint", "imprint")])
def test_a_page_given_line_for_line_is_set_line_for_line(sample: Sample, page: str,
                                                         section: str) -> None:
    blocks = sample.meta.get(page)
    if not blocks:
        pytest.skip(f"{sample.name} has its {page} made from its metadata")
    elements = sample.section(section).xpath("./x:p | ./x:h1", namespaces=NS)
    assert [[letters(line) for line in block_lines(e)] for e in elements] == [
        [letters(str(line)) for line in block["lines"]] for block in blocks]
    for element, block in zip(elements, blocks, strict=True):
        lang = tag(block["lang"]) if block.get("lang") else None
        assert (element.get("lang"), element.get(XML_LANG)) == (lang, lang), block
    printed = [letters(line.text) for line in sample.body_lines(sample.page_indices(section))]
    assert printed == [letters(str(line)) for block in blocks for line in block["lines"]]


def test_the_title_page_is_one_page_and_the_imprint_its_verso(sample: Sample) -> None:
    title = sample.page_indices("titlepage")
    imprint = sample.page_indices("imprint")
    assert len(title) == 1, f"the title page runs over pages {[sample.labels[i] for i in title]}"
    assert title[0] % 2 == 0, "the title page is not a recto"
    assert imprint[0] == title[0] + 1, "the imprint is not on the title page's verso"
