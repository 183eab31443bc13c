"""The suite runs on the database it was asked for (scripts/test.sh runs it on both)."""

import os

from election.extensions import db


def test_runs_on_the_requested_database(ctx):
    wanted = os.environ.get("TEST_DATABASE_URL", "sqlite")
    assert db.engine.dialect.name == ("postgresql" if wanted.startswith("postgresql") else "sqlite")
