import pytest
from sqlalchemy import func, select

from election.audit.models import AuditEvent
from election.elections.models import TieRule
from election.errors import Conflict, DomainError, ValidationFailed
from election.extensions import db
from election.partners.models import PartnerGroup
from election.tally import counting, results, rules
from election.tally.models import SYSTEM_DRAW, CandidateResult, LotDraw, RoundTally
from election.voting.models import Round, RoundStatus
from tests.factories import SYSTEM, key_store, voting_election
from tests.factories.tally import cast, cast_all, close, open_

G = PartnerGroup.GMINA


def actor_of(world):
    from election.audit.service import Actor

    return Actor(world["chair"].id, world["chair"].email)


def audit_count() -> int:
    return db.session.scalar(select(func.count(AuditEvent.id)))


def snapshot() -> tuple[int, ...]:
    return tuple(
        db.session.scalar(select(func.count()).select_from(m))
        for m in (Round, RoundTally, CandidateResult, LotDraw, AuditEvent)
    )


@pytest.fixture
def world(ctx):
    return voting_election(per_group=6, candidates_per_group=4)


def test_a_closed_round_is_counted_from_the_ballots(world):
    round_ = world["rounds"][G]
    a, b, c, d = world["candidates"][G]
    partners = world["partners"][G]
    cast_all(round_, partners[:4], [[a, b], [a], [], [c, a]])
    cast(round_, partners[4], [b], channel="paper")
    close(round_)
    tally = counting.count_round(db.session, SYSTEM, round_, key_store())
    assert (tally.roll, tally.ballots, tally.online, tally.paper, tally.blank) == (6, 5, 4, 1, 1)
    assert tally.valid and tally.tied == [] and tally.seats_filled == 2
    votes = {
        r.candidate_id: (r.votes, r.rank, r.elected)
        for r in db.session.scalars(select(CandidateResult))
    }
    assert votes == {
        a.id: (3, 1, True),
        b.id: (2, 2, True),
        c.id: (1, 3, False),
        d.id: (0, 4, False),
    }
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "round.counted"))
    assert event.details["ballots"] == 5 and event.details["blank"] == 1
    assert event.details["votes"][str(a.id)] == 3
    status = results.group_status(db.session, world["election"])[G]
    assert status.complete and status.pending is None
    assert [c.id for c in status.elected] == [a.id, b.id]


def test_the_sql_count_agrees_with_the_pure_count(world):
    round_ = world["rounds"][G]
    a, b, c, d = world["candidates"][G]
    ballots = [[a.id, d.id], [b.id], [d.id], [], [a.id, b.id], [d.id, c.id]]
    cast_all(round_, world["partners"][G], ballots)
    close(round_)
    tally = counting.count_round(db.session, SYSTEM, round_, key_store())
    expected = rules.count_ballots([x.id for x in (a, b, c, d)], ballots, round_.seats)
    stored = {r.candidate_id: r.votes for r in db.session.scalars(select(CandidateResult))}
    assert stored == expected.votes
    assert tally.tied == list(expected.tied) and tally.blank == expected.blank


def test_an_open_round_cannot_be_counted_and_a_round_only_once(world):
    round_ = world["rounds"][G]
    with pytest.raises(Conflict):
        counting.count_round(db.session, SYSTEM, round_, key_store())
    close(round_)
    counting.count_round(db.session, SYSTEM, round_, key_store())
    with pytest.raises(Conflict):
        counting.count_round(db.session, SYSTEM, round_, key_store())


