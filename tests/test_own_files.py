"""`publish check` and `publish proof` look only at what they built, and chromium runs shut
in (issue 14: `publish proof` opened a `dist/` shipped with the source in chromium, which ran
its scripts and reached a local port).

A `dist/` is planted before they run: the small sample book's files, but its EPUB's pages
scripted (fetch, a websocket) and loading a port on 127.0.0.1, the print PDF painted red,
all newer than the source. Nothing may connect to the port, and the proof and the report
must be of the book the source builds. Then chromium itself, as `publish proof` runs it, is
given a page that tries the port by every means, runs a script and loads files from outside
the book; and DAISY Ace's chromium a book whose script opens a websocket to the port.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import pikepdf
import pytest
from PIL import Image

from publish.author import check as check_module
from publish.author.check import check
from publish.author.screens import screenshots
from publish.build.pipeline import build
from publish.checks.ace import run_ace

from .conftest import EPOCH, PROJECT, ROOTS

ACE_DIR = PROJECT / "tools" / "ace"
RED, GREEN, BLUE, YELLOW = (255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 0)


class Listener:
    """A port on 127.0.0.1 that counts every connection made to it. Each is accepted and
    closed at once (a connection completes in the kernel even if never accepted), so that a
    chromium that does reach it fails fast instead of waiting for an answer."""

    def __init__(self) -> None:
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.bind(("127.0.0.1", 0))
        self.socket.listen(64)
        self.port = int(self.socket.getsockname()[1])
        self.connections = 0
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.socket.accept()
            except OSError:  # closed
                return
            self.connections += 1
            connection.close()

    def assert_untouched(self) -> None:
        time.sleep(0.2)  # a connection made at the very end is accepted by now
        assert self.connections == 0, f"{self.connections} connection(s) to the listener"

    def close(self) -> None:
        self.socket.shutdown(socket.SHUT_RDWR)
        self.socket.close()
        self.thread.join(5)


@pytest.fixture
def listener() -> Iterator[Listener]:
    server = Listener()
    yield server
    server.close()


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small sample book built once for this module: what its source builds."""
    out = tmp_path_factory.mktemp("reference") / "dist"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOURCE_DATE_EPOCH", EPOCH)
        build(ROOTS / "minimal", out)
    return out


def contents(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in folder.iterdir() if path.is_file()}


def hostile(page: str, port: int) -> str:
    """A page of the book that, opened, paints itself red, runs scripts reaching the port
    and loads an image from it."""
    at = f"http://127.0.0.1:{port}"
    head = (f'<style>html, body {{ background: #f00 !important }}</style>'
            f'<link rel="preconnect" href="{at}/"/>'
            f'<script>fetch("{at}/fetch"); new WebSocket("ws://127.0.0.1:{port}/ws");'
            f"document.documentElement.style.background = '#0f0';</script>")
    assert "</head>" in page and "</body>" in page
    return (page.replace("</head>", head + "</head>")
            .replace("</body>", f'<img src="{at}/img.png" alt=""/></body>'))


