"""The command line an operator uses: accounts, protocol files, demo data, sweeps."""

from sqlalchemy import func, select

from server.extensions import db
from server.models import ProtocolVersion, SweepRun, User

BAD_PROTOCOL = """
id: broken-protocol
version: 1
title: Broken
condition: Test
summary: A protocol with a negative hold.
care_type: conservative
conservative_trial_weeks: 12
references: [{id: ref, citation: "A source"}]
phases:
  - id: only
    title: Only phase
    start_week: 0
    exercises:
      - id: hold
        name: Hold
        category: stretch
        instructions: ["Hold it."]
        dose: {sets: 1, reps: 1, hold_s: -5}
        stop_if: [{id: pain, level: stop, text: "Pain"}]
        regression: Less.
        progression: More.
"""


def test_validate_names_file_field_and_reason_and_fails(clean_app, tmp_path):
    path = tmp_path / "broken-protocol.yaml"
    path.write_text(BAD_PROTOCOL)
    result = clean_app.test_cli_runner().invoke(args=["protocols", "validate", str(path)])
    assert result.exit_code != 0
    assert "broken-protocol.yaml: phases[0].exercises[0].dose.hold_s:" in result.output


def test_validate_passes_on_the_shipped_protocols(clean_app):
    result = clean_app.test_cli_runner().invoke(args=["protocols", "validate"])
    assert result.exit_code == 0, result.output


def test_load_is_idempotent(clean_app):
    runner = clean_app.test_cli_runner()
    result = runner.invoke(args=["protocols", "load"])
    assert result.exit_code == 0, result.output
    assert "unchanged" in result.output and "loaded" not in result.output.replace("unchanged", "")
    with clean_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(ProtocolVersion)) == 5


def test_users_create_makes_a_staff_account_and_refuses_patients(clean_app):
    runner = clean_app.test_cli_runner()
    made = runner.invoke(
        args=[
            "users",
            "create",
            "--role",
            "clinician",
            "--email",
            "Surgeon@Example.org",
            "--password",
            "long enough pass",
        ]
    )
    assert made.exit_code == 0, made.output
    with clean_app.app_context():
        user = db.session.scalar(select(User).where(User.email == "surgeon@example.org"))
        assert user.role == "clinician"
    again = runner.invoke(
        args=[
            "users",
            "create",
            "--role",
            "clinician",
            "--email",
            "surgeon@example.org",
            "--password",
            "long enough pass",
        ]
    )
    assert again.exit_code != 0 and "already exists" in again.output
    patient = runner.invoke(
        args=[
            "users",
            "create",
            "--role",
            "patient",
            "--email",
            "p@example.org",
            "--password",
            "long enough pass",
        ]
    )
    assert patient.exit_code != 0


def test_demo_seed_refuses_a_future_date_cleanly(clean_app):
    result = clean_app.test_cli_runner().invoke(args=["demo", "seed", "--today", "2999-01-01"])
    assert result.exit_code != 0
    assert "--today" in result.output and "Traceback" not in result.output


def test_sweep_run_reports_what_it_did(clean_app):
    runner = clean_app.test_cli_runner()
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    result = runner.invoke(args=["sweep", "run"])
    assert result.exit_code == 0, result.output
    assert "0 errors" in result.output and "new alerts" in result.output
    with clean_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(SweepRun)) == 1


def test_users_reset_mfa_lets_an_admin_who_lost_the_phone_enrol_again(clean_app):
    import pyotp

    from server.models import AuditEvent, MfaFactor
    from server.services.accounts import create_user
    from server.services.mfa import enrol_with_secret

    with clean_app.app_context():
        user = create_user(
            db.session,
            email="boss@example.org",
            display_name="B",
            role="admin",
            password="a lost phone, sadly",
        )
        enrol_with_secret(db.session, user, pyotp.random_base32())
        db.session.commit()
        user_id = user.id
    runner = clean_app.test_cli_runner()
    done = runner.invoke(args=["users", "reset-mfa", "--email", "Boss@example.org"])
    assert done.exit_code == 0, done.output
    assert "enrols again at its next sign-in" in done.output
    missing = runner.invoke(args=["users", "reset-mfa", "--email", "nobody@example.org"])
    assert missing.exit_code == 1 and "no account with the email" in missing.output
    with clean_app.app_context():
        assert db.session.get(MfaFactor, user_id) is None
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.mfa_reset"))
        assert (event.actor_id, event.object_id, event.address) == (None, user_id, "cli")
