"""External validators (EPUBCheck, DAISY Ace) run on a written edition; each gives Findings."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    """One message of a validator, as the validator gave it.

    `severity` is the validator's own word: FATAL/ERROR/WARNING/USAGE/INFO for EPUBCheck,
    critical/serious/moderate/minor for Ace. `code` is its message or rule id
    (RSC-005, image-alt). `location` is where it points (file:line:col for EPUBCheck).
    """

    validator: str
    severity: str
    code: str
    message: str
    location: str

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        return f"{where}{self.validator} {self.severity} {self.code}: {self.message}"
