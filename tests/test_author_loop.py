"""The author's loop (issue 9): `publish check`, `proof`, `watch` and `new`, each driven as
a user drives it, by running `python -m publish ...` and reading what it prints and writes.

`check` and `proof` build before they look (tests/test_own_files.py: a planted `dist/` is
never read), so the checks are shown finding broken editions by running them on a copy of
the small sample book's files, edited, through `check_editions`.
"""

from __future__ import annotations

import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pikepdf
import pytest
import yaml
from PIL import Image, ImageStat

from publish.author.check import CHECKS, check_editions
from publish.author.dist import Editions
from publish.author.watch import Outcome, watch
from publish.build.pipeline import build
from publish.checks import verify
from publish.checks.readback import pdf_pages
from publish.source.load import load_book

from .conftest import EPOCH, PROJECT, ROOTS
from .test_own_files import Listener, plant

SLOW = 300  # seconds: EPUBCheck and Ace on a busy CI machine


def publish(*args: str | Path, timeout: float = SLOW) -> subprocess.CompletedProcess[str]:
    # A wide "terminal", so that the table's rows are not wrapped in the middle of a code.
    return subprocess.run([sys.executable, "-m", "publish", *map(str, args)], cwd=PROJECT,
                          capture_output=True, text=True, timeout=timeout, check=False,
                          env={**os.environ, "COLUMNS": "200"})


