"""The mail outbox: every email is a row written in the action's transaction, sent after
the commit, retried later, never lost on a crash and never sent twice."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from flask import current_app
from sqlalchemy import func, select

from election import transaction
from election.db import utcnow
from election.extensions import db
from election.mail import Message, outbox, send_after_commit, send_later
from election.mail.cli import Worker
from election.mail.models import MailStatus, OutboxMail
from tests.support.web import free_port

MESSAGE = Message("rep@example.pl", "Zaproszenie", "Dzień dobry,\n\ntreść.\n")


def rows() -> list[OutboxMail]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMail).order_by(OutboxMail.id)))


def queue_and_die(count: int = 1) -> list[int]:
    """Commit rows as an action does, then "die" before the after-commit delivery."""
    ids = outbox.queue(
        db.session, [Message(f"rep{i}@example.pl", f"Temat {i}", "Treść.") for i in range(count)]
    )
    db.session.commit()
    transaction.discard_effects(db.session)
    return ids


@pytest.fixture
def smtp_down(app, monkeypatch):
    # Nothing listens on a fresh free port: every delivery fails.
    monkeypatch.setitem(app.config, "SMTP_PORT", free_port())


def test_a_message_rolled_back_with_its_action_is_neither_stored_nor_sent(ctx, mailbox):
    def action(session):
        send_after_commit(session, [MESSAGE])
        assert session.scalar(select(func.count(OutboxMail.id))) == 1  # a row, in the action
        raise RuntimeError("the action fails after queueing")

    with pytest.raises(RuntimeError):
        transaction.run(action)
    assert rows() == [] and mailbox.messages == []


def test_after_the_commit_the_message_is_sent_once_and_marked_sent(ctx, mailbox):
    delivery = transaction.run(send_after_commit, [MESSAGE])
    assert delivery.sent == ["rep@example.pl"] and delivery.failed == []
    [message] = mailbox.messages
    assert message["To"] == "rep@example.pl" and message["Subject"] == "Zaproszenie"
    [row] = rows()
    assert row.status == MailStatus.SENT and row.sent_at is not None and row.attempts == 1
    assert message["Message-ID"] == f"<outbox.{row.id}.{int(row.created_at.timestamp())}@localhost>"
    assert outbox.deliver(db.session, current_app.config).sent == []  # nothing left
    assert len(mailbox.messages) == 1


def test_messages_needing_what_the_action_wrote_are_made_after_a_flush(ctx, mailbox):
    def action(session):
        row = OutboxMail(to_address="x@example.pl", subject="s", body="b")
        session.add(row)
        return send_after_commit(session, lambda: [Message("a@example.pl", f"id {row.id}", "b")])

    delivery = transaction.run(action)
    assert delivery.sent == ["a@example.pl"]
    assert mailbox.messages[0]["Subject"].startswith("id ")


def test_a_failed_delivery_stays_queued_and_flask_mail_send_sends_it_later(
    app, ctx, runner, mailbox, monkeypatch
):
    port = app.config["SMTP_PORT"]
    monkeypatch.setitem(app.config, "SMTP_PORT", free_port())
    delivery = transaction.run(send_after_commit, [MESSAGE])
    assert delivery.failed == ["rep@example.pl"] and mailbox.messages == []
    [row] = rows()
    assert row.status == MailStatus.PENDING and row.attempts == 1
    assert row.next_attempt_at > utcnow() and "ConnectionRefusedError" in (row.last_error or "")

    status = runner.invoke(args=["mail", "status"])
    assert "czekające: 1" in status.output and "rep@example.pl" in status.output

    monkeypatch.setitem(app.config, "SMTP_PORT", port)
    result = runner.invoke(args=["mail", "send"])
    assert "Nie ma nic do wysłania" in result.output  # it waits for its retry time
    row.next_attempt_at = utcnow() - dt.timedelta(seconds=1)
    db.session.commit()
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0 and "Wysłano: 1" in result.output
    assert len(mailbox.to("rep@example.pl")) == 1
    assert runner.invoke(args=["mail", "send"]).output.startswith("Nie ma nic")
    assert rows()[0].status == MailStatus.SENT


def test_flask_mail_send_exits_1_when_the_server_is_down(ctx, runner, smtp_down):
    queue_and_die()
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 1 and "nie udało się: 1" in result.output


def test_a_row_committed_by_a_process_that_died_is_sent_exactly_once_later(app, ctx, mailbox):
    [row_id] = queue_and_die()
    assert mailbox.messages == []  # the process "died": no after-commit delivery
    first = outbox.deliver(db.session, app.config)
    second = outbox.deliver(db.session, app.config)
    assert first.sent == ["rep0@example.pl"] and second.sent == []
    assert len(mailbox.messages) == 1 and rows()[0].id == row_id


def test_a_deliverer_that_died_holding_a_lease_frees_the_row_when_the_lease_ends(app, ctx, mailbox):
    queue_and_die()
    now = utcnow()
    outbox.take(db.session, now)  # took it … and died before sending
    assert outbox.deliver(db.session, app.config, now=now).sent == []  # held by the dead one
    later = now + outbox.LEASE + dt.timedelta(seconds=1)
    assert outbox.deliver(db.session, app.config, now=later).sent == ["rep0@example.pl"]
    assert outbox.deliver(db.session, app.config, now=later).sent == []
    assert len(mailbox.messages) == 1


def test_two_deliverers_at_once_send_each_message_once(app, ctx, mailbox):
    queue_and_die(12)
    start = threading.Barrier(2)
    sent: list[list[str]] = []

    def deliverer() -> None:
        with app.app_context():
            start.wait()
            sent.append(outbox.deliver(db.session, app.config).sent)
            db.session.remove()

    threads = [threading.Thread(target=deliverer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(sent[0] + sent[1]) == sorted(f"rep{i}@example.pl" for i in range(12))
    ids = [m["Message-ID"] for m in mailbox.messages]
    assert len(ids) == 12 and len(set(ids)) == 12
    assert all(row.status == MailStatus.SENT and row.attempts == 1 for row in rows())


def test_an_unreachable_server_fails_the_rest_of_the_run_without_trying_each(app, ctx, smtp_down):
    queue_and_die(3)
    delivery = outbox.deliver(db.session, app.config)
    assert len(delivery.failed) == 3
    assert {row.attempts for row in rows()} == {1}


def test_a_row_is_given_up_after_too_many_failures_and_can_be_queued_again(
    app, ctx, runner, mailbox, smtp_down, monkeypatch
):
    queue_and_die()
    now = utcnow()
    for attempt in range(outbox.MAX_ATTEMPTS):
        outbox.deliver(db.session, app.config, now=now + dt.timedelta(days=attempt + 1))
    [row] = rows()
    assert row.status == MailStatus.FAILED and row.attempts == outbox.MAX_ATTEMPTS
    monkeypatch.undo()  # the server is back
    assert runner.invoke(args=["mail", "send"]).output.startswith("Nie ma nic")
    result = runner.invoke(args=["mail", "send", "--retry-failed"])
    assert "Przywrócono do kolejki: 1" in result.output and "Wysłano: 1" in result.output
    assert len(mailbox.messages) == 1


def test_the_worker_sends_what_is_due_and_sleeps_at_most_its_interval(app, ctx, mailbox):
    queue_and_die(2)
    worker = Worker(interval=30)
    with app.app_context():
        assert worker.run_once() == 30
    assert len(mailbox.messages) == 2


def test_send_later_sends_in_a_background_thread_after_a_request(app, mailbox, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_BACKGROUND", True)
    with app.test_request_context("/", method="POST"):
        assert transaction.run(send_later, [MESSAGE]) == 1
        db.session.remove()
    for thread in threading.enumerate():
        if thread.name == "mail-outbox":
            thread.join(timeout=30)
    assert len(mailbox.to("rep@example.pl")) == 1
    with app.app_context():
        assert rows()[0].status == MailStatus.SENT
