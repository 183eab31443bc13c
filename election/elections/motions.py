"""Motions: open yes/no/abstain votes of the Partners, e.g. approving the Regulamin.

Who votes is the election's eligibility rule (:mod:`election.elections.roll`): one vote
per eligible Partner, of any group, online by its rep or on paper entered by the chair.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from election.audit.service import Actor, record
from election.collation import polish_text_key
from election.db import utcnow
from election.elections import roll
from election.elections.models import (
    Channel,
    Election,
    Motion,
    MotionChoice,
    MotionStatus,
    MotionVote,
    Phase,
    RulesStatus,
)
from election.elections.regulamin import get_rules
from election.errors import N_, AlreadyVoted, Conflict, Forbidden, NotEligible, NotFound
from election.partners.models import Partner

#: ``Motion.kind`` of the motion approving the Regulamin.
RULES_MOTION = "rules_approval"
#: Stored as the motion's title (Polish, the language of the meeting's minutes).
RULES_MOTION_TITLE = "Zatwierdzenie Regulaminu wyboru"

ALREADY_VOTED = N_("Ten Partner już głosował w sprawie tej uchwały.")


def get_motion(session: Session, motion_id: int) -> Motion:
    """The motion, or :class:`NotFound`."""
    motion = session.get(Motion, motion_id)
    if motion is None:
        raise NotFound(N_("Nie ma takiej uchwały."))
    return motion


def motions(session: Session, election: Election) -> list[Motion]:
    """The election's motions, latest first."""
    return list(
        session.scalars(
            select(Motion).where(Motion.election_id == election.id).order_by(Motion.id.desc())
        )
    )


def open_motion(session: Session, election: Election) -> Motion | None:
    """The election's motion being voted on now, if any."""
    return session.scalar(
        select(Motion).where(Motion.election_id == election.id, Motion.status == MotionStatus.OPEN)
    )


def _lock(session: Session, model: type, object_id: int, *, exclusive: bool) -> object:
    """Reload a row under a row lock (PostgreSQL; SQLite's write lock already serialises).

    Votes take a shared lock on their motion and closing takes an exclusive one, so no
    vote slips in between counting and closing.
    """
    stmt = (
        select(model)
        .where(model.id == object_id)  # type: ignore[attr-defined]
        .with_for_update(read=not exclusive)
        .execution_options(populate_existing=True)
    )
    return session.scalar(stmt)


def open_rules_motion(
    session: Session, actor: Actor, election: Election, *, now: dt.datetime | None = None
) -> Motion:
    """Open the motion "Zatwierdzenie Regulaminu wyboru".

    Only once the Regulamin was sent (or after a rejected one, to vote again) and
    while no other motion of the election is open.
    """
    _lock(session, Election, election.id, exclusive=True)
    election.require_phase(Phase.DRAFT, Phase.NOMINATIONS, Phase.CANDIDATES_PUBLISHED, Phase.VOTING)
    rules = get_rules(session, election)
    if rules is None or rules.status == RulesStatus.DRAFT:
        raise Conflict(
            N_("Regulamin nie został jeszcze wysłany Partnerom; nie można głosować nad nim.")
        )
    if rules.status == RulesStatus.ADOPTED:
        raise Conflict(N_("Regulamin został już przyjęty."))
    if open_motion(session, election) is not None:
        raise Conflict(N_("Głosowanie nad uchwałą jest już otwarte."))
    motion = Motion(
        election_id=election.id,
        kind=RULES_MOTION,
        title=RULES_MOTION_TITLE,
        status=MotionStatus.OPEN,
        opened_at=now or utcnow(),
    )
    session.add(motion)
    session.flush()
    record(session, actor, "motion.opened", motion, election_id=election.id, kind=motion.kind)
    return motion


def motion_voters(session: Session, election: Election) -> list[Partner]:
    """Partners who may vote on the election's motions: those eligible in the election
    (active, signed by its cut-off — :func:`roll.eligible`), any group, in Polish order."""
    return roll.eligible(session, election)


def partner_vote(session: Session, motion_id: int, partner_id: int) -> MotionVote | None:
    """The Partner's vote on the motion, if it voted."""
    return session.scalar(
        select(MotionVote).where(
            MotionVote.motion_id == motion_id, MotionVote.partner_id == partner_id
        )
    )


