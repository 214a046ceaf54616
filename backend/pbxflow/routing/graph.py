"""A scheme's graph: the stored document, the public shape, editing commands and diffs (pure).

Stored, each node is its own top-level field ``node:<id>`` = ``{"type", "params", "position",
"next": {port: node id}}``, so every editing command changes one or two fields and the action
history, state-as-of and revert work per node with no scheme-specific code. The public shape
is ``{"nodes": [...], "edges": [{"from", "port", "to"}]}``.
"""

from __future__ import annotations

import copy
import re
from typing import Annotated, Any

import msgspec

from ..domain import kinds
from ..errors import Invalid
from .catalogue import CATALOGUE, is_key_port

MAX_NODES = 500
NODE_PREFIX = "node:"
NodeId = Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9_-]{0,23}$(?!\n)",
                                     description="node id: a lowercase letter, then up to 23 of a-z 0-9 _ -")]
Coordinate = Annotated[float, msgspec.Meta(ge=-1e6, le=1e6)]
_ID_RE = re.compile(r"[a-z][a-z0-9_-]{0,23}")


class Position(msgspec.Struct, forbid_unknown_fields=True):
    x: Coordinate = 0.0
    y: Coordinate = 0.0


class NodeIn(msgspec.Struct, forbid_unknown_fields=True):
    type: str
    id: NodeId | None = None
    params: dict = {}
    position: Position = msgspec.field(default_factory=Position)


class EdgeIn(msgspec.Struct, forbid_unknown_fields=True, rename={"source": "from"}):
    source: NodeId
    port: Annotated[str, msgspec.Meta(max_length=20)]
    to: NodeId


class GraphIn(msgspec.Struct, forbid_unknown_fields=True):
    nodes: Annotated[list[NodeIn], msgspec.Meta(max_length=MAX_NODES)] = []
    edges: Annotated[list[EdgeIn], msgspec.Meta(max_length=MAX_NODES * 16)] = []


# --- commands -------------------------------------------------------------------------


class _Cmd(msgspec.Struct, tag_field="op", forbid_unknown_fields=True):
    pass


class AddNode(_Cmd, tag="add_node"):
    node: NodeIn


class MoveNode(_Cmd, tag="move_node"):
    id: NodeId
    position: Position


class RemoveNode(_Cmd, tag="remove_node"):
    id: NodeId


class SetParams(_Cmd, tag="set_params"):
    id: NodeId
    params: dict


class Connect(_Cmd, tag="connect", rename={"source": "from"}):
    source: NodeId
    port: Annotated[str, msgspec.Meta(max_length=20)]
    to: NodeId


class Disconnect(_Cmd, tag="disconnect", rename={"source": "from"}):
    source: NodeId
    port: Annotated[str, msgspec.Meta(max_length=20)]


Command = AddNode | MoveNode | RemoveNode | SetParams | Connect | Disconnect


_TAGS = {c.__struct_config__.tag: c for c in (AddNode, MoveNode, RemoveNode, SetParams, Connect, Disconnect)}


def parse_command(body: Any) -> Command:
    """A command from a request body; errors name the field."""
    if not isinstance(body, dict) or "op" not in body:
        raise Invalid("op", "required: one of " + ", ".join(_TAGS))
    cls = _TAGS.get(body["op"]) if isinstance(body["op"], str) else None
    if cls is None:
        raise Invalid("op", f"unknown command {body['op']!r}: one of {', '.join(_TAGS)}")
    rest = {k: v for k, v in body.items() if k != "op"}
    kinds.convert(rest, _untagged(cls))  # names the field of any error
    return msgspec.convert(body, cls, strict=True)


_UNTAGGED: dict[type, type] = {}


def _untagged(cls: type) -> type:
    """The command's struct without its tag, so that kinds.convert names a bad field."""
    if cls not in _UNTAGGED:
        fields, rename = [], {}
        for f in msgspec.structs.fields(cls):
            fields.append((f.name, f.type) if f.required else (f.name, f.type, f.default if f.default is not msgspec.NODEFAULT else msgspec.field(default_factory=f.default_factory)))
            if f.encode_name != f.name:
                rename[f.name] = f.encode_name
        _UNTAGGED[cls] = msgspec.defstruct(cls.__name__, fields, forbid_unknown_fields=True, rename=rename or None)
    return _UNTAGGED[cls]


# --- the stored document ----------------------------------------------------------------


def node_ids(doc: dict) -> list[str]:
    return sorted(k[len(NODE_PREFIX):] for k in doc if k.startswith(NODE_PREFIX))


def nodes_of(doc: dict) -> dict[str, dict]:
    return {k[len(NODE_PREFIX):]: v for k, v in doc.items() if k.startswith(NODE_PREFIX)}


