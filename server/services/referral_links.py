"""Signed, short-lived links to an alert's referral packet, for readers without a Stride token.

An EHR shows a CDS Hooks card's link in a browser, which cannot send a bearer token: the link
carries a signature over the alert id and who it was made for (a CDS client id), made with the
app's secret key and good for `ttl`. It opens that one packet and nothing else.
"""

from datetime import timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

SALT = "stride.referral-packet"
DEFAULT_TTL = timedelta(hours=24)


class LinkRefused(Exception):
    """The link is forged, for another alert, or expired (the message says which)."""


def _serializer(secret_key: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(secret_key, salt=SALT)


def make_link_token(secret_key: str, alert_id: int, issued_to: str) -> str:
    """Return the signed token of a link to alert `alert_id`'s packet, made for `issued_to`."""
    return _serializer(secret_key).dumps({"alert": alert_id, "for": issued_to})


def check_link_token(
    secret_key: str, token: str, alert_id: int, ttl: timedelta = DEFAULT_TTL
) -> str:
    """Return who the link was made for, or raise LinkRefused."""
    try:
        data = _serializer(secret_key).loads(token, max_age=ttl.total_seconds())
    except SignatureExpired:
        raise LinkRefused("This referral link has expired; open the alert again.") from None
    except BadSignature:
        raise LinkRefused("This referral link is not valid.") from None
    if not isinstance(data, dict) or data.get("alert") != alert_id:
        raise LinkRefused("This referral link is for another alert.")
    return str(data.get("for", ""))
