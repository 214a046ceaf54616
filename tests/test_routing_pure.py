"""Routing schemes, the pure parts: graph editing, validation, the call simulator and the
dialplan compiler (no database, no Asterisk).

The components a scheme refers to are built directly as ``Components``; documents go through
``graph.from_graph`` / ``graph.apply`` so that they are what the store would hold.
"""

from __future__ import annotations

import copy
import re
from datetime import datetime, timedelta, timezone

import msgspec
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pbxflow.errors import Invalid
from pbxflow.routing import graph, simulate, validate
from pbxflow.routing.catalogue import CATALOGUE, KEYS, key_port, ports
from pbxflow.routing.components import Components
from projections.asterisk.scheme import compile_scheme

FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MEDIUM = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def uid(n: int) -> str:
    return f"00000000-0000-4000-8000-{n:012d}"


# --- the tenant's components ----------------------------------------------------------------

M_GREET, M_PROMPT, M_INVALID, M_OVERFLOW, M_DD = uid(1), uid(2), uid(3), uid(4), uid(5)
VM_GREET, VM_PROMPT, VM_INVALID, VM_OVERFLOW, VM_NOMEDIA, VM_DD = uid(11), uid(12), uid(13), uid(14), uid(15), uid(16)
EXT201, EXT202, EXT203 = uid(21), uid(22), uid(23)
G300, G_NOWAIT = uid(31), uid(32)
SCHED = uid(41)
CLS = uid(51)
MENU, MENU_FAST, MENU_BAD, MENU_DD = uid(61), uid(62), uid(63), uid(64)
MENU_TOP, MENU_SUB, MENU_PING, MENU_PONG = uid(65), uid(66), uid(67), uid(68)
BOX = uid(71)
UNKNOWN = uid(99)
DID = "+74950000001"


def sip(username: str, enabled: bool = True) -> dict:
    return {"id": username, "type": "sip", "username": username, "enabled": enabled, "ring_time": 20,
            "forward": {"mode": "none", "target": None}}


def make_comps(tz: str = "Europe/Moscow", **over) -> Components:
    base = dict(
        tenant_code="acme",
        timezone=tz,
        media={
            M_GREET: {"id": M_GREET, "duration_ms": 4000},
            M_PROMPT: {"id": M_PROMPT, "duration_ms": 3000},
            M_INVALID: {"id": M_INVALID, "duration_ms": 1000},
            M_OVERFLOW: {"id": M_OVERFLOW, "duration_ms": 2000},
            M_DD: {"id": M_DD, "duration_ms": 2000},
        },
        voice_messages={
            VM_GREET: {"id": VM_GREET, "name": "greeting", "media_id": M_GREET, "repeat": 1, "pause_seconds": 0},
            VM_PROMPT: {"id": VM_PROMPT, "name": "prompt", "media_id": M_PROMPT, "repeat": 1, "pause_seconds": 0},
            VM_INVALID: {"id": VM_INVALID, "name": "invalid", "media_id": M_INVALID, "repeat": 1, "pause_seconds": 0},
            # plays 2 s, 1 s pause, 2 s: 5 s as a message, 4 s as a prompt
            VM_OVERFLOW: {"id": VM_OVERFLOW, "name": "overflow", "media_id": M_OVERFLOW, "repeat": 2, "pause_seconds": 1},
            VM_NOMEDIA: {"id": VM_NOMEDIA, "name": "text only", "media_id": None, "text": "hello", "repeat": 1, "pause_seconds": 0},
            VM_DD: {"id": VM_DD, "name": "dial the extension", "media_id": M_DD, "repeat": 1, "pause_seconds": 0},
        },
        extensions={
            EXT201: {"id": EXT201, "number": "201", "devices": [sip("acme-201-a")]},
            EXT202: {"id": EXT202, "number": "202", "devices": [sip("acme-202-a")]},
            EXT203: {"id": EXT203, "number": "203", "devices": []},  # nothing to ring
        },
        groups={
            G300: {"id": G300, "number": "300", "name": "sales", "members": [{"extension_id": EXT201, "priority": 1},
                                                                               {"extension_id": EXT202, "priority": 1}],
                   "ring_time": 20, "max_wait": 30, "strategy": "ring_all"},
            G_NOWAIT: {"id": G_NOWAIT, "number": "301", "name": "support", "members": [{"extension_id": EXT201, "priority": 1}],
                       "ring_time": 20, "max_wait": 0, "strategy": "ring_all"},
        },
        schedules={
            SCHED: {"id": SCHED, "name": "office", "periods": [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "18:00"}],
                    "exceptions": [{"date": "2025-01-01", "open": False}]},
        },
        classifiers={
            CLS: {"id": CLS, "name": "vip", "entries": [{"number": "+7916*"}, {"number": "+78121234567"}]},
        },
        ivr_menus={
            MENU: {"id": MENU, "name": "main", "prompt_voice_message_id": VM_PROMPT, "invalid_prompt_voice_message_id": VM_INVALID,
                   "digit_timeout": 5, "max_errors": 3, "allow_direct_dial": False,
                   "keys": [{"key": "1", "action": "exit"}, {"key": "2", "action": "exit"},
                            {"key": "0", "action": "extension", "target": "201"}],
                   "default_exit": {"action": "exit"}, "timeout_exit": {"action": "exit"}},
            MENU_FAST: {"id": MENU_FAST, "name": "fast", "prompt_voice_message_id": None, "invalid_prompt_voice_message_id": None,
                        "digit_timeout": 1, "max_errors": 1, "allow_direct_dial": False,
                        "keys": [{"key": "*", "action": "exit"}, {"key": "#", "action": "repeat"}],
                        "default_exit": {"action": "exit"}, "timeout_exit": {"action": "exit"}},
            MENU_BAD: {"id": MENU_BAD, "name": "bad", "digit_timeout": 5, "max_errors": 3, "allow_direct_dial": True,
                       "keys": [{"key": "1", "action": "ivr_menu", "target": MENU}],
                       "default_exit": {"action": "dial_direct"}, "timeout_exit": {"action": "exit"}},
            MENU_DD: {"id": MENU_DD, "name": "more", "prompt_voice_message_id": VM_PROMPT, "digit_timeout": 5, "max_errors": 2,
                      "keys": [{"key": "9", "action": "voicemail", "target": BOX}, {"key": "8", "action": "external", "target": "+74957654321"},
                               {"key": "7", "action": "hangup"}, {"key": "6", "action": "voice_message", "target": VM_OVERFLOW},
                               {"key": "5", "action": "exit"}],
                      "default_exit": {"action": "hangup"}, "timeout_exit": {"action": "voicemail", "target": BOX}},
            # nested menus: top -> sub (-> top again), back, direct dialling (300 and 301: 2 is a key)
            MENU_TOP: {"id": MENU_TOP, "name": "top", "prompt_voice_message_id": VM_PROMPT, "invalid_prompt_voice_message_id": VM_INVALID,
                       "digit_timeout": 5, "max_errors": 2, "allow_direct_dial": True,
                       "keys": [{"key": "1", "action": "ivr_menu", "target": MENU_SUB}, {"key": "2", "action": "exit"},
                                {"key": "9", "action": "dial_direct"}, {"key": "0", "action": "back"}],
                       "default_exit": {"action": "exit"}, "timeout_exit": {"action": "back"}},
            MENU_SUB: {"id": MENU_SUB, "name": "sub", "digit_timeout": 4, "max_errors": 2, "allow_direct_dial": False,
                       "keys": [{"key": "1", "action": "extension", "target": "201"}, {"key": "4", "action": "back"},
                                {"key": "5", "action": "exit"}, {"key": "7", "action": "ivr_menu", "target": MENU_TOP}],
                       "default_exit": {"action": "back"}, "timeout_exit": {"action": "exit"}},
            # two menus that send a silent caller to each other
            MENU_PING: {"id": MENU_PING, "name": "ping", "digit_timeout": 1, "max_errors": 1,
                        "keys": [{"key": "1", "action": "exit"}], "default_exit": {"action": "exit"},
                        "timeout_exit": {"action": "ivr_menu", "target": MENU_PONG}},
            MENU_PONG: {"id": MENU_PONG, "name": "pong", "digit_timeout": 1, "max_errors": 1,
                        "keys": [], "default_exit": {"action": "exit"}, "timeout_exit": {"action": "ivr_menu", "target": MENU_PING}},
        },
        voicemail_boxes={BOX: {"id": BOX, "mailbox": "8000", "name": "office"}},
        dids=frozenset({DID}),
    )
    base.update(over)
    return Components(**base)


COMPS = make_comps()
MENUS = COMPS.ivr_menus


# --- building documents ---------------------------------------------------------------------


def build(nodes: list[tuple], edges: list[tuple] = ()) -> dict:
    """A stored document from (id, type, params) nodes and (from, port, to) edges."""
    return graph.from_graph({
        "nodes": [{"id": n[0], "type": n[1], "params": n[2] if len(n) > 2 else {}} for n in nodes],
        "edges": [{"from": f, "port": p, "to": t} for f, p, t in edges],
    })


def cmd(body: dict) -> graph.Command:
    return graph.parse_command(body)


def run(doc: dict, body: dict) -> dict:
    return graph.apply(doc, cmd(body))[0]


def invalid_field(fn, *args, **kwargs) -> str:
    with pytest.raises(Invalid) as exc:
        fn(*args, **kwargs)
    return exc.value.field


def codes(findings: list[dict], severity: str | None = None) -> set[str]:
    return {f["code"] for f in findings if severity is None or f["severity"] == severity}


def by_code(findings: list[dict], code: str) -> list[dict]:
    return [f for f in findings if f["code"] == code]


# =============================================================================================
# 1. graph: commands, the stored document, the public shape, diffs
# =============================================================================================


@pytest.mark.parametrize("body, cls", [
    ({"op": "add_node", "node": {"type": "hangup"}}, graph.AddNode),
    ({"op": "move_node", "id": "a", "position": {"x": 1, "y": -2.5}}, graph.MoveNode),
    ({"op": "remove_node", "id": "a"}, graph.RemoveNode),
    ({"op": "set_params", "id": "a", "params": {"cause": "busy"}}, graph.SetParams),
    ({"op": "connect", "from": "a", "port": "next", "to": "b"}, graph.Connect),
    ({"op": "disconnect", "from": "a", "port": "next"}, graph.Disconnect),
])
def test_parse_command_every_op(body, cls):
    parsed = cmd(body)
    assert type(parsed) is cls
    if cls in (graph.Connect, graph.Disconnect):
        assert parsed.source == "a" and parsed.port == "next"
    if cls is graph.MoveNode:
        assert (parsed.position.x, parsed.position.y) == (1.0, -2.5)


@pytest.mark.parametrize("body, field", [
    ({}, "op"),
    ([], "op"),
    ("add_node", "op"),
    ({"op": "explode"}, "op"),
    ({"op": "add_node"}, "node"),
    ({"op": "add_node", "node": {}}, "node.type"),
    ({"op": "add_node", "node": {"type": "hangup", "id": "Bad"}}, "node.id"),
    ({"op": "add_node", "node": {"type": "hangup", "id": "a" * 25}}, "node.id"),
    ({"op": "add_node", "node": {"type": "hangup", "position": {"x": "1"}}}, "node.position.x"),
    ({"op": "add_node", "node": {"type": "hangup", "position": {"y": 2e6}}}, "node.position.y"),
    ({"op": "add_node", "node": {"type": "hangup", "colour": "red"}}, "node.colour"),
    ({"op": "add_node", "node": {"type": "hangup"}, "extra": 1}, "extra"),
    ({"op": "move_node", "id": "a"}, "position"),
    ({"op": "move_node", "id": "1a", "position": {}}, "id"),
    ({"op": "remove_node"}, "id"),
    ({"op": "set_params", "id": "a"}, "params"),
    ({"op": "set_params", "id": "a", "params": []}, "params"),
    ({"op": "connect", "from": "a", "port": "next"}, "to"),
    ({"op": "connect", "from": "A", "port": "next", "to": "b"}, "from"),
    ({"op": "connect", "from": "a", "port": "x" * 21, "to": "b"}, "port"),
    ({"op": "connect", "from": "a", "port": "next", "to": "b\n"}, "to"),
    ({"op": "disconnect", "from": "a"}, "port"),
])
def test_parse_command_errors_name_the_field(body, field):
    assert invalid_field(graph.parse_command, body) == field


@pytest.mark.parametrize("op", [["add_node"], {"x": 1}])
def test_parse_command_unhashable_op_is_invalid_not_a_crash(op):
    # BUG (graph.py parse_command, `_TAGS.get(body["op"])`): an op that is a list or an object
    # raises TypeError (unhashable type) - a 500 instead of a 422 naming "op".
    assert invalid_field(graph.parse_command, {"op": op}) == "op"


def test_add_node_ids_params_and_action():
    doc, action, nid = graph.apply({}, cmd({"op": "add_node", "node": {"type": "dial", "params": {"extension_id": EXT201.upper()}}}))
    assert (action, nid) == ("scheme.add_node", "n1")
    assert doc == {"node:n1": {"type": "dial", "params": {"extension_id": EXT201, "ring_time": 20},
                               "position": {"x": 0.0, "y": 0.0}, "next": {}}}
    doc, _, nid = graph.apply(doc, cmd({"op": "add_node", "node": {"type": "hangup", "position": {"x": 10, "y": 20}}}))
    assert nid == "n2" and doc["node:n2"]["position"] == {"x": 10.0, "y": 20.0}
    assert doc["node:n2"]["params"] == {"cause": "normal"}
    doc, _, nid = graph.apply(doc, cmd({"op": "add_node", "node": {"type": "fax", "id": "my-fax_1"}}))
    assert nid == "my-fax_1" and graph.node_ids(doc) == ["my-fax_1", "n1", "n2"]
    # the generated id skips taken ones
    doc2 = run({"node:n2": doc["node:n2"]}, {"op": "add_node", "node": {"type": "fax"}})
    assert graph.node_ids(doc2) == ["n2", "n3"]


