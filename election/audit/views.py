"""The admin's view of the audit log."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from election.access import Role, roles_required
from election.audit import service
from election.extensions import db

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")

PAGE_SIZE = 50


@bp.route("/")
@roles_required(Role.ADMIN)
def index() -> Any:
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    action = request.args.get("action", "")[:64]
    events, total = service.events_page(db.session, action=action, page=page, size=PAGE_SIZE)
    return render_template(
        "audit/index.html",
        events=events,
        page=page,
        pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
        action=action,
        report=service.verify(db.session),
    )
