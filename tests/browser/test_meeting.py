"""The Partners' meeting, end to end in a real browser.

The admin publishes the candidates; the reps read the Regulamin and adopt it; the chair
opens the rounds; the reps vote (one submits twice, a second rep of the same Partner
tries again, one uses the keyboard alone, one a phone); the chair enters a paper ballot
while the dashboard and the projector update without a reload; a tie among the powiaty
goes to a runoff; the admin appoints; the chair certifies; the public sees the Council
and the protocol downloads.

Every person has their own browser context (their own device and session).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect
from pypdf import PdfReader

from election.partners.models import PartnerGroup
from tests.support.browser import (
    PHONE,
    assert_accessible,
    assert_english,
    assert_no_horizontal_scroll,
    focus_is_visible,
    login,
    tab_to,
)
from tests.support.world import (
    APPOINTED,
    CANDIDATES,
    PARTNERS,
    Meeting,
    appoint,
    build_meeting,
)

pytestmark = pytest.mark.browser

#: Names that are data, not UI text: they stay Polish on English pages.
DATA = (
    "Wybory Rady ds. systemu SEKAP 2026–2030",
    "Regulamin wyboru Członków Rady ds. systemu SEKAP",
    "Katowice, ul. Ligonia 46",
)


@pytest.fixture(scope="module")
def meeting(seed: Callable[..., Any]) -> Meeting:
    return seed(build_meeting)


def data_of(meeting: Meeting) -> tuple[str, ...]:
    """Every Polish string of the meeting's data: names, logins, positions, places."""
    persons = [meeting.admin, meeting.chair, meeting.second_rep, *meeting.reps.values()]
    people = [p.name for p in persons] + [p.email for p in persons]
    people += [text for _g, *texts in CANDIDATES for text in texts]
    people += [text for _seat, *texts in APPOINTED for text in texts]
    strings = {*DATA, *people, *(name for _g, _t, name, _e in PARTNERS), "Rada SEKAP"}
    # Longest first: a name is taken out before a shorter name inside it.
    return tuple(sorted(strings, key=len, reverse=True))


def group_section(page: Page, selector: str, heading: str) -> Locator:
    """The section of one group (its heading is the group's label)."""
    return page.locator(selector).filter(has=page.get_by_role("heading", name=heading, exact=False))


def cast_ballot(page: Page, election_id: int, names: list[str], shot: Any, who: str) -> str:
    """Vote through the ballot, the confirmation and the receipt; return the receipt."""
    page.goto(f"/voting/{election_id}")
    page.get_by_role("link", name="Głosuj").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Karta do głosowania")
    for name in names:
        page.get_by_label(name).check()
    page.get_by_role("button", name="Dalej: sprawdź wybór").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sprawdź swój wybór")
    for name in names:
        expect(page.locator(".confirm-choice")).to_contain_text(name)
    page.get_by_role("button", name="Oddaj głos").click()
    return read_receipt(page, shot, who)


def read_receipt(page: Page, shot: Any, who: str) -> str:
    expect(page.get_by_role("heading", level=1)).to_have_text("Pokwitowanie głosu")
    expect(page.get_by_role("status")).to_contain_text("Głos Twojego Partnera został oddany")
    code = page.locator(".receipt-code").inner_text().strip()
    assert re.fullmatch(r"[0-9A-Z-]{6,}", code), code
    shot(page, f"receipt {who}")
    return code


