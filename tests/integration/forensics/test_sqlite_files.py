"""Forensics on SQLite: what someone who copies the database's files learns of a secret vote.

A fresh installation laid out as in production (``<instance>/election.db`` beside
``<instance>/ballot-box/``); five reps cast known choices through the pages. The attacker
takes what the issue's attacker took: the database file and its ``-wal`` copied **while
the app holds them open**, a ``flask backup create`` taken **mid-round**, and the files
again after the round was counted. Each is read with ``sqlite3`` alone, and searched raw.

What they hold: no plaintext choice anywhere; every ballot a ciphertext whose points
never repeat (the same choice twice looks like two unrelated ballots); and not the
election key, in any encoding. The WAL does tell the order of casting — the attack of
the issue pairs each ballot with its Partner, and still learns nothing: only the key
reads a ballot, and the key lives in one file of the instance folder only.

Run when the suite runs on SQLite (its own files; the PostgreSQL run has
``test_postgres_dump.py``).
"""

from __future__ import annotations

import base64
import copy
import subprocess
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import Flask
from flask_migrate import upgrade

from election import create_app
from election.extensions import db
from election.voting import rounds
from election.voting.models import EncryptedBallot, Round
from tests.factories import SYSTEM
from tests.factories.voting import decrypt_marks
from tests.integration.forensics.evidence import (
    Meeting,
    Tables,
    cast_over_http,
    ciphertext_findings,
    files_holding,
    pg_bytes,
    plaintext_findings,
    secret_findings,
    secret_meeting,
    sqlite_tables,
    stored_code,
)
from tests.support.app import app_config


@dataclass
class Evidence:
    """What the attacker took, and what the test knows."""

    meeting: Meeting
    key: bytes
    instance: Path
    #: Raw bytes of each file taken.
    blobs: dict[str, bytes] = field(default_factory=dict)
    #: Each copy as ``sqlite3`` reads it.
    tables: dict[str, Tables] = field(default_factory=dict)
    #: Tracking codes in the order the reps cast.
    cast_order: list[str] = field(default_factory=list)


def _take(source: Path, folder: Path, *, with_wal: bool) -> Path:
    """Copy the database file (and its WAL) into a folder of its own, as found."""
    folder.mkdir(parents=True)
    target = folder / source.name
    # By another process, as a thief would: closing a descriptor of the live file here
    # would drop the POSIX locks this process's SQLite connections hold on it.
    subprocess.run(["cp", str(source), str(target)], check=True)
    if with_wal:
        subprocess.run(["cp", f"{source}-wal", f"{target}-wal"], check=True)
    return target


@pytest.fixture(scope="module")
def evidence(
    database_url: str, smtp_server: tuple[object, int], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Evidence]:
    if not database_url.startswith("sqlite"):
        pytest.skip("SQLite's files; the PostgreSQL run checks pg_dump (test_postgres_dump.py)")
    instance = tmp_path_factory.mktemp("server") / "instance"
    database = instance / "election.db"
    app: Flask = create_app(app_config(f"sqlite:///{database}", str(instance), smtp_server[1]))
    taken = tmp_path_factory.mktemp("taken")
    try:
        with app.app_context():
            upgrade()
            meeting = secret_meeting()
        key = (instance / "ballot-box" / f"election-{meeting.election_id}-key").read_bytes()
        found = Evidence(meeting, key, instance)

        cast_over_http(app, meeting, meeting.voters[:2])
        backup = taken / "mid-round.backup"
        created = app.test_cli_runner().invoke(args=["backup", "create", str(backup)])
        assert created.exit_code == 0, created.output
        cast_over_http(app, meeting, meeting.voters[2:])
        found.cast_order = [stored_code(v.tracking_code) for v in meeting.voters]

        with app.app_context(), db.engine.connect():
            # The app holds the database open (a pooled connection, and this one): the
            # WAL is there, not yet checkpointed into the file.
            assert Path(f"{database}-wal").stat().st_size > 0
            alone = _take(database, taken / "alone", with_wal=False)
            with_wal = _take(database, taken / "with-wal", with_wal=True)
        found.blobs = {
            "election.db": alone.read_bytes(),
            "election.db-wal": Path(f"{with_wal}-wal").read_bytes(),
            "mid-round backup": backup.read_bytes(),
        }
        found.tables = {
            "the file alone": sqlite_tables(alone),
            "the file with its WAL": sqlite_tables(with_wal),
            "the backup taken mid-round": sqlite_tables(
                _take(backup, taken / "backup", with_wal=False)
            ),
        }

        with app.app_context():
            # The round closes and is counted with the server's key, in one transaction.
            rounds.close_round(db.session, SYSTEM, db.session.get_one(Round, meeting.round_id))
            db.session.commit()
            with db.engine.connect():
                counted = _take(database, taken / "counted", with_wal=True)
        found.blobs["election.db after counting"] = counted.read_bytes()
        found.blobs["election.db-wal after counting"] = Path(f"{counted}-wal").read_bytes()
        found.tables["the files after counting"] = sqlite_tables(counted)
        yield found
    finally:
        with app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_no_copy_holds_a_plaintext_choice_or_a_link_from_a_partner_to_a_choice(evidence):
    with_wal = evidence.tables["the file with its WAL"]
    assert len(with_wal["encrypted_ballots"]) == 5 and len(with_wal["roll_marks"]) == 5
    backup = evidence.tables["the backup taken mid-round"]
    assert len(backup["encrypted_ballots"]) == 2 and len(backup["roll_marks"]) == 2
    for name, tables in evidence.tables.items():
        # (The file alone may hold little or nothing yet: until a checkpoint, the WAL has it.)
        assert not tables.get("ballots") and not tables.get("ballot_choices"), name
        assert plaintext_findings(tables, evidence.meeting, db.metadata) == [], name
        assert ciphertext_findings(tables, evidence.meeting) == [], name
        casts = [e for e in tables.get("audit_events", []) if e["action"] == "ballot.cast"]
        assert len(casts) == len(tables.get("roll_marks", [])), name


