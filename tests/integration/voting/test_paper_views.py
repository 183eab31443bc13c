"""The chair's paper ballots: the check step before an open election's paper ballot is
saved, the message that says what was saved, and the Partner picker's search that
works without JavaScript (issue 15)."""

from typing import Any

import pytest

from election.elections.roll import roll_entry
from election.extensions import db
from election.partners.models import Partner, PartnerGroup
from election.voting.views.paper import matches
from tests.factories import voting_election
from tests.factories.voting import counts, logged_in
from tests.support.web import post_form

G = PartnerGroup.GMINA


def _world(app: Any, *, secret: bool) -> dict[str, Any]:
    with app.app_context():
        w = voting_election(per_group=3, candidates_per_group=3)
        w["election"].secret = secret
        names = ["Gmina Świętochłowice", "Gmina Bielsko", "Gmina Łódź Wschód"]
        for partner, name in zip(w["partners"][G], names, strict=True):
            # The frozen roll keeps the names it was frozen with: rename both.
            partner.name = name
            entry = roll_entry(db.session, w["election"].id, partner.id)
            assert entry is not None
            entry.partner_name = name
        db.session.commit()
        return {
            "election": w["election"].id,
            "round": w["rounds"][G].id,
            "partners": [p.id for p in w["partners"][G]],
            "teryt": [p.teryt for p in w["partners"][G]],
            "candidates": [c.id for c in w["candidates"][G]],
            "candidate_names": [c.full_name for c in w["candidates"][G]],
            "chair": w["chair"].email,
        }


def _counts(app: Any) -> tuple[int, int, int]:
    with app.app_context():
        return counts()


def test_an_open_paper_ballot_is_checked_then_saved_and_the_message_says_what(app):
    w = _world(app, secret=False)
    url = f"/voting/{w['election']}/chair/rounds/{w['round']}/paper"
    chair = logged_in(app, w["chair"])
    marks = {"partner_id": str(w["partners"][1]), "candidate": [str(w["candidates"][0])]}
    before = _counts(app)

    check = post_form(chair, url, marks)
    page = check.get_data(as_text=True)
    assert check.status_code == 200 and "Zapisać tę kartę?" in page
    assert f"Karta: {w['candidate_names'][0]}" in page and "Gmina Bielsko" in page
    assert _counts(app) == before  # the check writes nothing

    # "Popraw": back to the ballot with the marks kept, still nothing written.
    back = post_form(chair, url, {**marks, "correct": "1"}).get_data(as_text=True)
    assert "Sprawdź kartę" in back and f'id="candidate-{w["candidates"][0]}" checked' in back
    assert _counts(app) == before

    saved = post_form(chair, url, {**marks, "confirmed": "1"})
    assert saved.status_code == 303
    message = chair.get(url).get_data(as_text=True)
    assert "Zapisano kartę papierową Partnera Gmina Bielsko" in message
    assert f"Karta: {w['candidate_names'][0]}" in message and "Kod pokwitowania" in message
    assert _counts(app) != before
    # Saved once: the same confirmation again is refused (the Partner has voted).
    again = post_form(chair, url, {**marks, "confirmed": "1"})
    assert again.status_code == 409 and "już oddał głos" in again.get_data(as_text=True)


def test_a_blank_open_paper_ballot_says_so_before_and_after_saving(app):
    w = _world(app, secret=False)
    url = f"/voting/{w['election']}/chair/rounds/{w['round']}/paper"
    chair = logged_in(app, w["chair"])
    blank = {"partner_id": str(w["partners"][0])}
    assert "karta pusta" in post_form(chair, url, blank).get_data(as_text=True)
    post_form(chair, url, {**blank, "confirmed": "1"})
    assert "Partnera Gmina Świętochłowice. Karta pusta." in chair.get(url).get_data(as_text=True)


def test_a_bad_paper_ballot_is_refused_at_the_check_with_the_same_message(app):
    w = _world(app, secret=False)
    url = f"/voting/{w['election']}/chair/rounds/{w['round']}/paper"
    chair = logged_in(app, w["chair"])
    before = _counts(app)
    too_many = {"partner_id": str(w["partners"][0]), "candidate": [str(c) for c in w["candidates"]]}
    for data in (too_many, {**too_many, "confirmed": "1"}):
        response = post_form(chair, url, data)
        assert response.status_code == 400 and "najwyżej 2" in response.get_data(as_text=True)
    assert _counts(app) == before


@pytest.mark.parametrize("secret", [True, False])
def test_the_partner_picker_filters_on_the_server_without_javascript(app, secret):
    w = _world(app, secret=secret)
    base = f"/voting/{w['election']}/chair/rounds/{w['round']}/paper"
    url = f"{base}/issue" if secret else base
    chair = logged_in(app, w["chair"])
    whole = chair.get(url).get_data(as_text=True)
    assert 'name="q"' in whole and 'list="partner-names"' in whole
    assert all(f'<option value="{p}"' in whole for p in w["partners"])

    found = chair.get(f"{url}?q=swieto").get_data(as_text=True)
    # The one match is the list's first option, so it is chosen without a click.
    assert f'<option value="{w["partners"][0]}"' in found and "wybierz Partnera" not in found
    assert f'<option value="{w["partners"][1]}"' not in found
    assert "Znaleziono Partnerów: 1." in found

    by_teryt = chair.get(f"{url}?q={w['teryt'][2]}").get_data(as_text=True)
    assert f'value="{w["partners"][2]}"' in by_teryt
    assert f'<option value="{w["partners"][0]}"' not in by_teryt

    none = chair.get(f"{url}?q=zzzz").get_data(as_text=True)
    assert "Znaleziono Partnerów: 0." in none and "Pokaż całą listę" in none
    # A search text of any length or content is a filter, never an error.
    assert chair.get(f"{url}?q=" + "%3C" * 500).status_code == 200


def test_issuing_from_a_filtered_list_issues_to_the_chosen_partner(app):
    w = _world(app, secret=True)
    url = f"/voting/{w['election']}/chair/rounds/{w['round']}/paper/issue"
    chair = logged_in(app, w["chair"])
    issued = post_form(chair, f"{url}?q=lodz", {"partner_id": str(w["partners"][2])})
    assert issued.status_code == 303
    assert "Wydano kartę papierową: Gmina Łódź Wschód." in chair.get(url).get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Partner, w["partners"][2]) is not None


@pytest.mark.parametrize(
    ("query", "name", "teryt", "expected"),
    [
        ("bielsk", "Powiat bielski", "2402", True),
        ("ŚLĄSK", "Gmina Śląsk", "2401", True),
        ("slask gmina", "Gmina Śląsk", "2401", True),
        ("lodz", "Łódź", "1061", True),
        ("2402", "Powiat bielski", "2402011", True),
        ("bielsk cieszyn", "Powiat bielski", "2402", False),
        ("", "Powiat bielski", "2402", True),
    ],
)
def test_a_partner_matches_every_word_ignoring_case_and_polish_letters(
    query, name, teryt, expected
):
    assert matches(query, name, teryt) is expected
