"""No dead ends, proven: from every reachable state of a meeting a certified Council stays
reachable by the chair's actions — the ones the app's own next step
(:func:`election.meeting.guide.next_steps`) tells the chair to take.

A Hypothesis state machine drives random sequences of the real services over a fresh
election per example: nominations and withdrawals, the Regulamin's motion, starting the
voting (server or tellers' custody), opening and closing rounds, ballots cast through
the voting service (encrypted in a secret election) and on paper, missed quorum, ties,
runoffs, lots, annulments, Partners added to the roll, appointments, closing the voting
and certifying. After every step that changed something, the chair follows the guide
from that state in one transaction — each step's code executed, ballots cast by the
reps where a step needs them — until the Council is certified, within a bound; then
the transaction is rolled back and the random walk goes on.

Groups short of candidates (dead end C: supplementary nominations or a vacancy, the
Council's) are left out: a withdrawal that would leave a group unable to fill its
seats is not made.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import tempfile
from collections.abc import Callable
from typing import Any

from flask import Flask, current_app
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from election import transaction
from election.audit.service import Actor
from election.auth.models import Role, User
from election.candidates import nominations, published, review
from election.candidates.models import Candidate, CandidateStatus
from election.candidates.rules import person_key
from election.collation import fold
from election.council import appointments, composition
from election.council.models import AppointedSeat
from election.elections import custody, motions, regulamin, service
from election.elections.custody import KeyStore
from election.elections.models import (
    Custody,
    Election,
    MotionChoice,
    Phase,
    RollEntry,
    RulesStatus,
    TieRule,
)
from election.errors import DomainError
from election.extensions import db
from election.meeting.guide import next_steps
from election.meeting.steps import Step, StepCode
from election.partners.models import GROUPS, Partner, PartnerGroup
from election.tally import closing, corrections, counting, opening
from election.tally.results import GroupResults, results
from election.voting import ballots, paper, rounds
from election.voting.models import RollMark, Round, RoundStatus
from election.voting.paper import paper_pending
from tests.factories import make_partner, make_user

#: Meetings per run and random steps per meeting: bounded so the suite stays fast (about
#: 40 paths to certification per run, each a few hundred queries). A deeper search:
#: ``NO_DEAD_ENDS_RANDOM=1 NO_DEAD_ENDS_EXAMPLES=200 pytest tests/integration/meeting``
#: (without ``NO_DEAD_ENDS_RANDOM`` the walks are the same every run, as in CI).
EXAMPLES = int(os.environ.get("NO_DEAD_ENDS_EXAMPLES", "10"))
STEPS = int(os.environ.get("NO_DEAD_ENDS_STEPS", "12"))
#: The most chair's steps from any state to the certification (a meeting of three
#: groups needs about 25 from the nominations; ties and repeats add a few).
MAX_STEPS = 80
CUTOFF = dt.date(2026, 5, 31)
FIRST = ["Anna", "Bożena", "Cezary", "Dorota", "Edward", "Filip", "Grażyna", "Henryk"]
LAST = ["Nowak", "Żak", "Łuczak", "Śliwa", "Ćwik", "Bąk", "Zieliński", "Wójcik", "Rak"]


class Avoided(Exception):
    """A random step that would leave a group short of candidates (dead end C)."""


def _names() -> Any:
    """Distinct names of people (candidates, the appointed): 648 of them."""
    return (f"{f} {s}-{t}" for t, s, f in itertools.product(LAST, LAST, FIRST))


class Meeting(RuleBasedStateMachine):
    """One meeting: random steps of the real services, and the guide's path after each."""

    def __init__(self) -> None:
        super().__init__()
        self.keys = KeyStore(current_app.instance_path)
        self.scratch = tempfile.TemporaryDirectory(prefix="no-dead-ends-")
        self.names = _names()
        self.changed = True
        self.shares: dict[int, str] = {}
        self.eid = 0
        self.phase = Phase.DRAFT
        self.secret = False

    # --- the world ----------------------------------------------------------------------------

    @initialize(
        secret=st.sampled_from([False, False, True]),
        tellers=st.booleans(),
        tie_rule=st.sampled_from(list(TieRule)),
        quorum=st.sampled_from([None, 40, 67]),
        waived_from=st.sampled_from([None, 2, 3]),
        seats=st.tuples(*[st.integers(1, 2)] * 3),
        scsi=st.integers(0, 1),
        stage=st.sampled_from(["nominations", "voting", "rounds open", "rounds open"]),
        adopted=st.booleans(),
    )
    def set_up(self, secret, tellers, tie_rule, quorum, waived_from, seats, scsi, stage, adopted):
        """A fresh election: in nominations, or voting (the rounds not yet open, or open)."""
        session = db.session
        self.admin = make_user(Role.ADMIN, full_name="Administrator")
        self.chair = make_user(Role.CHAIR, full_name="Przewodniczący")
        self.custody = Custody.TELLERS if secret and tellers else Custody.SERVER
        for group in GROUPS:
            for _ in range(3):
                self._partner(group)
            # Signed after the cut-off by the register: addable only as a register error.
            self._partner(group, signed=CUTOFF + dt.timedelta(days=10))
        settings_ = service.ElectionSettings(
            title="Wybory Rady ds. systemu SEKAP",
            cutoff_date=CUTOFF,
            seats_gmina=seats[0],
            seats_powiat=seats[1],
            seats_miasto_npp=seats[2],
            leader_seats=1,
            scsi_seats=scsi,
            secret=secret,
            tie_rule=tie_rule,
            quorum_percent=quorum,
            quorum_waived_from=waived_from,
        )
        election = service.create_election(session, self.actor, settings_)
        self.eid = election.id
        service.open_nominations(session, self.actor, election)
        for group in GROUPS:
            partners = self._partners(group)
            for i in range(3):
                self._nominate(partners[i], verified=True)
        if adopted or stage == "rounds open":
            self._adopt_rules()
        if stage != "nominations":
            published.publish_list(session, self.actor, election)
            self.shares = self._start_voting()
        if stage == "rounds open":
            rounds.open_all(session, self.actor, self.election)
        transaction.commit(session)
        self.phase, self.secret = self.election.phase, secret

    def teardown(self) -> None:
        if self.eid:
            self.keys.destroy_all(self.eid)
        db.session.rollback()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())
        db.session.remove()
        self.scratch.cleanup()

    @property
    def actor(self) -> Actor:
        return Actor(self.chair.id, self.chair.email)

    @property
    def election(self) -> Election:
        return db.session.get_one(Election, self.eid)

    def _partner(self, group: PartnerGroup, signed: dt.date = dt.date(2015, 1, 1)) -> Partner:
        partner = make_partner(group, signed=signed)
        make_user(Role.PARTNER_REP, partner=partner, full_name=f"Przedstawiciel {partner.teryt}")
        return partner

    def _partners(self, group: PartnerGroup) -> list[Partner]:
        return list(
            db.session.scalars(select(Partner).where(Partner.group == group).order_by(Partner.id))
        )

    def _rep(self, partner_id: int) -> User:
        return db.session.scalars(select(User).where(User.partner_id == partner_id)).one()

    def _nominate(self, partner: Partner, *, verified: bool) -> Candidate:
        nomination = nominations.Nomination(
            full_name=next(self.names),
            position="Sekretarz",
            partner_id=partner.id,
            consent_confirmed=True,
        )
        candidate = nominations.nominate_as_admin(db.session, self.actor, self.election, nomination)
        if verified:
            review.verify(db.session, self.actor, self.election, candidate.id)
        return candidate

    def _start_voting(self) -> dict[int, str]:
        """Start the voting in the example's custody; the tellers' shares (if any)."""
        choice = (
            custody.CustodyChoice(Custody.TELLERS, 2, ["Teller A", "Teller B", "Teller C"])
            if self.custody is Custody.TELLERS
            else custody.CustodyChoice()
        )
        election = self.election
        service.start_voting(db.session, self.actor, election, keys=self.keys, choice=choice)
        shares = {}
        if self.custody is Custody.TELLERS:
            shares = {
                i: custody.hand_out(db.session, self.actor, election, self.keys, i).share
                for i in (1, 2, 3)
            }
        # A Partner of each group that qualifies but came into the register too late for
        # the frozen roll: the chair may add it.
        for group in GROUPS:
            self._partner(group)
        return shares

    def _adopt_rules(self) -> None:
        """Write, send and adopt the Regulamin (every eligible Partner votes yes)."""
        election = self.election
        rules = regulamin.get_rules(db.session, election)
        if rules is None or rules.status in (RulesStatus.DRAFT, RulesStatus.REJECTED):
            regulamin.save_rules(db.session, self.actor, election, text="§ 1. Regulamin.")
            regulamin.mark_rules_sent(db.session, self.actor, election, dt.date(2026, 6, 1))
        motion = motions.open_motion(db.session, election) or motions.open_rules_motion(
            db.session, self.actor, election
        )
        # Enough Partners present vote yes to carry it (more yes than no and abstain).
        counts = motions.motion_counts(db.session, motion.id)
        needed = counts[MotionChoice.NO] + counts[MotionChoice.ABSTAIN] - counts[MotionChoice.YES]
        self._motion_votes(motion.id, MotionChoice.YES, limit=max(0, needed) + 1)
        motions.close_motion(db.session, self.actor, motion.id)

    def _motion_votes(self, motion_id: int, choice: MotionChoice, limit: int | None = None) -> None:
        voters = [
            p
            for p in motions.motion_voters(db.session, self.election)
            if motions.partner_vote(db.session, motion_id, p.id) is None
        ]
        for partner in voters[:limit]:
            motions.vote_on_paper(
                db.session, self.actor, motion_id, partner_id=partner.id, choice=choice
            )

    # --- one random step -------------------------------------------------------------------------

    def act(
        self, action: Callable[..., Any], *args: Any, guard: bool = False, **kwargs: Any
    ) -> bool:
        """Run ``action`` as the app's edge does and commit it — unless the app refuses it
        (nothing changes) or, with ``guard`` (a withdrawal), it would leave a group short
        of candidates (rolled back)."""
        try:
            action(db.session, *args, **kwargs)
            if guard and self._short_groups():
                raise Avoided
            transaction.commit(db.session)
        except (DomainError, Avoided):
            db.session.rollback()
            transaction.discard_effects(db.session)
            return False
        self.changed = True
        self.phase = self.election.phase
        return True

    def _short_groups(self) -> list[PartnerGroup]:
        """Groups that can no longer fill their seats by a vote (dead end C)."""
        election = self.election
        if election.phase in (Phase.NOMINATIONS, Phase.CANDIDATES_PUBLISHED):
            standing = {
                g: db.session.scalars(
                    select(Candidate.id).where(
                        Candidate.election_id == election.id,
                        Candidate.group == g,
                        Candidate.status.in_([CandidateStatus.NOMINATED, CandidateStatus.VERIFIED]),
                    )
                ).all()
                for g in GROUPS
            }
            return [g for g in GROUPS if len(standing[g]) < election.seats_for(g)]
        if election.phase != Phase.VOTING:
            return []
        found = results(db.session, election)
        verified = {
            g: len(
                db.session.scalars(
                    select(Candidate.id).where(
                        Candidate.election_id == election.id,
                        Candidate.group == g,
                        Candidate.status == CandidateStatus.VERIFIED,
                    )
                ).all()
            )
            for g in GROUPS
        }
        return [
            g
            for g in GROUPS
            if not _fillable(found.groups[g], verified[g] >= election.seats_for(g))
        ]

    def _phase(self) -> Phase:
        """The phase as the last committed step left it (read once, not per rule)."""
        return self.phase

    def _rounds(self, *statuses: RoundStatus) -> list[Round]:
        return [r for r in rounds.rounds_of(db.session, self.election) if r.status in statuses]

    def _current(self, step: str) -> list[Round]:
        """The groups' last rounds whose next step (after the count) is ``step``."""
        found = results(db.session, self.election)
        return [
            g.current.round
            for g in found.groups.values()
            if g.current is not None and g.current.next_step and g.current.next_step == step
        ]

    @staticmethod
    def pick(items: list[Any], i: int) -> Any:
        return items[i % len(items)] if items else None

    @precondition(lambda self: self._phase() == Phase.NOMINATIONS)
    @rule(i=st.integers(0, 99), verified=st.booleans())
    def nominate(self, i, verified):
        partner = self.pick(self._partners(self.pick(list(GROUPS), i)), i // 3)
        self.act(lambda s: self._nominate(partner, verified=verified))

    @precondition(lambda self: self._phase() == Phase.NOMINATIONS)
    @rule(i=st.integers(0, 99))
    def verify(self, i):
        waiting = db.session.scalars(
            select(Candidate.id)
            .where(Candidate.election_id == self.eid, Candidate.status == CandidateStatus.NOMINATED)
            .order_by(Candidate.id)
        ).all()
        candidate_id = self.pick(list(waiting), i)
        if candidate_id is not None:
            self.act(review.verify, self.actor, self.election, candidate_id)

    @precondition(lambda self: self._phase() == Phase.NOMINATIONS)
    @rule()
    def publish(self):
        self.act(published.publish_list, self.actor, self.election)

    @precondition(lambda self: self._phase() != Phase.CERTIFIED)
    @rule(i=st.integers(0, 99))
    def withdraw(self, i):
        election = self.election
        standing = db.session.scalars(
            select(Candidate)
            .where(
                Candidate.election_id == self.eid,
                Candidate.status.in_([CandidateStatus.NOMINATED, CandidateStatus.VERIFIED]),
            )
            .order_by(Candidate.id)
        ).all()
        candidate = self.pick(list(standing), i)
        if candidate is None:
            return
        if election.phase == Phase.NOMINATIONS:
            admin = self.admin
            self.act(review.withdraw, self.actor, admin, election, candidate.id, guard=True)
        else:
            self.act(
                corrections.withdraw_candidate,
                self.actor,
                election,
                candidate.id,
                "Rezygnacja",
                guard=True,
            )

    @precondition(
        lambda self: self._phase() in (Phase.NOMINATIONS, Phase.CANDIDATES_PUBLISHED, Phase.VOTING)
    )
    @rule(step=st.integers(0, 3), yes=st.booleans())
    def regulamin_motion(self, step, yes):
        """One move of the Regulamin: write and send it, open the motion, a vote, close."""
        election = self.election
        rules = regulamin.get_rules(db.session, election)
        motion = motions.open_motion(db.session, election)
        if rules is None or rules.status in (RulesStatus.DRAFT, RulesStatus.REJECTED):
            self.act(
                lambda s: (
                    regulamin.save_rules(s, self.actor, election, text="§ 1. Regulamin."),
                    regulamin.mark_rules_sent(s, self.actor, election, dt.date(2026, 6, 1)),
                )
            )
        elif motion is None:
            self.act(motions.open_rules_motion, self.actor, election)
        elif step < 3:
            choice = MotionChoice.YES if yes else MotionChoice.NO
            self.act(lambda s: self._motion_votes(motion.id, choice, limit=2))
        else:
            self.act(motions.close_motion, self.actor, motion.id)

    @precondition(lambda self: self._phase() == Phase.CANDIDATES_PUBLISHED)
    @rule()
    def start_voting(self):
        shares: dict[int, str] = {}
        if self.act(lambda s: shares.update(self._start_voting())):
            self.shares = shares

    @precondition(lambda self: self._phase() == Phase.VOTING)
    @rule(i=st.integers(0, 99), all_=st.booleans())
    def open_rounds(self, i, all_):
        if all_:
            self.act(rounds.open_all, self.actor, self.election)
            return
        round_ = self.pick(self._rounds(RoundStatus.PENDING), i)
        if round_ is not None:
            self.act(rounds.open_round, self.actor, round_)

    @precondition(lambda self: self._phase() == Phase.VOTING)
    @rule(
        i=st.integers(0, 99),
        marks=st.lists(st.lists(st.booleans(), min_size=4, max_size=4), max_size=4),
        close=st.booleans(),
    )
    def vote(self, i, marks, close):
        """Some reps of a group vote in its open round (each its own marks, at most the
        seats), one ballot at a time through the voting service; then, maybe, the chair
        closes the round — a few ballots make ties and rounds without quorum likely."""
        round_ = self.pick(self._rounds(RoundStatus.OPEN), i)
        if round_ is None:
            return
        for voter, ballot in zip(self._not_voted(round_), marks, strict=False):
            chosen = [c.id for c, m in zip(round_.candidates, ballot, strict=False) if m]
            rep = self._rep(voter)
            self.act(
                ballots.cast_ballot, Actor(rep.id, rep.email), rep, round_, chosen[: round_.seats]
            )
        if close:
            self.act(rounds.close_round, self.actor, round_)

    # Voting is most of a meeting: the walk votes more often than it does anything else.
    @precondition(lambda self: self._phase() == Phase.VOTING)
    @rule(
        i=st.integers(0, 99),
        marks=st.lists(st.lists(st.booleans(), min_size=4, max_size=4), max_size=4),
        close=st.booleans(),
    )
    def vote_again(self, i, marks, close):
        self.vote(i, marks, close)

    @precondition(lambda self: self._phase() == Phase.VOTING and self.secret)
    @rule(i=st.integers(0, 99))
    def issue_paper(self, i):
        round_ = self.pick(self._rounds(RoundStatus.OPEN), i)
        voter = self.pick(self._not_voted(round_), i // 3) if round_ else None
        if voter is not None:
            self.act(paper.issue_paper_ballot, self.actor, self.chair, round_, voter)

    @precondition(lambda self: self._phase() == Phase.VOTING and self.secret)
    @rule(i=st.integers(0, 99), finish=st.booleans())
    def paper_from_the_box(self, i, finish):
        waiting = [
            r
            for r in self._rounds(RoundStatus.CLOSED)
            if r.paper_issued and r.box_opened_at is None
        ]
        round_ = self.pick(waiting, i)
        if round_ is None:
            return
        if paper_pending(round_) and not finish:
            choice = [c.id for c in round_.candidates][i % 2 : i % 2 + 1]
            self.act(paper.enter_paper_ballot, self.actor, self.chair, round_, choice)
        else:
            self.act(opening.finish_paper, self.actor, round_, self.keys, paper_pending(round_))

    @precondition(lambda self: self._phase() == Phase.VOTING and bool(self.shares))
    @rule(index=st.integers(1, 3))
    def teller_share(self, index):
        self.act(opening.enter_share, self.actor, self.election, index, self.shares[index])

    @precondition(lambda self: self._phase() == Phase.VOTING)
    @rule(i=st.integers(0, 99), what=st.sampled_from(["repeat", "runoff", "lots"]))
    def after_the_count(self, i, what):
        round_ = self.pick(self._current(what), i)
        action = {
            "repeat": counting.repeat_round,
            "runoff": counting.open_runoff,
            "lots": counting.draw_lots,
        }[what]
        if round_ is not None:
            self.act(action, self.actor, round_)

    @precondition(lambda self: self._phase() == Phase.VOTING)
    @rule(i=st.integers(0, 99), what=st.sampled_from(["repeat", "runoff", "lots"]))
    def after_the_count_again(self, i, what):
        self.after_the_count(i, what)

    @precondition(lambda self: self._phase() == Phase.VOTING)
    @rule(i=st.integers(0, 99))
    def annul(self, i):
        annullable = [
            r
            for r in self._rounds(RoundStatus.PENDING, RoundStatus.OPEN, RoundStatus.CLOSED)
            if r.counted_at is None
        ]
        round_ = self.pick(annullable, i)
        if round_ is not None:
            self.act(
                corrections.annul_round, self.actor, round_, "Pomyłka przewodniczącego", guard=True
            )

    @precondition(lambda self: self._phase() == Phase.VOTING)
    @rule(i=st.integers(0, 99))
    def add_to_roll(self, i):
        on_roll = set(
            db.session.scalars(
                select(RollEntry.partner_id).where(RollEntry.election_id == self.eid)
            )
        )
        off = [
            p
            for p in db.session.scalars(select(Partner).order_by(Partner.id))
            if p.id not in on_roll
        ]
        partner = self.pick(off, i)
        if partner is not None:
            error = not partner.is_eligible(CUTOFF)
            self.act(
                corrections.add_to_roll,
                self.actor,
                self.election,
                partner.id,
                "Pominięty w spisie",
                register_error=error,
            )

    @precondition(lambda self: self._phase() in (Phase.VOTING, Phase.CLOSED))
    @rule(seat=st.sampled_from(list(AppointedSeat)), candidate=st.booleans(), i=st.integers(0, 99))
    def appoint(self, seat, candidate, i):
        """An appointment — sometimes of a person standing as a candidate (one person, one
        seat: they may be elected later)."""
        names = db.session.scalars(
            select(Candidate.full_name).where(Candidate.election_id == self.eid)
        ).all()
        name = self.pick(list(names), i) if candidate and names else next(self.names)
        self.act(appointments.appoint, self.actor, self.election, seat, _appointment(name))

    @precondition(lambda self: self._phase() == Phase.VOTING)
    @rule()
    def close_voting(self):
        self.act(closing.close_voting, self.actor, self.election)

    @precondition(lambda self: self._phase() == Phase.CLOSED)
    @rule()
    def certify(self):
        self.act(composition.certify, self.actor, self.election, self.keys)

    def _not_voted(self, round_: Round) -> list[int]:
        marked = set(
            db.session.scalars(select(RollMark.partner_id).where(RollMark.round_id == round_.id))
        )
        roll = db.session.scalars(
            select(RollEntry.partner_id)
            .where(RollEntry.election_id == round_.election_id, RollEntry.group == round_.group)
            .order_by(RollEntry.partner_id)
        ).all()
        return [p for p in roll if p not in marked]

    # --- the proof -------------------------------------------------------------------------------

    @invariant()
    def the_guide_leads_to_a_certified_council(self):
        if not self.changed or not self.eid:
            return
        self.changed = False
        db.session.rollback()
        try:
            Chair(self).follow_the_guide()
        finally:
            db.session.rollback()
            transaction.discard_effects(db.session)


def _fillable(group: GroupResults, enough_verified: bool) -> bool:
    """Whether a vote can still fill the group's seats: as many candidates still standing
    as the seats its current round (or its tie) must fill; before its first round, as
    many verified candidates as seats."""
    if group.status.complete:
        return True
    view = group.current
    if view is None:
        return enough_verified
    if view.annulled:
        return False  # annulled with nobody left to replace it
    tally = view.tally
    if tally is not None and tally.valid and tally.tied and view.lots is None:
        return len(view.standing_tied) >= view.round.seats - tally.seats_filled
    if tally is not None and tally.valid:
        return len(group.status.elected) >= group.seats
    return len(view.standing) >= view.round.seats


def _appointment(name: str) -> appointments.AppointmentData:
    return appointments.AppointmentData(name, "Dyrektor", "Uchwała 1/2026", dt.date(2026, 6, 1))


#: Steps about one group's round only: the first such step of each group may be taken
#: from one reading of the guide.
GROUP_STEPS = {
    StepCode.OPEN_ROUND,
    StepCode.CLOSE_ROUND,
    StepCode.ENTER_PAPER,
    StepCode.FINISH_PAPER,
    StepCode.ANNUL_UNCOUNTED,
    StepCode.REPEAT_ROUND,
    StepCode.OPEN_RUNOFF,
    StepCode.DRAW_LOTS,
}


def _at_once(doable: list[Step]) -> list[Step]:
    """The first step, then the first group step of every other group."""
    first = doable[0]
    if first.code not in GROUP_STEPS:
        return [first]
    chosen, groups = [first], {first.group}
    for step in doable[1:]:
        if step.code in GROUP_STEPS and step.group not in groups:
            chosen.append(step)
            groups.add(step.group)
    return chosen


class Stuck(AssertionError):
    """The guide offers nothing the chair can do, or what it offers is refused."""


class Chair:
    """The chair following :func:`next_steps` step by step, in one transaction; the reps
    vote where a step needs ballots, all for the same candidates (so a vote decides)."""

    def __init__(self, meeting: Meeting) -> None:
        self.m = meeting
        self.keys = meeting.keys
        self.scratch = KeyStore(meeting.scratch.name)
        self.actor = meeting.actor
        #: The tellers' shares, when the chair started the voting on this path.
        self.shares: dict[int, str] = {}
        self.handlers: dict[str, Callable[[Step], Any]] = {
            StepCode.OPEN_NOMINATIONS: lambda s: service.open_nominations(
                db.session, self.actor, self.election
            ),
            StepCode.REVIEW_NOMINATIONS: self.review,
            StepCode.PUBLISH_CANDIDATES: self.publish,
            StepCode.PREPARE_RULES: lambda s: self.m._adopt_rules(),
            StepCode.OPEN_RULES_MOTION: lambda s: self.m._adopt_rules(),
            StepCode.CLOSE_RULES_MOTION: lambda s: self.m._adopt_rules(),
            StepCode.START_VOTING: self.start_voting,
            StepCode.OPEN_ROUNDS: lambda s: rounds.open_all(db.session, self.actor, self.election),
            StepCode.OPEN_ROUND: lambda s: rounds.open_round(db.session, self.actor, self.round(s)),
            StepCode.CLOSE_ROUND: self.close_round,
            StepCode.ENTER_PAPER: self.enter_paper,
            StepCode.FINISH_PAPER: self.finish_paper,
            StepCode.TELLERS: self.tellers,
            StepCode.ANNUL_UNCOUNTED: lambda s: corrections.annul_round(
                db.session, self.actor, self.round(s), "Niepoliczona"
            ),
            StepCode.REPEAT_ROUND: lambda s: counting.repeat_round(
                db.session, self.actor, self.round(s)
            ),
            StepCode.OPEN_RUNOFF: lambda s: counting.open_runoff(
                db.session, self.actor, self.round(s)
            ),
            StepCode.DRAW_LOTS: lambda s: counting.draw_lots(db.session, self.actor, self.round(s)),
            StepCode.CLOSE_VOTING: lambda s: closing.close_voting(
                db.session, self.actor, self.election
            ),
            "council.appointments_missing": self.appoint,
            "council.two_seats": self.one_person_one_seat,
            "council.certify": lambda s: composition.certify(
                db.session, self.actor, self.election, self.scratch
            ),
        }

    @property
    def election(self) -> Election:
        return self.m.election

    def round(self, step: Step) -> Round:
        return db.session.get_one(Round, step.round_id)

    def follow_the_guide(self) -> None:
        """Do what the guide says until the Council is certified: its first step — and,
        as a chair reading the list would, the first step of every other group, each
        group's business being its own — then read the guide again."""
        taken: list[str] = []
        for _ in range(MAX_STEPS):
            if self.election.phase == Phase.CERTIFIED:
                return
            steps = next_steps(db.session, self.election)
            doable = [s for s in steps if s.code in self.handlers]
            if not doable:
                raise Stuck(f"no step the chair can take: {[s.text for s in steps]}; after {taken}")
            for step in _at_once(doable):
                taken.append(str(step.code))
                try:
                    self.handlers[step.code](step)
                    db.session.flush()
                except DomainError as exc:
                    raise Stuck(
                        f"the guide's step {step.code} ({step.text}) was refused: {exc}; "
                        f"after {taken}"
                    ) from exc
        raise Stuck(f"no certified Council after {MAX_STEPS} steps: {taken}")

    # --- the steps that need more than one call ------------------------------------------------

    def review(self, step: Step) -> None:
        for candidate in db.session.scalars(
            select(Candidate).where(
                Candidate.election_id == self.m.eid, Candidate.status == CandidateStatus.NOMINATED
            )
        ).all():
            review.verify(db.session, self.actor, self.election, candidate.id)

    def publish(self, step: Step) -> None:
        self.review(step)
        published.publish_list(db.session, self.actor, self.election)

    def decisive(self, round_: Round) -> list[int]:
        return sorted(c.id for c in round_.candidates)[: round_.seats]

    def close_round(self, step: Step) -> None:
        """Everyone on the group's roll who has not voted votes for the same candidates."""
        round_ = self.round(step)
        for partner_id in self.m._not_voted(round_):
            rep = self.m._rep(partner_id)
            ballots.cast_ballot(
                db.session, Actor(rep.id, rep.email), rep, round_, self.decisive(round_)
            )
        rounds.close_round(db.session, self.actor, round_)

    def enter_paper(self, step: Step) -> None:
        round_ = self.round(step)
        while paper_pending(round_):
            paper.enter_paper_ballot(
                db.session, self.actor, self.m.chair, round_, self.decisive(round_)
            )

    def finish_paper(self, step: Step) -> None:
        round_ = self.round(step)
        opening.finish_paper(db.session, self.actor, round_, self.keys, paper_pending(round_))

    def start_voting(self, step: Step) -> None:
        self.shares = self.m._start_voting()

    def tellers(self, step: Step) -> None:
        shares = self.shares or self.m.shares
        for index in (1, 2, 3):
            # As the tellers in the room: each enters a share while a round still waits
            # (a round that had one teller's share before needs only one more).
            if not opening.awaiting_tellers(db.session, self.election):
                break
            opening.enter_share(db.session, self.actor, self.election, index, shares[index])

    def appoint(self, step: Step) -> None:
        election = self.election
        current = appointments.current_appointments(db.session, election)
        for seat in AppointedSeat:
            taken = {a.slot for a in current if a.seat == seat}
            for slot in range(1, appointments.seats(election, seat) + 1):
                if slot not in taken:
                    appointments.appoint(
                        db.session,
                        self.actor,
                        election,
                        seat,
                        _appointment(next(self.m.names)),
                        slot=slot,
                    )

    def one_person_one_seat(self, step: Step) -> None:
        """An appointed person who was elected too: the appointing body names another."""
        elected = {
            person_key(c.full_name)
            for g in results(db.session, self.election).groups.values()
            for c in g.status.elected
        }
        for a in appointments.current_appointments(db.session, self.election):
            if fold(a.full_name) in elected:
                appointments.replace(
                    db.session, self.actor, self.election, a.id, _appointment(next(self.m.names))
                )


def test_from_every_reachable_state_the_guide_leads_to_a_certified_council(app: Flask) -> None:
    with app.app_context():
        run_state_machine_as_test(
            Meeting,
            settings=settings(
                max_examples=EXAMPLES,
                stateful_step_count=STEPS,
                deadline=None,
                # CI replays the same walks every run; NO_DEAD_ENDS_RANDOM=1 explores new ones.
                derandomize=os.environ.get("NO_DEAD_ENDS_RANDOM") != "1",
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
            ),
        )
