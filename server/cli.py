"""Command line: `flask --app server users|protocols|demo|export ...` and `db backup`."""

import os
import sys
from pathlib import Path

import click
from flask import Flask
from flask.cli import AppGroup
from flask_migrate.cli import db as migrate_cli
from sqlalchemy import select

from server.database import begin_writing, reset, start_reading
from server.extensions import db
from server.models import User
from server.models.users import ROLES
from server.protocols.loader import validate_files
from server.services import audit, auth, mfa
from server.services import protocols as protocol_service
from server.services.accounts import create_user
from server.services.errors import ServiceError

users_cli = AppGroup("users", help="Manage accounts.")
protocols_cli = AppGroup("protocols", help="Validate and load protocol files.")
demo_cli = AppGroup("demo", help="Demo data.")


@users_cli.command("create")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--email", required=True)
@click.option("--name", "display_name", default=None, help="Display name (default: the email).")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create_user_command(role, email, display_name, password):
    """Create an account (patients are better created over the API, in a care team)."""
    if role == "patient":
        raise click.UsageError("create patients with POST /api/v1/patients, in a care team")
    try:
        user = create_user(
            db.session,
            email=email,
            display_name=display_name or email,
            role=role,
            password=password,
        )
        db.session.commit()
    except ServiceError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"created {user.role} {user.email} (id {user.id})")


@users_cli.command("reset-mfa")
@click.option("--email", required=True)
def reset_mfa_command(email):
    """Remove an account's second factor and revoke its tokens (the last admin lost the phone)."""
    user = db.session.scalar(select(User).where(User.email == auth.normalise_email(email)))
    if user is None:
        raise click.ClickException(f"no account with the email {email}")
    mfa.reset(db.session, user)
    audit.record(db.session, None, "user.mfa_reset", audit.Subject("user", user.id), "cli")
    auth.revoke_all(db.session, user)
    click.echo(f"reset the second factor of {user.email}: it enrols again at its next sign-in")


@protocols_cli.command("validate")
@click.argument("paths", nargs=-1, type=click.Path())
def validate_command(paths):
    """Check protocol files (default: every file in protocols/); one line per problem."""
    docs, problems = validate_files(list(paths) or None)
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        sys.exit(1)
    click.echo(f"{len(docs)} protocol file(s) valid")


@protocols_cli.command("load")
@click.argument("paths", nargs=-1, type=click.Path())
def load_command(paths):
    """Store new protocol versions; refuses to change a stored version in place."""
    docs, problems = validate_files(list(paths) or None)
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        sys.exit(1)
    outcomes = protocol_service.load_documents(db.session, list(docs.values()))
    for outcome in outcomes:
        click.echo(str(outcome), err=outcome.status == "refused")
    if any(o.status == "refused" for o in outcomes):
        sys.exit(1)


@protocols_cli.command("render")
@click.argument("out_dir", type=click.Path(file_okay=False))
@click.argument("paths", nargs=-1, type=click.Path())
def render_command(out_dir, paths):
    """Draw every exercise's figure: key-pose PNGs, an animated PNG and a contact sheet."""
    from server.protocols.render import render_protocol

    docs, problems = validate_files(list(paths) or None)
    for problem in problems:
        click.echo(str(problem), err=True)
    if problems:
        sys.exit(1)
    for doc in docs.values():
        written = render_protocol(doc, Path(out_dir))
        folder = written[-1].parent
        click.echo(f"{doc['id']} v{doc['version']}: {len(written)} image(s) in {folder}")


@demo_cli.command("seed")
@click.option("--today", default=None, help="Pretend today is this date (YYYY-MM-DD).")
def seed_command(today):
    """Create demo accounts and 8-14 weeks of patient history (skips if already seeded)."""
    from server.demo import seed_demo

    try:
        lines = seed_demo(db.session, today)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--today") from None
    for line in lines:
        click.echo(line)


scheduler_cli = AppGroup("scheduler", help="The one scheduler process.")
sweep_cli = AppGroup("sweep", help="Escalation sweeps.")


@scheduler_cli.command("run")
def scheduler_run_command():
    """Run the scheduler process (one per deployment): hourly sweeps, catch-up on start."""
    from flask import current_app

    from server.scheduler import SchedulerAlreadyRunning, run_scheduler

    try:
        run_scheduler(current_app._get_current_object())
    except SchedulerAlreadyRunning as error:
        raise click.ClickException(f"not starting: {error}") from None
    except (KeyboardInterrupt, SystemExit):
        click.echo("scheduler stopped")


@sweep_cli.command("run")
@click.option(
    "--date",
    "as_of",
    type=click.DateTime(["%Y-%m-%d"]),
    default=None,
    help="Judge every patient as of this local date (default: each one's today).",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Worker processes judging plans at once (PostgreSQL; SQLite always uses one).",
)
@click.option("--batch", default=200, show_default=True, help="Plans a worker claims at a time.")
def sweep_run_command(as_of, workers, batch):
    """Run one escalation sweep now and print what it did."""
    from flask import current_app

    from server.sweep_workers import sweep_with_workers, workers_allowed

    app = current_app._get_current_object()
    workers, why = workers_allowed(app, workers)
    if why:
        click.echo(why, err=True)
    db.session.remove()
    if batch < 1:
        raise click.BadParameter("must be at least 1", param_hint="--batch")
    as_of = as_of.date() if as_of else None
    run = sweep_with_workers(app, workers, kind="manual", as_of=as_of, batch_size=batch)
    _echo_run(run)


