"""A rehearsal election, brought to a chosen phase through the services themselves.

For training the chair and the admins before the real meeting, and for trying the app:
``flask demo --through PHASE``. Every step goes through the same service functions as
the pages do (so it is audited and checked), in the order of the real meeting:
Regulamin sent → nominations → list published → the Regulamin adopted by a motion →
voting with online and paper ballots (a tie among the powiaty, settled by a runoff) →
closed → appointments → certified. Running it again continues from where it stopped.

The ballots are secret and encrypted, the key kept by the server (the default custody):
paper ballots are issued to Partners in the room while a round is open and entered,
without names, once it is closed; then the round is counted.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from election.audit.service import Actor
from election.auth.models import Role, User
from election.candidates import nominations, published, review
from election.council import appointments, composition
from election.council.models import AppointedSeat
from election.demo import data
from election.elections import motions, regulamin
from election.elections import roll as voter_roll
from election.elections import service as elections
from election.elections.custody import KeyStore
from election.elections.models import Election, MotionChoice, Phase
from election.partners.models import Partner, PartnerGroup
from election.tally import closing, counting, opening
from election.tally.models import RoundTally
from election.voting import ballots, paper, rounds
from election.voting.models import Round, RoundStatus

TITLE = "Wybory Rady ds. systemu SEKAP 2026–2030 (próba)"
ORDER = [phase.value for phase in Phase]

REGULAMIN = """Regulamin wyboru Członków Rady ds. systemu SEKAP

