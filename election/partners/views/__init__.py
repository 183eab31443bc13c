"""The Partner register's admin pages (:mod:`.register`, under ``/admin/partners``) and
the admin's user pages (:mod:`.users`, under ``/admin/users``), which bind
representatives to Partners. One blueprint without a URL prefix: each route spells its
full path."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("partners", __name__)

# The route modules add their routes to ``bp``; imported last, as they need it.
from election.partners.views import register, rep_import, users  # noqa: E402, F401