def test_below_quorum_the_round_is_invalid_and_is_repeated(world):
    election = world["election"]
    election.quorum_percent = 50
    round_ = world["rounds"][G]
    a, b, c, _d = world["candidates"][G]
    cast_all(round_, world["partners"][G], [[a], [a, b]])  # 2 of 6 < 50 %
    close(round_)
    tally = counting.count_round(db.session, SYSTEM, round_, key_store())
    assert not tally.valid and tally.seats_filled == 0
    assert not any(r.elected for r in db.session.scalars(select(CandidateResult)))
    status = results.group_status(db.session, election)[G]
    assert not status.complete and status.pending == results.PENDING_INVALID
    assert status.elected == []

    # An invalid round is not settled by a runoff or by lots.
    before = snapshot()
    for attempt in (counting.open_runoff, counting.draw_lots):
        with pytest.raises(DomainError):
            attempt(db.session, actor_of(world), round_)
    assert snapshot() == before

    repeat = counting.repeat_round(db.session, actor_of(world), round_)
    assert (repeat.number, repeat.seats, repeat.status) == (2, round_.seats, RoundStatus.PENDING)
    assert {c.id for c in repeat.candidates} == {c.id for c in round_.candidates}
    with pytest.raises(Conflict):
        counting.repeat_round(db.session, actor_of(world), round_)

    open_(repeat)
    cast_all(repeat, world["partners"][G], [[a, b], [a], [b, c], [a]])  # 4 of 6
    close(repeat)
    assert counting.count_round(db.session, SYSTEM, repeat, key_store()).valid
    view = results.results(db.session, election).groups[G]
    assert [r.kind for r in view.rounds] == [rules.RoundKind.FIRST, rules.RoundKind.REPEAT]
    assert view.main.round.id == repeat.id
    assert view.status.complete
    assert {c.id for c in view.status.elected} == {a.id, b.id}


def test_a_valid_round_cannot_be_repeated(world):
    round_ = world["rounds"][G]
    a, b, _c, _d = world["candidates"][G]
    cast_all(round_, world["partners"][G], [[a], [b], []])
    close(round_)
    counting.count_round(db.session, SYSTEM, round_, key_store())
    before = snapshot()
    with pytest.raises(ValidationFailed):
        counting.repeat_round(db.session, actor_of(world), round_)
    assert snapshot() == before


def _tie_in_first_round(world):
    """a: 3, b and c: 2, d: 0 — a is in, b and c tie for the second seat."""
    round_ = world["rounds"][G]
    a, b, c, _d = world["candidates"][G]
    cast_all(round_, world["partners"][G], [[a, b], [a, c], [a], [b, c]])
    close(round_)
    counting.count_round(db.session, SYSTEM, round_, key_store())
    return round_


def test_tie_runoff_tie_again_then_lots_recorded_by_hand(world):
    election = world["election"]
    a, b, c, d = world["candidates"][G]
    round_ = _tie_in_first_round(world)
    tally = db.session.get(RoundTally, round_.id)
    assert sorted(tally.tied) == sorted([b.id, c.id]) and tally.seats_filled == 1
    status = results.group_status(db.session, election)[G]
    assert status.pending == results.PENDING_TIE and [x.id for x in status.elected] == [a.id]

    # The rule is a runoff first: lots are refused now.
    before = snapshot()
    with pytest.raises(Conflict):
        counting.record_lots(db.session, actor_of(world), round_, "Jan", [b.id])
    assert snapshot() == before

    runoff = counting.open_runoff(db.session, actor_of(world), round_)
    assert (runoff.number, runoff.seats, runoff.status) == (2, 1, RoundStatus.PENDING)
    assert {x.id for x in runoff.candidates} == {b.id, c.id}
    with pytest.raises(Conflict):
        counting.open_runoff(db.session, actor_of(world), round_)

    open_(runoff)
    cast_all(runoff, world["partners"][G], [[b], [c], []])
    close(runoff)
    counting.count_round(db.session, SYSTEM, runoff, key_store())
    assert sorted(db.session.get(RoundTally, runoff.id).tied) == sorted([b.id, c.id])

    # A tie in the runoff is settled by lots, not by another runoff.
    before = snapshot()
    with pytest.raises(Conflict):
        counting.open_runoff(db.session, actor_of(world), runoff)
    for winners in ([d.id], [a.id], [b.id, c.id], [], [b.id, b.id]):
        with pytest.raises(ValidationFailed):
            counting.record_lots(db.session, actor_of(world), runoff, "Jan Nowak", winners)
    with pytest.raises(ValidationFailed):
        counting.record_lots(db.session, actor_of(world), runoff, "   ", [c.id])
    assert snapshot() == before

    draw = counting.record_lots(
        db.session, actor_of(world), runoff, "Jan  Nowak", [c.id], "losowanie z urny"
    )
    assert draw.seed is None and draw.drawn_by == "Jan Nowak" and draw.winners == [c.id]
    status = results.group_status(db.session, election)[G]
    assert status.complete and [x.id for x in status.elected] == [a.id, c.id]
    view = results.results(db.session, election).groups[G]
    assert [r.kind for r in view.rounds] == [rules.RoundKind.FIRST, rules.RoundKind.RUNOFF]
    assert [x.id for x in view.rounds[-1].lot_winners] == [c.id]
    assert view.rounds[-1].next_step is None

    with pytest.raises(Conflict):
        counting.draw_lots(db.session, actor_of(world), runoff)


