"""Receipts: the codes of counted rounds only, checked in any spelling; nothing before."""

import pytest

from election.db import utcnow
from election.errors import NotFound
from election.extensions import db
from election.partners.models import PartnerGroup
from election.tally.models import RoundTally
from election.voting import ballots, integrity, paper, receipts, rounds
from tests.factories import SYSTEM, voting_election

G = PartnerGroup.GMINA
P = PartnerGroup.POWIAT


def test_tracking_codes_are_public_only_once_the_round_is_counted(ctx):
    w = voting_election(per_group=4)
    codes = [
        ballots.cast_ballot(db.session, SYSTEM, w["reps"][G][i], w["rounds"][G], [])
        for i in range(3)
    ]
    powiat = ballots.cast_ballot(db.session, SYSTEM, w["reps"][P][0], w["rounds"][P], [])
    with pytest.raises(NotFound, match="po policzeniu pierwszej tury"):
        receipts.receipts(db.session, w["election"])
    assert receipts.check_receipt(db.session, w["election"], codes[0]) is None
    # Closing counts the round (server's key, no paper waiting): the count is recorded.
    rounds.close_round(db.session, SYSTEM, w["rounds"][G])
    assert db.session.get(RoundTally, w["rounds"][G].id) is not None
    assert integrity.counted_round_ids(db.session, w["election"]) == {w["rounds"][G].id}
    listed = receipts.receipts(db.session, w["election"])
    assert listed[G] == sorted(codes) and listed[P] == [] and listed[PartnerGroup.MIASTO_NPP] == []
    typed = codes[0].lower().replace("-", " ")
    found = receipts.check_receipt(db.session, w["election"], typed)
    assert found is not None and found.group == G and found.receipt == codes[0]
    assert found.candidates is None and found.partner_name is None
    assert receipts.check_receipt(db.session, w["election"], powiat) is None  # still open
    assert receipts.check_receipt(db.session, w["election"], "nonsense") is None
    other = voting_election(per_group=1)
    assert receipts.check_receipt(db.session, other["election"], codes[0]) is None
    public = receipts.public_ballots(db.session, w["election"])
    assert [b.receipt for b in public] == sorted(codes)


def test_a_closed_round_waiting_for_its_paper_ballots_is_not_public(ctx):
    w = voting_election(per_group=4)
    round_ = w["rounds"][G]
    code = ballots.cast_ballot(db.session, SYSTEM, w["reps"][G][0], round_, [])
    paper.issue_paper_ballot(db.session, SYSTEM, w["chair"], round_, w["partners"][G][1].id)
    rounds.close_round(db.session, SYSTEM, round_)
    assert not round_.counted
    with pytest.raises(NotFound):
        receipts.receipts(db.session, w["election"])
    round_.mark_counted(utcnow())  # as the tally does when it stores the count
    assert receipts.receipts(db.session, w["election"])[G] == [code]


def test_an_open_elections_receipts_name_the_partner_and_the_choice(ctx):
    w = voting_election(per_group=3)
    w["election"].secret = False
    chosen = w["candidates"][G][1]
    code = ballots.cast_ballot(db.session, SYSTEM, w["reps"][G][0], w["rounds"][G], [chosen.id])
    rounds.close_round(db.session, SYSTEM, w["rounds"][G])
    assert receipts.receipts(db.session, w["election"])[G] == [code]
    found = receipts.check_receipt(db.session, w["election"], code[:5].lower() + "-" + code[5:])
    assert found is not None and found.candidates == (chosen.full_name,)
    assert found.partner_name == w["partners"][G][0].name
