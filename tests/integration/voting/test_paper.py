"""Paper ballots: issued to a Partner in the room, entered from the box without a name
(a secret election); typed per Partner with the choice (an open election)."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from election.audit.models import AuditEvent
from election.audit.service import Actor
from election.auth.models import Role, User
from election.collation import polish_sort_key
from election.db import utcnow
from election.elections.models import Channel
from election.errors import (
    AlreadyVoted,
    Conflict,
    Forbidden,
    NotEligible,
    NotFound,
    RoundClosed,
    ValidationFailed,
)
from election.extensions import db
from election.partners.models import PartnerGroup
from election.voting import ballots, integrity, paper, rounds, rules
from election.voting.models import Ballot, EncryptedBallot, RollMark, Round
from tests.factories import SYSTEM, key_store, make_user, voting_election
from tests.factories.voting import check_encrypted, context_of, count, counts, decrypt_marks

G = PartnerGroup.GMINA
P = PartnerGroup.POWIAT


def events(action: str) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def issued(w: dict[str, Any], how_many: int) -> Round:
    """The gminy's round with ``how_many`` paper ballots issued, then closed."""
    round_ = w["rounds"][G]
    for partner in w["partners"][G][:how_many]:
        paper.issue_paper_ballot(db.session, SYSTEM, w["chair"], round_, partner.id)
    rounds.close_round(db.session, SYSTEM, round_)
    return round_


# --- issuing (secret) ------------------------------------------------------------------------


def test_a_paper_ballot_is_issued_to_a_partner_in_the_room(ctx):
    w = voting_election(per_group=3)
    chair, partner, round_ = w["chair"], w["partners"][G][1], w["rounds"][G]
    mark = paper.issue_paper_ballot(
        db.session, Actor(chair.id, chair.email), chair, round_, partner.id
    )
    assert (mark.channel, mark.cast_by_id, mark.partner_id) == (Channel.PAPER, chair.id, partner.id)
    assert round_.paper_issued == 1 and round_.paper_entered == 0
    assert paper.paper_pending(round_) == 1
    assert count(Ballot) == count(EncryptedBallot) == 0  # the choice is on paper, in the box
    (event,) = events("ballot.cast")
    assert event.details["channel"] == "paper" and event.details["partner_id"] == partner.id
    assert "candidates" not in event.details and event.actor_id == chair.id
    assert integrity.verify_ballots(db.session) == []


def test_issuing_has_the_checks_of_an_online_vote(ctx):
    w = voting_election(per_group=3)
    chair, round_ = w["chair"], w["rounds"][G]
    ballots.cast_ballot(db.session, SYSTEM, w["reps"][G][0], round_, [])
    with pytest.raises(AlreadyVoted):
        paper.issue_paper_ballot(db.session, SYSTEM, chair, round_, w["partners"][G][0].id)
    paper.issue_paper_ballot(db.session, SYSTEM, chair, round_, w["partners"][G][1].id)
    with pytest.raises(AlreadyVoted):
        paper.issue_paper_ballot(db.session, SYSTEM, chair, round_, w["partners"][G][1].id)
    with pytest.raises(AlreadyVoted):
        ballots.cast_ballot(db.session, SYSTEM, w["reps"][G][1], round_, [])
    with pytest.raises(NotFound, match="Nie ma takiego Partnera"):
        paper.issue_paper_ballot(db.session, SYSTEM, chair, round_, 999_999)
    with pytest.raises(NotEligible):
        paper.issue_paper_ballot(db.session, SYSTEM, chair, round_, w["partners"][P][0].id)
    with pytest.raises(Forbidden):
        paper.issue_paper_ballot(
            db.session, SYSTEM, w["reps"][G][2], round_, w["partners"][G][2].id
        )
    assert round_.paper_issued == 1 and counts() == (1, 0, 2)
    rounds.close_round(db.session, SYSTEM, round_)
    with pytest.raises(RoundClosed):
        paper.issue_paper_ballot(db.session, SYSTEM, chair, round_, w["partners"][G][2].id)


def test_a_secret_election_never_takes_a_paper_ballot_with_a_name(ctx):
    w = voting_election(per_group=2)
    with pytest.raises(Conflict, match="wydaje się Partnerowi"):
        ballots.record_paper_ballot(
            db.session, SYSTEM, w["chair"], w["rounds"][G], w["partners"][G][0].id, []
        )
    assert counts() == (0, 0, 0)


# --- entering (secret) -----------------------------------------------------------------------


