"""The next step during voting: each group's unfinished business (the reasons the closing
of the voting would refuse, :func:`election.tally.closing.unfinished`) as the chair's
step, with the button or page that settles it and what the round still needs."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from election.elections.custody import key_of
from election.elections.models import Custody, Election
from election.errors import N_
from election.meeting.steps import Step, StepCode
from election.tally.closing import Blocker, Unfinished
from election.tally.decryption import holders
from election.tally.rules import required_ballots, secret_minimum
from election.voting.models import Round
from election.voting.paper import paper_pending

#: The words of a group's unfinished business as the chair's step (no "first": the
#: closing's refusal says that).
VOTING_MESSAGES: dict[Unfinished, str] = {
    Unfinished.NO_ROUND: N_(
        "Grupa „%(group)s”: głosowanie jeszcze się nie rozpoczęło — otwórz turę."
    ),
    Unfinished.PENDING: N_("Grupa „%(group)s”: tura %(number)s czeka na otwarcie — otwórz ją."),
    Unfinished.OPEN: N_(
        "Grupa „%(group)s”: trwa głosowanie w turze %(number)s (głosowało %(voted)s z "
        "%(roll)s) — zamknij turę, gdy obecni zagłosują."
    ),
    Unfinished.PAPER: N_(
        "Grupa „%(group)s”: tura %(number)s czeka na karty papierowe z urny (wydano "
        "%(issued)s, wprowadzono %(entered)s) — wprowadź je."
    ),
    Unfinished.TELLERS: N_(
        "Grupa „%(group)s”: tura %(number)s czeka na udziały komisji skrutacyjnej (są "
        "%(given)s z %(threshold)s) — niech komisja je wprowadzi."
    ),
    Unfinished.NOT_COUNTED: N_(
        "Grupa „%(group)s”: tura %(number)s jest zamknięta, ale niepoliczona — unieważnij "
        "ją; nowa tura ją zastąpi."
    ),
    Unfinished.REPEAT: N_(
        "Grupa „%(group)s”: tura %(number)s jest nieważna — utwórz turę powtórzoną."
    ),
}

TIE_MESSAGES: dict[tuple[Unfinished, bool], str] = {
    (Unfinished.RUNOFF, False): N_(
        "Grupa „%(group)s”: remis o %(place)s. miejsce — otwórz dogrywkę."
    ),
    (Unfinished.RUNOFF, True): N_(
        "Grupa „%(group)s”: remis o miejsca %(first)s.–%(last)s. — otwórz dogrywkę."
    ),
    (Unfinished.LOTS, False): N_(
        "Grupa „%(group)s”: remis o %(place)s. miejsce — rozstrzygnij go losowaniem."
    ),
    (Unfinished.LOTS, True): N_(
        "Grupa „%(group)s”: remis o miejsca %(first)s.–%(last)s. — rozstrzygnij go losowaniem."
    ),
}


def voting_steps(session: Session, election: Election, blocker: Blocker) -> list[Step]:
    """The chair's step(s) for one group's unfinished business."""
    reason, view = blocker.reason, blocker.round
    base: dict[str, Any] = {
        "group": blocker.group.value,
        "round_id": view.round.id if view else None,
    }
    params = dict(blocker.params)
    ids = {"election_id": election.id}
    if reason == Unfinished.NO_ROUND:
        return [
            Step(
                StepCode.OPEN_ROUNDS,
                VOTING_MESSAGES[reason],
                params,
                "voting.open_all",
                ids,
                method="post",
                label=N_("Otwórz tury"),
                **base,
            )
        ]
    assert view is not None
    round_ids = {**ids, "round_id": view.round.id}
    if reason == Unfinished.PENDING:
        return [
            Step(
                StepCode.OPEN_ROUND,
                VOTING_MESSAGES[reason],
                params,
                "voting.open_round",
                round_ids,
                method="post",
                label=N_("Otwórz turę"),
                **base,
            )
        ]
    if reason == Unfinished.OPEN:
        params.update(voted=view.voted, roll=view.roll)
        return [
            Step(
                StepCode.CLOSE_ROUND,
                VOTING_MESSAGES[reason],
                params,
                "voting.close_round",
                round_ids,
                method="post",
                label=N_("Zamknij turę"),
                confirm=True,
                notes=_validity_notes(election, view.voted, view.roll, view.attempt),
                **base,
            )
        ]
    if reason == Unfinished.PAPER:
        params.update(issued=view.round.paper_issued, entered=view.round.paper_entered)
        missing = paper_pending(view.round)
        tellers = key_of(session, election).custody is Custody.TELLERS
        finish = Step(
            StepCode.FINISH_PAPER,
            N_(
                "Grupa „%(group)s”: gdy wszystkie karty z urny są wprowadzone, zakończ "
                "wprowadzanie — urna zostanie zsumowana, a turę policzy komisja skrutacyjna "
                "swoimi udziałami (niewprowadzone: %(missing)s, zapisuje się je jako "
                "niewrzucone do urny)."
            )
            if tellers
            else N_(
                "Grupa „%(group)s”: gdy wszystkie karty z urny są wprowadzone, zakończ "
                "wprowadzanie — tura zostanie policzona (niewprowadzone: %(missing)s, "
                "zapisuje się je jako niewrzucone do urny)."
            ),
            {**params, "missing": missing},
            "tally.finish_paper",
            round_ids,
            label=N_("Zakończ i zsumuj urnę") if tellers else N_("Zakończ i policz"),
            **base,
        )
        if not missing:
            return [finish]
        enter = Step(
            StepCode.ENTER_PAPER,
            VOTING_MESSAGES[reason],
            params,
            "voting.paper_enter",
            round_ids,
            label=N_("Wprowadź karty papierowe"),
            **base,
        )
        return [enter, finish]
    if reason == Unfinished.TELLERS:
        params.update(
            given=_shares_given(session, view.round.id), threshold=_threshold(session, election)
        )
        return [
            Step(
                StepCode.TELLERS,
                VOTING_MESSAGES[reason],
                params,
                "tally.tellers",
                ids,
                label=N_("Liczenie przez komisję"),
                **base,
            )
        ]
    if reason == Unfinished.NOT_COUNTED:
        return [
            Step(
                StepCode.ANNUL_UNCOUNTED,
                VOTING_MESSAGES[reason],
                params,
                "meeting.annul",
                round_ids,
                label=N_("Unieważnij turę"),
                **base,
            )
        ]
    if reason == Unfinished.REPEAT:
        tally = view.tally
        assert tally is not None
        return [
            Step(
                StepCode.REPEAT_ROUND,
                VOTING_MESSAGES[reason],
                params,
                "tally.repeat",
                round_ids,
                method="post",
                label=N_("Utwórz turę powtórzoną"),
                notes=_invalid_notes(election, tally.ballots, tally.roll, view.attempt),
                **base,
            )
        ]
    several = "first" in params
    names = ", ".join(c.full_name for c in view.standing_tied)
    tied_note = ((N_("Remis między: %(names)s."), {"names": names}),)
    if reason == Unfinished.RUNOFF:
        return [
            Step(
                StepCode.OPEN_RUNOFF,
                TIE_MESSAGES[(reason, several)],
                params,
                "tally.runoff",
                round_ids,
                method="post",
                label=N_("Utwórz dogrywkę"),
                notes=tied_note,
                **base,
            )
        ]
    return [
        Step(
            StepCode.DRAW_LOTS,
            TIE_MESSAGES[(reason, several)],
            params,
            "tally.draw",
            round_ids,
            method="post",
            label=N_("Losuj w aplikacji (każdy może sprawdzić wynik)"),
            confirm=True,
            notes=(
                *tied_note,
                (N_("Wyniku losowania nie można cofnąć ani powtórzyć."), {}),
            ),
            **base,
        ),
        Step(
            StepCode.LOTS_IN_ROOM,
            N_("Grupa „%(group)s”: albo losujcie w sali i zapisz wynik losowania."),
            params,
            "tally.lots",
            round_ids,
            label=N_("Zapisz losowanie w sali"),
            **base,
        ),
    ]


def _validity_notes(
    election: Election, voted: int, roll: int, attempt: int
) -> tuple[tuple[str, dict[str, Any]], ...]:
    """What an open round still needs to be valid: the quorum, the secret minimum."""
    notes: list[tuple[str, dict[str, Any]]] = []
    required = required_ballots(
        roll, election.quorum_percent, attempt=attempt, waived_from=election.quorum_waived_from
    )
    if voted < required:
        notes.append(
            (
                N_("Głosów potrzebnych do kworum: %(required)s — brakuje: %(missing)s."),
                {"required": required, "missing": required - voted},
            )
        )
    elif election.quorum_percent is not None and not required:
        notes.append((N_("W tej turze kworum nie obowiązuje (według Regulaminu)."), {}))
    minimum = secret_minimum(roll)
    if election.secret and voted < minimum:
        notes.append(
            (
                N_("Najmniej kart, przy których otwiera się urnę głosowania tajnego: %(minimum)s."),
                {"minimum": minimum},
            )
        )
    return tuple(notes)


def _invalid_notes(
    election: Election, ballots: int, roll: int, attempt: int
) -> tuple[tuple[str, dict[str, Any]], ...]:
    """Why a counted round is invalid, and what the repeat will need."""
    notes: list[tuple[str, dict[str, Any]]] = []
    waived = election.quorum_waived_from
    required = required_ballots(roll, election.quorum_percent, attempt=attempt, waived_from=waived)
    minimum = secret_minimum(roll)
    if ballots < required:
        notes.append(
            (
                N_("Brak kworum: głosowało %(ballots)s, potrzeba %(required)s."),
                {"ballots": ballots, "required": required},
            )
        )
    if election.secret and ballots < minimum:
        notes.append(
            (
                N_(
                    "Kart oddano mniej, niż trzeba do otwarcia urny głosowania tajnego "
                    "(%(minimum)s): urny nie otwiera się, bo ujawniłaby, jak głosowali "
                    "nieliczni."
                ),
                {"minimum": minimum},
            )
        )
    if election.quorum_percent is not None and waived is not None and attempt + 1 >= waived:
        notes.append((N_("Według Regulaminu tura powtórzona będzie ważna bez kworum."), {}))
    if election.secret:
        notes.append(
            (
                N_(
                    "W głosowaniu tajnym każda tura potrzebuje kart co najmniej: %(minimum)s, "
                    "bez względu na kworum — poproś obecnych Partnerów o oddanie głosu "
                    "(także na papierze)."
                ),
                {"minimum": minimum},
            )
        )
    return tuple(notes)


def _shares_given(session: Session, round_id: int) -> int:
    """How many tellers' shares a round waiting for them has."""
    return len(holders(session, session.get_one(Round, round_id)))


def _threshold(session: Session, election: Election) -> int:
    """The tellers' shares a round needs (k)."""
    return key_of(session, election).threshold or 1
