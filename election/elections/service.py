"""Elections: setup, phases, the voter roll, the Regulamin and its motion.

Every function here takes the session (and an :class:`Actor` when it changes
something), checks, changes, records the audit event and flushes; the caller commits.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata
from dataclasses import dataclass, fields

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from election.audit.service import Actor, record
from election.auth.models import Role, User
from election.db import utcnow
from election.elections.models import (
    NEXT_PHASE,
    PHASE_LABELS,
    BallotOrder,
    Channel,
    Election,
    MajorityRule,
    Motion,
    MotionChoice,
    MotionStatus,
    MotionVote,
    Phase,
    RollEntry,
    Rules,
    RulesStatus,
    TieRule,
)
from election.elections.rules import motion_adopted, pdf_problem, safe_pdf_filename, utc_to_warsaw
from election.errors import (
    N_,
    AlreadyVoted,
    Conflict,
    Forbidden,
    NotEligible,
    NotFound,
    ValidationFailed,
    WrongPhase,
)
from election.partners.models import Partner, PartnerGroup

#: Group names for messages (translated where they are shown).
GROUP_NAMES: dict[PartnerGroup, str] = {
    PartnerGroup.GMINA: N_("gminy"),
    PartnerGroup.POWIAT: N_("powiaty"),
    PartnerGroup.MIASTO_NPP: N_("miasta na prawach powiatu"),
}

#: ``Motion.kind`` of the motion approving the Regulamin.
RULES_MOTION = "rules_approval"
#: Stored as the motion's title (Polish, the language of the meeting's minutes).
RULES_MOTION_TITLE = "Zatwierdzenie Regulaminu wyboru"

#: Longest Regulamin text accepted (characters).
MAX_RULES_TEXT = 200_000


def get_election(session: Session, election_id: int) -> Election:
    """The election, or :class:`NotFound`."""
    election = session.get(Election, election_id)
    if election is None:
        raise NotFound(N_("Nie ma takich wyborów."))
    return election


def list_elections(session: Session) -> list[Election]:
    """All elections, newest first."""
    return list(session.scalars(select(Election).order_by(Election.id.desc())))


# --- setup ---------------------------------------------------------------------------------


@dataclass
class ElectionSettings:
    """Everything an admin sets on an election. ``nomination_deadline`` is aware (UTC)."""

    title: str
    cutoff_date: dt.date
    term: str = ""
    meeting_date: dt.date | None = None
    meeting_place: str = ""
    seats_gmina: int = 2
    seats_powiat: int = 2
    seats_miasto_npp: int = 2
    leader_seats: int = 1
    scsi_seats: int = 2
    secret: bool = True
    tie_rule: TieRule = TieRule.RUNOFF_THEN_LOTS
    ballot_order: BallotOrder = BallotOrder.ALPHABETICAL
    majority_rule: MajorityRule = MajorityRule.SIMPLE
    nomination_deadline: dt.datetime | None = None
    quorum_percent: int | None = None

    @classmethod
    def of(cls, election: Election) -> ElectionSettings:
        return cls(**{f.name: getattr(election, f.name) for f in fields(cls)})


#: Settings that shape the vote: locked once voting starts (``Election.settings_locked``).
VOTE_SETTINGS = (
    "seats_gmina",
    "seats_powiat",
    "seats_miasto_npp",
    "leader_seats",
    "scsi_seats",
    "secret",
    "tie_rule",
    "ballot_order",
    "majority_rule",
    "cutoff_date",
    "quorum_percent",
)

#: (field, lowest, highest) — the same bounds as the table's CHECK constraints.
_BOUNDS = (
    ("seats_gmina", 1, 20),
    ("seats_powiat", 1, 20),
    ("seats_miasto_npp", 1, 20),
    ("leader_seats", 1, 5),
    ("scsi_seats", 0, 5),
)


def _validate(settings: ElectionSettings) -> None:
    if not settings.title.strip():
        raise ValidationFailed(N_("Podaj nazwę wyborów."))
    if len(settings.title) > 200 or len(settings.term) > 60 or len(settings.meeting_place) > 200:
        raise ValidationFailed(N_("Nazwa, kadencja lub miejsce zebrania są za długie."))
    for name, low, high in _BOUNDS:
        value = getattr(settings, name)
        if not low <= value <= high:
            raise ValidationFailed(
                N_("Liczba miejsc musi być od %(low)s do %(high)s."), low=low, high=high
            )
    if settings.quorum_percent is not None and not 0 <= settings.quorum_percent <= 100:
        raise ValidationFailed(N_("Kworum musi być od 0 do 100 procent."))
    if settings.nomination_deadline is not None and settings.nomination_deadline.tzinfo is None:
        raise ValueError("nomination_deadline must be timezone-aware")


def create_election(session: Session, actor: Actor, settings: ElectionSettings) -> Election:
    """A new election in the draft phase."""
    _validate(settings)
    election = Election(phase=Phase.DRAFT)
    for f in fields(ElectionSettings):
        setattr(election, f.name, getattr(settings, f.name))
    session.add(election)
    session.flush()
    record(session, actor, "election.created", election, title=election.title)
    return election


def update_election(
    session: Session, actor: Actor, election: Election, settings: ElectionSettings
) -> dict[str, list[object]]:
    """Change the election's settings; return the changes as ``{field: [old, new]}``.

    Raises :class:`WrongPhase` when a setting that shapes the vote would change after
    voting started (nothing is changed then).
    """
    _validate(settings)
    old = ElectionSettings.of(election)
    changes = {
        f.name: [getattr(old, f.name), getattr(settings, f.name)]
        for f in fields(ElectionSettings)
        if getattr(old, f.name) != getattr(settings, f.name)
    }
    if election.settings_locked and any(name in VOTE_SETTINGS for name in changes):
        raise WrongPhase(
            N_(
                "Wybory są w fazie „%(current)s”: ustawień głosowania (liczby miejsc, "
                "tajności, reguł, daty granicznej, kworum) nie można już zmieniać."
            ),
            current=PHASE_LABELS[election.phase],
        )
    if not changes:
        return changes
    for name, (_old, new) in changes.items():
        setattr(election, name, new)
    session.flush()
    record(session, actor, "election.updated", election, changes=changes)
    return changes


# --- phases --------------------------------------------------------------------------------


def _check_move(election: Election, target: Phase) -> None:
    """Raise the model's :class:`WrongPhase` if ``target`` is not next; change nothing."""
    if NEXT_PHASE.get(election.phase) != target:
        election.advance_to(target)  # raises with the message saying why


