"""Starting the vote with a custody choice, and the tellers' sheets: handed out once, then
confirmed; once every share is out nothing of the key remains on the server."""

import json
import re
from urllib.parse import unquote

import pytest
from sqlalchemy import func, select

from election import crypto
from election.audit.models import AuditEvent
from election.auth.models import Role
from election.elections import custody, service
from election.elections.custody import CustodyChoice
from election.elections.models import BallotBoxKey, Custody, Election, Phase, RollEntry, Teller
from election.errors import Conflict, ValidationFailed, WrongPhase
from election.extensions import db
from tests.factories import GROUPS, SYSTEM, key_store, make_election, make_partner
from tests.factories.elections import logged_in
from tests.support.web import post_form

NAMES = ["Anna Nowak", "Piotr Ćwik", "Ewa Śliwa"]
#: The tick of the irreversible "Wydaj arkusz" button.
TICK = {"confirm": "y"}


@pytest.fixture(autouse=True)
def _empty_key_store(app):
    """Election ids repeat from test to test; their secrets must not."""
    with app.app_context():
        for election_id in range(1, 50):
            key_store().destroy_all(election_id)
    yield


def body(response) -> str:
    return response.get_data(as_text=True)


def ready(phase: str = "candidates_published") -> Election:
    for group in GROUPS:
        make_partner(group)
    return make_election(phase)


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def share_files(election_id: int) -> list[str]:
    folder = key_store().folder
    return (
        sorted(p.name for p in folder.glob(f"election-{election_id}-*")) if folder.exists() else []
    )


# --- the service ---------------------------------------------------------------------------


def test_starting_the_vote_makes_the_servers_key_in_the_same_transaction(ctx):
    election = ready()
    service.start_voting(db.session, SYSTEM, election, keys=key_store())
    key = db.session.get(BallotBoxKey, election.id)
    assert election.phase == Phase.VOTING and key.custody == Custody.SERVER
    secret = key_store().read_key(election.id)
    assert secret is not None and crypto.base(secret) == key.public_key
    assert share_files(election.id) == [f"election-{election.id}-key"]
    mode = (key_store().folder / f"election-{election.id}-key").stat().st_mode & 0o777
    assert mode == 0o600
    actions = list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))
    assert actions[-2:] == ["election.voting_started", "ballot_box.key_made"]
    # The secret is in no row and no audit detail.
    for event in db.session.scalars(select(AuditEvent)):
        assert secret.hex() not in json.dumps(event.details)


def test_starting_the_vote_with_tellers_deals_the_shares(ctx):
    election = ready()
    choice = CustodyChoice(Custody.TELLERS, 2, NAMES)
    service.start_voting(db.session, SYSTEM, election, keys=key_store(), choice=choice)
    key = db.session.get(BallotBoxKey, election.id)
    assert (key.custody, key.threshold, key.tellers) == (Custody.TELLERS, 2, 3)
    tellers = custody.tellers_of(db.session, election)
    assert [t.name for t in tellers] == NAMES and [t.index for t in tellers] == [1, 2, 3]
    assert key_store().read_key(election.id) is None  # x itself is stored nowhere
    assert share_files(election.id) == [f"election-{election.id}-share-{i}" for i in (1, 2, 3)]


@pytest.mark.parametrize(
    ("threshold", "names", "message"),
    [
        (2, ["Anna Nowak"], "od 2 do 9"),
        (2, [f"Osoba {i}" for i in range(10)], "od 2 do 9"),
        (2, ["Anna Nowak", "  "], "każdego z nazwiskiem"),
        (None, NAMES, "od 1 do 3"),
        (4, NAMES, "od 1 do 3"),
        (0, NAMES, "od 1 do 3"),
        (2, ["Anna Nowak", "x" * 201], "najwyżej 200 znaków"),
        (2, ["Anna Nowak", "Piotr\x07Ćwik"], "bez znaków sterujących"),
    ],
)
def test_a_choice_of_tellers_that_cannot_be_dealt_is_refused_and_nothing_changes(
    ctx, threshold, names, message
):
    election = ready()
    db.session.commit()
    choice = CustodyChoice(Custody.TELLERS, threshold, names)
    with pytest.raises(ValidationFailed, match=message):
        service.start_voting(db.session, SYSTEM, election, keys=key_store(), choice=choice)
    db.session.rollback()
    election = db.session.get(Election, election.id)
    assert election.phase == Phase.CANDIDATES_PUBLISHED
    assert count(RollEntry) == count(BallotBoxKey) == count(Teller) == 0
    assert share_files(election.id) == []


