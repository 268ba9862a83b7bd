"""One measurement, in a process of its own: `python -m bench.measure KIND SOURCE WORK`.

Each run imports everything first and measures only the work, so every figure is the
same kind of figure: wall time from a clock read in the process, and peak memory as the
process's peak resident set (VmHWM), which counts what WeasyPrint's C libraries hold
too (tracemalloc would not). Linux lets a process reset that peak (`clear_refs` 5), so
each stage of a build gets its own. It prints one JSON object on its last line.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from publish.build.pipeline import ORDER, build
from publish.layout.interior import SHEETS, interior
from publish.render.html import font_css
from publish.resources import STYLES
from publish.source.fonts import shipped_faces
from publish.source.load import load_book
from publish.stage import Job


def peak_mb() -> float:
    status = Path("/proc/self/status").read_text()
    return int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024  # type: ignore[union-attr]


def cpu() -> float:
    """CPU seconds of this process and its children (qpdf): steadier than wall time on a
    shared machine, where other guests take the CPU now and then."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")


class Stages:
    """Time and peak memory of each stage of a build, from its progress messages."""

    def __init__(self) -> None:
        self.stages: list[dict[str, Any]] = []
        reset_peak()
        self.started = self.last = time.perf_counter()
        self.cpu = cpu()

    def __call__(self, stage: str) -> None:
        self._close()
        self.stages.append({"stage": stage})

    def _close(self) -> None:
        now = time.perf_counter()
        if self.stages:
            self.stages[-1].update(seconds=now - self.last, peak_mb=peak_mb())
        reset_peak()
        self.last = now

    def done(self) -> dict[str, Any]:
        self._close()
        return {"seconds": self.last - self.started, "cpu_seconds": cpu() - self.cpu,
                "stages": self.stages,
                "peak_mb": max((s["peak_mb"] for s in self.stages), default=0.0)}


def measure_build(source: Path, out: Path, formats: list[str], cache: bool) -> dict[str, Any]:
    stages = Stages()
    built = build(source, out, formats, progress=stages, cache=cache)
    return {**stages.done(), "pages": built.summary.pages, "reused": built.reused}


def measure_baseline(source: Path, out: Path) -> dict[str, Any]:
    """WeasyPrint alone: the same interior HTML and CSS, the same shipped fonts, to a PDF."""
    book = load_book(source)
    job = Job(book=book, faces=shipped_faces(), epoch=int(os.environ["SOURCE_DATE_EPOCH"]))
    html, page_css = interior(job)
    reset_peak()
    started, used = time.perf_counter(), cpu()
    fonts = FontConfiguration()
    profiles: dict[str, Any] = {}
    shared = {"font_config": fonts, "color_profiles": profiles}
    css = [CSS(string=font_css(job.faces, lambda face: face.file.as_uri()), **shared),
           *(CSS(filename=STYLES / name, **shared) for name in SHEETS),
           CSS(string=page_css, **shared)]
    document = HTML(string=html, base_url=str(source.resolve()) + "/").render(
        stylesheets=css, font_config=fonts, color_profiles=profiles)
    pdf = document.write_pdf(pdf_variant="pdf/x-4")
    seconds, used = time.perf_counter() - started, cpu() - used
    out.mkdir(parents=True, exist_ok=True)
    (out / "baseline.pdf").write_bytes(pdf)
    return {"seconds": seconds, "cpu_seconds": used, "peak_mb": peak_mb(),
            "pages": len(document.pages)}


def measure_command(command: list[str]) -> dict[str, Any]:
    """A whole command, start to end, as a user runs it."""
    started = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return {"seconds": time.perf_counter() - started}


def pandoc(source: Path, out: Path) -> dict[str, Any]:
    """Pandoc's EPUB of the same Markdown files, in reading order."""
    import pypandoc

    book = load_book(source)
    out.mkdir(parents=True, exist_ok=True)
    texts = [str(source / "text" / Path(part.source).name) for part in book.parts]
    return measure_command([pypandoc.get_pandoc_path(), "--from", "markdown", "--to", "epub3",
                            "--metadata", f"title={book.meta.title.text}",
                            "--output", str(out / "pandoc.epub"), *texts])


def main(kind: str, source: Path, work: Path) -> dict[str, Any]:
    out = work / "dist"
    if kind == "build":  # a first build: nothing in the cache
        return measure_build(source, out, ORDER, cache=True)
    if kind == "rebuild":  # the same, again: everything in the cache
        return measure_build(source, out, ORDER, cache=True)
    if kind == "epub":
        return measure_build(source, work / "epub", ["epub"], cache=False)
    if kind == "epub-command":
        return measure_command([str(Path(sys.executable).parent / "publish"), "build",
                                str(source), "-o", str(work / "epub-command"),
                                "--format", "epub", "--no-cache"])
    if kind == "baseline":
        return measure_baseline(source, work / "baseline")
    if kind == "pandoc":
        return pandoc(source, work / "pandoc")
    raise SystemExit(f"unknown measurement: {kind}")


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3]))))
