"""The PDF/X-4 interior: WeasyPrint output checked by the preflight, finished by finish_pdf."""

from __future__ import annotations

import io
import subprocess
import time
from collections.abc import Callable
from importlib.resources import files
from pathlib import Path

import pikepdf
import pytest
from weasyprint import HTML

from publish.checks.preflight import preflight
from publish.editions.pdfx import finish_pdf
from publish.errors import OutputError
from publish.layout.labels import PageLabelRange

PROFILE = Path(__file__).resolve().parent.parent / "styles" / "icc" / "FOGRA29L-uncoated.icc"
TRIM_MM = (127.0, 203.2)  # 5 x 8 in: 360 x 576 pt
BLACK = "device-cmyk(0 0 0 1)"
EPOCH = "1700000000"
SEED = b"978-0-00-000000-0 first edition"


def render(
    body: str = "<h1>One</h1><p>Text in black ink only.</p>",
    *,
    colour: str = BLACK,
    page: str = "size: 127mm 203.2mm; margin: 15mm",
    profile: bool = True,
    extra_css: str = "",
) -> bytes:
    """A small PDF/X-4 from WeasyPrint, with a fixed SOURCE_DATE_EPOCH."""
    colour_profile = (
        f"@color-profile device-cmyk {{ src: url({PROFILE.as_uri()}); components: c, m, y, k }}"
        if profile
        else ""
    )
    html = f"""<!doctype html><html lang="en"><head><title>Test book</title>
    <meta name="dcterms.created" content="2024-01-01T00:00:00Z">
    <meta name="dcterms.modified" content="2024-01-01T00:00:00Z">
    <style>{colour_profile}
    @page {{ {page} }}
    body {{ font-family: "DejaVu Serif", serif; color: {colour}; }}
    h1 {{ bookmark-level: 1; break-before: page; }}
    {extra_css}
    </style></head><body>{body}</body></html>"""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("SOURCE_DATE_EPOCH", EPOCH)
        pdf: bytes = HTML(string=html).write_pdf(pdf_variant="pdf/x-4")
    return pdf


def check(pdf: bytes, tmp_path: Path, bleed_mm: float = 0.0, name: str = "t.pdf") -> list[str]:
    path = tmp_path / name
    path.write_bytes(pdf)
    return [finding.code for finding in preflight(path, trim_mm=TRIM_MM, bleed_mm=bleed_mm)]


def edited(pdf: bytes, edit: Callable[[pikepdf.Pdf], None]) -> bytes:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        edit(doc)
        out = io.BytesIO()
        doc.save(out)
        return out.getvalue()


@pytest.fixture(scope="module")
def good() -> bytes:
    return render()


def test_profile_is_a_cmyk_output_profile() -> None:
    header = PROFILE.read_bytes()[:20]
    assert header[12:16] == b"prtr" and header[16:20] == b"CMYK"


def test_good_pdf_passes_with_no_findings(good: bytes, tmp_path: Path) -> None:
    path = tmp_path / "good.pdf"
    path.write_bytes(good)
    assert preflight(path, trim_mm=TRIM_MM, bleed_mm=0) == []
    with pikepdf.open(path) as doc:
        (intent,) = doc.Root.OutputIntents
        assert intent.S == "/GTS_PDFX" and intent.DestOutputProfile.N == 4
        assert str(intent.OutputConditionIdentifier) == "FOGRA29"
        # device-cmyk(0 0 0 1) is written as K-only DeviceCMYK, not RGB.
        content = doc.pages[0].Contents.read_bytes()
        assert b"/DeviceCMYK cs\n0 0 0 1 scn" in content and b" rg" not in content


def test_rgb_text_fails_with_p_rgb(tmp_path: Path) -> None:
    findings = check(render(colour="rgb(255,0,0)"), tmp_path)
    assert "P-RGB" in findings


def test_cmyk_text_that_is_not_k_only_fails(tmp_path: Path) -> None:
    assert check(render(colour="device-cmyk(0.6 0.4 0.4 1)"), tmp_path) == ["P-TEXT-NOT-K"]


def test_rgb_image_fails_with_p_rgb(tmp_path: Path) -> None:
    from PIL import Image

    image = tmp_path / "rgb.png"
    Image.new("RGB", (8, 8), (0, 128, 0)).save(image)
    findings = check(render(f'<p>Picture <img src="{image.as_uri()}"></p>'), tmp_path)
    assert findings == ["P-RGB"]