def open_nominations(
    session: Session, actor: Actor, election: Election, *, now: dt.datetime | None = None
) -> None:
    """draft → nominations. Refused when the nomination deadline has already passed."""
    now = now or utcnow()
    _check_move(election, Phase.NOMINATIONS)
    if election.nomination_deadline is not None and election.nomination_deadline <= now:
        raise ValidationFailed(
            N_(
                "Termin zgłaszania kandydatów (%(deadline)s) już minął. Zmień go w "
                "ustawieniach wyborów."
            ),
            deadline=utc_to_warsaw(election.nomination_deadline).strftime("%d.%m.%Y %H:%M"),
        )
    election.advance_to(Phase.NOMINATIONS)
    session.flush()
    record(session, actor, "election.nominations_opened", election)


def start_voting(
    session: Session, actor: Actor, election: Election, *, now: dt.datetime | None = None
) -> dict[PartnerGroup, list[RollEntry]]:
    """candidates_published → voting, freezing the voter roll; return the frozen roll.

    Every group elects its own members, so each group must have at least one
    eligible Partner; the roll is a snapshot (name and TERYT as they are now) that
    later changes to the register do not alter.
    """
    _check_move(election, Phase.VOTING)
    eligible = eligible_partners(session, election)
    if not any(eligible.values()):
        raise Conflict(
            N_(
                "Spis uprawnionych jest pusty: żaden aktywny Partner nie podpisał umowy "
                "do dnia %(cutoff)s."
            ),
            cutoff=election.cutoff_date.strftime("%d.%m.%Y"),
        )
    for group, partners in eligible.items():
        if not partners:
            raise Conflict(
                N_(
                    "W grupie „%(group)s” nie ma żadnego uprawnionego Partnera (aktywnego, "
                    "z umową podpisaną do dnia %(cutoff)s)."
                ),
                group=GROUP_NAMES[group],
                cutoff=election.cutoff_date.strftime("%d.%m.%Y"),
            )
    election.advance_to(Phase.VOTING)
    election.voting_started_at = now or utcnow()
    entries = {
        group: [
            RollEntry(
                election_id=election.id,
                partner_id=p.id,
                group=p.group,
                partner_name=p.name,
                teryt=p.teryt,
            )
            for p in partners
        ]
        for group, partners in eligible.items()
    }
    session.add_all([e for group_entries in entries.values() for e in group_entries])
    session.flush()
    record(
        session,
        actor,
        "election.voting_started",
        election,
        roll={group.value: len(group_entries) for group, group_entries in entries.items()},
    )
    return entries


