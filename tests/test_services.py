"""Each print service's files as the service reads them (`publish build --service NAME`):
every mark of the interior inside its safe zone (measured on poppler's word boxes and
pdfium's path bounds), the page count it takes, the spine by its own formula, and the
preflight passing on its rules and failing a file made for a looser service.

The rules written here are the services' own published ones (README: "Print services"),
typed by hand, not read from publish/source/data/services.yaml."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pikepdf
import pypdfium2
import pypdfium2.raw as pdfium_c
import pytest
import yaml

from publish.build.pipeline import build
from publish.checks.preflight import preflight
from publish.source.services import service

from .conftest import PROJECT

PT = 72.0
TRIM_IN = (4.25, 6.87)  # Seven Letters' trim
# (safe zone in inches, page-count multiple, least pages, the last page blank)
RULES = {"kdp": (0.25, 2, 24, False), "ingramspark": (0.5, 2, 18, True),
         "lulu": (0.5, 2, 32, False), "press": (0.125, 4, 4, False)}


def kdp_spine(pages: int, paper: str) -> float:
    return pages * {"white": 0.002252, "cream": 0.0025}[paper]  # KDP's cover calculator rule


def lulu_spine(pages: int, paper: str) -> float:
    return pages / 444 + 0.06  # Lulu's perfect-bound formula, whatever the paper


SPINES = {"kdp": kdp_spine, "ingramspark": kdp_spine, "lulu": lulu_spine, "press": kdp_spine}


@pytest.fixture(scope="module", params=list(RULES))
def built(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
          ) -> tuple[str, Path]:
    name = str(request.param)
    out = tmp_path_factory.mktemp(name)
    build(PROJECT / "source", out, ["pdf", "cover"], profile=name)  # type: ignore[arg-type]
    return name, out


def word_boxes(pdf: Path) -> list[list[tuple[float, float, float, float]]]:
    """Each page's words as poppler boxes them (pdftotext -bbox), in points from the top
    left of the page's MediaBox."""
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    pages = []
    for page in html.split("<page ")[1:]:
        pages.append([tuple(float(v) for v in found) for found in re.findall(
            r'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)"', page)])
    return pages  # type: ignore[return-value]


def test_every_mark_of_the_interior_is_inside_the_safe_zone(built: tuple[str, Path]) -> None:
    name, out = built
    safe = RULES[name][0] * PT
    pdf = out / "seven-letters.pdf"
    with pikepdf.open(pdf) as document:
        trims = [[float(v) for v in page.obj.TrimBox] for page in document.pages]
        media = [[float(v) for v in page.obj.MediaBox] for page in document.pages]
    nearest = []
    for words, trim, box in zip(word_boxes(pdf), trims, media, strict=True):
        # poppler measures from the MediaBox's top left; the trim may lie inside it (bleed)
        left, top = trim[0] - box[0], box[3] - trim[3]
        width, height = trim[2] - trim[0], trim[3] - trim[1]
        nearest += [min(x0 - left, y0 - top, left + width - x1, top + height - y1)
                    for x0, y0, x1, y1 in words]
    assert nearest and min(nearest) >= safe - 0.5, f"a word {min(nearest) / PT:.3f} in in"
    drawn = pypdfium2.PdfDocument(pdf)
    try:
        for page, trim in zip(drawn, trims, strict=True):
            for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH], max_depth=4):
                x0, y0, x1, y1 = obj.get_bounds()
                if x0 > trim[0] and x1 < trim[2] and y0 > trim[1] and y1 < trim[3]:
                    near = min(x0 - trim[0], y0 - trim[1], trim[2] - x1, trim[3] - y1)
                    assert near >= safe - 0.5, f"a rule {near / PT:.3f} in from the trim"
    finally:
        drawn.close()


