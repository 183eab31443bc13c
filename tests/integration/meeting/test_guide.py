"""The next step: what the chair is told to do at every moment, and that every step's
action is a page of the app."""

import datetime as dt

import pytest

from election.council import appointments, composition
from election.council.models import AppointedSeat
from election.elections.models import Rules, RulesStatus, TieRule
from election.extensions import db
from election.meeting.guide import next_steps
from election.meeting.steps import StepCode
from election.partners.models import PartnerGroup
from election.tally import closing, counting
from election.voting import rounds
from tests.factories import SYSTEM, key_store, make_candidate, make_election, make_partner
from tests.factories.elections import make_motion, make_rules
from tests.factories.meeting import chair_actor, close, decide, decide_all, meeting, vote
from tests.factories.tally import issue_paper, tellers_custody
from tests.factories.voting import election_without_rounds

G, P, M = PartnerGroup.GMINA, PartnerGroup.POWIAT, PartnerGroup.MIASTO_NPP


def codes(election) -> list[str]:
    """The steps' codes, the rounds' only (the Council's, e.g. appointments still missing
    during the voting, are the Council's tests')."""
    return [s.code for s in next_steps(db.session, election) if not s.code.startswith("council.")]


def all_codes(election) -> list[str]:
    return [str(s.code) for s in next_steps(db.session, election)]


def step(election, code):
    return next(s for s in next_steps(db.session, election) if s.code == code)


# --- before voting ----------------------------------------------------------------------------


def test_a_draft_asks_for_the_regulamin_and_the_nominations(ctx):
    election = make_election("draft")
    assert codes(election) == [StepCode.PREPARE_RULES, StepCode.OPEN_NOMINATIONS]
    assert step(election, StepCode.OPEN_NOMINATIONS).endpoint == "elections.show"


def test_nominations_ask_for_review_for_empty_groups_and_for_publication(ctx):
    election = make_election("nominations")
    make_rules(election, "adopted")
    make_candidate(election, make_partner(G), "Anna Nowak", status="nominated")
    make_candidate(election, make_partner(P), "Jan Kowal")
    assert codes(election) == [
        StepCode.REVIEW_NOMINATIONS,
        StepCode.NO_CANDIDATES,
        StepCode.PUBLISH_CANDIDATES,
    ]
    review = step(election, StepCode.REVIEW_NOMINATIONS)
    assert review.text == "Zgłoszenia czekają na weryfikację (1) — zweryfikuj lub odrzuć je."
    assert step(election, StepCode.NO_CANDIDATES).group == "miasto_npp"


def test_a_published_list_asks_to_start_the_voting(ctx):
    election = make_election("candidates_published")
    make_rules(election, "adopted")
    assert codes(election) == [StepCode.START_VOTING]


@pytest.mark.parametrize(
    ("status", "motion", "code"),
    [
        (None, False, StepCode.PREPARE_RULES),
        ("draft", False, StepCode.PREPARE_RULES),
        ("rejected", False, StepCode.PREPARE_RULES),
        ("sent", False, StepCode.OPEN_RULES_MOTION),
        ("sent", True, StepCode.CLOSE_RULES_MOTION),
    ],
)
def test_the_regulamin_comes_first_until_it_is_adopted(ctx, status, motion, code):
    world = election_without_rounds(adopted=False)
    election = world["election"]
    if status:
        make_rules(election, status)
    if motion:
        make_motion(election)
    assert codes(election)[0] == code


# --- voting -----------------------------------------------------------------------------------


def test_voting_without_rounds_asks_to_open_them(ctx):
    election = election_without_rounds(secret=False)["election"]
    steps = next_steps(db.session, election)[:3]
    assert [s.code for s in steps] == [StepCode.OPEN_ROUNDS] * 3
    assert steps[0].method == "post" and steps[0].endpoint == "voting.open_all"


def test_an_open_round_asks_to_close_it_saying_what_the_quorum_needs(ctx):
    world = meeting(per_group=5, quorum_percent=60, secret=True)
    vote(world, world["rounds"][G], [[world["candidates"][G][0]]])
    close_step = step(world["election"], StepCode.CLOSE_ROUND)
    assert close_step.text == (
        "Grupa „gminy”: trwa głosowanie w turze 1 (głosowało 1 z 5) — zamknij turę, gdy "
        "obecni zagłosują."
    )
    assert close_step.note_texts == [
        "Głosów potrzebnych do kworum: 3 — brakuje: 2.",
        "Najmniej kart, przy których otwiera się urnę głosowania tajnego: 3.",
    ]
    assert close_step.confirm and close_step.endpoint == "voting.close_round"


def test_a_pending_round_asks_to_open_it(ctx):
    world = election_without_rounds(secret=False)
    rounds.create_rounds(db.session, SYSTEM, world["election"])
    assert codes(world["election"]) == [StepCode.OPEN_ROUND] * 3