def _cast(
    session: Session,
    actor: Actor,
    motion_id: int,
    partner_id: int,
    choice: MotionChoice,
    channel: Channel,
) -> MotionVote:
    if actor.id is None:
        raise Forbidden(N_("Głos może oddać tylko zalogowany użytkownik."))
    motion = _lock(session, Motion, motion_id, exclusive=False)
    if not isinstance(motion, Motion):
        raise NotFound(N_("Nie ma takiej uchwały."))
    if motion.status != MotionStatus.OPEN:
        raise Conflict(N_("Głosowanie nad tą uchwałą jest zamknięte."))
    partner = session.get(Partner, partner_id)
    if partner is None:
        raise NotFound(N_("Nie ma takiego Partnera."))
    if not roll.is_eligible(session, motion.election, partner_id):
        raise NotEligible(
            N_(
                "%(name)s nie może głosować: głosują aktywni Partnerzy z umową o współpracy "
                "podpisaną do dnia %(cutoff)s."
            ),
            name=partner.name,
            cutoff=motion.election.cutoff_date.strftime("%d.%m.%Y"),
        )
    if partner_vote(session, motion_id, partner_id) is not None:
        raise AlreadyVoted(ALREADY_VOTED)
    vote = MotionVote(
        motion_id=motion_id,
        partner_id=partner_id,
        choice=choice,
        channel=channel,
        cast_by_id=actor.id,
        cast_at=utcnow(),
    )
    try:
        # A savepoint: a concurrent double vote hits the unique constraint and the
        # caller's transaction stays usable.
        with session.begin_nested():
            session.add(vote)
            session.flush()
    except IntegrityError as exc:
        raise AlreadyVoted(ALREADY_VOTED) from exc
    record(
        session,
        actor,
        "motion.voted",
        motion,
        partner_id=partner_id,
        choice=choice.value,
        channel=channel.value,
    )
    return vote


def vote_online(
    session: Session,
    actor: Actor,
    motion_id: int,
    *,
    rep_partner_id: int | None,
    partner_id: int,
    choice: MotionChoice,
) -> MotionVote:
    """A rep's vote for its own Partner; ``partner_id`` (from the form) must be that Partner."""
    if rep_partner_id is None or partner_id != rep_partner_id:
        raise Forbidden(N_("Możesz głosować tylko w imieniu swojego Partnera."))
    return _cast(session, actor, motion_id, partner_id, choice, Channel.ONLINE)


def vote_on_paper(
    session: Session, actor: Actor, motion_id: int, *, partner_id: int, choice: MotionChoice
) -> MotionVote:
    """The chair enters the vote of a Partner voting on paper in the room."""
    return _cast(session, actor, motion_id, partner_id, choice, Channel.PAPER)


def motion_counts(session: Session, motion_id: int) -> dict[MotionChoice, int]:
    """Votes per choice (every choice a key)."""
    rows = session.execute(
        select(MotionVote.choice, func.count())
        .where(MotionVote.motion_id == motion_id)
        .group_by(MotionVote.choice)
    )
    counts = {choice: 0 for choice in MotionChoice}
    for choice, n in rows:
        counts[MotionChoice(choice)] = n
    return counts


def motion_votes(session: Session, motion_id: int) -> list[MotionVote]:
    """The motion's votes (it is voted openly), in Polish order of the Partners' names."""
    votes = session.scalars(select(MotionVote).where(MotionVote.motion_id == motion_id))
    return sorted(votes, key=lambda v: polish_text_key(v.partner.name))


def close_motion(
    session: Session, actor: Actor, motion_id: int, *, now: dt.datetime | None = None
) -> Motion:
    """Close the motion and record its result under the election's majority rule.

    For the Regulamin's motion the Regulamin becomes adopted or rejected; a rejected
    one can be put to a new motion.
    """
    motion = _lock(session, Motion, motion_id, exclusive=True)
    if not isinstance(motion, Motion):
        raise NotFound(N_("Nie ma takiej uchwały."))
    counts = motion_counts(session, motion_id)
    election = motion.election
    motion.close(
        yes=counts[MotionChoice.YES],
        no=counts[MotionChoice.NO],
        abstain=counts[MotionChoice.ABSTAIN],
        rule=election.majority_rule,
        now=now or utcnow(),
    )
    if motion.kind == RULES_MOTION:
        rules = get_rules(session, election)
        if rules is not None:
            rules.settle(bool(motion.adopted))
    session.flush()
    record(
        session,
        actor,
        "motion.closed",
        motion,
        election_id=election.id,
        yes=motion.yes,
        no=motion.no,
        abstain=motion.abstain,
        adopted=motion.adopted,
        majority_rule=election.majority_rule.value,
    )
    return motion
