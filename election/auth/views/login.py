"""Logging in (the password, then the second factor when it is on) and out, and the
throttling of wrong passwords (:mod:`election.auth.throttle`)."""

from __future__ import annotations

import datetime as dt
import secrets
import time
from typing import Any

from flask import (
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import format_timedelta
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user
from itsdangerous import BadSignature, URLSafeTimedSerializer

from election import transaction
from election.auth import notices, service
from election.auth.forms import LoginForm, SecondFactorForm
from election.auth.keyring import current_keyring
from election.auth.models import User
from election.auth.throttle import Attempt, LoginThrottle, Policy, account_digest
from election.auth.views import bp
from election.auth.views.sessions import (
    PENDING,
    PENDING_MAX_AGE,
    fresh_session,
    start_session,
)
from election.errors import DomainError
from election.extensions import db, limiter
from election.web import error_response, safe_target, translate_error

#: The cookie that makes a browser "trusted" for the accounts that logged in on it: a
#: signed list of (account digest, device id), newest first. It opens nothing by itself;
#: it only gives the browser a failure count of its own (election/auth/throttle.py).
DEVICE_COOKIE = "login_device"
DEVICE_MAX_AGE = 180 * 24 * 3600
#: Accounts remembered by one browser (a shared computer in the meeting room).
DEVICE_ACCOUNTS = 5


def _device_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="login-device")


def _devices() -> list[list[str]]:
    """The (account digest, device id) pairs of this browser's valid device cookie."""
    raw = request.cookies.get(DEVICE_COOKIE)
    if not raw:
        return []
    try:
        pairs = _device_serializer().loads(raw, max_age=DEVICE_MAX_AGE)
    except BadSignature:
        return []
    if not isinstance(pairs, list):
        return []
    return [
        p
        for p in pairs
        if isinstance(p, list) and len(p) == 2 and all(isinstance(x, str) for x in p)
    ]


def _account(email: str) -> str:
    key = current_app.config["SECRET_KEY"]
    return account_digest(
        key.encode() if isinstance(key, str) else key, service.normalise_email(email)
    )


def _attempt(email: str) -> Attempt:
    account = _account(email)
    device = next((d for a, d in _devices() if a == account), None)
    return Attempt(account, request.remote_addr or "-", device)


def _throttle() -> LoginThrottle:
    config = current_app.config
    return LoginThrottle(
        limiter.limiter, Policy.from_config(config), config["RATELIMIT_KEY_PREFIX"]
    )


def _remember_device(response: Any, user: User) -> Any:
    """Mark this browser as one ``user`` logged in from (after every factor)."""
    account = _account(user.email)
    pairs = _devices()
    device = next((d for a, d in pairs if a == account), None) or secrets.token_urlsafe(16)
    pairs = [[account, device], *[p for p in pairs if p[0] != account]][:DEVICE_ACCOUNTS]
    response.set_cookie(
        DEVICE_COOKIE,
        _device_serializer().dumps(pairs),
        max_age=DEVICE_MAX_AGE,
        path=url_for("auth.login"),
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        httponly=True,
        samesite="Lax",
    )
    return response


def _too_many(wait: int) -> Any:
    """The Polish 429 page, saying when to try again (and ``Retry-After``)."""
    when = format_timedelta(
        dt.timedelta(seconds=wait), granularity="minute", threshold=1.0, add_direction=True
    )
    response = make_response(
        error_response(
            429, "rate_limited", _("Zbyt wiele prób. Spróbuj ponownie %(when)s.", when=when)
        )
    )
    response.headers["Retry-After"] = str(wait)
    return response


def _count_failure(throttle: LoginThrottle, attempt: Attempt, email: str) -> None:
    """Count a wrong password; tell the account's owner when the failures have repeated."""
    if not throttle.failed(attempt):
        return
    user = service.find_by_email(db.session, email)
    if user is not None and user.active:
        current_app.logger.warning(
            "repeated failed logins for user %s, the last from %s", user.id, attempt.address
        )
        transaction.run(notices.send_failed_logins_notice, user, attempt.address)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if request.method != "POST":
        return render_template("auth/login.html", form=form)
    throttle = _throttle()
    # Checked before the password, so a blocked guess learns nothing about it.
    attempt = _attempt(request.form.get("email", ""))
    # RATELIMIT_ENABLED=0 (benchmarks) stops the blocking; failures are still counted.
    wait = throttle.wait(attempt) if limiter.enabled else 0
    if wait:
        return _too_many(wait)
    if form.validate_on_submit():
        user = service.authenticate(db.session, form.email.data, form.password.data)
        if user is not None:
            throttle.succeeded(attempt)
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
            return _remember_device(start_session(user, target), user)
        _count_failure(throttle, attempt, form.email.data)
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
        or not user.is_active
        or not user.totp_enabled
        or user.session_version != pending.get("v")
    ):
        return None
    return user


def _failed(response: Any) -> bool:
    # Only failed codes count against the second step's limits; a success redirects.
    return response.status_code != 302


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
                service.complete_second_factor, current_keyring(), user, form.code.data
            )
        except DomainError as exc:
            form.code.errors = [translate_error(exc)]
        else:
            response = _remember_device(start_session(user, session[PENDING].get("next", "")), user)
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