def test_add_node_errors():
    doc = run({}, {"op": "add_node", "node": {"type": "hangup", "id": "a"}})
    assert invalid_field(graph.apply, doc, cmd({"op": "add_node", "node": {"type": "fax", "id": "a"}})) == "node.id"
    assert invalid_field(graph.apply, doc, cmd({"op": "add_node", "node": {"type": "bogus"}})) == "node.type"
    assert invalid_field(graph.apply, doc, cmd({"op": "add_node", "node": {"type": "dial", "params": {"ring_time": 0}}})) == "node.params.ring_time"
    assert invalid_field(graph.apply, doc, cmd({"op": "add_node", "node": {"type": "dial", "params": {"nope": 1}}})) == "node.params.nope"
    assert invalid_field(graph.apply, doc, cmd({"op": "add_node", "node": {"type": "entry", "params": {"numbers": ["12", "+7x"]}}})) == "node.params.numbers[1]"
    assert invalid_field(graph.apply, doc, cmd({"op": "add_node", "node": {"type": "entry", "params": {"numbers": ["12", "12"]}}})) == "node.params.numbers[1]"
    assert invalid_field(graph.apply, doc, cmd({"op": "add_node", "node": {"type": "set_name", "params": {"text": "a\nb"}}})) == "node.params.text"
    assert invalid_field(graph.apply, doc, cmd({"op": "add_node", "node": {"type": "set_name", "params": {"text": ""}}})) == "node.params.text"
    assert invalid_field(graph.apply, doc, cmd({"op": "add_node", "node": {"type": "play_message", "params": {"voice_message_id": "x"}}})) == "node.params.voice_message_id"
    full = {f"node:n{i}": {"type": "hangup", "params": {"cause": "normal"}, "position": {"x": 0.0, "y": 0.0}, "next": {}}
            for i in range(graph.MAX_NODES)}
    assert invalid_field(graph.apply, full, cmd({"op": "add_node", "node": {"type": "fax", "id": "z"}})) == "node"


def test_move_node():
    doc = build([("a", "entry", {"numbers": ["100"]}), ("b", "hangup")], [("a", "next", "b")])
    out, action, nid = graph.apply(doc, cmd({"op": "move_node", "id": "a", "position": {"x": 5, "y": 6}}))
    assert (action, nid) == ("scheme.move_node", "a")
    assert out["node:a"]["position"] == {"x": 5.0, "y": 6.0}
    assert {**out["node:a"], "position": None} == {**doc["node:a"], "position": None}
    assert out["node:b"] == doc["node:b"]
    assert doc["node:a"]["position"] == {"x": 0.0, "y": 0.0}  # the input is not changed
    assert invalid_field(graph.apply, doc, cmd({"op": "move_node", "id": "zz", "position": {}})) == "id"


def test_remove_node_removes_edges_into_it():
    doc = build([("e", "entry", {"numbers": ["100"]}), ("f", "caller_filter", {"prefixes": ["7"]}),
                 ("h", "hangup"), ("v", "voicemail", {"box_id": BOX})],
                [("e", "next", "f"), ("f", "match", "h"), ("f", "no_match", "v")])
    before = copy.deepcopy(doc)
    out, action, nid = graph.apply(doc, cmd({"op": "remove_node", "id": "h"}))
    assert (action, nid) == ("scheme.remove_node", "h")
    assert "node:h" not in out
    assert out["node:f"]["next"] == {"no_match": "v"}
    assert out["node:e"]["next"] == {"next": "f"}
    assert doc == before
    out = run(out, {"op": "remove_node", "id": "f"})
    assert out["node:e"]["next"] == {} and graph.node_ids(out) == ["e", "v"]
    assert invalid_field(graph.apply, out, cmd({"op": "remove_node", "id": "f"})) == "id"
    # a self-loop goes with its node
    loop = build([("p", "play_message"), ("q", "play_message")], [("p", "next", "q"), ("q", "next", "q")])
    assert graph.node_ids(run(loop, {"op": "remove_node", "id": "q"})) == ["p"]
    assert run(loop, {"op": "remove_node", "id": "q"})["node:p"]["next"] == {}


def test_set_params():
    doc = build([("e", "entry", {"numbers": ["100"]}), ("d", "dial", {"extension_id": EXT201})], [("e", "next", "d")])
    out, action, nid = graph.apply(doc, cmd({"op": "set_params", "id": "d", "params": {"extension_id": EXT202.upper(), "ring_time": 45}}))
    assert (action, nid) == ("scheme.set_params", "d")
    assert out["node:d"]["params"] == {"extension_id": EXT202, "ring_time": 45}
    # params are replaced as a whole (defaults fill what is missing); edges stay
    out = run(out, {"op": "set_params", "id": "d", "params": {}})
    assert out["node:d"]["params"] == {"extension_id": None, "ring_time": 20}
    out = run(doc, {"op": "set_params", "id": "e", "params": {"numbers": ["100", DID]}})
    assert out["node:e"]["next"] == {"next": "d"}
    assert invalid_field(graph.apply, doc, cmd({"op": "set_params", "id": "d", "params": {"ring_time": 301}})) == "params.ring_time"
    assert invalid_field(graph.apply, doc, cmd({"op": "set_params", "id": "d", "params": {"bogus": 1}})) == "params.bogus"
    assert invalid_field(graph.apply, doc, cmd({"op": "set_params", "id": "e", "params": {"numbers": ["100", "100"]}})) == "params.numbers[1]"
    assert invalid_field(graph.apply, doc, cmd({"op": "set_params", "id": "e", "params": {"numbers": ["1"]}})) == "params.numbers[0]"
    assert invalid_field(graph.apply, doc, cmd({"op": "set_params", "id": "x", "params": {}})) == "id"


def test_connect():
    doc = build([("e", "entry", {"numbers": ["100"]}), ("i", "ivr", {"menu_id": MENU}), ("d", "dial"), ("h", "hangup")])
    out, action, nid = graph.apply(doc, cmd({"op": "connect", "from": "e", "port": "next", "to": "i"}))
    assert (action, nid) == ("scheme.connect", "e")
    assert out["node:e"]["next"] == {"next": "i"}
    assert doc["node:e"]["next"] == {}
    out = run(out, {"op": "connect", "from": "i", "port": "timeout", "to": "h"})
    out = run(out, {"op": "connect", "from": "i", "port": "key:1", "to": "d"})
    out = run(out, {"op": "connect", "from": "i", "port": "invalid", "to": "i"})  # a self-loop is allowed
    assert list(out["node:i"]["next"]) == sorted(out["node:i"]["next"])
    assert out["node:i"]["next"] == {"invalid": "i", "key:1": "d", "timeout": "h"}
    # connecting again to the same node changes nothing
    assert run(out, {"op": "connect", "from": "i", "port": "key:1", "to": "d"}) == out
    assert invalid_field(graph.apply, out, cmd({"op": "connect", "from": "i", "port": "key:1", "to": "h"})) == "port"
    assert invalid_field(graph.apply, out, cmd({"op": "connect", "from": "i", "port": "key:x", "to": "h"})) == "port"
    assert invalid_field(graph.apply, out, cmd({"op": "connect", "from": "d", "port": "next", "to": "h"})) == "port"
    assert invalid_field(graph.apply, out, cmd({"op": "connect", "from": "h", "port": "next", "to": "e"})) == "port"
    assert invalid_field(graph.apply, out, cmd({"op": "connect", "from": "d", "port": "busy", "to": "nope"})) == "to"
    assert invalid_field(graph.apply, out, cmd({"op": "connect", "from": "nope", "port": "busy", "to": "d"})) == "from"
    # the non-IVR node types accept their catalogue ports only
    for port in CATALOGUE["dial"].ports:
        assert run(doc, {"op": "connect", "from": "d", "port": port, "to": "h"})["node:d"]["next"] == {port: "h"}
    for key in KEYS:
        assert run(doc, {"op": "connect", "from": "i", "port": key_port(key), "to": "h"})["node:i"]["next"] == {key_port(key): "h"}


def test_disconnect():
    doc = build([("e", "entry", {"numbers": ["100"]}), ("d", "dial"), ("h", "hangup")],
                [("e", "next", "d"), ("d", "busy", "h"), ("d", "no_answer", "h")])
    out, action, nid = graph.apply(doc, cmd({"op": "disconnect", "from": "d", "port": "busy"}))
    assert (action, nid) == ("scheme.disconnect", "d")
    assert out["node:d"]["next"] == {"no_answer": "h"}
    assert doc["node:d"]["next"] == {"busy": "h", "no_answer": "h"}
    assert invalid_field(graph.apply, out, cmd({"op": "disconnect", "from": "d", "port": "busy"})) == "port"
    assert invalid_field(graph.apply, out, cmd({"op": "disconnect", "from": "zz", "port": "busy"})) == "from"


def test_from_graph_assigns_ids_and_checks():
    out = graph.from_graph({"nodes": [{"type": "hangup"}, {"type": "fax", "id": "n1"}, {"type": "hangup"}]})
    assert sorted(graph.node_ids(out)) == ["n1", "n2", "n3"]
    assert out["node:n1"]["type"] == "fax"
    assert graph.from_graph({}) == {}


@pytest.mark.parametrize("g, field", [
    ({"nodes": [{"id": "a", "type": "hangup"}, {"id": "a", "type": "fax"}]}, "nodes[1].id"),
    ({"nodes": [{"id": "a", "type": "hangup"}, {"id": "b", "type": "bogus"}]}, "nodes[1].type"),
    ({"nodes": [{"id": "a", "type": "dial", "params": {"ring_time": "x"}}]}, "nodes[0].params.ring_time"),
    ({"nodes": [{"id": "A", "type": "hangup"}]}, "nodes[0].id"),
    ({"nodes": [{"id": "a", "type": "hangup", "position": {"x": 1e7}}]}, "nodes[0].position.x"),
    ({"nodes": [{"id": "a", "type": "entry"}], "edges": [{"from": "b", "port": "next", "to": "a"}]}, "edges[0].from"),
    ({"nodes": [{"id": "a", "type": "entry"}], "edges": [{"from": "a", "port": "next", "to": "b"}]}, "edges[0].to"),
    ({"nodes": [{"id": "a", "type": "entry"}], "edges": [{"from": "a", "port": "open", "to": "a"}]}, "edges[0].port"),
    ({"nodes": [{"id": "a", "type": "entry"}, {"id": "b", "type": "fax"}],
      "edges": [{"from": "a", "port": "next", "to": "a"}, {"from": "a", "port": "next", "to": "b"}]}, "edges[1].port"),
    ({"nodes": [], "edges": [], "extra": 1}, "extra"),
])
def test_from_graph_errors_name_the_field(g, field):
    assert invalid_field(graph.from_graph, g) == field


def test_from_graph_edge_from_a_node_of_unknown_type_is_invalid_not_a_crash():
    # BUG (graph.py from_graph -> check_port, `CATALOGUE[node_type]`): node types are only
    # checked after the edges, so an edge out of a node of an unknown type raises KeyError.
    g = {"nodes": [{"id": "a", "type": "bogus"}], "edges": [{"from": "a", "port": "next", "to": "a"}]}
    assert invalid_field(graph.from_graph, g) in ("nodes[0].type", "edges[0].port")


def test_normalise_and_replace_nodes():
    doc = build([("e", "entry", {"numbers": ["100"]}), ("h", "hangup")], [("e", "next", "h")])
    assert graph.normalise({**doc, "name": "x", "node:gone": None}) == {**doc, "name": "x"}
    broken = copy.deepcopy(doc)
    del broken["node:h"]
    assert invalid_field(graph.normalise, broken) == "nodes.e.next.next"
    bad = copy.deepcopy(doc)
    bad["node:h"]["params"] = {"cause": "boom"}
    assert invalid_field(graph.normalise, bad) == "nodes.h.params.cause"
    replaced = graph.replace_nodes({**doc, "name": "x"}, {"node:z": doc["node:h"]})
    assert replaced == {"name": "x", "node:e": None, "node:h": None, "node:z": doc["node:h"]}


# --- random valid documents ------------------------------------------------------------------

ID_POOL = ["a", "b", "c", "d", "e", "f", "g", "x_1", "y-2", "z9"]
SAFE_TEXT = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7e, blacklist_characters='"<>\\'), min_size=1, max_size=12)


def params_strategy(ntype: str):
    opt = lambda *xs: st.sampled_from([None, *xs])  # noqa: E731
    return {
        "entry": st.lists(st.sampled_from(["100", "101", DID, "+74950000002", "201"]), unique=True, max_size=2).map(lambda n: {"numbers": n}),
        "caller_filter": st.fixed_dictionaries({"classifier_id": opt(CLS, UNKNOWN),
                                                "prefixes": st.lists(st.sampled_from(["7495", "+7812", "1", "+7"]), unique=True, max_size=2)}),
        "time_condition": st.fixed_dictionaries({"schedule_id": opt(SCHED)}),
        "play_message": st.fixed_dictionaries({"voice_message_id": opt(VM_GREET, VM_OVERFLOW, VM_NOMEDIA)}),
        "ivr": st.fixed_dictionaries({"menu_id": opt(MENU, MENU_FAST, MENU_DD, MENU_TOP, MENU_PING)}),
        "dial": st.fixed_dictionaries({"extension_id": opt(EXT201, EXT202, EXT203), "ring_time": st.integers(1, 60)}),
        "group": st.fixed_dictionaries({"group_id": opt(G300, G_NOWAIT)}),
        "forward": st.fixed_dictionaries({"number": opt("+74951234567", "1234567"), "ring_time": st.integers(1, 60)}),
        "direct_dial": st.fixed_dictionaries({"voice_message_id": opt(VM_DD), "max_digits": st.integers(2, 4), "wait": st.integers(1, 6)}),
        "voicemail": st.fixed_dictionaries({"box_id": opt(BOX)}),
        "fax": st.just({}),
        "set_name": st.fixed_dictionaries({"text": SAFE_TEXT, "mode": st.sampled_from(["prefix", "replace"])}),
        "hangup": st.fixed_dictionaries({"cause": st.sampled_from(["normal", "busy", "congestion"])}),
    }[ntype]


