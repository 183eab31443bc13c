"""The meeting as people live it, in a real browser (issue 15): a rep votes in two taps
from logging in (on a laptop and on a 375-px phone) and keeps the code with "Kopiuj
kod"; the receipt prints without the site around it; the chair lands one tap from the
dashboard, which never flashes the no-JavaScript note; a paper ballot goes to a Partner
found by typing — with JavaScript and without it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from election.elections.roll import roll_entry
from election.extensions import db
from election.partners.models import PartnerGroup
from tests.factories import voting_election
from tests.support.browser import PHONE, assert_accessible, assert_no_horizontal_scroll, login

pytestmark = pytest.mark.browser

G = PartnerGroup.GMINA
NAMES = ["Gmina Świętochłowice", "Gmina Bielsko", "Gmina Łódź Wschód", "Gmina Żory"]
TRACKING_CODE = re.compile(r"[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}")


def _world() -> dict[str, Any]:
    """A secret election with its rounds open; the gminy have names to search for."""
    w = voting_election(per_group=4)
    for partner, name in zip(w["partners"][G], NAMES, strict=True):
        partner.name = name
        entry = roll_entry(db.session, w["election"].id, partner.id)
        assert entry is not None
        entry.partner_name = name  # the frozen roll keeps the name it was frozen with
    return {
        "election": w["election"].id,
        "round": w["rounds"][G].id,
        "reps": [u.email for u in w["reps"][G]],
        "candidate": w["candidates"][G][0].full_name,
        "chair": w["chair"].email,
    }


@pytest.fixture(scope="module")
def world(seed: Any) -> dict[str, Any]:
    return seed(_world)


def _vote_in_two_taps(page: Page, email: str, candidate: str) -> str:
    """Log in, tap "Głosuj", mark, confirm; the tracking code shown."""
    login(page, email)
    expect(page).to_have_url(re.compile(r"/$"))  # where the rep lands
    page.get_by_role("link", name="Głosuj", exact=True).click()  # tap 1 of 2
    expect(page.get_by_role("heading", level=1)).to_have_text("Karta do głosowania")
    page.get_by_label(candidate).check()
    page.get_by_role("button", name="Dalej: sprawdź wybór").click()
    page.get_by_role("button", name="Oddaj głos").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pokwitowanie głosu")
    code = page.locator("#receipt-code").inner_text().strip()
    assert TRACKING_CODE.fullmatch(code), code
    return code


def test_a_rep_votes_in_two_taps_copies_the_code_and_prints_the_receipt(
    browser_page: Any, world: dict[str, Any], shot: Any
) -> None:
    page = browser_page(permissions=["clipboard-read", "clipboard-write"])
    login(page, world["reps"][0])
    assert_accessible(page)
    shot(page, "rep lands")
    page.get_by_role("button", name="Wyloguj").click()
    code = _vote_in_two_taps(page, world["reps"][0], world["candidate"])

    copy = page.get_by_role("button", name="Kopiuj kod")
    expect(copy).to_be_visible()
    copy.click()
    expect(page.get_by_role("button", name="Skopiowano kod")).to_be_visible()
    assert page.evaluate("navigator.clipboard.readText()") == code
    page.get_by_text("Co jeśli zgubię kod?").click()
    expect(page.get_by_text("zostanie policzony także bez kodu")).to_be_visible()
    assert_accessible(page)
    shot(page, "receipt")

    # Printed: the code and the list's full address; no menu, no buttons.
    page.emulate_media(media="print")
    expect(page.locator("#receipt-code")).to_be_visible()
    expect(page.locator(".site-header nav")).to_be_hidden()
    expect(page.get_by_role("button", name="Skopiowano kod")).to_be_hidden()
    after = page.get_by_role("link", name="Lista policzonych głosów").evaluate(
        "el => getComputedStyle(el, '::after').content"
    )
    assert re.search(r"http://127\.0\.0\.1:\d+/public/elections/\d+/receipts", after), after
    shot(page, "receipt printed")
    page.emulate_media(media="screen")

    # Back home: the vote is recorded, and there is no button to vote again.
    page.goto("/")
    expect(page.get_by_text("Twój Partner już głosował w turze 1.")).to_be_visible()
    expect(page.get_by_role("link", name="Głosuj", exact=True)).to_have_count(0)


def test_on_a_phone_the_rep_also_votes_in_two_taps(
    browser_page: Any, world: dict[str, Any], shot: Any
) -> None:
    page = browser_page()
    page.set_viewport_size(PHONE)
    login(page, world["reps"][1])
    assert_no_horizontal_scroll(page)
    shot(page, "phone home")
    page.get_by_role("button", name="Wyloguj").click()
    _vote_in_two_taps(page, world["reps"][1], world["candidate"])
    assert_no_horizontal_scroll(page)
    shot(page, "phone receipt")


def test_the_chair_lands_one_tap_from_a_dashboard_that_never_shows_the_no_js_note(
    browser_page: Any, world: dict[str, Any], shot: Any
) -> None:
    page = browser_page()
    # Record every text the note ever had, from the first paint on.
    page.add_init_script(
        """document.addEventListener('DOMContentLoaded', () => {
            const s = document.getElementById('live-state');
            window.__states = s ? [s.textContent] : [];
            if (s) new MutationObserver(() => window.__states.push(s.textContent))
              .observe(s, {childList: true, characterData: true, subtree: true});
        });"""
    )
    login(page, world["chair"])
    page.get_by_role("link", name="Panel przewodniczącego").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Panel przewodniczącego")
    expect(page.locator("#live-state")).to_have_text("Aktualizacja na żywo: co niecałą sekundę.")
    states = page.evaluate("window.__states")
    assert not any("Bez JavaScriptu" in s for s in states), states
    expect(page.get_by_text("Bez JavaScriptu odśwież stronę")).to_be_hidden()
    shot(page, "dashboard")
    # From the chair's rounds page, one link back to the live results.
    page.goto(f"/voting/{world['election']}/chair")
    page.get_by_role("link", name=re.compile("^Wyniki na żywo")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Panel przewodniczącego")


@pytest.mark.parametrize("javascript", [True, False])
def test_a_paper_ballot_goes_to_a_partner_found_by_typing(
    browser_page: Any, world: dict[str, Any], shot: Any, javascript: bool
) -> None:
    page = browser_page(java_script_enabled=javascript)
    login(page, world["chair"])
    page.goto(f"/voting/{world['election']}/chair/rounds/{world['round']}/paper/issue")
    expect(page.get_by_role("heading", level=1)).to_have_text("Wydanie karty papierowej")
    name, query = ("Gmina Łódź Wschód", "lodz") if javascript else ("Gmina Żory", "zory")
    page.get_by_label("Szukaj: nazwa lub kod TERYT").fill(query)
    if javascript:
        # Filtered as one types: the one match is chosen, the others are hidden.
        expect(page.get_by_label("Partner", exact=True)).to_have_value(
            page.locator("option", has_text=name).get_attribute("value") or ""
        )
    else:
        page.get_by_role("button", name="Filtruj listę").click()
        expect(page.get_by_text("Znaleziono Partnerów: 1.")).to_be_visible()
        options = page.get_by_label("Partner", exact=True).locator("option")
        expect(options).to_have_count(1)
        expect(options).to_contain_text(name)
    if javascript:  # axe runs as a script in the page
        assert_accessible(page)
    shot(page, "partner found")
    page.get_by_role("button", name="Wydaj kartę papierową").click()
    expect(page.locator(".flashes")).to_contain_text(f"Wydano kartę papierową: {name}.")