def check_params(field: str, node_type: str, params: Any) -> dict:
    """A node's params, complete and canonical for its type."""
    kind = CATALOGUE.get(node_type)
    if kind is None:
        raise Invalid(field.rsplit(".", 1)[0] + ".type" if "." in field else "type",
                      f"unknown node type {node_type!r}: one of {', '.join(CATALOGUE)}")
    if not isinstance(params, dict):
        raise Invalid(field, "must be an object")
    try:
        out = kinds.to_plain(kinds.convert(params, kind.params))
    except Invalid as exc:
        raise Invalid(f"{field}.{exc.field}" if exc.field != "body" else field, str(exc.detail).split(": ", 1)[-1]) from None
    for key, _kind in kind.refs:
        if out.get(key):
            out[key] = out[key].lower()
    if node_type == "entry":
        seen = set()
        for i, n in enumerate(out["numbers"]):
            if n in seen:
                raise Invalid(f"{field}.numbers[{i}]", f"{n} appears twice")
            seen.add(n)
    return out


def check_node(field: str, node_id: str, node: dict) -> dict:
    if not _ID_RE.fullmatch(node_id):
        raise Invalid(f"{field}.id", f"{node_id!r} is not a node id (a-z, then a-z 0-9 _ -, at most 24)")
    ntype = node.get("type")
    if ntype not in CATALOGUE:
        raise Invalid(f"{field}.type", f"unknown node type {ntype!r}: one of {', '.join(CATALOGUE)}")
    pos = kinds.to_plain(kinds.convert(node.get("position") or {}, Position))
    out = {"type": ntype, "params": check_params(f"{field}.params", ntype, node.get("params") or {}), "position": pos}
    nxt = {}
    for port, target in sorted((node.get("next") or {}).items()):
        check_port(f"{field}.next.{port}", ntype, port)
        nxt[port] = target
    out["next"] = nxt
    return out


def check_port(field: str, node_type: str, port: str) -> None:
    kind = CATALOGUE.get(node_type)
    if kind is None:
        raise Invalid(field, f"unknown node type {node_type!r}")
    if port in kind.ports or (node_type == "ivr" and is_key_port(port)):
        return
    allowed = list(kind.ports) + (["key:<digit, * or #>"] if node_type == "ivr" else [])
    raise Invalid(field, f"a {node_type} node has no port {port!r}" + (f"; ports: {', '.join(allowed)}" if allowed else " (it has no outputs)"))


def normalise(doc: dict) -> dict:
    """The stored document, checked: node fields valid, every edge to an existing node."""
    out = {k: v for k, v in doc.items() if not k.startswith(NODE_PREFIX)}
    nodes = {nid: n for nid, n in nodes_of(doc).items() if n is not None}
    if len(nodes) > MAX_NODES:
        raise Invalid("nodes", f"at most {MAX_NODES} nodes")
    for nid, node in sorted(nodes.items()):
        if not isinstance(node, dict):
            raise Invalid(f"nodes.{nid}", "must be an object")
        checked = check_node(f"nodes.{nid}", nid, node)
        for port, target in checked["next"].items():
            if target not in nodes:
                raise Invalid(f"nodes.{nid}.next.{port}", f"no node {target!r} in this scheme")
        out[NODE_PREFIX + nid] = checked
    return out


def to_graph(doc: dict) -> dict:
    """The public shape of the nodes and edges of a stored document."""
    nodes, edges = [], []
    for nid, node in sorted(nodes_of(doc).items()):
        nodes.append({"id": nid, "type": node["type"], "params": node["params"], "position": node["position"]})
        for port, target in sorted(node.get("next", {}).items()):
            edges.append({"from": nid, "port": port, "to": target})
    return {"nodes": nodes, "edges": edges}


def from_graph(graph: Any) -> dict[str, dict]:
    """Stored node fields from a public graph (import / replace the draft)."""
    g = kinds.to_plain(kinds.convert(graph, GraphIn))
    out: dict[str, dict] = {}
    counter = 0
    for i, n in enumerate(g["nodes"]):
        if n["type"] not in CATALOGUE:
            raise Invalid(f"nodes[{i}].type", f"unknown node type {n['type']!r}: one of {', '.join(CATALOGUE)}")
        nid = n.get("id")
        if not nid:
            counter += 1
            while f"n{counter}" in out or any(m.get("id") == f"n{counter}" for m in g["nodes"]):
                counter += 1
            nid = f"n{counter}"
        if NODE_PREFIX + nid in out:
            raise Invalid(f"nodes[{i}].id", f"node id {nid!r} appears twice")
        out[NODE_PREFIX + nid] = {"type": n["type"], "params": n.get("params") or {}, "position": n["position"], "next": {}}
    for i, e in enumerate(g["edges"]):
        key = NODE_PREFIX + e["from"]
        if key not in out:
            raise Invalid(f"edges[{i}].from", f"no node {e['from']!r}")
        if NODE_PREFIX + e["to"] not in out:
            raise Invalid(f"edges[{i}].to", f"no node {e['to']!r}")
        if e["port"] in out[key]["next"]:
            raise Invalid(f"edges[{i}].port", f"port {e['port']!r} of {e['from']!r} already has an edge (one per port)")
        check_port(f"edges[{i}].port", out[key]["type"], e["port"])
        out[key]["next"][e["port"]] = e["to"]
    # Node checks name the node by its index in the submitted list.
    return {key: check_node(f"nodes[{i}]", key[len(NODE_PREFIX):], node) for i, (key, node) in enumerate(out.items())}


