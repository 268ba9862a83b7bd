"""Hostile sources (tests/hostile/cases.yaml): no file of the machine is read, nothing is
fetched from the network, no script or markup of the source reaches an edition. What the
README's Safety rules refuse stops the build with its code and line; raw HTML is shown
as text in both editions; WeasyPrint loads only through ConfinedFetcher."""

from __future__ import annotations

import os
import re
import shutil
import socket
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pikepdf
import pypdfium2
import pytest
import yaml
from lxml import etree
from typer.testing import CliRunner

from publish.build.pipeline import build
from publish.cli import app
from publish.errors import SourceError
from publish.layout.typeset import ConfinedFetcher, Refused, lay_out
from publish.resources import STYLES
from publish.source.fonts import shipped_faces
from publish.source.ids import COVER_IMAGE
from publish.source.load import load_book
from publish.stage import Job

from .changes import TooLong, apply, around, bounded, snapshot
from .conftest import EPOCH, ROOTS

CASES: list[dict[str, Any]] = yaml.safe_load(
    (Path(__file__).parent / "hostile" / "cases.yaml").read_text(encoding="utf-8"))
REFUSED = [case for case in CASES if "code" in case]
SHOWN = [case for case in CASES if "shows" in case]
WEB = ("http", "https", "mailto")
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"


@pytest.fixture(scope="module")
def listener() -> Iterator[socket.socket]:
    """A port on 127.0.0.1 that the cases point at; the tests check nothing connected."""
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    server.setblocking(False)
    yield server
    server.close()


def nothing_connected(server: socket.socket) -> None:
    """A connection completes in the kernel even if never accepted: accept() shows it."""
    try:
        connection, _ = server.accept()
    except BlockingIOError:
        return
    connection.close()
    pytest.fail("the build connected to the network")


def filled(value: Any, port: int) -> Any:
    """The case with its placeholders ({port}, {deep}) filled in."""
    if isinstance(value, str):
        return value.replace("{port}", str(port)).replace("{deep}", "[" * 1000)
    if isinstance(value, list):
        return [filled(item, port) for item in value]
    if isinstance(value, dict):
        return {key: filled(item, port) for key, item in value.items()}
    return value


def port_of(server: socket.socket) -> int:
    return int(server.getsockname()[1])


def test_the_corpus_covers_the_issue() -> None:
    assert len(REFUSED) >= 15 and len(SHOWN) >= 5
    assert {case["code"] for case in REFUSED} >= {"S-LINK", "S-IMAGE", "S-OUTSIDE", "S-YAML"}
    text = yaml.safe_dump(CASES)
    for needle in ("<script", "javascript:", "../../etc/passwd", "file:///etc/passwd",
                   "symlink", "http://", "https://", "data:", "url("):
        assert needle in text, needle


@pytest.mark.parametrize("case", REFUSED, ids=[c["name"] for c in REFUSED])
def test_refused(case: dict[str, Any], minimal: Path, last_good: Path,
                 listener: socket.socket) -> None:
    apply(minimal, filled(case, port_of(listener)))
    before, tree = snapshot(last_good), around(minimal.parent)
    with bounded():
        result = CliRunner().invoke(app, ["build", str(minimal), "-o", str(last_good)])
    assert not isinstance(result.exception, (TooLong, MemoryError)), result.exception
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert f"{case['where']}: {case['code']}:" in result.output, result.output
    assert len(re.findall(r"^error:", result.output, re.MULTILINE)) == 1
    assert snapshot(last_good) == before
    assert around(minimal.parent) == tree  # nothing created, changed or removed anywhere
    nothing_connected(listener)


@dataclass(frozen=True)
class Editions:
    """The editions of the minimal book with every SHOWN case in it."""

    epub: dict[str, bytes]  # the EPUB's files by name
    epub_text: str
    pdf: Path
    pdf_text: str


def squashed(text: str) -> str:
    """Text without white space and hyphens, which the PDF's line breaks move about."""
    return re.sub(r"[\s\u00ad\u2010\u2011-]+", "", text)