@st.composite
def documents(draw, ids=st.lists(st.sampled_from(ID_POOL), min_size=1, max_size=7, unique=True),
              types=st.sampled_from(sorted(CATALOGUE)), with_entry: bool = False, stale_ports: bool = False):
    """A random valid stored document (what from_graph accepts), as a public graph and stored."""
    node_ids = draw(ids)
    nodes = []
    for i, nid in enumerate(node_ids):
        ntype = "entry" if (with_entry and i == 0) else draw(types)
        params = draw(params_strategy(ntype))
        if with_entry and i == 0:
            params = {"numbers": ["100", DID]}
        pos = {"x": draw(st.floats(-1e6, 1e6, allow_nan=False)), "y": draw(st.integers(-1000, 1000))}
        nodes.append({"id": nid, "type": ntype, "params": params, "position": pos})
    edges = []
    for n in nodes:
        avail = ports(n, MENUS) if not stale_ports else list(ports(n, MENUS)) + (
            [key_port(k) for k in KEYS] if n["type"] == "ivr" else [])
        for port in sorted(set(avail)):
            if draw(st.integers(0, 3)):  # mostly connected
                edges.append({"from": n["id"], "port": port, "to": draw(st.sampled_from(node_ids))})
    g = {"nodes": nodes, "edges": edges}
    return g, graph.from_graph(g)


@MEDIUM
@given(documents())
def test_to_graph_from_graph_round_trip(pair):
    _, doc = pair
    public = graph.to_graph(doc)
    assert graph.from_graph(public) == doc
    assert graph.normalise(doc) == doc
    assert [n["id"] for n in public["nodes"]] == graph.node_ids(doc)
    assert len(public["edges"]) == sum(len(n["next"]) for n in graph.nodes_of(doc).values())
    # the public shape survives JSON
    assert graph.from_graph(msgspec.json.decode(msgspec.json.encode(public))) == doc


@FAST
@given(documents(), st.data())
def test_apply_keeps_the_document_valid(pair, data):
    """Any accepted command leaves a document that normalise accepts unchanged."""
    _, doc = pair
    for _ in range(6):
        ids = graph.node_ids(doc) or ["a"]
        body = data.draw(st.one_of(
            st.builds(lambda t: {"op": "add_node", "node": {"type": t}}, st.sampled_from(sorted(CATALOGUE))),
            st.builds(lambda i: {"op": "remove_node", "id": i}, st.sampled_from(ids)),
            st.builds(lambda i, x: {"op": "move_node", "id": i, "position": {"x": x, "y": 0}}, st.sampled_from(ids), st.integers(-9, 9)),
            st.builds(lambda f, p, t: {"op": "connect", "from": f, "port": p, "to": t},
                      st.sampled_from(ids), st.sampled_from(["next", "open", "closed", "timeout", "key:1", "busy", "overflow"]), st.sampled_from(ids)),
            st.builds(lambda f, p: {"op": "disconnect", "from": f, "port": p}, st.sampled_from(ids), st.sampled_from(["next", "open", "key:1"])),
        ))
        try:
            new, _, touched = graph.apply(doc, cmd(body))
        except Invalid:
            continue
        assert graph.normalise(new) == new
        if body["op"] == "remove_node":
            assert body["id"] not in graph.node_ids(new)
            assert all(t != body["id"] for n in graph.nodes_of(new).values() for t in n["next"].values())
        else:
            assert touched in graph.node_ids(new)
        doc = new


def test_diff_worked_example():
    a = graph.to_graph(build([("e", "entry", {"numbers": ["100"]}), ("d", "dial", {"extension_id": EXT201}), ("h", "hangup")],
                             [("e", "next", "d"), ("d", "busy", "h"), ("d", "no_answer", "h")]))
    b = graph.to_graph(build([("e", "entry", {"numbers": ["100"]}), ("d", "dial", {"extension_id": EXT202}), ("v", "voicemail", {"box_id": BOX})],
                             [("e", "next", "d"), ("d", "busy", "v"), ("d", "unavailable", "v")]))
    d = graph.diff(a, b)
    assert [n["id"] for n in d["nodes"]["added"]] == ["v"]
    assert [n["id"] for n in d["nodes"]["removed"]] == ["h"]
    assert d["nodes"]["changed"] == [{"id": "d", "changes": {"params": [{"extension_id": EXT201, "ring_time": 20},
                                                                         {"extension_id": EXT202, "ring_time": 20}]}}]
    assert d["edges"]["added"] == [{"from": "d", "port": "busy", "to": "v"}, {"from": "d", "port": "unavailable", "to": "v"}]
    assert d["edges"]["removed"] == [{"from": "d", "port": "busy", "to": "h"}, {"from": "d", "port": "no_answer", "to": "h"}]
    moved = copy.deepcopy(a)
    moved["nodes"][0]["position"] = {"x": 1.0, "y": 0.0}
    assert graph.diff(a, moved)["nodes"]["changed"] == [{"id": moved["nodes"][0]["id"],
                                                         "changes": {"position": [{"x": 0.0, "y": 0.0}, {"x": 1.0, "y": 0.0}]}}]
    assert graph.diff({}, {}) == {"nodes": {"added": [], "removed": [], "changed": []}, "edges": {"added": [], "removed": []}}


EMPTY_DIFF = {"nodes": {"added": [], "removed": [], "changed": []}, "edges": {"added": [], "removed": []}}


@MEDIUM
@given(documents(), documents())
def test_diff_properties(pa, pb):
    a, b = graph.to_graph(pa[1]), graph.to_graph(pb[1])
    assert graph.diff(a, a) == EMPTY_DIFF
    d = graph.diff(a, b)
    back = graph.diff(b, a)
    assert d["nodes"]["added"] == back["nodes"]["removed"] and d["nodes"]["removed"] == back["nodes"]["added"]
    assert d["edges"]["added"] == back["edges"]["removed"] and d["edges"]["removed"] == back["edges"]["added"]
    # applying the diff to a gives b
    nodes = {n["id"]: copy.deepcopy(n) for n in a["nodes"]}
    for n in d["nodes"]["removed"]:
        del nodes[n["id"]]
    for n in d["nodes"]["added"]:
        assert n["id"] not in nodes
        nodes[n["id"]] = n
    for c in d["nodes"]["changed"]:
        for f, (old, new) in c["changes"].items():
            assert nodes[c["id"]][f] == old and old != new
            nodes[c["id"]][f] = new
    assert nodes == {n["id"]: n for n in b["nodes"]}
    edges = {(e["from"], e["port"]): e["to"] for e in a["edges"]}
    for e in d["edges"]["removed"]:
        assert edges.pop((e["from"], e["port"])) == e["to"]
    for e in d["edges"]["added"]:
        assert (e["from"], e["port"]) not in edges
        edges[(e["from"], e["port"])] = e["to"]
    assert edges == {(e["from"], e["port"]): e["to"] for e in b["edges"]}
    assert (d == EMPTY_DIFF) == (a == b)


# =============================================================================================
# 2. validate
# =============================================================================================


def good_scheme() -> dict:
    """A complete scheme with no findings at all."""
    return build(
        [("e", "entry", {"numbers": [DID, "100"]}),
         ("tc", "time_condition", {"schedule_id": SCHED}),
         ("menu", "ivr", {"menu_id": MENU}),
         ("d", "dial", {"extension_id": EXT201}),
         ("g", "group", {"group_id": G300}),
         ("over", "play_message", {"voice_message_id": VM_OVERFLOW}),
         ("bye", "hangup"),
         ("vm", "voicemail", {"box_id": BOX})],
        [("e", "next", "tc"), ("tc", "open", "menu"), ("tc", "closed", "vm"),
         ("menu", "key:1", "d"), ("menu", "key:2", "g"), ("menu", "invalid", "bye"), ("menu", "timeout", "vm"),
         ("d", "no_answer", "vm"), ("d", "busy", "vm"), ("d", "unavailable", "vm"),
         ("g", "overflow", "over"), ("over", "next", "bye")])


def test_good_scheme_has_no_findings():
    assert validate.validate(good_scheme(), COMPS) == []
    assert validate.entries(good_scheme()) == sorted([DID, "100"])
    assert validate.entry_nodes(good_scheme()) == {DID: "e", "100": "e"}


def test_finding_shape():
    doc = good_scheme()
    doc = run(doc, {"op": "disconnect", "from": "d", "port": "busy"})
    [f] = validate.validate(doc, COMPS)
    assert f == {"severity": "warning", "code": "unconnected", "message": f["message"], "node": "d", "port": "busy"}


def test_no_entry():
    findings = validate.validate(build([("h", "hangup")]), COMPS)
    [f] = by_code(findings, "no_entry")
    assert f["severity"] == "error" and "node" not in f
    assert codes(findings) == {"no_entry", "unreachable"}
    assert by_code(validate.validate({}, COMPS), "no_entry")


def test_entry_without_numbers():
    findings = validate.validate(build([("e", "entry", {"numbers": []}), ("h", "hangup")], [("e", "next", "h")]), COMPS)
    assert [(f["severity"], f["code"], f.get("node")) for f in findings] == [("error", "entry_without_numbers", "e")]


def test_duplicate_entry():
    doc = build([("e1", "entry", {"numbers": ["100", "101"]}), ("e2", "entry", {"numbers": ["101"]}), ("h", "hangup")],
                [("e1", "next", "h"), ("e2", "next", "h")])
    findings = validate.validate(doc, COMPS)
    [f] = by_code(findings, "duplicate_entry")
    assert f["severity"] == "error" and f["node"] == "e2" and "101" in f["message"] and "e1" in f["message"]
    assert validate.entry_nodes(doc) == {"100": "e1", "101": "e1"}


def test_entry_taken():
    doc = good_scheme()
    findings = validate.validate(doc, COMPS, taken={"100": "Night scheme", "555": "Other"})
    [f] = by_code(findings, "entry_taken")
    assert f["severity"] == "error" and f["node"] == "e" and "100" in f["message"] and "Night scheme" in f["message"]
    assert validate.validate(doc, COMPS, taken={"100": ""}) == []


def test_unknown_number():
    doc = run(good_scheme(), {"op": "set_params", "id": "e", "params": {"numbers": ["+74959999999", DID]}})
    [f] = validate.validate(doc, COMPS)
    assert (f["severity"], f["code"], f["node"]) == ("error", "unknown_number", "e")
    assert "+74959999999" in f["message"]


@pytest.mark.parametrize("number, what", [("201", "extension 201"), ("300", "group 300")])
def test_number_in_use(number, what):
    doc = run(good_scheme(), {"op": "set_params", "id": "e", "params": {"numbers": [number]}})
    [f] = validate.validate(doc, COMPS)
    assert (f["severity"], f["code"], f["node"]) == ("error", "number_in_use", "e")
    assert what in f["message"]


@pytest.mark.parametrize("ntype, key", [
    ("time_condition", "schedule_id"), ("play_message", "voice_message_id"), ("ivr", "menu_id"),
    ("dial", "extension_id"), ("group", "group_id"), ("voicemail", "box_id"), ("caller_filter", "classifier_id"),
    ("direct_dial", "voice_message_id"),
])
def test_missing_object(ntype, key):
    doc = build([("e", "entry", {"numbers": ["100"]}), ("n", ntype, {key: UNKNOWN})], [("e", "next", "n")])
    [f] = by_code(validate.validate(doc, COMPS), "missing_object")
    assert f["severity"] == "error" and f["node"] == "n" and key in f["message"] and UNKNOWN in f["message"]


@pytest.mark.parametrize("ntype, params, needs", [
    ("time_condition", {}, "schedule_id"), ("play_message", {}, "voice_message_id"), ("ivr", {}, "menu_id"),
    ("dial", {}, "extension_id"), ("group", {}, "group_id"), ("forward", {}, "number"), ("voicemail", {}, "box_id"),
    ("caller_filter", {}, "classifier"),
])
def test_missing_param(ntype, params, needs):
    doc = build([("e", "entry", {"numbers": ["100"]}), ("n", ntype, params)], [("e", "next", "n")])
    [f] = by_code(validate.validate(doc, COMPS), "missing_param")
    assert f["severity"] == "error" and f["node"] == "n" and needs in f["message"]


def test_optional_params_are_not_missing():
    doc = build([("e", "entry", {"numbers": ["100"]}), ("f", "caller_filter", {"prefixes": ["7"]}),
                 ("dd", "direct_dial"), ("s", "set_name", {"text": "VIP"}), ("x", "fax")],
                [("e", "next", "f"), ("f", "match", "dd"), ("f", "no_match", "s"), ("dd", "timeout", "x"), ("s", "next", "x")])
    assert validate.validate(doc, COMPS) == []


@pytest.mark.parametrize("ntype", ["play_message", "direct_dial"])
def test_message_without_media(ntype):
    doc = build([("e", "entry", {"numbers": ["100"]}), ("n", ntype, {"voice_message_id": VM_NOMEDIA}), ("h", "hangup")],
                [("e", "next", "n"), ("n", CATALOGUE[ntype].ports[0], "h")])
    findings = validate.validate(doc, COMPS)
    assert [(f["severity"], f["code"], f["node"]) for f in findings] == [("warning", "message_without_media", "n")]


