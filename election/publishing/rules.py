"""Pure logic of publishing: retry timing, the worker's sleep, the Moodle address, masking
the token. (The posts' HTML is :mod:`election.publishing.posts`.)"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit, urlunsplit

#: First retry after this; doubled at every failure, capped by :data:`MAX_DELAY`.
BASE_DELAY = dt.timedelta(seconds=30)
MAX_DELAY = dt.timedelta(hours=1)

#: The worker looks at the outbox at least this often (seconds), for entries queued by
#: other processes, so an entry is sent within a minute of its commit.
WORKER_INTERVAL = 30.0
#: Never sooner than this after a run (a clock skew or a race must not make it spin).
WORKER_MIN_SLEEP = 0.5


def retry_delay(attempts: int) -> dt.timedelta:
    """How long to wait after the ``attempts``-th failure: 30 s, 1 min, 2 min … ≤ 1 h."""
    exponent = max(attempts - 1, 0)
    if exponent > 16:  # 30 s · 2^16 is far past the cap; avoid huge numbers
        return MAX_DELAY
    return min(BASE_DELAY * (2**exponent), MAX_DELAY)


def worker_sleep(
    next_due: dt.datetime | None, now: dt.datetime, interval: float, *, progressed: bool = False
) -> float:
    """Seconds the worker sleeps after a run: until the next due entry, at most
    ``interval``. An entry still due right after a run was queued again while it was
    being sent (``progressed``: the run sent something) — it goes at once; otherwise
    nothing could be tried (say, the connection is not configured) and the worker waits
    the whole ``interval``."""
    if next_due is None:
        return interval
    if next_due <= now:
        return WORKER_MIN_SLEEP if progressed else interval
    return max(min((next_due - now).total_seconds(), interval), WORKER_MIN_SLEEP)


def mask_token(token: str) -> str:
    """What the admin page may show of a token: its last four characters at most."""
    if not token:
        return ""
    if len(token) < 12:
        return "••••"
    return "••••" + token[-4:]


#: Moodle scripts and folders an address copied from a browser or a tutorial may end
#: with; the app needs the site's home (``…/webservice/rest/server.php`` is added by it).
_MOODLE_PATHS = re.compile(
    r"/(?:webservice(?:/rest(?:/(?:server|simpleserver)\.php)?|/upload\.php|/pluginfile\.php)?"
    r"|login(?:/(?:index|token)\.php)?|my(?:/index\.php)?|course/view\.php|admin(?:/.*)?"
    r"|index\.php)/?$",
    re.IGNORECASE,
)


def normalise_base_url(url: str) -> str:
    """The Moodle site's home for an address given by someone: spaces, a query (it may
    hold a token), a fragment, trailing slashes and a Moodle script path are dropped —
    ``https://lms.example.pl/webservice/rest/server.php?wstoken=…`` →
    ``https://lms.example.pl``. A Moodle in a folder keeps its folder."""
    url = url.strip()
    if not url:
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:  # "https://[" …: left as given; Moodle is then not reached
        return url.rstrip("/")
    path = parts.path.rstrip("/")
    while True:
        shorter = _MOODLE_PATHS.sub("", path).rstrip("/")
        if shorter == path:
            break
        path = shorter
    return urlunsplit((parts.scheme, parts.netloc, path, "", "")).rstrip("/")
