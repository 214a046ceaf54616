"""Contact-centre reports, operator states and Erlang C (pbxflow.reports.contact_centre,
agent_states, erlang), pure: each report against a straightforward recomputation from the raw
queue records that generated the call protocols; state timelines' invariants and the state at
any instant against the last facts before it; Erlang C against the closed formula and
published values."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from datetime import date, datetime, timezone
from fractions import Fraction
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pbxflow.reports import agent_states as ag
from pbxflow.reports import contact_centre as cc
from pbxflow.reports import erlang
from pbxflow.reports.export import to_csv, to_xlsx
from pbxflow.reports.period import resolve

BASE = datetime(2026, 3, 7, 0, 0, tzinfo=timezone.utc).timestamp()
GROUPS = ("500", "501", "502")
OPS = ("201", "202", "203", "204")


# --- random queue histories --------------------------------------------------------------

@dataclass
class Raw:
    """What really happened to one queue stay (the truth the protocol is written from)."""

    call_id: str
    caller: str
    group: str
    joined: float
    position: int
    rings: list  # (operator, start, rang_out: bool)
    outcome: str  # answered | abandoned | lost
    end_wait: float  # answer time, or when the caller left
    operator: str | None
    talk: float
    ended_by: str | None  # caller | operator | transfer


@st.composite
def raw_calls(draw, n_max=25, base=BASE):
    out = []
    for i in range(draw(st.integers(0, n_max))):
        joined = base + draw(st.floats(0, 3 * 86400, allow_nan=False)).__round__(3)
        group = draw(st.sampled_from(GROUPS))
        outcome = draw(st.sampled_from(("answered", "abandoned", "lost")))
        t = joined
        rings = []
        for _ in range(draw(st.integers(0, 3))):
            t += draw(st.floats(0.1, 30)).__round__(3)
            rings.append((draw(st.sampled_from(OPS)), t, True))
            t += 15
        operator, talk, ended_by = None, 0.0, None
        if outcome == "answered":
            operator = draw(st.sampled_from(OPS))
            ring_start = t + draw(st.floats(0.1, 10)).__round__(3)
            rings.append((operator, ring_start, False))
            t = ring_start + draw(st.floats(0, 20)).__round__(3)
            talk = draw(st.floats(0.5, 900)).__round__(3)
            ended_by = draw(st.sampled_from(("caller", "operator", "transfer")))
        else:
            t += draw(st.floats(0.1, 60)).__round__(3)
        out.append(Raw(f"c{i}", draw(st.sampled_from(("74951234567", "201", "79990001122"))), group, joined,
                       draw(st.integers(1, 6)), rings, outcome, t, operator, talk, ended_by))
    return out


def protocol_row(r: Raw) -> dict:
    """The history row (protocol) the calls projection writes for such a stay."""
    caller_chan = "PJSIP/trunk-0000abcd-00000001"
    p = [{"at": r.joined - 2, "step": "start", "channel": caller_chan},
         {"at": r.joined - 0.5, "step": "queue", "queue": f"t-acme-q{r.group}"},
         {"at": r.joined, "step": "queue_join", "queue": f"t-acme-q{r.group}", "position": r.position}]
    for op, at, out in r.rings:
        p.append({"at": at, "step": "agent_called", "queue": f"t-acme-q{r.group}", "member": op})
        if out:
            p.append({"at": at + 15, "step": "agent_no_answer", "queue": f"t-acme-q{r.group}", "member": op,
                      "ring_ms": 15000})
    end = r.end_wait
    if r.outcome == "answered":
        # As app_queue emits them: the caller leaves the queue, then the member is connected.
        p.append({"at": r.end_wait, "step": "queue_leave", "queue": f"t-acme-q{r.group}"})
        p.append({"at": r.end_wait, "step": "agent_connect", "queue": f"t-acme-q{r.group}", "member": f"{r.operator}",
                  "hold_seconds": int(r.end_wait - r.joined)})
        end = r.end_wait + r.talk
        if r.ended_by == "transfer":
            p.append({"at": end, "step": "transfer", "kind": "blind", "to": "300"})
            p.append({"at": end + 5, "step": "hangup", "channel": caller_chan})
            end += 5
        else:
            who = caller_chan if r.ended_by == "caller" else f"PJSIP/acme-{r.operator}-ab01-00000002"
            p.append({"at": end, "step": "hangup", "channel": who})
    else:
        if r.outcome == "abandoned":
            p.append({"at": r.end_wait, "step": "queue_abandon", "queue": f"t-acme-q{r.group}", "position": 1})
        p.append({"at": r.end_wait, "step": "queue_leave", "queue": f"t-acme-q{r.group}"})
        p.append({"at": r.end_wait, "step": "hangup", "channel": caller_chan})
    p.sort(key=lambda s: s["at"])  # (stable: same-instant steps keep the order Asterisk emits them in)
    p.append({"at": end, "step": "end"})
    return {"id": r.call_id, "caller": r.caller, "ended_at": end, "protocol": p}


def extract(raws):
    return [q for r in raws for q in cc.queue_calls(protocol_row(r))]


def wait_of(r: Raw) -> float:
    return r.end_wait - r.joined


def reaction_of(r: Raw) -> float:
    return r.end_wait - next(at for op, at, out in r.rings if op == r.operator and not out) if r.outcome == "answered" else 0.0


# --- extraction ----------------------------------------------------------------------------

@settings(max_examples=150, deadline=None)
@given(raw_calls())
def test_queue_calls_are_the_stays_that_happened(raws):
    got = {q.call_id: q for q in extract(raws)}
    assert set(got) == {r.call_id for r in raws}
    for r in raws:
        q = got[r.call_id]
        assert (q.group, q.outcome, q.operator, q.ended_by, q.position) == (r.group, r.outcome, r.operator, r.ended_by, r.position)
        assert math.isclose(q.wait, wait_of(r), abs_tol=1e-6)
        assert math.isclose(q.talk, r.talk, abs_tol=1e-6)
        assert math.isclose(q.reaction or 0.0, reaction_of(r), abs_tol=1e-6)
        assert q.no_answer == [op for op, _, out in r.rings if out]


# --- the reports against a recomputation ---------------------------------------------------

@settings(max_examples=150, deadline=None)
@given(raw_calls(), st.sampled_from(OPS))
def test_operator_report_equals_a_recomputation(raws, op):
    rows = {r["key"]: r for r in cc.operator_report(extract(raws), op)}
    involved = [r for r in raws if r.operator == op or any(o == op for o, _, _ in r.rings)]
    assert set(rows) == {r.group for r in involved} | {"total"}
    for key in rows:
        mine = [r for r in involved if key == "total" or r.group == key]
        answered = [r for r in mine if r.operator == op]
        missed = sum(1 for r in mine for o, _, out in r.rings if o == op and out)
        row = rows[key]
        assert row["answered"] == len(answered) and row["missed"] == missed
        assert row["offered"] == sum(1 for r in mine if any(o == op for o, _, _ in r.rings))
        assert math.isclose(row["talk_seconds"], sum(r.talk for r in answered), abs_tol=1e-6)
        if answered:
            assert math.isclose(row["avg_reaction_seconds"], sum(map(reaction_of, answered)) / len(answered), abs_tol=1e-6)
        assert row["missed_pct"] == (round(100 * missed / (len(answered) + missed), 1) if answered or missed else 0.0)


@settings(max_examples=100, deadline=None)
@given(raw_calls(), st.sampled_from(GROUPS))
def test_group_operators_report_adds_up(raws, group):
    rows = cc.group_operators_report(extract(raws), group, members=["209"])
    *ops, total = rows
    assert total["key"] == "total" and "209" in [r["key"] for r in ops]  # a member without calls still has a row
    mine = [r for r in raws if r.group == group]
    assert total["answered"] == sum(r.outcome == "answered" for r in mine)
    assert total["missed"] == sum(out for r in mine for _, _, out in r.rings)
    assert math.isclose(total["talk_seconds"], sum(r.talk for r in mine), abs_tol=1e-6)


@settings(max_examples=150, deadline=None)
@given(raw_calls(), st.integers(1, 60))
def test_comparison_report_equals_a_recomputation(raws, qos):
    rows = {r["key"]: r for r in cc.comparison_report(extract(raws), GROUPS, qos)}
    for key in (*GROUPS, "total"):
        mine = [r for r in raws if key == "total" or r.group == key]
        answered = [r for r in mine if r.outcome == "answered"]
        lost = [r for r in mine if r.outcome != "answered"]
        row = rows[key]
        assert (row["received"], row["answered"], row["lost"]) == (len(mine), len(answered), len(lost))
        assert row["max_queue_length"] == max((r.position for r in mine), default=0)
        assert math.isclose(row["max_abandon_seconds"], max((wait_of(r) for r in lost), default=0.0), abs_tol=1e-6)
        served = sum(wait_of(r) <= qos for r in answered)
        assert row["service_level_pct"] == (round(100 * served / len(mine), 1) if mine else 0.0)
        assert row["lost_pct"] == (round(100 * len(lost) / len(mine), 1) if mine else 0.0)


ZONES = ("Europe/Moscow", "Asia/Kolkata", "America/Sao_Paulo", "UTC")
# (zone, first local day): New York and Berlin start summer time inside these three days.
ZONE_DAYS = (("Europe/Moscow", date(2026, 3, 7)), ("Asia/Kolkata", date(2026, 3, 7)), ("America/New_York", date(2026, 3, 7)),
             ("Europe/Berlin", date(2026, 3, 28)), ("UTC", date(2026, 3, 7)))


@settings(max_examples=120, deadline=None)
@given(st.data(), st.sampled_from(ZONE_DAYS), st.sampled_from(("15", "30", "60", "day")), st.sampled_from(cc.PARAMETERS))
def test_chronology_buckets_by_the_tenants_wall_clock(data, zone_day, interval, parameter):
    """A call counts in the interval of its join time read on the tenant's wall clock."""
    zone, first = zone_day
    base = datetime(first.year, first.month, first.day, tzinfo=timezone.utc).timestamp() - 12 * 3600
    raws = data.draw(raw_calls(base=base))
    start, end = resolve("custom", first, date.fromordinal(first.toordinal() + 2), zone, datetime(2026, 4, 1, tzinfo=timezone.utc))
    buckets = cc.intervals(start, end, zone, interval)
    rows = cc.chronology_report(extract(raws), GROUPS, buckets, parameter, 20)
    *timed, total = rows
    tz = ZoneInfo(zone)

    def key(ts):
        local = datetime.fromtimestamp(ts, tz)
        if interval == "day":
            return local.date(), 0
        m = int(interval)
        return local.date(), (local.hour * 60 + local.minute) // m * m

    expected: dict = {}
    for r in raws:
        if start.timestamp() <= r.joined < end.timestamp():
            expected.setdefault(key(r.joined), []).append(r)
    got = {key(row["start"].timestamp()): row for row in timed}
    assert len(got) == len(timed)  # one interval per wall-clock slot
    assert timed[0]["start"] == start and timed[-1]["end"] == end
    assert all(a["end"] == b["start"] for a, b in zip(timed, timed[1:]))
    if interval != "day":  # a day with a DST change has 23 (or 25) hours' intervals
        assert len(timed) == round((end - start).total_seconds() / 60 / int(interval))
    for k, row in got.items():
        mine = expected.get(k, [])
        if parameter == "calls":
            assert row["total"]["total"] == len(mine)
            for g in GROUPS:
                assert row["groups"][g]["answered"] == sum(r.group == g and r.outcome == "answered" for r in mine)
                assert row["groups"][g]["lost"] == sum(r.group == g and r.outcome != "answered" for r in mine)
        elif parameter == "avg_talk":
            ans = [r for r in mine if r.outcome == "answered"]
            assert math.isclose(row["total"]["value"], sum(r.talk for r in ans) / len(ans) if ans else 0.0, abs_tol=1e-6)
    assert set(expected) <= set(got)
    if parameter == "calls":
        assert total["total"]["total"] == sum(len(v) for v in expected.values())


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(("+74950000001", "+74950000002", None)), st.floats(0, 2 * 86400),
                          st.floats(0.001, 7200)), max_size=30),
       st.sampled_from(("60", "day", "15")), st.sampled_from(ZONES))
