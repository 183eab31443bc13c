"""The chair's dashboard (the next step on top, live) and the projector.

Both poll JSON computed from the database on each request, so any app process can
answer: the dashboard its own ``dashboard.json`` (the tally's live data plus the next
step), the projector the tally's ``live.json`` (which a projector link may read too).
"""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, jsonify, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.routing import BuildError

from election.access import STAFF, roles_required
from election.council.composition import council_members
from election.elections.models import Election, Phase
from election.elections.service import get_election
from election.errors import NotFound
from election.extensions import db
from election.labels import ROLE_LABELS, SEAT_LABELS
from election.meeting import bp
from election.meeting.guide import next_steps
from election.meeting.steps import Step
from election.partners.models import PartnerGroup
from election.tally.display import template_globals
from election.tally.live import change_key, live, live_payload
from election.tally.projector import projector_grant, projector_token_ok
from election.tally.views.live import PROJECTOR_GRANTS, projector_access
from election.voting.attendance import summary as attendance_summary
from election.voting.models import RoundStatus
from election.voting.rounds import rounds_of

#: The dashboard's live sections beside the groups': the next step, the attendance.
STEPS = "steps"
ATTENDANCE = "attendance"


def election_or_404(election_id: int) -> Election:
    """The election, or a plain 404 page."""
    try:
        return get_election(db.session, election_id)
    except NotFound:
        abort(404)


def step_url(step: Step) -> str | None:
    """The URL of a step's action, or ``None`` (no action, a page this app lacks, or one
    the user's role may not open: :func:`step_actors` then says who may)."""
    if step.endpoint is None or step_actors(step):
        return None
    try:
        return url_for(step.endpoint, **step.values)
    except BuildError:
        return None


def step_actors(step: Step) -> str:
    """Who may take a step the logged-in user may not ("administrator"), or ""."""
    view = current_app.view_functions.get(step.endpoint or "")
    allowed = getattr(view, "allowed_roles", None)
    if not allowed or current_user.role in allowed:
        return ""
    return ", ".join(str(ROLE_LABELS[role.value]) for role in sorted(allowed))


def _steps_html(election: Election, steps: list[Step]) -> str:
    return render_template(
        "meeting/_steps.html",
        election=election,
        steps=steps,
        step_url=step_url,
        step_actors=step_actors,
        back=url_for("meeting.dashboard", election_id=election.id),
    )


def _steps_entry(election: Election) -> dict[str, Any]:
    """The next step as a live section: its HTML, a key that changes with it, and the
    first step's words for the screen reader."""
    steps = next_steps(db.session, election)
    data = [(str(s.code), s.text, s.note_texts, s.round_id) for s in steps]
    return {
        "html": _steps_html(election, steps),
        "key": change_key(election, {"steps": data}),
        "summary": steps[0].text if steps else "",
        "steps": steps,
    }


def annullable(election: Election) -> list[Any]:
    """The rounds the chair may annul now: pending, open, or closed and not counted."""
    if election.phase != Phase.VOTING:
        return []
    return [
        r
        for r in rounds_of(db.session, election)
        if r.status in (RoundStatus.PENDING, RoundStatus.OPEN)
        or (r.status == RoundStatus.CLOSED and r.counted_at is None)
    ]


def _attendance(election: Election, groups: dict[str, Any]) -> Any:
    """Attendance and quorum per group (``None`` before voting), with each group's
    current round's attempt, so a quorum the Regulamin waives shows as such."""
    if not election.voting_started:
        return None
    attempts = {
        PartnerGroup(value): entry["group"].current.attempt
        for value, entry in groups.items()
        if entry["group"].current is not None
    }
    return attendance_summary(db.session, election, attempts=attempts)


def _attendance_entry(election: Election, attendance: Any) -> dict[str, Any]:
    html = render_template("elections/_attendance.html", attendance=attendance)
    # The key from the numbers, not the HTML (its buttons' CSRF tokens change each time).
    data = [
        (
            g.group.value,
            g.roll,
            g.in_room,
            g.online,
            g.required,
            g.voted,
            g.round.id if g.round else None,
            g.round.status.value if g.round else None,
            [e.partner_id for e in g.not_voted],
        )
        for g in attendance.groups
    ]
    return {"html": html, "key": change_key(election, {"attendance": data}), "summary": ""}


@bp.route("/results/<int:election_id>/dashboard")
@roles_required(*STAFF)
def dashboard(election_id: int) -> Any:
    """The chair's console: the next step on top, then attendance, the groups' live
    results, the corrections, and the Council."""
    election = election_or_404(election_id)
    groups = live(db.session, election, "dashboard")
    attendance = _attendance(election, groups["groups"])
    return render_template(
        "meeting/dashboard.html",
        election=election,
        live=groups,
        steps=_steps_entry(election),
        attendance=attendance,
        attendance_entry=_attendance_entry(election, attendance) if attendance else None,
        live_url=url_for("meeting.dashboard_json", election_id=election.id),
        step_url=step_url,
        step_actors=step_actors,
        back=url_for("meeting.dashboard", election_id=election.id),
        members=council_members(db.session, election) if election.results_public else [],
        seat_labels=SEAT_LABELS,
        annullable=annullable(election),
        **template_globals(),
    )


@bp.route("/results/<int:election_id>/dashboard.json")
@roles_required(*STAFF)
def dashboard_json(election_id: int) -> Any:
    """The dashboard's live data: the tally's groups as the dashboard shows them, and the
    next step and the attendance as live sections too."""
    election = election_or_404(election_id)
    groups = live(db.session, election, "dashboard")
    attendance = _attendance(election, groups["groups"])
    payload = live_payload(db.session, election, "dashboard", groups)
    entry = _steps_entry(election)
    entry.pop("steps")
    payload["groups"][STEPS] = entry
    if attendance is not None:
        payload["groups"][ATTENDANCE] = _attendance_entry(election, attendance)
    response = jsonify(payload)
    response.headers["Cache-Control"] = "no-store"
    return response


# --- the projector ----------------------------------------------------------------------------


def _open_projector_link(election: Election, token: str) -> Any:
    """The link's first visit: keep a grant in the session and go on to the clean URL,
    so the token is in no later request (the page, its polling, their Referer, the log).
    A wrong or outdated token is not found, like a page that does not exist."""
    if not projector_token_ok(election, token):
        abort(404)
    grants = session.get(PROJECTOR_GRANTS)
    grants = dict(grants) if isinstance(grants, dict) else {}
    grants[str(election.id)] = projector_grant(token)
    session[PROJECTOR_GRANTS] = grants
    return redirect(url_for("meeting.projector", election_id=election.id), 303)


@bp.route("/results/<int:election_id>/projector")
def projector(election_id: int) -> Any:
    """The room's screen: the groups' live results; once certified, the Council."""
    election = election_or_404(election_id)
    token = request.args.get("token")
    if token is not None:
        return _open_projector_link(election, token)
    if projector_access(election) is None:
        return redirect(url_for("auth.login", next=request.path))
    response = render_template(
        "meeting/projector.html",
        live=live(db.session, election, "projector"),
        live_url=url_for("tally.public_live_json", election_id=election.id, view="projector"),
        members=council_members(db.session, election) if election.certified else [],
        seat_labels=SEAT_LABELS,
        title=_("Wyniki na żywo"),
        **template_globals(),
    )
    return response, 200, {"Cache-Control": "no-store"}
