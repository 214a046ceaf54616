"""Finished calls → 15-minute report buckets (pure; F-REP-1, F-REP-4).

A *fact* is one finished call as the reports see it (``fact_of`` makes it from a calls
history row): tenant, times (epoch seconds), direction, result, line (DID), user
(extension number), group (number), talk and billable seconds.

Buckets are 15 minutes of UTC time (``bucket_of``). Every time zone's offset is a whole
multiple of 15 minutes, so a bucket lies inside one local hour and one local day of any
tenant zone: 30/60-minute and daily figures in the tenant's zone are exact sums of
buckets (``rollup``). A call counts in the bucket where it *started*; line occupancy is
the most calls of one line in progress at the same instant within the bucket, a call
occupying [start, end) (a zero-length call: one millisecond).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

BUCKET = 900  # seconds
ANSWERED = frozenset({"answered", "forwarded"})
DIMENSIONS = ("all", "line", "user", "group")  # "all": the tenant's totals, key ""
COUNTERS = ("calls", "answered", "missed", "inbound", "outbound", "internal", "talk_seconds", "billable_seconds")
MIN_SPAN = 0.001
QUEUE_RE = re.compile(r"^t-([a-z][a-z0-9]{2,11})-q([0-9]{1,20})$")  # projections/asterisk/render: the group's queue


def bucket_of(at: float) -> int:
    # Whole microseconds first, as PostgreSQL stores the time (and datetime shows it).
    return int(round(at, 6) // BUCKET) * BUCKET


def digits(value: str | None) -> str:
    return re.sub(r"[^0-9]", "", value or "")


def is_answered(result: str) -> bool:
    return result in ANSWERED


def keys_of(fact: dict) -> list[tuple[str, str]]:
    """The (dimension, key) rows a call counts in."""
    out = [("all", "")]
    if fact.get("line"):
        out.append(("line", fact["line"]))
    if fact.get("user"):
        out.append(("user", fact["user"]))
    if fact.get("group"):
        out.append(("group", fact["group"]))
    return out


def counters_of(fact: dict) -> dict[str, int]:
    answered = is_answered(fact["result"])
    return {
        "calls": 1, "answered": int(answered), "missed": int(not answered),
        "inbound": int(fact["direction"] == "in"), "outbound": int(fact["direction"] == "out"),
        "internal": int(fact["direction"] == "internal"),
        "talk_seconds": int(fact.get("talk") or 0), "billable_seconds": int(fact.get("billable") or 0),
    }


def aggregate(facts: Iterable[dict]) -> dict[tuple[str, int, str, str], dict[str, int]]:
    """(tenant, bucket start, dimension, key) → counters, over these calls."""
    out: dict[tuple[str, int, str, str], dict[str, int]] = {}
    for fact in facts:
        c = counters_of(fact)
        b = bucket_of(fact["started"])
        for dim, key in keys_of(fact):
            row = out.setdefault((fact["tenant"], b, dim, key), dict.fromkeys(COUNTERS, 0))
            for name, value in c.items():
                row[name] += value
    return out


def span(fact: dict) -> tuple[float, float]:
    return fact["started"], max(fact["ended"], fact["started"] + MIN_SPAN)


def buckets_touched(start: float, end: float) -> range:
    """The buckets that [start, end) overlaps."""
    return range(bucket_of(start), bucket_of(end - MIN_SPAN / 2) + BUCKET, BUCKET) if end > start else range(0)


def overlap_by_bucket(spans: Iterable[tuple[float, float]], buckets: Iterable[int]) -> dict[int, int]:
    """bucket → the most half-open [start, end) spans covering one instant of the bucket: one sweep
    over the span ends, sorted with ends before starts at the same instant (spans that only touch
    do not overlap)."""
    events = sorted(p for s, e in spans for p in ((s, 1), (e, -1)))
    out: dict[int, int] = {}
    i, now = 0, 0
    for b in sorted(set(buckets)):
        while i < len(events) and events[i][0] <= b:  # the count at the bucket's first instant
            now += events[i][1]
            i += 1
        best = cur = now
        j = i
        while j < len(events) and events[j][0] < b + BUCKET:
            cur += events[j][1]
            best = max(best, cur)
            j += 1
        out[b] = best
    return out


def max_overlap(intervals: Iterable[tuple[float, float]], lo: int) -> int:
    """The most spans in progress at one instant of the bucket starting at ``lo``."""
    return overlap_by_bucket(intervals, [lo])[lo]


def occupancy(facts: Iterable[dict]) -> dict[tuple[str, str, int], int]:
    """(tenant, line, bucket) → the most simultaneous calls of the line in the bucket."""
    by_line: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    for fact in facts:
        if fact.get("line"):
            by_line[(fact["tenant"], fact["line"])].append(span(fact))
    out = {}
    for (tenant, line), spans in by_line.items():
        touched = {b for s, e in spans for b in buckets_touched(s, e)}
        for b, value in overlap_by_bucket(spans, touched).items():
            out[(tenant, line, b)] = value
    return out


def callers(facts: Iterable[dict]) -> dict[tuple[str, str], tuple[float | None, float | None]]:
    """(tenant, peer) → (start of the last missed inbound call, start of the last contact: an
    answered inbound call or any outbound call) over these calls; folded with ``max`` (any order)."""
    out: dict[tuple[str, str], tuple[float | None, float | None]] = {}
    for f in facts:
        if not f.get("peer") or f["direction"] not in ("in", "out"):
            continue
        missed = f["direction"] == "in" and not is_answered(f["result"])
        contact = f["direction"] == "out" or is_answered(f["result"])
        m, c = out.get((f["tenant"], f["peer"]), (None, None))
        if missed:
            m = f["started"] if m is None else max(m, f["started"])
        if contact:
            c = f["started"] if c is None else max(c, f["started"])
        out[(f["tenant"], f["peer"])] = (m, c)
    return out


def local_start(bucket: int, zone: str, unit: str) -> str:
    """The tenant-zone hour (``YYYY-MM-DDTHH:MM``) or day (``YYYY-MM-DD``) a bucket belongs to."""
    local = datetime.fromtimestamp(bucket, timezone.utc).astimezone(ZoneInfo(zone))
    if unit == "day":
        return local.date().isoformat()
    if unit == "hour":
        return local.strftime("%Y-%m-%dT%H:00")
    if unit == "30min":
        return local.strftime("%Y-%m-%dT%H:") + ("00" if local.minute < 30 else "30")
    raise ValueError(unit)


def rollup(rows: dict[tuple[str, int, str, str], dict[str, int]], zone: str, unit: str
           ) -> dict[tuple[str, str, str, str], dict[str, int]]:
    """Buckets summed to local 30 min / hours / days: (tenant, local start, dimension, key) → counters."""
    out: dict[tuple[str, str, str, str], dict[str, int]] = {}
    for (tenant, b, dim, key), counters in rows.items():
        row = out.setdefault((tenant, local_start(b, zone, unit), dim, key), dict.fromkeys(COUNTERS, 0))
        for name, value in counters.items():
            row[name] += value
    return out


# --- history rows → facts ---------------------------------------------------------------

def origin_device(protocol: list[dict]) -> str | None:
    """The PJSIP endpoint of the call's first channel (its "start" step)."""
    for step in protocol or ():
        if step.get("step") == "start":
            m = re.match(r"^PJSIP/(.+)-[0-9a-f]{8}$", str(step.get("channel") or ""))
            return m.group(1) if m else None
    return None


