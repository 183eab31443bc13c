"""The next step: the chair's guidance at every moment of the meeting, phase by phase.

:func:`next_steps` reads the election as it is now and says what to do, most urgent
first — each :class:`Step` a stable ``code``, Polish words (a msgid and its parameters,
translated where shown) and the action that does it: an endpoint the dashboard renders
as a button (``post``) or a link to the page that does it (``get``). The steps are what
the chair's dashboard shows on top, live, and the path the stateful test
(``tests/integration/meeting/test_no_dead_ends.py``) follows to a certified Council —
so what the test proves is what the chair sees.

During voting the steps are the groups' unfinished business as the closing of the
voting sees it (:func:`election.tally.closing.unfinished`), so the guide and the
refusal to close never disagree. What the Council still lacks — appointments, a group
short of candidates, one person on two seats — comes from :mod:`.council_steps`, the
extension point of the Council's own states.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from election.candidates.models import Candidate, CandidateStatus
from election.elections.models import Election, Phase, RulesStatus
from election.elections.motions import open_motion
from election.elections.regulamin import get_rules
from election.errors import N_
from election.labels import GROUP_LABELS
from election.meeting.council_steps import council_steps
from election.meeting.steps import Step, StepCode
from election.meeting.voting_steps import voting_steps
from election.partners.models import GROUPS
from election.tally import closing
from election.tally.results import results


def next_steps(session: Session, election: Election) -> list[Step]:
    """What the chair should do now, most urgent first.

    Draft: open nominations; nominations: review them and publish the list; then start
    the voting; the Regulamin until it is adopted; voting: each group's unfinished
    business (open, close, paper ballots, tellers, repeat, runoff, lots), then closing
    the voting; closed: the Council's missing seats, then certification; certified:
    the seats the Council's term still has to fill, if any.
    """
    if election.phase == Phase.CERTIFIED:
        return council_steps(session, election)  # the term: seats to fill, if any
    steps = _rules_steps(session, election)
    if election.phase == Phase.DRAFT:
        steps.append(
            Step(
                StepCode.OPEN_NOMINATIONS,
                N_("Administrator rozpoczyna zgłaszanie kandydatów."),
                endpoint="elections.show",
                values={"election_id": election.id},
            )
        )
    elif election.phase == Phase.NOMINATIONS:
        steps += _nomination_steps(session, election)
    elif election.phase == Phase.CANDIDATES_PUBLISHED:
        steps.append(
            Step(
                StepCode.START_VOTING,
                N_("Lista kandydatów jest opublikowana — rozpocznij głosowanie (zamraża spis)."),
                endpoint="elections.start_voting",
                values={"election_id": election.id},
                label=N_("Rozpocznij głosowanie"),
            )
        )
    elif election.phase == Phase.VOTING:
        found = results(session, election)
        blockers = closing.unfinished(session, election, found)
        for blocker in blockers:
            steps += voting_steps(session, election, blocker)
        steps += council_steps(session, election)
        # Open supplementary nominations have their own step (the Council's).
        if closing.voting_may_close(session, election, blockers):
            steps.append(
                Step(
                    StepCode.CLOSE_VOTING,
                    N_("W żadnej grupie nie trzeba już głosować — zakończ głosowanie."),
                    endpoint="tally.close_voting",
                    values={"election_id": election.id},
                    method="post",
                    label=N_("Zakończ głosowanie"),
                    confirm=True,
                    notes=(
                        (
                            N_(
                                "Po zakończeniu głosowania nie można otworzyć żadnej tury; "
                                "wyniki staną się publiczne."
                            ),
                            {},
                        ),
                    ),
                )
            )
    else:  # closed
        steps += council_steps(session, election)
    return steps


# --- before voting ---------------------------------------------------------------------------


def _rules_steps(session: Session, election: Election) -> list[Step]:
    """The Regulamin until it is adopted (rounds cannot be opened before)."""
    rules = get_rules(session, election)
    values = {"election_id": election.id}
    if rules is not None and rules.status == RulesStatus.ADOPTED:
        return []
    if open_motion(session, election) is not None:
        return [
            Step(
                StepCode.CLOSE_RULES_MOTION,
                N_(
                    "Trwa głosowanie nad Regulaminem wyboru — zamknij je, gdy obecni "
                    "Partnerzy zagłosują."
                ),
                endpoint="elections.motion",
                values=values,
            )
        ]
    if rules is None or rules.status in (RulesStatus.DRAFT, RulesStatus.REJECTED):
        message = (
            N_("Regulamin wyboru został odrzucony — popraw go i wyślij Partnerom ponownie.")
            if rules is not None and rules.status == RulesStatus.REJECTED
            else N_("Przygotuj Regulamin wyboru i wyślij go Partnerom.")
        )
        return [
            Step(StepCode.PREPARE_RULES, message, endpoint="elections.rules_edit", values=values)
        ]
    return [
        Step(
            StepCode.OPEN_RULES_MOTION,
            N_("Regulamin wysłano Partnerom — otwórz głosowanie nad uchwałą o jego przyjęciu."),
            endpoint="elections.motion",
            values=values,
        )
    ]


def _nomination_steps(session: Session, election: Election) -> list[Step]:
    counts = dict(
        session.execute(
            select(Candidate.status, func.count())
            .where(Candidate.election_id == election.id)
            .group_by(Candidate.status)
        ).all()
    )
    by_group = dict(
        session.execute(
            select(Candidate.group, func.count())
            .where(
                Candidate.election_id == election.id,
                Candidate.status.in_([CandidateStatus.NOMINATED, CandidateStatus.VERIFIED]),
            )
            .group_by(Candidate.group)
        ).all()
    )
    values = {"election_id": election.id}
    steps = []
    if counts.get(CandidateStatus.NOMINATED):
        steps.append(
            Step(
                StepCode.REVIEW_NOMINATIONS,
                N_("Zgłoszenia czekają na weryfikację (%(count)s) — zweryfikuj lub odrzuć je."),
                {"count": counts[CandidateStatus.NOMINATED]},
                endpoint="candidates.election",
                values=values,
            )
        )
    for group in GROUPS:
        if election.seats_for(group) and not by_group.get(group):
            steps.append(
                Step(
                    StepCode.NO_CANDIDATES,
                    N_("Grupa „%(group)s”: nikt jeszcze nie został zgłoszony."),
                    {"group": GROUP_LABELS[group]},
                    endpoint="candidates.election",
                    values=values,
                    group=group.value,
                )
            )
    steps.append(
        Step(
            StepCode.PUBLISH_CANDIDATES,
            N_("Gdy zgłoszenia są rozpatrzone, opublikuj listę kandydatów."),
            endpoint="candidates.election",
            values=values,
        )
    )
    return steps
