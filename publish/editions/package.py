"""What a built EPUB's package document declares about itself, read back from the file
written: the records describe the EPUB as it is, not as the writer meant it."""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from lxml import etree

OPF_NS = {"opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/"}


@dataclass(frozen=True)
class Package:
    """What the EPUB's package document declares about itself."""

    version: str
    access_modes_sufficient: tuple[str, ...] = ()
    features: tuple[str, ...] = ()
    hazards: tuple[str, ...] = ()
    summary: str = ""
    conforms_to: tuple[str, ...] = ()


def read_package(epub: bytes) -> Package:
    """Read the OPF of a built EPUB: the records describe the file that was written."""
    with zipfile.ZipFile(io.BytesIO(epub)) as archive:
        container = etree.fromstring(archive.read("META-INF/container.xml"))
        path = container.xpath("string(//*[local-name()='rootfile']/@full-path)")
        opf = etree.fromstring(archive.read(str(path)))

    def values(prop: str) -> tuple[str, ...]:
        found = opf.xpath(f"//opf:metadata/opf:meta[@property='{prop}']/text()",
                          namespaces=OPF_NS)
        return tuple(str(v).strip() for v in found)

    summary = values("schema:accessibilitySummary")
    return Package(version=str(opf.get("version", "")),
                   access_modes_sufficient=values("schema:accessModeSufficient"),
                   features=values("schema:accessibilityFeature"),
                   hazards=values("schema:accessibilityHazard"),
                   summary=summary[0] if summary else "",
                   conforms_to=values("dcterms:conformsTo"))
