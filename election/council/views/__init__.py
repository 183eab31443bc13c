"""The Council's pages: appointments, composition, certification, protocol and exports,
the public results page (:mod:`.pages`); the ways out of a group short of candidates —
supplementary nominations and vacancies (:mod:`.shortfall`); the Council over its term —
mandates that end, by-elections, the public current Council and its history
(:mod:`.term`)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort
from flask_babel import gettext as _
from flask_login import current_user

from election.access import STAFF
from election.elections.models import Election
from election.elections.service import get_election
from election.errors import NotFound
from election.extensions import db
from election.partners.models import PartnerGroup

bp = Blueprint("council", __name__)


def translated(message: str, params: dict[str, Any]) -> str:
    """A msgid with parameters in the user's language, its string parameters too."""
    values = {k: _(v) if isinstance(v, str) else v for k, v in params.items()}
    return _(message, **values) if values else _(message)


def missing_text(missing: Any) -> str:
    """A :class:`~election.council.rules.Missing` (or a guide step) in the user's language."""
    return translated(missing.message, missing.params)


def is_staff() -> bool:
    return current_user.is_authenticated and current_user.role in STAFF


def election_or_404(election_id: int) -> Election:
    """The election, or a plain 404 page."""
    try:
        return get_election(db.session, election_id)
    except NotFound:
        abort(404)


def group_or_404(code: str) -> PartnerGroup:
    """The group a path names, or a plain 404 page."""
    try:
        return PartnerGroup(code)
    except ValueError:
        abort(404)


# The route modules register their views on ``bp``.
from election.council.views import pages, shortfall, term  # noqa: E402, F401
