"""The meeting's ways out, in a real browser (issue 14): the chair records who is present
and watches the quorum and the Partners not yet voted; a Partner's authorised person
(pełnomocnik) gets an account and votes for it, still one ballot per Partner; a candidate
withdraws after the list was published, so the open round is annulled and reopened
without them; after certification an elected member resigns and a by-election fills the
seat; the public sees the current Council and its history.

The steps that are not what is tested here (publishing, voting start, most ballots, the
appointments, running the by-election) are done through the services
(``tests/support/world.py``); the ballot pages have their own test (``test_meeting``).
The server keeps the ballot box's key (the tellers' custody is ``test_meeting``'s).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Locator, Page, expect
from pypdf import PdfReader

from election.partners.models import PartnerGroup
from tests.browser.test_meeting import cast_ballot, certify, flashes
from tests.factories.people import LINK_RE, SCAN
from tests.support.browser import assert_accessible, login
from tests.support.mail import Mailbox
from tests.support.world import (
    Meeting,
    appoint,
    build_meeting,
    by_election_of,
    cast_online,
    close_voting,
    run_by_election,
    start_meeting,
)

pytestmark = pytest.mark.browser

GMINA = PartnerGroup.GMINA
POWIAT = PartnerGroup.POWIAT
MIASTO = PartnerGroup.MIASTO_NPP

#: Who the chair marks present, and how (Bobrowniki stays away).
PRESENT = {
    "Będzin": "na sali",
    "Czeladź": "na sali",
    "Wojkowice": "online",
    "Powiat będziński": "na sali",
    "Powiat bielski": "na sali",
    "Powiat cieszyński": "online",
    "Katowice": "na sali",
    "Gliwice": "online",
}

#: The person Wojkowice authorises to act for it at the meeting.
AUTHORISED = ("Teodor Pełnomocny", "Zastępca Burmistrza", "pelnomocnik@wojkowice.example.pl")
AUTHORISED_PASSWORD = "Pełnomocnictwo-Wojkowice-2026"

#: Who stands in the by-election for the seat Anna Nowak leaves.
NEWCOMER = ("Katarzyna Wójcik", "Skarbnik Gminy", "Wojkowice")


@pytest.fixture(scope="module")
def meeting(seed: Callable[..., Any]) -> Meeting:
    """The meeting in voting, every round open, with a quorum of half the roll."""
    built: Meeting = seed(build_meeting, 50)
    seed(start_meeting, built.election_id)
    return built


def attendance_row(page: Page, group: str) -> Locator:
    return page.locator(f'table.attendance-table tr[data-group="{group}"]')


def wait_for_mail(mailbox: Mailbox, address: str, timeout: float = 10.0) -> str:
    """The body of the first message to ``address`` (sent after the commit, by a thread)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = mailbox.to(address)
        if found:
            body = found[0].get_payload(decode=True)
            assert isinstance(body, bytes)
            return body.decode()
        time.sleep(0.1)
    raise AssertionError(f"no message to {address} within {timeout} s")


# --- attendance and quorum ------------------------------------------------------------------


def record_attendance(chair: Page, eid: int, shot: Any) -> None:
    """The chair marks the Partners present, in the room or online, on the attendance list;
    the search box narrows the list at once."""
    chair.goto(f"/results/{eid}/dashboard")
    attendance = chair.locator("section.attendance")
    expect(attendance).to_contain_text("Obecnych Partnerów: 0 z 9 uprawnionych.")
    chair.get_by_role("link", name="Lista obecności").click()
    expect(chair.get_by_role("heading", level=1)).to_contain_text("Lista obecności")
    assert_accessible(chair)
    shot(chair, "attendance list")
    # Typing filters the list without a round trip.
    chair.get_by_label("Szukaj Partnera (nazwa lub TERYT)").fill("czel")
    expect(chair.locator("table.roster tbody tr:visible")).to_have_count(1)
    expect(chair.locator("table.roster tbody tr:visible")).to_contain_text("Czeladź")
    chair.get_by_label("Szukaj Partnera (nazwa lub TERYT)").fill("")
    for partner, mode in PRESENT.items():
        row = chair.locator("table.roster tbody tr").filter(
            has=chair.get_by_role("rowheader", name=partner, exact=True)
        )
        row.get_by_role("button", name=re.compile(f"^{mode}")).click()
        expect(flashes(chair)).to_contain_text(f"Zapisano: {mode}.")
        expect(row.locator("[data-state]")).to_have_text(mode)
    shot(chair, "attendance recorded")


