"""``flask lms check``: a message for each setup mistake, and a non-zero exit for anything
that will make publishing fail (cron and monitoring notice)."""

from __future__ import annotations

import pytest

from election.extensions import db
from election.publishing.models import Publication
from election.publishing.sender import send_now
from tests.factories.publishing import configure_lms, published_candidates_election
from tests.support.moodle import FORUM_FUNCTIONS, GOOD_TOKEN


def check(app, runner, moodle, *, token=GOOD_TOKEN, course="umowy-sekap", url=None):
    with app.app_context():
        configure_lms(url or moodle.url, token=token, course=course)
        db.session.commit()
    return runner.invoke(args=["lms", "check"])


def test_a_working_setup_reports_the_site_course_and_forum(app, runner, moodle, monkeypatch):
    monkeypatch.setitem(app.config, "SERVER_BASE_URL", "https://wybory.example.pl")

    result = check(app, runner, moodle)

    assert result.exit_code == 0, result.output
    assert "Witryna: Platforma e-learningowa SEKAP (Moodle 4.4.3" in result.output
    assert "Użytkownik usługi: rada-sekap-ws" in result.output
    assert "Kurs: Umowy SEKAP (id 12)" in result.output
    assert "Forum ogłoszeń: Ogłoszenia (id 3)" in result.output
    assert "Połączenie działa: publikowanie jest możliwe." in result.output
    assert "Uwaga" not in result.output and GOOD_TOKEN not in result.output


def _service(moodle, missing):
    return moodle.add_token("service0service0service0service0", FORUM_FUNCTIONS - set(missing))


SETUP_MISTAKES = {
    "not enrolled": (
        lambda m: m.add_token("outsider0outsider0outsider0outsi", courses={14}),
        "umowy-sekap",
        [
            "Użytkownik usługi rada-sekap-ws nie ma dostępu do kursu „Umowy SEKAP”",
            "Zapisz go do kursu",
        ],
    ),
    "functions missing": (
        lambda m: _service(m, {"mod_forum_add_discussion", "mod_forum_update_discussion_post"}),
        "umowy-sekap",
        ["nie obejmuje funkcji: mod_forum_add_discussion, mod_forum_update_discussion_post"],
    ),
    "uploads not allowed": (
        lambda m: m.add_token("noupload0noupload0noupload0nouplo", uploadfiles=False),
        "umowy-sekap",
        ["„Może przesyłać pliki” jest wyłączone", "nie zostanie opublikowany"],
    ),
    "no right to post": (
        lambda m: m.add_token(
            "student0student0student0student0", capabilities={"mod/forum:createattachment"}
        ),
        "umowy-sekap",
        ["nie może dodawać wpisów na forum „Ogłoszenia”", "mod/forum:addnews"],
    ),
    "no news forum": (lambda m: GOOD_TOKEN, "13", ["nie ma forum ogłoszeń"]),
    "no such course": (lambda m: GOOD_TOKEN, "nie-ma-takiego", ["nie ma kursu „nie-ma-takiego”"]),
}


@pytest.mark.parametrize("mistake", SETUP_MISTAKES)
def test_each_setup_mistake_is_named_and_exits_non_zero(app, runner, moodle, mistake):
    make_token, course, messages = SETUP_MISTAKES[mistake]

    result = check(app, runner, moodle, token=make_token(moodle), course=course)

    assert result.exit_code == 1, result.output
    for message in messages:
        assert message in result.output, result.output
    assert "Błąd: publikowanie się nie uda" in result.output


def test_the_forum_without_attachments_exits_non_zero(app, runner, moodle):
    moodle.forum(3)["maxattachments"] = 0
    result = check(app, runner, moodle)
    assert result.exit_code == 1 and "Maksymalna liczba załączników" in result.output


def test_web_services_off_and_rest_off_get_their_own_messages(app, runner, moodle):
    moodle.webservices_enabled = False
    off = check(app, runner, moodle)
    moodle.webservices_enabled = True
    moodle.rest_enabled = False
    rest_off = runner.invoke(args=["lms", "check"])

    assert off.exit_code == 1 and rest_off.exit_code == 1
    assert "Usługi sieciowe są w Moodle wyłączone" in off.output
    assert "„Włącz usługi sieciowe”" in off.output and "REST jest wyłączony" not in off.output
    assert "Usługi sieciowe są włączone, ale protokół REST jest wyłączony" in rest_off.output
    assert "Zarządzaj protokołami" in rest_off.output


def test_an_address_with_the_rest_path_works_and_the_posts_link_the_site(
    app, runner, moodle, monkeypatch
):
    """``LMS_URL=…/webservice/rest/server.php``: used as the site's home, with a note to
    fix it; the links saved with the posts are right."""
    monkeypatch.setitem(app.config, "LMS_URL", f"{moodle.url}/webservice/rest/server.php")
    monkeypatch.setitem(app.config, "LMS_TOKEN", GOOD_TOKEN)
    monkeypatch.setitem(app.config, "LMS_COURSE", "umowy-sekap")

    result = runner.invoke(args=["lms", "check"])

    assert result.exit_code == 0, result.output
    assert f"Adres Moodle podano jako {moodle.url}/webservice/rest/server.php" in result.output
    assert f"używa strony głównej {moodle.url}." in result.output
    with app.app_context():
        published_candidates_election()
        db.session.commit()
        assert send_now(app).ok
        url = db.session.query(Publication.post_url).scalar()
    assert url.startswith(f"{moodle.url}/mod/forum/discuss.php?d=")


def test_the_app_address_missing_is_a_note_not_a_failure(app, runner, moodle):
    result = check(app, runner, moodle)
    assert result.exit_code == 0
    assert "Nie ustawiono SERVER_BASE_URL" in result.output


def test_a_wrong_token_exits_non_zero(app, runner, moodle):
    result = check(app, runner, moodle, token="f" * 32)
    assert result.exit_code == 1
    assert "Błąd: Moodle odrzucił token" in result.output
    assert "f" * 32 not in result.output
