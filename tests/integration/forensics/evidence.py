"""What an attacker with the database holds, and how the forensic tests search it.

The evidence is read as the attacker would read it: a SQLite file (with or without its
``-wal``) opened with ``sqlite3``, a backup file, a PostgreSQL dump as text — never
through the app. Each is turned into plain rows (:data:`Tables`: every value as text,
bytes as hex) so one search serves every kind of file:

* :func:`plaintext_findings` — a secret election must leave no plaintext choice: no row of
  ``ballots``/``ballot_choices``, no row that names a voter (its Partner, rep, TERYT or
  email) beside a candidate or a choice-like audit detail, no tracking code outside
  ``encrypted_ballots`` (beside a Partner it would point at the Partner's ciphertext);
* :func:`secret_encodings` / :func:`secret_findings` — the bytes of a secret (the
  election key, a teller's share) in every usual encoding, searched in raw bytes.

The meeting itself (:func:`secret_meeting`, :func:`cast_over_http`) is built the way the
app builds it: reps log in and cast through the pages.
"""

from __future__ import annotations

import base64
import json
import re
import sqlite3
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import MetaData

from election.access import Role
from election.backup.service import pg_binary, pg_environment
from election.extensions import db
from election.partners.models import PartnerGroup
from election.verify import IDENTITY, G, is_valid_point
from tests.factories import (
    PASSWORD,
    adopt_rules,
    freeze_roll,
    make_candidate,
    make_election,
    make_partner,
    make_round,
    make_user,
)
from tests.factories.voting import cast_form, receipt_on
from tests.support.web import login

#: A table's rows, each column's value as text (``None`` for NULL, bytes as hex).
Tables = dict[str, list[dict[str, str | None]]]

#: Audit-detail keys that would say what a ballot says, or which ballot it is.
CHOICE_KEYS = {
    "candidate",
    "candidates",
    "candidate_id",
    "candidate_ids",
    "choice",
    "choices",
    "receipt",
    "tracking_code",
    "ballot",
    "ballot_id",
    "marks",
    "votes",
}
#: What the audit event of a secret vote may say: who, where, how — never what.
CAST_DETAILS = {"election_id", "group", "number", "partner_id", "teryt", "channel", "cast_by_id"}
G_GROUP = PartnerGroup.GMINA
#: Bytes of one position of an encrypted ballot: A, B, c₀, c₁, z₀, z₁.
POSITION_BYTES = 192


# --- the meeting ---------------------------------------------------------------------------


@dataclass
class Voter:
    """A Partner that votes, its rep, and what it chose (known to the test only)."""

    partner_id: int
    user_id: int
    email: str
    teryt: str
    name: str
    choices: tuple[int, ...]
    tracking_code: str = ""


@dataclass
class Meeting:
    election_id: int
    round_id: int
    #: The round's candidates by id: the positions of a ballot after the blank indicator.
    candidate_ids: list[int]
    voters: list[Voter] = field(default_factory=list)


def secret_meeting() -> Meeting:
    """A secret election in voting (server custody) with one open round of gminy.

    Two Partners nominated the three candidates and do not vote; five voting Partners
    each have a rep and a known choice: one candidate, two (both seats), the same
    candidate again, a blank ballot, another candidate. Commits.
    """
    election = make_election("voting")
    assert election.secret
    adopt_rules(election)
    nominating = [make_partner(G_GROUP) for _ in range(2)]
    voting = [make_partner(G_GROUP) for _ in range(5)]
    freeze_roll(election, nominating + voting)
    candidates = [
        make_candidate(election, nominating[i % 2], name)
        for i, name in enumerate(["Anna Nowak", "Łukasz Zieliński", "Piotr Ćwik"])
    ]
    round_ = make_round(election, G_GROUP, candidates, seats=2)
    a, b, c = sorted(cand.id for cand in candidates)
    chosen: list[tuple[int, ...]] = [(a,), (a, b), (a,), (), (c,)]
    meeting = Meeting(election.id, round_.id, [a, b, c])
    for partner, choice in zip(voting, chosen, strict=True):
        rep = make_user(Role.PARTNER_REP, partner=partner, full_name=f"Rep {partner.teryt}")
        meeting.voters.append(
            Voter(partner.id, rep.id, rep.email, partner.teryt, partner.name, choice)
        )
    db.session.commit()
    return meeting


def cast_over_http(app: Flask, meeting: Meeting, voters: Iterable[Voter]) -> None:
    """Each voter's rep logs in and casts its ballot through the pages; the tracking code
    is read from the receipt page the cast answers with."""
    for voter in voters:
        client = app.test_client()
        login(client, voter.email, PASSWORD)
        response = cast_form(
            client, meeting.election_id, meeting.round_id, list(voter.choices), voter.partner_id
        )
        assert response.status_code == 200, response.get_data(as_text=True)[:500]
        code = receipt_on(response.get_data(as_text=True))
        assert code, "no tracking code on the receipt page"
        voter.tracking_code = code