def test_menu_findings():
    # nested menus, back and direct dialling run in a scheme: no findings for them
    doc = build([("e", "entry", {"numbers": ["100"]}), ("m", "ivr", {"menu_id": MENU_BAD}), ("h", "hangup")],
                [("e", "next", "m"), ("m", "invalid", "h"), ("m", "timeout", "h")])
    assert validate.validate(doc, COMPS) == []
    top = build([("e", "entry", {"numbers": ["100"]}), ("m", "ivr", {"menu_id": MENU_TOP}), ("h", "hangup")],
                [("e", "next", "m"), ("m", "key:2", "h"), ("m", "invalid", "h"), ("m", "timeout", "h")])
    found = validate.validate(top, COMPS)
    # key 2 starts 201, 202, 203: those cannot be dialled directly in the top menu
    assert [(f["severity"], f["code"], f["node"]) for f in found] == [("warning", "direct_dial_shadowed", "m")]
    assert "201, 202, 203" in found[0]["message"] and "top" in found[0]["message"]
    # what still cannot run: a nested menu that is gone (in the node's menu or deeper), an unknown action
    menus = {**MENUS, MENU_SUB: {**MENUS[MENU_SUB], "default_exit": {"action": "ivr_menu", "target": UNKNOWN}},
             MENU_TOP: {**MENUS[MENU_TOP], "keys": MENUS[MENU_TOP]["keys"] + [{"key": "#", "action": "teleport"}]}}
    found = validate.validate(top, make_comps(ivr_menus=menus))
    assert [(f["severity"], f["code"]) for f in found if f["severity"] == "error"] == [("error", "menu_action"), ("error", "missing_object")]
    text = " | ".join(f["message"] for f in found)
    assert "menu top key #: action 'teleport'" in text and f"menu sub (nested) default_exit: no ivr_menu with id {UNKNOWN}" in text


def test_stale_port():
    # key ports are accepted for any key by the editor; the menu decides which exist
    doc = run(good_scheme(), {"op": "connect", "from": "menu", "port": "key:5", "to": "bye"})
    doc = run(doc, {"op": "connect", "from": "menu", "port": "key:0", "to": "bye"})  # key 0 is not an exit
    findings = validate.validate(doc, COMPS)
    stale = by_code(findings, "stale_port")
    assert [(f["severity"], f["node"], f["port"]) for f in stale] == [("error", "menu", "key:0"), ("error", "menu", "key:5")]
    assert codes(findings) == {"stale_port"}
    # a menu that vanished leaves all its key ports stale
    gone = run(good_scheme(), {"op": "set_params", "id": "menu", "params": {"menu_id": None}})
    stale = by_code(validate.validate(gone, COMPS), "stale_port")
    assert {f["port"] for f in stale} == {"key:1", "key:2"}


def test_unconnected():
    doc = build([("e", "entry", {"numbers": ["100"]}), ("d", "dial", {"extension_id": EXT201}),
                 ("m", "ivr", {"menu_id": MENU}), ("g", "group", {"group_id": G300})],
                [("e", "next", "d"), ("d", "no_answer", "m"), ("m", "key:1", "g")])
    findings = validate.validate(doc, COMPS)
    assert {(f["node"], f["port"]) for f in by_code(findings, "unconnected")} == {
        ("d", "busy"), ("d", "unavailable"), ("m", "key:2"), ("m", "invalid"), ("m", "timeout"), ("g", "overflow")}
    assert all(f["severity"] == "warning" for f in findings)  # "answered" is never reported
    lonely = validate.validate(build([("e", "entry", {"numbers": ["100"]})]), COMPS)
    assert [(f["severity"], f["code"], f["node"], f["port"]) for f in lonely] == [("error", "unconnected", "e", "next")]


def test_unreachable():
    doc = run(good_scheme(), {"op": "add_node", "node": {"type": "hangup", "id": "orphan"}})
    doc = run(doc, {"op": "add_node", "node": {"type": "play_message", "id": "orphan2", "params": {"voice_message_id": VM_GREET}}})
    doc = run(doc, {"op": "connect", "from": "orphan2", "port": "next", "to": "orphan"})
    findings = validate.validate(doc, COMPS)
    assert [(f["severity"], f["code"], f["node"]) for f in findings] == [
        ("warning", "unreachable", "orphan"), ("warning", "unreachable", "orphan2")]


def test_no_timeout_warning():
    doc = run(good_scheme(), {"op": "set_params", "id": "g", "params": {"group_id": G_NOWAIT}})
    [f] = validate.validate(doc, COMPS)
    assert (f["severity"], f["code"], f["node"]) == ("warning", "no_timeout", "g")


def test_loop_without_waiting_is_an_error():
    doc = build([("e", "entry", {"numbers": ["100"]}), ("p", "play_message", {"voice_message_id": VM_GREET}),
                 ("s", "set_name", {"text": "x"})],
                [("e", "next", "p"), ("p", "next", "s"), ("s", "next", "p")])
    [f] = validate.validate(doc, COMPS)
    assert (f["severity"], f["code"], f["node"]) == ("error", "loop", "p")
    assert "p" in f["message"] and "s" in f["message"]
    self_loop = build([("e", "entry", {"numbers": ["100"]}), ("s", "set_name", {"text": "x"})], [("e", "next", "s"), ("s", "next", "s")])
    assert [f["code"] for f in validate.validate(self_loop, COMPS)] == ["loop"]
    # the entry itself can be part of a loop
    entry_loop = build([("e", "entry", {"numbers": ["100"]}), ("s", "set_name", {"text": "x"})], [("e", "next", "s"), ("s", "next", "e")])
    assert [f["code"] for f in validate.validate(entry_loop, COMPS)] == ["loop"]


@pytest.mark.parametrize("waiting", ["ivr", "direct_dial"])
def test_loop_through_a_waiting_node_is_allowed(waiting):
    params = {"menu_id": MENU} if waiting == "ivr" else {"voice_message_id": VM_DD}
    back = "timeout"
    doc = build([("e", "entry", {"numbers": ["100"]}), ("w", waiting, params), ("p", "play_message", {"voice_message_id": VM_GREET})],
                [("e", "next", "w"), ("w", back, "p"), ("p", "next", "w")])
    assert "loop" not in codes(validate.validate(doc, COMPS))
    self_loop = build([("e", "entry", {"numbers": ["100"]}), ("w", waiting, params)], [("e", "next", "w"), ("w", back, "w")])
    assert "loop" not in codes(validate.validate(self_loop, COMPS))


def test_two_separate_loops_are_both_reported():
    doc = build([("e", "entry", {"numbers": ["100"]}), ("f", "caller_filter", {"prefixes": ["7"]}),
                 ("a", "set_name", {"text": "a"}), ("b", "set_name", {"text": "b"}), ("c", "play_message", {"voice_message_id": VM_GREET})],
                [("e", "next", "f"), ("f", "match", "a"), ("a", "next", "a"), ("f", "no_match", "b"), ("b", "next", "c"), ("c", "next", "b")])
    loops = by_code(validate.validate(doc, COMPS), "loop")
    assert sorted(f["node"] for f in loops) == ["a", "b"]


def _nodes_on_cycles_without_waiting(doc: dict) -> set[str]:
    """Independently: nodes on a cycle of the non-waiting subgraph (repeatedly drop sinks and sources)."""
    nodes = graph.nodes_of(doc)
    keep = {nid for nid, n in nodes.items() if not CATALOGUE[n["type"]].waits_for_caller}
    succ = {nid: {t for t in nodes[nid]["next"].values() if t in keep} for nid in keep}
    changed = True
    while changed:
        changed = False
        for nid in sorted(keep):
            outs = succ[nid] & keep
            ins = {m for m in keep if nid in succ[m]}
            if not outs or not ins:
                keep.discard(nid)
                changed = True
    # what is left is every node on a cycle plus nodes between cycles; keep those that reach themselves
    on_cycle = set()
    for start in keep:
        seen, stack = set(), list(succ[start] & keep)
        while stack:
            v = stack.pop()
            if v == start:
                on_cycle.add(start)
                break
            if v not in seen:
                seen.add(v)
                stack.extend(succ[v] & keep)
    return on_cycle


def test_validate_a_scheme_of_max_nodes():
    n = graph.MAX_NODES
    doc = build([("e", "entry", {"numbers": ["100"]})] + [(f"s{i}", "set_name", {"text": "x"}) for i in range(n - 1)],
                [("e", "next", "s0")] + [(f"s{i}", "next", f"s{i + 1}") for i in range(n - 2)] + [(f"s{n - 2}", "next", "e")])
    [f] = validate.validate(doc, COMPS)  # one loop through all of them, no RecursionError
    assert f["code"] == "loop"
    r = sim(doc, number="100")
    assert r["outcome"]["result"] == "hop_limit" and len(r["path"]) == simulate.HOP_LIMIT


@settings(max_examples=200, deadline=None)
@given(documents(types=st.sampled_from(["play_message", "set_name", "caller_filter", "time_condition", "dial",
                                        "group", "ivr", "direct_dial", "hangup", "entry"])))
def test_loop_found_iff_the_non_waiting_subgraph_has_a_cycle(pair):
    _, doc = pair
    findings = validate.validate(doc, COMPS)
    loops = by_code(findings, "loop")
    on_cycle = _nodes_on_cycles_without_waiting(doc)
    assert bool(loops) == bool(on_cycle)
    assert all(f["severity"] == "error" for f in loops)
    assert {f["node"] for f in loops} <= on_cycle
    # every node on a cycle is named in exactly one loop message; waiting nodes never are
    for nid in on_cycle:
        assert sum(1 for f in loops if re.search(rf"(?:^|: | -> ){re.escape(nid)}(?: ->|$)", f["message"])) == 1, (nid, loops)


@FAST
@given(documents(stale_ports=True))
def test_validate_findings_are_well_formed(pair):
    _, doc = pair
    findings = validate.validate(doc, COMPS)
    ids = set(graph.node_ids(doc))
    for f in findings:
        assert f["severity"] in ("error", "warning")
        assert f.get("node") is None or f["node"] in ids
        if "port" in f:
            node = graph.nodes_of(doc)[f["node"]]
            assert f["port"] in node["next"] or f["port"] in ports(node, MENUS)
    assert validate.validate(doc, COMPS) == findings  # deterministic
    # every stale port is a connected port not in the node's ports
    for nid, node in graph.nodes_of(doc).items():
        stale = {f["port"] for f in findings if f["code"] == "stale_port" and f["node"] == nid}
        assert stale == set(node["next"]) - set(ports(node, MENUS))


# =============================================================================================
# 3. simulate
# =============================================================================================

MONDAY_MORNING = datetime(2025, 3, 3, 7, 0, tzinfo=timezone.utc)  # Monday 10:00 in Moscow


def scenario(**kw) -> simulate.Scenario:
    kw.setdefault("number", DID)
    kw.setdefault("at", MONDAY_MORNING)
    kw["keys"] = [simulate.Key(k, float(at)) for k, at in kw.get("keys", [])]
    kw["callees"] = {n: simulate.Callee(**c) for n, c in kw.get("callees", {}).items()}
    return simulate.Scenario(**kw)


def sim(doc: dict, comps: Components = COMPS, **kw) -> dict:
    return simulate.simulate(doc, comps, scenario(**kw))


def visits(result: dict) -> list[tuple]:
    return [(v["node"], v.get("port")) for v in result["path"]]


def greeting_group_scheme() -> dict:
    return build(
        [("e", "entry", {"numbers": [DID]}), ("greet", "play_message", {"voice_message_id": VM_GREET}),
         ("g", "group", {"group_id": G300}), ("over", "play_message", {"voice_message_id": VM_OVERFLOW}),
         ("bye", "hangup", {"cause": "busy"})],
        [("e", "next", "greet"), ("greet", "next", "g"), ("g", "overflow", "over"), ("over", "next", "bye")])


def test_simulate_greeting_group_overflow_message_hangup():
    r = sim(greeting_group_scheme())
    assert visits(r) == [("e", "next"), ("greet", "next"), ("g", "overflow"), ("over", "next"), ("bye", None)]
    assert [v["at"] for v in r["path"]] == [0, 0, 4, 34, 39]  # greeting 4 s, max_wait 30 s, message 2+1+2 s
    assert r["nodes"] == ["e", "greet", "g", "over", "bye"]
    assert r["outcome"] == {"result": "hangup", "cause": "busy"}
    assert r["answered_at"] == 0 and r["duration"] == 39


def test_simulate_group_answered_and_unavailable():
    doc = greeting_group_scheme()
    r = sim(doc, callees={"202": {"behaviour": "answer", "after": 5, "talk": 60}, "201": {"behaviour": "answer", "after": 7}})
    assert visits(r) == [("e", "next"), ("greet", "next"), ("g", "answered")]
    assert r["outcome"]["result"] == "answered" and r["duration"] == 4 + 5 + 60
    # the group's own number decides for the whole group
    r = sim(doc, callees={"300": {"behaviour": "answer", "after": 2, "talk": 3}, "201": {"behaviour": "busy"}})
    assert r["outcome"]["result"] == "answered" and r["duration"] == 4 + 2 + 3
    # answering after max_wait is too late
    r = sim(doc, callees={"300": {"behaviour": "answer", "after": 19}}, comps=make_comps(groups={**COMPS.groups, G300: {**COMPS.groups[G300], "max_wait": 10}}))
    assert visits(r)[2] == ("g", "overflow") and r["path"][3]["at"] == 14
    # nobody can answer: overflow at once
    r = sim(doc, callees={"201": {"behaviour": "unavailable"}, "202": {"behaviour": "unavailable"}})
    assert visits(r)[2] == ("g", "overflow") and r["path"][3]["at"] == 4
    no_devices = make_comps(extensions={k: {**e, "devices": []} for k, e in COMPS.extensions.items()})
    r = sim(doc, no_devices, callees={"201": {"behaviour": "answer"}})
    assert visits(r)[2] == ("g", "overflow") and r["path"][3]["at"] == 4
    # no maximum wait and nobody answers: the caller waits
    nowait = run(doc, {"op": "set_params", "id": "g", "params": {"group_id": G_NOWAIT}})
    r = sim(nowait)
    assert r["outcome"]["result"] == "waiting" and r["nodes"] == ["e", "greet", "g"]


