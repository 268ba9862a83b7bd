"""The validator runners really run the validators, and really see problems.

Tiny EPUBs are written here with zipfile: one valid EPUB 3 with the accessibility metadata
Ace asks for, and copies broken on purpose. EPUBCheck needs java, Ace needs node, chromium and
`tools/ace/node_modules` (`cd tools/ace && npm ci --ignore-scripts`); when one is missing these
tests fail with the fix to apply, they are not skipped.
"""

from __future__ import annotations

import os
import stat
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest

from publish.checks import Finding
from publish.checks.ace import findings_from_report, run_ace
from publish.checks.epubcheck import findings_from_report as epubcheck_findings
from publish.checks.epubcheck import run_epubcheck
from publish.errors import EnvironmentProblem, OutputError

ACE_DIR = Path(__file__).resolve().parents[1] / "tools" / "ace"
SERIOUS = {"FATAL", "ERROR", "WARNING"}

CONTAINER = """<?xml version="1.0" encoding="UTF-8"?>
<container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">
  <rootfiles>
    <rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>
  </rootfiles>
</container>
"""

OPF = """<?xml version="1.0" encoding="UTF-8"?>
<package xmlns="http://www.idpf.org/2007/opf" version="3.0" unique-identifier="uid"
         xml:lang="en">
  <metadata xmlns:dc="http://purl.org/dc/elements/1.1/">
    <dc:identifier id="uid">urn:uuid:0b5a3a5e-6f0c-4c1e-9d4f-2f6a1c9e8b7d</dc:identifier>
    <dc:title>A Probe</dc:title>
    <dc:language>en</dc:language>
    <meta property="dcterms:modified">2025-01-01T00:00:00Z</meta>
    <meta property="schema:accessMode">textual</meta>
    <meta property="schema:accessMode">visual</meta>
    <meta property="schema:accessModeSufficient">textual</meta>
    <meta property="schema:accessibilityFeature">alternativeText</meta>
    <meta property="schema:accessibilityFeature">structuralNavigation</meta>
    <meta property="schema:accessibilityFeature">tableOfContents</meta>
    <meta property="schema:accessibilityHazard">none</meta>
    <meta property="schema:accessibilitySummary">Text with headings, a table of contents and
      one described image.</meta>
    <meta property="dcterms:conformsTo">EPUB Accessibility 1.1 - WCAG 2.2 Level AA</meta>
  </metadata>
  <manifest>
    <item id="nav" href="nav.xhtml" media-type="application/xhtml+xml" properties="nav"/>
    <item id="c1" href="c1.xhtml" media-type="application/xhtml+xml"/>
    <item id="dot" href="images/dot.svg" media-type="image/svg+xml"/>
  </manifest>
  <spine>
    <itemref idref="c1"/>
  </spine>
</package>
"""

NAV = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops"
      lang="en" xml:lang="en">
<head><title>Contents</title></head>
<body>
  <nav epub:type="toc" id="toc" role="doc-toc">
    <h1>Contents</h1>
    <ol><li><a href="c1.xhtml">Chapter One</a></li></ol>
  </nav>
</body>
</html>
"""

CHAPTER = """<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html>
<html xmlns="http://www.w3.org/1999/xhtml" xmlns:epub="http://www.idpf.org/2007/ops"
      lang="en" xml:lang="en">
<head><title>Chapter One</title></head>
<body>
  <section>
    <h1>Chapter One</h1>
    <p>It was a bright cold day, and the dot below is black.</p>
    <p><img src="images/dot.svg" alt="A black dot."/></p>
  </section>
</body>
</html>
"""

DOT = """<?xml version="1.0" encoding="UTF-8"?>
<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" viewBox="0 0 10 10">
  <circle cx="5" cy="5" r="4"/>
