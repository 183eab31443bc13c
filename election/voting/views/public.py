"""The public list of counted ballots and the check of a receipt code (HTML; the JSON
list is the public API's, :mod:`election.api`).

The code is checked by POST: it never appears in a URL, so not in the browser's history,
a proxy's or the server's access log, or a Referer header.
"""

from __future__ import annotations

from typing import Any

from flask import render_template, request

from election.elections.service import get_election
from election.errors import NotFound
from election.extensions import db
from election.partners.models import GROUPS, PartnerGroup
from election.voting import receipts
from election.voting.forms import ReceiptCheckForm
from election.voting.views import ELECTION, bp
from election.web import translate_error


@bp.route(f"/public/elections/{ELECTION}/receipts", methods=["GET", "POST"])
def public_receipts(election_id: int) -> Any:
    election = get_election(db.session, election_id)
    form = ReceiptCheckForm()
    try:
        ballots = receipts.public_ballots(db.session, election)
    except NotFound as exc:
        return (
            render_template(
                "voting/public_receipts.html",
                election=election,
                ballots=None,
                unavailable=translate_error(exc),
                form=form,
                checked=None,
                asked=False,
            ),
            404,
        )
    asked, checked, status = False, None, 200
    if request.method == "POST":
        if form.validate_on_submit():
            asked = True
            checked = receipts.check_receipt(db.session, election, form.code.data or "")
        else:
            status = 400
    by_group: dict[PartnerGroup, list[receipts.PublicBallot]] = {g: [] for g in GROUPS}
    for b in ballots:
        by_group[b.group].append(b)
    return (
        render_template(
            "voting/public_receipts.html",
            election=election,
            ballots=by_group,
            unavailable=None,
            form=form,
            checked=checked,
            asked=asked,
        ),
        status,
    )
