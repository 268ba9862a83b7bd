"""Print-on-demand preflight of the interior PDF: what a printer checks before taking a file.

Fonts embedded and subset; TrimBox (BleedBox with bleed) on every page, nested in the
MediaBox, of the book's trim and bleed; a PDF/X output intent with a CMYK profile; no RGB
in content, images, shadings, groups, forms or patterns; text K-only; `qpdf --check` clean.
WeasyPrint 70 writes MediaBox = trim + 2 x bleed (`marks: crop` alone makes the bleed 6 pt),
BleedBox = trim + min(bleed, 10 pt), and strokes crop marks in RGB inside the bleed: paths
painted wholly outside the TrimBox give a P-MARKS warning and let the MediaBox be larger.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

import pikepdf
from pikepdf import Array, Dictionary, Name, Stream

from publish.checks import Finding
from publish.checks.servicerules import Rect, service_findings
from publish.checks.servicerules import error as _error
from publish.checks.servicerules import rect as _rect
from publish.errors import EnvironmentProblem

if TYPE_CHECKING:
    from publish.source.services import Service

VALIDATOR = "preflight"
PT_PER_MM = 72 / 25.4
TOLERANCE_PT = 0.5
BLEEDBOX_CAP_PT = 10.0  # WeasyPrint puts the BleedBox at most 10 pt outside the trim
_SUBSET_TAG = re.compile(r"^[A-Z]{6}\+")
_PAINT_OPS = {"S", "s", "f", "F", "f*", "B", "B*", "b", "b*", "n"}
_KINDS = {  # colour space names and array families; /RGB, /CMYK, /G: inline image short forms
    **dict.fromkeys(("/DeviceRGB", "/RGB", "/CalRGB"), "rgb"),
    **dict.fromkeys(("/DeviceCMYK", "/CMYK"), "cmyk"),
    **dict.fromkeys(("/DeviceGray", "/G", "/CalGray"), "gray"),
    "/Pattern": "pattern",
}

Matrix = tuple[float, ...]  # a b c d e f
Colour = tuple[str, tuple[float, ...]]  # (space kind, components)
_IDENTITY: Matrix = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def preflight(pdf: Path, *, trim_mm: tuple[float, float], bleed_mm: float,
              black_text: bool = True, service: Service | None = None, cover: bool = False,
              panel_mm: float = 0) -> list[Finding]:
    """Check a print PDF at `pdf` for a print-on-demand service; [] when it passes.
    `black_text`: text must be K-only (an interior); a cover may set text in colour.
    `service`: its own rules too (servicerules.py), for its interior or (`cover`) its cover,
    whose panels are `panel_mm` wide. qpdf checks the file's structure in its own process
    while this one scans the pages."""
    with _QpdfCheck(pdf) as qpdf:
        findings = _scan(pdf, trim_mm, bleed_mm, black_text,
                         service.ink_limit if service is not None else None)
        if service is not None and not [f for f in findings if f.severity == "error"]:
            findings += service_findings(pdf, service, cover, panel_mm)
    return qpdf.findings + findings


def _scan(pdf: Path, trim_mm: tuple[float, float], bleed_mm: float,
          black_text: bool, ink_limit: int | None = None) -> list[Finding]:
    findings: list[Finding] = []
    try:
        doc = pikepdf.open(pdf)
    except (pikepdf.PdfError, OSError) as error:
        return [_error("P-UNREADABLE", f"pikepdf cannot open the file: {error}")]
    trim = (trim_mm[0] * PT_PER_MM, trim_mm[1] * PT_PER_MM)
    with doc:
        findings += _output_intent(doc)
        seen_fonts: set[tuple[int, int]] = set()
        for number, page in enumerate(doc.pages, start=1):
            scan = _Scan(_rect(page.obj.get("/TrimBox", page.mediabox)))
            scan.walk(page.obj, page.obj.get("/Resources"), _IDENTITY)
            problems = _boxes(page, trim, bleed_mm * PT_PER_MM, scan.marks > 0)
            problems += _fonts(scan.fonts, seen_fonts)
            if scan.rgb:
                what = ", ".join(f"{count} x {kind}" for kind, count in sorted(scan.rgb.items()))
                problems.append(("P-RGB", f"RGB colour: {what}"))
            if scan.text_not_k and black_text:
                problems.append(("P-TEXT-NOT-K", f"{scan.text_not_k} {_NOT_K}"))
            if ink_limit is not None and scan.ink > ink_limit + 0.5:
                problems.append(("P-INK-LIMIT", f"a colour of {scan.ink:.0f} % ink: the print "
                                 f"service's limit is {ink_limit} %"))
            findings += [_error(code, message, f"page {number}") for code, message in problems]
            if scan.marks:
                message = f"{scan.marks} {_MARKS}"
                findings.append(Finding(VALIDATOR, "warning", "P-MARKS", message, f"page {number}"))
    return findings


_NOT_K = "text runs not in K-only black or grey: use color: device-cmyk(0 0 0 1)"
_MARKS = "paths painted wholly outside the TrimBox (printer's marks?): POD services want none"
_NO_INTENT = "no /OutputIntents entry with /S /GTS_PDFX: declare @color-profile device-cmyk"


class _QpdfCheck:
    """`qpdf --check` running while the `with` block runs; its findings after."""

    def __init__(self, pdf: Path) -> None:
        qpdf = shutil.which("qpdf")
        if qpdf is None:
            message = "qpdf is not installed; the PDF preflight needs it"
            raise EnvironmentProblem("E-QPDF", message, "apt-get install qpdf")
        self.findings: list[Finding] = []
        self.process = subprocess.Popen([qpdf, "--check", str(pdf)], stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True)

    def __enter__(self) -> _QpdfCheck:
        return self

    def __exit__(self, *exception: object) -> None:
        stdout, stderr = self.process.communicate()
        if self.process.returncode == 0:
            return
        lines = [line for line in (stderr + stdout).splitlines() if line.strip()]
        summary = "; ".join(lines[:5]) or f"exit status {self.process.returncode}"
        severity = "warning" if self.process.returncode == 3 else "error"  # 2 errors, 3 warnings
        self.findings = [Finding(VALIDATOR, severity, "P-QPDF", f"qpdf --check: {summary}",
                                 "document")]


def _output_intent(doc: pikepdf.Pdf) -> list[Finding]:
    for intent in doc.Root.get("/OutputIntents", Array()):
        if not isinstance(intent, Dictionary) or intent.get("/S") != Name.GTS_PDFX:
            continue
        profile = intent.get("/DestOutputProfile")
        header = profile.read_bytes()[:20] if isinstance(profile, Stream) else b""
        if header[16:20] == b"CMYK" and intent.DestOutputProfile.get("/N") == 4:  # ICC header
            return []
        message = "the PDF/X output intent has no CMYK ICC profile (DestOutputProfile, /N 4)"
        return [_error("P-OUTPUT-INTENT-NOT-CMYK", message)]
    return [_error("P-NO-OUTPUT-INTENT", _NO_INTENT)]


def _margins(outer: Rect, inner: Rect) -> list[float]:
    """How far `outer` reaches beyond `inner` on each side (negative: it does not contain it)."""
    return [inner[0] - outer[0], inner[1] - outer[1], outer[2] - inner[2], outer[3] - inner[3]]


def _boxes(
    page: pikepdf.Page, trim_pt: tuple[float, float], bleed_pt: float, has_marks: bool
) -> list[tuple[str, str]]:
    if "/TrimBox" not in page.obj:
        return [("P-NO-TRIMBOX", "no TrimBox")]
    found: list[tuple[str, str]] = []
    media, trim = _rect(page.mediabox), _rect(page.obj.TrimBox)
    bleed = _rect(page.obj.BleedBox) if "/BleedBox" in page.obj else None
    if bleed is None and bleed_pt > 0:
        found.append(("P-NO-BLEEDBOX", "no BleedBox although the book has bleed"))
    if min(_margins(media, bleed or trim) + _margins(bleed or media, trim)) < -0.01:
        boxes = f"media {media}, bleed {bleed}, trim {trim}"
        found.append(("P-BOX-NESTING", f"not nested MediaBox ⊇ BleedBox ⊇ TrimBox: {boxes}"))
    width, height = trim[2] - trim[0], trim[3] - trim[1]
    if abs(width - trim_pt[0]) > TOLERANCE_PT or abs(height - trim_pt[1]) > TOLERANCE_PT:
        mm = f"{width / PT_PER_MM:.1f} x {height / PT_PER_MM:.1f} mm"
        want = f"{trim_pt[0] / PT_PER_MM:.1f} x {trim_pt[1] / PT_PER_MM:.1f} mm"
        found.append(("P-TRIM-SIZE", f"TrimBox is {mm}, the trim is {want}"))
    outside = _margins(media, trim)
    if min(outside) < bleed_pt - TOLERANCE_PT:
        reach = f"MediaBox reaches {min(outside):.2f} pt outside the trim"
        found.append(("P-MEDIA-SIZE", f"{reach}, less than the bleed ({bleed_pt:.2f} pt)"))
    elif max(outside) > bleed_pt + TOLERANCE_PT and not has_marks:
        reach = f"MediaBox reaches {max(outside):.2f} pt outside the trim"
        found.append(("P-MEDIA-SIZE", f"{reach}, more than the bleed ({bleed_pt:.2f} pt)"))
    if bleed is not None and bleed_pt > 0:
        reach_pt = min(_margins(bleed, trim))
        if reach_pt < min(bleed_pt, BLEEDBOX_CAP_PT) - TOLERANCE_PT:
            reach = f"BleedBox reaches {reach_pt:.2f} pt outside the trim"
            found.append(("P-BLEED-SIZE", f"{reach}, the bleed is {bleed_pt:.2f} pt"))
    return found


def _fonts(
    fonts: dict[tuple[int, int], Dictionary], seen: set[tuple[int, int]]
) -> list[tuple[str, str]]:
    """Each font once, at the first page whose resources hold it."""
    found: list[tuple[str, str]] = []
    for key, font in fonts.items():
        if key in seen or font.get("/Subtype") == Name.Type3:  # Type3 glyphs are content
            continue
        seen.add(key)
        target: pikepdf.Object = font
        descendants = font.get("/DescendantFonts")
        if font.get("/Subtype") == Name.Type0 and isinstance(descendants, Array) and descendants:
            target = descendants[0]
        name = str(target.get("/BaseFont", Name("/unnamed")))[1:]
        descriptor = target.get("/FontDescriptor")
        files = ("/FontFile", "/FontFile2", "/FontFile3")
        if not isinstance(descriptor, Dictionary) or not any(f in descriptor for f in files):
            found.append(("P-FONT-NOT-EMBEDDED", f"font {name} is not embedded"))
        elif not _SUBSET_TAG.match(name):
            found.append(("P-FONT-NOT-SUBSET", f"font {name} is embedded whole, not subset"))
    return found


def _space_kind(space: object, resources: Dictionary | None) -> str:
    """A colour space as rgb, cmyk, gray, black (a Black separation), pattern or other."""
    if isinstance(space, Name):
        if str(space) in _KINDS:
            return _KINDS[str(space)]
        named = resources.get("/ColorSpace") if resources is not None else None
        if isinstance(named, Dictionary) and str(space) in named:
            return _space_kind(named[str(space)], None)
        return "other"
    if not isinstance(space, Array) or len(space) < 2:
        return "other"
    family = str(space[0])
    if family == "/ICCBased":
        return {1: "gray", 3: "rgb", 4: "cmyk"}.get(int(space[1].get("/N", 0)), "other")
    if family in ("/Indexed", "/I"):
        return _space_kind(space[1], resources)
    if family == "/Separation":
        return "black" if space[1] == Name.Black else "other"
    return _KINDS.get(family, "other")


def _concat(values: list[float], n: Matrix) -> Matrix:
    """The matrix `values` (six numbers, else identity) then n: PDF's CTM' = M x CTM."""
    a, b, c, d, e, f = values if len(values) == 6 else _IDENTITY
    rows = ((a, b, 0.0), (c, d, 0.0), (e, f, 1.0))
    return tuple(r[0] * n[j] + r[1] * n[j + 2] + r[2] * n[j + 4] for r in rows for j in (0, 1))


def _is_k_only(colour: Colour) -> bool:
    kind, values = colour
    return kind in ("gray", "black") or (
        kind == "cmyk" and len(values) == 4 and max(abs(v) for v in values[:3]) < 1e-6
    )


def _sub(resources: Dictionary, category: str, name: object) -> pikepdf.Object | None:
    group = resources.get(category)
    return group.get(str(name)) if isinstance(group, Dictionary) else None


@dataclass
class _State:
    ctm: Matrix
    fill: Colour = ("gray", (0.0,))
    stroke: Colour = ("gray", (0.0,))
    render_mode: int = 0


@dataclass
class _Scan:
    """Walks a page's content, its form XObjects and tiling patterns, and counts problems."""

    trim: Rect
    rgb: Counter[str] = field(default_factory=Counter)
    text_not_k: int = 0
    marks: int = 0
    ink: float = 0.0  # the most ink a CMYK colour of the page lays down, per cent
    fonts: dict[tuple[int, int], Dictionary] = field(default_factory=dict)
    _active: set[tuple[int, int]] = field(default_factory=set)

    def walk(self, holder: pikepdf.Object, resources: object, ctm: Matrix) -> None:
        if holder.objgen in self._active or len(self._active) > 32:  # a cycle, or too deep
            return
        self._active.add(holder.objgen)
        try:
            self._walk(holder, resources, ctm)
        finally:
            self._active.discard(holder.objgen)

    def _walk(self, holder: pikepdf.Object, resources: object, ctm: Matrix) -> None:
        res = resources if isinstance(resources, Dictionary) else Dictionary()
        fonts = res.get("/Font")
        for font in fonts.as_dict().values() if isinstance(fonts, Dictionary) else ():
            if isinstance(font, Dictionary):
                self.fonts.setdefault(font.objgen, font)
        state, stack, path = _State(ctm), list[_State](), list[tuple[float, float]]()
        for item in pikepdf.parse_content_stream(holder):
            if isinstance(item, pikepdf.ContentStreamInlineImage):
                if _space_kind(item.iimage.obj.get("/ColorSpace"), res) == "rgb":
                    self.rgb["RGB inline image"] += 1
                continue
            op, args = str(item.operator), list(item.operands)
            nums = [float(a) for a in args if isinstance(a, int | Decimal)]
            if op == "q":
                stack.append(replace(state))
            elif op == "Q" and stack:
                state = stack.pop()
            elif op == "cm":
                state.ctm = _concat(nums, state.ctm)
            elif op in ("rg", "RG", "g", "G", "k", "K"):
                kind = {"rg": "rgb", "g": "gray", "k": "cmyk"}[op.lower()]
                self._colour(state, op.isupper(), (kind, tuple(nums)), f"{op} operator")
            elif op in ("cs", "CS") and args:
                kind = _space_kind(args[0], res)
                start = (0.0, 0.0, 0.0, 1.0) if kind == "cmyk" else (0.0,)
                self._colour(state, op == "CS", (kind, start), f"{args[0]} colour space")
            elif op in ("sc", "scn", "SC", "SCN"):
                kind = (state.stroke if op.isupper() else state.fill)[0]
                self._colour(state, op.isupper(), (kind, tuple(nums)), f"{op} in an RGB space")
                if kind == "pattern" and args and isinstance(args[-1], Name):
                    self._pattern(_sub(res, "/Pattern", args[-1]), res, state.ctm)
            elif op == "Tr" and nums:
                state.render_mode = int(nums[0])
            elif op in ("Tj", "TJ", "'", '"'):
                used = [state.fill] if state.render_mode in (0, 2, 4, 6) else []
                used += [state.stroke] if state.render_mode in (1, 2, 5, 6) else []
                # RGB text is already counted as P-RGB.
                self.text_not_k += any(c[0] != "rgb" and not _is_k_only(c) for c in used)
            elif op == "Do" and args:
                self._xobject(_sub(res, "/XObject", args[0]), res, state.ctm)
            elif op == "sh" and args:
                self._shading(_sub(res, "/Shading", args[0]), res)
            elif op in ("m", "l", "c", "v", "y"):
                path.extend(zip(nums[0::2], nums[1::2], strict=False))
            elif op == "re" and len(nums) == 4:
                path.extend([(nums[0], nums[1]), (nums[0] + nums[2], nums[1] + nums[3])])
            elif op in _PAINT_OPS:
                self.marks += op != "n" and bool(path) and self._outside_trim(path, state.ctm)
                path = []

    def _colour(self, state: _State, stroke: bool, colour: Colour, what: str) -> None:
        if colour[0] == "rgb":
            self.rgb[what] += 1
        elif colour[0] == "cmyk" and len(colour[1]) == 4:
            registration = stroke and min(colour[1]) > 0.999  # the crop marks' every ink
            self.ink = max(self.ink, 0 if registration else 100 * sum(colour[1]))
        state.stroke, state.fill = (colour, state.fill) if stroke else (state.stroke, colour)

    def _shading(self, shading: object, res: Dictionary) -> None:
        space = shading.get("/ColorSpace") if isinstance(shading, Dictionary | Stream) else None
        if _space_kind(space, res) == "rgb":
            self.rgb["RGB shading"] += 1

    def _xobject(self, xobject: object, res: Dictionary, ctm: Matrix) -> None:
        if not isinstance(xobject, Stream):
            return
        if xobject.get("/Subtype") == Name.Image:
            if _space_kind(xobject.get("/ColorSpace"), res) == "rgb":  # none on image masks
                self.rgb["RGB image"] += 1
            return
        group = xobject.get("/Group")
        if isinstance(group, Dictionary) and _space_kind(group.get("/CS"), res) == "rgb":
            self.rgb["RGB transparency group"] += 1
        matrix = [float(v) for v in xobject.get("/Matrix", Array(_IDENTITY)).as_list()]
        self.walk(xobject, xobject.get("/Resources", res), _concat(matrix, ctm))

    def _pattern(self, pattern: object, res: Dictionary, ctm: Matrix) -> None:
        if isinstance(pattern, Stream):  # a tiling pattern: content of its own
            self.walk(pattern, pattern.get("/Resources", res), ctm)
        elif isinstance(pattern, Dictionary):
            self._shading(pattern.get("/Shading"), res)

    def _outside_trim(self, path: list[tuple[float, float]], ctm: Matrix) -> bool:
        a, b, c, d, e, f = ctm
        xs = [a * x + c * y + e for x, y in path]
        ys = [b * x + d * y + f for x, y in path]
        x0, y0, x1, y1 = self.trim
        return max(xs) <= x0 or min(xs) >= x1 or max(ys) <= y0 or min(ys) >= y1
