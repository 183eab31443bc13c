"""The transaction edge: every view and CLI action changes data through :func:`run`.

Services are handed the session, check, change, record their audit event and flush —
they never commit. The edge runs one service call, commits once, and only then runs
the *after-commit effects* the service asked for with :func:`after_commit` (an email,
a kick to the LMS sender): what the outside world hears about has been written.

A refusal is a :class:`~election.errors.DomainError`. The edge rolls the transaction
back, drops the effects and re-raises it, unchanged. How it is answered is the
caller's, in one of three documented ways (``docs/architecture.md``):

* a button's view uses :func:`election.web.act`: the message is flashed and the user
  goes back to the page (303);
* a form's view catches it and shows the message beside the form;
* anything else lets it propagate to the app's error handler: an error page with the
  error's status, or the JSON ``{"error", "message"}`` under ``/api/``;
* a CLI command uses :func:`run_command`: the message on stderr, exit status 1.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

import click
from sqlalchemy.orm import Session

from election.errors import DomainError
from election.extensions import db

log = logging.getLogger(__name__)

P = ParamSpec("P")
T = TypeVar("T")

Effect = Callable[[], None]

#: Key in ``Session.info`` of the effects waiting for the commit.
_EFFECTS = "after_commit_effects"


def after_commit(session: Session, effect: Effect) -> None:
    """Run ``effect`` once the caller's transaction has committed (never on rollback).

    An effect must not need the transaction (it runs after it) and should not raise:
    a failure is logged and the next effect still runs — the data are committed and
    each effect's own outbox keeps what it must retry.
    """
    session.info.setdefault(_EFFECTS, []).append(effect)


def run_effects(session: Session) -> None:
    """Run and forget the effects queued in ``session`` (after a commit)."""
    for effect in session.info.pop(_EFFECTS, []):
        try:
            effect()
        except Exception:
            log.exception("after-commit effect %r failed", effect)


def discard_effects(session: Session) -> None:
    session.info.pop(_EFFECTS, None)


def commit(session: Session) -> None:
    """Commit ``session``, then run its after-commit effects."""
    try:
        session.commit()
    except BaseException:
        session.rollback()
        discard_effects(session)
        raise
    run_effects(session)


def run(action: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
    """Run ``action(db.session, *args, **kwargs)``, commit, then the effects; the result.

    On any exception (a :class:`DomainError` refusal included) the transaction is
    rolled back, nothing is sent, and the exception propagates unchanged.
    """
    session = db.session
    try:
        result = action(session, *args, **kwargs)
    except BaseException:
        session.rollback()
        discard_effects(session)
        raise
    commit(session)
    return result


def run_command(
    action: Callable[Concatenate[Session, P], T], *args: P.args, **kwargs: P.kwargs
) -> T:
    """:func:`run` for a CLI command: a refusal is printed and the command exits 1."""
    try:
        return run(action, *args, **kwargs)
    except DomainError as exc:
        raise click.ClickException(str(exc)) from exc
