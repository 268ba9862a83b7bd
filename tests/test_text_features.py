"""The text of a real book (issue 16) built and read back: tests/roots/annotated, an
annotated edition with notes, cross-references, verse, block quotations, epigraphs,
tables, small caps, superscripts, subscripts and scene breaks.

The book is built once for the module (the PDF, its cover, the EPUB and the records) and
checked as `publish check` checks it. Every expectation is read from the source, with
PyYAML and regular expressions on its Markdown: which notes there are and where they are
called, which links lead where, each poem's lines and their indents, each table's rows and
alignments. The built files are read with the tests' own readers (readback.py: the EPUB
as XHTML, the PDF through pdfium's characters, with their sizes, boxes and baselines).
"""

from __future__ import annotations

import itertools
import re
import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pikepdf
import pypdfium2
import pytest
import yaml
from lxml import etree

from publish.build.pipeline import build
from publish.errors import SourceError
from publish.source.model import mm

from .conftest import ROOTS
from .readback import MM, NS, Char, Epub, letters, page_chars
from .test_books import SourcePart, build_sample, source_parts, text_of

ROOT = ROOTS / "annotated"
CHECKS = ["epubcheck", "ace", "preflight", "preflight-cover", "glyphs", "navigation", "pages",
          "onix", "marcxml"]
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"
BODY_SIZE = 9.5  # points: styles/print.css's html font-size, the main text's
SMALL = 7.0  # points: a note's call (5.25), a superscript (6.65) are smaller than this
FOOT = (7.1, 7.9)  # points: the notes at the foot of the page are set at 7.5 pt


# --- the source, as PyYAML and regular expressions read it ---------------------------

NOTE_REF = re.compile(r"\[\^([^\]\s]+)\](?!:)")
NOTE_DEF = re.compile(r"^\[\^([^\]\s]+)\]:[ \t]*(.*)$")
XREF = re.compile(r"\[([^\[\]]+)\]\(#([a-z0-9-]+)\)(\{\.page\})?")
BLOCK_ANCHOR = re.compile(r"^\{#([a-z0-9-]+)\}[ \t]*$", re.M)
SPAN_ANCHOR = re.compile(r"\[([^\[\]]+)\]\{#([a-z0-9-]+)\}")
# ![alt](file "caption"){#name}: the figure's printed words begin with its number
FIGURE_ANCHOR = re.compile(r'!\[[^\]]*\]\([^)]*\)\{#([a-z0-9-]+)[^}]*\}')
SPAN = re.compile(r"\[([^\[\]]+)\]\{\.(sc|sup|sub)\}")
ATTRIBUTION = re.compile(r"^(?:—|---)\s*")


def plain(markdown: str, numbers: dict[str, int] | None = None) -> str:
    """Markdown inline text as printed, without its markup: a note's reference becomes
    its number (or nothing), a link or a span its words."""
    text = NOTE_REF.sub(lambda m: str(numbers[m[1]]) if numbers else "", markdown)
    text = XREF.sub(lambda m: m[1], text)
    text = re.sub(r"\[([^\[\]]+)\]\{[^}]*\}", r"\1", text)
    text = re.sub(r"^\{#[a-z0-9-]+\}[ \t]*$", "", text, flags=re.M)
    return re.sub(r"[*_`]", "", text)


