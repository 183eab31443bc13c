"""Settings. The only module that reads ``os.environ``."""

from __future__ import annotations

import datetime as dt
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _secret_key(instance_path: Path, env: Mapping[str, str]) -> str:
    """Return ``SECRET_KEY`` from the environment, or one kept in the instance folder.

    Keeping a generated key on disk means sessions survive a restart without anyone
    having to invent a key for a development install.
    """
    key = env.get("SECRET_KEY")
    if key:
        return key
    path = instance_path / "secret_key"
    if path.exists():
        return path.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    path.write_text(key)
    path.chmod(0o600)
    return key


def from_environment(instance_path: str, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Build the app configuration from environment variables (``env``: instead of the
    process environment, e.g. ``{}`` for the defaults alone)."""
    if env is None:
        env = os.environ
    instance = Path(instance_path)
    https = _bool(env.get("HTTPS"))
    database_url = env.get("DATABASE_URL") or f"sqlite:///{instance / 'election.db'}"
    idle_minutes = int(env.get("SESSION_IDLE_MINUTES") or 30)
    absolute_hours = int(env.get("SESSION_ABSOLUTE_HOURS") or 12)
    return {
        "SECRET_KEY": _secret_key(instance, env),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": https,
        "REMEMBER_COOKIE_SECURE": https,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "PREFERRED_URL_SCHEME": "https" if https else "http",
        "SERVER_BASE_URL": env.get("SERVER_BASE_URL", ""),
        "HSTS": https,
        # Admins and chairs must set up two-factor login (TOTP) before anything else.
        "REQUIRE_2FA_FOR_STAFF": _bool(env.get("REQUIRE_2FA_FOR_STAFF"), default=True),
        # A logged-in session ends after this long without a request, and this long
        # after login whatever happens (checked on the server at every request).
        "SESSION_IDLE_MINUTES": idle_minutes,
        "SESSION_ABSOLUTE_HOURS": absolute_hours,
        "PERMANENT_SESSION_LIFETIME": dt.timedelta(hours=absolute_hours),
        # How many reverse proxies (nginx) stand in front and set X-Forwarded-*; 0: none.
        "TRUSTED_PROXIES": int(env.get("TRUSTED_PROXIES") or 0),
        "RATELIMIT_STORAGE_URI": env.get("REDIS_URL", "memory://"),
        # Namespaces the limits when several apps share one Redis.
        "RATELIMIT_KEY_PREFIX": env.get("RATELIMIT_KEY_PREFIX", "rada-sekap"),
        # Explicit, because Flask-Limiter keeps the last app's choice on its shared
        # object: an app made with limits off would otherwise switch them off for good.
        "RATELIMIT_ENABLED": _bool(env.get("RATELIMIT_ENABLED"), default=True),
        "SMTP_HOST": env.get("SMTP_HOST", "127.0.0.1"),
        "SMTP_PORT": int(env.get("SMTP_PORT", "25")),
        "SMTP_USER": env.get("SMTP_USER", ""),
        "SMTP_PASSWORD": env.get("SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": _bool(env.get("SMTP_STARTTLS")),
        "SMTP_SENDER": env.get("SMTP_SENDER", "Rada SEKAP <rada-sekap@localhost>"),
        "LMS_URL": env.get("LMS_URL", ""),
        "LMS_TOKEN": env.get("LMS_TOKEN", ""),
        "LMS_COURSE": env.get("LMS_COURSE", ""),
        "MAX_CONTENT_LENGTH": 10 * 1024 * 1024,
        "PARTNERS_CSV": env.get(
            "PARTNERS_CSV",
            str(Path(__file__).resolve().parent.parent / "data" / "terc-slaskie.csv"),
        ),
    }


def defaults(instance_path: str) -> dict[str, Any]:
    """The configuration with no environment at all: what a test app starts from."""
    return from_environment(instance_path, {})
