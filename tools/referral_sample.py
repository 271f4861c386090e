"""`python -m tools.referral_sample [OUT]`: the referral packet of a demo patient, as PDF and PNG.

Seeds the demo data into a temporary SQLite file, runs the morning sweep, has the demo
clinician decide the first failed-trial alert with a note (as in the app), and writes
OUT/referral-sample.pdf (default OUT: docs/referral). With poppler's `pdftoppm` on the PATH it
also writes OUT/page-N.png, the pages as a surgeon sees them. Prints how long a packet takes.
Not part of CI: it is for looking at the packet.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
NOTE = (
    "Three months of good adherence without change; injection relief points to the piriformis. "
    "Please assess for surgical release."
)


def build(folder: str) -> tuple[bytes, float]:
    """Return a demo packet's PDF and the seconds its building took."""
    from flask_migrate import upgrade
    from sqlalchemy import select

    from server import create_app
    from server.demo import seed_demo
    from server.extensions import db
    from server.models import Alert, User
    from server.models.types import utcnow
    from server.reports import referral
    from server.services import alerts, referrals
    from server.services.sweep import run_sweep

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder}/demo.sqlite3"})
    with app.app_context():
        upgrade()
        seed_demo(db.session, None)
        run_sweep(db.session, kind="manual")
        clinician = db.session.scalar(select(User).where(User.role == "clinician"))
        alert_id = db.session.scalar(
            select(Alert.id).where(Alert.rule_id == "R-FAIL").order_by(Alert.id)
        )
        alert = alerts.alert_for(db.session, clinician, alert_id, lock=True)
        decisions = [d["id"] for d in alert.allowed_decisions]
        choice = next((d for d in decisions if "surgical" in d), decisions[0])
        alerts.decide(db.session, clinician, alert, choice, NOTE)
        started = time.perf_counter()
        packet = referrals.packet_for(db.session, clinician, alert_id)
        pdf = referral.render(packet, utcnow())
        return pdf, time.perf_counter() - started


def main(out: str) -> None:
    os.makedirs(out, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        pdf, seconds = build(folder)
    target = os.path.join(out, "referral-sample.pdf")
    with open(target, "wb") as file:
        file.write(pdf)
    print(f"{target}: {len(pdf)} bytes, built in {seconds:.2f} s")
    if shutil.which("pdftoppm"):
        subprocess.run(["pdftoppm", "-r", "110", "-png", target, os.path.join(out, "page")])
        print("pages:", ", ".join(sorted(f for f in os.listdir(out) if f.endswith(".png"))))
    else:
        print("pdftoppm not found (poppler-utils): no PNG pages written")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "docs", "referral"))
