"""A round's planned closing time as every page shows it: "Planowane zamknięcie: 10:45
(za 12 min)", the time in Europe/Warsaw, rendered on the server (complete without
JavaScript; ``static/js/countdown.js`` counts the minutes down). Templates call the
global ``planned_close(round)`` through ``templates/voting/_planned_close.html``."""

from __future__ import annotations

import dataclasses
import datetime as dt

from flask_babel import format_time
from flask_babel import gettext as _

from election.db import utcnow
from election.voting.close_plan import minutes_left, shown_plan
from election.voting.models import Round
from election.voting.views import bp


@dataclasses.dataclass(frozen=True)
class PlannedClose:
    """What a page shows of a round's plan."""

    #: The planned time (UTC) and the time of day in Warsaw ("10:45").
    at: dt.datetime
    clock: str
    #: "za 12 min", or "czas minął" once the time has come.
    left: str
    #: Milliseconds left when the page was rendered (the script counts from there, so
    #: a wrong clock on the user's device does not matter).
    left_ms: int


def left_text(minutes: int) -> str:
    """The countdown's words: "za 12 min"; "czas minął" at 0."""
    if minutes <= 0:
        return _("czas minął")
    return _("za %(minutes)s min", minutes=minutes)


def clock_text(when: dt.datetime) -> str:
    """A time of day in Warsaw, ``HH:mm`` (Babel converts to the app's time zone)."""
    return format_time(when, "HH:mm")


@bp.app_template_global("planned_close")
def planned_close(round_: Round | None, now: dt.datetime | None = None) -> PlannedClose | None:
    """The round's plan as shown, or ``None`` (no plan, or the round has closed)."""
    when = shown_plan(round_) if round_ is not None else None
    if when is None:
        return None
    now = now or utcnow()
    return PlannedClose(
        at=when,
        clock=clock_text(when),
        left=left_text(minutes_left(when, now)),
        left_ms=max(0, int((when - now).total_seconds() * 1000)),
    )
