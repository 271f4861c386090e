"""Configuration defaults; environment variables override them."""

import os
from datetime import timedelta

from domain.invitations import server_problem


def from_environment(instance_path: str) -> dict:
    """Return the configuration for this process, read from the environment."""
    default_db = "sqlite:///" + os.path.join(instance_path, "stride.sqlite3")
    database_url = os.environ.get("DATABASE_URL", default_db)
    return {
        "SECRET_KEY": os.environ.get("STRIDE_SECRET_KEY", "dev-only-change-me"),
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": engine_options(database_url),
        "TOKEN_TTL": timedelta(hours=int(os.environ.get("STRIDE_TOKEN_TTL_HOURS", 24 * 14))),
        "SYNC_PAGE_SIZE": 500,
        # Sign-in throttling (services/ratelimit.py, figures in docs/deploy.md): failures free
        # per (account, address) and per account from unknown addresses before delays start,
        # the longest delay, and the failures per hour one address may make across accounts.
        "LOGIN_FREE_FAILURES": int(os.environ.get("STRIDE_LOGIN_FREE_FAILURES", 5)),
        "LOGIN_FREE_FAILURES_PER_ACCOUNT": int(
            os.environ.get("STRIDE_LOGIN_FREE_FAILURES_PER_ACCOUNT", 10)
        ),
        "LOGIN_MAX_DELAY": int(os.environ.get("STRIDE_LOGIN_MAX_DELAY_SECONDS", 15 * 60)),
        "LOGIN_MAX_FAILURES_PER_ADDRESS": int(os.environ.get("STRIDE_LOGIN_MAX_PER_ADDRESS", 300)),
        # How long an activation code (new patient) and a reset code (from an admin) stay good.
        "ACTIVATION_CODE_TTL": timedelta(
            hours=int(os.environ.get("STRIDE_ACTIVATION_CODE_TTL_HOURS", 24 * 7))
        ),
        "RESET_CODE_TTL": timedelta(hours=int(os.environ.get("STRIDE_RESET_CODE_TTL_HOURS", 24))),
        # Admins always sign in with a second factor (TOTP); with STRIDE_MFA_STAFF=1 physios
        # and clinicians must too (services/mfa.py).
        "MFA_STAFF": os.environ.get("STRIDE_MFA_STAFF", "0").strip().lower() in ("1", "true"),
        # Reverse proxies in front of the app whose X-Forwarded-For/-Proto to trust (ProxyFix);
        # 0 (the default) trusts none: the client address is the TCP peer's.
        "TRUSTED_PROXIES": int(os.environ.get("STRIDE_TRUSTED_PROXIES", 0)),
        # Strict-Transport-Security max-age on answers to HTTPS requests (TLS to this server, or
        # a trusted proxy's X-Forwarded-Proto: https); 0 sends no HSTS header.
        "HSTS_MAX_AGE": int(os.environ.get("STRIDE_HSTS_MAX_AGE", 365 * 24 * 3600)),
        # Offered as tap-to-call buttons after urgent advice (the app keeps them offline).
        "EMERGENCY_NUMBER": os.environ.get("STRIDE_EMERGENCY_NUMBER", "999"),
        "CLINIC_PHONE": os.environ.get("STRIDE_CLINIC_PHONE", ""),
        # The address patients' invitations name; empty: the address the staff's request came to.
        "PUBLIC_URL": public_url(os.environ.get("STRIDE_PUBLIC_URL", "")),
        # EHRs that may call the CDS Hooks service, by JWT issuer: a JSON file (docs/interop.md,
        # "CDS Hooks"); none by default.
        "CDS_CLIENTS": cds_clients(os.environ.get("STRIDE_CDS_CLIENTS", "")),
        # Processes the scheduler's sweeps run in (PostgreSQL only; SQLite always uses one).
        "SWEEP_WORKERS": int(os.environ.get("STRIDE_SWEEP_WORKERS", 1)),
        "API_TITLE": "Stride API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        # Swagger UI from the installed flask-swagger-ui package (server/api/docs.py), never a CDN.
        "OPENAPI_SWAGGER_UI_URL": "/api/v1/docs/assets/",
        "JSON_SORT_KEYS": False,
        "MAX_CONTENT_LENGTH": 4 * 1024 * 1024,
    }


def engine_options(database_url: str) -> dict:
    """Return the connection pool settings: pre-ping on SQLite, a sized pool on PostgreSQL.

    On PostgreSQL a pre-ping would cost every request one more round trip; instead a
    connection is recycled after STRIDE_DB_POOL_RECYCLE seconds, pinged only when it sat idle
    in the pool (server/database.py), and a request whose token lookup meets a dead connection
    is retried once on a fresh one (server/api/base.py).
    """
    # hide_parameters: SQL logging and database errors never show values (passwords' hashes,
    # tokens' hashes, pain scores, notes), even at DEBUG.
    options: dict = {"pool_pre_ping": True, "hide_parameters": True}
    if database_url.startswith("postgresql"):
        options["pool_pre_ping"] = False
        options["pool_recycle"] = int(os.environ.get("STRIDE_DB_POOL_RECYCLE", 1800))
        # Per process: PostgreSQL sees processes x (pool_size + max_overflow) connections.
        options["pool_size"] = int(os.environ.get("STRIDE_DB_POOL_SIZE", 5))
        options["max_overflow"] = int(os.environ.get("STRIDE_DB_MAX_OVERFLOW", 5))
    return options


def public_url(value: str) -> str:
    """Return STRIDE_PUBLIC_URL without a trailing slash; refuse to start with a broken one."""
    value = value.strip().rstrip("/")
    problem = value and server_problem(value)
    if problem:
        raise ValueError(f"STRIDE_PUBLIC_URL={value!r} cannot be used: {problem}")
    return value


def cds_clients(path: str) -> dict:
    """Return the CDS clients of STRIDE_CDS_CLIENTS's file; refuse to start with a broken one."""
    if not path.strip():
        return {}
    from server.services.cds import ClientsFileError, load_clients_file

    try:
        return load_clients_file(path.strip())
    except ClientsFileError as error:
        raise ValueError(f"STRIDE_CDS_CLIENTS cannot be used: {error}") from None
