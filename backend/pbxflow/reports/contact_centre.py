"""Contact-centre reports (F-REP-2, F-REP-3), pure: queue calls out of call history rows, and
the report tables over them.

A *queue call* is one stay of a call in a group's queue (app_queue ``t-<code>-q<number>``),
read from the call's protocol: ``queue_join`` … ``queue_leave`` / ``queue_abandon``, the
operators rung (``agent_called``), the one who took it (``agent_connect``) and those who let
it ring out (``agent_no_answer``). Its talk lasts from the connect to the first hang-up or
transfer after it; whoever hung up first "ended" it (the caller's channel is the call's first).

Definitions (as in the product's report forms):

* reaction — from the operator's phone starting to ring (``agent_called``) to the answer;
* missed (an operator's) — rung for the full ring time without answering (``agent_no_answer``);
* lost (a group's) — the caller left the queue unanswered (hung up, or the queue timed out);
* service level — answered within ``qos_seconds`` of joining, over all calls received;
* the period and the chronological intervals are in the tenant's time zone.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from typing import Iterable
from zoneinfo import ZoneInfo

QUEUE_RE = re.compile(r"^t-([a-z][a-z0-9]{2,11})-q([0-9]{1,20})$")
PARAMETERS = ("calls", "avg_talk", "avg_reaction", "avg_abandon", "avg_answer", "service_level")


@dataclass
class QueueCall:
    call_id: str
    caller: str | None
    group: str  # the group's number
    joined: float
    left: float
    position: int | None  # place in the queue on joining (1 = first)
    outcome: str  # answered | abandoned | lost
    operator: str | None = None  # extension number of the one who answered
    answered: float | None = None
    reaction: float | None = None  # seconds the answering operator's phone rang
    talk: float = 0.0
    ended_by: str | None = None  # caller | operator | transfer
    rung: list[str] = field(default_factory=list)  # operators rung (in order, repeated per ring)
    no_answer: list[str] = field(default_factory=list)  # operators who let it ring out

    @property
    def wait(self) -> float:
        return (self.answered if self.answered is not None else self.left) - self.joined

    def as_dict(self) -> dict:
        d = asdict(self)
        d["wait"] = self.wait
        return d


def group_number(queue: str | None) -> str | None:
    m = QUEUE_RE.match(queue or "")
    return m.group(2) if m else None


def _member(value: str | None) -> str | None:
    """The operator (extension number) in a member name: ``201`` or ``201/2`` (second device)."""
    if not value:
        return None
    text = str(value)
    if text.startswith("PJSIP/"):
        parts = text[len("PJSIP/"):].split("-")
        return parts[1] if len(parts) == 3 else None
    return text.split("/")[0]


def queue_calls(row: dict) -> list[QueueCall]:
    """The queue stays of one finished call (a history row with ``id``, ``caller``, ``protocol``)."""
    protocol = row.get("protocol") or []
    origin = next((s.get("channel") for s in protocol if s.get("step") == "start"), None)
    out: list[QueueCall] = []
    cur: QueueCall | None = None
    ringing: dict[str, float] = {}
    for s in protocol:
        kind, at = s.get("step"), float(s.get("at", 0))
        if kind == "queue_join":
            g = group_number(s.get("queue"))
            if g is None:
                continue
            cur = QueueCall(str(row["id"]), row.get("caller"), g, at, at, s.get("position"), "lost")
            ringing = {}
            out.append(cur)
        elif cur is None:
            continue
        elif kind == "agent_called":
            m = _member(s.get("member"))
            if m:
                cur.rung.append(m)
                ringing.setdefault(m, at)
        elif kind == "agent_no_answer":
            m = _member(s.get("member"))
            if m:
                cur.no_answer.append(m)
                ringing.pop(m, None)
        elif kind == "agent_connect" and cur.answered is None and cur.outcome != "abandoned":
            m = _member(s.get("member"))
            cur.operator, cur.answered, cur.outcome = m, at, "answered"
            cur.reaction = at - ringing[m] if m in ringing else 0.0
        elif kind in ("queue_leave", "queue_abandon"):
            # app_queue reports the caller leaving the queue *before* the member's AgentConnect
            # when a member answers, so a leave does not end the stay: a connect may follow.
            if cur.answered is None:
                cur.left = at
                if kind == "queue_abandon":
                    cur.outcome = "abandoned"
        elif kind in ("hangup", "lost", "transfer") and cur.answered is not None and cur.ended_by is None:
            cur.talk = at - cur.answered
            cur.ended_by = "transfer" if kind == "transfer" else ("caller" if s.get("channel") == origin else "operator")
            cur = None
    ended = row.get("ended_at")
    for q in out:
        if q.answered is not None and q.ended_by is None and ended is not None:
            q.talk = max(_epoch(ended) - q.answered, 0.0)
        if q.left < q.joined:
            q.left = q.joined
    return out


def _epoch(value) -> float:
    return value.timestamp() if isinstance(value, datetime) else float(value)


# --- intervals ----------------------------------------------------------------

def intervals(start: datetime, end: datetime, zone: str, interval: str) -> list[tuple[datetime, datetime]]:
    """Consecutive buckets of 15/30/60 minutes or a day, aligned in the tenant's zone."""
    tz = ZoneInfo(zone)
    out = []
    local = start.astimezone(tz)
    t = local.replace(hour=0, minute=0, second=0, microsecond=0) if interval == "day" else local
    while True:
        if interval == "day":
            d = t.date() + timedelta(days=1)
            nxt = datetime(d.year, d.month, d.day, tzinfo=tz)
        else:
            # Wall-clock minutes are ambiguous across DST; step in absolute time from an aligned start.
            nxt = (t.astimezone(ZoneInfo("UTC")) + timedelta(minutes=int(interval))).astimezone(tz)
        a, b = max(t, local), min(nxt, end.astimezone(tz))
        if a >= b:
            break
        out.append((a, b))
        t = nxt
    return out


