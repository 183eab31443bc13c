"""The meeting's cast and the election up to nominations, built through the services.

What the browser tests do not exercise is set up here the way the app itself would do
it (services, not rows), so the data is the data the pages would have produced.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass, field

from flask import current_app
from sqlalchemy import select
from werkzeug.security import generate_password_hash

from election.audit.service import Actor
from election.auth.models import Role, User
from election.candidates import nominations, published, review
from election.council import appointments
from election.council.models import AppointedSeat
from election.elections import regulamin
from election.elections import service as elections
from election.elections.custody import KeyStore
from election.elections.models import Election, RulesStatus
from election.extensions import db
from election.partners.models import Partner, PartnerGroup
from election.tally import closing
from election.voting import ballots, rounds
from election.voting.models import Round
from tests.factories import PASSWORD, make_partner, make_user

ACTOR = Actor.system("browser-test")
SIGNED = dt.date(2014, 3, 1)


@dataclass(frozen=True)
class Person:
    email: str
    name: str


@dataclass
class Meeting:
    """Ids and logins of the meeting: everything a browser test needs to know."""

    election_id: int = 0
    title: str = ""
    admin: Person = Person("admin@slaskie.example.pl", "Anna Administratorka")
    chair: Person = Person("przewodniczacy@slaskie.example.pl", "Piotr Przewodniczący")
    #: Partner name → its rep (and a second rep for one of them).
    reps: dict[str, Person] = field(default_factory=dict)
    second_rep: Person = Person("wojt2@czeladz.example.pl", "Zenon Zastępca")
    #: Group → [(candidate name, Partner name)].
    candidates: dict[PartnerGroup, list[tuple[str, str]]] = field(default_factory=dict)


#: Real Silesian local governments of the meeting: (group, TERYT, name, rep's login).
PARTNERS = [
    (PartnerGroup.GMINA, "2401011", "Będzin", "sekretarz@bedzin.example.pl"),
    (PartnerGroup.GMINA, "2401021", "Czeladź", "wojt@czeladz.example.pl"),
    (PartnerGroup.GMINA, "2401031", "Wojkowice", "burmistrz@wojkowice.example.pl"),
    (PartnerGroup.GMINA, "2401042", "Bobrowniki", "wojt@bobrowniki.example.pl"),
    (PartnerGroup.POWIAT, "2401", "Powiat będziński", "starosta@powiat.bedzin.example.pl"),
    (PartnerGroup.POWIAT, "2402", "Powiat bielski", "starosta@powiat.bielsko.example.pl"),
    (PartnerGroup.POWIAT, "2403", "Powiat cieszyński", "starosta@powiat.cieszyn.example.pl"),
    (PartnerGroup.MIASTO_NPP, "2469011", "Katowice", "prezydent@katowice.example.pl"),
    (PartnerGroup.MIASTO_NPP, "2466011", "Gliwice", "prezydent@gliwice.example.pl"),
]

REP_NAMES = [
    "Barbara Sekretarz",
    "Wojciech Wójcik",
    "Beata Burmistrz",
    "Bogdan Nowicki",
    "Stanisław Starosta",
    "Halina Bielska",
    "Cezary Cieślar",
    "Krystyna Katowicka",
    "Grzegorz Gliwicki",
]

#: (group, candidate, position, Partner).
CANDIDATES = [
    (PartnerGroup.GMINA, "Anna Nowak", "Sekretarz Miasta", "Będzin"),
    (PartnerGroup.GMINA, "Piotr Wiśniewski", "Wójt Gminy", "Czeladź"),
    (PartnerGroup.GMINA, "Katarzyna Wójcik", "Skarbnik Gminy", "Wojkowice"),
    (PartnerGroup.POWIAT, "Tomasz Kamiński", "Starosta", "Powiat będziński"),
    (PartnerGroup.POWIAT, "Agnieszka Lewandowska", "Wicestarosta", "Powiat bielski"),
    (PartnerGroup.POWIAT, "Marek Zieliński", "Sekretarz Powiatu", "Powiat cieszyński"),
    (PartnerGroup.MIASTO_NPP, "Magdalena Szymańska", "Zastępca Prezydenta", "Katowice"),
    (PartnerGroup.MIASTO_NPP, "Jan Woźniak", "Naczelnik Wydziału Informatyki", "Gliwice"),
]

#: The appointed members: (seat, name, position, authority document).
APPOINTED = [
    (AppointedSeat.LEADER, "Leszek Lider", "Członek Zarządu Województwa", "Uchwała 1234/2026"),
    (AppointedSeat.SCSI, "Sylwia Informatyk", "Zastępca Dyrektora ŚCSI", "Zarządzenie 7/2026"),
    (AppointedSeat.SCSI, "Szymon Sieciowy", "Kierownik Działu SEKAP", "Zarządzenie 8/2026"),
]

#: The tellers (komisja skrutacyjna) when the ballot box's key is split among them.
TELLERS = ["Teresa Liczykrupa", "Urszula Skrutator", "Wiesław Komisyjny"]
#: How many of them count a round.
THRESHOLD = 2

RULES_TEXT = (
    "Regulamin wyboru Członków Rady ds. systemu SEKAP\n\n"
    "§ 1. Partnerzy wybierają w swoich grupach po dwóch członków Rady.\n"
    "§ 2. Każdy Partner oddaje w turze jeden głos.\n"
    "§ 3. Remis na ostatnim miejscu rozstrzyga dogrywka, a potem losowanie."
)


@functools.cache
def _fast_hash() -> str:
    return generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


def fast_user(role: Role, email: str, full_name: str, partner: Partner | None = None) -> User:
    """A user who logs in with ``PASSWORD`` through the ordinary form.

    The browser tests log in a dozen times; the production scrypt cost (by design slow)
    would be most of their time. The method is read from the stored hash, so the login
    takes the same code path with a cheap hash.
    """
    user = make_user(role, partner=partner, email=email, full_name=full_name, password=None)
    user.password_hash = _fast_hash()
    db.session.flush()
    return user


def build_meeting(quorum_percent: int | None = None) -> Meeting:
    """Partners, accounts, an election in nominations with its Regulamin sent to the
    Partners and every candidate nominated and verified — ready for the admin to publish.
    ``quorum_percent``: the Regulamin's quorum (none by default)."""
    meeting = Meeting()
    session = db.session
    fast_user(Role.ADMIN, meeting.admin.email, meeting.admin.name)
    fast_user(Role.CHAIR, meeting.chair.email, meeting.chair.name)
    partners = {}
    for (group, teryt, name, email), rep in zip(PARTNERS, REP_NAMES, strict=True):
        partner = make_partner(group, name=name, teryt=teryt, signed=SIGNED)
        partners[name] = partner
        fast_user(Role.PARTNER_REP, email, rep, partner)
        meeting.reps[name] = Person(email, rep)
    fast_user(
        Role.PARTNER_REP, meeting.second_rep.email, meeting.second_rep.name, partners["Czeladź"]
    )

    election = elections.create_election(
        session,
        ACTOR,
        elections.ElectionSettings(
            title="Wybory Rady ds. systemu SEKAP 2026–2030",
            term="2026–2030",
            meeting_date=dt.date(2026, 6, 18),
            meeting_place="Katowice, ul. Ligonia 46",
            cutoff_date=dt.date(2026, 5, 31),
            quorum_percent=quorum_percent,
        ),
    )
    meeting.election_id = election.id
    meeting.title = election.title
    regulamin.save_rules(session, ACTOR, election, text=RULES_TEXT)
    regulamin.mark_rules_sent(session, ACTOR, election, dt.date(2026, 6, 2))
    elections.open_nominations(session, ACTOR, election)
    for group, name, position, partner in CANDIDATES:
        candidate = nominations.nominate_as_admin(
            session,
            ACTOR,
            election,
            nominations.Nomination(
                full_name=name,
                position=position,
                partner_id=partners[partner].id,
                consent_confirmed=True,
            ),
        )
        review.verify(session, ACTOR, election, candidate.id)
        meeting.candidates.setdefault(group, []).append((name, partner))
    return meeting


