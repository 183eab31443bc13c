"""Pages of elections: setup and phases, the voter roll, the Regulamin and its motion.

The blueprint is defined here; its routes live in the modules imported at the bottom,
one per job (:mod:`.setup`, :mod:`.ballot_box`, :mod:`.regulamin`, :mod:`.motions`).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, url_for
from werkzeug.routing import BuildError

from election.access import Role
from election.elections import service
from election.elections.forms import (
    BALLOT_ORDER_LABELS,
    CHOICE_LABELS,
    MAJORITY_RULE_LABELS,
    TIE_RULE_LABELS,
)
from election.elections.models import PHASE_LABELS, RULES_STATUS_LABELS, Election
from election.errors import DomainError
from election.extensions import db
from election.labels import GROUP_LABELS, GROUP_LABELS_ONE

bp = Blueprint("elections", __name__)

#: Who reads the elections' pages: the staff, and reps for the Regulamin and the motion.
READERS = (Role.ADMIN, Role.CHAIR, Role.PARTNER_REP)


def election_or_404(election_id: int) -> Election:
    """The election of the path, or a 404."""
    try:
        return service.get_election(db.session, election_id)
    except DomainError:
        abort(404)


def optional_url(*endpoints: str, **values: Any) -> str | None:
    """A link to the first of ``endpoints`` that exists (other features are optional).

    Only the values the endpoint's rule takes are passed (no stray query string).
    """
    for endpoint in endpoints:
        if endpoint not in current_app.view_functions:
            continue
        for rule in current_app.url_map.iter_rules(endpoint):
            args = {k: v for k, v in values.items() if k in rule.arguments}
            try:
                return url_for(endpoint, **args)
            except BuildError:
                continue
    return None


def labels() -> dict[str, Any]:
    """The label tables every template of the feature reads."""
    return {
        "phase_labels": PHASE_LABELS,
        "group_labels": GROUP_LABELS,
        "group_labels_one": GROUP_LABELS_ONE,
        "tie_rule_labels": TIE_RULE_LABELS,
        "ballot_order_labels": BALLOT_ORDER_LABELS,
        "majority_rule_labels": MAJORITY_RULE_LABELS,
        "choice_labels": CHOICE_LABELS,
        "rules_status_labels": RULES_STATUS_LABELS,
    }


# The routes register themselves on ``bp`` when imported.
from election.elections.views import (  # noqa: E402, F401
    authorisations,
    ballot_box,
    motions,
    regulamin,
    setup,
)