def test_group_greeting_message_plays_its_pauses_in_the_simulator_and_the_dialplan():
    # A group greeting from a voice message plays like the message does on its own (and like
    # render.py's group number): 2 s, a 1 s pause, 2 s; then the group waits its max_wait.
    comps = make_comps(groups={**COMPS.groups, G300: {**COMPS.groups[G300], "greeting_message_id": VM_OVERFLOW}})
    doc = build([("e", "entry", {"numbers": [DID]}), ("g", "group", {"group_id": G300}), ("bye", "hangup", {"cause": "busy"})],
                [("e", "next", "g"), ("g", "overflow", "bye")])
    r = sim(doc, comps)
    assert visits(r) == [("e", "next"), ("g", "overflow"), ("bye", None)]
    assert [v["at"] for v in r["path"]] == [0, 0, 35]
    text = compiled(doc, comps)
    body = text[text.index("Answer()"):text.index("Queue(")]
    assert re.findall(r"(Playback|Wait)\(", body) == ["Playback", "Wait", "Playback"] and "Wait(1)" in body


def time_scheme() -> dict:
    return build(
        [("e", "entry", {"numbers": [DID]}), ("tc", "time_condition", {"schedule_id": SCHED}),
         ("open", "hangup", {"cause": "normal"}), ("closed", "hangup", {"cause": "congestion"})],
        [("e", "next", "tc"), ("tc", "open", "open"), ("tc", "closed", "closed")])


@pytest.mark.parametrize("tz, at, port", [
    ("Europe/Moscow", datetime(2025, 3, 3, 6, 30, tzinfo=timezone.utc), "open"),     # Mon 09:30 MSK
    ("Europe/Moscow", datetime(2025, 3, 3, 5, 59, tzinfo=timezone.utc), "closed"),   # Mon 08:59 MSK
    ("Europe/Moscow", datetime(2025, 3, 3, 15, 0, tzinfo=timezone.utc), "closed"),   # Mon 18:00 MSK (end is exclusive)
    ("Europe/Moscow", datetime(2025, 3, 3, 14, 59, 59, tzinfo=timezone.utc), "open"),
    ("UTC", datetime(2025, 3, 3, 15, 0, tzinfo=timezone.utc), "open"),
    ("America/New_York", datetime(2025, 3, 3, 15, 0, tzinfo=timezone.utc), "open"),  # 10:00 EST
    ("America/New_York", datetime(2025, 3, 3, 13, 0, tzinfo=timezone.utc), "closed"),  # 08:00 EST
    ("America/New_York", datetime(2025, 3, 10, 13, 0, tzinfo=timezone.utc), "open"),  # 09:00 EDT, after the DST change
    ("Asia/Tokyo", datetime(2025, 3, 3, 15, 0, tzinfo=timezone.utc), "closed"),      # 00:00 Tuesday JST
    ("Asia/Tokyo", datetime(2025, 3, 2, 23, 0, tzinfo=timezone.utc), "closed"),      # Mon 08:00 JST
    ("Asia/Tokyo", datetime(2025, 3, 3, 0, 30, tzinfo=timezone.utc), "open"),        # Mon 09:30 JST
    ("Europe/Moscow", datetime(2025, 3, 1, 8, 0, tzinfo=timezone.utc), "closed"),    # Saturday
    ("Europe/Moscow", datetime(2025, 1, 1, 8, 0, tzinfo=timezone.utc), "closed"),    # Wednesday, but a holiday
    ("Europe/Moscow", datetime(2025, 1, 2, 8, 0, tzinfo=timezone.utc), "open"),
    ("Europe/Moscow", datetime(2025, 3, 3, 23, 30, tzinfo=timezone(timedelta(hours=-10))), "open"),  # Tue 12:30 MSK
    ("Europe/Moscow", datetime(2025, 3, 4, 1, 30, tzinfo=timezone(timedelta(hours=14))), "open"),  # Mon 14:30 MSK (Tue 01:30 at +14)
    ("Europe/Moscow", datetime(2025, 3, 3, 10, 0, tzinfo=timezone(timedelta(hours=3))), "open"),
])
def test_simulate_time_condition(tz, at, port):
    expected = port
    r = sim(time_scheme(), make_comps(tz), at=at)
    assert visits(r)[1] == ("tc", expected)
    assert r["outcome"]["cause"] == ("normal" if expected == "open" else "congestion")


def test_simulate_time_condition_is_evaluated_when_the_call_gets_there():
    doc = build([("e", "entry", {"numbers": [DID]}), ("greet", "play_message", {"voice_message_id": VM_GREET}),
                 ("tc", "time_condition", {"schedule_id": SCHED}), ("h", "hangup")],
                [("e", "next", "greet"), ("greet", "next", "tc"), ("tc", "open", "h"), ("tc", "closed", "h")])
    # 17:59:58 Moscow; the greeting plays 4 s, so the schedule is asked at 18:00:02
    r = sim(doc, at=datetime(2025, 3, 3, 14, 59, 58, tzinfo=timezone.utc))
    assert visits(r)[2] == ("tc", "closed") and r["path"][2]["at"] == 4
    r = sim(doc, at=datetime(2025, 3, 3, 5, 59, 57, tzinfo=timezone.utc))  # 08:59:57 + 4 s
    assert visits(r)[2] == ("tc", "open")


def ivr_scheme(menu: str = MENU) -> dict:
    return build(
        [("e", "entry", {"numbers": [DID]}), ("m", "ivr", {"menu_id": menu}),
         ("sales", "dial", {"extension_id": EXT201}), ("support", "group", {"group_id": G300}),
         ("bad", "hangup", {"cause": "congestion"}), ("late", "voicemail", {"box_id": BOX})],
        [("e", "next", "m"), ("m", "key:1", "sales"), ("m", "key:2", "support"), ("m", "invalid", "bad"), ("m", "timeout", "late")])


def test_simulate_ivr_keys():
    doc = ivr_scheme()
    r = sim(doc, keys=[("1", 2)])
    assert visits(r)[:2] == [("e", "next"), ("m", "key:1")] and r["path"][2] == {"node": "sales", "type": "dial", "at": 2, "port": "no_answer"}
    assert r["answered_at"] == 0
    r = sim(doc, keys=[("2", 7.9)])  # prompt 3 s + 5 s digit timeout
    assert visits(r)[1] == ("m", "key:2") and r["path"][2]["at"] == 7.9
    # key 0 leaves the scheme for extension 201
    r = sim(doc, keys=[("0", 1)])
    assert r["outcome"] == {"result": "internal", "number": "201", "by": "key:0"} and r["nodes"] == ["e", "m"]


def test_simulate_ivr_timeout_and_invalid():
    doc = ivr_scheme()
    # silence: three rounds (prompt 3 + wait 5; then invalid prompt 1 + prompt 3 + wait 5, twice)
    r = sim(doc)
    assert visits(r) == [("e", "next"), ("m", "timeout"), ("late", None)]
    assert r["path"][2]["at"] == 8 + 9 + 9
    assert r["outcome"] == {"result": "voicemail", "mailbox": "8000"}
    # a key after the first silence, during the invalid prompt + the menu again (window [8, 17))
    r = sim(doc, keys=[("1", 8.5)])
    assert visits(r)[1] == ("m", "key:1") and r["path"][2]["at"] == 8.5
    r = sim(doc, keys=[("1", 17)])  # just after the second window: the third starts at 17
    assert visits(r)[1] == ("m", "key:1") and r["path"][2]["at"] == 17
    # three wrong keys: the invalid exit
    r = sim(doc, keys=[("5", 1), ("6", 2), ("#", 3)])
    assert visits(r) == [("e", "next"), ("m", "invalid"), ("bad", None)]
    assert r["path"][2]["at"] == 3 and r["outcome"] == {"result": "hangup", "cause": "congestion"}
    # errors of both kinds count together up to max_errors; the last one decides the exit
    r = sim(doc, keys=[("5", 1)])  # wrong, then silence twice
    assert visits(r)[1] == ("m", "timeout") and r["path"][2]["at"] == 1 + 9 + 9
    r = sim(doc, keys=[("5", 20)])  # silence, silence, wrong
    assert visits(r)[1] == ("m", "invalid") and r["path"][2]["at"] == 20
    # a wrong key, then a right one
    r = sim(doc, keys=[("9", 1), ("2", 3)])
    assert visits(r)[1] == ("m", "key:2") and r["path"][2]["at"] == 3


def test_simulate_ivr_menu_actions():
    doc = build([("e", "entry", {"numbers": [DID]}), ("m", "ivr", {"menu_id": MENU_DD}), ("h", "hangup")],
                [("e", "next", "m"), ("m", "key:5", "h")])
    assert sim(doc, keys=[("9", 1)])["outcome"] == {"result": "voicemail", "mailbox": "8000", "by": "key:9"}
    assert sim(doc, keys=[("8", 1)])["outcome"] == {"result": "forwarded", "number": "+74957654321", "by": "key:8"}
    assert sim(doc, keys=[("7", 1)])["outcome"] == {"result": "hangup", "cause": "normal", "by": "key:7"}
    assert sim(doc, keys=[("1", 1), ("2", 2)])["outcome"] == {"result": "hangup", "cause": "normal", "by": "invalid"}
    assert sim(doc)["outcome"] == {"result": "voicemail", "mailbox": "8000", "by": "timeout"}
    # key 6 plays a message (4 s as a prompt: keys during it are lost), then the menu again
    r = sim(doc, keys=[("6", 1), ("5", 3), ("5", 6)])
    assert visits(r)[1] == ("m", "key:5") and r["path"][2]["at"] == 6


def nested_scheme(menu: str = MENU_TOP) -> dict:
    return build([("e", "entry", {"numbers": [DID]}), ("m", "ivr", {"menu_id": menu}), ("two", "hangup", {"cause": "busy"}),
                  ("bad", "hangup", {"cause": "congestion"}), ("late", "voicemail", {"box_id": BOX})],
                 [("e", "next", "m"), ("m", "key:2", "two"), ("m", "invalid", "bad"), ("m", "timeout", "late")])


def menus_of(result: dict) -> list[tuple[str, float]]:
    return [(m["menu"], m["at"]) for v in result["path"] for m in v.get("menus", ())]


def test_simulate_nested_menus_and_back():
    doc = nested_scheme()
    # key 1 opens the sub menu (no prompt), whose key 1 rings 201
    r = sim(doc, keys=[("1", 1), ("1", 2)])
    assert r["outcome"] == {"result": "internal", "number": "201", "by": "key:1"} and menus_of(r) == [(MENU_SUB, 1)]
    # back to the top menu, then its key 2 (an exit of the node's own menu: port key:2)
    r = sim(doc, keys=[("1", 1), ("4", 2), ("2", 3)])
    assert visits(r) == [("e", "next"), ("m", "key:2"), ("two", None)] and r["path"][2]["at"] == 3
    assert menus_of(r) == [(MENU_SUB, 1), (MENU_TOP, 2)]
    # an exit key of a nested menu leaves by the node's invalid port
    r = sim(doc, keys=[("1", 1), ("5", 2)])
    assert visits(r)[1] == ("m", "invalid") and r["nodes"][-1] == "bad"
    # top -> sub -> top (key 7) -> back -> sub: back returns along the way the caller came
    r = sim(doc, keys=[("1", 1), ("7", 2), ("0", 3), ("5", 4)])
    assert menus_of(r) == [(MENU_SUB, 1), (MENU_TOP, 2), (MENU_SUB, 3)] and visits(r)[1] == ("m", "invalid")
    # back in the first menu: a key repeats it, an exit hangs up
    r = sim(doc, keys=[("0", 1), ("2", 2)])
    assert visits(r)[1] == ("m", "key:2") and menus_of(r) == []
    r = sim(doc)  # silence twice: 8 s + 1 + 3 + 5 s, then the timeout exit "back"
    assert r["outcome"] == {"result": "hangup", "cause": "normal", "by": "timeout"} and r["duration"] == 17
    # the sub menu's errors: its default exit goes back; the top menu counts its errors afresh
    r = sim(doc, keys=[("1", 1), ("8", 2), ("8", 3), ("3", 4), ("6", 5), ("2", 6)])
    assert menus_of(r) == [(MENU_SUB, 1), (MENU_TOP, 3)] and visits(r)[1] == ("m", "key:2") and r["path"][2]["at"] == 6
    # the sub menu's silence: its timeout exit "exit" is the node's timeout port
    r = sim(doc, keys=[("1", 1)])
    assert visits(r)[1] == ("m", "timeout") and r["path"][2]["at"] == 1 + 4 + 4


