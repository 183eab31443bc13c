"""Forms of the tally pages (only the views import them)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from election.forms import plain_text, strip_filter


class ActionForm(FlaskForm):
    """A button that changes state: only the CSRF token."""


class LotsForm(FlaskForm):
    """The result of lots drawn by a person in the room."""

    drawn_by = StringField(
        _l("Kto losował"),
        filters=[strip_filter],
        validators=[DataRequired(_l("Podaj, kto losował.")), Length(max=200), plain_text],
        description=_l("Imię i nazwisko osoby, która ciągnęła losy."),
    )
    winners = SelectMultipleField(
        _l("Wylosowani kandydaci"),
        coerce=int,
        # The service checks the winners and says what is wrong in Polish.
        validate_choice=False,
        validators=[DataRequired(_l("Zaznacz wylosowanych kandydatów."))],
    )
    note = TextAreaField(
        _l("Uwagi"),
        filters=[strip_filter],
        validators=[Optional(), Length(max=500)],
        description=_l("Np. jak przeprowadzono losowanie, kto był świadkiem."),
    )
