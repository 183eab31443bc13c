"""Every model, imported once so metadata and migrations see the whole schema."""

from election.audit.models import AuditEvent
from election.auth.models import Role, User
from election.candidates.models import Candidate, CandidateStatus
from election.council.models import AppointedSeat, Appointment
from election.elections.models import (
    Election,
    Motion,
    MotionVote,
    Phase,
    RollEntry,
    Rules,
)
from election.partners.models import Partner, PartnerGroup
from election.publishing.models import LmsSettings, Publication
from election.tally.models import CandidateResult, LotDraw, RoundTally
from election.voting.models import Ballot, BallotChoice, RollMark, Round, RoundCandidate

__all__ = [
    "AppointedSeat",
    "Appointment",
    "AuditEvent",
    "Ballot",
    "BallotChoice",
    "Candidate",
    "CandidateResult",
    "CandidateStatus",
    "Election",
    "LmsSettings",
    "LotDraw",
    "Motion",
    "MotionVote",
    "Partner",
    "PartnerGroup",
    "Phase",
    "Publication",
    "Role",
    "RollEntry",
    "RollMark",
    "Round",
    "RoundCandidate",
    "RoundTally",
    "Rules",
    "User",
]
