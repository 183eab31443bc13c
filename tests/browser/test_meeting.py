"""The Partners' meeting, end to end in a real browser, once per custody of the ballot
box's key: ``server`` (as the rehearsal) and ``tellers`` (2 of 3 count each round).

The admin publishes the candidates; the reps read the Regulamin and adopt it; the chair
starts the vote (with tellers: hands each their sheet, which they confirm) and opens the
rounds; the reps vote (one submits twice, a second rep of the same Partner tries again,
one uses the keyboard alone, one a phone) and each keeps the tracking code shown once;
the chair issues paper ballots in the room while the dashboard and the projector update
without a reload; after closing, the papers from the box are entered without a name,
checked, and the rounds counted (with tellers: two of them enter their shares); a tie
among the powiaty goes to a runoff; the admin appoints; the chair certifies; the public
sees the Council, checks a tracking code, downloads the election record and recounts it
with ``python -m election.verify``.

Every person has their own browser context (their own device and session).
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
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
from tests.support.web import ROOT
from tests.support.world import (
    APPOINTED,
    CANDIDATES,
    PARTNERS,
    TELLERS,
    THRESHOLD,
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

#: A tracking code as shown: two groups of five (Crockford's base 32).
TRACKING_CODE = re.compile(r"[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}")


@pytest.fixture(scope="module", params=["server", "tellers"])
def app_variant(request: pytest.FixtureRequest) -> str:
    """The custody of the ballot box's key: every test here runs once per custody, each
    on an app and database of its own."""
    return str(request.param)


@pytest.fixture(scope="module")
def meeting(seed: Callable[..., Any]) -> Meeting:
    return seed(build_meeting)


def data_of(meeting: Meeting) -> tuple[str, ...]:
    """Every Polish string of the meeting's data: names, logins, positions, places."""
    persons = [meeting.admin, meeting.chair, meeting.second_rep, *meeting.reps.values()]
    people = [p.name for p in persons] + [p.email for p in persons]
    people += [text for _g, *texts in CANDIDATES for text in texts]
    people += [text for _seat, *texts in APPOINTED for text in texts]
    people += TELLERS
    strings = {*DATA, *people, *(name for _g, _t, name, _e in PARTNERS), "Rada SEKAP"}
    # Longest first: a name is taken out before a shorter name inside it.
    return tuple(sorted(strings, key=len, reverse=True))


def group_section(page: Page, selector: str, heading: str) -> Locator:
    """The section of one group (its heading is the group's label)."""
    return page.locator(selector).filter(has=page.get_by_role("heading", name=heading, exact=False))