def test_voting_starts_once_and_the_key_is_made_once(ctx):
    election = ready()
    service.start_voting(db.session, SYSTEM, election, keys=key_store())
    first = key_store().read_key(election.id)
    with pytest.raises(WrongPhase):
        service.start_voting(db.session, SYSTEM, election, keys=key_store())
    assert key_store().read_key(election.id) == first
    with pytest.raises(Conflict, match="ma już klucz"):
        custody.set_up(db.session, SYSTEM, election, key_store(), CustodyChoice())
    assert key_store().read_key(election.id) == first


def test_a_share_is_handed_out_once_and_confirmed_by_its_check_code(ctx):
    election = ready()
    choice = CustodyChoice(Custody.TELLERS, 2, NAMES)
    service.start_voting(db.session, SYSTEM, election, keys=key_store(), choice=choice)
    sheet = custody.hand_out(db.session, SYSTEM, election, key_store(), 2)
    assert (sheet.name, sheet.index, sheet.threshold, sheet.tellers) == (NAMES[1], 2, 2, 3)
    assert f"election-{election.id}-share-2" not in share_files(election.id)
    with pytest.raises(Conflict, match="już wydany"):
        custody.hand_out(db.session, SYSTEM, election, key_store(), 2)
    # The share read back (typed, or the file) is the teller's; another teller's is refused.
    assert custody.read_share(db.session, election, 2, sheet.share).hex() == sheet.share
    text = custody.share_file(sheet, election.title)
    assert custody.read_share(db.session, election, 2, text).hex() == sheet.share
    with pytest.raises(ValidationFailed, match="nr 1"):
        custody.read_share(db.session, election, 1, text)
    with pytest.raises(ValidationFailed, match="nr 1"):
        custody.read_share(db.session, election, 1, sheet.share)
    with pytest.raises(ValidationFailed, match="innych wyborów"):
        custody.read_share(
            db.session, election, 2, text.replace(f'"id": {election.id}', '"id": 999')
        )
    with pytest.raises(ValidationFailed, match="Kod kontrolny"):
        custody.confirm(db.session, SYSTEM, election, 2, "AAAAA-AAAAA")
    with pytest.raises(Conflict, match="Najpierw wydaj"):
        custody.confirm(db.session, SYSTEM, election, 1, sheet.check_code)
    teller = custody.confirm(db.session, SYSTEM, election, 2, sheet.check_code.lower())
    assert teller.confirmed_at is not None
    assert db.session.get(BallotBoxKey, election.id).destroyed_at is None
    for index in (1, 3):
        custody.hand_out(db.session, SYSTEM, election, key_store(), index)
    # Every share is out: nothing of the key remains on the server.
    assert share_files(election.id) == []
    assert db.session.get(BallotBoxKey, election.id).destroyed_at is not None


# --- the pages -----------------------------------------------------------------------------


@pytest.fixture
def staff(app, client):
    logged_in(app, client, Role.CHAIR)
    return client


def election_id(app, phase: str = "candidates_published") -> int:
    with app.app_context():
        election = ready(phase)
        db.session.commit()
        return election.id


def test_the_election_page_offers_the_custody_choice_with_the_server_by_default(app, staff):
    eid = election_id(app)
    page = body(staff.get(f"/elections/{eid}"))
    assert re.search(r'<input checked[^>]*value="server"', page) and 'value="tellers"' in page
    assert "Rozpocznij głosowanie" in page and 'name="teller_names"' in page
    assert staff.get(f"/elections/{eid}/start-voting").status_code == 200


def test_starting_the_vote_in_the_browser_with_the_server_default(app, staff):
    eid = election_id(app)
    response = post_form(staff, f"/elections/{eid}/start-voting")
    assert response.status_code == 303 and response.headers["Location"].endswith(
        f"/elections/{eid}"
    )
    with app.app_context():
        assert db.session.get(BallotBoxKey, eid).custody == Custody.SERVER
    page = body(staff.get(f"/elections/{eid}/tellers"))
    assert "przechowuje serwer" in page


