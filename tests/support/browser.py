"""Checks shared by the browser tests: accessibility, language, layout, keyboard."""

from __future__ import annotations

import functools
import re
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from babel.messages.pofile import read_po
from playwright.sync_api import Page, expect

from tests.factories import PASSWORD
from tests.support.web import ROOT

PHONE = {"width": 375, "height": 667}

#: axe-core rules of WCAG 2.0/2.1 level A and AA; best-practice rules are left out.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING_IMPACTS = {"serious", "critical"}

_axe = Axe()


def login(page: Page, email: str, password: str = PASSWORD) -> None:
    """Log in through the form, as a person does (the page must be Polish)."""
    page.goto("/login")
    page.get_by_label("Adres e-mail").fill(email)
    page.get_by_label("Hasło", exact=True).fill(password)
    page.get_by_role("button", name="Zaloguj się").click()
    expect(page.get_by_role("button", name="Wyloguj")).to_be_visible()


def logout(page: Page) -> None:
    page.get_by_role("button", name=re.compile("^(Wyloguj|Log out)$")).click()


# --- accessibility ------------------------------------------------------------------------


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """Violations of WCAG 2.1 A/AA on the page with impact serious or critical."""
    results = _axe.run(
        page,
        options={
            "runOnly": {"type": "tag", "values": WCAG_TAGS},
            "resultTypes": ["violations"],
        },
    )
    return [v for v in results.response["violations"] if v.get("impact") in BLOCKING_IMPACTS]


def format_violations(violations: list[dict[str, Any]]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:5]:
            target = " ".join(str(t) for t in node.get("target", []))
            lines.append(f"    at {target}: {node.get('html', '')[:160]}")
            summary = (node.get("failureSummary") or "").replace("\n", " / ")
            if summary:
                lines.append(f"       {summary[:300]}")
        if len(v["nodes"]) > 5:
            lines.append(f"    … and {len(v['nodes']) - 5} more")
    return "\n".join(lines)


def assert_accessible(page: Page, lang: str = "pl") -> None:
    """The page is fit for everyone to use.

    It declares its language and has a title; a Polish page has no English words left;
    axe-core finds no serious or critical violation of WCAG 2.1 A/AA; every visible
    control has a label (a ``<label>``, ``aria-label`` or, for a button, its text).
    """
    assert page.locator("html").get_attribute("lang") == lang, page.url
    assert page.title().strip(), f"{page.url}: no <title>"
    if lang == "pl":
        english = english_left(page)
        assert not english, f"English on the Polish page {page.url}: {english}"
    violations = axe_violations(page)
    assert not violations, f"accessibility violations on {page.url}:\n" + format_violations(
        violations
    )
    unlabelled = page.evaluate(
        """() => [...document.querySelectorAll(
              'input:not([type=hidden]), select, textarea, button')]
            .filter(el => el.offsetParent !== null)
            .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label')
                          && !el.getAttribute('aria-labelledby')
                          && !(el.tagName === 'BUTTON' && el.innerText.trim()))
            .map(el => el.outerHTML.slice(0, 120))"""
    )
    assert not unlabelled, f"controls without a label on {page.url}: {unlabelled}"


def focus_is_visible(page: Page) -> bool:
    """The focused element draws an outline or a focus ring (not just a colour change)."""
    return page.evaluate(
        """() => {
            const el = document.activeElement;
            if (!el || el === document.body) return false;
            const s = getComputedStyle(el);
            const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2;
            return outline || (s.boxShadow && s.boxShadow !== 'none');
        }"""
    )


def tab_to(page: Page, selector: str, limit: int = 40) -> None:
    """Press Tab until the element matching ``selector`` has the focus; check focus shows."""
    target = page.locator(selector)
    for _ in range(limit):
        page.keyboard.press("Tab")
        if target.evaluate("el => el === document.activeElement"):
            assert focus_is_visible(page), f"focus on {selector} is not visible"
            return
    raise AssertionError(f"{selector} never got the focus after {limit} presses of Tab")


# --- layout -------------------------------------------------------------------------------


