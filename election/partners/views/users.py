"""The admin's user pages: the accounts, inviting one (a representative is bound to a
Partner of the register), and the buttons on each account.

The services are the accounts' (:mod:`election.auth.service`) except the invitation,
which needs the register (:mod:`election.partners.reps`). Emails go out after the
commit (:mod:`election.auth.links`).
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import Session

from election import transaction
from election.access import Role, roles_required
from election.audit.service import Actor
from election.auth import links
from election.auth import service as accounts
from election.auth.access import current_actor
from election.auth.models import User
from election.errors import DomainError
from election.extensions import db
from election.forms import choices
from election.labels import ROLE_LABELS
from election.mail import Delivery
from election.partners import reps
from election.partners.forms import InviteForm
from election.partners.views import bp
from election.web import translate_error


def _invite_form() -> InviteForm:
    form = InviteForm()
    form.partner_id.choices = choices(
        [(0, "—")] + [(p.id, f"{p.name} ({p.teryt})") for p in reps.partner_choices(db.session)]
    )
    return form


def _page(form: InviteForm, status: int = 200) -> Any:
    return render_template(
        "partners/users.html",
        users=accounts.all_users(db.session),
        form=form,
        role_labels=ROLE_LABELS,
    ), status


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/admin/users")
@roles_required(Role.ADMIN)
def users() -> Any:
    return _page(_invite_form())


def _invite(session: Session, actor: Actor, **fields: Any) -> tuple[User, Delivery]:
    """Create the account and queue its invitation, in one transaction."""
    user = reps.invite(session, actor, **fields)
    return user, links.send_password_link(session, user, invitation=True)


@bp.route("/admin/users", methods=["POST"])
@roles_required(Role.ADMIN)
def invite() -> Any:
    form = _invite_form()
    if form.validate_on_submit():
        try:
            user, delivery = transaction.run(
                _invite,
                current_actor(),
                email=form.email.data,
                full_name=form.full_name.data,
                role=Role(form.role.data),
                partner_id=form.partner_id.data or None,
            )
        except DomainError as exc:
            form.email.errors = [translate_error(exc)]
        else:
            if delivery.sent:
                flash(_("Wysłano zaproszenie na adres %(email)s.", email=user.email), "success")
            else:
                flash(
                    _("Konto utworzono, ale nie udało się wysłać e-maila. Spróbuj ponownie."),
                    "error",
                )
            return redirect(url_for("partners.users"))
    return _page(form, 400)


@bp.route("/admin/users/<int:user_id>/resend", methods=["POST"])
@roles_required(Role.ADMIN)
def resend(user_id: int) -> Any:
    user = _user_or_404(user_id)
    delivery = transaction.run(
        links.send_password_link, user, invitation=user.password_hash is None
    )
    if delivery.sent:
        flash(_("Wysłano link na adres %(email)s.", email=user.email), "success")
    else:
        flash(_("Nie udało się wysłać e-maila. Spróbuj ponownie."), "error")
    return redirect(url_for("partners.users"))


@bp.route("/admin/users/<int:user_id>/end-sessions", methods=["POST"])
@roles_required(Role.ADMIN)
def end_sessions(user_id: int) -> Any:
    user = _user_or_404(user_id)
    transaction.run(accounts.end_sessions, current_actor(), user)
    flash(_("Zakończono wszystkie sesje użytkownika %(email)s.", email=user.email), "success")
    return redirect(url_for("partners.users"))


@bp.route("/admin/users/<int:user_id>/deactivate", methods=["POST"])
@roles_required(Role.ADMIN)
def deactivate_user(user_id: int) -> Any:
    if user_id == current_user.id:
        flash(_("Nie możesz dezaktywować własnego konta."), "error")
        return redirect(url_for("partners.users"))
    user = transaction.run(accounts.deactivate, current_actor(), _user_or_404(user_id).id)
    flash(_("Dezaktywowano konto %(email)s.", email=user.email), "success")
    return redirect(url_for("partners.users"))


@bp.route("/admin/users/<int:user_id>/reset-2fa", methods=["POST"])
@roles_required(Role.ADMIN)
def reset_two_factor(user_id: int) -> Any:
    user = _user_or_404(user_id)
    if user.id == current_user.id:
        flash(_("Nie możesz wyłączyć logowania dwuetapowego własnego konta w ten sposób."), "error")
        return redirect(url_for("partners.users"))
    transaction.run(accounts.disable_totp, current_actor(), user, reset=True)
    flash(
        _(
            "Wyłączono logowanie dwuetapowe i zakończono sesje użytkownika %(email)s. "
            "Przy następnym logowaniu skonfiguruje je od nowa.",
            email=user.email,
        ),
        "success",
    )
    return redirect(url_for("partners.users"))
