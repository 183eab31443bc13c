"""How the results read on a page: labels and the helpers the tally templates use.

Outside the views so the public results page (a higher feature's) renders the same
macros (``templates/tally/_macros.html``) with the same words.
"""

from __future__ import annotations

from typing import Any

from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from election.elections.models import PHASE_LABELS
from election.labels import GROUP_LABELS
from election.tally.models import SYSTEM_DRAW
from election.tally.results import Awaiting, NextStep, RoundView
from election.tally.rules import RoundKind
from election.voting.models import RoundStatus

ROUND_STATUS_LABELS = {
    RoundStatus.PENDING: _l("oczekuje na otwarcie"),
    RoundStatus.OPEN: _l("głosowanie trwa"),
    RoundStatus.CLOSED: _l("głosowanie zamknięte"),
    RoundStatus.ANNULLED: _l("tura unieważniona"),
}

ROUND_KIND_LABELS = {
    RoundKind.FIRST: "",
    RoundKind.RUNOFF: _l("dogrywka"),
    RoundKind.REPEAT: _l("tura powtórzona"),
}

NEXT_STEP_LABELS = {
    NextStep.REPEAT: _l("Następny krok: tura jest nieważna (brak kworum), należy ją powtórzyć."),
    NextStep.RUNOFF: _l("Następny krok: należy przeprowadzić dogrywkę."),
    NextStep.LOTS: _l("Następny krok: remis rozstrzygnie losowanie."),
}


def round_title(view: RoundView) -> str:
    """The round's title, its number and, after round 1, its kind: "Tura 2 (dogrywka)"."""
    kind = ROUND_KIND_LABELS[view.kind]
    title = _("Tura %(number)s", number=view.number)
    return f"{title} ({kind})" if kind else title


def votes_text(n: int) -> str:
    """``n`` votes with the Polish plural: 1 głos, 3 głosy, 5 głosów."""
    return ngettext("%(num)d głos", "%(num)d głosów", n)


def pct(value: float) -> str:
    """A percentage in the user's locale: ``66,7%`` in Polish."""
    return f"{format_decimal(value, format='0.0')}%"


def template_globals() -> dict[str, Any]:
    """What every tally template (and the public results page) is rendered with."""
    return {
        "pct": pct,
        "group_labels": GROUP_LABELS,
        "status_labels": ROUND_STATUS_LABELS,
        "next_step_labels": NEXT_STEP_LABELS,
        "round_title": round_title,
        "votes_text": votes_text,
        "phase_labels": PHASE_LABELS,
        "NextStep": NextStep,
        "Awaiting": Awaiting,
        "RoundStatus": RoundStatus,
        "SYSTEM_DRAW": SYSTEM_DRAW,
    }