def test_a_bad_custody_choice_is_explained_beside_the_form(app, staff):
    eid = election_id(app)
    response = post_form(
        staff,
        f"/elections/{eid}/start-voting",
        {"custody": "tellers", "teller_names": "Anna Nowak", "threshold": "1"},
    )
    assert response.status_code == 400 and "od 2 do 9" in body(response)
    odd = post_form(staff, f"/elections/{eid}/start-voting", {"custody": "nobody"})
    assert odd.status_code == 400 and "kto przechowuje klucz" in body(odd)
    with app.app_context():
        assert db.session.get(Election, eid).phase == Phase.CANDIDATES_PUBLISHED
        assert db.session.get(BallotBoxKey, eid) is None


def test_the_tellers_get_their_sheets_once_and_confirm_them(app, staff):
    eid = election_id(app)
    started = post_form(
        staff,
        f"/elections/{eid}/start-voting",
        {"custody": "tellers", "teller_names": "\n".join(NAMES) + "\n\n", "threshold": "2"},
    )
    assert started.status_code == 303 and started.headers["Location"].endswith("/tellers")
    page = body(staff.get(f"/elections/{eid}/tellers"))
    assert all(name in page for name in NAMES) and "2 z nich" in page

    # Handing out says what will happen and needs its tick: without it the share stays.
    assert "Potwierdzam: Anna Nowak odbiera arkusz osobiście" in page
    refused = post_form(staff, f"/elections/{eid}/tellers/1/sheet", follow_redirects=True)
    assert "Zaznacz potwierdzenie, aby wydać arkusz." in body(refused)
    assert "Wydaj arkusz: Anna Nowak" in body(refused)
    with app.app_context():
        assert len(share_files(eid)) == 3
    sheet = post_form(staff, f"/elections/{eid}/tellers/1/sheet", TICK)
    html = body(sheet)
    assert sheet.status_code == 200 and sheet.headers["Cache-Control"] == "no-store"
    share = re.search(r'<code class="share">([0-9a-f ]+)</code>', html).group(1).replace(" ", "")
    code = re.search(r'<code class="check-code">([0-9A-Z-]+)</code>', html).group(1)
    assert len(share) == 64 and NAMES[0] in html and "2 z 3" in html
    link = re.search(r'href="data:application/json;charset=utf-8,([^"]+)" download="([^"]+)"', html)
    content = json.loads(unquote(link.group(1).replace("&amp;", "&")))
    assert content["share"] == share and content["check_code"] == code
    assert (content["threshold"], content["tellers"], content["teller"]["index"]) == (2, 3, 1)
    assert content["election"]["id"] == eid and link.group(2).endswith(".json")

    again = post_form(staff, f"/elections/{eid}/tellers/1/sheet", TICK, follow_redirects=True)
    assert share not in body(again) and "już wydany" in body(again)

    wrong = post_form(staff, f"/elections/{eid}/tellers/1/confirm", {"code": "AAAAA-AAAAA"})
    assert wrong.status_code == 400 and "nie zgadza się" in body(wrong)
    empty = post_form(staff, f"/elections/{eid}/tellers/1/confirm", {"code": ""})
    assert empty.status_code == 400 and "Wpisz kod" in body(empty)
    right = post_form(
        staff, f"/elections/{eid}/tellers/1/confirm", {"code": code}, follow_redirects=True
    )
    assert "Odbiór udziału potwierdzony:" in body(right) and "potwierdzony" in body(right)
    assert post_form(staff, f"/elections/{eid}/tellers/9/sheet", TICK).status_code == 303

    for index in (2, 3):
        assert post_form(staff, f"/elections/{eid}/tellers/{index}/sheet", TICK).status_code == 200
    page = body(staff.get(f"/elections/{eid}/tellers"))
    assert "nie ma już żadnej części klucza" in page
    with app.app_context():
        assert share_files(eid) == []


def test_only_the_staff_start_the_vote_and_see_the_tellers(app, client):
    eid = election_id(app)
    with app.app_context():
        partner_id = make_partner().id
        db.session.commit()
    logged_in(app, client, Role.PARTNER_REP, partner_id)
    assert client.get(f"/elections/{eid}/start-voting").status_code == 403
    assert post_form(client, f"/elections/{eid}/start-voting").status_code == 403
    assert client.get(f"/elections/{eid}/tellers").status_code == 403
    assert post_form(client, f"/elections/{eid}/tellers/1/sheet", TICK).status_code == 403
    with app.app_context():
        assert db.session.get(Election, eid).phase == Phase.CANDIDATES_PUBLISHED