@pytest.mark.slow
def test_the_meeting(
    meeting: Meeting,
    browser_page: Callable[..., Page],
    shot: Any,
    seed: Callable[..., Any],
) -> None:
    eid = meeting.election_id
    gminy = [name for name, _p in meeting.candidates[PartnerGroup.GMINA]]
    powiaty = [name for name, _p in meeting.candidates[PartnerGroup.POWIAT]]
    miasta = [name for name, _p in meeting.candidates[PartnerGroup.MIASTO_NPP]]

    # --- the admin publishes the candidate list ---------------------------------------------
    admin = browser_page()
    login(admin, meeting.admin.email)
    admin.goto(f"/candidates/{eid}/")
    expect(admin.get_by_role("heading", level=1)).to_contain_text("Kandydaci")
    assert_accessible(admin)
    shot(admin, "admin candidates")
    admin.get_by_role("button", name="Opublikuj listę kandydatów").click()
    expect(admin.get_by_role("status")).to_contain_text("Opublikowano listę kandydatów")
    shot(admin, "list published")

    # Anyone can read the published list, without logging in.
    public = browser_page()
    public.goto(f"/public/elections/{eid}/candidates")
    for name in gminy + powiaty + miasta:
        expect(public.get_by_text(name, exact=True).first).to_be_visible()
    assert_accessible(public)
    shot(public, "public candidate list")

    # --- the reps read the Regulamin and vote on it; the chair runs the motion -------------
    chair = browser_page()
    login(chair, meeting.chair.email)
    chair.goto(f"/elections/{eid}/motion")
    chair.get_by_role("button", name="Otwórz głosowanie nad uchwałą").click()
    expect(chair.get_by_role("status")).to_contain_text("Otwarto głosowanie nad uchwałą.")
    assert_accessible(chair)
    shot(chair, "motion opened")

    reps: dict[str, Page] = {}
    for partner in ("Będzin", "Czeladź", "Katowice", "Powiat bielski"):
        page = browser_page()
        login(page, meeting.reps[partner].email)
        reps[partner] = page
    for partner, choice in [("Będzin", "za"), ("Czeladź", "za"), ("Katowice", "przeciw")]:
        page = reps[partner]
        page.get_by_role("link", name="Wybory", exact=True).click()
        page.get_by_role("link", name="Przeczytaj Regulamin").click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Regulamin wyboru Członków Rady")
        expect(page.locator(".rules-text")).to_contain_text("§ 3. Remis na ostatnim miejscu")
        if partner == "Będzin":
            assert_accessible(page)
            shot(page, "rules")
        page.go_back()
        page.get_by_role("link", name="Przejdź do głosowania").click()
        page.get_by_role("radio", name=choice, exact=True).check()
        page.get_by_role("button", name="Oddaj głos").click()
        expect(page.get_by_role("status")).to_contain_text("Twój głos został zapisany.")
        if partner == "Będzin":
            assert_accessible(page)
            shot(page, "motion vote recorded")
    # A second rep of Czeladź cannot vote again for the same Partner.
    second = browser_page()
    login(second, meeting.second_rep.email)
    second.goto(f"/elections/{eid}/motion/vote")
    expect(second.get_by_text("Czeladź już głosował")).to_be_visible()
    expect(second.get_by_role("button", name="Oddaj głos")).to_have_count(0)
    shot(second, "motion second rep")

    # The chair records a Partner voting on paper, then closes the motion.
    chair.reload()
    chair.get_by_label("Partner", exact=True).select_option(label="Powiat będziński (powiat)")
    chair.get_by_role("radio", name="za", exact=True).check()
    chair.get_by_role("button", name="Zapisz głos").click()
    expect(chair.get_by_role("status")).to_contain_text("Powiat będziński")
    counts = chair.locator("table.motion-counts")
    expect(counts.locator("caption")).to_have_text("Głosy: 4 z 9 uprawnionych Partnerów")
    expect(counts.locator("tbody td")).to_have_text(["3", "1", "0"])
    chair.get_by_role("button", name="Zamknij głosowanie i ogłoś wynik").click()
    expect(chair.get_by_role("status")).to_contain_text("uchwała została przyjęta")
    expect(chair.get_by_text("Wynik: uchwała przyjęta.")).to_be_visible()
    shot(chair, "motion adopted")

    # --- the chair starts voting and opens the rounds -----------------------------------------
    chair.goto(f"/elections/{eid}")
    chair.get_by_role("button", name="Rozpocznij głosowanie").click()
    expect(chair.get_by_role("status")).to_contain_text("spis uprawnionych został zamrożony")
    chair.goto(f"/voting/{eid}/chair")
    chair.get_by_role("button", name="Otwórz wszystkie tury").click()
    expect(chair.get_by_role("status")).to_contain_text("Otwarto 3 tury.")
    assert_accessible(chair)
    shot(chair, "rounds open")

    # The dashboard and the projector stay open on their own screens from now on.
    # (The chair's session, as on the laptop by the projector.)
    dashboard = browser_page(storage_state=chair.context.storage_state())
    dashboard.goto(f"/results/{eid}/dashboard")
    projector = browser_page(storage_state=chair.context.storage_state())
    projector.goto(f"/results/{eid}/projector")
    for screen in (dashboard, projector):
        expect(screen.locator("#live-state")).to_have_text(
            "Aktualizacja na żywo: co niecałą sekundę."
        )
        # Set on the page once: still there later proves the page was never reloaded.
        screen.evaluate("window.__notReloaded = true")
    assert_accessible(dashboard)
    shot(dashboard, "dashboard before")

    # --- the reps vote ------------------------------------------------------------------------
    receipts = [cast_ballot(reps["Będzin"], eid, [gminy[0], gminy[1]], shot, "bedzin")]

    # Czeladź: the confirmation open in two tabs; a double click in one, then the other.
    czeladz = reps["Czeladź"]
    czeladz.goto(f"/voting/{eid}")
    czeladz.get_by_role("link", name="Głosuj").click()
    czeladz.get_by_label(gminy[0]).check()
    czeladz.get_by_label(gminy[2]).check()
    czeladz.get_by_role("button", name="Dalej: sprawdź wybór").click()
    other_tab = czeladz.context.new_page()
    other_tab.goto(f"/voting/{eid}")
    other_tab.get_by_role("link", name="Głosuj").click()
    other_tab.get_by_label(gminy[0]).check()
    other_tab.get_by_role("button", name="Dalej: sprawdź wybór").click()
    expect(other_tab.get_by_role("heading", level=1)).to_have_text("Sprawdź swój wybór")
    czeladz.get_by_role("button", name="Oddaj głos").dblclick()
    receipts.append(read_receipt(czeladz, shot, "czeladz"))
    other_tab.get_by_role("button", name="Oddaj głos").click()
    expect(other_tab.get_by_role("status")).to_contain_text(
        "Twój Partner już głosował w tej turze; głosu nie można zmienić."
    )
    shot(other_tab, "czeladz second submit refused")

    # The second rep of Czeladź finds the vote already cast.
    second.goto(f"/voting/{eid}")
    expect(second.get_by_text("Twój Partner już głosował")).to_be_visible()
    expect(second.get_by_role("link", name="Głosuj")).to_have_count(0)
    shot(second, "second rep sees the vote")

    # Bobrowniki votes with the keyboard alone.
    bobrowniki = browser_page()
    login(bobrowniki, meeting.reps["Bobrowniki"].email)
    bobrowniki.goto(f"/voting/{eid}")
    tab_to(bobrowniki, "a:text('Głosuj')")
    bobrowniki.keyboard.press("Enter")
    expect(bobrowniki.get_by_role("heading", level=1)).to_have_text("Karta do głosowania")
    first_box = bobrowniki.get_by_label(gminy[0])
    tab_to(bobrowniki, f"#{first_box.get_attribute('id')}")
    bobrowniki.keyboard.press("Space")
    expect(first_box).to_be_checked()
    shot(bobrowniki, "keyboard ballot")
    tab_to(bobrowniki, "button:text('Dalej: sprawdź wybór')")
    bobrowniki.keyboard.press("Enter")
    expect(bobrowniki.get_by_role("heading", level=1)).to_have_text("Sprawdź swój wybór")
    tab_to(bobrowniki, "button:text('Oddaj głos')")
    assert focus_is_visible(bobrowniki)
    bobrowniki.keyboard.press("Enter")
    receipts.append(read_receipt(bobrowniki, shot, "bobrowniki keyboard"))

    # The chair enters Wojkowice's paper ballot; both screens follow without a reload.
    chair.goto(f"/voting/{eid}/chair")
    group_section(chair, "section.chair-group", "gminy").get_by_role(
        "link", name="Wprowadź kartę papierową"
    ).click()
    expect(chair.get_by_role("heading", level=1)).to_have_text("Karta papierowa")
    assert_accessible(chair)
    chair.get_by_label("Partner").select_option(label="Wojkowice (2401031)")
    chair.get_by_label(gminy[1]).check()
    chair.get_by_role("button", name="Zapisz kartę papierową").click()
    expect(chair.get_by_role("status")).to_contain_text("Zapisano kartę papierową.")
    shot(chair, "paper ballot")
    # 4 of 4: Czeladź's double submission and its second rep made one ballot, not three.
    for screen, name in ((dashboard, "dashboard"), (projector, "projector")):
        turnout = screen.locator('[data-live-group="gmina"] .turnout')
        expect(turnout).to_contain_text(re.compile(r"Głosowało\s+4\s+z\s+4"))
        expect(turnout).to_contain_text(re.compile(r"na papierze:\s*1"))
        assert screen.evaluate("window.__notReloaded === true"), f"the {name} was reloaded"
        shot(screen, f"{name} after the paper ballot")
    assert_accessible(projector)

    # Powiaty: a tie for the second seat (Lewandowska 1, Zieliński 1) after Kamiński's 3.
    phone = browser_page()
    phone.set_viewport_size(PHONE)
    login(phone, meeting.reps["Powiat będziński"].email)
    phone.goto(f"/voting/{eid}")
    assert_no_horizontal_scroll(phone)
    phone.get_by_role("link", name="Głosuj").click()
    assert_no_horizontal_scroll(phone)
    assert_accessible(phone)
    shot(phone, "ballot on a phone")
    for name in powiaty:
        phone.get_by_label(name).check()
    # One tick too many is said at once, in words (a live region), not by colour alone.
    count = phone.locator(".ballot-count")
    expect(count).to_have_attribute("aria-live", "polite")
    expect(count).to_contain_text("Zaznaczono 3, a można najwyżej 2.")
    shot(phone, "too many ticks on a phone")
    phone.get_by_label(powiaty[2]).uncheck()
    expect(count).to_have_text("Zaznaczono 2 z 2 możliwych.")
    phone.get_by_role("button", name="Dalej: sprawdź wybór").click()
    assert_no_horizontal_scroll(phone)
    phone.get_by_role("button", name="Oddaj głos").click()
    read_receipt(phone, shot, "phone")
    assert_no_horizontal_scroll(phone)
    cast_ballot(reps["Powiat bielski"], eid, [powiaty[0], powiaty[2]], shot, "bielski")
    cieszyn = browser_page()
    login(cieszyn, meeting.reps["Powiat cieszyński"].email)
    cast_ballot(cieszyn, eid, [powiaty[0]], shot, "cieszyn")

    # Miasta: Katowice votes in English; Gliwice casts a blank ballot on paper.
    katowice = reps["Katowice"]
    allowed = data_of(meeting)
    katowice.goto(f"/voting/{eid}")
    katowice.get_by_role("button", name="English").click()
    assert_english(katowice, allowed)
    katowice.get_by_role("link", name="Vote", exact=True).click()
    expect(katowice.get_by_role("heading", level=1)).to_have_text("Ballot")
    expect(katowice.locator("fieldset legend")).to_have_text("Choose at most 2 candidates")
    assert_english(katowice, allowed)
    assert_accessible(katowice, lang="en")
    for name in miasta:
        katowice.get_by_label(name).check()
    katowice.get_by_role("button", name="Next: check your choice").click()
    expect(katowice.get_by_role("heading", level=1)).to_have_text("Check your choice")
    assert_english(katowice, allowed)
    katowice.get_by_role("button", name="Cast your vote").click()
    expect(katowice.get_by_role("heading", level=1)).to_have_text("Vote receipt")
    assert_english(katowice, allowed)
    assert_accessible(katowice, lang="en")
    shot(katowice, "receipt in English")
    receipts.append(katowice.locator(".receipt-code").inner_text().strip())

    # --- the chair closes the rounds; the tie goes to a runoff --------------------------------
    chair.goto(f"/voting/{eid}/chair")
    group_section(chair, "section.chair-group", "miasta na prawach powiatu").get_by_role(
        "link", name="Wprowadź kartę papierową"
    ).click()
    chair.get_by_label("Partner").select_option(label="Gliwice (2466011)")
    chair.get_by_role("button", name="Zapisz kartę papierową").click()
    expect(chair.get_by_role("status")).to_contain_text("Zapisano kartę papierową.")
    chair.goto(f"/voting/{eid}/chair")
    for _ in range(3):
        close = chair.locator("form.close-round").first
        close.get_by_role("checkbox").check()
        close.get_by_role("button", name="Zamknij turę").click()
        expect(chair.get_by_role("status")).to_contain_text("Zamknięto turę")
    shot(chair, "rounds closed")

    powiat_live = dashboard.locator('[data-live-group="powiat"]')
    expect(powiat_live).to_contain_text("Remis na ostatnim miejscu")
    expect(powiat_live).to_contain_text("należy przeprowadzić dogrywkę")
    expect(dashboard.locator('[data-live-group="gmina"]')).to_contain_text(
        f"Wybrani: {gminy[0]}, {gminy[1]}"
    )
    shot(dashboard, "tie")
    assert dashboard.evaluate("window.__notReloaded === true")
    powiat_live.get_by_role("button", name="Utwórz dogrywkę").click()
    expect(dashboard.get_by_role("status").first).to_contain_text("Utworzono dogrywkę (tura 2)")

    chair.goto(f"/voting/{eid}/chair")
    chair.get_by_role("button", name="Otwórz turę").click()
    expect(chair.get_by_role("status")).to_contain_text("Otwarto turę 2")
    for page, choice in ((phone, powiaty[1]), (reps["Powiat bielski"], powiaty[1])):
        cast_ballot(page, eid, [choice], shot, "runoff")
    cast_ballot(cieszyn, eid, [powiaty[2]], shot, "runoff cieszyn")
    chair.goto(f"/voting/{eid}/chair")
    close = chair.locator("form.close-round").first
    close.get_by_role("checkbox").check()
    close.get_by_role("button", name="Zamknij turę").click()
    expect(chair.get_by_role("status")).to_contain_text("Zamknięto turę 2")
    expect(powiat_live).to_contain_text(f"Wybrani: {powiaty[0]}, {powiaty[1]}")
    shot(dashboard, "runoff decided")

    chair.goto(f"/elections/{eid}")
    chair.get_by_role("button", name="Zakończ głosowanie").click()
    expect(chair.get_by_role("status")).to_contain_text("Zakończono głosowanie.")
    expect(projector.locator("[data-live-phase]").first).to_have_text("głosowanie zakończone")

    # --- the admin appoints; the chair certifies ---------------------------------------------
    _seat, leader, leader_position, leader_document = APPOINTED[0]
    admin.goto(f"/council/{eid}/")
    admin.get_by_role("link", name=re.compile(r"^Powołaj .*Lidera")).first.click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Powołanie członka Rady")
    assert_accessible(admin)
    admin.get_by_label("Imię i nazwisko").fill(leader)
    admin.get_by_label("Stanowisko").fill(leader_position)
    admin.get_by_label("Dokument powołania").fill(leader_document)
    admin.get_by_label("Data dokumentu").fill("2026-06-10")
    admin.get_by_role("button", name="Powołaj").click()
    expect(admin.get_by_role("status")).to_contain_text(f"Powołano: {leader}")
    # The two ŚCSI members are entered outside the browser: the form was just tested.
    seed(appoint, eid, slice(1, 3))
    admin.reload()
    expect(admin.get_by_text("Wszystkie miejsca w Radzie są obsadzone.")).to_be_visible()
    shot(admin, "council complete")

    chair.goto(f"/council/{eid}/")
    assert_accessible(chair)
    chair.get_by_role("button", name="Zatwierdź wyniki i skład Rady").click()
    expect(chair.get_by_role("status")).to_contain_text("Wyniki zatwierdzone")
    shot(chair, "certified")

    # The protocol PDF downloads (with the chair's session), in Polish, naming the Council.
    # It is served inline, so Chromium would show it in its viewer: fetch the link instead.
    href = chair.get_by_role("link", name="Protokół (PDF)").get_attribute("href")
    response = chair.context.request.get(href or "")
    assert response.ok, response.status
    assert response.headers["content-type"] == "application/pdf"
    pdf = response.body()
    assert pdf.startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    for name in (leader, gminy[0], powiaty[1], miasta[0]):
        assert name in text, name

    # --- the public results page shows the nine members ---------------------------------------
    public.goto(f"/public/elections/{eid}/results")
    council = public.locator("section", has=public.get_by_role("heading", name="Skład Rady"))
    expect(council.locator("caption")).to_have_text("9 członków Rady")
    for name in [leader, *(a[1] for a in APPOINTED[1:]), *gminy[:2], *powiaty[:2], *miasta]:
        expect(council.get_by_role("cell", name=name, exact=False).first).to_be_visible()
    assert_accessible(public)
    shot(public, "public results")
    public.set_viewport_size(PHONE)
    assert_no_horizontal_scroll(public)
    # The tables scroll in their boxes now; the keyboard can reach those boxes.
    expect(public.locator(".table-wrap[data-scroll-region]").first).to_be_attached()
    assert_accessible(public)
    shot(public, "public results on a phone")

    # The receipts of the online ballots are on the public list.
    public.goto(f"/public/elections/{eid}/receipts")
    for code in receipts:
        expect(public.get_by_text(code).first).to_be_visible()