def flashes(page: Page) -> Locator:
    """The page's messages after an action (a live region of its own)."""
    return page.locator(".flashes")


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
    """The tracking code shown (once) in the answer to the cast."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Pokwitowanie głosu")
    expect(page.locator("p[role=status]")).to_contain_text("Głos Twojego Partnera został oddany")
    expect(page.get_by_text("jest pokazywany tylko raz")).to_be_visible()
    code = page.locator(".receipt-code").inner_text().strip()
    assert TRACKING_CODE.fullmatch(code), code
    shot(page, f"receipt {who}")
    return code


# --- the ballot box's key -----------------------------------------------------------------


@dataclass(frozen=True)
class Sheet:
    """What a teller took home: the share (as printed) and the saved share file."""

    index: int
    name: str
    share: str
    file: Path


def start_voting(chair: Page, eid: int, custody: str, shot: Any) -> None:
    """The chair starts the vote: the server keeps the key (the default) or 2 of 3 tellers."""
    chair.goto(f"/elections/{eid}")
    expect(chair.get_by_role("radio", name=re.compile(r"^Serwer"))).to_be_checked()
    if custody == "tellers":
        chair.get_by_role("radio", name=re.compile(r"^Komisja skrutacyjna")).check()
        chair.get_by_label("Członkowie komisji skrutacyjnej").fill("\n".join(TELLERS))
        chair.get_by_label("Ilu członków komisji musi wpisać swój udział").fill(str(THRESHOLD))
    assert_accessible(chair)
    shot(chair, f"start voting {custody}")
    chair.get_by_role("button", name="Rozpocznij głosowanie").click()
    expect(flashes(chair)).to_contain_text("spis uprawnionych został zamrożony")


def hand_out_sheets(chair: Page, eid: int, shot: Any, folder: Path) -> dict[int, Sheet]:
    """Each teller gets their sheet once (printed share, saved file) and confirms it with
    the check code; a wrong code is refused and said next to the field."""
    expect(chair.get_by_role("heading", level=1)).to_have_text("Komisja skrutacyjna")
    expect(chair.locator("table.tellers tbody tr")).to_have_count(len(TELLERS))
    assert_accessible(chair)
    shot(chair, "tellers before the sheets")
    sheets: dict[int, Sheet] = {}
    for index, name in enumerate(TELLERS, 1):
        chair.get_by_label(f"Potwierdzam: {name} odbiera arkusz osobiście", exact=False).check()
        chair.get_by_role("button", name=f"Wydaj arkusz: {name}").click()
        expect(chair.get_by_role("heading", level=1)).to_have_text(
            "Arkusz członka komisji skrutacyjnej"
        )
        expect(chair.locator(".teller-sheet")).to_contain_text(name)
        share = chair.locator("code.share").inner_text().replace(" ", "").strip()
        check_code = chair.locator("code.check-code").inner_text().strip()
        assert re.fullmatch(r"[0-9a-f]{64}", share), share
        with chair.expect_download() as download:
            chair.get_by_role("link", name="Zapisz jako plik").click()
        path = folder / download.value.suggested_filename
        download.value.save_as(path)
        saved = path.read_text(encoding="utf-8")
        assert share in saved and check_code in saved, saved
        if index == 1:
            assert_accessible(chair)
            shot(chair, "teller sheet")
        if index == 2:
            chair.set_viewport_size(PHONE)
            assert_no_horizontal_scroll(chair)
            shot(chair, "teller sheet on a phone")
            chair.set_viewport_size({"width": 1280, "height": 900})
        sheets[index] = Sheet(index, name, share, path)
        chair.get_by_role("link", name="Wróć do komisji skrutacyjnej").click()
        # Handed out once: the share is gone from the server, so is its button.
        expect(chair.get_by_role("button", name=f"Wydaj arkusz: {name}")).to_have_count(0)
        row = chair.locator("table.tellers tbody tr").nth(index - 1)
        if index == 1:
            row.locator(f"#code-{index}").fill("AAAAA-AAAAA")
            row.get_by_role("button", name="Potwierdź").click()
            error = chair.locator(f"#code-{index}-error")
            expect(error).to_contain_text("Kod kontrolny nie zgadza się z wydanym udziałem.")
            expect(chair.locator(f"#code-{index}")).to_have_attribute("aria-invalid", "true")
            assert_accessible(chair)
            shot(chair, "wrong check code")
            row = chair.locator("table.tellers tbody tr").nth(index - 1)
        row.locator(f"#code-{index}").fill(check_code.lower())
        row.get_by_role("button", name="Potwierdź").click()
        expect(flashes(chair)).to_contain_text(f"Odbiór udziału potwierdzony: {name}.")
    expect(chair.get_by_text("Wszystkie udziały zostały wydane")).to_be_visible()
    expect(chair.locator("table.tellers")).not_to_contain_text("czeka na wydanie")
    assert_accessible(chair)
    shot(chair, "tellers all confirmed")
    return sheets


def enter_share(page: Page, eid: int, sheet: Sheet, *, from_file: bool) -> None:
    """A teller enters their share on the counting page: typed, or the saved file."""
    page.goto(f"/results/{eid}/tellers")
    page.get_by_label("Członek komisji skrutacyjnej").select_option(
        label=f"{sheet.index}. {sheet.name}"
    )
    if from_file:
        page.get_by_label("Plik udziału").set_input_files(str(sheet.file))
    else:
        page.get_by_label("Udział (64 znaki szesnastkowe)").fill(sheet.share)
    page.get_by_role("button", name="Użyj udziału").click()
    expect(flashes(page)).to_contain_text(f"Przyjęto udział członka komisji nr {sheet.index}")
    # The share is used and forgotten: not in the page sent back.
    assert sheet.share not in page.content()


def count_with_tellers(
    page: Page, eid: int, first: Sheet, second: Sheet, waiting: int, shot: Any, step: str
) -> None:
    """Two of the three tellers enter their shares: the waiting rounds are counted."""
    page.goto(f"/results/{eid}/tellers")
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Liczenie przez komisję skrutacyjną"
    )
    rounds = page.locator("main ul li")
    expect(rounds).to_have_count(waiting)
    for item in rounds.all():
        expect(item).to_contain_text(f"(0 z {THRESHOLD})")
    assert_accessible(page)
    shot(page, f"shares {step}")
    enter_share(page, eid, first, from_file=False)
    for item in page.locator("main ul li").all():
        expect(item).to_contain_text(f"członkowie komisji nr {first.index} (1 z {THRESHOLD})")
    enter_share(page, eid, second, from_file=True)
    expect(flashes(page)).to_contain_text("Policzono tury:")
    expect(page.get_by_text("Żadna tura nie czeka teraz na udziały")).to_be_visible()
    shot(page, f"shares {step} counted")


def refuse_wrong_share(page: Page, eid: int, teller: Sheet, other: Sheet, shot: Any) -> None:
    """A share entered under another teller's name is refused; nothing is counted."""
    page.goto(f"/results/{eid}/tellers")
    page.get_by_label("Członek komisji skrutacyjnej").select_option(
        label=f"{teller.index}. {teller.name}"
    )
    page.get_by_label("Udział (64 znaki szesnastkowe)").fill(other.share)
    page.get_by_role("button", name="Użyj udziału").click()
    expect(page.locator(".error-summary")).to_be_visible()
    assert other.share not in page.content()
    expect(page.locator("main ul li").first).to_contain_text("nikt nie podał jeszcze udziału")
    assert_accessible(page)
    shot(page, "wrong share refused")


