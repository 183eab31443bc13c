"""Forms of the appointments."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from election.council.rules import LEADER, SCSI
from election.forms import choices, plain_text, strip_filter

SEAT_CHOICES = {
    LEADER: _l("przedstawiciel Lidera (przewodniczy Radzie)"),
    SCSI: _l("przedstawiciel ŚCSI"),
}


class ReplaceForm(FlaskForm):
    """The person appointed, the authority and the document; also the base of a new one."""

    full_name = StringField(
        _l("Imię i nazwisko"),
        filters=[strip_filter],
        validators=[DataRequired(_l("Podaj imię i nazwisko.")), Length(max=200), plain_text],
    )
    position = StringField(
        _l("Stanowisko"),
        filters=[strip_filter],
        validators=[DataRequired(_l("Podaj stanowisko.")), Length(max=200), plain_text],
    )
    authority = StringField(
        _l("Organ powołujący"),
        filters=[strip_filter],
        validators=[Optional(), Length(max=200), plain_text],
        description=_l(
            "Puste: Zarząd Województwa Śląskiego (Lider) albo Dyrektor Śląskiego Centrum "
            "Społeczeństwa Informacyjnego (ŚCSI)."
        ),
    )
    document_ref = StringField(
        _l("Dokument powołania (znak, numer uchwały)"),
        filters=[strip_filter],
        validators=[DataRequired(_l("Podaj znak dokumentu.")), Length(max=200), plain_text],
    )
    document_date = DateField(
        _l("Data dokumentu"),
        validators=[InputRequired(_l("Podaj datę dokumentu."))],
    )


class AppointmentForm(ReplaceForm):
    seat = SelectField(
        _l("Miejsce w Radzie"),
        choices=choices(SEAT_CHOICES.items()),
        validators=[DataRequired(_l("Wybierz miejsce."))],
    )
    #: Choices are set by the view from the election's number of places.
    slot = SelectField(_l("Numer miejsca"), choices=[], validate_choice=True)

    def set_slots(self, places: int) -> None:
        self.slot.choices = choices(
            [("", _l("pierwsze wolne")), *((str(n), str(n)) for n in range(1, places + 1))]
        )
