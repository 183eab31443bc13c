"""The Moodle client against the fake Moodle (a real HTTP server), no app needed."""

from collections.abc import Iterator

import pytest

from election.publishing.client import MoodleClient, MoodleError, can_enter, php_form
from tests.support.moodle import FORUM_FUNCTIONS, GOOD_TOKEN, FakeMoodle, php_parse


@pytest.fixture
def moodle() -> Iterator[FakeMoodle]:
    fake = FakeMoodle()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def client(moodle: FakeMoodle) -> MoodleClient:
    return MoodleClient(moodle.url, GOOD_TOKEN, timeout=2.0)


def test_lists_and_dicts_use_php_brackets():
    fields = php_form(
        {
            "courseids": [12, 13],
            "options": [{"name": "discussionsubscribe", "value": False}],
            "empty": [],
            "missing": None,
            "subject": "Zażółć & <gęślą>",
        }
    )
    assert fields == [
        ("courseids[0]", "12"),
        ("courseids[1]", "13"),
        ("options[0][name]", "discussionsubscribe"),
        ("options[0][value]", "0"),
        ("subject", "Zażółć & <gęślą>"),
    ]


def test_the_fake_parses_brackets_as_php_does():
    assert php_parse([("a[0][name]", "x"), ("a[0][value]", "1"), ("b[]", "p"), ("b[]", "q")]) == {
        "a": {"0": {"name": "x", "value": "1"}},
        "b": {"0": "p", "1": "q"},
    }


def test_the_client_finds_the_course_and_its_news_forum(client, moodle):
    site = client.get_site_info()
    assert site.release.startswith("4.4") and site.uploadfiles
    assert set(FORUM_FUNCTIONS) <= site.functions
    course = client.find_course("umowy-sekap")
    assert course["fullname"] == "Umowy SEKAP"
    assert client.find_course("12")["shortname"] == "umowy-sekap"
    assert client.find_news_forum(course)["name"] == "Ogłoszenia"
    [by_id] = [
        c for c in moodle.calls("core_course_get_courses_by_field") if c.params["field"] == "id"
    ]
    assert by_id.params["value"] == "12"


def test_post_then_update_in_place(client, moodle):
    itemid = client.upload(b"%PDF-1.7 protokol", "protokol.pdf")
    discussion_id = client.add_discussion(3, "Ogłoszenie", "<p>Treść</p>", attachments_id=itemid)
    post_id = client.first_post_id(3, discussion_id)
    client.update_discussion_post(post_id, "Ogłoszenie (zmiana)", "<p>Nowa treść</p>")

    post = moodle.first_post(discussion_id)
    assert post.id == post_id
    assert post.subject == "Ogłoszenie (zmiana)" and post.message == "<p>Nowa treść</p>"
    assert post.attachments[0]["content"].startswith(b"%PDF")
    assert moodle.uploads()[0].reply[0]["userid"] == "7"  # a string, as Moodle sends it


def test_the_first_post_is_found_past_the_first_page(client, moodle):
    ids = [client.add_discussion(3, f"Wpis {i}", "<p>x</p>") for i in range(5)]
    assert client.first_post_id(3, ids[0], perpage=2) == moodle.discussions[ids[0]].firstpost
    assert client.first_post_id(3, 99999, perpage=2) is None


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda c: c.add_discussion(3, "<b>Pogrubiony</b>", "<p>x</p>"), "invalidparameter"),
        (lambda c: c.call("mod_forum_add_discussion", forumid=3, subject="a"), "invalidparameter"),
        (lambda c: c.call("core_course_get_courses_by_field", nosuchkey=1), "invalidparameter"),
        (lambda c: c.call("mod_forum_get_forum_discussions", forumid="3a"), "invalidparameter"),
        (lambda c: c.call("no_such_function"), "invalidrecord"),
        (lambda c: c.call("core_user_get_users"), "accessexception"),
        (
            lambda c: c.call(
                "mod_forum_add_discussion",
                forumid=3,
                subject="a",
                message="b",
                options=[{"name": "nosuchoption", "value": 1}],
            ),
            "errorinvalidparam",
        ),
        (lambda c: c.update_discussion_post(424242, "a", "b"), "invalidpostid"),
        (lambda c: c.find_course("brak"), "course_not_found"),
        (lambda c: c.find_news_forum({"id": 13, "fullname": "Kurs bez ogłoszeń"}), "no_news_forum"),
    ],
)
def test_moodle_errors_on_http_200_become_clear_errors(client, call, code):
    with pytest.raises(MoodleError) as caught:
        call(client)
    assert caught.value.code == code
    assert str(caught.value)  # a formatted Polish message, no missing parameter


