"""The test app is built from its own config, never from the developer's environment."""

from __future__ import annotations

import pytest

from election import create_app
from tests.support.app import app_config


def test_the_developers_environment_does_not_reach_the_test_app(monkeypatch, tmp_path):
    monkeypatch.setenv("LMS_URL", "https://moodle.example.pl")
    monkeypatch.setenv("LMS_TOKEN", "a-real-token")
    monkeypatch.setenv("REDIS_URL", "redis://10.0.0.1:6379/0")
    monkeypatch.setenv("SMTP_HOST", "smtp.example.pl")
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://prod@db/rada")
    app = create_app(app_config("sqlite://", str(tmp_path), 2525))
    assert app.config["LMS_URL"] == "" and app.config["LMS_TOKEN"] == ""
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert app.config["SMTP_HOST"] == "127.0.0.1"
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite://"
    assert app.instance_path == str(tmp_path)


@pytest.mark.parametrize("variable", ["LMS_URL", "REDIS_URL", "SMTP_HOST"])
def test_without_a_config_the_app_reads_the_environment(monkeypatch, tmp_path, variable):
    monkeypatch.setenv("SECRET_KEY", "from-the-environment")
    monkeypatch.setenv("LMS_URL", "https://moodle.example.pl")
    monkeypatch.setenv("REDIS_URL", "memory://")
    monkeypatch.setenv("SMTP_HOST", "smtp.example.pl")
    from election.config import from_environment

    config = from_environment(str(tmp_path))
    key = {"REDIS_URL": "RATELIMIT_STORAGE_URI"}.get(variable, variable)
    assert config[key] != "" and config[key] != "127.0.0.1"
    assert config["SECRET_KEY"] == "from-the-environment"
