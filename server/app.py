"""The application factory."""

import logging
import os

from flask import Flask
from flask_smorest import Api

from server import models  # noqa: F401  (registers the tables for migrations)
from server.api import register_api
from server.api.errors import register_error_handlers
from server.config import from_environment
from server.database import configure_engine
from server.extensions import db, migrate

MIGRATIONS = os.path.join(os.path.dirname(__file__), "migrations")


def build_app(test_config: dict | None = None) -> Flask:
    """Create and configure one Stride application."""
    app = Flask("server", instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(from_environment(app.instance_path))
    if test_config:
        app.config.update(test_config)
    logging.basicConfig(level=app.config.get("LOG_LEVEL", "INFO"))

    db.init_app(app)
    migrate.init_app(app, db, directory=MIGRATIONS, render_as_batch=True)
    with app.app_context():
        configure_engine(db.engine)

    api = Api(app, spec_kwargs={"info": {"description": "Stride REST API v1"}})
    api.spec.components.security_scheme("bearerAuth", {"type": "http", "scheme": "bearer"})
    register_api(api)
    register_error_handlers(app)

    from server.cli import register_cli

    register_cli(app)
    return app
