"""The publishing page /admin/lms (the admin; the chair reads it), and sending in the
background after a request's commit."""

from __future__ import annotations

import time

import pytest
from flask import Flask
from sqlalchemy import select

from election import transaction
from election.audit.models import AuditEvent
from election.auth.models import Role
from election.extensions import db
from election.publishing import outbox, sender
from election.publishing.models import LmsSettings, Publication, PublicationKind, PublicationStatus
from election.publishing.outbox import SENDER
from tests.factories import PASSWORD, make_user
from tests.factories.publishing import (
    certified_election,
    configure_lms,
    published_candidates_election,
)
from tests.support.moodle import GOOD_TOKEN
from tests.support.web import login, post_form


def settings_form(moodle, **changes):
    return {"base_url": moodle.url, "token": GOOD_TOKEN, "course": "umowy-sekap", **changes}


def test_admin_saves_the_connection_and_the_token_is_never_shown_back(admin, app, moodle):
    response = post_form(admin, "/admin/lms/settings", settings_form(moodle))
    assert response.status_code == 302

    page = admin.get("/admin/lms").get_data(as_text=True)

    assert GOOD_TOKEN not in page
    assert "••••" + GOOD_TOKEN[-4:] in page
    assert moodle.url in page and "umowy-sekap" in page
    with app.app_context():
        settings = db.session.scalar(select(LmsSettings))
        assert settings.token == GOOD_TOKEN
        event = db.session.scalar(
            select(AuditEvent).where(AuditEvent.action == "lms.settings_updated")
        )
        assert event.details["token_changed"] is True
        assert GOOD_TOKEN not in str(event.details)


def test_an_empty_token_field_keeps_the_stored_token(admin, app, moodle):
    post_form(admin, "/admin/lms/settings", settings_form(moodle))
    response = post_form(admin, "/admin/lms/settings", settings_form(moodle, token="", course="12"))
    assert response.status_code == 302
    with app.app_context():
        settings = db.session.scalar(select(LmsSettings))
        assert settings.token == GOOD_TOKEN and settings.course == "12"


def test_the_admin_can_remove_the_stored_token(admin, app, moodle):
    post_form(admin, "/admin/lms/settings", settings_form(moodle))
    post_form(admin, "/admin/lms/settings", settings_form(moodle, token="", clear_token="y"))
    with app.app_context():
        assert db.session.scalar(select(LmsSettings)).token == ""


def test_bad_settings_get_a_message_and_change_nothing(admin, app, moodle):
    for changes, message in (
        ({"base_url": "ftp://lms.example.pl"}, "https://"),
        ({"base_url": "nie adres"}, "https://"),
        ({"token": "zły token z spacjami"}, "liter i cyfr"),
        ({"token": "a" * 129}, "128"),
        ({"course": "<script>"}, "nie może zawierać"),
    ):
        response = post_form(admin, "/admin/lms/settings", settings_form(moodle, **changes))
        assert response.status_code == 400, changes
        body = response.get_data(as_text=True)
        assert "Błąd:" in body and message in body, (
            changes,
            body[body.find("error-summary") :][:500],
        )
    with app.app_context():
        assert db.session.scalar(select(LmsSettings)) is None


def test_test_connection_reports_what_it_found(admin, app, moodle):
    post_form(admin, "/admin/lms/settings", settings_form(moodle))

    response = post_form(admin, "/admin/lms/test")

    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Połączenie działa" in body
    assert "Platforma e-learningowa SEKAP" in body and "4.4.3" in body
    assert "Umowy SEKAP" in body and "Ogłoszenia" in body
    assert GOOD_TOKEN not in body