def test_the_page_count_is_one_the_service_takes(built: tuple[str, Path]) -> None:
    name, out = built
    _, multiple, least, last_blank = RULES[name]
    with pikepdf.open(out / "seven-letters.pdf") as document:
        count = len(document.pages)
    assert count % multiple == 0 and count >= least
    last = subprocess.run(["pdftotext", "-f", str(count), "-l", str(count),
                           str(out / "seven-letters.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    if last_blank:
        assert not last.strip(), "the service prints its own marks on the last page"
    pages = (out / "seven-letters.pages.json").read_text(encoding="utf-8")
    assert pages.count('"index"') == count, "the page map counts the pages added"


def test_the_cover_is_as_wide_as_the_service_s_spine(built: tuple[str, Path]) -> None:
    name, out = built
    with pikepdf.open(out / "seven-letters.pdf") as document:
        count = len(document.pages)
    with pikepdf.open(out / "seven-letters-cover.pdf") as document:
        trim = [float(v) / PT for v in document.pages[0].obj.TrimBox]
    paper = yaml.safe_load((PROJECT / "source" / "book.yaml").read_text("utf-8"))["print"][
        "paper"]
    spine = SPINES[name](count, paper)
    assert trim[2] - trim[0] == pytest.approx(2 * TRIM_IN[0] + spine, abs=0.002)


def test_the_preflight_passes_the_files_on_the_service_s_rules(built: tuple[str, Path]
                                                               ) -> None:
    name, out = built
    rules = service(name)
    bleed = 3.0 if name == "press" else 0.0
    interior = preflight(out / "seven-letters.pdf", trim_mm=(4.25 * 25.4, 6.87 * 25.4),
                         bleed_mm=bleed, service=rules)
    assert [f for f in interior if f.severity == "error"] == []


@pytest.mark.parametrize(("pages", "paper"), [(24, "white"), (26, "cream"), (250, "white"),
                                              (601, "cream"), (828, "white")])
@pytest.mark.parametrize("name", list(RULES))
def test_each_service_s_spine_formula(name: str, pages: int, paper: str) -> None:
    assert service(name).spine_inches(pages, paper) == pytest.approx(  # type: ignore[arg-type]
        SPINES[name](pages, paper), abs=1e-5)


def test_a_file_made_for_kdp_fails_ingramspark_s_safe_zone(seven_letters: Path) -> None:
    """KDP's heads and folios stand 0.25 in from the trim; IngramSpark wants 0.5 in."""
    findings = preflight(seven_letters / "seven-letters.pdf",
                         trim_mm=(4.25 * 25.4, 6.87 * 25.4), bleed_mm=0,
                         service=service("ingramspark"))
    assert {f.code for f in findings} >= {"P-SAFE-ZONE"}
    lulu = preflight(seven_letters / "seven-letters.pdf", trim_mm=(4.25 * 25.4, 6.87 * 25.4),
                     bleed_mm=0, service=service("lulu"))
    assert "P-PAGE-COUNT" in {f.code for f in lulu}  # Lulu binds no fewer than 32 pages


def test_the_preflight_measures_the_cover_s_ink_against_the_limit(seven_letters: Path
                                                                  ) -> None:
    """The cover's red is 0/88/82/22, 192 % of ink: within KDP's 240 %, over a limit of 150."""
    cover = seven_letters / "seven-letters-cover.pdf"
    assert "P-INK-LIMIT" not in planted({"ink_limit": 240}, cover, cover=True)
    assert "P-INK-LIMIT" in planted({"ink_limit": 150}, cover, cover=True)


def planted(rules: dict[str, object], pdf: Path, *, cover: bool = False) -> set[str]:
    """The codes the preflight gives `pdf` on KDP's rules with `rules` changed."""
    changed = service("kdp").model_copy(update=rules)
    with pikepdf.open(pdf) as document:
        trim = [float(v) * 25.4 / PT for v in document.pages[0].obj.TrimBox]
    return {f.code for f in preflight(pdf, trim_mm=(trim[2] - trim[0], trim[3] - trim[1]),
                                      bleed_mm=0.125 * 25.4 if cover else 0,
                                      black_text=not cover, service=changed, cover=cover,
                                      panel_mm=TRIM_IN[0] * 25.4)}


def test_the_preflight_names_each_broken_rule(seven_letters: Path, tmp_path: Path) -> None:
    """Each rule of a profile, broken on purpose in the profile, is found in the file."""
    pdf, cover = seven_letters / "seven-letters.pdf", seven_letters / "seven-letters-cover.pdf"
    assert planted({}, pdf) == set() and planted({}, cover, cover=True) == set()
    gutter = [service("kdp").gutter[0].model_copy(update={"inside": 1.0})]
    assert "P-GUTTER" in planted({"gutter": gutter}, pdf)  # the inside margin is 18 mm
    pages = service("kdp").pages
    assert "P-PAGE-COUNT" in planted({"pages": pages.model_copy(update={"multiple": 4})}, pdf)
    assert "P-STANDARD" in planted({"accepts": ["PDF/X-1a"]}, pdf)  # the file is PDF/X-4
    assert "P-COVER-SAFE-ZONE" in planted({"cover_safe_zone": 1.0}, cover, cover=True)
    shorter = tmp_path / "shorter.pdf"  # the blank page KDP's count added, taken off again
    with pikepdf.open(pdf) as document:
        del document.pages[-1]
        document.save(shorter)
    last_blank = pages.model_copy(update={"last_blank": True, "multiple": 1})
    assert "P-LAST-PAGE" in planted({"pages": last_blank}, shorter)


@pytest.mark.parametrize(("name", "pages", "paper", "size"), [
    ("kdp", 78, "cream", 0.0),  # KDP prints no spine text below 79 pages
    ("kdp", 79, "white", 0.0),  # 0.178 in: too narrow for 5 pt inside 0.0625 in each side
    ("kdp", 120, "cream", 8.0),  # 0.3 in
    ("lulu", 80, "white", 6.4),  # 80 / 444 + 0.06 = 0.240 in: (0.240 - 0.125) x 72 / 1.3 pt
])
def test_spine_text_is_printed_only_where_it_fits(name: str, pages: int, paper: str,
                                                   size: float) -> None:
    assert service(name).spine_text_size(pages, paper) == pytest.approx(size, abs=0.15)  # type: ignore[arg-type]
