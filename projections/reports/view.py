"""The reports read models: a second-stage projection of the calls history.

The calls projection (projections/calls/view.py) turns the calls store's events into
``calls_history`` rows with ``CallBook``, writing each batch's rows together with its
tracking row; ``calls_history.position`` is that batch's position. This view follows those
rows in position order with its own tracking position (``reports_tracking``) and writes,
in one transaction per chunk together with the new position (so exactly-once):

* ``reports_calls``   — one slim row per finished call (the search, the exports, the archive
  and "missed, not called back" read it), with the user (extension) and group resolved;
* ``reports_buckets`` — per tenant, 15-minute bucket, dimension (all | line | user | group)
  and key: the counters of ``pbxflow.reports.aggregate`` and, for lines, the occupancy; the
  dimension ``lines`` (key "") holds only the occupancy of all the tenant's lines together;
* ``reports_lines``   — the longest call per line, bounding the occupancy recomputation;
* ``reports_users``   — the last name seen per user (extension number), for the dashboard;
* ``reports_callers`` — per tenant and outside number: its last missed inbound call and its
  last contact (an answered inbound or any outbound call), for "missed, not called back";
* ``reports_queue_calls`` — one row per stay of a call in a group's queue (the contact-centre
  reports read it), extracted by the same pure ``contact_centre.queue_calls`` the reports'
  recomputation uses, so the table and a recomputation from the history agree.

Only complete batches are read (rows at positions up to the calls tracking position, read in
the same transaction). A rebuild of the calls projection starts its positions anew: when the
calls position is behind this one, this view resets and rebuilds too. ``rebuild`` does it on
demand (``pbxflow replay`` calls it).
"""

from __future__ import annotations

import threading
from collections import defaultdict
from datetime import datetime, timezone

from psycopg.rows import dict_row
from psycopg.sql import SQL, Identifier

from pbxflow.reports import aggregate as agg
from pbxflow.reports import contact_centre as cc

NAME = "reports"
VERSION = 2  # 2: reports_queue_calls, the occupancy of all lines together
CHUNK = 5000  # history rows per transaction (at least one whole calls batch)

