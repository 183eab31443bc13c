"""Paper ballots of a secret election: issued to a Partner, entered without a name.

While the round is open the chair *issues* a paper ballot to a Partner in the room: that
is the Partner's vote in the roll (a roll mark on paper, the same checks as online) and
the round's ``paper_issued`` grows by one. The choice is made on paper and goes into the
box. After the round is closed — the box opened, the papers mixed — the chair *enters*
each paper ballot without naming anybody, after a check step: it is encrypted exactly
like an online ballot and ``paper_entered`` grows by one, never above ``paper_issued``
(checked under the round's lock; a CHECK constraint on the round is the last guard).

An open election keeps one step per Partner, with its choices
(:func:`election.voting.ballots.record_paper_ballot`).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from election.audit.service import Actor, record
from election.auth.models import User
from election.candidates.models import Candidate
from election.collation import polish_sort_key
from election.elections.models import Channel, Election, Phase
from election.errors import N_, Conflict, NotFound
from election.partners.models import Partner
from election.voting.ballots import (
    cast_details,
    check_ballot,
    mark_roll,
    require_staff,
    validate,
    write_encrypted,
)
from election.voting.models import RollMark, Round, RoundStatus
from election.voting.rounds import lock, round_digest

OPEN_PAPER = N_(
    "W głosowaniu jawnym kartę papierową wprowadza się od razu, z nazwą Partnera i wyborem."
)


def paper_pending(round_: Round) -> int:
    """Paper ballots issued in the round and not (yet) entered."""
    return round_.paper_issued - round_.paper_entered


def _secret(session: Session, round_: Round) -> Election:
    election = session.get_one(Election, round_.election_id)
    if not election.secret:
        raise Conflict(OPEN_PAPER)
    return election


def issue_paper_ballot(
    session: Session, actor: Actor, chair: User, round_: Round, partner_id: int
) -> RollMark:
    """Issue a paper ballot to a Partner present in the room: its vote in the roll.

    The same checks and the same one-vote rule as online (round open, Partner on the
    round's roll, not voted yet); the round is locked exclusively while its counter
    grows. Raises :class:`Forbidden` unless ``chair`` is staff, :class:`NotFound` for
    an unknown Partner, :class:`Conflict` in an open election, else what
    :func:`election.voting.ballots.cast_ballot` raises. The audit event names the
    Partner and the channel, as for an online vote.
    """
    require_staff(chair)
    if session.get(Partner, partner_id) is None:
        raise NotFound(N_("Nie ma takiego Partnera."))
    _secret(session, round_)
    checked = check_ballot(session, round_, partner_id, [], lock_round=True, exclusive=True)
    round_ = checked.round
    mark = mark_roll(session, round_, partner_id=partner_id, channel=Channel.PAPER, cast_by=chair)
    round_.paper_issued += 1
    session.flush()
    details = cast_details(checked, partner_id, Channel.PAPER, chair)
    record(session, actor, "ballot.cast", round_, **details, paper_issued=round_.paper_issued)
    return mark


def _check_entry(session: Session, round_: Round, entered_before: int | None) -> Election:
    """What entering a paper ballot needs of the round (already read under its lock)."""
    election = _secret(session, round_)
    if round_.status != RoundStatus.CLOSED:
        raise Conflict(
            N_("Karty papierowe wprowadza się po zamknięciu tury, gdy urna jest otwarta.")
        )
    election.require_phase(Phase.VOTING, Phase.CLOSED)
    if round_.box_opened_at is not None:
        raise Conflict(N_("Urna tej tury została już otwarta do liczenia; nie można dopisać kart."))
    if entered_before is not None and round_.paper_entered != entered_before:
        raise Conflict(
            N_(
                "W międzyczasie zapisano inną kartę (wprowadzono %(entered)s z %(issued)s)."
                " Sprawdź tę kartę jeszcze raz."
            ),
            entered=round_.paper_entered,
            issued=round_.paper_issued,
        )
    if paper_pending(round_) <= 0:
        raise Conflict(
            N_("Wprowadzono już wszystkie wydane karty papierowe (%(issued)s)."),
            issued=round_.paper_issued,
        )
    return election


def check_paper_ballot(
    session: Session, chair: User, round_: Round, candidate_ids: Sequence[int]
) -> list[Candidate]:
    """Check a paper ballot before it is entered; the candidates marked on it, in Polish
    alphabetical order (empty: a blank ballot). Writes nothing; raises what
    :func:`enter_paper_ballot` would."""
    require_staff(chair)
    _check_entry(session, round_, None)
    choices = set(validate(session, round_, candidate_ids))
    marked = [c for c in round_.candidates if c.id in choices]
    return sorted(marked, key=lambda c: polish_sort_key(c.full_name))


def enter_paper_ballot(
    session: Session,
    actor: Actor,
    chair: User,
    round_: Round,
    candidate_ids: Sequence[int],
    *,
    entered_before: int | None = None,
) -> str:
    """Enter one paper ballot from the opened box, naming nobody; returns its tracking code.

    The round must be closed and not yet counted, with a paper ballot issued and not
    entered. ``entered_before`` is the number entered when the chair checked this
    ballot: a second submission of the same check (a double click) finds another
    number and is refused, so one paper is never entered twice. The ballot is
    encrypted like an online one; the new digest of the round's ballots goes into the
    round and the ``ballot.paper_entered`` audit event (no choice, no tracking code).
    Raises :class:`Forbidden`, :class:`Conflict` (an open election, the round still
    open or already counted, nothing pending, changed meanwhile),
    :class:`ValidationFailed` (the marks) or :class:`WrongPhase`.
    """
    require_staff(chair)
    round_ = lock(session, round_)
    election = _check_entry(session, round_, entered_before)
    choices = validate(session, round_, candidate_ids)
    issued = round_.paper_issued
    round_.paper_entered += 1
    try:  # the CHECK constraint (entered ≤ issued) is the last guard
        session.flush()
    except IntegrityError as exc:
        raise Conflict(
            N_("Wprowadzono już wszystkie wydane karty papierowe (%(issued)s)."), issued=issued
        ) from exc
    code = write_encrypted(session, election, round_, choices).tracking_code
    round_.ballots_digest = round_digest(session, round_)
    record(
        session,
        actor,
        "ballot.paper_entered",
        round_,
        election_id=election.id,
        group=round_.group.value,
        number=round_.number,
        paper_issued=round_.paper_issued,
        paper_entered=round_.paper_entered,
        ballots_digest=round_.ballots_digest,
    )
    return code
