"""Sending the outbox to a fake Moodle that speaks the real protocol."""

from __future__ import annotations

import datetime as dt
import logging
import threading

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from election.audit.models import AuditEvent
from election.db import utcnow
from election.extensions import db
from election.publishing import delivery, outbox
from election.publishing.models import Publication, PublicationKind, PublicationStatus
from election.publishing.sender import client_factory, send_now
from tests.factories.publishing import (
    certified_election,
    configure_lms,
    published_candidates_election,
)
from tests.support.moodle import FORUM_FUNCTIONS, GOOD_TOKEN


def send(app, **kwargs):
    return send_now(app, **kwargs)


def only_publication() -> Publication:
    db.session.expire_all()
    return db.session.scalars(select(Publication)).one()


def test_first_publication_posts_the_candidate_list_to_the_news_forum(app, ctx, moodle):
    configure_lms(moodle.url)
    election = published_candidates_election()
    db.session.commit()

    report = send(app)

    assert report.ok, report
    assert [o.action for o in report.outcomes] == ["created"]
    [discussion] = moodle.discussions_in(3)
    post = moodle.first_post(discussion.id)
    assert post.subject == "Lista kandydatów — Wybory Rady 2026"
    assert '<table class="generaltable">' in post.message and "Gminy" in post.message
    assert "Miasta na prawach powiatu" in post.message
    # Polish alphabet: Lis before Łada, Sowa before Śliwa, Zych before Żak.
    assert post.message.index("Anna Lis") < post.message.index("Łukasz Łada")
    assert post.message.index("Jan Sowa") < post.message.index("Ewa Śliwa")
    assert post.message.index("Piotr Zych") < post.message.index("Ewa Żak")
    publication = only_publication()
    assert publication.status == PublicationStatus.SENT
    assert publication.discussion_id == discussion.id
    assert publication.post_id == post.id
    assert publication.post_url == f"{moodle.url}/mod/forum/discuss.php?d={discussion.id}"
    assert publication.sent_at is not None and publication.attempts == 0
    assert publication.election_id == election.id
    [call] = moodle.calls("mod_forum_add_discussion")
    assert call.params["forumid"] == 3 and call.params["groupid"] == 0
    # The protocol: form-encoded, PHP brackets, JSON asked for.
    assert ("moodlewsrestformat", "json") in call.fields
    assert ("options[0][name]", "discussionsubscribe") in call.fields
    assert db.session.scalar(
        select(AuditEvent.action).where(AuditEvent.action == "publication.sent")
    )


def test_republication_updates_the_same_post_and_never_duplicates(app, ctx, moodle):
    configure_lms(moodle.url)
    election = published_candidates_election()
    db.session.commit()
    send(app)
    first = only_publication()
    discussion_id, post_id = first.discussion_id, first.post_id

    election.title = "Wybory Rady 2026 (poprawione)"
    outbox.enqueue(db.session, election.id, PublicationKind.CANDIDATES)
    db.session.commit()
    report = send(app)

    assert [o.action for o in report.outcomes] == ["updated"]
    assert len(moodle.discussions) == 1
    assert len(moodle.calls("mod_forum_add_discussion")) == 1
    [update] = moodle.calls("mod_forum_update_discussion_post")
    assert update.params["postid"] == post_id
    post = moodle.first_post(discussion_id)
    assert post.subject == "Lista kandydatów — Wybory Rady 2026 (poprawione)"
    assert moodle.discussions[discussion_id].name == post.subject
    assert only_publication().status == PublicationStatus.SENT


