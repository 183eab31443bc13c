"""The home page and the main menu: the top of the site, over every feature.

Where a user lands after logging in is where their next action is: a rep sees a
"Głosuj" button for each open round of its group (the ballot one tap away), the open
motion, and the results once certified; the chair sees each election's dashboard.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from election.access import Role
from election.elections.models import PHASE_LABELS, Phase
from election.elections.motions import open_motion, partner_vote
from election.elections.service import list_elections
from election.extensions import db
from election.labels import GROUP_LABELS
from election.voting.overview import rep_elections

bp = Blueprint("home", __name__)

#: Main menu: (endpoint, label, roles that see it).
NAV: list[tuple[str, Any, tuple[Role, ...]]] = [
    ("partners.index", _l("Partnerzy"), (Role.ADMIN, Role.CHAIR)),
    ("partners.users", _l("Użytkownicy"), (Role.ADMIN,)),
    ("audit.index", _l("Dziennik zdarzeń"), (Role.ADMIN,)),
    ("council.index", _l("Skład Rady"), (Role.ADMIN, Role.CHAIR)),
    ("candidates.index", _l("Kandydaci"), (Role.ADMIN, Role.CHAIR, Role.PARTNER_REP)),
    ("elections.index", _l("Wybory"), (Role.ADMIN, Role.CHAIR, Role.PARTNER_REP)),
    ("voting.index", _l("Głosowanie"), (Role.ADMIN, Role.CHAIR, Role.PARTNER_REP)),
    ("tally.index", _l("Wyniki"), (Role.ADMIN, Role.CHAIR)),
    ("publishing.index", _l("Publikowanie w LMS"), (Role.ADMIN, Role.CHAIR)),
]


def nav_items() -> list[tuple[str, Any]]:
    if not current_user.is_authenticated:
        return []
    return [(endpoint, label) for endpoint, label, roles in NAV if current_user.role in roles]


def _rep_context() -> dict[str, Any]:
    """A rep's next actions: the rounds to vote in, the motion to vote on, the results."""
    partner = current_user.partner
    if partner is None:
        return {"voting": [], "motions": []}
    motions = []
    for election in list_elections(db.session):
        motion = open_motion(db.session, election)
        if motion is not None:
            voted = partner_vote(db.session, motion.id, partner.id) is not None
            motions.append((election, motion, voted))
    return {
        "partner": partner,
        "voting": rep_elections(db.session, partner),
        "motions": motions,
    }


def _chair_context() -> dict[str, Any]:
    """The chair's elections, the running ones first: each one tap from its dashboard."""
    elections = [e for e in list_elections(db.session) if e.phase != Phase.DRAFT]
    elections.sort(key=lambda e: e.certified)
    return {"chair_elections": elections}


@bp.route("/")
def index() -> Any:
    if current_user.is_authenticated and current_user.role == Role.ADMIN:
        return redirect(url_for("partners.index"))
    context: dict[str, Any] = {"group_labels": GROUP_LABELS, "phase_labels": PHASE_LABELS}
    if current_user.is_authenticated and current_user.role == Role.PARTNER_REP:
        context.update(_rep_context())
    elif current_user.is_authenticated and current_user.role == Role.CHAIR:
        context.update(_chair_context())
    return render_template("home/index.html", **context)


def init_app(app: Flask) -> None:
    app.jinja_env.globals["nav_items"] = nav_items
