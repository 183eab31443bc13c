"""Logging in (the password, then the second factor when it is on) and out."""

from __future__ import annotations

import time
from typing import Any

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from election import transaction
from election.auth import service
from election.auth.forms import LoginForm, SecondFactorForm
from election.auth.models import User
from election.auth.views import bp
from election.auth.views.sessions import (
    PENDING,
    PENDING_MAX_AGE,
    fresh_session,
    start_session,
)
from election.errors import DomainError
from election.extensions import db, limiter
from election.web import safe_target, translate_error


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
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = service.authenticate(db.session, form.email.data, form.password.data)
        if user is not None:
            target = request.args.get("next", "")
            if user.totp_enabled:
                # Not logged in yet: only the pending state, bound to the session version.
                fresh_session()
                session[PENDING] = {
                    "u": user.id,
                    "v": user.session_version,
                    "at": int(time.time()),
                    "next": safe_target(target),
                }
                return redirect(url_for("auth.login_2fa"))
            transaction.run(service.record_login, user)
            return start_session(user, target)
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
        try:
            method, remaining = transaction.run(
                service.complete_second_factor, user, form.code.data
            )
        except DomainError as exc:
            form.code.errors = [translate_error(exc)]
        else:
            response = start_session(user, session[PENDING].get("next", ""))
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
    return render_template("auth/login_2fa.html", form=form), (401 if form.errors else 200)


@bp.route("/logout", methods=["POST"])
@login_required
def logout() -> Any:
    user = db.session.get(User, current_user.id)
    # The language chosen stays for the login page that follows.
    lang = (user.locale if user is not None else None) or session.get("lang")
    if user is not None:
        transaction.run(service.log_out, user)
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("Wylogowano."), "info")
    return redirect(url_for("auth.login"))
