"""Results changed in the database are caught by ``flask audit verify`` (issue 13, item 8):
each tampering issue 13 tried — and that `flask audit verify` used to pass — now exits 1."""

import pytest
from sqlalchemy import func, select, text

from election.audit.models import AuditEvent
from election.audit.service import head_hash
from election.council.composition import certify
from election.extensions import db
from election.partners.models import PartnerGroup
from election.tally.models import CandidateResult, LotDraw
from election.voting.models import EncryptedBallot, RollMark
from tests.factories import SYSTEM, key_store, make_partner
from tests.factories.council import closed_election
from tests.factories.tally import encrypt

G = PartnerGroup.GMINA


@pytest.fixture
def certified(ctx):
    """A certified secret election: a tie in the gmina settled by a runoff and lots."""
    world = closed_election(tie_in=G, settle="lots")
    certify(db.session, SYSTEM, world["election"], key_store())
    db.session.commit()
    return world


def verify(runner, *args):
    return runner.invoke(args=["audit", "verify", *args])


def test_a_certified_election_verifies_and_the_head_is_printed(certified, runner):
    head = head_hash(db.session)
    result = verify(runner, "--expect-head", head)
    assert result.exit_code == 0, result.output
    assert f"head {head}" in result.output
    # An earlier head, as the protocol printed it, is still in a chain that grew since.
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "council.certified"))
    assert verify(runner, "--expect-head", event.hash).exit_code == 0


def test_swapping_who_is_elected_is_detected(certified, runner):
    round_ = certified["rounds"][PartnerGroup.POWIAT]
    _a, b, c = certified["candidates"][PartnerGroup.POWIAT]
    db.session.execute(
        text(
            "UPDATE candidate_results SET elected = "
            "CASE WHEN candidate_id = :b THEN :no ELSE :yes END "
            "WHERE round_id = :r AND candidate_id IN (:b, :c)"
        ),
        {"r": round_.id, "b": b.id, "c": c.id, "yes": True, "no": False},
    )
    db.session.commit()
    result = verify(runner)
    assert result.exit_code == 1
    assert "RESULTS: round" in result.output and "marked elected differ" in result.output
    assert "COUNCIL: election" in result.output


def test_a_changed_round_tally_is_detected(certified, runner):
    round_ = certified["rounds"][PartnerGroup.MIASTO_NPP]
    db.session.execute(
        text(
            "UPDATE round_tallies SET blank = blank + 1, ballots = ballots + 1 WHERE round_id = :r"
        ),
        {"r": round_.id},
    )
    db.session.commit()
    result = verify(runner)
    assert result.exit_code == 1
    assert "stored turnout" in result.output and "blank ballots stored" in result.output


def test_changed_votes_are_detected(certified, runner):
    round_ = certified["rounds"][PartnerGroup.POWIAT]
    db.session.execute(
        text("UPDATE candidate_results SET votes = votes + 5 WHERE round_id = :r"),
        {"r": round_.id},
    )
    db.session.commit()
    result = verify(runner)
    assert result.exit_code == 1 and "differ from the recount" in result.output


def test_a_renamed_candidate_is_detected(certified, runner):
    candidate = certified["candidates"][PartnerGroup.POWIAT][0]
    db.session.execute(
        text("UPDATE candidates SET full_name = :n WHERE id = :i"),
        {"n": "Podstawiony Kandydat", "i": candidate.id},
    )
    db.session.commit()
    result = verify(runner)
    assert result.exit_code == 1
    assert f"CANDIDATES: candidate {candidate.id}" in result.output
    assert "Podstawiony Kandydat" in result.output
    assert "COUNCIL" in result.output  # an elected member's name changed too


def test_a_roll_mark_moved_to_another_partner_is_detected(certified, runner):
    stranger = make_partner(PartnerGroup.GMINA)
    db.session.commit()
    mark = db.session.scalars(select(RollMark).order_by(RollMark.id)).first()
    db.session.execute(
        text("UPDATE roll_marks SET partner_id = :p WHERE id = :m"),
        {"p": stranger.id, "m": mark.id},
    )
    db.session.commit()
    result = verify(runner)
    assert result.exit_code == 1
    assert f"ROLL: round {mark.round_id}: a roll mark of Partner {stranger.id}" in result.output


def test_a_deleted_last_audit_event_is_detected_with_the_expected_head(certified, runner):
    head = head_hash(db.session)
    assert verify(runner).exit_code == 0
    last = db.session.scalar(select(func.max(AuditEvent.id)))
    db.session.execute(text("DELETE FROM audit_events WHERE id = :i"), {"i": last})
    db.session.commit()
    # The chain alone still links: truncation shows only against a head printed earlier.
    result = verify(runner, "--expect-head", head)
    assert result.exit_code == 1
    assert f"HEAD: the chain does not contain {head}" in result.output


def test_a_changed_ciphertext_is_detected(certified, runner):
    round_ = certified["rounds"][PartnerGroup.POWIAT]
    ballot = db.session.scalars(
        select(EncryptedBallot).where(EncryptedBallot.round_id == round_.id)
    ).first()
    forged = encrypt(round_, [certified["candidates"][PartnerGroup.POWIAT][2]])
    db.session.delete(forged)
    db.session.execute(
        text("UPDATE encrypted_ballots SET ciphertexts = :c WHERE id = :i"),
        {"c": forged.ciphertexts, "i": ballot.id},
    )
    db.session.commit()
    result = verify(runner)
    assert result.exit_code == 1
    assert "differ from the digest" in result.output and "cannot be recounted" in result.output


def test_a_changed_lot_draw_is_detected(certified, runner):
    runoff = certified["runoff"]
    _a, b, c = certified["candidates"][G]
    db.session.execute(
        text("UPDATE candidate_results SET elected = (candidate_id = :b) WHERE round_id = :r"),
        {"b": b.id, "r": runoff.id},
    )
    draw = db.session.scalar(select(LotDraw).where(LotDraw.round_id == runoff.id))
    assert draw.winners == [c.id]
    draw.winners = [b.id]  # written directly, without the service or its audit event
    db.session.commit()
    result = verify(runner)
    assert result.exit_code == 1
    assert "lots stored differ" in result.output and "COUNCIL" in result.output


def test_a_deleted_count_is_detected(certified, runner):
    round_ = certified["rounds"][PartnerGroup.POWIAT]
    db.session.execute(text("DELETE FROM candidate_results WHERE round_id = :r"), {"r": round_.id})
    db.session.execute(text("DELETE FROM round_tallies WHERE round_id = :r"), {"r": round_.id})
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(CandidateResult)) > 0
    result = verify(runner)
    assert result.exit_code == 1
    assert "the chain records its count, the database has none" in result.output