def check_quorum(dashboard: Page, shot: Any) -> None:
    """Per group: present / required / voted and the quorum; who has not voted yet."""
    gmina = attendance_row(dashboard, "gmina")
    expect(gmina.locator("[data-present]")).to_contain_text("3")
    expect(gmina.locator("[data-present]")).to_contain_text("na sali: 2, online: 1")
    expect(gmina.locator("[data-required]")).to_have_text("2")
    expect(gmina.locator("[data-voted]")).to_have_text("0")
    expect(gmina.locator("[data-quorum]")).to_contain_text("brakuje 2 głosów")
    expect(attendance_row(dashboard, "miasto_npp").locator("[data-required]")).to_have_text("1")
    not_voted = dashboard.locator("ul.not-voted").first
    for partner in ("Będzin", "Czeladź", "Wojkowice", "Bobrowniki"):
        expect(not_voted).to_contain_text(partner)
    assert_accessible(dashboard)
    shot(dashboard, "dashboard attendance and quorum")


# --- the authorised voter -------------------------------------------------------------------


def authorise(admin: Page, chair: Page, eid: int, folder: Path, shot: Any) -> None:
    """The admin records Wojkowice's authorisation with its scan; the chair verifies it,
    which makes the person an account of Wojkowice's representative and invites them."""
    name, position, email = AUTHORISED
    scan = folder / "pełnomocnictwo.pdf"
    scan.write_bytes(SCAN)
    today = dt.date.today()
    admin.goto(f"/elections/{eid}/authorisations")
    expect(admin.get_by_role("heading", level=1)).to_contain_text("Pełnomocnictwa")
    assert_accessible(admin)
    admin.get_by_label("Partner", exact=True).select_option(label="Wojkowice (2401031)")
    admin.get_by_label("Imię i nazwisko osoby upoważnionej").fill(name)
    admin.get_by_label("Stanowisko").fill(position)
    admin.get_by_label("Adres e-mail").fill(email)
    admin.get_by_label("Ważne od").fill(today.isoformat())
    admin.get_by_label("Ważne do (włącznie)").fill((today + dt.timedelta(days=1)).isoformat())
    admin.get_by_label(re.compile(r"^Skan pełnomocnictwa")).set_input_files(str(scan))
    shot(admin, "authorisation form")
    admin.get_by_role("button", name="Zapisz pełnomocnictwo").click()
    expect(flashes(admin)).to_contain_text(
        f"Zapisano pełnomocnictwo dla {name}; czeka na weryfikację."
    )
    row = admin.locator("table.authorisations tbody tr", has_text=name)
    expect(row).to_contain_text("Wojkowice")
    assert_accessible(admin)
    shot(admin, "authorisation submitted")

    chair.goto(f"/elections/{eid}/authorisations")
    row = chair.locator("table.authorisations tbody tr", has_text=name)
    # The scan downloads for the one who checks it.
    with chair.expect_download() as download:
        row.get_by_role("link", name=re.compile(r"^pobierz")).click()
    assert Path(download.value.path()).read_bytes() == SCAN
    assert_accessible(chair)
    row.get_by_role("button", name="Zweryfikuj i załóż konto").click()
    expect(flashes(chair)).to_contain_text(
        f"Pełnomocnictwo zweryfikowane; wysłano zaproszenie na adres {email}."
    )
    expect(chair.locator("table.authorisations tbody tr", has_text=name)).to_have_attribute(
        "data-status", "verified"
    )
    shot(chair, "authorisation verified")


