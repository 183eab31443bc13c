"""The outbox's pure decisions: how long to wait after a failure, what is permanent."""

import datetime as dt
import smtplib

import pytest

from election.mail.outbox import BACKOFF, backoff, permanent, unreachable


def test_the_wait_grows_with_the_failures_then_stays_at_an_hour():
    assert [backoff(n) for n in range(1, 4)] == [
        dt.timedelta(minutes=1),
        dt.timedelta(minutes=2),
        dt.timedelta(minutes=5),
    ]
    assert backoff(len(BACKOFF)) == backoff(50) == dt.timedelta(hours=1)


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (smtplib.SMTPRecipientsRefused({"a@x.pl": (550, b"no such user")}), True),
        (smtplib.SMTPRecipientsRefused({"a@x.pl": (450, b"mailbox busy")}), False),
        (smtplib.SMTPDataError(554, b"rejected"), True),
        (smtplib.SMTPSenderRefused(451, b"try later", "from@x.pl"), False),
        (ConnectionRefusedError(), False),
        (smtplib.SMTPServerDisconnected(), False),
    ],
)
def test_only_a_5xx_refusal_is_permanent(exc, expected):
    assert permanent(exc) is expected


def test_connection_problems_mean_the_server_is_unreachable():
    assert unreachable(ConnectionRefusedError())
    assert unreachable(smtplib.SMTPServerDisconnected())
    assert not unreachable(smtplib.SMTPRecipientsRefused({"a@x.pl": (550, b"no")}))
