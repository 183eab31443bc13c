"""The app as served in production, plus two trivial endpoints that measure the ceilings.

``/bench/hello`` answers without touching the database; ``/bench/insert`` inserts one
row and commits, on the same engine with the same durability settings as a vote
(SQLite WAL + synchronous=FULL + BEGIN IMMEDIATE; PostgreSQL synchronous_commit=on).
Only the benchmarks serve this module: ``gunicorn 'benchmarks.benchapp:create()'``.
"""

from __future__ import annotations

from flask import Flask
from sqlalchemy import text

from election import create_app
from election.extensions import csrf, db

DDL = {
    "sqlite": "CREATE TABLE IF NOT EXISTS bench_rows (id INTEGER PRIMARY KEY, note TEXT)",
    "postgresql": "CREATE TABLE IF NOT EXISTS bench_rows (id BIGSERIAL PRIMARY KEY, note TEXT)",
}


def create() -> Flask:
    app = create_app()

    @app.route("/bench/hello")
    def bench_hello() -> str:
        return "ok"

    @app.route("/bench/insert", methods=["POST"])
    @csrf.exempt
    def bench_insert() -> str:
        db.session.execute(text("INSERT INTO bench_rows (note) VALUES ('x')"))
        db.session.commit()
        return "ok"

    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text(DDL[db.engine.dialect.name]))
    return app
