"""The contact-centre report tables computed in PostgreSQL over ``reports_queue_calls``.

The routes used to read every queue call of the period into Python; here the counters of the
pure reports (``contact_centre.operator_counters`` / ``group_counters``) are aggregated by SQL
(``GROUP BY``/``GROUPING SETS`` with ``FILTER``), and the rows are built from them by the same
pure row builders, so the answers are those of the pure path (a test compares them on random
rows). Sums of seconds are ``sum(x::text::numeric)``: the exact decimal sum of each float's
shortest representation, rounded once in Python — ``contact_centre.exact_sum``, bit for bit and
whatever order the rows are read in. Chronology intervals are the pure ``intervals`` (tenant
wall clock, DST included); a call goes to one with ``width_bucket`` over their starts, the same
binary search as ``bisect_right``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from psycopg.rows import dict_row

from . import contact_centre as cc


@dataclass(frozen=True)
class Scope:
    """One tenant's queue calls: its code and creation (a code may come back after a deletion)."""

    code: str
    since: datetime


_WHERE = ("tenant_code = %(code)s AND joined >= %(lo)s AND joined < %(hi)s AND started_at >= %(since)s")
_WAIT = "(coalesce(answered, left_at) - joined)"
_ANSWERED = "outcome = 'answered'"
_GROUP_COUNTERS = (
    "count(*) AS received, count(*) FILTER (WHERE " + _ANSWERED + ") AS answered,"
    " sum(talk::text::numeric) FILTER (WHERE " + _ANSWERED + ") AS talk,"
    " sum(coalesce(reaction, 0)::text::numeric) FILTER (WHERE " + _ANSWERED + ") AS reaction,"
    f" sum({_WAIT}::text::numeric) FILTER (WHERE " + _ANSWERED + ") AS answer_wait,"
    " max(coalesce(queue_position, 0)) AS max_position,"
    f" sum({_WAIT}::text::numeric) FILTER (WHERE outcome <> 'answered') AS lost_wait,"
    f" max({_WAIT}) FILTER (WHERE outcome <> 'answered') AS lost_wait_max,"
    f" count(*) FILTER (WHERE {_ANSWERED} AND {_WAIT} <= %(qos)s::float8) AS served")


def _seconds(value: Decimal | None) -> float | int:
    """An exact SQL sum as ``exact_sum`` gives it: rounded once; no rows → 0."""
    return 0 if value is None else float(value)


def _rows(pool, sql: str, params: dict) -> list[dict]:
    with pool.connection() as conn, conn.transaction(), conn.cursor(row_factory=dict_row) as cur:
        # float8 → text must be the shortest exact form (the default since PostgreSQL 12), whatever the session says.
        cur.execute("SET LOCAL extra_float_digits = 1")
        cur.execute(sql, params)
        return cur.fetchall()


def _params(scope: Scope, start: datetime, end: datetime, **extra) -> dict:
    return {"code": scope.code, "since": scope.since, "lo": start.timestamp(), "hi": end.timestamp(), **extra}


def _group_counters(r: dict) -> dict:
    return {"received": r["received"], "answered": r["answered"], "talk": _seconds(r["talk"]),
            "reaction": _seconds(r["reaction"]), "answer_wait": _seconds(r["answer_wait"]),
            "max_position": r["max_position"] or 0, "lost_wait": _seconds(r["lost_wait"]),
            "lost_wait_max": r["lost_wait_max"] if r["lost_wait_max"] is not None else 0.0, "served": r["served"]}


def operator_report(pool, scope: Scope, start: datetime, end: datetime, operator: str,
                    groups: list[str] | None = None) -> list[dict]:
    """``contact_centre.operator_report`` of the period's queue calls (of these group numbers)."""
    cond = " AND group_number = ANY(%(groups)s)" if groups is not None else ""
    mine = f"{_ANSWERED} AND operator = %(op)s"
    rows = _rows(pool, "SELECT group_number, GROUPING(group_number) AS everything,"
                 " count(*) FILTER (WHERE %(op)s = ANY(rung)) AS offered,"
                 f" count(*) FILTER (WHERE {mine}) AS answered,"
                 " sum(cardinality(array_positions(no_answer, %(op)s))) AS missed,"
                 f" sum(talk::text::numeric) FILTER (WHERE {mine}) AS talk,"
                 f" sum(coalesce(reaction, 0)::text::numeric) FILTER (WHERE {mine}) AS reaction"
                 f" FROM reports_queue_calls WHERE {_WHERE}{cond} AND (%(op)s = ANY(rung) OR operator = %(op)s)"
                 " GROUP BY GROUPING SETS ((group_number), ())",
                 _params(scope, start, end, op=operator, groups=groups))
    counters = {}
    for r in rows:
        key = "total" if r["everything"] else r["group_number"]
        counters[key] = {"offered": r["offered"], "answered": r["answered"], "missed": int(r["missed"] or 0),
                         "talk": _seconds(r["talk"]), "reaction": _seconds(r["reaction"])}
    return cc.operator_rows(counters)


