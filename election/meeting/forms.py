"""Forms of the chair's corrections (only the views import them)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, TextAreaField
from wtforms.validators import DataRequired, Length

from election.forms import plain_text, strip_filter

#: As long as the reason the services keep (``election.tally.corrections.MAX_REASON``).
MAX_REASON = 500


def _reason(description: str) -> TextAreaField:
    return TextAreaField(
        _l("Powód"),
        filters=[strip_filter],
        validators=[DataRequired(_l("Podaj powód.")), Length(max=MAX_REASON), plain_text],
        description=description,
    )


class AnnulForm(FlaskForm):
    """Annulling a round before it is counted."""

    reason = _reason(_l("Np. tura zamknięta przez pomyłkę. Powód trafia do dziennika zdarzeń."))
    confirm = BooleanField(
        _l("Potwierdzam: głosy oddane w tej turze nie zostaną policzone"),
        validators=[DataRequired(_l("Zaznacz potwierdzenie, aby unieważnić turę."))],
    )


class WithdrawForm(FlaskForm):
    """A candidate on the published list withdraws."""

    candidate = SelectField(_l("Kandydat"), coerce=int, validate_choice=False)
    reason = _reason(_l("Np. oświadczenie kandydata złożone na zebraniu."))


class RollAddForm(FlaskForm):
    """A Partner wrongly left off the frozen roll."""

    partner = SelectField(_l("Partner"), coerce=int, validate_choice=False)
    reason = _reason(_l("Dlaczego Partnera zabrakło w spisie i skąd wiadomo, że jest uprawniony."))
    register_error = BooleanField(
        _l("Rejestr Partnerów jest błędny (np. zła data umowy) — dopisz mimo to"),
        description=_l(
            "Zaznacz tylko dla Partnera, który według rejestru nie spełnia warunku udziału, "
            "a rejestr jest błędny; opisz błąd w powodzie."
        ),
    )