def test_line_occupancy_is_the_most_calls_at_once(spans, interval, zone):
    calls = [(line, BASE + s, BASE + s + d) for line, s, d in spans]
    start, end = resolve("custom", date(2026, 3, 7), date(2026, 3, 8), zone, datetime(2026, 3, 9, tzinfo=timezone.utc))
    buckets = cc.intervals(start, end, zone, interval)
    lines = {"+74950000001"}
    rows = cc.line_occupancy(calls, buckets, lines)
    for row, (a, b) in zip(rows, buckets):
        lo, hi = a.timestamp(), b.timestamp()
        mine = [(s, e) for line, s, e in calls if line in lines and s < hi and e > lo]
        # The maximum of a step function is reached at one of the starts (or at the interval start).
        instants = [lo] + [s for s, _ in mine if s >= lo]
        best = max((sum(s <= t < e for s, e in mine) for t in instants), default=0)
        assert row["max_lines"] == best
    assert rows[-1]["max_lines"] == max((r["max_lines"] for r in rows[:-1]), default=0)


# --- operator states --------------------------------------------------------------------------

DEVICE = "acme-201-ab01"


@st.composite
def agent_events(draw):
    t = BASE
    out = []
    for _ in range(draw(st.integers(0, 30))):
        t += draw(st.sampled_from((0.0, 0.5, 3.0, 45.0, 600.0)))
        kind = draw(st.sampled_from(("device", "pause", "complete")))
        if kind == "device":
            out.append(ag.AgentEvent(t, DEVICE, "device", draw(st.sampled_from(("idle", "ringing", "in_call", "offline")))))
        elif kind == "pause":
            out.append(ag.AgentEvent(t, DEVICE, "pause", draw(st.sampled_from((None, "break", "away")))))
        else:
            out.append(ag.AgentEvent(t, DEVICE, "complete", wrapup=draw(st.sampled_from((0.0, 5.0, 30.0, 120.0)))))
    return out


