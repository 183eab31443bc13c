import datetime as dt

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text

from election import create_app
from election.db import UTCDateTime
from election.extensions import db
from tests.factories import make_partner
from tests.support.web import post_form


def test_models_and_migrations_agree(ctx):
    with db.engine.connect() as conn:
        diff = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), db.metadata
        )
    assert diff == []


def test_sqlite_connections_are_durable_and_enforce_foreign_keys(ctx):
    if db.engine.dialect.name != "sqlite":
        return
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000


def test_times_are_stored_in_utc_and_read_back_aware(ctx):
    partner = make_partner()
    db.session.commit()
    db.session.expire_all()
    assert partner.created_at.tzinfo is not None
    assert partner.created_at.utcoffset() == dt.timedelta(0)


def test_naive_times_are_refused():
    import pytest

    with pytest.raises(ValueError, match="naive"):
        UTCDateTime().process_bind_param(dt.datetime(2026, 6, 18, 10), None)


def test_times_are_shown_in_warsaw(app):
    from election.i18n import local_datetime

    with app.test_request_context():
        shown = local_datetime(dt.datetime(2026, 6, 18, 8, 0, tzinfo=dt.UTC))
    assert shown == "18.06.2026, 10:00"


def test_secret_key_is_generated_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    from election.config import from_environment

    first = from_environment(str(tmp_path))["SECRET_KEY"]
    assert first == from_environment(str(tmp_path))["SECRET_KEY"]
    assert len(first) == 64


def test_default_database_is_sqlite_in_the_instance_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    from election.config import from_environment

    url = from_environment(str(tmp_path))["SQLALCHEMY_DATABASE_URI"]
    assert url == f"sqlite:///{tmp_path / 'election.db'}"


def test_pages_are_polish_and_have_security_headers(client):
    response = client.get("/")
    body = response.get_data(as_text=True)
    assert '<html lang="pl">' in body
    assert "Wybory Rady ds. systemu SEKAP" in body
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert "cdn" not in body.lower() and "https://" not in body


def test_error_pages_are_polish(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Nie znaleziono strony" in response.get_data(as_text=True)
    api = client.get("/api/v1/no-such")
    assert api.status_code == 404 and api.json["error"] == "not_found"


def test_an_unexpected_error_is_a_polish_500_page(app):
    app_ = create_app({"TESTING": False, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})

    @app_.route("/boom")
    def boom():
        raise RuntimeError("boom")

    response = app_.test_client().get("/boom")
    assert response.status_code == 500
    assert "Wystąpił błąd serwera" in response.get_data(as_text=True)


def test_english_can_be_chosen_and_is_remembered(client):
    response = post_form(client, "/lang/en", {"next": "/"})
    assert response.status_code == 302
    body = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in body
    assert "Election of the SEKAP Council" in body
    post_form(client, "/lang/pl", {"next": "/"})
    assert '<html lang="pl">' in client.get("/").get_data(as_text=True)


def test_unknown_language_is_404(client):
    assert post_form(client, "/lang/xx").status_code == 404


def test_static_assets_are_served_by_the_app(client):
    assert client.get("/static/css/app.css").status_code == 200


def test_database_is_reachable(ctx):
    assert db.session.execute(text("SELECT 1")).scalar() == 1
