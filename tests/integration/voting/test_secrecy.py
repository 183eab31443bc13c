"""Secret ballot by design: no plaintext choice is stored, and nothing links a ballot to
its voter.

A secret election's ballot is encrypted (``encrypted_ballots``: ciphertexts, proofs, a
tracking code); no ``ballots``/``ballot_choices`` row, audit detail, flash or cookie
holds a choice. The roll marks say *that* a Partner voted. Nothing joins the two: no
column, no sequential id, no timestamp, no storage order.
"""

import json
import re

from sqlalchemy import DateTime, Integer, inspect, select, text

from election.audit.models import AuditEvent
from election.extensions import db
from election.partners.models import PartnerGroup
from election.voting import ballots, integrity, paper, rounds
from election.voting.models import Ballot, EncryptedBallot
from tests.factories import SYSTEM, voting_election

G = PartnerGroup.GMINA
#: All that the audit event of a secret vote says: who, where, how — never what.
CAST_DETAILS = {
    "election_id",
    "group",
    "number",
    "partner_id",
    "teryt",
    "channel",
    "cast_by_id",
}
LINKS_TO_VOTERS = {"partners", "users", "roll_marks", "roll_entries", "audit_events"}


def test_no_ballot_column_can_name_a_voter(ctx):
    schema = inspect(db.engine)
    ballot_fks = {
        (tuple(fk["constrained_columns"]), fk["referred_table"])
        for fk in schema.get_foreign_keys("ballots")
    }
    choice_fks = {fk["referred_table"] for fk in schema.get_foreign_keys("ballot_choices")}
    # The only way from a ballot to a Partner is ``partner_id``, which is for open
    # elections and is empty in a secret one (checked on the data below).
    assert ballot_fks == {(("round_id",), "rounds"), (("partner_id",), "partners")}
    assert choice_fks == {"ballots", "candidates"}
    assert not choice_fks & LINKS_TO_VOTERS
    assert {fk["referred_table"] for fk in schema.get_foreign_keys("encrypted_ballots")} == {
        "rounds"
    }
    assert {c["name"] for c in schema.get_columns("encrypted_ballots")} == {
        "id",
        "round_id",
        "tracking_code",
        "ciphertexts",
        "proof",
    }
    assert not isinstance(EncryptedBallot.__table__.c.id.type, Integer)
    for table in ("ballots", "ballot_choices", "encrypted_ballots"):
        columns = {c["name"]: c for c in schema.get_columns(table)}
        for name, column in columns.items():
            # No time of any precision, nothing named after users, channels or time.
            assert not isinstance(column["type"], DateTime), (table, name)
            assert not re.search(
                r"(_at$|_on$|time|^date|_date|user|channel|cast_by|voter)", name
            ), name
    assert set(c["name"] for c in schema.get_columns("ballots")) == {
        "id",
        "round_id",
        "receipt",
        "partner_id",
    }
    assert set(c["name"] for c in schema.get_columns("ballot_choices")) == {
        "ballot_id",
        "candidate_id",
    }
    # Random, not sequential, keys.
    assert not isinstance(Ballot.__table__.c.id.type, Integer)
    assert schema.get_pk_constraint("ballots")["constrained_columns"] == ["id"]
    # Roll marks say that a Partner voted, never which ballot.
    marks = {c["name"] for c in schema.get_columns("roll_marks")}
    assert not marks & {"ballot_id", "receipt", "candidate_id", "tracking_code"}
    assert {fk["referred_table"] for fk in schema.get_foreign_keys("roll_marks")} == {
        "rounds",
        "partners",
        "users",
    }


def test_the_storage_holds_no_insertion_order(ctx):
    engine = db.engine
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            for table in ("ballots", "ballot_choices", "encrypted_ballots"):
                sql = conn.execute(
                    text("SELECT sql FROM sqlite_master WHERE name = :t"), {"t": table}
                ).scalar()
                assert "WITHOUT ROWID" in sql, table
        else:
            sequences = conn.execute(
                text("SELECT relname FROM pg_class WHERE relkind = 'S' AND relname LIKE '%ballot%'")
            ).all()
            assert sequences == []