# --- paper ballots ------------------------------------------------------------------------


def issue_paper(chair: Page, eid: int, group: str, partner: str, shot: Any | None) -> None:
    """While the round is open, the chair hands a paper ballot to a Partner in the room."""
    chair.goto(f"/voting/{eid}/chair")
    group_section(chair, "section.chair-group", group).get_by_role(
        "link", name="Wydaj kartę papierową"
    ).click()
    expect(chair.get_by_role("heading", level=1)).to_have_text("Wydanie karty papierowej")
    if shot is not None:
        assert_accessible(chair)
        shot(chair, "paper issue")
    chair.get_by_label("Partner").select_option(label=partner)
    chair.get_by_role("button", name="Wydaj kartę papierową").click()
    name = partner.split(" (")[0]
    expect(flashes(chair)).to_contain_text(f"Wydano kartę papierową: {name}.")
    expect(chair.get_by_text("Wydano kart papierowych: 1.")).to_be_visible()
    # The Partner has voted (on paper): it is no longer offered.
    expect(chair.get_by_label("Partner").locator("option", has_text=name)).to_have_count(0)


def enter_paper(
    chair: Page,
    eid: int,
    group: str,
    marks: list[str],
    shot: Any | None,
    *,
    mistake: str | None = None,
) -> None:
    """After closing, the chair enters a paper from the box (no Partner named): marks it,
    checks what will be saved (``mistake``: marked wrong first, then corrected), saves."""
    chair.goto(f"/voting/{eid}/chair")
    group_section(chair, "section.chair-group", group).get_by_role(
        "link", name="Wprowadź karty papierowe z urny"
    ).click()
    expect(chair.get_by_role("heading", level=1)).to_have_text("Karty papierowe z urny")
    expect(chair.locator("main p[role=status]")).to_have_text(
        "Wydano 1, wprowadzono 0, do wprowadzenia: 1."
    )
    # No Partner is chosen for a paper from the box.
    expect(chair.get_by_label("Partner")).to_have_count(0)
    if shot is not None:
        assert_accessible(chair)
        shot(chair, "paper entry")
    if mistake is not None:
        chair.get_by_label(mistake).check()
        chair.get_by_role("button", name="Sprawdź kartę").click()
        expect(chair.get_by_role("heading", level=1)).to_have_text("Sprawdź kartę papierową")
        expect(chair.locator(".paper-ballot")).to_have_text(f"Karta: {mistake}")
        chair.get_by_role("button", name="Popraw").click()
        expect(chair.get_by_role("heading", level=1)).to_have_text("Karty papierowe z urny")
        expect(chair.get_by_label(mistake)).to_be_checked()
        chair.get_by_label(mistake).uncheck()
    for name in marks:
        chair.get_by_label(name).check()
    chair.get_by_role("button", name="Sprawdź kartę").click()
    expect(chair.get_by_role("heading", level=1)).to_have_text("Sprawdź kartę papierową")
    expected = f"Karta: {', '.join(marks)}" if marks else "karta pusta"
    expect(chair.locator(".paper-ballot")).to_have_text(expected)
    if shot is not None:
        assert_accessible(chair)
        shot(chair, "paper check")
    chair.get_by_role("button", name="Zapisz kartę").click()
    expect(flashes(chair)).to_contain_text("Zapisano kartę papierową (wprowadzono 1 z 1).")
    all_in = chair.get_by_text("Wszystkie wydane karty papierowe zostały wprowadzone.")
    expect(all_in).to_be_visible()
    if shot is not None:
        shot(chair, "paper entered")