def state_at(events, t: float) -> str:
    """The reference: the last facts at or before ``t``, by the precedence rule."""
    before = [e for e in events if e.at <= t]
    dev = next((e.value for e in reversed(before) if e.kind == "device"), "offline")
    pause = next((e.value for e in reversed(before) if e.kind == "pause"), None)
    done = next((e for e in reversed(before) if e.kind == "complete"), None)
    if dev in ("offline", "in_call", "ringing"):
        return dev
    if done is not None and t < done.at + done.wrapup:
        return "wrap_up"
    return pause or "waiting"


@settings(max_examples=300, deadline=None)
@given(agent_events(), st.floats(-100, 5000), st.floats(1, 20000), st.lists(st.floats(0, 1), max_size=20))
def test_state_timeline_covers_the_window_and_matches_the_facts(events, offset, length, probes):
    start, end = BASE + offset, BASE + offset + length
    segs = ag.timeline(events, DEVICE, start, end)
    assert segs[0].start == start and segs[-1].end == end
    for a, b in zip(segs, segs[1:]):
        assert a.end == b.start  # contiguous: no gaps, no overlaps
        assert a.state != b.state  # merged
    assert all(s.end > s.start and s.state in ag.STATES for s in segs)
    total = ag.summary(segs)
    assert math.isclose(sum(total.values()), end - start, abs_tol=1e-6)
    instants = {e.at for e in events}
    for p in probes:
        t = start + p * length
        if t in instants or t >= end:
            continue
        seg = next(s for s in segs if s.start <= t < s.end)
        assert seg.state == state_at(events, t), (t, segs)


