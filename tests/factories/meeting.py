"""Builders for the meeting's tests: an election in voting whose rounds are opened, voted
in and closed through the real services (ballots cast by the reps, encrypted in a secret
election), so every count, tie and repeat is the app's own."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from election.audit.service import Actor
from election.extensions import db
from election.partners.models import GROUPS, PartnerGroup
from election.voting import ballots, rounds
from election.voting.models import Round
from tests.factories.voting import election_without_rounds


def chair_actor(world: dict[str, Any]) -> Actor:
    return Actor(world["chair"].id, world["chair"].email)


def meeting(
    per_group: int = 3,
    candidates_per_group: int = 3,
    *,
    seats: int = 1,
    secret: bool = False,
    **fields: Any,
) -> dict[str, Any]:
    """An election in voting, its Regulamin adopted, every group's round 1 open.

    ``seats`` seats in every group; the world of
    :func:`tests.factories.voting.election_without_rounds` plus ``"rounds"``.
    """
    world = election_without_rounds(
        per_group,
        candidates_per_group,
        secret=secret,
        seats_gmina=seats,
        seats_powiat=seats,
        seats_miasto_npp=seats,
        **fields,
    )
    rounds.open_all(db.session, chair_actor(world), world["election"])
    world["rounds"] = {g: rounds.latest_round(db.session, world["election"], g) for g in GROUPS}
    return world


def vote(
    world: dict[str, Any], round_: Round, choices: Sequence[Sequence[Any]], *, skip: int = 0
) -> None:
    """The group's reps (from the ``skip``-th on) vote the given ballots (candidates or
    ids), one each, through the voting service."""
    reps = world["reps"][round_.group][skip:]
    assert len(choices) <= len(reps)
    for rep, chosen in zip(reps, choices, strict=False):
        ids = [c if isinstance(c, int) else c.id for c in chosen]
        ballots.cast_ballot(db.session, Actor(rep.id, rep.email), rep, round_, ids)


def close(world: dict[str, Any], round_: Round) -> Round:
    """Close (and so count) the round through the voting service."""
    return rounds.close_round(db.session, chair_actor(world), round_)


def decide(world: dict[str, Any], group: PartnerGroup, winners: Sequence[Any]) -> Round:
    """Every rep of the group votes for ``winners`` in the group's latest round (opened
    if pending), which is then closed and counted."""
    round_ = rounds.latest_round(db.session, world["election"], group)
    assert round_ is not None
    if round_.status.value == "pending":
        rounds.open_round(db.session, chair_actor(world), round_)
    vote(world, round_, [list(winners)] * len(world["reps"][group]))
    return close(world, round_)


def decide_all(world: dict[str, Any]) -> None:
    """Every group elects its first candidates (by the world's order) for its seats."""
    election = world["election"]
    for group in GROUPS:
        decide(world, group, world["candidates"][group][: election.seats_for(group)])
