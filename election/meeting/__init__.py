"""The chair's console: the dashboard with the next step on top, the projector, and the
corrections of the meeting (annulling a round, a withdrawal after publication, a
Partner added to the roll).

On top of the layers (with api, cli, demo, home): one page may show the tally's results,
the attendance, the Council and its certification together. The next step itself is
:mod:`election.meeting.guide`.
"""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("meeting", __name__)

# The route modules register their views on ``bp``.
from election.meeting import corrections, views  # noqa: E402, F401
