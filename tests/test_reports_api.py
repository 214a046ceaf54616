"""The reports read models and routes (F-REP-1 … F-REP-4) on a real database: synthetic call
events go through the calls projection into the reports projection; the answers equal a
recomputation from the calls history, survive a rebuild, stay within their tenant, and the
exports and the archive carry the same calls."""

from __future__ import annotations

import csv
import io
import time
import zipfile
from collections import Counter, defaultdict
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from psycopg.rows import dict_row

from conftest import login
from pbxflow.calls.events import Appender, canonical_headers, record
from pbxflow.calls.ingest import keep
from pbxflow.calls.synthetic import CallScript, Clock
from pbxflow.reports import aggregate as agg
from pbxflow.reports.service import reports_service
from pbxflow.reports.synthetic import inbound, outbound

NODE = "pbx1:5038"
ZONE = "America/New_York"


def next_transition(zone: str) -> float:
    """The next change of the zone's UTC offset (a DST change) after now, to the hour."""
    tz = ZoneInfo(zone)
    t = (int(time.time()) // 3600 + 1) * 3600
    offset = datetime.fromtimestamp(t, tz).utcoffset()
    while datetime.fromtimestamp(t + 3600, tz).utcoffset() == offset:
        t += 3600
    return float(t + 3600)


# From 23:40 New York time before the next DST change (at 02:00 local, after the midnight), on a
# tenant made now: calls across 15 minutes, hours, the day and the offset change.
DST = next_transition(ZONE)
START = DST - 2 * 3600 - 20 * 60
DID1, DID2 = "+74951112233", "+74951112244"
REC = "{}/user-00000000-0000-4000-8000-000000000001/1790000000.1-1790000000.2.wav"


def ingest(runtime, events: list[dict]) -> int:
    svc = runtime.calls_service()
    recorded = [record(NODE, canonical_headers(h.items()), received=time.time()) for h in events if keep(h["Event"], h)]
    result = Appender(svc.app).append(recorded)
    svc.wait(result.position)
    return result.position or 0


@pytest.fixture
def world(client, runtime):
    out = {}
    for key, name in (("a", "Alpha"), ("b", "Beta")):
        r = client.post("/api/tenants", json={"name": name, "timezone": ZONE if key == "a" else "Europe/Moscow"})
        assert r.status_code == 201, r.text
        t = r.json()
        exts = {}
        for n in ("201", "202"):
            body = {"number": n, "name": f"{name} {n}", "devices": [{"type": "sip"}]}
            if key == "a" and n == "201":
                u = client.post(f"/api/tenants/{t['id']}/users", json={"login": "user-a", "name": "User A",
                                                                      "password": "user-a-password", "role": "user"})
                assert u.status_code == 201, u.text
                body["owner_user_id"] = u.json()["id"]
            r = client.post(f"/api/tenants/{t['id']}/extensions", json=body)
            assert r.status_code == 201, r.text
            exts[n] = r.json()
        out[key] = {"tenant": t, "exts": exts, "devices": {n: e["devices"][0]["username"] for n, e in exts.items()}}
    r = client.post(f"/api/tenants/{out['a']['tenant']['id']}/users",
                    json={"login": "adm-a", "name": "Admin", "password": "adm-a-password", "role": "tenant_admin"})
    assert r.status_code == 201, r.text
    return out


def traffic(world) -> list[dict]:
    """Calls of both tenants across bucket, hour and (New York) day boundaries and the DST change:
    answered, abandoned, busy, queued, forwarded-by-nobody, outbound call-backs, overlapping calls on a line."""
    a, b = world["a"], world["b"]
    code = a["tenant"]["code"]
    events = []
    # Three lanes of the same tenant running at the same time: overlapping calls on the DIDs.
    for lane in range(3):
        s = CallScript(code, clock=Clock(now=START + lane * 200), devices=a["devices"], noise=False)
        for i in range(14):
            caller = f"+7999000{(i + lane) % 5:04d}"
            outcome = ("answered", "noanswer", "busy", "answered")[(i + lane) % 4]
            inbound(s, DID1 if (i + lane) % 3 else DID2, caller, "202", outcome, ring=3 + i, talk=60 * (i % 7) + 13,
                    queue="500" if i % 2 else None, recording=REC.format(code) if (lane, i) == (0, 0) else None)
            s.clock.tick(400 + 37 * i)
            if i % 5 == 4:
                outbound(s, "201", f"+7999000{i % 5:04d}", "answered" if lane else "noanswer")
                s.call("201", "202", "answered", talk=40, ring=1)
        events += s.events
    sb = CallScript(b["tenant"]["code"], clock=Clock(now=START + 50), devices=b["devices"], noise=False)
    for i in range(6):
        inbound(sb, DID1, "+79990000001", "201", ("answered", "noanswer")[i % 2], talk=90)
        sb.clock.tick(1000)
    return events + sb.events


def history(runtime, code: str) -> list[dict]:
    with runtime.pool.connection() as conn, conn.cursor(row_factory=dict_row) as cur:
        cur.execute("SELECT *, extract(epoch FROM started_at)::float8 AS s, extract(epoch FROM ended_at)::float8 AS e,"
                    " extract(epoch FROM answered_at)::float8 AS a FROM calls_history WHERE tenant_code = %s", (code,))
        return cur.fetchall()


DAY1 = datetime.fromtimestamp(START, ZoneInfo(ZONE)).date()
DAYS = [DAY1.isoformat(), DAY1.fromordinal(DAY1.toordinal() + 1).isoformat(), DAY1.fromordinal(DAY1.toordinal() + 2).isoformat()]
PERIOD = {"preset": "custom", "from": DAYS[0], "to": DAYS[2]}


def local(at: float, fmt: str) -> str:
    return datetime.fromtimestamp(at, timezone.utc).astimezone(ZoneInfo(ZONE)).strftime(fmt)


def test_reports_equal_a_recomputation_survive_rebuild_and_stay_in_their_tenant(client, runtime, world):
    ingest(runtime, traffic(world))
    ta, tb = world["a"]["tenant"]["id"], world["b"]["tenant"]["id"]
    rows = history(runtime, world["a"]["tenant"]["code"])
    assert len(rows) > 50

    r = client.get(f"/api/tenants/{ta}/reports/calls", params={**PERIOD, "limit": 500})
    assert r.status_code == 200, r.text
    body = r.json()
    answered = [x for x in rows if x["result"] in ("answered", "forwarded")]
    assert body["total"] == len(rows) == len(body["items"])
    assert body["totals"] == {
        "calls": len(rows), "answered": len(answered), "missed": len(rows) - len(answered),
        "talk_seconds": sum(round(x["e"] - x["a"]) for x in answered),
        "billable_seconds": sum(x["billable_seconds"] for x in rows)}
    assert {x["id"] for x in body["items"]} == {str(x["id"]) for x in rows}
    starts = [x["started_at"] for x in body["items"]]
    assert starts == sorted(starts, reverse=True)

    # The dashboard, from the buckets, against the raw calls in New York time.
    r = client.get(f"/api/tenants/{ta}/reports/dashboard", params=PERIOD)
    assert r.status_code == 200, r.text
    dash = r.json()
    per_hour, per_day = Counter(), Counter()
    for x in rows:
        ok = x["result"] in ("answered", "forwarded")
        for key, c in ((local(x["s"], "%Y-%m-%dT%H:00"), per_hour), (local(x["s"], "%Y-%m-%d"), per_day)):
            c[(key, "calls")] += 1
            c[(key, "answered" if ok else "missed")] += 1
    # In autumn two New York hours are "01:00" (before and after the change): summed under one label.
    assert {(h["hour"], k): h[k] for h in dash["per_hour"] for k in ("calls", "answered", "missed") if h[k]} == dict(per_hour)
    assert {(d["day"], k): d[k] for d in dash["per_day"] for k in ("calls", "answered", "missed") if d[k]} == dict(per_day)
    assert [d["day"] for d in dash["per_day"]] == DAYS[:2]  # both sides of the midnight in New York
    assert dash["answered"] + dash["missed"] == len(rows)

    # Line occupancy per hour (UTC-aligned hours in this zone): the most calls of a DID at one instant.
    occ = defaultdict(int)
    for line in (DID1, DID2):
        spans = [(x["s"], max(x["e"], x["s"] + agg.MIN_SPAN)) for x in rows if x["did"] == line]
        lo, hi = min(s for s, _ in spans), max(e for _, e in spans)
        h = int(lo // 3600 * 3600)
        while h < hi:
            instants = [h] + [s for s, _ in spans if h <= s < h + 3600]
            best = max(sum(1 for s, e in spans if s <= t < e) for t in instants)
            if best:
                occ[(line, local(h, "%Y-%m-%dT%H:%M"))] = max(occ[(line, local(h, "%Y-%m-%dT%H:%M"))], best)
            h += 3600
    assert dash["occupancy_step"] == "day"  # the default over three days
    assert {(o["line"], o["start"][:10]) for o in dash["line_occupancy"]} == {(line, start[:10]) for line, start in occ}
    r = client.get(f"/api/tenants/{ta}/reports/dashboard", params={**PERIOD, "step": "hour"})
    got = {(o["line"], o["start"]): o["max_lines"] for o in r.json()["line_occupancy"]}
    assert got == dict(occ)
    assert max(got.values()) >= 2  # the lanes overlap

    # Missed and not called back: callers whose last missed inbound call has no later answered or outbound call.
    missed_callers = {}
    for x in sorted(rows, key=lambda x: x["s"]):
        peer = agg.digits(x["caller"] if x["direction"] == "in" else x["called"] if x["direction"] == "out" else "")
        if x["direction"] == "in" and x["result"] not in ("answered", "forwarded"):
            missed_callers.setdefault(peer, []).append(x["s"])
    expected = {}
    for peer, times in missed_callers.items():
        last = max(times)
        later = [x for x in rows if x["s"] > last and (
            (x["direction"] == "out" and agg.digits(x["called"]) == peer) or
            (x["direction"] == "in" and agg.digits(x["caller"]) == peer and x["result"] in ("answered", "forwarded")))]
        if not later:
            expected[peer] = len(times)
    got = {agg.digits(m["caller"]): m["attempts"] for m in dash["missed_not_called_back"]}
    assert got == expected
    assert 0 < len(expected) < len(missed_callers)  # some were called back, some not
    # Busiest users: extension 202 answers the inbound calls, 201 places the outbound/internal ones.
    users = {u["user"]: u for u in dash["busiest_users"]}
    assert users["202"]["name"] == "Alpha 202" and users["201"]["name"] == "Alpha 201"
    assert users["202"]["calls"] == sum(1 for x in rows if x["direction"] == "in" and x["answered_by"] == "202")
    assert users["201"]["calls"] == sum(1 for x in rows if x["direction"] != "in")

    # Rebuild by replay: the reports' own rebuild, and a rebuild of the calls projection under it.
    svc = reports_service(runtime)
    before = client.get(f"/api/tenants/{ta}/reports/dashboard", params=PERIOD).json()
    before_calls = client.get(f"/api/tenants/{ta}/reports/calls", params={**PERIOD, "limit": 500}).json()
    svc.view.rebuild()
    assert client.get(f"/api/tenants/{ta}/reports/dashboard", params=PERIOD).json() == before
    calls = runtime.calls_service()
    calls.view.reset(calls.app.name)
    calls.view.process(calls.app, batch_size=97)  # other batch boundaries
    assert client.get(f"/api/tenants/{ta}/reports/dashboard", params=PERIOD).json() == before
    assert client.get(f"/api/tenants/{ta}/reports/calls", params={**PERIOD, "limit": 500}).json() == before_calls
    assert svc.view.process() == 0  # exactly once: nothing new, nothing counted twice

    # Tenant B sees its own calls only; A's admin cannot read B.
    rb = client.get(f"/api/tenants/{tb}/reports/calls", params=PERIOD)
    assert rb.json()["total"] == 6
    assert not {x["id"] for x in rb.json()["items"]} & {str(x["id"]) for x in rows}
    adm = login(client, "adm-a", "adm-a-password")
    assert client.get(f"/api/tenants/{tb}/reports/calls", headers=adm).status_code == 404
    assert client.get(f"/api/tenants/{tb}/reports/dashboard", headers=adm).status_code == 404
    assert client.get(f"/api/tenants/{ta}/reports/dashboard", params=PERIOD, headers=adm).json() == before

    # A user-role actor sees only the calls of the extension they own (201: outbound and internal).
    usr = login(client, "user-a", "user-a-password")
    mine = client.get(f"/api/tenants/{ta}/reports/calls", params={**PERIOD, "limit": 500}, headers=usr).json()
    assert mine["total"] == sum(1 for x in rows if x["direction"] != "in") > 0
    assert all(x["user"]["number"] == "201" for x in mine["items"])
    assert client.get(f"/api/tenants/{ta}/reports/dashboard", headers=usr).status_code == 403

    # Filters.
    for params, pred in (({"direction": "in"}, lambda x: x["direction"] == "in"),
                         ({"result": "missed"}, lambda x: x["result"] not in ("answered", "forwarded")),
                         ({"result": "busy"}, lambda x: x["result"] == "busy"),
                         ({"line": DID2}, lambda x: x["did"] == DID2),
                         ({"group": "500"}, lambda x: any(p["step"] == "queue" for p in x["protocol"])),
                         ({"user": "201"}, lambda x: x["direction"] != "in"),
                         ({"q": "0000002"}, lambda x: "0000002" in (x["caller"] or "") + "|" + (x["called"] or ""))):
        got = client.get(f"/api/tenants/{ta}/reports/calls", params={**PERIOD, **params, "limit": 500}).json()
        assert got["total"] == sum(1 for x in rows if pred(x)) > 0, params
    assert client.get(f"/api/tenants/{ta}/reports/calls", params={"preset": "custom", "from": DAYS[2], "to": DAYS[2]}).json()["total"] == 0


def test_exports_hold_the_rows_of_the_json_view(client, runtime, world):
    ingest(runtime, traffic(world))
    ta = world["a"]["tenant"]["id"]
    view = {**PERIOD, "direction": "in", "sort": "talk_seconds"}
    items = client.get(f"/api/tenants/{ta}/reports/calls", params={**view, "limit": 500}).json()["items"]
    assert items
    r = client.get(f"/api/tenants/{ta}/reports/calls", params={**view, "format": "csv"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert f'filename="calls-{DAYS[0]}-{DAYS[2]}.csv"' in r.headers["content-disposition"]
    table = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert [row["call id"] for row in table] == [x["id"] for x in items]
    assert [int(row["talk, s"]) for row in table] == [x["talk_seconds"] for x in items]
    r = client.get(f"/api/tenants/{ta}/reports/calls", params={**view, "format": "xlsx"})
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.content)).active
    header, *data = list(ws.values)
    assert header[0] == "started" and header[-1] == "call id"
    assert [d[-1] for d in data] == [x["id"] for x in items]
    assert [d[header.index("caller")] for d in data] == [x["caller"] for x in items]
    assert [d[header.index("result")] for d in data] == [x["result"] for x in items]
    # Local (tenant zone) start times, as datetimes.
    assert data[0][0] == datetime.fromisoformat(items[0]["started_at"]).astimezone(ZoneInfo(ZONE)).replace(
        tzinfo=None, microsecond=0)


def test_archive_job_progresses_to_a_zip_of_days(client, runtime, world, tmp_path, monkeypatch):
    monkeypatch.setenv("PBXFLOW_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("PBXFLOW_RECORDINGS_SPOOL", str(tmp_path / "monitor"))
    code = world["a"]["tenant"]["code"]
    wav = tmp_path / "monitor" / REC.format(code)
    wav.parent.mkdir(parents=True)
    wav.write_bytes(b"RIFF" + bytes(100))
    ingest(runtime, traffic(world))
    ta, tb = world["a"]["tenant"]["id"], world["b"]["tenant"]["id"]
    r = client.post(f"/api/tenants/{ta}/reports/archives", json={"from": DAYS[0], "to": DAYS[1]})
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["state"] in ("queued", "running", "done") and 0 <= job["progress"] <= 1
    seen = []
    deadline = time.monotonic() + 60
    while job["state"] not in ("done", "failed") and time.monotonic() < deadline:
        time.sleep(0.05)
        job = client.get(f"/api/tenants/{ta}/reports/archives/{job['id']}").json()
        seen.append(job["progress"])
    assert job["state"] == "done", job
    assert job["progress"] == 1 and seen == sorted(seen)
    assert client.get(f"/api/tenants/{tb}/reports/archives/{job['id']}").status_code == 404  # another tenant's path
    r = client.get(f"/api/tenants/{ta}/reports/archives/{job['id']}/download")
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    zf = zipfile.ZipFile(io.BytesIO(r.content))
    names = zf.namelist()
    rows = history(runtime, code)
    days = {local(x["s"], "%Y-%m-%d") for x in rows}
    assert {n for n in names if n.endswith("/")} == {f"{d}/" for d in days} == {f"{DAYS[0]}/", f"{DAYS[1]}/"}
    [recording] = [n for n in names if n.endswith(".wav")]
    assert recording.startswith(f"{DAYS[0]}/") and zf.read(recording) == wav.read_bytes()
    ws = load_workbook(io.BytesIO(zf.read("index.xlsx"))).active
    header, *data = list(ws.values)
    assert len(data) == len(rows) == job["calls"]
    assert [d[header.index("recording file")] for d in data if d[header.index("recording file")]] == [recording]
    assert job["recordings"] == 1


def test_line_occupancy_report_is_the_projections_occupancy(client, runtime, world):
    """``/reports/line-occupancy`` answers from the pre-aggregated 15-minute occupancy (one line, or
    all lines together) and equals a recomputation from the raw calls for every interval."""
    from pbxflow.reports import contact_centre as cc

    ingest(runtime, traffic(world))
    ta = world["a"]["tenant"]["id"]
    rows = history(runtime, world["a"]["tenant"]["code"])
    tz = ZoneInfo(ZONE)
    start = datetime.fromisoformat(DAYS[0]).replace(tzinfo=tz)
    end = datetime.fromisoformat(DAYS[2]).replace(tzinfo=tz) + (datetime.fromisoformat(DAYS[1]) - datetime.fromisoformat(DAYS[0]))
    for interval in ("15", "60", "day"):
        buckets = cc.intervals(start, end, ZONE, interval)
        for lines in (None, [DID1], [DID2], [DID1, DID2]):
            spans = [(x["did"], *agg.span({"started": x["s"], "ended": x["e"]})) for x in rows if x["did"]]
            want = cc.line_occupancy(spans, buckets, set(lines) if lines else None)
            r = client.get(f"/api/tenants/{ta}/reports/line-occupancy",
                           params={**PERIOD, "interval": interval, **({"line": lines} if lines else {})})
            assert r.status_code == 200, r.text
            got = r.json()["rows"]
            assert [g["max_lines"] for g in got] == [w["max_lines"] for w in want], (interval, lines)
            assert [g["start"] for g in got[:-1]] == [w["start"].isoformat() for w in want[:-1]]
    both = client.get(f"/api/tenants/{ta}/reports/line-occupancy", params={**PERIOD, "interval": "day"}).json()["rows"]
    one = [client.get(f"/api/tenants/{ta}/reports/line-occupancy",
                      params={**PERIOD, "interval": "day", "line": d}).json()["rows"][-1]["max_lines"] for d in (DID1, DID2)]
    assert max(one) <= both[-1]["max_lines"] <= sum(one) and max(one) >= 2  # lines together, not maxima summed


REFERENCE_MISSED = (  # the scan this table replaced: every missed call of the period, newest caller first
    "SELECT g.* FROM (SELECT m.peer, max(m.caller) AS caller, max(m.started_at) AS last_missed_at,"
    " count(*)::int AS attempts FROM reports_calls m WHERE m.tenant_code = %s AND m.direction = 'in'"
    " AND NOT m.answered AND m.peer IS NOT NULL AND m.started_at >= %s AND m.started_at < %s GROUP BY m.peer"
    " ORDER BY last_missed_at DESC, m.peer OFFSET 0) g"
    " WHERE NOT EXISTS (SELECT 1 FROM reports_calls c WHERE c.tenant_code = %s AND c.peer = g.peer"
    " AND c.started_at > g.last_missed_at AND (c.direction = 'out' OR c.answered)) LIMIT %s")


def test_missed_not_called_back_from_the_callers_table_equals_the_scan(runtime):
    """Random histories (few numbers, calls finishing out of order, in small chunks), periods in the
    past, around now and in the future: the callers table answers what the scan of the period did."""
    import json
    import random
    import uuid as uuidlib
    from datetime import timedelta

    from pbxflow.reports.queries import MISSED_LIMIT, Tenant

    svc = runtime.calls_service()
    reports = reports_service(runtime)
    cols = ("id", "node", "linkedid", "tenant_code", "direction", "result", "started_at", "answered_at", "ended_at",
            "duration", "billable_seconds", "caller", "called", "reconciled", "protocol", "position")
    base = time.time() - 10 * 86400
    position = 0
    tenants = []
    with runtime.pool.connection() as conn:
        for seed in range(24):
            rng = random.Random(seed)
            code = f"rnd{seed:03d}"
            tenants.append(code)
            rows = []
            for i in range(700 if seed == 0 else rng.randrange(5, 90)):
                at = base + rng.uniform(0, 9 * 86400) if rng.random() < 0.9 else base + rng.randrange(9) * 86400  # ties
                direction = rng.choice(["in", "in", "in", "out", "internal"])
                result = rng.choice(["answered", "no answer", "busy", "voicemail", "forwarded"])
                peer = f"+7999{rng.randrange(500 if seed == 0 else 6 if seed % 3 else 120):07d}"
                answered = at + 3 if result in ("answered", "forwarded") else None
                rows.append((uuidlib.UUID(int=rng.getrandbits(128)), "t:1", f"{seed}.{i}", code, direction, result,
                             datetime.fromtimestamp(at, timezone.utc),
                             datetime.fromtimestamp(answered, timezone.utc) if answered else None,
                             datetime.fromtimestamp(at + 40, timezone.utc), 40, 37 if answered else 0,
                             peer if direction == "in" else "201", peer if direction == "out" else "202", False,
                             json.dumps([]), 0))
            rng.shuffle(rows)  # calls finish (reach the history) in another order than they started
            with conn.cursor() as cur, cur.copy(f"COPY calls_history ({', '.join(cols)}) FROM STDIN") as copy:
                for r in rows:
                    if rng.random() < 0.3:
                        position += 1
                    copy.write_row((*r[:-1], position + 1))
        position += 1
        conn.execute(f"INSERT INTO {svc.view.tracking_table_name} (application_name, notification_id) VALUES (%s, %s)",
                     (svc.app.name, position))
    assert reports.view.process(chunk=13) > 0

    now = datetime.now(timezone.utc)
    days = [datetime.fromtimestamp(base, timezone.utc) + timedelta(days=d) for d in range(11)]
    periods = [(days[a], days[b]) for a, b in ((0, 10), (0, 3), (2, 5), (4, 6), (7, 8), (8, 10), (9, 10))]
    periods += [(days[3], now), (days[6], now + timedelta(days=3))]
    listed, full = 0, 0
    for code in tenants:
        t = Tenant(str(uuidlib.uuid4()), code, "UTC", days[0] - timedelta(days=1))
        for s, e in periods:
            want = reports.read._rows(REFERENCE_MISSED, (code, s, e, code, MISSED_LIMIT))
            want = [{"caller": r["caller"], "last_missed_at": r["last_missed_at"].isoformat(), "attempts": r["attempts"]}
                    for r in want]
            assert reports.read.missed_not_called_back(t, s, e) == want, (code, s, e)
            listed += len(want)
            full += len(want) == MISSED_LIMIT
    assert listed > 100 and full  # the histories list callers, some more than the limit