def test_a_tie_asks_for_the_runoff_in_the_words_of_the_room(ctx):
    world = meeting(secret=False, seats=2)
    for group in (G, M):
        decide(world, group, world["candidates"][group][:2])
    a, b, c = world["candidates"][P]
    vote(world, world["rounds"][P], [[a, b], [a, c], [a]])
    close(world, world["rounds"][P])
    runoff = step(world["election"], StepCode.OPEN_RUNOFF)
    assert runoff.text == "Grupa „powiaty”: remis o 2. miejsce — otwórz dogrywkę."
    # The tied in Polish alphabetical order (Adam Łuczak before Ola Żak).
    assert runoff.note_texts == [f"Remis między: {c.full_name}, {b.full_name}."]
    assert (runoff.endpoint, runoff.method, runoff.round_id) == (
        "tally.runoff",
        "post",
        world["rounds"][P].id,
    )
    assert StepCode.CLOSE_VOTING not in codes(world["election"])


def test_a_tie_for_lots_offers_the_app_draw_and_the_room_draw(ctx):
    world = meeting(secret=False, tie_rule=TieRule.LOTS)
    a, b, _c = world["candidates"][G]
    vote(world, world["rounds"][G], [[a], [b]])
    close(world, world["rounds"][G])
    assert codes(world["election"])[:2] == [StepCode.DRAW_LOTS, StepCode.LOTS_IN_ROOM]


def test_an_invalid_secret_round_explains_the_quorum_and_the_minimum_of_three(ctx):
    world = meeting(per_group=5, quorum_percent=60, quorum_waived_from=2, secret=True)
    vote(world, world["rounds"][G], [[world["candidates"][G][0]]])
    close(world, world["rounds"][G])
    repeat = step(world["election"], StepCode.REPEAT_ROUND)
    assert repeat.text == ("Grupa „gminy”: tura 1 jest nieważna — utwórz turę powtórzoną.")
    assert repeat.note_texts == [
        "Brak kworum: głosowało 1, potrzeba 3.",
        "Kart oddano mniej, niż trzeba do otwarcia urny głosowania tajnego (3): urny nie "
        "otwiera się, bo ujawniłaby, jak głosowali nieliczni.",
        "Według Regulaminu tura powtórzona będzie ważna bez kworum.",
        "W głosowaniu tajnym każda tura potrzebuje kart co najmniej: 3, bez względu na "
        "kworum — poproś obecnych Partnerów o oddanie głosu (także na papierze).",
    ]


def test_paper_ballots_to_enter_and_tellers_to_count_are_steps(ctx):
    world = meeting(secret=True)
    round_ = world["rounds"][G]
    vote(world, round_, [[world["candidates"][G][0]]] * 2)
    issue_paper(round_, world["partners"][G][2])
    close(world, round_)
    assert codes(world["election"])[:2] == [StepCode.ENTER_PAPER, StepCode.FINISH_PAPER]
    tellers = meeting(secret=True)
    tellers_custody(tellers["election"])
    vote(tellers, tellers["rounds"][G], [[tellers["candidates"][G][0]]] * 3)
    close(tellers, tellers["rounds"][G])
    teller_step = step(tellers["election"], StepCode.TELLERS)
    assert "(są 0 z 2)" in teller_step.text


def test_every_group_settled_asks_to_close_the_voting(ctx):
    world = meeting(secret=False)
    decide_all(world)
    assert codes(world["election"])[-1] == StepCode.CLOSE_VOTING
    assert closing.unfinished(db.session, world["election"]) == []


def test_the_guide_and_the_refusal_to_close_never_disagree(ctx):
    world = meeting(secret=False)
    for group in (G, P):
        decide(world, group, world["candidates"][group][:1])
    blockers = closing.unfinished(db.session, world["election"])
    assert [(b.group, b.reason) for b in blockers] == [(M, closing.Unfinished.OPEN)]
    assert StepCode.CLOSE_ROUND in codes(world["election"])


# --- after the voting ---------------------------------------------------------------------------


def test_closed_voting_asks_for_appointments_then_certification(ctx):
    world = meeting(secret=False)
    decide_all(world)
    election = world["election"]
    closing.close_voting(db.session, SYSTEM, election)
    assert "council.appointments_missing" in all_codes(election)
    names = iter(["Anna Powołana", "Beata Powołana", "Celina Powołana"])
    for seat, slots in ((AppointedSeat.LEADER, 1), (AppointedSeat.SCSI, 2)):
        for slot in range(1, slots + 1):
            data = appointments.AppointmentData(
                next(names), "Dyrektor", "Uchwała 1/2026", dt.date(2026, 6, 1)
            )
            appointments.appoint(db.session, SYSTEM, election, seat, data, slot=slot)
    assert all_codes(election) == ["council.certify"]
    composition.certify(db.session, SYSTEM, election, key_store())
    assert next_steps(db.session, election) == []


# --- every step's action is a page of the app ---------------------------------------------------


def test_every_step_names_an_endpoint_of_the_app(app, ctx):
    world = meeting(secret=False, seats=2, tie_rule=TieRule.RUNOFF_THEN_LOTS)
    a, b, c = world["candidates"][G]
    vote(world, world["rounds"][G], [[a, b], [b, c], [c, a]])
    close(world, world["rounds"][G])
    counting.open_runoff(db.session, chair_actor(world), world["rounds"][G])
    elections = [
        make_election("draft"),
        world["election"],
        election_without_rounds(secret=False)["election"],
    ]
    db.session.add(Rules(election_id=elections[0].id, status=RulesStatus.SENT, text="§ 1."))
    for election in elections:
        for s in next_steps(db.session, election):
            if s.endpoint is not None:
                assert s.endpoint in app.view_functions, s
