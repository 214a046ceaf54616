"""HTTP routes of the contact-centre reports and the staffing forecast (F-REP-2 … F-REP-4).

Every route: tenant-scoped like the calls routes (another tenant → 404, roles without read
rights → 403); the period is ``preset`` = today | 7d | 30d | 45d | custom (``from``/``to``:
days in the tenant's time zone, both included); ``format`` = json | csv | xlsx. Queue calls
come from the ``reports_queue_calls`` read model (the reports projection extracts them from the
call history's protocols with ``contact_centre.queue_calls``), operator states from the
``reports_operator_states`` read model; both are kept caught up in the background and brought up
to date on each request (the remainder only). The operator, group-operators, chronology and
comparison tables are aggregated by PostgreSQL (``cc_sql``); the pure ``contact_centre`` tables
are their reference (a test compares both) and still serve the queue-call list and the forecast.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timezone
from typing import Annotated, Literal

from litestar import Response, get
from litestar.params import Dependency, Parameter

from ..api.auth import require_tenant
from ..api.threads import threaded
from ..context import Actor
from ..errors import Invalid, NotFound
from . import agent_states as st
from . import contact_centre as cc
from . import cc_sql, erlang, period
from .export import export_response
from .service import reports_service

ActorDep = Annotated[Actor, Dependency(skip_validation=True)]
Preset = Annotated[Literal["today", "7d", "30d", "45d", "custom"] | None,
                   Parameter(description="the period; custom (or none) with from/to")]
Day = Annotated[date | None, Parameter(description="a day in the tenant's time zone (custom period)")]
Format = Annotated[Literal["json", "csv", "xlsx"], Parameter(description="json, or an export")]
Operator = Annotated[str | None, Parameter(max_length=20, pattern=r"^[0-9]{1,20}$", description="an extension number")]
GroupId = Annotated[uuid.UUID | None, Parameter(description="a group (queue) id")]
Interval = Annotated[Literal["15", "30", "60", "day"], Parameter(description="minutes per interval, or a day")]
Qos = Annotated[int, Parameter(ge=1, le=3600, description="answered within this many seconds counts as served")]
Line = Annotated[str | None, Parameter(max_length=32, pattern=r"^\+?[0-9]{1,31}$", description="an incoming line (DID)")]

OPERATOR_COLUMNS = [("key", "group/operator"), ("offered", "offered"), ("answered", "answered"), ("missed", "missed"),
                    ("missed_pct", "missed %"), ("talk_seconds", "talk, s"), ("avg_talk_seconds", "avg talk, s"),
                    ("avg_reaction_seconds", "avg reaction, s")]
COMPARISON_COLUMNS = [("key", "group"), ("received", "received"), ("answered", "answered"), ("lost", "lost"),
                      ("lost_pct", "lost %"), ("talk_seconds", "talk, s"), ("avg_talk_seconds", "avg talk, s"),
                      ("avg_reaction_seconds", "avg reaction, s"), ("max_queue_length", "max queue length"),
                      ("avg_abandon_seconds", "avg wait before loss, s"), ("max_abandon_seconds", "max wait before loss, s"),
                      ("service_level_pct", "service level %")]
QUEUE_CALL_COLUMNS = [("caller", "caller"), ("joined_at", "called at"), ("status", "status"), ("wait", "waiting, s"),
                      ("talk", "talk, s"), ("group", "group"), ("operator", "operator"), ("call_id", "call id")]
STATE_COLUMNS = [("operator", "operator"), ("device", "device"), ("state", "state"), ("start", "start"), ("end", "end"),
                 ("seconds", "seconds")]
OCCUPANCY_COLUMNS = [("n", "interval"), ("start", "start"), ("end", "end"), ("max_lines", "max lines busy")]
FORECAST_COLUMNS = [("operators", "operators"), ("stable", "stable"), ("probability_immediate", "P(no wait)"),
                    ("probability_wait", "P(wait)"), ("asa_seconds", "avg wait, s"), ("queue_length", "avg queue length"),
                    ("service_level", "service level"), ("occupancy", "occupancy"), ("note", "note")]
STATUS = {"answered": "answered", "abandoned": "caller hung up while waiting", "lost": "left the queue unanswered"}


def _ts(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, timezone.utc)


class Directory:
    """What the reports need of one tenant: zone, groups, extensions, and its queue calls."""

    def __init__(self, pool, tenant_id: str, catch_up=None):
        self.pool = pool
        self._catch_up = catch_up  # brings the reports projection up to the calls history
        try:
            tid = uuid.UUID(str(tenant_id))
        except ValueError:
            raise NotFound(f"no tenant with id {tenant_id}") from None
        t = self._rows("SELECT data->>'code' AS code, coalesce(data->>'timezone', 'UTC') AS zone, created_at"
                       " FROM rm_objects WHERE id = %s AND kind = 'tenant'", (tid,))
        if not t or not t[0]["code"]:
            raise NotFound(f"no tenant with id {tenant_id}")
        self.tenant_id, self.code, self.zone, self.since = str(tid), t[0]["code"], t[0]["zone"], t[0]["created_at"]
        self.groups = {str(r["id"]): r for r in self._rows(
            "SELECT id, data->>'number' AS number, data->>'name' AS name, coalesce((data->>'wrapup')::int, 0) AS wrapup,"
            " coalesce(data->'members', '[]'::jsonb) AS members FROM rm_objects WHERE tenant_id = %s AND kind = 'group'", (tid,))}
        self.extensions = {str(r["id"]): r for r in self._rows(
            "SELECT id, data->>'number' AS number, data->>'name' AS name FROM rm_objects"
            " WHERE tenant_id = %s AND kind = 'extension'", (tid,))}

    def _rows(self, sql: str, params) -> list[dict]:
        from psycopg.rows import dict_row

        with self.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
            cur.execute(sql, params)
            return cur.fetchall()

    def group(self, group_id, field: str = "group") -> dict:
        g = self.groups.get(str(group_id))
        if g is None:
            raise Invalid(field, f"no group {group_id} in this tenant")
        return g

    def members(self, g: dict) -> list[str]:
        return sorted({self.extensions[m["extension_id"]]["number"] for m in g["members"]
                       if m.get("extension_id") in self.extensions})

    def group_name(self, number: str) -> str | None:
        return next((g["name"] for g in self.groups.values() if g["number"] == number), None)

    def operator_name(self, number: str | None) -> str | None:
        return next((e["name"] for e in self.extensions.values() if e["number"] == number), None)

    @property
    def scope(self) -> cc_sql.Scope:
        """What the SQL reports (``cc_sql``) select this tenant's queue calls by."""
        return cc_sql.Scope(self.code, self.since)

    def caught_up(self) -> None:
        """Bring the reports projection up to the calls history (the remainder since the background's last run)."""
        if self._catch_up is not None:
            self._catch_up()

    def queue_calls(self, start: datetime, end: datetime, groups: list[str] | None = None) -> list[cc.QueueCall]:
        """The tenant's queue calls that joined a queue in [start, end) (of these group numbers),
        from the ``reports_queue_calls`` read model."""
        self.caught_up()
        cond, args = "", []
        if groups is not None:
            cond, args = " AND group_number = ANY(%s)", [list(groups)]
        rows = self._rows("SELECT call_id, caller, group_number, joined, left_at, queue_position, outcome, operator,"
                          " answered, reaction, talk, ended_by, rung, no_answer FROM reports_queue_calls"
                          " WHERE tenant_code = %s AND joined >= %s AND joined < %s AND started_at >= %s" + cond +
                          " ORDER BY joined, call_id, seq", [self.code, start.timestamp(), end.timestamp(), self.since, *args])
        return [cc.QueueCall(str(r["call_id"]), r["caller"], r["group_number"], r["joined"], r["left_at"],
                             r["queue_position"], r["outcome"], r["operator"], r["answered"], r["reaction"], r["talk"],
                             r["ended_by"], list(r["rung"]), list(r["no_answer"])) for r in rows]

    def history_queue_calls(self, start: datetime, end: datetime) -> list[cc.QueueCall]:
        """The same, recomputed from the history's protocols (the read model's reference)."""
        rows = self._rows("SELECT id, caller, ended_at, protocol FROM calls_history WHERE tenant_code = %s"
                          " AND started_at >= %s AND started_at < %s AND ended_at >= %s"
                          " AND protocol @> '[{\"step\": \"queue_join\"}]'",
                          (self.code, self.since, end, start))
        lo, hi = start.timestamp(), end.timestamp()
        return [q for r in rows for q in cc.queue_calls(r) if lo <= q.joined < hi]

    def inbound_spans(self, start: datetime, end: datetime, lines: set[str] | None = None
                      ) -> list[tuple[str | None, float, float]]:
        """(line, start, end) of the calls on these lines (or any) in progress in [start, end)."""
        cond, args = ("line = ANY(%s)", [sorted(lines)]) if lines else ("line IS NOT NULL", [])
        rows = self._rows("SELECT line, extract(epoch FROM started_at) AS s, extract(epoch FROM ended_at) AS e"
                          " FROM reports_calls WHERE tenant_code = %s AND " + cond + " AND started_at >= %s"
                          " AND started_at < %s AND ended_at > %s", (self.code, *args, self.since, end, start))
        return [(r["line"], float(r["s"]), float(r["e"])) for r in rows]

    def occupancy_buckets(self, start: datetime, end: datetime, line: str | None) -> dict[float, int]:
        """Bucket start → most calls at once: of one line, or of all lines together (``lines``)."""
        self.caught_up()
        dim, key = ("line", line) if line else ("lines", "")
        rows = self._rows("SELECT extract(epoch FROM bucket) AS b, max_lines FROM reports_buckets WHERE tenant_code = %s"
                          " AND dim = %s AND key = %s AND bucket >= %s AND bucket < %s AND max_lines > 0",
                          (self.code, dim, key, start, end))
        return {float(r["b"]): r["max_lines"] for r in rows}


