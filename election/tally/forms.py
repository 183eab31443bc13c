"""Forms of the tally pages (only the views import them)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    IntegerField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional
from wtforms.widgets import HiddenInput

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


class FinishPaperForm(FlaskForm):
    """The chair has entered the round's paper ballots; the rest never reached the box."""

    #: Issued − entered when the page was shown: a paper entered meanwhile is noticed.
    never_entered = IntegerField(widget=HiddenInput(), validators=[InputRequired()])
    confirm = BooleanField(
        _l("Potwierdzam liczbę kart, których nie wrzucono do urny."),
        description=_l("Zaznacz tylko wtedy, gdy wszystkie karty z urny zostały już wprowadzone."),
    )


class TellerShareForm(FlaskForm):
    """A teller's share: typed (64 hexadecimal characters) or the file from the sheet."""

    teller = SelectField(_l("Członek komisji skrutacyjnej"), coerce=int)
    share = PasswordField(
        _l("Udział (64 znaki szesnastkowe)"),
        filters=[strip_filter],
        validators=[Optional(), Length(max=200)],
        description=_l("Przepisz udział z arkusza albo wybierz poniżej plik udziału."),
    )
    share_file = FileField(_l("Plik udziału"))