def group_operators_report(pool, scope: Scope, start: datetime, end: datetime, group: str,
                           members: list[str]) -> list[dict]:
    """``contact_centre.group_operators_report`` of one group's queue calls in the period: a fact
    per operator rung (once per call), per ring left unanswered and per answer, summed by operator;
    ``listed``: rung or answering (an operator only letting calls ring out gets no row of its own,
    as in the pure report, unless a member)."""
    params = _params(scope, start, end, group=group)
    rows = _rows(pool, f"WITH q AS (SELECT * FROM reports_queue_calls WHERE {_WHERE} AND group_number = %(group)s),"
                 " facts AS ("
                 "SELECT r.op, 1 AS listed, 1 AS offered, 0 AS missed, 0 AS answered, NULL::numeric AS talk,"
                 " NULL::numeric AS reaction FROM q, LATERAL (SELECT DISTINCT unnest(q.rung)) AS r(op)"
                 " UNION ALL SELECT n.op, 0, 0, 1, 0, NULL, NULL FROM q, unnest(q.no_answer) AS n(op)"
                 f" UNION ALL SELECT operator, (operator <> '')::int, 0, 0, ({_ANSWERED})::int,"
                 f" CASE WHEN {_ANSWERED} THEN talk::text::numeric END,"
                 f" CASE WHEN {_ANSWERED} THEN coalesce(reaction, 0)::text::numeric END FROM q WHERE operator IS NOT NULL)"
                 " SELECT op, max(listed) AS listed, sum(offered) AS offered, sum(missed) AS missed,"
                 " sum(answered) AS answered, sum(talk) AS talk, sum(reaction) AS reaction FROM facts GROUP BY op"
                 " UNION ALL SELECT NULL, NULL, NULL, NULL, count(*), NULL,"
                 f" sum(coalesce(reaction, 0)::text::numeric) FROM q WHERE {_ANSWERED}", params)
    counters, listed, answered, reaction = {}, set(members), 0, 0
    for r in rows:
        if r["listed"] is None:  # the group's answered calls
            answered, reaction = int(r["answered"]), _seconds(r["reaction"])
            continue
        counters[r["op"]] = {"offered": int(r["offered"]), "answered": int(r["answered"]), "missed": int(r["missed"]),
                             "talk": _seconds(r["talk"]), "reaction": _seconds(r["reaction"])}
        if r["listed"]:
            listed.add(r["op"])
    return cc.group_operator_rows(counters, listed, answered, reaction)


def comparison_report(pool, scope: Scope, start: datetime, end: datetime, groups: list[str],
                      qos_seconds: float) -> list[dict]:
    """``contact_centre.comparison_report``: a row per group and the groups together."""
    rows = _rows(pool, f"SELECT group_number, GROUPING(group_number) AS everything, {_GROUP_COUNTERS}"
                 f" FROM reports_queue_calls WHERE {_WHERE} AND group_number = ANY(%(groups)s)"
                 " GROUP BY GROUPING SETS ((group_number), ())",
                 _params(scope, start, end, groups=list(groups), qos=float(qos_seconds)))
    counters = {"total" if r["everything"] else r["group_number"]: _group_counters(r) for r in rows}
    return cc.comparison_rows(groups, counters)


def chronology_report(pool, scope: Scope, groups: list[str], buckets: list[tuple[datetime, datetime]],
                      parameter: str, qos_seconds: float = 20) -> list[dict]:
    """``contact_centre.chronology_report`` over the intervals ``buckets`` (contiguous, as
    ``contact_centre.intervals`` makes them): counters per (interval, group), interval, group and
    all, in one pass (``GROUPING SETS``)."""
    counters: dict = {}
    if buckets:
        starts = [a.timestamp() for a, _ in buckets]
        rows = _rows(pool, f"SELECT i, g, GROUPING(i) AS all_i, GROUPING(g) AS all_g, {_GROUP_COUNTERS} FROM ("
                     "SELECT *, width_bucket(joined, %(starts)s::float8[]) - 1 AS i, group_number AS g"
                     f" FROM reports_queue_calls WHERE {_WHERE} AND group_number = ANY(%(groups)s)) AS q"
                     " GROUP BY GROUPING SETS ((i, g), (i), (g), ())",
                     _params(scope, buckets[0][0], buckets[-1][1], groups=list(groups), starts=starts,
                             qos=float(qos_seconds)))
        counters = {(None if r["all_i"] else r["i"], None if r["all_g"] else r["g"]): _group_counters(r) for r in rows}
    return cc.chronology_rows(groups, buckets, parameter, counters)
