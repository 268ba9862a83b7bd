"""Seven Letters' regression baseline (issue 15): what each printed page holds, in both
editions, as a build of `source/` gives it, kept in ``tests/baselines/seven-letters.json``.

Seven Letters' pagination changes only where an issue asks for it; then the baseline is
renewed on purpose, in a commit of its own that gives the reason. ``tests/test_baseline.py``
compares the test run's build with the file, through the functions below.

For every printed page, in order: its label (the PDF's), what the page map
(``seven-letters.pages.json``) says of it, the PDF's text of the page (pdfium's, whitespace
made single spaces), and in the EPUB the page-list's target for that label and the first
characters of text after the marker, in reading order. And the book's totals: the page count,
the printed contents' entries, the PDF's outline and the EPUB's toc. The editions are read
back as a reader's tools would (``tests/readback.py``: pikepdf, pdfium, lxml), not through
the package's own code.

Usage, from the project's root::

    .venv/bin/python tools/baseline.py            # build source/ and write the baseline
    .venv/bin/python tools/baseline.py --check    # build and compare: exit 1 on a difference
    .venv/bin/python tools/baseline.py --check --from DIR   # compare a build already in DIR
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parent.parent
if str(PROJECT) not in sys.path:  # run as a script: tools/ is on the path, not the root
    sys.path.insert(0, str(PROJECT))

import pikepdf  # noqa: E402
import pypdfium2  # noqa: E402

from tests.readback import MM, NS, Epub, contents_entries, outline  # noqa: E402

SOURCE = PROJECT / "source"
SLUG = "seven-letters"
BASELINE = PROJECT / "tests" / "baselines" / f"{SLUG}.json"
EPOCH = "1700000000"  # SOURCE_DATE_EPOCH of the build, as tests/conftest.py sets it
TEXT_AREA_MM = (15, 16)  # book.yaml's top and bottom margins: the contents are read inside
CONTENTS_HEADING = "CONTENTS"  # book.yaml's contents_heading
AFTER_MARKER = 60  # characters of the EPUB's text kept after each page's marker
PAGE_MAP_FIELDS = ("label", "section", "element", "offset", "first_words")
TOTALS = ("page_count", "contents", "outline", "toc")

RENEW = ("If an issue asks for this change of Seven Letters' pagination, renew the baseline on "
         "purpose: run `.venv/bin/python tools/baseline.py` (it builds source/ and rewrites "
         "tests/baselines/seven-letters.json) and commit that file in a commit of its own whose "
         "message gives the reason. Otherwise the change is a regression: the pagination must "
         "stay as it was.")
ABOUT = ("Seven Letters' regression baseline (issue 15), written by tools/baseline.py from a "
         f"build of source/ with SOURCE_DATE_EPOCH={EPOCH}; tests/test_baseline.py compares "
         "each build with it. " + RENEW)

SPACES = re.compile(r"\s+")
# Elements a reader sees as a block of their own: their text is parted from what follows.
BLOCKS = {"address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt",
          "figcaption", "figure", "footer", "h1", "h2", "h3", "h4", "h5", "h6", "header",
          "hr", "li", "nav", "ol", "p", "section", "table", "td", "th", "tr", "ul"}


def spaced(text: str) -> str:
    """Each run of whitespace (line breaks included) made one space, the ends trimmed. A
    no-break space (or another of Unicode's spaces) is the text's own and stays, alone: on a
    justified line pdfium reads 'November \\xa0 29' for the 'November\\xa029' it draws."""
    def one(run: re.Match[str]) -> str:
        return "".join(c for c in run[0] if c not in " \t\r\n\f\v") or " "

    return SPACES.sub(one, text).strip(" ")


# --- reading a build ---------------------------------------------------------------------


def pdf_labels(pdf: Path) -> list[str]:
    with pikepdf.open(pdf) as document:
        return [str(page.label) for page in document.pages]


def pdf_texts(pdf: Path, top_mm: float = 0, bottom_mm: float = 0) -> list[str]:
    """Each page's text as pdfium reads it, less `top_mm` and `bottom_mm` at its top and
    foot (by default the whole page: running head and folio too), whitespace made single."""
    out = []
    document = pypdfium2.PdfDocument(pdf)
    try:
        for page in document:
            left, bottom, right, top = page.get_bbox()
            textpage = page.get_textpage()
            try:
                if top_mm or bottom_mm:
                    text = textpage.get_text_bounded(left, bottom + bottom_mm * MM, right,
                                                     top - top_mm * MM)
                else:
                    text = textpage.get_text_range()
            finally:
                textpage.close()
            out.append(spaced(text))
    finally:
        document.close()
    return out


def pdf_contents(pdf: Path, labels: list[str]) -> list[dict[str, str]]:
    """The printed contents' entries, from the front-matter page headed CONTENTS on: each
    entry's title and the page number it gives (its leader left out)."""
    lines: list[str] | None = None
    document = pypdfium2.PdfDocument(pdf)
    try:
        for label, page in zip(labels, document, strict=True):
            if not re.fullmatch(r"[ivxlcdm]+", label):
                break  # the body: the contents are over
            left, bottom, right, top = page.get_bbox()
            textpage = page.get_textpage()
            try:
                text = textpage.get_text_bounded(left, bottom + TEXT_AREA_MM[1] * MM, right,
                                                 top - TEXT_AREA_MM[0] * MM)
            finally:
                textpage.close()
            page_lines = [spaced(line) for line in text.splitlines() if line.strip()]
            if page_lines and page_lines[0] == CONTENTS_HEADING:
                lines = page_lines[1:]
            elif lines is not None:
                lines += page_lines
    finally:
        document.close()
    return [{"title": title, "page": number} for title, number in contents_entries(lines or [])]


def epub_reading(epub: Epub) -> tuple[str, dict[tuple[str, str], int]]:
    """The text of the spine's documents in reading order (each block parted from the next
    by a space), and where each element with an id begins in it, by (file, id)."""
    pieces: list[str] = []
    at: dict[tuple[str, str], int] = {}
    length = 0

    def add(text: str | None) -> None:
        nonlocal length
        if text:
            pieces.append(text)
            length += len(text)

    def walk(element: Any, name: str) -> None:
        if element.get("id"):
            at.setdefault((name, element.get("id")), length)
        add(element.text)
        for child in element:
            if isinstance(child.tag, str):  # not a comment or a processing instruction
                walk(child, name)
            add(child.tail)
        if element.tag.rpartition("}")[2] in BLOCKS:
            add(" ")

    for name in epub.spine():
        for body in epub.xml(name).xpath("//x:body", namespaces=NS):
            walk(body, name)
        add(" ")
    return "".join(pieces), at


def epub_pages(epub: Epub) -> dict[str, dict[str, str]]:
    """For each label of the page-list: the file and id its link leads to, and the first
    characters of text after that place (whitespace made single)."""
    reading, at = epub_reading(epub)
    nav_path = epub.nav_path()
    nav = epub.xml(nav_path)
    out = {}
    for a in nav.xpath("//x:nav[@epub:type='page-list']//x:a", namespaces=NS):
        href = a.get("href") or ""
        name, fragment = epub.resolve(href, nav_path), href.partition("#")[2]
        start = at.get((name, fragment))
        after = "" if start is None else spaced(reading[start:start + 20 * AFTER_MARKER])
        out[spaced("".join(a.itertext()))] = {
            "file": href.partition("#")[0], "id": fragment,
            "text_after": after[:AFTER_MARKER] if start is not None else "(no such id)"}
    return out


def epub_toc(epub: Epub) -> list[dict[str, Any]]:
    """Every entry of the EPUB's toc, in order: title, link and depth (1 for the top)."""
    nav = epub.xml(epub.nav_path())
    return [{"title": spaced("".join(a.itertext())), "target": a.get("href"),
             "level": len(a.xpath("ancestor::x:ol", namespaces=NS))}
            for a in nav.xpath("//x:nav[@epub:type='toc']//x:a", namespaces=NS)]


def read_build(folder: Path, slug: str = SLUG) -> dict[str, Any]:
    """What the baseline holds, read from the built files in `folder`."""
    pdf, epub = folder / f"{slug}.pdf", Epub(folder / f"{slug}.epub")
    labels = pdf_labels(pdf)
    texts = pdf_texts(pdf)
    page_map = json.loads((folder / f"{slug}.pages.json").read_text(encoding="utf-8"))["pages"]
    markers = epub_pages(epub)
    pages = []
    for index, (label, text) in enumerate(zip(labels, texts, strict=True)):
        entry = page_map[index] if index < len(page_map) else None
        pages.append({
            "label": label,
            "page_map": None if entry is None else {k: entry.get(k) for k in PAGE_MAP_FIELDS},
            "pdf_text": text,
            "epub": markers.get(label)})
    return {
        "pages": pages,
        "totals": {
            "page_count": len(labels),
            "contents": pdf_contents(pdf, labels),
            "outline": [{"title": title, "page": page} for title, page in outline(pdf)],
            "toc": epub_toc(epub)}}


def build_and_read(source: Path = SOURCE) -> dict[str, Any]:
    """Build `source` (the PDF and the EPUB, without the cache) into a temporary folder, dated
    SOURCE_DATE_EPOCH=1700000000 as the tests' builds are, and read it."""
    from publish.build.pipeline import build

    was = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    try:
        with tempfile.TemporaryDirectory(prefix="baseline-") as folder:
            out = Path(folder) / "dist"
            build(source, out, formats=["pdf", "epub"], cache=False)
            return read_build(out)
    finally:
        if was is None:
            del os.environ["SOURCE_DATE_EPOCH"]
        else:
            os.environ["SOURCE_DATE_EPOCH"] = was


# --- the file ------------------------------------------------------------------------------


def dumps(data: dict[str, Any]) -> str:
    return json.dumps({"about": ABOUT, **data}, sort_keys=True, ensure_ascii=False,
                      indent=1) + "\n"


def load(path: Path = BASELINE) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    data.pop("about", None)
    return data


# --- comparing -----------------------------------------------------------------------------


def shown(expected: Any, found: Any) -> str:
    """'expected X, found Y'; of two long strings, the place where they part."""
    if isinstance(expected, str) and isinstance(found, str) and max(len(expected),
                                                                     len(found)) > 80:
        common = 0
        while (common < min(len(expected), len(found))
               and expected[common] == found[common]):
            common += 1
        start = max(0, common - 20)

        def cut(text: str) -> str:
            piece = text[start:common + 40]
            return ("…" if start else "") + repr(piece) + ("…" if common + 40 < len(text) else "")

        return (f"they part at character {common}: expected {cut(expected)}, "
                f"found {cut(found)}")
    return f"expected {expected!r}, found {found!r}"


def fields(value: Any, prefix: str = "") -> dict[str, Any]:
    """A page's record flattened: 'page_map.element' -> its value."""
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key in sorted(value):
            out.update(fields(value[key], f"{prefix}{key}."))
        return out
    return {prefix.rstrip("."): value}


def page_differences(expected: dict[str, Any], found: dict[str, Any]) -> list[str]:
    """One line for each field of each page that differs, the first page first."""
    problems = []
    old, new = expected["pages"], found["pages"]
    for index, (was, now) in enumerate(zip(old, new, strict=False)):
        name = f"page {was['label']} (PDF page {index + 1})"
        if was["label"] != now["label"]:
            problems.append(f"{name}: label: {shown(was['label'], now['label'])}")
        before, after = fields(was), fields(now)
        for key in [k for k in before if k != "label"] + [k for k in after if k not in before]:
            if before.get(key) != after.get(key):
                problems.append(f"{name}: {key}: {shown(before.get(key), after.get(key))}")
    for index in range(len(new), len(old)):
        problems.append(f"page {old[index]['label']} (PDF page {index + 1}): missing from "
                        "this build")
    for index in range(len(old), len(new)):
        problems.append(f"page {new[index]['label']} (PDF page {index + 1}): a page the "
                        "baseline does not have")
    return problems


def total_differences(expected: dict[str, Any], found: dict[str, Any]) -> list[str]:
    """One line for each of the totals that differs: its first entry that differs."""
    problems = []
    for key in TOTALS:
        was, now = expected["totals"].get(key), found["totals"].get(key)
        if was == now:
            continue
        if isinstance(was, list) and isinstance(now, list):
            index = next((n for n, (a, b) in enumerate(zip(was, now, strict=False)) if a != b),
                         min(len(was), len(now)))
            first = (shown(was[index], now[index]) if index < min(len(was), len(now)) else
                     f"expected {len(was)} entries, found {len(now)}")
            problems.append(f"{key}: entry {index + 1}: {first}")
        else:
            problems.append(f"{key}: {shown(was, now)}")
    return problems


def differences(expected: dict[str, Any], found: dict[str, Any]) -> list[str]:
    return page_differences(expected, found) + total_differences(expected, found)


def report(problems: list[str], shown_at_most: int = 12) -> str:
    """The first differences, how many there are, and how to renew the baseline."""
    lines = [f"Seven Letters differs from its baseline ({BASELINE.relative_to(PROJECT)}) in "
             f"{len(problems)} field(s); the first:"]
    lines += [f"  {problem}" for problem in problems[:shown_at_most]]
    if len(problems) > shown_at_most:
        lines.append(f"  ... and {len(problems) - shown_at_most} more")
    return "\n".join([*lines, RENEW])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true",
                        help="compare with the baseline instead of writing it (exit 1 when "
                             "they differ)")
    parser.add_argument("--from", dest="folder", type=Path, metavar="DIR",
                        help="read the build already in DIR instead of building source/")
    options = parser.parse_args(argv)
    found = read_build(options.folder) if options.folder else build_and_read()
    if not options.check:
        BASELINE.parent.mkdir(parents=True, exist_ok=True)
        BASELINE.write_text(dumps(found), encoding="utf-8")
        print(f"wrote {BASELINE.relative_to(PROJECT)}: {len(found['pages'])} pages")
        return 0
    if not BASELINE.exists():
        print(f"{BASELINE.relative_to(PROJECT)} is missing: run tools/baseline.py to write it",
              file=sys.stderr)
        return 1
    expected = load()
    problems = differences(expected, found)
    if not problems:
        print(f"{BASELINE.relative_to(PROJECT)}: the build matches ({len(found['pages'])} pages)")
        return 0
    print(report(problems), file=sys.stderr)
    diff = list(difflib.unified_diff(dumps(expected).splitlines(), dumps(found).splitlines(),
                                     str(BASELINE.relative_to(PROJECT)), "this build",
                                     lineterm="", n=2))
    print("\n".join(diff[:60]), file=sys.stderr)
    if len(diff) > 60:
        print(f"... ({len(diff) - 60} more lines of diff)", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
