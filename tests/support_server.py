"""A real ``pbxflow serve`` process for tests that kill and restart the server.

The process gets its own port, data directory and log file, and the database
given to it as ``DATABASE_URL``; no other PBXFLOW_* setting of the calling
environment leaks in (no AMI, no demo data).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import httpx
import psycopg

from pbxflow.database import Database

ADMIN_LOGIN = "admin"
ADMIN_PASSWORD = "operator-pass-1"
START_TIMEOUT = 120.0  # how long a start may take on a busy machine before the test gives up


def database_url(db: Database) -> str:
    """A DATABASE_URL for ``db``; a unix socket directory goes in ?host= (libpq style)."""
    auth = quote(db.user, safe="") + (":" + quote(db.password, safe="") if db.password else "")
    name = quote(db.dbname, safe="")
    if db.host.startswith("/"):
        return f"postgresql://{auth}@/{name}?host={quote(db.host, safe='')}&port={db.port}"
    return f"postgresql://{auth}@{db.host}:{db.port}/{name}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServerProcess:
    def __init__(self, db: Database, workdir: Path):
        self.db = db
        self.workdir = workdir
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log_path = workdir / "server.log"
        env = {k: v for k, v in os.environ.items() if not k.startswith("PBXFLOW_") and k != "DATABASE_URL"}
        env.update(
            DATABASE_URL=database_url(db),
            PBXFLOW_HOST="127.0.0.1",
            PBXFLOW_PORT=str(self.port),
            PBXFLOW_ADMIN_LOGIN=ADMIN_LOGIN,
            PBXFLOW_ADMIN_PASSWORD=ADMIN_PASSWORD,
            PBXFLOW_DATA_DIR=str(workdir / "data"),
        )
        self.env = env
        self.proc: subprocess.Popen | None = None

    # --- lifecycle ----------------------------------------------------------------

    def start(self) -> None:
        assert not self.running, "already running"
        with open(self.log_path, "ab") as log:
            log.write(b"\n--- start ---\n")
            log.flush()
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "pbxflow.cli", "serve"],
                cwd=self.workdir, env=self.env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, connections just drop."""
        assert self.running, "not running"
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()

    def stop(self) -> None:
        if not self.running:
            return
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except FileNotFoundError:
            return ""

    # --- talking to it -----------------------------------------------------------

    def health(self) -> dict | None:
        try:
            r = httpx.get(f"{self.base_url}/api/health", timeout=5)
        except httpx.TransportError:
            return None
        return r.json() if r.status_code == 200 else None

    def wait_ready(self, *, caught_up: bool = False, timeout: float = START_TIMEOUT) -> dict:
        """Until /api/health answers (and, with caught_up, shows the projection at the head)."""
        deadline = time.monotonic() + timeout
        while True:
            if not self.running:
                raise AssertionError(f"server exited with {self.proc.returncode}:\n{self.log_tail()}")
            health = self.health()
            if health is not None and (not caught_up or health["lag"] == 0):
                return health
            if time.monotonic() > deadline:
                raise AssertionError(f"server not ready after {timeout:.0f} s (last health {health}):\n{self.log_tail()}")
            time.sleep(0.1)

    def client(self, **kwargs) -> httpx.Client:
        return httpx.Client(base_url=self.base_url, timeout=60, **kwargs)

    def login(self) -> dict:
        with self.client() as c:
            r = c.post("/api/auth/login", json={"login": ADMIN_LOGIN, "password": ADMIN_PASSWORD})
        assert r.status_code == 200, r.text
        return {"Authorization": f"Bearer {r.json()['token']}"}

    def connect(self) -> psycopg.Connection:
        """A direct connection to the server's database (autocommit)."""
        return psycopg.connect(self.db.conninfo(), autocommit=True)

    def wait_disconnected(self, conn: psycopg.Connection, timeout: float = 60.0) -> None:
        """Until no session but ``conn`` is left on the database (a killed server's sessions end)."""
        deadline = time.monotonic() + timeout
        while True:
            others = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).fetchone()[0]
            if not others:
                return
            if time.monotonic() > deadline:
                raise AssertionError(f"{others} sessions of the killed server are still open")
            time.sleep(0.05)
