"""The voting service over a real database: rounds, ballots, paper, turnout, receipts."""

import dataclasses

import pytest
from sqlalchemy import select

from election import crypto
from election.audit.models import AuditEvent
from election.audit.service import Actor, verify
from election.auth.models import Role
from election.elections.models import (
    BallotBoxKey,
    BallotOrder,
    Channel,
    Phase,
    Rules,
    RulesStatus,
)
from election.errors import (
    AlreadyVoted,
    Conflict,
    NotEligible,
    NotFound,
    RoundClosed,
    ValidationFailed,
    WrongPhase,
)
from election.extensions import db
from election.partners.models import PartnerGroup
from election.voting import ballots, integrity, paper, rounds, rules, turnout
from election.voting.models import Ballot, EncryptedBallot, RollMark, RoundStatus
from tests.factories import (
    SYSTEM,
    key_store,
    make_candidate,
    make_partner,
    make_round,
    make_user,
    voting_election,
)
from tests.factories.voting import (
    check_encrypted,
    context_of,
    counts,
    decrypt_marks,
    election_without_rounds,
)

G = PartnerGroup.GMINA
P = PartnerGroup.POWIAT


def actor(user):
    return Actor(user.id, user.email)


def events(action):
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


# --- rounds -----------------------------------------------------------------------------------


def test_create_rounds_gives_each_group_a_pending_round_of_its_verified_candidates(ctx):
    w = election_without_rounds(seats_powiat=3)
    rejected = make_candidate(
        w["election"], w["partners"][G][0], "Zofia Odrzucona", status="rejected"
    )
    created = rounds.create_rounds(db.session, SYSTEM, w["election"])
    assert [r.group for r in created] == [G, P, PartnerGroup.MIASTO_NPP]
    gmina = created[0]
    assert gmina.status == RoundStatus.PENDING and gmina.number == 1 and gmina.seats == 2
    assert created[1].seats == 3
    assert rejected not in gmina.candidates
    assert {c.id for c in gmina.candidates} == {c.id for c in w["candidates"][G]}
    # Polish alphabetical by surname: Ćwik, Nowak, Zieliński.
    assert [c.full_name.split()[-1] for c in ballots.ballot_candidates(gmina)] == [
        "Ćwik",
        "Nowak",
        "Zieliński",
    ]
    assert len(events("round.created")) == 3
    assert rounds.create_rounds(db.session, SYSTEM, w["election"]) == []


def test_a_group_without_verified_candidates_gets_no_round(ctx):
    w = election_without_rounds(candidates_per_group=0)
    assert rounds.create_rounds(db.session, SYSTEM, w["election"]) == []


def test_rounds_are_created_only_while_voting(ctx):
    w = election_without_rounds(phase="candidates_published")
    with pytest.raises(WrongPhase):
        rounds.create_rounds(db.session, SYSTEM, w["election"])


def test_opening_records_the_opening_check_in_the_round_and_the_audit(ctx):
    w = election_without_rounds()
    round_ = rounds.create_rounds(db.session, SYSTEM, w["election"])[0]
    rounds.open_round(db.session, actor(w["chair"]), round_)
    assert round_.status == RoundStatus.OPEN and round_.opened_at is not None
    assert (round_.opening_ballots, round_.opening_marks) == (0, 0)
    (event,) = events("round.opened")
    assert event.details["opening_ballots"] == 0 and event.details["opening_marks"] == 0
    assert event.details["roll"] == 3 and event.actor_id == w["chair"].id
    with pytest.raises(Conflict, match="już otwarta"):
        rounds.open_round(db.session, SYSTEM, round_)


def test_a_round_cannot_open_before_the_regulamin_is_adopted(ctx):
    w = election_without_rounds(adopted=False)
    round_ = rounds.create_rounds(db.session, SYSTEM, w["election"])[0]
    with pytest.raises(Conflict) as err:
        rounds.open_round(db.session, SYSTEM, round_)
    assert "Regulamin nie został jeszcze przyjęty" in str(err.value)
    db.session.add(Rules(election_id=w["election"].id, status=RulesStatus.SENT))
    db.session.flush()
    with pytest.raises(Conflict, match="Regulamin"):
        rounds.open_all(db.session, SYSTEM, w["election"])
    assert round_.status == RoundStatus.PENDING


