"""Builders for the elections feature's tests: Regulamins, motions, logged-in clients."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from election.auth.models import Role
from election.elections.models import Motion, MotionStatus, Rules, RulesStatus
from election.extensions import db
from election.partners.models import Partner
from tests.factories import PASSWORD, make_user
from tests.support.web import login

#: The smallest file that passes for a PDF here: the magic and a trailer.
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def make_rules(
    election: Any,
    status: str = "sent",
    *,
    text: str = "§ 1. Regulamin wyboru Członków Rady ds. systemu SEKAP.",
    pdf: bytes | None = None,
) -> Rules:
    rules = Rules(
        election_id=election.id,
        text=text,
        pdf=pdf,
        pdf_filename="regulamin.pdf" if pdf else None,
        status=RulesStatus(status),
        sent_on=dt.date(2026, 6, 2) if status != "draft" else None,
    )
    db.session.add(rules)
    db.session.flush()
    return rules


def make_motion(election: Any) -> Motion:
    """An open motion approving the Regulamin."""
    motion = Motion(
        election_id=election.id,
        kind="rules_approval",
        title="Zatwierdzenie Regulaminu wyboru",
        status=MotionStatus.OPEN,
    )
    db.session.add(motion)
    db.session.flush()
    return motion


def logged_in(
    app: Flask, client: FlaskClient, role: Role = Role.ADMIN, partner_id: int | None = None
) -> int:
    """Create a user of ``role`` (a rep of ``partner_id``), commit, log ``client`` in.

    Returns the user's id.
    """
    with app.app_context():
        partner = db.session.get(Partner, partner_id) if partner_id else None
        user = make_user(role, partner=partner)
        db.session.commit()
        email, user_id = user.email, user.id
    login(client, email, PASSWORD)
    return user_id
