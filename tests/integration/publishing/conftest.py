from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient

from election.extensions import db
from election.publishing.outbox import SENDER
from tests.factories import PASSWORD, make_user
from tests.support.moodle import FakeMoodle
from tests.support.web import login


@pytest.fixture
def moodle() -> Iterator[FakeMoodle]:
    fake = FakeMoodle()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture(autouse=True)
def _lms_config(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Short timeouts, no retry timer and no sweeps (only what the test does sends); no
    background sending left running after a test."""
    monkeypatch.setitem(app.config, "LMS_TIMEOUT", (2.0, 2.0))
    monkeypatch.setitem(app.config, "LMS_AUTO_RETRY", False)
    sender = app.extensions[SENDER]
    sender.stop()
    yield
    sender.join()
    sender.stop()


@pytest.fixture
def admin(client: FlaskClient, app: Flask) -> FlaskClient:
    with app.app_context():
        user = make_user()
        db.session.commit()
        email = user.email
    login(client, email, PASSWORD)
    return client
