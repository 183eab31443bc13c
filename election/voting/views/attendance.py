"""The chair's attendance list (who is present, in the room or online), with the quorum
per group; and the button that reminds the Partners that have not voted yet."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlsplit

from flask import abort, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from election.access import STAFF, roles_required
from election.auth.access import current_actor
from election.elections import attendance as presence
from election.elections.models import Election
from election.elections.people import ATTENDANCE_LABELS, AttendanceMode
from election.elections.rules import WARSAW
from election.elections.service import get_election
from election.extensions import db
from election.voting import notifications, rounds
from election.voting.attendance import summary
from election.voting.forms import ChairActionForm
from election.voting.views import ELECTION, ROUND, bp
from election.web import act, safe_target

#: The longest search a page takes (the rest is ignored).
MAX_QUERY = 60

MODES = {"room": AttendanceMode.ROOM, "online": AttendanceMode.ONLINE, "absent": None}


def _page_url(election: Election) -> str:
    return url_for("voting.attendance", election_id=election.id)


def _back(election: Election) -> str:
    """Back to the page the button was on: the ``next`` field, else the page that sent
    the form (the dashboard, the list with its search kept), else the list."""
    target = request.form.get("next")
    if not target and request.referrer:
        sent_from = urlsplit(request.referrer)
        if sent_from.netloc == request.host:
            target = sent_from.path + (f"?{sent_from.query}" if sent_from.query else "")
    return safe_target(target, _page_url(election))


@bp.route(f"/voting/{ELECTION}/attendance")
@roles_required(*STAFF)
def attendance(election_id: int) -> Any:
    election = get_election(db.session, election_id)
    query = request.args.get("q", "")[:MAX_QUERY].strip()
    lines = presence.roster(db.session, election, query)
    return render_template(
        "voting/attendance.html",
        election=election,
        attendance=summary(db.session, election),
        lines=lines,
        query=query,
        here=request.full_path.rstrip("?"),
        mode_labels=ATTENDANCE_LABELS,
        form=ChairActionForm(),
        dashboard=_dashboard_url(election),
    )


def _dashboard_url(election: Election) -> str | None:
    """The chair's dashboard, wherever the app has it (the meeting's console)."""
    for endpoint in ("meeting.dashboard", "tally.dashboard"):
        if endpoint in current_app.view_functions:
            return url_for(endpoint, election_id=election.id)
    return None


@bp.route(f"/voting/{ELECTION}/attendance/<int:partner_id>", methods=["POST"])
@roles_required(*STAFF)
def mark_attendance(election_id: int, partner_id: int) -> Any:
    election = get_election(db.session, election_id)
    choice = request.form.get("mode", "")
    if not ChairActionForm().validate_on_submit() or choice not in MODES:
        abort(400)
    mode = MODES[choice]
    return act(
        presence.mark,
        current_actor(),
        election,
        partner_id,
        mode,
        back=_back(election),
        done=lambda _row: (
            _("Zapisano: %(state)s.", state=_(ATTENDANCE_LABELS[mode]))
            if mode
            else _("Zapisano: nieobecny.")
        ),
    )


def _meeting_day_start() -> dt.datetime:
    """Midnight of today in Warsaw, in UTC: "logged in today"."""
    today = dt.datetime.now(WARSAW).replace(hour=0, minute=0, second=0, microsecond=0)
    return today.astimezone(dt.UTC)


@bp.route(f"/voting/{ELECTION}/attendance/online", methods=["POST"])
@roles_required(*STAFF)
def mark_online(election_id: int) -> Any:
    election = get_election(db.session, election_id)
    if not ChairActionForm().validate_on_submit():
        abort(400)

    def done(marked: list[int]) -> str:
        if not marked:
            return _("Żaden nieobecny Partner nie ma przedstawiciela zalogowanego dzisiaj.")
        return ngettext(
            "Oznaczono jako obecnego online %(num)d Partnera.",
            "Oznaczono jako obecnych online %(num)d Partnerów.",
            len(marked),
        )

    return act(
        presence.mark_online_logged_in,
        current_actor(),
        election,
        _meeting_day_start(),
        back=_back(election),
        done=done,
    )


@bp.route(f"/voting/{ELECTION}/chair/rounds/{ROUND}/remind", methods=["POST"])
@roles_required(*STAFF)
def remind(election_id: int, round_id: int) -> Any:
    """The chair's button: email the Partners that have not voted in the open round."""
    election = get_election(db.session, election_id)
    round_ = rounds.get_round(db.session, round_id, election.id)
    if not ChairActionForm().validate_on_submit():
        abort(400)
    return act(
        notifications.remind,
        current_actor(),
        round_,
        back=_back(election),
        done=lambda sent: ngettext(
            "Wysłano przypomnienie: %(num)d wiadomość.",
            "Wysłano przypomnienie: %(num)d wiadomości.",
            sent,
        ),
    )