def test_unembedded_font_fails(good: bytes, tmp_path: Path) -> None:
    def drop_font_files(doc: pikepdf.Pdf) -> None:
        for font in doc.pages[0].Resources.Font.as_dict().values():
            descriptor = font.DescendantFonts[0].FontDescriptor
            for key in ("/FontFile", "/FontFile2", "/FontFile3"):
                if key in descriptor:
                    del descriptor[key]

    assert check(good, tmp_path) == []
    assert "P-FONT-NOT-EMBEDDED" in check(edited(good, drop_font_files), tmp_path)


def test_font_embedded_whole_fails(good: bytes, tmp_path: Path) -> None:
    def drop_subset_tags(doc: pikepdf.Pdf) -> None:
        for font in doc.pages[0].Resources.Font.as_dict().values():
            for target in (font, font.DescendantFonts[0]):
                target.BaseFont = pikepdf.Name("/" + str(target.BaseFont).split("+")[-1])

    assert "P-FONT-NOT-SUBSET" in check(edited(good, drop_subset_tags), tmp_path)


def test_standard_font_reference_is_not_embedded(tmp_path: Path) -> None:
    doc = pikepdf.new()
    doc.add_blank_page(page_size=(360, 576))
    page = doc.pages[0]
    page.obj.TrimBox = pikepdf.Array([0, 0, 360, 576])
    page.Resources = pikepdf.Dictionary(
        Font=pikepdf.Dictionary(
            F1=pikepdf.Dictionary(
                Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica
            )
        )
    )
    page.Contents = doc.make_stream(b"BT /F1 12 Tf 72 500 Td (Hello) Tj ET")
    out = io.BytesIO()
    doc.save(out)
    findings = check(out.getvalue(), tmp_path)
    assert "P-FONT-NOT-EMBEDDED" in findings and "P-NO-OUTPUT-INTENT" in findings


def test_wrong_page_size_fails_with_p_trim_size(tmp_path: Path) -> None:
    assert check(render(page="size: A5; margin: 15mm"), tmp_path) == ["P-TRIM-SIZE"]


def test_missing_output_intent_and_trimbox(good: bytes, tmp_path: Path) -> None:
    assert "P-NO-OUTPUT-INTENT" in check(render(profile=False), tmp_path)

    def drop_trimbox(doc: pikepdf.Pdf) -> None:
        del doc.pages[0].obj.TrimBox

    findings = check(edited(good, drop_trimbox), tmp_path)
    assert "P-NO-TRIMBOX" in findings


def test_rgb_output_intent_fails(good: bytes, tmp_path: Path) -> None:
    srgb = files("weasyprint") / "pdf" / "sRGB2014.icc"

    def rgb_intent(doc: pikepdf.Pdf) -> None:
        profile = doc.make_stream(srgb.read_bytes())
        profile.N = 3
        doc.Root.OutputIntents[0].DestOutputProfile = profile

    assert check(edited(good, rgb_intent), tmp_path) == ["P-OUTPUT-INTENT-NOT-CMYK"]


def test_bleed_gives_larger_media_and_bleed_boxes(tmp_path: Path) -> None:
    pdf = render(page="size: 127mm 203.2mm; margin: 15mm; bleed: 3mm")
    assert check(pdf, tmp_path, bleed_mm=3) == []
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        page = doc.pages[0].obj
        assert [float(v) for v in page.TrimBox] == pytest.approx([0, 0, 360, 576])
        bleed = 3 * 72 / 25.4
        expected = [-bleed, -bleed, 360 + bleed, 576 + bleed]
        assert [float(v) for v in page.MediaBox] == pytest.approx(expected)
        assert [float(v) for v in page.BleedBox] == pytest.approx(expected)
    # Checked against a book without bleed, the larger page is wrong.
    assert check(pdf, tmp_path, bleed_mm=0) == ["P-MEDIA-SIZE"]
    # And against a 5 mm bleed it is too small.
    assert set(check(pdf, tmp_path, bleed_mm=5)) == {"P-MEDIA-SIZE", "P-BLEED-SIZE"}


