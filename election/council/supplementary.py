"""Dead end C, the way out with more candidates: a group's voting ended with seats left
because there were fewer candidates than seats. The chair reopens nominations for that
group only (:mod:`election.candidates.supplements`), the nominations are verified,
publishing them adds the candidates to the list and creates a round for the open seats
— an ordinary round, opened, closed and counted like every other.
"""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from election.audit.service import Actor, record
from election.candidates import supplements
from election.candidates.models import Supplement
from election.council.vacancies import shortfall, vacancies_of
from election.elections.models import Election, Phase
from election.errors import N_, Conflict
from election.labels import GROUP_LABELS
from election.partners.models import PartnerGroup
from election.voting.models import Round, RoundStatus
from election.voting.rounds import latest_round


def open_for(session: Session, actor: Actor, election: Election, group: PartnerGroup) -> Supplement:
    """Reopen nominations for ``group``'s seats left empty.

    Raises :class:`WrongPhase` outside voting (after it, record a vacancy instead) and
    :class:`Conflict` when the group's voting is not over with seats left, a vacancy is
    recorded for it, or its supplementary nominations are open already.
    """
    election.require_phase(Phase.VOTING)
    label = str(GROUP_LABELS[group])
    if group in vacancies_of(session, election):
        raise Conflict(
            N_(
                "W grupie „%(group)s” zapisano wakat; wycofaj go, aby otworzyć zgłoszenia "
                "uzupełniające."
            ),
            group=label,
        )
    empty = shortfall(session, election).get(group)
    if not empty:
        raise Conflict(
            N_(
                "Zgłoszenia uzupełniające otwiera się, gdy głosowanie w grupie „%(group)s” "
                "zakończyło się, a miejsca zostały wolne, bo kandydatów było za mało."
            ),
            group=label,
        )
    return supplements.open_supplement(session, actor, election, group, empty)


def publish(session: Session, actor: Actor, election: Election, supplement: Supplement) -> Round:
    """Publish the supplement's verified candidates and create the round (pending) that
    fills the group's open seats among them; returns the round.

    Refused as :func:`election.candidates.supplements.publish` is, and with
    :class:`Conflict` when the group has a round that is not over.
    """
    last = latest_round(session, election, supplement.group)
    if last is not None and last.status != RoundStatus.CLOSED:
        raise Conflict(N_("W tej grupie trwa inna tura; zakończ ją najpierw."))
    candidates = supplements.publish(session, actor, election, supplement)
    round_ = Round(
        election_id=election.id,
        group=supplement.group,
        number=(last.number + 1) if last is not None else 1,
        seats=supplement.seats,
        status=RoundStatus.PENDING,
    )
    round_.candidates = candidates
    try:
        with session.begin_nested():
            session.add(round_)
            session.flush()
    except IntegrityError as exc:
        raise Conflict(N_("W tej grupie utworzono już kolejną turę.")) from exc
    supplement.round_id = round_.id
    session.flush()
    record(
        session,
        actor,
        "round.supplement_created",
        round_,
        election_id=election.id,
        group=round_.group.value,
        number=round_.number,
        seats=round_.seats,
        supplement=supplement.id,
        candidates=[c.id for c in candidates],
    )
    return round_
