"""The protocol (protokół) of the election as a PDF.

The protocol is an official Polish document, so it is always written in Polish,
whatever the reader's UI language. The font comes from the ``ttf-opensans`` wheel
(the PDF core fonts cannot write ą, ę, ł, ż …), so nothing is needed from the system.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import ttf_opensans
from flask_babel import force_locale
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace
from sqlalchemy.orm import Session

from election.audit.service import head_hash
from election.candidates.supplements import supplements_of
from election.council.composition import (
    certification_event,
    rules_motion,
)
from election.council.protocol_council import appointments_part, council_part
from election.council.protocol_people import people_part
from election.council.protocol_text import count, percent
from election.council.protocol_text import number as pl_number
from election.db import utcnow
from election.elections.models import (
    PHASE_LABELS,
    Election,
    MajorityRule,
    Phase,
    RulesStatus,
    TieRule,
)
from election.labels import GROUP_LABELS
from election.tally.models import SYSTEM_DRAW
from election.tally.results import GroupResults, results
from election.tally.rules import RoundKind, turnout_percent

TITLE = "Protokół z wyboru członków Rady ds. systemu SEKAP"
FONT = "OpenSans"
WARSAW = ZoneInfo("Europe/Warsaw")
_HEADINGS = FontFace(family=FONT, emphasis="BOLD", fill_color=(230, 230, 230))

RULES_STATUS = {
    RulesStatus.DRAFT: "projekt",
    RulesStatus.SENT: "przesłany Partnerom",
    RulesStatus.ADOPTED: "przyjęty",
    RulesStatus.REJECTED: "odrzucony",
}
TIE_RULES = {
    TieRule.RUNOFF_THEN_LOTS: "dodatkowa tura wśród kandydatów z równą liczbą głosów, "
    "a przy ponownym remisie losowanie",
    TieRule.LOTS: "losowanie",
}
MAJORITY_RULES = {
    MajorityRule.SIMPLE: "zwykła większość głosów",
    MajorityRule.ABSOLUTE: "bezwzględna większość głosów",
}


def _date(value: dt.date | None) -> str:
    return value.strftime("%d.%m.%Y") if value else "—"


def _datetime(value: dt.datetime | None) -> str:
    return value.astimezone(WARSAW).strftime("%d.%m.%Y, %H:%M") if value else "—"


def _n(value: int | None) -> str:
    return "—" if value is None else pl_number(value)


class _Protocol(FPDF):
    def __init__(self, subtitle: str) -> None:
        super().__init__(format="A4")
        self.subtitle = subtitle
        self.add_font(FONT, "", str(ttf_opensans.opensans(400).path))
        self.add_font(FONT, "B", str(ttf_opensans.opensans(700).path))
        self.add_font(FONT, "I", str(ttf_opensans.opensans(400, italic=True).path))
        self.set_margins(18, 16, 18)
        self.set_auto_page_break(True, margin=18)
        self.set_lang("pl")
        self.set_title(TITLE)
        self.set_creator("Rada SEKAP")
        self.alias_nb_pages()

    def footer(self) -> None:
        self.set_y(-13)
        self.set_font(FONT, "", 8)
        self.cell(0, 5, f"{self.subtitle} — strona {self.page_no()} z {{nb}}", align="C")

    # Small writing helpers, each leaving the cursor at the left margin of a new line.
    def heading(self, text: str, size: float = 13) -> None:
        if self.get_y() > self.h - 40:
            self.add_page()
        self.ln(3)
        self.set_font(FONT, "B", size)
        self.multi_cell(0, size * 0.55, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(1)

    def para(self, text: str, *, bold: bool = False, size: float = 10) -> None:
        self.set_font(FONT, "B" if bold else "", size)
        self.multi_cell(0, 5.2, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")

    def pairs(self, rows: Sequence[tuple[str, str]]) -> None:
        """Label–value lines."""
        for label, value in rows:
            self.set_font(FONT, "B", 10)
            self.multi_cell(60, 5.2, label, new_x=XPos.RIGHT, new_y=YPos.TOP, align="L")
            self.set_font(FONT, "", 10)
            self.multi_cell(0, 5.2, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT, align="L")

    def grid(
        self, header: Sequence[str], rows: Sequence[Sequence[str]], widths: Sequence[int]
    ) -> None:
        self.set_font(FONT, "", 9)
        with self.table(
            col_widths=tuple(widths),
            line_height=5,
            text_align="LEFT",
            headings_style=_HEADINGS,
            first_row_as_headings=True,
            repeat_headings=1,
        ) as table:
            for cells in (header, *rows):
                row = table.row()
                for cell in cells:
                    row.cell(cell)
        self.ln(2)


def pdf_filename(election: Election) -> str:
    """The protocol's file name, as the browser saves it."""
    return f"protokol-wyborow-{election.id}.pdf"


