"""Every model, imported once so metadata and migrations see the whole schema."""

from election.audit.models import AuditEvent
from election.auth.models import Role, User
from election.candidates.models import Candidate, CandidateStatus, Supplement
from election.council.models import (
    AppointedSeat,
    Appointment,
    Council,
    MandateEnd,
    MandateEndReason,
    Vacancy,
)
from election.elections.models import (
    BallotBoxKey,
    Custody,
    Election,
    Motion,
    MotionVote,
    Phase,
    RollEntry,
    Rules,
    Teller,
)
from election.elections.people import Attendance, Authorisation
from election.mail.models import OutboxMail
from election.partners.models import Partner, PartnerGroup
from election.publishing.models import LmsSettings, Publication
from election.tally.models import (
    CandidateResult,
    DecryptionShare,
    LotDraw,
    RoundAggregate,
    RoundTally,
)
from election.voting.models import (
    Ballot,
    BallotChoice,
    EncryptedBallot,
    RollMark,
    Round,
    RoundCandidate,
)

__all__ = [
    "AppointedSeat",
    "Appointment",
    "Attendance",
    "AuditEvent",
    "Authorisation",
    "Ballot",
    "BallotBoxKey",
    "BallotChoice",
    "Candidate",
    "CandidateResult",
    "CandidateStatus",
    "Council",
    "Custody",
    "DecryptionShare",
    "Election",
    "EncryptedBallot",
    "LmsSettings",
    "LotDraw",
    "MandateEnd",
    "MandateEndReason",
    "Motion",
    "MotionVote",
    "OutboxMail",
    "Partner",
    "PartnerGroup",
    "Phase",
    "Publication",
    "Role",
    "RollEntry",
    "RollMark",
    "Round",
    "RoundAggregate",
    "RoundCandidate",
    "RoundTally",
    "Rules",
    "Supplement",
    "Teller",
    "User",
    "Vacancy",
]