@settings(max_examples=200, deadline=None)
@given(agent_events(), st.integers(0, 30))
def test_incremental_folding_equals_the_whole_sequence(events, cut):
    """The projection folds batch by batch, keeping ``Current`` as JSON between them."""
    end = BASE + 10**6
    cur = None
    closed = []
    for i, ev in enumerate(events):
        if i == cut and cur is not None:
            cur = ag.Current.from_dict(cur.as_dict())
        cur, segs = ag.step(cur, ev)
        closed += segs
    if cur is not None:
        closed += ag.open_segments(DEVICE, cur, end)
    assert ag.clip(closed, DEVICE, BASE - 1, end) == ag.timeline(events, DEVICE, BASE - 1, end)


def test_ami_events_become_state_facts():
    wrap = {"t-acme-q500": 15}.get
    assert ag.agent_event("DeviceStateChange", 1.0, {"Device": "PJSIP/acme-201-ab01", "State": "RINGING"}) == \
        ag.AgentEvent(1.0, "acme-201-ab01", "device", "ringing")
    assert ag.agent_event("DeviceStateChange", 1.0, {"Device": "PJSIP/trunk-0000abcd", "State": "INUSE"}) is None
    assert ag.agent_event("QueueMemberPause", 2.0, {"Interface": "PJSIP/acme-201-ab01", "Paused": "1",
                                                    "PausedReason": "Away: lunch"}).value == "away"
    assert ag.agent_event("QueueMemberPause", 2.0, {"Interface": "PJSIP/acme-201-ab01", "Paused": "1"}).value == "break"
    assert ag.agent_event("QueueMemberStatus", 2.0, {"Interface": "PJSIP/acme-201-ab01", "Paused": "0"}).value is None
    done = ag.agent_event("AgentComplete", 3.0, {"Interface": "PJSIP/acme-201-ab01", "Queue": "t-acme-q500"}, wrap)
    assert (done.kind, done.wrapup) == ("complete", 15.0)
    assert ag.operator_of("acme-201-ab01") == ("acme", "201")


