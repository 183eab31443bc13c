from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, StringField, URLField
from wtforms.validators import URL, Length, Optional, Regexp

from election.forms import plain_text, strip_filter


class LmsSettingsForm(FlaskForm):
    base_url = URLField(
        _l("Adres Moodle"),
        filters=[strip_filter],
        validators=[
            Optional(),
            Length(max=300),
            URL(require_tld=False, message=_l("Podaj adres zaczynający się od https://.")),
            Regexp(r"^https?://", message=_l("Podaj adres zaczynający się od https://.")),
        ],
        description=_l("Strona główna Moodle, np. https://lms.example.pl (bez /webservice…)."),
    )
    #: Never pre-filled: the stored token is not sent back to the browser.
    token = PasswordField(
        _l("Token usługi sieciowej"),
        filters=[strip_filter],
        validators=[
            Optional(),
            Length(max=128),
            Regexp(
                r"^[A-Za-z0-9]+$",
                message=_l("Token Moodle składa się z liter i cyfr (zwykle 32 znaki)."),
            ),
        ],
        description=_l("Zostaw puste, aby zachować zapisany token."),
    )
    clear_token = BooleanField(_l("Usuń zapisany token"))
    course = StringField(
        _l("Kurs (nazwa skrócona albo numer id)"),
        filters=[strip_filter],
        validators=[Optional(), Length(max=100), plain_text],
        description=_l("Np. „umowy-sekap” albo 12."),
    )