def rezip(epub: Path, change: dict[str, bytes]) -> None:
    with zipfile.ZipFile(epub) as source:
        members = [(info, change.get(info.filename, source.read(info)))
                   for info in source.infolist()]
    with zipfile.ZipFile(epub, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in members:
            target.writestr(info, data)


def plant(dist: Path, built: Path, port: int) -> None:
    """Into `dist`: the files of `built`, but every XHTML page of the EPUB hostile and every
    page of the PDF painted red, all an hour newer than any source."""
    dist.mkdir(parents=True, exist_ok=True)
    for name, data in contents(built).items():
        (dist / name).write_bytes(data)
    epub = dist / "minimal.epub"
    with zipfile.ZipFile(epub) as archive:
        pages = {name: hostile(archive.read(name).decode(), port).encode()
                 for name in archive.namelist() if name.startswith("EPUB/text/")}
    rezip(epub, pages)
    with pikepdf.open(dist / "minimal.pdf", allow_overwriting_input=True) as pdf:
        for page in pdf.pages:
            page.contents_add(pikepdf.Stream(pdf, b"q 1 0 0 rg -9 -9 2000 2000 re f Q"))
        pdf.save(dist / "minimal.pdf")
    (dist / "stray.epub").write_bytes(epub.read_bytes())  # no build writes it
    later = time.time() + 3600
    for path in dist.iterdir():
        os.utime(path, (later, later))


def colours(image: Image.Image) -> dict[tuple[int, int, int], int]:
    """How many pixels of each colour the image has."""
    found: dict[tuple[int, int, int], int] = {}
    for count, colour in image.convert("RGB").getcolors(1 << 24) or []:
        assert isinstance(colour, tuple)
        found[(colour[0], colour[1], colour[2])] = count
    return found


def red_pixels(image: Image.Image) -> int:
    """Pixels near pure red (the book itself has none)."""
    return sum(count for (r, g, b), count in colours(image).items()
               if r > 200 and g < 60 and b < 60)


# --- a planted dist/ ---------------------------------------------------------------------


def test_proof_pictures_the_book_it_built_not_a_planted_dist(
        minimal: Path, reference: Path, listener: Listener, tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    plant(dist, reference, listener.port)
    run = subprocess.run([sys.executable, "-m", "publish", "proof", str(minimal), "-o",
                          str(dist)], cwd=PROJECT, capture_output=True, text=True,
                         timeout=180, check=False)
    assert run.returncode == 0, run.stderr
    listener.assert_untouched()
    files = contents(dist)
    assert {name: files[name] for name in contents(reference)} == contents(reference)
    sheets = sorted((dist / "proof").iterdir())
    assert [p.name for p in sheets] == ["minimal-page-i.png", "minimal-page-ii.png",
                                        "minimal-page-iii.png"]
    for sheet in sheets:
        with Image.open(sheet) as image:
            assert red_pixels(image) == 0, f"{sheet.name} shows the planted files"


def test_check_checks_the_files_it_built_not_a_planted_dist(
        minimal: Path, reference: Path, listener: Listener, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The report's files are the build's, and each check reads those: EPUBCheck and Ace
    (stood in for here; tests/test_author_loop.py runs them on a planted dist/) are given
    the EPUB the source builds, the checks made here pass on the built PDF."""
    dist = tmp_path / "dist"
    plant(dist, reference, listener.port)
    given: dict[str, bytes] = {}

    def validator(name: str) -> object:
        def run(epub: Path, *args: object) -> list[object]:
            given[name] = epub.read_bytes()
            return []
        return run

    monkeypatch.setattr(check_module, "run_epubcheck", validator("epubcheck"))
    monkeypatch.setattr(check_module, "run_ace", validator("ace"))
    report = check(minimal, dist)
    listener.assert_untouched()
    built = contents(reference)
    assert report.files == {name: dist / name for name in built}  # not stray.epub
    assert {name: path.read_bytes() for name, path in report.files.items()} == built
    assert given == {"epubcheck": built["minimal.epub"], "ace": built["minimal.epub"]}
    assert {r.check: r.result for r in report.results} == dict.fromkeys(
        check_module.CHECKS, "pass"), [r.first() for r in report.results]


# --- chromium shut in ----------------------------------------------------------------------


def probe_book(folder: Path, port: int) -> Path:
    """A zip (all that `screenshots` needs of an EPUB) whose page tries to reach the port by
    every means, runs a script that would paint it green, and loads a red image and page
    from outside the book; its own style sheet paints it blue, its own image is yellow. A
    second page only refreshes to the port."""
    outside = folder / "outside"
    outside.mkdir()
    Image.new("RGB", (60, 60), RED).save(outside / "red.png")
    (outside / "red.html").write_text("<html><body style='background:#f00'>x</body></html>")
    (outside / "red.css").write_text("html { border-left: 80px solid #f00 }")
    red_png, red_html = (outside / "red.png").as_uri(), (outside / "red.html").as_uri()
    climb = "../" * 12 + str(outside / "red.png").lstrip("/")
    at, local = f"http://127.0.0.1:{port}", f"http://localhost:{port}"
    page = f"""<?xml version="1.0" encoding="utf-8"?>
<html xmlns="http://www.w3.org/1999/xhtml"><head><title>probe</title>
<link rel="stylesheet" href="own.css"/>
<link rel="stylesheet" href="{at}/link.css"/>
<link rel="stylesheet" href="{(outside / 'red.css').as_uri()}"/>
<link rel="preconnect" href="{at}/"/>
<link rel="prefetch" href="{at}/prefetch"/>
<style>@import url("{at}/import.css");
@font-face {{ font-family: probe; src: url("{at}/font.woff2") }}
p {{ font-family: probe, serif }}
div.url {{ width: 60px; height: 60px; background: url("{at}/url.png") }}
div.file {{ width: 60px; height: 60px; background: url("{red_png}") }}</style>
<script>document.documentElement.style.background = "#0f0";
fetch("{at}/fetch"); fetch("{local}/fetch"); new Image().src = "{at}/script.png";
new WebSocket("ws://127.0.0.1:{port}/ws");</script>
</head><body><p id="here">The probe.</p>
<img src="own.png" alt=""/>
<img src="{at}/img.png" alt=""/><img src="{local}/img.png" alt=""/>
<img src="http://[::ffff:127.0.0.1]:{port}/img.png" alt=""/>
<img src="{red_png}" alt=""/><img src="{climb}" alt=""/>
<iframe src="{at}/frame"></iframe><iframe src="{red_html}"></iframe>
<object data="{at}/object"></object><video poster="{at}/poster.png" src="{at}/video"></video>
<div class="url"></div><div class="file"></div></body></html>"""
    refresh = f"""<?xml version="1.0" encoding="utf-8"?>
<html xmlns="http://www.w3.org/1999/xhtml"><head><title>refresh</title>
<meta http-equiv="refresh" content="0; url={at}/refresh"/></head><body><p>r</p></body></html>"""
    yellow = BytesIO()
    Image.new("RGB", (40, 40), YELLOW).save(yellow, "PNG")
    epub = folder / "probe.epub"
    with zipfile.ZipFile(epub, "w") as archive:
        archive.writestr("EPUB/probe.xhtml", page)
        archive.writestr("EPUB/refresh.xhtml", refresh)
        archive.writestr("EPUB/own.css", "body { background: #00f }")
        archive.writestr("EPUB/own.png", yellow.getvalue())
    return epub


def test_chromium_runs_no_script_reaches_no_network_and_no_file_outside_the_book(
        listener: Listener, tmp_path: Path) -> None:
    epub = probe_book(tmp_path, listener.port)
    shot, refreshed = screenshots(epub, ["EPUB/probe.xhtml#here", "EPUB/refresh.xhtml"],
                                  (540, 700))
    listener.assert_untouched()
    seen = colours(shot)
    assert seen.get(BLUE, 0) > 10_000 and seen.get(YELLOW, 0) >= 1_000  # the book's own
    assert GREEN not in seen, "a script ran"
    assert red_pixels(shot) == 0, "a file outside the book was loaded"
    assert refreshed.size == (540, 700)


def test_aces_chromium_reaches_no_network(reference: Path, listener: Listener,
                                          tmp_path: Path) -> None:
    """Ace runs the book's scripts; it stops their http requests itself, but not a
    websocket or a preconnect: only chromium's closed network does."""
    epub = tmp_path / "hostile.epub"
    epub.write_bytes((reference / "minimal.epub").read_bytes())
    with zipfile.ZipFile(epub) as archive:
        part = archive.read("EPUB/text/part-01.xhtml").decode()
    rezip(epub, {"EPUB/text/part-01.xhtml": hostile(part, listener.port).encode()})
    run_ace(epub, tmp_path, ace_dir=ACE_DIR)
    listener.assert_untouched()
