"""The home page and the main menu: the top of the site, over every feature."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, redirect, render_template, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from election.access import Role

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


@bp.route("/")
def index() -> Any:
    if current_user.is_authenticated and current_user.role == Role.ADMIN:
        return redirect(url_for("partners.index"))
    return render_template("home/index.html")


def init_app(app: Flask) -> None:
    app.jinja_env.globals["nav_items"] = nav_items
