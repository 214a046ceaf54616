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

import decimal
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
        elif kind == "agent_complete":
            # app_queue's own word on who ended the talk; the order of the two legs' Hangup
            # events is not (both go at once when the member hangs up).
            ended_by = _COMPLETE_REASONS.get(str(s.get("reason") or "").lower())
            q = next((q for q in reversed(out) if q.answered is not None), None)
            if q is not None and ended_by:
                if q.ended_by is None:
                    q.talk = at - q.answered
                q.ended_by = ended_by
                if q is cur:
                    cur = None
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


_COMPLETE_REASONS = {"agent": "operator", "caller": "caller", "transfer": "transfer"}


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


_EXACT = decimal.Context(prec=decimal.MAX_PREC, Emax=decimal.MAX_EMAX, Emin=decimal.MIN_EMIN)


def exact_sum(values: Iterable[float]) -> float | int:
    """A sum of seconds, independent of the order of its terms: the exact decimal sum of each
    value's shortest representation, rounded once (0 when there is none, as ``sum``). PostgreSQL
    computes the same bits with ``sum(x::text::numeric)`` (``reports/cc_sql.py``), whatever the
    order it reads the rows in; a plain float sum would differ in the last bit with the order."""
    total, n = decimal.Decimal(0), 0
    for v in values:
        total = _EXACT.add(total, decimal.Decimal(repr(float(v))))
        n += 1
    return float(total) if n else 0


# The tables are built in two stages: counters per key (counts, exact sums, maxima: computed
# here from queue calls, or by SQL in reports/cc_sql.py), then the rows from the counters.

def operator_counters(calls: list[QueueCall], op: str | None) -> dict:
    mine = [q for q in calls if q.outcome == "answered" and (op is None or q.operator == op)]
    return {"offered": sum(q.rung.count(op) > 0 for q in calls) if op else sum(bool(q.rung) for q in calls),
            "answered": len(mine),
            "missed": sum(q.no_answer.count(op) for q in calls) if op else sum(len(q.no_answer) for q in calls),
            "talk": exact_sum(q.talk for q in mine), "reaction": exact_sum(q.reaction or 0.0 for q in mine)}


NO_OPERATOR_CALLS = {"offered": 0, "answered": 0, "missed": 0, "talk": 0, "reaction": 0}


def operator_row(key: str, c: dict) -> dict:
    return {"key": key, "offered": c["offered"], "answered": c["answered"], "missed": c["missed"],
            "missed_pct": _pct(c["missed"], c["answered"] + c["missed"]), "talk_seconds": c["talk"],
            "avg_talk_seconds": _avg(c["talk"], c["answered"]), "avg_reaction_seconds": _avg(c["reaction"], c["answered"])}


def operator_rows(counters: dict[str, dict]) -> list[dict]:
    """The operator report's rows from counters per group number and "total"."""
    groups = sorted((k for k in counters if k != "total"), key=_num)
    return [operator_row(g, counters[g]) for g in groups] + [operator_row("total", counters.get("total", NO_OPERATOR_CALLS))]


def operator_report(calls: Iterable[QueueCall], operator: str) -> list[dict]:
    """One operator, a row per group it took part in, and a total (key "total")."""
    mine = [q for q in calls if operator in q.rung or q.operator == operator]
    counters = {g: operator_counters([q for q in mine if q.group == g], operator) for g in {q.group for q in mine}}
    counters["total"] = operator_counters(mine, operator)
    return operator_rows(counters)


def group_operator_rows(counters: dict[str, dict], listed: Iterable[str], answered: int, reaction: float) -> list[dict]:
    """A group's operator rows: one per listed operator (members and those rung or answering), from
    its counters (none: zeros), and a total; ``answered``/``reaction``: the group's answered calls."""
    rows = [operator_row(op, counters.get(op, NO_OPERATOR_CALLS)) for op in sorted(set(listed), key=_num)]
    total = {"key": "total", **{k: sum(r[k] for r in rows) for k in ("offered", "answered", "missed", "talk_seconds")}}
    total["missed_pct"] = _pct(total["missed"], total["answered"] + total["missed"])
    total["avg_talk_seconds"] = _avg(total["talk_seconds"], total["answered"])
    total["avg_reaction_seconds"] = _avg(reaction, answered)
    rows.append(total)
    return rows


def group_operators_report(calls: Iterable[QueueCall], group: str, members: Iterable[str] = ()) -> list[dict]:
    """A group's operators (its members and anyone who took part), a row each, and a total."""
    mine = [q for q in calls if q.group == group]
    ops = set(members) | {m for q in mine for m in q.rung} | {q.operator for q in mine if q.operator}
    answered = [q for q in mine if q.outcome == "answered"]
    return group_operator_rows({op: operator_counters(mine, op) for op in ops}, ops, len(answered),
                               exact_sum(q.reaction or 0.0 for q in answered))