@pytest.fixture(scope="module")
def minimal_dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The small sample book built once for this module."""
    out = tmp_path_factory.mktemp("minimal-dist")
    os.environ["SOURCE_DATE_EPOCH"] = EPOCH
    build(ROOTS / "minimal", out)
    return out


def edited_copy(dist: Path, target: Path) -> Editions:
    """A copy of the files of `dist` (the small sample book's), to be edited, as the
    editions `check_editions` checks."""
    shutil.copytree(dist, target)
    return Editions(load_book(ROOTS / "minimal"),
                    {path.name: path for path in target.iterdir() if path.is_file()})


def rezip(epub: Path, edit: dict[str, bytes | None]) -> None:
    """Rewrite the EPUB with some members replaced (bytes) or left out (None)."""
    with zipfile.ZipFile(epub) as source:
        members = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(epub, "w", zipfile.ZIP_DEFLATED) as target:
        for info, data in members:
            if info.filename in edit:
                if edit[info.filename] is None:
                    continue
                data = edit[info.filename] or b""
            target.writestr(info, data)


def results(run: subprocess.CompletedProcess[str]) -> dict[str, dict[str, object]]:
    report = json.loads(run.stdout)
    return {row["check"]: row for row in report["checks"]}


# --- publish check ---------------------------------------------------------------------


def test_check_passes_on_seven_letters(
        seven_letters_check: subprocess.CompletedProcess[str], seven_letters: Path) -> None:
    run = seven_letters_check  # `publish check source -o SESSION-DIST --json`, run once
    assert run.returncode == 0, run.stdout + run.stderr
    report = json.loads(run.stdout)
    assert report["ok"] is True
    # It checked the files its own build wrote (the session's build, reused from the cache).
    assert sorted(report["files"]) == sorted(p.name for p in seven_letters.iterdir()
                                             if p.is_file())
    assert {Path(path).parent for path in report["files"].values()} == {seven_letters}
    rows = results(run)
    assert list(rows) == ["epubcheck", "ace", "preflight", "preflight-cover", "glyphs",
                          "navigation", "pages", "figures", "onix", "marcxml"]
    assert {name: row["result"] for name, row in rows.items()} == dict.fromkeys(rows, "pass")


def test_check_checks_what_it_built_not_a_planted_dist(minimal: Path, minimal_dist: Path,
                                                      tmp_path: Path) -> None:
    """A planted dist/, newer than the source, whose EPUB is scripted (EPUBCheck: the
    manifest does not say so) and reaches a port, and whose PDF paints in RGB (the
    preflight): `check` builds, and checks the book the source builds, which passes."""
    listener = Listener()
    try:
        plant(tmp_path / "dist", minimal_dist, listener.port)
        run = publish("check", minimal, "-o", tmp_path / "dist")
        listener.assert_untouched()
    finally:
        listener.close()
    assert run.returncode == 0, run.stdout + run.stderr
    assert f"built {tmp_path / 'dist'}" in " ".join(run.stderr.split())
    rows = {line.split()[1]: line.split()[3] for line in run.stdout.splitlines()
            if len(line.split()) > 3 and line.split()[1] in CHECKS}
    assert rows == dict.fromkeys(CHECKS, "pass"), run.stdout


def test_check_names_the_check_that_finds_each_fault(minimal_dist: Path,
                                                     tmp_path: Path) -> None:
    """A style sheet of the manifest missing from the EPUB is EPUBCheck's (RSC-001), a font
    not embedded in the PDF the preflight's; the other checks still pass."""
    found = edited_copy(minimal_dist, tmp_path / "dist")
    rezip(found.epub, {"EPUB/css/epub.css": None})  # listed in the manifest
    with pikepdf.open(found.pdf, allow_overwriting_input=True) as pdf:
        for page in pdf.pages:
            fonts = page.obj.get("/Resources", pikepdf.Dictionary()).get("/Font")
            for font in (fonts.as_dict().values() if fonts is not None else ()):  # a blank page
                descriptor = font.DescendantFonts[0].FontDescriptor
                for key in ("/FontFile", "/FontFile2", "/FontFile3"):
                    if key in descriptor:
                        del descriptor[key]
        pdf.save(found.pdf)
    report = check_editions(found, tmp_path / "dist")
    assert not report.ok
    rows = {result.check: result for result in report.results}
    assert rows["epubcheck"].result == "error"
    assert "RSC-001" in {f.code for f in rows["epubcheck"].findings}
    assert rows["preflight"].result == "error"
    assert "P-FONT-NOT-EMBEDDED" in {f.code for f in rows["preflight"].findings}
    assert {name: rows[name].result for name in ("preflight-cover", "navigation", "pages",
                                                 "onix", "marcxml")} == dict.fromkeys(
        ("preflight-cover", "navigation", "pages", "onix", "marcxml"), "pass")


def test_check_stops_on_a_source_error_and_writes_nothing(minimal: Path,
                                                          tmp_path: Path) -> None:
    (minimal / "book.yaml").write_text("slug: [unclosed\n", encoding="utf-8")
    run = publish("check", minimal, "-o", tmp_path / "dist", timeout=60)
    assert run.returncode == 1
    assert "S-YAML" in run.stderr and "book.yaml:1" in run.stderr
    assert not (tmp_path / "dist").exists()


# --- the consistency checks, on editions edited by hand ---------------------------------


def test_a_moved_page_marker_and_a_dead_link_are_found(minimal_dist: Path,
                                                       tmp_path: Path) -> None:
    epub = shutil.copy(minimal_dist / "minimal.epub", tmp_path / "moved.epub")
    with zipfile.ZipFile(epub) as source:
        part = source.read("EPUB/text/part-02.xhtml").decode()
        nav = source.read("EPUB/nav.xhtml").decode()
    marker = part[part.index("<span"):part.index("/>", part.index("<span")) + 2]
    assert 'id="page-3"' in marker
    moved = part.replace(marker, "").replace("</section>", f"{marker}</section>")
    rezip(Path(epub), {"EPUB/text/part-02.xhtml": moved.encode(),
                       "EPUB/nav.xhtml": nav.replace("#first", "#nowhere").encode()})
    book = load_book(ROOTS / "minimal")
    pages = pdf_pages(minimal_dist / "minimal.pdf", *verify.text_area(book))
    found = verify.page_references(book, Path(epub), minimal_dist / "minimal.pdf", pages,
                                   minimal_dist / "minimal.pages.json")
    assert [(f.code, f.location) for f in found if f.code == "V-PAGE-START"] == [
        ("V-PAGE-START", "page 3")]
    assert any(f.code == "V-NAV-LINK" and "#nowhere" in f.message
               for f in verify.navigation(Path(epub)))


# --- publish proof ---------------------------------------------------------------------


def not_blank(image: Image.Image) -> None:
    """Each half of the sheet (print, e-book) holds a page with text: dark pixels (the
    captions are grey) and a spread of values, below the sheet's heading."""
    grey = image.convert("L")
    for left in (0, grey.width // 2):
        half = grey.crop((left, 140, left + grey.width // 2, grey.height - 40))
        ink = sum(half.histogram()[:90])
        assert ink > 200, f"a blank half at x={left}"
        assert ImageStat.Stat(half).var[0] > 100


def test_proof_writes_contact_sheets(minimal: Path, tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    run = publish("proof", minimal, "-o", dist, timeout=120)
    assert run.returncode == 0, run.stderr
    sheets = sorted(p.name for p in (dist / "proof").iterdir())
    # the title page, the imprint, the contents; the book has no spread of text
    assert sheets == ["minimal-page-i.png", "minimal-page-ii.png", "minimal-page-iii.png"]
    for name in sheets:
        with Image.open(dist / "proof" / name) as image:
            assert image.width > 1000 and image.height > 800
            not_blank(image)
    run = publish("proof", minimal, "-o", dist, "--pages", "2+3", timeout=120)
    assert run.returncode == 0, run.stderr
    with Image.open(dist / "proof" / "minimal-spread-2-3.png") as image:
        assert image.width > 2000
        not_blank(image)


def test_proof_refuses_a_page_the_book_has_not(minimal: Path, tmp_path: Path) -> None:
    run = publish("proof", minimal, "-o", tmp_path / "dist",
                  "--pages", "iii,99", timeout=60)
    assert run.returncode == 2 and "U-PAGE" in run.stderr and "99" in run.stderr


# --- publish watch ---------------------------------------------------------------------


@pytest.fixture
def watching(minimal: Path, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str],
                                                              queue.Queue[str]]]:
    process = subprocess.Popen([sys.executable, "-m", "publish", "watch", str(minimal),
                                "-o", str(tmp_path / "dist")], cwd=PROJECT, text=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    lines: queue.Queue[str] = queue.Queue()

    def read() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            lines.put(line.rstrip("\n"))

    threading.Thread(target=read, daemon=True).start()
    try:
        yield process, lines
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def wait_for(lines: queue.Queue[str], start: str, timeout: float = 120) -> list[str]:
    """The lines printed until one that begins with `start` (included)."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            break
        seen.append(line)
        if line.startswith(start):
            return seen
    raise AssertionError(f"no line beginning {start!r} within {timeout} s: {seen}")


def test_watch_rebuilds_on_a_save_and_keeps_the_last_good_files(
        watching: tuple[subprocess.Popen[str], queue.Queue[str]], minimal: Path,
        tmp_path: Path) -> None:
    process, lines = watching
    wait_for(lines, "built")
    text = minimal / "text" / "01-first.md"
    text.write_text(text.read_text(encoding="utf-8") + "\nA sentence added while watching.\n",
                    encoding="utf-8")
    seen = wait_for(lines, "built")
    assert any(line.startswith("changed") and "01-first.md" in line for line in seen), seen
    epub = tmp_path / "dist" / "minimal.epub"
    with zipfile.ZipFile(epub) as book:
        assert b"added while watching" in book.read("EPUB/text/part-01.xhtml")
    good = {p.name: p.read_bytes() for p in (tmp_path / "dist").iterdir()}

    meta = minimal / "book.yaml"
    original = meta.read_text(encoding="utf-8")
    meta.write_text(original.replace("slug: minimal", "slug: [minimal"), encoding="utf-8")
    seen = wait_for(lines, "error:")
    assert "S-YAML" in seen[-1]
    wait_for(lines, f"  {tmp_path / 'dist'} keeps the last good files")
    assert {p.name: p.read_bytes() for p in (tmp_path / "dist").iterdir()} == good

    meta.write_text(original, encoding="utf-8")
    wait_for(lines, "built")
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=30) == 0
    assert wait_for(lines, "stopped", timeout=5)


def test_the_watch_loop_stops_when_asked(minimal: Path, tmp_path: Path) -> None:
    outcomes: list[Outcome] = []
    stop = threading.Event()

    def report(outcome: Outcome) -> None:
        outcomes.append(outcome)
        stop.set()  # after the first build: the loop must end without a change

    assert watch(minimal, tmp_path / "dist", report, stop=stop) == 0
    assert len(outcomes) == 1 and outcomes[0].error is None and outcomes[0].files


# --- publish new -----------------------------------------------------------------------


def test_new_makes_a_book_that_builds(tmp_path: Path) -> None:
    run = publish("new", tmp_path / "my-book", timeout=60)
    assert run.returncode == 0, run.stderr
    assert sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.*")) == [
        "my-book/book.yaml", "my-book/text/01-chapter-one.md"]
    assert "urn:uuid:" in (tmp_path / "my-book" / "book.yaml").read_text(encoding="utf-8")
    run = publish("build", tmp_path / "my-book", "-o", tmp_path / "dist", timeout=120)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "dist" / "my-book.epub").is_file()
    assert (tmp_path / "dist" / "my-book.pdf").is_file()

    again = publish("new", tmp_path / "my-book", timeout=60)
    assert again.returncode == 2 and "U-NOT-EMPTY" in again.stderr


def test_a_new_book_is_a_plain_english_book_that_passes_check(tmp_path: Path) -> None:
    """`publish new`: English, one chapter, its title page and copyright page made from the
    metadata, no Chinese and no letter's fields; `publish check` passes on it at once, and
    its book.yaml names the other kinds of part and keys."""
    assert publish("new", tmp_path / "plain", timeout=60).returncode == 0
    meta = yaml.safe_load((tmp_path / "plain" / "book.yaml").read_text(encoding="utf-8"))
    assert meta["language"] == "en" and len(meta["text"]) == 1
    assert not {"title_page", "imprint", "cover", "original"} & set(meta)
    written = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "plain").rglob("*.*"))
    assert not re.search(r"[\u4e00-\u9fff]", written), "Chinese in a new English book"
    chapter = (tmp_path / "plain" / "text" / "01-chapter-one.md").read_text(encoding="utf-8")
    header = yaml.safe_load(chapter.split("---")[1])
    assert header["kind"] == "chapter" and not {"date", "sender", "recipient"} & set(header)
    for kind in ("dedication", "epigraph", "preface", "appendix", "letter", "part"):
        assert kind in chapter, kind
    for key in ("isbn", "series", "subjects", "prices", "original", "subtitle"):
        assert key in written, key
    run = publish("check", tmp_path / "plain", "-o", tmp_path / "dist", "--json", timeout=300)
    report = json.loads(run.stdout)
    failed = {r["check"]: r["findings"][:2] for r in report["checks"] if r["result"] == "error"}
    assert run.returncode == 0 and report["ok"], failed


def test_new_in_a_folder_with_a_long_name_makes_a_book_that_loads(tmp_path: Path) -> None:
    """The slug comes from the folder's name; a name longer than a slug may be gives its
    first words, not a book.yaml the build then refuses."""
    from publish.author.new import new_book
    from publish.source.load import load_book
    from publish.source.model import MAX_SLUG

    folder = tmp_path / ("the-collected-letters-of-a-long-correspondence-" * 5).strip("-")
    new_book(folder)
    slug = load_book(folder).meta.slug
    assert 0 < len(slug) <= MAX_SLUG
    assert folder.name.startswith(slug) and not slug.endswith("-")


@pytest.mark.parametrize("name", ["123", "true", "null", "1964-05-07", "two\nlines"])
def test_new_in_a_folder_of_any_name_makes_a_book_that_loads(tmp_path: Path, name: str) -> None:
    """A folder named like a YAML number, boolean, null or date, or with a line break: the
    book.yaml written still reads as the text it holds."""
    from publish.author.new import new_book
    from publish.source.load import load_book

    new_book(tmp_path / name)
    assert load_book(tmp_path / name).meta.slug


def test_new_into_a_folder_it_cannot_make_says_so(tmp_path: Path) -> None:
    from publish.author.new import new_book
    from publish.errors import PublishError

    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    for folder, code in [(tmp_path / "loop", "U-NOT-EMPTY"),
                         (tmp_path / "dangling", "U-NOT-EMPTY"),
                         (Path("/proc/publish-new"), "E-OUT-NO-PARENT")]:
        with pytest.raises(PublishError) as refused:
            new_book(folder)
        assert refused.value.code == code, (folder, refused.value)
    assert not (tmp_path / "nowhere").exists()