def test_a_round_cannot_open_outside_the_voting_phase(ctx):
    w = election_without_rounds()
    round_ = rounds.create_rounds(db.session, SYSTEM, w["election"])[0]
    w["election"].phase = Phase.CLOSED
    with pytest.raises(WrongPhase):
        rounds.open_round(db.session, SYSTEM, round_)


def test_the_opening_check_refuses_a_round_that_is_not_empty(ctx):
    w = voting_election(per_group=2)
    round_ = w["rounds"][G]
    ballots.cast_ballot(db.session, SYSTEM, w["reps"][G][0], round_, [])
    round_.status = RoundStatus.PENDING  # as if someone tampered with the database
    with pytest.raises(Conflict, match="Kontrola otwarcia"):
        rounds.open_round(db.session, SYSTEM, round_)


def test_open_all_creates_and_opens_every_round(ctx):
    w = election_without_rounds()
    opened = rounds.open_all(db.session, SYSTEM, w["election"])
    assert len(opened) == 3 and all(r.status == RoundStatus.OPEN for r in opened)
    assert rounds.open_all(db.session, SYSTEM, w["election"]) == []


def test_closing_records_the_digest_of_the_encrypted_ballots(ctx):
    w = voting_election(per_group=3)
    round_ = w["rounds"][G]
    ids = [c.id for c in w["candidates"][G]]
    ballots.cast_ballot(db.session, SYSTEM, w["reps"][G][0], round_, ids[:2])
    ballots.cast_ballot(db.session, SYSTEM, w["reps"][G][1], round_, [])
    rounds.close_round(db.session, actor(w["chair"]), round_)
    assert round_.status == RoundStatus.CLOSED and round_.closed_at is not None
    stored = integrity.encrypted_ballots(db.session, round_)
    assert [b.tracking_code for b in stored] == sorted(b.tracking_code for b in stored)
    expected = rules.encrypted_digest((b.tracking_code, b.ciphertexts, b.proof) for b in stored)
    assert round_.ballots_digest == expected
    (event,) = events("round.closed")
    assert event.details["ballots_digest"] == expected
    assert event.details["ballots"] == 2 and event.details["marks"] == 2
    assert integrity.recorded_digest(db.session, round_) == expected
    integrity.check_digest(db.session, round_)
    with pytest.raises(RoundClosed):
        rounds.close_round(db.session, SYSTEM, round_)
    with pytest.raises(RoundClosed):
        rounds.open_round(db.session, SYSTEM, round_)
    assert verify(db.session).ok
    assert integrity.verify_ballots(db.session) == []


def test_a_ballot_changed_after_closing_stops_the_digest_check(ctx):
    w = voting_election(per_group=3)
    round_ = w["rounds"][G]
    ids = [c.id for c in w["candidates"][G]]
    ballots.cast_ballot(db.session, SYSTEM, w["reps"][G][0], round_, ids[:1])
    ballots.cast_ballot(db.session, SYSTEM, w["reps"][G][1], round_, ids[1:2])
    rounds.close_round(db.session, SYSTEM, round_)
    first, second = integrity.encrypted_ballots(db.session, round_)
    # Swapping two ciphertexts keeps every proof valid, but not the recorded digest.
    first.ciphertexts, second.ciphertexts = second.ciphertexts, first.ciphertexts
    db.session.flush()
    with pytest.raises(Conflict, match="różnią się"):
        integrity.check_digest(db.session, round_)
    assert any("differ from the digest" in p for p in integrity.verify_ballots(db.session))


