"""Forms of the ballot, the chair's actions, paper ballots and receipts.

The candidate checkboxes are read from ``request.form.getlist("candidate")`` and checked
by :func:`election.voting.rules.validate_choices` in the service, so a forged value gets
the ballot's own message rather than a generic "invalid choice".
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length

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


class IssuePaperForm(FlaskForm):
    """Secret election: the Partner in the room who gets a paper ballot."""

    partner_id = SelectField(
        _l("Partner"),
        description=_l("Partnerzy ze spisu tej grupy, którzy jeszcze nie głosowali."),
        validate_choice=False,
        validators=[InputRequired(_l("Wybierz Partnera."))],
    )


class PaperEntryForm(FlaskForm):
    """Secret election: one paper ballot from the opened box, its marks in checkboxes.

    ``entered_before`` carries the number of ballots entered when the chair checked this
    one, so a second submission of the same check is refused instead of counted twice.
    """

    entered_before = HiddenField()


class ReceiptCheckForm(FlaskForm):
    """The public check of a receipt code: sent by POST, so never in a URL or a log."""

    code = StringField(
        _l("Kod pokwitowania"),
        validators=[InputRequired(_l("Wpisz kod pokwitowania.")), Length(max=40)],
        description=_l("10 znaków, np. ABCDE-FGH12; wielkość liter i myślniki nie mają znaczenia."),
    )


class ReceiptFileForm(FlaskForm):
    """The rep saves the receipt shown once as a small file: the code comes back by POST."""

    code = HiddenField(validators=[InputRequired(), Length(max=40)])


class PlanCloseForm(FlaskForm):
    """The planned closing time of a round: a time today in Warsaw (checked by
    :func:`election.voting.close_plan.parse_clock`), or ``clear`` to remove it."""

    at = StringField(
        _l("Planowane zamknięcie tury (godzina)"),
        description=_l(
            "Dziś, czas polski, w postaci GG:MM, np. 10:45. To tylko zapowiedź: tura nie"
            " zamknie się sama, zamyka ją przewodniczący."
        ),
    )
