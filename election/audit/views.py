"""The admin's view of the audit log."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from sqlalchemy import func, select

from election.access import Role, roles_required
from election.audit import service
from election.audit.models import AuditEvent
from election.extensions import db

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")

PAGE_SIZE = 50


@bp.route("/")
@roles_required(Role.ADMIN)
def index() -> Any:
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    action = request.args.get("action", "")[:64]
    stmt = select(AuditEvent).order_by(AuditEvent.id.desc())
    count_stmt = select(func.count(AuditEvent.id))
    if action:
        stmt = stmt.where(AuditEvent.action.startswith(action))
        count_stmt = count_stmt.where(AuditEvent.action.startswith(action))
    total = db.session.scalar(count_stmt) or 0
    events = db.session.scalars(stmt.limit(PAGE_SIZE).offset((page - 1) * PAGE_SIZE)).all()
    return render_template(
        "audit/index.html",
        events=events,
        page=page,
        pages=max((total + PAGE_SIZE - 1) // PAGE_SIZE, 1),
        action=action,
        report=service.verify(db.session),
    )
