"""A change to published data queues an update of the posts (audited); the page shows
each post "out of date → updating", then "updated"."""

from __future__ import annotations

import dataclasses

from sqlalchemy import select

from election import transaction
from election.audit.models import AuditEvent
from election.elections.service import ElectionSettings, update_election
from election.extensions import db
from election.publishing.models import Publication, PublicationStatus
from election.publishing.outbox import SENDER
from election.publishing.sender import send_now
from tests.factories import SYSTEM
from tests.factories.publishing import configure_lms, published_candidates_election
from tests.support.web import post_form


def only_publication() -> Publication:
    db.session.expire_all()
    return db.session.scalars(select(Publication)).one()


def rename(election, title: str, place: str = "Gliwice") -> None:
    settings = dataclasses.replace(ElectionSettings.of(election), title=title, meeting_place=place)
    transaction.run(update_election, SYSTEM, election, settings)


def test_an_edited_election_queues_an_update_of_its_post(app, ctx, moodle):
    configure_lms(moodle.url)
    election = published_candidates_election()
    db.session.commit()
    send_now(app)

    rename(election, "Wybory Rady 2026 — termin drugi")

    publication = only_publication()
    assert publication.status == PublicationStatus.PENDING
    assert publication.outdated_by == "election.updated"
    assert publication.outdated_at is not None
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "publication.outdated"))
    assert event.details == {"kind": "candidates", "what": "election.updated"}

    report = send_now(app)

    assert [o.action for o in report.outcomes] == ["updated"]
    [discussion] = moodle.discussions.values()
    post = moodle.first_post(discussion.id)
    assert post.subject == "Lista kandydatów — Wybory Rady 2026 — termin drugi"
    assert "Gliwice" in post.message
    publication = only_publication()
    assert publication.status == PublicationStatus.SENT and publication.outdated_by is None


def test_an_election_without_posts_queues_nothing(app, ctx, moodle):
    election = published_candidates_election(enqueued=False)
    db.session.commit()

    rename(election, "Inny tytuł")

    assert db.session.scalar(select(Publication)) is None


def test_the_page_shows_out_of_date_then_updated(app, admin, moodle):
    with app.app_context():
        configure_lms(moodle.url)
        election = published_candidates_election()
        db.session.commit()
        send_now(app)
        rename(election, "Wybory po zmianie")

    pending = admin.get("/admin/lms").get_data(as_text=True)
    assert "nieaktualny → aktualizowanie" in pending
    assert "zmieniono dane wyborów" in pending

    post_form(admin, "/admin/lms/send")
    done = admin.get("/admin/lms").get_data(as_text=True)
    assert "zaktualizowano" in done and "nieaktualny" not in done


def test_editing_the_election_in_its_page_updates_the_post_in_the_background(app, admin, moodle):
    """Done when: the admin corrects the meeting place; the course's post follows by
    itself, without anyone re-publishing."""
    with app.app_context():
        configure_lms(moodle.url)
        election = published_candidates_election()
        db.session.commit()
        send_now(app)
        election_id = election.id
    form = admin.get(f"/elections/{election_id}/edit").get_data(as_text=True)
    assert "meeting_place" in form

    data = {
        "title": "Wybory Rady 2026",
        "term": "2026–2030",
        "meeting_date": "2026-06-18",
        "meeting_place": "Katowice, sala 101",
        "seats_gmina": "2",
        "seats_powiat": "2",
        "seats_miasto_npp": "2",
        "leader_seats": "1",
        "scsi_seats": "2",
        "secret": "y",
        "tie_rule": "runoff_then_lots",
        "ballot_order": "alphabetical",
        "majority_rule": "simple",
        "cutoff_date": "2026-05-31",
        "nomination_deadline": "",
        "quorum_percent": "",
    }
    response = post_form(admin, f"/elections/{election_id}/edit", data)
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:2000]
    app.extensions[SENDER].join()

    [discussion] = moodle.discussions.values()
    assert "Katowice, sala 101" in moodle.first_post(discussion.id).message
    with app.app_context():
        assert only_publication().status == PublicationStatus.SENT