def authorised_votes(
    person: Page, other_rep: Page, mailbox: Mailbox, eid: int, gminy: list[str], shot: Any
) -> None:
    """The authorised person sets a password from the invitation, logs in and votes for
    Wojkowice; Wojkowice's own representative then finds the Partner has voted."""
    _name, _position, email = AUTHORISED
    body = wait_for_mail(mailbox, email)
    assert "Wojkowice" in body, body
    link = LINK_RE.search(body)
    assert link, body
    person.goto(link.group(1))
    expect(person.get_by_role("heading", level=1)).to_have_text("Ustaw hasło")
    person.get_by_label("Nowe hasło").fill(AUTHORISED_PASSWORD)
    person.get_by_label("Powtórz hasło").fill(AUTHORISED_PASSWORD)
    person.get_by_role("button", name="Zapisz hasło").click()
    expect(flashes(person)).to_contain_text("Hasło zostało ustawione.")
    login(person, email, AUTHORISED_PASSWORD)
    cast_ballot(person, eid, gminy[:2], shot, "authorised")

    other_rep.goto(f"/voting/{eid}")
    expect(other_rep.get_by_text("Twój Partner już głosował")).to_be_visible()
    expect(other_rep.get_by_role("link", name="Głosuj")).to_have_count(0)
    shot(other_rep, "wojkowice rep sees the vote")


# --- withdrawal after publication -----------------------------------------------------------


def withdraw(chair: Page, eid: int, powiaty: list[str], shot: Any) -> None:
    """Zieliński withdraws while the powiaty's round is open (one ballot in it): the round
    is annulled and a new one opened without him."""
    leaving = powiaty[2]
    chair.goto(f"/results/{eid}/dashboard")
    powiat_live = chair.locator('[data-live-group="powiat"]')
    expect(powiat_live).to_contain_text(leaving)
    chair.get_by_role("link", name="Kandydat wycofuje kandydaturę").click()
    expect(chair.get_by_role("heading", level=1)).to_have_text(
        "Wycofanie kandydatury po opublikowaniu listy"
    )
    assert_accessible(chair)
    chair.get_by_label("Kandydat").select_option(label=f"{leaving} (powiaty)")
    chair.get_by_label("Powód").fill("Oświadczenie kandydata złożone na zebraniu.")
    shot(chair, "withdrawal")
    chair.get_by_role("button", name="Zapisz wycofanie kandydatury").click()
    expect(flashes(chair)).to_contain_text(
        f"Zapisano wycofanie kandydatury: {leaving}. Unieważnione tury: 1."
    )
    expect(chair.get_by_role("heading", level=1)).to_contain_text("Panel przewodniczącego")
    expect(powiat_live).to_contain_text("Tura 2")
    expect(powiat_live.locator(".candidates-line")).to_have_text(
        f"Kandydaci: {powiaty[0]}, {powiaty[1]}"
    )
    expect(attendance_row(chair, "powiat").locator("[data-voted]")).to_have_text("0")
    assert_accessible(chair)
    shot(chair, "round reopened without the candidate")


