"""The forms of logging in, passwords and the own account."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from election.forms import strip_filter


class LoginForm(FlaskForm):
    email = EmailField(
        _l("Adres e-mail"),
        filters=[strip_filter],
        validators=[DataRequired(_l("Podaj adres e-mail.")), Length(max=254)],
    )
    password = PasswordField(
        _l("Hasło"), validators=[DataRequired(_l("Podaj hasło.")), Length(max=200)]
    )


class SetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("Nowe hasło"),
        validators=[DataRequired(_l("Podaj hasło.")), Length(max=200)],
        description=_l("Co najmniej 12 znaków."),
    )
    confirm = PasswordField(
        _l("Powtórz hasło"),
        validators=[
            DataRequired(_l("Powtórz hasło.")),
            EqualTo("password", _l("Hasła nie są takie same.")),
        ],
    )


class ForgotPasswordForm(FlaskForm):
    email = EmailField(
        _l("Adres e-mail"),
        filters=[strip_filter],
        validators=[DataRequired(_l("Podaj adres e-mail.")), Length(max=254)],
    )


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField(
        _l("Obecne hasło"),
        validators=[DataRequired(_l("Podaj obecne hasło.")), Length(max=200)],
    )
    password = PasswordField(
        _l("Nowe hasło"),
        validators=[DataRequired(_l("Podaj nowe hasło.")), Length(max=200)],
        description=_l("Co najmniej 12 znaków; nie może być popularnym hasłem."),
    )
    confirm = PasswordField(
        _l("Powtórz nowe hasło"),
        validators=[
            DataRequired(_l("Powtórz nowe hasło.")),
            EqualTo("password", _l("Hasła nie są takie same.")),
        ],
    )


class TotpCodeForm(FlaskForm):
    """A 6-digit code from the authenticator app."""

    code = StringField(
        _l("Kod z aplikacji"),
        filters=[strip_filter],
        validators=[DataRequired(_l("Podaj kod.")), Length(max=20)],
        description=_l("6 cyfr widocznych teraz w aplikacji uwierzytelniającej."),
    )


class SecondFactorForm(FlaskForm):
    """The second step of login: a TOTP code or a recovery code."""

    code = StringField(
        _l("Kod z aplikacji lub kod odzyskiwania"),
        filters=[strip_filter],
        validators=[DataRequired(_l("Podaj kod.")), Length(max=40)],
        description=_l(
            "6 cyfr z aplikacji uwierzytelniającej albo jeden z kodów odzyskiwania "
            "(XXXX-XXXX-XXXX)."
        ),
    )


class ConfirmPasswordForm(FlaskForm):
    """Re-entering the password before turning a protection off."""

    current_password = PasswordField(
        _l("Obecne hasło"),
        validators=[DataRequired(_l("Podaj obecne hasło.")), Length(max=200)],
    )
