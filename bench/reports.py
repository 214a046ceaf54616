"""Reports (F-REP): query latency of the call search, the dashboard and the contact-centre reports
for a tenant with 1,000,000 finished calls (~30 % of them queue calls), against the same queries for a small tenant (1,000 calls) in the same
run, and the reports projection's throughput while it builds its tables from the calls history.

The history rows are written with COPY straight into ``calls_history`` (what the calls projection
would have written for them, 45 days of traffic), the calls projection's position is moved past
them, and the reports projection (projections/reports/view.py) ingests them chunk by chunk as it
does in service: that is the timed part.
"""

from __future__ import annotations

import json
import random
import statistics
import time
import uuid
from datetime import datetime, timezone

from pbxflow.context import SYSTEM
from pbxflow.reports import cc_sql
from pbxflow.reports import contact_centre as cc
from pbxflow.reports.cc_api import Directory
from pbxflow.reports.period import resolve
from pbxflow.reports.queries import Filters
from pbxflow.reports.service import reports_service
from pbxflow.runtime import Runtime

from .common import Figure, Progress, Server, say

HISTORY_COLUMNS = ("id", "node", "linkedid", "tenant_code", "direction", "result", "started_at", "answered_at", "ended_at",
                   "duration", "billable_seconds", "caller", "caller_name", "called", "did", "answered_by",
                   "answered_by_name", "answered_by_device", "scheme", "voicemail", "recording", "reconciled", "protocol",
                   "position")
GROUPS = [str(500 + i) for i in range(5)]
RESULTS = ["answered"] * 6 + ["no answer"] * 2 + ["busy", "voicemail", "forwarded"]


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))]


def write_history(conn, code: str, calls: int, first_position: int, *, seed: int, batch: int = 1000) -> int:
    """``calls`` history rows of one tenant over the last 45 days; returns the last position used."""
    rng = random.Random(seed)
    now = time.time()
    start = now - 45 * 86400
    step = (now - start - 7200) / max(calls, 1)
    position = first_position
    progress = Progress(f"    history rows of {code}", calls, unit="calls")
    with conn.cursor() as cur, cur.copy(f"COPY calls_history ({', '.join(HISTORY_COLUMNS)}) FROM STDIN") as copy:
        for i in range(calls):
            if i % batch == 0:
                position += 1
            at = start + i * step + rng.random() * step
            direction = "in" if rng.random() < 0.6 else ("out" if rng.random() < 0.7 else "internal")
            result = rng.choice(RESULTS)
            ring = rng.uniform(1, 25)
            talk = rng.expovariate(1 / 150) if result in ("answered", "forwarded") else 0
            answered = at + ring if talk else None
            ended = (answered or at + ring) + talk
            user = str(200 + rng.randrange(30))
            peer = f"7999{rng.randrange(10**6):07d}"
            device = f"{code}-{user}-ab01"
            protocol = [{"at": at, "step": "start", "channel": f"PJSIP/{'trunk-0a1b2c3d' if direction == 'in' else device}-0000abcd"}]
            if direction == "in" and rng.random() < 0.5:  # a queue call (~30 % of all): app_queue's steps
                queue = f"t-{code}-q{500 + rng.randrange(5)}"
                member = str(200 + rng.randrange(30))
                protocol += [{"at": at + 1, "step": "queue", "queue": queue},
                             {"at": at + 1, "step": "queue_join", "queue": queue, "position": 1 + rng.randrange(4)},
                             {"at": at + 1.5, "step": "agent_called", "member": member}]
                if talk:
                    protocol += [{"at": answered, "step": "queue_leave", "queue": queue},
                                 {"at": answered, "step": "agent_connect", "member": member},
                                 {"at": ended, "step": "hangup", "channel": protocol[0]["channel"]}]
                else:
                    protocol += [{"at": at + ring, "step": "agent_no_answer", "member": member},
                                 {"at": at + ring, "step": "queue_abandon", "queue": queue}]
            copy.write_row((
                uuid.UUID(int=rng.getrandbits(128)), "bench:5038", f"{seed}.{i}", code, direction, result,
                datetime.fromtimestamp(at, timezone.utc), datetime.fromtimestamp(answered, timezone.utc) if answered else None,
                datetime.fromtimestamp(ended, timezone.utc), round(ended - at), round(talk),
                f"+{peer}" if direction == "in" else user, None, user if direction == "internal" else (
                    "74951112233" if direction == "in" else peer),
                f"+7495111223{rng.randrange(4)}" if direction == "in" else None,
                user if talk and direction == "in" else None, None, device if talk and direction == "in" else None,
                None, None, None, False, json.dumps(protocol), position))
            if i % 20000 == 0:
                progress.update(i)
    progress.finish(calls)
    return position