# --- the test -------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_ways_out(
    meeting: Meeting,
    browser_page: Callable[..., Page],
    seed: Callable[..., Any],
    smtp_server: tuple[Mailbox, int],
    shot: Any,
    tmp_path: Path,
) -> None:
    eid = meeting.election_id
    gminy = [name for name, _p in meeting.candidates[GMINA]]
    powiaty = [name for name, _p in meeting.candidates[POWIAT]]
    miasta = [name for name, _p in meeting.candidates[MIASTO]]
    reps = meeting.reps

    # --- attendance and quorum, live on the dashboard ---------------------------------------
    chair = browser_page()
    login(chair, meeting.chair.email)
    record_attendance(chair, eid, shot)
    dashboard = browser_page(storage_state=chair.context.storage_state())
    dashboard.goto(f"/results/{eid}/dashboard")
    dashboard.evaluate("window.__notReloaded = true")
    check_quorum(dashboard, shot)

    # --- Wojkowice's authorised person votes for it ------------------------------------------
    admin = browser_page()
    login(admin, meeting.admin.email)
    authorise(admin, chair, eid, tmp_path, shot)
    wojkowice = browser_page()
    login(wojkowice, reps["Wojkowice"].email)
    authorised_votes(browser_page(), wojkowice, smtp_server[0], eid, gminy, shot)
    # The dashboard follows without a reload: one vote in, one still missing for quorum.
    gmina = attendance_row(dashboard, "gmina")
    expect(gmina.locator("[data-voted]")).to_have_text("1")
    expect(gmina.locator("[data-quorum]")).to_contain_text("brakuje 1 głosu")
    expect(dashboard.locator("ul.not-voted").first).not_to_contain_text("Wojkowice")

    # --- a candidate withdraws after the list was published ----------------------------------
    seed(cast_online, eid, reps["Powiat będziński"].email, POWIAT, powiaty[1:])
    expect(attendance_row(dashboard, "powiat").locator("[data-voted]")).to_have_text("1")
    withdraw(chair, eid, powiaty, shot)
    # The Partner whose ballot was annulled votes again, on the new ballot.
    starosta = browser_page()
    login(starosta, reps["Powiat będziński"].email)
    starosta.goto(f"/voting/{eid}")
    starosta.get_by_role("link", name="Głosuj").click()
    expect(starosta.get_by_role("heading", level=1)).to_have_text("Karta do głosowania")
    expect(starosta.get_by_label(powiaty[0])).to_be_visible()
    expect(starosta.get_by_label(powiaty[2])).to_have_count(0)
    cast_ballot(starosta, eid, powiaty[:2], shot, "after withdrawal")

    # --- the others vote; quorum is met; the chair closes and certifies -----------------------
    seed(cast_online, eid, reps["Będzin"].email, GMINA, gminy[:2])
    seed(cast_online, eid, reps["Czeladź"].email, GMINA, [gminy[0], gminy[2]])
    for partner in ("Powiat bielski", "Powiat cieszyński"):
        seed(cast_online, eid, reps[partner].email, POWIAT, powiaty[:2])
    for partner in ("Katowice", "Gliwice"):
        seed(cast_online, eid, reps[partner].email, MIASTO, miasta)
    expect(gmina.locator("[data-voted]")).to_have_text("3")
    expect(gmina.locator("[data-quorum]")).to_contain_text("osiągnięte")
    not_voted = dashboard.locator("#not-voted-gmina + ul.not-voted")
    expect(not_voted.locator("li")).to_have_count(1)
    expect(not_voted).to_contain_text("Bobrowniki")
    expect(dashboard.locator("#not-voted-powiat")).to_contain_text("(0)")
    assert dashboard.evaluate("window.__notReloaded === true"), "the dashboard was reloaded"
    assert_accessible(dashboard)
    shot(dashboard, "quorum met")

    seed(close_voting, eid)
    seed(appoint, eid, slice(0, 3))
    chair.goto(f"/council/{eid}/")
    certify(chair, shot, members=9)
    # The protocol lists the authorisation (who acted for which Partner).
    href = chair.get_by_role("link", name="Protokół (PDF)").get_attribute("href")
    response = chair.context.request.get(href or "")
    assert response.ok, response.status
    text = " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages).split()
    )
    assert AUTHORISED[0] in text and "Wojkowice" in text, text[-2000:]
    # The projector and the dashboard show the final Council, its seats in words.
    projector = browser_page(storage_state=chair.context.storage_state())
    projector.goto(f"/results/{eid}/projector")
    dashboard.reload()
    for screen in (projector, dashboard):
        final = screen.locator(".final-council")
        expect(final.locator("tbody tr")).to_have_count(9)
        expect(final).to_contain_text(f"{gminy[0]} Sekretarz Miasta przedstawiciel gmin Będzin")
        expect(final).to_contain_text("przedstawiciel ŚCSI")
        expect(final).not_to_contain_text("miasto_npp")
    assert_accessible(projector)
    shot(projector, "projector final council")

    # --- a member resigns; a by-election fills the seat -------------------------------------
    leaving = gminy[0]
    chair.goto(f"/council/{eid}/term")
    expect(chair.get_by_role("heading", level=1)).to_have_text(
        "Rada ds. systemu SEKAP w trakcie kadencji"
    )
    expect(chair.get_by_text("Wszystkie miejsca w Radzie są obsadzone.")).to_be_visible()
    assert_accessible(chair)
    shot(chair, "council in its term")
    chair.get_by_role("link", name=f"Wygaśnięcie mandatu — {leaving}").click()
    expect(chair.get_by_role("heading", level=1)).to_have_text(f"Wygaśnięcie mandatu: {leaving}")
    assert_accessible(chair)
    chair.get_by_label("Przyczyna").select_option(label="rezygnacja")
    chair.get_by_label("Uwagi (np. znak pisma z rezygnacją)").fill("Pismo z dnia dzisiejszego")
    shot(chair, "mandate end")
    chair.get_by_role("button", name="Zapisz wygaśnięcie mandatu").click()
    expect(flashes(chair)).to_contain_text(f"Zapisano wygaśnięcie mandatu: {leaving}.")
    expect(chair.locator("main")).to_contain_text("1 wolne miejsce")
    expect(chair.get_by_text("Wybory uzupełniające ogłasza administrator.")).to_be_visible()
    shot(chair, "seat open")

    admin.goto(f"/council/{eid}/term")
    admin.get_by_role("link", name="Ogłoś wybory uzupełniające: gminy").click()
    expect(admin.get_by_role("heading", level=1)).to_have_text("Wybory uzupełniające: gminy")
    expect(admin.locator("main")).to_contain_text("Wybory obsadzą 1 wolne miejsce w grupie.")
    assert_accessible(admin)
    admin.get_by_label("Miejsce zebrania").fill("Katowice, ul. Ligonia 46")
    shot(admin, "by-election form")
    admin.get_by_role("button", name="Utwórz wybory uzupełniające").click()
    expect(flashes(admin)).to_contain_text(
        "Utworzono wybory uzupełniające (miejsca do obsadzenia: 1)"
    )
    by_id = seed(by_election_of, eid)
    assert admin.url.endswith(f"/elections/{by_id}")
    shot(admin, "by-election created")

    name, position, partner = NEWCOMER
    voters = [reps[p].email for p in ("Będzin", "Czeladź", "Bobrowniki")]
    seed(run_by_election, by_id, name, position, partner, voters)
    chair.goto(f"/council/{by_id}/")
    certify(chair, shot, members=1)

    # --- the public sees the Council now, and its history ------------------------------------
    public = browser_page()
    public.goto(f"/public/elections/{eid}/council")
    expect(public.get_by_role("heading", level=1)).to_have_text("Rada ds. systemu SEKAP")
    current = public.locator(
        "section", has=public.get_by_role("heading", name=re.compile("^Obecny skład Rady"))
    )
    expect(current.locator("caption")).to_have_text("9 członków Rady")
    expect(current.get_by_role("cell", name=name, exact=True)).to_be_visible()
    expect(current.get_by_role("cell", name=leaving, exact=True)).to_have_count(0)
    history = public.locator(
        "section", has=public.get_by_role("heading", name="Kto zasiadał w Radzie i kiedy")
    )
    expect(history.locator("tbody tr", has_text=leaving)).to_contain_text("rezygnacja")
    expect(history.locator("tbody tr", has_text=name)).to_contain_text("wybory uzupełniające")
    expect(public.locator("main")).to_contain_text("Wybory uzupełniające")
    assert_accessible(public)
    shot(public, "public council and its history")