def test_simulate_direct_dial_in_a_menu():
    doc = nested_scheme()
    # 3 starts 300 and 301 (2 is a key, so 20x are not dialled directly): the caller dials 301
    r = sim(doc, keys=[("3", 1), ("0", 2), ("1", 3)])
    assert r["outcome"] == {"result": "internal", "number": "301", "by": "direct"} and r["duration"] == 3
    # "30" and silence: Asterisk waits the inter-digit timeout (5 s), then it is an invalid choice
    r = sim(doc, keys=[("3", 1), ("0", 2), ("2", 8)])
    assert visits(r)[1] == ("m", "key:2") and r["path"][2]["at"] == 8
    r = sim(doc, keys=[("3", 1), ("0", 2), ("2", 6.5)])  # still collecting: "302" is no number (an error), then silence
    assert r["outcome"] == {"result": "hangup", "cause": "normal", "by": "timeout"} and r["duration"] == 6.5 + 1 + 3 + 5
    # a digit that cannot go on ends the collection at once
    r = sim(doc, keys=[("3", 1), ("9", 2), ("2", 3)])
    assert visits(r)[1] == ("m", "key:2") and r["path"][2]["at"] == 3
    # key 9: dial_direct reads up to 3 digits (the longest internal number), each within 5 s
    r = sim(doc, keys=[("9", 1), ("2", 2), ("0", 3), ("2", 4)])
    assert r["outcome"] == {"result": "internal", "number": "202", "by": "key:9"} and r["duration"] == 4
    r = sim(doc, keys=[("9", 1), ("5", 2), ("5", 3), ("5", 4), ("2", 5)])  # no such number: an invalid choice
    assert visits(r)[1] == ("m", "key:2") and r["path"][2]["at"] == 5
    r = sim(doc, keys=[("9", 1), ("3", 2), ("0", 3), ("#", 4)])  # "#" ends early: 30 is no number, then silence
    assert r["outcome"] == {"result": "hangup", "cause": "normal", "by": "timeout"} and r["duration"] == 4 + 1 + 3 + 5
    # direct dialling in a menu without allow_direct_dial is an invalid choice
    no = make_comps(ivr_menus={**MENUS, MENU_TOP: {**MENUS[MENU_TOP], "allow_direct_dial": False}})
    r = sim(doc, no, keys=[("3", 1), ("0", 2), ("1", 3), ("2", 4)])
    assert menus_of(r) == [(MENU_SUB, 3)]  # 3: an error at once; 0 (back): the menu again; 1: the sub menu
    r = sim(doc, no, keys=[("3", 1), ("5", 2)])
    assert visits(r)[1] == ("m", "invalid") and r["path"][2]["at"] == 2


def test_simulate_menus_that_lead_to_each_other_stop_at_the_hop_limit():
    doc = nested_scheme(MENU_PING)
    r = sim(doc)
    assert r["outcome"]["result"] == "hop_limit"
    assert len(menus_of(r)) == simulate.HOP_LIMIT - 2  # the entry and the IVR node count too
    assert [m for m, _ in menus_of(r)[:3]] == [MENU_PONG, MENU_PING, MENU_PONG]
    assert r["duration"] == simulate.HOP_LIMIT - 1
    # a key ends the ping-pong
    r = sim(doc, keys=[("1", 10.5)])  # in ping (the node's menu again): its exit key
    assert visits(r)[1] == ("m", "key:1") and len(menus_of(r)) == 10
    r = sim(doc, keys=[("1", 11.5)])  # in pong, which has no keys: an invalid choice, its default exit
    assert visits(r)[1] == ("m", "invalid") and len(menus_of(r)) == 11


def test_simulate_keys_count_from_the_answer_and_are_lost_during_a_message():
    doc = build([("e", "entry", {"numbers": [DID]}), ("greet", "play_message", {"voice_message_id": VM_GREET}),
                 ("m", "ivr", {"menu_id": MENU}), ("one", "hangup", {"cause": "busy"})],
                [("e", "next", "greet"), ("greet", "next", "m"), ("m", "key:1", "one")])
    # the greeting plays 4 s; a key at 2 s is lost, the menu then times out
    r = sim(doc, keys=[("1", 2)])
    assert visits(r)[2] == ("m", "timeout")
    r = sim(doc, keys=[("1", 4)])  # right when the menu starts
    assert visits(r)[2] == ("m", "key:1") and r["path"][3]["at"] == 4
    # a dial that rings 10 s before the menu: the answer happens at the menu, keys count from there
    ring = build([("e", "entry", {"numbers": [DID]}), ("d", "dial", {"extension_id": EXT201, "ring_time": 10}),
                  ("m", "ivr", {"menu_id": MENU}), ("one", "hangup")],
                 [("e", "next", "d"), ("d", "no_answer", "m"), ("m", "key:1", "one")])
    r = sim(ring, keys=[("1", 1)])
    assert r["answered_at"] == 10 and visits(r)[2] == ("m", "key:1") and r["path"][3]["at"] == 11


def test_simulate_caller_filter():
    doc = build([("e", "entry", {"numbers": [DID, "100"]}), ("f", "caller_filter", {"prefixes": ["7495", "+7812"]}),
                 ("yes", "hangup", {"cause": "busy"}), ("no", "hangup")],
                [("e", "next", "f"), ("f", "match", "yes"), ("f", "no_match", "no")])
    for caller, port in [("+74951112233", "match"), ("74951112233", "match"), ("+78120000000", "match"),
                         ("+78121112233", "match"), ("+79161112233", "no_match"), ("", "no_match"), ("7", "no_match")]:
        assert visits(sim(doc, caller=caller))[1] == ("f", port), caller
    with_cls = run(doc, {"op": "set_params", "id": "f", "params": {"classifier_id": CLS}})
    for caller, port in [("+79161112233", "match"), ("79160000000", "match"), ("+78121234567", "match"),
                         ("+78121234568", "no_match"), ("+74951112233", "no_match"), ("", "no_match")]:
        assert visits(sim(with_cls, caller=caller))[1] == ("f", port), caller
    assert sim(doc, number="100", caller="7495")["nodes"] == ["e", "f", "yes"]


def dial_scheme(ext: str = EXT201, ring_time: int = 20) -> dict:
    return build([("e", "entry", {"numbers": [DID]}), ("d", "dial", {"extension_id": ext, "ring_time": ring_time}),
                  ("nb", "hangup", {"cause": "busy"}), ("na", "hangup", {"cause": "normal"}), ("un", "hangup", {"cause": "congestion"}),
                  ("after", "fax")],
                 [("e", "next", "d"), ("d", "busy", "nb"), ("d", "no_answer", "na"), ("d", "unavailable", "un"), ("d", "answered", "after")])


@pytest.mark.parametrize("callee, port, at", [
    ({"behaviour": "answer", "after": 5, "talk": 30}, "answered", 35),
    ({"behaviour": "answer", "after": 25}, "no_answer", 20),  # rings out first
    ({"behaviour": "busy"}, "busy", 0),
    ({"behaviour": "no_answer"}, "no_answer", 20),
    ({"behaviour": "unavailable"}, "unavailable", 0),
    (None, "no_answer", 20),
])
def test_simulate_dial(callee, port, at):
    r = sim(dial_scheme(), callees={"201": callee} if callee else {})
    assert visits(r)[1] == ("d", port) and r["path"][2]["at"] == at
    assert r["answered_at"] == (5 if port == "answered" else None)


def test_simulate_dial_unreachable_and_unconnected():
    r = sim(dial_scheme(EXT203), callees={"203": {"behaviour": "answer"}})
    assert visits(r)[1] == ("d", "unavailable")
    disabled = make_comps(extensions={**COMPS.extensions, EXT201: {**COMPS.extensions[EXT201], "devices": [sip("acme-201-a", enabled=False)]}})
    assert visits(sim(dial_scheme(), disabled, callees={"201": {"behaviour": "answer"}}))[1] == ("d", "unavailable")
    # answered with nothing after it: the call ends as answered
    only = build([("e", "entry", {"numbers": [DID]}), ("d", "dial", {"extension_id": EXT201})], [("e", "next", "d")])
    r = sim(only, callees={"201": {"behaviour": "answer", "after": 1, "talk": 2}})
    assert r["outcome"]["result"] == "answered" and r["duration"] == 3
    r = sim(only, callees={"201": {"behaviour": "busy"}})
    assert r["outcome"]["result"] == "hangup" and "busy" in r["outcome"]["reason"]


def test_simulate_forward():
    doc = build([("e", "entry", {"numbers": [DID]}), ("fw", "forward", {"number": "+74951234567", "ring_time": 40}), ("h", "hangup")],
                [("e", "next", "fw"), ("fw", "no_answer", "h"), ("fw", "busy", "h")])
    assert visits(sim(doc))[1] == ("fw", "no_answer") and sim(doc)["duration"] == 40
    assert visits(sim(doc, callees={"74951234567": {"behaviour": "busy"}}))[1] == ("fw", "busy")
    assert visits(sim(doc, callees={"+74951234567": {"behaviour": "answer", "after": 3}}))[1] == ("fw", "answered")


def test_simulate_direct_dial():
    doc = build([("e", "entry", {"numbers": [DID]}), ("dd", "direct_dial", {"voice_message_id": VM_DD, "max_digits": 3, "wait": 4}),
                 ("h", "hangup")], [("e", "next", "dd"), ("dd", "timeout", "h")])
    assert sim(doc, keys=[("2", 1), ("0", 2), ("2", 3)])["outcome"] == {"result": "internal", "number": "202"}
    assert sim(doc, keys=[("3", 1), ("0", 2), ("0", 3), ("#", 4)])["outcome"] == {"result": "internal", "number": "300"}
    assert sim(doc, keys=[("3", 1), ("0", 2), ("0", 3)])["outcome"] == {"result": "internal", "number": "300"}
    r = sim(doc, keys=[("9", 1), ("9", 2), ("9", 3)])  # no such number
    assert visits(r)[1] == ("dd", "timeout")
    r = sim(doc)  # prompt 2 s + wait 4 s
    assert visits(r)[1] == ("dd", "timeout") and r["path"][2]["at"] == 6
    r = sim(doc, keys=[("2", 1), ("0", 9)])  # the second digit is too late
    assert visits(r)[1] == ("dd", "timeout")


def test_simulate_no_route_and_end_nodes():
    r = sim(greeting_group_scheme(), number="999")
    assert r["outcome"]["result"] == "no_route" and r["path"] == [] and r["nodes"] == []
    fax = build([("e", "entry", {"numbers": [DID]}), ("x", "fax")], [("e", "next", "x")])
    assert sim(fax)["outcome"] == {"result": "fax"} and sim(fax)["answered_at"] == 0
    sn = build([("e", "entry", {"numbers": [DID]}), ("s", "set_name", {"text": "VIP"}), ("x", "hangup")], [("e", "next", "s"), ("s", "next", "x")])
    assert visits(sim(sn)) == [("e", "next"), ("s", "next"), ("x", None)]


def test_simulate_hop_limit_on_an_ivr_timeout_self_loop():
    doc = build([("e", "entry", {"numbers": [DID]}), ("m", "ivr", {"menu_id": MENU_FAST})], [("e", "next", "m"), ("m", "timeout", "m")])
    assert not [f for f in validate.validate(doc, COMPS) if f["severity"] == "error"]  # it waits for the caller
    r = sim(doc)
    assert r["outcome"]["result"] == "hop_limit"
    assert len(r["path"]) == simulate.HOP_LIMIT
    assert r["nodes"] == ["e"] + ["m"] * (simulate.HOP_LIMIT - 1)
    assert all(v["port"] == "timeout" for v in r["path"][1:])
    assert r["duration"] == simulate.HOP_LIMIT - 1  # one second of silence per visit
    # a key before the limit ends the loop
    star = build([("e", "entry", {"numbers": [DID]}), ("m", "ivr", {"menu_id": MENU_FAST}), ("h", "hangup")],
                 [("e", "next", "m"), ("m", "timeout", "m"), ("m", "key:*", "h")])
    r = sim(star, keys=[("*", 10.5)])
    assert r["outcome"] == {"result": "hangup", "cause": "normal"} and len(r["path"]) == 13


def test_simulate_accepts_plain_data_and_does_not_depend_on_key_order():
    doc = ivr_scheme()
    plain = {"number": DID, "at": "2025-03-03T07:00:00Z", "keys": [{"key": "2", "at": 9}, {"key": "7", "at": 1}]}
    a = simulate.simulate(doc, COMPS, plain)
    b = sim(doc, keys=[("7", 1), ("2", 9)])
    assert a == b and visits(a)[1] == ("m", "key:2")


# --- simulate: properties -------------------------------------------------------------------

scenarios = st.builds(
    lambda number, caller, at, keys, callees: {"number": number, "caller": caller, "at": at,
                                               "keys": [{"key": k, "at": t} for k, t in keys], "callees": callees},
    st.sampled_from(["100", DID, DID, "+74950000002", "999"]),
    st.sampled_from(["", "+74951112233", "+78121234567", "79160000000", "12"]),
    st.datetimes(min_value=datetime(2024, 12, 25), max_value=datetime(2025, 4, 1), timezones=st.just(timezone.utc)),
    st.lists(st.tuples(st.sampled_from(KEYS), st.floats(0, 120, allow_nan=False)), max_size=8),
    st.dictionaries(st.sampled_from(["201", "202", "203", "300", "301", "74951234567"]),
                    st.fixed_dictionaries({"behaviour": st.sampled_from(["answer", "busy", "no_answer", "unavailable"]),
                                           "after": st.floats(0, 40, allow_nan=False), "talk": st.floats(0, 30, allow_nan=False)}),
                    max_size=3),
)


