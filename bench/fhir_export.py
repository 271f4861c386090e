"""Benchmark the bulk FHIR export on the sweep's bench database (16 weeks of history each).

Prints patients/s and resources/s of `export fhir`, the peak memory (RSS) of the exporting
process as the export goes on (flat: one batch of patients in memory at a time), and the ratio
to a raw dump of the same rows as JSON lines, measured in the same run.

    .venv/bin/python bench/fhir_export.py [--patients 250] [--weeks 16] [--batch 100] [--keep DIR]

The database is built by bench/sweep.py's builder, in a child process, so the figures are the
export's alone. The default (250 patients) takes a couple of minutes; the full bench database is
`--patients 10000` (forty times as many patients: about forty times as long at the same rate).
"""

import argparse
import json
import multiprocessing
import os
import resource
import sqlite3
import sys
import tempfile
import time
from datetime import date

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.sweep import build_database  # noqa: E402
from server import create_app  # noqa: E402
from server.extensions import db  # noqa: E402


def peak_mb() -> float:
    """Return this process's peak resident memory so far, in MB (Linux: ru_maxrss is KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def raw_dump_seconds(path: str, folder: str) -> tuple[float, int]:
    """Time the floor: every pain and exercise row read and written as one JSON line."""
    connection = sqlite3.connect(path)
    began, rows = time.perf_counter(), 0
    with open(os.path.join(folder, "raw.ndjson"), "w") as out:
        for table in ("pain_logs", "exercise_logs", "plans", "patients"):
            cursor = connection.execute(f"SELECT * FROM {table}")  # noqa: S608 (fixed names)
            names = [c[0] for c in cursor.description]
            for row in cursor:
                out.write(json.dumps(dict(zip(names, row, strict=True)), default=str) + "\n")
                rows += 1
    connection.close()
    os.remove(os.path.join(folder, "raw.ndjson"))
    return time.perf_counter() - began, rows


def export(path: str, folder: str, batch: int, patients: int):
    """Run the bulk export in this process; return (seconds, manifest, peaks by quarter)."""
    from server.fhir.export import write_bulk

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{path}"})
    peaks, done = [], [0]

    def progress(count: int) -> None:
        done[0] += count
        if len(peaks) < 4 and done[0] >= patients * (len(peaks) + 1) / 4:
            peaks.append(peak_mb())

    with app.app_context():
        began = time.perf_counter()
        manifest = write_bulk(db.session, folder, batch=batch, progress=progress)
        seconds = time.perf_counter() - began
        db.engine.dispose()
    return seconds, manifest, peaks


def main() -> None:
    """Build the bench database (once), export it, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=250)
    parser.add_argument("--weeks", type=int, default=16)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--keep", help="directory for the database (default: a temp dir)")
    args = parser.parse_args()
    import logging

    logging.disable(logging.INFO)
    folder = args.keep or tempfile.mkdtemp(prefix="stride-bench-")
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, f"fhir-{args.patients}x{args.weeks}.sqlite3")
    if not os.path.exists(path):
        began = time.perf_counter()
        child = multiprocessing.Process(
            target=build_database, args=(path, args.patients, args.weeks, date.today())
        )
        child.start()
        child.join()
        if child.exitcode != 0:
            sys.exit(f"building the bench database failed ({child.exitcode})")
        print(
            f"set-up: {args.patients} patients x {args.weeks} weeks in "
            f"{time.perf_counter() - began:.1f} s ({path})"
        )
    out = tempfile.mkdtemp(prefix="stride-fhir-", dir=folder)
    start_mb = peak_mb()
    raw, rows = raw_dump_seconds(path, out)
    seconds, manifest, peaks = export(path, out, args.batch, args.patients)
    resources = sum(item["count"] for item in manifest["output"])
    size = sum(os.path.getsize(os.path.join(out, i["url"])) for i in manifest["output"])
    print(f"raw dump of {rows:,} rows as JSON lines: {raw:.1f} s")
    print(
        f"FHIR export: {args.patients:,} patients, {resources:,} resources "
        f"({size / 1e6:,.0f} MB) in {seconds:.1f} s: {args.patients / seconds:,.1f} patients/s, "
        f"{resources / seconds:,.0f} resources/s; {seconds / raw:.1f}x the raw dump"
    )
    quarters = ", ".join(f"{mb:,.0f}" for mb in peaks)
    print(
        f"peak memory (RSS, MB): {start_mb:,.0f} before; after each quarter of the patients "
        f"{quarters} (batch {args.batch})"
    )
    for item in manifest["output"]:
        print(f"  {item['url']}: {item['count']:,}")


if __name__ == "__main__":
    main()
