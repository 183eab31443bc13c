"""A meeting served by gunicorn with its access log on: the log holds no projector
token, no password-link secret and no receipt (tracking) code.

The projector link and the password link are exchanged for a session claim on their
first visit and the browser goes on to a clean URL; that first request line is
redacted by the log filter (``gunicorn.conf.py``, ``election/auth/access_log.py``).
A receipt is checked and saved by POST, so its code is never in a URL.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from flask import Flask

from election.auth.models import Role
from election.extensions import db
from election.partners.models import PartnerGroup
from tests.factories import PASSWORD, make_user, voting_election
from tests.support.servers import gunicorn, make_app

G = PartnerGroup.GMINA
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
NEW_PASSWORD = "Zielona-łąka-nad-Wisłą-7"


class Browser:
    """A user agent with cookies, talking to the server like a browser."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = requests.Session()

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.http.get(self.base + path, timeout=30, **kwargs)

    def csrf(self, path: str) -> str:
        match = CSRF.search(self.get(path).text)
        assert match, f"no CSRF token on {path}"
        return match.group(1)

    def post(self, path: str, data: dict[str, Any], page: str | None = None) -> requests.Response:
        payload = {"csrf_token": self.csrf(page or path), **data}
        return self.http.post(self.base + path, data=payload, timeout=30, allow_redirects=False)

    def log_in(self, email: str, password: str) -> None:
        assert self.post("/login", {"email": email, "password": password}).status_code == 302


def the_meeting(base: str, world: dict[str, Any], mailbox: Any) -> dict[str, str]:
    """Projector, password reset, voting, receipt check; the secrets that went by."""
    e, r = world["election"], world["round"]
    admin = Browser(base)
    admin.log_in("admin@example.pl", PASSWORD)
    link_page = f"/results/{e}/projector/link"
    assert admin.post(link_page, {"action": "enable"}).status_code == 303
    projector_link = re.search(
        r'<a href="([^"]+projector\?token=([^"]+))">', admin.get(link_page).text
    )
    assert projector_link
    token = projector_link.group(2)

    projector = Browser(base)
    parts = urlsplit(projector_link.group(1).replace("&amp;", "&"))
    opened = projector.get(f"{parts.path}?{parts.query}")
    assert opened.status_code == 200 and opened.url == f"{base}/results/{e}/projector"
    for _ in range(3):
        assert projector.get(f"/results/{e}/live.json?view=projector").status_code == 200

    rep = Browser(base)
    assert rep.post("/password/forgot", {"email": world["rep"]}).status_code == 302
    [message] = mailbox.to(world["rep"])
    link = re.search(
        r"https?://[^/\s]+(/password/(\S+))", message.get_payload(decode=True).decode()
    )
    assert link
    reset_secret = link.group(2)
    form = rep.get(link.group(1))
    assert form.status_code == 200 and form.url == f"{base}/password/set"
    done = rep.post("/password/set", {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert done.status_code == 302
    rep.log_in(world["rep"], NEW_PASSWORD)

    ballot = f"/voting/{e}/rounds/{r}"
    choice = {"partner_id": str(world["partner"]), "candidate": [str(world["candidate"])]}
    assert rep.post(f"{ballot}/confirm", choice, page=ballot).status_code == 200
    cast = rep.post(f"{ballot}/cast", choice, page=ballot)
    code = re.search(r'class="receipt-code"[^>]*>([0-9A-Z-]+)<', cast.text)
    assert cast.status_code == 200 and code, cast.text[:2000]
    assert (
        rep.post(f"{ballot}/receipt.txt", {"code": code.group(1)}, page=ballot).status_code == 200
    )
    assert rep.get(f"{ballot}/receipt").status_code == 200

    chair = Browser(base)
    chair.log_in(world["chair"], PASSWORD)
    assert chair.get(f"/results/{e}/dashboard").status_code == 200
    assert chair.get(f"/results/{e}/live.json?view=dashboard").status_code == 200
    chair.post(f"/voting/{e}/chair/rounds/{r}/close", {}, page=f"/voting/{e}/chair")

    checker = Browser(base)
    checker.get(f"/public/elections/{e}/receipts")
    checker.post(f"/public/elections/{e}/receipts", {"code": code.group(1)}, page="/login")
    return {
        "projector token": token,
        "password link": reset_secret,
        "receipt code": code.group(1),
        "receipt code, bare": code.group(1).replace("-", ""),
    }


def test_the_access_log_of_a_meeting_holds_no_token_code_or_link_secret(
    tmp_path: Path, smtp_server: tuple[Any, int]
) -> None:
    mailbox, smtp_port = smtp_server
    mailbox.clear()
    url = f"sqlite:///{tmp_path / 'meeting.db'}"
    app = make_app(url)
    with app.app_context():
        w = voting_election(per_group=2, candidates_per_group=2)
        make_user(Role.ADMIN, email="admin@example.pl")
        db.session.commit()
        world = {
            "election": w["election"].id,
            "round": w["rounds"][G].id,
            "rep": w["reps"][G][0].email,
            "partner": w["partners"][G][0].id,
            "candidate": w["candidates"][G][0].id,
            "chair": w["chair"].email,
        }
        db.engine.dispose()
    log = tmp_path / "access.log"
    with gunicorn(
        url,
        workers=2,
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=str(smtp_port),
        GUNICORN_CMD_ARGS=f"--access-logfile {log}",
    ) as server:
        secrets = the_meeting(f"http://127.0.0.1:{server.base_port}", world, mailbox)
    text = log.read_text()
    # The log is real: the meeting's requests are in it, the secrets' places redacted.
    assert "GET /password/[redacted]" in text and "POST /password/set" in text
    assert "projector?token=[redacted]" in text and "live.json?view=projector" in text
    assert "/cast" in text and "/receipts" in text
    for what, secret in secrets.items():
        assert secret not in text, f"{what} in the access log"


def test_werkzeugs_request_log_is_redacted_too(app: Flask, caplog: Any) -> None:
    token = "eyJ1IjoyfQ.aw9EeQ.L7UL2sbzigaKCdUX-wwkpmf8v0I"
    with caplog.at_level(logging.INFO, logger="werkzeug"):
        logging.getLogger("werkzeug").info(
            '%s - - [%s] "%s" %s %s',
            "127.0.0.1",
            "now",
            f"GET /password/{token} HTTP/1.1",
            303,
            "-",
        )
    assert caplog.records and token not in caplog.text and "/password/[redacted]" in caplog.text