def stored_code(code: str) -> str:
    """A tracking code as the database keeps it (``ABCDE-FGHIJ``)."""
    bare = code.replace("-", "")
    return f"{bare[:5]}-{bare[5:]}"


# --- reading the evidence ------------------------------------------------------------------


def _text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    return str(value)


def sqlite_tables(path: Path) -> Tables:
    """Every row of every table of the SQLite file at ``path`` (with its ``-wal`` if one
    lies beside it), read with ``sqlite3`` alone."""
    conn = sqlite3.connect(path)
    try:
        names = [
            row[0]
            for row in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        tables: Tables = {}
        for name in names:
            cursor = conn.execute(f'SELECT * FROM "{name}"')
            columns = [d[0] for d in cursor.description]
            tables[name] = [
                {c: _text(v) for c, v in zip(columns, row, strict=True)} for row in cursor
            ]
        return tables
    finally:
        conn.close()


_COPY = re.compile(r"^COPY (?:\w+\.)?\"?(\w+)\"? \(([^)]*)\) FROM stdin;$")
_ESCAPES = {"t": "\t", "n": "\n", "r": "\r", "\\": "\\", "b": "\b", "f": "\f", "v": "\v"}


def _unescape(value: str) -> str | None:
    if value == "\\N":
        return None
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), value)


def pg_dump_tables(dump: str) -> Tables:
    """Every row of every table of a plain-text ``pg_dump`` (its ``COPY`` blocks)."""
    tables: Tables = {}
    lines = iter(dump.splitlines())
    for line in lines:
        match = _COPY.match(line)
        if not match:
            continue
        name = match.group(1)
        columns = [c.strip().strip('"') for c in match.group(2).split(",")]
        rows = tables.setdefault(name, [])
        for row in lines:
            if row == "\\.":
                break
            values = [_unescape(v) for v in row.split("\t")]
            rows.append(dict(zip(columns, values, strict=True)))
    return tables


