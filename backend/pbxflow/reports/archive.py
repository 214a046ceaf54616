"""Background archive exports (F-REP-3): a zip of a period's call recordings, a folder per
day (``YYYY-MM-DD/…``, the tenant's days) and an XLSX index of every call of the period.

Jobs are rows of ``reports_archives`` (tenant-scoped); one worker thread builds them one at
a time into ``<data dir>/reports/archives/<id>.zip`` (written to a temporary name, renamed
when complete). A job still queued or running when the process stopped is marked failed on
the next start (``interrupted``): the user asks again.
"""

from __future__ import annotations

import logging
import os
import re
import uuid
import zipfile
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from psycopg.rows import dict_row

from ..errors import NotFound
from . import export
from .period import local_midnight
from .queries import Filters, ReportsQueries, Tenant

log = logging.getLogger(__name__)
MAX_CALLS = 200_000
INDEX_COLUMNS = [("day", "day"), ("started_at", "started (UTC)"), ("direction", "direction"), ("result", "result"),
                 ("line", "line"), ("caller", "caller"), ("called", "called"), ("user_number", "user"),
                 ("user_name", "user name"), ("talk_seconds", "talk seconds"), ("billable_seconds", "billable seconds"),
                 ("file", "recording file"), ("id", "call id")]
DDL = ("CREATE TABLE IF NOT EXISTS reports_archives (id uuid PRIMARY KEY, tenant_id uuid NOT NULL,"
       " tenant_code text NOT NULL, from_day date NOT NULL, to_day date NOT NULL, state text NOT NULL,"
       " progress double precision NOT NULL DEFAULT 0, calls integer, recordings integer, error text,"
       " created_by text, created_at timestamptz NOT NULL DEFAULT now(), finished_at timestamptz)")


def archives_dir() -> Path:
    from ..settings import Settings

    return Settings.from_env().data_dir / "reports" / "archives"


def zip_name(day: str, row: dict) -> str:
    """The recording's name inside the zip: <day>/<HHMMSS>_<caller>_<called>_<call id>.wav."""
    def part(v):
        return re.sub(r"[^0-9A-Za-z+]", "", str(v or ""))[:32] or "x"
    return f"{day}/{row['local'].strftime('%H%M%S')}_{part(row['caller'])}_{part(row['called'])}_{row['id']}.wav"


class Archives:
    def __init__(self, pool, queries: ReportsQueries, catch_up):
        self.pool = pool
        self.queries = queries
        self.catch_up = catch_up
        self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pbxflow-reports-archive")
        with pool.connection() as conn:
            conn.execute(DDL)
            conn.execute("UPDATE reports_archives SET state = 'failed', error = 'interrupted', finished_at = now()"
                         " WHERE state IN ('queued', 'running')")

    def _one(self, query: str, params) -> dict | None:
        with self.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            cur.execute(query, params)
            return cur.fetchone()

    @staticmethod
    def public(row: dict) -> dict:
        return {"id": str(row["id"]), "state": row["state"], "progress": round(float(row["progress"]), 4),
                "from": row["from_day"].isoformat(), "to": row["to_day"].isoformat(), "calls": row["calls"],
                "recordings": row["recordings"], "error": row["error"], "created_at": row["created_at"].isoformat(),
                "finished_at": row["finished_at"].isoformat() if row["finished_at"] else None}

    def create(self, t: Tenant, since: date, until: date, actor_login: str) -> dict:
        row = self._one("INSERT INTO reports_archives (id, tenant_id, tenant_code, from_day, to_day, state, created_by)"
                        " VALUES (%s, %s, %s, %s, %s, 'queued', %s) RETURNING *",
                        (uuid.uuid4(), t.id, t.code, since, until, actor_login))
        self.executor.submit(self._run, t, row["id"], since, until)
        return self.public(row)

    def get(self, t: Tenant, archive_id: str) -> dict:
        try:
            aid = uuid.UUID(archive_id)
        except ValueError:
            raise NotFound(f"no archive {archive_id}") from None
        row = self._one("SELECT * FROM reports_archives WHERE id = %s AND tenant_id = %s", (aid, t.id))
        if row is None:
            raise NotFound(f"no archive {archive_id}")
        return row

    def file_of(self, row: dict) -> Path:
        return archives_dir() / f"{row['id']}.zip"

    def _set(self, aid, **values) -> None:
        cols = ", ".join(f"{k} = %s" for k in values)
        with self.pool.connection() as conn:
            conn.execute(f"UPDATE reports_archives SET {cols} WHERE id = %s", (*values.values(), aid))

    def _run(self, t: Tenant, aid, since: date, until: date) -> None:
        try:
            self._set(aid, state="running")
            self._build(t, aid, since, until)
        except Exception as exc:  # a failed job says why; the process goes on
            log.exception("archive %s failed", aid)
            self._set(aid, state="failed", error=f"{type(exc).__name__}: {exc}"[:500], finished_at=datetime.now().astimezone())

    def _build(self, t: Tenant, aid, since: date, until: date) -> None:
        from ..calls.recordings import path_of, recordings_root

        self.catch_up()
        zone = ZoneInfo(t.zone)
        f = Filters(start=local_midnight(since, zone), end=local_midnight(until + timedelta(days=1), zone))
        rows = self.queries.rows(t, f, limit=MAX_CALLS, sort="started_at")
        total = len(rows)
        self._set(aid, calls=total)
        root = recordings_root()
        out_dir = archives_dir()
        out_dir.mkdir(parents=True, exist_ok=True)
        final = out_dir / f"{aid}.zip"
        partial = out_dir / f"{aid}.zip.part"
        index, found = [], 0
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as zf:
            days = set()
            for i, r in enumerate(rows, 1):
                r = dict(r)
                r["local"] = r["started_at"].astimezone(zone)
                day = r["local"].date().isoformat()
                if day not in days:
                    days.add(day)
                    zf.writestr(zipfile.ZipInfo(f"{day}/"), b"")
                name = ""
                path = path_of(root, t.code, r.get("recording"))
                if path is not None and path.is_file():
                    name = zip_name(day, r)
                    zf.write(path, name, compress_type=zipfile.ZIP_STORED)  # WAV: a folder of them, not compressed
                    found += 1
                index.append({**r, "day": day, "file": name, "id": str(r["id"])})
                if i % 200 == 0 or i == total:
                    self._set(aid, progress=0.95 * i / total)
            zf.writestr("index.xlsx", export.to_xlsx(INDEX_COLUMNS, index, "calls"))
        os.replace(partial, final)
        self._set(aid, state="done", progress=1.0, recordings=found, finished_at=datetime.now().astimezone())

    def close(self) -> None:
        self.executor.shutdown(wait=False, cancel_futures=True)
