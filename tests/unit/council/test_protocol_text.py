"""The protocol's numbers follow Polish rules: the noun's form and the decimal comma."""

import pytest

from election.council.protocol_text import count, number, percent

SEATS = ("miejsce", "miejsca", "miejsc")


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (0, "0 miejsc"),
        (1, "1 miejsce"),
        (2, "2 miejsca"),
        (4, "4 miejsca"),
        (5, "5 miejsc"),
        (12, "12 miejsc"),
        (14, "14 miejsc"),
        (22, "22 miejsca"),
        (25, "25 miejsc"),
    ],
)
def test_a_count_takes_the_nouns_polish_form(n: int, expected: str) -> None:
    assert count(n, *SEATS) == expected


def test_percentages_have_a_decimal_comma_and_no_space() -> None:
    assert percent(20.3) == "20,3%"
    assert percent(100) == "100,0%"
    assert percent(50, 0) == "50%"


def test_thousands_are_grouped_with_a_no_break_space() -> None:
    assert number(1234) == "1\xa0234"
