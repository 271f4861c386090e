"""Schemathesis from the outside: its CLI against a running Stride server, once per role.

    python -m tools.outside_schemathesis http://127.0.0.1:8000 \\
        --sign-in patient=amelia.hughes@stride.example:stride-demo-1 \\
        --token admin=TOKEN

A role's token comes from `--token ROLE=TOKEN`, else the STRIDE_SCHEMATHESIS_TOKEN_<ROLE>
variable, else a sign-in over HTTP (`--sign-in ROLE=EMAIL:PASSWORD`): an account that needs a
second factor is signed in by hand and its token given. The OpenAPI document is read from the
server without flask-smorest's catch-all "default" responses, so an undeclared status fails.
Every check of schemathesis runs, in every phase, on one worker (see PHASES: Python 3.11.7).

The operations that revoke tokens (sign-out, an admin's revocation of an account's tokens) run
last, after every role's main run, each role with a token of its own: run earlier they would
end the other runs' sessions and leave them testing nothing but 401s.
Exit status 0 only when no run found a failure or an error.
"""

import argparse
import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import requests

ROLES = ("patient", "physio", "clinician", "admin")
DEMO_PASSWORD = "stride-demo-1"
DEMO_LOGINS = {
    "patient": "amelia.hughes@stride.example",
    "physio": "physio@stride.example",
    "clinician": "clinician@stride.example",
    "admin": "admin@stride.example",
}
# Operations whose calls end sessions: run last (see the module docstring).
LAST = r"/tokens$"
# All four phases, on one worker. With several workers (threads) the coverage phase crashes on
# CPython 3.11.7: "SystemError: AST constructor recursion depth mismatch" from concurrent
# ast.parse calls (the AST constructor's depth counter is shared; CPython gh-106905). One
# worker per run never parses concurrently; seen clean with schemathesis 4.32.5 and
# hypothesis 6.170.17 on 3.11.7 (docs/deploy.md, "Schemathesis from the outside").
PHASES = "examples,coverage,fuzzing,stateful"
# Operations that refuse some schema-valid requests for a rule OpenAPI 3.0 cannot state: a
# relation between fields, a lookup among stored records, a secret only the caller knows, or a
# date judged in the patient's time zone. For these (and only these) a 422 answers such a
# request correctly, so schemathesis' positive_data_acceptance also expects it; every other
# operation must take every request its schema allows. 409 and 429 are expected everywhere.
SEMANTIC_REFUSALS = {
    ("PUT", "/api/v1/me/password"): "current_password must be the account's password",
    ("POST", "/api/v1/me/mfa/confirmation"): "the code must be the authenticator's code now",
    ("POST", "/api/v1/me/mfa/recovery-codes"): "the code must be the authenticator's code now",
    ("POST", "/api/v1/auth/activation"): "the code must be one staff issued to this email",
    ("POST", "/api/v1/users"): "the password must not be common or contain the email or name",
    ("POST", "/api/v1/patients"): "the time zone must be an IANA zone; the care team real staff",
    ("POST", "/api/v1/patients/{patient_id}/care-team"): "staff_id must be a physio or clinician",
    ("POST", "/api/v1/patients/{patient_id}/plans"): "protocol_id/version must be loaded",
    ("PATCH", "/api/v1/plans/{plan_id}"): "operations must name exercises and phases of the plan",
    ("GET", "/api/v1/plans/{plan_id}/schedule"): "`to` on or after `from`, at most 366 days",
    ("POST", "/api/v1/alerts/{alert_id}/decision"): "the decisions this alert's rule offers",
    **{
        ("POST", f"/api/v1/patients/{{patient_id}}/{kind}"): "dates within the patient's care, "
        "not after tomorrow in their time zone; answers that depend on one another"
        for kind in (
            "exercise-logs",
            "pain-logs",
            "red-flag-checks",
            "postop-checks",
            "outcome-measures",
            "clinical-events",
        )
    },
}
SEMANTIC_STATUSES = ["2xx", "401", "403", "404", "409", "422", "429"]
EXAMPLES = int(os.environ.get("STRIDE_SCHEMATHESIS_EXAMPLES", "5"))