def resolve_period(d: Directory, preset: str | None, day_from: date | None, day_to: date | None,
                   now: datetime | None = None) -> tuple[datetime, datetime]:
    """The same periods as the other reports (``reports.period``), in the tenant's zone."""
    return period.resolve(preset, day_from, day_to, d.zone, now or datetime.now(timezone.utc))


def _answer(fmt: str, name: str, columns, rows: list[dict], body: dict) -> Response:
    if fmt == "json":
        return Response(body)
    return export_response(fmt, name, columns, rows)


def _period_body(d: Directory, start: datetime, end: datetime) -> dict:
    return {"from": start.isoformat(), "to": end.isoformat(), "zone": d.zone}


def make_cc_handlers(runtime) -> list:
    def directory(actor: Actor, tenant_id: str) -> Directory:
        require_tenant(actor, tenant_id, write=False)
        svc = runtime.calls_service()
        return Directory(svc.read.pool, tenant_id, catch_up=lambda: reports_service(runtime).catch_up())

    def states_view():
        """The operator-states read model of this process's calls service, caught up now."""
        reports = reports_service(runtime)
        reports.catch_up_states()
        return reports.operator_states()

    def wrap_up_seconds(d: Directory, operator: str, start: datetime, end: datetime) -> float:
        """Seconds the operator spent in wrap-up in the period (not split by group: a wrap-up has none)."""
        return sum(s.seconds for s in operator_segments(d, states_view(), operator, start, end) if s.state == "wrap_up")

    @get("/api/tenants/{tenant_id:str}/reports/operators", tags=["reports"], operation_id="report_operator",
         summary="One operator's queue calls by group (F-REP-2)")
    @threaded
    def operator_report(tenant_id: str, actor: ActorDep, operator: Operator = None, preset: Preset = None,
                        day_from: Annotated[date | None, Parameter(query="from")] = None,
                        day_to: Annotated[date | None, Parameter(query="to")] = None, group: GroupId = None,
                        format: Format = "json") -> Response:
        d = directory(actor, tenant_id)
        if not operator:
            raise Invalid("operator", "required: an extension number")
        start, end = resolve_period(d, preset, day_from, day_to)
        d.caught_up()
        rows = cc_sql.operator_report(d.pool, d.scope, start, end, operator,
                                      [d.group(group)["number"]] if group is not None else None)
        wrap = wrap_up_seconds(d, operator, start, end)
        for r in rows:
            r["name"] = d.group_name(r["key"]) if r["key"] != "total" else None
            r["wrap_up_seconds"] = wrap if r["key"] == "total" else None
        return _answer(format, f"operator-{operator}", OPERATOR_COLUMNS + [("wrap_up_seconds", "wrap-up, s")], rows,
                       {"operator": operator, "name": d.operator_name(operator), "period": _period_body(d, start, end),
                        "rows": rows})

    @get("/api/tenants/{tenant_id:str}/reports/groups/{group_id:str}/operators", tags=["reports"],
         operation_id="report_group_operators", summary="A group's operators (F-REP-2)")
    @threaded
    def group_operators(tenant_id: str, group_id: str, actor: ActorDep, preset: Preset = None,
                        day_from: Annotated[date | None, Parameter(query="from")] = None,
                        day_to: Annotated[date | None, Parameter(query="to")] = None, operator: Operator = None,
                        format: Format = "json") -> Response:
        d = directory(actor, tenant_id)
        g = d.groups.get(group_id)
        if g is None:
            raise NotFound(f"no group {group_id} in this tenant")
        start, end = resolve_period(d, preset, day_from, day_to)
        d.caught_up()
        rows = cc_sql.group_operators_report(d.pool, d.scope, start, end, g["number"], d.members(g))
        if operator:
            rows = [r for r in rows if r["key"] in (operator, "total")]
        for r in rows:
            r["name"] = d.operator_name(r["key"]) if r["key"] != "total" else None
        return _answer(format, f"group-{g['number']}-operators", OPERATOR_COLUMNS, rows,
                       {"group": {"id": group_id, "number": g["number"], "name": g["name"]},
                        "period": _period_body(d, start, end), "rows": rows})

    @get("/api/tenants/{tenant_id:str}/reports/groups/chronology", tags=["reports"], operation_id="report_group_chronology",
         summary="Groups by interval for one parameter (F-REP-2)")
    @threaded
    def chronology(tenant_id: str, actor: ActorDep,
                   parameter: Annotated[Literal[cc.PARAMETERS], Parameter(description="the value shown")] = "calls",
                   interval: Interval = "60", preset: Preset = None,
                   day_from: Annotated[date | None, Parameter(query="from")] = None,
                   day_to: Annotated[date | None, Parameter(query="to")] = None,
                   group: Annotated[list[uuid.UUID] | None, Parameter(description="groups (all when absent)")] = None,
                   qos_seconds: Qos = 20, format: Format = "json") -> Response:
        d = directory(actor, tenant_id)
        start, end = resolve_period(d, preset, day_from, day_to)
        groups = [d.group(g)["number"] for g in group] if group else sorted(g["number"] for g in d.groups.values())
        buckets = cc.intervals(start, end, d.zone, interval)
        d.caught_up()
        rows = cc_sql.chronology_report(d.pool, d.scope, groups, buckets, parameter, qos_seconds)
        for r in rows:
            r["start"] = r["start"].isoformat() if r["start"] else None
            r["end"] = r["end"].isoformat() if r["end"] else None
        flat = []
        cells = ("answered", "lost", "total") if parameter == "calls" else ("value",)
        for r in rows:
            f = {"start": r["start"], "end": r["end"]}
            for g, v in r["groups"].items():
                f.update({f"{g}.{c}": v[c] for c in cells})
            f.update({f"total.{c}": r["total"][c] for c in cells})
            flat.append(f)
        columns = [("start", "start"), ("end", "end")] + [(f"{g}.{c}", f"{g} {c}") for g in groups for c in cells] + \
                  [(f"total.{c}", f"total {c}") for c in cells]
        return _answer(format, f"groups-{parameter}", columns, flat,
                       {"parameter": parameter, "interval": interval, "groups": groups,
                        "period": _period_body(d, start, end), "rows": rows})

    @get("/api/tenants/{tenant_id:str}/reports/queue-calls", tags=["reports"], operation_id="report_queue_calls",
         summary="Queue calls one by one (F-REP-2)")
    @threaded
    def queue_calls(tenant_id: str, actor: ActorDep, preset: Preset = None,
                    day_from: Annotated[date | None, Parameter(query="from")] = None,
                    day_to: Annotated[date | None, Parameter(query="to")] = None, group: GroupId = None,
                    operator: Operator = None,
                    number: Annotated[str | None, Parameter(max_length=32, pattern=r"^\+?[0-9]{1,31}$")] = None,
                    format: Format = "json") -> Response:
        d = directory(actor, tenant_id)
        start, end = resolve_period(d, preset, day_from, day_to)
        calls = d.queue_calls(start, end, [d.group(group)["number"]] if group is not None else None)
        if operator:
            calls = [q for q in calls if q.operator == operator]
        if number:
            calls = [q for q in calls if number.lstrip("+") in (q.caller or "")]
        rows = []
        for q in sorted(calls, key=lambda q: (q.joined, q.call_id)):
            r = q.as_dict()
            r.update(joined_at=_ts(q.joined), status=STATUS[q.outcome] if q.ended_by is None or q.outcome != "answered"
                     else f"ended by {q.ended_by}", group_name=d.group_name(q.group), operator_name=d.operator_name(q.operator))
            rows.append(r)
        body_rows = [{**r, "joined_at": r["joined_at"].isoformat()} for r in rows]
        return _answer(format, "queue-calls", QUEUE_CALL_COLUMNS, rows,
                       {"period": _period_body(d, start, end), "rows": body_rows})

    @get("/api/tenants/{tenant_id:str}/reports/line-occupancy", tags=["reports"], operation_id="report_line_occupancy",
         summary="Most simultaneous incoming calls per interval (F-REP-2)")
    @threaded
    def occupancy(tenant_id: str, actor: ActorDep, interval: Interval = "60", preset: Preset = None,
                  day_from: Annotated[date | None, Parameter(query="from")] = None,
                  day_to: Annotated[date | None, Parameter(query="to")] = None,
                  line: Annotated[list[str] | None, Parameter(description="incoming lines (DIDs); all when absent")] = None,
                  format: Format = "json") -> Response:
        d = directory(actor, tenant_id)
        lines = None
        if line:
            for value in line:
                if not cc.re.fullmatch(r"\+?[0-9]{1,31}", value):
                    raise Invalid("line", "a number like +74951234567")
            lines = {"+" + v.lstrip("+") for v in line}
        start, end = resolve_period(d, preset, day_from, day_to)
        intervals = cc.intervals(start, end, d.zone, interval)
        if lines is None or len(lines) == 1:  # all lines together, or one: the projection's 15-minute maxima
            rows = cc.occupancy_from_buckets(d.occupancy_buckets(start, end, next(iter(lines)) if lines else None),
                                             intervals)
        else:  # several of the lines together: recomputed from their calls
            d.caught_up()
            rows = cc.line_occupancy(d.inbound_spans(start, end, lines), intervals, lines)
        return _answer(format, "line-occupancy", OCCUPANCY_COLUMNS, rows,
                       {"period": _period_body(d, start, end), "lines": sorted(lines) if lines else None,
                        "rows": [{**r, "start": r["start"].isoformat() if r["start"] else None,
                                  "end": r["end"].isoformat() if r["end"] else None} for r in rows]})

    @get("/api/tenants/{tenant_id:str}/reports/groups/comparison", tags=["reports"], operation_id="report_group_comparison",
         summary="Groups side by side (F-REP-2)")
    @threaded
    def comparison(tenant_id: str, actor: ActorDep, qos_seconds: Qos = 20, preset: Preset = None,
                   day_from: Annotated[date | None, Parameter(query="from")] = None,
                   day_to: Annotated[date | None, Parameter(query="to")] = None,
                   group: Annotated[list[uuid.UUID] | None, Parameter(description="groups (all when absent)")] = None,
                   format: Format = "json") -> Response:
        d = directory(actor, tenant_id)
        start, end = resolve_period(d, preset, day_from, day_to)
        groups = [d.group(g)["number"] for g in group] if group else [g["number"] for g in d.groups.values()]
        d.caught_up()
        rows = cc_sql.comparison_report(d.pool, d.scope, start, end, groups, qos_seconds)
        for r in rows:
            r["name"] = d.group_name(r["key"]) if r["key"] != "total" else None
        return _answer(format, "groups-comparison", COMPARISON_COLUMNS, rows,
                       {"qos_seconds": qos_seconds, "period": _period_body(d, start, end), "rows": rows})

    @get("/api/tenants/{tenant_id:str}/reports/operator-states", tags=["reports"], operation_id="report_operator_states",
         summary="Operators' state timelines and seconds per state (F-REP-2)")
    @threaded
    def operator_states(tenant_id: str, actor: ActorDep, operator: Operator = None, preset: Preset = None,
                        day_from: Annotated[date | None, Parameter(query="from")] = None,
                        day_to: Annotated[date | None, Parameter(query="to")] = None, group: GroupId = None,
                        format: Format = "json") -> Response:
        d = directory(actor, tenant_id)
        start, end = resolve_period(d, preset, day_from, day_to)
        members = set(d.members(d.group(group))) if group is not None else None
        view = states_view()
        segs = operator_segments(d, view, operator, start, end)
        by_device: dict[str, list] = {}
        for s in segs:
            by_device.setdefault(s.device, []).append(s)
        operators = []
        rows = []
        for device, items in sorted(by_device.items()):
            number = st.operator_of(device)[1]
            if members is not None and number not in members:
                continue
            operators.append({"operator": number, "name": d.operator_name(number), "device": device,
                              "summary": st.summary(items),
                              "timeline": [{"state": s.state, "start": _ts(s.start).isoformat(), "end": _ts(s.end).isoformat(),
                                            "seconds": s.seconds} for s in items]})
            rows += [{"operator": number, "device": device, "state": s.state, "start": _ts(s.start), "end": _ts(s.end),
                      "seconds": s.seconds} for s in items]
        return _answer(format, "operator-states", STATE_COLUMNS, rows,
                       {"period": _period_body(d, start, end), "operators": operators})

    @get("/api/tenants/{tenant_id:str}/reports/forecast", tags=["reports"], operation_id="report_forecast",
         summary="Operators needed for a group's measured load: Erlang C (F-REP-4)")
    @threaded
    def forecast(tenant_id: str, actor: ActorDep, group: GroupId = None, preset: Preset = None,
                 day_from: Annotated[date | None, Parameter(query="from")] = None,
                 day_to: Annotated[date | None, Parameter(query="to")] = None,
                 target_seconds: Annotated[int, Parameter(ge=1, le=3600)] = 20,
                 max_operators: Annotated[int, Parameter(ge=1, le=500)] = 30,
                 arrival_per_hour: Annotated[float | None, Parameter(gt=0, le=100_000)] = None,
                 aht_seconds: Annotated[float | None, Parameter(gt=0, le=36_000)] = None,
                 format: Format = "json") -> Response:
        d = directory(actor, tenant_id)
        if preset is None and day_from is None and day_to is None:
            preset = "7d"  # a week of measured load unless told otherwise
        start, end = resolve_period(d, preset, day_from, day_to)
        measured = {"arrival_per_hour": None, "aht_seconds": None, "calls": None}
        if arrival_per_hour is None or aht_seconds is None:
            if group is None:
                raise Invalid("group", "required unless arrival_per_hour and aht_seconds are given")
            g = d.group(group)
            calls = d.queue_calls(start, end, [g["number"]])
            lam, aht = cc.arrival_and_aht(calls, g["number"], (end - start).total_seconds())
            measured = {"arrival_per_hour": lam, "aht_seconds": aht, "calls": len(calls)}
        lam = arrival_per_hour if arrival_per_hour is not None else measured["arrival_per_hour"]
        aht = aht_seconds if aht_seconds is not None else measured["aht_seconds"]
        if not aht:
            raise Invalid("aht_seconds", "no answered call of the group in the period to measure it: give aht_seconds")
        result = erlang.forecast(lam, aht, target_seconds, max_operators)
        result.update(measured=measured, period=_period_body(d, start, end))
        return _answer(format, "forecast", FORECAST_COLUMNS, result["rows"], result)

    return [operator_report, group_operators, chronology, queue_calls, occupancy, comparison, operator_states, forecast]


def operator_segments(d: Directory, view, operator: str | None, start: datetime, end: datetime) -> list[st.Segment]:
    """Each device's timeline (of one operator, or all) in [start, end), up to now at most."""
    lo = max(start.timestamp(), d.since.timestamp())  # (a tenant code is never another tenant's before it existed)
    hi = min(end.timestamp(), datetime.now(timezone.utc).timestamp())
    if hi <= lo:
        return []
    closed, current = view.read(d.code, operator, lo, hi)
    out = []
    devices = sorted({s.device for s in closed} | {dev for dev, _ in current})
    for dev in devices:
        segs = [s for s in closed if s.device == dev]
        for cdev, cur in current:
            if cdev == dev and cur.since < hi:
                segs += st.open_segments(dev, cur, hi)
        out += st.clip(segs, dev, lo, hi)
    return out


def make_operator_states_view(svc):
    """The operator-states read model on the calls service's own datastore (its connection pool)."""
    from projections.reports.operator_states import OperatorStatesView

    return OperatorStatesView.on(svc._factory.datastore)
