"""The contact-centre reports computed in PostgreSQL (pbxflow.reports.cc_sql) against the pure
reports (contact_centre) on the same random queue calls: rows written to ``reports_queue_calls``
(answered, abandoned and lost stays, several groups and operators, another tenant's copy, calls
before the tenant's creation, joins snapped onto 15-minute/hour/day boundaries, zones with a DST
change), every report and several parameters; the answers must be equal, bit for bit."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta, timezone

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pbxflow.reports import cc_sql
from pbxflow.reports import contact_centre as cc
from pbxflow.reports.period import resolve
from projections.reports.view import DDL, QUEUE_COLUMNS
from test_reports_cc_pure import GROUPS, OPS, extract, raw_calls

# (zone, first local day of a two-day period): New York and Berlin change to summer time in it.
ZONE_DAYS = (("America/New_York", date(2026, 3, 7)), ("Europe/Berlin", date(2026, 3, 28)), ("Asia/Kathmandu", date(2026, 3, 7)),
             ("UTC", date(2026, 3, 7)))
CODE, OTHER = "acme", "other"


@pytest.fixture
def queue_table(embedded_database):
    with psycopg.connect(embedded_database.conninfo(), autocommit=True) as conn:
        for stmt in DDL:
            if "reports_queue_calls" in stmt:
                conn.execute(stmt)
    return embedded_database


class Pool:
    """``pool.connection()`` over one connection (what cc_sql needs of a pool)."""

    def __init__(self, conn):
        self.conn = conn

    def connection(self):
        conn = self.conn

        class _Use:
            def __enter__(self):
                return conn

            def __exit__(self, *exc):
                return False

        return _Use()


def _write(conn, calls: list[cc.QueueCall], started: dict[str, float]) -> None:
    conn.execute("TRUNCATE reports_queue_calls")
    with conn.cursor() as cur, cur.copy(f"COPY reports_queue_calls ({', '.join(QUEUE_COLUMNS)}) FROM STDIN") as copy:
        for code in (CODE, OTHER):
            for n, q in enumerate(calls):
                if code == OTHER and n % 2:  # the other tenant: half of them, same times
                    continue
                copy.write_row((uuid.uuid5(uuid.NAMESPACE_URL, f"{code}/{q.call_id}"), n, code,
                                datetime.fromtimestamp(started[q.call_id], timezone.utc), q.caller, q.group, q.joined,
                                q.left, q.position, q.outcome, q.operator, q.answered, q.reaction, q.talk, q.ended_by,
                                q.rung, q.no_answer, 1))


@st.composite
def histories(draw):
    zone, first = draw(st.sampled_from(ZONE_DAYS))
    base = datetime(first.year, first.month, first.day, tzinfo=timezone.utc).timestamp() - 12 * 3600
    calls = extract(draw(raw_calls(n_max=40, base=base)))
    for q in calls:
        if draw(st.booleans()):  # move the whole stay so that it joins on a 15-minute UTC boundary
            shift = round(q.joined / 900) * 900 - q.joined
            q.joined, q.left = q.joined + shift, q.left + shift
            if q.answered is not None:
                q.answered += shift
    # The tenant was created during the first day: calls started before are not its own.
    since = base + draw(st.sampled_from((0, 13 * 3600 + 0.5)))
    return zone, first, calls, since


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(histories(), st.sampled_from(OPS), st.sampled_from((1, 20, 45)))
def test_sql_reports_equal_the_pure_reports(queue_table, history, op, qos):
    zone, first, calls, since = history
    started = {q.call_id: q.joined - 2 for q in calls}
    start, end = resolve("custom", first, first + timedelta(days=1), zone, datetime(2026, 5, 1, tzinfo=timezone.utc))
    scope = cc_sql.Scope(CODE, datetime.fromtimestamp(since, timezone.utc))
    # What the pure path reads (Directory.queue_calls): the tenant's period, since its creation.
    period = [q for q in calls if start.timestamp() <= q.joined < end.timestamp() and started[q.call_id] >= since]
    with psycopg.connect(queue_table.conninfo(), autocommit=True) as conn:
        _write(conn, calls, started)
        pool = Pool(conn)
        assert cc_sql.operator_report(pool, scope, start, end, op) == cc.operator_report(period, op)
        assert cc_sql.operator_report(pool, scope, start, end, op, ["501"]) == \
            cc.operator_report([q for q in period if q.group == "501"], op)
        for g in GROUPS:
            mine = [q for q in period if q.group == g]
            assert cc_sql.group_operators_report(pool, scope, start, end, g, ["209", "201"]) == \
                cc.group_operators_report(mine, g, ["209", "201"])
        for groups in (list(GROUPS), ["502", "500"]):
            mine = [q for q in period if q.group in groups]
            assert cc_sql.comparison_report(pool, scope, start, end, groups, qos) == cc.comparison_report(mine, groups, qos)
        for interval in ("15", "60", "day"):
            buckets = cc.intervals(start, end, zone, interval)
            for parameter in cc.PARAMETERS:
                assert cc_sql.chronology_report(pool, scope, ["500", "502"], buckets, parameter, qos) == \
                    cc.chronology_report([q for q in period if q.group in ("500", "502")], ["500", "502"], buckets,
                                         parameter, qos)


def test_exact_sums_agree_with_postgresql(queue_table):
    """Sums of seconds are the exact sums of the values' shortest decimals, rounded once: a float
    sum in another order would differ in the last bit on such values."""
    values = [0.1, 0.2, 0.3, 1e-7, 1774915200.123, -1774915199.877, 2.384185791015625e-07, 1 / 3, 900.0005]
    with psycopg.connect(queue_table.conninfo(), autocommit=True) as conn:
        got = conn.execute("SELECT sum(x::text::numeric) FROM unnest(%s::float8[]) AS x", (values,)).fetchone()[0]
    assert float(got) == cc.exact_sum(values) == cc.exact_sum(reversed(values))
    assert sum(values) != sum(reversed(values))  # (why a plain float sum would not do)
    assert cc.exact_sum([]) == 0