# --- the reports ------------------------------------------------------------------------

def _avg(total: float, n: int) -> float:
    return total / n if n else 0.0


def _pct(part: int, whole: int) -> float:
    return round(100.0 * part / whole, 1) if whole else 0.0


def _operator_row(key: str, calls: list[QueueCall], op: str | None) -> dict:
    offered = sum(q.rung.count(op) > 0 for q in calls) if op else sum(bool(q.rung) for q in calls)
    mine = [q for q in calls if q.outcome == "answered" and (op is None or q.operator == op)]
    missed = sum(q.no_answer.count(op) for q in calls) if op else sum(len(q.no_answer) for q in calls)
    talk = sum(q.talk for q in mine)
    reaction = sum(q.reaction or 0.0 for q in mine)
    return {"key": key, "offered": offered, "answered": len(mine), "missed": missed,
            "missed_pct": _pct(missed, len(mine) + missed), "talk_seconds": talk,
            "avg_talk_seconds": _avg(talk, len(mine)), "avg_reaction_seconds": _avg(reaction, len(mine))}


def operator_report(calls: Iterable[QueueCall], operator: str) -> list[dict]:
    """One operator, a row per group it took part in, and a total (key "total")."""
    mine = [q for q in calls if operator in q.rung or q.operator == operator]
    groups = sorted({q.group for q in mine}, key=_num)
    rows = [_operator_row(g, [q for q in mine if q.group == g], operator) for g in groups]
    rows.append(_operator_row("total", mine, operator))
    return rows


def group_operators_report(calls: Iterable[QueueCall], group: str, members: Iterable[str] = ()) -> list[dict]:
    """A group's operators (its members and anyone who took part), a row each, and a total."""
    mine = [q for q in calls if q.group == group]
    ops = set(members) | {m for q in mine for m in q.rung} | {q.operator for q in mine if q.operator}
    rows = [_operator_row(op, mine, op) for op in sorted(ops, key=_num)]
    total = {"key": "total", **{k: sum(r[k] for r in rows) for k in ("offered", "answered", "missed", "talk_seconds")}}
    answered = [q for q in mine if q.outcome == "answered"]
    total["missed_pct"] = _pct(total["missed"], total["answered"] + total["missed"])
    total["avg_talk_seconds"] = _avg(total["talk_seconds"], total["answered"])
    total["avg_reaction_seconds"] = _avg(sum(q.reaction or 0.0 for q in answered), len(answered))
    rows.append(total)
    return rows


def _group_stats(calls: list[QueueCall], qos: float) -> dict:
    answered = [q for q in calls if q.outcome == "answered"]
    lost = [q for q in calls if q.outcome != "answered"]
    talk = sum(q.talk for q in answered)
    lost_waits = [q.wait for q in lost]
    return {"received": len(calls), "answered": len(answered), "lost": len(lost), "lost_pct": _pct(len(lost), len(calls)),
            "talk_seconds": talk, "avg_talk_seconds": _avg(talk, len(answered)),
            "avg_reaction_seconds": _avg(sum(q.reaction or 0.0 for q in answered), len(answered)),
            "avg_answer_seconds": _avg(sum(q.wait for q in answered), len(answered)),
            "max_queue_length": max((q.position or 0 for q in calls), default=0),
            "avg_abandon_seconds": _avg(sum(lost_waits), len(lost)), "max_abandon_seconds": max(lost_waits, default=0.0),
            "service_level_pct": _pct(sum(q.wait <= qos for q in answered), len(calls))}


def comparison_report(calls: Iterable[QueueCall], groups: Iterable[str], qos_seconds: float) -> list[dict]:
    calls = list(calls)
    rows = [{"key": g, **_group_stats([q for q in calls if q.group == g], qos_seconds)} for g in sorted(groups, key=_num)]
    wanted = {r["key"] for r in rows}
    rows.append({"key": "total", **_group_stats([q for q in calls if q.group in wanted], qos_seconds)})
    return rows


