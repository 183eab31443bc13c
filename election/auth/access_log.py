"""Access logs without the secrets of access links.

Two links carry a secret in their URL because they arrive by email or are typed into
a projector's browser: a password link (``/password/<token>``) and the projector link
(``…/projector?token=…``). Each is exchanged for a session claim on its first visit and
the browser goes on to a clean URL, so only that first request line holds the secret.
This filter takes it out of that line too — in werkzeug's log (``flask run``), in
gunicorn's access and error logs (``gunicorn.conf.py``) and in the app's own log.

Nothing else is taken out: the app's URLs carry no other secret (a receipt check posts
its code), and a filter is a second line of defence, not the first.
"""

from __future__ import annotations

import logging
import re

#: What replaces a secret in a log line.
REDACTED = "[redacted]"

#: A password link's token (itsdangerous: payload.timestamp.signature, always with dots;
#: ``/password/forgot`` and ``/password/set`` have none), and a ``token`` parameter.
_SECRETS = (
    (re.compile(r"(/password/)[A-Za-z0-9_-]+\.[A-Za-z0-9_.-]+"), r"\1" + REDACTED),
    (re.compile(r"([?&;]token=)[^&;\s\"']*"), r"\1" + REDACTED),
)


def redact(line: str) -> str:
    """``line`` with the secrets of access links replaced by ``[redacted]``."""
    for pattern, replacement in _SECRETS:
        line = pattern.sub(replacement, line)
    return line


class RedactSecrets(logging.Filter):
    """A logging filter that formats each record and takes the secrets out of it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True


#: One filter for every logger (adding the same filter twice is a no-op).
REDACT_SECRETS = RedactSecrets()


def install(*loggers: logging.Logger) -> None:
    """Put the filter on ``loggers`` and on werkzeug's request log."""
    for logger in (logging.getLogger("werkzeug"), *loggers):
        logger.addFilter(REDACT_SECRETS)
