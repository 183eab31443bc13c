"""Random data posted to every form that exists: never a 500, and no change unless valid.

"Valid" is what the app answers with a redirect (the pattern of every successful
form post here); any other answer must leave every row of every table as it was.
Redirects must stay on this site (no open redirect through ``next``).

Examples are derandomised so CI is repeatable; ``FUZZ_RANDOM=1`` explores fresh ones.
"""

from __future__ import annotations

import io
import os
import time
import urllib.parse
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from election.auth import service as auth_service
from election.auth.models import Role, User
from election.extensions import db, limiter
from election.partners.models import Partner, PartnerGroup
from tests.factories import PASSWORD, make_partner, make_user
from tests.factories.auth import make_user_with_2fa
from tests.support.web import csrf_token, login

FUZZ = settings(
    max_examples=40,
    deadline=None,
    database=None,  # nothing written into the working tree
    derandomize=os.environ.get("FUZZ_RANDOM") != "1",
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

#: Values that have broken web apps before, mixed with ones that are valid here.
TRICKY = [
    "",
    " ",
    "0",
    "-1",
    "1",
    "99999999999999999999999",
    "y",
    "on",
    "true",
    "\x00",
    "a\x00b",
    "\u202e\u0000\ufeff",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "%s%s%n",
    "../../etc/passwd",
    "//evil.example/x",
    "/\\evil.example",
    "https://evil.example/",
    "admin@example.pl",
    "nowy@example.pl",
    "Zażółć gęślą jaźń",
    "x" * 300,
    "2401011",
    "2401",
    "2461011",
    "gmina",
    "powiat",
    "miasto_npp",
    "admin",
    "partner_rep",
    "observer",
    "2015-01-01",
    "2026-13-45",
    PASSWORD,
    "Zielona-łąka-2026!",
    "123456",
]
text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=80)
value = st.one_of(text, st.sampled_from(TRICKY))


def form(*fields: str) -> st.SearchStrategy[dict[str, Any]]:
    """Any subset of ``fields`` with tricky values, sometimes a field twice or an extra one."""
    optional = {name: st.one_of(value, st.lists(value, min_size=2, max_size=2)) for name in fields}
    optional["unexpected"] = value
    return st.fixed_dictionaries({}, optional=optional)


#: How the CSRF token is sent: mostly right (to reach the form's own checks).
csrf_modes = st.sampled_from(["valid", "valid", "valid", "valid", "missing", "forged"])


def snapshot() -> dict[str, list[tuple[Any, ...]]]:
    with db.engine.connect() as conn:
        return {
            table.name: [
                tuple(row)
                for row in conn.execute(table.select().order_by(*table.primary_key.columns))
            ]
            for table in db.metadata.sorted_tables
        }


def check_post(
    app: Flask,
    client: FlaskClient,
    path: str,
    data: dict[str, Any],
    csrf: str,
    *,
    page: str = "/",
    **kwargs: Any,
) -> Any:
    """POST and assert: no server error, no change unless redirected, redirects stay local."""
    with app.app_context():
        limiter.reset()  # the limits would answer 429 before the form is even read
        before = snapshot()
    payload = dict(data)
    if csrf == "valid":
        payload["csrf_token"] = csrf_token(client, page)
    elif csrf == "forged":
        payload["csrf_token"] = "IjAwMDAi.forged.token"
    response = client.post(path, data=payload, **kwargs)
    assert response.status_code < 500, (path, data, response.get_data(as_text=True)[:500])
    if response.status_code in (301, 302, 303):
        location = urllib.parse.urlsplit(response.headers["Location"])
        assert location.netloc in ("", "localhost"), response.headers["Location"]
        assert not location.path.startswith("//")
    else:
        with app.app_context():
            assert snapshot() == before, (path, data, response.status_code)
    return response


@pytest.fixture
def admin(app: Flask) -> FlaskClient:
    with app.app_context():
        make_user(Role.ADMIN, email="admin@example.pl")
        for group in (PartnerGroup.GMINA, PartnerGroup.POWIAT):
            make_partner(group)
        db.session.commit()
    client = app.test_client()
    login(client, "admin@example.pl", PASSWORD)
    return client


@pytest.fixture
def partner_id(app: Flask, admin: FlaskClient) -> int:
    with app.app_context():
        return db.session.scalar(select(func.min(Partner.id)))


def test_fuzz_login(app):
    guest = app.test_client()

    @FUZZ
    @given(data=form("email", "password"), csrf=csrf_modes, next_=value)
    def run(data: dict[str, Any], csrf: str, next_: str) -> None:
        path = "/login?" + urllib.parse.urlencode({"next": next_})
        check_post(app, guest, path, data, csrf, page="/login")

    run()


def test_fuzz_second_login_step(app):
    with app.app_context():
        made = make_user_with_2fa(Role.PARTNER_REP, partner=make_partner())
        db.session.commit()
    guest = app.test_client()

    @FUZZ
    @given(data=form("code"), csrf=csrf_modes)
    def run(data: dict[str, Any], csrf: str) -> None:
        # The state the password step leaves (without paying for scrypt 40 times).
        with guest.session_transaction() as session:
            session["2fa_pending"] = {
                "u": made.id,
                "v": 1,
                "at": int(time.time()),
                "next": "/",
            }
        check_post(app, guest, "/login/2fa", data, csrf, page="/login/2fa")

    run()


