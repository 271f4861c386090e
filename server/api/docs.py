"""The docs page's Swagger UI, served from the installed flask-swagger-ui package.

flask-smorest's own page loads Swagger UI from a CDN, which leaves it blank without internet
(a clinic intranet). Here the page (server/templates/swagger_ui.html, which takes the place of
flask-smorest's template of that name) loads every asset from this blueprint.
"""

import os

import flask_swagger_ui
from flask import Blueprint, abort, send_from_directory

SWAGGER_UI_DIST = os.path.join(os.path.dirname(flask_swagger_ui.__file__), "dist")
OWN = os.path.join(os.path.dirname(__file__), "docs_static")
URL = "/api/v1/docs/assets/"
# What the page uses, and nothing else of the package (its sample index and OAuth page).
ASSETS = {
    "swagger-ui.css": SWAGGER_UI_DIST,
    "swagger-ui-bundle.js": SWAGGER_UI_DIST,
    "favicon-32x32.png": SWAGGER_UI_DIST,
    "stride-docs.js": OWN,
}

# Endpoints of the documentation (flask-smorest's and these assets), not of the API itself.
DOCS_ENDPOINTS = ("api-docs.", "api-docs-assets.")

blp = Blueprint("api-docs-assets", __name__, url_prefix=URL.rstrip("/"))


@blp.get("/<name>")
def asset(name: str):
    """Send one of the docs page's assets."""
    if name not in ASSETS:
        abort(404)
    return send_from_directory(ASSETS[name], name)
