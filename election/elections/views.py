"""Pages of elections: setup, phases, the voter roll, the Regulamin and its motion."""

from __future__ import annotations

import io
import smtplib
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from werkzeug.routing import BuildError

from election.auth.access import current_actor, roles_required
from election.auth.models import Role
from election.db import utcnow
from election.elections import service
from election.elections.forms import (
    BALLOT_ORDER_LABELS,
    CHOICE_LABELS,
    MAJORITY_RULE_LABELS,
    TIE_RULE_LABELS,
    ElectionForm,
    MotionVoteForm,
    PaperVoteForm,
    RulesForm,
    SendRulesForm,
)
from election.elections.models import (
    PHASE_LABELS,
    BallotOrder,
    Election,
    MajorityRule,
    MotionChoice,
    MotionStatus,
    Phase,
    Rules,
    RulesStatus,
    TieRule,
)
from election.elections.rules import MAX_PDF_BYTES, utc_to_warsaw, warsaw_to_utc
from election.errors import DomainError, ValidationFailed
from election.extensions import db
from election.forms import choices
from election.mail import send_mail
from election.partners.forms import GROUP_LABELS, GROUP_LABELS_ONE
from election.web import translate_error

bp = Blueprint("elections", __name__)

STAFF = (Role.ADMIN, Role.CHAIR)
READERS = (Role.ADMIN, Role.CHAIR, Role.PARTNER_REP)


def _election(election_id: int) -> Election:
    try:
        return service.get_election(db.session, election_id)
    except DomainError:
        abort(404)


def _optional_url(*endpoints: str, **values: Any) -> str | None:
    """A link to the first of ``endpoints`` that exists (other features are optional).

    Only the values the endpoint's rule takes are passed (no stray query string).
    """
    for endpoint in endpoints:
        if endpoint not in current_app.view_functions:
            continue
        for rule in current_app.url_map.iter_rules(endpoint):
            args = {k: v for k, v in values.items() if k in rule.arguments}
            try:
                return url_for(endpoint, **args)
            except BuildError:
                continue
    return None


def _labels() -> dict[str, Any]:
    return {
        "phase_labels": PHASE_LABELS,
        "group_labels": GROUP_LABELS,
        "group_labels_one": GROUP_LABELS_ONE,
        "tie_rule_labels": TIE_RULE_LABELS,
        "ballot_order_labels": BALLOT_ORDER_LABELS,
        "majority_rule_labels": MAJORITY_RULE_LABELS,
        "choice_labels": CHOICE_LABELS,
        "rules_status_labels": service.RULES_STATUS_LABELS,
    }


# --- list, setup ---------------------------------------------------------------------------


@bp.route("/elections")
@roles_required(*READERS)
def index() -> Any:
    elections = service.list_elections(db.session)
    if current_user.role == Role.PARTNER_REP:
        # A rep sees what concerns it: Regulamins sent and motions to vote on.
        items = []
        for election in elections:
            rules = service.get_rules(db.session, election)
            motion = service.open_motion(db.session, election)
            if (rules is None or rules.status == RulesStatus.DRAFT) and motion is None:
                continue
            voted = (
                service.partner_vote(db.session, motion.id, current_user.partner_id)
                if motion is not None
                else None
            )
            items.append((election, rules, motion, voted))
        return render_template("elections/rep_index.html", items=items, **_labels())
    return render_template("elections/index.html", elections=elections, **_labels())


def _settings(form: ElectionForm) -> service.ElectionSettings:
    deadline = form.nomination_deadline.data
    return service.ElectionSettings(
        title=form.title.data,
        term=form.term.data or "",
        meeting_date=form.meeting_date.data,
        meeting_place=form.meeting_place.data or "",
        cutoff_date=form.cutoff_date.data,
        seats_gmina=form.seats_gmina.data,
        seats_powiat=form.seats_powiat.data,
        seats_miasto_npp=form.seats_miasto_npp.data,
        leader_seats=form.leader_seats.data,
        scsi_seats=form.scsi_seats.data,
        secret=form.secret.data,
        tie_rule=TieRule(form.tie_rule.data),
        ballot_order=BallotOrder(form.ballot_order.data),
        majority_rule=MajorityRule(form.majority_rule.data),
        nomination_deadline=warsaw_to_utc(deadline) if deadline else None,
        quorum_percent=form.quorum_percent.data,
    )


