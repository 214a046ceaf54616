"""The reports' pure aggregation (pbxflow.reports.aggregate) against a straightforward
recomputation from the raw calls: 15-minute buckets rolled up to the tenant's 30 minutes,
hours and days (non-UTC zones, DST changes, calls across bucket/hour/day boundaries), and
line occupancy."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from pbxflow.reports import aggregate as agg
from pbxflow.reports.period import resolve

ZONES = ["Europe/Moscow", "America/New_York", "Europe/Berlin", "Asia/Kolkata", "Asia/Kathmandu", "Australia/Lord_Howe",
         "UTC"]
# Around DST changes of 2026 (US 8 Mar / 1 Nov, EU 29 Mar / 25 Oct, Lord Howe's half hour 5 Apr / 4 Oct).
BASES = [datetime(2026, m, d, 0, tzinfo=timezone.utc).timestamp() for m, d in ((3, 8), (3, 29), (4, 5), (10, 4), (10, 25), (11, 1))]
RESULTS = ["answered", "forwarded", "no answer", "busy", "no route", "failed", "voicemail"]


@st.composite
def history_row(draw, i: int = 0):
    started = draw(st.sampled_from(BASES)) + draw(st.floats(-2 * 86400, 2 * 86400, allow_nan=False))
    result = draw(st.sampled_from(RESULTS))
    ring = draw(st.floats(0, 60))
    talk = draw(st.floats(0, 4 * 3600))
    direction = draw(st.sampled_from(["in", "out", "internal"]))
    answered = started + ring if result in ("answered", "forwarded") or draw(st.booleans()) else None
    ended = (answered if answered is not None else started + ring) + (talk if answered is not None else 0)
    protocol = [{"step": "start", "channel": f"PJSIP/acme-{draw(st.sampled_from(['201', '202']))}-ab01-0000000{i % 10}"}]
    if draw(st.booleans()):
        protocol.append({"step": "queue", "queue": f"t-acme-q{draw(st.sampled_from(['500', '501']))}"})
    return {
        "id": f"c{i}", "tenant": draw(st.sampled_from(["acme", "beta"])), "direction": direction, "result": result,
        "started": started, "answered": answered, "ended": ended, "billable": round(ended - answered) if answered else 0,
        "caller": "+79990000001", "caller_name": None, "called": "+74950000000",
        "did": draw(st.sampled_from(["+74951112233", "+74951112244", None])) if direction == "in" else None,
        "answered_by": "202" if answered and direction == "in" else None,
        "answered_by_device": "acme-202-ab01" if answered and direction == "in" else None, "answered_by_name": None,
        "recording": None, "protocol": protocol,
    }


@st.composite
def histories(draw):
    n = draw(st.integers(0, 40))
    return [draw(history_row(i)) for i in range(n)]


def local_key(at: float, zone: str, unit: str) -> str:
    local = datetime.fromtimestamp(at, timezone.utc).astimezone(ZoneInfo(zone))
    if unit == "day":
        return local.strftime("%Y-%m-%d")
    if unit == "hour":
        return local.strftime("%Y-%m-%dT%H:00")
    return local.strftime("%Y-%m-%dT%H:") + ("00" if local.minute < 30 else "30")


def recompute(rows: list[dict], zone: str, unit: str) -> dict:
    """Straight from the raw calls: each call in the local period of its start."""
    out: dict = defaultdict(lambda: dict.fromkeys(agg.COUNTERS, 0))
    for r in rows:
        answered = r["result"] in ("answered", "forwarded")
        user = r["answered_by"] if r["direction"] == "in" else r["protocol"][0]["channel"].split("-")[1]
        group = next((s["queue"].split("-q")[1] for s in reversed(r["protocol"]) if s["step"] == "queue"), None)
        if r["tenant"] != "acme":
            group = None  # a queue of another tenant's code is not this tenant's group
        keys = [("all", "")] + [(d, k) for d, k in (("line", r["did"]), ("user", user), ("group", group)) if k]
        talk = round(r["ended"] - r["answered"]) if answered else 0
        for dim, key in keys:
            c = out[(r["tenant"], local_key(r["started"], zone, unit), dim, key)]
            c["calls"] += 1
            c["answered"] += answered
            c["missed"] += not answered
            c["inbound"] += r["direction"] == "in"
            c["outbound"] += r["direction"] == "out"
            c["internal"] += r["direction"] == "internal"
            c["talk_seconds"] += talk
            c["billable_seconds"] += r["billable"]
    return dict(out)


@settings(max_examples=150, deadline=None)
@given(histories(), st.sampled_from(ZONES), st.sampled_from(["30min", "hour", "day"]))
def test_buckets_rolled_up_equal_a_recomputation(rows, zone, unit):
    facts = [agg.fact_of(r) for r in rows]
    assert agg.rollup(agg.aggregate(facts), zone, unit) == recompute(rows, zone, unit)


def occupancy_reference(rows: list[dict], lo: float, hi: float) -> int:
    """The most calls in progress at one instant of [lo, hi): the maximum is reached at lo or at a call's start."""
    spans = [(r["started"], max(r["ended"], r["started"] + agg.MIN_SPAN)) for r in rows]
    instants = [lo] + [s for s, _ in spans if lo <= s < hi]
    return max((sum(1 for s, e in spans if s <= t < e) for t in instants), default=0)


