"""Forensics on PostgreSQL: what a ``pg_dump`` of the database, or a ``flask backup create``
taken mid-round, tells of a secret vote.

Five reps cast known choices through the pages; a backup is taken after two of them
(``pg_dump``'s custom format, read back to SQL with ``pg_restore -f -``) and a plain
``pg_dump`` of the whole database after all five, then again after the round was
counted. Each dump is parsed from its ``COPY`` blocks alone (no database, no app) and
searched like SQLite's files (``test_sqlite_files.py``): no plaintext choice, no link from
a Partner to a choice or a tracking code, ciphertexts that never repeat a point, and not
the election key in any encoding — while the key, and only the key, reads every ballot.

Run when the suite runs on PostgreSQL (``TEST_DATABASE_URL``).
"""

from __future__ import annotations

from collections import Counter

import pytest

from election.elections.custody import KeyStore
from election.extensions import db
from election.voting import rounds
from election.voting.models import EncryptedBallot, Round
from tests.factories import SYSTEM
from tests.factories.voting import decrypt_marks
from tests.integration.forensics.evidence import (
    cast_over_http,
    ciphertext_findings,
    pg_archive_text,
    pg_bytes,
    pg_dump_tables,
    pg_dump_text,
    plaintext_findings,
    secret_findings,
    secret_meeting,
)


@pytest.fixture(autouse=True)
def _postgresql_only(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("PostgreSQL's dumps; the SQLite run checks its files (test_sqlite_files.py)")


def test_a_pg_dump_and_a_mid_round_backup_hold_no_choice_and_no_key(
    app, runner, database_url, tmp_path
):
    with app.app_context():
        meeting = secret_meeting()
    key = KeyStore(app.instance_path).read_key(meeting.election_id)
    assert key is not None and len(key) == 32

    cast_over_http(app, meeting, meeting.voters[:2])
    backup = tmp_path / "mid-round.backup"
    created = runner.invoke(args=["backup", "create", str(backup)])
    assert created.exit_code == 0, created.output
    cast_over_http(app, meeting, meeting.voters[2:])
    dump = pg_dump_text(database_url)
    archive = pg_archive_text(backup)

    taken = {"pg_dump": pg_dump_tables(dump), "the backup taken mid-round": pg_dump_tables(archive)}
    assert len(taken["pg_dump"]["encrypted_ballots"]) == 5
    assert len(taken["pg_dump"]["roll_marks"]) == 5
    assert len(taken["the backup taken mid-round"]["encrypted_ballots"]) == 2
    for name, tables in taken.items():
        assert tables["ballots"] == [] and tables["ballot_choices"] == [], name
        assert plaintext_findings(tables, meeting, db.metadata) == [], name
        assert ciphertext_findings(tables, meeting) == [], name
    for name, blob in {
        "pg_dump": dump.encode(),
        "the backup's SQL": archive.encode(),
        "the backup's file": backup.read_bytes(),
    }.items():
        assert secret_findings(blob, key) == [], name

    # The dump holds every choice — readable with the key only.
    stored = {r["tracking_code"]: r for r in taken["pg_dump"]["encrypted_ballots"]}
    for voter in meeting.voters:
        row = stored[f"{voter.tracking_code[:5]}-{voter.tracking_code[5:]}"]
        marks = decrypt_marks(EncryptedBallot(ciphertexts=pg_bytes(row["ciphertexts"])), key)
        assert marks == [int(not voter.choices)] + [
            int(c in voter.choices) for c in meeting.candidate_ids
        ]


def test_after_the_count_a_pg_dump_holds_the_sums_only(app, database_url):
    with app.app_context():
        meeting = secret_meeting()
    key = KeyStore(app.instance_path).read_key(meeting.election_id)
    cast_over_http(app, meeting, meeting.voters)
    with app.app_context():
        rounds.close_round(db.session, SYSTEM, db.session.get_one(Round, meeting.round_id))
        db.session.commit()
    dump = pg_dump_text(database_url)
    tables = pg_dump_tables(dump)

    assert plaintext_findings(tables, meeting, db.metadata) == []
    assert secret_findings(dump.encode(), key) == []
    expected = Counter(c for v in meeting.voters for c in v.choices)
    results = {int(r["candidate_id"]): int(r["votes"]) for r in tables["candidate_results"]}
    assert results == {c: expected[c] for c in meeting.candidate_ids}
    assert len(tables["decryption_shares"]) == 1 + len(meeting.candidate_ids)