def finish_paper(chair: Page, custody: str, shot: Any | None) -> None:
    """The papers of the round are all in: the chair finishes them and the round is
    counted (server) or summed to wait for the tellers."""
    chair.get_by_role(
        "link", name="Wszystkie karty z urny są wprowadzone — zakończ wprowadzanie"
    ).click()
    expect(chair.get_by_role("heading", level=1)).to_contain_text("Karty papierowe i liczenie tury")
    if shot is not None:
        assert_accessible(chair)
        shot(chair, "finish paper")
    # The button says what it does: with tellers the box is only summed here.
    button = (
        "Zakończ wprowadzanie kart papierowych i policz turę"
        if custody == "server"
        else "Zakończ wprowadzanie kart papierowych i zsumuj urnę"
    )
    chair.get_by_role("button", name=button, exact=True).click()
    expect(flashes(chair)).to_contain_text(
        "Tura została policzona."
        if custody == "server"
        else "Urna została zsumowana; tura czeka na udziały komisji skrutacyjnej."
    )


# --- certification ------------------------------------------------------------------------


def certify(chair: Page, shot: Any, *, members: int) -> None:
    """From the Council's page the chair asks to certify, reads what will be certified and
    published on the confirmation page, and confirms."""
    chair.get_by_role("link", name="Zatwierdź wyniki i skład Rady").click()
    expect(chair.get_by_role("heading", level=1)).to_have_text(
        "Zatwierdzenie wyników i składu Rady"
    )
    expect(chair.get_by_role("heading", name="Co zostanie opublikowane")).to_be_visible()
    expect(chair.locator("main")).to_contain_text(f"Skład Rady: {members} człon")
    assert_accessible(chair)
    shot(chair, "certify confirmation")
    chair.get_by_role("button", name="Zatwierdzam wyniki i skład Rady").click()
    expect(flashes(chair)).to_contain_text("Wyniki zatwierdzone")
    shot(chair, "certified")


# --- the record ---------------------------------------------------------------------------

#: ``python -m election.verify``'s lines: a round, then its counts (blank first).
VERIFIED_ROUND = re.compile(r"^round \d+ \((\w+), (\d+)\): (\d+) ballots", re.MULTILINE)
VERIFIED_COUNT = re.compile(r"^\s+(\d+)\s+(.+)$")