@MEDIUM
@given(documents(with_entry=True), scenarios, st.sampled_from(["Europe/Moscow", "America/New_York", "Asia/Kolkata", "UTC"]))
def test_simulate_properties(pair, sc, tz):
    _, doc = pair
    comps = make_comps(tz)
    first = simulate.simulate(doc, comps, copy.deepcopy(sc))
    assert simulate.simulate(copy.deepcopy(doc), comps, copy.deepcopy(sc)) == first  # deterministic
    path = first["path"]
    nodes = graph.nodes_of(doc)
    entry = next((nid for nid in sorted(nodes) if nodes[nid]["type"] == "entry" and sc["number"] in nodes[nid]["params"]["numbers"]), None)
    if entry is None:
        assert first["outcome"]["result"] == "no_route" and path == []
        return
    assert path[0]["node"] == entry
    assert len(path) <= simulate.HOP_LIMIT
    for here, there in zip(path, path[1:]):
        assert nodes[here["node"]]["next"][here["port"]] == there["node"]  # an edge, via the recorded port
        assert there["at"] >= here["at"]
        assert there["type"] == nodes[there["node"]]["type"]
    # the call goes on from the last visit only when the hop limit stops it
    last = path[-1]
    goes_on = "port" in last and last["port"] in nodes[last["node"]]["next"]
    # node visits and menu changes count hops together; the limit stops a call at a node or in a menu
    hops = len(path) + sum(len(v.get("menus", ())) for v in path)
    in_menu = "port" not in last and last["type"] == "ivr" and hops == simulate.HOP_LIMIT
    assert (first["outcome"]["result"] == "hop_limit") == (goes_on or in_menu)
    if first["outcome"]["result"] == "hop_limit":
        assert hops == simulate.HOP_LIMIT
    assert first["nodes"] == [v["node"] for v in path]
    assert first["duration"] >= path[-1]["at"]
    if first["answered_at"] is not None:
        assert 0 <= first["answered_at"] <= first["duration"]


# =============================================================================================
# =============================================================================================
# 4. the compiler
# =============================================================================================
#
# Context names are read from the output (the main context is the first section; an IVR's,
# a caller filter's and a time condition's contexts are where their node's body jumps), so
# these tests hold whatever the naming scheme is, as long as it is consistent.

SID = "0123456789ab-cdef-4000-8000-000000000000"
SKEY = "0123456789ab"
_EXTEN_RE = re.compile(r"^exten => ([^,]+),(\d+|n)(?:\(([A-Za-z0-9_-]+)\))?,(.*)$")
_SAME_RE = re.compile(r"^ same => n(?:\(([A-Za-z0-9_-]+)\))?,(.*)$")


def parse_dialplan(text: str) -> dict:
    """Contexts -> extensions -> (labels, applications); fails on any line it does not know."""
    contexts: dict[str, dict[str, dict]] = {}
    headers: list[str] = []
    ctx = exten = None
    for line in text.split("\n"):
        if not line or line.startswith(";"):
            continue
        if line.startswith("["):
            assert re.fullmatch(r"\[[A-Za-z0-9_.+-]+\]", line), line
            ctx = line[1:-1]
            headers.append(ctx)
            contexts.setdefault(ctx, {})
            exten = None
            continue
        assert ctx is not None, f"a line outside any context: {line!r}"
        m = _EXTEN_RE.match(line)
        if m:
            exten, prio, label, app = m.groups()
            assert prio == "1", line
            assert exten not in contexts[ctx], f"exten {exten} twice in {ctx}"
            contexts[ctx][exten] = {"labels": {label} - {None}, "apps": [app]}
            continue
        m = _SAME_RE.match(line)
        assert m and exten is not None, f"unknown line {line!r}"
        label, app = m.groups()
        if label:
            contexts[ctx][exten]["labels"].add(label)
        contexts[ctx][exten]["apps"].append(app)
    return {"contexts": contexts, "headers": headers, "main": headers[0] if headers else None}


def goto_targets(app: str) -> list[str]:
    if app.startswith("Goto("):
        return [app[len("Goto("):-1]]
    if app.startswith("GotoIf("):
        _, _, branches = app[len("GotoIf("):-1].rpartition("?")
        return branches.split(":")
    return []


def check_gotos(text: str, code: str = "acme") -> int:
    """Every static Goto/GotoIf target is a defined exten (or label); returns how many were checked."""
    contexts = parse_dialplan(text)["contexts"]
    checked = 0
    for ctx, extens in contexts.items():
        for exten, body in extens.items():
            for app in body["apps"]:
                for target in goto_targets(app):
                    if "${" in target:
                        continue  # dynamic (exception dates, dialled numbers), guarded by DIALPLAN_EXISTS
                    parts = target.split(",")
                    if len(parts) == 3:
                        tctx, texten, prio = parts
                    elif len(parts) == 2:
                        (texten, prio), tctx = parts, ctx
                    else:
                        tctx, texten, prio = ctx, exten, parts[0]
                    if tctx == f"t-{code}-ext":  # the tenant's internal numbers, rendered elsewhere
                        assert re.fullmatch(r"[0-9]+", texten), target
                        continue
                    assert tctx in contexts, f"{app}: no context {tctx}"
                    assert texten in contexts[tctx], f"{app}: no exten {texten} in {tctx}"
                    assert prio == "1" or prio in contexts[tctx][texten]["labels"], f"{app}: no priority {prio}"
                    checked += 1
    return checked


def compiled(doc: dict, comps: Components = COMPS, revision: int = 7) -> str:
    return compile_scheme("acme", SID, revision, doc, comps)


def jump_context(parsed: dict, nid: str, pattern: str) -> str:
    """The context a node's body jumps into or looks up (an IVR menu, a list, exception dates)."""
    apps = parsed["contexts"][parsed["main"]][f"node-{nid}"]["apps"]
    found = {m.group(1) for app in apps for m in [re.search(pattern, app)] if m}
    assert len(found) == 1, (nid, apps)
    ctx = found.pop()
    assert ctx in parsed["contexts"], ctx
    return ctx


def ivr_context(parsed: dict, nid: str) -> str:
    return jump_context(parsed, nid, r"^Goto\(([^,]+),s,1\)$")


def lookup_context(parsed: dict, nid: str) -> str:
    return jump_context(parsed, nid, r"DIALPLAN_EXISTS\(([^,]+),")


def test_compile_worked_example():
    doc = good_scheme()
    doc = run(doc, {"op": "add_node", "node": {"type": "set_name", "id": "sn", "params": {"text": "VIP"}}})
    text = compiled(doc)
    assert text == compiled(copy.deepcopy(doc))
    parsed = parse_dialplan(text)
    ctx = parsed["main"]
    assert ctx.startswith(f"t-acme-s-{SKEY}")
    assert text.startswith(f"; routing scheme {SKEY}, revision 7\n[{ctx}]\n")
    main = parsed["contexts"][ctx]
    assert set(main) == {f"node-{n}" for n in graph.node_ids(doc)} | {"end", "hop-limit"}
    assert main["node-e"]["apps"][-1] == f"Goto({ctx},node-tc,1)"
    assert main["end"]["apps"] == ["Hangup()"]
    assert main["hop-limit"]["apps"] == [f"UserEvent(PbxflowHopLimit,Scheme: {SKEY},Revision: 7)", "Hangup(16)"]
    assert main["node-bye"]["apps"][-1] == "Hangup(16)"
    assert main["node-vm"]["apps"][-2:] == ["VoiceMail(8000@t-acme,u)", "Hangup()"]
    assert f"GotoIf($[${{PBXFLOW_HOPS}} > {simulate.HOP_LIMIT}]?{ctx},hop-limit,1)" in main["node-d"]["apps"]
    assert "Dial(PJSIP/acme-201-a,20,)" in main["node-d"]["apps"]
    assert main["node-d"]["apps"][-4:] == [
        f'GotoIf($["${{DIALSTATUS}}" = "ANSWER"]?{ctx},end,1)', f'GotoIf($["${{DIALSTATUS}}" = "BUSY"]?{ctx},node-vm,1)',
        f'GotoIf($["${{DIALSTATUS}}" = "NOANSWER"]?{ctx},node-vm,1)', f"Goto({ctx},node-vm,1)"]
    assert main["node-sn"]["apps"][-2:] == ["Set(CALLERID(name)=VIP ${CALLERID(name)})", f"Goto({ctx},end,1)"]
    assert "Queue(t-acme-q300,r,,,30)" in main["node-g"]["apps"] and main["node-g"]["apps"][-1] == f"Goto({ctx},node-over,1)"
    assert main["node-over"]["apps"][3:] == ["Answer()", f"Playback(/etc/asterisk/pbxflow/media/acme/{M_OVERFLOW})", "Wait(1)",
                                             f"Playback(/etc/asterisk/pbxflow/media/acme/{M_OVERFLOW})", f"Goto({ctx},node-bye,1)"]
    assert check_gotos(text) > 20
    # the time condition: Monday..Friday 9-18, and the new-year exception
    tc = main["node-tc"]["apps"]
    assert "Set(PBXFLOW_WD=${STRFTIME(${PBXFLOW_NOW},Europe/Moscow,%u)})" in tc
    for wd in range(1, 6):
        assert f"GotoIf($[${{PBXFLOW_WD}} = {wd} & ((${{PBXFLOW_HM}} >= 900 & ${{PBXFLOW_HM}} < 1800))]?{ctx},node-menu,1)" in tc
    assert not [a for a in tc if "PBXFLOW_WD} = 6" in a or "PBXFLOW_WD} = 7" in a]
    assert tc[-1] == f"Goto({ctx},node-vm,1)"
    dates = lookup_context(parsed, "tc")
    assert parsed["contexts"][dates] == {"20250101": {"labels": set(), "apps": [f"GotoIf($[0]?{ctx},node-menu,1:{ctx},node-vm,1)"]}}


def test_compile_nested_menus_back_and_direct_dial():
    doc = nested_scheme()
    text = compiled(doc)
    parsed = parse_dialplan(text)
    main = parsed["main"]
    top_name = ivr_context(parsed, "m")
    sub_name = f"{main}-ivr1-m"
    top, sub = parsed["contexts"][top_name], parsed["contexts"][sub_name]
    assert parsed["contexts"][main]["node-m"]["apps"][-4:] == ["Set(PBXFLOW_ERRORS=0)", "Set(PBXFLOW_MENUS=0)", "Answer()", f"Goto({top_name},s,1)"]
    # direct dialling: 300 and 301 (not 20x: 2 is a key), and the wait between their digits
    assert set(top) == {"s", "i", "t", "1", "2", "9", "0", "300", "301", "enter", "menu-0", "menu-1"}
    assert top["s"]["apps"][:2] == ["NoOp(menu)", "Set(TIMEOUT(digit)=5)"]
    assert top["301"]["apps"] == ["Goto(t-acme-ext,301,1)"]
    assert "Set(TIMEOUT(digit)=4)" not in sub["s"]["apps"] and not {e for e in sub if e.isdigit() and len(e) > 1}
    # key 1 pushes the sub menu (number 1) and enters it, counting a hop
    assert top["1"]["apps"][1:] == ["Set(PBXFLOW_MENUS=${PBXFLOW_MENUS}-1)", f"Goto({sub_name},enter,1)"]
    assert sub["enter"]["apps"] == [
        "Set(PBXFLOW_HOPS=$[${PBXFLOW_HOPS} + 1])", f"GotoIf($[${{PBXFLOW_HOPS}} > {simulate.HOP_LIMIT}]?{main},hop-limit,1)",
        f"UserEvent(PbxflowMenu,Scheme: {SKEY},Revision: 7,Node: m,Menu: 1)", "Set(PBXFLOW_ERRORS=0)", "Goto(s,1)"]
    assert top["menu-0"]["apps"] == [f"Goto({top_name},enter,1)"] and top["menu-1"]["apps"] == [f"Goto({sub_name},enter,1)"]
    # back: pop the stack, go to the menu now on top; in the first menu a key repeats, an exit hangs up
    depth = "${FIELDQTY(PBXFLOW_MENUS,-)}"
    assert sub["4"]["apps"][1:] == [f"GotoIf($[{depth} < 2]?{sub_name},s,1)", f"Set(PBXFLOW_MENUS=${{CUT(PBXFLOW_MENUS,-,1-$[{depth} - 1])}})",
                                    f"Goto({top_name},menu-${{CUT(PBXFLOW_MENUS,-,{depth})}},1)"]
    assert top["0"]["apps"][1] == f"GotoIf($[{depth} < 2]?{top_name},s,1)"
    assert top["t"]["apps"][top["t"]["apps"].index("GotoIf($[${PBXFLOW_ERRORS} >= 2]?texit)") + 3] == f"GotoIf($[{depth} < 2]?{main},end,1)"
    # a nested menu's exit key leaves by the node's invalid port; its timeout exit by timeout
    assert sub["5"]["apps"][-1] == f"Goto({main},node-bad,1)" and sub["t"]["apps"][-1] == f"Goto({main},node-late,1)"
    # key 9: read a number (3 digits at most), a known one goes there, else an invalid choice
    numbers = f"{main}-internal"
    assert top["9"]["apps"][1:] == ["Read(PBXFLOW_DIGITS,,3,,1,5)", f"GotoIf($[${{LEN(${{PBXFLOW_DIGITS}})}} = 0]?{top_name},i,1)",
                                    f"GotoIf(${{DIALPLAN_EXISTS({numbers},${{PBXFLOW_DIGITS}},1)}}?{numbers},${{PBXFLOW_DIGITS}},1)",
                                    f"Goto({top_name},i,1)"]
    assert set(parsed["contexts"][numbers]) == set(COMPS.internal_numbers())
    assert check_gotos(text) > 20
    # a menu without nested menus keeps no stack: back is a plain repeat / hang-up
    alone = make_comps(ivr_menus={**MENUS, MENU_TOP: {**MENUS[MENU_TOP], "keys": [{"key": "0", "action": "back"}]}})
    flat = parse_dialplan(compiled(doc, alone))
    only = flat["contexts"][ivr_context(flat, "m")]
    assert only["0"]["apps"][1:] == [f"Goto({ivr_context(flat, 'm')},s,1)"] and "enter" not in only
    assert "Set(PBXFLOW_MENUS=0)" not in flat["contexts"][main]["node-m"]["apps"]
    # two nodes with the same menus: contexts of their own
    two = build([("e", "entry", {"numbers": [DID]}), ("m", "ivr", {"menu_id": MENU_TOP}), ("n", "ivr", {"menu_id": MENU_SUB})],
                [("e", "next", "m"), ("m", "timeout", "n")])
    both = parse_dialplan(compiled(two))
    assert {f"{main}-ivr1-m", f"{main}-ivr1-n", f"{main}-ivr-m", f"{main}-ivr-n", f"{main}-internal"} <= set(both["contexts"])
    assert len(both["headers"]) == len(set(both["headers"]))


