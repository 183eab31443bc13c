"""Every page of the meeting on a 375-px phone, in Polish and in English: nothing cut off.

A certified election — a runoff in the gminy that tied again and went to lots drawn by the
app, the Council complete — is seeded once through the factories. Then the public, a rep,
the chair and the admin each open every page of theirs (``PAGES``; ``test_every_page_is_listed``
keeps the list honest against the app's routes) at 375 × 667, in each language, and each
page is photographed and must:

- not scroll sideways (the document no wider than the window);
- have no clipped text in a table (an element with ``overflow`` hidden or clipped whose
  content is wider than its box);
- show a visible "scroll sideways" hint and be reachable with the keyboard wherever a
  table scrolls inside its box — and the Council's tables do not scroll at all (they
  become one card per member);
- pass axe-core (no serious or critical WCAG 2.1 A/AA finding).

Only the layout is checked here, not the language: English pages may still show strings
added since the last translation.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from playwright.sync_api import Page, expect

from election.auth.models import Role
from election.extensions import db
from election.partners.models import PartnerGroup
from tests.factories import PASSWORD
from tests.factories.council import certified_council
from tests.support.browser import PHONE, assert_accessible, assert_no_horizontal_scroll
from tests.support.routes import routes
from tests.support.world import fast_user

pytestmark = pytest.mark.browser

ADMIN = "admin@layout.example.pl"
CHAIR = "chair@layout.example.pl"
REP = "rep@layout.example.pl"

#: Long real-looking names: the narrow cards and the Council table must wrap them well.
LONG_NAMES = {
    PartnerGroup.GMINA: ("Małgorzata Wielkopolska-Szczepańska", "Gmina Jastrzębie-Zdrój"),
    PartnerGroup.POWIAT: ("Bartłomiej Grzegorzewski-Żółkiewski", "Powiat bielski"),
    PartnerGroup.MIASTO_NPP: ("Krzysztof Konstanty Ciećwierz", "Siemianowice Śląskie"),
}


@dataclass(frozen=True)
class Seeded:
    election_id: int
    round_id: int
    candidate_id: int


def _certified() -> Seeded:
    """The certified election, with accounts that log in through the form."""
    world = certified_council(
        tie_in=PartnerGroup.GMINA,
        settle="seeded",
        started=dt.date(2026, 7, 1),
    )
    for group, (name, partner) in LONG_NAMES.items():
        candidate = world["candidates"][group][0]
        candidate.full_name = name
        candidate.partner.name = partner
    fast_user(Role.ADMIN, ADMIN, "Anna Administratorka")
    fast_user(Role.CHAIR, CHAIR, "Piotr Przewodniczący")
    fast_user(Role.PARTNER_REP, REP, "Barbara Sekretarz", world["partners"][PartnerGroup.GMINA][0])
    db.session.flush()
    return Seeded(
        election_id=world["election"].id,
        round_id=world["runoff"].id,
        candidate_id=world["candidates"][PartnerGroup.GMINA][0].id,
    )


@pytest.fixture(scope="module")
def seeded(seed: Callable[..., Any]) -> Seeded:
    return seed(_certified)


#: The pages of each person, as URL templates ({e}: the election, {r}: the runoff round
#: that went to lots, {c}: a candidate). ``None``: the public, not logged in.
PAGES: dict[str | None, tuple[str, ...]] = {
    None: (
        "/",
        "/login",
        "/public/elections",
        "/public/elections/{e}/candidates",
        "/public/elections/{e}/results",
        "/public/elections/{e}/council",
        "/public/elections/{e}/receipts",
        "/password/forgot",
    ),
    REP: (
        "/",
        "/account",
        "/account/password",
        "/voting",
        "/voting/{e}",
        "/elections",
        "/elections/{e}/rules",
        "/candidates/",
        "/candidates/{e}/",
        "/public/elections/{e}/results",
    ),
    CHAIR: (
        "/",
        "/voting/{e}/chair",
        "/voting/{e}/attendance",
        "/results/",
        "/results/{e}/dashboard",
        "/results/{e}/projector",
        "/results/{e}/rounds/{r}/lots",
        "/council/",
        "/council/{e}/",
        "/council/{e}/term",
        "/elections/{e}/motion",
    ),
    ADMIN: (
        "/",
        "/admin/partners/",
        "/admin/partners/new",
        "/admin/partners/1/edit",
        "/admin/partners/import",
        "/admin/users",
        "/admin/users/import",
        "/account/2fa",
        "/admin/audit/",
        "/admin/lms",
        "/elections",
        "/elections/new",
        "/elections/{e}",
        "/elections/{e}/roll",
        "/elections/{e}/authorisations",
        "/elections/{e}/tellers",
        "/candidates/{e}/",
        "/candidates/{e}/{c}",
        "/council/{e}/",
        "/council/{e}/term",
        "/results/{e}/projector/link",
    ),
}

#: Routes that are not pages of a certified election's meeting, and why.
NOT_PAGES = {
    "api.": "JSON and PDF for programs",
    "web.healthz": "the load balancer's check",
    "static": "files",
    "auth.set_password": "a one-time link from an email",
    "auth.link_invalid": "an expired one-time link",
    "candidates.consent_scan": "a scan (PDF/image), not a page",
    "elections.authorisation_scan": "a scan (PDF/image), not a page",
    "elections.rules_pdf": "a PDF",
    "council.protocol": "a PDF",
    "council.public_results_csv": "a CSV file",
    "council.public_results_json": "a JSON file",
    "meeting.dashboard_json": "JSON for the live page",
    "tally.public_live_json": "JSON for the live page",
    "voting.receipt": "shown once, right after a vote (covered by test_meeting)",
    "tally.tellers": "only when the tellers keep the key (test_meeting walks it)",
    "auth.login_2fa": "the second step of a login with two-factor authentication",
    # Pages of the earlier phases: a certified election has none of them open (the
    # meeting's own browser test walks them, at 375 px for the chair and one rep).
    "elections.start_voting": "before voting",
    "elections.motion_vote": "while the motion is open",
    "elections.rules_edit": "before the Regulamin is adopted",
    "elections.edit": "before voting",
    "candidates.nominate": "during nominations",
    "voting.paper": "during a round",
    "voting.ballot": "during a round",
    "tally.finish_paper": "after closing a round with paper ballots",
    "council.appoint": "before certification",
    "council.replace": "an appointed member's successor (a form of the term)",
    "council.certify": "before certification",
    "council.supplement": "a group short of candidates, during voting",
    "council.end_mandate": "a member's mandate ending (a form of the term)",
    "council.by_election": "a vacancy during the term",
    "meeting.annul": "during a round",
    "voting.plan_close": "during a round (its form is on the dashboard)",
    "meeting.withdraw": "during voting",
    "meeting.roll_add": "during voting",
}


def _url(template: str, seeded: Seeded) -> str:
    return template.format(e=seeded.election_id, r=seeded.round_id, c=seeded.candidate_id)


def test_every_page_is_listed(live_app: Flask) -> None:
    """Each HTML page the app serves by GET is visited here or said not to be a page of
    the meeting — a new page cannot slip past the layout checks."""
    listed = [_url(path, Seeded(1, 1, 1)) for paths in PAGES.values() for path in paths]
    missing = []
    for rule in routes(live_app):
        if "GET" not in (rule.methods or set()):
            continue
        if any(rule.endpoint.startswith(prefix) for prefix in NOT_PAGES):
            continue
        pattern = re.compile(re.sub(r"<[^>]+>", "[^/]+", rule.rule))
        if not any(pattern.fullmatch(path) for path in listed):
            missing.append(f"{rule.endpoint} {rule.rule}")
    assert not missing, "pages neither visited nor excused in NOT_PAGES:\n" + "\n".join(missing)


#: Elements of a table whose content is wider than their box while the overflow is
#: hidden or clipped: text the reader cannot see. (Visually hidden text is meant so.)
CLIPPED_IN_TABLES = """() => {
    // Text hidden on purpose for the eye (read by screen readers): a box clipped to 1 px.
    const meantHidden = el => {
        for (let p = el; p && p !== document.body; p = p.parentElement) {
            const s = getComputedStyle(p);
            const r = p.getBoundingClientRect();
            if ((s.clipPath !== 'none' || s.clip !== 'auto') && r.width <= 1 && r.height <= 1)
                return true;
        }
        return false;
    };
    return [...document.querySelectorAll('table, table *')]
    .filter(el => {
        if (meantHidden(el)) return false;
        const s = getComputedStyle(el);
        const hides = v => v === 'hidden' || v === 'clip';
        const cuts = hides(s.overflowX) || hides(s.overflow) || s.textOverflow === 'ellipsis';
        if (!cuts) return false;
        return el.scrollWidth > el.clientWidth + 1;
    })
    .map(el => el.outerHTML.slice(0, 160));
}"""

#: Boxes that scroll sideways and what they offer the reader: a tab stop and a visible hint.
SCROLL_BOXES = """() => [...document.querySelectorAll('.table-wrap')]
    .filter(w => w.scrollWidth > w.clientWidth && w.offsetParent !== null)
    .map(w => {
        const hint = w.previousElementSibling;
        return {
            html: w.outerHTML.slice(0, 120),
            focusable: w.tabIndex === 0,
            hint: !!(hint && hint.classList.contains('scroll-hint') && hint.offsetParent !== null
                     && hint.innerText.trim()),
            council: !!w.querySelector('table.council-table, table.reflow'),
        };
    })"""


def layout_problems(page: Page) -> list[str]:
    """What is cut off or hidden on the page as it is now (empty: all is readable)."""
    problems = []
    try:
        assert_no_horizontal_scroll(page)
    except AssertionError as exc:
        problems.append(str(exc))
    clipped = page.evaluate(CLIPPED_IN_TABLES)
    if clipped:
        problems.append(f"clipped text in a table: {clipped}")
    for box in page.evaluate(SCROLL_BOXES):
        if box["council"]:
            problems.append(f"the Council's table scrolls instead of becoming cards: {box['html']}")
        if not box["focusable"] or not box["hint"]:
            problems.append(f"a table scrolls without a hint or a tab stop: {box}")
    return problems


def _open_as(browser_page: Callable[..., Page], who: str | None, lang: str) -> Page:
    """A phone-sized page of ``who`` (logged in through the form) in ``lang``.

    The language is remembered for the account, so a login may land in either one.
    """
    page = browser_page()
    page.set_viewport_size(PHONE)
    page.goto("/login" if who else "/")
    if who is not None:
        page.get_by_label("Adres e-mail").fill(who)
        page.get_by_label("Hasło", exact=True).fill(PASSWORD)
        page.get_by_role("button", name="Zaloguj się").click()
        expect(page.get_by_role("button", name=re.compile("^(Wyloguj|Log out)$"))).to_be_visible()
    switch = page.get_by_role("button", name="English" if lang == "en" else "Polski")
    if switch.count():
        switch.click()
        page.wait_for_load_state()
    expect(page.locator("html")).to_have_attribute("lang", lang)
    return page


@pytest.mark.parametrize("lang", ["pl", "en"])
@pytest.mark.parametrize("who", [None, REP, CHAIR, ADMIN], ids=["public", "rep", "chair", "admin"])
def test_every_page_fits_a_phone(
    browser_page: Callable[..., Page],
    seeded: Seeded,
    shot: Any,
    who: str | None,
    lang: str,
) -> None:
    page = _open_as(browser_page, who, lang)
    failures: list[str] = []
    for template in PAGES[who]:
        url = _url(template, seeded)
        response = page.goto(url)
        assert response is not None
        if response.status >= 400:
            failures.append(f"{url}: HTTP {response.status}")
            continue
        page.wait_for_load_state("networkidle")
        shot(page, f"{lang} {template}")
        failures += [f"{url}: {p}" for p in layout_problems(page)]
        try:
            assert_accessible(page, lang)
        except AssertionError as exc:
            failures.append(f"{url}: {exc}")
    assert not failures, "\n".join(failures)


def test_the_public_results_put_the_council_first_and_link_the_protocol(
    browser_page: Callable[..., Page], seeded: Seeded, shot: Any
) -> None:
    page = _open_as(browser_page, None, "pl")
    page.get_by_role("link", name="Wybory: kandydaci, wyniki i skład Rady").click()
    page.get_by_role("link", name="Wyniki wyborów").first.click()
    headings = page.get_by_role("heading", level=2).all_inner_texts()
    assert headings[0].startswith("Skład Rady"), headings
    assert page.get_by_role("heading", level=3).all_inner_texts()[:3] == [
        "Gminy",
        "Powiaty",
        "Miasta na prawach powiatu",
    ]
    protocol = page.get_by_role("link", name="Protokół z wyboru członków Rady (PDF)")
    assert protocol.get_attribute("href") == f"/api/v1/elections/{seeded.election_id}/protocol.pdf"
    body = page.locator("main").inner_text()
    assert "wylosowano: " in body and "Losował(a)" not in body
    # "Tura 1" once: the heading; the table's caption is for screen readers only.
    assert body.count("Tura 1\n") == 3, body
    assert page.locator("table.results caption.visually-hidden").count() >= 3
    assert "(w losowaniu)" in body
    # The Council as cards on the phone: every member's seat and Partner are visible.
    card = page.locator("table.reflow tbody tr").first
    assert card.evaluate("tr => getComputedStyle(tr).display") == "block"
    assert card.locator("td").nth(2).get_attribute("data-label") == "Miejsce w Radzie"
    assert (
        card.locator("td").nth(2).evaluate("td => getComputedStyle(td, '::before').content")
        == '"Miejsce w Radzie: "'
    )
    shot(page, "public results on a phone")


def test_a_wide_table_says_it_scrolls_and_takes_the_focus(
    browser_page: Callable[..., Page], seeded: Seeded
) -> None:
    """The admin's Partner register is wider than a phone: the hint shows, Tab reaches it."""
    page = _open_as(browser_page, ADMIN, "pl")
    page.goto("/admin/audit/")
    boxes = page.evaluate(SCROLL_BOXES)
    assert boxes, "the audit log's table should be wider than a phone (the seed's long names)"
    assert all(b["hint"] and b["focusable"] for b in boxes), boxes
    assert page.locator(".scroll-hint").first.inner_text() == (
        "Tabela jest szersza niż ekran: przewiń w bok →"
    )


