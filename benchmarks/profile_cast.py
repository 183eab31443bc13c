"""The CPU cost of one cast, in-process (no network, no load generator), and its profile.

    .venv/bin/python -m benchmarks.profile_cast --db sqlite --voters 300
    .venv/bin/python -m benchmarks.profile_cast --db postgresql --voters 300
    .venv/bin/python -m benchmarks.profile_cast --db sqlite --profile cast.html   # pyinstrument

Seeds an election like ``voting_burst`` (synthetic Partners, without the real 184), logs
every rep in, then posts each rep's ballot through the Flask test client, one after the
other, and reports the process CPU time per cast beside the CPU time of encrypting and
proving one ballot alone. With ``--profile`` the casts run under pyinstrument
(``pip install pyinstrument``) and its HTML report is written to the path given.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

from benchmarks import common
from tests.support import burst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--voters", type=int, default=300)
    parser.add_argument(
        "--profile", metavar="HTML", help="write a pyinstrument report here (.html, else text)"
    )
    parser.add_argument("--statements", action="store_true", help="print the SQL of one cast")
    parser.add_argument(
        "--calls",
        action="store_true",
        help="count Python function calls per cast (cProfile): a measure of the work that "
        "does not move with the machine's load",
    )
    args = parser.parse_args()

    database = common.fresh_database(args.db, name="bench_profile")
    os.environ.update(common.app_env(database))
    from election import create_app

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database.url,
            "SECRET_KEY": "benchmark-secret-key",
            "INSTANCE_PATH": tempfile.mkdtemp(prefix="bench-instance-"),
        }
    )
    election_id, round_of = burst.seed(app, args.voters, real_partners=False)
    voters = burst.log_in(app, election_id, round_of)
    crypto_s = common.crypto_cost(app, election_id)
    client = app.test_client()

    def cast_all() -> None:
        for voter in voters:
            client.set_cookie("session", voter.cookie)
            response = client.post(
                voter.path,
                data=voter.body,
                content_type="application/x-www-form-urlencoded",
            )
            assert response.status_code == 200, response.status_code

    statements: list[str] = []
    # CPU time spent inside writing transactions: on SQLite a writing request holds the
    # database's write lock from its first statement to its commit or rollback
    # (election/db.py), so this bounds the casts per second of all workers together.
    in_transaction = {"since": 0.0, "total": 0.0}
    with app.app_context():
        from sqlalchemy import event

        from election.extensions import db

        @event.listens_for(db.engine, "before_cursor_execute")
        def _count(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
            statements.append(statement)

        from election.db import write_intent

        @event.listens_for(db.engine, "begin")
        def _begin(conn):  # type: ignore[no-untyped-def]
            if write_intent.get():  # SQLite: BEGIN IMMEDIATE, the write lock
                in_transaction["since"] = time.process_time()

        @event.listens_for(db.engine, "commit")
        @event.listens_for(db.engine, "rollback")
        def _end(conn):  # type: ignore[no-untyped-def]
            if in_transaction["since"]:
                in_transaction["total"] += time.process_time() - in_transaction["since"]
                in_transaction["since"] = 0.0

    cpu, wall = time.process_time(), time.perf_counter()
    calls = 0
    if args.calls:
        import cProfile
        import pstats

        profiler_c = cProfile.Profile()
        profiler_c.runcall(cast_all)
        calls = pstats.Stats(profiler_c).total_calls  # type: ignore[attr-defined]
    elif args.profile:
        from pyinstrument import Profiler

        with Profiler(interval=0.0005) as profiler:
            cast_all()
        with open(args.profile, "w") as f:
            f.write(
                profiler.output_html()
                if args.profile.endswith(".html")
                else profiler.output_text(unicode=True, show_all=False)
            )
    else:
        cast_all()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    n = len(voters)
    if args.statements:
        one = len(statements) // n
        print("\n".join(" ".join(s.split())[:160] for s in statements[-one:]))
    common.print_table(
        f"Cast cost on {database.kind}, {n} casts in-process, one after the other",
        [
            ("CPU per cast (process time)", f"{cpu / n * 1000:.2f} ms"),
            ("wall per cast", f"{wall / n * 1000:.2f} ms"),
            ("SQL statements per cast", f"{len(statements) / n:.1f}"),
            (
                "CPU in writing transactions per cast (SQLite: under the write lock)",
                f"{in_transaction['total'] / n * 1000:.2f} ms",
            ),
            *([("Python function calls per cast", f"{calls / n:,.0f}")] if calls else []),
            ("of which: encrypt + prove one ballot", f"{crypto_s * 1000:.2f} ms"),
            ("the rest (request, checks, writes)", f"{(cpu / n - crypto_s) * 1000:.2f} ms"),
            ("load average (1, 5, 15 min)", common.load_average()),
        ],
    )


if __name__ == "__main__":
    main()