def test_a_seeded_draw_is_recorded_and_reproducible(world):
    world["election"].tie_rule = TieRule.LOTS
    round_ = _tie_in_first_round(world)
    a, b, c, _d = world["candidates"][G]
    # Under the "lots" rule there is no runoff.
    with pytest.raises(Conflict):
        counting.open_runoff(db.session, actor_of(world), round_)
    draw = counting.draw_lots(db.session, actor_of(world), round_)
    assert draw.drawn_by == SYSTEM_DRAW and len(draw.seed) == 16
    assert draw.winners == rules.seeded_draw(draw.seed, [c.id, b.id], 1)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "round.lots_drawn"))
    assert event.details["seed"] == draw.seed and event.details["winners"] == draw.winners
    status = results.group_status(db.session, world["election"])[G]
    assert status.complete and [x.id for x in status.elected] == [a.id, *draw.winners]


def test_a_runoff_without_a_tie_is_refused_and_changes_nothing(world):
    round_ = world["rounds"][G]
    a, b, _c, _d = world["candidates"][G]
    cast_all(round_, world["partners"][G], [[a, b], [a], [a, b]])
    close(round_)
    counting.count_round(db.session, SYSTEM, round_, key_store())
    before = snapshot()
    with pytest.raises(ValidationFailed) as excinfo:
        counting.open_runoff(db.session, actor_of(world), round_)
    assert "nie ma remisu" in str(excinfo.value)
    with pytest.raises(ValidationFailed):
        counting.draw_lots(db.session, actor_of(world), round_)
    assert snapshot() == before


def test_an_uncounted_round_has_no_runoff(world):
    with pytest.raises(Conflict):
        counting.open_runoff(db.session, actor_of(world), world["rounds"][G])


def test_group_status_says_what_is_pending(world):
    election = world["election"]
    statuses = results.group_status(db.session, election)
    assert set(statuses) == set(PartnerGroup)
    assert statuses[G].pending == results.PENDING_ROUND_OPEN and not statuses[G].complete
    assert statuses[G].seats == 2
    round_ = world["rounds"][G]
    close(round_)
    assert results.group_status(db.session, election)[G].pending == results.PENDING_NOT_COUNTED


def test_secret_counts_stay_hidden_until_the_round_closes_but_open_ones_run(world):
    election = world["election"]
    round_ = world["rounds"][G]
    a = world["candidates"][G][0]
    cast(round_, world["partners"][G][0], [a])
    view = results.results(db.session, election).groups[G].current
    assert view.voted == 1 and not view.show_counts
    assert all(line.votes is None for line in view.lines)
    election.secret = False
    P = PartnerGroup.POWIAT
    cast(world["rounds"][P], world["partners"][P][0], [world["candidates"][P][0]])
    view = results.results(db.session, election).groups[P].current
    assert view.show_counts
    assert {line.candidate.id: line.votes for line in view.lines}[world["candidates"][P][0].id] == 1


def test_after_voting_ends_a_tie_can_still_be_drawn_but_not_voted_again(world):
    from election.elections.models import Phase
    from election.errors import WrongPhase

    world["election"].tie_rule = TieRule.RUNOFF_THEN_LOTS
    round_ = _tie_in_first_round(world)
    world["election"].phase = Phase.CLOSED
    before = snapshot()
    with pytest.raises(WrongPhase):
        counting.open_runoff(db.session, actor_of(world), round_)
    assert snapshot() == before
    world["election"].phase = Phase.CERTIFIED
    with pytest.raises(WrongPhase):
        counting.draw_lots(db.session, actor_of(world), round_)
