"""Browser tests: the app served by a real HTTP server, driven by Debian's headless Chromium.

Each test module gets its own app on a fresh database built by the migrations (a SQLite
file; on the suite's PostgreSQL run, a PostgreSQL database of its own), served by werkzeug
in a thread on a free port of 127.0.0.1. The app fixture is named ``live_app`` so it
never meets the session-wide ``app`` of ``tests/conftest.py`` (whose autouse cleaner only acts
on tests that use ``app``).

Chromium is ``/usr/bin/chromium`` (``apt-get install chromium``; never ``playwright install``).
Without it the tests are skipped with a reason, or fail when ``REQUIRE_BROWSER=1`` (CI).

Screenshots of the steps go to ``test-artifacts/screenshots/<test>/<nn>-<step>.png``.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import URL, Connection, create_engine, make_url, text
from werkzeug.serving import BaseWSGIServer, make_server

from election import create_app
from election.extensions import db
from tests.support.mail import Mailbox
from tests.support.web import ROOT

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--headless",
]
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"

# Playwright's auto-waiting covers a slow page; a wrong page should fail quickly.
expect.set_options(timeout=10_000)


# --- Chromium -----------------------------------------------------------------------------


@pytest.fixture(scope="session", autouse=True)
def _chromium() -> None:
    """Skip (or fail in CI) every browser test when Chromium is not installed."""
    if CHROMIUM.exists():
        return
    reason = f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)"
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"REQUIRE_BROWSER=1: {reason}", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    """Debian's Chromium instead of a downloaded one (pytest-playwright's own fixture)."""
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": CHROMIUM_ARGS,
        "headless": True,
    }


@pytest.fixture(scope="session", autouse=True)
def _compiled_catalogues() -> None:
    """Compile the .po files whose .mo is missing or older, so the pages are translated.

    ``scripts/test.sh`` compiles too; this keeps a bare ``pytest tests/browser`` honest.
    """
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in (ROOT / "translations").glob("*/LC_MESSAGES/messages.po"):
        mo = po.with_suffix(".mo")
        if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        with po.open("rb") as f:
            catalog = read_po(f)
        with mo.open("wb") as f:
            write_mo(f, catalog)


# --- the app under test -------------------------------------------------------------------


def _module_database(tmp_path_factory: pytest.TempPathFactory, variant: str = "") -> str:
    """A new, empty database for one test module (and variant of its app).

    A SQLite file; or, when the suite runs on PostgreSQL (``TEST_DATABASE_URL``), a
    database of its own beside the suite's one (``<name>__browser[_<variant>]``), so the
    browser drives the app on PostgreSQL too without touching the other tests' schema.
    """
    url = os.environ.get("TEST_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('browser-db') / 'app.db'}"
    target = make_url(url)
    suffix = f"_{re.sub(r'[^a-z0-9]+', '_', variant.lower())}" if variant else ""
    target = target.set(database=f"{target.database}__browser{suffix}")
    _drop_database(target.render_as_string(hide_password=False))
    with _server(target) as conn:
        conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    return target.render_as_string(hide_password=False)


@contextmanager
def _server(url: URL) -> Iterator[Connection]:
    """A connection to the server's maintenance database, outside any transaction."""
    engine = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


def _drop_database(url: str) -> None:
    target = make_url(url)
    with _server(target) as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))


@pytest.fixture(scope="module")
def app_variant() -> str:
    """What tells this module's apps apart: nothing, one app per module.

    A module that overrides it with ``params`` (the meeting: one per key custody) gets a
    fresh app, database and instance folder for each parameter, and its tests run once
    per parameter.
    """
    return ""


@pytest.fixture(scope="module")
def live_app(
    tmp_path_factory: pytest.TempPathFactory, smtp_server: tuple[Mailbox, int], app_variant: str
) -> Iterator[Flask]:
    """A fresh app and database for this test module, schema from the migrations.

    Its instance folder (where the ballot box's key is kept) is a temporary one, never
    the checkout's.
    """
    from flask_migrate import upgrade

    url = _module_database(tmp_path_factory, app_variant)
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "browser-test-secret-key",
            "INSTANCE_PATH": str(tmp_path_factory.mktemp("browser-instance")),
            "SQLALCHEMY_DATABASE_URI": url,
            "SMTP_HOST": "127.0.0.1",
            "SMTP_PORT": smtp_server[1],
            "SERVER_BASE_URL": "",
            # Two-factor login has its own tests; here it would only add a step to every login.
            "REQUIRE_2FA_FOR_STAFF": False,
        }
    )
    with app.app_context():
        upgrade()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if not url.startswith("sqlite"):
        _drop_database(url)


@pytest.fixture(scope="module")
def live_server(live_app: Flask) -> Iterator[str]:
    """Serve ``live_app`` over HTTP on 127.0.0.1; yields its base URL."""
    server: BaseWSGIServer = make_server("127.0.0.1", 0, live_app, threaded=True)
    port = server.socket.getsockname()[1]
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def base_url(live_server: str) -> str:
    return live_server


@pytest.fixture(scope="module")
def browser_context_args(base_url: str) -> dict[str, Any]:
    """Polish Chromium at a laptop size; the app ignores Accept-Language anyway."""
    return {
        "base_url": base_url,
        "locale": "pl-PL",
        "timezone_id": "Europe/Warsaw",
        "viewport": {"width": 1280, "height": 900},
    }


@pytest.fixture(scope="module")
def seed(live_app: Flask) -> Callable[..., Any]:
    """``seed(fn, *args)`` runs ``fn`` in an app context and commits: data for the test.

    Builders from ``tests/factories.py`` work inside ``fn`` as they do in other tests.
    """

    def run(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        with live_app.app_context():
            try:
                result = fn(*args, **kwargs)
                db.session.commit()
                return result
            finally:
                db.session.remove()

    return run


# --- helpers for the tests ----------------------------------------------------------------


class Shots:
    """Numbered screenshots of one test's steps."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0

    def __call__(self, page: Page, step: str, *, full_page: bool = True) -> Path:
        self.count += 1
        name = re.sub(r"[^a-z0-9]+", "-", step.lower()).strip("-")
        path = self.folder / f"{self.count:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Shots:
    """``shot(page, "step name")`` saves the page as the test's next numbered screenshot."""
    # The test's name and its own parameters (not pytest-playwright's browser name).
    node = request.node
    params = getattr(node, "callspec", None)
    values = [str(v) for k, v in (params.params.items() if params else []) if k != "browser_name"]
    parts = [re.sub(r"[^A-Za-z0-9_.-]+", "-", part).strip("-") for part in values]
    folder = SCREENSHOTS / "-".join(part for part in [node.originalname, *parts] if part)
    if folder.exists():
        for old in folder.glob("*.png"):
            old.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    return Shots(folder)


@pytest.fixture
def browser_page(
    new_context: Callable[..., BrowserContext],
) -> Callable[..., Page]:
    """``browser_page(**context_args)``: a page in a new, isolated browser context.

    Each person in a test (admin, chair, every rep) gets their own, as on their own device.
    """

    def open_page(**kwargs: Any) -> Page:
        return new_context(**kwargs).new_page()

    return open_page
