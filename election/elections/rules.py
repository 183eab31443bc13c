"""Pure rules of elections: the motion's majority, the quorum, the Regulamin file, local
times."""

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


def quorum_applies(attempt: int = 1, waived_from: int | None = None) -> bool:
    """Whether the quorum applies to a group's round at ``attempt``.

    ``attempt`` is 1 for a first round or a runoff, and one more for each round right
    before it that was invalid (a repeat after a round without quorum is attempt 2).
    ``waived_from`` is the election's ``quorum_waived_from``, the Regulamin's way out
    of a quorum never met: from that attempt on the quorum no longer applies.
    """
    return waived_from is None or attempt < waived_from


def required_ballots(
    roll: int, quorum_percent: int | None, *, attempt: int = 1, waived_from: int | None = None
) -> int:
    """The fewest ballots that meet the quorum of a round with a roll of ``roll``
    (0 when no quorum applies): ⌈quorum_percent · roll / 100⌉, in integers.

    The one quorum rule: the tally decides a round's validity with it
    (:func:`quorum_met`) and the chair's attendance view shows it ("28 needed").
    """
    if quorum_percent is None or not quorum_applies(attempt, waived_from):
        return 0
    return -(-quorum_percent * roll // 100)


def quorum_met(
    turnout: int,
    roll: int,
    quorum_percent: int | None,
    *,
    attempt: int = 1,
    waived_from: int | None = None,
) -> bool:
    """Whether ``turnout`` ballots out of a roll of ``roll`` reach ``quorum_percent`` %.

    Integer arithmetic, so 50 % of a roll of 3 needs 2 ballots. No quorum set, or the
    quorum waived from this ``attempt`` on (:func:`quorum_applies`): always met.
    """
    return turnout >= required_ballots(
        roll, quorum_percent, attempt=attempt, waived_from=waived_from
    )


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