@dataclass
class Result:
    """What one schemathesis run found."""

    name: str
    exit_code: int
    failures: list[str] = field(default_factory=list)  # "ST202 title: METHOD /path"
    errors: list[str] = field(default_factory=list)
    log: Path | None = None
    seconds: float = 0.0
    phases: dict = field(default_factory=dict)  # phase -> status

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.failures and not self.errors


def openapi_document(base: str) -> dict:
    """Return the server's OpenAPI document without the catch-all "default" responses."""
    response = requests.get(f"{base}/api/v1/openapi.json", timeout=30)
    response.raise_for_status()
    spec = response.json()
    for operations in spec["paths"].values():
        for operation in operations.values():
            if isinstance(operation, dict):
                operation.get("responses", {}).pop("default", None)
    return spec


def sign_in(base: str, email: str, password: str) -> str:
    """Return a new bearer token for the account, signed in over HTTP."""
    response = requests.post(
        f"{base}/api/v1/auth/tokens", json={"email": email, "password": password}, timeout=30
    )
    if response.status_code != 201:
        raise RuntimeError(f"sign-in as {email}: {response.status_code} {response.text[:300]}")
    return response.json()["token"]


def command(spec: Path, base: str, token: str, selection: list, report: Path, seed: int) -> list:
    """Return the schemathesis command line of one run over the selected operations."""
    return [
        str(Path(sys.executable).with_name("schemathesis")),
        "--config-file",
        str(config_file(report.parent)),
        "run",
        str(spec),
        "--url",
        base,
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        "all",
        "--phases",
        PHASES,
        "--max-examples",
        str(EXAMPLES),
        "--seed",
        str(seed),
        "--workers",
        "1",
        "--generation-database",
        "none",  # nothing written into the work tree; the seed makes runs repeatable
        "--generation-with-security-parameters",
        "false",  # the token is ours to send, never a fuzzed "parameter"
        "--request-timeout",
        "30",
        # Speed is bench/api.py's to measure, not a check's: schemathesis' default 10-second
        # response limit failed a 403 that a machine loaded by other work answered in 10.7 s.
        # A request still fails when it outlasts the request timeout (a hang).
        "--max-response-time",
        "30",
        "--report",
        "json",
        "--report-json-path",
        str(report),
        "--no-color",
        *selection,
    ]


def config_file(workdir: Path) -> Path:
    """Write the schemathesis.toml of SEMANTIC_REFUSALS into `workdir`; return its path."""
    blocks = []
    for (method, path), reason in SEMANTIC_REFUSALS.items():
        blocks.append(
            f"# {reason}\n[[operations]]\ninclude-method = \"{method}\"\n"
            f"include-path = \"{path}\"\n"
            f"checks.positive_data_acceptance.expected-statuses = {json.dumps(SEMANTIC_STATUSES)}\n"
        )
    target = workdir / "schemathesis.toml"
    target.write_text("\n".join(blocks))
    return target


def start(name: str, args: list, workdir: Path) -> tuple:
    """Start one schemathesis run; return what `finish` needs."""
    log = workdir / f"{name}.log"
    out = open(log, "w")  # noqa: SIM115 (closed by finish)
    process = subprocess.Popen(args, stdout=out, stderr=subprocess.STDOUT, cwd=workdir)
    return name, process, out, log


def finish(name: str, process: subprocess.Popen, out, log: Path) -> Result:
    """Wait for a run to end and read its JSON report."""
    exit_code = process.wait()
    out.close()
    result = Result(name, exit_code, log=log)
    report_path = log.with_suffix(".json")
    if not report_path.exists():
        result.errors.append(f"no report (exit {exit_code}); see {log}")
        return result
    body = json.loads(report_path.read_text())
    result.seconds = body["running_time"]
    result.phases = {name: phase["status"] for name, phase in body["phases"].items()}
    for failure in body["failures"]:
        for operation in failure["operations"]:
            result.failures.append(f"{failure['code']} {failure['title']}: {operation}")
    result.errors.extend(json.dumps(error)[:500] for error in body["errors"])
    return result