def test_the_key_is_in_none_of_the_files_in_any_encoding(evidence):
    for name, blob in evidence.blobs.items():
        assert secret_findings(blob, evidence.key) == [], name
    # The search does find the key where it is: in its own file.
    assert "raw" in secret_findings(evidence.key, evidence.key)
    assert "hex" in secret_findings(b"x" + evidence.key.hex().encode() + b"y", evidence.key)


def test_the_key_lives_in_one_file_of_the_instance_folder_only(evidence):
    folder = evidence.instance / "ballot-box"
    name = f"ballot-box/election-{evidence.meeting.election_id}-key"
    # Nothing else under the instance folder (the database, its WAL, the secret key,
    # the TOTP key) holds it.
    assert files_holding(evidence.instance, evidence.key) == {name: ["raw"]}
    assert folder.stat().st_mode & 0o777 == 0o700
    assert (evidence.instance / name).stat().st_mode & 0o777 == 0o600


def _chunks(raw: bytes) -> set[bytes]:
    return {raw[i : i + 32] for i in range(0, len(raw), 32)}


def test_the_wal_pairs_each_ballot_with_its_partner_yet_the_pair_is_only_a_ciphertext(evidence):
    """The issue's attack: ballots ordered by where they first appear in the WAL, paired
    with the roll marks in casting order. It works — and yields ciphertexts only."""
    wal = evidence.blobs["election.db-wal"]
    codes = evidence.cast_order
    by_appearance = sorted(codes, key=lambda code: wal.find(code.encode()))
    assert all(wal.find(code.encode()) >= 0 for code in codes)
    assert by_appearance == codes  # the attacker knows which Partner cast which ballot
    rows = {
        r["tracking_code"]: r for r in evidence.tables["the file with its WAL"]["encrypted_ballots"]
    }
    voters = evidence.meeting.voters
    # Voters 1 and 3 chose the same candidate: their ballots share no byte of a point.
    first, third = (pg_bytes(rows[codes[i]]["ciphertexts"]) for i in (0, 2))
    assert voters[0].choices == voters[2].choices
    assert not _chunks(first) & _chunks(third)
    # Only the key turns the pair into a vote.
    for voter, code in zip(voters, codes, strict=True):
        row = EncryptedBallot(ciphertexts=pg_bytes(rows[code]["ciphertexts"]))
        marks = decrypt_marks(row, evidence.key)
        assert marks == [int(not voter.choices)] + [
            int(c in voter.choices) for c in evidence.meeting.candidate_ids
        ]


def test_the_count_reveals_the_sums_only(evidence):
    tables = evidence.tables["the files after counting"]
    meeting = evidence.meeting
    expected = Counter(c for v in meeting.voters for c in v.choices)
    results = {int(r["candidate_id"]): int(r["votes"]) for r in tables["candidate_results"]}
    assert results == {c: expected[c] for c in meeting.candidate_ids}
    (tally,) = tables["round_tallies"]
    assert int(tally["blank"]) == sum(1 for v in meeting.voters if not v.choices)
    # Decryption shares are of the sums (one per position), never of a ballot.
    assert len(tables["decryption_shares"]) == 1 + len(meeting.candidate_ids)
    assert len(tables["round_aggregates"]) == 1 + len(meeting.candidate_ids)


def test_the_search_finds_a_planted_choice_a_planted_code_and_a_planted_key(evidence):
    """The searches are not blind: what the issue found is reported where it is planted."""
    meeting, voter = evidence.meeting, evidence.meeting.voters[1]
    tables = copy.deepcopy(evidence.tables["the file with its WAL"])
    cast = next(
        e
        for e in tables["audit_events"]
        if e["action"] == "ballot.cast" and f'"partner_id": {voter.partner_id}' in e["details"]
    )
    cast["details"] = cast["details"].replace("}", f', "candidates": {list(voter.choices)}}}')
    tables["ballot_choices"].append({"ballot_id": "b1", "candidate_id": str(voter.choices[0])})
    tables["roll_marks"][0]["note"] = stored_code(voter.tracking_code)
    found = plaintext_findings(tables, meeting, db.metadata)
    assert any("ballot_choices" in f for f in found)
    assert any("ballot.cast says ['candidates']" in f for f in found)
    assert any(f.startswith("audit_events: a row naming") for f in found)
    assert any(f.startswith("roll_marks: tracking code") for f in found)
    planted = b"\x00" * 7 + base64.b64encode(b"ab" + evidence.key) + b"\x00"
    assert "base64 @2" in secret_findings(planted, evidence.key)
    assert "base64url @0" in secret_findings(base64.urlsafe_b64encode(evidence.key), evidence.key)
    assert secret_findings(evidence.key.hex().upper().encode(), evidence.key) == ["HEX"]
