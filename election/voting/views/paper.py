"""The chair's paper ballots.

Open election: one step per Partner in the room, with its choices
(:func:`~election.voting.ballots.record_paper_ballot`). Secret election: while the round
is open a paper ballot is *issued* to a Partner (its vote in the roll); after the round is
closed each paper from the box is *entered* without a name — marked, checked on a page
that shows exactly what will be recorded, then saved (:mod:`election.voting.paper`).
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from election import transaction
from election.access import STAFF, roles_required
from election.auth.access import current_actor
from election.auth.models import User
from election.candidates.models import Candidate
from election.collation import fold
from election.elections.models import Election
from election.elections.service import get_election
from election.elections.views import optional_url
from election.errors import N_, DomainError, NotFound, ValidationFailed
from election.extensions import db
from election.forms import choices
from election.partners.models import Partner
from election.voting import ballots, paper, rounds, rules
from election.voting.forms import CANDIDATE_FIELD, IssuePaperForm, PaperBallotForm, PaperEntryForm
from election.voting.models import Round, RoundStatus
from election.voting.turnout import not_voted
from election.voting.views import ELECTION, ROUND, bp, selection
from election.web import translate_error


def _chair() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _election_round(election_id: int, round_id: int) -> tuple[Election, Round]:
    election = get_election(db.session, election_id)
    return election, rounds.get_round(db.session, round_id, election.id)


def _partner_id(raw: str | None) -> int:
    text = raw or ""
    if not (text.isascii() and text.isdigit() and len(text) <= 9):
        raise ValidationFailed(N_("Wybierz Partnera z listy."))
    return int(text)


#: The search field of the Partner picker (a GET parameter: it filters, changes nothing).
SEARCH = "q"
#: The longest search text read.
MAX_SEARCH = 100


def search_text() -> str:
    """The Partner picker's search text, as typed (trimmed, bounded)."""
    return (request.values.get(SEARCH) or "").strip()[:MAX_SEARCH]


def matches(query: str, name: str, teryt: str) -> bool:
    """A Partner matches the search when every word of it is in its name or TERYT code,
    ignoring case and Polish letters ("bielsk" finds "Powiat bielski", "slask" "Śląsk")."""
    haystack = f"{fold(name)} {teryt}"
    return all(word in haystack for word in fold(query).split())


def _partner_choices(round_: Round, query: str = "") -> tuple[list[Any], list[Any], list[Any]]:
    """The Partners who may still vote (all, and those matching ``query``) and the
    options of the picker (the matching ones; the one chosen stays offered)."""
    waiting = not_voted(db.session, round_)
    chosen = request.form.get("partner_id", "")
    shown = [
        e
        for e in waiting
        if not query or matches(query, e.partner_name, e.teryt) or str(e.partner_id) == chosen
    ]
    options = choices(
        ([] if query and len(shown) == 1 else [("", _("— wybierz Partnera —"))])
        + [(e.partner_id, f"{e.partner_name} ({e.teryt})") for e in shown]
    )
    return waiting, shown, options


def _partner_name(waiting: list[Any], partner_id: int) -> str:
    return next((e.partner_name for e in waiting if e.partner_id == partner_id), "")


def _names(candidates: list[Candidate]) -> str:
    return ", ".join(c.full_name for c in candidates)


def _ballot_words(candidates: list[Candidate]) -> str:
    """What a paper ballot says, for the check and the message after saving."""
    if not candidates:
        return _("Karta pusta")
    return _("Karta: %(names)s", names=_names(candidates))


def _check_open_paper(round_: Round, partner_id: int, ids: list[int]) -> list[Candidate]:
    """Open election: every check of a paper ballot before it is saved (what
    :func:`ballots.record_paper_ballot` would refuse); the candidates marked, in the
    ballot's order. Writes nothing."""
    if db.session.get(Partner, partner_id) is None:
        raise NotFound(N_("Nie ma takiego Partnera."))
    checked = ballots.check_ballot(db.session, round_, partner_id, ids, lock_round=False)
    marked = set(checked.choices)
    return [c for c in ballots.ballot_candidates(round_) if c.id in marked]


@bp.route(
    f"/voting/{ELECTION}/chair/rounds/{ROUND}/paper", methods=["GET", "POST"], endpoint="paper"
)
@roles_required(*STAFF)
def paper_ballot(election_id: int, round_id: int) -> Any:
    """Open election: the chair records the paper ballot of a Partner present in the room.

    Three steps: mark (Partner and choices), check ("Karta: X, Y — zapisać?", which
    saves nothing; "Popraw" goes back with the marks kept), save (``confirmed``). In a
    secret election this is the way to the step the round is at: issuing while it is
    open, entering once it is closed.
    """
    election, round_ = _election_round(election_id, round_id)
    if election.secret:
        step = "voting.paper_issue" if round_.status == RoundStatus.OPEN else "voting.paper_enter"
        return redirect(url_for(step, election_id=election.id, round_id=round_.id), 303)
    form = PaperBallotForm()
    query = search_text()
    waiting, shown, form.partner_id.choices = _partner_choices(round_, query)
    error, status, selected = None, 200, set()
    if request.method == "POST":
        selected = selection()
        if not form.validate_on_submit():
            status = 400
        elif not request.form.get("correct"):
            try:
                partner_id = _partner_id(form.partner_id.data)
                ids = rules.parse_candidate_ids(request.form.getlist(CANDIDATE_FIELD))
                marked = _check_open_paper(round_, partner_id, ids)
                if not request.form.get("confirmed"):
                    return render_template(
                        "voting/paper_confirm.html",
                        election=election,
                        round=round_,
                        form=form,
                        partner_name=_partner_name(waiting, partner_id),
                        marked=marked,
                        words=_ballot_words(marked),
                    )
                code = transaction.run(
                    ballots.record_paper_ballot,
                    current_actor(),
                    _chair(),
                    round_,
                    partner_id,
                    ids,
                )
            except DomainError as exc:
                error, status = translate_error(exc), exc.status
            else:
                flash(
                    _(
                        "Zapisano kartę papierową Partnera %(name)s. %(ballot)s. "
                        "Kod pokwitowania: %(code)s",
                        name=_partner_name(waiting, partner_id),
                        ballot=_ballot_words(marked),
                        code=rules.format_receipt(code),
                    ),
                    "success",
                )
                return redirect(request.path, 303)
    return (
        render_template(
            "voting/paper.html",
            election=election,
            round=round_,
            form=form,
            candidates=ballots.ballot_candidates(round_),
            selected=selected,
            error=error,
            waiting=waiting,
            shown=shown,
            query=query,
        ),
        status,
    )


