"""``flask backup create`` and ``flask backup restore`` on the database under test.

A backup is restored into a fresh database (a new SQLite file, or a new PostgreSQL
database created and dropped here) and must hold exactly the same rows, with an
audit chain that verifies.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask_migrate import upgrade
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from election import create_app
from election.audit.service import Actor, record, verify
from election.backup import service as backup
from election.db import utcnow
from election.extensions import db
from election.partners import service as partners
from election.partners.models import PartnerGroup
from election.voting.models import Ballot, BallotChoice, RollMark
from tests.factories import SYSTEM, voting_election


def snapshot(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the app, in primary-key order."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return {
                table.name: [
                    tuple(row)
                    for row in conn.execute(table.select().order_by(*table.primary_key.columns))
                ]
                for table in db.metadata.sorted_tables
            }
    finally:
        engine.dispose()


@pytest.fixture
def world(app: Flask) -> dict[str, Any]:
    """Partners, users, an election in voting with one cast ballot, audit events."""
    with app.app_context():
        w = voting_election(per_group=1, candidates_per_group=2)
        partners.save(
            db.session,
            SYSTEM,
            partner=None,
            name="Gmina Żywiec-Łęki",
            teryt="2417011",
            group=PartnerGroup.GMINA,
            agreement_signed_on=dt.date(2016, 3, 1),
            active=True,
            email="urzad@example.pl",
        )
        round_ = w["rounds"][PartnerGroup.GMINA]
        voter = w["reps"][PartnerGroup.GMINA][0]
        ballot = Ballot(round_id=round_.id, receipt="K7MZ-Q2WX")
        db.session.add(ballot)
        db.session.flush()
        db.session.add(
            BallotChoice(
                ballot_id=ballot.id, candidate_id=w["candidates"][PartnerGroup.GMINA][0].id
            )
        )
        db.session.add(
            RollMark(
                round_id=round_.id,
                partner_id=voter.partner_id,
                channel="online",
                cast_by_id=voter.id,
                voted_at=utcnow(),
            )
        )
        record(db.session, Actor(voter.id, voter.email), "ballot.cast", round_, group="gmina")
        db.session.commit()
        assert verify(db.session).count >= 5
        return {"ballot_id": ballot.id}


@pytest.fixture
def fresh_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A database that does not exist yet: a new SQLite file or a new PostgreSQL database."""
    if not database_url.startswith("postgresql"):
        yield f"sqlite:///{tmp_path / 'restored.db'}"
        return
    url = make_url(database_url)
    name = f"{url.database}_restore_{secrets.token_hex(4)}"
    admin = create_engine(url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def app_on(url: str) -> Flask:
    return create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test-secret-key",
            "SQLALCHEMY_DATABASE_URI": url,
            "REQUIRE_2FA_FOR_STAFF": False,
        }
    )


def dispose(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("target", ["blank", "migrated"])
def test_a_backup_restored_into_a_fresh_database_has_the_same_rows_and_a_valid_chain(
    app, runner, world, database_url, fresh_url, tmp_path, target
):
    path = tmp_path / "election.backup"
    created = runner.invoke(args=["backup", "create", str(path)])
    assert created.exit_code == 0, created.output
    assert path.stat().st_size > 0
    before = snapshot(database_url)

    fresh = app_on(fresh_url)
    try:
        if target == "migrated":
            # An upgraded but unused schema counts as empty: no --force needed.
            with fresh.app_context():
                upgrade()
                db.engine.dispose()
        restored = fresh.test_cli_runner().invoke(args=["backup", "restore", str(path)])
        assert restored.exit_code == 0, restored.output
        assert "Audit chain OK" in restored.output

        after = snapshot(fresh_url)
        assert after == before
        assert len(after["ballots"]) == 1 and len(after["partners"]) == 4
        with fresh.app_context():
            report = verify(db.session)
            assert report.ok and report.count == len(before["audit_events"])
            ballot = db.session.get(Ballot, world["ballot_id"])
            assert ballot is not None and ballot.receipt == "K7MZ-Q2WX"
            assert len(ballot.choices) == 1
    finally:
        dispose(fresh)


def test_restore_refuses_a_database_that_is_not_empty(app, runner, world, database_url, tmp_path):
    path = tmp_path / "election.backup"
    assert runner.invoke(args=["backup", "create", str(path)]).exit_code == 0
    before = snapshot(database_url)
    refused = runner.invoke(args=["backup", "restore", str(path)])
    assert refused.exit_code != 0
    assert "not empty" in refused.output and "--force" in refused.output
    assert snapshot(database_url) == before


def test_a_forced_restore_replaces_the_contents(app, runner, world, database_url, tmp_path):
    path = tmp_path / "election.backup"
    assert runner.invoke(args=["backup", "create", str(path)]).exit_code == 0
    before = snapshot(database_url)
    with app.app_context():
        partners.save(
            db.session,
            SYSTEM,
            partner=None,
            name="Gmina dodana po kopii",
            teryt="2417022",
            group=PartnerGroup.GMINA,
            agreement_signed_on=None,
            active=True,
            email=None,
        )
        db.session.commit()
    assert snapshot(database_url) != before

    forced = runner.invoke(args=["backup", "restore", "--force", str(path)])
    assert forced.exit_code == 0, forced.output
    assert snapshot(database_url) == before
    with app.app_context():
        assert verify(db.session).ok


def test_create_does_not_overwrite_a_file_unless_forced(app, runner, tmp_path):
    path = tmp_path / "existing.backup"
    path.write_bytes(b"keep me")
    refused = runner.invoke(args=["backup", "create", str(path)])
    assert refused.exit_code != 0 and "already exists" in refused.output
    assert path.read_bytes() == b"keep me"
    assert runner.invoke(args=["backup", "create", "--force", str(path)]).exit_code == 0
    assert path.read_bytes() != b"keep me"
    assert not list(tmp_path.glob("*.part"))


@pytest.mark.parametrize(
    "content", [b"", b"not a backup at all", b"SQLite format 3\x00garbage", b"PGDMPgarbage"]
)
def test_restore_refuses_a_file_that_is_not_a_good_backup(
    app, runner, fresh_url, tmp_path, content
):
    path = tmp_path / "bad.backup"
    path.write_bytes(content)
    fresh = app_on(fresh_url)
    try:
        result = fresh.test_cli_runner().invoke(args=["backup", "restore", str(path)])
        assert result.exit_code != 0
        assert "Error:" in result.output
        assert "Traceback" not in result.output
    finally:
        dispose(fresh)


def test_postgres_connection_parts_go_to_the_environment_not_the_command_line():
    env = backup.pg_environment(
        "postgresql+psycopg://rada:p%40ss%20word@db.internal:6543/rada?sslmode=require"
    )
    assert env["PGHOST"] == "db.internal"
    assert env["PGPORT"] == "6543"
    assert env["PGUSER"] == "rada"
    assert env["PGPASSWORD"] == "p@ss word"
    assert env["PGDATABASE"] == "rada"
    assert env["PGSSLMODE"] == "require"


def test_pg_tools_are_found():
    assert Path(backup.pg_binary("pg_dump")).name == "pg_dump"
    assert Path(backup.pg_binary("pg_restore")).name == "pg_restore"


def test_an_in_memory_database_cannot_be_backed_up(tmp_path):
    with pytest.raises(backup.BackupError, match="in-memory"):
        backup.create_backup("sqlite://", tmp_path / "x.backup")
