"""Security headers on every answer: no sniffing, no caching of patient data, HSTS over HTTPS."""

from flask import Flask, Response, request

# The docs page runs Swagger UI from this server only: scripts, styles and images from the same
# origin (images also as data: URIs, which Swagger UI draws its icons with), requests only to this
# API, and no framing (clickjacking).
DOCS_CSP = "; ".join(
    (
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
    )
)
DOCS_PAGE = "api-docs.openapi_swagger_ui"
DOCS_ASSETS = "api-docs-assets"
# Answers that hold no personal data and never change (a protocol version's exercise figures):
# they keep the caching their view set.
CACHEABLE = {"protocols.figure"}


def register_security_headers(app: Flask) -> None:
    """Add the headers to every response the app sends, errors included."""
    hsts_max_age = app.config["HSTS_MAX_AGE"]

    @app.after_request
    def _headers(response: Response) -> Response:
        response.headers["X-Content-Type-Options"] = "nosniff"
        cacheable = request.endpoint in CACHEABLE and response.status_code in (200, 304)
        if request.blueprint != DOCS_ASSETS and not cacheable:
            # Answers carry patient data and tokens: no browser, proxy or app cache keeps them.
            # The docs' static assets keep send_file's revalidated caching (no-cache + ETag).
            response.headers["Cache-Control"] = "no-store"
        if request.endpoint == DOCS_PAGE:
            response.headers["Content-Security-Policy"] = DOCS_CSP
            response.headers["X-Frame-Options"] = "DENY"
        # request.is_secure: TLS to this server, or (with STRIDE_TRUSTED_PROXIES set) a trusted
        # proxy's X-Forwarded-Proto: https. Without trusted proxies that header is ignored.
        if hsts_max_age and request.is_secure:
            response.headers["Strict-Transport-Security"] = f"max-age={hsts_max_age}"
        return response