def test_results_carry_the_council_votes_and_the_protocol_pdf(app, ctx, moodle):
    configure_lms(moodle.url)
    world = certified_election()
    db.session.commit()

    report = send(app)

    assert report.ok, report
    [upload] = moodle.uploads()
    assert ("token", GOOD_TOKEN) in upload.fields and ("filepath", "/") in upload.fields
    [uploaded] = upload.files
    assert uploaded["content"].startswith(b"%PDF")
    itemid = upload.reply[0]["itemid"]
    [call] = moodle.calls("mod_forum_add_discussion")
    assert {"name": "attachmentsid", "value": str(itemid)} in call.params["options"]
    [discussion] = moodle.discussions_in(3)
    post = moodle.first_post(discussion.id)
    [attachment] = post.attachments
    assert attachment["content"].startswith(b"%PDF")
    assert attachment["filename"].endswith(".pdf")
    assert post.subject.startswith("Wyniki wyborów i skład Rady")
    assert "Maria Przewodnicząca" in post.message
    assert "Przewodniczący Rady" in post.message
    for group in world["candidates"].values():
        assert group[0].full_name in post.message
    assert "Głosy" in post.message and "tak" in post.message
    # The links to check the election, when the app knows its address.
    assert "/api/v1/elections/" not in post.message  # SERVER_BASE_URL is not set here


def test_results_link_back_to_the_app_when_its_address_is_set(app, ctx, moodle, monkeypatch):
    monkeypatch.setitem(app.config, "SERVER_BASE_URL", "https://wybory.example.pl")
    configure_lms(moodle.url)
    election_id = certified_election()["election"].id
    db.session.commit()

    assert send(app).ok
    [discussion] = moodle.discussions_in(3)
    message = moodle.first_post(discussion.id).message
    base = f"https://wybory.example.pl/api/v1/elections/{election_id}"
    assert f'href="{base}/receipts"' in message and f'href="{base}/record.json"' in message
    assert "Dziennik zdarzeń wyborów w chwili publikacji kończy się wpisem" in message


def test_republished_results_replace_the_attachment_in_the_same_post(app, ctx, moodle):
    configure_lms(moodle.url)
    world = certified_election()
    db.session.commit()
    send(app)

    outbox.enqueue(db.session, world["election"].id, PublicationKind.RESULTS)
    db.session.commit()
    send(app)

    assert len(moodle.discussions) == 1
    [update] = moodle.calls("mod_forum_update_discussion_post")
    itemid = moodle.uploads()[-1].reply[0]["itemid"]
    assert {"name": "attachmentsid", "value": str(itemid)} in update.params["options"]
    [discussion] = moodle.discussions.values()
    assert len(moodle.first_post(discussion.id).attachments) == 1


def _bad_token(moodle):
    configure_lms(moodle.url, token="ffffffffffffffffffffffffffffffff")


def _not_enrolled(moodle):
    token = moodle.add_token("outsider0outsider0outsider0outsi", courses={14})
    configure_lms(moodle.url, token=token)


def _cannot_post(moodle):
    token = moodle.add_token(
        "student0student0student0student0", capabilities={"mod/forum:createattachment"}
    )
    configure_lms(moodle.url, token=token)


def _webservices_disabled(moodle):
    configure_lms(moodle.url)
    moodle.webservices_enabled = False


def _function_not_in_service(moodle):
    limited = moodle.add_token(
        "limited0limited0limited0limited0", FORUM_FUNCTIONS - {"mod_forum_add_discussion"}
    )
    configure_lms(moodle.url, token=limited)


def _course_not_found(moodle):
    configure_lms(moodle.url, course="nie-ma-takiego")


def _no_news_forum(moodle):
    configure_lms(moodle.url, course="13")


def _rest_disabled(moodle):
    configure_lms(moodle.url)
    moodle.rest_enabled = False


def _not_moodle(moodle):
    configure_lms(moodle.url)
    moodle.impersonate_html = True


def _wrong_path(moodle):
    configure_lms(moodle.url + "/intranet")


def _down(moodle):
    configure_lms(moodle.url)
    moodle.stop()


def _upload_not_allowed(moodle):
    token = moodle.add_token(
        "noupload0noupload0noupload0nouplo", FORUM_FUNCTIONS, uploadfiles=False
    )
    configure_lms(moodle.url, token=token)


