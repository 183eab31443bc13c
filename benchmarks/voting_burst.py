"""A voting burst against gunicorn, with the ceilings of the same stack measured alongside.

    .venv/bin/python -m benchmarks.voting_burst --db sqlite
    .venv/bin/python -m benchmarks.voting_burst --db postgresql
    .venv/bin/python -m benchmarks.voting_burst --db sqlite --voters 50 --seconds 2   # smoke

Builds a secret election with N synthetic Partners and reps (plus the real 184 on the
roll), logs every rep in beforehand (in-process), then serves the app with gunicorn (4
workers) and lets locust (concurrency 50, its own process) cast every ballot once — each
encrypted with its proofs (``docs/ballot-box.md``). In the same run: a trivial endpoint,
a one-insert-and-commit endpoint, the raw commit rate, and the in-process CPU cost of
encrypting and proving one ballot of the round. The floor the cast is held to is
``1 / (crypto cost + one-insert cost)``, the one-insert cost being the time per request
of the one-insert endpoint at the same concurrency (``1 / its throughput``). Afterwards
it checks that exactly N encrypted ballots and N roll marks are stored, and no plaintext
ballot.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from benchmarks import common
from tests.support import burst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--voters", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--concurrency", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=10, help="for each ceiling run")
    args = parser.parse_args()

    database = common.fresh_database(args.db, name="bench_burst")
    os.environ.update(common.app_env(database))
    from sqlalchemy import func, select

    from election import create_app
    from election.extensions import db
    from election.voting.models import Ballot, EncryptedBallot, RollMark

    load_before = common.load_average()
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database.url,
            "SECRET_KEY": "benchmark-secret-key",
            # The ballot box's key file goes here, not into the checkout's instance folder.
            "INSTANCE_PATH": tempfile.mkdtemp(prefix="bench-instance-"),
        }
    )
    started = time.perf_counter()
    election_id, round_of = burst.seed(app, args.voters)
    voters_file = Path(tempfile.mkdtemp(prefix="bench-")) / "voters.tsv"
    voters_file.write_text("\n".join(v.line() for v in burst.log_in(app, election_id, round_of)))
    prepared = time.perf_counter() - started

    crypto_s = common.crypto_cost(app, election_id)
    commit_rate = common.raw_commit_rate(database)
    with common.gunicorn(database, workers=args.workers) as (base, master):
        hello = common.load("hello", base, args.concurrency, str(args.seconds))
        insert = common.load("insert", base, args.concurrency, str(args.seconds))
        workers = common.worker_pids(master)
        cpu_before = common.cpu_seconds(workers)
        cast = common.load("cast", base, args.concurrency, str(voters_file))
        worker_cpu = common.cpu_seconds(workers) - cpu_before
        peak = max(common.peak_rss_mb(pid) for pid in workers)
    load_after = common.load_average()

    with app.app_context():
        ballots = db.session.scalar(select(func.count()).select_from(EncryptedBallot))
        plaintext = db.session.scalar(select(func.count()).select_from(Ballot))
        marks = db.session.scalar(select(func.count()).select_from(RollMark))
    cast_seconds = cast["elapsed_s"]
    cast_rate = args.voters / cast_seconds
    insert_s = 1 / insert["rps"]
    floor = 1 / (crypto_s + insert_s)
    common.print_table(
        f"Voting burst on {database.kind}: {args.voters} voters, {args.workers} workers, "
        f"concurrency {args.concurrency}",
        [
            ("setup + logins (in-process, not a target)", f"{prepared:.1f} s"),
            ("load average before / after the burst", f"{load_before} / {load_after}"),
            ("crypto: encrypt + prove one ballot (CPU)", f"{crypto_s * 1000:.2f} ms"),
            ("raw INSERT+COMMIT loop", f"{commit_rate:,.0f} commits/s"),
            (
                "ceiling: trivial endpoint",
                f"{hello['rps']:,.0f} req/s (p99 {hello['p99_ms']:.1f} ms)",
            ),
            (
                "ceiling: one-insert endpoint",
                f"{insert['rps']:,.0f} req/s "
                f"(p99 {insert['p99_ms']:.1f} ms, failures {insert['failures']})",
            ),
            ("cast: all ballots accepted in", f"{cast_seconds:.2f} s"),
            ("cast throughput", f"{cast_rate:,.0f} ballots/s"),
            (
                "workers' CPU per cast; cores they got",
                f"{worker_cpu / args.voters * 1000:.1f} ms; "
                f"{worker_cpu / cast_seconds:.2f} of {os.cpu_count()} (the rest: locust, "
                "the database, other work)",
            ),
            (
                "cast latency p50 / p95 / p99",
                f"{cast['p50_ms']:.1f} / {cast['p95_ms']:.1f} / {cast['p99_ms']:.1f} ms",
            ),
            ("cast failures", f"{cast['failures']} {cast['errors'] or ''} (target 0)"),
            ("ratio cast / trivial endpoint", f"{cast_rate / hello['rps']:.0%}"),
            (
                "ratio cast / one-insert endpoint",
                f"{cast_rate / insert['rps']:.0%}",
            ),
            ("ratio cast / raw commit", f"{cast_rate / commit_rate:.0%}"),
            (
                "floor 1 / (crypto + one-insert cost)",
                f"1 / ({crypto_s * 1000:.2f} + {insert_s * 1000:.2f} ms) = {floor:,.0f} ballots/s",
            ),
            ("ratio cast / floor", f"{cast_rate / floor:.2f} (target >= 0.5)"),
            (
                "stored encrypted ballots / roll marks / plaintext",
                f"{ballots} / {marks} / {plaintext} (expected {args.voters} / {args.voters} / 0)",
            ),
            ("peak RSS of a worker", f"{peak:.0f} MB (target < 150 MB)"),
        ],
    )
    if ballots != args.voters or marks != args.voters or plaintext or cast["failures"]:
        raise SystemExit("FAILED: not every ballot was stored exactly once")


if __name__ == "__main__":
    main()