def _new_id(doc: dict) -> str:
    i = len(node_ids(doc)) + 1
    while NODE_PREFIX + f"n{i}" in doc:
        i += 1
    return f"n{i}"


def apply(doc: dict, cmd: Command) -> tuple[dict, str, str | None]:
    """The document after a command, the action name for the history, and the node it touched."""
    out = copy.deepcopy(doc)
    if isinstance(cmd, AddNode):
        nid = cmd.node.id or _new_id(doc)
        if NODE_PREFIX + nid in doc:
            raise Invalid("node.id", f"node {nid!r} already exists")
        if len(node_ids(doc)) >= MAX_NODES:
            raise Invalid("node", f"a scheme has at most {MAX_NODES} nodes")
        node = {"type": cmd.node.type, "params": cmd.node.params,
                "position": kinds.to_plain(cmd.node.position), "next": {}}
        out[NODE_PREFIX + nid] = check_node("node", nid, node)
        return out, "scheme.add_node", nid
    nid = cmd.source if isinstance(cmd, (Connect, Disconnect)) else cmd.id
    key = NODE_PREFIX + nid
    if key not in doc:
        raise Invalid("from" if isinstance(cmd, (Connect, Disconnect)) else "id", f"no node {nid!r} in this scheme")
    node = out[key]
    if isinstance(cmd, MoveNode):
        node["position"] = kinds.to_plain(cmd.position)
        return out, "scheme.move_node", nid
    if isinstance(cmd, RemoveNode):
        del out[key]
        for other in nodes_of(out).values():  # edges into the removed node go with it
            other["next"] = {p: t for p, t in other.get("next", {}).items() if t != nid}
        return out, "scheme.remove_node", nid
    if isinstance(cmd, SetParams):
        node["params"] = check_params("params", node["type"], cmd.params)
        return out, "scheme.set_params", nid
    if isinstance(cmd, Connect):
        check_port("port", node["type"], cmd.port)
        if NODE_PREFIX + cmd.to not in doc:
            raise Invalid("to", f"no node {cmd.to!r} in this scheme")
        if cmd.port in node["next"] and node["next"][cmd.port] != cmd.to:
            raise Invalid("port", f"port {cmd.port!r} of {nid!r} already leads to {node['next'][cmd.port]!r}; disconnect it first")
        node["next"] = dict(sorted({**node["next"], cmd.port: cmd.to}.items()))
        return out, "scheme.connect", nid
    if isinstance(cmd, Disconnect):
        if cmd.port not in node["next"]:
            raise Invalid("port", f"port {cmd.port!r} of {nid!r} is not connected")
        node["next"] = {p: t for p, t in node["next"].items() if p != cmd.port}
        return out, "scheme.disconnect", nid
    raise Invalid("op", "unknown command")  # pragma: no cover


def replace_nodes(doc: dict, nodes: dict[str, dict]) -> dict:
    """The document with all node fields replaced (absent ones removed: their value None)."""
    out = {k: v for k, v in doc.items() if not k.startswith(NODE_PREFIX)}
    for key in doc:
        if key.startswith(NODE_PREFIX) and key not in nodes:
            out[key] = None
    out.update(nodes)
    return out


# --- diff between two graphs -------------------------------------------------------------


def diff(a: dict, b: dict) -> dict:
    """What changed from graph ``a`` to graph ``b`` (public shapes): nodes and edges."""
    an = {n["id"]: n for n in a.get("nodes", [])}
    bn = {n["id"]: n for n in b.get("nodes", [])}
    changed = []
    for nid in sorted(set(an) & set(bn)):
        fields = {f: [an[nid].get(f), bn[nid].get(f)] for f in ("type", "params", "position") if an[nid].get(f) != bn[nid].get(f)}
        if fields:
            changed.append({"id": nid, "changes": fields})
    ae = {(e["from"], e["port"]): e["to"] for e in a.get("edges", [])}
    be = {(e["from"], e["port"]): e["to"] for e in b.get("edges", [])}
    return {
        "nodes": {
            "added": [bn[i] for i in sorted(set(bn) - set(an))],
            "removed": [an[i] for i in sorted(set(an) - set(bn))],
            "changed": changed,
        },
        "edges": {
            "added": [{"from": f, "port": p, "to": t} for (f, p), t in sorted(be.items()) if ae.get((f, p)) != t],
            "removed": [{"from": f, "port": p, "to": t} for (f, p), t in sorted(ae.items()) if be.get((f, p)) != t],
        },
    }


kinds.warm(GraphIn, NodeIn, Position, Command, *_TAGS.values(), *map(_untagged, _TAGS.values()),
           *(t.params for t in CATALOGUE.values()))
