"""The admin's register pages: Partners, filter, users — accessible, on a phone, in English."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from election.auth.models import Role
from election.partners.models import PartnerGroup
from tests.factories import make_partner
from tests.support.browser import (
    PHONE,
    assert_accessible,
    assert_english,
    assert_no_horizontal_scroll,
    login,
)
from tests.support.mail import Mailbox
from tests.support.world import fast_user

pytestmark = pytest.mark.browser

ADMIN = "admin.rejestr@example.pl"

#: Real Silesian local governments (TERYT, name, group).
PARTNERS = [
    ("2401011", "Będzin", PartnerGroup.GMINA),
    ("2401021", "Czeladź", PartnerGroup.GMINA),
    ("2401031", "Wojkowice", PartnerGroup.GMINA),
    ("2401042", "Bobrowniki", PartnerGroup.GMINA),
    ("2401052", "Mierzęcice", PartnerGroup.GMINA),
    ("2401", "Powiat będziński", PartnerGroup.POWIAT),
    ("2402", "Powiat bielski", PartnerGroup.POWIAT),
    ("2469011", "Katowice", PartnerGroup.MIASTO_NPP),
]
NAMES = tuple(name for _teryt, name, _group in PARTNERS)


@pytest.fixture(scope="module", autouse=True)
def _register(seed: Callable[..., Any]) -> None:
    def build() -> None:
        for teryt, name, group in PARTNERS:
            make_partner(group, name=name, teryt=teryt, signed=dt.date(2014, 3, 1))
        fast_user(Role.ADMIN, ADMIN, "Anna Administratorka")

    seed(build)


@pytest.fixture
def admin(page: Page) -> Page:
    login(page, ADMIN)
    return page


def caption(page: Page) -> str:
    return page.locator("table caption").inner_text().strip()


def test_the_partners_list_filters_and_counts_in_polish(admin: Page, shot: Any) -> None:
    page = admin
    expect(page.get_by_role("heading", level=1)).to_have_text("Partnerzy systemu SEKAP")
    expect(page.get_by_role("link", name="Partnerzy", exact=True)).to_have_attribute(
        "aria-current", "page"
    )
    assert caption(page) == "8 Partnerów"
    shot(page, "partners")
    assert_accessible(page)

    # Polish plurals: 1 Partner, 2 Partnerzy, 5 Partnerów.
    group = page.get_by_label("Grupa")
    for value, expected in [
        ("miasto_npp", "1 Partner"),
        ("powiat", "2 Partnerzy"),
        ("gmina", "5 Partnerów"),
    ]:
        group.select_option(value)
        page.get_by_role("button", name="Filtruj").click()
        expect(page.locator("table caption")).to_have_text(expected)
    shot(page, "filtered gminy")

    group.select_option("")
    page.get_by_label("Szukaj po nazwie").fill("Czelad")
    page.get_by_role("button", name="Filtruj").click()
    expect(page.locator("table caption")).to_have_text("1 Partner")
    expect(page.get_by_role("cell", name="Czeladź", exact=True)).to_be_visible()

    page.get_by_label("Szukaj po nazwie").fill("Gliwice")
    page.get_by_role("button", name="Filtruj").click()
    expect(page.locator("table caption")).to_have_text("0 Partnerów")
    expect(page.get_by_text("Brak Partnerów spełniających kryteria.")).to_be_visible()
    shot(page, "no match")
    assert_accessible(page)


def test_the_import_page_is_accessible_and_previews_a_file(admin: Page, shot: Any) -> None:
    page = admin
    page.get_by_role("link", name="Importuj z CSV").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Import Partnerów z pliku CSV")
    assert_accessible(page)
    shot(page, "import page")

    bad = "group,teryt,name\ngmina,24010X1,Będzin\n"
    page.get_by_label("Plik CSV").set_input_files(
        files=[{"name": "partnerzy.csv", "mimeType": "text/csv", "buffer": bad.encode()}]
    )
    page.get_by_role("button", name="Wyślij plik").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("nic nie zapisano")
    expect(alert).to_contain_text("Wiersz 2:")
    shot(page, "import errors")
    assert_accessible(page)

    good = "group,teryt,name\ngmina,2401062,Psary\ngmina,2401073,Siewierz\n"
    page.get_by_label("Plik CSV").set_input_files(
        files=[{"name": "partnerzy.csv", "mimeType": "text/csv", "buffer": good.encode()}]
    )
    page.get_by_role("button", name="Wyślij plik").click()
    preview = page.get_by_role("status").filter(has_text="Podgląd importu")
    expect(preview).to_contain_text("Zostanie dodanych: 2")
    shot(page, "import preview")
    assert_accessible(page)


def test_the_users_page_invites_a_representative(
    admin: Page, shot: Any, smtp_server: tuple[Mailbox, int]
) -> None:
    page = admin
    page.get_by_role("link", name="Użytkownicy").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Użytkownicy")
    assert_accessible(page)
    shot(page, "users")

    # A form with a mistake: the errors are announced and linked to their fields.
    page.get_by_label("Adres e-mail").fill("to-nie-adres")
    page.get_by_role("button", name="Wyślij zaproszenie").click()
    expect(page.get_by_role("alert")).to_contain_text("Podaj poprawny adres e-mail.")
    expect(page.get_by_label("Adres e-mail")).to_have_attribute("aria-invalid", "true")
    assert_accessible(page)

    page.get_by_label("Adres e-mail").fill("skarbnik@bedzin.example.pl")
    page.get_by_label("Imię i nazwisko").fill("Zofia Źdźbło")
    page.get_by_label("Rola").select_option(label="przedstawiciel Partnera")
    page.get_by_label("Partner (dla przedstawiciela)").select_option(label="Będzin (2401011)")
    page.get_by_role("button", name="Wyślij zaproszenie").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Wysłano zaproszenie na adres skarbnik@bedzin.example.pl."
    )
    expect(page.get_by_role("cell", name="Zofia Źdźbło", exact=True)).to_be_visible()
    shot(page, "invited")
    mailbox = smtp_server[0]
    assert mailbox.to("skarbnik@bedzin.example.pl")


@pytest.mark.parametrize(
    "path", ["/admin/partners/", "/admin/partners/import", "/admin/users", "/"]
)
def test_the_admin_pages_fit_a_phone(admin: Page, shot: Any, path: str) -> None:
    page = admin
    page.set_viewport_size(PHONE)
    page.goto(path)
    assert_no_horizontal_scroll(page)
    shot(page, "phone")


def test_english_translates_the_admin_pages(admin: Page, shot: Any) -> None:
    page = admin
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("SEKAP Partners")
    assert caption(page) == "8 Partners"
    assert_english(page, allowed=NAMES)
    assert_accessible(page, lang="en")
    shot(page, "partners in English")

    page.get_by_label("Group").select_option("miasto_npp")
    page.get_by_role("button", name="Filter").click()
    expect(page.locator("table caption")).to_have_text("1 Partner")

    for link, heading in [("Import from CSV", "Import Partners from a CSV file")]:
        page.get_by_role("link", name=link).click()
        expect(page.get_by_role("heading", level=1)).to_have_text(heading)
        # The CSV's own column values stay as they are in the file.
        assert_english(page, allowed=(*NAMES, "(gmina, powiat, miasto_npp)"))
        shot(page, link)
    page.get_by_role("link", name="Users").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Users")
    assert_english(page, allowed=(*NAMES, "Anna Administratorka", "Zofia Źdźbło"))
    assert_accessible(page, lang="en")
    shot(page, "users in English")
    # The choice is stored with the account; switch back for the other tests.
    page.get_by_role("button", name="Polski").click()
    expect(page.locator("html")).to_have_attribute("lang", "pl")