def paragraphs(body: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n[ \t]*\n", body) if p.strip()]


@dataclass
class Note:
    part: str
    label: str
    number: int  # as the book's settings number it
    text: str  # the definition's Markdown, its paragraphs joined by blank lines
    before: str  # the word the reference follows, as letters

    @property
    def opening(self) -> str:
        """The first words of the note, as letters."""
        return letters(" ".join(plain(self.text).split()[:8]))


def body_without_notes(body: str) -> str:
    """A part's text without its notes' definitions (each with its indented paragraphs)."""
    out, inside = [], False
    for line in body.splitlines():
        if NOTE_DEF.match(line):
            inside = True
            continue
        if inside and (not line.strip() or line.startswith("    ")):
            continue
        inside = False
        out.append(line)
    return "\n".join(out)


def definitions(body: str) -> dict[str, str]:
    out: dict[str, str] = {}
    label: str | None = None
    for line in body.splitlines():
        found = NOTE_DEF.match(line)
        if found:
            label = found[1]
            out[label] = found[2]
        elif label and line.startswith("    "):
            out[label] += "\n" + line[4:]
        elif label and not line.strip():
            out[label] += "\n"
        else:
            label = None
    return {k: re.sub(r"\n{3,}", "\n\n", v).strip() for k, v in out.items()}


def source_notes(parts: list[SourcePart], numbering: str) -> list[Note]:
    notes: list[Note] = []
    count = 0
    for part in parts:
        if numbering == "chapter":
            count = 0
        texts = definitions(part.body)
        for paragraph in paragraphs(body_without_notes(part.body)):
            for found in NOTE_REF.finditer(paragraph):
                count += 1
                words = plain(paragraph[:found.start()]).split()
                notes.append(Note(part.id, found[1], count, texts[found[1]],
                                  letters(words[-1]) if words else ""))
    return notes


@dataclass
class Xref:
    part: str
    text: str  # the link's words
    target: str
    page: bool  # {.page}: prints the target's page after its words
    before: str  # letters of the words before it in its paragraph (a note's or the text's)
    after: str  # letters of what follows it in the paragraph, notes' numbers included


def source_xrefs(parts: list[SourcePart], notes: list[Note]) -> list[Xref]:
    out = []
    for part in parts:
        numbers = {n.label: n.number for n in notes if n.part == part.id}
        # the notes' definitions, each as a paragraph of its own
        blocks = paragraphs(body_without_notes(part.body))
        blocks += [p for text in definitions(part.body).values() for p in paragraphs(text)]
        for block in blocks:
            for found in XREF.finditer(block):
                before = plain(block[:found.start()], numbers).split()
                out.append(Xref(part.id, found[1], found[2], bool(found[3]),
                                letters(" ".join(before[-4:])),
                                letters(plain(block[found.end():], numbers))[:12]))
    return out


def anchors(parts: list[SourcePart]) -> dict[str, tuple[str, str]]:
    """Every anchor: its part and the first words of what it marks."""
    out: dict[str, tuple[str, str]] = {}
    for part in parts:
        for found in BLOCK_ANCHOR.finditer(part.body):
            following = part.body[found.end():].lstrip("\n")
            block = following.split("\n\n")[0].lstrip("#| ")
            out[found[1]] = (part.id, " ".join(plain(block).split()[:5]))
        for words, name in SPAN_ANCHOR.findall(part.body):
            out[name] = (part.id, " ".join(words.split()))
        for name in FIGURE_ANCHOR.findall(part.body):
            out[name] = (part.id, "Figure")
    return out


@dataclass
class Poem:
    part: str
    stanzas: list[list[tuple[str, int]]]  # each line's words and its indent level
    attribution: str | None


def containers(body: str, name: str) -> list[str]:
    return re.findall(rf"^::: {name}[ \t]*\n(.*?)^:::[ \t]*$", body, flags=re.M | re.S)


def source_poems(parts: list[SourcePart]) -> list[Poem]:
    out = []
    for part in parts:
        for inside in containers(part.body, "verse"):
            chunks = [c for c in re.split(r"\n[ \t]*\n", inside.strip("\n")) if c.strip()]
            attribution = None
            if ATTRIBUTION.match(chunks[-1].strip()):
                attribution = ATTRIBUTION.sub("", chunks.pop().strip())
            stanzas = [[(line.strip(), (len(line) - len(line.lstrip(" "))) // 2)
                        for line in chunk.splitlines()] for chunk in chunks]
            out.append(Poem(part.id, stanzas, attribution))
    return out


@dataclass
class Quote:
    part: str
    paragraphs: list[str]
    attribution: str | None


def source_quotes(parts: list[SourcePart]) -> list[Quote]:
    out = []
    for part in parts:
        for found in re.finditer(r"(?:^>.*\n?)+", part.body, flags=re.M):
            text = re.sub(r"^> ?", "", found[0], flags=re.M)
            chunks = paragraphs(text)
            attribution = None
            if ATTRIBUTION.match(chunks[-1]):
                attribution = ATTRIBUTION.sub("", chunks.pop())
            out.append(Quote(part.id, [plain(c) for c in chunks], attribution))
    return out


@dataclass
class Table:
    part: str
    header: list[str]
    aligns: list[str]  # left, center, right, or "" (none given)
    rows: list[list[str]]
    caption: str | None


def cells(line: str) -> list[str]:
    return [c.strip() for c in line.strip().strip("|").split("|")]


def source_tables(parts: list[SourcePart]) -> list[Table]:
    out = []
    for part in parts:
        pattern = r"((?:^\|.*\n)+)(?:[ \t]*\n)?(?:^Table: (.*)$)?"
        for found in re.finditer(pattern, part.body, flags=re.M):
            lines = found[1].splitlines()
            aligns = []
            for spec in cells(lines[1]):
                left, right = spec.startswith(":"), spec.endswith(":")
                aligns.append("center" if left and right else "right" if right
                              else "left" if left else "")
            out.append(Table(part.id, [plain(c) for c in cells(lines[0])], aligns,
                             [[plain(c) for c in cells(line)] for line in lines[2:]],
                             found[2]))
    return out


# --- the PDF, as pdfium reads it -----------------------------------------------------


def read_chars(path: Path) -> list[list[Char]]:
    """Each page's characters in the order it draws them, none that pdfium makes up; their
    sizes in points (pdfium gives them in the units of the text's own matrix: the main
    text's size, the commonest, is BODY_SIZE)."""
    pdf = pypdfium2.PdfDocument(path)
    try:
        out = [page_chars(page) for page in pdf]
    finally:
        pdf.close()
    sizes = Counter(round(c.size, 2) for page in out for c in page)
    unit = sizes.most_common(1)[0][0] / BODY_SIZE
    for drawn in out:
        for each in drawn:
            each.size /= unit
    return out


@dataclass
class Stream:
    """A page's letters in drawing order, each with its character."""

    text: str
    chars: list[Char]

    @staticmethod
    def of(chars: list[Char]) -> Stream:
        text, kept = [], []
        for char in chars:
            for letter in letters(char.text):
                text.append(letter)
                kept.append(char)
        return Stream("".join(text), kept)


@dataclass
class PdfLine:
    page: int
    chars: list[Char]

    @property
    def text(self) -> str:
        return "".join(c.text for c in self.chars)

    @property
    def x0(self) -> float:
        return min(c.x0 for c in self.chars if not c.text.isspace())

    @property
    def x1(self) -> float:
        return max(c.x1 for c in self.chars if not c.text.isspace())

    @property
    def baseline(self) -> float:
        return max(c.baseline for c in self.chars)

    @property
    def size(self) -> float:
        sizes = sorted(c.size for c in self.chars if not c.text.isspace())
        return sizes[len(sizes) // 2]


def lines_of(chars: list[Char], page: int) -> list[PdfLine]:
    """The page's lines: characters gathered by baseline (a note's call or a superscript,
    smaller, joins the line it stands in), top to bottom, each left to right."""
    lines: list[list[Char]] = []
    for char in sorted(chars, key=lambda c: (c.baseline, c.x0)):
        if lines and char.baseline - max(c.baseline for c in lines[-1]) < 3.5:
            lines[-1].append(char)
        else:
            lines.append([char])
    return [PdfLine(page, sorted(line, key=lambda c: c.x0)) for line in lines
            if any(not c.text.isspace() for c in line)]


# --- the built book ------------------------------------------------------------------


@dataclass
class Book:
    root: Path
    meta: dict[str, Any]
    parts: list[SourcePart]
    epub: Epub
    pdf: Path
    pages: list[dict[str, Any]]
    labels: list[str]
    findings: dict[str, list[str]]
    chars: list[list[Char]] = field(default_factory=list)

    @property
    def place(self) -> str:
        return str((self.meta.get("notes") or {}).get("place", "foot"))

    @property
    def numbering(self) -> str:
        return str((self.meta.get("notes") or {}).get("numbering", "chapter"))

    def notes(self) -> list[Note]:
        return source_notes(self.parts, self.numbering)

    def page_indices(self, section: str) -> list[int]:
        return [p["index"] for p in self.pages if p["section"] == section]

    def text_area(self, index: int) -> list[Char]:
        """The characters inside the page's margins: no running head, no folio."""
        margins = self.meta["print"]["margins"]
        top, bottom = mm(str(margins["top"])) * MM, mm(str(margins["bottom"])) * MM
        height = mm(str(self.meta["print"]["trim_height"])) * MM
        return [c for c in self.chars[index]
                if top - 1 < (c.top + c.bottom) / 2 < height - bottom + 1]

    def left(self, index: int) -> float:
        """The text block's left edge on the page: the gutter on a recto (even index)."""
        margins = self.meta["print"]["margins"]
        return mm(str(margins["inside" if index % 2 == 0 else "outside"])) * MM

    def main_lines(self, index: int) -> list[PdfLine]:
        """The lines of the main text: not the notes at the foot."""
        return [line for line in lines_of(self.text_area(index), index)
                if not FOOT[0] <= line.size <= FOOT[1]]

    def foot(self, index: int) -> Stream:
        """The notes at the foot of the page, as letters."""
        return Stream.of([c for c in self.text_area(index) if FOOT[0] <= c.size <= FOOT[1]])

    def section(self, id: str) -> tuple[str, etree._Element]:
        for name in self.epub.spine():
            found = self.epub.xml(name).xpath("//x:body//x:section[@id=$id]", id=id,
                                               namespaces=NS)
            if found:
                return name, found[0]
        raise AssertionError(f"no section '{id}' in the EPUB")

    def by_id(self, name: str, id: str) -> etree._Element | None:
        found = self.epub.xml(name).xpath("//*[@id=$id]", id=id)
        return found[0] if found else None


def make(root: Path, out: Path) -> Book:
    s = build_sample(root.name, root, out)
    book = Book(s.root, s.meta, s.parts, s.epub, s.pdf, s.pages, s.labels, s.findings)
    book.chars = read_chars(book.pdf)
    return book


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Book]:
    built = make(ROOT, tmp_path_factory.mktemp("annotated") / "dist")
    try:
        yield built
    finally:
        built.epub.zip.close()


@pytest.fixture(scope="module")
def endnotes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Book]:
    """The same book with its notes at the end of each chapter, numbered through the book."""
    folder = tmp_path_factory.mktemp("endnotes")
    shutil.copytree(ROOT, folder / "annotated")
    meta = folder / "annotated" / "book.yaml"
    text = meta.read_text(encoding="utf-8")
    changed = re.sub(r"^notes:.*$", "notes: {place: chapter, numbering: book}", text,
                     flags=re.M)
    assert changed != text
    meta.write_text(changed, encoding="utf-8")
    # The ledger's note, longer than a page's foot, then runs over a printed page at the
    # chapter's end: a printed page begins inside a note.
    built = make(folder / "annotated", folder / "dist")
    try:
        yield built
    finally:
        built.epub.zip.close()


# --- the sample holds what the tests need --------------------------------------------


def test_the_sample_holds_what_the_tests_need() -> None:
    meta = yaml.safe_load((ROOT / "book.yaml").read_text(encoding="utf-8"))
    parts = source_parts(ROOT, meta)
    kinds = [p.kind for p in parts]
    assert kinds.count("chapter") >= 6 and "preface" in kinds and "epigraph" in kinds
    notes = source_notes(parts, "chapter")
    assert len(notes) >= 60
    assert sum("\n\n" in n.text for n in notes) >= 5, "notes of several paragraphs"
    # (a note longer than a page's foot is refused, S-NOTE-LONG: the endnotes build has one)
    assert max(len(n.text.split()) for n in notes) > 150, "a long note"
    openings = [n.opening for n in notes]
    assert len(set(openings)) == len(openings), "two notes begin with the same words"
    for part in parts:  # each note defined once and called once
        labels = [n.label for n in notes if n.part == part.id]
        assert sorted(labels) == sorted(definitions(part.body)), part.id
        assert len(set(labels)) == len(labels), part.id
    xrefs = source_xrefs(parts, notes)
    targets = anchors(parts)
    ids = {p.id for p in parts}
    assert len(xrefs) >= 20
    assert {x.target for x in xrefs} <= ids | set(targets)
    assert any(x.target in ids for x in xrefs) and any(x.target in targets for x in xrefs)
    assert any(x.page for x in xrefs) and any(not x.page for x in xrefs)
    for x in xrefs:
        if x.page:  # the printed page is found by the words around it
            assert x.before and not x.after[:1].isdigit(), x
    poems = source_poems(parts)
    assert len(poems) >= 3 and all(p.attribution for p in poems)
    assert all(len(p.stanzas) >= 2 and any(level for s in p.stanzas for _, level in s)
               for p in poems)
    assert sum(q.attribution is not None for q in source_quotes(parts)) >= 2
    assert any(containers(p.body, "epigraph") for p in parts)
    tables = source_tables(parts)
    assert len(tables) >= 2 and max(len(t.rows) for t in tables) >= 60
    assert all(t.caption for t in tables)
    assert {"left", "center", "right"} <= {a for t in tables for a in t.aligns}
    found = {kind for p in parts for _, kind in SPAN.findall(p.body)}
    assert found == {"sc", "sup", "sub"}
    assert sum(p.body.count("\n***\n") for p in parts) >= 3


@pytest.mark.parametrize("check", CHECKS)
def test_publish_check_passes(book: Book, check: str) -> None:
    """EPUBCheck with no message at all, Ace with no violation, the preflight, the glyphs,
    the navigation and the pagination (every page's marker before its first words)."""
    assert book.findings[check] == []


# --- notes ---------------------------------------------------------------------------


def calls_on(book: Book, index: int) -> list[tuple[str, str]]:
    """The notes' calls of the page's main text: (number, the letters before it)."""
    chars = [c for c in book.text_area(index) if not FOOT[0] <= c.size <= FOOT[1]]
    out = []
    position = 0
    while position < len(chars):
        char = chars[position]
        if char.text.isdigit() and char.size < SMALL:
            end = position
            while end < len(chars) and chars[end].text.isdigit() and chars[end].size < SMALL:
                end += 1
            number = "".join(c.text for c in chars[position:end])
            before = letters("".join(c.text for c in chars[max(0, position - 30):position]))
            out.append((number, before))
            position = end
        else:
            position += 1
    return out


def test_every_note_is_printed_at_the_foot_of_the_page_that_calls_it(book: Book) -> None:
    """The call (a small number after the word the source puts it after) and the start of
    the note (its number and first words at the foot) are on one printed page."""
    problems = []
    for note in book.notes():
        pages = book.page_indices(note.part)
        called = [i for i in pages if any(number == str(note.number) and before.endswith(
            note.before) for number, before in calls_on(book, i))]
        begun = [i for i in pages if f"{note.number}{note.opening}" in book.foot(i).text]
        where = f"{note.part} note {note.number} ([^{note.label}])"
        if len(called) != 1 or len(begun) != 1 or called != begun:
            problems.append(f"{where}: called on {[book.labels[i] for i in called]}, "
                            f"begins at the foot of {[book.labels[i] for i in begun]}")
    assert not problems, "\n".join(problems)


def note_pattern(note: Note) -> re.Pattern[str]:
    """The note's letters; a page printed by a cross-reference in it is any number."""
    pieces, last = [], 0
    for found in XREF.finditer(note.text):
        pieces.append(re.escape(letters(plain(note.text[last:found.start()]))))
        pieces.append(re.escape(letters(found[1])) + ("[0-9ivxlcdm]+" if found[3] else ""))
        last = found.end()
    pieces.append(re.escape(letters(plain(note.text[last:]))))
    return re.compile(re.escape(str(note.number)) + "".join(pieces))


def test_a_long_note_goes_on_at_the_foot_of_the_next_page(book: Book) -> None:
    """Each note's whole text is at the foot: on its page, or begun there and gone on at
    the head of the notes of the pages after (a page with no text, a figure's, has none);
    at least one note of the sample runs over."""
    ran_over = []
    openings = [f"{n.number}{n.opening}" for n in book.notes()]
    for note in book.notes():
        pages = book.page_indices(note.part)
        start = next(i for i in pages if f"{note.number}{note.opening}" in book.foot(i).text)
        foot = book.foot(start).text
        rest = foot[foot.index(f"{note.number}{note.opening}"):]
        pattern = note_pattern(note)
        if pattern.match(rest):
            continue
        following = ""
        for i in range(start + 1, min(start + 5, len(book.chars))):
            head = book.foot(i).text  # up to the first note of the page's own
            head = head[:min([head.index(o) for o in openings if o in head] or [len(head)])]
            following += head
            if pattern.match(rest + following):
                break
        assert pattern.match(rest + following), \
            f"{note.part} note {note.number}: not whole at the foot of its page and the next"
        assert not any(
            f"{n.number}{n.opening}" in rest for n in book.notes()
            if n.part == note.part and n.number > note.number), \
            f"{note.part} note {note.number} runs over, but a later note follows it"
        ran_over.append(note)
    assert ran_over, "no note of the sample continues on the next page"


def test_every_note_is_linked_both_ways_in_the_epub(book: Book) -> None:
    """noteref (epub:type, role) -> an aside footnote of the same part holding the note's
    text, whose backlink leads back to the noteref."""
    notes = book.notes()
    for part in book.parts:
        name, section = book.section(part.id)
        refs = section.xpath(".//x:a[@epub:type='noteref']", namespaces=NS)
        expected = [n for n in notes if n.part == part.id]
        assert [text_of(a) for a in refs] == [str(n.number) for n in expected], part.id
        for a, note in zip(refs, expected, strict=True):
            where = f"{part.id} note {note.number}"
            assert a.get("role") == "doc-noteref", where
            href = a.get("href")
            target_file = book.epub.resolve(href, name) if href.split("#")[0] else name
            aside = book.by_id(target_file, href.partition("#")[2])
            assert aside is not None, f"{where}: {href} leads nowhere"
            kind = "footnote" if book.place == "foot" else "endnote"
            assert etree.QName(aside).localname in ("aside", "li"), where
            # DPUB-ARIA 1.1 deprecates doc-endnote (EPUBCheck warns): an endnote has none
            role = "doc-footnote" if kind == "footnote" else None
            assert aside.get(EPUB_TYPE) == kind and aside.get("role") == role, where
            assert note_pattern(note).fullmatch(letters(text_of(aside))), where
            back = aside.xpath(".//x:a[@role='doc-backlink']", namespaces=NS)
            assert len(back) == 1, where
            back_href = back[0].get("href")
            back_file = (book.epub.resolve(back_href, target_file)
                         if back_href.split("#")[0] else target_file)
            assert back_file == name and back_href.partition("#")[2] == a.get("id"), where
            assert len(aside.xpath(".//x:p", namespaces=NS)) == note.text.count("\n\n") + 1


def test_a_note_too_long_for_the_pages_after_it_is_refused_not_printed_over_the_text(
        tmp_path: Path) -> None:
    """A note of several pages' feet, called near the end of a short book: its rest would
    run past the last page of text (WeasyPrint 70 would set it over the page's head and
    text). It is refused at its line, with the fix, and no edition is written."""
    shutil.copytree(ROOTS / "minimal", tmp_path / "minimal")
    text = tmp_path / "minimal" / "text" / "01-first.md"
    lines = text.read_text(encoding="utf-8").count("\n")
    long_note = " ".join(["The note goes on about the river, the mill and the weir."] * 70)
    text.write_text(text.read_text(encoding="utf-8") + f"\nA claim.[^long]\n\n"
                    f"[^long]: {long_note}\n", encoding="utf-8")
    with pytest.raises(SourceError) as refused:
        build(tmp_path / "minimal", tmp_path / "dist", ["pdf"], cache=False)
    assert refused.value.code == "S-NOTE-LONG"
    assert "past the last page" in refused.value.message
    assert (refused.value.path, refused.value.line) == ("minimal/text/01-first.md", lines + 4)
    assert "notes: {place: chapter}" in refused.value.fix
    assert not (tmp_path / "dist").exists()


def test_endnotes_numbered_through_the_book_are_linked_and_paged(endnotes: Book) -> None:
    """`notes: {place: chapter, numbering: book}`: the same book, its notes after each
    chapter numbered on from the last; the pages still start at their markers, also the
    pages that begin inside a note."""
    assert endnotes.numbering == "book"
    test_every_note_is_linked_both_ways_in_the_epub(endnotes)
    assert endnotes.findings["pages"] == []
    assert endnotes.findings["epubcheck"] == [] and endnotes.findings["ace"] == []
    notes = {f"{n.part}:{n.number}": n for n in endnotes.notes()}
    in_notes = {str(e.get("id")) for name in endnotes.epub.spine() for e in endnotes.epub.xml(
        name).xpath("//x:section[@epub:type='endnotes']//*[@id]", namespaces=NS)}
    inside = [p for p in endnotes.pages if p["element"] in in_notes]
    assert inside, "no page begins inside a note: the sample does not test it"
    assert len(notes) >= 60


# --- cross-references ----------------------------------------------------------------


def destinations(path: Path) -> dict[str, int]:
    """The PDF's named destinations: name -> page index."""
    out: dict[str, int] = {}
    with pikepdf.open(path) as pdf:
        index = {page.obj.objgen: n for n, page in enumerate(pdf.pages)}

        def walk(node: Any) -> None:
            if "/Names" in node:
                names = node.Names
                for n in range(0, len(names), 2):
                    value = names[n + 1]
                    array = value.D if isinstance(value, pikepdf.Dictionary) else value
                    out[str(names[n])] = index[array[0].objgen]
            for kid in node.get("/Kids", []):
                walk(kid)

        if "/Names" in pdf.Root and "/Dests" in pdf.Root.Names:
            walk(pdf.Root.Names.Dests)
        if "/Dests" in pdf.Root:
            for name, value in pdf.Root.Dests.items():
                out[name.lstrip("/")] = index[value[0].objgen]
    return out


def target_page(book: Book, target: str) -> int:
    """The PDF page where the target lies: its named destination, holding its words."""
    dests = destinations(book.pdf)
    assert target in dests, f"no destination {target!r} in the PDF"
    index = dests[target]
    words = anchors(book.parts).get(target)
    if words:
        # where the target begins: a span may go on over the page's end
        first = letters(words[1].split()[0])
        assert first in Stream.of(book.text_area(index)).text, \
            f"{target}: {words[1]!r} is not on page {book.labels[index]}, its destination"
    else:
        assert index == book.page_indices(target)[0], target
    return index


def marker_label(book: Book, target: str) -> str:
    """The label of the EPUB's last page-break marker before the target's first letter."""
    label = ""
    for name in book.epub.spine():
        seen = False
        for event, element in etree.iterwalk(book.epub.xml(name), events=("start", "end")):
            if not isinstance(element.tag, str):
                continue
            if event == "start":
                if element.get(EPUB_TYPE) == "pagebreak":
                    label = str(element.get("aria-label") or element.get("title"))
                if element.get("id") == target:
                    seen = True
                text = element.text
            else:
                text = element.tail
            if seen and text and letters(text):
                return label
    raise AssertionError(f"no {target!r} in the EPUB")


def test_every_cross_reference_leads_to_its_target_in_the_epub(book: Book) -> None:
    xrefs = source_xrefs(book.parts, book.notes())
    for part in book.parts:
        name, section = book.section(part.id)
        mine = [x for x in xrefs if x.part == part.id]
        links = [a for a in section.xpath(".//x:a[@href]", namespaces=NS)
                 if a.get("role") not in ("doc-noteref", "doc-backlink")
                 and not re.match(r"[a-z]+:", a.get("href"))]
        assert [a.get("href").partition("#")[2] for a in links] == [x.target for x in mine]
        for a, xref in zip(links, mine, strict=True):
            target_file = book.epub.resolve(a.get("href"), name)
            assert book.by_id(target_file, xref.target) is not None, xref
            words = letters(xref.text)
            if xref.page:
                assert letters(text_of(a)) == words + letters(marker_label(book, xref.target))
            else:
                assert letters(text_of(a)) == words, xref


def test_every_cross_reference_is_a_link_in_the_pdf(book: Book) -> None:
    """Each leads to its target's page (the link annotations, counted by target)."""
    wanted: dict[str, int] = {}
    for xref in source_xrefs(book.parts, book.notes()):
        wanted[xref.target] = wanted.get(xref.target, 0) + 1
    dests = destinations(book.pdf)
    found: dict[str, set[int]] = {}
    with pikepdf.open(book.pdf) as pdf:
        for n, page in enumerate(pdf.pages):
            for annot in page.get("/Annots", []):
                if annot.get("/Subtype") != "/Link":
                    continue
                action = annot.get("/A")
                dest = annot.get("/Dest") or (action.get("/D") if action is not None else None)
                if isinstance(dest, (pikepdf.String, pikepdf.Name)):
                    name = str(dest).lstrip("/")
                    found.setdefault(name, set()).add(n)
                    assert name in dests, f"page {book.labels[n]}: a link to no destination"
    for target in wanted:
        assert target in found, f"no link in the PDF leads to {target!r}"
        target_page(book, target)


def test_every_printed_page_number_is_the_page_of_its_target(book: Book) -> None:
    """"see page N": N is the label of the PDF page where the target lies, and the label
    the EPUB's page-list gives its marker."""
    streams = [Stream.of(book.text_area(i)).text for i in range(len(book.chars))]
    problems = []
    for xref in (x for x in source_xrefs(book.parts, book.notes()) if x.page):
        pattern = re.compile(re.escape(xref.before + letters(xref.text)) + r"([0-9]+)"
                             + re.escape(xref.after[:6]))
        found = [(i, m[1]) for i, text in enumerate(streams) for m in pattern.finditer(text)]
        if len(found) != 1:
            problems.append(f"{xref.part} -> {xref.target}: printed {found}")
            continue
        printed = found[0][1]
        page = book.labels[target_page(book, xref.target)]
        epub = marker_label(book, xref.target)
        if not xref.after[:6] or not letters(xref.after[:6]):
            # nothing of the text after it to end the number: the next drawn digits (a
            # note's number) run on into it
            printed = page if printed.startswith(page) else printed
        if not printed == page == epub:
            problems.append(f"{xref.part} -> {xref.target}: printed {printed}, the target is "
                            f"on page {page}, the EPUB's marker says {epub}")
    assert not problems, "\n".join(problems)


# --- verse ---------------------------------------------------------------------------


def indent_of(element: etree._Element, stop: etree._Element) -> int:
    for e in (element, *element.iterancestors()):
        found = re.search(r"\bindent-(\d+)\b", e.get("class") or "")
        if found:
            return int(found[1])
        if e is stop:
            break
    return 0


def epub_poems(book: Book, part: str) -> list[etree._Element]:
    _, section = book.section(part)
    return list(section.xpath(".//*[contains(concat(' ', @class, ' '), ' verse ')]",
                              namespaces=NS))


def test_verse_keeps_its_lines_stanzas_and_indents_in_the_epub(book: Book) -> None:
    for part in book.parts:
        poems = [p for p in source_poems(book.parts) if p.part == part.id]
        found = epub_poems(book, part.id)
        assert len(found) == len(poems), part.id
        for poem, element in zip(poems, found, strict=True):
            stanzas = element.xpath(".//*[contains(concat(' ', @class, ' '), ' stanza ')]")
            got = [[(" ".join(text_of(line).split()), indent_of(line, element))
                    for line in stanza.xpath(
                        ".//*[contains(concat(' ', @class, ' '), ' line ')]")]
                   for stanza in stanzas]
            wanted = [[(plain(words), level) for words, level in stanza]
                      for stanza in poem.stanzas]
            assert [[(letters(w), n) for w, n in s] for s in got] == \
                [[(letters(w), n) for w, n in s] for s in wanted], part.id
            attribution = element.xpath(".//*[contains(@class, 'attribution')]")
            assert poem.attribution and len(attribution) == 1
            assert letters(text_of(attribution[0])) == letters(plain(poem.attribution))


def test_verse_keeps_its_lines_stanzas_and_indents_in_the_pdf(book: Book) -> None:
    """Each source line begins a printed line of its own; a line indented further starts
    further right; lines of one level start at one place; stanzas stand apart."""
    for poem in source_poems(book.parts):
        flat = [(letters(plain(w)), level) for stanza in poem.stanzas for w, level in stanza]
        lines = [line for i in book.page_indices(poem.part) for line in book.main_lines(i)]
        texts = [letters(line.text) for line in lines]
        start = texts.index(flat[0][0])
        printed = lines[start:start + len(flat)]
        assert [letters(line.text) for line in printed] == [w for w, _ in flat], poem.part
        x: dict[int, float] = {}
        for line, (words, level) in zip(printed, flat, strict=True):
            offset = line.x0 - book.left(line.page)
            x.setdefault(level, offset)
            assert abs(x[level] - offset) < 1, f"{poem.part}: {words} is not in line"
        levels = sorted(x)
        for low, high in itertools.pairwise(levels):
            assert x[high] > x[low] + 5, f"{poem.part}: indent {high} is not further right"
        sizes = [len(s) for s in poem.stanzas]
        steps = [b.baseline - a.baseline for a, b in itertools.pairwise(printed)
                 if a.page == b.page]
        within = min(steps)
        ends = {sum(sizes[:n + 1]) - 1 for n in range(len(sizes) - 1)}
        for n, (a, b) in enumerate(itertools.pairwise(printed)):
            if a.page == b.page and n in ends:
                assert b.baseline - a.baseline > within * 1.3, f"{poem.part}: stanza {n}"
        if poem.attribution:
            after = letters(lines[start + len(flat)].text)
            assert after == letters(plain(poem.attribution)), poem.part


# --- block quotations and epigraphs --------------------------------------------------


def attributions(element: etree._Element) -> list[str]:
    """The letters of each attribution marked inside `element`."""
    return [letters(text_of(a)) for a in element.xpath(".//*[contains(@class, 'attribution')]")]


def test_block_quotations_and_their_attributions(book: Book) -> None:
    for part in book.parts:
        quotes = [q for q in source_quotes(book.parts) if q.part == part.id]
        _, section = book.section(part.id)
        found = section.xpath(".//x:blockquote", namespaces=NS)
        assert len(found) == len(quotes), part.id
        lines = [line for i in book.page_indices(part.id) for line in book.main_lines(i)]
        for quote, element in zip(quotes, found, strict=True):
            text = letters(text_of(element))
            assert text.startswith(letters(" ".join(quote.paragraphs)))
            if quote.attribution:
                assert attributions(element) == [letters(plain(quote.attribution))]
            first = letters(" ".join(quote.paragraphs[0].split()[:3]))
            line = next(li for li in lines if letters(li.text).startswith(first))
            assert line.x0 - book.left(line.page) > 5, f"{part.id}: quotation not set in"


def test_a_chapters_epigraph_opens_its_chapter(book: Book) -> None:
    for part in book.parts:
        for inside in containers(part.body, "epigraph"):
            chunks = paragraphs(inside)
            _, section = book.section(part.id)
            found = section.xpath(".//*[@epub:type='epigraph']", namespaces=NS)
            assert len(found) == 1, part.id
            assert letters(text_of(found[0])) == letters(
                plain(" ".join(ATTRIBUTION.sub("— ", c) for c in chunks)))
            assert attributions(found[0]) == [letters(ATTRIBUTION.sub("", chunks[-1]))]
            first_page = Stream.of(book.text_area(book.page_indices(part.id)[0])).text
            assert letters(plain(chunks[0])) in first_page


def test_the_books_epigraph_has_its_attribution(book: Book) -> None:
    part = next(p for p in book.parts if p.kind == "epigraph")
    chunks = paragraphs(part.body)
    _, section = book.section(part.id)
    assert attributions(section) == [letters(ATTRIBUTION.sub("", chunks[-1]))]


# --- tables --------------------------------------------------------------------------


def test_tables_in_the_epub(book: Book) -> None:
    """A caption, header cells with scope, every row and cell, the alignments."""
    for part in book.parts:
        tables = [t for t in source_tables(book.parts) if t.part == part.id]
        _, section = book.section(part.id)
        found = section.xpath(".//x:table", namespaces=NS)
        assert len(found) == len(tables), part.id
        for table, element in zip(tables, found, strict=True):
            caption = element.xpath("x:caption", namespaces=NS)
            assert [letters(text_of(c)) for c in caption] == [letters(table.caption or "")]
            heads = element.xpath("x:thead/x:tr/x:th", namespaces=NS)
            assert [letters(text_of(h)) for h in heads] == [letters(h) for h in table.header]
            assert {h.get("scope") for h in heads} == {"col"}
            rows = element.xpath("x:tbody/x:tr", namespaces=NS)
            assert [[letters(text_of(c)) for c in r.xpath("x:td|x:th", namespaces=NS)]
                    for r in rows] == [[letters(c) for c in row] for row in table.rows]
            for row in [heads, *(r.xpath("x:td|x:th", namespaces=NS) for r in rows)]:
                for cell, align in zip(row, table.aligns, strict=True):
                    said = " ".join(filter(None, (cell.get("style"), cell.get("class"))))
                    if align:
                        assert align in said, (part.id, text_of(cell), said)


def row_pages(book: Book, table: Table, row: list[str]) -> list[tuple[int, list[list[Char]]]]:
    """The pages whose drawn letters hold the row's cells one after the other, each with
    the characters of each cell."""
    wanted = [letters(c) for c in row]
    joined = "".join(wanted)
    out = []
    for index in book.page_indices(table.part):
        stream = Stream.of(book.text_area(index))
        for found in re.finditer(re.escape(joined), stream.text):
            cells, at = [], found.start()
            for cell in wanted:
                cells.append(stream.chars[at:at + len(cell)])
                at += len(cell)
            out.append((index, cells))
    return out


def test_no_table_row_is_split_across_pages(book: Book) -> None:
    for table in source_tables(book.parts):
        for row in table.rows:
            found = row_pages(book, table, row)
            assert len(found) == 1, f"{table.part}: row {row[0]!r} is on pages " \
                f"{[book.labels[i] for i, _ in found]} (not whole on one)"


def test_a_long_table_repeats_its_header_on_every_page(book: Book) -> None:
    spanning = 0
    for table in source_tables(book.parts):
        pages = sorted({row_pages(book, table, row)[0][0] for row in table.rows})
        spanning += len(pages) > 1
        headed = {i for i, _ in row_pages(book, table, table.header)}
        assert set(pages) <= headed, f"{table.part}: no header row on pages " \
            f"{[book.labels[i] for i in sorted(set(pages) - headed)]}"
        for index in pages:  # the header above the page's first row
            header = next(cells for i, cells in row_pages(book, table, table.header)
                          if i == index)
            first = min(cells[0][0].top for row in table.rows
                        for i, cells in row_pages(book, table, row) if i == index and cells[0])
            assert header[0][0].top < first
    assert spanning, "no table of the sample runs over a page"


def test_table_columns_are_aligned_in_the_pdf(book: Book) -> None:
    """Left, centre or right, as the separator row says: on each page, the cells of a
    column (on one line each) share their left edge, middle or right edge."""
    for table in source_tables(book.parts):
        edges: dict[tuple[int, int], list[float]] = {}
        for row in table.rows:
            for index, cells in row_pages(book, table, row)[:1]:
                for column, chars in enumerate(cells):
                    align = table.aligns[column]
                    if not chars or not align or len({c.baseline for c in chars}) > 1:
                        continue
                    x0, x1 = min(c.x0 for c in chars), max(c.x1 for c in chars)
                    edge = {"left": x0, "right": x1, "center": (x0 + x1) / 2}[align]
                    edges.setdefault((index, column), []).append(edge)
        for (index, column), values in edges.items():
            assert max(values) - min(values) < 1.5, (
                f"{table.part}, page {book.labels[index]}: column {table.header[column]!r} "
                f"({table.aligns[column]}) is not aligned: {sorted(values)}")


# --- small caps, superscripts, subscripts, scene breaks ------------------------------


def spans_in_pdf(book: Book, kind: str) -> list[tuple[list[Char], list[Char], Char | None]]:
    """Each `[..]{.kind}` of the source: its printed characters, the page's characters
    and the character drawn before it."""
    out = []
    for part in book.parts:
        numbers = {n.label: n.number for n in book.notes() if n.part == part.id}
        body = body_without_notes(part.body) + "\n" + "\n".join(
            definitions(part.body).values())
        for found in re.finditer(r"((?:\S+[ \t]+)?\S*)\[([^\[\]]+)\]\{\." + kind
                                 + r"\}(\S*(?:[ \t]+\S+)?)", body):
            before, words, after = (letters(plain(found[1], numbers)), letters(found[2]),
                                    letters(plain(found[3], numbers)))
            hits = []
            for index in book.page_indices(part.id):
                stream = Stream.of(book.text_area(index))
                for m in re.finditer(re.escape(before + words + after), stream.text):
                    start = m.start() + len(before)
                    hits.append((stream.chars[start:start + len(words)], book.chars[index],
                                 stream.chars[start - 1] if before else None))
            assert hits, f"{part.id}: {found[0]!r} is not printed"
            out += hits
    return out


def test_small_caps_superscripts_and_subscripts_in_the_epub(book: Book) -> None:
    for part in book.parts:
        _, section = book.section(part.id)
        for words, kind in SPAN.findall(part.body):
            xpath = ".//x:span[contains(concat(' ', @class, ' '), ' sc ')]" if kind == "sc" \
                else f".//x:{kind}"
            found = [text_of(e) for e in section.xpath(xpath, namespaces=NS)]
            assert words in found, (part.id, words, kind)


def test_small_caps_are_printed_smaller_than_capitals(book: Book) -> None:
    for chars, page, _ in spans_in_pdf(book, "sc"):
        capitals = [c.glyph_bottom - c.glyph_top for c in page if c.text in "EHIMNT"
                    and abs(c.size - chars[0].size) < 0.2 and c not in chars]
        capital = sorted(capitals)[len(capitals) // 2]
        for char in chars:
            height = char.glyph_bottom - char.glyph_top
            # Gentium's small capitals (c2sc) stand at about 0.87 of its capitals
            assert height < 0.92 * capital, \
                f"{char.text!r} of a small-caps span is {height:.1f} pt high, a capital " \
                f"{capital:.1f}: printed as a capital"


@pytest.mark.parametrize("kind", ["sup", "sub"])
def test_superscripts_and_subscripts_are_raised_and_lowered(book: Book, kind: str) -> None:
    for chars, _, before in spans_in_pdf(book, kind):
        assert before is not None
        for char in chars:
            assert char.size < before.size * 0.9, f"{char.text!r} is not smaller"
            shift = before.baseline - char.baseline  # up is positive
            assert (shift > 1 if kind == "sup" else shift < -1), \
                f"{kind} {char.text!r}: baseline moved by {shift:.1f} pt"


def test_scene_breaks_are_the_ornament(book: Book) -> None:
    """`***` between two paragraphs: an <hr> between them in the EPUB; in print a line of
    no letters, centred on the text block, between their lines."""
    for part in book.parts:
        blocks = paragraphs(body_without_notes(part.body))
        breaks = [n for n, b in enumerate(blocks) if b == "***"]
        _, section = book.section(part.id)
        rules = section.xpath(".//x:hr", namespaces=NS)
        assert len(rules) == len(breaks), part.id
        lines = [line for i in book.page_indices(part.id) for line in book.main_lines(i)]
        numbers = {n.label: n.number for n in book.notes() if n.part == part.id}
        for n, rule in zip(breaks, rules, strict=True):
            before = letters(plain(blocks[n - 1], numbers))
            after = letters(plain(blocks[n + 1], numbers))
            prev, follow = rule.getprevious(), rule.getnext()
            while prev is not None and prev.get(EPUB_TYPE) == "pagebreak":
                prev = prev.getprevious()
            while follow is not None and follow.get(EPUB_TYPE) == "pagebreak":
                follow = follow.getnext()
            assert prev is not None and letters(text_of(prev)).endswith(before[-20:])
            assert follow is not None and letters(text_of(follow)).startswith(after[:20])
            at = next(k for k, line in enumerate(lines)
                      if before.endswith(letters(line.text)) and letters(line.text)
                      and k + 1 < len(lines) and not letters(lines[k + 1].text))
            ornament = lines[at + 1]
            assert ornament.text.strip(), part.id
            width = mm(str(book.meta["print"]["trim_width"])) * MM
            margins = book.meta["print"]["margins"]
            right = width - mm(str(margins["outside" if ornament.page % 2 == 0
                                       else "inside"])) * MM
            middle = (book.left(ornament.page) + right) / 2
            assert abs((ornament.x0 + ornament.x1) / 2 - middle) < 3, part.id
            assert after.startswith(letters(lines[at + 2].text)), part.id


# --- page-break markers --------------------------------------------------------------


def test_pages_begin_in_tables_stanzas_and_notes_and_keep_their_markers(book: Book) -> None:
    """The page map has pages that begin inside a table row and inside a stanza, and
    `publish check`'s pages check finds every marker before its page's first words."""
    assert book.findings["pages"] == []
    _, _ = book.section("register")
    kinds = set()
    for page in book.pages:
        element = page["element"]
        if not element or not page["section"]:
            continue
        name, _ = book.section(page["section"])
        found = book.by_id(name, element)
        if found is None:
            continue
        names = {etree.QName(e).localname for e in (found, *found.iterancestors())}
        classes = " ".join(e.get("class") or "" for e in (found, *found.iterancestors()))
        if "tr" in names:
            kinds.add("table")
        if "stanza" in classes:
            kinds.add("stanza")
    assert "table" in kinds, "no page begins inside a table"