ERRORS = [
    (_bad_token, "invalidtoken", "zły, wygasły lub usunięty token"),
    (_function_not_in_service, "functions_missing", "nie obejmuje funkcji: mod_forum_add"),
    (_not_enrolled, "not_enrolled", "nie ma dostępu do kursu „Umowy SEKAP”"),
    (_cannot_post, "cannot_post", "mod/forum:addnews"),
    (_course_not_found, "course_not_found", "nie ma kursu „nie-ma-takiego”"),
    (_no_news_forum, "no_news_forum", "nie ma forum ogłoszeń"),
    (_rest_disabled, "rest_disabled", "protokół REST jest wyłączony"),
    (_webservices_disabled, "webservices_disabled", "Usługi sieciowe są w Moodle wyłączone"),
    (_not_moodle, "not_moodle", "to nie jest Moodle"),
    (_wrong_path, "not_moodle", "HTTP 404"),
    (_down, "network", "Nie można połączyć się z Moodle"),
]


@pytest.mark.parametrize(
    ("arrange", "code", "message"), ERRORS, ids=[e[1] + e[0].__name__ for e in ERRORS]
)
def test_each_failure_is_explained_and_the_entry_waits_for_a_retry(
    app, ctx, moodle, arrange, code, message
):
    arrange(moodle)
    published_candidates_election()
    db.session.commit()
    before = utcnow()

    report = send(app)

    assert not report.ok
    [outcome] = report.outcomes
    assert outcome.error.code == code and message in outcome.message
    publication = only_publication()
    assert publication.status == PublicationStatus.FAILED
    assert publication.attempts == 1
    assert message in publication.last_error
    assert publication.error_code == code
    assert GOOD_TOKEN not in publication.last_error
    assert publication.next_attempt_at >= before + dt.timedelta(seconds=29)
    assert publication.discussion_id is None
    assert not moodle.discussions


def test_results_fail_clearly_when_the_token_may_not_upload(app, ctx, moodle):
    """The results post needs its PDF: without uploads it is not posted at all (and
    says so); the candidate list, which has no attachment, still goes."""
    _upload_not_allowed(moodle)
    certified_election()
    published_candidates_election()
    db.session.commit()

    report = send(app)

    outcomes = {o.kind: o for o in report.outcomes}
    failed = outcomes[PublicationKind.RESULTS]
    assert failed.error.code == "upload_disabled"
    assert (
        "Może przesyłać pliki" in failed.message and "nie zostanie opublikowany" in failed.message
    )
    assert outcomes[PublicationKind.CANDIDATES].action == "created"
    [discussion] = moodle.discussions.values()
    assert discussion.name.startswith("Lista kandydatów")
    assert not moodle.uploads()


def test_results_fail_when_the_news_forum_takes_no_attachments(app, ctx, moodle):
    moodle.forum(3)["maxattachments"] = 0
    configure_lms(moodle.url)
    certified_election()
    db.session.commit()

    [outcome] = send(app).outcomes

    assert outcome.error.code == "no_attachments" and "Maksymalna liczba załączników" in (
        outcome.message
    )
    assert not moodle.discussions


def test_a_moodle_that_does_not_answer_in_time_is_a_timeout(app, ctx, moodle, monkeypatch):
    monkeypatch.setitem(app.config, "LMS_TIMEOUT", 0.2)
    configure_lms(moodle.url)
    published_candidates_election()
    db.session.commit()
    moodle.hang = True

    report = send(app)
    moodle.release()

    assert "nie odpowiedział w wyznaczonym czasie" in report.outcomes[0].message
    assert only_publication().status == PublicationStatus.FAILED


