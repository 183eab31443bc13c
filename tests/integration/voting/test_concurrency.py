"""One ballot, always: real threads submit at the same instant; the database decides.

Two reps of each Partner, each clicking twice, released together by a barrier. Each
thread has its own app context, session and database connection, as concurrent
requests do. Exactly one encrypted ballot and one roll mark per Partner survive; every
other submission gets the "already voted" answer — never an error. The paper ballots'
races are in ``test_paper.py``.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from flask import Flask
from sqlalchemy import func, select

from election.audit.models import AuditEvent
from election.audit.service import Actor, verify
from election.auth.models import Role, User
from election.errors import AlreadyVoted
from election.extensions import db
from election.partners.models import PartnerGroup
from election.voting import ballots
from election.voting.models import Ballot, EncryptedBallot, RollMark, Round
from tests.factories import make_user, voting_election
from tests.factories.voting import ballot_url, logged_in, receipt_on
from tests.support.web import csrf_token

THREADS = 8


def _world(app: Flask) -> dict[str, Any]:
    """Two Partners of the gminy, two reps each; plain ids for the threads."""
    with app.app_context():
        w = voting_election(per_group=3)
        partners = w["partners"][PartnerGroup.GMINA][:2]
        reps = {
            p.id: [w["reps"][PartnerGroup.GMINA][i], make_user(Role.PARTNER_REP, partner=p)]
            for i, p in enumerate(partners)
        }
        db.session.commit()
        return {
            "election": w["election"].id,
            "round": w["rounds"][PartnerGroup.GMINA].id,
            "candidate": w["candidates"][PartnerGroup.GMINA][0].id,
            # Each Partner: rep 1, rep 1 again (double click), rep 2, rep 2 again.
            "jobs": [
                (partner_id, user.id, user.email)
                for partner_id, users in reps.items()
                for user in (users[0], users[0], users[1], users[1])
            ],
        }


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


def _assert_one_ballot_per_partner(app: Flask, round_id: int, partners: set[int]) -> None:
    with app.app_context():
        marks = Counter(
            db.session.scalars(select(RollMark.partner_id).where(RollMark.round_id == round_id))
        )
        assert marks == Counter(dict.fromkeys(partners, 1))
        ballots = db.session.scalar(
            select(func.count())
            .select_from(EncryptedBallot)
            .where(EncryptedBallot.round_id == round_id)
        )
        assert ballots == len(partners)
        assert db.session.scalar(select(func.count()).select_from(Ballot)) == 0
        events = db.session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "ballot.cast")
        )
        assert events == len(partners)
        assert verify(db.session).ok


def test_concurrent_casts_through_the_service_leave_one_ballot_per_partner(app: Flask) -> None:
    world = _world(app)
    assert len(world["jobs"]) == THREADS

    def work(job: Any, barrier: threading.Barrier) -> tuple[int, str]:
        partner_id, user_id, _email = job
        with app.app_context():
            try:
                user = db.session.get_one(User, user_id)
                round_ = db.session.get_one(Round, world["round"])
                db.session.rollback()  # start the writing transaction after the barrier
                barrier.wait()
                try:
                    ballots.cast_ballot(
                        db.session, Actor(user_id, "t"), user, round_, [world["candidate"]]
                    )
                    db.session.commit()
                    return partner_id, "cast"
                except AlreadyVoted:
                    db.session.rollback()
                    return partner_id, "already"
            finally:
                db.session.remove()

    results = _run(world["jobs"], work)
    assert not [r for r in results if isinstance(r, Exception)], results
    per_partner = Counter(results)
    partners = {job[0] for job in world["jobs"]}
    for partner_id in partners:
        assert per_partner[(partner_id, "cast")] == 1
        assert per_partner[(partner_id, "already")] == 3
    _assert_one_ballot_per_partner(app, world["round"], partners)


def test_concurrent_http_submissions_leave_one_ballot_per_partner(app: Flask) -> None:
    world = _world(app)
    e, r = world["election"], world["round"]
    clients = {}
    for _partner_id, user_id, email in world["jobs"]:
        if user_id not in clients:
            client = logged_in(app, email)
            clients[user_id] = (client, csrf_token(client, ballot_url(e, r)))

    def work(job: Any, barrier: threading.Barrier) -> tuple[int, int, str, str | None]:
        partner_id, user_id, _email = job
        client, token = clients[user_id]
        data = {
            "csrf_token": token,
            "partner_id": str(partner_id),
            "candidate": [str(world["candidate"])],
        }
        barrier.wait()
        response = client.post(ballot_url(e, r, "cast"), data=data)
        page = response.get_data(as_text=True)
        return (
            partner_id,
            response.status_code,
            response.headers.get("Location", ""),
            receipt_on(page),
        )

    results = _run(world["jobs"], work)
    assert not [res for res in results if isinstance(res, Exception)], results
    partners = {job[0] for job in world["jobs"]}
    codes = []
    for partner_id in partners:
        answers = [(s, loc, code) for p, s, loc, code in results if p == partner_id]
        # The winner sees its receipt in the answer itself; the others are told it voted.
        shown = [code for s, _loc, code in answers if s == 200 and code]
        assert len(shown) == 1, answers
        codes += shown
        refused = [loc for s, loc, _c in answers if s == 303]
        assert len(refused) == 3 and all(loc.endswith(f"/voting/{e}") for loc in refused)
    _assert_one_ballot_per_partner(app, r, partners)
    with app.app_context():
        stored = set(db.session.scalars(select(EncryptedBallot.tracking_code)))
        assert {c[:5] + "-" + c[5:] for c in codes} == stored