def run(
    base: str,
    tokens: dict[str, tuple[str, str]],
    workdir: Path,
    seed: int = 1,
    *,
    only: str | None = None,
    edit: Callable[[dict], None] | None = None,
) -> list:
    """Run every role's main run, then every role's token-revoking run; return the results.

    The roles' runs go side by side (separate processes, each on one worker): a run mostly
    waits for the server, so this roughly halves the time on two cores. `tokens` maps a role
    to two tokens: one for its main run, one for its last run (the same token twice is fine
    when only one can be had: it is revoked at the very end). `only` (a path regex) makes one
    round over those paths alone; `edit` changes the document first (to test the harness).
    """
    workdir.mkdir(parents=True, exist_ok=True)
    document = openapi_document(base)
    if edit:
        edit(document)
    spec = workdir / "openapi.json"
    spec.write_text(json.dumps(document))
    rounds = [("", 0, ["--exclude-path-regex", LAST]), ("-last", 1, ["--include-path-regex", LAST])]
    if only:
        rounds = [("", 0, ["--include-path-regex", only])]
    results = []
    for suffix, which, selection in rounds:
        started = []
        try:
            for role, pair in tokens.items():
                name = role + suffix
                report_path = workdir / f"{name}.json"
                report_path.unlink(missing_ok=True)
                args = command(spec, base, pair[which], selection, report_path, seed)
                started.append(start(name, args, workdir))
            results.extend(finish(*run_) for run_ in started)
        finally:
            for _, process, out, _ in started:  # only left running when something raised
                if process.poll() is None:
                    process.kill()
                    process.wait()
                out.close()
    return results


def tokens_for(base: str, given: dict[str, str], logins: dict[str, tuple[str, str]]) -> dict:
    """Return two tokens per role: given ones (flag or environment), else two sign-ins.

    Every sign-in happens before any run: the runs' generated sign-ins fail, and enough
    failures from one address throttle it.
    """
    tokens = {}
    for role in ROLES:
        token = given.get(role) or os.environ.get(f"STRIDE_SCHEMATHESIS_TOKEN_{role.upper()}")
        if token:
            tokens[role] = (token, token)
        elif role in logins:
            email, password = logins[role]
            tokens[role] = (sign_in(base, email, password), sign_in(base, email, password))
    return tokens


def report(results: list) -> str:
    """Return a summary: one line per run, then every failure and error."""
    lines = []
    for result in results:
        state = "ok" if result.ok else f"{len(result.failures)} failures"
        phases = ", ".join(f"{k} {v}" for k, v in result.phases.items())
        lines.append(
            f"{result.name}: exit {result.exit_code}, {state} in {result.seconds:.0f} s"
            f" ({phases}; log {result.log})"
        )
        lines.extend(f"  {line}" for line in result.failures + result.errors)
    return "\n".join(lines)


def _pairs(values: list[str], what: str) -> dict[str, str]:
    pairs = {}
    for value in values:
        role, sep, rest = value.partition("=")
        if not sep or role not in ROLES:
            raise SystemExit(f"{what} takes ROLE=..., ROLE one of {', '.join(ROLES)}: {value!r}")
        pairs[role] = rest
    return pairs


def main(argv: list[str] | None = None) -> int:
    """Run from the command line; exit 0 only when nothing failed."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("url", help="the server's base URL, e.g. http://127.0.0.1:8000")
    parser.add_argument("--token", action="append", default=[], metavar="ROLE=TOKEN")
    parser.add_argument("--sign-in", action="append", default=[], metavar="ROLE=EMAIL:PASSWORD")
    parser.add_argument("--demo", action="store_true", help="sign in as the demo accounts")
    parser.add_argument("--workdir", default="schemathesis-outside", type=Path)
    parser.add_argument("--seed", default=1, type=int)
    args = parser.parse_args(argv)
    base = args.url.rstrip("/")
    logins = {r: (e, DEMO_PASSWORD) for r, e in DEMO_LOGINS.items()} if args.demo else {}
    for role, value in _pairs(args.sign_in, "--sign-in").items():
        email, _, password = value.partition(":")
        logins[role] = (email, password)
    tokens = tokens_for(base, _pairs(args.token, "--token"), logins)
    if not tokens:
        parser.error("no role to test: give --token, --sign-in or --demo")
    results = run(base, tokens, args.workdir, args.seed)
    print(report(results))
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
