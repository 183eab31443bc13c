"""Forms of the ballot, the chair's actions and the paper ballot.

The candidate checkboxes are read from ``request.form.getlist("candidate")`` and checked
by :func:`election.voting.rules.validate_choices` in the service, so a forged value gets
the ballot's own message rather than a generic "invalid choice".
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField
from wtforms.validators import DataRequired, InputRequired

#: Name of the checkbox inputs of the candidates (several values).
CANDIDATE_FIELD = "candidate"


class BallotForm(FlaskForm):
    """The ballot, its confirmation and the cast: CSRF and the Partner the voter saw.

    ``partner_id`` is not trusted: the vote is always for the logged-in rep's Partner.
    It only lets the app refuse a form that was edited to name another Partner, or
    that was opened under another account, instead of silently casting it.
    """

    partner_id = HiddenField(validators=[InputRequired()])


class ChairActionForm(FlaskForm):
    """A button of the chair's page (open a round, open all, create rounds)."""


class CloseRoundForm(FlaskForm):
    confirm = BooleanField(
        _l("Potwierdzam zamknięcie tury (nie można jej ponownie otworzyć)"),
        validators=[DataRequired(_l("Zaznacz potwierdzenie, aby zamknąć turę."))],
    )


class PaperBallotForm(FlaskForm):
    partner_id = SelectField(
        _l("Partner"),
        description=_l("Partnerzy ze spisu tej grupy, którzy jeszcze nie głosowali."),
        # The service decides on unknown, foreign or already voting Partners, with
        # its own messages; the list only offers those who may still vote.
        validate_choice=False,
        validators=[InputRequired(_l("Wybierz Partnera."))],
    )