def _time(fn, samples: int) -> list[float]:
    took = []
    for _ in range(samples):
        started = time.perf_counter()
        fn()
        took.append((time.perf_counter() - started) * 1000)
    return took


def run(server: Server, *, calls: int = 1_000_000, small: int = 1_000, samples: int = 30) -> list[Figure]:
    say(f"reports: a tenant with {calls:,} finished calls (45 days) against one with {small:,}, {samples} samples each")
    figures = []
    with server.database("reports") as db:
        rt = Runtime(db)
        try:
            big = rt.app.create(SYSTEM, "tenant", None, {"name": "Big", "timezone": "Europe/Moscow"})
            little = rt.app.create(SYSTEM, "tenant", None, {"name": "Small", "timezone": "Europe/Moscow"})
            rt.catch_up(timeout=120)
            tenants = {tid: rt.read._rows("SELECT data->>'code' AS code FROM rm_objects WHERE id = %s",
                                          [uuid.UUID(tid)])[0]["code"] for tid in (big.id, little.id)}
            # The calls lie in the last 45 days; reports show a tenant only the calls since its creation.
            rt.read._rows("UPDATE rm_objects SET created_at = created_at - interval '60 days' WHERE id = ANY(%s)"
                          " RETURNING id", [[uuid.UUID(big.id), uuid.UUID(little.id)]])
            svc = rt.calls_service()
            reports = reports_service(rt)
            with rt.pool.connection() as conn:
                last = write_history(conn, tenants[big.id], calls, 0, seed=1)
                last = write_history(conn, tenants[little.id], small, last, seed=2)
                conn.execute(f"INSERT INTO {svc.view.tracking_table_name} (application_name, notification_id)"
                             " VALUES (%s, %s)", (svc.app.name, last))
                conn.execute("ANALYZE calls_history")
            progress = Progress("    reports projection", calls + small, unit="calls")
            started = time.perf_counter()
            added = reports.view.process(progress=progress.update)
            took = time.perf_counter() - started
            progress.finish(added)
            say(f"    projection: {added:,} calls in {took:.1f} s ({added / took:,.0f} calls/s)")
            with rt.pool.connection() as conn:
                conn.execute("ANALYZE reports_calls")
                conn.execute("ANALYZE reports_buckets")
                conn.execute("ANALYZE reports_queue_calls")
                conn.execute("ANALYZE reports_callers")
            figures.append(Figure(name=f"reports projection ingest ({added:,} finished calls)", value=added / took,
                                  unit="calls/s", detail=f"{took:.1f} s",
                                  note="calls history → reports_calls + 15-min buckets + line occupancy, 5,000-row chunks"))
            now = datetime.now(timezone.utc)
            cases = {
                "search 30d, first page": lambda t, s, e: reports.read.search(t, Filters(s, e), limit=50, offset=0, sort="-started_at"),
                "search 30d, inbound missed, text": lambda t, s, e: reports.read.search(
                    t, Filters(s, e, direction="in", result="missed", q="79990"), limit=50, offset=0, sort="-started_at"),
                "dashboard 30d": lambda t, s, e: reports.read.dashboard(t, s, e, "day"),
                "dashboard today": None,
                # The contact-centre tables as their routes compute them now: aggregated by PostgreSQL
                # over reports_queue_calls (cc_sql) …
                "cc operator report 30d, SQL": lambda t, s, e: cc_sql.operator_report(rt.pool, _dir(t).scope, s, e, "205"),
                "cc group operators 30d, SQL": lambda t, s, e: cc_sql.group_operators_report(
                    rt.pool, _dir(t).scope, s, e, "501", []),
                "cc group comparison 30d, SQL": lambda t, s, e: cc_sql.comparison_report(rt.pool, _dir(t).scope, s, e,
                                                                                         GROUPS, 20),
                "cc chronology 30d hourly, SQL": lambda t, s, e: cc_sql.chronology_report(
                    rt.pool, _dir(t).scope, GROUPS, cc.intervals(s, e, t.zone, "60"), "avg_answer"),
                # … and as they did before (the reference): the period's queue calls read into Python,
                # then the pure tables.
                "cc operator report 30d, pure": lambda t, s, e: cc.operator_report(_dir(t).queue_calls(s, e), "205"),
                "cc group operators 30d, pure": lambda t, s, e: cc.group_operators_report(
                    _dir(t).queue_calls(s, e, ["501"]), "501", []),
                "cc group comparison 30d, pure": lambda t, s, e: cc.comparison_report(
                    _dir(t).queue_calls(s, e, GROUPS), GROUPS, 20),
                "cc chronology 30d hourly, pure": lambda t, s, e: cc.chronology_report(
                    _dir(t).queue_calls(s, e, GROUPS), GROUPS, cc.intervals(s, e, t.zone, "60"), "avg_answer"),
                "cc queue calls today": "today",
                "cc forecast 7d": "7d",
                "cc line occupancy 30d": lambda t, s, e: cc.occupancy_from_buckets(
                    _dir(t).occupancy_buckets(s, e, None), cc.intervals(s, e, t.zone, "60")),
            }
            dirs = {}

            def _dir(t):
                if t.id not in dirs:
                    dirs[t.id] = Directory(rt.pool, t.id, catch_up=reports.catch_up)
                return dirs[t.id]

            def queue_calls_today(t, s, e):
                return sorted(_dir(t).queue_calls(s, e, ["501"]), key=lambda q: (q.joined, q.call_id))

            def forecast(t, s, e):
                calls = _dir(t).queue_calls(s, e, ["502"])
                return cc.arrival_and_aht(calls, "502", (e - s).total_seconds())
            for name, fn in cases.items():
                result = {}
                for tid in (big.id, little.id):
                    t = reports.read.tenant(tid)
                    preset = "today" if name.endswith("today") else "7d" if name.endswith("7d") else "30d"
                    s, e = resolve(preset, None, None, t.zone, now)
                    call = {None: lambda t, s, e: reports.read.dashboard(t, s, e, "hour"), "today": queue_calls_today,
                            "7d": forecast}.get(fn, fn) if not callable(fn) else fn
                    call(t, s, e)  # warm
                    result[tid] = _time(lambda: call(t, s, e), samples)
                b, sm = result[big.id], result[little.id]
                say(f"    {name}: {calls:,}-call tenant median {statistics.median(b):.1f} ms, p95 {_p95(b):.1f} ms; "
                    f"{small:,}-call tenant median {statistics.median(sm):.1f} ms")
                figures.append(Figure(name=f"reports {name}, {calls:,} calls", value=1000 / statistics.median(b),
                                      unit="queries/s", baseline_name=f"same, {small:,}-call tenant",
                                      baseline=1000 / statistics.median(sm),
                                      detail=f"median {statistics.median(b):.1f} ms, p95 {_p95(b):.1f} ms",
                                      baseline_detail=f"median {statistics.median(sm):.1f} ms, p95 {_p95(sm):.1f} ms"))
            # The SQL tables are the pure ones on this data too (the tests compare them on random rows).
            t = reports.read.tenant(big.id)
            s, e = resolve("30d", None, None, t.zone, now)
            same = all(cases[f"{name}, SQL"](t, s, e) == cases[f"{name}, pure"](t, s, e) for name in (
                "cc operator report 30d", "cc group operators 30d", "cc group comparison 30d", "cc chronology 30d hourly"))
            say(f"    contact-centre tables, SQL == pure on the {calls:,}-call tenant: {same}")
        finally:
            rt.close()
    return figures


if __name__ == "__main__":
    import argparse

    from .common import print_table

    p = argparse.ArgumentParser(prog="python -m bench.reports")
    p.add_argument("--calls", type=int, default=1_000_000)
    p.add_argument("--samples", type=int, default=30)
    a = p.parse_args()
    print_table(run(Server(), calls=a.calls, samples=a.samples))
