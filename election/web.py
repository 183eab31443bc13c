"""What every page shares: error answers, security headers, the language switch, safe
redirects and the answer to a button (:func:`act`)."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import unquote

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    flash,
    g,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException

from election import transaction
from election.errors import DomainError
from election.extensions import db
from election.i18n import LANGUAGES
from election.labels import ROLE_LABELS

bp = Blueprint("web", __name__)

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


#: What a redirect target may contain: a path on this site and its query, in plain ASCII.
#: Anything else (a tab, a backslash, a space, a full-width slash, a scheme) is refused
#: rather than cleaned, because browsers clean it their own way: they drop tabs and
#: newlines, read ``\\`` as ``/`` and ``//host`` as another site.
_SAFE_PATH = re.compile(r"/(?![/\\])[A-Za-z0-9\-._~!$&'()*+,;=:@/?%]*")


def safe_target(target: str | None, default: str | None = None) -> str:
    """``target`` if it is a path on this site, read the way a browser will; else
    ``default`` (the home page).

    Refused: another scheme or host (``https:evil``, ``//evil``), and everything a
    browser would turn into one: tabs and newlines (``/%09/evil``), backslashes
    (``/\\evil``), spaces (``/ /evil``), non-ASCII look-alikes (``／／evil``), and a
    percent-encoded slash or backslash right after the first slash (``/%2F/evil``).
    """
    fallback = default or url_for("home.index")
    if not target or not _SAFE_PATH.fullmatch(target):
        return fallback
    decoded = unquote(target)
    if decoded.startswith(("//", "/\\")) or any(c in decoded for c in "\t\r\n\\"):
        return fallback
    return target


def act(
    action: Callable[..., Any],
    *args: Any,
    back: str,
    done: str | Callable[[Any], str] | None = None,
    **kwargs: Any,
) -> Any:
    """The answer to a button: run ``action`` at the transaction edge, then go ``back``.

    Success flashes ``done`` (a text, or a function of the action's result); a refusal
    flashes the error's message, in the user's language. Either way the answer is a
    303 to ``back``, so a reload does not post again.
    """
    try:
        result = transaction.run(action, *args, **kwargs)
    except DomainError as exc:
        flash(translate_error(exc), "error")
    else:
        message = done(result) if callable(done) else done
        if message:
            flash(message, "success")
    return redirect(back, code=303)


def confirmed() -> bool:
    """The tick of an irreversible action's button (``macros/confirm.html``) was given."""
    return request.form.get("confirm") == "y"


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_message(status: int) -> str:
    return {
        400: _("Nieprawidłowe żądanie."),
        403: _("Nie masz uprawnień do tej strony."),
        404: _("Nie znaleziono strony."),
        405: _("Ta metoda nie jest dozwolona dla tej strony."),
        413: _("Przesłany plik jest za duży."),
        429: _("Zbyt wiele prób. Odczekaj minutę i spróbuj ponownie."),
        500: _("Wystąpił błąd serwera. Spróbuj ponownie za chwilę."),
        503: _("Usługa jest chwilowo niedostępna. Spróbuj ponownie za chwilę."),
    }.get(status, _("Wystąpił błąd."))


def translate_error(exc: DomainError) -> str:
    """The error's message in the user's language, its parameters translated too."""
    params = {k: _(v) if isinstance(v, str) else v for k, v in exc.params.items()}
    return _(str(exc.message), **params)


def error_response(status: int, code: str, message: str) -> Any:
    if wants_json():
        return jsonify(error=code, message=message), status
    try:
        return render_template("errors/error.html", status=status, message=message), status
    except SQLAlchemyError:
        # The page's header needs the user, and the database is not answering.
        return unavailable_response()


def unavailable_response() -> Any:
    """The "try again" page; it does not look up the user (the database may be down)."""
    with contextlib.suppress(Exception):
        db.session.rollback()
    message = error_message(503)
    if wants_json():
        return jsonify(error="unavailable", message=message), 503
    # Rendered without the context processors: Flask-Login's would load the user.
    page = current_app.jinja_env.get_template("errors/unavailable.html").render(message=message)
    return page, 503


ERROR_CODES = {
    400: "bad_request",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "too_large",
    429: "rate_limited",
    500: "server_error",
    503: "unavailable",
}


@bp.route("/lang/<code>", methods=["POST"])
def set_language(code: str) -> Any:
    if code not in LANGUAGES:
        abort(404)
    session["lang"] = code
    if current_user.is_authenticated:
        # The choice follows the user to their other devices.
        current_user.locale = code
        transaction.commit(db.session)
    return redirect(safe_target(request.form.get("next")))


@bp.route("/healthz")
def healthz() -> Any:
    return {"status": "ok"}


def flash_prefix(category: str) -> str:
    # The category is also written out, so the meaning never rests on colour alone.
    return {
        "success": _("Gotowe:"),
        "error": _("Błąd:"),
        "warning": _("Uwaga:"),
    }.get(category, _("Informacja:"))


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

    # Static files are cached for a year; their URLs carry the file's modification
    # time, so a changed file gets a new URL and nobody keeps an old stylesheet.
    if app.config.get("SEND_FILE_MAX_AGE_DEFAULT") is None:
        app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 365 * 24 * 3600

    @app.url_defaults
    def _static_version(endpoint: str, values: dict[str, Any]) -> None:
        if endpoint == "static" and "filename" in values and "v" not in values:
            path = Path(app.static_folder or "") / values["filename"]
            with contextlib.suppress(OSError):
                values["v"] = int(path.stat().st_mtime)

    app.jinja_env.globals.update(
        flash_prefix=flash_prefix,
        role_label=lambda role: ROLE_LABELS.get(role, role),
    )

    @app.before_request
    def _refuse_nul_bytes() -> Any:
        # PostgreSQL cannot hold NUL in text and its driver raises deep inside a query
        # (a 500); no legitimate field contains one, so refuse it up front (found by
        # tests/integration/security/test_fuzz_forms.py).
        texts = [request.path]
        for source in (request.args, request.form):
            for key, values in source.lists():
                texts += [key, *values]
        if any("\x00" in t for t in texts):
            return error_response(
                400, "bad_request", _("Przesłane dane zawierają niedozwolony znak (NUL).")
            )
        return None

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        status = exc.code or 500
        if status in (301, 302, 303, 307, 308):
            return exc
        message = error_message(status)
        if isinstance(exc, CSRFError):
            message = _(
                "Formularz wygasł lub nie pochodzi z tej strony. Odśwież stronę i spróbuj ponownie."
            )
            return error_response(400, "csrf", message)
        return error_response(status, ERROR_CODES.get(status, "error"), message)

    @app.errorhandler(DomainError)
    def _domain_error(exc: DomainError) -> Any:
        db.session.rollback()
        return error_response(exc.status, exc.code, translate_error(exc))

    @app.teardown_appcontext
    def _close_session(exc: BaseException | None) -> None:
        # Runs before Flask-SQLAlchemy's own removal (registered later): a connection the
        # database dropped after the response was decided fails its ROLLBACK here, and is
        # invalidated instead, so the answer already given is not turned into a 500.
        try:
            db.session.close()
        except Exception:
            with contextlib.suppress(Exception):
                db.session.invalidate()

    @app.errorhandler(Exception)
    def _unexpected(exc: Exception) -> Any:
        if isinstance(exc, OperationalError | InterfaceError):
            app.logger.warning(
                "database unavailable on %s %s: %s",
                request.method,
                request.path,
                exc.__class__.__name__,
            )
            # The connection is dead: drop it without a ROLLBACK, or the session's teardown
            # would try one and turn this 503 into a 500.
            with contextlib.suppress(Exception):
                db.session.invalidate()
            return unavailable_response()
        # The connection may be dead: nothing here may need it.
        with contextlib.suppress(Exception):
            db.session.rollback()
        app.logger.exception("unhandled error on %s %s", request.method, request.path)
        return error_response(500, "server_error", error_message(500))

    @app.after_request
    def _security_headers(response: Response) -> Response:
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if app.config.get("HSTS"):
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        # Only a user already loaded by this request: loading one here would query the
        # database after the response is decided (and fail while it is down).
        user = g.get("_login_user")
        if user is not None and not user.is_anonymous:
            response.headers.setdefault("Cache-Control", "no-store")
        return response