def test_crop_marks_are_reported_but_the_boxes_accepted(tmp_path: Path) -> None:
    pdf = render(page="size: 127mm 203.2mm; margin: 15mm; bleed: 3mm; marks: crop")
    # WeasyPrint draws the marks inside the 3 mm bleed, stroked in RGB.
    assert sorted(check(pdf, tmp_path, bleed_mm=3)) == ["P-MARKS", "P-RGB"]
    # Marks without a bleed: WeasyPrint makes the bleed 6 pt to hold them.
    marks_only = render(page="size: 127mm 203.2mm; margin: 15mm; marks: crop")
    assert sorted(check(marks_only, tmp_path, bleed_mm=0)) == ["P-MARKS", "P-RGB"]


def ids(pdf: bytes) -> tuple[str, str, bytes]:
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        xmp = doc.open_metadata()
        return xmp["xmpMM:DocumentID"], xmp["xmpMM:InstanceID"], bytes(doc.trailer.ID[0])


def test_finish_pdf_gives_identical_bytes_for_two_renders(tmp_path: Path) -> None:
    first, second = render(), render()
    # WeasyPrint alone writes a random xmpMM:DocumentID, hence a different /ID.
    assert first != second
    labels = [PageLabelRange(0, "arabic", 1)]
    one = finish_pdf(first, page_labels=labels, document_id_seed=SEED)
    time.sleep(1.1)  # qpdf's non-deterministic /ID would take the clock's second
    two = finish_pdf(second, page_labels=labels, document_id_seed=SEED)
    assert one == two
    assert finish_pdf(one, page_labels=labels, document_id_seed=SEED) == one
    path = tmp_path / "finished.pdf"
    path.write_bytes(one)
    subprocess.run(["qpdf", "--check", str(path)], check=True, capture_output=True)
    assert preflight(path, trim_mm=TRIM_MM, bleed_mm=0) == []


def test_ids_come_from_the_seed_and_the_content() -> None:
    pdf = render()
    labels = [PageLabelRange(0, "arabic", 1)]
    document_id, instance_id, permanent = ids(
        finish_pdf(pdf, page_labels=labels, document_id_seed=SEED)
    )
    other_seed = ids(finish_pdf(pdf, page_labels=labels, document_id_seed=b"another book"))
    other_text = ids(
        finish_pdf(
            render("<h1>One</h1><p>Other words.</p>"), page_labels=labels, document_id_seed=SEED
        )
    )
    assert document_id.startswith("uuid:") and instance_id.startswith("uuid:")
    assert other_seed[0] != document_id and other_seed[2] != permanent
    assert other_text[0] == document_id and other_text[2] == permanent
    assert other_text[1] != instance_id


@pytest.fixture(scope="module")
def book() -> bytes:
    return render("".join(f"<h1>Part {n}</h1><p>Page {n}.</p>" for n in range(1, 7)))


def test_page_mode_and_page_labels(book: bytes) -> None:
    labels = [
        PageLabelRange(0, "none", 1),
        PageLabelRange(1, "roman", 1),
        PageLabelRange(3, "arabic", 1),
    ]
    finished = finish_pdf(book, page_labels=labels, document_id_seed=SEED)
    with pikepdf.open(io.BytesIO(finished)) as doc:
        assert len(doc.pages) == 6
        assert doc.Root.PageMode == "/UseOutlines"
        assert [page.label for page in doc.pages] == ["", "i", "ii", "1", "2", "3"]


def test_labels_can_start_elsewhere_and_outline_can_stay_closed(book: bytes) -> None:
    labels = [PageLabelRange(0, "roman", 5), PageLabelRange(2, "arabic", 10)]
    finished = finish_pdf(book, page_labels=labels, open_outline=False, document_id_seed=SEED)
    with pikepdf.open(io.BytesIO(finished)) as doc:
        assert "/PageMode" not in doc.Root
        assert [page.label for page in doc.pages] == ["v", "vi", "10", "11", "12", "13"]


@pytest.mark.parametrize(
    "labels",
    [
        [PageLabelRange(1, "arabic", 1)],
        [PageLabelRange(0, "roman", 1), PageLabelRange(0, "arabic", 1)],
        [PageLabelRange(0, "roman", 1), PageLabelRange(9, "arabic", 1)],
        [PageLabelRange(0, "arabic", 0)],
    ],
)
def test_bad_label_ranges_are_refused(book: bytes, labels: list[PageLabelRange]) -> None:
    with pytest.raises(OutputError) as raised:
        finish_pdf(book, page_labels=labels, document_id_seed=SEED)
    assert raised.value.code == "O-PAGE-LABELS"
