"""Form helpers shared by every feature."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

_MARKUP = re.compile(r"[<>]")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def strip_filter(value: Any) -> Any:
    return value.strip() if isinstance(value, str) else value


def plain_text(form: Any, field: Any) -> None:
    """Reject markup and control characters in names and titles."""
    if field.data and (_MARKUP.search(field.data) or _CONTROL.search(field.data)):
        raise ValidationError(_l("Pole nie może zawierać znaków < > ani znaków sterujących."))


def choices(pairs: Iterable[tuple[Any, Any]]) -> list[SelectChoice]:
    """Select options from (value, label) pairs."""
    return [SelectChoice(str(value), label) for value, label in pairs]
