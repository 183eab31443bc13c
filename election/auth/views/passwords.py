"""Password links: setting a password from an invitation or reset link, and asking
for a reset link."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import logout_user

from election import transaction
from election.auth import links, service
from election.auth.forms import ForgotPasswordForm, SetPasswordForm
from election.auth.views import bp
from election.errors import DomainError
from election.extensions import db, limiter
from election.web import translate_error

#: Session key of an opened password link: the claim the link made (user, fingerprint,
#: expiry), not the link's token.
PASSWORD_LINK = "password_link"  # noqa: S105 - a session key, not a password


# One endpoint, two URLs: ``url_for("auth.set_password", token=…)`` builds the link,
# ``url_for("auth.set_password")`` the clean page (its default token is None).
@bp.route("/password/set", methods=["GET", "POST"], defaults={"token": None})
@bp.route("/password/<token>")
def set_password(token: str | None) -> Any:
    """The password form of an invitation or reset link.

    The link's first visit exchanges its token for a claim in the session and goes on to
    the clean ``/password/set``: the token is not in any later request, its Referer,
    the browser's history or an access log's later lines. Single use stays: setting the
    password changes the fingerprint the claim names.
    """
    if token is not None:
        try:
            claim = service.read_password_token(current_app.config["SECRET_KEY"], token)
            service.user_for_password_claim(db.session, claim)
        except DomainError as exc:
            return _invalid(exc)
        session[PASSWORD_LINK] = claim
        return redirect(url_for("auth.set_password"), 303)
    try:
        user = service.user_for_password_claim(db.session, session.get(PASSWORD_LINK))
    except DomainError as exc:
        session.pop(PASSWORD_LINK, None)
        return _invalid(exc)
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            transaction.run(service.set_password, user, form.password.data)
        except DomainError as exc:
            form.password.errors = [translate_error(exc)]
        else:
            session.pop(PASSWORD_LINK, None)
            logout_user()
            flash(_("Hasło zostało ustawione. Możesz się zalogować."), "success")
            return redirect(url_for("auth.login"))
    return render_template("auth/set_password.html", form=form, user=user)


def _invalid(exc: DomainError) -> Any:
    return render_template("auth/link_invalid.html", message=translate_error(exc)), 400


@bp.route("/password/forgot", methods=["GET", "POST"])
@limiter.limit("5/minute", methods=["POST"])
def forgot_password() -> Any:
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        user = service.find_by_email(db.session, form.email.data)
        if user is not None and user.active:
            transaction.run(links.send_password_link, user, invitation=False)
        # The same answer whether or not the account exists, or the email went out.
        flash(_("Jeśli konto istnieje, wysłaliśmy na ten adres link do ustawienia hasła."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form)
