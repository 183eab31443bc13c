"""The election record: published once a round is counted, verified by the standalone
verifier — in process, and as ``python -m election.verify`` with only PyNaCl importable."""

import json
import subprocess
import sys

import pytest

from election.elections.models import Election
from election.extensions import db
from election.partners.models import PartnerGroup
from election.tally import counting, opening
from election.verify.record import verify_record
from tests.factories import SYSTEM, key_store, make_election, voting_election
from tests.factories.council import closed_election
from tests.factories.tally import cast_all, close, tellers_custody
from tests.support.web import ROOT

G = PartnerGroup.GMINA

#: Run the verifier with the app's frameworks made unimportable: it needs PyNaCl only.
POISONED = (
    "import runpy, sys\n"
    "for name in ('flask', 'sqlalchemy', 'werkzeug', 'jinja2', 'flask_babel', 'wtforms',\n"
    "             'flask_sqlalchemy', 'alembic', 'psycopg', 'fpdf', 'blinker'):\n"
    "    sys.modules[name] = None\n"
    "sys.argv = ['election.verify', sys.argv[1]]\n"
    "runpy.run_module('election.verify', run_name='__main__')\n"
)


@pytest.fixture
def closed(app):
    """A closed secret election: every group counted, a tie settled by a runoff and lots."""
    with app.app_context():
        world = closed_election(tie_in=G, settle="lots")
        db.session.commit()
        return {
            "id": world["election"].id,
            "names": {
                g: [c.full_name for c in world["candidates"][g]] for g in world["candidates"]
            },
        }


def _record(client, election_id):
    response = client.get(f"/api/v1/elections/{election_id}/record.json")
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()


def test_there_is_no_record_before_a_round_is_counted(app, client):
    with app.app_context():
        world = voting_election(per_group=3, candidates_per_group=2)
        open_election = make_election("closed", secret=False)
        db.session.commit()
        ids = world["election"].id, open_election.id
    for election_id in (*ids, 9999):
        response = client.get(f"/api/v1/elections/{election_id}/record.json")
        assert response.status_code == 404 and response.get_json()["error"] == "not_found"


def test_the_record_of_a_closed_election_verifies_with_its_counts(client, closed):
    record = _record(client, closed["id"])
    assert record["format"] == "rada-sekap/record/v1" and record["custody"] == {"mode": "server"}
    assert len(record["audit_head"]) == 64
    # Three first rounds and the gmina runoff, by id; each round's candidates by id.
    assert [r["group"] for r in record["rounds"]] == ["gmina", "powiat", "miasto_npp", "gmina"]
    for entry in record["rounds"]:
        assert [c["id"] for c in entry["candidates"]] == sorted(
            c["id"] for c in entry["candidates"]
        )
        codes = [b["tracking_code"] for b in entry["ballots"]]
        assert codes == sorted(codes) and entry["roll"] == 4 and entry["roll_marks"] == len(codes)
    counts = verify_record(record)
    powiat = dict(counts[1].counts)
    names = closed["names"][PartnerGroup.POWIAT]
    assert counts[1].ballots == 4 and powiat["(blank)"] == 0
    assert [powiat[n] for n in names] == [3, 3, 1]
    gmina = dict(counts[0].counts)
    assert gmina["(blank)"] == 1 and [gmina[n] for n in closed["names"][G]] == [3, 1, 1]


def test_python_m_election_verify_recounts_the_record_with_only_pynacl(client, closed, tmp_path):
    path = tmp_path / "record.json"
    path.write_text(json.dumps(_record(client, closed["id"])), encoding="utf-8")
    plain = subprocess.run(
        [sys.executable, "-m", "election.verify", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert plain.returncode == 0, plain.stdout + plain.stderr
    assert "OK:" in plain.stdout and closed["names"][G][0] in plain.stdout
    assert "     3  " + closed["names"][PartnerGroup.POWIAT][0] in plain.stdout
    poisoned = subprocess.run(
        [sys.executable, "-c", POISONED, str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert poisoned.returncode == 0, poisoned.stdout + poisoned.stderr
    assert poisoned.stdout == plain.stdout

    record = json.loads(path.read_text(encoding="utf-8"))
    record["rounds"][0]["counts"][1] += 1
    path.write_text(json.dumps(record), encoding="utf-8")
    failed = subprocess.run(
        [sys.executable, "-c", POISONED, str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert failed.returncode == 1 and failed.stdout.startswith("FAILED: round")


def test_a_tellers_record_carries_the_commitments_and_verifies(app, client):
    with app.app_context():
        world = voting_election(per_group=4, candidates_per_group=3)
        election = world["election"]
        shares = tellers_custody(election, threshold=2, tellers=3)
        round_ = world["rounds"][G]
        a, b, c = world["candidates"][G]
        cast_all(round_, world["partners"][G], [[a, b], [a], [c], []])
        close(round_)
        counting.count_round(db.session, SYSTEM, round_, key_store())
        db.session.commit()
        election_id = election.id
        assert client.get(f"/api/v1/elections/{election_id}/record.json").status_code == 404
        opening.enter_share(db.session, SYSTEM, election, 2, shares[2])
        opening.enter_share(db.session, SYSTEM, election, 3, shares[3])
        db.session.commit()
        names = [x.full_name for x in (a, b, c)]
    record = _record(client, election_id)
    assert record["custody"]["mode"] == "tellers"
    assert (record["custody"]["k"], record["custody"]["n"]) == (2, 3)
    assert sorted(record["custody"]["public_shares"]) == ["1", "2", "3"]
    assert record["custody"]["commitments"][0] == record["public_key"]
    shares_of = {s["holder"] for s in record["rounds"][0]["decryption"][0]["shares"]}
    assert shares_of == {"2", "3"}
    (count,) = verify_record(record)
    assert dict(count.counts) == {"(blank)": 1, names[0]: 2, names[1]: 1, names[2]: 1}
    for share in shares.values():
        assert share not in json.dumps(record)


def test_the_public_results_page_links_the_record(app, client, closed):
    page = client.get(f"/public/elections/{closed['id']}/results").get_data(as_text=True)
    assert f"/api/v1/elections/{closed['id']}/record.json" in page
    assert "python -m election.verify" in page
    with app.app_context():
        db.session.get(Election, closed["id"]).secret = False  # an open election has none
        db.session.commit()
    page = client.get(f"/public/elections/{closed['id']}/results").get_data(as_text=True)
    assert "record.json" not in page