def test_fuzz_set_password(app):
    with app.app_context():
        user_id = make_user(Role.OBSERVER, password=None).id
        db.session.commit()
    guest = app.test_client()

    @FUZZ
    @given(data=form("password", "confirm"), csrf=csrf_modes)
    def run(data: dict[str, Any], csrf: str) -> None:
        with app.app_context():
            token = auth_service.make_password_token(
                app.config["SECRET_KEY"], db.session.get(User, user_id)
            )
        # The link's first visit exchanges the token; the form posts to the clean URL.
        guest.get(f"/password/{token}")
        check_post(app, guest, "/password/set", data, csrf, page="/password/set")

    run()


def test_fuzz_forgot_password(app):
    guest = app.test_client()
    with app.app_context():
        make_user(Role.OBSERVER, email="nowy@example.pl")
        db.session.commit()

    @FUZZ
    @given(data=form("email"), csrf=csrf_modes)
    def run(data: dict[str, Any], csrf: str) -> None:
        check_post(app, guest, "/password/forgot", data, csrf, page="/password/forgot")

    run()


def test_fuzz_invite(app, admin):
    @FUZZ
    @given(data=form("email", "full_name", "role", "partner_id"), csrf=csrf_modes)
    def run(data: dict[str, Any], csrf: str) -> None:
        check_post(app, admin, "/admin/users", data, csrf, page="/admin/users")

    run()


PARTNER_FIELDS = ("name", "teryt", "group", "agreement_signed_on", "email", "active")


def test_fuzz_new_partner(app, admin):
    @FUZZ
    @given(data=form(*PARTNER_FIELDS), csrf=csrf_modes)
    def run(data: dict[str, Any], csrf: str) -> None:
        check_post(app, admin, "/admin/partners/new", data, csrf, page="/admin/partners/new")

    run()


def test_fuzz_edit_partner(app, admin, partner_id):
    path = f"/admin/partners/{partner_id}/edit"

    @FUZZ
    @given(data=form(*PARTNER_FIELDS), csrf=csrf_modes)
    def run(data: dict[str, Any], csrf: str) -> None:
        check_post(app, admin, path, data, csrf, page=path)

    run()


csv_lines = st.lists(
    st.one_of(
        st.lists(value, max_size=7).map(lambda cells: ";".join(cells)),
        st.lists(value, max_size=7).map(lambda cells: ",".join(cells)),
        st.sampled_from(
            [
                "group,teryt,name",
                "group;teryt;name;kind;agreement_signed_on;email",
                "gmina,2401011,Gmina Bobrowniki",
                "powiat;2402;Powiat cieszyński;powiat;2015-01-01;p@example.pl",
            ]
        ),
    ),
    max_size=6,
)
upload_bytes = st.one_of(
    st.binary(max_size=400),
    csv_lines.map(lambda lines: "\n".join(lines).encode("utf-8", "surrogatepass")),
    csv_lines.map(lambda lines: "\n".join(lines).encode("cp1250", "replace")),
)


def test_fuzz_partner_import(app, admin):
    @FUZZ
    @given(
        content=upload_bytes,
        filename=st.one_of(st.sampled_from(["partners.csv", "", "a.exe", "../x.csv"]), text),
        confirm=st.sampled_from([None, "y", "on", "", "no"]),
        with_file=st.booleans(),
        csrf=csrf_modes,
    )
    def run(content: bytes, filename: str, confirm: str | None, with_file: bool, csrf: str) -> None:
        data: dict[str, Any] = {}
        if with_file:
            data["file"] = (io.BytesIO(content), filename)
        if confirm is not None:
            data["confirm"] = confirm
        check_post(
            app,
            admin,
            "/admin/partners/import",
            data,
            csrf,
            page="/admin/partners/import",
            content_type="multipart/form-data",
        )

    run()


def test_fuzz_language_switch(app, admin):
    @FUZZ
    @given(
        code=st.one_of(st.sampled_from(["pl", "en", "de", "", "PL"]), text),
        data=form("next"),
        csrf=csrf_modes,
    )
    def run(code: str, data: dict[str, Any], csrf: str) -> None:
        path = "/lang/" + urllib.parse.quote(code, safe="")
        check_post(app, admin, path, data, csrf)

    run()


ACCOUNT_FORMS: dict[str, tuple[str, ...]] = {
    "/account/password": ("current_password", "password", "confirm"),
    "/account/2fa": ("code",),
    "/account/2fa/recovery-codes": ("code",),
    "/account/2fa/disable": ("current_password",),
}


@pytest.mark.parametrize("path", list(ACCOUNT_FORMS))
def test_fuzz_account_forms(app, path):
    with app.app_context():
        make_user(Role.PARTNER_REP, partner=make_partner(), email="rep@example.pl")
        db.session.commit()
    client = app.test_client()
    login(client, "rep@example.pl", PASSWORD)
    # The setup page keeps its secret (sealed) on the user's row: shown once beforehand,
    # so that a code posted afterwards is checked against it.
    assert client.get("/account/2fa").status_code == 200

    @FUZZ
    @given(data=form(*ACCOUNT_FORMS[path]), csrf=csrf_modes)
    def run(data: dict[str, Any], csrf: str) -> None:
        check_post(app, client, path, data, csrf, page="/account")

    run()


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/password/forgot", {"email": "\x00"}),
        ("/login", {"email": "a\x00@example.pl", "password": "x"}),
        ("/admin/partners/?q=%00", None),
        ("/lang/%00", {}),
    ],
)
def test_a_nul_byte_is_refused_with_a_message_not_a_server_error(app, admin, path, data):
    """Found by the fuzzer on PostgreSQL, which cannot store NUL in text."""
    if data is None:
        response = admin.get(path)
    else:
        response = admin.post(path, data={"csrf_token": csrf_token(admin), **data})
    assert response.status_code == 400
    assert "niedozwolony znak" in response.get_data(as_text=True)