def test_the_check_button_sits_level_with_its_input(
    browser_page: Callable[..., Page], seeded: Seeded, shot: Any
) -> None:
    """On a laptop the receipt check's "Sprawdź" is beside the code box, top to top and
    as tall as it (the hint under the box does not push the button down)."""
    page = browser_page()
    page.goto(f"/public/elections/{seeded.election_id}/receipts")
    box = page.get_by_label("Kod pokwitowania").bounding_box()
    button = page.get_by_role("button", name="Sprawdź").bounding_box()
    assert box is not None and button is not None
    assert abs(button["y"] - box["y"]) <= 2, (box, button)
    assert abs(button["height"] - box["height"]) <= 4, (box, button)
    assert button["x"] > box["x"] + box["width"], "the button is beside the box"
    shot(page, "receipt check on a laptop")


def test_the_council_is_cards_on_a_phone_even_without_javascript(
    browser_page: Callable[..., Page], seeded: Seeded, shot: Any
) -> None:
    page = browser_page(java_script_enabled=False)
    page.set_viewport_size(PHONE)
    for url in (f"/public/elections/{seeded.election_id}/results",):
        page.goto(url)
        assert not layout_problems(page), layout_problems(page)
        rows = page.locator("table.reflow tbody tr")
        assert rows.count() == 9
        assert rows.first.evaluate("tr => getComputedStyle(tr).display") == "block"
        assert rows.first.locator("td").nth(2).get_attribute("data-label") == "Miejsce w Radzie"
        shot(page, "public results without javascript")