def verified_counts(output: str) -> dict[tuple[str, int], dict[str, int]]:
    """(group, round number) → name → votes, "(blank)" included, from the verifier."""
    counts: dict[tuple[str, int], dict[str, int]] = {}
    current: dict[str, int] = {}
    for line in output.splitlines():
        if found := VERIFIED_ROUND.match(line):
            current = counts.setdefault((found.group(1), int(found.group(2))), {})
        elif found := VERIFIED_COUNT.match(line):
            current[found.group(2).strip()] = int(found.group(1))
    return counts


def page_counts(page: Page) -> dict[tuple[str, int], dict[str, int]]:
    """The same from the public results page: each group's decrypted rounds in order."""
    groups = page.evaluate(
        """() => [...document.querySelectorAll('section.group-results')].map(s => ({
            group: s.getAttribute('aria-labelledby').replace(/^group-/, ''),
            blank: [...s.querySelectorAll('p.totals')].map(p => p.textContent),
            rounds: [...s.querySelectorAll('table.results')].map(t =>
                [...t.querySelectorAll('tbody tr')].map(r =>
                    [r.cells[0].childNodes[0].textContent.trim(), r.cells[1].textContent.trim()])),
        }))"""
    )
    counts: dict[tuple[str, int], dict[str, int]] = {}
    for group in groups:
        assert len(group["blank"]) == len(group["rounds"]), group
        for number, (totals, rows) in enumerate(
            zip(group["blank"], group["rounds"], strict=True), 1
        ):
            blank = re.search(r"pustych:\s*(\d+)", totals)
            assert blank, totals
            line = {"(blank)": int(blank.group(1))}
            line.update({name: int(votes.split()[0]) for name, votes in rows})
            counts[(group["group"], number)] = line
    return counts


def recount_the_record(public: Page, eid: int, folder: Path, shot: Any) -> None:
    """The record linked from the public results page recounts with the standalone
    verifier to exactly the counts the page shows."""
    public.goto(f"/public/elections/{eid}/results")
    link = public.get_by_role("link", name=re.compile(r"^Zapis wyborów"))
    assert link.get_attribute("href") == f"/api/v1/elections/{eid}/record.json"
    with public.expect_download() as download:
        link.click()
    # Saved under the name the page's command line uses.
    name = download.value.suggested_filename
    expect(public.locator("main")).to_contain_text(f"python -m election.verify {name}")
    record = folder / name
    download.value.save_as(record)
    done = subprocess.run(
        [sys.executable, "-m", "election.verify", name],
        cwd=folder,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "OK: every ballot, proof, aggregate and decryption checks out." in done.stdout
    verified = verified_counts(done.stdout)
    shown = page_counts(public)
    assert set(verified) == {("gmina", 1), ("powiat", 1), ("powiat", 2), ("miasto_npp", 1)}
    assert verified == shown, (verified, shown)
    shot(public, "public results with the record")


def check_tracking_code(public: Page, eid: int, code: str, shot: Any) -> None:
    """A voter checks their tracking code on the public page: by POST, never in a URL."""
    public.goto(f"/public/elections/{eid}/receipts")
    expect(public.get_by_text(code).first).to_be_visible()
    # As a person might type it: lower case, no dash.
    public.get_by_label("Kod pokwitowania").fill(code.replace("-", "").lower())
    public.get_by_role("button", name="Sprawdź").click()
    result = public.locator(".receipt-check")
    expect(result).to_contain_text(f"Głos z kodem {code} został policzony")
    assert code not in public.url and code.replace("-", "").lower() not in public.url
    assert_accessible(public)
    shot(public, "tracking code checked")
    public.get_by_label("Kod pokwitowania").fill("ZZZZZ-ZZZZZ")
    public.get_by_role("button", name="Sprawdź").click()
    expect(result).to_contain_text("Nie znaleziono kodu ZZZZZ-ZZZZZ wśród policzonych głosów")
    assert_accessible(public)
    shot(public, "tracking code not found")


def session_of(app: Flask, page: Page) -> dict[str, Any]:
    """The contents of the page's session cookie (signed, not encrypted: readable)."""
    cookie = next(c for c in page.context.cookies() if c["name"] == "session")
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]
    assert serializer is not None
    return dict(serializer.loads(cookie["value"]))


