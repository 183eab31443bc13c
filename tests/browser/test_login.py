"""Logging in, in Polish and with the keyboard alone."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import Page, expect

from election.auth.models import Role
from tests.factories import PASSWORD
from tests.support.browser import (
    PHONE,
    assert_accessible,
    assert_english,
    assert_no_horizontal_scroll,
    focus_is_visible,
    tab_to,
)
from tests.support.world import fast_user

pytestmark = pytest.mark.browser

ADMIN = "admin.login@example.pl"


@pytest.fixture(scope="module", autouse=True)
def _accounts(seed: Callable[..., Any]) -> None:
    seed(fast_user, Role.ADMIN, ADMIN, "Anna Administratorka")


def test_the_login_page_is_polish_and_accessible(page: Page, shot: Any) -> None:
    page.goto("/login")
    expect(page).to_have_title("Logowanie — Rada SEKAP")
    expect(page.get_by_role("heading", level=1)).to_have_text("Logowanie")
    expect(page.get_by_label("Adres e-mail")).to_be_visible()
    shot(page, "login")
    assert_accessible(page)


def test_a_wrong_password_is_announced_and_linked_to_the_field(page: Page, shot: Any) -> None:
    page.goto("/login")
    page.get_by_label("Adres e-mail").fill(ADMIN)
    page.get_by_label("Hasło", exact=True).fill("not-the-password")
    page.get_by_role("button", name="Zaloguj się").click()

    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Popraw błędy w formularzu")
    expect(alert).to_contain_text("Nieprawidłowy adres e-mail lub hasło.")
    password = page.get_by_label("Hasło", exact=True)
    expect(password).to_have_attribute("aria-invalid", "true")
    # The message is read out with the field: aria-describedby points at it.
    described_by = password.get_attribute("aria-describedby") or ""
    expect(page.locator(f"#{described_by}")).to_contain_text("Nieprawidłowy adres e-mail")
    # The summary's link takes the focus to the field.
    alert.get_by_role("link", name="Hasło").click()
    expect(password).to_be_focused()
    shot(page, "wrong password")
    assert_accessible(page)


def test_the_keyboard_alone_logs_in_with_visible_focus(page: Page, shot: Any) -> None:
    page.goto("/login")
    # The first Tab reaches the skip link, which shows itself.
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Przejdź do treści")
    expect(skip).to_be_focused()
    expect(skip).to_be_in_viewport()
    assert focus_is_visible(page)
    shot(page, "skip link")

    tab_to(page, "#email")
    page.keyboard.type(ADMIN)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Hasło", exact=True)).to_be_focused()
    assert focus_is_visible(page)
    page.keyboard.type(PASSWORD)
    shot(page, "filled by keyboard")
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Wyloguj")).to_be_visible()
    expect(page.get_by_role("heading", level=1)).to_have_text("Partnerzy systemu SEKAP")


def test_the_login_page_fits_a_phone(page: Page, shot: Any) -> None:
    page.set_viewport_size(PHONE)
    page.goto("/login")
    assert_no_horizontal_scroll(page)
    shot(page, "login on a phone")


def test_english_translates_the_login_page(page: Page, shot: Any) -> None:
    page.goto("/login")
    page.get_by_role("button", name="English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Log in")
    expect(page.get_by_label("Email address")).to_be_visible()
    assert_english(page)
    assert_accessible(page, lang="en")
    shot(page, "login in English")
    page.get_by_role("button", name="Polski").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Logowanie")
    expect(page.locator("html")).to_have_attribute("lang", "pl")
