"""Counting a secret round: the box summed and decrypted with proofs (server or tellers),
never for an invalid round, never for a box that differs from what the chain recorded."""

import pytest
from sqlalchemy import func, select, text

from election.audit.models import AuditEvent
from election.elections import custody
from election.errors import Conflict, ValidationFailed
from election.extensions import db
from election.partners.models import PartnerGroup
from election.tally import counting, opening, results, rules
from election.tally.models import CandidateResult, DecryptionShare, RoundAggregate, RoundTally
from election.verify import G as BASE
from election.verify import add
from election.voting.models import EncryptedBallot
from tests.factories import SYSTEM, key_store, voting_election
from tests.factories.tally import (
    cast,
    cast_all,
    close,
    enter_paper,
    issue_paper,
    tellers_custody,
)

G = PartnerGroup.GMINA


@pytest.fixture
def world(ctx):
    return voting_election(per_group=6, candidates_per_group=4)


def rows(*models) -> tuple[int, ...]:
    return tuple(db.session.scalar(select(func.count()).select_from(m)) for m in models)


def stored_votes() -> dict[int, int]:
    return {r.candidate_id: r.votes for r in db.session.scalars(select(CandidateResult))}


def test_a_valid_round_is_summed_decrypted_with_proofs_and_counted(world):
    round_ = world["rounds"][G]
    a, b, c, d = world["candidates"][G]
    ballots = [[a, b], [a], [], [c, a], [b]]
    cast_all(round_, world["partners"][G], ballots)
    close(round_)
    tally = counting.count_round(db.session, SYSTEM, round_, key_store())
    expected = rules.count_ballots(
        [x.id for x in (a, b, c, d)], [[x.id for x in v] for v in ballots], 2
    )
    assert (tally.ballots, tally.blank, tally.valid) == (5, 1, True)
    assert stored_votes() == expected.votes
    assert tally.tied == list(expected.tied) and tally.seats_filled == 2
    # One aggregate and one server decryption share per position: blank + 4 candidates.
    assert rows(RoundAggregate, DecryptionShare) == (5, 5)
    assert {s.holder for s in db.session.scalars(select(DecryptionShare))} == {"server"}
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "round.counted"))
    assert event.details["custody"] == "server" and event.details["decrypted_by"] == ["server"]
    assert event.details["candidates"][str(a.id)] == a.full_name
    # The plaintext tables stay empty in a secret election.
    assert db.session.execute(text("SELECT count(*) FROM ballot_choices")).scalar() == 0


@pytest.mark.parametrize(
    ("quorum", "ballots"),
    [(60, [[0], [0], [1]]), (None, [[0], [0]])],
    ids=["no quorum", "fewer than three ballots"],
)
def test_an_invalid_round_is_never_summed_nor_decrypted(world, quorum, ballots):
    world["election"].quorum_percent = quorum
    round_ = world["rounds"][G]
    candidates = world["candidates"][G]
    cast_all(round_, world["partners"][G], [[candidates[i] for i in b] for b in ballots])
    close(round_)
    tally = counting.count_round(db.session, SYSTEM, round_, key_store())
    assert not tally.valid and tally.blank is None and tally.ballots == len(ballots)
    assert tally.tied == [] and tally.seats_filled == 0
    assert rows(RoundAggregate, DecryptionShare, CandidateResult) == (0, 0, 0)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "round.counted"))
    assert event.details["valid"] is False and event.details["decrypted"] is False
    assert "votes" not in event.details and "blank" not in event.details
    view = results.results(db.session, world["election"]).groups[G].current
    assert not view.decrypted and not view.show_counts
    assert all(line.votes is None and line.rank is None for line in view.lines)
    assert view.next_step is results.NextStep.REPEAT


def test_a_roll_of_two_needs_only_two_ballots(ctx):
    world = voting_election(per_group=2, candidates_per_group=3)
    round_ = world["rounds"][G]
    a, b, _c = world["candidates"][G]
    cast_all(round_, world["partners"][G], [[a], [a, b]])
    close(round_)
    tally = counting.count_round(db.session, SYSTEM, round_, key_store())
    assert tally.valid and tally.blank == 0 and stored_votes()[a.id] == 2


def test_a_box_changed_after_closing_is_not_counted(world):
    round_ = world["rounds"][G]
    a, b, c, _d = world["candidates"][G]
    cast_all(round_, world["partners"][G], [[a], [b], [c]])
    close(round_)
    ballot = db.session.scalars(select(EncryptedBallot)).first()
    raw = bytearray(ballot.ciphertexts)
    raw[32:64] = add(bytes(raw[32:64]), BASE)  # B + G: one more vote for the blank indicator
    db.session.execute(
        text("UPDATE encrypted_ballots SET ciphertexts = :c WHERE id = :i"),
        {"c": bytes(raw), "i": ballot.id},
    )
    db.session.expire_all()
    with pytest.raises(Conflict):
        counting.count_round(db.session, SYSTEM, world["rounds"][G], key_store())
    assert rows(RoundTally, RoundAggregate, DecryptionShare) == (0, 0, 0)


def test_without_the_server_key_nothing_is_decrypted(world):
    round_ = world["rounds"][G]
    a, b, c, _d = world["candidates"][G]
    cast_all(round_, world["partners"][G], [[a], [b], [c]])
    close(round_)
    key_store().destroy_key(world["election"].id)
    with pytest.raises(Conflict, match="Klucza urny nie ma"):
        counting.count_round(db.session, SYSTEM, round_, key_store())


# --- paper ballots ------------------------------------------------------------------------


