"""Polish numbers for the protocol: counts with the noun in the right form and
percentages with a decimal comma, by Babel's CLDR rules (the protocol is always Polish).

``count(2, "miejsce", "miejsca", "miejsc")`` → ``2 miejsca``; ``percent(20.3)`` → ``20,3%``.
"""

from __future__ import annotations

from babel import Locale
from babel.numbers import format_decimal

POLISH = Locale.parse("pl")


def number(value: int) -> str:
    """``1234`` → ``1 234`` (a no-break space), as Polish writes it."""
    return format_decimal(value, locale=POLISH)


def count(value: int, one: str, few: str, many: str) -> str:
    """``value`` with its noun in the Polish form the number asks for: 1 miejsce,
    2 miejsca, 5 miejsc, 12 miejsc, 22 miejsca, 0 miejsc."""
    form = POLISH.plural_form(value)
    word = {"one": one, "few": few}.get(form, many)
    return f"{number(value)} {word}"


def percent(value: float, decimals: int = 1) -> str:
    """``20.3`` → ``20,3%``; ``decimals=0``: ``50`` → ``50%``."""
    pattern = "0." + "0" * decimals if decimals else "0"
    return f"{format_decimal(value, format=pattern, locale=POLISH)}%"
