from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateField, EmailField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from election.forms import choices, plain_text, strip_filter
from election.partners.models import PartnerGroup

GROUP_LABELS = {
    PartnerGroup.GMINA: _l("gminy"),
    PartnerGroup.POWIAT: _l("powiaty"),
    PartnerGroup.MIASTO_NPP: _l("miasta na prawach powiatu"),
}

#: Singular labels, for one Partner.
GROUP_LABELS_ONE = {
    PartnerGroup.GMINA: _l("gmina"),
    PartnerGroup.POWIAT: _l("powiat"),
    PartnerGroup.MIASTO_NPP: _l("miasto na prawach powiatu"),
}


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
        choices=choices((g.value, label) for g, label in GROUP_LABELS_ONE.items()),
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