@sweep_cli.command("work")
@click.argument("run_id", type=int)
@click.option("--batch", default=200, show_default=True, help="Plans claimed at a time.")
def sweep_work_command(run_id, batch):
    """Join a sweep started with --workers (e.g. from another host) and judge what is left."""
    from server.services.sweep_queue import finished, work_on

    if batch < 1:
        raise click.BadParameter("must be at least 1", param_hint="--batch")
    judged = work_on(db.session, run_id, batch)
    run = finished(db.session, run_id)
    if run is None:
        raise click.ClickException(f"no sweep run {run_id}")
    click.echo(f"judged {judged} plans of sweep {run_id} ({run.status})")


def _echo_run(run):
    """Print what a sweep did, and its errors."""
    if run is None:
        raise click.ClickException("another sweep holds this slot")
    if run.finished_at is None:
        click.echo(f"sweep {run.id} did not finish: the next sweep judges what it left", err=True)
        sys.exit(1)
    seconds = (run.finished_at - run.started_at).total_seconds()
    click.echo(
        f"sweep {run.id}: {run.plans_seen} plans seen, {run.plans_evaluated} evaluated, "
        f"{run.findings} findings, {run.alerts_created} new alerts, {run.errors} errors "
        f"in {seconds:.2f} s"
    )
    for problem in run.error_log:
        click.echo(f"  error: plan {problem['plan_id']}: {problem['error']}", err=True)


@migrate_cli.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="Replace PATH if it exists.")
def backup_command(path, force):
    """Back up the database to PATH while the server runs (SQLite copy, or pg_dump)."""
    import shutil
    import subprocess

    from server.database import backup_sqlite, pg_dump_command

    if os.path.exists(path) and not force:
        raise click.ClickException(f"{path} exists; pass --force to replace it")
    url = db.engine.url
    if url.get_backend_name() == "sqlite":
        if url.database in (None, "", ":memory:"):
            raise click.ClickException("an in-memory database cannot be backed up")
        counts = backup_sqlite(url.database, path)
        click.echo(f"backed up {url.database} to {path}: {sum(counts.values())} rows")
        for table, rows in counts.items():
            click.echo(f"  {table}: {rows}")
        click.echo(f"restore: stop the server and scheduler, then copy {path} over the database")
        return
    args, env = pg_dump_command(url, path)
    restore = f"pg_restore --no-owner --dbname=NEW_DATABASE {path}"
    if shutil.which("pg_dump") is None:
        click.echo("pg_dump is not installed here. On a machine with PostgreSQL's client tools:")
        click.echo("  " + " ".join(args))
        click.echo(f"and to restore into an empty database: {restore}")
        sys.exit(1)
    done = subprocess.run(args, env={**os.environ, **env}, capture_output=True, text=True)
    if done.returncode != 0:
        raise click.ClickException(f"pg_dump failed: {done.stderr.strip()}")
    click.echo(f"backed up {url.database} to {path} (pg_dump custom format)")
    click.echo(f"restore into an empty database: {restore}")


export_cli = AppGroup("export", help="Export records in interchange formats.")


@export_cli.command("fhir")
@click.argument("folder", type=click.Path())
@click.option("--force", is_flag=True, help="Write into a folder that is not empty.")
@click.option("--batch", default=100, show_default=True, help="Patients read at a time.")
def export_fhir_command(folder, force, batch):
    """Write every patient's record as FHIR NDJSON files (Bulk Data layout) into FOLDER.

    One file per resource type and a manifest.json listing them; with --force, the old
    export's files in FOLDER are replaced and other files are left alone.
    """
    from server.fhir.export import MANIFEST, count_patients, write_bulk

    if os.path.exists(folder) and not os.path.isdir(folder):
        raise click.ClickException(f"{folder} is a file, not a folder: give a folder to export to")
    if os.path.isdir(folder) and os.listdir(folder):
        if not force:
            raise click.ClickException(
                f"{folder} is not empty; pass --force to replace an earlier export in it"
            )
        for name in os.listdir(folder):
            if name.endswith(".ndjson") or name == MANIFEST:
                os.remove(os.path.join(folder, name))
    if batch < 1:
        raise click.BadParameter("must be at least 1", param_hint="--batch")
    os.makedirs(folder, exist_ok=True)
    # One read transaction (one snapshot of the clinic): on SQLite it never takes the write
    # lock, so patients' syncs go on while the export runs; the audit event is written after.
    mode = start_reading()
    try:
        total = count_patients(db.session)
        with click.progressbar(length=total, label="Exporting patients", file=sys.stderr) as bar:
            manifest = write_bulk(db.session, folder, batch=batch, progress=bar.update)
        begin_writing(db.session)
        audit.record(db.session, None, "fhir.bulk_export", audit.Subject(), "cli")
        db.session.commit()
    finally:
        reset(mode)
    resources = sum(item["count"] for item in manifest["output"])
    click.echo(f"exported {total} patients as {resources} resources to {folder}")
    for item in manifest["output"]:
        click.echo(f"  {item['url']}: {item['count']}")


def register_cli(app: Flask) -> None:
    """Attach the command groups to the app."""
    groups = (users_cli, protocols_cli, demo_cli, scheduler_cli, sweep_cli, export_cli)
    for group in groups:
        app.cli.add_command(group)