def test_a_round_with_paper_pending_waits_until_the_chair_finishes_it(world):
    round_ = world["rounds"][G]
    a, b, _c, _d = world["candidates"][G]
    partners = world["partners"][G]
    cast_all(round_, partners[:3], [[a], [b], [a, b]])
    issue_paper(round_, partners[3])
    issue_paper(round_, partners[4])
    close(round_)
    assert counting.count_round(db.session, SYSTEM, round_, key_store()) is None
    assert rows(RoundTally, RoundAggregate) == (0, 0)
    view = results.results(db.session, world["election"]).groups[G].current
    assert view.awaiting is results.Awaiting.PAPER
    assert results.group_status(db.session, world["election"])[G].pending == (results.PENDING_PAPER)
    enter_paper(round_, [a])  # the second paper never reached the box

    with pytest.raises(ValidationFailed, match="potwierdź"):
        opening.finish_paper(db.session, SYSTEM, round_, key_store(), 0)
    assert rows(RoundTally, RoundAggregate) == (0, 0)
    tally = opening.finish_paper(db.session, SYSTEM, round_, key_store(), 1)
    assert (tally.ballots, tally.online, tally.paper, tally.valid) == (4, 3, 1, True)
    assert stored_votes()[a.id] == 3 and stored_votes()[b.id] == 2
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "round.paper_finished"))
    assert event.details == {"issued": 2, "entered": 1, "never_entered": 1}
    with pytest.raises(Conflict):
        opening.finish_paper(db.session, SYSTEM, round_, key_store(), 1)


# --- tellers ------------------------------------------------------------------------------


def test_tellers_count_a_round_once_k_of_them_entered_their_shares(world):
    election = world["election"]
    shares = tellers_custody(election, threshold=2, tellers=3)
    round_ = world["rounds"][G]
    a, b, c, _d = world["candidates"][G]
    cast_all(round_, world["partners"][G], [[a, b], [a], [c], []])
    close(round_)
    assert counting.count_round(db.session, SYSTEM, round_, key_store()) is None
    assert rows(RoundAggregate, DecryptionShare, RoundTally) == (5, 0, 0)
    assert opening.awaiting_tellers(db.session, election) == [round_]
    view = results.results(db.session, election).groups[G].current
    assert view.awaiting is results.Awaiting.TELLERS

    # A share refused: another teller's, or nonsense. Nothing is written.
    for index, share in ((3, shares[2]), (1, "00" * 32), (1, "zz")):
        with pytest.raises(ValidationFailed):
            opening.enter_share(db.session, SYSTEM, election, index, share)
    assert rows(DecryptionShare) == (0,)

    first = opening.enter_share(db.session, SYSTEM, election, 3, shares[3])
    assert first.given == [round_] and first.counted == []
    assert rows(DecryptionShare, RoundTally) == (5, 0)
    again = opening.enter_share(db.session, SYSTEM, election, 3, shares[3].upper())
    assert again.already == [round_] and rows(DecryptionShare) == (5,)

    second = opening.enter_share(db.session, SYSTEM, election, 1, shares[1])
    assert second.counted == [round_]
    tally = db.session.get(RoundTally, round_.id)
    assert tally.valid and tally.blank == 1
    assert stored_votes()[a.id] == 2 and stored_votes()[c.id] == 1
    assert {s.holder for s in db.session.scalars(select(DecryptionShare))} == {"1", "3"}
    assert opening.awaiting_tellers(db.session, election) == []
    with pytest.raises(Conflict, match="Żadna tura"):
        opening.enter_share(db.session, SYSTEM, election, 2, shares[2])

    # No share, in any form, is anywhere in the audit log.
    log = " ".join(str(e.details) for e in db.session.scalars(select(AuditEvent)))
    for share in shares.values():
        assert share not in log and share.upper() not in log


def test_a_teller_share_is_never_applied_to_sums_that_are_not_the_box(world):
    election = world["election"]
    shares = tellers_custody(election)
    round_ = world["rounds"][G]
    a, b, c, _d = world["candidates"][G]
    cast_all(round_, world["partners"][G], [[a], [b], [c]])
    close(round_)
    counting.count_round(db.session, SYSTEM, round_, key_store())
    # Someone with the database puts one ballot's ciphertext where the sum of position 1
    # should be: decrypting it would reveal that ballot.
    one = db.session.scalars(select(EncryptedBallot)).first().positions()[1]
    db.session.execute(
        text("UPDATE round_aggregates SET sum_a = :a, sum_b = :b WHERE position = 1"),
        {"a": one[0], "b": one[1]},
    )
    db.session.expire_all()
    with pytest.raises(Conflict, match="sumami"):
        opening.enter_share(db.session, SYSTEM, election, 1, shares[1])
    assert rows(DecryptionShare) == (0,)


def test_tellers_custody_is_refused_for_a_server_key(world):
    with pytest.raises(Conflict):
        opening.enter_share(db.session, SYSTEM, world["election"], 1, "00" * 32)


def test_the_key_of_a_dealt_election_is_never_on_disk(world):
    election = world["election"]
    tellers_custody(election)
    assert not list(key_store().folder.glob(f"election-{election.id}-*"))
    with pytest.raises(Conflict):
        custody.server_key(election, key_store())


def test_a_paper_ballot_counts_like_an_online_one(world):
    round_ = world["rounds"][G]
    a, b, _c, _d = world["candidates"][G]
    partners = world["partners"][G]
    cast(round_, partners[0], [a], channel="paper")
    cast_all(round_, partners[1:], [[a], [b]])
    close(round_)
    tally = counting.count_round(db.session, SYSTEM, round_, key_store())
    assert (tally.ballots, tally.online, tally.paper) == (3, 2, 1)
    assert stored_votes()[a.id] == 2