# --- Erlang C ------------------------------------------------------------------------------

def erlang_c_direct(n: int, a: Fraction) -> Fraction:
    """The closed formula, in exact arithmetic: (A^N/N! · N/(N−A)) / (Σ_{k<N} A^k/k! + A^N/N! · N/(N−A))."""
    top = a**n / math.factorial(n) * Fraction(n) / (n - a)
    return top / (sum(a**k / math.factorial(k) for k in range(n)) + top)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 40), st.fractions(min_value=Fraction(1, 100), max_value=40, max_denominator=100))
def test_erlang_c_equals_the_closed_formula(n, a):
    if n <= a:
        with pytest.raises(ValueError):
            erlang.erlang_c(n, float(a))
        assert not erlang.staffing_row(n, float(a) / 100, 100, 20).stable
        return
    assert math.isclose(erlang.erlang_c(n, float(a)), float(erlang_c_direct(n, a)), rel_tol=1e-9, abs_tol=1e-12)


def test_erlang_c_published_values_for_ten_erlangs():
    # P(wait) for A = 10 Erlangs, as tabulated in the queueing literature.
    for n, p in ((11, 0.6821), (12, 0.4494), (13, 0.2853), (14, 0.1741), (15, 0.1020)):
        assert round(erlang.erlang_c(n, 10.0), 4) == p


def test_erlang_c_is_stable_for_large_systems():
    # 600 Erlangs on 650 operators: factorials would overflow floats; the recursion does not.
    c = erlang.erlang_c(650, 600.0)
    assert 0 < c < 1
    assert erlang.erlang_c(651, 600.0) < c


