"""The application factory."""

import logging
import os

from flask import Flask
from flask.sessions import SessionInterface
from flask_smorest import Api
from werkzeug.middleware.proxy_fix import ProxyFix

from server import models  # noqa: F401  (registers the tables for migrations)
from server.api import docs, register_api
from server.api.errors import register_error_handlers
from server.api.headers import register_security_headers
from server.config import from_environment
from server.database import configure_engine
from server.extensions import db, migrate

MIGRATIONS = os.path.join(os.path.dirname(__file__), "migrations")


class NoResultRows(logging.Filter):
    """Drop SQLAlchemy's DEBUG echo of result rows: they hold hashes, notes and pain scores.

    Statement parameters are hidden by the engine option hide_parameters (see config.py).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Row ")


def _keep_rows_out_of_logs() -> None:
    engine_log = logging.getLogger("sqlalchemy.engine.Engine")
    if not any(isinstance(f, NoResultRows) for f in engine_log.filters):
        engine_log.addFilter(NoResultRows())


class NoSessions(SessionInterface):
    """The API is stateless (bearer tokens): no request opens or saves a cookie session."""

    def open_session(self, app, request):
        return self.make_null_session(app)

    def save_session(self, app, session, response):
        return None


def build_app(test_config: dict | None = None) -> Flask:
    """Create and configure one Stride application."""
    app = Flask("server", instance_relative_config=True)
    app.session_interface = NoSessions()
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(from_environment(app.instance_path))
    if test_config:
        app.config.update(test_config)
    logging.basicConfig(level=app.config.get("LOG_LEVEL", "INFO"))
    _keep_rows_out_of_logs()
    if app.config.get("TRUSTED_PROXIES"):
        # Only behind proxies we run: otherwise a client could choose its address, and so
        # its sign-in rate limit and what the audit log records.
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS, render_as_batch=True)
    with app.app_context():
        configure_engine(db.engine)

    api = Api(app, spec_kwargs={"info": {"description": "Stride REST API v1"}})
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    # A referral packet's signed link (server/services/referral_links.py), for EHR readers.
    api.spec.components.security_scheme(
        "referralLink", {"type": "apiKey", "in": "query", "name": "link"}
    )
    register_api(api)
    register_error_handlers(app)
    app.register_blueprint(docs.blp)
    register_security_headers(app)

    from server.cli import register_cli

    register_cli(app)
    return app
