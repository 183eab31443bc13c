"""The app factory: wiring only — settings, extensions, blueprints, commands, receivers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, Map

from election import config as config_module
from election import extensions as ext
from election.db import write_intent

ROOT = Path(__file__).resolve().parent.parent


class BoundedIntConverter(IntegerConverter):
    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def _register_features(app: Flask) -> None:
    """Every feature's blueprint and commands, lowest layer first (``docs/architecture.md``).

    Imported here, not at the top, so that importing one feature's models never pulls
    in every feature's views.
    """
    from election.api import views as api
    from election.audit import views as audit
    from election.auth import cli as auth_cli
    from election.auth import views as auth
    from election.backup import cli as backup_cli
    from election.candidates import views as candidates
    from election.cli import audit as audit_cli
    from election.council import views as council
    from election.demo import cli as demo_cli
    from election.elections import views as elections
    from election.home import views as home
    from election.mail import cli as mail_cli
    from election.meeting import bp as meeting
    from election.partners import cli as partners_cli
    from election.partners import views as partners
    from election.publishing import cli as publishing_cli
    from election.publishing import receivers as publishing_receivers
    from election.publishing import sender as publishing_sender
    from election.publishing import views as publishing
    from election.tally import receivers as tally_receivers
    from election.tally import views as tally
    from election.voting import notifications as voting_notifications
    from election.voting import views as voting

    auth.init_app(app, ext.login_manager)
    home.init_app(app)
    for blueprint in (
        auth.bp,
        home.bp,
        audit.bp,
        partners.bp,
        elections.bp,
        candidates.bp,
        voting.bp,
        tally.bp,
        council.bp,
        publishing.bp,
        meeting,
        api.bp,
    ):
        app.register_blueprint(blueprint)
    # Upward reactions (docs/architecture.md): closing a round counts it; a published
    # list or a certified Council queues an LMS post.
    tally_receivers.connect()
    publishing_receivers.connect()
    # A round's opening and the certification email the representatives.
    voting_notifications.connect()
    publishing_sender.init_app(app)
    for commands in (
        mail_cli,
        audit_cli,
        auth_cli,
        partners_cli,
        publishing_cli,
        backup_cli,
        demo_cli,
    ):
        commands.init_app(app)


def build(config: dict[str, Any] | None = None) -> Flask:
    """The app of :func:`election.create_app`."""
    app = Flask(
        __name__,
        instance_path=(config or {}).get("INSTANCE_PATH"),
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    # A given config (tests) starts from the defaults: the developer's environment
    # (LMS_URL, REDIS_URL, SMTP_HOST …) must not reach it.
    if config is None:
        app.config.from_mapping(config_module.from_environment(app.instance_path))
    else:
        app.config.from_mapping(config_module.defaults(app.instance_path))
    app.config.update(
        SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": True},
        BABEL_DEFAULT_LOCALE="pl",
        BABEL_DEFAULT_TIMEZONE="Europe/Warsaw",
        BABEL_TRANSLATION_DIRECTORIES=str(ROOT / "translations"),
        WTF_CSRF_TIME_LIMIT=None,
        RATELIMIT_HEADERS_ENABLED=False,
        RATELIMIT_STRATEGY="moving-window",
    )
    if config:
        app.config.update(config)
    # Before any route is added: ids beyond a 32-bit integer are simply not found,
    # instead of overflowing the database's INTEGER (a 500 on PostgreSQL).
    app.url_map.converters["int"] = BoundedIntConverter
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    if app.config.get("TRUSTED_PROXIES"):
        # Behind nginx: take the client's address and scheme from the proxy's
        # X-Forwarded-* headers, or every client would share the proxy's address
        # (and its rate limits) and HTTPS would look like plain HTTP.
        hops = int(app.config["TRUSTED_PROXIES"])
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops, x_port=hops
        )

    # Bound as ``ext.db``: a name ``db`` here would shadow the module ``election.db``.
    ext.db.init_app(app)
    ext.migrate.init_app(app, ext.db, directory=str(ROOT / "migrations"), compare_type=True)
    ext.csrf.init_app(app)
    ext.limiter.init_app(app)

    from election import i18n, web

    i18n.init_app(app, ext.babel)
    web.init_app(app)
    _register_features(app)

    @app.before_request
    def _declare_write_intent() -> None:
        write_intent.set(request.method not in ("GET", "HEAD", "OPTIONS"))

    return app
