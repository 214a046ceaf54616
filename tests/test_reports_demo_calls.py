"""The demo calls (pbxflow.reports.demo_calls): the same arguments give the same calls, within the
window they are given, and ``serve --demo-calls`` seeding fills the demo tenant's reports once,
only after its creation and only in its own tenant."""

from __future__ import annotations

import time
from collections import Counter
from datetime import datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from pbxflow.demo import ensure_demo
from pbxflow.reports.demo_calls import CALLS, MIN_SLOT, demo_traffic, seed_demo_calls, seed_demo_tenant

DEVICES = {"200": "demo1-200-aa01", "201": "demo1-201-aa02", "202": "demo1-202-aa03"}


def masked(events: list[dict]) -> list[dict]:
    """The events without the unique ids (a process-wide counter numbers them)."""
    return [{k: v for k, v in h.items() if not k.endswith(("Uniqueid", "Linkedid"))} for h in events]


def starts(events: list[dict]) -> list[float]:
    """When each call began: the first Newchannel of each linked id."""
    first: dict[str, float] = {}
    for h in events:
        if h["Event"] == "Newchannel":
            first.setdefault(h["Linkedid"], float(h["Timestamp"]))
    return sorted(first.values())


@settings(max_examples=25, deadline=None)
@given(start=st.floats(1_700_000_000, 1_800_000_000), span=st.floats(0, 3 * 86400), seed=st.integers(0, 1000))
def test_demo_traffic_is_repeatable_and_starts_its_calls_inside_the_window(start, span, seed):
    a = demo_traffic("demo1", DEVICES, start, start + span, seed=seed, boot=1)
    b = demo_traffic("demo1", DEVICES, start, start + span, seed=seed, boot=1)
    assert masked(a) == masked(b)
    calls = starts(a)
    assert len(calls) == CALLS
    slot = max(MIN_SLOT, span / CALLS)
    assert start <= calls[0] and calls[-1] < start + CALLS * slot
    # Every call is the tenant's and ends (each channel that appears hangs up).
    tenants = {h.get("ChanVariable") for h in a if h["Event"] == "Newchannel"}
    assert tenants <= {"PBXFLOW_TENANT=", "PBXFLOW_TENANT=demo1"}
    chans = Counter(h["Channel"] for h in a if h["Event"] == "Newchannel")
    assert chans == Counter(h["Channel"] for h in a if h["Event"] == "Hangup")


def test_another_boot_gives_other_call_ids():
    a = demo_traffic("demo1", DEVICES, 1_790_000_000, 1_790_003_600, boot=1)
    b = demo_traffic("demo1", DEVICES, 1_790_000_000, 1_790_003_600, boot=2)
    ids = lambda events: {h["Linkedid"] for h in events if "Linkedid" in h}  # noqa: E731
    assert ids(a) and not ids(a) & ids(b)


def test_seeding_fills_the_demo_tenants_reports_once_and_only_its_own(client, runtime):
    assert seed_demo_tenant(runtime) == 0  # no demo tenant yet
    ensure_demo(runtime)
    other = client.post("/api/tenants", json={"name": "Other", "timezone": "Europe/Moscow"}).json()
    demo = next(t for t in client.get("/api/tenants").json()["items"] if t["name"] == "Demo company")
    before = time.time()
    assert seed_demo_tenant(runtime) > 0
    assert seed_demo_calls(runtime, demo["id"]) == 0  # it has calls now: no second batch

    r = client.get(f"/api/tenants/{demo['id']}/reports/calls", params={"preset": "7d", "limit": 500})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["total"] == CALLS
    assert body["totals"]["answered"] > 0 and body["totals"]["missed"] > 0
    assert {x["direction"] for x in body["items"]} == {"in", "out", "internal"}
    # A tenant made a moment ago: its calls start after its creation, packed from now on.
    first = min(datetime.fromisoformat(x["started_at"]) for x in body["items"])
    assert first > datetime.fromisoformat(demo["created_at"])
    assert first.timestamp() >= before

    dash = client.get(f"/api/tenants/{demo['id']}/reports/dashboard", params={"preset": "7d"}).json()
    assert dash["answered"] + dash["missed"] == CALLS
    assert dash["busiest_users"] and dash["line_occupancy"]
    assert client.get(f"/api/tenants/{other['id']}/reports/calls", params={"preset": "7d"}).json()["total"] == 0