def test_closing_an_open_election_records_the_digest_of_its_ballots(ctx):
    w = voting_election(per_group=3)
    w["election"].secret = False
    round_ = w["rounds"][G]
    ids = [c.id for c in w["candidates"][G]]
    ballots.cast_ballot(db.session, SYSTEM, w["reps"][G][0], round_, ids[:2])
    ballots.cast_ballot(db.session, SYSTEM, w["reps"][G][1], round_, [])
    rounds.close_round(db.session, actor(w["chair"]), round_)
    stored = integrity.ballots_of(db.session, round_)
    assert [b.id for b in stored] == sorted(b.id for b in stored)
    expected = rules.ballot_digest((b.id, [c.candidate_id for c in b.choices]) for b in stored)
    assert round_.ballots_digest == expected
    assert integrity.verify_ballots(db.session) == []


def test_a_pending_round_cannot_be_closed(ctx):
    w = election_without_rounds()
    round_ = rounds.create_rounds(db.session, SYSTEM, w["election"])[0]
    with pytest.raises(Conflict, match="nie została jeszcze otwarta"):
        rounds.close_round(db.session, SYSTEM, round_)


def test_close_all_closes_the_open_rounds(ctx):
    w = voting_election(per_group=2)
    assert len(rounds.close_all(db.session, SYSTEM, w["election"])) == 3


# --- casting ----------------------------------------------------------------------------------


def test_a_rep_casts_the_ballot_of_the_partner_encrypted(ctx):
    w = voting_election(per_group=3)
    rep, round_ = w["reps"][G][0], w["rounds"][G]
    chosen = [w["candidates"][G][2].id, w["candidates"][G][0].id]
    code = ballots.cast_ballot(db.session, actor(rep), rep, round_, chosen)
    assert rules.normalise_tracking_code(code) == code and len(code) == 11
    assert db.session.scalar(select(Ballot)) is None
    row = db.session.scalar(select(EncryptedBallot))
    assert row.tracking_code == code and len(row.id) == 32 and row.round_id == round_.id
    assert len(row.positions()) == 1 + 3
    check_encrypted(row, context_of(w["election"], round_), round_.seats)
    # The marks are in the order of the candidates' ids, the blank indicator first.
    secret = key_store().read_key(w["election"].id)
    by_id = sorted(c.id for c in w["candidates"][G])
    assert decrypt_marks(row, secret) == [0] + [1 if c in chosen else 0 for c in by_id]
    mark = db.session.scalar(select(RollMark))
    assert (mark.partner_id, mark.channel, mark.cast_by_id) == (
        rep.partner_id,
        Channel.ONLINE,
        rep.id,
    )
    (event,) = events("ballot.cast")
    assert event.details["partner_id"] == rep.partner_id and event.details["channel"] == "online"
    text = repr(event.details) + str(event.object_id)
    assert code not in text and row.id not in text and "candidates" not in event.details


def test_a_blank_secret_ballot_carries_the_blank_indicator(ctx):
    w = voting_election(per_group=2)
    ballots.cast_ballot(db.session, SYSTEM, w["reps"][G][0], w["rounds"][G], [])
    row = db.session.scalar(select(EncryptedBallot))
    check_encrypted(row, context_of(w["election"], w["rounds"][G]), w["rounds"][G].seats)
    assert decrypt_marks(row, key_store().read_key(w["election"].id)) == [1, 0, 0, 0]


def test_a_taken_tracking_code_is_answered_by_encrypting_again(ctx, monkeypatch):
    w = voting_election(per_group=2)
    round_ = w["rounds"][G]
    first = ballots.cast_ballot(db.session, SYSTEM, w["reps"][G][0], round_, [])
    real = crypto.encrypt_ballot
    made = []

    def colliding(context, seats, marks):
        sealed = real(context, seats, marks)
        made.append(sealed)
        if len(made) == 1:  # the first try collides with the ballot already there
            return dataclasses.replace(sealed, tracking_code=first)
        return sealed

    monkeypatch.setattr(crypto, "encrypt_ballot", colliding)
    second = ballots.cast_ballot(db.session, SYSTEM, w["reps"][G][1], round_, [])
    assert len(made) == 2 and second == made[1].tracking_code != first
    assert counts() == (2, 0, 2)
    assert made[0].ciphertexts != made[1].ciphertexts  # encrypted again, not re-labelled


