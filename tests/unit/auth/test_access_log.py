"""The secrets of access links are taken out of log lines."""

from __future__ import annotations

import logging

import pytest

from election.auth.access_log import REDACTED, RedactSecrets, redact

TOKEN = "eyJ1IjoyLCJmIjoiODgyZTBkYWJjMTFiNGQyMSJ9.aw9EeQ.L7UL2sbzigaKCdUX-wwkpmf8v0I"
PROJECTOR = "Zx3_kq-9VbT2mW8sLp0aQ1cR5nYdE7fH"


@pytest.mark.parametrize(
    ("line", "secret"),
    [
        (f'127.0.0.1 - - [01/Dec/2026] "GET /password/{TOKEN} HTTP/1.1" 303 -', TOKEN),
        (f'"GET /results/3/projector?token={PROJECTOR} HTTP/1.1" 303', PROJECTOR),
        (f'"GET /results/3/projector?lang=pl&token={PROJECTOR}" 303 "-"', PROJECTOR),
        (f'"GET /x" 200 "https://wybory.example.pl/password/{TOKEN}"', TOKEN),
    ],
)
def test_a_secret_of_an_access_link_is_redacted(line, secret):
    cleaned = redact(line)
    assert secret not in cleaned and REDACTED in cleaned


@pytest.mark.parametrize(
    "line",
    [
        '"GET /password/forgot HTTP/1.1" 200',
        '"POST /password/set HTTP/1.1" 302',
        '"GET /results/3/live.json?view=projector HTTP/1.1" 200',
        '"GET /login?next=/voting/1 HTTP/1.1" 200',
    ],
)
def test_other_lines_are_left_as_they_are(line):
    assert redact(line) == line


def test_the_filter_redacts_a_formatted_record():
    record = logging.LogRecord(
        "werkzeug",
        logging.INFO,
        __file__,
        1,
        '%s - - "%s" %s',
        ("127.0.0.1", f"GET /password/{TOKEN}", 303),
        None,
    )
    assert RedactSecrets().filter(record)
    assert TOKEN not in record.getMessage() and "/password/[redacted]" in record.getMessage()
