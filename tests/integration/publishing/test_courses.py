"""Changing the course: a post is updated only in the configured course's forum; one that
lives in another course is posted anew in the configured course, and the chair is told."""

from __future__ import annotations

from sqlalchemy import select

from election.audit.models import AuditEvent
from election.auth.models import Role
from election.extensions import db
from election.publishing import outbox
from election.publishing.models import DeliveryAction, Publication
from election.publishing.sender import send_now
from tests.factories import PASSWORD, make_user
from tests.factories.publishing import (
    certified_election,
    configure_lms,
    published_candidates_election,
)
from tests.support.moodle import GOOD_TOKEN
from tests.support.web import login


def only_publication() -> Publication:
    db.session.expire_all()
    return db.session.scalars(select(Publication)).one()


def rehearse_then_switch_course(app, moodle):
    """The list is published in the rehearsal course (14, forum 6); the admin then
    points the app at the real course "umowy-sekap" (12, forum 3)."""
    settings = configure_lms(moodle.url, course="proba-wyborow")
    election = published_candidates_election()
    db.session.commit()
    assert [o.action for o in send_now(app).outcomes] == ["created"]
    first = only_publication()
    settings = db.session.merge(settings)
    settings.course = "umowy-sekap"
    db.session.commit()
    return election, first.discussion_id, first.post_url


def test_a_post_in_the_old_course_is_posted_anew_in_the_new_one(app, ctx, moodle):
    election, old_discussion, old_url = rehearse_then_switch_course(app, moodle)
    untouched = moodle.first_post(old_discussion).modified

    outbox.republish(db.session, outbox.SYSTEM, election_id=election.id)
    db.session.commit()
    report = send_now(app)

    [outcome] = report.outcomes
    assert outcome.action == "moved" and outcome.course == "Umowy SEKAP"
    assert outcome.moved_from == old_url
    [new] = moodle.discussions_in(3)
    assert new.name.startswith("Lista kandydatów")
    # The rehearsal post is left as it was: the app never edits another course.
    assert [d.id for d in moodle.discussions_in(6)] == [old_discussion]
    assert moodle.first_post(old_discussion).modified == untouched
    assert not moodle.calls("mod_forum_update_discussion_post")
    publication = only_publication()
    assert publication.discussion_id == new.id and publication.forum_id == 3
    assert publication.course_id == 12 and publication.course_name == "Umowy SEKAP"
    assert publication.last_action == DeliveryAction.MOVED
    assert publication.moved_from_url == old_url
    assert publication.moved_from_course == "Próba wyborów"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "publication.moved"))
    assert event.details["from_course"] == "Próba wyborów"
    assert event.details["to_course"] == "Umowy SEKAP"
    assert event.details["previous_url"] == old_url

    # From now on it is updated in place, in the new course.
    outbox.republish(db.session, outbox.SYSTEM, election_id=election.id)
    db.session.commit()
    assert [o.action for o in send_now(app).outcomes] == ["updated"]
    assert len(moodle.discussions) == 2


def test_an_older_entry_without_its_forum_is_checked_in_moodle_before_an_update(app, ctx, moodle):
    """Entries sent before the forum was kept: found in the course's forum, updated;
    not found there (another course), posted anew there."""
    configure_lms(moodle.url)
    election = published_candidates_election()
    db.session.commit()
    send_now(app)
    publication = only_publication()
    publication.forum_id = publication.course_id = publication.course_name = None
    db.session.commit()

    outbox.republish(db.session, outbox.SYSTEM, election_id=election.id)
    db.session.commit()
    assert [o.action for o in send_now(app).outcomes] == ["updated"]
    assert only_publication().forum_id == 3
    [listing, *_] = moodle.calls("mod_forum_get_forum_discussions")
    assert listing.params["forumid"] == 3

    # Now pretend its discussion lives in the rehearsal course's forum.
    moved = moodle.discussions[only_publication().discussion_id]
    moved.forum = 6
    publication = only_publication()
    publication.forum_id = None
    db.session.commit()
    outbox.republish(db.session, outbox.SYSTEM, election_id=election.id)
    db.session.commit()
    [outcome] = send_now(app).outcomes
    assert outcome.action == "moved"
    assert len(moodle.discussions_in(3)) == 1 and moodle.discussions_in(6) == [moved]


def test_the_chair_sees_on_the_page_that_the_post_was_made_anew(app, moodle, client):
    with app.app_context():
        election, _, old_url = rehearse_then_switch_course(app, moodle)
        chair = make_user(Role.CHAIR)
        db.session.commit()
        email, election_id = chair.email, election.id
    with app.app_context():
        outbox.republish(db.session, outbox.SYSTEM, election_id=election_id)
        db.session.commit()
        send_now(app)
    login(client, email, PASSWORD)

    page = client.get("/admin/lms").get_data(as_text=True)

    assert "Kurs w Moodle zmieniono" in page
    assert "opublikowano na nowo w kursie „Umowy SEKAP”" in page
    assert "Poprzedni wpis w kursie „Próba wyborów” pozostał bez zmian" in page
    assert f'href="{old_url}"' in page
    assert GOOD_TOKEN not in page


def test_publish_in_the_command_line_says_the_post_was_made_anew(app, runner, moodle):
    with app.app_context():
        election, _, old_url = rehearse_then_switch_course(app, moodle)
        election_id = election.id

    result = runner.invoke(args=["lms", "publish", "--election", str(election_id)])

    assert result.exit_code == 0, result.output
    assert "opublikowano na nowo w kursie z ustawień (kurs „Umowy SEKAP”)" in result.output
    assert (
        f"poprzedni wpis pozostał bez zmian w Moodle (usuń go tam, jeśli jest zbędny): {old_url}"
        in (result.output)
    )


def test_the_results_follow_the_course_too(app, ctx, moodle):
    settings = configure_lms(moodle.url, course="proba-wyborow")
    election_id = certified_election()["election"].id
    db.session.commit()
    send_now(app)
    settings = db.session.merge(settings)
    settings.course = "12"
    db.session.commit()

    outbox.republish(db.session, outbox.SYSTEM, election_id=election_id)
    db.session.commit()
    [outcome] = send_now(app).outcomes

    assert outcome.action == "moved"
    [post] = [moodle.first_post(d.id) for d in moodle.discussions_in(3)]
    assert post.attachments[0]["content"].startswith(b"%PDF")