def close_voting(session: Session, actor: Actor, election: Election) -> None:
    """voting → closed. Refused while a round of the election is open or not yet held."""
    # Rounds belong to the voting feature, above this one; the model is all we need.
    from election.voting.models import Round, RoundStatus

    _check_move(election, Phase.CLOSED)
    unfinished = session.scalar(
        select(func.count())
        .select_from(Round)
        .where(
            Round.election_id == election.id,
            Round.status.in_([RoundStatus.OPEN, RoundStatus.PENDING]),
        )
    )
    if unfinished:
        raise Conflict(
            N_(
                "Nie można zakończyć głosowania, dopóki są tury otwarte lub oczekujące "
                "na otwarcie (liczba: %(count)s). Najpierw je zamknij."
            ),
            count=unfinished,
        )
    election.advance_to(Phase.CLOSED)
    session.flush()
    record(session, actor, "election.voting_closed", election)


# --- the voter roll ------------------------------------------------------------------------


def _name_key(name: str) -> tuple[str, str]:
    """Sort names the same on SQLite and PostgreSQL, Polish letters beside their base."""
    folded = unicodedata.normalize("NFKD", name.replace("ł", "l").replace("Ł", "L"))
    return ("".join(c for c in folded if not unicodedata.combining(c)).casefold(), name)


def eligible_partners(session: Session, election: Election) -> dict[PartnerGroup, list[Partner]]:
    """Partners that may vote, per group: active and signed on or before the cut-off.

    Computed from the register as it is now; once voting starts use :func:`roll`.
    """
    partners = session.scalars(
        select(Partner).where(
            Partner.active.is_(True),
            Partner.agreement_signed_on.is_not(None),
            Partner.agreement_signed_on <= election.cutoff_date,
        )
    )
    result: dict[PartnerGroup, list[Partner]] = {group: [] for group in PartnerGroup}
    for partner in sorted(partners, key=lambda p: _name_key(p.name)):
        result[partner.group].append(partner)
    return result


def roll_frozen(election: Election) -> bool:
    """Whether the roll is the snapshot taken at entering voting."""
    return election.settings_locked


def roll(session: Session, election: Election) -> dict[PartnerGroup, list[RollEntry]]:
    """The voter roll per group: the frozen entries once voting started, else computed.

    Computed entries are transient (not added to the session).
    """
    result: dict[PartnerGroup, list[RollEntry]] = {group: [] for group in PartnerGroup}
    if roll_frozen(election):
        entries = session.scalars(select(RollEntry).where(RollEntry.election_id == election.id))
        for entry in sorted(entries, key=lambda e: _name_key(e.partner_name)):
            result[entry.group].append(entry)
        return result
    for group, partners in eligible_partners(session, election).items():
        result[group] = [
            RollEntry(
                election_id=election.id,
                partner_id=p.id,
                group=p.group,
                partner_name=p.name,
                teryt=p.teryt,
            )
            for p in partners
        ]
    return result


def is_on_roll(session: Session, election_id: int, partner_id: int) -> RollEntry | None:
    """The Partner's entry on the election's frozen roll, or ``None``."""
    return session.scalar(
        select(RollEntry).where(
            RollEntry.election_id == election_id, RollEntry.partner_id == partner_id
        )
    )


# --- the Regulamin -------------------------------------------------------------------------


def get_rules(session: Session, election: Election) -> Rules | None:
    return session.scalar(select(Rules).where(Rules.election_id == election.id))


def save_rules(
    session: Session,
    actor: Actor,
    election: Election,
    *,
    text: str,
    pdf: bytes | None = None,
    pdf_filename: str = "",
    remove_pdf: bool = False,
) -> Rules:
    """Write the Regulamin as text and/or a PDF (a new PDF replaces the old one).

    Only a draft or a rejected Regulamin can change; a changed rejected one goes back
    to draft and must be sent again. Raises :class:`ValidationFailed` for a bad PDF
    or when neither text nor PDF is left.
    """
    rules = get_rules(session, election)
    if rules is not None and rules.status in (RulesStatus.SENT, RulesStatus.ADOPTED):
        raise Conflict(
            N_("Regulamin został już wysłany Partnerom (%(status)s); nie można go zmienić."),
            status=RULES_STATUS_LABELS[rules.status],
        )
    text = text.strip()
    if len(text) > MAX_RULES_TEXT:
        raise ValidationFailed(N_("Treść Regulaminu jest za długa."))
    if pdf is not None:
        problem = pdf_problem(pdf, pdf_filename)
        if problem:
            raise ValidationFailed(problem)
    kept_pdf = None if remove_pdf or rules is None else rules.pdf
    new_pdf = pdf if pdf is not None else kept_pdf
    if not text and new_pdf is None:
        raise ValidationFailed(N_("Wpisz treść Regulaminu albo dołącz plik PDF."))
    if rules is None:
        rules = Rules(election_id=election.id)
        session.add(rules)
    rules.text = text
    if pdf is not None:
        rules.pdf = pdf
        rules.pdf_filename = safe_pdf_filename(pdf_filename)
    elif new_pdf is None:
        rules.pdf = None
        rules.pdf_filename = None
    rules.status = RulesStatus.DRAFT
    rules.sent_on = None
    session.flush()
    record(
        session,
        actor,
        "rules.saved",
        rules,
        election_id=election.id,
        text_sha256=hashlib.sha256(text.encode()).hexdigest() if text else None,
        pdf_sha256=hashlib.sha256(rules.pdf).hexdigest() if rules.pdf else None,
    )
    return rules