def parameter_value(calls: list[QueueCall], parameter: str, qos: float) -> dict:
    """The chronological report's cell: for "calls" answered/lost counts, else the average."""
    s = _group_stats(calls, qos)
    if parameter == "calls":
        return {"answered": s["answered"], "lost": s["lost"], "total": s["received"]}
    key = {"avg_talk": "avg_talk_seconds", "avg_reaction": "avg_reaction_seconds", "avg_abandon": "avg_abandon_seconds",
           "avg_answer": "avg_answer_seconds", "service_level": "service_level_pct"}[parameter]
    return {"value": s[key]}


def chronology_report(calls: Iterable[QueueCall], groups: Iterable[str], buckets: list[tuple[datetime, datetime]],
                      parameter: str, qos_seconds: float = 20) -> list[dict]:
    """A row per interval (a queue call counts where it joined) with a cell per group and the total,
    then a totals row. Calls go to their interval by binary search: one pass over the calls."""
    groups = sorted(groups, key=_num)
    wanted = set(groups)
    starts = [a.timestamp() for a, _ in buckets]
    ends = [b.timestamp() for _, b in buckets]
    per_bucket: list[list[QueueCall]] = [[] for _ in buckets]
    for q in calls:
        i = bisect_right(starts, q.joined) - 1
        if q.group in wanted and i >= 0 and q.joined < ends[i]:
            per_bucket[i].append(q)

    def row(inside: list[QueueCall], **extra) -> dict:
        return {**extra, "groups": {g: parameter_value([q for q in inside if q.group == g], parameter, qos_seconds)
                                    for g in groups}, "total": parameter_value(inside, parameter, qos_seconds)}

    rows = [row(inside, start=a, end=b) for (a, b), inside in zip(buckets, per_bucket)]
    rows.append(row([q for inside in per_bucket for q in inside], start=None, end=None, total_row=True))
    return rows


def line_occupancy(calls: Iterable[tuple[str | None, float, float]], buckets: list[tuple[datetime, datetime]],
                   lines: set[str] | None = None) -> list[dict]:
    """Max simultaneous inbound calls per interval over the chosen lines (DIDs): (line, start, end)
    per call; a call occupies [start, end). The lines are counted together, not their maxima summed."""
    starts = [a.timestamp() for a, _ in buckets]
    ends = [b.timestamp() for _, b in buckets]
    points: list[list[tuple[float, int]]] = [[] for _ in buckets]
    for line, s, e in calls:
        if lines is not None and line not in lines:
            continue
        i = max(bisect_right(starts, s) - 1, 0)
        while i < len(buckets) and starts[i] < e:
            s2, e2 = max(s, starts[i]), min(e, ends[i])
            if s2 < e2:
                points[i] += [(s2, 1), (e2, -1)]
            i += 1
    rows = []
    for i, (a, b) in enumerate(buckets):
        level = best = 0
        for _, d in sorted(points[i]):  # at the same instant an end (-1) sorts before a start (+1)
            level += d
            best = max(best, level)
        rows.append({"n": i, "start": a, "end": b, "max_lines": best})
    rows.append({"n": None, "start": None, "end": None, "max_lines": max((r["max_lines"] for r in rows), default=0),
                 "total_row": True})
    return rows


def occupancy_from_buckets(bucket_max: dict[float, int], buckets: list[tuple[datetime, datetime]]) -> list[dict]:
    """The rows of ``line_occupancy`` from pre-aggregated 15-minute maxima (bucket start → most
    lines at once in it): an interval's maximum is its buckets' maximum. Exact for intervals made
    of whole 15-minute UTC buckets, which every zone's 15/30/60-minute and daily intervals are."""
    starts = [a.timestamp() for a, _ in buckets]
    ends = [b.timestamp() for _, b in buckets]
    best = [0] * len(buckets)
    for at, value in bucket_max.items():
        i = bisect_right(starts, at) - 1
        if i >= 0 and at < ends[i]:
            best[i] = max(best[i], value)
    rows = [{"n": i, "start": a, "end": b, "max_lines": best[i]} for i, (a, b) in enumerate(buckets)]
    rows.append({"n": None, "start": None, "end": None, "max_lines": max(best, default=0), "total_row": True})
    return rows


def arrival_and_aht(calls: Iterable[QueueCall], group: str, seconds: float) -> tuple[float, float]:
    """(arrivals per hour over ``seconds``, average handling time = the answered calls' average talk) of a group."""
    mine = [q for q in calls if q.group == group]
    answered = [q for q in mine if q.outcome == "answered"]
    return (len(mine) * 3600.0 / seconds if seconds > 0 else 0.0), _avg(sum(q.talk for q in answered), len(answered))


def _num(key: str):
    return (0, int(key), key) if str(key).isdigit() else (1, 0, str(key))
