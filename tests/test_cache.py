"""The build cache: an author's rebuild reuses what did not change, and a build that reuses
the cache makes byte for byte the files a build without it makes."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest

from publish.build.cache import signature_of
from publish.build.pipeline import ORDER, build, cache_folder
from publish.errors import PublishError

from .changes import fonts_copy


def files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def fresh(source: Path, folder: Path, **options: object) -> dict[str, bytes]:
    """What a build with no cache at all makes of `source`."""
    build(source, folder, cache=False, **options)  # type: ignore[arg-type]
    assert not cache_folder(folder).exists()
    return files(folder)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_an_unchanged_source_is_published_from_the_cache(minimal: Path, tmp_path: Path) -> None:
    first = build(minimal, tmp_path / "dist")
    made = files(tmp_path / "dist")
    for path in (tmp_path / "dist").iterdir():
        path.write_bytes(b"spoiled")  # published again, not left as found
    again = build(minimal, tmp_path / "dist")
    assert first.reused == []
    assert again.reused == ["build"]
    assert again.summary == first.summary
    assert files(tmp_path / "dist") == made == fresh(minimal, tmp_path / "plain")


def test_a_text_edit_runs_again_only_the_stages_that_read_the_text(
        minimal: Path, tmp_path: Path) -> None:
    build(minimal, tmp_path / "dist")
    edit(minimal / "text" / "01-first.md", "This is the first letter.",
         "This is the other letter.")
    built = build(minimal, tmp_path / "dist")
    # Same page count: the cover (and its PNG in the EPUB) and its preflight are reused;
    # the interior, the EPUB and the records, which show the text or describe it, are not.
    assert built.reused == ["cover", "preflight"]
    assert files(tmp_path / "dist") == fresh(minimal, tmp_path / "plain")


@pytest.mark.parametrize(("where", "old", "new"), [
    ("book.yaml", "lines: [TEST PRESS]", "lines: [TEST PRESS LIMITED]"),  # the cover
    ("book.yaml", "description: Two short", "description: Two very short"),  # records
    ("text/02-second.md", "title: THE SECOND LETTER", "title: THE LAST LETTER"),  # contents
])
def test_after_any_edit_the_cache_gives_what_a_fresh_build_gives(
        minimal: Path, tmp_path: Path, where: str, old: str, new: str) -> None:
    build(minimal, tmp_path / "dist")
    edit(minimal / where, old, new)
    build(minimal, tmp_path / "dist")
    assert files(tmp_path / "dist") == fresh(minimal, tmp_path / "plain")


def test_profiles_fonts_and_the_date_are_inputs_too(
        minimal: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    dist = tmp_path / "dist"
    build(minimal, dist, ["pdf"], profile="press")
    build(minimal, dist, ["pdf"], profile="pod")
    assert files(dist) == fresh(minimal, tmp_path / "pod", formats=["pdf"], profile="pod")
    build(minimal, dist, ["pdf"], profile="press")
    assert files(dist) == fresh(minimal, tmp_path / "press", formats=["pdf"], profile="press")

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1600000000")
    build(minimal, dist, ORDER)
    assert files(dist) == fresh(minimal, tmp_path / "dated")

    fonts = fonts_copy(tmp_path)
    edit(fonts / "fonts.yaml", "weight: 700", "weight: 600")
    built = build(minimal, dist, ORDER, fonts=fonts)
    assert built.reused == []
    assert files(dist) == fresh(minimal, tmp_path / "fonts-changed", fonts=fonts)


def test_a_damaged_cache_is_made_again(minimal: Path, tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    build(minimal, dist)
    cache = cache_folder(dist)
    for facts in cache.rglob("facts.json"):
        facts.write_text("{not json", encoding="utf-8")
    for stored in cache.rglob("files/*"):
        stored.unlink()
    built = build(minimal, dist)
    assert built.reused == []
    assert files(dist) == fresh(minimal, tmp_path / "plain")
    assert build(minimal, dist).reused == ["build"]


def test_a_bad_source_is_refused_whatever_the_cache_holds(
        minimal: Path, tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    build(minimal, dist)
    good = files(dist)
    edit(minimal / "text" / "01-first.md", "kind: letter", "kind: leter")
    with pytest.raises(PublishError) as refused:
        build(minimal, dist)
    assert refused.value.code.startswith("S-")
    assert files(dist) == good
    edit(minimal / "text" / "01-first.md", "kind: leter", "kind: letter")
    assert build(minimal, dist).reused == ["build"]
    assert files(dist) == good


def test_the_cache_keeps_a_few_entries_a_stage(minimal: Path, tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    for number in range(7):
        edit(minimal / "text" / "01-first.md", "first letter", f"letter {number}")
        build(minimal, dist, ["pdf"])
        edit(minimal / "text" / "01-first.md", f"letter {number}", "first letter")
    entries = [p for p in (cache_folder(dist) / "pdf").iterdir() if not p.name.startswith(".")]
    assert 1 <= len(entries) <= 4
    stored = json.loads((entries[0] / "facts.json").read_text())
    assert sorted(stored["files"]) == ["minimal.pages.json", "minimal.pdf"]


def test_no_cache_builds_everything_and_keeps_nothing(minimal: Path, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from publish.cli import app

    dist = tmp_path / "dist"
    done = CliRunner().invoke(app, ["build", str(minimal), "-o", str(dist), "--no-cache"])
    assert done.exit_code == 0, done.output
    assert not cache_folder(dist).exists()
    assert files(dist) == fresh(minimal, tmp_path / "plain")
    done = CliRunner().invoke(app, ["build", str(minimal), "-o", str(dist)])
    again = CliRunner().invoke(app, ["build", str(minimal), "-o", str(dist)])
    assert "reused from the cache: build" in again.output
    assert files(dist) == fresh(minimal, tmp_path / "plain")


def test_a_build_into_its_own_source_still_finds_its_cache(minimal: Path) -> None:
    inside = minimal / "dist"
    build(minimal, inside)
    assert build(minimal, inside).reused == ["build"]


def test_an_epub_alone_lays_out_the_interior_but_writes_no_pdf(
        minimal: Path, tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    alone = build(minimal, dist, ["epub"])
    assert sorted(alone.files) == ["minimal.epub"]
    assert sorted(p.name for p in (cache_folder(dist)).iterdir()) == [
        "build", "cover", "epub", "layout"]  # no PDF was written, so none was kept
    # Then the whole book: the PDF's stage lays the interior out again (a laid-out document
    # is never kept), and the cover and the EPUB, whose inputs are the same, are reused.
    built = build(minimal, dist)
    assert {"cover", "epub"} <= set(built.reused)
    assert "pdf" not in built.reused
    assert files(dist) == fresh(minimal, tmp_path / "plain")


def test_a_copied_book_whose_link_now_leads_out_is_refused(tmp_path: Path) -> None:
    from .conftest import ROOTS

    first = tmp_path / "a"
    shutil.copytree(ROOTS / "minimal", first)
    (first / "real").mkdir()
    (first / "text" / "02-second.md").rename(first / "real" / "02-second.md")
    (first / "text" / "02-second.md").symlink_to(first / "real" / "02-second.md")
    build(first, tmp_path / "dist")
    second = tmp_path / "b"
    shutil.copytree(first, second, symlinks=True)  # the link still names a/real/...
    with pytest.raises(PublishError) as refused:
        build(second, tmp_path / "dist")
    assert refused.value.code == "S-OUTSIDE"


def test_files_beside_the_book_are_not_read(minimal: Path, tmp_path: Path) -> None:
    """What lies in the book's folder but is not the book (a scan, a FIFO, a loop of
    links) is not read: the build neither waits on it nor reads it whole to hash it."""
    os.mkfifo(minimal / "scan.pdf")  # reading it would wait forever
    (minimal / "loop").symlink_to(minimal / "loop")
    first = build(minimal, tmp_path / "dist")
    again = build(minimal, tmp_path / "dist")
    assert again.reused == ["build"]
    assert files(tmp_path / "dist") == {n: p.read_bytes() for n, p in first.files.items()}


def test_an_entry_not_signed_by_this_machine_is_a_miss(minimal: Path, tmp_path: Path) -> None:
    """A cache shipped beside a source (made elsewhere, or written by hand to look like
    one): its entries are not this machine's, so none of them is used."""
    dist = tmp_path / "dist"
    build(minimal, dist)
    for signature in cache_folder(dist).rglob("signature"):
        signature.write_text("0" * 64, encoding="ascii")
    built = build(minimal, dist)
    assert built.reused == []
    assert files(dist) == fresh(minimal, tmp_path / "plain")


