"""The live views' data: what the dashboard and the projector show per group, and the
JSON their pages poll (``static/js/live.js`` swaps a group whose key changed).

Everything is computed from the database on each call, so any app process can answer.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from flask import render_template
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from election.elections.models import PHASE_LABELS, Election
from election.labels import GROUP_LABELS
from election.partners.models import PartnerGroup
from election.tally.display import (
    NEXT_STEP_LABELS,
    ROUND_STATUS_LABELS,
    pct,
    round_title,
    template_globals,
)
from election.tally.results import GroupResults, results


def group_data(g: GroupResults) -> dict[str, Any]:
    """What the live views show of a group, as JSON (counts only when they may be shown)."""
    current = g.current
    data: dict[str, Any] = {
        "seats": g.seats,
        "roll": current.roll if current else g.roll,
        "voted": current.voted if current else 0,
        "online": current.online if current else 0,
        "paper": current.paper if current else 0,
        "percent": current.percent if current else 0.0,
        "complete": g.status.complete,
        "elected": [c.full_name for c in g.status.elected],
        "rounds": len(g.rounds),
        "round": None,
    }
    if current is not None:
        data["round"] = {
            "id": current.round.id,
            "number": current.number,
            "kind": current.kind.value,
            "status": current.status.value,
            "counted": current.counted,
            "valid": current.tally.valid if current.tally else None,
            "tied": [c.full_name for c in current.tied_candidates],
            "lots": current.lots is not None,
            "next_step": current.next_step.value if current.next_step else None,
            # What a closed round waits for, and the papers entered so far: the section
            # is redrawn when either changes (paper → tellers, one more paper entered).
            "awaiting": current.awaiting.value if current.awaiting else None,
            "paper_entered": current.round.paper_entered,
            # The chair's planned closing time (UTC, ISO 8601, or None): the section is
            # redrawn when it is set, moved or cleared.
            "planned_close_at": (
                current.round.planned_close_at.isoformat()
                if current.round.planned_close_at
                else None
            ),
            "candidates": [
                {
                    "name": line.candidate.full_name,
                    "votes": line.votes,
                    "elected": line.elected,
                    "tied": line.tied,
                }
                for line in current.lines
            ],
        }
    return data


def summary(group: PartnerGroup, g: GroupResults) -> str:
    """One sentence for the screen reader's live region."""
    current = g.current
    label = str(GROUP_LABELS[group])
    if current is None:
        return _("%(group)s: brak tury głosowania.", group=label)
    text = _(
        "%(group)s, %(round)s: %(status)s; głosowało %(voted)s z %(roll)s (%(percent)s).",
        group=label,
        round=round_title(current),
        status=ROUND_STATUS_LABELS[current.status],
        voted=current.voted,
        roll=current.roll,
        percent=pct(current.percent),
    )
    if g.status.complete:
        text += " " + _(
            "Wybrani: %(names)s.", names=", ".join(c.full_name for c in g.status.elected)
        )
    elif current.next_step is not None:
        text += " " + str(NEXT_STEP_LABELS[current.next_step])
    return text


def change_key(election: Election, data: dict[str, Any]) -> str:
    """A short digest of what a live section shows: the page redraws it when it changes."""
    raw = json.dumps([election.phase.value, data], sort_keys=True, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()[:16]


def live(session: Session, election: Election, mode: str) -> dict[str, Any]:
    """Everything a live page shows: per group its data, a change key, a sentence for the
    screen reader and the :class:`GroupResults` its HTML is rendered from."""
    groups: dict[str, Any] = {}
    for group, g in results(session, election).groups.items():
        data = group_data(g)
        groups[group.value] = {
            **data,
            "key": change_key(election, data),
            "summary": summary(group, g),
            "group": g,
        }
    return {"election": election, "groups": groups, "mode": mode}


def live_payload(
    session: Session, election: Election, mode: str, data: dict[str, Any] | None = None
) -> dict[str, Any]:
    """The JSON the live pages poll: the election's phase, and per group its numbers, a
    key that changes with them and its HTML as the page renders it (so the page and the
    update never disagree). ``mode`` is "dashboard" or "projector"; ``data`` is
    :func:`live` when the caller has it already."""
    env = template_globals()
    groups: dict[str, Any] = {}
    for value, entry in (data or live(session, election, mode))["groups"].items():
        entry = dict(entry)
        group = entry.pop("group")
        entry["html"] = render_template(
            "tally/_live_group.html", g=group, mode=mode, election=election, **env
        )
        groups[value] = entry
    return {
        "election": {
            "id": election.id,
            "phase": election.phase.value,
            "phase_label": _(PHASE_LABELS[election.phase]),
        },
        "groups": groups,
    }