@settings(max_examples=150, deadline=None)
@given(histories())
def test_line_occupancy_equals_a_recomputation(rows):
    facts = [agg.fact_of(r) for r in rows]
    occ = agg.occupancy(facts)
    lines = {(r["tenant"], r["did"]) for r in rows if r["did"]}
    for tenant, line in lines:
        mine = [r for r in rows if (r["tenant"], r["did"]) == (tenant, line)]
        touched = {b for r in mine for b in agg.buckets_touched(*agg.span(r))}
        for b in touched:
            assert occ[(tenant, line, b)] == occupancy_reference(mine, b, b + agg.BUCKET), (line, b)
    assert {(t, l) for t, l, _ in occ} == lines
    # Nothing outside the buckets a call touches: occupancy there is 0.
    for (tenant, line, b), value in occ.items():
        assert value >= 1


def test_occupancy_of_touching_and_overlapping_calls():
    base = agg.bucket_of(BASES[0])
    rows = [{"started": base + 10, "ended": base + 100}, {"started": base + 100, "ended": base + 200},  # touch: 1 line
            {"started": base + 150, "ended": base + 2000}, {"started": base + 1000, "ended": base + 1000}]  # zero-length
    assert agg.max_overlap([agg.span(r) for r in rows], base) == 2
    assert agg.max_overlap([agg.span(r) for r in rows], base + agg.BUCKET) == 2  # the zero-length call counts
    assert agg.max_overlap([agg.span(r) for r in rows], base + 2 * agg.BUCKET) == 1  # still the long call
    assert agg.max_overlap([agg.span(r) for r in rows], base + 3 * agg.BUCKET) == 0
    assert list(agg.buckets_touched(base, base + agg.BUCKET)) == [base]


def test_presets_are_calendar_days_of_the_tenant_zone():
    now = datetime(2026, 3, 29, 0, 30, tzinfo=timezone.utc)  # 01:30 in Berlin, the DST night
    start, end = resolve("today", None, None, "Europe/Berlin", now)
    assert (start.isoformat(), end.isoformat()) == ("2026-03-28T23:00:00+00:00", "2026-03-29T22:00:00+00:00")  # 23 hours
    start, end = resolve("7d", None, None, "America/New_York", now)
    assert start.isoformat() == "2026-03-22T04:00:00+00:00"  # 28 March there: 7 days incl. today
    assert end.isoformat() == "2026-03-29T04:00:00+00:00"
    start, end = resolve("custom", date(2026, 10, 25), date(2026, 10, 25), "Europe/Moscow", now)
    assert (start.isoformat(), end.isoformat()) == ("2026-10-24T21:00:00+00:00", "2026-10-25T21:00:00+00:00")
