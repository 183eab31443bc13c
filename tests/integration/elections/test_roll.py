"""Who may vote: the eligibility rule, the voter roll (computed, then frozen), a roll entry."""

import datetime as dt

import pytest
from sqlalchemy import func, select

from election.elections import roll, service
from election.elections.models import RollEntry
from election.extensions import db
from election.partners.models import PartnerGroup
from tests.factories import GROUPS, SYSTEM, key_store, make_election, make_partner

pytestmark = pytest.mark.usefixtures("ctx")


def one_partner_per_group() -> dict[PartnerGroup, object]:
    return {group: make_partner(group) for group in GROUPS}


# --- the voter roll ------------------------------------------------------------------------


def test_only_active_partners_signed_by_the_cutoff_are_eligible():
    cutoff = dt.date(2026, 5, 31)
    on_cutoff = make_partner(PartnerGroup.GMINA, name="Będzin", signed=cutoff)
    early = make_partner(PartnerGroup.GMINA, name="Ożarowice", signed=dt.date(2010, 1, 1))
    make_partner(PartnerGroup.GMINA, name="Późny", signed=cutoff + dt.timedelta(days=1))
    make_partner(PartnerGroup.GMINA, name="Bez umowy", signed=None)
    make_partner(PartnerGroup.GMINA, name="Nieaktywny", active=False)
    county = make_partner(PartnerGroup.POWIAT, name="Powiat będziński")
    election = make_election("draft", cutoff_date=cutoff)
    eligible = roll.eligible_partners(db.session, election)
    assert eligible[PartnerGroup.GMINA] == [on_cutoff, early]
    assert eligible[PartnerGroup.POWIAT] == [county]
    assert eligible[PartnerGroup.MIASTO_NPP] == []
    entries = roll.roll(db.session, election)
    assert [e.partner_name for e in entries[PartnerGroup.GMINA]] == ["Będzin", "Ożarowice"]
    assert not election.settings_locked
    # A computed roll is not written anywhere.
    assert db.session.scalar(select(func.count()).select_from(RollEntry)) == 0


def test_the_frozen_roll_ignores_later_changes_to_the_register():
    partners = one_partner_per_group()
    gmina = partners[PartnerGroup.GMINA]
    old_name = gmina.name
    election = make_election("candidates_published")
    service.start_voting(db.session, SYSTEM, election, keys=key_store())
    db.session.commit()

    # The register changes after voting started: a rename, a deactivation, a newcomer.
    gmina.name = "Gmina po zmianie nazwy"
    partners[PartnerGroup.POWIAT].active = False
    newcomer = make_partner(PartnerGroup.GMINA, signed=dt.date(2000, 1, 1))
    db.session.commit()

    entries = roll.roll(db.session, election)
    assert election.settings_locked
    assert [e.partner_name for e in entries[PartnerGroup.GMINA]] == [old_name]
    assert len(entries[PartnerGroup.POWIAT]) == 1
    assert roll.roll_entry(db.session, election.id, partners[PartnerGroup.POWIAT].id)
    assert roll.roll_entry(db.session, election.id, newcomer.id) is None
    # … while the computed list would now differ.
    assert newcomer in roll.eligible_partners(db.session, election)[PartnerGroup.GMINA]


def test_a_roll_entry_is_found_only_in_its_own_group():
    partners = one_partner_per_group()
    election = make_election("candidates_published")
    service.start_voting(db.session, SYSTEM, election, keys=key_store())
    county = partners[PartnerGroup.POWIAT]
    entry = roll.roll_entry(db.session, election.id, county.id)
    assert entry is not None and entry.group == PartnerGroup.POWIAT
    assert roll.roll_entry(db.session, election.id, county.id, PartnerGroup.POWIAT) == entry
    assert roll.roll_entry(db.session, election.id, county.id, PartnerGroup.GMINA) is None
    assert roll.roll_entry(db.session, election.id + 1, county.id) is None


def test_the_roll_sorts_partner_names_in_the_polish_alphabet():
    names = ["Gmina Żarki", "Gmina Łazy", "Gmina Lubliniec", "Gmina Ścinawa", "Gmina Sosnowiec"]
    for name in names:
        make_partner(PartnerGroup.GMINA, name=name)
    election = make_election("draft")
    listed = [e.partner_name for e in roll.roll(db.session, election)[PartnerGroup.GMINA]]
    assert listed == [
        "Gmina Lubliniec",
        "Gmina Łazy",
        "Gmina Sosnowiec",
        "Gmina Ścinawa",
        "Gmina Żarki",
    ]
