"""Stride server. `flask --app server` finds `create_app` here."""


def create_app(test_config=None):
    """Build the Flask application.

    Flask is imported lazily so that `domain` stays importable without it: the app
    reuses the domain core offline.
    """
    from server.app import build_app

    return build_app(test_config)
