"""gunicorn (``gunicorn.conf.py``, read from the checkout) warns loudly when several
workers would each keep their own rate limits."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.support.web import ROOT, free_port

LOUD = "WARNING: 2 worker processes and no REDIS_URL."


def gunicorn_output(tmp_path: Path, workers: int, **env_extra: str) -> str:
    """What gunicorn writes from its start until its workers have booted."""
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "GUNICORN_CMD_ARGS")}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'warning.db'}",
        SECRET_KEY="worker-warning-test",
        PYTHONPATH=str(ROOT),
        **env_extra,
    )
    log = tmp_path / "gunicorn.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{free_port()}",
                # As quiet as the test servers run: the warning must still show.
                "--log-level",
                "error",
                "election:create_app()",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 30
        # The hook runs before the workers start; give it until they have.
        while time.monotonic() < deadline and process.poll() is None:
            if (
                len(
                    subprocess.run(
                        ["pgrep", "-P", str(process.pid)], capture_output=True
                    ).stdout.split()
                )
                >= workers
            ):
                break
            time.sleep(0.2)
        time.sleep(0.5)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)
    return log.read_text()


def test_two_workers_without_redis_print_a_loud_warning(tmp_path):
    output = gunicorn_output(tmp_path, 2)
    assert LOUD in output, output
    assert "REDIS_URL=redis://" in output


@pytest.mark.parametrize(
    ("workers", "env"),
    [(1, {}), (2, {"REDIS_URL": "redis://127.0.0.1:6379/13"})],
    ids=["one worker", "with REDIS_URL"],
)
def test_no_warning_when_the_limits_are_shared_or_there_is_one_process(tmp_path, workers, env):
    output = gunicorn_output(tmp_path, workers, **env)
    assert "no REDIS_URL" not in output, output
