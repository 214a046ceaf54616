"""Operator state timelines (F-REP-2 "по состояниям") as a read model of the calls store.

Follows the calls event store with its own tracking position (like projections.calls.view):
each batch of events is folded by ``pbxflow.reports.agent_states`` and its effects — the
segments that closed and every device's current facts — are written in one transaction with
the tracking row, so the model is exactly-once and a replay (``reset`` + ``process``) rebuilds
it identically. Tables:

* ``reports_operator_states`` — closed segments (device, state, start, end), by tenant code;
* ``reports_operator_now``    — each device's facts and open state (JSONB ``Current``).

The wrap-up seconds of an ``AgentComplete`` come from the group's settings in the directory
read model (``rm_objects``) when it is here, else 0.
"""

from __future__ import annotations

import json
import threading
from datetime import datetime, timezone

from eventsourcing.persistence import Tracking
from psycopg.sql import SQL, Identifier

from pbxflow.reports.agent_states import AGENT_EVENTS, Current, agent_event, operator_of, step
from pbxflow.reports.contact_centre import QUEUE_RE
from projections.tracking import SignallingTrackingRecorder


LOCK_KEY = 0x7062786F70_7374  # pg_advisory_xact_lock key of this model's writers ("pbxop" "st")


def ts(value: float) -> datetime:
    return datetime.fromtimestamp(value, timezone.utc)