def test_a_moodle_that_is_down_gets_the_publication_when_it_is_back(app, ctx, moodle):
    configure_lms(moodle.url)
    published_candidates_election()
    db.session.commit()
    moodle.stop()
    first = utcnow()
    delivery.send_due(
        db.session, client_factory(app), first, env=app.config, commit=db.session.commit
    )
    publication = only_publication()
    assert publication.status == PublicationStatus.FAILED
    retry_at = publication.next_attempt_at

    moodle.start()
    # Not due yet: the backoff holds it back.
    early = delivery.send_due(
        db.session, client_factory(app), first + dt.timedelta(seconds=5), env=app.config
    )
    assert early.outcomes == [] and not moodle.requests
    # Due: delivered.
    report = delivery.send_due(
        db.session, client_factory(app), retry_at, env=app.config, commit=db.session.commit
    )

    assert report.ok and [o.action for o in report.outcomes] == ["created"]
    assert len(moodle.discussions) == 1
    publication = only_publication()
    assert publication.status == PublicationStatus.SENT and publication.last_error is None


def test_backoff_doubles_after_each_failure(app, ctx, moodle):
    configure_lms(moodle.url)
    published_candidates_election()
    db.session.commit()
    moodle.stop()
    now = utcnow()
    delays = []
    for _ in range(3):
        delivery.send_due(db.session, client_factory(app), now, env=app.config, force=True)
        publication = only_publication()
        delays.append((publication.next_attempt_at - now).total_seconds())
    assert delays == [30, 60, 120]
    assert only_publication().attempts == 3


def test_a_post_that_lost_its_pdf_fails_and_the_retry_completes_the_same_post(app, ctx, moodle):
    """Without mod/forum:createattachment Moodle takes the post and drops the PDF,
    silently: that is a failure, and once the capability is granted the retry updates
    the post it made (no duplicate)."""
    token = moodle.add_token("noattach0noattach0noattach0noatt", capabilities={"mod/forum:addnews"})
    configure_lms(moodle.url, token=token)
    certified_election()
    db.session.commit()

    report = send(app)

    [outcome] = report.outcomes
    assert outcome.error.code == "attachment_dropped"
    assert "mod/forum:createattachment" in outcome.message
    publication = only_publication()
    assert publication.status == PublicationStatus.FAILED
    assert publication.discussion_id is not None and publication.post_id is None
    [discussion] = moodle.discussions.values()
    assert moodle.first_post(discussion.id).attachments == []

    moodle.tokens[token].capabilities = frozenset(
        {"mod/forum:addnews", "mod/forum:createattachment"}
    )
    report = send(app, force=True)

    assert report.ok and [o.action for o in report.outcomes] == ["updated"]
    assert len(moodle.discussions) == 1
    [attachment] = moodle.first_post(discussion.id).attachments
    assert attachment["content"].startswith(b"%PDF")
    assert only_publication().post_id == moodle.first_post(discussion.id).id


def test_a_post_deleted_in_moodle_is_posted_anew(app, ctx, moodle):
    configure_lms(moodle.url)
    election = published_candidates_election()
    db.session.commit()
    send(app)
    moodle.discussions.clear()
    moodle.posts.clear()

    outbox.enqueue(db.session, election.id, PublicationKind.CANDIDATES)
    db.session.commit()
    report = send(app)

    assert report.ok and [o.action for o in report.outcomes] == ["created"]
    assert len(moodle.discussions) == 1
    [discussion] = moodle.discussions.values()
    assert only_publication().discussion_id == discussion.id


def test_nothing_is_sent_or_counted_when_the_lms_is_not_configured(app, ctx):
    published_candidates_election()
    db.session.commit()

    report = send(app)

    assert report.error.code == "not_configured"
    assert "nie jest skonfigurowane" in str(report.error)
    publication = only_publication()
    assert publication.status == PublicationStatus.PENDING and publication.attempts == 0
    assert "nie jest skonfigurowane" in publication.last_error


def test_the_environment_configures_the_lms_when_the_settings_are_empty(
    app, ctx, moodle, monkeypatch
):
    monkeypatch.setitem(app.config, "LMS_URL", moodle.url)
    monkeypatch.setitem(app.config, "LMS_TOKEN", GOOD_TOKEN)
    monkeypatch.setitem(app.config, "LMS_COURSE", "12")
    published_candidates_election()
    db.session.commit()

    report = send(app)

    assert report.ok
    assert len(moodle.discussions) == 1
    [lookup] = moodle.calls("core_course_get_courses_by_field")
    assert lookup.params == {"field": "id", "value": "12"}