def test_a_secret_ballot_needs_the_ballot_box_key(ctx):
    w = voting_election(per_group=2)
    db.session.delete(db.session.get(BallotBoxKey, w["election"].id))
    db.session.flush()
    with pytest.raises(NotFound, match="nie ma jeszcze klucza"):
        ballots.cast_ballot(db.session, SYSTEM, w["reps"][G][0], w["rounds"][G], [])


def test_an_open_election_links_the_ballot_to_its_partner(ctx):
    w = voting_election(per_group=2)
    w["election"].secret = False
    rep = w["reps"][G][0]
    chosen = [w["candidates"][G][0].id]
    receipt = ballots.cast_ballot(db.session, SYSTEM, rep, w["rounds"][G], chosen)
    assert db.session.scalar(select(Ballot)).partner_id == rep.partner_id
    (event,) = events("ballot.cast")
    assert event.details["receipt"] == receipt and event.details["candidates"] == chosen


def test_a_blank_ballot_is_counted(ctx):
    w = voting_election(per_group=2)
    ballots.cast_ballot(db.session, SYSTEM, w["reps"][G][0], w["rounds"][G], [])
    assert counts() == (1, 0, 1)


def test_a_second_rep_of_the_same_partner_cannot_vote_again(ctx):
    w = voting_election(per_group=2)
    partner = w["partners"][G][0]
    other_rep = make_user(Role.PARTNER_REP, partner=partner)
    ballots.cast_ballot(db.session, SYSTEM, w["reps"][G][0], w["rounds"][G], [])
    with pytest.raises(AlreadyVoted) as err:
        ballots.cast_ballot(db.session, SYSTEM, other_rep, w["rounds"][G], [])
    assert str(err.value) == "Ten Partner już oddał głos w tej turze."
    assert counts() == (1, 0, 1)


def test_the_unique_mark_decides_even_when_the_check_is_passed(ctx, monkeypatch):
    """The race: both requests passed the "not voted yet" check; the constraint decides."""
    w = voting_election(per_group=2)
    rep = w["reps"][G][0]
    ballots.cast_ballot(db.session, SYSTEM, rep, w["rounds"][G], [])
    monkeypatch.setattr(ballots, "mark_of", lambda *a, **k: None)
    with pytest.raises(AlreadyVoted):
        ballots.cast_ballot(db.session, SYSTEM, rep, w["rounds"][G], [])
    # The savepoint kept the first ballot; nothing of the second was written.
    assert counts() == (1, 0, 1)


@pytest.mark.parametrize(
    ("make_ids", "message"),
    [
        (lambda w: [c.id for c in w["candidates"][G]], "najwyżej 2"),
        (lambda w: [w["candidates"][G][0].id] * 2, "więcej niż raz"),
        (lambda w: [w["candidates"][P][0].id], "nie ma na tej karcie"),
        (lambda w: [w["other_round_candidate"].id], "nie ma na tej karcie"),
        (lambda w: [w["other_election_candidate"].id], "nie ma na tej karcie"),
        (lambda w: [999_999], "nie ma na tej karcie"),
    ],
)
def test_bad_choices_are_refused_and_nothing_is_written(ctx, make_ids, message):
    w = voting_election(per_group=3)
    runoff_only = make_candidate(w["election"], w["partners"][G][1], "Jan Dogrywka")
    make_round(w["election"], G, [runoff_only], number=2, seats=1, status="pending")
    w["other_round_candidate"] = runoff_only
    other = voting_election(per_group=1)
    w["other_election_candidate"] = other["candidates"][G][0]
    before = counts()
    with pytest.raises(ValidationFailed, match=message):
        ballots.cast_ballot(db.session, SYSTEM, w["reps"][G][0], w["rounds"][G], make_ids(w))
    assert counts() == before
    assert events("ballot.cast") == []