def test_test_connection_says_exactly_what_is_wrong(admin, app, moodle):
    post_form(admin, "/admin/lms/settings", settings_form(moodle, token="f" * 32))
    body = post_form(admin, "/admin/lms/test").get_data(as_text=True)
    assert "Połączenie nie działa" in body and "zły, wygasły lub usunięty token" in body

    post_form(admin, "/admin/lms/settings", settings_form(moodle, token=GOOD_TOKEN, course="13"))
    body = post_form(admin, "/admin/lms/test").get_data(as_text=True)
    assert "nie ma forum ogłoszeń" in body

    moodle.rest_enabled = False
    body = post_form(admin, "/admin/lms/test").get_data(as_text=True)
    assert "protokół REST jest wyłączony" in body
    assert GOOD_TOKEN not in body


def test_test_connection_says_publishing_will_fail_for_missing_functions(admin, app, moodle):
    token = moodle.add_token(
        "few0few0few0few0few0few0few0few0",
        {
            "core_webservice_get_site_info",
            "core_course_get_courses_by_field",
            "mod_forum_get_forums_by_courses",
        },
    )
    post_form(admin, "/admin/lms/settings", settings_form(moodle, token=token))
    body = post_form(admin, "/admin/lms/test").get_data(as_text=True)
    assert "Połączenie działa, ale publikowanie się nie uda" in body
    assert "nie obejmuje funkcji: mod_forum_add_discussion" in body
    assert "Umowy SEKAP" in body  # what could be checked still was


def test_test_connection_names_a_service_user_who_is_not_enrolled(admin, app, moodle):
    token = moodle.add_token("outsider0outsider0outsider0outsi", courses={14})
    post_form(admin, "/admin/lms/settings", settings_form(moodle, token=token))
    body = post_form(admin, "/admin/lms/test").get_data(as_text=True)
    assert "publikowanie się nie uda" in body
    assert "nie ma dostępu do kursu „Umowy SEKAP”" in body and "Zapisz go do kursu" in body


def test_an_address_with_the_rest_path_is_saved_as_the_site_home(admin, app, moodle):
    response = post_form(
        admin,
        "/admin/lms/settings",
        settings_form(moodle, base_url=f"{moodle.url}/webservice/rest/server.php"),
    )
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(select(LmsSettings)).base_url == moodle.url


def test_test_connection_without_settings_says_what_is_missing(admin):
    body = post_form(admin, "/admin/lms/test").get_data(as_text=True)
    assert "nie jest skonfigurowane" in body and "adresu Moodle" in body


def test_the_page_lists_publications_with_status_in_words_and_a_link(admin, app, moodle):
    with app.app_context():
        configure_lms(moodle.url)
        published_candidates_election()
        db.session.commit()
    response = post_form(admin, "/admin/lms/send")
    assert response.status_code == 302

    page = admin.get("/admin/lms").get_data(as_text=True)

    assert "Wybory Rady 2026" in page and "lista kandydatów" in page
    assert "opublikowano" in page and "kurs „Umowy SEKAP”" in page
    assert f"{moodle.url}/mod/forum/discuss.php?d=" in page
    assert "Opublikuj ponownie" in page
    assert GOOD_TOKEN not in page


def test_send_now_shows_a_failure_with_its_reason(admin, app, moodle):
    with app.app_context():
        configure_lms(moodle.url)
        published_candidates_election()
        db.session.commit()
    moodle.stop()

    page = post_form(admin, "/admin/lms/send", follow_redirects=True).get_data(as_text=True)

    assert "nie wysłano" in page and "Nie można połączyć się z Moodle" in page
    assert "błąd — ponowi" in page
    assert GOOD_TOKEN not in page


def test_republish_updates_the_post_in_place(admin, app, moodle):
    with app.app_context():
        configure_lms(moodle.url)
        published_candidates_election()
        db.session.commit()
    post_form(admin, "/admin/lms/send")
    with app.app_context():
        publication_id = db.session.scalar(select(Publication.id))

    page = post_form(
        admin, f"/admin/lms/{publication_id}/republish", follow_redirects=True
    ).get_data(as_text=True)

    assert "zaktualizowano w Moodle" in page
    assert len(moodle.discussions) == 1
    assert len(moodle.calls("mod_forum_update_discussion_post")) == 1