def test_compile_node_markers_and_one_exten_per_node():
    doc = good_scheme()
    text = compiled(doc, revision=12)
    parsed = parse_dialplan(text)
    for nid in graph.node_ids(doc):
        assert text.count(f"exten => node-{nid},1,") == 1
        assert text.count(f"UserEvent(PbxflowNode,Scheme: {SKEY},Revision: 12,Node: {nid})") == 1
        apps = parsed["contexts"][parsed["main"]][f"node-{nid}"]["apps"]
        assert apps[0] == "Set(PBXFLOW_HOPS=$[${PBXFLOW_HOPS} + 1])"
        assert apps[2] == f"UserEvent(PbxflowNode,Scheme: {SKEY},Revision: 12,Node: {nid})"


def test_compile_ivr_context():
    doc = ivr_scheme()
    text = compiled(doc)
    parsed = parse_dialplan(text)
    main = parsed["main"]
    ctx_name = ivr_context(parsed, "m")
    assert ctx_name != main
    ctx = parsed["contexts"][ctx_name]
    assert set(ctx) == {"s", "i", "t", "1", "2", "0"}
    assert ctx["s"]["apps"] == ["NoOp(menu)", f"Background(/etc/asterisk/pbxflow/media/acme/{M_PROMPT})", "WaitExten(5)"]
    assert ctx["1"]["apps"][-1] == f"Goto({main},node-sales,1)"
    assert ctx["2"]["apps"][-1] == f"Goto({main},node-support,1)"
    assert ctx["0"]["apps"][-1] == "Goto(t-acme-ext,201,1)"
    assert ctx["i"]["labels"] == {"iexit"} and ctx["t"]["labels"] == {"texit"}
    assert "GotoIf($[${PBXFLOW_ERRORS} >= 3]?iexit)" in ctx["i"]["apps"]
    assert ctx["i"]["apps"][-1] == f"Goto({main},node-bad,1)" and ctx["t"]["apps"][-1] == f"Goto({main},node-late,1)"
    assert f"Background(/etc/asterisk/pbxflow/media/acme/{M_INVALID})" in ctx["t"]["apps"]
    assert parsed["contexts"][main]["node-m"]["apps"][-3:] == ["Set(PBXFLOW_ERRORS=0)", "Answer()", f"Goto({ctx_name},s,1)"]
    check_gotos(text)
    # * and # keys, and the other actions
    dd = compiled(build([("e", "entry", {"numbers": [DID]}), ("m", "ivr", {"menu_id": MENU_DD}), ("f", "ivr", {"menu_id": MENU_FAST})],
                        [("e", "next", "m"), ("m", "key:5", "f")]))
    parsed = parse_dialplan(dd)
    m, f = parsed["contexts"][ivr_context(parsed, "m")], parsed["contexts"][ivr_context(parsed, "f")]
    assert set(m) == {"s", "i", "t", "9", "8", "7", "6", "5"}
    assert set(f) == {"s", "i", "t", "*", "#"}
    assert m["9"]["apps"][1:] == ["VoiceMail(8000@t-acme,u)", "Hangup()"]
    assert m["8"]["apps"][1:] == ["Dial(Local/74957654321@t-acme-outbound,60)", "Hangup()"]
    assert m["7"]["apps"][1:] == ["Hangup(16)"]
    assert m["5"]["apps"][1:] == [f"Goto({parsed['main']},node-f,1)"]
    assert f["#"]["apps"][1:] == [f"Goto({ivr_context(parsed, 'f')},s,1)"]
    assert "GotoIf($[${PBXFLOW_ERRORS} >= 1]?texit)" in f["t"]["apps"]
    check_gotos(dd)


def test_compile_caller_filter_lists():
    doc = build([("e", "entry", {"numbers": [DID]}), ("f", "caller_filter", {"classifier_id": CLS, "prefixes": ["+7495"]}), ("h", "hangup")],
                [("e", "next", "f"), ("f", "match", "h")])
    text = compiled(doc)
    parsed = parse_dialplan(text)
    lst = parsed["contexts"][lookup_context(parsed, "f")]
    assert set(lst) == {"_7495!", "_7916!", "78121234567"}
    assert all(body["apps"] == ["Return()"] for body in lst.values())
    assert "Set(PBXFLOW_CALLER=${FILTER(0-9,${CALLERID(num)})})" in parsed["contexts"][parsed["main"]]["node-f"]["apps"]
    empty = compiled(build([("e", "entry", {"numbers": [DID]}), ("f", "caller_filter")], [("e", "next", "f")]))
    parsed = parse_dialplan(empty)
    assert set(parsed["contexts"][lookup_context(parsed, "f")]) == {"none"}
    assert check_gotos(text) and check_gotos(empty)


def test_compile_revisions_and_ids_that_look_like_context_suffixes():
    """Node ids may contain "-": an IVR "a-list" next to a caller filter "a" (or "a-dates" next to a time
    condition "a") must not share a context; every section is defined once."""
    doc = build([("e", "entry", {"numbers": [DID]}), ("a", "caller_filter", {"prefixes": ["7"]}), ("a-list", "ivr", {"menu_id": MENU}),
                 ("b", "time_condition", {"schedule_id": SCHED}), ("b-dates", "ivr", {"menu_id": MENU_FAST}),
                 ("list-a", "ivr", {"menu_id": MENU_FAST}), ("ivr-a", "caller_filter", {"prefixes": ["1"]}), ("dates-b", "ivr", {"menu_id": MENU})],
                [("e", "next", "a"), ("a", "match", "a-list"), ("a", "no_match", "b"), ("b", "open", "b-dates")])
    text = compiled(doc)
    parsed = parse_dialplan(text)
    assert len(parsed["headers"]) == len(set(parsed["headers"])), parsed["headers"]
    menus = {nid: ivr_context(parsed, nid) for nid in ("a-list", "b-dates", "list-a", "dates-b")}
    lists = {nid: lookup_context(parsed, nid) for nid in ("a", "ivr-a", "b")}
    assert len(set(menus.values()) | set(lists.values()) | {parsed["main"]}) == 8
    check_gotos(text)


def _compiled_ports(node: dict) -> set[str]:
    """The ports the compiler must jump from: all of them once the node's objects exist."""
    p, kind = node["params"], node["type"]
    refs = dict(CATALOGUE[kind].refs)
    if any(not p.get(key) for key in refs if key not in ("voice_message_id", "classifier_id")):
        return set()
    if kind == "forward" and not p.get("number"):
        return set()
    if kind == "dial" and not COMPS.extensions[p["extension_id"]]["devices"]:
        return {"unavailable"}
    if kind == "ivr":
        menu = MENUS[p["menu_id"]]
        out = {key_port(k["key"]) for k in menu["keys"] if k["action"] == "exit"}
        out |= {port for port, f in (("invalid", "default_exit"), ("timeout", "timeout_exit")) if menu[f]["action"] == "exit"}
        return out
    if kind == "time_condition":
        return {"open", "closed"}
    return set(CATALOGUE[kind].ports)


COMPILE_IDS = ["a", "b", "c", "a-list", "b-dates", "ivr-a", "list-b", "dates-c", "x_1", "s", "t", "i", "end", "hop-limit"]


@MEDIUM
@given(documents(ids=st.lists(st.sampled_from(COMPILE_IDS), min_size=1, max_size=8, unique=True)),
       st.integers(1, 10_000))
def test_compile_properties(pair, revision):
    _, doc = pair
    text = compiled(doc, revision=revision)
    assert compiled(copy.deepcopy(doc), revision=revision) == text  # deterministic
    assert "\r" not in text and text.endswith("\n")
    parsed = parse_dialplan(text)
    assert len(parsed["headers"]) == len(set(parsed["headers"])), "a context is defined twice"
    main_name = parsed["main"]
    main = parsed["contexts"][main_name]
    nodes = graph.nodes_of(doc)
    assert set(main) == {f"node-{n}" for n in nodes} | {"end", "hop-limit"}
    for nid, node in nodes.items():
        assert text.count(f"exten => node-{nid},1,") == 1
        assert text.count(f"UserEvent(PbxflowNode,Scheme: {SKEY},Revision: {revision},Node: {nid})") == 1
        assert main[f"node-{nid}"]["apps"][2] == f"UserEvent(PbxflowNode,Scheme: {SKEY},Revision: {revision},Node: {nid})"
        if node["type"] == "ivr":
            chain = COMPS.menu_chain(node["params"]["menu_id"])
            top = ivr_context(parsed, nid)
            for k, menu_id in enumerate(chain):
                menu = MENUS.get(menu_id) or {}
                ctx = top if k == 0 else f"{main_name}-ivr{k}-{nid}"
                extens = {"s", "i", "t"} | {k["key"] for k in menu.get("keys", ())} | set(COMPS.direct_numbers(menu))
                if len(chain) > 1:  # menus that change: each counts a hop when entered; back goes by menu-<k>
                    extens |= {"enter"} | ({f"menu-{i}" for i in range(len(chain))} if k == 0 else set())
                    assert f"GotoIf($[${{PBXFLOW_HOPS}} > {simulate.HOP_LIMIT}]?{main_name},hop-limit,1)" in parsed["contexts"][ctx]["enter"]["apps"]
                assert set(parsed["contexts"][ctx]) == extens
        # every connected port that the node can leave by is a jump to its target
        for port, target in node["next"].items():
            if port in _compiled_ports(node):
                assert f"{main_name},node-{target},1" in text, (nid, port)
    assert check_gotos(text) >= len(nodes)  # at least every node's hop check
    # another revision of the same scheme has contexts of its own
    other = parse_dialplan(compiled(doc, revision=revision + 1))
    assert set(other["headers"]).isdisjoint(parsed["headers"])


# --- set_name: hostile text ------------------------------------------------------------------


@pytest.mark.parametrize("text", ["a\nb", "a\rb", "\n", "x\x00", "x\x1b[31m", "x\x85y", "x\u2028y", "x\u2029y", "", "x" * 41])
def test_set_name_text_with_line_breaks_is_refused(text):
    assert invalid_field(graph.check_params, "params", "set_name", {"text": text}) == "params.text"
    assert invalid_field(graph.apply, build([("s", "set_name")]), cmd({"op": "set_params", "id": "s", "params": {"text": text}})) == "params.text"


def test_set_name_accepts_punctuation_but_neutralises_it():
    params = graph.check_params("params", "set_name", {"text": "a;[$,)b", "mode": "replace"})
    assert params == {"text": "a;[$,)b", "mode": "replace"}  # stored as typed
    value = callerid_value(compiled(set_name_doc("a;[$,)b", "replace")))
    assert value == "a\\;   b"  # "$" dropped; "," "(" ")" "[" "]" become spaces; ";" escaped


def set_name_doc(text: str, mode: str) -> dict:
    return build([("e", "entry", {"numbers": [DID]}), ("s", "set_name", {"text": text, "mode": mode}), ("h", "hangup")],
                 [("e", "next", "s"), ("s", "next", "h")])


def callerid_value(text: str) -> str:
    [line] = [ln for ln in text.split("\n") if "Set(CALLERID(name)=" in ln]
    assert line.startswith(" same => n,Set(CALLERID(name)=") and line.endswith(")"), line
    return line[len(" same => n,Set(CALLERID(name)="):-1]


HOSTILE = st.lists(st.one_of(st.sampled_from(list(';[]$,()|{}"\'<>\\&=#*:?!@%^~` ') + ["${", "$[", "\\;", "]\n[x]", "\n", "${CALLERID(num)}"]),
                             st.characters(blacklist_categories=("Cs",))), min_size=1, max_size=30).map("".join)


@settings(max_examples=200, deadline=None)
@given(HOSTILE, st.sampled_from(["prefix", "replace"]))
def test_set_name_text_cannot_change_the_dialplan(text, mode):
    try:
        graph.check_params("params", "set_name", {"text": text, "mode": mode})
    except Invalid as exc:
        assert exc.field == "params.text"
        assert any(ord(c) < 0x20 or 0x7f <= ord(c) <= 0x9f or c in "\u2028\u2029" for c in text) or len(text) > 40
        return
    plain = compiled(set_name_doc("plain", mode))
    hostile = compiled(set_name_doc(text, mode))
    assert "\r" not in hostile
    assert hostile.count("\n") == plain.count("\n")
    assert parse_dialplan(hostile)["headers"] == parse_dialplan(plain)["headers"]
    assert [ln.split(",", 1)[0] for ln in hostile.split("\n")] == [ln.split(",", 1)[0] for ln in plain.split("\n")]
    value = callerid_value(hostile)
    if mode == "prefix":
        assert value.endswith(" ${CALLERID(name)}") and value.count("${") == 1
        value = value[: -len(" ${CALLERID(name)}")]
    assert value and "$" not in value
    assert not set(value) & set(',|()[]"<>\n')
    # every ";" is escaped (a bare one would start a comment), and nothing else is backslashed
    assert re.fullmatch(r"(?:[^;\\]|\\;)+", value), value
    assert value == value.strip()
    check_gotos(hostile)
