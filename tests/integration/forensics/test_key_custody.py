"""Where the ballot box's secret is, and when it is gone — on SQLite and PostgreSQL.

``server`` custody: the key is one file, ``<instance>/ballot-box/election-<id>-key``
(0600, in a 0700 folder); no other file of the instance folder, no byte of the database
(SQLite's file and WAL, or a ``pg_dump``) and no backup holds it, in any encoding; the
certification destroys it, after which no file holds it and not even the server can
decrypt. ``tellers`` custody: each share waits in its own file until it is handed out
once; then nothing on the server holds a share, nor the key they make together.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from election.audit.models import AuditEvent
from election.council.composition import certify
from election.elections import custody
from election.elections.models import BallotBoxKey
from election.errors import Conflict
from election.extensions import db
from election.verify import base, lagrange, sc_add, sc_mul
from tests.factories import SYSTEM, give_key, key_store, make_election
from tests.factories.council import closed_election
from tests.integration.forensics.evidence import files_holding, pg_dump_text, secret_findings


def database_files(app: Flask, database_url: str, runner, folder: Path) -> dict[str, bytes]:
    """What a DBA or a thief of backups holds: the database's files (SQLite: the file and
    its WAL; PostgreSQL: a plain ``pg_dump``) and a ``flask backup create``."""
    backup = folder / f"backup-{len(list(folder.iterdir()))}"
    created = runner.invoke(args=["backup", "create", str(backup)])
    assert created.exit_code == 0, created.output
    found = {"backup": backup.read_bytes()}
    if database_url.startswith("postgresql"):
        found["pg_dump"] = pg_dump_text(database_url).encode()
    else:
        path = Path(database_url.removeprefix("sqlite:///"))
        found["database file"] = read_elsewhere(path)
        wal = Path(f"{path}-wal")
        found["WAL"] = read_elsewhere(wal) if wal.exists() else b""
    return found


def read_elsewhere(path: Path) -> bytes:
    """A live SQLite file read by another process, as a thief would copy it: closing a
    descriptor of it in this process would drop every POSIX lock SQLite holds on it here,
    and the next process to close would delete the WAL under this one's connections."""
    return subprocess.run(["cat", str(path)], check=True, capture_output=True).stdout


def holding(files: dict[str, bytes], secret: bytes) -> dict[str, list[str]]:
    return {name: hits for name, blob in files.items() if (hits := secret_findings(blob, secret))}


def test_the_server_key_lives_in_its_file_only_until_certification_destroys_it(
    app, runner, database_url, tmp_path
):
    instance = Path(app.instance_path)
    with app.app_context():
        world = closed_election()  # every round counted with the server's key
        election = world["election"]
        db.session.commit()
        name = f"ballot-box/election-{election.id}-key"
        key = (instance / name).read_bytes()
        assert base(key) == custody.key_of(db.session, election).public_key

        assert files_holding(instance, key) == {name: ["raw"]}
        assert (instance / name).stat().st_mode & 0o777 == 0o600
        assert (instance / "ballot-box").stat().st_mode & 0o777 == 0o700
        assert holding(database_files(app, database_url, runner, tmp_path), key) == {}

        certify(db.session, SYSTEM, election, key_store())
        db.session.commit()

        assert not (instance / name).exists()
        assert list((instance / "ballot-box").glob(f"election-{election.id}-*")) == []
        assert files_holding(instance, key) == {}
        assert holding(database_files(app, database_url, runner, tmp_path), key) == {}
        assert db.session.get(BallotBoxKey, election.id).destroyed_at is not None
        assert db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "ballot_box.key_destroyed")
        )
        with pytest.raises(Conflict):  # not even the server can decrypt now
            custody.server_key(election, key_store())


def test_tellers_shares_wait_in_their_own_files_and_leave_no_trace_once_handed_out(
    app, runner, database_url, tmp_path
):
    instance = Path(app.instance_path)
    with app.app_context():
        election = make_election("voting")
        db.session.delete(db.session.get(BallotBoxKey, election.id))
        key_store().destroy_all(election.id)
        db.session.flush()
        give_key(election, "tellers", threshold=2, tellers=3)
        db.session.commit()
        shares = {
            i: (instance / f"ballot-box/election-{election.id}-share-{i}").read_bytes()
            for i in (1, 2, 3)
        }
        for i, share in shares.items():
            assert files_holding(instance, share) == {
                f"ballot-box/election-{election.id}-share-{i}": ["raw"]
            }
        files = database_files(app, database_url, runner, tmp_path)
        assert all(holding(files, share) == {} for share in shares.values())

        handed = {i: custody.hand_out(db.session, SYSTEM, election, key_store(), i) for i in shares}
        db.session.commit()
        assert {i: bytes.fromhex(sheet.share) for i, sheet in handed.items()} == shares

        # The key the tellers make together: x = λ₁x₁ + λ₂x₂ (it is the election's key).
        x = sc_add(sc_mul(lagrange(1, [1, 2]), shares[1]), sc_mul(lagrange(2, [1, 2]), shares[2]))
        assert base(x) == custody.key_of(db.session, election).public_key
        assert list((instance / "ballot-box").glob(f"election-{election.id}-*")) == []
        files = database_files(app, database_url, runner, tmp_path)
        for secret in [x, *shares.values()]:
            assert files_holding(instance, secret) == {}
            assert holding(files, secret) == {}
        assert db.session.get(BallotBoxKey, election.id).destroyed_at is not None
