"""What the tally does when a lower feature signals (``election.signals``)."""

from __future__ import annotations

from flask import current_app
from sqlalchemy.orm import Session

from election import signals
from election.audit.service import Actor
from election.elections.custody import KeyStore
from election.tally import counting
from election.voting.models import Round


def _on_round_closed(session: Session, *, actor: Actor, round: Round) -> None:
    """A closed round is counted at once, in the closing transaction (a secret round may
    wait: for its paper ballots, or for the tellers)."""
    counting.count_round(session, actor, round, KeyStore(current_app.instance_path))


def connect() -> None:
    """Connect the tally's receivers; called once by the app factory."""
    signals.round_closed.connect(_on_round_closed)
