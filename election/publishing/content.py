"""What a post says: the candidate list, or the results with the Council and the protocol,
read from the features that own them at the moment the post is sent.

The course is Polish: the posts are written in Polish whoever triggers them.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import force_locale
from sqlalchemy.orm import Session

from election.audit.service import head_hash
from election.candidates.published import published_list
from election.council.composition import council_members
from election.council.protocol import render_protocol
from election.elections.models import Election
from election.elections.service import get_election
from election.labels import GROUP_LABELS, SEAT_LABELS
from election.publishing import posts
from election.publishing.models import Publication, PublicationKind
from election.tally.results import results


@dataclass(frozen=True)
class Content:
    subject: str
    message: str
    #: (file name, PDF bytes) to attach, if any.
    attachment: tuple[str, bytes] | None = None


def _heading(group: str) -> str:
    """A group's heading in a post: "Gminy", "Powiaty", "Miasta na prawach powiatu"."""
    return str(GROUP_LABELS[group]).capitalize()


def candidate_groups(
    session: Session, election: Election
) -> list[tuple[str, list[posts.CandidateRow]]]:
    """The published candidate list per group (heading, rows), as the public page shows it."""
    return [
        (
            _heading(group),
            [posts.CandidateRow(c.full_name, c.position, c.partner.name) for c in candidates],
        )
        for group, candidates in published_list(session, election).items()
    ]


def council_rows(session: Session, election: Election) -> list[posts.CouncilRow]:
    """The Council as the council feature composes it (the chair first)."""
    return [
        posts.CouncilRow(
            m.name,
            m.position,
            str(SEAT_LABELS["chair" if m.chairs else m.seat]),
            m.partner or "",
        )
        for m in council_members(session, election)
    ]


def group_results(session: Session, election: Election) -> list[posts.GroupResult]:
    """Turnout and votes of every counted round, per group, from the tally feature."""
    groups: list[posts.GroupResult] = []
    for group, view in results(session, election).groups.items():
        groups.append(
            posts.GroupResult(
                _heading(group),
                roll=view.roll,
                rounds=[
                    posts.RoundResult(
                        r.number,
                        ballots=r.tally.ballots,
                        paper=r.tally.paper,
                        blank=r.tally.blank,
                        decrypted=r.decrypted,
                        rows=[
                            posts.VoteRow(
                                line.candidate.full_name,
                                line.votes or 0,
                                line.elected or line.by_lot,
                            )
                            for line in r.lines
                            if r.decrypted
                        ],
                    )
                    for r in view.rounds
                    if r.tally is not None
                ],
            )
        )
    return groups


def render(session: Session, publication: Publication, *, public_url: str = "") -> Content:
    """The post's subject, HTML and attachment, from the current data, in Polish.

    ``public_url`` is this app's address (``SERVER_BASE_URL``), for the links to the
    receipts and the election record; without it the post has no links. The post
    prints the audit chain's head at this moment.

    Raises what the features it reads raise (a :class:`DomainError` when, say, the
    list is not published any more).
    """
    election = get_election(session, publication.election_id)
    audit_head = head_hash(session)
    with force_locale("pl"):
        if publication.kind == PublicationKind.CANDIDATES:
            meeting = ", ".join(
                part
                for part in (
                    election.meeting_date.strftime("%d.%m.%Y") if election.meeting_date else "",
                    election.meeting_place,
                )
                if part
            )
            return Content(
                posts.candidates_subject(election.title),
                posts.candidates_message(
                    election.title,
                    candidate_groups(session, election),
                    meeting=meeting,
                    audit_head=audit_head,
                ),
            )
        return Content(
            posts.results_subject(election.title),
            posts.results_message(
                election.title,
                council_rows(session, election),
                group_results(session, election),
                has_protocol=True,
                links=posts.Links.of(public_url, election.id),
                audit_head=audit_head,
            ),
            (
                f"protokol-wyborow-rady-sekap-{election.id}.pdf",
                render_protocol(session, election),
            ),
        )
