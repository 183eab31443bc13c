from sqlalchemy import text

from election.audit import service
from election.extensions import db
from tests.factories import SYSTEM, make_partner


def test_events_link_into_a_verifying_chain(ctx):
    for i in range(3):
        service.record(db.session, SYSTEM, "test.event", object_type="X", object_id=i, n=i)
    db.session.commit()
    report = service.verify(db.session)
    assert report.ok and report.count == 3


def test_changing_deleting_or_inserting_a_row_is_detected(ctx, runner):
    for i in range(4):
        service.record(db.session, SYSTEM, "test.event", object_type="X", object_id=i)
    db.session.commit()
    assert runner.invoke(args=["audit", "verify"]).exit_code == 0

    db.session.execute(
        text(
            "UPDATE audit_events SET action = 'forged' WHERE id = "
            "(SELECT MIN(id) FROM audit_events) + 1"
        )
    )
    db.session.commit()
    result = runner.invoke(args=["audit", "verify"])
    assert result.exit_code == 1 and "BROKEN" in result.output


def test_deleting_a_row_breaks_the_link(ctx):
    for i in range(3):
        service.record(db.session, SYSTEM, "test.event", object_type="X", object_id=i)
    db.session.commit()
    db.session.execute(
        text("DELETE FROM audit_events WHERE id = (SELECT MIN(id) FROM audit_events) + 1")
    )
    db.session.commit()
    report = service.verify(db.session)
    assert not report.ok and report.reason == "prev_hash does not link"


def test_services_record_their_changes(ctx):
    make_partner()
    before = service.verify(db.session).count
    from election.partners import service as partners

    partners.deactivate(db.session, SYSTEM, make_partner().id)
    assert service.verify(db.session).count == before + 1