def test_every_page_of_the_flow_reads_in_english(
    meeting: Meeting, browser_page: Callable[..., Page], shot: Any
) -> None:
    eid = meeting.election_id
    allowed = data_of(meeting)

    rep = browser_page()
    login(rep, meeting.reps["Będzin"].email)
    rep.get_by_role("button", name="English").click()
    for path in [f"/voting/{eid}", "/elections", f"/elections/{eid}/rules"]:
        rep.goto(path)
        assert_english(rep, allowed)
        assert_accessible(rep, lang="en")
        shot(rep, f"en {path}")

    visitor = browser_page()
    visitor.goto("/public/elections")
    visitor.get_by_role("button", name="English").click()
    for path in [
        "/public/elections",
        f"/public/elections/{eid}/candidates",
        f"/public/elections/{eid}/results",
        f"/public/elections/{eid}/receipts",
    ]:
        visitor.goto(path)
        assert_english(visitor, allowed)
        assert_accessible(visitor, lang="en")
        shot(visitor, f"en {path}")

    admin = browser_page()
    login(admin, meeting.admin.email)
    admin.get_by_role("button", name="English").click()
    for path in [
        "/elections",
        "/elections/new",
        f"/elections/{eid}/roll",
        f"/results/{eid}/projector/link",
        "/admin/lms",
        "/admin/audit/",
        "/account",
    ]:
        admin.goto(path)
        assert_english(admin, allowed)
        assert_accessible(admin, lang="en")
        shot(admin, f"en {path}")

    chair = browser_page()
    login(chair, meeting.chair.email)
    chair.get_by_role("button", name="English").click()
    for path in [
        f"/elections/{eid}",
        f"/elections/{eid}/motion",
        f"/voting/{eid}/chair",
        f"/results/{eid}/dashboard",
        f"/results/{eid}/projector",
        f"/council/{eid}/",
        f"/candidates/{eid}/",
    ]:
        chair.goto(path)
        assert_english(chair, allowed)
        assert_accessible(chair, lang="en")
        shot(chair, f"en {path}")