</svg>
"""


def write_epub(path: Path, files: dict[str, str]) -> Path:
    """An EPUB zip: `mimetype` first and stored, the rest deflated, fixed dates."""
    with zipfile.ZipFile(path, "w") as epub:
        mimetype = zipfile.ZipInfo("mimetype", date_time=(2025, 1, 1, 0, 0, 0))
        epub.writestr(mimetype, "application/epub+zip", compress_type=zipfile.ZIP_STORED)
        for name, text in files.items():
            info = zipfile.ZipInfo(name, date_time=(2025, 1, 1, 0, 0, 0))
            epub.writestr(info, text.encode("utf-8"), compress_type=zipfile.ZIP_DEFLATED)
    return path


def book_files(*, opf: str = OPF, chapter: str = CHAPTER) -> dict[str, str]:
    return {
        "META-INF/container.xml": CONTAINER,
        "OEBPS/content.opf": opf,
        "OEBPS/nav.xhtml": NAV,
        "OEBPS/c1.xhtml": chapter,
        "OEBPS/images/dot.svg": DOT,
    }


def replaced(text: str, old: str, new: str) -> str:
    """`text` with `old` replaced, failing loudly if `old` is not there (a broken fixture)."""
    assert old in text, f"fixture does not contain {old!r}"
    return text.replace(old, new)


@pytest.fixture(scope="module")
def epubs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("epubs")
    # EPUBCheck errors: a manifest item whose file is not in the zip (RSC-001) and a link
    # to a page that does not exist (RSC-007).
    broken_opf = replaced(
        OPF,
        '<item id="dot"',
        '<item id="ghost" href="ghost.xhtml" media-type="application/xhtml+xml"/>\n'
        '    <item id="dot"',
    )
    broken_chapter = replaced(
        CHAPTER, "<p>It was", '<p><a href="nowhere.xhtml">Elsewhere</a>.</p>\n    <p>It was'
    )
    # Accessibility failures that EPUBCheck does not look for: no alt text, no language.
    inaccessible = replaced(CHAPTER, ' alt="A black dot."', "")
    inaccessible = replaced(inaccessible, '\n      lang="en" xml:lang="en"', "")
    return {
        "valid": write_epub(root / "valid.epub", book_files()),
        "broken": write_epub(
            root / "broken.epub", book_files(opf=broken_opf, chapter=broken_chapter)
        ),
        "inaccessible": write_epub(root / "inaccessible.epub", book_files(chapter=inaccessible)),
    }


# EPUBCheck, really run


def test_epubcheck_finds_nothing_in_a_valid_epub(epubs: dict[str, Path]) -> None:
    findings = run_epubcheck(epubs["valid"])
    assert findings == [], "\n".join(map(str, findings))


def test_epubcheck_reports_a_missing_file_and_a_broken_link(epubs: dict[str, Path]) -> None:
    findings = run_epubcheck(epubs["broken"])
    assert {f.validator for f in findings} == {"epubcheck"}
    errors = {(f.code, f.severity) for f in findings}
    assert ("RSC-001", "ERROR") in errors, findings
    assert ("RSC-007", "ERROR") in errors, findings
    missing = next(f for f in findings if f.code == "RSC-001")
    assert "ghost.xhtml" in missing.message
    link = next(f for f in findings if f.code == "RSC-007")
    assert "nowhere.xhtml" in link.message
    # file:line:col of the <a> in the chapter
    path, line, column = link.location.split(":")
    assert path == "OEBPS/c1.xhtml"
    assert int(line) > 0
    assert int(column) > 0


# Ace, really run


def test_ace_finds_nothing_in_an_accessible_epub(epubs: dict[str, Path], tmp_path: Path) -> None:
    findings = run_ace(epubs["valid"], tmp_path, ace_dir=ACE_DIR)
    assert findings == [], "\n".join(map(str, findings))
    assert (tmp_path / "ace" / "report" / "report.json").is_file()


def test_ace_reports_missing_alt_text_and_language(epubs: dict[str, Path], tmp_path: Path) -> None:
    findings = run_ace(epubs["inaccessible"], tmp_path, ace_dir=ACE_DIR)
    found = {(f.code, f.severity) for f in findings}
    assert ("image-alt", "critical") in found, findings
    assert ("html-has-lang", "serious") in found, findings
    assert {f.validator for f in findings} == {"ace"}
    assert all(f.location.startswith("c1.xhtml") for f in findings), findings
    # The same book again gives the same findings.
    assert run_ace(epubs["inaccessible"], tmp_path, ace_dir=ACE_DIR) == findings


# What the machine lacks is named, with the fix


def test_missing_java_names_the_debian_package(
    epubs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(EnvironmentProblem) as caught:
        run_epubcheck(epubs["valid"])
    assert caught.value.code == "E-ENV-JAVA"
    assert "apt-get install default-jre-headless" in caught.value.fix


def test_missing_node_names_the_debian_packages(
    epubs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(EnvironmentProblem) as caught:
        run_ace(epubs["valid"], tmp_path, ace_dir=ACE_DIR)
    assert caught.value.code == "E-ENV-NODE"
    assert "apt-get install nodejs npm" in caught.value.fix


def test_missing_chromium_names_the_debian_package(
    epubs: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("PUBLISH_CHROMIUM", raising=False)
    with pytest.raises(EnvironmentProblem) as caught:
        run_ace(epubs["valid"], tmp_path, ace_dir=ACE_DIR, node="/usr/bin/node")
    assert caught.value.code == "E-ENV-CHROMIUM"
    assert "apt-get install chromium" in caught.value.fix


def test_missing_ace_install_says_how_to_install_it(epubs: dict[str, Path], tmp_path: Path) -> None:
    with pytest.raises(EnvironmentProblem) as caught:
        run_ace(
            epubs["valid"], tmp_path, ace_dir=tmp_path / "no-ace", node="node", chromium=__file__
        )
    assert caught.value.code == "E-ENV-ACE"
    assert "npm ci --ignore-scripts" in caught.value.fix


# Ace must not hang


def _executable(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return True
    return state in {"Z", "X"}  # killed, waiting to be reaped by init


def test_a_hanging_ace_is_stopped_with_its_children(epubs: dict[str, Path], tmp_path: Path) -> None:
    pid_file = tmp_path / "child.pid"
    # Stands in for node: starts a child (as Ace starts chromium) and never finishes.
    fake_node = _executable(
        tmp_path / "bin" / "node", f'#!/bin/sh\nsleep 120 &\necho $! > "{pid_file}"\nwait\n'
    )
    fake_ace = tmp_path / "fake-ace"
    _executable(fake_ace / "node_modules" / "@daisy" / "ace" / "bin" / "ace-puppeteer.js", "")
    started = time.monotonic()
    with pytest.raises(OutputError) as caught:
        run_ace(
            epubs["valid"],
            tmp_path / "work",
            ace_dir=fake_ace,
            node=str(fake_node),
            chromium=str(fake_node),
            timeout=2,
        )
    assert time.monotonic() - started < 30
    assert caught.value.code == "E-OUT-ACE-TIMEOUT"
    child = int(pid_file.read_text())
    deadline = time.monotonic() + 5
    while not _gone(child) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _gone(child), f"process {child} started by the hanging Ace is still running"


def test_a_failing_ace_is_an_output_error(epubs: dict[str, Path], tmp_path: Path) -> None:
    fake_node = _executable(tmp_path / "bin" / "node", "#!/bin/sh\necho 'it broke' >&2\nexit 1\n")
    fake_ace = tmp_path / "fake-ace"
    _executable(fake_ace / "node_modules" / "@daisy" / "ace" / "bin" / "ace-puppeteer.js", "")
    with pytest.raises(OutputError) as caught:
        run_ace(
            epubs["valid"],
            tmp_path / "work",
            ace_dir=fake_ace,
            node=str(fake_node),
            chromium=str(fake_node),
        )
    assert caught.value.code == "E-OUT-ACE"
    assert "it broke" in caught.value.message


# Reading the reports


def test_ace_report_reading_keeps_only_failures() -> None:
    def leaf(outcome: str, rule: str, impact: str) -> dict[str, object]:
        return {
            "@type": "earl:assertion",
            "earl:result": {
                "earl:outcome": outcome,
                "dct:description": f"{rule} went wrong\nsecond line",
                "earl:pointer": {"css": ["body > p"]},
            },
            "earl:test": {"earl:impact": impact, "dct:title": rule},
        }

    report = {
        "earl:result": {"earl:outcome": "fail"},
        "assertions": [
            {
                "earl:testSubject": {"url": "/OEBPS/a.xhtml"},
                "earl:result": {"earl:outcome": "fail"},
                "assertions": [
                    leaf("pass", "color-contrast", "serious"),
                    leaf("fail", "image-alt", "critical"),
                ],
            },
            {
                "earl:testSubject": {"url": "OEBPS/content.opf"},
                "earl:result": {"earl:outcome": "fail"},
                "assertions": [leaf("fail", "metadata-accessmode", "Moderate")],
            },
        ],
    }
    assert findings_from_report(report) == [
        Finding("ace", "critical", "image-alt", "image-alt went wrong", "OEBPS/a.xhtml (body > p)"),
        Finding(
            "ace",
            "moderate",
            "metadata-accessmode",
            "metadata-accessmode went wrong",
            "OEBPS/content.opf (body > p)",
        ),
    ]


def test_epubcheck_message_reading_gives_one_finding_per_location() -> None:
    messages: list[dict[str, Any]] = [
        {
            "ID": "RSC-012",
            "severity": "ERROR",
            "message": "Fragment identifier is not defined.",
            "locations": [
                {"path": "OEBPS/a.xhtml", "line": 3, "column": 7},
                {"path": "OEBPS/b.xhtml", "line": 9, "column": 2},
            ],
        },
        {
            "ID": "PKG-010",
            "severity": "WARNING",
            "message": "Filename  contains\nspaces",
            "locations": [],
        },
        {
            "ID": "RSC-001",
            "severity": "ERROR",
            "message": "Missing.",
            "locations": [{"path": "OEBPS/x.css", "line": -1, "column": -1}],
        },
    ]
    assert [(f.severity, f.code, f.location) for f in epubcheck_findings(messages)] == [
        ("ERROR", "RSC-012", "OEBPS/a.xhtml:3:7"),
        ("ERROR", "RSC-012", "OEBPS/b.xhtml:9:2"),
        ("WARNING", "PKG-010", ""),
        ("ERROR", "RSC-001", "OEBPS/x.css"),
    ]
    assert epubcheck_findings(messages)[2].message == "Filename contains spaces"


def test_no_process_of_the_runs_is_left(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Nothing started by the runs above (chromium, node) outlives them.

    Every process they start has this session's temporary directory on its command line
    (chromium's profile, Ace's script is run on a book there).
    """
    base = str(tmp_path_factory.getbasetemp())
    leftovers = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            cmdline = (proc / "cmdline").read_bytes().decode("utf-8", "replace")
        except OSError:
            continue
        if base in cmdline and not _gone(int(proc.name)):
            leftovers.append(cmdline.replace("\0", " ")[:200])
    assert leftovers == []