def test_no_ballot_in_a_pending_or_closed_round(ctx):
    w = voting_election(per_group=2)
    round_ = w["rounds"][G]
    round_.status = RoundStatus.PENDING
    with pytest.raises(RoundClosed, match="jeszcze się nie rozpoczęło"):
        ballots.cast_ballot(db.session, SYSTEM, w["reps"][G][0], round_, [])
    round_.status = RoundStatus.CLOSED
    with pytest.raises(RoundClosed, match="zamknięta"):
        ballots.cast_ballot(db.session, SYSTEM, w["reps"][G][0], round_, [])
    assert counts() == (0, 0, 0)


def test_no_ballot_once_the_election_left_the_voting_phase(ctx):
    w = voting_election(per_group=2)
    w["election"].phase = Phase.CLOSED
    with pytest.raises(WrongPhase):
        ballots.cast_ballot(db.session, SYSTEM, w["reps"][G][0], w["rounds"][G], [])


def test_a_partner_not_on_the_roll_cannot_vote(ctx):
    w = voting_election(per_group=2)
    late = make_partner(G)
    rep = make_user(Role.PARTNER_REP, partner=late)
    with pytest.raises(NotEligible, match="nie jest w spisie"):
        ballots.cast_ballot(db.session, SYSTEM, rep, w["rounds"][G], [])
    # Nor in another group's round.
    with pytest.raises(NotEligible):
        ballots.cast_ballot(db.session, SYSTEM, w["reps"][P][0], w["rounds"][G], [])
    assert counts() == (0, 0, 0)


@pytest.mark.parametrize("role", [Role.CHAIR, Role.ADMIN, Role.OBSERVER])
def test_a_user_without_a_partner_cannot_vote(ctx, role):
    w = voting_election(per_group=2)
    with pytest.raises(NotEligible, match="tylko przedstawiciel"):
        ballots.cast_ballot(db.session, SYSTEM, make_user(role), w["rounds"][G], [])
    assert counts() == (0, 0, 0)


# --- turnout, voters, ballot order, receipts -------------------------------------------------


def test_turnout_counts_online_and_paper_per_group(ctx):
    w = voting_election(per_group=4)
    ballots.cast_ballot(db.session, SYSTEM, w["reps"][G][0], w["rounds"][G], [])
    ballots.cast_ballot(db.session, SYSTEM, w["reps"][G][1], w["rounds"][G], [])
    paper.issue_paper_ballot(db.session, SYSTEM, w["chair"], w["rounds"][G], w["partners"][G][2].id)
    result = turnout.turnout(db.session, w["election"])
    assert result[G] == turnout.Turnout(roll=4, voted=3, online=2, paper=1)
    assert result[G].percent == 75.0
    assert result[P] == turnout.Turnout(roll=4, voted=0, online=0, paper=0)
    assert set(result) == set(PartnerGroup)
    voters = turnout.voters(db.session, w["rounds"][G])
    assert [v.channel for v in voters].count(Channel.PAPER) == 1
    assert {v.partner_id for v in voters} == {p.id for p in w["partners"][G][:3]}
    assert [e.partner_id for e in turnout.not_voted(db.session, w["rounds"][G])] == [
        w["partners"][G][3].id
    ]


def test_turnout_follows_the_latest_round(ctx):
    w = voting_election(per_group=2)
    ballots.cast_ballot(db.session, SYSTEM, w["reps"][G][0], w["rounds"][G], [])
    rounds.close_round(db.session, SYSTEM, w["rounds"][G])
    make_round(w["election"], G, w["candidates"][G][:2], number=2, seats=1)
    assert turnout.turnout(db.session, w["election"])[G].voted == 0


def test_a_shuffled_ballot_is_stable_for_a_voter(ctx):
    w = voting_election(per_group=2, candidates_per_group=5)
    election, round_ = w["election"], w["rounds"][G]
    alphabetical = ballots.ballot_for(election, round_, 1)
    election.ballot_order = BallotOrder.SHUFFLED
    orders = {
        tuple(c.id for c in ballots.ballot_for(election, round_, uid)) for uid in range(1, 30)
    }
    assert len(orders) > 1
    assert ballots.ballot_for(election, round_, 5) == ballots.ballot_for(election, round_, 5)
    assert sorted(c.id for c in ballots.ballot_for(election, round_, 5)) == sorted(
        c.id for c in alphabetical
    )
