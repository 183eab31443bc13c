"""Login, logout, password links and the admin's user pages."""

from __future__ import annotations

import smtplib
import time
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

from election.auth import service, totp
from election.auth.access import current_actor, roles_required
from election.auth.forms import (
    ROLE_LABELS,
    ChangePasswordForm,
    ConfirmPasswordForm,
    ForgotPasswordForm,
    InviteForm,
    LoginForm,
    SecondFactorForm,
    SetPasswordForm,
    TotpCodeForm,
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


#: Session keys. ``auth_at``/``seen_at``: when the login completed and the last request
#: (seconds since the epoch), checked against the timeouts on every request.
AUTH_AT = "auth_at"
SEEN_AT = "seen_at"
#: Set at login for an admin or chair without two-factor login: they must set it up.
SETUP_DUE = "2fa_setup_due"
#: The half-done login between the password and the second factor.
PENDING = "2fa_pending"
#: The secret shown on the setup page until it is confirmed with a code.
SETUP_SECRET = "2fa_setup_secret"  # noqa: S105 - a session key, not a secret
#: How long the second step may take after the password was accepted.
PENDING_MAX_AGE = 5 * 60


def _safe_target(target: str | None) -> str:
    target = target or ""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return url_for("home.index")
    return target


def _fresh_session() -> None:
    """Start from an empty session, keeping only the language (against fixation)."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def _start_session(user: User, target: str) -> Any:
    """Log ``user`` in on a fresh session and go to ``target``."""
    _fresh_session()
    login_user(user)
    session.permanent = True
    now = int(time.time())
    session[AUTH_AT] = now
    session[SEEN_AT] = now
    if user.is_staff and not user.totp_enabled:
        session[SETUP_DUE] = True
    return redirect(_safe_target(target))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("5/minute", methods=["POST"], deduct_when=_failed)
@limiter.limit("5/minute", methods=["POST"], key_func=_login_email_key, deduct_when=_failed)
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = service.authenticate(db.session, form.email.data, form.password.data)
        if user is not None:
            target = request.args.get("next", "")
            if user.totp_enabled:
                # Not logged in yet: only the pending state, bound to the session version.
                _fresh_session()
                session[PENDING] = {
                    "u": user.id,
                    "v": user.session_version,
                    "at": int(time.time()),
                    "next": _safe_target(target),
                }
                return redirect(url_for("auth.login_2fa"))
            service.record_login(db.session, user)
            db.session.commit()
            return _start_session(user, target)
        form.password.errors = [_("Nieprawidłowy adres e-mail lub hasło.")]
    return render_template("auth/login.html", form=form), (401 if form.errors else 200)


def _pending_user() -> User | None:
    """The user whose password was accepted in this session, if still valid."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict):
        return None
    if int(time.time()) - int(pending.get("at", 0)) > PENDING_MAX_AGE:
        return None
    user = db.session.get(User, pending.get("u"))
    if (
        user is None
        or not user.active
        or not user.totp_enabled
        or user.session_version != pending.get("v")
    ):
        return None
    return user


def _pending_key() -> str:
    pending = session.get(PENDING)
    user_id = pending.get("u") if isinstance(pending, dict) else None
    return f"2fa:{user_id}"


@bp.route("/login/2fa", methods=["GET", "POST"])
@limiter.limit("20/minute", methods=["POST"], deduct_when=_failed)
@limiter.limit("5/minute;30/hour", methods=["POST"], key_func=_pending_key, deduct_when=_failed)
def login_2fa() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    user = _pending_user()
    if user is None:
        session.pop(PENDING, None)
        flash(_("Zaloguj się ponownie: podaj adres e-mail i hasło."), "info")
        return redirect(url_for("auth.login"))
    form = SecondFactorForm()
    if form.validate_on_submit():
        method = service.check_second_factor(db.session, user, form.code.data)
        if method is not None:
            service.record_login(db.session, user)
            remaining = service.unused_recovery_codes(db.session, user)
            db.session.commit()
            target = session[PENDING].get("next", "")
            response = _start_session(user, target)
            if method == "recovery":
                flash(
                    _(
                        "Użyto kodu odzyskiwania; nie zadziała on ponownie. "
                        "Pozostałe kody odzyskiwania: %(num)d.",
                        num=remaining,
                    ),
                    "warning",
                )
            return response
        db.session.rollback()
        form.code.errors = [_("Nieprawidłowy lub już użyty kod.")]
    return render_template("auth/login_2fa.html", form=form), (401 if form.errors else 200)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Any:
    user = db.session.get(User, current_user.id)
    # The language chosen stays for the login page that follows.
    lang = (user.locale if user is not None else None) or session.get("lang")
    if user is not None:
        # Ends this session on the server too: a copied cookie stops working.
        user.session_version += 1
        db.session.commit()
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang
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


# --- the user's own account -------------------------------------------------------------


def _me() -> User:
    """The logged-in user as a model instance (not the proxy)."""
    return current_user._get_current_object()  # type: ignore[no-any-return]


@bp.route("/account")
@roles_required(*Role)
def account() -> Any:
    user = _me()
    return render_template(
        "auth/account.html",
        user=user,
        recovery_left=service.unused_recovery_codes(db.session, user),
        two_factor_required=_two_factor_required(user),
        disable_form=ConfirmPasswordForm(),
        renew_form=TotpCodeForm(),
    )


def _two_factor_required(user: User) -> bool:
    return bool(current_app.config.get("REQUIRE_2FA_FOR_STAFF")) and user.is_staff


@bp.route("/account/password", methods=["GET", "POST"])
@roles_required(*Role)
def change_password() -> Any:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = _me()
        try:
            service.change_password(
                db.session, user, form.current_password.data, form.password.data
            )
        except service.WrongPassword as exc:
            db.session.rollback()
            form.current_password.errors = [translate_error(exc)]
        except DomainError as exc:
            db.session.rollback()
            form.password.errors = [translate_error(exc)]
        else:
            db.session.commit()
            # The bumped session version ended every session; carry this one over.
            login_user(user)
            flash(
                _("Hasło zostało zmienione. Pozostałe sesje tego konta zostały zakończone."),
                "success",
            )
            return redirect(url_for("auth.account"))
    return render_template("auth/change_password.html", form=form), (400 if form.errors else 200)


def _setup_page(form: TotpCodeForm, status: int = 200) -> Any:
    secret = session.get(SETUP_SECRET)
    if not isinstance(secret, str):
        secret = service.new_totp_secret()
        session[SETUP_SECRET] = secret
    user = _me()
    return render_template(
        "auth/two_factor_setup.html",
        form=form,
        secret=totp.group_secret(secret),
        uri=totp.provisioning_uri(secret, user.email),
        required=_two_factor_required(user),
    ), status


@bp.route("/account/2fa", methods=["GET", "POST"])
@roles_required(*Role)
def two_factor() -> Any:
    user = _me()
    if user.totp_enabled:
        session.pop(SETUP_DUE, None)  # set up from another session meanwhile
        if request.method == "POST":
            flash(_("Logowanie dwuetapowe jest już włączone."), "info")
        return redirect(url_for("auth.account"))
    form = TotpCodeForm()
    if not form.validate_on_submit():
        return _setup_page(form, 400 if form.errors else 200)
    secret = session.get(SETUP_SECRET)
    if not isinstance(secret, str):
        return _setup_page(form, 400)
    try:
        codes = service.enable_totp(db.session, user, secret, form.code.data)
    except DomainError as exc:
        db.session.rollback()
        form.code.errors = [translate_error(exc)]
        return _setup_page(form, 400)
    db.session.commit()
    session.pop(SETUP_SECRET, None)
    session.pop(SETUP_DUE, None)
    flash(_("Logowanie dwuetapowe jest włączone."), "success")
    # The codes are in this response only: never stored in plain text, never shown again.
    return render_template("auth/recovery_codes.html", codes=codes)


@bp.route("/account/2fa/recovery-codes", methods=["POST"])
@roles_required(*Role)
def renew_recovery_codes() -> Any:
    form = TotpCodeForm()
    user = _me()
    if form.validate_on_submit():
        try:
            codes = service.renew_recovery_codes(db.session, user, form.code.data)
        except DomainError as exc:
            db.session.rollback()
            flash(translate_error(exc), "error")
        else:
            db.session.commit()
            flash(_("Utworzono nowe kody odzyskiwania; poprzednie już nie działają."), "success")
            return render_template("auth/recovery_codes.html", codes=codes)
    else:
        flash(_("Podaj kod z aplikacji."), "error")
    return redirect(url_for("auth.account"))


@bp.route("/account/2fa/disable", methods=["POST"])
@roles_required(*Role)
def disable_two_factor() -> Any:
    user = _me()
    if _two_factor_required(user):
        flash(_("Twoja rola wymaga logowania dwuetapowego; nie można go wyłączyć."), "error")
        return redirect(url_for("auth.account"))
    form = ConfirmPasswordForm()
    if form.validate_on_submit() and user.check_password(form.current_password.data):
        if user.totp_enabled:
            service.disable_totp(db.session, current_actor(), user)
            db.session.commit()
        flash(_("Logowanie dwuetapowe jest wyłączone."), "success")
    else:
        flash(_("Obecne hasło jest nieprawidłowe."), "error")
    return redirect(url_for("auth.account"))


@bp.route("/admin/users/<int:user_id>/reset-2fa", methods=["POST"])
@roles_required(Role.ADMIN)
def reset_two_factor(user_id: int) -> Any:
    user = _user_or_404(user_id)
    if user.id == current_user.id:
        flash(_("Nie możesz wyłączyć logowania dwuetapowego własnego konta w ten sposób."), "error")
        return redirect(url_for("auth.users"))
    service.disable_totp(db.session, current_actor(), user, reset=True)
    db.session.commit()
    flash(
        _(
            "Wyłączono logowanie dwuetapowe i zakończono sesje użytkownika %(email)s. "
            "Przy następnym logowaniu skonfiguruje je od nowa.",
            email=user.email,
        ),
        "success",
    )
    return redirect(url_for("auth.users"))


# --- checks on every request ------------------------------------------------------------

#: Endpoints an admin or chair who still has to set up two-factor login may reach.
SETUP_ENDPOINTS = frozenset(
    {"auth.two_factor", "auth.logout", "web.set_language", "web.healthz", "static"}
)


def _session_expired(now: int) -> bool:
    config = current_app.config
    auth_at, seen_at = session.get(AUTH_AT), session.get(SEEN_AT)
    if not isinstance(auth_at, int) or not isinstance(seen_at, int):
        return True  # a logged-in session without our timestamps is not one we made
    idle = int(config["SESSION_IDLE_MINUTES"]) * 60
    absolute = int(config["SESSION_ABSOLUTE_HOURS"]) * 3600
    return now - seen_at > idle or now - auth_at > absolute


def enforce_session_rules() -> Any:
    """Log out sessions past their idle or absolute timeout; send staff to set up 2FA.

    Runs before every request on the session cookie alone (no database access: it
    runs before the request declares whether it writes).
    """
    if "_user_id" not in session:
        return None
    now = int(time.time())
    if _session_expired(now):
        # Emptying the session logs out: Flask-Login has not loaded the user yet in
        # this request and no remember-me cookie is ever set.
        _fresh_session()
        flash(_("Sesja wygasła. Zaloguj się ponownie."), "info")
        return None  # the view goes on as for a guest: a login page, or a 302 to it
    session[SEEN_AT] = now
    if (
        session.get(SETUP_DUE)
        and current_app.config.get("REQUIRE_2FA_FOR_STAFF")
        and request.endpoint not in SETUP_ENDPOINTS
        and not request.path.startswith("/api/")
    ):
        return redirect(url_for("auth.two_factor"))
    return None


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

    app.before_request(enforce_session_rules)
