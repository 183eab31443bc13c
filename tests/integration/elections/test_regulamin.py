"""The Regulamin: writing it as text or PDF, sending it to the reps."""

import datetime as dt

import pytest
from sqlalchemy import select

from election.audit.models import AuditEvent
from election.auth.models import Role
from election.elections import regulamin
from election.elections.models import RulesStatus
from election.errors import Conflict, ValidationFailed
from election.extensions import db
from election.partners.models import PartnerGroup
from tests.factories import SYSTEM, make_election, make_partner, make_user
from tests.factories.elections import PDF, make_rules

pytestmark = pytest.mark.usefixtures("ctx")


# --- the Regulamin -------------------------------------------------------------------------


def test_the_regulamin_is_saved_as_text_or_pdf_and_audited():
    election = make_election()
    rules = regulamin.save_rules(db.session, SYSTEM, election, text="§ 1. Treść.")
    assert rules.status == RulesStatus.DRAFT and rules.pdf is None
    regulamin.save_rules(
        db.session, SYSTEM, election, text="", pdf=PDF, pdf_filename="Regulamin wyboru.pdf"
    )
    assert rules.pdf == PDF and rules.pdf_filename == "Regulamin_wyboru.pdf"
    assert rules.text == ""
    event = db.session.scalar(
        select(AuditEvent).where(AuditEvent.action == "rules.saved").order_by(AuditEvent.id.desc())
    )
    assert event.details["pdf_sha256"] and event.details["text_sha256"] is None


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"text": "  "}, "Wpisz treść"),
        ({"text": "", "pdf": b"", "pdf_filename": "r.pdf"}, "pusty"),
        ({"text": "", "pdf": b"GIF89a", "pdf_filename": "r.pdf"}, "nie jest plik PDF"),
        ({"text": "", "pdf": PDF, "pdf_filename": "r.exe"}, "rozszerzenie"),
        (
            {"text": "", "pdf": PDF + b"x" * (5 * 1024 * 1024), "pdf_filename": "r.pdf"},
            "za duży",
        ),
    ],
)
def test_a_bad_regulamin_is_refused(kwargs, message):
    election = make_election()
    with pytest.raises(ValidationFailed, match=message):
        regulamin.save_rules(db.session, SYSTEM, election, **kwargs)
    assert regulamin.get_rules(db.session, election) is None


def test_a_sent_regulamin_cannot_change():
    election = make_election()
    make_rules(election, "sent")
    with pytest.raises(Conflict, match="nie można go zmienić"):
        regulamin.save_rules(db.session, SYSTEM, election, text="Nowa treść")


def test_marking_the_regulamin_sent_lists_active_reps_of_active_partners():
    active = make_partner(PartnerGroup.GMINA)
    retired = make_partner(PartnerGroup.POWIAT, active=False)
    rep = make_user(Role.PARTNER_REP, partner=active)
    make_user(Role.PARTNER_REP, partner=retired)
    gone = make_user(Role.PARTNER_REP, partner=active)
    gone.active = False
    make_user(Role.CHAIR)
    election = make_election()
    make_rules(election, "draft")
    recipients = regulamin.mark_rules_sent(db.session, SYSTEM, election, dt.date(2026, 6, 2))
    assert recipients == [rep.email]
    rules = regulamin.get_rules(db.session, election)
    assert rules.status == RulesStatus.SENT and rules.sent_on == dt.date(2026, 6, 2)
    with pytest.raises(Conflict, match="wysłać można tylko projekt"):
        regulamin.mark_rules_sent(db.session, SYSTEM, election, dt.date(2026, 6, 3))


def test_a_missing_regulamin_cannot_be_sent():
    with pytest.raises(Conflict, match="Najpierw przygotuj"):
        regulamin.mark_rules_sent(db.session, SYSTEM, make_election(), dt.date(2026, 6, 2))