def test_a_stored_file_cut_short_is_made_again(minimal: Path, tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    build(minimal, dist)
    for stored in cache_folder(dist).rglob("files/*.pdf"):
        stored.write_bytes(stored.read_bytes()[:100])
    assert {"build", "pdf", "cover"}.isdisjoint(build(minimal, dist).reused)
    assert files(dist) == fresh(minimal, tmp_path / "plain")


def test_a_link_planted_in_the_cache_is_never_followed(minimal: Path, tmp_path: Path) -> None:
    """A stage's folder of the cache made a link to a folder elsewhere (possible wherever
    the output lies inside a source that others send): the build neither prunes nor
    reads nor writes through it, and the folders it leads to stay as they were."""
    victim = tmp_path / "victim"
    for number in range(8):
        (victim / f"folder-{number}").mkdir(parents=True)
        (victim / f"folder-{number}" / "keep.txt").write_text("mine", encoding="utf-8")
    dist = tmp_path / "dist"
    cache = cache_folder(dist)
    cache.mkdir()
    for stage in ("onix", "marc", "layout", "pdf", "cover", "epub", "build", "preflight"):
        (cache / stage).symlink_to(victim, target_is_directory=True)
    build(minimal, dist)
    build(minimal, dist)
    assert sorted(p.name for p in victim.iterdir()) == [f"folder-{n}" for n in range(8)]
    assert all((victim / f"folder-{n}" / "keep.txt").read_text(encoding="utf-8") == "mine"
               for n in range(8))
    assert files(dist) == fresh(minimal, tmp_path / "plain")


def test_a_cache_entry_naming_a_file_outside_is_not_published(minimal: Path,
                                                              tmp_path: Path) -> None:
    """An entry shipped with a source whose files are named `../planted.txt`: the build
    writes nothing outside its output, and makes its editions afresh."""
    import hashlib

    dist = tmp_path / "out" / "dist"
    dist.parent.mkdir()
    build(minimal, dist)
    planted = b"an edition that was never built"
    for facts in (cache_folder(dist) / "build").glob("*/facts.json"):
        stored = json.loads(facts.read_text(encoding="utf-8"))
        (facts.parent / "planted.txt").write_bytes(planted)
        stored["files"]["../planted.txt"] = hashlib.sha256(planted).hexdigest()
        facts.write_text(json.dumps(stored), encoding="utf-8")
        # Signed as this machine signs (an attacker cannot): only the file names stop it.
        raw = facts.read_bytes()
        (facts.parent / "signature").write_text(
            signature_of("build", facts.parent.name, raw), encoding="ascii")
    built = build(minimal, dist)
    assert "build" not in built.reused
    assert not (tmp_path / "out" / "planted.txt").exists()
    assert not (dist.parent / "planted.txt").exists()
    assert files(dist) == fresh(minimal, tmp_path / "plain")
