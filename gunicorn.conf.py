"""gunicorn's settings for Rada SEKAP, read from the working directory (the checkout) at
start; the command line still chooses workers, address and logs (``docs/deploy.md``).

* The access and error logs go through :class:`RedactingLogger`: a password link's or
  projector link's secret, present only in the first request of that link, is replaced
  by ``[redacted]`` (``election/auth/access_log.py``).
* ``on_starting`` warns loudly when several worker processes would keep their rate
  limits each in its own memory (no ``REDIS_URL``): each would then allow the full
  number of login attempts, and a guesser gets that many times more tries.
"""

from __future__ import annotations

from typing import Any

from gunicorn.glogging import Logger

from election.auth.access_log import REDACT_SECRETS
from election.config import rate_limits_shared

WARNING = """
************************************************************************************
*  WARNING: {workers} worker processes and no REDIS_URL.
*  Rate limits (login, two-factor step, password reset) are counted by each worker
*  on its own, so every limit is {workers} times looser than configured. Set
*  REDIS_URL=redis://127.0.0.1:6379/0 (docs/deploy.md) or run a single worker.
************************************************************************************
"""


class RedactingLogger(Logger):
    """gunicorn's logger, with the secrets of access links taken out of every line."""

    def setup(self, cfg: Any) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            log.addFilter(REDACT_SECRETS)


logger_class = RedactingLogger


def on_starting(server: Any) -> None:
    """Before the workers start: warn when they would not share their rate limits."""
    workers = server.cfg.workers
    if workers > 1 and not rate_limits_shared():
        # At error level, so that ``--log-level error`` (or warning) still shows it.
        server.log.error(WARNING.format(workers=workers))
