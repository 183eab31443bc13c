"""Forms of election setup, the Regulamin and motions (only the views import them)."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from election.elections.models import BallotOrder, MajorityRule, MotionChoice, TieRule
from election.forms import choices, plain_text, strip_filter

TIE_RULE_LABELS = {
    TieRule.RUNOFF_THEN_LOTS: _l("dodatkowa tura, a przy ponownym remisie losowanie"),
    TieRule.LOTS: _l("losowanie"),
}
BALLOT_ORDER_LABELS = {
    BallotOrder.ALPHABETICAL: _l("alfabetycznie według nazwisk"),
    BallotOrder.SHUFFLED: _l("w losowej kolejności"),
}
MAJORITY_RULE_LABELS = {
    MajorityRule.SIMPLE: _l("zwykła większość (więcej głosów „za” niż „przeciw”)"),
    MajorityRule.ABSOLUTE: _l(
        "bezwzględna większość (więcej głosów „za” niż „przeciw” i wstrzymujących się razem)"
    ),
}
CHOICE_LABELS = {
    MotionChoice.YES: _l("za"),
    MotionChoice.NO: _l("przeciw"),
    MotionChoice.ABSTAIN: _l("wstrzymuję się"),
}

_SEATS = _l("Liczba miejsc musi być od %(min)s do %(max)s.")


def _seats(label: object, default: int, low: int, high: int) -> IntegerField:
    return IntegerField(
        label,
        default=default,
        validators=[InputRequired(_l("Podaj liczbę.")), NumberRange(low, high, _SEATS)],
    )


class ElectionForm(FlaskForm):
    title = StringField(
        _l("Nazwa wyborów"),
        filters=[strip_filter],
        validators=[DataRequired(_l("Podaj nazwę wyborów.")), Length(max=200), plain_text],
    )
    term = StringField(
        _l("Kadencja"),
        filters=[strip_filter],
        validators=[Optional(), Length(max=60), plain_text],
        description=_l("Np. 2026–2030."),
    )
    meeting_date = DateField(_l("Data zebrania Partnerów"), validators=[Optional()])
    meeting_place = StringField(
        _l("Miejsce zebrania"),
        filters=[strip_filter],
        validators=[Optional(), Length(max=200), plain_text],
    )
    seats_gmina = _seats(_l("Miejsca dla gmin"), 2, 1, 20)
    seats_powiat = _seats(_l("Miejsca dla powiatów"), 2, 1, 20)
    seats_miasto_npp = _seats(_l("Miejsca dla miast na prawach powiatu"), 2, 1, 20)
    leader_seats = _seats(_l("Miejsca powoływane przez Lidera"), 1, 1, 5)
    scsi_seats = _seats(_l("Miejsca powoływane przez Dyrektora ŚCSI"), 2, 0, 5)
    secret = BooleanField(_l("Głosowanie tajne"), default=True)
    tie_rule = SelectField(
        _l("Rozstrzyganie remisu"),
        choices=choices((k.value, v) for k, v in TIE_RULE_LABELS.items()),
    )
    ballot_order = SelectField(
        _l("Kolejność kandydatów na karcie"),
        choices=choices((k.value, v) for k, v in BALLOT_ORDER_LABELS.items()),
    )
    majority_rule = SelectField(
        _l("Większość potrzebna do przyjęcia uchwały"),
        choices=choices((k.value, v) for k, v in MAJORITY_RULE_LABELS.items()),
    )
    cutoff_date = DateField(
        _l("Data graniczna umów"),
        validators=[InputRequired(_l("Podaj datę graniczną."))],
        description=_l("Głosują Partnerzy, którzy podpisali umowę tego dnia lub wcześniej."),
    )
    nomination_deadline = DateTimeLocalField(
        _l("Termin zgłaszania kandydatów"),
        format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"],
        validators=[Optional()],
        description=_l("Czas polski. Puste: do opublikowania listy."),
    )
    quorum_percent = IntegerField(
        _l("Kworum w grupie (%)"),
        validators=[Optional(), NumberRange(0, 100, _l("Podaj liczbę od 0 do 100."))],
        description=_l("Najmniejsza frekwencja w grupie według Regulaminu. Puste: bez kworum."),
    )
    quorum_waived_from = IntegerField(
        _l("Kworum nie obowiązuje od próby nr"),
        validators=[Optional(), NumberRange(2, 9, _l("Podaj liczbę od 2 do 9."))],
        description=_l(
            "Wyjście z braku kworum według Regulaminu: tura powtarzana z powodu braku "
            "kworum jest ważna bez względu na frekwencję od tej próby w grupie (2 — już "
            "pierwsze powtórzenie). Puste: kworum obowiązuje zawsze, a turę bez kworum "
            "powtarza się do skutku. W głosowaniu tajnym urnę otwiera się zawsze dopiero "
            "przy co najmniej 3 kartach (lub wszystkich, gdy uprawnionych jest mniej)."
        ),
    )


class RulesForm(FlaskForm):
    text = TextAreaField(
        _l("Treść Regulaminu"),
        validators=[Length(max=200_000)],
        description=_l("Możesz wpisać treść, dołączyć plik PDF albo jedno i drugie."),
    )
    pdf = FileField(
        _l("Plik PDF"),
        description=_l("Najwyżej 5 MB. Nowy plik zastępuje poprzedni."),
    )
    remove_pdf = BooleanField(_l("Usuń dołączony plik PDF"))


class SendRulesForm(FlaskForm):
    sent_on = DateField(_l("Data wysłania"), validators=[InputRequired(_l("Podaj datę wysłania."))])


class MotionVoteForm(FlaskForm):
    """A rep's vote: the Partner is its own, repeated in a hidden field and checked."""

    partner_id = HiddenField()
    choice = RadioField(
        _l("Twój głos"),
        choices=choices((k.value, v) for k, v in CHOICE_LABELS.items()),
        validators=[InputRequired(_l("Wybierz „za”, „przeciw” albo „wstrzymuję się”."))],
    )


