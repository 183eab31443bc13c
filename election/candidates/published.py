"""The published candidate list: publishing it (which locks it) and reading it.

What the public page, the API, the LMS post and the ballots show. Publishing sends
:data:`election.signals.candidates_published`; the publishing feature's receiver queues
the LMS post in the same transaction.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from election import signals
from election.audit.service import Actor, record
from election.candidates.models import Candidate, CandidateStatus, Supplement
from election.candidates.nominations import by_group, nominations_by_group, require_list_open
from election.elections.models import Election, Phase
from election.errors import N_, Conflict, NotFound
from election.labels import GROUP_LABELS
from election.partners.models import GROUPS, PartnerGroup


def published_list(session: Session, election: Election) -> dict[PartnerGroup, list[Candidate]]:
    """The published candidate list: verified candidates per group, in Polish order.

    Every group is a key (possibly with an empty list). Raises :class:`NotFound`
    before the list is published. This is what the public page, the API, the LMS and
    the ballots show. Candidates of supplementary nominations join it when their
    supplement is published.
    """
    if not election.candidates_public:
        raise NotFound(N_("Lista kandydatów tych wyborów nie została jeszcze opublikowana."))
    published_supplements = select(Supplement.id).where(
        Supplement.election_id == election.id, Supplement.published_at.is_not(None)
    )
    rows = session.scalars(
        select(Candidate)
        .options(joinedload(Candidate.partner))
        .where(
            Candidate.election_id == election.id,
            Candidate.status == CandidateStatus.VERIFIED,
            Candidate.supplement_id.is_(None) | Candidate.supplement_id.in_(published_supplements),
        )
    ).all()
    return by_group(list(rows))


def publish_list(session: Session, actor: Actor, election: Election) -> dict[PartnerGroup, int]:
    """Publish the candidate list: lock it and move the election to ``candidates_published``.

    Requires the nominations phase, no nomination still awaiting verification and at
    least one verified candidate in every group the election has seats for (a
    by-election elects one group). Sends ``candidates_published``.
    Returns the number of candidates per group.
    """
    require_list_open(election)
    everyone = nominations_by_group(session, election)
    waiting = [
        c.full_name for g in GROUPS for c in everyone[g] if c.status == CandidateStatus.NOMINATED
    ]
    if waiting:
        raise Conflict(
            N_("Nie wszystkie zgłoszenia są rozpatrzone; zweryfikuj lub odrzuć: %(names)s."),
            names=", ".join(waiting),
        )
    counts = {
        g: sum(1 for c in everyone[g] if c.status == CandidateStatus.VERIFIED) for g in GROUPS
    }
    missing = [g for g in GROUPS if counts[g] == 0 and election.elects(g)]
    if missing:
        if len(missing) == 1:
            raise Conflict(
                N_("Brak zweryfikowanych kandydatów w grupie: %(group)s."),
                group=str(GROUP_LABELS[missing[0]]),
            )
        raise Conflict(
            N_("Brak zweryfikowanych kandydatów w grupach: %(groups)s."),
            groups=", ".join(str(GROUP_LABELS[g]) for g in missing),
        )
    election.advance_to(Phase.CANDIDATES_PUBLISHED)
    session.flush()
    record(
        session,
        actor,
        "candidates.published",
        election,
        **{g.value: counts[g] for g in GROUPS},
    )
    # Publishing (a higher feature) queues the LMS post in this transaction.
    signals.candidates_published.send(session, election=election)
    return counts