def appoint(election_id: int, which: slice) -> None:
    """Record some of the appointed members (the ones the test does not type in)."""
    election = elections.get_election(db.session, election_id)
    for seat, name, position, document in APPOINTED[which]:
        appointments.appoint(
            db.session,
            ACTOR,
            election,
            seat,
            appointments.AppointmentData(
                full_name=name,
                position=position,
                document_ref=document,
                document_date=dt.date(2026, 6, 10),
            ),
        )


# --- the meeting in voting, and what happens around the browser's steps ---------------------


def start_meeting(election_id: int) -> None:
    """The list published, the Regulamin adopted, voting started (the server keeps the
    key) and every group's first round open: as the chair's first clicks would leave it."""
    election = elections.get_election(db.session, election_id)
    published.publish_list(db.session, ACTOR, election)
    rules = regulamin.get_rules(db.session, election)
    assert rules is not None
    rules.status = RulesStatus.ADOPTED
    db.session.flush()
    elections.start_voting(db.session, ACTOR, election, keys=KeyStore(current_app.instance_path))
    rounds.open_all(db.session, ACTOR, election)


def _rep(email: str) -> User:
    user = db.session.scalar(select(User).where(User.email == email))
    assert user is not None, email
    return user


def _candidate_ids(round_: Round, names: list[str]) -> list[int]:
    by_name = {c.full_name: c.id for c in round_.candidates}
    return [by_name[name] for name in names]