DDL = [
    # The calls history read in position order (this view's cursor); the calls view has no such index.
    "CREATE INDEX IF NOT EXISTS calls_history_position_idx ON calls_history (position)",
    "CREATE TABLE IF NOT EXISTS reports_tracking (name text PRIMARY KEY, position bigint NOT NULL, version integer NOT NULL)",
    "CREATE TABLE IF NOT EXISTS reports_calls (id uuid PRIMARY KEY, tenant_code text NOT NULL,"
    " started_at timestamptz NOT NULL, answered_at timestamptz, ended_at timestamptz NOT NULL,"
    " direction text NOT NULL, result text NOT NULL, answered boolean NOT NULL, line text, user_number text,"
    " user_name text, group_number text, caller text, caller_name text, called text, peer text,"
    " talk_seconds integer NOT NULL, billable_seconds integer NOT NULL, owners uuid[] NOT NULL DEFAULT '{}',"
    " recording text, position bigint NOT NULL)",
    # (Scanned both ways: newest first is the search's default order.)
    "CREATE INDEX IF NOT EXISTS reports_calls_time_idx ON reports_calls (tenant_code, started_at, id)",
    "CREATE INDEX IF NOT EXISTS reports_calls_line_idx ON reports_calls (tenant_code, line, started_at) WHERE line IS NOT NULL",
    "CREATE INDEX IF NOT EXISTS reports_calls_peer_idx ON reports_calls (tenant_code, peer, started_at) WHERE peer IS NOT NULL",
    "CREATE TABLE IF NOT EXISTS reports_buckets (tenant_code text NOT NULL, dim text NOT NULL, key text NOT NULL,"
    " bucket timestamptz NOT NULL, calls integer NOT NULL DEFAULT 0, answered integer NOT NULL DEFAULT 0,"
    " missed integer NOT NULL DEFAULT 0, inbound integer NOT NULL DEFAULT 0, outbound integer NOT NULL DEFAULT 0,"
    " internal integer NOT NULL DEFAULT 0, talk_seconds bigint NOT NULL DEFAULT 0,"
    " billable_seconds bigint NOT NULL DEFAULT 0, max_lines integer NOT NULL DEFAULT 0,"
    " PRIMARY KEY (tenant_code, dim, key, bucket))",
    "CREATE INDEX IF NOT EXISTS reports_buckets_time_idx ON reports_buckets (tenant_code, dim, bucket)",
    "CREATE TABLE IF NOT EXISTS reports_users (tenant_code text NOT NULL, number text NOT NULL, name text NOT NULL,"
    " PRIMARY KEY (tenant_code, number))",
    "CREATE TABLE IF NOT EXISTS reports_lines (tenant_code text NOT NULL, line text NOT NULL,"
    " max_seconds double precision NOT NULL, PRIMARY KEY (tenant_code, line))",
    # Times as epoch seconds (float8): exactly the extraction's values, so a recomputation compares equal.
    "CREATE TABLE IF NOT EXISTS reports_queue_calls (call_id uuid NOT NULL, seq integer NOT NULL, tenant_code text NOT NULL,"
    " started_at timestamptz NOT NULL, caller text, group_number text NOT NULL, joined double precision NOT NULL,"
    " left_at double precision NOT NULL, queue_position integer, outcome text NOT NULL, operator text,"
    " answered double precision, reaction double precision, talk double precision NOT NULL, ended_by text,"
    " rung text[] NOT NULL, no_answer text[] NOT NULL, position bigint NOT NULL, PRIMARY KEY (call_id, seq))",
    # Every contact-centre report reads a tenant's period (by joining time), some one group's.
    "CREATE INDEX IF NOT EXISTS reports_queue_calls_time_idx ON reports_queue_calls (tenant_code, joined)",
    "CREATE INDEX IF NOT EXISTS reports_queue_calls_group_idx ON reports_queue_calls (tenant_code, group_number, joined)",
    "CREATE TABLE IF NOT EXISTS reports_callers (tenant_code text NOT NULL, peer text NOT NULL,"
    " last_missed_at timestamptz, last_contact_at timestamptz, PRIMARY KEY (tenant_code, peer))",
    # The callers still waiting for a call-back, newest missed call first (the dashboard's list).
    "CREATE INDEX IF NOT EXISTS reports_callers_pending_idx ON reports_callers (tenant_code, last_missed_at DESC, peer)"
    " WHERE last_missed_at IS NOT NULL AND (last_contact_at IS NULL OR last_contact_at <= last_missed_at)",
]
TABLES = ("reports_calls", "reports_buckets", "reports_lines", "reports_users", "reports_queue_calls", "reports_callers")
QUEUE_COLUMNS = ("call_id", "seq", "tenant_code", "started_at", "caller", "group_number", "joined", "left_at",
                 "queue_position", "outcome", "operator", "answered", "reaction", "talk", "ended_by", "rung", "no_answer",
                 "position")
CALL_COLUMNS = ("id", "tenant_code", "started_at", "answered_at", "ended_at", "direction", "result", "answered", "line",
                "user_number", "user_name", "group_number", "caller", "caller_name", "called", "peer", "talk_seconds",
                "billable_seconds", "owners", "recording", "position")
_UPSERT_BUCKET = (
    "INSERT INTO reports_buckets (tenant_code, dim, key, bucket, " + ", ".join(agg.COUNTERS) + ")"
    " SELECT * FROM unnest(%s::text[], %s::text[], %s::text[], %s::timestamptz[], "
    + ", ".join(["%s::bigint[]"] * len(agg.COUNTERS)) + ")"
    " ON CONFLICT (tenant_code, dim, key, bucket) DO UPDATE SET "
    + ", ".join(f"{c} = reports_buckets.{c} + EXCLUDED.{c}" for c in agg.COUNTERS))
_SET_OCCUPANCY = (
    "INSERT INTO reports_buckets (tenant_code, dim, key, bucket, max_lines)"
    " SELECT t, d, l, b, m FROM unnest(%s::text[], %s::text[], %s::text[], %s::timestamptz[], %s::int[]) AS u(t, d, l, b, m)"
    " ON CONFLICT (tenant_code, dim, key, bucket) DO UPDATE SET max_lines = EXCLUDED.max_lines")
