"""`python -m mobile [--server URL] [--email E --password P] [--size 420x860]`: run the app."""

import argparse
import os
import sys


def parse(argv: list[str]) -> argparse.Namespace:
    """Read the command line."""
    parser = argparse.ArgumentParser(prog="python -m mobile", description="Run the Stride app.")
    parser.add_argument("--server", help="server URL (default: the remembered one)")
    parser.add_argument("--email", help="sign in as this account at start")
    parser.add_argument("--password", help="password of --email")
    # A phone-shaped window by default on desktop; phones and tablets ignore it.
    parser.add_argument("--size", default="420x860", help="desktop window WIDTHxHEIGHT")
    parser.add_argument("--data-dir", help="where the local store lives (default: user data dir)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Configure Kivy from the arguments and run the app."""
    args = parse(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("KIVY_NO_ARGS", "1")  # our arguments are not Kivy's
    from kivy.config import Config

    if args.size:
        width, height = (int(n) for n in args.size.lower().split("x"))
        Config.set("graphics", "width", str(width))
        Config.set("graphics", "height", str(height))
    Config.set("input", "mouse", "mouse,disable_multitouch")  # no red dots on right-click
    from mobile.app import StrideApp

    StrideApp(
        server_url=args.server, email=args.email, password=args.password, data_dir=args.data_dir
    ).run()


if __name__ == "__main__":
    main()
