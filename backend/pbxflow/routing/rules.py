"""The ordered rule view of a scheme (F-RTE-6): first-match rules drawn as the same graph (pure).

A rule list for the scheme's entry numbers::

    {"numbers": ["+74951234567"],
     "rules": [{"when": {"caller_prefixes": ["+7916"], "classifier_id": null,
                         "schedule_id": "…", "schedule_state": "open"},
                "target": {"type": "group", "params": {"group_id": "…"}}}, …],
     "otherwise": {"type": "voicemail", "params": {"box_id": "…"}}}

becomes entry → [caller filter] → [time condition] → target for rule 1, whose failing ports
lead to rule 2's first condition, and so on, ending at ``otherwise``. ``rules_of`` reads such
a graph back; a scheme drawn freely on the canvas (any other shape) has no rule view.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from ..domain import kinds
from ..domain.voice_messages import Uuid
from ..errors import Invalid
from .catalogue import CATALOGUE
from .graph import NODE_PREFIX, check_params, nodes_of

TARGET_TYPES = ("dial", "group", "forward", "voicemail", "play_message", "ivr", "hangup", "fax", "direct_dial")
Prefix = Annotated[str, msgspec.Meta(pattern=r"^\+?[0-9]{1,16}$(?!\n)")]


class When(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    caller_prefixes: Annotated[list[Prefix], msgspec.Meta(max_length=100)] = []
    classifier_id: Uuid | None = None
    schedule_id: Uuid | None = None
    schedule_state: Literal["open", "closed"] = "open"


class Target(msgspec.Struct, forbid_unknown_fields=True):
    type: Literal[TARGET_TYPES]  # type: ignore[valid-type]
    params: dict = {}


class Rule(msgspec.Struct, forbid_unknown_fields=True):
    target: Target
    when: When = msgspec.field(default_factory=When)


class RulesIn(msgspec.Struct, forbid_unknown_fields=True):
    numbers: Annotated[list[Annotated[str, msgspec.Meta(pattern=r"^\+?[0-9]{2,16}$(?!\n)")]], msgspec.Meta(max_length=100)]
    rules: Annotated[list[Rule], msgspec.Meta(max_length=50)] = []
    otherwise: Target = msgspec.field(default_factory=lambda: Target(type="hangup"))


kinds.warm(RulesIn)


def _node(ntype: str, params: dict, x: float, y: float) -> dict:
    return {"type": ntype, "params": params, "position": {"x": x, "y": y}, "next": {}}


def to_nodes(body: object) -> dict[str, dict]:
    """Stored node fields (``node:<id>``) for a rule list; errors name the field."""
    spec = kinds.to_plain(kinds.convert(body, RulesIn))
    nodes: dict[str, dict] = {"in": _node("entry", check_params("numbers", "entry", {"numbers": spec["numbers"]}), 0, 0)}
    # Each rule: (first node id, [(node id, failing port)], target id)
    previous_fail: list[tuple[str, str]] = [("in", "next")]
    for i, rule in enumerate(spec["rules"]):
        y = 150 * (i + 1)
        chain: list[tuple[str, str, str]] = []  # (id, passing port, failing port)
        when = rule.get("when") or {}
        if when.get("caller_prefixes") or when.get("classifier_id"):
            params = {"prefixes": when.get("caller_prefixes") or [], "classifier_id": when.get("classifier_id")}
            nodes[f"r{i + 1}-caller"] = _node("caller_filter", check_params(f"rules[{i}].when", "caller_filter", params), 0, y)
            chain.append((f"r{i + 1}-caller", "match", "no_match"))
        if when.get("schedule_id"):
            state = when.get("schedule_state", "open")
            params = {"schedule_id": when["schedule_id"]}
            nodes[f"r{i + 1}-time"] = _node("time_condition", check_params(f"rules[{i}].when", "time_condition", params), 250, y)
            chain.append((f"r{i + 1}-time", state, "closed" if state == "open" else "open"))
        target = rule["target"]
        tid = f"r{i + 1}-target"
        nodes[tid] = _node(target["type"], check_params(f"rules[{i}].target.params", target["type"], target.get("params") or {}), 500, y)
        first = chain[0][0] if chain else tid
        for nid, port in previous_fail:
            nodes[nid]["next"][port] = first
        for (nid, ok, _fail), nxt in zip(chain, [c[0] for c in chain[1:]] + [tid]):
            nodes[nid]["next"][ok] = nxt
        previous_fail = [(nid, fail) for nid, _ok, fail in chain]
        if not chain:
            raise Invalid(f"rules[{i}].when", "a rule needs a condition (caller prefixes, a classifier or a schedule); "
                          "'otherwise' takes every other call")
    other = spec["otherwise"]
    if previous_fail:
        nodes["otherwise"] = _node(other["type"], check_params("otherwise.params", other["type"], other.get("params") or {}),
                                   750, 150 * (len(spec["rules"]) + 1))
        for nid, port in previous_fail:
            nodes[nid]["next"][port] = "otherwise"
    return {NODE_PREFIX + nid: n for nid, n in nodes.items()}


def rules_of(doc: dict) -> dict | None:
    """The rule list a scheme draws, or None when it is not one (drawn freely on the canvas).

    The graph is read back by its node ids (``in``, ``r<i>-caller``, ``r<i>-time``,
    ``r<i>-target``, ``otherwise``) and accepted only if the rule list draws exactly that graph
    again (positions aside), so both editors always show the same calls going the same way.
    """
    nodes = nodes_of(doc)
    entry = nodes.get("in")
    if entry is None or entry["type"] != "entry":
        return None
    rules = []
    i = 1
    while f"r{i}-target" in nodes:
        when: dict = {}
        caller = nodes.get(f"r{i}-caller")
        if caller is not None and caller["type"] == "caller_filter":
            if caller["params"].get("prefixes"):
                when["caller_prefixes"] = caller["params"]["prefixes"]
            if caller["params"].get("classifier_id"):
                when["classifier_id"] = caller["params"]["classifier_id"]
        time = nodes.get(f"r{i}-time")
        if time is not None and time["type"] == "time_condition":
            when["schedule_id"] = time["params"].get("schedule_id")
            when["schedule_state"] = "closed" if time.get("next", {}).get("closed") == f"r{i}-target" else "open"
        target = nodes[f"r{i}-target"]
        rules.append({"when": when, "target": {"type": target["type"], "params": target["params"]}})
        i += 1
    other = nodes.get("otherwise")
    spec = {"numbers": entry["params"]["numbers"], "rules": rules,
            "otherwise": {"type": other["type"], "params": other["params"]} if other else {"type": "hangup", "params": {}}}
    try:
        again = to_nodes(spec)
    except (Invalid, KeyError, TypeError):
        return None
    if _shape(again) != _shape({NODE_PREFIX + k: v for k, v in nodes.items()}):
        return None
    return spec


def _shape(fields: dict[str, dict]) -> dict:
    return {k: {"type": v["type"], "params": v["params"], "next": v.get("next", {})} for k, v in fields.items()}


assert set(TARGET_TYPES) <= set(CATALOGUE)