_EXTENSIONS = (
    "SELECT d->>'username' AS device, o.data->>'number' AS number, o.data->>'name' AS name,"
    " o.data->>'owner_user_id' AS owner FROM rm_objects o CROSS JOIN LATERAL jsonb_array_elements(o.data->'devices') d"
    " WHERE o.kind = 'extension' AND o.tenant_id IN"
    " (SELECT id FROM rm_objects WHERE kind = 'tenant' AND data->>'code' = ANY(%s)) AND d->>'username' = ANY(%s)")


def ts(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, timezone.utc)


def epoch(value: datetime | None) -> float | None:
    return None if value is None else value.timestamp()


def queue_rows(row: dict) -> list[tuple]:
    """The ``reports_queue_calls`` rows of one history row (times as epoch seconds, as the view reads them)."""
    stays = cc.queue_calls({"id": row["id"], "caller": row["caller"], "protocol": row["protocol"], "ended_at": row["ended"]})
    return [(q.call_id, i, row["tenant"], ts(row["started"]), q.caller, q.group, q.joined, q.left, q.position, q.outcome,
             q.operator, q.answered, q.reaction, q.talk, q.ended_by, q.rung, q.no_answer, row["position"])
            for i, q in enumerate(stays)]


def call_row(fact: dict, position: int) -> tuple:
    return (fact["id"], fact["tenant"], ts(fact["started"]), ts(fact["answered"]), ts(fact["ended"]), fact["direction"],
            fact["result"], agg.is_answered(fact["result"]), fact["line"], fact["user"], fact["user_name"], fact["group"],
            fact["caller"], fact["caller_name"], fact["called"], fact["peer"], fact["talk"], fact["billable"],
            fact["owners"], fact["recording"], position)


