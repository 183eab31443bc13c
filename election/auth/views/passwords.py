"""Password links: setting a password from an invitation or reset link, and asking
for a reset link."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import logout_user

from election import transaction
from election.auth import links, service
from election.auth.forms import ForgotPasswordForm, SetPasswordForm
from election.auth.views import bp
from election.errors import DomainError
from election.extensions import db, limiter
from election.web import translate_error


@bp.route("/password/<token>", methods=["GET", "POST"])
def set_password(token: str) -> Any:
    try:
        user = service.user_for_token(db.session, current_app.config["SECRET_KEY"], token)
    except DomainError as exc:
        return render_template("auth/link_invalid.html", message=translate_error(exc)), 400
    form = SetPasswordForm()
    if form.validate_on_submit():
        try:
            transaction.run(service.set_password, user, form.password.data)
        except DomainError as exc:
            form.password.errors = [translate_error(exc)]
        else:
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
            transaction.run(links.send_password_link, user, invitation=False)
        # The same answer whether or not the account exists, or the email went out.
        flash(_("Jeśli konto istnieje, wysłaliśmy na ten adres link do ustawienia hasła."), "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form)