def test_a_paper_ballot_is_entered_after_closing_without_a_name_and_encrypted(ctx):
    w = voting_election(per_group=4)
    round_ = issued(w, 2)
    names = {c.id: c.full_name for c in w["candidates"][G]}
    by_id = sorted(names)
    marked = [by_id[2], by_id[0]]
    shown = paper.check_paper_ballot(db.session, w["chair"], round_, marked)
    # Exactly what will be recorded, in Polish alphabetical order: Ćwik before Nowak.
    assert [c.full_name for c in shown] == sorted((names[i] for i in marked), key=polish_sort_key)
    assert paper.check_paper_ballot(db.session, w["chair"], round_, []) == []
    assert count(EncryptedBallot) == 0  # checking writes nothing

    code = paper.enter_paper_ballot(db.session, SYSTEM, w["chair"], round_, marked)
    row = db.session.scalar(select(EncryptedBallot))
    assert row.tracking_code == code
    check_encrypted(row, context_of(w["election"], round_), round_.seats)
    secret = key_store().read_key(w["election"].id)
    assert decrypt_marks(row, secret) == [0] + [1 if c in marked else 0 for c in by_id]
    assert (round_.paper_issued, round_.paper_entered, paper.paper_pending(round_)) == (2, 1, 1)
    (event,) = events("ballot.paper_entered")
    assert event.details["paper_entered"] == 1 and event.details["paper_issued"] == 2
    text = repr(event.details)
    assert code not in text and not any(str(i) in event.details for i in marked)
    assert "candidates" not in event.details and "partner_id" not in event.details
    # The digest the chain holds now covers the paper ballot too.
    assert integrity.recorded_digest(db.session, round_) == round_.ballots_digest
    assert round_.ballots_digest == rounds.round_digest(db.session, round_)
    integrity.check_digest(db.session, round_)
    assert integrity.verify_ballots(db.session) == []


def test_never_more_paper_ballots_entered_than_issued(ctx):
    w = voting_election(per_group=4)
    round_ = issued(w, 2)
    paper.enter_paper_ballot(db.session, SYSTEM, w["chair"], round_, [])
    paper.enter_paper_ballot(db.session, SYSTEM, w["chair"], round_, [w["candidates"][G][0].id])
    with pytest.raises(Conflict, match="Wprowadzono już wszystkie"):
        paper.check_paper_ballot(db.session, w["chair"], round_, [])
    with pytest.raises(Conflict, match="Wprowadzono już wszystkie"):
        paper.enter_paper_ballot(db.session, SYSTEM, w["chair"], round_, [])
    assert round_.paper_entered == round_.paper_issued == 2
    assert count(EncryptedBallot) == 2


def test_the_check_constraint_is_the_last_guard(ctx, monkeypatch):
    w = voting_election(per_group=3)
    round_ = issued(w, 1)
    paper.enter_paper_ballot(db.session, SYSTEM, w["chair"], round_, [])
    db.session.commit()
    monkeypatch.setattr(paper, "paper_pending", lambda r: 1)  # as if the check were wrong
    with pytest.raises(Conflict, match="Wprowadzono już wszystkie"):
        paper.enter_paper_ballot(db.session, SYSTEM, w["chair"], round_, [])
    db.session.rollback()
    assert db.session.get(Round, round_.id).paper_entered == 1
    assert count(EncryptedBallot) == 1


def test_a_paper_ballot_is_entered_only_into_a_closed_unopened_box(ctx):
    w = voting_election(per_group=3)
    round_ = w["rounds"][G]
    paper.issue_paper_ballot(db.session, SYSTEM, w["chair"], round_, w["partners"][G][0].id)
    with pytest.raises(Conflict, match="po zamknięciu tury"):
        paper.enter_paper_ballot(db.session, SYSTEM, w["chair"], round_, [])
    rounds.close_round(db.session, SYSTEM, round_)
    with pytest.raises(Forbidden):
        paper.enter_paper_ballot(db.session, SYSTEM, w["reps"][G][1], round_, [])
    with pytest.raises(ValidationFailed, match="najwyżej 2"):
        ids = [c.id for c in w["candidates"][G]]
        paper.enter_paper_ballot(db.session, SYSTEM, w["chair"], round_, ids)
    round_.open_box(utcnow())  # what the tally does when it starts counting
    with pytest.raises(Conflict, match="została już otwarta"):
        paper.enter_paper_ballot(db.session, SYSTEM, w["chair"], round_, [])
    assert count(EncryptedBallot) == 0


def test_a_second_submission_of_the_same_check_is_refused(ctx):
    w = voting_election(per_group=4)
    round_ = issued(w, 3)
    before = round_.paper_entered
    paper.enter_paper_ballot(db.session, SYSTEM, w["chair"], round_, [], entered_before=before)
    with pytest.raises(Conflict, match="W międzyczasie"):
        paper.enter_paper_ballot(db.session, SYSTEM, w["chair"], round_, [], entered_before=before)
    assert round_.paper_entered == 1


def test_an_open_election_refuses_issuing_and_entering(ctx):
    w = voting_election(per_group=2)
    w["election"].secret = False
    with pytest.raises(Conflict, match="głosowaniu jawnym"):
        paper.issue_paper_ballot(
            db.session, SYSTEM, w["chair"], w["rounds"][G], w["partners"][G][0].id
        )
    with pytest.raises(Conflict, match="głosowaniu jawnym"):
        paper.enter_paper_ballot(db.session, SYSTEM, w["chair"], w["rounds"][G], [])


