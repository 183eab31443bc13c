"""The attendance list's search: words of the name, folded, or a TERYT prefix."""

import pytest

from election.elections.attendance import matches
from election.elections.models import RollEntry
from election.partners.models import PartnerGroup

ENTRY = RollEntry(partner_name="Gmina Łaziska Górne", teryt="2408011", group=PartnerGroup.GMINA)


@pytest.mark.parametrize(
    "query", ["", "łaziska", "LAZISKA gorne", "górne gmina", "  laz  ", "2408"]
)
def test_a_partner_answers_its_words_in_any_case_and_without_diacritics(query):
    assert matches(ENTRY, query)


@pytest.mark.parametrize("query", ["bytom", "łaziska dolne", "2409", "8011"])
def test_other_words_or_codes_do_not_match(query):
    assert not matches(ENTRY, query)
