"""Validation of a scheme (F-RTE-2): errors block publishing, warnings inform (pure).

Each finding names the node and, where it is about one, the port, so the editor can mark it.
"""

from __future__ import annotations

from .catalogue import CATALOGUE, is_key_port, ports
from .components import Components
from .graph import nodes_of

# IVR actions a scheme's menus run (all of ivr.ActionName); anything else is refused.
SCHEME_MENU_ACTIONS = frozenset({"exit", "repeat", "voice_message", "hangup", "extension", "voicemail", "external",
                                 "ivr_menu", "back", "dial_direct"})
NO_WARN_UNCONNECTED = frozenset({"answered"})
# The param a node cannot run without (a caller filter needs a classifier or prefixes: checked apart).
REQUIRED_PARAM = {"time_condition": "schedule_id", "play_message": "voice_message_id", "ivr": "menu_id",
                  "dial": "extension_id", "group": "group_id", "forward": "number", "voicemail": "box_id"}  # ending there is the normal case


def finding(severity: str, code: str, message: str, node: str | None = None, port: str | None = None) -> dict:
    out = {"severity": severity, "code": code, "message": message}
    if node is not None:
        out["node"] = node
    if port is not None:
        out["port"] = port
    return out


def entries(doc: dict) -> list[str]:
    """The numbers that enter a scheme (from all its entry nodes)."""
    return sorted({n for node in nodes_of(doc).values() if node["type"] == "entry" for n in node["params"]["numbers"]})


def entry_nodes(doc: dict) -> dict[str, str]:
    """number -> the entry node it enters."""
    out: dict[str, str] = {}
    for nid, node in sorted(nodes_of(doc).items()):
        if node["type"] == "entry":
            for n in node["params"]["numbers"]:
                out.setdefault(n, nid)
    return out


def validate(doc: dict, comps: Components, *, taken: dict[str, str] | None = None) -> list[dict]:
    """Findings for a scheme document; ``taken``: entry numbers of the tenant's other published schemes."""
    nodes = nodes_of(doc)
    out: list[dict] = []
    internal = comps.internal_numbers()
    seen_numbers: dict[str, str] = {}
    entry_ids = [nid for nid, n in sorted(nodes.items()) if n["type"] == "entry"]
    if not entry_ids:
        out.append(finding("error", "no_entry", "the scheme has no entry node: no call can reach it"))
    for nid in entry_ids:
        numbers = nodes[nid]["params"]["numbers"]
        if not numbers:
            out.append(finding("error", "entry_without_numbers", "the entry has no numbers", nid))
        for number in numbers:
            if number in seen_numbers:
                out.append(finding("error", "duplicate_entry", f"{number} also enters at node {seen_numbers[number]}", nid))
                continue
            seen_numbers[number] = nid
            if (taken or {}).get(number):
                out.append(finding("error", "entry_taken", f"{number} already enters the published scheme {taken[number]!r}", nid))
            if number.startswith("+"):
                if number not in comps.dids:
                    out.append(finding("error", "unknown_number", f"{number} is not an external number of this tenant", nid))
            elif number in internal:
                out.append(finding("error", "number_in_use", f"{number} is {internal[number]}", nid))
    for nid, node in sorted(nodes.items()):
        out.extend(_check_node(nid, node, comps))
    out.extend(_check_reach(nodes, entry_ids, comps))
    return out


