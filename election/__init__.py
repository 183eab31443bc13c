"""Rada SEKAP: the election of the Council for the SEKAP system."""

from __future__ import annotations

import importlib
import importlib.util
from pathlib import Path
from typing import Any

from flask import Flask, request
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter, Map

from election import config as config_module
from election import extensions as ext
from election.db import write_intent

ROOT = Path(__file__).resolve().parent.parent

#: Feature packages, in the order of their dependencies. Each may have ``views.bp``
#: (a blueprint) and ``cli.init_app`` (its commands).
FEATURES = (
    "auth",
    "partners",
    "audit",
    "elections",
    "candidates",
    "voting",
    "tally",
    "council",
    "publishing",
    "api",
    "backup",
    "demo",
)


class BoundedIntConverter(IntegerConverter):
    def __init__(self, url_map: Map, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def _register_feature(app: Flask, feature: str) -> None:
    package = f"election.{feature}"
    if importlib.util.find_spec(f"{package}.views") is not None:
        views = importlib.import_module(f"{package}.views")
        if hasattr(views, "bp") and views.bp.name not in app.blueprints:
            app.register_blueprint(views.bp)
    if importlib.util.find_spec(f"{package}.cli") is not None:
        importlib.import_module(f"{package}.cli").init_app(app)


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: settings from the environment, overridden by ``config``."""
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.from_mapping(config_module.from_environment(app.instance_path))
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
    from election.auth import views as auth_views

    i18n.init_app(app, ext.babel)
    auth_views.init_app(app, ext.login_manager)
    web.init_app(app)
    for feature in FEATURES:
        _register_feature(app, feature)

    @app.before_request
    def _declare_write_intent() -> None:
        write_intent.set(request.method not in ("GET", "HEAD", "OPTIONS"))

    return app
