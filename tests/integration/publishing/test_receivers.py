"""The signals of lower features queue posts in the same transaction as the action."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from election import signals, transaction
from election.extensions import db
from election.publishing.models import Publication, PublicationKind
from tests.factories import SYSTEM, make_election


def _publications() -> list[tuple[int, PublicationKind]]:
    db.session.expire_all()
    return [(p.election_id, p.kind) for p in db.session.scalars(select(Publication))]


@pytest.mark.parametrize(
    ("signal", "kwargs", "kind"),
    [
        (signals.candidates_published, {}, PublicationKind.CANDIDATES),
        (signals.council_certified, {"actor": SYSTEM}, PublicationKind.RESULTS),
    ],
)
def test_a_signal_queues_its_post_and_it_commits_with_the_action(ctx, signal, kwargs, kind):
    election = make_election()
    db.session.commit()

    transaction.run(lambda session: signal.send(session, election=election, **kwargs))

    assert _publications() == [(election.id, kind)]


def test_a_refused_action_leaves_no_post_behind(ctx):
    election = make_election()
    db.session.commit()

    def publish_then_fail(session):
        signals.candidates_published.send(session, election=election)
        raise RuntimeError("refused after the signal")

    with pytest.raises(RuntimeError):
        transaction.run(publish_then_fail)

    assert _publications() == []