class OperatorStatesView(SignallingTrackingRecorder):
    segments_table = "reports_operator_states"
    now_table = "reports_operator_now"
    projection_name = "reports_operator_states"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        s, n = Identifier(self.segments_table), Identifier(self.now_table)
        self.sql_create_statements.extend([
            SQL("CREATE TABLE IF NOT EXISTS {} (tenant_code text NOT NULL, device text NOT NULL, operator text NOT NULL,"
                " state text NOT NULL, started_at timestamptz NOT NULL, ended_at timestamptz NOT NULL,"
                " PRIMARY KEY (device, started_at))").format(s),
            SQL("CREATE INDEX IF NOT EXISTS {} ON {} (tenant_code, operator, ended_at)").format(
                Identifier(f"{self.segments_table}_tenant_idx"), s),
            SQL("CREATE TABLE IF NOT EXISTS {} (device text PRIMARY KEY, tenant_code text NOT NULL, operator text NOT NULL,"
                " current jsonb NOT NULL)").format(n),
        ])
        self._insert = SQL("INSERT INTO {} (tenant_code, device, operator, state, started_at, ended_at)"
                           " VALUES (%s, %s, %s, %s, %s, %s) ON CONFLICT DO NOTHING").format(s)
        self._upsert = SQL("INSERT INTO {} (device, tenant_code, operator, current) VALUES (%s, %s, %s, %s)"
                           " ON CONFLICT (device) DO UPDATE SET current = EXCLUDED.current").format(n)
        self._lock = threading.Lock()

    @classmethod
    def on(cls, datastore) -> "OperatorStatesView":
        """This read model on a datastore (the calls service's), its tables created."""
        view = cls(datastore=datastore, tracking_table_name=f"{cls.projection_name}_tracking")
        view.create_table()
        return view

    def process(self, app, *, batch_size: int = 2000) -> int:
        """Project the calls events after this view's position; returns how many were read.

        Each batch is one transaction that first takes an advisory lock and reads the position
        under it: report requests in several threads or processes catch the model up one at a time,
        and none applies a batch another already applied."""
        name = app.name
        done = 0
        with self._lock:
            while True:
                with self.datastore.transaction(commit=True) as curs:
                    curs.execute("SELECT pg_advisory_xact_lock(%s)", (LOCK_KEY,))
                    curs.execute(SQL("SELECT coalesce(max(notification_id), 0) AS p FROM {} WHERE application_name = %s")
                                 .format(Identifier(self.tracking_table_name)), (name,))
                    position = curs.fetchone()["p"]
                    notes = app.recorder.select_notifications(start=position, limit=batch_size, inclusive_of_start=False)
                    if not notes:
                        return done
                    events = []
                    for n in notes:
                        ev = app.mapper.to_domain_event(n)
                        if ev.name in AGENT_EVENTS:
                            events.append(ev)
                    self._write(curs, events, Tracking(name, notes[-1].id))
                done += len(notes)
                self._signal(name, notes[-1].id)

    def _write(self, curs, events, tracking: Tracking) -> None:
        wrapups = self._wrapups(curs, {str(e.headers.get("Queue")) for e in events if e.name == "AgentComplete"})
        facts = [f for f in (agent_event(e.name, e.at, e.headers, lambda q: wrapups.get(str(q), 0.0)) for e in events)
                 if f is not None and operator_of(f.device)]
        devices = sorted({f.device for f in facts})
        current: dict[str, Current] = {}
        if devices:
            curs.execute(SQL("SELECT device, current FROM {} WHERE device = ANY(%s)").format(Identifier(self.now_table)),
                         (devices,))
            current = {r["device"]: Current.from_dict(r["current"]) for r in curs.fetchall()}
        closed = []
        for f in facts:
            cur, segs = step(current.get(f.device), f)
            current[f.device] = cur
            closed += segs
        rows = [(*operator_of(s.device)[:1], s.device, operator_of(s.device)[1], s.state, ts(s.start), ts(s.end))
                for s in closed]
        if rows:
            curs.executemany(self._insert, rows)
        if current:
            curs.executemany(self._upsert, [(d, *operator_of(d), json.dumps(c.as_dict())) for d, c in current.items()])
        self._insert_tracking(curs, tracking)

    def _wrapups(self, curs, queues: set[str]) -> dict[str, float]:
        wanted = [(m.group(1), m.group(2), q) for q in queues if (m := QUEUE_RE.match(q))]
        if not wanted:
            return {}
        curs.execute("SELECT to_regclass('rm_objects') IS NOT NULL AS found")
        if not curs.fetchone()["found"]:
            return {}
        curs.execute(
            "SELECT t.data->>'code' AS code, g.data->>'number' AS number, coalesce((g.data->>'wrapup')::int, 0) AS wrapup"
            " FROM rm_objects g JOIN rm_objects t ON t.id = g.tenant_id AND t.kind = 'tenant'"
            " WHERE g.kind = 'group' AND t.data->>'code' = ANY(%s)", ([c for c, _, _ in wanted],))
        found = {(r["code"], r["number"]): float(r["wrapup"]) for r in curs.fetchall()}
        return {q: found.get((c, n), 0.0) for c, n, q in wanted}

    def reset(self, application_name: str) -> None:
        with self._lock:
            with self.datastore.transaction(commit=True) as curs:
                curs.execute(SQL("TRUNCATE {}, {}").format(Identifier(self.segments_table), Identifier(self.now_table)))
                curs.execute(SQL("DELETE FROM {} WHERE application_name = %s").format(Identifier(self.tracking_table_name)),
                             (application_name,))
            self.forget()

    def read(self, tenant_code: str, operator: str | None, start: float, end: float) -> tuple[list, list]:
        """(closed segments overlapping [start, end), current rows) of a tenant's operators."""
        from pbxflow.reports.agent_states import Segment

        cond, args = "tenant_code = %s", [tenant_code]
        if operator:
            cond += " AND operator = %s"
            args.append(operator)
        with self.datastore.transaction(commit=False) as curs:
            curs.execute(SQL("SELECT device, state, extract(epoch FROM started_at) AS s, extract(epoch FROM ended_at) AS e"
                             " FROM {} WHERE " + cond + " AND ended_at > %s AND started_at < %s ORDER BY device, started_at"
                             ).format(Identifier(self.segments_table)), (*args, ts(start), ts(end)))
            segs = [Segment(r["device"], r["state"], float(r["s"]), float(r["e"])) for r in curs.fetchall()]
            curs.execute(SQL("SELECT device, current FROM {} WHERE " + cond + " ORDER BY device").format(
                Identifier(self.now_table)), args)
            now = [(r["device"], Current.from_dict(r["current"])) for r in curs.fetchall()]
        return segs, now