def _check_node(nid: str, node: dict, comps: Components) -> list[dict]:
    out = []
    kind = CATALOGUE[node["type"]]
    params = node["params"]
    for key, ref_kind in kind.refs:
        if params.get(key) and comps.get(ref_kind, params[key]) is None:
            out.append(finding("error", "missing_object", f"{key}: no {ref_kind} with id {params[key]} in this tenant", nid))
    need = REQUIRED_PARAM.get(node["type"])
    if need and not params.get(need):
        out.append(finding("error", "missing_param", f"{need} is required", nid))
    if node["type"] == "caller_filter" and not params.get("classifier_id") and not params.get("prefixes"):
        out.append(finding("error", "missing_param", "a caller filter needs a classifier or prefixes", nid))
    msg = comps.get("voice_message", params.get("voice_message_id"))
    if msg is not None and comps.get("media", msg.get("media_id")) is None:
        out.append(finding("warning", "message_without_media", f"voice message {msg.get('name', '')!r} has no media yet: it plays nothing", nid))
    if node["type"] == "ivr" and comps.get("ivr_menu", params.get("menu_id")) is not None:
        out.extend(_check_menus(nid, params["menu_id"], comps))
    if node["type"] == "group":
        group = comps.get("group", params.get("group_id"))
        if group is not None and not int(group.get("max_wait", 0)) and "overflow" in node.get("next", {}):
            out.append(finding("warning", "no_timeout", "the group has no maximum wait: callers leave through overflow only when nobody can answer", nid))
    # Ports that do not (or no longer) exist, and unconnected exits.
    valid = ports(node, comps.ivr_menus)
    for port in sorted(node.get("next", {})):
        if port not in valid:
            what = f"the menu has no key {port[4:]} with action 'exit'" if is_key_port(port) else f"no port {port!r}"
            out.append(finding("error", "stale_port", what, nid, port))
    for port in valid:
        if port not in node.get("next", {}) and port not in NO_WARN_UNCONNECTED and node["type"] != "entry":
            out.append(finding("warning", "unconnected", "not connected: the call hangs up here", nid, port))
    if node["type"] == "entry" and "next" not in node.get("next", {}):
        out.append(finding("error", "unconnected", "the entry leads nowhere", nid, "next"))
    return out


def _check_menus(nid: str, menu_id: str, comps: Components) -> list[dict]:
    """The node's menu and the menus it leads to: what cannot run, and what the caller cannot reach."""
    out = []
    for mid in comps.menu_chain(menu_id):
        menu = comps.ivr_menus[mid]
        name = menu.get("name", mid) if mid == menu_id else f"{menu.get('name', mid)} (nested)"
        actions = [(f"key {k['key']}", k) for k in menu.get("keys", ())]
        actions += [(f, menu.get(f) or {}) for f in ("default_exit", "timeout_exit")]
        for where, item in actions:
            action = item.get("action", "exit")
            if action not in SCHEME_MENU_ACTIONS:
                out.append(finding("error", "menu_action", f"menu {name} {where}: action {action!r} is not run by a scheme", nid))
            elif action == "ivr_menu" and comps.get("ivr_menu", item.get("target")) is None:
                out.append(finding("error", "missing_object", f"menu {name} {where}: no ivr_menu with id {item.get('target')} in this tenant", nid))
        if menu.get("allow_direct_dial"):
            keys = {k["key"] for k in menu.get("keys", ())}
            shadowed = sorted(n for n in comps.internal_numbers() if n[:1] in keys)
            if shadowed:
                out.append(finding("warning", "direct_dial_shadowed",
                                   f"menu {name}: {', '.join(shadowed)} start with a key of the menu and cannot be dialled directly", nid))
    return out


def _check_reach(nodes: dict[str, dict], entry_ids: list[str], comps: Components) -> list[dict]:
    out = []
    seen: set[str] = set()
    stack = list(entry_ids)
    while stack:
        nid = stack.pop()
        if nid in seen or nid not in nodes:
            continue
        seen.add(nid)
        stack.extend(nodes[nid].get("next", {}).values())
    for nid in sorted(set(nodes) - seen):
        out.append(finding("warning", "unreachable", "no call can reach this node", nid))
    # A cycle must pass a node that waits for the caller (IVR, direct dial).
    for cycle in _cycles_without_waiting(nodes):
        out.append(finding("error", "loop", "calls would loop without waiting for the caller: " + " -> ".join(cycle + [cycle[0]]), cycle[0]))
    return out


def _cycles_without_waiting(nodes: dict[str, dict]) -> list[list[str]]:
    """One cycle per strongly connected component of the non-waiting subgraph (Tarjan)."""
    graph = {nid: sorted(t for t in n.get("next", {}).values() if t in nodes and not CATALOGUE[nodes[t]["type"]].waits_for_caller)
             for nid, n in nodes.items() if not CATALOGUE[n["type"]].waits_for_caller}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on: set[str] = set()
    stack: list[str] = []
    found: list[list[str]] = []
    counter = [0]

    def strong(v: str) -> None:  # recursion depth is bounded by MAX_NODES
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph[v]:
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1 or v in graph[v]:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            strong(v)
    return sorted(found)