@bp.route("/elections/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new() -> Any:
    form = ElectionForm()
    error = None
    if form.validate_on_submit():
        try:
            election = service.create_election(db.session, current_actor(), _settings(form))
        except DomainError as exc:
            db.session.rollback()
            error = translate_error(exc)
        else:
            db.session.commit()
            flash(_("Utworzono wybory „%(title)s”.", title=election.title), "success")
            return redirect(url_for("elections.show", election_id=election.id))
    status = 400 if form.errors or error else 200
    return render_template(
        "elections/form.html", form=form, election=None, error=error, **_labels()
    ), status


@bp.route("/elections/<int:election_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit(election_id: int) -> Any:
    election = _election(election_id)
    form = ElectionForm(obj=election)
    if request.method == "GET":
        form.tie_rule.data = election.tie_rule.value
        form.ballot_order.data = election.ballot_order.value
        form.majority_rule.data = election.majority_rule.value
        if election.nomination_deadline is not None:
            form.nomination_deadline.data = utc_to_warsaw(election.nomination_deadline)
    error = None
    if form.validate_on_submit():
        try:
            changes = service.update_election(
                db.session, current_actor(), election, _settings(form)
            )
        except DomainError as exc:
            db.session.rollback()
            error = translate_error(exc)
        else:
            db.session.commit()
            if changes:
                flash(_("Zapisano ustawienia wyborów."), "success")
            else:
                flash(_("Nic nie zmieniono."), "info")
            return redirect(url_for("elections.show", election_id=election.id))
    status = 400 if form.errors else 409 if error else 200
    return render_template(
        "elections/form.html", form=form, election=election, error=error, **_labels()
    ), status


@bp.route("/elections/<int:election_id>")
@roles_required(*STAFF)
def show(election_id: int) -> Any:
    election = _election(election_id)
    rules = service.get_rules(db.session, election)
    roll = service.roll(db.session, election)
    links = {
        "candidates": _optional_url(
            "candidates.manage", "candidates.election", election_id=election.id
        ),
        "council": _optional_url("council.index", election_id=election.id),
    }
    return render_template(
        "elections/show.html",
        election=election,
        rules=rules,
        roll_counts={group: len(entries) for group, entries in roll.items()},
        roll_frozen=service.roll_frozen(election),
        motion=service.open_motion(db.session, election),
        links=links,
        Phase=Phase,
        **_labels(),
    )


# --- phases --------------------------------------------------------------------------------


def _transition(election_id: int, function: Any, message: Any) -> Any:
    election = _election(election_id)
    try:
        function(db.session, current_actor(), election)
    except DomainError as exc:
        db.session.rollback()
        flash(translate_error(exc), "error")
    else:
        db.session.commit()
        flash(str(message), "success")
    return redirect(url_for("elections.show", election_id=election_id))


@bp.route("/elections/<int:election_id>/open-nominations", methods=["POST"])
@roles_required(Role.ADMIN)
def open_nominations(election_id: int) -> Any:
    return _transition(
        election_id, service.open_nominations, _l("Rozpoczęto zgłaszanie kandydatów.")
    )


@bp.route("/elections/<int:election_id>/start-voting", methods=["POST"])
@roles_required(*STAFF)
def start_voting(election_id: int) -> Any:
    return _transition(
        election_id,
        service.start_voting,
        _l("Rozpoczęto głosowanie; spis uprawnionych został zamrożony."),
    )


@bp.route("/elections/<int:election_id>/close-voting", methods=["POST"])
@roles_required(*STAFF)
def close_voting(election_id: int) -> Any:
    return _transition(election_id, service.close_voting, _l("Zakończono głosowanie."))


# --- the voter roll ------------------------------------------------------------------------


@bp.route("/elections/<int:election_id>/roll")
@roles_required(*STAFF)
def roll(election_id: int) -> Any:
    election = _election(election_id)
    return render_template(
        "elections/roll.html",
        election=election,
        roll=service.roll(db.session, election),
        frozen=service.roll_frozen(election),
        **_labels(),
    )


# --- the Regulamin -------------------------------------------------------------------------


def _readable_rules(election: Election) -> Rules:
    """The Regulamin for the current user: staff always, reps once it was sent."""
    rules = service.get_rules(db.session, election)
    if rules is None:
        abort(404)
    if current_user.role == Role.PARTNER_REP and rules.status == RulesStatus.DRAFT:
        abort(404)
    return rules


@bp.route("/elections/<int:election_id>/rules")
@roles_required(*READERS)
def rules_show(election_id: int) -> Any:
    election = _election(election_id)
    rules = _readable_rules(election)
    return render_template("elections/rules_show.html", election=election, rules=rules, **_labels())


@bp.route("/elections/<int:election_id>/rules.pdf")
@roles_required(*READERS)
def rules_pdf(election_id: int) -> Any:
    rules = _readable_rules(_election(election_id))
    if not rules.pdf:
        abort(404)
    return send_file(
        io.BytesIO(rules.pdf),
        mimetype="application/pdf",
        as_attachment=True,
        download_name=rules.pdf_filename or "regulamin.pdf",
        max_age=0,
    )


def _rules_page(
    election: Election,
    form: RulesForm,
    send_form: SendRulesForm,
    status: int = 200,
    error: str | None = None,
) -> Any:
    return render_template(
        "elections/rules_edit.html",
        election=election,
        error=error,
        rules=service.get_rules(db.session, election),
        form=form,
        send_form=send_form,
        max_mb=MAX_PDF_BYTES // (1024 * 1024),
        **_labels(),
    ), status


@bp.route("/elections/<int:election_id>/rules/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def rules_edit(election_id: int) -> Any:
    election = _election(election_id)
    rules = service.get_rules(db.session, election)
    form = RulesForm(text=rules.text if rules else "")
    send_form = SendRulesForm(formdata=None, prefix="send", sent_on=utcnow().date())
    if form.validate_on_submit():
        upload = form.pdf.data
        data: bytes | None = None
        filename = ""
        if upload is not None and getattr(upload, "filename", ""):
            # Read one byte more than allowed: enough to know it is too large.
            data = upload.read(MAX_PDF_BYTES + 1)
            filename = upload.filename
        try:
            service.save_rules(
                db.session,
                current_actor(),
                election,
                text=form.text.data or "",
                pdf=data,
                pdf_filename=filename,
                remove_pdf=form.remove_pdf.data,
            )
        except ValidationFailed as exc:
            db.session.rollback()
            target = form.pdf if data is not None else form.text
            target.errors = [*target.errors, translate_error(exc)]
        except DomainError as exc:
            db.session.rollback()
            return _rules_page(election, form, send_form, exc.status, translate_error(exc))
        else:
            db.session.commit()
            flash(_("Zapisano Regulamin."), "success")
            return redirect(url_for("elections.rules_edit", election_id=election.id))
    status = 400 if form.errors else 200
    return _rules_page(election, form, send_form, status)


@bp.route("/elections/<int:election_id>/rules/send", methods=["POST"])
@roles_required(Role.ADMIN)
def rules_send(election_id: int) -> Any:
    election = _election(election_id)
    send_form = SendRulesForm(prefix="send")
    if not send_form.validate_on_submit():
        rules = service.get_rules(db.session, election)
        form = RulesForm(formdata=None, text=rules.text if rules else "")
        return _rules_page(election, form, send_form, 400)
    try:
        recipients = service.mark_rules_sent(
            db.session, current_actor(), election, send_form.sent_on.data
        )
    except DomainError as exc:
        db.session.rollback()
        flash(translate_error(exc), "error")
        return redirect(url_for("elections.rules_edit", election_id=election.id))
    db.session.commit()
    # Mail only after the commit: a message must never announce what was rolled back.
    sent, failed = _mail_rules(election, recipients)
    _flash_mailing(sent, failed)
    return redirect(url_for("elections.rules_edit", election_id=election.id))


@bp.route("/elections/<int:election_id>/rules/resend", methods=["POST"])
@roles_required(Role.ADMIN)
def rules_resend(election_id: int) -> Any:
    """Send the link again (e.g. after a mail server failure); changes nothing."""
    election = _election(election_id)
    rules = service.get_rules(db.session, election)
    if rules is None or rules.status != RulesStatus.SENT:
        flash(_("Ponownie wysłać można tylko Regulamin wysłany i jeszcze nieprzyjęty."), "error")
        return redirect(url_for("elections.rules_edit", election_id=election.id))
    sent, failed = _mail_rules(election, service.rules_recipients(db.session))
    _flash_mailing(sent, failed)
    return redirect(url_for("elections.rules_edit", election_id=election.id))


def _mail_rules(election: Election, recipients: list[str]) -> tuple[int, int]:
    link = url_for("elections.rules_show", election_id=election.id, _external=True)
    subject = _("Regulamin wyboru Członków Rady ds. systemu SEKAP")
    body = _(
        "Dzień dobry,\n\nprzesyłamy Regulamin wyboru Członków Rady ds. systemu SEKAP "
        "(%(title)s). Regulamin zostanie poddany pod głosowanie na zebraniu Partnerów"
        "%(meeting)s.\n\nRegulamin można przeczytać po zalogowaniu:\n\n%(link)s\n",
        title=election.title,
        meeting=(
            _(" w dniu %(date)s", date=election.meeting_date.strftime("%d.%m.%Y"))
            if election.meeting_date
            else ""
        ),
        link=link,
    )
    sent = failed = 0
    for address in recipients:
        try:
            send_mail(current_app.config, address, subject, body)
        except (OSError, smtplib.SMTPException):
            current_app.logger.warning("could not send the Regulamin to %s", address)
            failed += 1
        else:
            sent += 1
    return sent, failed


def _flash_mailing(sent: int, failed: int) -> None:
    flash(
        ngettext(
            "Regulamin oznaczono jako wysłany. Wysłano %(num)d wiadomość.",
            "Regulamin oznaczono jako wysłany. Wysłano %(num)d wiadomości.",
            sent,
        ),
        "success",
    )
    if failed:
        flash(
            ngettext(
                "Nie udało się wysłać %(num)d wiadomości. Spróbuj wysłać ponownie.",
                "Nie udało się wysłać %(num)d wiadomości. Spróbuj wysłać ponownie.",
                failed,
            ),
            "error",
        )


# --- the motion ----------------------------------------------------------------------------


def _paper_form(motion_id: int | None) -> PaperVoteForm:
    form = PaperVoteForm()
    voted = (
        {v.partner_id for v in service.motion_votes(db.session, motion_id)}
        if motion_id is not None
        else set()
    )
    # No Partner preselected: the chair must pick one, never record for the first by mistake.
    form.partner_id.choices = choices(
        [(0, _("— wybierz Partnera —"))]
        + [
            (p.id, f"{p.name} ({GROUP_LABELS_ONE[p.group]})")
            for p in service.motion_voters(db.session)
            if p.id not in voted
        ]
    )
    return form


def _motion_page(election: Election, paper_form: PaperVoteForm, status: int = 200) -> Any:
    motions = service.motions(db.session, election)
    current = motions[0] if motions else None
    votes = service.motion_votes(db.session, current.id) if current else []
    return render_template(
        "elections/motion.html",
        election=election,
        rules=service.get_rules(db.session, election),
        motion=current,
        past=motions[1:],
        votes=votes,
        counts=service.motion_counts(db.session, current.id) if current else {},
        voters=len(service.motion_voters(db.session)),
        paper_form=paper_form,
        MotionStatus=MotionStatus,
        **_labels(),
    ), status


@bp.route("/elections/<int:election_id>/motion")
@roles_required(*STAFF)
def motion(election_id: int) -> Any:
    election = _election(election_id)
    current = service.open_motion(db.session, election)
    return _motion_page(election, _paper_form(current.id if current else None))


@bp.route("/elections/<int:election_id>/motion/open", methods=["POST"])
@roles_required(Role.CHAIR)
def motion_open(election_id: int) -> Any:
    election = _election(election_id)
    try:
        service.open_rules_motion(db.session, current_actor(), election)
    except DomainError as exc:
        db.session.rollback()
        flash(translate_error(exc), "error")
    else:
        db.session.commit()
        flash(_("Otwarto głosowanie nad uchwałą."), "success")
    return redirect(url_for("elections.motion", election_id=election_id))


def _election_motion(election: Election, motion_id: int) -> Any:
    try:
        motion = service.get_motion(db.session, motion_id)
    except DomainError:
        abort(404)
    if motion.election_id != election.id:
        abort(404)
    return motion


@bp.route("/elections/<int:election_id>/motion/<int:motion_id>/paper", methods=["POST"])
@roles_required(Role.CHAIR)
def motion_paper(election_id: int, motion_id: int) -> Any:
    election = _election(election_id)
    _election_motion(election, motion_id)
    form = _paper_form(motion_id)
    valid = form.validate_on_submit()
    if valid and not form.partner_id.data:
        form.partner_id.errors = [*form.partner_id.errors, _("Wybierz Partnera.")]
    elif valid:
        try:
            vote = service.vote_on_paper(
                db.session,
                current_actor(),
                motion_id,
                partner_id=form.partner_id.data,
                choice=MotionChoice(form.choice.data),
            )
        except DomainError as exc:
            db.session.rollback()
            form.partner_id.errors = [*form.partner_id.errors, translate_error(exc)]
        else:
            name = vote.partner.name
            db.session.commit()
            flash(_("Zapisano głos Partnera %(name)s (na papierze).", name=name), "success")
            return redirect(url_for("elections.motion", election_id=election_id))
        # The choices were read before the failed vote; read them again.
        form.partner_id.choices = _paper_form(motion_id).partner_id.choices
    return _motion_page(election, form, 400)


@bp.route("/elections/<int:election_id>/motion/<int:motion_id>/close", methods=["POST"])
@roles_required(Role.CHAIR)
def motion_close(election_id: int, motion_id: int) -> Any:
    election = _election(election_id)
    _election_motion(election, motion_id)
    try:
        closed = service.close_motion(db.session, current_actor(), motion_id)
    except DomainError as exc:
        db.session.rollback()
        flash(translate_error(exc), "error")
    else:
        adopted = closed.adopted
        db.session.commit()
        if adopted:
            flash(_("Głosowanie zamknięte: uchwała została przyjęta."), "success")
        else:
            flash(_("Głosowanie zamknięte: uchwała nie została przyjęta."), "warning")
    return redirect(url_for("elections.motion", election_id=election_id))


@bp.route("/elections/<int:election_id>/motion/vote", methods=["GET", "POST"])
@roles_required(Role.PARTNER_REP)
def motion_vote(election_id: int) -> Any:
    election = _election(election_id)
    current = service.open_motion(db.session, election)
    partner = current_user.partner
    form = MotionVoteForm()
    if request.method == "GET":
        form.partner_id.data = str(partner.id)
    error = None
    error_status = 200
    if request.method == "POST":
        if current is None:
            error, error_status = _("Nie trwa żadne głosowanie nad uchwałą."), 409
        elif form.validate_on_submit():
            try:
                claimed = int(form.partner_id.data or 0)
            except ValueError:
                claimed = 0
            try:
                vote = service.vote_online(
                    db.session,
                    current_actor(),
                    current.id,
                    rep_partner_id=current_user.partner_id,
                    partner_id=claimed,
                    choice=MotionChoice(form.choice.data),
                )
            except DomainError as exc:
                db.session.rollback()
                error, error_status = translate_error(exc), exc.status
            else:
                db.session.commit()
                flash(_("Twój głos został zapisany."), "success")
                return redirect(url_for("elections.motion_vote", election_id=election_id))
        form.partner_id.data = str(partner.id)
    vote = service.partner_vote(db.session, current.id, partner.id) if current else None
    status = 400 if form.errors else error_status
    return render_template(
        "elections/motion_vote.html",
        election=election,
        motion=current,
        rules=service.get_rules(db.session, election),
        vote=vote,
        partner=partner,
        form=form,
        error=error,
        eligible=partner.active and partner.agreement_signed_on is not None,
        **_labels(),
    ), status