@pytest.mark.slow
def test_the_meeting(
    meeting: Meeting,
    app_variant: str,
    live_app: Flask,
    browser_page: Callable[..., Page],
    shot: Any,
    seed: Callable[..., Any],
    tmp_path: Path,
) -> None:
    custody = app_variant
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
    admin.get_by_label(re.compile(r"^Potwierdzam: lista kandydatów zostanie zablokowana")).check()
    admin.get_by_role("button", name="Opublikuj listę kandydatów").click()
    expect(flashes(admin)).to_contain_text("Opublikowano listę kandydatów")
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
    expect(flashes(chair)).to_contain_text("Otwarto głosowanie nad uchwałą.")
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
        expect(flashes(page)).to_contain_text("Twój głos został zapisany.")
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
    expect(flashes(chair)).to_contain_text("Powiat będziński")
    counts = chair.locator("table.motion-counts")
    expect(counts.locator("caption")).to_have_text("Głosy: 4 z 9 uprawnionych Partnerów")
    expect(counts.locator("tbody td")).to_have_text(["3", "1", "0"])
    chair.get_by_label(re.compile(r"^Potwierdzam: głosowanie nad uchwałą zostanie")).check()
    chair.get_by_role("button", name="Zamknij głosowanie i ogłoś wynik").click()
    expect(flashes(chair)).to_contain_text("uchwała została przyjęta")
    expect(chair.get_by_text("Wynik: uchwała przyjęta.")).to_be_visible()
    shot(chair, "motion adopted")

    # --- the chair starts voting (the tellers get their sheets) and opens the rounds ----------
    start_voting(chair, eid, custody, shot)
    sheets: dict[int, Sheet] = {}
    if custody == "tellers":
        sheets = hand_out_sheets(chair, eid, shot, tmp_path)
    else:
        expect(chair.get_by_role("heading", level=1)).to_have_text(meeting.title)
    chair.goto(f"/voting/{eid}/chair")
    chair.get_by_role("button", name="Otwórz wszystkie tury").click()
    expect(flashes(chair)).to_contain_text("Otwarto 3 tury.")
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
    bedzin = reps["Będzin"]
    receipts = [cast_ballot(bedzin, eid, [gminy[0], gminy[1]], shot, "bedzin")]
    # The code is in no cookie; saved as a file it is posted back, in no URL.
    assert receipts[0] not in repr(session_of(live_app, bedzin))
    with bedzin.expect_download() as download:
        bedzin.get_by_role("button", name="Zapisz jako plik").click()
    assert receipts[0] in Path(download.value.path()).read_text(encoding="utf-8")
    assert receipts[0] not in download.value.url
    # Shown once: no way back to it; the receipt page says the Partner voted, not the code.
    receipt_page = bedzin.url.replace("/cast", "/receipt")
    bedzin.goto(f"/voting/{eid}")
    expect(bedzin.get_by_text("Twój Partner już głosował")).to_be_visible()
    expect(bedzin.get_by_role("link", name="Pokaż pokwitowanie")).to_have_count(0)
    bedzin.goto(receipt_page)
    expect(bedzin.get_by_role("heading", level=1)).to_have_text("Pokwitowanie głosu")
    expect(bedzin.get_by_text("był pokazany tylko raz")).to_be_visible()
    expect(bedzin.locator(".receipt-code")).to_have_count(0)
    assert receipts[0] not in bedzin.content()
    assert_accessible(bedzin)
    shot(bedzin, "receipt page later")

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
    expect(flashes(other_tab)).to_contain_text(
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

    # Wojkowice votes on paper: the chair hands it a ballot in the room; both screens
    # follow without a reload.
    issue_paper(chair, eid, "gminy", "Wojkowice (2401031)", shot)
    shot(chair, "paper issued")
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
    expect(phone.get_by_role("heading", level=1)).to_have_text("Karta do głosowania")
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
    expect(phone.get_by_role("heading", level=1)).to_have_text("Sprawdź swój wybór")
    assert_no_horizontal_scroll(phone)
    phone.get_by_role("button", name="Oddaj głos").click()
    receipts.append(read_receipt(phone, shot, "phone"))
    assert_no_horizontal_scroll(phone)
    receipts.append(
        cast_ballot(reps["Powiat bielski"], eid, [powiaty[0], powiaty[2]], shot, "bielski")
    )
    cieszyn = browser_page()
    login(cieszyn, meeting.reps["Powiat cieszyński"].email)
    receipts.append(cast_ballot(cieszyn, eid, [powiaty[0]], shot, "cieszyn"))

    # Miasta: Katowice votes in English; Gliwice votes on paper (a blank ballot).
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
    issue_paper(chair, eid, "miasta na prawach powiatu", "Gliwice (2466011)", None)

    # --- the chair closes the rounds; the papers from the box are entered -----------------
    chair.goto(f"/voting/{eid}/chair")
    for _ in range(3):
        close = chair.locator("form.close-round").first
        close.get_by_role("checkbox").check()
        close.get_by_role("button", name="Zamknij turę").click()
        expect(flashes(chair)).to_contain_text("Zamknięto turę")
    shot(chair, "rounds closed")
    gmina_live = dashboard.locator('[data-live-group="gmina"]')
    expect(gmina_live).to_contain_text(
        "Tura czeka na wprowadzenie kart papierowych (wydano 1, wprowadzono 0)."
    )
    shot(dashboard, "waiting for paper")

    enter_paper(chair, eid, "gminy", [gminy[1]], shot, mistake=gminy[2])
    # The dashboard left open follows the papers entered, without a reload.
    expect(gmina_live).to_contain_text(
        "Tura czeka na wprowadzenie kart papierowych (wydano 1, wprowadzono 1)."
    )
    expect(gmina_live).to_have_attribute("data-paper-entered", "1")
    assert dashboard.evaluate("window.__notReloaded === true")
    finish_paper(chair, custody, shot)
    enter_paper(chair, eid, "miasta na prawach powiatu", [], None)
    finish_paper(chair, custody, None)

    powiat_live = dashboard.locator('[data-live-group="powiat"]')
    if custody == "tellers":
        # The chair is back on the dashboard: every round is summed and waits. The
        # dashboard left open redraws too (waiting for paper → waiting for the tellers),
        # without a reload.
        for screen in (chair, dashboard):
            for group in ("gmina", "powiat", "miasto_npp"):
                section = screen.locator(f'[data-live-group="{group}"]')
                expect(section).to_contain_text(
                    "Urna jest zsumowana; tura czeka na udziały komisji skrutacyjnej."
                )
        expect(dashboard.locator('[data-live-group="gmina"]')).to_have_attribute(
            "data-awaiting", "tellers"
        )
        assert_accessible(chair)
        shot(chair, "waiting for the tellers")
        assert dashboard.evaluate("window.__notReloaded === true")
        refuse_wrong_share(chair, eid, sheets[1], sheets[2], shot)
        count_with_tellers(chair, eid, sheets[1], sheets[3], 3, shot, "round 1")

    expect(powiat_live).to_contain_text("Remis na ostatnim miejscu")
    expect(powiat_live).to_contain_text("należy przeprowadzić dogrywkę")
    expect(gmina_live).to_contain_text(f"Wybrani: {gminy[0]}, {gminy[1]}")
    expect(dashboard.locator('[data-live-group="miasto_npp"]')).to_contain_text(
        f"Wybrani: {miasta[0]}, {miasta[1]}"
    )
    shot(dashboard, "tie")
    assert dashboard.evaluate("window.__notReloaded === true")
    powiat_live.get_by_role("button", name="Utwórz dogrywkę").click()
    expect(flashes(dashboard)).to_contain_text("Utworzono dogrywkę (tura 2)")

    chair.goto(f"/voting/{eid}/chair")
    chair.get_by_role("button", name="Otwórz turę").click()
    expect(flashes(chair)).to_contain_text("Otwarto turę 2")
    for page, choice in ((phone, powiaty[1]), (reps["Powiat bielski"], powiaty[1])):
        receipts.append(cast_ballot(page, eid, [choice], shot, "runoff"))
    receipts.append(cast_ballot(cieszyn, eid, [powiaty[2]], shot, "runoff cieszyn"))
    chair.goto(f"/voting/{eid}/chair")
    close = chair.locator("form.close-round").first
    close.get_by_role("checkbox").check()
    close.get_by_role("button", name="Zamknij turę").click()
    expect(flashes(chair)).to_contain_text("Zamknięto turę 2")
    if custody == "tellers":
        # Two other tellers this time: any two of the three count a round.
        count_with_tellers(chair, eid, sheets[2], sheets[3], 1, shot, "runoff")
    expect(powiat_live).to_contain_text(f"Wybrani: {powiaty[0]}, {powiaty[1]}")
    shot(dashboard, "runoff decided")

    chair.goto(f"/elections/{eid}")
    chair.get_by_label(re.compile(r"^Potwierdzam: po zakończeniu głosowania")).check()
    chair.get_by_role("button", name="Zakończ głosowanie").click()
    expect(flashes(chair)).to_contain_text("Zakończono głosowanie.")
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
    expect(flashes(admin)).to_contain_text(f"Powołano: {leader}")
    # The two ŚCSI members are entered outside the browser: the form was just tested.
    seed(appoint, eid, slice(1, 3))
    admin.reload()
    expect(admin.get_by_text("Wszystkie miejsca w Radzie są obsadzone.")).to_be_visible()
    shot(admin, "council complete")

    chair.goto(f"/council/{eid}/")
    assert_accessible(chair)
    certify(chair, shot, members=9)

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
    # A table too wide for the phone scrolls in its box, which the keyboard can reach
    # (the Council's table turns into cards instead).
    unreachable = public.evaluate(
        """() => [...document.querySelectorAll('.table-wrap')]
            .filter(w => w.scrollWidth > w.clientWidth + 1)
            .filter(w => !w.hasAttribute('data-scroll-region') || w.tabIndex !== 0)
            .map(w => w.outerHTML.slice(0, 120))"""
    )
    assert not unreachable, unreachable
    assert_accessible(public)
    shot(public, "public results on a phone")
    public.set_viewport_size({"width": 1280, "height": 900})

    # Anyone recounts the election from its record, to the counts the page shows.
    recount_the_record(public, eid, tmp_path, shot)

    # Every online ballot's tracking code is on the public list; a voter checks theirs.
    public.goto(f"/public/elections/{eid}/receipts")
    for code in receipts:
        expect(public.get_by_text(code).first).to_be_visible()
    check_tracking_code(public, eid, receipts[0], shot)
    public.set_viewport_size(PHONE)
    assert_no_horizontal_scroll(public)
    shot(public, "receipts on a phone")


def test_every_page_of_the_flow_reads_in_english(
    meeting: Meeting, app_variant: str, browser_page: Callable[..., Page], shot: Any
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
    paths = [
        f"/elections/{eid}",
        f"/elections/{eid}/motion",
        f"/elections/{eid}/tellers",
        f"/voting/{eid}/chair",
        f"/results/{eid}/dashboard",
        f"/results/{eid}/projector",
        f"/council/{eid}/",
        f"/candidates/{eid}/",
    ]
    if app_variant == "tellers":
        paths.append(f"/results/{eid}/tellers")
    for path in paths:
        chair.goto(path)
        assert_english(chair, allowed)
        assert_accessible(chair, lang="en")
        shot(chair, f"en {path}")
