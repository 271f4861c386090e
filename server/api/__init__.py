"""REST API v1: every resource blueprint, mounted under /api/v1."""

from flask_smorest import Api

from server.api import alerts, auth, logs, patients, plans, protocols, sync, users

PREFIX = "/api/v1"


def register_api(api: Api) -> None:
    """Register every resource blueprint on the API."""
    for module in (auth, users, protocols, patients, plans, logs, sync, alerts):
        api.register_blueprint(module.blp, url_prefix=PREFIX)