def test_republish_of_an_unknown_publication_is_refused(admin):
    page = post_form(admin, "/admin/lms/999/republish", follow_redirects=True).get_data(
        as_text=True
    )
    assert "Nie ma takiej publikacji" in page


def test_the_chair_reads_the_state_of_the_posts_but_not_the_settings(client, app, moodle):
    with app.app_context():
        configure_lms(moodle.url)
        published_candidates_election()
        chair = make_user(Role.CHAIR)
        db.session.commit()
        email = chair.email
    assert client.get("/admin/lms").status_code == 302  # to login
    login(client, email, PASSWORD)

    response = client.get("/admin/lms")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Wybory Rady 2026" in page and "oczekuje na wysłanie" in page
    assert 'href="/admin/lms"' in page  # in the chair's menu
    assert "Ustawienia" not in page and "Token" not in page and GOOD_TOKEN[-4:] not in page
    assert "Opublikuj ponownie" not in page and "Wyślij teraz" not in page
    assert post_form(client, "/admin/lms/send").status_code == 403
    assert post_form(client, "/admin/lms/test").status_code == 403
    assert post_form(client, "/admin/lms/settings", settings_form(moodle)).status_code == 403


def test_an_observer_does_not_see_the_page(client, app):
    with app.app_context():
        observer = make_user(Role.OBSERVER)
        db.session.commit()
        email = observer.email
    login(client, email, PASSWORD)
    assert client.get("/admin/lms").status_code == 403


def test_a_request_that_enqueued_sends_after_its_commit_in_the_background(app, moodle):
    with app.app_context():
        configure_lms(moodle.url)
        election = published_candidates_election(enqueued=False)
        db.session.commit()
        election_id = election.id
    with app.test_request_context("/anything", method="POST"):
        transaction.run(outbox.enqueue, election_id, PublicationKind.CANDIDATES)
    app.extensions[SENDER].join()

    assert len(moodle.discussions) == 1
    with app.app_context():
        assert db.session.scalar(select(Publication.status)) == PublicationStatus.SENT


def test_a_rolled_back_enqueue_sends_nothing(app, moodle):
    with app.app_context():
        configure_lms(moodle.url)
        election = published_candidates_election(enqueued=False)
        db.session.commit()
        election_id = election.id

    def enqueue_then_refuse(session):
        outbox.enqueue(session, election_id, PublicationKind.CANDIDATES)
        raise RuntimeError("the action failed after queueing")

    with app.test_request_context("/anything", method="POST"), pytest.raises(RuntimeError):
        transaction.run(enqueue_then_refuse)
    app.extensions[SENDER].join()

    assert not moodle.requests
    with app.app_context():
        assert db.session.scalar(select(Publication)) is None


def test_a_command_that_enqueued_leaves_the_sending_to_the_web_process(app, moodle):
    """A command's process ends with its command: no thread is started there."""
    with app.app_context():
        configure_lms(moodle.url)
        election_id = published_candidates_election(enqueued=False).id
        db.session.commit()
        transaction.run(outbox.enqueue, election_id, PublicationKind.CANDIDATES)
    app.extensions[SENDER].join()

    assert not moodle.requests


def test_publishing_the_candidate_list_reaches_the_course_exactly_once(admin, app, moodle):
    """Done when: the admin publishes the list in the app; the course gets it once."""
    from tests.factories import GROUPS, make_candidate, make_election, make_partner

    with app.app_context():
        configure_lms(moodle.url)
        election = make_election("nominations", title="Wybory przez stronę")
        for group in GROUPS:
            make_candidate(election, make_partner(group), f"Kandydat {group.value}")
        db.session.commit()
        election_id = election.id

    response = post_form(admin, f"/candidates/{election_id}/publish", {"confirm": "y"})
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    app.extensions[SENDER].join()

    [discussion] = moodle.discussions.values()
    assert discussion.name == "Lista kandydatów — Wybory przez stronę"
    with app.app_context():
        publication = db.session.scalar(select(Publication))
        assert publication.status == PublicationStatus.SENT


