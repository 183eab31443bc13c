"""Random data posted to every form of the app: never a 500, and a refused request
changes nothing (every change records an audit event, so their count must not move).
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from election.audit.models import AuditEvent
from election.auth.models import Role
from election.extensions import db
from election.partners.models import PartnerGroup
from tests.factories import PASSWORD, make_user, voting_election
from tests.support.routes import url_for_rule
from tests.support.web import csrf_token, login

#: Field names the app's forms use, so that random data reaches the validators.
FIELDS = [
    "email",
    "password",
    "confirm",
    "full_name",
    "role",
    "partner_id",
    "name",
    "teryt",
    "group",
    "agreement_signed_on",
    "active",
    "title",
    "term",
    "meeting_date",
    "meeting_place",
    "seats_gmina",
    "seats_powiat",
    "seats_miasto_npp",
    "secret",
    "tie_rule",
    "cutoff_date",
    "quorum_percent",
    "text",
    "sent_on",
    "choice",
    "position",
    "statement",
    "consent_confirmed",
    "reason",
    "candidate",
    "seat",
    "slot",
    "document_ref",
    "document_date",
    "authority",
    "drawn_by",
    "winners",
    "note",
    "base_url",
    "token",
    "course",
    "code",
    "next",
]

TEXT = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "",
            "0",
            "1",
            "-1",
            "99999999999",
            "2026-06-18",
            "gmina",
            "x" * 300,
            "<script>alert(1)</script>",
            "' OR 1=1 --",
            "\x00",
            "yes",
            "on",
        ]
    ),
)
FORMS = st.dictionaries(
    st.sampled_from(FIELDS), st.one_of(TEXT, st.lists(TEXT, max_size=3)), max_size=6
)


@pytest.fixture
def staff(app: Flask) -> dict[str, Any]:
    with app.app_context():
        world = voting_election(per_group=2, candidates_per_group=2)
        admin = make_user(Role.ADMIN)
        db.session.commit()
        election = world["election"]
        values = {
            "election_id": election.id,
            "id": election.id,
            "round_id": world["rounds"][PartnerGroup.GMINA].id,
            "partner_id": world["partners"][PartnerGroup.GMINA][0].id,
            "candidate_id": world["candidates"][PartnerGroup.GMINA][0].id,
            "user_id": world["chair"].id,
        }
        emails = {
            "admin": admin.email,
            "chair": world["chair"].email,
            "rep": world["reps"][PartnerGroup.GMINA][0].email,
        }
    return {"values": values, "emails": emails}


def audit_count(app: Flask) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count(AuditEvent.id))) or 0


@pytest.mark.parametrize("who", ["admin", "chair", "rep"])
def test_random_form_data_never_breaks_a_form(app: Flask, staff: dict[str, Any], who: str):
    client = app.test_client()
    login(client, staff["emails"][who], PASSWORD)
    token = csrf_token(client)
    rules = [
        r
        for r in app.url_map.iter_rules()
        if "POST" in (r.methods or set())
        and r.endpoint not in ("auth.logout", "web.set_language", "auth.login")
    ]

    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(rule_index=st.integers(0, len(rules) - 1), form=FORMS)
    def post(rule_index: int, form: dict[str, Any]) -> None:
        rule = rules[rule_index]
        url = url_for_rule(rule, staff["values"])
        before = audit_count(app)
        response = client.post(url, data={**form, "csrf_token": token})
        assert response.status_code < 500, (url, form, response.status_code)
        if response.status_code >= 400:
            assert audit_count(app) == before, (url, form, response.status_code)

    post()
