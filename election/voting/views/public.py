"""The public list of counted ballots and the check of a receipt code (HTML; the JSON
list is the public API's, :mod:`election.api`)."""

from __future__ import annotations

from typing import Any

from flask import render_template, request

from election.elections.service import get_election
from election.errors import NotFound
from election.extensions import db
from election.partners.models import GROUPS, PartnerGroup
from election.voting import receipts
from election.voting.views import ELECTION, bp
from election.web import translate_error


@bp.route(f"/public/elections/{ELECTION}/receipts")
def public_receipts(election_id: int) -> Any:
    election = get_election(db.session, election_id)
    code = request.args.get("code", "")[:40]
    try:
        ballots = receipts.public_ballots(db.session, election)
    except NotFound as exc:
        return (
            render_template(
                "voting/public_receipts.html",
                election=election,
                ballots=None,
                unavailable=translate_error(exc),
                code=code,
                checked=None,
            ),
            404,
        )
    checked = receipts.check_receipt(db.session, election, code) if code else None
    by_group: dict[PartnerGroup, list[receipts.PublicBallot]] = {g: [] for g in GROUPS}
    for b in ballots:
        by_group[b.group].append(b)
    return render_template(
        "voting/public_receipts.html",
        election=election,
        ballots=by_group,
        unavailable=None,
        code=code,
        checked=checked,
    )
