"""Live latency and page weight, in headless Chromium against gunicorn.

    .venv/bin/python -m benchmarks.live_latency --db sqlite --casts 50

1. The chair's dashboard is open in Chromium; ballots are cast one by one over HTTP;
   for each, the time from the cast's response to the dashboard showing the new
   turnout (its group's live section redrawn) — median and p95.
2. Bytes transferred for the ballot page and the dashboard: first load (empty cache)
   and a second load (cache warm), and the number of requests.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from benchmarks import common
from tests.support import burst

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--headless",
]


def weigh(context, url: str) -> tuple[int, int, int, int]:  # type: ignore[no-untyped-def]
    """Bytes and requests of a first load and of a load with a warm cache."""
    totals = []
    for _ in range(2):
        page = context.new_page()
        sizes: list[int] = []

        def on_finished(request, sizes=sizes):  # type: ignore[no-untyped-def]
            # Bytes that crossed the network: zero body for what the cache served.
            transferred = request.sizes()
            sizes.append(transferred["responseBodySize"] + transferred["responseHeadersSize"])

        page.on("requestfinished", on_finished)
        page.goto(url)
        page.wait_for_load_state("networkidle")
        totals.append((sum(sizes), len(sizes)))
        page.close()
    return totals[0][0], totals[0][1], totals[1][0], totals[1][1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--casts", type=int, default=50)
    args = parser.parse_args()

    from playwright.sync_api import sync_playwright
    from werkzeug.security import generate_password_hash

    database = common.fresh_database(args.db, name="bench_live")
    os.environ.update(common.app_env(database))
    from election import create_app
    from election.auth.models import Role, User
    from election.extensions import db

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database.url,
            "RATELIMIT_ENABLED": False,
            "SECRET_KEY": "benchmark-secret-key",
        }
    )
    election_id, round_of = burst.seed(app, args.casts, real_partners=False)
    voters = burst.log_in(app, election_id, round_of)
    with app.app_context():
        db.session.add(
            User(
                email="chair@bench.local",
                full_name="Przewodniczący",
                role=Role.CHAIR,
                password_hash=generate_password_hash(burst.PASSWORD),
            )
        )
        db.session.commit()
        group_of_round = {
            r: g for r, g in db.session.execute(db.text('SELECT id, "group" FROM rounds')).all()
        }

    latencies: list[float] = []
    with common.gunicorn(database) as (base, _master), sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        chair = browser.new_context(base_url=base)
        page = chair.new_page()
        page.goto("/login")
        page.fill("input[name=email]", "chair@bench.local")
        page.fill("input[name=password]", burst.PASSWORD)
        page.click("main button[type=submit]")
        page.wait_for_load_state("networkidle")
        page.goto(f"/results/{election_id}/dashboard")
        page.wait_for_load_state("networkidle")
        if "/dashboard" not in page.url:
            raise SystemExit(f"the chair could not open the dashboard (at {page.url})")
        import http.client

        for voter in voters:
            group = group_of_round[int(voter.path.split("/")[4])]
            selector = f'[data-live-group="{group}"]'
            before = page.get_attribute(selector, "data-key")
            conn = http.client.HTTPConnection(base.removeprefix("http://"))
            conn.request(
                "POST",
                voter.path,
                body=voter.body,
                headers={
                    "Cookie": f"session={voter.cookie}",
                    "Content-Type": "application/x-www-form-urlencoded",
                },
            )
            status = conn.getresponse().status
            answered = time.perf_counter()
            conn.close()
            assert status == 303, status
            page.wait_for_function(
                "([sel, old]) => document.querySelector(sel).getAttribute('data-key') !== old",
                arg=[selector, before],
                timeout=10_000,
                polling=10,
            )
            latencies.append(time.perf_counter() - answered)

        fresh = browser.new_context(base_url=base)
        dashboard = weigh(chair, f"{base}/results/{election_id}/dashboard")
        rep = browser.new_context(base_url=base)
        rep.add_cookies([{"name": "session", "value": voters[0].cookie, "url": base}])
        ballot_url = voters[0].path.removesuffix("/cast")
        ballot = weigh(rep, f"{base}{ballot_url}")
        public = weigh(fresh, f"{base}/public/elections/{election_id}/candidates")
        browser.close()

    latencies.sort()
    p95 = latencies[max(0, int(len(latencies) * 0.95) - 1)]
    common.print_table(
        f"Live latency over {len(latencies)} casts on {database.kind}",
        [
            (
                "cast response -> dashboard shows it, median",
                f"{statistics.median(latencies) * 1000:.0f} ms",
            ),
            ("p95", f"{p95 * 1000:.0f} ms (target < 1000 ms)"),
            ("max", f"{latencies[-1] * 1000:.0f} ms"),
        ],
    )
    common.print_table(
        "Page weight (bytes transferred incl. headers; requests)",
        [
            (
                "ballot page, first load",
                f"{ballot[0] / 1024:.1f} KB in {ballot[1]} requests (target < 60 KB)",
            ),
            ("ballot page, cached", f"{ballot[2] / 1024:.1f} KB in {ballot[3]} requests"),
            ("dashboard, first load", f"{dashboard[0] / 1024:.1f} KB in {dashboard[1]} requests"),
            ("dashboard, cached", f"{dashboard[2] / 1024:.1f} KB in {dashboard[3]} requests"),
            ("public candidates page, first load", f"{public[0] / 1024:.1f} KB"),
        ],
    )


if __name__ == "__main__":
    main()