RULES_STATUS_LABELS: dict[RulesStatus, str] = {
    RulesStatus.DRAFT: N_("projekt"),
    RulesStatus.SENT: N_("wysłany Partnerom"),
    RulesStatus.ADOPTED: N_("przyjęty"),
    RulesStatus.REJECTED: N_("odrzucony"),
}


def rules_recipients(session: Session) -> list[str]:
    """E-mail addresses of every active partner rep of an active Partner."""
    return list(
        session.scalars(
            select(User.email)
            .join(Partner, User.partner_id == Partner.id)
            .where(User.role == Role.PARTNER_REP, User.active.is_(True), Partner.active.is_(True))
            .order_by(User.email)
        )
    )


def mark_rules_sent(
    session: Session, actor: Actor, election: Election, sent_on: dt.date
) -> list[str]:
    """draft → sent on ``sent_on``; return the addresses to email (after the commit)."""
    rules = get_rules(session, election)
    if rules is None:
        raise Conflict(N_("Najpierw przygotuj Regulamin."))
    if rules.status != RulesStatus.DRAFT:
        raise Conflict(
            N_("Regulamin ma status „%(status)s”; wysłać można tylko projekt."),
            status=RULES_STATUS_LABELS[rules.status],
        )
    rules.status = RulesStatus.SENT
    rules.sent_on = sent_on
    recipients = rules_recipients(session)
    session.flush()
    record(
        session,
        actor,
        "rules.sent",
        rules,
        election_id=election.id,
        sent_on=sent_on.isoformat(),
        recipients=len(recipients),
    )
    return recipients


def rules_adopted(session: Session, election: Election) -> bool:
    """Whether the election's Regulamin was adopted by its motion (rounds need it)."""
    rules = get_rules(session, election)
    return rules is not None and rules.status == RulesStatus.ADOPTED


# --- the motion approving the Regulamin ----------------------------------------------------


def get_motion(session: Session, motion_id: int) -> Motion:
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


def motion_voters(session: Session) -> list[Partner]:
    """Partners who may vote on a motion: active with a signed agreement, any group."""
    partners = session.scalars(
        select(Partner).where(Partner.active.is_(True), Partner.agreement_signed_on.is_not(None))
    )
    return sorted(partners, key=lambda p: _name_key(p.name))


def partner_vote(session: Session, motion_id: int, partner_id: int) -> MotionVote | None:
    return session.scalar(
        select(MotionVote).where(
            MotionVote.motion_id == motion_id, MotionVote.partner_id == partner_id
        )
    )


ALREADY_VOTED = N_("Ten Partner już głosował w sprawie tej uchwały.")


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
    if not partner.active or partner.agreement_signed_on is None:
        raise NotEligible(
            N_(
                "%(name)s nie może głosować: głosują aktywni Partnerzy z podpisaną umową "
                "o współpracy."
            ),
            name=partner.name,
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
    votes = session.scalars(select(MotionVote).where(MotionVote.motion_id == motion_id))
    return sorted(votes, key=lambda v: _name_key(v.partner.name))


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
    if motion.status != MotionStatus.OPEN:
        raise Conflict(N_("Głosowanie nad tą uchwałą jest już zamknięte."))
    counts = motion_counts(session, motion_id)
    election = motion.election
    motion.yes = counts[MotionChoice.YES]
    motion.no = counts[MotionChoice.NO]
    motion.abstain = counts[MotionChoice.ABSTAIN]
    motion.adopted = motion_adopted(
        motion.yes, motion.no, motion.abstain, election.majority_rule.value
    )
    motion.status = MotionStatus.CLOSED
    motion.closed_at = now or utcnow()
    if motion.kind == RULES_MOTION:
        rules = get_rules(session, election)
        if rules is not None:
            rules.status = RulesStatus.ADOPTED if motion.adopted else RulesStatus.REJECTED
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
