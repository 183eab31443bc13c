"""Login, logout, password links and the admin's user pages."""

from __future__ import annotations

import smtplib
from typing import Any

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import LoginManager, current_user, login_required, login_user, logout_user
from sqlalchemy import select

from election.auth import service
from election.auth.access import current_actor, roles_required
from election.auth.forms import (
    ROLE_LABELS,
    ForgotPasswordForm,
    InviteForm,
    LoginForm,
    SetPasswordForm,
)
from election.auth.models import Role, User
from election.errors import DomainError
from election.extensions import db, limiter
from election.forms import choices
from election.mail import send_mail
from election.partners.models import Partner
from election.web import translate_error

bp = Blueprint("auth", __name__)


def _login_email_key() -> str:
    return "login:" + service.normalise_email(request.form.get("email", ""))[:254]


def _failed(response: Any) -> bool:
    # Only failed attempts count against the limit; a successful login redirects.
    return response.status_code != 302


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("5/minute", methods=["POST"], deduct_when=_failed)
@limiter.limit("5/minute", methods=["POST"], key_func=_login_email_key, deduct_when=_failed)
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("web.home"))
    form = LoginForm()
    if form.validate_on_submit():
        user = service.authenticate(db.session, form.email.data, form.password.data)
        if user is not None:
            db.session.commit()
            # A fresh session at login: nothing from before survives (session fixation).
            lang = session.get("lang")
            session.clear()
            if lang:
                session["lang"] = lang
            login_user(user)
            session.permanent = True
            target = request.args.get("next", "")
            if not target.startswith("/") or target.startswith("//"):
                target = url_for("web.home")
            return redirect(target)
        form.password.errors = [_("Nieprawidłowy adres e-mail lub hasło.")]
    return render_template("auth/login.html", form=form), (401 if form.errors else 200)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Any:
    user = db.session.get(User, current_user.id)
    if user is not None:
        # Ends this session on the server too: a copied cookie stops working.
        user.session_version += 1
        db.session.commit()
    logout_user()
    session.clear()
    flash(_("Wylogowano."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password/<token>", methods=["GET", "POST"])
def set_password(token: str) -> Any:
    try:
        user = service.user_for_token(db.session, current_app.config["SECRET_KEY"], token)
    except DomainError as exc:
        return render_template("auth/link_invalid.html", message=translate_error(exc)), 400
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            service.set_password(db.session, user, form.password.data)
        except DomainError as exc:
            db.session.rollback()
            form.password.errors = [translate_error(exc)]
        else:
            db.session.commit()
            logout_user()
            flash(_("Hasło zostało ustawione. Możesz się zalogować."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/set_password.html", form=form, user=user)


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("5/minute", methods=["POST"])
def forgot_password() -> Any:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = service.find_by_email(db.session, form.email.data)
        if user is not None and user.active:
            _send_password_link(user, invitation=False)
        # The same answer whether or not the account exists.
        flash(_("Jeśli konto istnieje, wysłaliśmy na ten adres link do ustawienia hasła."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form)


def password_link(user: User) -> str:
    token = service.make_password_token(current_app.config["SECRET_KEY"], user)
    return url_for("auth.set_password", token=token, _external=True)


def _send_password_link(user: User, *, invitation: bool) -> bool:
    link = password_link(user)
    if invitation:
        subject = _("Zaproszenie do aplikacji wyborów Rady ds. systemu SEKAP")
        body = _(
            "Dzień dobry,\n\nzałożono dla Ciebie konto w aplikacji wyborów Rady ds. systemu "
            "SEKAP. Ustaw hasło, otwierając link (ważny 3 dni, jednorazowy):\n\n%(link)s\n",
            link=link,
        )
    else:
        subject = _("Ustawienie nowego hasła — Rada SEKAP")
        body = _(
            "Dzień dobry,\n\naby ustawić nowe hasło, otwórz link (ważny 3 dni, jednorazowy):"
            "\n\n%(link)s\n\nJeśli to nie Ty prosiłeś o zmianę, zignoruj tę wiadomość.\n",
            link=link,
        )
    try:
        send_mail(current_app.config, user.email, subject, body)
    except (OSError, smtplib.SMTPException):
        current_app.logger.warning("could not send mail to user %s", user.id)
        return False
    return True


@bp.route("/admin/users")
@roles_required(Role.ADMIN)
def users() -> Any:
    all_users = db.session.scalars(select(User).order_by(User.role, User.email)).all()
    return render_template(
        "auth/users.html", users=all_users, form=_invite_form(), role_labels=ROLE_LABELS
    )


def _invite_form() -> InviteForm:
    form = InviteForm()
    partners = db.session.execute(
        select(Partner.id, Partner.name, Partner.teryt).order_by(Partner.name)
    ).all()
    form.partner_id.choices = choices(
        [(0, "—")] + [(p.id, f"{p.name} ({p.teryt})") for p in partners]
    )
    return form


@bp.route("/admin/users", methods=["POST"])
@roles_required(Role.ADMIN)
def invite() -> Any:
    form = _invite_form()
    if form.validate_on_submit():
        try:
            user = service.create_user(
                db.session,
                current_actor(),
                email=form.email.data,
                full_name=form.full_name.data,
                role=Role(form.role.data),
                partner_id=form.partner_id.data or None,
            )
        except DomainError as exc:
            db.session.rollback()
            form.email.errors = [translate_error(exc)]
        else:
            db.session.commit()
            if _send_password_link(user, invitation=True):
                flash(_("Wysłano zaproszenie na adres %(email)s.", email=user.email), "success")
            else:
                flash(
                    _("Konto utworzono, ale nie udało się wysłać e-maila. Spróbuj ponownie."),
                    "error",
                )
            return redirect(url_for("auth.users"))
    all_users = db.session.scalars(select(User).order_by(User.role, User.email)).all()
    return render_template(
        "auth/users.html", users=all_users, form=form, role_labels=ROLE_LABELS
    ), 400


def _user_or_404(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.route("/admin/users/<int:user_id>/resend", methods=["POST"])
@roles_required(Role.ADMIN)
def resend(user_id: int) -> Any:
    user = _user_or_404(user_id)
    if _send_password_link(user, invitation=user.password_hash is None):
        flash(_("Wysłano link na adres %(email)s.", email=user.email), "success")
    else:
        flash(_("Nie udało się wysłać e-maila. Spróbuj ponownie."), "error")
    return redirect(url_for("auth.users"))


@bp.route("/admin/users/<int:user_id>/end-sessions", methods=["POST"])
@roles_required(Role.ADMIN)
def end_sessions(user_id: int) -> Any:
    user = _user_or_404(user_id)
    service.end_sessions(db.session, current_actor(), user)
    db.session.commit()
    flash(_("Zakończono wszystkie sesje użytkownika %(email)s.", email=user.email), "success")
    return redirect(url_for("auth.users"))


@bp.route("/admin/users/<int:user_id>/deactivate", methods=["POST"])
@roles_required(Role.ADMIN)
def deactivate(user_id: int) -> Any:
    if user_id == current_user.id:
        flash(_("Nie możesz dezaktywować własnego konta."), "error")
        return redirect(url_for("auth.users"))
    user = service.deactivate(db.session, current_actor(), _user_or_404(user_id).id)
    db.session.commit()
    flash(_("Dezaktywowano konto %(email)s.", email=user.email), "success")
    return redirect(url_for("auth.users"))


def init_app(app: Flask, login_manager: LoginManager) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "basic"

    @login_manager.user_loader
    def load_user(session_id: str) -> User | None:
        user_id, _sep, version = session_id.partition(":")
        if not user_id.isdigit() or not version.isdigit():
            return None
        user = db.session.get(User, int(user_id))
        if user is None or not user.active or user.session_version != int(version):
            return None
        return user

    app.register_blueprint(bp)  # registered here: the login manager needs it first