@bp.route(f"/voting/{ELECTION}/chair/rounds/{ROUND}/paper/issue", methods=["GET", "POST"])
@roles_required(*STAFF)
def paper_issue(election_id: int, round_id: int) -> Any:
    """Secret election, round open: a paper ballot handed to a Partner in the room.

    The Partner is picked from a list filtered by a search field (on the server, so it
    works without JavaScript; the script filters as one types)."""
    election, round_ = _election_round(election_id, round_id)
    form = IssuePaperForm()
    query = search_text()
    waiting, shown, form.partner_id.choices = _partner_choices(round_, query)
    error, status = None, 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                mark = transaction.run(
                    paper.issue_paper_ballot,
                    current_actor(),
                    _chair(),
                    round_,
                    _partner_id(form.partner_id.data),
                )
            except DomainError as exc:
                error, status = translate_error(exc), exc.status
            else:
                name = _partner_name(waiting, mark.partner_id)
                flash(_("Wydano kartę papierową: %(name)s.", name=name), "success")
                return redirect(request.path, 303)
        else:
            status = 400
    return (
        render_template(
            "voting/paper_issue.html",
            election=election,
            round=round_,
            form=form,
            error=error,
            waiting=waiting,
            shown=shown,
            query=query,
        ),
        status,
    )


def _entry_page(
    election: Election,
    round_: Round,
    form: PaperEntryForm,
    *,
    selected: set[int] | None = None,
    checked: list[Any] | None = None,
    error: str | None = None,
    status: int = 200,
) -> Any:
    return (
        render_template(
            "voting/paper_enter.html" if checked is None else "voting/paper_check.html",
            election=election,
            round=round_,
            form=form,
            candidates=ballots.ballot_candidates(round_),
            selected=selected or set(),
            checked=checked,
            error=error,
            pending=paper.paper_pending(round_),
            opened=round_.box_opened_at is not None,
            # Counting is the tally's: its step that closes the paper ballots, if present.
            finish_url=optional_url(
                "tally.finish_paper", election_id=election.id, round_id=round_.id
            ),
        ),
        status,
    )


@bp.route(f"/voting/{ELECTION}/chair/rounds/{ROUND}/paper/enter", methods=["GET", "POST"])
@roles_required(*STAFF)
def paper_enter(election_id: int, round_id: int) -> Any:
    """Secret election, round closed: mark one paper ballot from the box; a POST (or a
    "correct it" from the check page) shows the check step, which saves nothing."""
    election, round_ = _election_round(election_id, round_id)
    form = PaperEntryForm()
    if request.method == "GET":
        return _entry_page(election, round_, form)
    selected = selection()
    if not form.validate_on_submit():
        return _entry_page(
            election,
            round_,
            form,
            selected=selected,
            error=_("Formularz wygasł. Odśwież stronę i spróbuj ponownie."),
            status=400,
        )
    if request.form.get("correct"):
        return _entry_page(election, round_, form, selected=selected)
    try:
        ids = rules.parse_candidate_ids(request.form.getlist(CANDIDATE_FIELD))
        checked = paper.check_paper_ballot(db.session, _chair(), round_, ids)
    except DomainError as exc:
        return _entry_page(
            election,
            round_,
            form,
            selected=selected,
            error=translate_error(exc),
            status=exc.status,
        )
    form.entered_before.data = str(round_.paper_entered)
    return _entry_page(election, round_, form, selected=selected, checked=checked)


@bp.route(f"/voting/{ELECTION}/chair/rounds/{ROUND}/paper/save", methods=["POST"])
@roles_required(*STAFF)
def paper_save(election_id: int, round_id: int) -> Any:
    """Secret election: save the paper ballot exactly as the check page showed it."""
    election, round_ = _election_round(election_id, round_id)
    form = PaperEntryForm()
    back = url_for("voting.paper_enter", election_id=election.id, round_id=round_.id)
    raw = form.entered_before.data or ""
    if not form.validate_on_submit() or not (raw.isascii() and raw.isdigit() and len(raw) <= 9):
        flash(_("Formularz wygasł. Sprawdź kartę jeszcze raz."), "error")
        return redirect(back, 303)
    try:
        ids = rules.parse_candidate_ids(request.form.getlist(CANDIDATE_FIELD))
        marked = [c for c in ballots.ballot_candidates(round_) if c.id in set(ids)]
        transaction.run(
            paper.enter_paper_ballot,
            current_actor(),
            _chair(),
            round_,
            ids,
            entered_before=int(raw),
        )
    except DomainError as exc:
        flash(translate_error(exc), "error")
    else:
        flash(
            _(
                "Zapisano kartę papierową (wprowadzono %(entered)s z %(issued)s). %(ballot)s.",
                entered=round_.paper_entered,
                issued=round_.paper_issued,
                ballot=_ballot_words(marked),
            ),
            "success",
        )
    return redirect(back, 303)
