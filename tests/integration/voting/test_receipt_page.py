"""The receipt page: a "Kopiuj kod" button (the code selectable without JavaScript),
help for a lost code, and a print stylesheet that keeps the code and drops the site
around it (issue 15)."""

import re
from pathlib import Path
from typing import Any

import pytest

from election.extensions import db
from election.partners.models import PartnerGroup
from tests.factories import voting_election
from tests.factories.voting import cast_form, logged_in, receipt_on
from tests.support.web import ROOT

G = PartnerGroup.GMINA
PRINT_CSS = ROOT / "static" / "css" / "print.css"


def _cast(app: Any, *, secret: bool) -> tuple[str, str]:
    with app.app_context():
        w = voting_election(per_group=3)
        w["election"].secret = secret
        db.session.commit()
        ids = (w["election"].id, w["rounds"][G].id, w["partners"][G][0].id, w["reps"][G][0].email)
    e, r, partner, rep_email = ids
    rep = logged_in(app, rep_email)
    page = cast_form(rep, e, r, [], partner).get_data(as_text=True)
    return page, rep.get("/").get_data(as_text=True)


@pytest.mark.parametrize("secret", [True, False])
def test_the_receipt_offers_copying_and_says_what_to_do_if_the_code_is_lost(app, secret):
    page, _home = _cast(app, secret=secret)
    code = receipt_on(page)
    assert code
    # The button needs JavaScript (hidden until the script shows it); the code is text.
    assert re.search(r'<button [^>]*data-copy="receipt-code"[^>]*hidden>Kopiuj kod</button>', page)
    assert re.search(r'<p class="receipt-code" id="receipt-code"[^>]*>[0-9A-Z-]+</p>', page)
    assert "Kod można zaznaczyć i skopiować" in page
    assert "<summary>Co jeśli zgubię kod?</summary>" in page
    help_text = page[page.index("Co jeśli zgubię kod?") :]
    assert "zostanie policzony także bez kodu" in help_text
    if secret:
        assert "Nikt nie może go odtworzyć" in help_text
    else:
        assert "Pokaż pokwitowanie" in help_text


def test_the_printed_receipt_names_the_public_list_by_its_full_address(app):
    page, _home = _cast(app, secret=True)
    assert re.search(r'data-print-url="http://[^"]+/public/elections/\d+/receipts"', page)


def test_every_page_links_the_print_stylesheet_for_print_only(app):
    page = app.test_client().get("/").get_data(as_text=True)
    assert re.search(
        r'<link rel="stylesheet" href="/static/css/print\.css[^"]*" media="print">', page
    )


def test_the_print_stylesheet_hides_the_site_and_buttons_and_prints_addresses():
    css = Path(PRINT_CSS).read_text(encoding="utf-8")
    assert css.count("@media print") == 1
    hidden = css[css.index(".skip-link") : css.index("display: none")]
    for selector in (".site-header nav", ".site-footer", "button", ".button", ".no-print"):
        assert selector in hidden
    assert 'content: " (" attr(data-print-url) ")"' in css
    assert ".receipt-code" in css
