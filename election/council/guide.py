"""The chair's next steps that belong to the Council: a group short of candidates
(supplementary nominations or a vacancy), appointments missing, a person in two seats,
certification, and during the term the seats a by-election or a replacement must fill.

:func:`council_steps` is what the meeting's guide (``election.meeting.guide``) adds to
the steps of the rounds; the Council page shows the same steps. A step names the page
where its action is (``endpoint`` and ``args``), never performs it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from election.candidates.nominations import accepting_supplement
from election.council import term
from election.council.composition import missing_seats
from election.council.vacancies import shortfall, vacancies_of
from election.elections.models import Election, Phase
from election.errors import N_
from election.labels import GROUP_LABELS, SEAT_LABELS
from election.tally.results import group_status

#: Step codes (stable: the meeting's guide and its tests use them).
SUPPLEMENT_OPEN = "council.supplement_open"
GROUP_SHORT = "council.group_short"
APPOINTMENTS_MISSING = "council.appointments_missing"
TWO_SEATS = "council.two_seats"
CERTIFY = "council.certify"
BY_ELECTION_NEEDED = "council.by_election_needed"
REPLACEMENT_NEEDED = "council.replacement_needed"


@dataclass(frozen=True)
class CouncilStep:
    """One thing the chair (or the admin) must do; ``message`` is a msgid, ``params``
    its parameters (strings among them msgids too, labels lazy texts)."""

    code: str
    message: str
    params: dict[str, Any] = field(default_factory=dict)
    endpoint: str | None = None
    args: dict[str, Any] = field(default_factory=dict)
    group: str | None = None

    @property
    def text(self) -> str:
        return self.message % self.params if self.params else self.message


def council_steps(session: Session, election: Election) -> list[CouncilStep]:
    """What stands between the election and a certified, complete Council, in order;
    empty when nothing does (or before voting: the rounds' steps come first)."""
    if election.phase in (Phase.VOTING, Phase.CLOSED):
        return _before_certification(session, election)
    if election.phase == Phase.CERTIFIED and not election.by_election:
        return _during_term(session, election)
    return []


def _before_certification(session: Session, election: Election) -> list[CouncilStep]:
    steps: list[CouncilStep] = []
    page = {"election_id": election.id}
    vacant = vacancies_of(session, election)
    statuses = group_status(session, election)
    for group, empty in shortfall(session, election, statuses).items():
        if group in vacant:
            continue
        params = {"group": GROUP_LABELS[group], "empty": empty}
        voting = election.phase == Phase.VOTING
        if voting and accepting_supplement(session, election, group) is not None:
            steps.append(
                CouncilStep(
                    SUPPLEMENT_OPEN,
                    N_(
                        "Grupa „%(group)s”: trwają zgłoszenia uzupełniające (wolne miejsca: "
                        "%(empty)s) — zweryfikuj zgłoszenia i opublikuj je; potem otwórz turę."
                    ),
                    params,
                    "council.supplement",
                    {**page, "group": group.value},
                    group.value,
                )
            )
        elif voting:
            steps.append(
                CouncilStep(
                    GROUP_SHORT,
                    N_(
                        "Grupa „%(group)s”: za mało kandydatów (wolne miejsca: %(empty)s) — "
                        "otwórz zgłoszenia uzupełniające albo zapisz wakat."
                    ),
                    params,
                    "council.page",
                    page,
                    group.value,
                )
            )
        else:
            steps.append(
                CouncilStep(
                    GROUP_SHORT,
                    N_(
                        "Grupa „%(group)s”: za mało kandydatów (wolne miejsca: %(empty)s), "
                        "a głosowanie jest zakończone — zapisz wakat; mandat obsadzą wybory "
                        "uzupełniające."
                    ),
                    params,
                    "council.page",
                    page,
                    group.value,
                )
            )
    missing = missing_seats(session, election, statuses)
    appointed = [m for m in missing if m.seat in ("leader", "scsi")]
    if appointed:
        steps.append(
            CouncilStep(
                APPOINTMENTS_MISSING,
                N_("Skład Rady nie jest jeszcze kompletny. %(missing)s"),
                {"missing": " ".join(m.text for m in appointed)},
                "council.page",
                page,
            )
        )
    for conflict in (m for m in missing if m.seat == "person"):
        steps.append(
            CouncilStep(TWO_SEATS, conflict.message, conflict.params, "council.page", page)
        )
    if election.phase == Phase.CLOSED and not missing:
        steps.append(
            CouncilStep(
                CERTIFY,
                N_("Skład Rady jest kompletny — zatwierdź wyniki i skład Rady."),
                {},
                "council.certify",
                page,
            )
        )
    return steps


def _during_term(session: Session, election: Election) -> list[CouncilStep]:
    council = term.council_term(session, election)
    day = term.today()
    if not council.running(day):
        return []
    steps: list[CouncilStep] = []
    for group, seats in council.to_fill(day).items():
        if seats:
            steps.append(
                CouncilStep(
                    BY_ELECTION_NEEDED,
                    N_(
                        "Grupa „%(group)s”: wolne miejsca w Radzie: %(seats)s — ogłoś wybory "
                        "uzupełniające."
                    ),
                    {"group": GROUP_LABELS[group], "seats": seats},
                    "council.by_election",
                    {"election_id": election.id, "group": group.value},
                    group.value,
                )
            )
    for seat, slot in council.open_places(day):
        steps.append(
            CouncilStep(
                REPLACEMENT_NEEDED,
                N_(
                    "Miejsce „%(seat)s” nr %(slot)s jest wolne — zapisz powołanie następcy "
                    "wskazanego przez organ powołujący."
                ),
                {"seat": SEAT_LABELS[seat.value], "slot": slot},
                "council.term_page",
                {"election_id": election.id},
            )
        )
    return steps
