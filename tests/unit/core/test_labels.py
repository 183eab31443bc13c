"""What people read for a Partner's name: a powiat by its full name."""

import pytest

from election.labels import partner_name


@pytest.mark.parametrize(
    ("name", "group", "shown"),
    [
        ("będziński", "powiat", "Powiat będziński"),
        ("  bielski ", "powiat", "Powiat bielski"),
        ("Powiat cieszyński", "powiat", "Powiat cieszyński"),
        ("powiat żywiecki", "powiat", "powiat żywiecki"),
        ("Będzin", "gmina", "Będzin"),
        ("Katowice", "miasto_npp", "Katowice"),
        ("", "powiat", ""),
    ],
)
def test_a_powiat_is_shown_by_its_full_name(name: str, group: str, shown: str) -> None:
    assert partner_name(name, group) == shown
