"""Pure rules of elections: the motion's majority, the Regulamin file, local times."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from zoneinfo import ZoneInfo

from election.errors import N_

#: The meeting is held in Poland; times typed by people are Warsaw times.
WARSAW = ZoneInfo("Europe/Warsaw")

#: The largest Regulamin PDF accepted.
MAX_PDF_BYTES = 5 * 1024 * 1024
PDF_MAGIC = b"%PDF-"


def motion_adopted(yes: int, no: int, abstain: int, rule: str) -> bool:
    """Whether a motion passes under ``rule`` (a ``MajorityRule`` value).

    Simple majority: more yes than no among the votes cast (abstentions do not
    count). Absolute majority: more yes than no and abstain together. No votes at
    all never adopt anything.
    """
    if min(yes, no, abstain) < 0:
        raise ValueError("negative vote count")
    if rule not in ("simple", "absolute"):
        raise ValueError(f"unknown majority rule {rule!r}")
    if rule == "absolute":
        return yes > no + abstain
    return yes > no


def pdf_problem(data: bytes, filename: str) -> str | None:
    """Why ``data`` named ``filename`` is not an acceptable Regulamin PDF, or ``None``.

    The extension and the file's first bytes must both say PDF: a renamed Word
    document or an HTML page named ``.pdf`` is refused.
    """
    if not data:
        return N_("Plik jest pusty.")
    if len(data) > MAX_PDF_BYTES:
        return N_("Plik jest za duży (najwyżej 5 MB).")
    if not filename.lower().endswith(".pdf"):
        return N_("Plik musi mieć rozszerzenie .pdf.")
    if not data.startswith(PDF_MAGIC):
        return N_("To nie jest plik PDF.")
    return None


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_pdf_filename(filename: str) -> str:
    """A download name safe in a ``Content-Disposition`` header.

    Keeps the base name only, folds Polish letters to ASCII (ł → l too) and replaces
    anything else with ``_``; never empty, always ending in ``.pdf``.
    """
    base = re.split(r"[\\/]", filename or "")[-1]
    if base.lower().endswith(".pdf"):
        base = base[:-4]
    folded = unicodedata.normalize("NFKD", base.replace("ł", "l").replace("Ł", "L"))
    ascii_name = folded.encode("ascii", "ignore").decode("ascii")
    name = _UNSAFE.sub("_", ascii_name).strip("._")[:100]
    return f"{name or 'regulamin'}.pdf"


def warsaw_to_utc(value: dt.datetime) -> dt.datetime:
    """A naive wall-clock time in Warsaw as an aware UTC timestamp."""
    if value.tzinfo is not None:
        return value.astimezone(dt.UTC)
    return value.replace(tzinfo=WARSAW).astimezone(dt.UTC)


def utc_to_warsaw(value: dt.datetime) -> dt.datetime:
    """An aware timestamp as a naive wall-clock time in Warsaw (for form fields)."""
    return value.astimezone(WARSAW).replace(tzinfo=None)