def cast_online(election_id: int, email: str, group: PartnerGroup, names: list[str]) -> str:
    """The rep ``email`` votes online in the group's latest round (the ballot pages are
    tested elsewhere); returns the tracking code."""
    election = elections.get_election(db.session, election_id)
    round_ = rounds.latest_round(db.session, election, group)
    assert round_ is not None
    user = _rep(email)
    return ballots.cast_ballot(
        db.session, Actor(user.id, user.email), user, round_, _candidate_ids(round_, names)
    )


def close_voting(election_id: int) -> None:
    """Close every open round (the server counts them) and end the voting."""
    election = elections.get_election(db.session, election_id)
    rounds.close_all(db.session, ACTOR, election)
    closing.close_voting(db.session, ACTOR, election)


def by_election_of(council_id: int) -> int:
    """The id of the by-election announced for the Council of ``council_id``."""
    found = db.session.scalar(select(Election.id).where(Election.completes_id == council_id))
    assert found is not None
    return found


def run_by_election(
    election_id: int, name: str, position: str, partner: str, voters: list[str]
) -> None:
    """A by-election announced in the browser, run as any election up to its certification:
    nominations, one verified candidate, the list published, voting (the server keeps the
    key), ``voters`` (reps' logins) electing the candidate, the round counted, voting
    closed. What the browser tests of the first election showed is not shown again."""
    election = elections.get_election(db.session, election_id)
    elections.open_nominations(db.session, ACTOR, election)
    partner_id = db.session.scalar(select(Partner.id).where(Partner.name == partner))
    assert partner_id is not None
    candidate = nominations.nominate_as_admin(
        db.session,
        ACTOR,
        election,
        nominations.Nomination(
            full_name=name, position=position, partner_id=partner_id, consent_confirmed=True
        ),
    )
    review.verify(db.session, ACTOR, election, candidate.id)
    published.publish_list(db.session, ACTOR, election)
    elections.start_voting(db.session, ACTOR, election, keys=KeyStore(current_app.instance_path))
    rounds.open_all(db.session, ACTOR, election)
    (round_,) = rounds.rounds_of(db.session, election)
    for email in voters:
        user = _rep(email)
        ballots.cast_ballot(db.session, Actor(user.id, user.email), user, round_, [candidate.id])
    close_voting(election_id)
