"""The forms of the Partner register and of inviting a user (bound to a Partner)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from election.access import Role
from election.forms import choices, plain_text, strip_filter
from election.labels import GROUP_LABELS_ONE, ROLE_LABELS
from election.partners.models import GROUPS


class PartnerForm(FlaskForm):
    name = StringField(
        _l("Nazwa"),
        filters=[strip_filter],
        validators=[DataRequired(_l("Podaj nazwę.")), Length(max=200), plain_text],
    )
    teryt = StringField(
        _l("Kod TERYT"),
        filters=[strip_filter],
        validators=[DataRequired(_l("Podaj kod TERYT.")), Length(max=7)],
        description=_l("7 cyfr dla gminy i miasta (WWPPGGR), 4 cyfry dla powiatu (WWPP)."),
    )
    group = SelectField(
        _l("Grupa"),
        choices=choices((g.value, GROUP_LABELS_ONE[g]) for g in GROUPS),
        validators=[DataRequired()],
    )
    agreement_signed_on = DateField(
        _l("Data podpisania umowy"),
        validators=[Optional()],
        description=_l("Puste: umowa jeszcze niepodpisana."),
    )
    email = EmailField(
        _l("E-mail kontaktowy"),
        filters=[strip_filter],
        validators=[
            Optional(),
            Length(max=254),
            Email(_l("Podaj poprawny adres e-mail."), check_deliverability=False),
        ],
    )
    active = BooleanField(_l("Aktywny"), default=True)


class ImportForm(FlaskForm):
    file = FileField(_l("Plik CSV"), validators=[FileRequired(_l("Wybierz plik."))])
    confirm = BooleanField(_l("Zapisz zmiany (bez zaznaczenia: tylko podgląd)"))


class InviteForm(FlaskForm):
    """A new account; a partner_rep's Partner is chosen from the register."""

    email = EmailField(
        _l("Adres e-mail"),
        filters=[strip_filter],
        validators=[
            DataRequired(_l("Podaj adres e-mail.")),
            Length(max=254),
            Email(_l("Podaj poprawny adres e-mail."), check_deliverability=False),
        ],
    )
    full_name = StringField(
        _l("Imię i nazwisko"),
        filters=[strip_filter],
        validators=[DataRequired(_l("Podaj imię i nazwisko.")), Length(max=200), plain_text],
    )
    role = SelectField(
        _l("Rola"),
        choices=choices((r.value, ROLE_LABELS[r]) for r in Role),
        validators=[DataRequired()],
    )
    partner_id = SelectField(
        _l("Partner (dla przedstawiciela)"), coerce=int, validators=[Optional()], choices=[]
    )
