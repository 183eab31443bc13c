"""The chair's steps: what a step of the guidance is (:mod:`election.meeting.guide`)."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext


class StepCode(enum.StrEnum):
    """What a step of the rounds asks for; stable, so tests and the dashboard can rely on
    it. The Council's steps have codes of their own (``election.council.guide``)."""

    # before voting
    OPEN_NOMINATIONS = "open_nominations"
    REVIEW_NOMINATIONS = "review_nominations"
    NO_CANDIDATES = "no_candidates"
    PUBLISH_CANDIDATES = "publish_candidates"
    PREPARE_RULES = "prepare_rules"
    OPEN_RULES_MOTION = "open_rules_motion"
    CLOSE_RULES_MOTION = "close_rules_motion"
    START_VOTING = "start_voting"
    # voting, per group (the reasons of :class:`election.tally.closing.Unfinished`)
    OPEN_ROUNDS = "open_rounds"
    OPEN_ROUND = "open_round"
    CLOSE_ROUND = "close_round"
    ENTER_PAPER = "enter_paper"
    FINISH_PAPER = "finish_paper"
    TELLERS = "tellers"
    ANNUL_UNCOUNTED = "annul_uncounted"
    REPEAT_ROUND = "repeat_round"
    OPEN_RUNOFF = "open_runoff"
    DRAW_LOTS = "draw_lots"
    LOTS_IN_ROOM = "lots_in_room"
    CLOSE_VOTING = "close_voting"


@dataclass(frozen=True)
class Step:
    """One thing the chair should do now.

    ``message`` is a Polish msgid with ``params`` (lazy labels or plain values);
    ``notes`` are further sentences of the same kind. ``endpoint`` and ``values`` name
    the action: ``method`` "post" is a button (``confirm``: it asks for a tick first),
    "get" a link to the page that does it, ``None`` no action (the words say who acts).
    """

    #: A :class:`StepCode`, or the Council's own code (``council.…``).
    code: str
    message: str
    params: dict[str, Any] = field(default_factory=dict)
    endpoint: str | None = None
    values: dict[str, Any] = field(default_factory=dict)
    method: str | None = "get"
    label: str | None = None
    group: str | None = None
    round_id: int | None = None
    confirm: bool = False
    notes: tuple[tuple[str, dict[str, Any]], ...] = ()

    @property
    def text(self) -> str:
        """The step's words in the reader's language (its parameters translated too)."""
        return _translate(self.message, self.params)

    @property
    def note_texts(self) -> list[str]:
        return [_translate(message, params) for message, params in self.notes]


def _translate(message: str, params: dict[str, Any]) -> str:
    values = {k: gettext(v) if isinstance(v, str) else v for k, v in params.items()}
    return gettext(message, **values)
