import datetime as dt

import pytest

from election.collation import polish_sort_key
from election.publishing import rules


def test_retry_delay_doubles_from_thirty_seconds_up_to_an_hour():
    delays = [rules.retry_delay(n).total_seconds() for n in range(1, 10)]
    assert delays[:5] == [30, 60, 120, 240, 480]
    assert max(delays) == 3600
    assert rules.retry_delay(1000) == dt.timedelta(hours=1)


def test_a_token_is_shown_by_its_last_four_characters_at_most():
    assert rules.mask_token("0123456789abcdef0123456789abcdef") == "••••cdef"
    assert rules.mask_token("short") == "••••"
    assert rules.mask_token("") == ""


def test_surnames_sort_in_the_polish_alphabet():
    """The posts list people in the app's one collation (``election.collation``)."""
    names = [
        "Ewa Żak",
        "Anna Lis",
        "Łukasz Łada",
        "Piotr Zych",
        "Jan Sowa",
        "Ewa Śliwa",
        "Ola Źrebiec",
    ]
    ordered = sorted(names, key=polish_sort_key)
    assert ordered == [
        "Anna Lis",
        "Łukasz Łada",
        "Jan Sowa",
        "Ewa Śliwa",
        "Piotr Zych",
        "Ola Źrebiec",
        "Ewa Żak",
    ]


@pytest.mark.parametrize(
    ("given", "home"),
    [
        ("https://lms.example.pl/webservice/rest/server.php", "https://lms.example.pl"),
        ("https://lms.example.pl/webservice/rest/server.php?wstoken=abc", "https://lms.example.pl"),
        ("  https://lms.example.pl/  ", "https://lms.example.pl"),
        ("https://lms.example.pl/moodle/webservice/rest/", "https://lms.example.pl/moodle"),
        ("https://lms.example.pl/moodle/login/index.php", "https://lms.example.pl/moodle"),
        ("https://lms.example.pl/webservice/upload.php", "https://lms.example.pl"),
        ("https://lms.example.pl/my/", "https://lms.example.pl"),
        ("https://lms.example.pl/course/view.php?id=12", "https://lms.example.pl"),
        ("https://lms.example.pl/admin/settings.php#x", "https://lms.example.pl"),
        ("https://lms.example.pl/index.php", "https://lms.example.pl"),
        ("https://lms.example.pl/moodle", "https://lms.example.pl/moodle"),
        ("", ""),
        ("https://[", "https://["),  # not an address: kept, and refused by Moodle's absence
    ],
)
def test_a_moodle_address_is_reduced_to_the_site_home(given, home):
    assert rules.normalise_base_url(given) == home


NOW = dt.datetime(2026, 6, 1, 12, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("next_due", "progressed", "sleep"),
    [
        (None, False, 30.0),  # nothing waits: look again after the interval
        (NOW + dt.timedelta(seconds=12), False, 12.0),  # a retry due soon: wake for it
        (NOW + dt.timedelta(minutes=10), False, 30.0),  # far away: the interval still holds
        (NOW + dt.timedelta(milliseconds=10), False, rules.WORKER_MIN_SLEEP),
        (NOW, True, rules.WORKER_MIN_SLEEP),  # queued again while sent: at once
        (NOW, False, 30.0),  # due but nothing could be tried: do not spin
    ],
)
def test_the_worker_sleeps_until_the_next_due_entry_within_its_interval(
    next_due, progressed, sleep
):
    assert rules.worker_sleep(next_due, NOW, 30.0, progressed=progressed) == sleep
