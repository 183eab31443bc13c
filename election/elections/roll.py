"""Who may vote: the one eligibility rule, the voter roll and a Partner's entry on it.

A Partner may vote in an election when it is active and its cooperation agreement was
signed on or before the election's cut-off date. The same rule makes the roll (frozen
when voting starts, the rounds' electorate) and decides who votes on a motion. A Partner
wrongly left off the frozen roll is added with a reason (:func:`add_entry`).
"""

from __future__ import annotations

import re

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

from election.audit.service import Actor, record
from election.collation import collapse_spaces, polish_text_key
from election.elections.models import Election, Phase, RollEntry
from election.errors import N_, Conflict, NotFound, ValidationFailed, WrongPhase
from election.partners.models import Partner, PartnerGroup


def _may_vote(election: Election) -> ColumnElement[bool]:
    """The eligibility rule as a condition on ``Partner``: active, signed by the cut-off."""
    return and_(
        Partner.active.is_(True),
        Partner.agreement_signed_on.is_not(None),
        Partner.agreement_signed_on <= election.cutoff_date,
    )


def eligible(session: Session, election: Election) -> list[Partner]:
    """Every Partner that may vote in ``election`` (any group), in Polish order of names.

    Computed from the register as it is now; once voting starts the rounds use the
    frozen :func:`roll`.
    """
    partners = session.scalars(select(Partner).where(_may_vote(election)))
    return sorted(partners, key=lambda p: polish_text_key(p.name))


def is_eligible(session: Session, election: Election, partner_id: int) -> bool:
    """Whether the Partner may vote in ``election`` now (the rule of :func:`eligible`)."""
    found = session.scalar(select(Partner.id).where(Partner.id == partner_id, _may_vote(election)))
    return found is not None


def eligible_partners(session: Session, election: Election) -> dict[PartnerGroup, list[Partner]]:
    """:func:`eligible` per group (every group a key), in Polish order of names."""
    result: dict[PartnerGroup, list[Partner]] = {group: [] for group in PartnerGroup}
    for partner in eligible(session, election):
        result[partner.group].append(partner)
    return result


def snapshot(election: Election, partners: list[Partner]) -> list[RollEntry]:
    """Roll entries for ``partners`` as they are now (name and TERYT copied); not added."""
    return [
        RollEntry(
            election_id=election.id,
            partner_id=p.id,
            group=p.group,
            partner_name=p.name,
            teryt=p.teryt,
        )
        for p in partners
    ]


def roll(session: Session, election: Election) -> dict[PartnerGroup, list[RollEntry]]:
    """The voter roll per group, in Polish order: the frozen entries once voting started
    (``Election.settings_locked``), else computed from the register.

    Computed entries are transient (not added to the session).
    """
    result: dict[PartnerGroup, list[RollEntry]] = {group: [] for group in PartnerGroup}
    if election.settings_locked:
        entries = session.scalars(select(RollEntry).where(RollEntry.election_id == election.id))
        for entry in sorted(entries, key=lambda e: polish_text_key(e.partner_name)):
            result[entry.group].append(entry)
        return result
    for group, partners in eligible_partners(session, election).items():
        result[group] = snapshot(election, partners)
    return result


def roll_entry(
    session: Session, election_id: int, partner_id: int, group: PartnerGroup | None = None
) -> RollEntry | None:
    """The Partner's entry on the election's frozen roll (only in ``group`` when given),
    or ``None``: the Partner may not vote in the election's rounds (of that group)."""
    stmt = select(RollEntry).where(
        RollEntry.election_id == election_id, RollEntry.partner_id == partner_id
    )
    if group is not None:
        stmt = stmt.where(RollEntry.group == group)
    return session.scalar(stmt)


# --- a Partner added to the frozen roll -----------------------------------------------------

#: The longest reason for adding a Partner to the frozen roll.
MAX_REASON = 500
_UNSAFE = re.compile(r"[<>\x00-\x1f\x7f]")


def add_entry(
    session: Session,
    actor: Actor,
    election: Election,
    partner_id: int,
    reason: str,
    *,
    register_error: bool = False,
) -> RollEntry:
    """Add a Partner wrongly left off the frozen roll, for ``reason`` (audited).

    A Partner that meets the eligibility rule now (:func:`is_eligible`: active, signed
    by the cut-off — e.g. its agreement date was entered after the roll was frozen) is
    added with a reason. One that does not is added only when ``register_error`` says
    the register itself is wrong (the reason says how). Whether its group's rounds
    already hold a ballot is the voting's to check (``election.tally.corrections``).

    Raises :class:`WrongPhase` outside voting (before it the roll follows the register),
    :class:`NotFound`, :class:`Conflict` for a Partner on the roll already,
    :class:`ValidationFailed` for a missing reason or a Partner not eligible without
    ``register_error``; nothing changes then.
    """
    if election.phase != Phase.VOTING:
        raise WrongPhase(
            N_(
                "Dopisać Partnera do spisu można tylko w trakcie głosowania; przedtem spis "
                "wynika z rejestru Partnerów — popraw rejestr."
            )
        )
    reason = collapse_spaces(reason or "")
    if not reason:
        raise ValidationFailed(N_("Podaj powód dopisania Partnera do spisu."))
    if len(reason) > MAX_REASON or _UNSAFE.search(reason):
        raise ValidationFailed(
            N_("Powód może mieć najwyżej %(max)s znaków, bez znaków < > i sterujących."),
            max=MAX_REASON,
        )
    partner = session.get(Partner, partner_id)
    if partner is None:
        raise NotFound(N_("Nie ma takiego Partnera."))
    if roll_entry(session, election.id, partner.id) is not None:
        raise Conflict(N_("%(name)s jest już w spisie uprawnionych."), name=partner.name)
    by_rule = is_eligible(session, election, partner.id)
    if not by_rule and not register_error:
        raise ValidationFailed(
            N_(
                "%(name)s nie spełnia warunku udziału (aktywny Partner z umową podpisaną do "
                "dnia %(cutoff)s). Dopisz go tylko wtedy, gdy błędny jest rejestr — zaznacz "
                "to i opisz błąd w powodzie."
            ),
            name=partner.name,
            cutoff=election.cutoff_date.strftime("%d.%m.%Y"),
        )
    (entry,) = snapshot(election, [partner])
    session.add(entry)
    session.flush()
    record(
        session,
        actor,
        "roll.partner_added",
        election,
        partner_id=partner.id,
        partner_name=partner.name,
        teryt=partner.teryt,
        group=partner.group.value,
        reason=reason,
        eligible_by_rule=by_rule,
    )
    return entry
