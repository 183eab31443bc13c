"""Who may vote: the one eligibility rule, the voter roll and a Partner's entry on it.

A Partner may vote in an election when it is active and its cooperation agreement was
signed on or before the election's cut-off date. The same rule makes the roll (frozen
when voting starts, the rounds' electorate) and decides who votes on a motion.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

from election.collation import polish_text_key
from election.elections.models import Election, RollEntry
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