@pytest.fixture(scope="module")
def shown(tmp_path_factory: pytest.TempPathFactory, listener: socket.socket) -> Editions:
    folder = tmp_path_factory.mktemp("hostile")
    book = folder / "minimal"
    shutil.copytree(ROOTS / "minimal", book)
    for case in SHOWN:
        apply(book, filled(case, port_of(listener)))
    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    built = build(book, folder / "dist", ["pdf", "epub"])
    nothing_connected(listener)
    with zipfile.ZipFile(built.files["minimal.epub"]) as epub:
        files = {name: epub.read(name) for name in epub.namelist()}
    texts = [" ".join(etree.fromstring(data).itertext()) for name, data in files.items()
             if name.endswith(".xhtml")]
    pdf = pypdfium2.PdfDocument(built.files["minimal.pdf"])
    pdf_text = " ".join(page.get_textpage().get_text_range() for page in pdf)
    return Editions(files, " ".join(texts), built.files["minimal.pdf"], pdf_text)


@pytest.mark.parametrize("case", SHOWN, ids=[c["name"] for c in SHOWN])
def test_shown_as_text(case: dict[str, Any], shown: Editions,
                       listener: socket.socket) -> None:
    for literal in filled(case["shows"], port_of(listener)):
        assert squashed(literal) in squashed(shown.epub_text), literal
        assert squashed(literal) in squashed(shown.pdf_text), literal


def epub_links(editions: Editions) -> list[tuple[str, str, str]]:
    """(file, element, address) of every href, src and xlink:href of the EPUB's XML."""
    found = []
    for name, data in editions.epub.items():
        if name.endswith((".xhtml", ".opf", ".ncx", ".xml")):
            for element in etree.fromstring(data).iter(etree.Element):
                for attribute in ("href", "src", XLINK_HREF):
                    if element.get(attribute) is not None:
                        found.append((name, etree.QName(element).localname,
                                      str(element.get(attribute))))
    return found


def pdf_links(path: Path) -> list[dict[str, str]]:
    """Every action of every annotation of the PDF, as names and strings."""
    with pikepdf.open(path) as pdf:
        return [{str(key): str(value) for key, value in annot.A.items()}
                for page in pdf.pages for annot in page.obj.get("/Annots", []) if "/A" in annot]


@pytest.mark.parametrize("case", [c for c in SHOWN if "links" in c],
                         ids=[c["name"] for c in SHOWN if "links" in c])
def test_web_links_stay_links(case: dict[str, Any], shown: Editions,
                              listener: socket.socket) -> None:
    hrefs = {address for _, element, address in epub_links(shown) if element == "a"}
    uris = {action.get("/URI") for action in pdf_links(shown.pdf)}
    for address in filled(case["links"], port_of(listener)):
        assert address in hrefs
        assert address in uris


def test_no_script_reaches_either_edition(shown: Editions) -> None:
    for name, data in shown.epub.items():
        if name.endswith((".xhtml", ".opf", ".ncx", ".xml")):
            root = etree.fromstring(data)
            for element in root.iter(etree.Element):
                local = etree.QName(element).localname
                if local == "img":  # none but the cover's own picture on the cover page
                    assert (name, element.get("src")) == (
                        "EPUB/text/cover.xhtml", f"../{COVER_IMAGE}"), name
                assert local not in ("script", "iframe", "object", "embed", "style"), name
                assert not [a for a in element.attrib if str(a).lower().startswith("on")], name
    for name, element, address in epub_links(shown):
        scheme = address.partition(":")[0].lower() if ":" in address else ""
        if element == "a" and scheme in WEB:
            continue  # a hyperlink: never fetched, by a reading system only when followed
        assert not scheme and not address.startswith(("/", "../../")), (name, address)
    for action in pdf_links(shown.pdf):
        if action.get("/S") == "/URI":
            assert action["/URI"].partition(":")[0] in WEB
        else:
            assert action.get("/S") == "/GoTo", action  # the contents' links to its pages
    with pikepdf.open(shown.pdf) as pdf:
        names = pdf.Root.get("/Names", pikepdf.Dictionary())
        assert "/JavaScript" not in names and "/EmbeddedFiles" not in names
        assert "/OpenAction" not in pdf.Root or "/JS" not in pdf.Root.OpenAction


