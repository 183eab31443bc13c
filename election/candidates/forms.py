from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, ValidationError

from election.candidates.models import CandidateStatus
from election.candidates.rules import MAX_NAME, MAX_POSITION, MAX_REASON, MAX_STATEMENT
from election.forms import choices, plain_text, strip_filter
from election.labels import GROUP_LABELS
from election.partners.models import Partner

STATUS_LABELS = {
    CandidateStatus.NOMINATED: _l("zgłoszony — czeka na weryfikację"),
    CandidateStatus.VERIFIED: _l("zweryfikowany"),
    CandidateStatus.REJECTED: _l("odrzucony"),
    CandidateStatus.WITHDRAWN: _l("wycofany"),
}


def _partner_id(form: Any, field: Any) -> None:
    # The list of Partners is not enforced here: the service refuses a Partner of
    # another group (a forged id) with a message that says why.
    if not str(field.data or "").isdigit():
        raise ValidationError(_l("Wybierz Partnera, którego reprezentuje kandydat."))


class NominationForm(FlaskForm):
    full_name = StringField(
        _l("Imię i nazwisko kandydata"),
        filters=[strip_filter],
        validators=[
            DataRequired(_l("Podaj imię i nazwisko kandydata.")),
            Length(max=MAX_NAME),
            plain_text,
        ],
        description=_l("Najpierw imię (imiona), na końcu nazwisko, np. „Anna Maria Nowak”."),
    )
    position = StringField(
        _l("Stanowisko"),
        filters=[strip_filter],
        validators=[
            DataRequired(_l("Podaj stanowisko kandydata.")),
            Length(max=MAX_POSITION),
            plain_text,
        ],
        description=_l("Np. „Sekretarz Gminy”."),
    )
    partner_id = SelectField(
        _l("Partner, którego reprezentuje kandydat"),
        validate_choice=False,
        validators=[_partner_id],
    )
    statement = TextAreaField(
        _l("Krótka informacja o kandydacie"),
        filters=[strip_filter],
        validators=[Length(max=MAX_STATEMENT), plain_text],
        description=_l("Najwyżej 1000 znaków, bez znaczników HTML."),
    )
    consent_confirmed = BooleanField(_l("Potwierdzam posiadanie podpisanej zgody kandydata"))
    consent_scan = FileField(
        _l("Skan zgody kandydata (PDF, JPEG lub PNG, najwyżej 5 MB)"),
        description=_l("Zamiast potwierdzenia powyżej albo oprócz niego."),
    )

    def set_partners(self, partners: list[Partner], *, with_groups: bool) -> None:
        """Offer ``partners``; with their group in the label when several groups are listed."""
        placeholder = SelectChoice("", _l("— wybierz Partnera —"))
        self.partner_id.choices = [
            placeholder,
            *choices(
                (
                    p.id,
                    f"{p.name} ({GROUP_LABELS[p.group]})" if with_groups else p.name,
                )
                for p in partners
            ),
        ]


class RejectForm(FlaskForm):
    reason = TextAreaField(
        _l("Powód odrzucenia"),
        filters=[strip_filter],
        validators=[
            DataRequired(_l("Podaj powód odrzucenia zgłoszenia.")),
            Length(max=MAX_REASON),
            plain_text,
        ],
    )


class ConfirmForm(FlaskForm):
    """A bare POST form (CSRF only) for the buttons."""