def test_forecast_rows():
    # 100 calls/hour, 3 min each: A = 5 Erlangs.
    out = erlang.forecast(100, 180, 20, 10)
    assert math.isclose(out["traffic_erlangs"], 5.0) and out["minimum_stable_operators"] == 6
    rows = out["rows"]
    assert [r["stable"] for r in rows] == [False] * 5 + [True] * 5
    assert all(r["probability_wait"] is None and "unstable" in r["note"] for r in rows[:5])
    for r in rows[5:]:
        n, c = r["operators"], float(erlang_c_direct(r["operators"], Fraction(5)))
        assert math.isclose(r["probability_wait"], c, rel_tol=1e-9)
        assert math.isclose(r["asa_seconds"], c * 180 / (n - 5), rel_tol=1e-9)
        assert math.isclose(r["queue_length"], c * 5 / (n - 5), rel_tol=1e-9)
        assert math.isclose(r["service_level"], 1 - c * math.exp(-(n - 5) * 20 / 180), rel_tol=1e-9)
        assert math.isclose(r["occupancy"], 5 / n)
    sl = [r["service_level"] for r in rows[5:]]
    assert sl == sorted(sl)  # more operators, better service


# --- exports -------------------------------------------------------------------------------

@settings(max_examples=30, deadline=None)
@given(raw_calls(n_max=10), st.integers(1, 60))
def test_comparison_export_has_the_json_rows(raws, qos):
    from pbxflow.reports.cc_api import COMPARISON_COLUMNS

    rows = cc.comparison_report(extract(raws), GROUPS, qos)
    wb = openpyxl.load_workbook(io.BytesIO(to_xlsx(COMPARISON_COLUMNS, rows, "cmp")))
    got = list(wb.active.iter_rows(values_only=True))
    assert list(got[0]) == [title for _, title in COMPARISON_COLUMNS]
    want = [[row[k] for k, _ in COMPARISON_COLUMNS] for row in rows]
    assert [r[0] for r in got[1:]] == [w[0] for w in want]
    assert [list(r[1:]) for r in got[1:]] == [pytest.approx(w[1:], rel=1e-12) for w in want]  # xlsx keeps 15 digits
    text = to_csv(COMPARISON_COLUMNS, rows).decode("utf-8-sig").splitlines()
    assert len(text) == len(rows) + 1


def test_who_ended_a_queue_call_is_app_queues_word_not_the_order_of_hangups():
    # When the member hangs up, Asterisk ends both legs at once and may report the caller's
    # Hangup first; AgentComplete's Reason says who it was.
    from pbxflow.reports.contact_centre import queue_calls

    caller, member = "PJSIP/acme-201-aaaa-00000001", "PJSIP/acme-202-bbbb-00000002"
    steps = [{"step": "start", "at": 0.0, "channel": caller},
             {"step": "queue_join", "at": 0.1, "queue": "t-acme-q500", "position": 1},
             {"step": "agent_called", "at": 0.2, "queue": "t-acme-q500", "member": "202"},
             {"step": "queue_leave", "at": 1.0, "queue": "t-acme-q500"},
             {"step": "agent_connect", "at": 1.0, "queue": "t-acme-q500", "member": "202", "hold_seconds": 1},
             {"step": "hangup", "at": 4.0, "channel": caller},
             {"step": "hangup", "at": 4.0, "channel": member}]
    row = {"id": "c1", "caller": "201", "protocol": steps, "ended_at": 4.0}
    [q] = queue_calls(row)
    assert q.ended_by == "caller"  # without app_queue's word, the first hangup decides
    for reason, who in (("agent", "operator"), ("caller", "caller"), ("transfer", "transfer")):
        done = {"step": "agent_complete", "at": 4.0, "queue": "t-acme-q500", "member": "202", "reason": reason}
        [q] = queue_calls({**row, "protocol": steps + [done]})
        assert (q.ended_by, q.talk, q.operator) == (who, 3.0, "202")
