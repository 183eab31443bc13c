"""Scanned documents people upload (a candidate's consent, a Partner's authorisation):
PDF, JPEG or PNG, judged by the file's content, never by its name.

Pure functions (standard library and :mod:`election.errors` only), tested on their own.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath, PureWindowsPath

from election.errors import N_

MAX_SCAN_BYTES = 5 * 1024 * 1024

#: Accepted scans: media type by the file's first bytes.
_SCAN_MAGIC = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)

SCAN_EXTENSIONS = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}


def scan_type(data: bytes) -> str | None:
    """The media type of a scan judged by its content, or ``None``."""
    for magic, media_type in _SCAN_MAGIC:
        if data.startswith(magic):
            return media_type
    return None


def scan_problem(data: bytes) -> str | None:
    """Why ``data`` is not an acceptable scan, or ``None``."""
    if not data:
        return N_("Przesłany plik jest pusty.")
    if len(data) > MAX_SCAN_BYTES:
        return N_("Skan może mieć najwyżej 5 MB.")
    if scan_type(data) is None:
        return N_("Skan musi być plikiem PDF, JPEG lub PNG.")
    return None


_UNSAFE_FILENAME = re.compile(r"[^\w.\- ]+")


def safe_filename(filename: str | None, media_type: str, fallback: str = "skan") -> str:
    """A harmless file name for a stored scan: no path, no odd characters, the extension
    of its real type; ``fallback`` when nothing usable is left of the name."""
    name = PureWindowsPath(PurePosixPath(filename or "").name).name
    stem = _UNSAFE_FILENAME.sub("_", name.rsplit(".", 1)[0]).strip(" ._")[:150] or fallback
    return f"{stem}.{SCAN_EXTENSIONS[media_type]}"
