"""Load generator (locust, headless, in-process) — run as its own process.

    python benchmarks/loadgen.py hello  BASE CONCURRENCY SECONDS
    python benchmarks/loadgen.py insert BASE CONCURRENCY SECONDS
    python benchmarks/loadgen.py cast   BASE CONCURRENCY VOTERS_FILE

Prints one line ``LOAD {json}``: requests, failures, elapsed, rps, p50/p95/p99 (ms).
In ``cast`` mode every line of VOTERS_FILE (path, session cookie, form body) is sent
exactly once; the run ends when the last one is answered. A cast succeeds when it is
answered with the receipt page (200, the tracking code on it).
"""

from gevent import monkey

monkey.patch_all()

import collections  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from http.cookiejar import DefaultCookiePolicy  # noqa: E402

import gevent  # noqa: E402
from locust import FastHttpUser, constant, task  # noqa: E402
from locust.env import Environment  # noqa: E402
from locust.exception import StopUser  # noqa: E402

MODE, BASE, CONCURRENCY, ARG = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
VOTERS: collections.deque[tuple[str, str, str]] = collections.deque()
STATE = {"inflight": 0, "first": 0.0, "last": 0.0}


class Load(FastHttpUser):
    host = BASE
    wait_time = constant(0)

    def on_start(self) -> None:
        # Each request carries its own voter's cookie; never replay a stored one.
        self.client.cookiejar.set_policy(DefaultCookiePolicy(allowed_domains=[]))

    @task
    def work(self) -> None:
        if MODE == "hello":
            self.client.get("/bench/hello", name="hello")
            return
        if MODE == "insert":
            self.client.post("/bench/insert", name="insert")
            return
        try:
            path, cookie, body = VOTERS.popleft()
        except IndexError:
            raise StopUser() from None
        STATE["inflight"] += 1
        STATE["first"] = STATE["first"] or time.perf_counter()
        with self.client.post(
            path,
            data=body,
            headers={
                "Cookie": f"session={cookie}",
                "Content-Type": "application/x-www-form-urlencoded",
            },
            allow_redirects=False,
            catch_response=True,
            name="cast",
        ) as response:
            # The answer to a cast is the receipt page itself (never a redirect).
            if response.status_code == 200 and "receipt-code" in (response.text or ""):
                response.success()
            else:
                response.failure(f"status {response.status_code}")
        STATE["inflight"] -= 1
        STATE["last"] = time.perf_counter()


def main() -> None:
    if MODE == "cast":
        with open(ARG) as f:
            for line in f:
                if line.strip():
                    path, cookie, body = line.rstrip("\n").split("\t")
                    VOTERS.append((path, cookie, body))
    env = Environment(user_classes=[Load])
    runner = env.create_local_runner()
    start = time.perf_counter()
    runner.start(CONCURRENCY, spawn_rate=CONCURRENCY)
    if MODE == "cast":
        total = len(VOTERS)
        deadline = start + 300
        while (VOTERS or STATE["inflight"]) and time.perf_counter() < deadline:
            gevent.sleep(0.01)
        elapsed = STATE["last"] - STATE["first"]
        expected = total
    else:
        gevent.sleep(float(ARG))
        elapsed = time.perf_counter() - start
        expected = None
    runner.quit()
    stats = env.stats.total
    figures = {
        "requests": stats.num_requests,
        "failures": stats.num_failures,
        "expected": expected,
        "elapsed_s": elapsed,
        "rps": stats.num_requests / elapsed if elapsed else 0.0,
        "p50_ms": stats.get_response_time_percentile(0.50),
        "p95_ms": stats.get_response_time_percentile(0.95),
        "p99_ms": stats.get_response_time_percentile(0.99),
        "errors": {str(k): v.occurrences for k, v in env.stats.errors.items()},
    }
    print("LOAD " + json.dumps(figures), flush=True)


if __name__ == "__main__":
    main()
