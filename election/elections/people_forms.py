"""Forms of authorisations (pełnomocnictwa); only the views import them."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, EmailField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from election.forms import plain_text, strip_filter


class AuthorisationForm(FlaskForm):
    """A Partner authorises a person; the admin picks the Partner, a representative's is
    their own."""

    partner_id = SelectField(
        _l("Partner"), coerce=int, validators=[Optional()], choices=[], validate_choice=False
    )
    full_name = StringField(
        _l("Imię i nazwisko osoby upoważnionej"),
        filters=[strip_filter],
        validators=[DataRequired(_l("Podaj imię i nazwisko.")), Length(max=200), plain_text],
    )
    position = StringField(
        _l("Stanowisko"),
        filters=[strip_filter],
        validators=[DataRequired(_l("Podaj stanowisko.")), Length(max=200), plain_text],
    )
    email = EmailField(
        _l("Adres e-mail"),
        filters=[strip_filter],
        validators=[
            DataRequired(_l("Podaj adres e-mail.")),
            Length(max=254),
            Email(_l("Podaj poprawny adres e-mail."), check_deliverability=False),
        ],
        description=_l("Na ten adres przyjdzie zaproszenie do konta po weryfikacji."),
    )
    valid_from = DateField(
        _l("Ważne od"), validators=[DataRequired(_l("Podaj datę początku ważności."))]
    )
    valid_until = DateField(
        _l("Ważne do (włącznie)"), validators=[DataRequired(_l("Podaj datę końca ważności."))]
    )
    scan = FileField(
        _l("Skan pełnomocnictwa (PDF, JPEG lub PNG, najwyżej 5 MB)"),
        validators=[FileRequired(_l("Dołącz skan pełnomocnictwa."))],
    )


class ButtonForm(FlaskForm):
    """A button without fields (verify): only the CSRF token."""


class RejectForm(FlaskForm):
    reason = TextAreaField(
        _l("Powód odrzucenia"),
        filters=[strip_filter],
        validators=[DataRequired(_l("Podaj powód odrzucenia.")), Length(max=500), plain_text],
    )
