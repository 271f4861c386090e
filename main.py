"""The entry point python-for-android and kivy-ios run (buildozer.spec): the Stride app."""

import os


def trust_certifi() -> None:
    """Let HTTPS verify the server on a phone, where OpenSSL finds no CA file of the system."""
    os.environ.setdefault("KIVY_NO_ARGS", "1")  # our arguments are not Kivy's (mobile/__main__)
    from kivy.utils import platform

    if platform in ("android", "ios"):
        import certifi

        os.environ.setdefault("SSL_CERT_FILE", certifi.where())


if __name__ == "__main__":
    trust_certifi()
    from mobile.__main__ import main

    main()
