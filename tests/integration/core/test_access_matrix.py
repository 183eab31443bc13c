"""Every route, as every kind of user: the expected status, never a 500.

The routes come from the URL map, so a new route cannot be forgotten: it either
declares its roles with ``roles_required`` (which the matrix reads) or is listed in
``PUBLIC`` below on purpose.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from election.auth.models import Role
from election.extensions import db
from election.partners.models import PartnerGroup
from tests.factories import PASSWORD, make_user, voting_election
from tests.support.routes import routes, url_for_rule
from tests.support.web import csrf_token, login

#: Endpoints anyone may reach without logging in (pages and API that are public by design).
PUBLIC_PREFIXES = ("api", "api_", "public", "static")
PUBLIC = {
    "home.index",
    "web.set_language",
    "web.healthz",
    "auth.login",
    "auth.login_2fa",
    "auth.logout",
    "auth.set_password",
    "auth.forgot_password",
    # The room's screen: the staff, or a browser that opened the projector link.
    "meeting.projector",
}

ROLES = ("guest", "observer", "rep_a", "rep_b", "chair", "admin")


def is_public(endpoint: str) -> bool:
    if endpoint in PUBLIC:
        return True
    blueprint, _, name = endpoint.partition(".")
    return blueprint in PUBLIC_PREFIXES or name.startswith("public") or blueprint.startswith("api")


def role_of(name: str) -> Role | None:
    return {
        "observer": Role.OBSERVER,
        "rep_a": Role.PARTNER_REP,
        "rep_b": Role.PARTNER_REP,
        "chair": Role.CHAIR,
        "admin": Role.ADMIN,
    }.get(name)


@pytest.fixture
def world(app: Flask) -> dict[str, Any]:
    with app.app_context():
        w = voting_election(per_group=2, candidates_per_group=2)
        rep_a = w["reps"][PartnerGroup.GMINA][0]
        rep_b = w["reps"][PartnerGroup.POWIAT][0]
        admin = make_user(Role.ADMIN)
        observer = make_user(Role.OBSERVER)
        # Admin actions on "a user" (deactivate, end sessions) hit this one, not the clients.
        victim = make_user(Role.OBSERVER)
        db.session.commit()
        election = w["election"]
        values = {
            "election_id": election.id,
            "id": election.id,
            "partner_id": rep_a.partner_id,
            "user_id": victim.id,
            "round_id": w["rounds"][PartnerGroup.GMINA].id,
            "candidate_id": w["candidates"][PartnerGroup.GMINA][0].id,
            "group": "gmina",
            "code": "pl",
            "token": "not-a-token",
        }
        emails = {
            "observer": observer.email,
            "rep_a": rep_a.email,
            "rep_b": rep_b.email,
            "chair": w["chair"].email,
            "admin": admin.email,
        }
    return {"values": values, "emails": emails}


def test_every_route_declares_roles_or_is_public(app: Flask) -> None:
    undeclared = [
        r.endpoint
        for r in routes(app)
        if not is_public(r.endpoint)
        and not hasattr(app.view_functions[r.endpoint], "allowed_roles")
    ]
    assert undeclared == [], "routes without roles_required and not listed as public"


def test_access_matrix(app: Flask, world: dict[str, Any]) -> None:
    clients = {}
    for name in ROLES:
        client = app.test_client()
        if name != "guest":
            login(client, world["emails"][name], PASSWORD)
        clients[name] = client
    problems: list[str] = []
    for rule in routes(app):
        if rule.endpoint in ("auth.logout",):
            continue
        view = app.view_functions[rule.endpoint]
        allowed = getattr(view, "allowed_roles", None)
        url = url_for_rule(rule, world["values"])
        for method in sorted({"GET", "POST"} & (rule.methods or set())):
            for name in ROLES:
                client = clients[name]
                if method == "POST":
                    data = {"csrf_token": csrf_token(client)}
                    response = client.post(url, data=data)
                else:
                    response = client.get(url)
                status = response.status_code
                where = f"{method} {url} as {name}: {status}"
                if status >= 500:
                    problems.append(f"{where} (server error)")
                    continue
                if allowed is None:
                    if status == 403 and name == "guest":
                        problems.append(f"{where} (public route refused a guest)")
                    continue
                to_login = status == 302 and "/login" in response.headers.get("Location", "")
                if name == "guest":
                    if not to_login:
                        problems.append(f"{where} (guest not sent to login)")
                elif role_of(name) in allowed:
                    if status == 403 or to_login:
                        problems.append(f"{where} (allowed role refused)")
                elif status != 403:
                    problems.append(f"{where} (expected 403)")
    assert problems == [], "\n".join(problems)
