"""Configuration defaults; environment variables override them."""

import os
from datetime import timedelta


def from_environment(instance_path: str) -> dict:
    """Return the configuration for this process, read from the environment."""
    default_db = "sqlite:///" + os.path.join(instance_path, "stride.sqlite3")
    return {
        "SECRET_KEY": os.environ.get("STRIDE_SECRET_KEY", "dev-only-change-me"),
        "SQLALCHEMY_DATABASE_URI": os.environ.get("DATABASE_URL", default_db),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "TOKEN_TTL": timedelta(hours=int(os.environ.get("STRIDE_TOKEN_TTL_HOURS", 24 * 14))),
        "SYNC_PAGE_SIZE": 500,
        "API_TITLE": "Stride API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        "OPENAPI_SWAGGER_UI_URL": "https://cdn.jsdelivr.net/npm/swagger-ui-dist/",
        "JSON_SORT_KEYS": False,
        "MAX_CONTENT_LENGTH": 4 * 1024 * 1024,
    }
