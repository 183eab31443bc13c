"""Email: every message goes through the outbox, written in the action's transaction.

:func:`send_after_commit` is what features call: the messages become outbox rows in the
caller's transaction (:mod:`election.mail.outbox`) — nothing exists if it rolls back —
and are sent once it commits, so the caller learns from the :class:`Delivery` who was
sent the message. :func:`send_later` is for notifications to many people: the request
does not wait for them. Whatever fails, or whatever a process that died left behind, is
sent by ``flask mail send`` or ``flask mail worker`` (``docs/deploy.md``); a row is
never sent twice by two deliverers (leases).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence

from flask import Flask, current_app, has_request_context
from sqlalchemy.orm import Session

from election.extensions import db
from election.mail.outbox import Delivery, Message, deliver, queue
from election.transaction import after_commit

__all__ = ["Delivery", "Message", "send_after_commit", "send_later"]

log = logging.getLogger(__name__)


def _messages(
    session: Session, messages: Sequence[Message] | Callable[[], Sequence[Message]]
) -> Sequence[Message]:
    if not callable(messages):
        return messages
    # What the action wrote (a new user's id in a link) is in the database after a flush.
    session.flush()
    return messages()


def send_after_commit(
    session: Session,
    messages: Sequence[Message] | Callable[[], Sequence[Message]],
    delivery: Delivery | None = None,
) -> Delivery:
    """Queue ``messages`` in ``session``'s transaction; send them once it commits.

    ``messages`` may be a function, called now after a flush, for messages that need
    what the action wrote (a new user's id in a link). The returned :class:`Delivery`
    tells the caller, after the edge returns, who was sent a message and who was not;
    a failure is logged, never raised (the action is committed), and the message stays
    in the outbox to be retried. Nothing is queued or sent if the transaction rolls back.
    """
    delivery = delivery if delivery is not None else Delivery()
    ids = queue(session, _messages(session, messages))

    def effect() -> None:
        deliver(db.session, current_app.config, ids=ids, delivery=delivery)

    if ids:
        after_commit(session, effect)
    return delivery


def _deliver_in_background(app: Flask, ids: list[int]) -> None:
    with app.app_context():
        try:
            deliver(db.session, app.config, ids=ids)
        except Exception:
            log.exception("mail delivery in the background failed; the worker will retry")
        finally:
            db.session.remove()


def send_later(session: Session, messages: Sequence[Message]) -> int:
    """Queue ``messages`` in ``session``'s transaction for sending without waiting; how many.

    After the commit, a request hands them to a thread of this process (``MAIL_BACKGROUND``,
    on by default, off in tests: then they are sent before the request answers); a
    command sends them at once. Failures wait in the outbox for ``flask mail send``.
    """
    ids = queue(session, messages)
    if not ids:
        return 0

    def effect() -> None:
        app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
        background = app.config.get("MAIL_BACKGROUND", not app.testing)
        if background and has_request_context():
            thread = threading.Thread(
                target=_deliver_in_background, args=(app, ids), name="mail-outbox", daemon=True
            )
            thread.start()
        else:
            deliver(db.session, app.config, ids=ids)

    after_commit(session, effect)
    return len(ids)
