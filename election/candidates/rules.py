"""Candidates: the identity of a person and the checks of nomination data.

Names are cleaned, folded and sorted by :mod:`election.collation`.

Pure functions (standard library and :mod:`election.errors` only), tested on their own.
"""

from __future__ import annotations

import re

from election import scans
from election.collation import clean_name, fold
from election.errors import N_

# Consent scans are checked like every scan (election/scans.py).
from election.scans import MAX_SCAN_BYTES, SCAN_EXTENSIONS, scan_problem, scan_type  # noqa: F401


def person_key(full_name: str) -> str:
    """The key identifying a person in one election: case, spaces and diacritics folded.

    "Łukasz  ŻAK" and "lukasz zak" are the same person; the database refuses a
    second standing nomination with the same key (``uq_candidates_election_person``).
    """
    return fold(full_name)


# --- checks of nomination data ------------------------------------------------------------

MAX_NAME = 200
MAX_POSITION = 200
MAX_STATEMENT = 1000
MAX_REASON = 500

_MARKUP = re.compile(r"[<>]")
_CONTROL_LINE = re.compile(r"[\x00-\x1f\x7f]")
_CONTROL_TEXT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_NAME_CHARS = re.compile(r"^[^\W\d_]+(?:['’-][^\W\d_]+)*\.?$")


def name_problem(full_name: str) -> str | None:
    """Why ``full_name`` is not a usable candidate's name, or ``None``.

    At least a first name and a surname, letters with hyphens or apostrophes inside.
    """
    name = clean_name(full_name)
    if not name:
        return N_("Podaj imię i nazwisko kandydata.")
    if len(name) > MAX_NAME:
        return N_("Imię i nazwisko może mieć najwyżej 200 znaków.")
    if _MARKUP.search(name) or _CONTROL_LINE.search(full_name):
        return N_("Pole nie może zawierać znaków < > ani znaków sterujących.")
    words = name.split(" ")
    if len(words) < 2:
        return N_("Podaj imię i nazwisko kandydata (co najmniej dwa wyrazy).")
    if not all(_NAME_CHARS.match(word) for word in words):
        return N_("Imię i nazwisko może zawierać tylko litery, spacje, łączniki i apostrofy.")
    return None


def line_problem(value: str, *, max_length: int, required: bool = True) -> str | None:
    """Why a one-line text (a position, a reason) is not acceptable, or ``None``."""
    text = value.strip()
    if required and not text:
        return N_("To pole jest wymagane.")
    if len(text) > max_length:
        return N_("Tekst może mieć najwyżej %(max)s znaków.")
    if _MARKUP.search(text) or _CONTROL_LINE.search(text):
        return N_("Pole nie może zawierać znaków < > ani znaków sterujących.")
    return None


def statement_problem(value: str) -> str | None:
    """Why a candidate's statement (several lines allowed) is not acceptable, or ``None``."""
    text = value.strip()
    if len(text) > MAX_STATEMENT:
        return N_("Krótka informacja o kandydacie może mieć najwyżej 1000 znaków.")
    if _MARKUP.search(text) or _CONTROL_TEXT.search(text):
        return N_("Pole nie może zawierać znaków < > ani znaków sterujących.")
    return None


def safe_filename(filename: str | None, media_type: str) -> str:
    """A harmless file name for a stored consent scan (:func:`election.scans.safe_filename`)."""
    return scans.safe_filename(filename, media_type, "zgoda")