# WeasyPrint itself: the source format has no style sheets and no images, so nothing of a
# book can name a URL for WeasyPrint to load today. ConfinedFetcher is what would stop one.

@pytest.fixture
def job(minimal: Path) -> Job:
    (minimal / "seal.png").symlink_to("/etc/passwd")  # inside the folder, pointing out
    (minimal / "styles").mkdir()
    return Job(book=load_book(minimal), faces=shipped_faces(), epoch=0)


def test_the_fetcher_loads_only_files_under_its_roots(job: Job, listener: socket.socket) -> None:
    root = Path(job.book.root)
    fetcher = ConfinedFetcher(root, STYLES)
    response = fetcher.fetch((STYLES / "base.css").as_uri())
    assert response.read() == (STYLES / "base.css").read_bytes()
    response.close()
    for url in ["file:///etc/passwd", f"{root.as_uri()}/../../../../etc/passwd",
                f"{root.as_uri()}/seal.png", f"{root.as_uri()}/styles",
                f"{root.as_uri()}/text/%2e%2e/%2e%2e/%2e%2e/etc/passwd",
                f"http://127.0.0.1:{port_of(listener)}/x", "https://example.org/x.css",
                "data:text/css,p{color:red}", "ftp://127.0.0.1/x", "FILE:///etc/passwd"]:
        with pytest.raises(Refused):
            fetcher.fetch(url)
    nothing_connected(listener)


LOADS = {  # HTML and CSS that make WeasyPrint load a URL
    "img": ("<img src='{url}'>", ""),
    "css background": ("<p>x</p>", "p {{ background: url({url}) }}"),
    "css @import": ("<p>x</p>", "@import url({url});"),
    "@font-face": ("<p>x</p>", "@font-face {{ font-family: X; src: url({url}) }}"
                   " p {{ font-family: X }}"),
    "style sheet link": ("<link rel='stylesheet' href='{url}'><p>x</p>", ""),
    "style attribute": ("<p style='background-image: url({url})'>x</p>", ""),
    "attachment": ("<a rel='attachment' href='{url}'>x</a>", ""),
    "object": ("<object data='{url}' type='image/png'></object>", ""),
    "generated content": ("<p>x</p>", "p::before {{ content: url({url}) }}"),
}
URLS = ["file:///etc/passwd", "../../../../../../etc/passwd", "seal.png",
        "http://127.0.0.1:{port}/x", "https://127.0.0.1:{port}/x",
        "data:image/png;base64," + "A" * 200_000]
# A relative url() in the style sheet lay_out is given as a string has no base to resolve
# against: WeasyPrint drops it, or fails on it (@import), unread either way.
PAIRS = [(kind, url) for kind in LOADS for url in URLS if not (LOADS[kind][1] and ":" not in url)]


@pytest.mark.parametrize(("kind", "url"), PAIRS, ids=[f"{k}-{u[:30]}" for k, u in PAIRS])
def test_weasyprint_loads_nothing_outside(kind: str, url: str, job: Job,
                                          listener: socket.socket,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[str] = []
    fetch = ConfinedFetcher.fetch

    def recording(self: ConfinedFetcher, url: str, headers: Any = None) -> Any:
        asked.append(url)
        return fetch(self, url, headers)

    monkeypatch.setattr(ConfinedFetcher, "fetch", recording)
    html, css = LOADS[kind]
    address = url.replace("{port}", str(port_of(listener)))
    with pytest.raises(SourceError) as refused:
        lay_out(job, f"<html><body>{html.format(url=address)}</body></html>", [],
                css.format(url=address))
    assert refused.value.code == "S-FETCH"
    assert asked[-1].endswith(address.removeprefix("../../../../../.."))  # the one refused
    nothing_connected(listener)