§ 1. Rada ds. systemu SEKAP liczy dziewięciu członków: przedstawiciela Lidera, który
przewodniczy Radzie, dwóch przedstawicieli ŚCSI oraz po dwóch przedstawicieli Partnerów
z grup: gmin, powiatów i miast na prawach powiatu.
§ 2. Przedstawicieli Partnerów wybierają Partnerzy danej grupy; każdy Partner ma jeden głos
w każdej turze i wskazuje najwyżej tylu kandydatów, ile jest miejsc do obsadzenia.
§ 3. Wybrani zostają kandydaci, którzy otrzymali najwięcej głosów. Przy równej liczbie głosów
na ostatnie miejsce przeprowadza się dogrywkę, a gdy i ona nie rozstrzygnie — losowanie.
§ 4. Głosowanie jest tajne; Partner obecny na sali może głosować na karcie papierowej.
"""

#: (TERYT of the represented Partner, full name, position) per group.
CANDIDATES = {
    PartnerGroup.GMINA: [
        ("2401011", "Katarzyna Wójcik", "Sekretarz Miasta Będzina"),
        ("2403011", "Łukasz Żmuda", "Kierownik Referatu Informatyki"),
        ("2417011", "Agnieszka Ślęzak", "Sekretarz Miasta Żywca"),
        ("2401042", "Tomasz Nowak", "Wójt Gminy Bobrowniki"),
    ],
    PartnerGroup.POWIAT: [
        ("2401", "Marek Zieliński", "Sekretarz Powiatu Będzińskiego"),
        ("2402", "Ewa Ćwiklińska", "Naczelnik Wydziału Organizacyjnego"),
        ("2403", "Paweł Łukaszczyk", "Kierownik Biura Informatyki"),
    ],
    PartnerGroup.MIASTO_NPP: [
        ("2469011", "Joanna Kamińska", "Naczelnik Wydziału Informatyki"),
        ("2466011", "Grzegorz Świątek", "Sekretarz Miasta Gliwice"),
        ("2461011", "Małgorzata Źrałek", "Pełnomocnik Prezydenta ds. cyfryzacji"),
    ],
}

APPOINTMENTS = [
    (
        AppointedSeat.LEADER,
        "Andrzej Malinowski",
        "Dyrektor Departamentu Cyfryzacji UMWS",
        "Uchwała Zarządu Województwa Śląskiego nr 1234/56/VII/2026",
    ),
    (AppointedSeat.SCSI, "Beata Kowalczyk", "Zastępca Dyrektora ŚCSI", "Zarządzenie nr 12/2026"),
    (
        AppointedSeat.SCSI,
        "Robert Dudek",
        "Kierownik Działu Rozwoju SEKAP",
        "Zarządzenie nr 13/2026",
    ),
]


def _user(session: Session, email: str) -> User:
    user = session.scalar(select(User).where(User.email == email))
    if user is None:
        raise RuntimeError(f"run `flask demo` first: {email} is missing")
    return user


def _actor(user: User) -> Actor:
    return Actor(user.id, user.email)


def build(session: Session, through: str, keys: KeyStore) -> Election:
    """The rehearsal election brought to phase ``through`` (idempotent); ``keys`` keeps
    the ballot box's key (the server's custody)."""
    admin = _user(session, "admin@sekap.demo")
    chair = _user(session, "przewodniczacy@sekap.demo")
    election = session.scalar(select(Election).where(Election.title == TITLE))
    if election is None:
        election = elections.create_election(
            session,
            _actor(admin),
            elections.ElectionSettings(
                title=TITLE,
                cutoff_date=data.CUTOFF,
                term="2026–2030",
                meeting_date=dt.date(2026, 6, 18),
                meeting_place="Katowice, ul. Ligonia 46, sala 101",
                quorum_percent=20,
            ),
        )
        regulamin.save_rules(session, _actor(admin), election, text=REGULAMIN)
    target = ORDER.index(through)
    steps = {
        Phase.NOMINATIONS: lambda: _nominations(session, admin, election),
        Phase.CANDIDATES_PUBLISHED: lambda: _publish(session, admin, election),
        Phase.VOTING: lambda: _voting(session, admin, chair, election, keys),
        Phase.CLOSED: lambda: _closed(session, chair, election, keys),
        Phase.CERTIFIED: lambda: _certified(session, admin, chair, election, keys),
    }
    while ORDER.index(election.phase.value) < target:
        steps[Phase(ORDER[ORDER.index(election.phase.value) + 1])]()
        session.flush()
    return election


def _nominations(session: Session, admin: User, election: Election) -> None:
    regulamin.mark_rules_sent(session, _actor(admin), election, dt.date(2026, 6, 2))
    elections.open_nominations(session, _actor(admin), election)
    by_teryt = {p.teryt: p for p in session.scalars(select(Partner))}
    for group in CANDIDATES:
        for teryt, name, position in CANDIDATES[group]:
            candidate = nominations.nominate_as_admin(
                session,
                _actor(admin),
                election,
                nominations.Nomination(
                    full_name=name,
                    position=position,
                    partner_id=by_teryt[teryt].id,
                    statement="Doświadczenie we wdrażaniu e-usług SEKAP w urzędzie.",
                    consent_confirmed=True,
                ),
                admin=admin,
            )
            review.verify(session, _actor(admin), election, candidate.id)


def _publish(session: Session, admin: User, election: Election) -> None:
    published.publish_list(session, _actor(admin), election)


def _voting(session: Session, admin: User, chair: User, election: Election, keys: KeyStore) -> None:
    """The meeting: the Regulamin adopted by a motion, the roll frozen, rounds opened."""
    motion = motions.open_rules_motion(session, _actor(chair), election)
    present = [p for p in motions.motion_voters(session, election)][:40]
    for i, partner in enumerate(present):
        choice = (
            MotionChoice.NO
            if i % 13 == 5
            else MotionChoice.ABSTAIN
            if i % 17 == 3
            else (MotionChoice.YES)
        )
        motions.vote_on_paper(
            session, _actor(chair), motion.id, partner_id=partner.id, choice=choice
        )
    motions.close_motion(session, _actor(chair), motion.id)
    elections.start_voting(session, _actor(admin), election, keys=keys)
    rounds.create_rounds(session, _actor(chair), election)
    rounds.open_all(session, _actor(chair), election)


def _rehearsal_rep(session: Session, partner: Partner) -> User:
    """The Partner's first rep; a password-less stand-in account when it has none."""
    rep = session.scalar(
        select(User).where(User.partner_id == partner.id, User.role == Role.PARTNER_REP)
    )
    if rep is None:
        rep = User(
            email=f"proba.{partner.teryt}@sekap.demo",
            full_name=f"Przedstawiciel (próba) — {partner.name}",
            role=Role.PARTNER_REP,
            partner_id=partner.id,
        )
        session.add(rep)
        session.flush()
    return rep


