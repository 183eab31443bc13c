"""Forms of the Council: appointments, vacancies, certification, the term."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, DateTimeLocalField, HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from election.council.models import MandateEndReason
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


class VacancyForm(FlaskForm):
    """The chair records a group's empty seats as a vacancy, with the reason."""

    group = HiddenField(validators=[DataRequired()])
    reason = StringField(
        _l("Powód wakatu"),
        filters=[strip_filter],
        validators=[DataRequired(_l("Podaj powód wakatu.")), Length(max=500), plain_text],
    )


class CertifyForm(FlaskForm):
    """The confirmation of certification, with the Council's term of office."""

    starts_on = DateField(
        _l("Początek kadencji Rady"),
        validators=[Optional()],
        description=_l("Puste: dzień zatwierdzenia."),
    )
    ends_on = DateField(
        _l("Koniec kadencji Rady"),
        validators=[Optional()],
        description=_l("Pierwszy dzień po kadencji; puste: do wyboru następnej Rady."),
    )


MANDATE_REASON_CHOICES = {
    MandateEndReason.RESIGNATION.value: _l("rezygnacja"),
    MandateEndReason.DEATH.value: _l("śmierć"),
    MandateEndReason.PARTNER_LEFT.value: _l("Partner wystąpił z porozumienia"),
    MandateEndReason.RECALLED.value: _l("odwołanie przez organ powołujący"),
    MandateEndReason.OTHER.value: _l("inna przyczyna"),
}


class MandateEndForm(FlaskForm):
    """The end of a member's mandate: when and why."""

    ended_on = DateField(
        _l("Data wygaśnięcia mandatu"),
        validators=[InputRequired(_l("Podaj datę."))],
        description=_l("Pierwszy dzień, w którym osoba nie jest już członkiem Rady."),
    )
    reason = SelectField(
        _l("Przyczyna"),
        choices=choices(MANDATE_REASON_CHOICES.items()),
        validators=[DataRequired(_l("Wybierz przyczynę."))],
    )
    note = StringField(
        _l("Uwagi (np. znak pisma z rezygnacją)"),
        filters=[strip_filter],
        validators=[Optional(), Length(max=500), plain_text],
    )


class ByElectionForm(FlaskForm):
    """A by-election of a group's open seats."""

    title = StringField(
        _l("Nazwa wyborów uzupełniających"),
        filters=[strip_filter],
        validators=[DataRequired(_l("Podaj nazwę wyborów.")), Length(max=200), plain_text],
    )
    cutoff_date = DateField(
        _l("Data graniczna umów Partnerów"),
        validators=[InputRequired(_l("Podaj datę."))],
        description=_l("Głosują Partnerzy grupy, którzy podpisali umowę do tego dnia."),
    )
    meeting_date = DateField(_l("Data zebrania"), validators=[Optional()])
    meeting_place = StringField(
        _l("Miejsce zebrania"),
        filters=[strip_filter],
        validators=[Optional(), Length(max=200), plain_text],
    )
    nomination_deadline = DateTimeLocalField(
        _l("Termin zgłaszania kandydatów"),
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        validators=[Optional()],
        description=_l("Czas polski. Puste: do opublikowania listy."),
    )


class ChairAppointsForm(FlaskForm):
    """The admin lets the chair record appointments, or stops it."""

    allowed = HiddenField()
