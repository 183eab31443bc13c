"""Test fixtures: one app and schema per run (built by migrations), clean tables per test.

``TEST_DATABASE_URL`` selects PostgreSQL; without it the tests use a SQLite file.
``scripts/test.sh`` runs the suite on both (CI requires PostgreSQL to be there).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from election import create_app
from election.extensions import db, limiter
from tests.support.app import app_config
from tests.support.mail import Mailbox
from tests.support.web import free_port


@pytest.fixture(scope="session")
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    from aiosmtpd.controller import Controller

    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield mailbox, port
    controller.stop()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


def _reset_schema(app: Flask) -> None:
    """Empty database, then the schema from the migrations (not ``create_all``)."""
    from flask_migrate import upgrade

    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "postgresql":
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
        upgrade()


@pytest.fixture(scope="session")
def app(
    database_url: str,
    smtp_server: tuple[Mailbox, int],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Flask]:
    instance = str(tmp_path_factory.mktemp("instance"))
    app = create_app(app_config(database_url, instance, smtp_server[1]))
    _reset_schema(app)
    yield app
    with app.app_context():
        db.engine.dispose()


def _truncate(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())


@pytest.fixture(autouse=True)
def _clean(request: pytest.FixtureRequest) -> Iterator[None]:
    if "app" not in request.fixturenames:
        yield
        return
    app: Flask = request.getfixturevalue("app")
    mailbox, _port = request.getfixturevalue("smtp_server")
    yield
    _truncate(app)
    mailbox.clear()
    with app.app_context():
        limiter.reset()


@pytest.fixture
def mailbox(smtp_server: tuple[Mailbox, int]) -> Mailbox:
    return smtp_server[0]


@pytest.fixture
def ctx(app: Flask) -> Iterator[None]:
    """An app context, for tests that use the session directly."""
    with app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> Any:
    return app.test_cli_runner()