def test_a_secret_vote_stores_no_plaintext_and_nothing_links_it_to_its_voter(ctx):
    w = voting_election(per_group=6, candidates_per_group=3)
    round_ = w["rounds"][G]
    cands = [c.id for c in w["candidates"][G]]
    codes = [
        ballots.cast_ballot(db.session, SYSTEM, rep, round_, cands[i % 3 : i % 3 + 1])
        for i, rep in enumerate(w["reps"][G][:5])
    ]
    paper.issue_paper_ballot(db.session, SYSTEM, w["chair"], round_, w["partners"][G][5].id)
    db.session.commit()

    # No plaintext: no open ballot, no choice row.
    assert db.session.execute(text("SELECT count(*) FROM ballots")).scalar() == 0
    assert db.session.execute(text("SELECT count(*) FROM ballot_choices")).scalar() == 0
    rows = db.session.execute(text("SELECT * FROM encrypted_ballots")).mappings().all()
    assert len(rows) == 5
    assert {tuple(sorted(r.keys())) for r in rows} == {
        ("ciphertexts", "id", "proof", "round_id", "tracking_code")
    }
    assert all(re.fullmatch(r"[0-9a-f]{32}", r["id"]) for r in rows)
    assert sorted(r["tracking_code"] for r in rows) == sorted(codes)
    if db.engine.dialect.name == "sqlite":
        # Read without ORDER BY, ballots come in the order of their random id.
        stored = [r["id"] for r in rows]
        assert stored == sorted(stored)

    # The audit chain says who voted and how (channel), never which ballot, code or choice.
    ballot_ids = [r["id"] for r in rows]
    chain = json.dumps(
        [
            [e.action, e.object_type, e.object_id, e.details]
            for e in db.session.scalars(select(AuditEvent))
        ]
    )
    for secret in ballot_ids + codes:
        assert secret not in chain
    cast_events = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "ballot.cast")
    ).all()
    assert len(cast_events) == 6
    for event in cast_events:
        assert set(event.details) <= CAST_DETAILS | {"paper_issued"}, event.details
        assert event.object_type == "Round"

    # Every query the app makes returns ballots by tracking code, not by casting order.
    listed = [b.tracking_code for b in integrity.encrypted_ballots(db.session, round_)]
    assert listed == sorted(codes)


def test_an_open_election_names_the_partner_on_the_ballot(ctx):
    w = voting_election(per_group=2)
    w["election"].secret = False
    rep = w["reps"][G][0]
    ballots.cast_ballot(db.session, SYSTEM, rep, w["rounds"][G], [])
    assert db.session.scalar(select(Ballot.partner_id)) == rep.partner_id


def test_closing_rewrites_the_ballots_so_no_transaction_links_them_to_the_roll(ctx):
    w = voting_election(per_group=4)
    round_ = w["rounds"][G]
    cands = [c.id for c in w["candidates"][G]]
    for i, rep in enumerate(w["reps"][G]):
        ballots.cast_ballot(db.session, SYSTEM, rep, round_, cands[: i % 3])
        db.session.commit()  # one transaction per vote, as in the app
    before = rounds.round_digest(db.session, round_)
    rounds.close_round(db.session, SYSTEM, round_)
    db.session.commit()
    assert rounds.round_digest(db.session, round_) == before == round_.ballots_digest
    assert len(integrity.encrypted_ballots(db.session, round_)) == 4
    if db.engine.dialect.name == "postgresql":
        ballot_tx = set(db.session.scalars(text("SELECT xmin::text FROM encrypted_ballots")))
        mark_tx = set(db.session.scalars(text("SELECT xmin::text FROM roll_marks")))
        assert len(ballot_tx) == 1
        assert not ballot_tx & mark_tx
        stored = list(db.session.scalars(text("SELECT id FROM encrypted_ballots")))
        assert stored == sorted(stored)  # in the table file in the order of the random id


def test_closing_rewrites_an_open_elections_ballots_too(ctx):
    w = voting_election(per_group=4)
    w["election"].secret = False
    round_ = w["rounds"][G]
    cands = [c.id for c in w["candidates"][G]]
    for i, rep in enumerate(w["reps"][G]):
        ballots.cast_ballot(db.session, SYSTEM, rep, round_, cands[: i % 3])
        db.session.commit()
    before = rounds.round_digest(db.session, round_)
    rounds.close_round(db.session, SYSTEM, round_)
    db.session.commit()
    assert rounds.round_digest(db.session, round_) == before == round_.ballots_digest
    assert len(integrity.ballots_of(db.session, round_)) == 4
    if db.engine.dialect.name == "postgresql":
        ballot_tx = set(db.session.scalars(text("SELECT xmin::text FROM ballots")))
        choice_tx = set(db.session.scalars(text("SELECT xmin::text FROM ballot_choices")))
        mark_tx = set(db.session.scalars(text("SELECT xmin::text FROM roll_marks")))
        assert len(ballot_tx) == 1 and choice_tx == ballot_tx
        assert not ballot_tx & mark_tx
