"""Reads of the reports tables: the call search (F-REP-1), exports (F-REP-2) and the dashboard (F-REP-4)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from psycopg.rows import dict_row

from ..errors import NotFound
from .aggregate import BUCKET, bucket_of, digits

RESULTS = ("answered", "no answer", "busy", "no route", "failed", "forwarded", "voicemail", "missed")
SORTS = {"started_at": "started_at", "talk_seconds": "talk_seconds", "billable_seconds": "billable_seconds",
         "duration": "(ended_at - started_at)", "caller": "caller", "called": "called"}
STEPS = {"15min": "15 minutes", "30min": "30 minutes", "hour": "1 hour", "day": "1 day"}
MISSED_LIMIT = 100
BUSIEST_LIMIT = 10


@dataclass(frozen=True)
class Tenant:
    id: str
    code: str
    zone: str
    since: datetime  # its creation: calls before it were not its calls (a code of a deleted tenant may return)

    def clamp(self, start: datetime, *, whole_bucket: bool = False) -> datetime:
        """A period's start, not before the tenant existed (``whole_bucket``: from its creation's bucket)."""
        since = datetime.fromtimestamp(bucket_of(self.since.timestamp()), timezone.utc) if whole_bucket else self.since
        return max(start, since)


@dataclass
class Filters:
    start: datetime
    end: datetime
    direction: str | None = None
    result: str | None = None
    line: str | None = None
    user: str | None = None
    group: str | None = None
    q: str | None = None
    owner: str | None = None  # a user-role actor: only the calls of their extensions


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def where_of(t: Tenant, f: Filters) -> tuple[str, list[Any]]:
    where = ["tenant_code = %s", "started_at >= %s", "started_at < %s"]
    params: list[Any] = [t.code, t.clamp(f.start), f.end]
    if f.direction:
        where.append("direction = %s")
        params.append(f.direction)
    if f.result == "missed":
        where.append("NOT answered")
    elif f.result:
        where.append("result = %s")
        params.append(f.result)
    if f.line:
        where.append("line = %s")
        params.append("+" + digits(f.line))
    if f.user:
        where.append("user_number = %s")
        params.append(f.user)
    if f.group:
        where.append("group_number = %s")
        params.append(f.group)
    if f.q:
        where.append("(caller ILIKE %s OR called ILIKE %s OR caller_name ILIKE %s OR user_name ILIKE %s"
                     " OR line ILIKE %s OR user_number ILIKE %s)")
        params.extend([_like(f.q)] * 6)
    if f.owner:
        where.append("owners @> ARRAY[%s::uuid]")
        params.append(f.owner)
    return " AND ".join(where), params


def item(r: dict) -> dict:
    return {
        "id": str(r["id"]), "started_at": r["started_at"].isoformat(),
        "answered_at": r["answered_at"].isoformat() if r["answered_at"] else None, "ended_at": r["ended_at"].isoformat(),
        "direction": r["direction"], "result": r["result"], "answered": r["answered"], "line": r["line"],
        "user": {"number": r["user_number"], "name": r["user_name"]} if r["user_number"] else None,
        "group": r["group_number"], "caller": r["caller"], "caller_name": r["caller_name"], "called": r["called"],
        "duration": max(0, round((r["ended_at"] - r["started_at"]).total_seconds())),
        "talk_seconds": r["talk_seconds"], "billable_seconds": r["billable_seconds"], "recording": bool(r["recording"]),
    }


class ReportsQueries:
    def __init__(self, pool):
        self.pool = pool

    def _rows(self, query: str, params: Any = ()) -> list[dict]:
        with self.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            cur.execute(query, params)
            return cur.fetchall()

    def tenant(self, tenant_id: str) -> Tenant:
        try:
            tid = uuid.UUID(str(tenant_id))
        except ValueError:
            raise NotFound(f"no tenant with id {tenant_id}") from None
        rows = self._rows("SELECT data->>'code' AS code, coalesce(data->>'timezone', 'Europe/Moscow') AS zone, created_at"
                          " FROM rm_objects WHERE id = %s AND kind = 'tenant'", (tid,))
        if not rows or not rows[0]["code"]:
            raise NotFound(f"no tenant with id {tenant_id}")
        return Tenant(str(tid), rows[0]["code"], rows[0]["zone"], rows[0]["created_at"])

    # --- the call search and its exports ---------------------------------------------------

    def search(self, t: Tenant, f: Filters, *, limit: int, offset: int, sort: str) -> dict:
        totals = self.totals(t, f)
        rows = self.rows(t, f, limit=limit, offset=offset, sort=sort)
        return {"items": [item(r) for r in rows], "total": totals["calls"],
                "totals": totals, "limit": limit, "offset": offset}

    def totals(self, t: Tenant, f: Filters) -> dict:
        """The view's totals. Periods are whole local days, so whole buckets: when the filters are
        at most one of line / user / group, the buckets answer (a few rows a day, not every call)."""
        dims = [(d, v) for d, v in (("line", "+" + digits(f.line) if f.line else None), ("user", f.user),
                                    ("group", f.group)) if v]
        start = t.clamp(f.start)
        if not (f.direction or f.result or f.q or f.owner) and len(dims) <= 1 and start.timestamp() % BUCKET == 0:
            dim, key = dims[0] if dims else ("all", "")
            row = self._rows(
                "SELECT coalesce(sum(calls), 0) AS calls, coalesce(sum(answered), 0) AS answered,"
                " coalesce(sum(missed), 0) AS missed, coalesce(sum(talk_seconds), 0) AS talk_seconds,"
                " coalesce(sum(billable_seconds), 0) AS billable_seconds FROM reports_buckets"
                " WHERE tenant_code = %s AND dim = %s AND key = %s AND bucket >= %s AND bucket < %s",
                (t.code, dim, key, start, f.end))[0]
        else:
            where, params = where_of(t, f)
            row = self._rows(
                "SELECT count(*) AS calls, count(*) FILTER (WHERE answered) AS answered,"
                " count(*) FILTER (WHERE NOT answered) AS missed, coalesce(sum(talk_seconds), 0) AS talk_seconds,"
                f" coalesce(sum(billable_seconds), 0) AS billable_seconds FROM reports_calls WHERE {where}", params)[0]
        return {k: int(v) for k, v in row.items()}

    def rows(self, t: Tenant, f: Filters, *, limit: int, offset: int = 0, sort: str = "-started_at") -> list[dict]:
        where, params = where_of(t, f)
        desc = sort.startswith("-")
        column = SORTS[sort.lstrip("-")]
        way = "DESC" if desc else "ASC"
        nulls = " NULLS LAST" if column in ("caller", "called") else ""  # (the others are never null: the index serves them)
        order = f"{column} {way}{nulls}, id {way}"
        return self._rows(f"SELECT * FROM reports_calls WHERE {where} ORDER BY {order} LIMIT %s OFFSET %s",
                          [*params, limit, offset])

    # --- the dashboard -----------------------------------------------------------------------

    def dashboard(self, t: Tenant, start: datetime, end: datetime, step: str) -> dict:
        z = t.zone
        rng = (t.code, t.clamp(start, whole_bucket=True), end)
        per_hour = self._rows(
            "SELECT to_char(date_trunc('hour', bucket AT TIME ZONE %s), 'YYYY-MM-DD\"T\"HH24:MI') AS hour,"
            " sum(calls)::int AS calls, sum(answered)::int AS answered, sum(missed)::int AS missed FROM reports_buckets"
            " WHERE tenant_code = %s AND dim = 'all' AND bucket >= %s AND bucket < %s GROUP BY 1 ORDER BY 1", (z, *rng))
        per_day = self._rows(
            "SELECT to_char(date_trunc('day', bucket AT TIME ZONE %s), 'YYYY-MM-DD') AS day,"
            " sum(calls)::int AS calls, sum(answered)::int AS answered, sum(missed)::int AS missed FROM reports_buckets"
            " WHERE tenant_code = %s AND dim = 'all' AND bucket >= %s AND bucket < %s GROUP BY 1 ORDER BY 1", (z, *rng))
        occupancy = self._rows(
            "SELECT key AS line, to_char(date_bin(%s::interval, bucket AT TIME ZONE %s, timestamp '2000-01-01'),"
            " 'YYYY-MM-DD\"T\"HH24:MI') AS start, max(max_lines) AS max_lines FROM reports_buckets"
            " WHERE tenant_code = %s AND dim = 'line' AND bucket >= %s AND bucket < %s AND max_lines > 0"
            " GROUP BY 1, 2 ORDER BY 1, 2", (STEPS[step], z, *rng))
        busiest = self._rows(
            "SELECT b.key AS user, u.name, b.calls, b.talk_seconds FROM (SELECT key, sum(calls)::int AS calls,"
            " sum(talk_seconds)::bigint AS talk_seconds FROM reports_buckets WHERE tenant_code = %s AND dim = 'user'"
            " AND bucket >= %s AND bucket < %s GROUP BY key ORDER BY calls DESC, talk_seconds DESC, key LIMIT %s) b"
            " LEFT JOIN reports_users u ON u.tenant_code = %s AND u.number = b.key"
            " ORDER BY b.calls DESC, b.talk_seconds DESC, b.key", (*rng, BUSIEST_LIMIT, t.code))
        missed = self.missed_not_called_back(t, start, end)
        return {
            "from": start.isoformat(), "to": end.isoformat(), "time_zone": z, "occupancy_step": step,
            "per_hour": per_hour, "per_day": per_day,
            "answered": sum(r["answered"] for r in per_day), "missed": sum(r["missed"] for r in per_day),
            "missed_not_called_back": missed,
            "line_occupancy": occupancy,
            "busiest_users": [{**r, "talk_seconds": int(r["talk_seconds"])} for r in busiest],
        }

    def missed_not_called_back(self, t: Tenant, start: datetime, end: datetime) -> list[dict]:
        """Missed inbound calls of the period whose caller had no later contact with the tenant
        (answered inbound call, or outbound call to that number) — up to now, not only in the period.

        From ``reports_callers`` (a row per outside number: its last missed call and last contact):
        a number is waiting when its last contact is not after its last missed call. If that call
        is in the period, it is the period's last one; a number whose last missed call is after the
        period (a period in the past) is checked against the period's own calls. Only the listed
        numbers' calls of the period are then counted (attempts)."""
        pending = "(p.last_contact_at IS NULL OR p.last_contact_at <= p.last_missed_at) AND p.last_missed_at IS NOT NULL"
        in_period = ("m.tenant_code = %(t)s AND m.peer = p.peer AND m.direction = 'in' AND NOT m.answered"
                     " AND m.started_at >= %(s)s AND m.started_at < %(e)s")
        rows = self._rows(
            "SELECT g.peer, g.lm AS last_missed_at, y.caller, y.attempts FROM ("
            " SELECT * FROM ((SELECT p.peer, p.last_missed_at AS lm FROM reports_callers p WHERE p.tenant_code = %(t)s"
            f" AND {pending} AND p.last_missed_at >= %(s)s AND p.last_missed_at < %(e)s"
            " ORDER BY p.last_missed_at DESC, p.peer LIMIT %(n)s)"
            " UNION ALL (SELECT p.peer, x.lm FROM reports_callers p CROSS JOIN LATERAL"
            f" (SELECT max(m.started_at) AS lm FROM reports_calls m WHERE {in_period}) x"
            f" WHERE p.tenant_code = %(t)s AND {pending} AND p.last_missed_at >= %(e)s AND x.lm IS NOT NULL"
            " AND (p.last_contact_at IS NULL OR p.last_contact_at <= x.lm) ORDER BY x.lm DESC, p.peer LIMIT %(n)s)) u"
            " ORDER BY lm DESC, peer LIMIT %(n)s) g"
            " CROSS JOIN LATERAL (SELECT max(m.caller) AS caller, count(*)::int AS attempts FROM reports_calls m"
            f" WHERE {in_period.replace('p.peer', 'g.peer')}) y ORDER BY g.lm DESC, g.peer",
            {"t": t.code, "s": t.clamp(start), "e": end, "n": MISSED_LIMIT})
        return [{"caller": r["caller"], "last_missed_at": r["last_missed_at"].isoformat(), "attempts": r["attempts"]}
                for r in rows]