def test_two_senders_never_send_the_same_entry(app, ctx, moodle):
    configure_lms(moodle.url)
    published_candidates_election()
    db.session.commit()
    publication = only_publication()
    # Another sender claimed it a moment ago (its lease is in the future).
    claimed = outbox.claim(db.session, publication, utcnow())
    db.session.commit()
    assert claimed is not None

    report = send(app, force=True)

    assert report.outcomes == []
    assert not moodle.discussions


def test_a_sender_that_listed_an_entry_before_another_claimed_it_leaves_it(app, ctx, moodle):
    """The race two workers found: B lists the entry, A claims it, B reads A's lease —
    B must not take it (the claim checks the entry is still due)."""
    configure_lms(moodle.url)
    published_candidates_election()
    db.session.commit()
    now = utcnow()
    [publication_id] = outbox.due_ids(db.session, now)
    db.session.commit()
    with Session(db.engine) as other:
        assert outbox.claim(other, other.get(Publication, publication_id), now) is not None
        other.commit()

    db.session.expire_all()
    mine = db.session.get(Publication, publication_id)
    assert outbox.claim(db.session, mine, now) is None
    assert outbox.claim(db.session, mine, now, force=True) is None


def test_the_token_never_reaches_the_logs(app, ctx, moodle, caplog):
    caplog.set_level(logging.DEBUG)
    configure_lms(moodle.url)
    certified_election()
    published_candidates_election()
    db.session.commit()
    send(app)
    moodle.stop()
    db.session.execute(
        Publication.__table__.update().values(status="pending", next_attempt_at=utcnow())
    )
    db.session.commit()
    send(app)

    assert "Moodle" in caplog.text  # the client does log
    assert GOOD_TOKEN not in caplog.text


def test_an_entry_queued_again_while_being_sent_is_sent_again_as_an_update(app, ctx, moodle):
    """Moodle is slow to take the post; meanwhile the list is published again.

    The database is not locked while Moodle answers (the enqueue goes through), the
    entry stays pending, and the next send updates the post made by the first.
    """
    configure_lms(moodle.url)
    election_id = published_candidates_election().id
    db.session.commit()  # and no transaction left open in this thread
    moodle.hang_on = "mod_forum_add_discussion"
    reports = []

    def sender() -> None:
        with app.app_context():
            reports.append(send_now(app))

    thread = threading.Thread(target=sender)
    thread.start()
    try:
        assert moodle.arrived.wait(10)
        outbox.enqueue(db.session, election_id, PublicationKind.CANDIDATES)
        db.session.commit()
    finally:
        moodle.release()
        thread.join()

    assert [o.action for o in reports[0].outcomes] == ["created"]
    publication = only_publication()
    assert publication.status == PublicationStatus.PENDING
    assert publication.discussion_id is not None
    report = send(app)
    assert [o.action for o in report.outcomes] == ["updated"]
    assert len(moodle.discussions) == 1
    assert only_publication().status == PublicationStatus.SENT


def test_an_update_after_the_editing_time_needs_editanypost_and_says_so(app, ctx, moodle):
    token = moodle.add_token(
        "noedit00noedit00noedit00noedit00",
        capabilities={"mod/forum:addnews", "mod/forum:createattachment"},
    )
    configure_lms(moodle.url, token=token)
    election = published_candidates_election()
    db.session.commit()
    send(app)
    moodle.maxeditingtime = 0

    outbox.enqueue(db.session, election.id, PublicationKind.CANDIDATES)
    db.session.commit()
    [outcome] = send(app).outcomes

    assert outcome.error.code == "cannotupdatepost"
    assert "mod/forum:editanypost" in outcome.message
    assert len(moodle.discussions) == 1  # no duplicate posted instead
