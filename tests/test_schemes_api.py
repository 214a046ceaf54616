"""Routing schemes through the API (F-RTE-1..4): CRUD, editing commands, validation, publish,
revisions, diff, revert, simulation, entry-number claims, tenant isolation, and the worked
examples of the seeds built from real components and simulated."""

from __future__ import annotations

import threading
import uuid

import pytest

from conftest import login

MISSING = str(uuid.UUID("00000000-0000-4000-8000-00000000beef"))
OFFICE = [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "18:00"}]
WEDNESDAY_10 = "2026-11-25T10:00:00+03:00"  # a Wednesday, 10:00 in Moscow
SATURDAY_10 = "2026-11-28T10:00:00+03:00"
WEDNESDAY_20 = "2026-11-25T20:00:00+03:00"


# --- helpers -------------------------------------------------------------------------------

def make_tenant(client, name="Acme", timezone="Europe/Moscow") -> str:
    r = client.post("/api/tenants", json={"name": name, "timezone": timezone})
    assert r.status_code == 201, r.text
    return r.json()["id"]


def create(client, tid: str, collection: str, body: dict, headers: dict | None = None) -> dict:
    r = client.post(f"/api/tenants/{tid}/{collection}", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return r.json()


def allocate(client, tid: str, number: str) -> None:
    """A DID from the platform pool, allocated to the tenant (as the operator)."""
    assert client.post("/api/numbers", json={"number": number}).status_code == 201
    r = client.post(f"/api/tenants/{tid}/numbers", json={"number": number})
    assert r.status_code == 201, r.text


def extension(client, tid: str, number: str, name: str | None = None) -> dict:
    return create(client, tid, "extensions", {"number": number, "name": name or f"Desk {number}", "devices": [{"type": "sip"}]})


def message(client, tid: str, name: str) -> dict:
    return create(client, tid, "voice-messages", {"name": name, "text": f"{name} text"})


def group(client, tid: str, number: str, members: list[dict], **kw) -> dict:
    body = {"name": f"Group {number}", "number": number, "members": [{"extension_id": m["id"]} for m in members], **kw}
    return create(client, tid, "groups", body)


def node(nid: str, ntype: str, **params) -> dict:
    return {"id": nid, "type": ntype, "params": params}


def edge(source: str, port: str, to: str) -> dict:
    return {"from": source, "port": port, "to": to}


def scheme(client, tid: str, nodes: list[dict] = (), edges: list[dict] = (), name: str = "Main", headers: dict | None = None) -> dict:
    body = {"name": name, "graph": {"nodes": list(nodes), "edges": list(edges)}}
    r = client.post(f"/api/tenants/{tid}/schemes", json=body, headers=headers)
    assert r.status_code == 201, r.text
    assert r.headers["location"] == f"/api/tenants/{tid}/schemes/{r.json()['id']}"
    return r.json()


def url(tid: str, s: dict | str, tail: str = "") -> str:
    sid = s if isinstance(s, str) else s["id"]
    return f"/api/tenants/{tid}/schemes/{sid}" + (f"/{tail}" if tail else "")


def command(client, tid: str, s: dict, body: dict, *, version: int | None = None, headers: dict | None = None):
    hdrs = dict(headers or {})
    if version is not None:
        hdrs["If-Match"] = str(version)
    return client.post(url(tid, s, "commands"), json=body, headers=hdrs)


def ok_command(client, tid: str, s: dict, body: dict, **kw) -> dict:
    r = command(client, tid, s, body, **kw)
    assert r.status_code == 200, r.text
    assert r.headers["etag"] == f'"{r.json()["version"]}"'
    return r.json()


def publish(client, tid: str, s: dict | str, comment: str = "", version: int | None = None, headers: dict | None = None):
    hdrs = dict(headers or {})
    if version is not None:
        hdrs["If-Match"] = str(version)
    return client.post(url(tid, s, "publish"), json={"comment": comment} if comment else {}, headers=hdrs)


def simulate(client, tid: str, s: dict | str, **scenario) -> dict:
    r = client.post(url(tid, s, "simulate"), json=scenario)
    assert r.status_code == 200, r.text
    return r.json()


def assert_invalid(response, field: str) -> dict:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert field in body["fields"], body
    return body


def codes(report: dict, severity: str = "errors") -> set[tuple]:
    return {(f["code"], f.get("node"), f.get("port")) for f in report[severity]}


@pytest.fixture
def acme(client):
    """A tenant with two desks, a sales group, a greeting and a DID."""
    tid = make_tenant(client)
    e201, e202 = extension(client, tid, "201"), extension(client, tid, "202")
    sales = group(client, tid, "500", [e201, e202], max_wait=30)
    hello = message(client, tid, "Hello")
    allocate(client, tid, "+74951110001")
    return {"tid": tid, "e201": e201, "e202": e202, "sales": sales, "hello": hello, "did": "+74951110001"}


def simple_graph(acme: dict, number: str | None = None) -> tuple[list[dict], list[dict]]:
    nodes = [node("in", "entry", numbers=[number or acme["did"]]), node("hi", "play_message", voice_message_id=acme["hello"]["id"]),
             node("sales", "group", group_id=acme["sales"]["id"]), node("bye", "hangup")]
    edges = [edge("in", "next", "hi"), edge("hi", "next", "sales"), edge("sales", "overflow", "bye")]
    return nodes, edges


# --- CRUD --------------------------------------------------------------------------------------

def test_crud_shape_patch_and_delete(client, acme):
    tid = acme["tid"]
    r = client.post(f"/api/tenants/{tid}/schemes", json={"name": "Empty"})
    assert r.status_code == 201, r.text
    empty = r.json()
    assert empty["version"] == 1 and empty["tenant_id"] == tid
    assert {k: empty[k] for k in ("name", "description", "graph", "published_revision", "revisions", "entries")} == {
        "name": "Empty", "description": "", "graph": {"nodes": [], "edges": []}, "published_revision": None,
        "revisions": 0, "entries": []}

    nodes, edges = simple_graph(acme)
    s = scheme(client, tid, nodes, edges, name="Daytime")
    assert [n["id"] for n in s["graph"]["nodes"]] == ["bye", "hi", "in", "sales"]
    assert s["graph"]["edges"] == sorted(edges, key=lambda e: (e["from"], e["port"]))
    assert s["graph"]["nodes"][3]["position"] == {"x": 0.0, "y": 0.0}
    assert client.get(url(tid, s)).json() == s
    assert client.get(url(tid, s)).headers["etag"] == '"1"'
    listed = client.get(f"/api/tenants/{tid}/schemes", params={"search": "day"}).json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == s["id"]

    patched = client.patch(url(tid, s), json={"name": "Day", "description": "office hours"}, headers={"If-Match": "1"})
    assert patched.status_code == 200, patched.text
    assert patched.json()["version"] == 2 and patched.json()["graph"] == s["graph"]  # the draft is untouched
    assert client.patch(url(tid, s), json={"name": "Stale"}, headers={"If-Match": "1"}).json()["current_version"] == 2
    assert_invalid(client.patch(url(tid, s), json={"graph": {"nodes": []}}), "graph")  # the draft changes by commands only
    assert_invalid(client.patch(url(tid, s), json={"published_revision": 3}), "published_revision")

    assert client.delete(url(tid, s), headers={"If-Match": "2"}).status_code == 204
    assert client.get(url(tid, s)).status_code == 404
    assert client.post(url(tid, s, "commands"), json={"op": "remove_node", "id": "in"}).status_code == 404


@pytest.mark.parametrize("graph, field", [
    ({"nodes": [{"type": "teleport"}]}, "graph.nodes[0].type"),
    ({"nodes": [{"id": "Bad Id", "type": "hangup"}]}, "graph.nodes[0].id"),
    ({"nodes": [{"id": "a", "type": "dial", "params": {"ring_time": 0}}]}, "graph.nodes[0].params.ring_time"),
    ({"nodes": [{"id": "a", "type": "hangup"}], "edges": [{"from": "a", "port": "next", "to": "b"}]}, "graph.edges[0].to"),
    ({"nodes": [{"id": "a", "type": "entry"}, {"id": "b", "type": "hangup"}], "edges": [{"from": "a", "port": "yes", "to": "b"}]}, "graph.edges[0].port"),
    ({"nodes": [{"id": "a", "type": "hangup"}, {"id": "a", "type": "hangup"}]}, "graph.nodes[1].id"),
    ({"nodes": [{"id": "a", "type": "entry", "params": {"numbers": ["201", "201"]}}]}, "graph.nodes[0].params.numbers[1]"),
    ({"nodes": [{"type": "hangup", "params": {"cause": "bored"}}]}, "graph.nodes[0].params.cause"),
])
def test_create_with_a_bad_graph_names_the_field(client, acme, graph, field):
    r = client.post(f"/api/tenants/{acme['tid']}/schemes", json={"name": "Bad", "graph": graph})
    assert_invalid(r, field)
    assert client.get(f"/api/tenants/{acme['tid']}/schemes").json()["total"] == 0


# --- editing commands ----------------------------------------------------------------------------

def test_commands_edit_the_draft_and_each_is_an_audit_entry(client, acme):
    tid = acme["tid"]
    s = scheme(client, tid)
    s = ok_command(client, tid, s, {"op": "add_node", "node": {"id": "in", "type": "entry", "params": {"numbers": [acme["did"]]}}}, version=1)
    assert s["version"] == 2
    s = ok_command(client, tid, s, {"op": "add_node", "node": {"type": "dial", "params": {"extension_id": acme["e201"]["id"]},
                                                                 "position": {"x": 200, "y": 40}}}, version=2)
    dial = next(n for n in s["graph"]["nodes"] if n["type"] == "dial")
    assert dial["id"] == "n2" and dial["params"] == {"extension_id": acme["e201"]["id"], "ring_time": 20}
    assert dial["position"] == {"x": 200.0, "y": 40.0}
    s = ok_command(client, tid, s, {"op": "connect", "from": "in", "port": "next", "to": "n2"})
    s = ok_command(client, tid, s, {"op": "set_params", "id": "n2", "params": {"extension_id": acme["e202"]["id"], "ring_time": 5}})
    s = ok_command(client, tid, s, {"op": "move_node", "id": "n2", "position": {"x": 10, "y": -5}})
    s = ok_command(client, tid, s, {"op": "add_node", "node": {"id": "bye", "type": "hangup", "params": {"cause": "busy"}}})
    s = ok_command(client, tid, s, {"op": "connect", "from": "n2", "port": "busy", "to": "bye"})
    s = ok_command(client, tid, s, {"op": "disconnect", "from": "n2", "port": "busy"})
    s = ok_command(client, tid, s, {"op": "remove_node", "id": "bye"})
    assert s["version"] == 10
    assert s["graph"]["edges"] == [edge("in", "next", "n2")]
    assert [n["id"] for n in s["graph"]["nodes"]] == ["in", "n2"]
    assert s["graph"]["nodes"][1]["params"] == {"extension_id": acme["e202"]["id"], "ring_time": 5}
    assert client.get(url(tid, s)).json() == s  # read-your-writes

    # Removing a node removes the edges into it.
    s = ok_command(client, tid, s, {"op": "remove_node", "id": "n2"})
    assert s["graph"]["edges"] == []

    items = client.get("/api/audit", params={"tenant_id": tid, "object": "scheme", "limit": 100}).json()["items"]
    assert [e["action"] for e in reversed(items)] == [
        "create", "scheme.add_node", "scheme.add_node", "scheme.connect", "scheme.set_params", "scheme.move_node",
        "scheme.add_node", "scheme.connect", "scheme.disconnect", "scheme.remove_node", "scheme.remove_node"]
    assert all(e["actor"]["login"] == "admin" and e["object"]["name"] == "Main" for e in items)
    connect = next(e for e in reversed(items) if e["action"] == "scheme.connect")  # the first one
    assert set(connect["diff"]) == {"node:in"} and connect["diff"]["node:in"][1]["next"] == {"next": "n2"}
    history = client.get(f"/api/tenants/{tid}/history/{s['id']}").json()
    assert history["total"] == 11 and [i["action"] for i in history["items"]][::10] == ["create", "scheme.remove_node"]


@pytest.mark.parametrize("body, field", [
    ({}, "op"),
    ({"op": "explode"}, "op"),
    ({"op": "add_node"}, "node"),
    ({"op": "add_node", "node": {"type": "nope"}}, "node.type"),
    ({"op": "add_node", "node": {"type": "dial", "params": {"ring_time": "5"}}}, "node.params.ring_time"),
    ({"op": "add_node", "node": {"type": "dial", "params": {"colour": "red"}}}, "node.params.colour"),
    ({"op": "add_node", "node": {"id": "in", "type": "hangup"}}, "node.id"),
    ({"op": "add_node", "node": {"id": "9lives", "type": "hangup"}}, "node.id"),
    ({"op": "add_node", "node": {"type": "hangup", "position": {"x": "left"}}}, "node.position.x"),
    ({"op": "add_node", "node": {"type": "hangup"}, "extra": 1}, "extra"),
    ({"op": "move_node", "id": "ghost", "position": {"x": 1, "y": 1}}, "id"),
    ({"op": "move_node", "id": "in", "position": {"x": 1e9, "y": 1}}, "position.x"),
    ({"op": "set_params", "id": "in", "params": {"numbers": ["abc"]}}, "params.numbers[0]"),
    ({"op": "set_params", "id": "in", "params": []}, "params"),
    ({"op": "connect", "from": "in", "port": "match", "to": "in"}, "port"),
    ({"op": "connect", "from": "in", "port": "next", "to": "ghost"}, "to"),
    ({"op": "connect", "from": "ghost", "port": "next", "to": "in"}, "from"),
    ({"op": "connect", "from": "in", "port": "next"}, "to"),
    ({"op": "disconnect", "from": "in", "port": "next"}, "port"),
    ({"op": "remove_node"}, "id"),
])
def test_bad_commands_name_the_field_and_change_nothing(client, acme, body, field):
    tid = acme["tid"]
    s = scheme(client, tid, [node("in", "entry", numbers=[acme["did"]])])
    assert_invalid(command(client, tid, s, body, version=1), field)
    assert client.get(url(tid, s)).json()["version"] == 1


def test_concurrent_edits_conflict_and_nothing_is_lost(client, acme):
    tid = acme["tid"]
    s = scheme(client, tid, [node("in", "entry", numbers=[acme["did"]])])
    # Two admins loaded version 1; the first save wins, the second is refused with the current version.
    first = command(client, tid, s, {"op": "add_node", "node": {"id": "a", "type": "hangup"}}, version=1)
    assert first.status_code == 200
    second = command(client, tid, s, {"op": "add_node", "node": {"id": "b", "type": "fax"}}, version=1)
    assert second.status_code == 409 and second.json()["current_version"] == 2
    assert second.headers["content-type"].startswith("application/problem+json")
    current = client.get(url(tid, s)).json()
    assert [n["id"] for n in current["graph"]["nodes"]] == ["a", "in"]
    # The second admin reloads and saves again: both changes are there.
    again = ok_command(client, tid, s, {"op": "add_node", "node": {"id": "b", "type": "fax"}}, version=current["version"])
    assert [n["id"] for n in again["graph"]["nodes"]] == ["a", "b", "in"]

    # Really concurrent: of many commands sent at once on one version, exactly one is applied.
    results: list[int] = []

    def send(i: int) -> None:
        r = command(client, tid, s, {"op": "move_node", "id": "a", "position": {"x": i, "y": i}}, version=again["version"])
        results.append(r.status_code)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(1, 6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [200, 409, 409, 409, 409]
    assert client.get(url(tid, s)).json()["version"] == again["version"] + 1


def test_replace_draft(client, acme):
    tid = acme["tid"]
    s = scheme(client, tid, [node("old", "hangup")])
    nodes, edges = simple_graph(acme)
    r = client.put(url(tid, s, "draft"), json={"nodes": nodes, "edges": edges}, headers={"If-Match": "1"})
    assert r.status_code == 200, r.text
    assert r.json()["version"] == 2 and r.headers["etag"] == '"2"'
    assert [n["id"] for n in r.json()["graph"]["nodes"]] == ["bye", "hi", "in", "sales"]  # "old" is gone
    assert client.put(url(tid, s, "draft"), json={"nodes": []}, headers={"If-Match": "1"}).status_code == 409
    assert_invalid(client.put(url(tid, s, "draft"), json={"nodes": [{"type": "hangup"}], "edges": [edge("n1", "next", "n1")]}),
                   "edges[0].port")
    assert_invalid(client.put(url(tid, s, "draft"), json={"nodes": [{"type": 5}]}), "nodes[0].type")
    assert_invalid(client.put(url(tid, s, "draft"), json={"nodes": [], "bogus": 1}), "bogus")
    actions = [e["action"] for e in client.get("/api/audit", params={"tenant_id": tid, "object": "scheme"}).json()["items"]]
    assert actions == ["scheme.replace_draft", "create"]


# --- validation, publish, revisions, diff, revert ---------------------------------------------------

def test_validation_report_names_nodes_and_ports(client, acme):
    tid = acme["tid"]
    nodes = [node("in", "entry", numbers=[acme["did"], "+74959999999"]), node("d", "dial", extension_id=MISSING),
             node("g", "group"), node("lonely", "hangup"), node("tc", "time_condition", schedule_id=MISSING)]
    s = scheme(client, tid, nodes, [edge("in", "next", "d"), edge("d", "no_answer", "g")])
    r = client.get(url(tid, s, "validation"))
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["valid"] is False and report["version"] == 1
    errors = codes(report)
    assert ("unknown_number", "in", None) in errors  # not a DID of this tenant
    assert ("missing_object", "d", None) in errors
    assert ("missing_param", "g", None) in errors
    assert ("missing_object", "tc", None) in errors
    warnings = codes(report, "warnings")
    assert ("unconnected", "d", "busy") in warnings and ("unconnected", "g", "overflow") in warnings
    assert ("unreachable", "lonely", None) in warnings and ("unreachable", "tc", None) in warnings
    assert all(f["message"] for f in report["errors"] + report["warnings"])

    # A loop without a node that waits for the caller is an error naming a node of it.
    nodes, edges = simple_graph(acme)
    s2 = scheme(client, tid, nodes + [node("name", "set_name", text="VIP")],
                [e for e in edges if e["from"] != "sales"] + [edge("sales", "overflow", "name"), edge("name", "next", "hi")], name="Loop")
    report = client.get(url(tid, s2, "validation")).json()
    assert [f["code"] for f in report["errors"]] == ["loop"] and report["errors"][0]["node"] in ("hi", "name", "sales")

    ok = scheme(client, tid, *simple_graph(acme, "+74951110001"), name="Fine")
    report = client.get(url(tid, ok, "validation")).json()
    assert report["valid"] is True and report["errors"] == []
    assert ("message_without_media", "hi", None) in codes(report, "warnings")


def test_publish_refused_with_findings_then_published_revisions(client, acme):
    tid = acme["tid"]
    nodes, edges = simple_graph(acme)
    s = scheme(client, tid, nodes, [e for e in edges if e["from"] != "in"])  # the entry leads nowhere
    refused = publish(client, tid, s, "first try", version=1)
    problem = assert_invalid(refused, "graph")
    assert problem["title"] == "Scheme has errors"
    assert {(f["code"], f.get("node"), f.get("port")) for f in problem["findings"]} >= {("unconnected", "in", "next")}
    assert all(f["severity"] == "error" for f in problem["findings"])
    got = client.get(url(tid, s)).json()
    assert got["version"] == 1 and got["published_revision"] is None and got["revisions"] == 0
    assert client.get(url(tid, s, "revisions")).json()["total"] == 0

    s = ok_command(client, tid, s, {"op": "connect", "from": "in", "port": "next", "to": "hi"}, version=1)
    assert publish(client, tid, s, "stale", version=1).status_code == 409
    r = publish(client, tid, s, "first", version=2)
    assert r.status_code == 201, r.text
    rev = r.json()
    assert r.headers["location"] == url(tid, s, "revisions/1")
    assert rev["number"] == 1 and rev["comment"] == "first" and rev["scheme_id"] == s["id"] and rev["live"] is True
    assert rev["author"]["login"] == "admin" and rev["published_at"] and rev["entries"] == [acme["did"]]
    assert rev["graph"] == s["graph"] and rev["scheme_version"] == 3 and rev["reverted_from"] is None
    got = client.get(url(tid, s)).json()
    assert (got["version"], got["published_revision"], got["revisions"], got["entries"]) == (3, 1, 1, [acme["did"]])

    # A second revision after an edit; the list is newest first, without graphs.
    s = ok_command(client, tid, got, {"op": "set_params", "id": "hi", "params": {}}, version=3)
    s = ok_command(client, tid, s, {"op": "add_node", "node": {"id": "late", "type": "hangup"}})
    s = ok_command(client, tid, s, {"op": "disconnect", "from": "hi", "port": "next"})
    s = ok_command(client, tid, s, {"op": "connect", "from": "hi", "port": "next", "to": "late"})
    report = client.get(url(tid, s, "validation")).json()
    assert ("missing_param", "hi", None) in codes(report)
    assert publish(client, tid, s).status_code == 422
    s = ok_command(client, tid, s, {"op": "set_params", "id": "hi", "params": {"voice_message_id": acme["hello"]["id"]}})
    r = publish(client, tid, s, "second")  # without If-Match: the current draft
    assert r.status_code == 201, r.text
    listed = client.get(url(tid, s, "revisions")).json()
    assert listed["total"] == 2
    assert [(i["number"], i["comment"], i["live"], i["author"]["login"]) for i in listed["items"]] == [
        (2, "second", True, "admin"), (1, "first", False, "admin")]
    assert "graph" not in listed["items"][0]
    assert client.get(url(tid, s, "revisions"), params={"limit": 1, "offset": 1}).json()["items"][0]["number"] == 1
    one = client.get(url(tid, s, "revisions/1"))
    assert one.status_code == 200 and one.json()["graph"] == rev["graph"] and one.json()["live"] is False
    assert client.get(url(tid, s, "revisions/3")).status_code == 404
    assert_invalid(client.get(url(tid, s, "revisions/first")), "number")

    # Diff: revision to revision, published to draft (the defaults), revision to draft.
    d = client.get(url(tid, s, "diff"), params={"from": 1, "to": 2}).json()
    assert (d["from"], d["to"]) == (1, 2)
    assert [n["id"] for n in d["nodes"]["added"]] == ["late"] and d["nodes"]["removed"] == [] and d["nodes"]["changed"] == []
    assert d["edges"]["added"] == [edge("hi", "next", "late")] and d["edges"]["removed"] == [edge("hi", "next", "sales")]
    same = client.get(url(tid, s, "diff")).json()
    assert (same["from"], same["to"]) == (2, "draft") and same["nodes"] == {"added": [], "removed": [], "changed": []}
    s = ok_command(client, tid, client.get(url(tid, s)).json(), {"op": "move_node", "id": "late", "position": {"x": 5, "y": 6}})
    d = client.get(url(tid, s, "diff"), params={"from": "1", "to": "draft"}).json()
    assert [c["id"] for c in d["nodes"]["changed"]] == []  # "late" is new since 1
    d = client.get(url(tid, s, "diff"), params={"from": "published"}).json()
    assert d["nodes"]["changed"] == [{"id": "late", "changes": {"position": [{"x": 0.0, "y": 0.0}, {"x": 5.0, "y": 6.0}]}}]
    assert_invalid(client.get(url(tid, s, "diff"), params={"from": 7}), "from")
    assert_invalid(client.get(url(tid, s, "diff"), params={"to": "latest"}), "to")

    audit = [e["action"] for e in client.get("/api/audit", params={"tenant_id": tid, "object": "scheme"}).json()["items"]]
    assert audit.count("scheme.publish") == 2
    revs = client.get("/api/audit", params={"tenant_id": tid, "object": "scheme_revision"}).json()
    assert revs["total"] == 2 and {e["action"] for e in revs["items"]} == {"create"}


def test_revert_publishes_an_old_revision_as_a_new_one(client, acme):
    tid = acme["tid"]
    s = scheme(client, tid, *simple_graph(acme))
    assert publish(client, tid, s, "v1").status_code == 201
    first_graph = client.get(url(tid, s, "revisions/1")).json()["graph"]
    s = client.get(url(tid, s)).json()
    s = ok_command(client, tid, s, {"op": "remove_node", "id": "hi"})
    s = ok_command(client, tid, s, {"op": "connect", "from": "in", "port": "next", "to": "sales"})
    assert publish(client, tid, s, "v2").status_code == 201
    s = client.get(url(tid, s)).json()
    s = ok_command(client, tid, s, {"op": "add_node", "node": {"id": "wip", "type": "fax"}})  # unpublished work

    assert client.post(url(tid, s, "revert"), json={"revision": 1}, headers={"If-Match": str(s["version"] - 1)}).status_code == 409
    assert_invalid(client.post(url(tid, s, "revert"), json={"revision": 9}), "revision")
    assert_invalid(client.post(url(tid, s, "revert"), json={"revision": 0}), "revision")
    r = client.post(url(tid, s, "revert"), json={"revision": 1}, headers={"If-Match": str(s["version"])})
    assert r.status_code == 201, r.text
    rev = r.json()
    assert rev["number"] == 3 and rev["reverted_from"] == 1 and rev["comment"] == "revert to revision 1"
    assert rev["graph"] == first_graph
    now = client.get(url(tid, s)).json()
    assert now["graph"] == first_graph and now["published_revision"] == 3 and now["revisions"] == 3
    diff = client.get(url(tid, s, "diff"), params={"from": 1, "to": 3}).json()
    assert diff["nodes"] == {"added": [], "removed": [], "changed": []} and diff["edges"] == {"added": [], "removed": []}
    assert [i["number"] for i in client.get(url(tid, s, "revisions")).json()["items"]] == [3, 2, 1]
    r = client.post(url(tid, s, "revert"), json={"revision": 2, "comment": "back to the short path"})
    assert r.status_code == 201 and r.json()["comment"] == "back to the short path" and r.json()["number"] == 4
    actions = [e["action"] for e in client.get("/api/audit", params={"tenant_id": tid, "object": "scheme"}).json()["items"]]
    assert actions[:2] == ["scheme.revert", "scheme.revert"]


def test_simulate_draft_versus_published_revision(client, acme):
    tid = acme["tid"]
    nodes = [node("in", "entry", numbers=[acme["did"]]), node("d", "dial", extension_id=acme["e201"]["id"], ring_time=10),
             node("bye", "hangup")]
    s = scheme(client, tid, nodes, [edge("in", "next", "d"), edge("d", "no_answer", "bye")])
    assert_invalid(client.post(url(tid, s, "simulate"), json={"number": acme["did"], "revision": "published"}), "revision")
    assert publish(client, tid, s).status_code == 201
    s = client.get(url(tid, s)).json()
    s = ok_command(client, tid, s, {"op": "set_params", "id": "d", "params": {"extension_id": acme["e202"]["id"], "ring_time": 10}})

    call = {"number": acme["did"], "callees": {"201": {"behaviour": "answer", "after": 2}}}
    draft = simulate(client, tid, s, **call)
    assert draft["revision"] is None and draft["nodes"] == ["in", "d", "bye"] and draft["outcome"]["result"] == "hangup"
    assert draft["duration"] == 10
    live = simulate(client, tid, s, **call, revision="published")
    assert live["revision"] == 1 and live["nodes"] == ["in", "d"] and live["outcome"]["result"] == "answered"
    assert simulate(client, tid, s, **call, revision=1)["nodes"] == ["in", "d"]
    assert simulate(client, tid, s, **call, revision="draft")["nodes"] == ["in", "d", "bye"]
    assert simulate(client, tid, s, number="+74950000000")["outcome"]["result"] == "no_route"

    for body, field in (({"number": acme["did"], "revision": 2}, "revision"), ({"number": acme["did"], "revision": "latest"}, "revision"),
                        ({"number": acme["did"], "revision": True}, "revision"), ({"number": "abc"}, "number"), ({}, "number"),
                        ({"number": acme["did"], "at": "2026-11-25T10:00:00"}, "at"), ({"number": acme["did"], "at": "noon"}, "at"),
                        ({"number": acme["did"], "keys": [{"key": "A", "at": 1}]}, "keys[0].key"),
                        ({"number": acme["did"], "callees": {"201": {"behaviour": "sleep"}}}, "callees.201.behaviour"),
                        ({"number": acme["did"], "bogus": 1}, "bogus")):
        assert_invalid(client.post(url(tid, s, "simulate"), json=body), field)


# --- entry numbers: unique per tenant, and never an extension's number ----------------------------------

def test_entry_numbers_are_unique_across_published_schemes(client, acme):
    tid = acme["tid"]
    one = scheme(client, tid, *simple_graph(acme), name="One")
    two = scheme(client, tid, *simple_graph(acme), name="Two")
    assert publish(client, tid, one).status_code == 201
    # The second scheme's validation and publish name the number already taken.
    report = client.get(url(tid, two, "validation")).json()
    assert ("entry_taken", "in", None) in codes(report)
    refused = publish(client, tid, two)
    problem = assert_invalid(refused, "graph")
    assert any(f["code"] == "entry_taken" and acme["did"] in f["message"] and "One" in f["message"] for f in problem["findings"])
    assert client.get(url(tid, two)).json()["published_revision"] is None

    # Internal entry numbers: published schemes share the numbering plan with extensions and groups.
    nodes, edges = simple_graph(acme, "555")
    three = scheme(client, tid, nodes, edges, name="Three")
    assert publish(client, tid, three).status_code == 201
    r = client.post(f"/api/tenants/{tid}/extensions", json={"number": "555", "name": "Clash", "devices": [{"type": "sip"}]})
    assert r.status_code == 409 and r.json()["fields"] == ["number"] and "555" in r.json()["detail"]
    four = scheme(client, tid, nodes, edges, name="Four")
    assert ("entry_taken", "in", None) in codes(client.get(url(tid, four, "validation")).json())

    # Another tenant may use the same internal number and its own DIDs.
    other = make_tenant(client, "Other")
    assert extension(client, other, "555")["number"] == "555"

    # Deleting a published scheme releases its numbers.
    assert client.delete(url(tid, one)).status_code == 204
    assert client.delete(url(tid, three)).status_code == 204
    assert codes(client.get(url(tid, two, "validation")).json()) == set()
    assert publish(client, tid, two).status_code == 201
    assert extension(client, tid, "555")["number"] == "555"
    assert ("number_in_use", "in", None) in codes(client.get(url(tid, four, "validation")).json())


def test_concurrent_publishes_of_one_number_leave_one_owner(client, acme):
    tid = acme["tid"]
    schemes = [scheme(client, tid, *simple_graph(acme), name=f"Race {i}") for i in range(4)]
    statuses: dict[str, int] = {}

    def go(s: dict) -> None:
        statuses[s["id"]] = publish(client, tid, s).status_code

    threads = [threading.Thread(target=go, args=(s,)) for s in schemes]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # Refused either by validation (entry_taken: 422) or by the claim on the number (409).
    assert sorted(statuses.values())[0] == 201 and all(v in (409, 422) for v in sorted(statuses.values())[1:]), statuses
    live = [s for s in client.get(f"/api/tenants/{tid}/schemes").json()["items"] if s["published_revision"]]
    assert len(live) == 1 and statuses[live[0]["id"]] == 201 and live[0]["entries"] == [acme["did"]]


def test_internal_entry_colliding_with_an_extension_is_refused(client, acme):
    tid = acme["tid"]
    nodes, edges = simple_graph(acme, "201")  # extension 201's number
    s = scheme(client, tid, nodes, edges)
    report = client.get(url(tid, s, "validation")).json()
    assert any(f["code"] == "number_in_use" and f["node"] == "in" and "extension 201" in f["message"] for f in report["errors"])
    problem = assert_invalid(publish(client, tid, s), "graph")
    assert [f["code"] for f in problem["findings"]] == ["number_in_use"]
    # The group's number too.
    s = ok_command(client, tid, s, {"op": "set_params", "id": "in", "params": {"numbers": ["500"]}})
    assert any("group 500" in f["message"] for f in assert_invalid(publish(client, tid, s), "graph")["findings"])


# --- rights and tenant isolation ------------------------------------------------------------------------

def test_tenant_isolation_and_roles(client, acme):
    tid = acme["tid"]
    s = scheme(client, tid, *simple_graph(acme))
    assert publish(client, tid, s).status_code == 201
    other = make_tenant(client, "Other")
    create(client, other, "users", {"login": "adm-o", "name": "O", "password": "password-o1", "role": "tenant_admin"})
    create(client, tid, "users", {"login": "aud-a", "name": "A", "password": "password-a1", "role": "auditor"})
    create(client, tid, "users", {"login": "usr-a", "name": "U", "password": "password-u1", "role": "user"})
    create(client, tid, "users", {"login": "adm-a", "name": "AA", "password": "password-a2", "role": "tenant_admin"})
    adm_o, aud, usr, adm = (login(client, "adm-o", "password-o1"), login(client, "aud-a", "password-a1"),
                            login(client, "usr-a", "password-u1"), login(client, "adm-a", "password-a2"))

    reads = [("GET", ""), ("GET", "validation"), ("GET", "revisions"), ("GET", "revisions/1"), ("GET", "diff")]
    writes = [("POST", "commands", {"op": "add_node", "node": {"type": "fax"}}), ("PUT", "draft", {"nodes": []}),
              ("POST", "publish", {}), ("POST", "revert", {"revision": 1})]
    sim = ("POST", "simulate", {"number": acme["did"]})
    # Through the other tenant's path, or as the other tenant's admin: not found.
    for method, tail, *body in reads + writes + [sim]:
        kw = {"json": body[0]} if body else {}
        assert client.request(method, url(other, s, tail), **kw).status_code == 404, tail
        assert client.request(method, url(tid, s, tail), headers=adm_o, **kw).status_code == 404, tail
        assert client.request(method, url(tid, s, tail), headers=usr, **kw).status_code == 403, tail
    assert client.get(f"/api/tenants/{other}/schemes").json()["total"] == 0
    # An auditor reads and simulates, but does not change.
    for method, tail, *body in reads + [sim]:
        kw = {"json": body[0]} if body else {}
        assert client.request(method, url(tid, s, tail), headers=aud, **kw).status_code == 200, tail
    for method, tail, body in writes:
        assert client.request(method, url(tid, s, tail), headers=aud, json=body).status_code == 403, tail
    assert client.get(url(tid, s), headers=adm).json()["version"] == 2  # nothing changed
    # The tenant's admin edits and publishes, and is the recorded author.
    assert client.post(url(tid, s, "commands"), headers=adm, json={"op": "move_node", "id": "in", "position": {"x": 1, "y": 1}}).status_code == 200
    r = client.post(url(tid, s, "publish"), headers=adm, json={"comment": "by the admin"})
    assert r.status_code == 201 and r.json()["author"]["login"] == "adm-a"
    # Another tenant's components cannot be referenced: they are missing objects here.
    foreign = extension(client, other, "301")
    s = ok_command(client, tid, client.get(url(tid, s)).json(), {"op": "set_params", "id": "sales", "params": {"group_id": foreign["id"]}})
    assert ("missing_object", "sales", None) in codes(client.get(url(tid, s, "validation")).json())


def test_catalogue(client, acme):
    r = client.get("/api/scheme-catalogue")
    assert r.status_code == 200, r.text
    body = r.json()
    by_type = {i["type"]: i for i in body["items"]}
    assert body["total"] == len(by_type) >= 13
    assert by_type["dial"]["ports"] == ["answered", "no_answer", "busy", "unavailable"]
    assert by_type["ivr"]["dynamic_ports"] is True and by_type["ivr"]["waits_for_caller"] is True
    assert "ring_time" in str(by_type["dial"]["params_schema"]) and by_type["hangup"]["ports"] == []
    create(client, acme["tid"], "users", {"login": "usr-c", "name": "U", "password": "password-u1", "role": "user"})
    assert client.get("/api/scheme-catalogue", headers=login(client, "usr-c", "password-u1")).status_code == 200
    client.cookies.clear()
    assert client.get("/api/scheme-catalogue", headers={"Authorization": ""}).status_code == 401


# --- the worked examples of the seeds ---------------------------------------------------------------------

def test_greeting_group_overflow_message_hangup(client, acme):
    tid = acme["tid"]
    sorry = message(client, tid, "Sorry")
    nodes = [node("in", "entry", numbers=[acme["did"]]), node("hello", "play_message", voice_message_id=acme["hello"]["id"]),
             node("sales", "group", group_id=acme["sales"]["id"]), node("sorry", "play_message", voice_message_id=sorry["id"]),
             node("bye", "hangup")]
    edges = [edge("in", "next", "hello"), edge("hello", "next", "sales"), edge("sales", "overflow", "sorry"), edge("sorry", "next", "bye")]
    s = scheme(client, tid, nodes, edges, name="Greeting")
    assert publish(client, tid, s, "greeting").status_code == 201
    nobody = simulate(client, tid, s, number=acme["did"], revision="published")
    assert nobody["nodes"] == ["in", "hello", "sales", "sorry", "bye"] and nobody["outcome"]["result"] == "hangup"
    assert [v.get("port") for v in nobody["path"][:4]] == ["next", "next", "overflow", "next"]
    assert nobody["path"][3]["at"] == 30  # the group's maximum wait
    answered = simulate(client, tid, s, number=acme["did"], revision="published", callees={"202": {"behaviour": "answer", "after": 4}})
    assert answered["nodes"] == ["in", "hello", "sales"] and answered["outcome"]["result"] == "answered"


def test_schedule_open_and_closed_to_two_groups(client, acme):
    tid = acme["tid"]
    office = create(client, tid, "schedules", {"name": "Office", "periods": OFFICE})
    e301 = extension(client, tid, "301")
    night = group(client, tid, "600", [e301], max_wait=60)
    nodes = [node("in", "entry", numbers=[acme["did"]]), node("hours", "time_condition", schedule_id=office["id"]),
             node("day", "group", group_id=acme["sales"]["id"]), node("night", "group", group_id=night["id"])]
    edges = [edge("in", "next", "hours"), edge("hours", "open", "day"), edge("hours", "closed", "night")]
    s = scheme(client, tid, nodes, edges, name="Hours")
    assert client.get(url(tid, s, "validation")).json()["valid"] is True
    assert publish(client, tid, s).status_code == 201
    answer = {"201": {"behaviour": "answer", "after": 1}, "301": {"behaviour": "answer", "after": 1}}
    for at, path in ((WEDNESDAY_10, ["in", "hours", "day"]), (SATURDAY_10, ["in", "hours", "night"]),
                     (WEDNESDAY_20, ["in", "hours", "night"])):
        result = simulate(client, tid, s, number=acme["did"], at=at, callees=answer, revision="published")
        assert result["nodes"] == path and result["outcome"]["result"] == "answered", (at, result)
    assert simulate(client, tid, s, number=acme["did"], at=WEDNESDAY_10, revision="published")["path"][1]["port"] == "open"


def test_ivr_keys_and_timeout(client, acme):
    tid = acme["tid"]
    prompt = message(client, tid, "Menu")
    menu = create(client, tid, "ivr-menus", {"name": "Main", "prompt_voice_message_id": prompt["id"], "digit_timeout": 4, "max_errors": 2,
                                             "keys": [{"key": k, "action": "exit"} for k in ("1", "2", "0")]})
    closed = message(client, tid, "Goodbye")
    nodes = [node("in", "entry", numbers=[acme["did"]]), node("menu", "ivr", menu_id=menu["id"]),
             node("sales", "group", group_id=acme["sales"]["id"]), node("desk", "dial", extension_id=acme["e202"]["id"]),
             node("operator", "dial", extension_id=acme["e201"]["id"]), node("bye", "play_message", voice_message_id=closed["id"]),
             node("end", "hangup")]
    edges = [edge("in", "next", "menu"), edge("menu", "key:1", "sales"), edge("menu", "key:2", "desk"), edge("menu", "key:0", "operator"),
             edge("menu", "timeout", "bye"), edge("menu", "invalid", "bye"), edge("bye", "next", "end")]
    s = scheme(client, tid, nodes, edges, name="IVR")
    report = client.get(url(tid, s, "validation")).json()
    assert report["valid"] is True, report
    # A key port the menu does not have is a stale port.
    bad = ok_command(client, tid, s, {"op": "add_node", "node": {"id": "x", "type": "hangup"}})
    bad = ok_command(client, tid, bad, {"op": "connect", "from": "menu", "port": "key:5", "to": "x"})
    assert ("stale_port", "menu", "key:5") in codes(client.get(url(tid, s, "validation")).json())
    ok_command(client, tid, bad, {"op": "remove_node", "id": "x"})
    assert publish(client, tid, s).status_code == 201

    answer = {n: {"behaviour": "answer", "after": 2} for n in ("201", "202")}
    for key, path in (("1", ["in", "menu", "sales"]), ("2", ["in", "menu", "desk"]), ("0", ["in", "menu", "operator"])):
        result = simulate(client, tid, s, number=acme["did"], keys=[{"key": key, "at": 1}], callees=answer)
        assert result["nodes"] == path and result["outcome"]["result"] == "answered", (key, result)
        assert result["path"][1]["port"] == f"key:{key}"
    silent = simulate(client, tid, s, number=acme["did"])
    assert silent["nodes"] == ["in", "menu", "bye", "end"] and silent["path"][1]["port"] == "timeout"
    assert silent["path"][2]["at"] == 8  # two rounds of 4 s (the prompt has no media yet)
    wrong = simulate(client, tid, s, number=acme["did"], keys=[{"key": "7", "at": 1}, {"key": "9", "at": 2}])
    assert wrong["path"][1]["port"] == "invalid"


def test_ring_a_device_then_a_message_after_five_seconds(client, acme):
    tid = acme["tid"]
    busy_msg = message(client, tid, "Nobody answers")
    nodes = [node("in", "entry", numbers=[acme["did"]]), node("ring", "dial", extension_id=acme["e201"]["id"], ring_time=5),
             node("msg", "play_message", voice_message_id=busy_msg["id"]), node("end", "hangup")]
    edges = [edge("in", "next", "ring"), edge("ring", "no_answer", "msg"), edge("ring", "busy", "msg"), edge("msg", "next", "end")]
    s = scheme(client, tid, nodes, edges, name="Device")
    assert publish(client, tid, s).status_code == 201
    result = simulate(client, tid, s, number=acme["did"], revision="published")
    assert result["nodes"] == ["in", "ring", "msg", "end"] and result["path"][1]["port"] == "no_answer"
    assert result["path"][2]["at"] == 5
    late = simulate(client, tid, s, number=acme["did"], callees={"201": {"behaviour": "answer", "after": 6}})
    assert late["nodes"] == ["in", "ring", "msg", "end"]
    quick = simulate(client, tid, s, number=acme["did"], callees={"201": {"behaviour": "answer", "after": 3}})
    assert quick["nodes"] == ["in", "ring"] and quick["outcome"]["result"] == "answered"
    busy = simulate(client, tid, s, number=acme["did"], callees={"201": {"behaviour": "busy"}})
    assert busy["path"][1]["port"] == "busy" and busy["path"][2]["at"] == 0


def test_caller_prefix_rules(client, acme):
    """First-match rules for a number: Moscow callers to 201, St Petersburg to 202, others to the group."""
    tid = acme["tid"]
    nodes = [node("in", "entry", numbers=[acme["did"]]), node("moscow", "caller_filter", prefixes=["+7495", "+7499"]),
             node("spb", "caller_filter", prefixes=["+7812"]), node("r201", "dial", extension_id=acme["e201"]["id"]),
             node("r202", "dial", extension_id=acme["e202"]["id"]), node("rest", "group", group_id=acme["sales"]["id"])]
    edges = [edge("in", "next", "moscow"), edge("moscow", "match", "r201"), edge("moscow", "no_match", "spb"),
             edge("spb", "match", "r202"), edge("spb", "no_match", "rest")]
    s = scheme(client, tid, nodes, edges, name="Prefixes")
    assert client.get(url(tid, s, "validation")).json()["valid"] is True
    assert publish(client, tid, s).status_code == 201
    answer = {n: {"behaviour": "answer", "after": 1} for n in ("201", "202")}
    for caller, last in (("+74951234567", "r201"), ("74991234567", "r201"), ("+78121234567", "r202"), ("+79161234567", "rest")):
        result = simulate(client, tid, s, number=acme["did"], caller=caller, callees=answer, revision="published")
        assert result["nodes"][-1] == last and result["outcome"]["result"] == "answered", (caller, result)


# --- the rule view (F-RTE-6) ---------------------------------------------------------------

def test_rule_view_edits_the_same_graph(client):
    tid = make_tenant(client)
    allocate(client, tid, "+74957001000")
    sales = extension(client, tid, "201")
    night = create(client, tid, "schedules", {"name": "Office", "periods": OFFICE})
    s = scheme(client, tid, name="Rules")
    rules = {"numbers": ["+74957001000"],
             "rules": [{"when": {"caller_prefixes": ["+7916"]}, "target": {"type": "dial", "params": {"extension_id": sales["id"]}}},
                       {"when": {"schedule_id": night["id"], "schedule_state": "closed"},
                        "target": {"type": "hangup", "params": {"cause": "busy"}}}],
             "otherwise": {"type": "dial", "params": {"extension_id": sales["id"], "ring_time": 30}}}
    r = client.put(url(tid, s, "rules"), json=rules, headers={"If-Match": str(s["version"])})
    assert r.status_code == 200, r.text
    graph = r.json()["graph"]
    assert {n["id"] for n in graph["nodes"]} == {"in", "r1-caller", "r1-target", "r2-time", "r2-target", "otherwise"}
    # The canvas sees the graph; the rule view reads the same draft back.
    got = client.get(url(tid, s, "rules")).json()
    assert got["rules"][1]["when"] == {"schedule_id": night["id"], "schedule_state": "closed"}
    assert got["otherwise"]["params"]["ring_time"] == 30
    # First match: a +7916 caller rings 201 even at night; others at night hear busy; by day they ring 201.
    def last(body):
        out = client.post(url(tid, s, "simulate"), json={"number": "+74957001000", **body})
        assert out.status_code == 200, out.text
        return out.json()["nodes"][-1]
    assert last({"caller": "+79161234567", "at": WEDNESDAY_20}) == "r1-target"
    assert last({"caller": "+74951234567", "at": WEDNESDAY_20}) == "r2-target"
    assert last({"caller": "+74951234567", "at": WEDNESDAY_10}) == "otherwise"
    # A node added on the canvas makes it a freely drawn scheme: no rule view, nothing lost.
    ok_command(client, tid, s, {"op": "add_node", "node": {"id": "extra", "type": "fax"}})
    r = client.get(url(tid, s, "rules"))
    assert r.status_code == 409 and "rule view" in r.json()["detail"]
    assert len(client.get(url(tid, s)).json()["graph"]["nodes"]) == 7


def test_deleting_a_component_a_published_scheme_uses_is_refused_naming_it(client):
    tid = make_tenant(client)
    desk = extension(client, tid, "201")
    greeting = message(client, tid, "Hello")
    s = scheme(client, tid, [node("in", "entry", numbers=["555"]), node("hi", "play_message", voice_message_id=greeting["id"]),
                             node("d", "dial", extension_id=desk["id"])],
               [edge("in", "next", "hi"), edge("hi", "next", "d")], name="Front desk")
    r = publish(client, tid, s)
    assert r.status_code == 201, r.text
    for collection, obj in (("voice-messages", greeting), ("extensions", desk)):
        r = client.delete(f"/api/tenants/{tid}/{collection}/{obj['id']}")
        assert r.status_code == 409, r.text
        assert "Front desk" in r.json()["detail"] and r.json()["schemes"] == ["Front desk"]
        assert client.get(f"/api/tenants/{tid}/{collection}/{obj['id']}").status_code == 200  # nothing lost
    # A draft that no longer uses it does not free it; publishing that draft does.
    current = client.get(url(tid, s)).json()
    ok_command(client, tid, s, {"op": "remove_node", "id": "hi"}, version=current["version"])
    assert client.delete(f"/api/tenants/{tid}/voice-messages/{greeting['id']}").status_code == 409
    assert publish(client, tid, s).status_code == 422  # the entry now leads nowhere ...
    ok_command(client, tid, s, {"op": "connect", "from": "in", "port": "next", "to": "d"})
    assert publish(client, tid, s).status_code == 201  # ... and now it is whole again
    assert client.delete(f"/api/tenants/{tid}/voice-messages/{greeting['id']}").status_code == 204