def _cast_round(session: Session, chair: User, round_: Round, pattern: str) -> list[list[int]]:
    """Simulated ballots for most Partners on the round's roll; returns the paper ballots
    put in the box (a secret election's, to be entered once the round is closed).

    ``pattern``: "clear" (a clear order), "tie" (the last seat tied between the second
    and third candidate), "runoff" (the first candidate ahead). About one Partner in
    ten does not vote, one in eight votes on paper and one in fifteen casts a blank.
    """
    election = session.get_one(Election, round_.election_id)
    roll = voter_roll.roll(session, election)[round_.group]
    ids = [c.id for c in sorted(round_.candidates, key=lambda c: c.id)]
    voters = [entry for i, entry in enumerate(roll) if i % 10 != 9]
    if pattern == "tie" and len(voters) % 2:
        voters = voters[:-1]
    box: list[list[int]] = []
    for i, entry in enumerate(voters):
        if pattern == "tie":
            choice = [ids[0], ids[1] if i % 2 == 0 else ids[2]]
        elif pattern == "runoff":
            choice = [ids[0]] if i % 3 else [ids[1]]
        elif i % 15 == 7:
            choice = []
        else:
            choice = [ids[0], ids[1] if i % 3 else ids[2]][: round_.seats]
        if i % 8 == 3 and election.secret:
            paper.issue_paper_ballot(session, _actor(chair), chair, round_, entry.partner_id)
            box.append(choice)
        elif i % 8 == 3:
            ballots.record_paper_ballot(
                session, _actor(chair), chair, round_, entry.partner_id, choice
            )
        else:
            rep = _rehearsal_rep(session, session.get(Partner, entry.partner_id))
            ballots.cast_ballot(session, _actor(rep), rep, round_, choice)
    return box


def _vote_and_count(
    session: Session, chair: User, round_: Round, pattern: str, keys: KeyStore
) -> RoundTally | None:
    """Ballots, the round closed, its paper ballots entered from the box, the count."""
    box = _cast_round(session, chair, round_, pattern)
    rounds.close_round(session, _actor(chair), round_)
    for choice in reversed(box):  # the papers come out of the box in another order
        paper.enter_paper_ballot(session, _actor(chair), chair, round_, choice)
    if session.get(RoundTally, round_.id) is None:
        opening.finish_paper(session, _actor(chair), round_, keys, never_entered=0)
    return session.get(RoundTally, round_.id)


def _closed(session: Session, chair: User, election: Election, keys: KeyStore) -> None:
    """Ballots in every group, the rounds closed; the powiaty's tie settled by a runoff."""
    for group, round_ in _open_rounds(session, election).items():
        pattern = "tie" if group == PartnerGroup.POWIAT else "clear"
        _vote_and_count(session, chair, round_, pattern, keys)
    for group in PartnerGroup:
        last = rounds.latest_round(session, election, group)
        counted = session.get(RoundTally, last.id) if last else None
        if counted is not None and counted.tied:
            runoff = counting.open_runoff(session, _actor(chair), last)
            rounds.open_round(session, _actor(chair), runoff)
            _vote_and_count(session, chair, runoff, "runoff", keys)
    closing.close_voting(session, _actor(chair), election)


def _open_rounds(session: Session, election: Election) -> dict[PartnerGroup, Round]:
    return {r.group: r for r in rounds.rounds_of(session, election) if r.status == RoundStatus.OPEN}


def _certified(
    session: Session, admin: User, chair: User, election: Election, keys: KeyStore
) -> None:
    for seat, name, position, document in APPOINTMENTS:
        appointments.appoint(
            session,
            _actor(admin),
            election,
            seat,
            appointments.AppointmentData(
                full_name=name,
                position=position,
                document_ref=document,
                document_date=dt.date(2026, 6, 10),
            ),
        )
    composition.certify(session, _actor(chair), election, keys)