def test_a_restarted_app_sends_what_was_left_in_the_outbox(app, moodle, monkeypatch):
    """Entries written before a restart (or by a command) are sent by the sweep that a
    new app starts on its own, soon after it starts."""
    with app.app_context():
        configure_lms(moodle.url)
        published_candidates_election()
        db.session.commit()
    monkeypatch.setitem(app.config, "LMS_AUTO_RETRY", True)
    monkeypatch.setattr(sender.BackgroundSender, "FIRST_SWEEP_SECONDS", 0.0)
    fresh = sender.BackgroundSender(app)
    fresh.start()
    try:
        for _ in range(100):
            fresh.join()
            if moodle.discussions:
                break
            time.sleep(0.05)
    finally:
        fresh.stop()
        fresh.join()

    assert len(moodle.discussions) == 1


@pytest.mark.parametrize(("automatic", "sweeps"), [(True, True), (False, False)])
def test_init_app_gives_the_app_a_sender_that_sweeps_when_retries_are_automatic(automatic, sweeps):
    bare = Flask(__name__)
    bare.config["LMS_AUTO_RETRY"] = automatic
    sender.init_app(bare)
    background = bare.extensions[SENDER]
    try:
        assert isinstance(background, sender.BackgroundSender)
        assert (background._sweep_timer is not None) is sweeps
    finally:
        background.stop()


def test_done_when_the_list_and_the_results_reach_the_course_once_each(admin, app, moodle):
    """The admin configures and tests the LMS; the list and the results are published
    through the app, each exactly once, and updated in place when re-published."""
    from tests.factories import GROUPS, make_candidate, make_election, make_partner

    assert post_form(admin, "/admin/lms/settings", settings_form(moodle)).status_code == 302
    assert "Połączenie działa" in post_form(admin, "/admin/lms/test").get_data(as_text=True)
    with app.app_context():
        election = make_election("nominations", title="Lista przez stronę")
        for group in GROUPS:
            make_candidate(election, make_partner(group), f"Kandydat {group.value}")
        results = certified_election(enqueued=False, phase="closed")["election"]
        chair = make_user(Role.CHAIR)
        db.session.commit()
        list_id, results_id, chair_email = election.id, results.id, chair.email

    assert post_form(admin, f"/candidates/{list_id}/publish", {"confirm": "y"}).status_code == 303
    app.extensions[SENDER].join()
    chair_client = app.test_client()
    login(chair_client, chair_email, PASSWORD)
    response = post_form(chair_client, f"/council/{results_id}/certify")
    assert response.status_code == 302, response.get_data(as_text=True)[:1000]
    app.extensions[SENDER].join()

    assert sorted(d.name.split(" — ")[0] for d in moodle.discussions.values()) == [
        "Lista kandydatów",
        "Wyniki wyborów i skład Rady",
    ]
    [results_post] = [
        moodle.first_post(d.id) for d in moodle.discussions.values() if d.name.startswith("Wyniki")
    ]
    assert results_post.attachments[0]["content"].startswith(b"%PDF")

    with app.app_context():
        ids = list(db.session.scalars(select(Publication.id)))
    for publication_id in ids:
        post_form(admin, f"/admin/lms/{publication_id}/republish")

    assert len(moodle.discussions) == 2
    assert len(moodle.calls("mod_forum_add_discussion")) == 2
    assert len(moodle.calls("mod_forum_update_discussion_post")) == 2
    page = admin.get("/admin/lms").get_data(as_text=True)
    assert page.count("Otwórz w Moodle") == 2 and GOOD_TOKEN not in page
