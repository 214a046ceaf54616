"""Schemes in the application: publish atomically with claims, keep live references, render.

Through the application (the API has its own tests): what publishing claims, what it
refuses, and what a published revision does to other objects and to the generated dialplan.
"""

from __future__ import annotations

import pytest

from pbxflow import scheme_service
from pbxflow.context import SYSTEM
from pbxflow.errors import Conflict, PublishRefused
from projections.asterisk.render import render_tenant
from projections.asterisk.source import load_tenant


def create(runtime, kind, tenant_id, data):
    r = runtime.app.create(SYSTEM, kind, tenant_id, data)
    runtime.wait(r.notification_id)
    return r


def publish(runtime, tenant_id, scheme_id, comment="c"):
    scheme, revision = scheme_service.publish(runtime, SYSTEM, tenant_id, scheme_id, None, comment)
    runtime.wait(revision.notification_id)
    return scheme, revision


@pytest.fixture
def tenant(runtime):
    t = create(runtime, "tenant", None, {"name": "Lifecycle"})
    return t


def scheme_graph(entry: str, target: dict) -> dict:
    return {"nodes": [{"id": "in", "type": "entry", "params": {"numbers": [entry]}}, {"id": "t", **target}],
            "edges": [{"from": "in", "port": "next", "to": "t"}]}


def test_internal_entry_number_is_claimed_while_published(runtime, tenant):
    s = create(runtime, "scheme", tenant.id, {"name": "Main", "graph": scheme_graph("555", {"type": "hangup"})})
    # A draft claims nothing: an extension may still take the number ...
    publish(runtime, tenant.id, s.id)
    # ... but once published, the number belongs to the scheme.
    with pytest.raises(Conflict, match="number 555"):
        runtime.app.create(SYSTEM, "extension", tenant.id, {"number": "555", "name": "X", "devices": [{"type": "sip"}]})
    # A second scheme cannot publish the same number.
    other = create(runtime, "scheme", tenant.id, {"name": "Other", "graph": scheme_graph("555", {"type": "hangup"})})
    with pytest.raises((Conflict, PublishRefused)):
        publish(runtime, tenant.id, other.id)
    # Deleting the published scheme frees it.
    r = runtime.app.delete(SYSTEM, "scheme", tenant.id, s.id, None)
    runtime.wait(r.notification_id)
    publish(runtime, tenant.id, other.id)


def test_publish_refuses_errors_and_records_nothing(runtime, tenant):
    s = create(runtime, "scheme", tenant.id, {"name": "Broken", "graph": scheme_graph("556", {"type": "dial", "params": {}})})
    with pytest.raises(PublishRefused) as info:
        publish(runtime, tenant.id, s.id)
    codes = {f["code"] for f in info.value.extra["findings"]}
    assert "missing_param" in codes
    obj = runtime.app.load("scheme", s.id, tenant.id)
    assert obj.version == 1 and obj.data["published_revision"] is None


def test_component_used_by_a_live_revision_cannot_be_deleted(runtime, tenant):
    msg = create(runtime, "voice_message", tenant.id, {"name": "Hello", "text": "Hello"})
    s = create(runtime, "scheme", tenant.id, {"name": "Greeting", "graph": scheme_graph(
        "557", {"type": "play_message", "params": {"voice_message_id": msg.id}})})
    publish(runtime, tenant.id, s.id)
    with pytest.raises(Conflict, match="Greeting"):
        runtime.app.delete(SYSTEM, "voice_message", tenant.id, msg.id, None)
    # Publishing a revision without it lets it go.
    r = runtime.app.edit_scheme(SYSTEM, tenant.id, s.id, None, {"op": "set_params", "id": "t", "params": {}})
    runtime.wait(r.notification_id)
    r = runtime.app.edit_scheme(SYSTEM, tenant.id, s.id, None, {"op": "remove_node", "id": "t"})
    runtime.wait(r.notification_id)
    r = runtime.app.edit_scheme(SYSTEM, tenant.id, s.id, None, {"op": "add_node", "node": {"id": "h", "type": "hangup"}})
    runtime.wait(r.notification_id)
    r = runtime.app.edit_scheme(SYSTEM, tenant.id, s.id, None, {"op": "connect", "from": "in", "port": "next", "to": "h"})
    runtime.wait(r.notification_id)
    publish(runtime, tenant.id, s.id)
    r = runtime.app.delete(SYSTEM, "voice_message", tenant.id, msg.id, None)
    runtime.wait(r.notification_id)


def test_live_revision_renders_and_revert_publishes_the_old_graph(runtime, tenant):
    s = create(runtime, "scheme", tenant.id, {"name": "R", "graph": scheme_graph("558", {"type": "hangup", "params": {"cause": "busy"}})})
    publish(runtime, tenant.id, s.id)
    r = runtime.app.edit_scheme(SYSTEM, tenant.id, s.id, None, {"op": "set_params", "id": "t", "params": {"cause": "congestion"}})
    runtime.wait(r.notification_id)
    with runtime.pool.connection() as conn:
        text = render_tenant(load_tenant(conn, tenant.id))["extensions_t_" + tenant.data["code"] + ".conf"]
    assert "Revision: 1,Node: t)\n same => n,Hangup(17)" in text  # the draft is not live
    publish(runtime, tenant.id, s.id)
    with runtime.pool.connection() as conn:
        text = render_tenant(load_tenant(conn, tenant.id))["extensions_t_" + tenant.data["code"] + ".conf"]
    assert "Revision: 2,Node: t)\n same => n,Hangup(34)" in text
    scheme, rev = scheme_service.publish(runtime, SYSTEM, tenant.id, s.id, None, "back", revert_to=1)
    runtime.wait(rev.notification_id)
    assert rev.data["number"] == 3 and rev.data["reverted_from"] == 1
    assert scheme.data["node:t"]["params"]["cause"] == "busy"  # the draft follows the revert
    with runtime.pool.connection() as conn:
        text = render_tenant(load_tenant(conn, tenant.id))["extensions_t_" + tenant.data["code"] + ".conf"]
    assert "Revision: 3,Node: t)\n same => n,Hangup(17)" in text
    assert "exten => 558,1" in text  # the internal entry