def assert_no_horizontal_scroll(page: Page) -> None:
    """At the current viewport the page is no wider than the window."""
    # A page still loading (just after a click) has no document to measure yet.
    page.wait_for_load_state()
    report = page.evaluate(
        """() => {
            const width = document.documentElement.clientWidth;
            const beyond = [...document.querySelectorAll('body *')]
              .filter(el => el.getBoundingClientRect().right > width + 1);
            // Content of a scrolling box (a wide table in .table-wrap) is fine, unless it
            // is positioned outside the box's reach (then it widens the page).
            const culprits = beyond.filter(el => {
                if (['absolute', 'fixed'].includes(getComputedStyle(el).position)) return true;
                for (let p = el.parentElement; p; p = p.parentElement) {
                    if (getComputedStyle(p).overflowX !== 'visible') return false;
                }
                return true;
            });
            return {
                scroll: document.documentElement.scrollWidth, width,
                wide: culprits.slice(0, 5).map(el => el.outerHTML.slice(0, 120)),
            };
        }"""
    )
    assert report["scroll"] <= report["width"], f"{page.url} scrolls sideways: {report}"


# --- language -----------------------------------------------------------------------------

#: Common Polish words that no English page should contain.
POLISH_WORDS = (
    "się",
    "nie",
    "lub",
    "oraz",
    "jest",
    "dla",
    "przez",
    "które",
    "został",
    "została",
    "wszystkie",
    "głos",
    "głosów",
    "tura",
    "wybory",
    "zaloguj",
    "wyloguj",
)


@functools.cache
def polish_phrases() -> tuple[re.Pattern[str], ...]:
    """Patterns for the Polish texts of the catalogue that English pages translate.

    Every msgid whose English differs, split at its placeholders; only pieces of at
    least 4 letters, matched as whole words.
    """
    with (ROOT / "translations" / "en" / "LC_MESSAGES" / "messages.po").open("rb") as f:
        catalog = read_po(f)
    # Words the catalogue itself says read the same in English ("online"): not Polish.
    same = {m.id for m in catalog if isinstance(m.id, str) and m.id and m.string == m.id}
    pieces: set[str] = set()
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for msgid in ids:
            if msgid in strings:
                continue
            for piece in re.split(r"%\(\w+\)[sdif]|%[sdif]|\n", msgid):
                piece = piece.strip(" .,:;—–-()„”\"'")
                if piece in same:
                    continue
                if sum(c.isalpha() for c in piece) >= 4 and not any(piece in s for s in strings):
                    pieces.add(piece)
    words = {w for w in POLISH_WORDS}
    return tuple(
        re.compile(rf"(?<!\w){re.escape(p)}(?!\w)", re.IGNORECASE if p in words else 0)
        for p in sorted(pieces | words, key=len, reverse=True)
    )


def visible_texts(page: Page) -> str:
    """What a user reads or hears: visible text, the title, labels and alternatives."""
    return page.evaluate(
        """() => {
            // Text marked as another language (a Polish document quoted on an English
            // page, the "Polski" switch) and code (the audit log's JSON) are content,
            // not the page's own words.
            const own = document.documentElement.lang;
            let body = document.body.innerText;
            for (const el of document.querySelectorAll('body [lang], code, pre, kbd, samp')) {
                const text = el.innerText;
                if (text.trim() && (!el.lang || el.lang !== own)) body = body.split(text).join(' ');
            }
            const parts = [document.title, body];
            for (const el of document.querySelectorAll(
                '[aria-label], [title], [placeholder], img[alt], input[type=submit]')) {
                if (el.closest('[hidden]')) continue;
                for (const a of ['aria-label', 'title', 'placeholder', 'alt', 'value']) {
                    if (el.hasAttribute(a) && (a !== 'value' || el.type === 'submit'))
                        parts.push(el.getAttribute(a));
                }
            }
            return parts.join('\\n');
        }"""
    )


def polish_left(page: Page, allowed: tuple[str, ...] = ()) -> list[str]:
    """Polish phrases of the catalogue (and common Polish words) visible on the page.

    ``allowed``: data that is Polish by nature (names of Partners, people, places).
    """
    text = visible_texts(page)
    for data in allowed:
        text = text.replace(data, " ")
    return sorted({m.group(0) for p in polish_phrases() for m in p.finditer(text)})


#: English words that have no place on a Polish page (none of them is also Polish).
ENGLISH_WORDS = re.compile(
    r"(?<!\w)(the|and|of|is|are|you|your|please|submit|save|cancel|back|next|error|"
    r"password|vote|votes|election|round|results|candidate|candidates|log in|log out)(?!\w)",
    re.IGNORECASE,
)


def english_left(page: Page) -> list[str]:
    """English words among the visible texts of a Polish page."""
    return sorted({m.group(0) for m in ENGLISH_WORDS.finditer(visible_texts(page))})


def assert_english(page: Page, allowed: tuple[str, ...] = ()) -> None:
    assert page.locator("html").get_attribute("lang") == "en", page.url
    left = polish_left(page, allowed)
    assert not left, f"Polish left on the English page {page.url}: {left}"
