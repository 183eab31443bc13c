"""Emails to the representatives, in Polish, through the outbox: a round of their group
is open (the chair opens it on the page), the results are certified."""

from __future__ import annotations

from typing import Any

import pytest

from election import transaction
from election.council.composition import certify
from election.elections.models import Election
from election.extensions import db
from election.mail.models import MailStatus
from election.partners.models import PartnerGroup
from tests.factories import SYSTEM, key_store
from tests.factories.council import closed_election
from tests.factories.people import outbox_statuses, subject
from tests.factories.voting import election_without_rounds, logged_in
from tests.support.web import post_form

G = PartnerGroup.GMINA


@pytest.fixture
def world(app) -> dict[str, Any]:
    with app.app_context():
        w = election_without_rounds(per_group=2, candidates_per_group=2)
        db.session.commit()
        return {
            "election": w["election"].id,
            "title": w["election"].title,
            "reps": {g: [u.email for u in us] for g, us in w["reps"].items()},
            "partner_names": {g: [p.name for p in ps] for g, ps in w["partners"].items()},
            "chair": w["chair"].email,
        }


def test_opening_the_rounds_emails_each_groups_representatives(app, world, mailbox):
    chair = logged_in(app, world["chair"])
    e = world["election"]
    assert post_form(chair, f"/voting/{e}/chair/open-all").status_code == 303
    every_rep = sorted(email for emails in world["reps"].values() for email in emails)
    assert sorted(m["To"] for m in mailbox.messages) == every_rep
    [message] = mailbox.to(world["reps"][G][0])
    assert subject(message) == f"Głosowanie otwarte: gminy, tura nr 1 — {world['title']}"
    body = message.get_payload(decode=True).decode()
    assert world["partner_names"][G][0] in body and f"http://localhost/voting/{e}" in body
    with app.app_context():
        assert set(outbox_statuses()) == {MailStatus.SENT}


def test_an_english_speaking_chair_still_sends_polish_emails(app, world, mailbox):
    chair = logged_in(app, world["chair"])
    chair.get("/language/en")
    post_form(chair, f"/voting/{world['election']}/chair/open-all")
    assert mailbox.messages and all(
        subject(m).startswith("Głosowanie otwarte") for m in mailbox.messages
    )


def test_certifying_the_results_emails_every_representative(app, mailbox, monkeypatch):
    monkeypatch.setitem(app.config, "SERVER_BASE_URL", "https://wybory.example.pl")
    with app.app_context():
        w = closed_election()
        db.session.commit()
        election = db.session.get(Election, w["election"].id)
        reps = sorted(u.email for us in w["reps"].values() for u in us)
        mailbox.clear()
        transaction.run(certify, SYSTEM, election, key_store())
        title, election_id = election.title, election.id
    assert sorted(m["To"] for m in mailbox.messages) == reps
    message = mailbox.messages[0]
    assert subject(message) == f"Wyniki wyborów zatwierdzone — {title}"
    body = message.get_payload(decode=True).decode()
    assert f"https://wybory.example.pl/public/elections/{election_id}/results" in body