def pg_dump_text(url: str) -> str:
    """``pg_dump`` of the database at ``url`` as plain SQL, as a DBA would take it."""
    return subprocess.run(
        [pg_binary("pg_dump"), "--format=plain", "--no-password"],
        env=pg_environment(url),
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def pg_archive_text(path: Path) -> str:
    """A ``flask backup create`` archive of PostgreSQL (pg_dump's custom format, compressed)
    as the plain SQL it restores to: ``pg_restore -f -`` needs no database."""
    return subprocess.run(
        [pg_binary("pg_restore"), "--file=-", str(path)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def pg_bytes(value: str | None) -> bytes:
    """A ``bytea`` as the dump writes it (``\\x…`` hex); SQLite's blobs come as hex."""
    text = value or ""
    return bytes.fromhex(text[2:] if text.startswith("\\x") else text)


# --- plaintext choices ---------------------------------------------------------------------


def _referring(metadata: MetaData, table: str, target: str) -> set[str]:
    """The columns of ``table`` that hold an id of ``target`` (its own ``id`` included)."""
    found = {"id"} if table == target else set()
    if table in metadata.tables:
        for column in metadata.tables[table].columns:
            if any(fk.column.table.name == target for fk in column.foreign_keys):
                found.add(column.name)
    return found


def _json(value: str | None) -> Any:
    try:
        return json.loads(value or "")
    except ValueError:
        return None


def _keys(value: Any) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def _names(
    row: Mapping[str, str | None], voter: Voter, partner_cols: set[str], user_cols: set[str]
) -> bool:
    """Whether ``row`` names ``voter``: its Partner or rep by id, TERYT, email or name."""
    if any(row.get(c) == str(voter.partner_id) for c in partner_cols):
        return True
    if any(row.get(c) == str(voter.user_id) for c in user_cols):
        return True
    for value in row.values():
        if value is None:
            continue
        if voter.email in value or voter.name in value or re.search(rf"\b{voter.teryt}\b", value):
            return True
        details = _json(value)
        if isinstance(details, dict) and (
            details.get("partner_id") == voter.partner_id
            or details.get("cast_by_id") == voter.user_id
        ):
            return True
    return False


def plaintext_findings(tables: Tables, meeting: Meeting, metadata: MetaData) -> list[str]:
    """Where ``tables`` would tell an attacker how a voter of ``meeting`` voted (empty: nowhere).

    Looks for: any ``ballots`` or ``ballot_choices`` row; a row naming a voter that also
    holds a candidate id or a choice-like detail; a tracking code in any table but
    ``encrypted_ballots``; a ``ballot.cast`` event saying more than who, where and how.
    """
    findings = [
        f"{name}: {len(tables[name])} row(s)"
        for name in ("ballots", "ballot_choices")
        if tables.get(name)
    ]
    codes = [stored_code(v.tracking_code) for v in meeting.voters if v.tracking_code]
    for table, rows in tables.items():
        partner_cols = _referring(metadata, table, "partners")
        user_cols = _referring(metadata, table, "users")
        candidate_cols = _referring(metadata, table, "candidates")
        for row in rows:
            text = " ".join(v for v in row.values() if v is not None)
            if table != "encrypted_ballots":
                findings += [
                    f"{table}: tracking code {c} in {row}"
                    for c in codes
                    if c in text or c.replace("-", "") in text
                ]
            details = [_json(v) for v in row.values()]
            choice_keys = set().union(*(_keys(d) for d in details)) & CHOICE_KEYS
            if table == "audit_events" and row.get("action") == "ballot.cast":
                said = _keys(_json(row.get("details")))
                if not said <= CAST_DETAILS:
                    findings.append(f"ballot.cast says {sorted(said - CAST_DETAILS)}")
            for voter in meeting.voters:
                if not _names(row, voter, partner_cols, user_cols):
                    continue
                held = [c for c in candidate_cols if row.get(c) is not None]
                if held or choice_keys:
                    findings.append(
                        f"{table}: a row naming {voter.name} holds {held or sorted(choice_keys)}"
                    )
    return findings


def ciphertext_findings(tables: Tables, meeting: Meeting) -> list[str]:
    """What is wrong with the stored encrypted ballots, seen without the key: each has the
    round's width, every A and B is a valid point of the group (never the identity, nor
    G — the plaintext in the clear), and no point repeats anywhere, so two ballots with
    the same choice share nothing an attacker could match."""
    findings = []
    width = (1 + len(meeting.candidate_ids)) * POSITION_BYTES
    seen: set[bytes] = set()
    for row in tables.get("encrypted_ballots", []):
        raw = pg_bytes(row["ciphertexts"])
        if len(raw) != width:
            findings.append(f"ballot {row['tracking_code']}: {len(raw)} bytes, not {width}")
            continue
        for offset in range(0, width, POSITION_BYTES):
            for point in (raw[offset : offset + 32], raw[offset + 32 : offset + 64]):
                if not is_valid_point(point) or point in (IDENTITY, G):
                    findings.append(f"ballot {row['tracking_code']}: a point in the clear")
                if point in seen:
                    findings.append(f"ballot {row['tracking_code']}: a point repeats")
                seen.add(point)
    return findings


# --- secrets in any encoding ---------------------------------------------------------------


def _base64_inner(secret: bytes, shift: int, alphabet: bytes | None) -> bytes:
    """The characters of base64 that depend on ``secret``'s bytes alone when it starts
    ``shift`` bytes into a longer stream (so it is found wherever it sits)."""
    encoded = base64.b64encode(bytes(shift) + secret + bytes(3), altchars=alphabet)
    first = -(-8 * shift // 6)
    last = (8 * (shift + len(secret))) // 6
    return encoded[first:last]


def secret_encodings(secret: bytes) -> dict[str, bytes]:
    """``secret`` as it could sit in a file: raw (either byte order), hex in both cases,
    base64 (standard and URL-safe, at any alignment), decimal."""
    found = {
        "raw": secret,
        "raw, reversed": secret[::-1],
        "hex": secret.hex().encode(),
        "HEX": secret.hex().upper().encode(),
        "hex, reversed": secret[::-1].hex().encode(),
        "HEX, reversed": secret[::-1].hex().upper().encode(),
        "decimal (little-endian)": str(int.from_bytes(secret, "little")).encode(),
        "decimal (big-endian)": str(int.from_bytes(secret, "big")).encode(),
    }
    for shift in range(3):
        found[f"base64 @{shift}"] = _base64_inner(secret, shift, None)
        found[f"base64url @{shift}"] = _base64_inner(secret, shift, b"-_")
    return found


def secret_findings(blob: bytes, secret: bytes) -> list[str]:
    """The encodings of ``secret`` that ``blob`` holds (empty: none)."""
    return [name for name, encoded in secret_encodings(secret).items() if encoded in blob]


def files_holding(root: Path, secret: bytes) -> dict[str, list[str]]:
    """Every file under ``root`` that holds ``secret`` in some encoding, and which."""
    return {
        str(path.relative_to(root)): hits
        for path in sorted(root.rglob("*"))
        if path.is_file() and (hits := secret_findings(path.read_bytes(), secret))
    }
