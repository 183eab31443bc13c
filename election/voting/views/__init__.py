"""Voting pages: the rep's ballot and receipt (:mod:`.rep`), the chair's rounds
(:mod:`.chair`) and paper ballots (:mod:`.paper`), the public list of receipts
(:mod:`.public`).

Views parse, change data through the transaction edge (:mod:`election.transaction`)
and flash or render. A refused ballot is rolled back and explained; it never reaches
a 500.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from election.access import STAFF, Role, roles_required
from election.elections.models import Channel, Election
from election.extensions import db
from election.labels import GROUP_LABELS
from election.voting import rules
from election.voting.forms import CANDIDATE_FIELD
from election.voting.models import RoundStatus
from election.voting.overview import rep_elections

bp = Blueprint("voting", __name__)

#: Ids in paths are bounded to the database's integer: a longer number is a 404, not a
#: database error.
MAX_ID = 2**31 - 1
ELECTION = f"<int(max={MAX_ID}):election_id>"
ROUND = f"<int(max={MAX_ID}):round_id>"

ROUND_STATUS_LABELS = {
    RoundStatus.PENDING: _l("nie rozpoczęta"),
    RoundStatus.OPEN: _l("otwarta — trwa głosowanie"),
    RoundStatus.CLOSED: _l("zamknięta"),
    RoundStatus.ANNULLED: _l("unieważniona"),
}

CHANNEL_LABELS = {
    Channel.ONLINE: _l("przez internet"),
    Channel.PAPER: _l("na papierze"),
}


@bp.app_template_filter("receipt")
def receipt_filter(code: str) -> str:
    return rules.format_receipt(code)


@bp.app_template_filter("share")
def share_filter(percent: float) -> str:
    """A percentage in the user's locale: ``66,7%`` in Polish."""
    return f"{format_decimal(percent, format='0.0')}%"


@bp.context_processor
def _labels() -> dict[str, Any]:
    return {
        "group_labels": GROUP_LABELS,
        "round_status_labels": ROUND_STATUS_LABELS,
        "channel_labels": CHANNEL_LABELS,
    }


def selection() -> set[int]:
    """The checked candidates to show again on a ballot; garbage is simply dropped."""
    values = request.form.getlist(CANDIDATE_FIELD)
    return {int(v) for v in values if v.isascii() and v.isdigit() and len(v) <= 9}


@bp.route("/voting")
@roles_required(Role.PARTNER_REP, *STAFF)
def index() -> Any:
    """The elections whose voting has started, newest first; a rep sees the "Głosuj"
    button of each round its Partner can vote in now."""
    elections = db.session.scalars(select(Election).order_by(Election.id.desc())).all()
    partner = current_user.partner if current_user.role == Role.PARTNER_REP else None
    return render_template(
        "voting/index.html",
        elections=[e for e in elections if e.voting_started],
        rep={r.election.id: r for r in rep_elections(db.session, partner)} if partner else {},
    )


# The route modules register their views on ``bp``.
from election.voting.views import (  # noqa: E402, F401
    attendance,
    chair,
    countdown,
    paper,
    public,
    rep,
)