def queue_group(protocol: list[dict], code: str | None) -> str | None:
    """The number of the (last) group whose queue the call entered."""
    found = None
    for step in protocol or ():
        if step.get("step") == "queue":
            m = QUEUE_RE.match(str(step.get("queue") or ""))
            if m and m.group(1) == code:
                found = m.group(2)
    return found


def fact_of(row: dict, extensions: dict[str, dict] | None = None) -> dict:
    """A calls history row (times as epoch seconds) → a fact. ``extensions``: device username →
    {"number", "name", "owner"} of the directory, to name the user; the answering user of an
    inbound call, the calling user of the others."""
    extensions = extensions or {}
    direction, result = row["direction"], row["result"]
    origin = origin_device(row.get("protocol") or [])
    device = row.get("answered_by_device") if direction == "in" else origin
    ext = extensions.get(device or "") or {}
    user = ext.get("number") or (row.get("answered_by") if direction == "in" and row.get("answered_by_device") else None)
    if direction != "in" and not user and origin:
        m = re.match(r"^[a-z][a-z0-9]{2,11}-([0-9]{1,20})-[a-z0-9]{1,32}$", origin)
        user = m.group(1) if m else None
    owners = sorted({e["owner"] for e in (extensions.get(origin or ""), extensions.get(row.get("answered_by_device") or ""))
                     if e and e.get("owner")})
    answered_at = row.get("answered")
    talk = max(0, round(row["ended"] - answered_at)) if answered_at is not None and is_answered(result) else 0
    peer = row.get("caller") if direction == "in" else row.get("called") if direction == "out" else None
    return {
        "id": row["id"], "tenant": row["tenant"], "started": row["started"], "answered": answered_at,
        "ended": row["ended"], "direction": direction, "result": result, "line": row.get("did"),
        "user": user, "user_name": ext.get("name") or (row.get("answered_by_name") if direction == "in" else None),
        "group": queue_group(row.get("protocol") or [], row["tenant"]),
        "caller": row.get("caller"), "caller_name": row.get("caller_name"), "called": row.get("called"),
        "peer": digits(peer) or None, "talk": talk, "billable": int(row.get("billable") or 0),
        "owners": owners, "recording": row.get("recording"),
    }