def group_counters(calls: list[QueueCall], qos: float) -> dict:
    answered = [q for q in calls if q.outcome == "answered"]
    lost_waits = [q.wait for q in calls if q.outcome != "answered"]
    return {"received": len(calls), "answered": len(answered), "talk": exact_sum(q.talk for q in answered),
            "reaction": exact_sum(q.reaction or 0.0 for q in answered), "answer_wait": exact_sum(q.wait for q in answered),
            "max_position": max((q.position or 0 for q in calls), default=0), "lost_wait": exact_sum(lost_waits),
            "lost_wait_max": max(lost_waits, default=0.0), "served": sum(q.wait <= qos for q in answered)}


NO_GROUP_CALLS = {"received": 0, "answered": 0, "talk": 0, "reaction": 0, "answer_wait": 0, "max_position": 0,
                  "lost_wait": 0, "lost_wait_max": 0.0, "served": 0}


def group_stats(c: dict) -> dict:
    lost = c["received"] - c["answered"]
    return {"received": c["received"], "answered": c["answered"], "lost": lost, "lost_pct": _pct(lost, c["received"]),
            "talk_seconds": c["talk"], "avg_talk_seconds": _avg(c["talk"], c["answered"]),
            "avg_reaction_seconds": _avg(c["reaction"], c["answered"]),
            "avg_answer_seconds": _avg(c["answer_wait"], c["answered"]), "max_queue_length": c["max_position"],
            "avg_abandon_seconds": _avg(c["lost_wait"], lost), "max_abandon_seconds": c["lost_wait_max"],
            "service_level_pct": _pct(c["served"], c["received"])}


def _group_stats(calls: list[QueueCall], qos: float) -> dict:
    return group_stats(group_counters(calls, qos))


def comparison_rows(groups: Iterable[str], counters: dict[str, dict]) -> list[dict]:
    """The comparison's rows from counters per group number and "total" (the groups together)."""
    rows = [{"key": g, **group_stats(counters.get(g, NO_GROUP_CALLS))} for g in sorted(groups, key=_num)]
    rows.append({"key": "total", **group_stats(counters.get("total", NO_GROUP_CALLS))})
    return rows


def comparison_report(calls: Iterable[QueueCall], groups: Iterable[str], qos_seconds: float) -> list[dict]:
    calls, groups = list(calls), list(groups)
    wanted = set(groups)
    counters = {g: group_counters([q for q in calls if q.group == g], qos_seconds) for g in wanted}
    counters["total"] = group_counters([q for q in calls if q.group in wanted], qos_seconds)
    return comparison_rows(groups, counters)


def parameter_cell(stats: dict, parameter: str) -> dict:
    """The chronological report's cell: for "calls" answered/lost counts, else the average."""
    if parameter == "calls":
        return {"answered": stats["answered"], "lost": stats["lost"], "total": stats["received"]}
    key = {"avg_talk": "avg_talk_seconds", "avg_reaction": "avg_reaction_seconds", "avg_abandon": "avg_abandon_seconds",
           "avg_answer": "avg_answer_seconds", "service_level": "service_level_pct"}[parameter]
    return {"value": stats[key]}


def parameter_value(calls: list[QueueCall], parameter: str, qos: float) -> dict:
    return parameter_cell(_group_stats(calls, qos), parameter)


def chronology_rows(groups: Iterable[str], buckets: list[tuple[datetime, datetime]], parameter: str,
                    counters: dict[tuple[int | None, str | None], dict]) -> list[dict]:
    """The chronology's rows from counters keyed (interval index | None, group number | None):
    None stands for all intervals (the totals row) or all the groups (the total cell)."""
    groups = sorted(groups, key=_num)

    def row(i: int | None, **extra) -> dict:
        return {**extra, "groups": {g: parameter_cell(group_stats(counters.get((i, g), NO_GROUP_CALLS)), parameter)
                                    for g in groups},
                "total": parameter_cell(group_stats(counters.get((i, None), NO_GROUP_CALLS)), parameter)}

    rows = [row(i, start=a, end=b) for i, (a, b) in enumerate(buckets)]
    rows.append(row(None, start=None, end=None, total_row=True))
    return rows


def chronology_report(calls: Iterable[QueueCall], groups: Iterable[str], buckets: list[tuple[datetime, datetime]],
                      parameter: str, qos_seconds: float = 20) -> list[dict]:
    """A row per interval (a queue call counts where it joined) with a cell per group and the total,
    then a totals row. Calls go to their interval by binary search: one pass over the calls."""
    groups = list(groups)
    wanted = set(groups)
    starts = [a.timestamp() for a, _ in buckets]
    ends = [b.timestamp() for _, b in buckets]
    per_bucket: list[list[QueueCall]] = [[] for _ in buckets]
    for q in calls:
        i = bisect_right(starts, q.joined) - 1
        if q.group in wanted and i >= 0 and q.joined < ends[i]:
            per_bucket[i].append(q)
    counters: dict = {}
    everything = [q for inside in per_bucket for q in inside]
    for i, inside in [*enumerate(per_bucket), (None, everything)]:
        if inside or i is None:
            counters[(i, None)] = group_counters(inside, qos_seconds)
            for g in wanted:
                counters[(i, g)] = group_counters([q for q in inside if q.group == g], qos_seconds)
    return chronology_rows(groups, buckets, parameter, counters)


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
