"""The Council's part of the next step: what it still lacks, then its certification.

The Council's own states — a group short of candidates (supplementary nominations or a
vacancy), appointments missing, one person in two seats, certification, and during the
term the seats a by-election or a replacement must fill — are the Council's to know:
:func:`election.council.guide.council_steps` says them, and this module only turns
each into a :class:`~election.meeting.steps.Step` (a link to the page that acts; the
Council's pages ask for what they need, e.g. a confirmation before certifying). A new
state of the Council adds its step there, with its own code.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from election.council.guide import council_steps as council_guide
from election.elections.models import Election
from election.meeting.steps import Step


def council_steps(session: Session, election: Election) -> list[Step]:
    """The Council's steps (codes ``council.…``), in the Council's order."""
    return [
        Step(
            step.code,
            step.message,
            dict(step.params),
            step.endpoint,
            dict(step.args),
            method="get" if step.endpoint else None,
            group=step.group,
        )
        for step in council_guide(session, election)
    ]