class ReportsView:
    """Follows ``calls_history`` (of ``calls_view``/``calls_app``) into the reports tables."""

    def __init__(self, pool, calls_view, calls_app):
        self.pool = pool
        self.calls_tracking = calls_view.tracking_table_name
        self.calls_history = calls_view.history_table
        self.calls_name = calls_app.name
        self._lock = threading.Lock()
        self._directory: bool | None = None
        with pool.connection() as conn:
            for stmt in DDL:
                conn.execute(stmt)
            conn.execute("INSERT INTO reports_tracking (name, position, version) VALUES (%s, 0, %s)"
                         " ON CONFLICT (name) DO NOTHING", (NAME, VERSION))
            row = conn.execute("SELECT version FROM reports_tracking WHERE name = %s", (NAME,)).fetchone()
        if row[0] != VERSION:
            self.reset()

    # --- position -------------------------------------------------------------------

    def position(self) -> int:
        with self.pool.connection() as conn:
            return conn.execute("SELECT position FROM reports_tracking WHERE name = %s", (NAME,)).fetchone()[0]

    def _calls_position(self, cur) -> int:
        cur.execute(SQL("SELECT coalesce(max(notification_id), 0) AS p FROM {} WHERE application_name = %s").format(
            Identifier(self.calls_tracking)), (self.calls_name,))
        return cur.fetchone()["p"]

    def reset(self) -> None:
        with self._lock, self.pool.connection() as conn, conn.transaction():
            conn.execute("TRUNCATE " + ", ".join(TABLES))
            conn.execute("UPDATE reports_tracking SET position = 0, version = %s WHERE name = %s", (VERSION, NAME))

    def rebuild(self, progress=None) -> int:
        """From the first history row again (after ``pbxflow replay`` or a new VERSION)."""
        self.reset()
        return self.process(progress=progress)

    # --- processing -------------------------------------------------------------------

    def process(self, *, chunk: int = CHUNK, progress=None) -> int:
        """Everything the calls projection has finished so far; returns the calls added."""
        added = 0
        while True:
            n, more = self._chunk(chunk)
            added += n
            if progress is not None:
                progress(added)
            if not more:
                return added

    def _chunk(self, chunk: int) -> tuple[int, bool]:
        with self._lock, self.pool.connection() as conn, conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
            cur.execute("SELECT position FROM reports_tracking WHERE name = %s FOR UPDATE", (NAME,))
            mine = cur.fetchone()["position"]
            head = self._calls_position(cur)
            if head < mine:  # the calls projection was rebuilt: so are we
                cur.execute("TRUNCATE " + ", ".join(TABLES))
                mine = 0
            if head == mine:
                cur.execute("UPDATE reports_tracking SET position = %s WHERE name = %s", (head, NAME))
                return 0, False
            # Whole calls batches only: up to the position of the chunk-th row after ours.
            cur.execute(SQL("SELECT position FROM {} WHERE position > %s AND position <= %s ORDER BY position"
                            " OFFSET %s LIMIT 1").format(Identifier(self.calls_history)), (mine, head, chunk))
            found = cur.fetchone()
            upto = found["position"] if found else head
            cur.execute(SQL(
                "SELECT id::text, tenant_code AS tenant, direction, result, extract(epoch FROM started_at) AS started,"
                " extract(epoch FROM answered_at) AS answered, extract(epoch FROM ended_at) AS ended,"
                " billable_seconds AS billable, caller, caller_name, called, did, answered_by, answered_by_name,"
                " answered_by_device, recording, protocol, position FROM {}"
                " WHERE position > %s AND position <= %s AND tenant_code IS NOT NULL ORDER BY position, id").format(
                Identifier(self.calls_history)), (mine, upto))
            rows = cur.fetchall()
            for r in rows:
                for k in ("started", "answered", "ended"):
                    r[k] = float(r[k]) if r[k] is not None else None
            added = self._write(cur, rows)
            cur.execute("UPDATE reports_tracking SET position = %s WHERE name = %s", (upto, NAME))
            return added, upto < head

    def _extensions(self, cur, rows: list[dict]) -> dict[str, dict]:
        devices = sorted({d for r in rows for d in (r.get("answered_by_device"), agg.origin_device(r["protocol"])) if d})
        if not devices:
            return {}
        if self._directory is None:
            cur.execute("SELECT to_regclass('rm_objects') IS NOT NULL AS found")
            self._directory = bool(cur.fetchone()["found"])
        if not self._directory:
            return {}
        cur.execute(_EXTENSIONS, (sorted({r["tenant"] for r in rows}), devices))
        return {r["device"]: r for r in cur.fetchall()}

    def _write(self, cur, rows: list[dict]) -> int:
        if not rows:
            return 0
        exts = self._extensions(cur, rows)
        facts = {}
        params = []
        for r in rows:
            f = agg.fact_of(r, exts)
            facts[f["id"]] = f
            params.append(call_row(f, r["position"]))
        cols = ", ".join(CALL_COLUMNS)
        cur.execute(f"CREATE TEMP TABLE IF NOT EXISTS reports_new (LIKE reports_calls) ON COMMIT DROP")
        with cur.copy(f"COPY reports_new ({cols}) FROM STDIN") as copy:
            for p in params:
                copy.write_row(p)
        # ON CONFLICT: a call already counted (a repeated history row) is not counted twice.
        cur.execute(f"INSERT INTO reports_calls ({cols}) SELECT {cols} FROM reports_new ON CONFLICT (id) DO NOTHING"
                    " RETURNING id::text")
        new = [facts[r["id"]] for r in cur.fetchall()]
        cur.execute("DROP TABLE reports_new")
        if not new:
            return 0
        fresh = {f["id"] for f in new}
        self._queue_calls(cur, [r for r in rows if r["id"] in fresh])
        buckets = agg.aggregate(new)
        keys = list(buckets)
        cur.execute(_UPSERT_BUCKET, ([k[0] for k in keys], [k[2] for k in keys], [k[3] for k in keys],
                                     [ts(k[1]) for k in keys], *[[buckets[k][c] for k in keys] for c in agg.COUNTERS]))
        self._occupancy(cur, new)
        callers = agg.callers(new)
        if callers:
            keys = list(callers)
            cur.execute("INSERT INTO reports_callers (tenant_code, peer, last_missed_at, last_contact_at)"
                        " SELECT * FROM unnest(%s::text[], %s::text[], %s::timestamptz[], %s::timestamptz[])"
                        " ON CONFLICT (tenant_code, peer) DO UPDATE SET"
                        " last_missed_at = greatest(reports_callers.last_missed_at, EXCLUDED.last_missed_at),"
                        " last_contact_at = greatest(reports_callers.last_contact_at, EXCLUDED.last_contact_at)",
                        ([k[0] for k in keys], [k[1] for k in keys], [ts(callers[k][0]) for k in keys],
                         [ts(callers[k][1]) for k in keys]))
        names = {(f["tenant"], f["user"]): f["user_name"] for f in new if f["user"] and f["user_name"]}
        if names:
            cur.execute("INSERT INTO reports_users (tenant_code, number, name) SELECT * FROM unnest(%s::text[], %s::text[],"
                        " %s::text[]) ON CONFLICT (tenant_code, number) DO UPDATE SET name = EXCLUDED.name",
                        ([k[0] for k in names], [k[1] for k in names], list(names.values())))
        return len(new)

    def _queue_calls(self, cur, rows: list[dict]) -> None:
        """The queue stays of the new calls (only calls that are new here: each stay once)."""
        out = [q for r in rows if r["protocol"] for q in queue_rows(r)]
        if out:
            with cur.copy(f"COPY reports_queue_calls ({', '.join(QUEUE_COLUMNS)}) FROM STDIN") as copy:
                for q in out:
                    copy.write_row(q)

    def _occupancy(self, cur, new: list[dict]) -> None:
        """Recompute the occupancy of the buckets the new calls touch, from every call of the line
        that may overlap them (started within the line's longest call before); and the same over
        all the tenant's lines together (dimension ``lines``)."""
        touched: dict[tuple[str, str], set[int]] = defaultdict(set)
        longest: dict[tuple[str, str], float] = defaultdict(float)
        for f in new:
            if f["line"]:
                s, e = agg.span(f)
                touched[(f["tenant"], f["line"])].update(agg.buckets_touched(s, e))
                longest[(f["tenant"], f["line"])] = max(longest[(f["tenant"], f["line"])], e - s)
        if not touched:
            return
        keys = list(longest)
        cur.execute("INSERT INTO reports_lines (tenant_code, line, max_seconds) SELECT * FROM unnest(%s::text[], %s::text[],"
                    " %s::float8[]) ON CONFLICT (tenant_code, line) DO UPDATE SET max_seconds ="
                    " greatest(reports_lines.max_seconds, EXCLUDED.max_seconds) RETURNING tenant_code, line, max_seconds",
                    ([k[0] for k in keys], [k[1] for k in keys], [longest[k] for k in keys]))
        span_of = {(r["tenant_code"], r["line"]): r["max_seconds"] for r in cur.fetchall()}
        out_t, out_d, out_l, out_b, out_m = [], [], [], [], []

        def spans(tenant: str, line: str | None, bs: set[int], longest_call: float) -> None:
            lo, hi = min(bs), max(bs) + agg.BUCKET
            which, args = ("line = %s", [line]) if line else ("line IS NOT NULL", [])
            cur.execute("SELECT extract(epoch FROM started_at) AS s, extract(epoch FROM ended_at) AS e FROM reports_calls"
                        " WHERE tenant_code = %s AND " + which + " AND started_at >= %s AND started_at < %s",
                        (tenant, *args, ts(lo - longest_call - 1), ts(hi)))
            found = [agg.span({"started": float(r["s"]), "ended": float(r["e"])}) for r in cur.fetchall()]
            for b, value in sorted(agg.overlap_by_bucket(found, bs).items()):
                out_t.append(tenant)
                out_d.append("line" if line else "lines")
                out_l.append(line or "")
                out_b.append(ts(b))
                out_m.append(value)

        for (tenant, line), bs in touched.items():
            spans(tenant, line, bs, span_of[(tenant, line)])
        for tenant in sorted({t for t, _ in touched}):
            cur.execute("SELECT max(max_seconds) AS m FROM reports_lines WHERE tenant_code = %s", (tenant,))
            longest_call = cur.fetchone()["m"]
            spans(tenant, None, set().union(*(bs for (t, _), bs in touched.items() if t == tenant)), longest_call)
        cur.execute(_SET_OCCUPANCY, (out_t, out_d, out_l, out_b, out_m))
