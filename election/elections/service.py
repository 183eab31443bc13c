"""Elections: reading them, their settings and the moves between phases.

The voter roll is in :mod:`election.elections.roll`, the Regulamin in
:mod:`election.elections.regulamin`, its motion in :mod:`election.elections.motions`.
Closing the voting needs the rounds and lives with the count (``election.tally``).

Every function here takes the session (and an :class:`Actor` when it changes
something), checks, changes, records the audit event and flushes; the caller commits.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields

from sqlalchemy import select
from sqlalchemy.orm import Session

from election import signals
from election.audit.service import Actor, record
from election.db import utcnow
from election.elections import roll
from election.elections.custody import CustodyChoice, KeyStore, set_up
from election.elections.models import (
    NEXT_PHASE,
    PHASE_LABELS,
    BallotOrder,
    Election,
    MajorityRule,
    Phase,
    RollEntry,
    Rules,
    RulesStatus,
    TieRule,
)
from election.elections.rules import utc_to_warsaw
from election.errors import N_, Conflict, NotFound, ValidationFailed, WrongPhase
from election.labels import GROUP_LABELS
from election.partners.models import PartnerGroup


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
    #: The Regulamin's fallback for a quorum never met (``Election.quorum_waived_from``).
    quorum_waived_from: int | None = None

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
    "quorum_waived_from",
)

#: (field, lowest, highest) — the same bounds as the table's CHECK constraints.
_BOUNDS = (
    ("seats_gmina", 1, 20),
    ("seats_powiat", 1, 20),
    ("seats_miasto_npp", 1, 20),
    ("leader_seats", 1, 5),
    ("scsi_seats", 0, 5),
)


def _validate(settings: ElectionSettings, *, by_election: bool = False) -> None:
    """Refuse settings out of bounds. A by-election elects some seats of one group and
    appoints none: its seat counts may be 0 (some group's not)."""
    if not settings.title.strip():
        raise ValidationFailed(N_("Podaj nazwę wyborów."))
    if len(settings.title) > 200 or len(settings.term) > 60 or len(settings.meeting_place) > 200:
        raise ValidationFailed(N_("Nazwa, kadencja lub miejsce zebrania są za długie."))
    if by_election:
        if settings.leader_seats or settings.scsi_seats:
            raise ValidationFailed(N_("Wybory uzupełniające nie obsadzają miejsc z powołania."))
        if not settings.seats_gmina + settings.seats_powiat + settings.seats_miasto_npp:
            raise ValidationFailed(
                N_("Wybory uzupełniające muszą obsadzać co najmniej jedno miejsce.")
            )
    for name, low, high in _BOUNDS:
        value = getattr(settings, name)
        if by_election:
            low = 0
        if not low <= value <= high:
            raise ValidationFailed(
                N_("Liczba miejsc musi być od %(low)s do %(high)s."), low=low, high=high
            )
    if settings.quorum_percent is not None and not 0 <= settings.quorum_percent <= 100:
        raise ValidationFailed(N_("Kworum musi być od 0 do 100 procent."))
    if settings.quorum_waived_from is not None and not 2 <= settings.quorum_waived_from <= 9:
        raise ValidationFailed(N_("Kworum może przestać obowiązywać od próby nr 2 do 9."))
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
    _validate(settings, by_election=election.by_election)
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
    # Posts already in the LMS course show the title, the meeting …: they are updated.
    signals.published_data_changed.send(
        session, actor=actor, election=election, what="election.updated"
    )
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


#: The default custody: the server keeps the key (``docs/ballot-box.md``).
SERVER_CUSTODY = CustodyChoice()


def start_voting(
    session: Session,
    actor: Actor,
    election: Election,
    *,
    keys: KeyStore,
    choice: CustodyChoice = SERVER_CUSTODY,
    now: dt.datetime | None = None,
) -> dict[PartnerGroup, list[RollEntry]]:
    """candidates_published → voting, freezing the voter roll and making the ballot box's
    key (:func:`election.elections.custody.set_up`) in the same transaction; return the
    frozen roll.

    Every group elects its own members, so each group must have at least one
    eligible Partner; the roll is a snapshot (name and TERYT as they are now) that
    later changes to the register do not alter. ``choice`` says who keeps the key: the
    server (the default) or k of n tellers. The election is re-read under its row lock
    first, so two clicks cannot both make a key. Raises :class:`WrongPhase`,
    :class:`Conflict` (an empty group) or :class:`ValidationFailed` (a choice of
    tellers that cannot be dealt); nothing changes then.
    """
    election = session.scalars(
        select(Election)
        .where(Election.id == election.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    _check_move(election, Phase.VOTING)
    choice.check()
    # A by-election's roll holds only the group it elects.
    eligible = {
        group: partners
        for group, partners in roll.eligible_partners(session, election).items()
        if election.elects(group)
    }
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
                group=str(GROUP_LABELS[group]),
                cutoff=election.cutoff_date.strftime("%d.%m.%Y"),
            )
    election.advance_to(Phase.VOTING)
    election.voting_started_at = now or utcnow()
    entries = {group: roll.snapshot(election, partners) for group, partners in eligible.items()}
    session.add_all([e for group_entries in entries.values() for e in group_entries])
    session.flush()
    record(
        session,
        actor,
        "election.voting_started",
        election,
        roll={group.value: len(group_entries) for group, group_entries in entries.items()},
    )
    # Under the election's lock and still before voting: any secret of this election on
    # disk is a leftover of an attempt that never committed (its shares dealt to nobody).
    keys.destroy_all(election.id)
    set_up(session, actor, election, keys, choice)
    return entries


# --- by-elections ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ByElectionData:
    """What the admin says about a by-election; the rest is the Council's election's."""

    title: str
    cutoff_date: dt.date
    meeting_date: dt.date | None = None
    meeting_place: str = ""
    nomination_deadline: dt.datetime | None = None


def by_elections_of(session: Session, council: Election) -> list[Election]:
    """The by-elections completing ``council``'s Council, oldest first."""
    return list(
        session.scalars(
            select(Election).where(Election.completes_id == council.id).order_by(Election.id)
        )
    )


def create_by_election(
    session: Session,
    actor: Actor,
    council: Election,
    group: PartnerGroup,
    seats: int,
    data: ByElectionData,
) -> Election:
    """A by-election (draft) for ``seats`` open seats of ``group`` of the Council that
    ``council`` (a certified election) elected: an election like any other — nominations,
    the published list, rounds, counting, certification — that elects only those seats.

    Its voting rules are the Council's election's, and so is its Regulamin (copied as
    adopted: it was adopted for the whole term). The caller (the Council, which knows
    who holds the seats now) says how many are open. Raises :class:`WrongPhase` unless
    ``council`` is certified, :class:`ValidationFailed` for a by-election of a
    by-election, seats beyond the group's or bad data.
    """
    council.require_phase(Phase.CERTIFIED)
    if council.by_election:
        raise ValidationFailed(
            N_("Wybory uzupełniające dotyczą Rady, nie innych wyborów uzupełniających.")
        )
    if not 1 <= seats <= council.seats_for(group):
        raise ValidationFailed(
            N_("Grupa „%(group)s” ma w Radzie miejsc: %(seats)s."),
            group=str(GROUP_LABELS[group]),
            seats=council.seats_for(group),
        )
    settings = ElectionSettings.of(council)
    settings.title = data.title.strip()
    settings.cutoff_date = data.cutoff_date
    settings.meeting_date = data.meeting_date
    settings.meeting_place = data.meeting_place.strip()
    settings.nomination_deadline = data.nomination_deadline
    settings.leader_seats = settings.scsi_seats = 0
    for other in PartnerGroup:
        setattr(settings, _SEAT_FIELD[other], seats if other == group else 0)
    _validate(settings, by_election=True)
    election = Election(phase=Phase.DRAFT, completes_id=council.id)
    for f in fields(ElectionSettings):
        setattr(election, f.name, getattr(settings, f.name))
    election.quorum_waived_from = council.quorum_waived_from
    session.add(election)
    session.flush()
    if council.rules is not None:
        session.add(
            Rules(
                election_id=election.id,
                text=council.rules.text,
                pdf=council.rules.pdf,
                pdf_filename=council.rules.pdf_filename,
                status=RulesStatus.ADOPTED,
                sent_on=council.rules.sent_on,
            )
        )
        session.flush()
    record(
        session,
        actor,
        "election.by_election_created",
        election,
        title=election.title,
        completes=council.id,
        group=group.value,
        seats=seats,
        rules_from=council.id if council.rules is not None else None,
    )
    return election


_SEAT_FIELD = {
    PartnerGroup.GMINA: "seats_gmina",
    PartnerGroup.POWIAT: "seats_powiat",
    PartnerGroup.MIASTO_NPP: "seats_miasto_npp",
}