class PaperVoteForm(FlaskForm):
    """The chair enters the vote of a Partner voting on paper."""

    partner_id = SelectField(
        _l("Partner"),
        coerce=int,
        # The service says why a Partner cannot vote (already voted, not eligible);
        # the list only offers those who still can.
        validate_choice=False,
        validators=[InputRequired(_l("Wybierz Partnera."))],
    )
    choice = RadioField(
        _l("Głos"),
        choices=choices((k.value, v) for k, v in CHOICE_LABELS.items()),
        validators=[InputRequired(_l("Wybierz „za”, „przeciw” albo „wstrzymuję się”."))],
    )


CUSTODY_LABELS = {
    "server": _l(
        "Serwer (zalecane na zwykłe zebranie): klucz urny w osobnym pliku na serwerze,"
        " zniszczony przy zatwierdzeniu wyników"
    ),
    "tellers": _l(
        "Komisja skrutacyjna: klucz podzielony między członków komisji; turę liczy się,"
        " gdy wymagana liczba z nich wpisze swoje udziały"
    ),
}


class StartVotingForm(FlaskForm):
    """Starting the vote: who keeps the ballot box's key (the server by default).

    The choice is checked by the service (:class:`~election.elections.custody.CustodyChoice`),
    which says in Polish what is wrong; a missing choice means the server.
    """

    custody = RadioField(
        _l("Kto przechowuje klucz urny"),
        choices=choices(CUSTODY_LABELS.items()),
        default="server",
        validate_choice=False,
    )
    threshold = IntegerField(
        _l("Ilu członków komisji musi wpisać swój udział, aby policzyć turę"),
        validators=[Optional()],
        description=_l("Np. 2 z 3. Tylko dla komisji skrutacyjnej."),
    )
    teller_names = TextAreaField(
        _l("Członkowie komisji skrutacyjnej"),
        validators=[Optional(), Length(max=2500)],
        description=_l("Imię i nazwisko, każdy w osobnym wierszu (od 2 do 9 osób)."),
    )


class TellerConfirmForm(FlaskForm):
    """A teller confirms holding the share by typing the check code from the sheet."""

    code = StringField(
        _l("Kod kontrolny z arkusza"),
        filters=[strip_filter],
        validators=[DataRequired(_l("Wpisz kod kontrolny.")), Length(max=40)],
    )
