"""The user's own account: the password, two-factor login and its recovery codes."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user

from election import transaction
from election.access import Role, roles_required
from election.auth import service, totp
from election.auth.access import current_actor
from election.auth.forms import ChangePasswordForm, ConfirmPasswordForm, TotpCodeForm
from election.auth.keyring import current_keyring
from election.auth.models import User
from election.auth.views import bp
from election.auth.views.sessions import SETUP_DUE
from election.db import write_intent
from election.errors import DomainError
from election.extensions import db
from election.web import translate_error


def _me() -> User:
    """The logged-in user as a model instance (not the proxy)."""
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _two_factor_required(user: User) -> bool:
    return bool(current_app.config.get("REQUIRE_2FA_FOR_STAFF")) and user.is_staff


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


@bp.route("/account/password", methods=["GET", "POST"])
@roles_required(*Role)
def change_password() -> Any:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = _me()
        try:
            transaction.run(
                service.change_password, user, form.current_password.data, form.password.data
            )
        except service.WrongPassword as exc:
            form.current_password.errors = [translate_error(exc)]
        except DomainError as exc:
            form.password.errors = [translate_error(exc)]
        else:
            # The bumped session version ended every session; carry this one over.
            login_user(user)
            flash(
                _("Hasło zostało zmienione. Pozostałe sesje tego konta zostały zakończone."),
                "success",
            )
            return redirect(url_for("auth.account"))
    return render_template("auth/change_password.html", form=form), (400 if form.errors else 200)


def _setup_page(form: TotpCodeForm, secret: str, status: int = 200) -> Any:
    user = _me()
    return render_template(
        "auth/two_factor_setup.html",
        form=form,
        secret=totp.group_secret(secret),
        uri=totp.provisioning_uri(secret, user.email),
        required=_two_factor_required(user),
    ), status


@bp.before_request
def _setup_page_writes() -> None:
    # The setup page's GET stores the secret it shows: on SQLite take the write lock up
    # front, like any writing request (election/db.py), rather than halfway through.
    if request.endpoint == "auth.two_factor":
        write_intent.set(True)


@bp.route("/account/2fa", methods=["GET", "POST"])
@roles_required(*Role)
def two_factor() -> Any:
    user = _me()
    if user.totp_enabled:
        session.pop(SETUP_DUE, None)  # set up from another session meanwhile
        if request.method == "POST":
            flash(_("Logowanie dwuetapowe jest już włączone."), "info")
        return redirect(url_for("auth.account"))
    keyring = current_keyring()
    # The secret waits, sealed, on the user's row: the session cookie never holds it.
    secret = service.pending_totp_secret(keyring, user)
    form = TotpCodeForm()
    if request.method == "GET":
        if secret is None:
            secret = transaction.run(service.start_totp_setup, keyring, user)
        return _setup_page(form, secret)
    if secret is None:
        # A code for a secret this account was never shown: show one first.
        return redirect(url_for("auth.two_factor"), 303)
    if not form.validate_on_submit():
        return _setup_page(form, secret, 400)
    try:
        codes = transaction.run(service.enable_totp, keyring, user, form.code.data)
    except DomainError as exc:
        form.code.errors = [translate_error(exc)]
        return _setup_page(form, secret, 400)
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
            codes = transaction.run(
                service.renew_recovery_codes, current_keyring(), user, form.code.data
            )
        except DomainError as exc:
            flash(translate_error(exc), "error")
        else:
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
            transaction.run(service.disable_totp, current_actor(), user)
        flash(_("Logowanie dwuetapowe jest wyłączone."), "success")
    else:
        flash(_("Obecne hasło jest nieprawidłowe."), "error")
    return redirect(url_for("auth.account"))