def render_protocol(session: Session, election: Election) -> bytes:
    """The protocol of ``election`` as PDF bytes, from what is stored now, in Polish.

    Before certification the first page says the results are not yet certified.
    """
    with force_locale("pl"):
        return _render(session, election)


def _render(session: Session, election: Election) -> bytes:
    pdf = _Protocol(f"Protokół — {election.title}")
    pdf.add_page()
    pdf.set_font(FONT, "B", 16)
    pdf.multi_cell(0, 8, TITLE, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 11)
    pdf.multi_cell(0, 6, election.title, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    if election.phase is not Phase.CERTIFIED:
        pdf.ln(2)
        pdf.para(
            "PROJEKT — wyniki nie zostały jeszcze zatwierdzone "
            f"(faza: {PHASE_LABELS[election.phase]}).",
            bold=True,
        )

    _election_section(pdf, election)
    people_part(pdf, session, election)
    _rules_section(pdf, session, election)
    groups = [g for g in results(session, election).groups.values() if g.seats]
    supplementary = {s.round_id for s in supplements_of(session, election) if s.round_id}
    for number, g in enumerate(groups, start=3):
        _group_section(pdf, number, g, supplementary)
    number = appointments_part(pdf, session, election, len(groups) + 3)
    council_part(pdf, session, election, number)
    _closing_section(pdf, session, election, number + 1)
    return bytes(pdf.output())


def _election_section(pdf: _Protocol, election: Election) -> None:
    pdf.heading("1. Wybory i zebranie Partnerów")
    pdf.pairs(
        [
            ("Wybory", election.title),
            ("Kadencja Rady", election.term or "—"),
            *(
                [("Wybory uzupełniające", f"uzupełniają Radę z wyborów nr {election.completes_id}")]
                if election.completes_id
                else []
            ),
            ("Data zebrania", _date(election.meeting_date)),
            ("Miejsce zebrania", election.meeting_place or "—"),
            ("Prawo głosu", f"Partnerzy z umową podpisaną do {_date(election.cutoff_date)}"),
            ("Tryb głosowania", "tajne" if election.secret else "jawne"),
            ("Rozstrzyganie remisów", TIE_RULES[election.tie_rule]),
            (
                "Wymagana frekwencja (kworum)",
                f"{percent(election.quorum_percent, 0)} uprawnionych"
                if election.quorum_percent is not None
                else "nie określono",
            ),
            (
                "Skład Rady",
                f"{count(election.council_size, 'członek', 'członków', 'członków')}: "
                f"przedstawiciele Lidera — {pl_number(election.leader_seats)}, ŚCSI — "
                f"{pl_number(election.scsi_seats)}, gmin — {pl_number(election.seats_gmina)}, "
                f"powiatów — {pl_number(election.seats_powiat)}, miast na prawach powiatu — "
                f"{pl_number(election.seats_miasto_npp)}",
            ),
            ("Faza", PHASE_LABELS[election.phase]),
            ("Zatwierdzenie wyników", _datetime(election.certified_at)),
        ]
    )


def _rules_section(pdf: _Protocol, session: Session, election: Election) -> None:
    pdf.heading("2. Regulamin wyboru Członków Rady")
    rules_doc = election.rules
    motion = rules_motion(session, election)
    rows = [
        ("Stan", RULES_STATUS[rules_doc.status] if rules_doc else "nie wprowadzono"),
        ("Przesłany Partnerom", _date(rules_doc.sent_on) if rules_doc else "—"),
    ]
    if motion is not None:
        rows += [
            ("Głosowanie nad przyjęciem", motion.title),
            ("Zasada większości", MAJORITY_RULES[election.majority_rule]),
            (
                "Głosy",
                f"za: {_n(motion.yes)}, przeciw: {_n(motion.no)}, "
                f"wstrzymało się: {_n(motion.abstain)}",
            ),
            (
                "Wynik",
                "—"
                if motion.adopted is None
                else ("Regulamin przyjęty" if motion.adopted else "Regulamin odrzucony"),
            ),
            ("Zamknięcie głosowania", _datetime(motion.closed_at)),
        ]
    else:
        rows.append(("Głosowanie nad przyjęciem", "nie przeprowadzono w aplikacji"))
    pdf.pairs(rows)


ROUND_KINDS = {
    RoundKind.FIRST: "tura pierwsza",
    RoundKind.RUNOFF: "tura dodatkowa wśród kandydatów z równą liczbą głosów",
    RoundKind.REPEAT: "tura powtórzona (poprzednia bez wymaganej frekwencji)",
}


def _group_section(pdf: _Protocol, number: int, g: GroupResults, supplementary: set[int]) -> None:
    pdf.heading(
        f"{number}. Wybór przedstawicieli grupy: {GROUP_LABELS[g.group]} "
        f"({count(g.seats, 'miejsce', 'miejsca', 'miejsc')} w Radzie, "
        f"uprawnionych do głosowania: {_n(g.roll)})"
    )
    if not g.rounds:
        pdf.para("Głosowanie w tej grupie się nie odbyło.")
    for view in g.rounds:
        pdf.para(
            f"Tura nr {view.number} — "
            + (
                "tura uzupełniająca (kandydaci zgłoszeń uzupełniających)"
                if view.round.id in supplementary
                else ROUND_KINDS[view.kind]
            )
            + ", "
            f"miejsc do obsadzenia: {view.round.seats}",
            bold=True,
        )
        pdf.pairs(
            [
                ("Otwarcie", _datetime(view.round.opened_at)),
                (
                    "Kontrola pustej urny",
                    f"kart: {_n(view.round.opening_ballots)}, "
                    f"oznaczeń w spisie: {_n(view.round.opening_marks)}",
                ),
                ("Zamknięcie", _datetime(view.round.closed_at)),
            ]
        )
        t = view.tally
        if t is None:
            pdf.para("Tura nie została jeszcze policzona.")
            continue
        pdf.pairs(
            [
                ("Uprawnionych (spis)", pl_number(t.roll)),
                (
                    "Oddanych kart",
                    f"{pl_number(t.ballots)} (przez internet: {pl_number(t.online)}, "
                    f"papierowych: {pl_number(t.paper)})",
                ),
                ("Kart pustych", _n(t.blank)),
                (
                    "Frekwencja",
                    percent(turnout_percent(t.ballots, t.roll))
                    + ("" if t.valid else " — poniżej wymaganej; tura nieważna"),
                ),
            ]
        )
        if not view.decrypted:
            pdf.para(
                "Tura nieważna (brak wymaganej frekwencji lub mniej niż 3 karty): urny nie "
                "odszyfrowano, więc liczby głosów w tej turze nie zna nikt. Turę należy powtórzyć."
            )
            continue
        pdf.grid(
            ["Miejsce", "Kandydat", "Partner", "Głosy", "Wybrany"],
            [
                [
                    _n(line.rank),
                    line.candidate.full_name,
                    line.candidate.partner.name,
                    _n(line.votes),
                    "tak (losowanie)" if line.by_lot else ("tak" if line.elected else "nie"),
                ]
                for line in view.lines
            ],
            (14, 52, 60, 16, 32),
        )
        if view.tied_candidates:
            pdf.para(
                "Remis na ostatnim miejscu: "
                + ", ".join(c.full_name for c in view.tied_candidates)
                + "."
            )
        if view.lots is not None:
            lots = view.lots
            pdf.para("Losowanie", bold=True)
            pdf.pairs(
                [
                    (
                        "Osoba losująca",
                        "aplikacja (każdy może powtórzyć to losowanie, zob. niżej)"
                        if lots.drawn_by == SYSTEM_DRAW
                        else lots.drawn_by,
                    ),
                    (
                        "Ziarno losowania",
                        lots.seed or "— (losowanie w sali, nie w aplikacji)",
                    ),
                    ("Wylosowano", ", ".join(c.full_name for c in view.lot_winners)),
                    ("Uwagi", lots.note or "—"),
                    ("Zapisano", _datetime(lots.recorded_at)),
                ]
            )
            if lots.seed:
                pdf.para(
                    "Losowanie można powtórzyć w Pythonie 3: random.Random(ziarno).sample("
                    "posortowane identyfikatory kandydatów z remisem, liczba wolnych miejsc); "
                    "identyfikatory: "
                    + ", ".join(f"{c.full_name} = {c.id}" for c in view.tied_candidates)
                    + ".",
                    size=8.5,
                )
    status = g.status
    elected = ", ".join(f"{c.full_name} ({c.partner.name})" for c in status.elected)
    pdf.para(f"Wybrani: {elected or 'nikt'}.", bold=True)
    if status.pending:
        pdf.para(f"Do rozstrzygnięcia: {status.pending}")


def _closing_section(pdf: _Protocol, session: Session, election: Election, number: int) -> None:
    pdf.heading(f"{number}. Dziennik zdarzeń")
    event = certification_event(session, election)
    if election.phase is Phase.CERTIFIED and event is not None:
        # The certification event closes what was certified: quoting its hash keeps the
        # protocol the same however many events (publishing …) follow it.
        pdf.para(
            f"Zatwierdzenie wyników jest zdarzeniem nr {event.id} dziennika "
            f"({_datetime(event.created_at)}). Skrót tego zdarzenia (SHA-256), który "
            "poświadcza cały wcześniejszy zapis wyborów w łańcuchu dziennika:"
        )
        chain_head = event.hash
    else:
        pdf.para(
            "Skrót ostatniego zdarzenia w łańcuchu dziennika (SHA-256) w chwili sporządzenia "
            "protokołu; pozwala sprawdzić, że zapis wyborów nie został później zmieniony:"
        )
        chain_head = head_hash(session)
    pdf.set_font("Courier", "", 9)
    pdf.multi_cell(0, 5, chain_head, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    check = "Sprawdzenie zapisu: flask audit verify --expect-head <skrót powyżej>."
    if election.secret:
        check += (
            " Przeliczenie głosów przez każdego: python -m election.verify z zapisem wyborów "
            f"/api/v1/elections/{election.id}/record.json."
        )
    pdf.para(check, size=8.5)
    pdf.para(f"Protokół sporządzono: {_datetime(utcnow())}.")

    if pdf.get_y() > pdf.h - 60:
        pdf.add_page()
    pdf.ln(14)
    pdf.set_font(FONT, "", 10)
    for label in ("Przewodniczący zebrania", "Protokolant"):
        pdf.cell(0, 6, "." * 60, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.cell(0, 5, f"{label} (data i podpis)", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.ln(12)
