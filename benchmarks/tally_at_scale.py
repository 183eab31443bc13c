"""Tally of one round with many ballots: bulk insert (outside the web layer), then count.

    .venv/bin/python -m benchmarks.tally_at_scale --db sqlite --ballots 1000000
    .venv/bin/python -m benchmarks.tally_at_scale --db postgresql --ballots 1000000

Prints the insert time (not a target) and the tally time: the SQL aggregation and the
pure count (``election.tally.counting.count_round``), and the aggregation alone.
"""

from __future__ import annotations

import argparse
import os
import random
import secrets
import time

from benchmarks import common


def receipt_codes(n: int) -> list[str]:
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    raw = os.urandom(n * 10)
    codes = {"".join(alphabet[b % 32] for b in raw[i * 10 : (i + 1) * 10]) for i in range(n)}
    while len(codes) < n:
        codes.add("".join(secrets.choice(alphabet) for _ in range(10)))
    return list(codes)[:n]


def setup_round(app, ballots: int):  # type: ignore[no-untyped-def]
    from election.extensions import db
    from tests import factories

    with app.app_context():
        world = factories.voting_election(per_group=3, candidates_per_group=5)
        db.session.commit()
        round_ = world["rounds"][factories.PartnerGroup.GMINA]
        return round_.id, [c.id for c in round_.candidates], round_.seats


def bulk_insert(app, round_id: int, candidates: list[int], seats: int, n: int) -> float:  # type: ignore[no-untyped-def]
    from election.extensions import db

    rng = random.Random(7)
    codes = receipt_codes(n)
    start = time.perf_counter()
    with app.app_context():
        engine = db.engine
        raw = engine.raw_connection()
        try:
            cur = raw.cursor()
            batch = 100_000
            for offset in range(0, n, batch):
                ballots = []
                choices = []
                for i in range(offset, min(n, offset + batch)):
                    bid = secrets.token_hex(16)
                    ballots.append((bid, round_id, codes[i]))
                    k = rng.randint(0, seats)
                    for cid in rng.sample(candidates, k):
                        choices.append((bid, cid))
                if engine.dialect.name == "sqlite":
                    cur.execute("BEGIN")
                    cur.executemany(
                        "INSERT INTO ballots (id, round_id, receipt) VALUES (?, ?, ?)", ballots
                    )
                    cur.executemany(
                        "INSERT INTO ballot_choices (ballot_id, candidate_id) VALUES (?, ?)",
                        choices,
                    )
                    cur.execute("COMMIT")
                else:
                    with cur.copy("COPY ballots (id, round_id, receipt) FROM STDIN") as copy:
                        for row in ballots:
                            copy.write_row(row)
                    with cur.copy(
                        "COPY ballot_choices (ballot_id, candidate_id) FROM STDIN"
                    ) as copy:
                        for row in choices:
                            copy.write_row(row)
                    raw.commit()
        finally:
            raw.close()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--ballots", type=int, default=1_000_000)
    args = parser.parse_args()

    database = common.fresh_database(args.db, name="bench_tally")
    os.environ.update(common.app_env(database))
    from sqlalchemy import text

    from election import create_app
    from election.audit.service import Actor
    from election.extensions import db
    from election.tally import counting as tally
    from election.voting.models import Round, RoundStatus

    app = create_app({"SQLALCHEMY_DATABASE_URI": database.url})
    round_id, candidates, seats = setup_round(app, args.ballots)
    insert_s = bulk_insert(app, round_id, candidates, seats, args.ballots)
    if database.kind == "postgresql":
        with app.app_context(), db.engine.begin() as conn:
            conn.execute(text("ANALYZE ballots"))
            conn.execute(text("ANALYZE ballot_choices"))

    with app.app_context():
        round_ = db.session.get(Round, round_id)
        round_.status = RoundStatus.CLOSED
        db.session.flush()
        start = time.perf_counter()
        aggregate = db.session.execute(
            text(
                "SELECT c.candidate_id, count(*) FROM ballot_choices c "
                "JOIN ballots b ON b.id = c.ballot_id WHERE b.round_id = :r "
                "GROUP BY c.candidate_id"
            ),
            {"r": round_id},
        ).all()
        aggregation_s = time.perf_counter() - start
        start = time.perf_counter()
        tally.count_round(db.session, Actor.system("bench"), round_)
        db.session.commit()
        tally_s = time.perf_counter() - start
        total_votes = sum(n for _c, n in aggregate)

    common.print_table(
        f"Tally of {args.ballots:,} ballots on {database.kind}",
        [
            ("bulk insert (not a target)", f"{insert_s:.1f} s"),
            ("votes counted", f"{total_votes:,}"),
            ("SQL aggregation alone", f"{aggregation_s * 1000:.0f} ms"),
            ("count_round (aggregation + pure count + store)", f"{tally_s * 1000:.0f} ms"),
            ("target", "< 2000 ms"),
        ],
    )


if __name__ == "__main__":
    main()
