"""The configuration of the app under test."""

from __future__ import annotations

from typing import Any


def app_config(database_url: str, instance_path: str, smtp_port: int) -> dict[str, Any]:
    """The test app's whole configuration: ``create_app`` given a config reads nothing
    from the environment, so the developer's ``LMS_URL`` or ``REDIS_URL`` stay out."""
    return {
        "TESTING": True,
        "INSTANCE_PATH": instance_path,
        "SECRET_KEY": "test-secret-key",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": smtp_port,
        # On in production; tests of two-factor login turn it on themselves.
        "REQUIRE_2FA_FOR_STAFF": False,
    }