# --- concurrency -----------------------------------------------------------------------------


def _run(jobs: list[Any], work: Any) -> list[Any]:
    barrier = threading.Barrier(len(jobs), timeout=60)
    results: list[Any] = [None] * len(jobs)

    def runner(index: int, job: Any) -> None:
        try:
            results[index] = work(job, barrier)
        except Exception as exc:  # recorded, so the test fails with the cause
            results[index] = exc

    threads = [threading.Thread(target=runner, args=(i, j)) for i, j in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_concurrent_entries_never_pass_the_number_issued(app: Flask) -> None:
    with app.app_context():
        w = voting_election(per_group=4)
        round_ = issued(w, 2)
        chairs = [w["chair"].id] + [make_user(Role.CHAIR).id for _ in range(4)]
        db.session.commit()
        round_id = round_.id

    def work(chair_id: int, barrier: threading.Barrier) -> str:
        with app.app_context():
            try:
                chair = db.session.get_one(User, chair_id)
                target = db.session.get_one(Round, round_id)
                db.session.rollback()
                barrier.wait()
                try:
                    paper.enter_paper_ballot(db.session, Actor(chair_id, "t"), chair, target, [])
                    db.session.commit()
                    return "entered"
                except Conflict:
                    db.session.rollback()
                    return "refused"
            finally:
                db.session.remove()

    results = _run(chairs, work)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert Counter(results) == {"entered": 2, "refused": 3}
    with app.app_context():
        stored = db.session.get_one(Round, round_id)
        assert (stored.paper_issued, stored.paper_entered) == (2, 2)
        assert count(EncryptedBallot) == 2
        assert integrity.verify_ballots(db.session) == []


def test_concurrent_issues_to_one_partner_leave_one_mark(app: Flask) -> None:
    with app.app_context():
        w = voting_election(per_group=3)
        partner_id, round_id = w["partners"][G][0].id, w["rounds"][G].id
        chairs = [w["chair"].id] + [make_user(Role.CHAIR).id for _ in range(3)]
        db.session.commit()

    def work(chair_id: int, barrier: threading.Barrier) -> str:
        with app.app_context():
            try:
                chair = db.session.get_one(User, chair_id)
                target = db.session.get_one(Round, round_id)
                db.session.rollback()
                barrier.wait()
                try:
                    paper.issue_paper_ballot(
                        db.session, Actor(chair_id, "t"), chair, target, partner_id
                    )
                    db.session.commit()
                    return "issued"
                except AlreadyVoted:
                    db.session.rollback()
                    return "already"
            finally:
                db.session.remove()

    results = _run(chairs, work)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert Counter(results) == {"issued": 1, "already": 3}
    with app.app_context():
        assert db.session.get_one(Round, round_id).paper_issued == 1
        assert count(RollMark) == 1


# --- open election: one step per Partner, with the choice --------------------------------------


def test_the_chair_records_an_open_paper_ballot(ctx):
    w = voting_election(per_group=3)
    w["election"].secret = False
    chair, partner = w["chair"], w["partners"][G][1]
    receipt = ballots.record_paper_ballot(
        db.session,
        Actor(chair.id, chair.email),
        chair,
        w["rounds"][G],
        partner.id,
        [w["candidates"][G][0].id],
    )
    assert rules.is_receipt(receipt)
    mark = db.session.scalar(select(RollMark))
    assert (mark.channel, mark.cast_by_id, mark.partner_id) == (Channel.PAPER, chair.id, partner.id)
    assert db.session.scalar(select(Ballot)).partner_id == partner.id
    (event,) = events("ballot.cast")
    assert event.details["channel"] == "paper" and event.actor_id == chair.id


def test_open_paper_after_online_and_online_after_paper_are_refused(ctx):
    w = voting_election(per_group=3)
    w["election"].secret = False
    chair, round_ = w["chair"], w["rounds"][G]
    ballots.cast_ballot(db.session, SYSTEM, w["reps"][G][0], round_, [])
    with pytest.raises(AlreadyVoted):
        ballots.record_paper_ballot(db.session, SYSTEM, chair, round_, w["partners"][G][0].id, [])
    ballots.record_paper_ballot(db.session, SYSTEM, chair, round_, w["partners"][G][1].id, [])
    with pytest.raises(AlreadyVoted):
        ballots.cast_ballot(db.session, SYSTEM, w["reps"][G][1], round_, [])
    with pytest.raises(NotFound, match="Nie ma takiego Partnera"):
        ballots.record_paper_ballot(db.session, SYSTEM, chair, round_, 999_999, [])
    with pytest.raises(NotEligible):
        ballots.record_paper_ballot(db.session, SYSTEM, chair, round_, w["partners"][P][0].id, [])
    with pytest.raises(Forbidden):
        ballots.record_paper_ballot(
            db.session, SYSTEM, w["reps"][G][2], round_, w["partners"][G][2].id, []
        )
    assert counts() == (2, 0, 2)