def test_a_wrong_token_is_reported_for_calls_and_uploads(moodle):
    client = MoodleClient(moodle.url, "f" * 32, timeout=2.0)
    for call in (client.get_site_info, lambda: client.upload(b"%PDF", "p.pdf")):
        with pytest.raises(MoodleError) as caught:
            call()
        assert caught.value.code == "invalidtoken"
        assert "f" * 32 not in str(caught.value)


def test_an_oversized_file_is_refused_with_its_reason(client, moodle):
    moodle.max_upload = 10
    with pytest.raises(MoodleError) as caught:
        client.upload(b"%PDF-1.7 too big", "duzy.pdf")
    assert caught.value.code == "upload_failed" and "duzy.pdf" in str(caught.value)


def test_without_the_json_format_the_fake_answers_xml(moodle):
    import requests

    response = requests.post(
        f"{moodle.url}/webservice/rest/server.php",
        data={"wstoken": GOOD_TOKEN, "wsfunction": "core_webservice_get_site_info"},
        timeout=2,
    )
    assert response.headers["Content-Type"].startswith("application/xml")
    assert "<RESPONSE>" in response.text


def test_rest_off_and_web_services_off_are_told_apart(client, moodle):
    """Moodle's REST endpoint answers both with an empty 403; login/token.php tells."""
    moodle.rest_enabled = False
    with pytest.raises(MoodleError) as caught:
        client.get_site_info()
    assert caught.value.code == "rest_disabled"
    assert "Zarządzaj protokołami" in str(caught.value)

    moodle.rest_enabled = True
    moodle.webservices_enabled = False
    with pytest.raises(MoodleError) as caught:
        client.get_site_info()
    assert caught.value.code == "webservices_disabled"
    assert "Zaawansowane możliwości" in str(caught.value)
    [probe] = [r for r in moodle.requests if r.path == "/login/token.php"][-1:]
    assert probe.fields == [("appsitecheck", "1")]  # no token, no password


def test_down_and_not_moodle(client, moodle):
    moodle.impersonate_html = True
    with pytest.raises(MoodleError) as caught:
        client.get_site_info()
    assert caught.value.code == "not_moodle" and "to nie jest Moodle" in str(caught.value)
    moodle.impersonate_html = False
    moodle.stop()
    with pytest.raises(MoodleError) as caught:
        client.get_site_info()
    assert caught.value.code == "network"
    moodle.start()
    assert client.get_site_info().sitename


def test_the_client_never_shows_its_token():
    client = MoodleClient("https://lms.example.pl/", GOOD_TOKEN)
    assert GOOD_TOKEN not in repr(client)
    assert client.discussion_url(42) == "https://lms.example.pl/mod/forum/discuss.php?d=42"


def test_a_redirect_is_explained_not_followed(client, moodle):
    moodle.redirect_to = "https://lms.example.pl"
    with pytest.raises(MoodleError) as caught:
        client.get_site_info()
    assert caught.value.code == "not_moodle"
    assert "https://lms.example.pl/webservice/rest/server.php" in str(caught.value)
    assert len(moodle.requests) == 1


def test_a_course_the_service_user_cannot_enter_is_told_from_a_missing_forum(moodle):
    """Moodle finds the course (its public fields) but lists none of its forums."""
    token = moodle.add_token("outsider0outsider0outsider0outsi", courses={14})
    outsider = MoodleClient(moodle.url, token, timeout=2.0)

    course = outsider.find_course("umowy-sekap")
    assert not can_enter(course) and "format" not in course
    with pytest.raises(MoodleError) as caught:
        outsider.find_news_forum(course, user="rada-sekap-ws")
    assert caught.value.code == "not_enrolled"
    message = str(caught.value)
    assert "rada-sekap-ws" in message and "Umowy SEKAP" in message
    assert "Zapisz go do kursu" in message and "mod/forum:addnews" in message

    enrolled = outsider.find_course("proba-wyborow")
    assert can_enter(enrolled)
    assert outsider.find_news_forum(enrolled)["id"] == 6


def test_an_address_with_the_rest_path_is_used_as_the_site_home(moodle):
    client = MoodleClient(f"{moodle.url}/webservice/rest/server.php", GOOD_TOKEN, timeout=2.0)
    assert client.get_site_info().sitename
    assert client.discussion_url(5) == f"{moodle.url}/mod/forum/discuss.php?d=5"
    assert {r.path for r in moodle.requests} == {"/webservice/rest/server.php"}
