"""The call simulator (F-RTE-4): where a call goes through a published (or draft) scheme (pure).

Same semantics as the compiled dialplan (projections/asterisk/scheme.py), written down in
docs/schemes.md. Time runs in seconds from the start of the call; the PBX answers the caller
at the first node that plays something or waits for keys, and key times in the scenario
count from that answer (a phone can only send keys once the call is answered). A key that
arrives while nothing listens (a message playing, a dial ringing) is lost, as in Asterisk.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Annotated, Literal

import msgspec

from ..domain import kinds
from ..domain.classifiers import matches
from ..schedule_eval import is_open
from .catalogue import key_port
from .components import Components
from .graph import nodes_of
from .validate import entry_nodes

HOP_LIMIT = 50  # node visits per call; the dialplan enforces the same limit


class Key(msgspec.Struct, forbid_unknown_fields=True):
    key: Annotated[str, msgspec.Meta(pattern=r"^[0-9*#]$(?!\n)")]
    at: Annotated[float, msgspec.Meta(ge=0, le=3600, description="seconds after the call was answered")]


class Callee(msgspec.Struct, forbid_unknown_fields=True):
    behaviour: Literal["answer", "busy", "no_answer", "unavailable"] = "no_answer"
    after: Annotated[float, msgspec.Meta(ge=0, le=3600)] = 0  # answer after this many seconds of ringing
    talk: Annotated[float, msgspec.Meta(ge=0, le=3600)] = 1  # then hang up after this many seconds


class Scenario(msgspec.Struct, forbid_unknown_fields=True):
    number: Annotated[str, msgspec.Meta(pattern=r"^\+?[0-9]{2,16}$(?!\n)", description="the called number")]
    caller: Annotated[str, msgspec.Meta(pattern=r"^\+?[0-9]{0,20}$(?!\n)")] = ""
    at: datetime | None = None  # the instant of the call (aware); default: now
    keys: Annotated[list[Key], msgspec.Meta(max_length=100)] = []
    # By dialled target: internal number (extension or group) or external number.
    callees: dict[Annotated[str, msgspec.Meta(pattern=r"^\+?[0-9]{2,16}$(?!\n)")], Callee] = {}


kinds.warm(Scenario)


@dataclass
class _Call:
    scenario: Scenario
    at: datetime
    t: float = 0.0
    answered_at: float | None = None
    key_index: int = 0
    hops: int = 0  # node visits and menu changes (the dialplan counts both in PBXFLOW_HOPS)
    path: list[dict] = field(default_factory=list)

    def answer(self) -> None:
        if self.answered_at is None:
            self.answered_at = self.t

    def take_key(self, until: float) -> Key | None:
        """The first key in [now, until) (call time); earlier keys are lost."""
        keys = self.scenario.keys
        if self.answered_at is None:
            return None
        while self.key_index < len(keys):
            k = keys[self.key_index]
            when = self.answered_at + k.at
            if when < self.t:
                self.key_index += 1  # nobody listened
                continue
            if when < until:
                self.key_index += 1
                self.t = when
                return k
            return None
        return None

    def wait(self, seconds: float) -> None:
        """Time passes while nothing listens for keys."""
        self.t += seconds


def simulate(doc: dict, comps: Components, scenario: Scenario, *, scheme_id: str = "", revision: int | None = None) -> dict:
    """The path of node visits and the outcome of a call placed as ``scenario`` says."""
    nodes = nodes_of(doc)
    scenario = msgspec.convert(msgspec.to_builtins(scenario), Scenario) if not isinstance(scenario, Scenario) else scenario
    scenario.keys.sort(key=lambda k: k.at)
    call = _Call(scenario, scenario.at or datetime.now().astimezone())
    entry = entry_nodes(doc).get(scenario.number)
    if entry is None:
        return _result(call, {"result": "no_route", "reason": f"{scenario.number} does not enter this scheme"})
    current: str | None = entry
    while current is not None:
        if call.hops >= HOP_LIMIT:
            return _result(call, {"result": "hop_limit", "reason": f"more than {HOP_LIMIT} node visits"})
        call.hops += 1
        node = nodes[current]
        visit = {"node": current, "type": node["type"], "at": round(call.t, 3)}
        call.path.append(visit)
        port, outcome = _step(call, node, comps)
        if outcome is not None:
            return _result(call, outcome)
        visit["port"] = port
        nxt = node.get("next", {}).get(port)
        if nxt is None:
            return _result(call, {"result": "answered" if port == "answered" else "hangup", "cause": "normal",
                                  "reason": f"port {port} of {current} is not connected"})
        current = nxt
    return _result(call, {"result": "hangup"})  # pragma: no cover


def _result(call: _Call, outcome: dict) -> dict:
    return {"path": call.path, "nodes": [v["node"] for v in call.path], "outcome": outcome,
            "answered_at": call.answered_at, "duration": round(call.t, 3)}


def _callee(call: _Call, target: str) -> Callee:
    return call.scenario.callees.get(target) or call.scenario.callees.get(target.lstrip("+")) or Callee()


def _ring(call: _Call, callee: Callee, ring_time: float, reachable: bool) -> tuple[str, dict | None]:
    if not reachable or callee.behaviour == "unavailable":
        return "unavailable", None
    if callee.behaviour == "busy":
        return "busy", None
    if callee.behaviour == "answer" and callee.after < ring_time:
        call.wait(callee.after)
        call.answer()
        call.wait(callee.talk)
        return "answered", None
    call.wait(ring_time)
    return "no_answer", None


def _step(call: _Call, node: dict, comps: Components) -> tuple[str, dict | None]:
    """Run one node: the port the call leaves by, or the outcome that ends it."""
    p = node["params"]
    kind = node["type"]
    if kind in ("entry", "set_name"):
        return "next", None
    if kind == "caller_filter":
        caller = call.scenario.caller.lstrip("+")
        hit = any(caller.startswith(pre.lstrip("+")) for pre in p.get("prefixes", ()))
        classifier = comps.get("classifier", p.get("classifier_id"))
        hit = hit or (classifier is not None and matches(classifier, caller))
        return ("match" if hit else "no_match"), None
    if kind == "time_condition":
        schedule = comps.get("schedule", p.get("schedule_id")) or {}
        instant = call.at + timedelta(seconds=call.t)
        return ("open" if is_open(schedule, instant, comps.timezone) else "closed"), None
    if kind == "play_message":
        call.answer()
        call.wait(comps.message_seconds(p.get("voice_message_id")))
        return "next", None
    if kind == "ivr":
        return _ivr(call, p.get("menu_id"), comps)
    if kind == "dial":
        ext = comps.get("extension", p.get("extension_id")) or {}
        reachable = any(d.get("enabled", True) and (d.get("type") == "sip" or d.get("number")) for d in ext.get("devices", ()))
        return _ring(call, _callee(call, ext.get("number", "")), p["ring_time"], reachable)
    if kind == "forward":
        return _ring(call, _callee(call, p.get("number") or ""), p["ring_time"], True)
    if kind == "group":
        return _group(call, comps.get("group", p.get("group_id")) or {}, comps)
    if kind == "direct_dial":
        return _direct_dial(call, p, comps)
    if kind == "voicemail":
        box = comps.get("voicemail_box", p.get("box_id")) or {}
        call.answer()
        return "", {"result": "voicemail", "mailbox": box.get("mailbox")}
    if kind == "fax":
        call.answer()
        return "", {"result": "fax"}
    if kind == "hangup":
        return "", {"result": "hangup", "cause": p["cause"]}
    raise ValueError(f"unknown node type {kind}")  # pragma: no cover


def _enter_menu(call: _Call, menu_id: str) -> dict | None:
    """A nested menu (or one returned to by ``back``) counts a hop, as a node visit does."""
    if call.hops >= HOP_LIMIT:
        return {"result": "hop_limit", "reason": f"more than {HOP_LIMIT} node visits and menu changes"}
    call.hops += 1
    call.path[-1].setdefault("menus", []).append({"menu": menu_id, "at": round(call.t, 3)})
    return None


def _ivr(call: _Call, menu_id: str | None, comps: Components) -> tuple[str, dict | None]:
    """The node's menu and the menus it leads to; ``stack``: the menus that led here (``back``)."""
    call.answer()
    top = menu_id or ""
    stack = [top]
    while True:
        menu = comps.get("ivr_menu", stack[-1]) or {}
        action, by, port = _run_menu(call, menu, comps, top=stack[-1] == top, depth=len(stack))
        what = action.get("action", "exit")
        if what == "ivr_menu":
            if action.get("target") not in comps.ivr_menus:
                return "", {"result": "unsupported", "action": what}
            stack.append(action["target"])
        elif what == "back":
            if len(stack) < 2:  # an exit of the first menu (a key there repeats it)
                return "", {"result": "hangup", "cause": "normal", "by": by}
            stack.pop()
        elif what == "dial_direct":  # an exit: a known number, else the node's port
            digits = _read_digits(call, 0.0, float(menu.get("digit_timeout", 5)), comps.dial_direct_digits())
            if digits in comps.internal_numbers():
                return "", {"result": "internal", "number": digits, "by": by}
            return port, None
        else:
            return _menu_action(call, action, by, port, comps)
        outcome = _enter_menu(call, stack[-1])
        if outcome is not None:
            return "", outcome


def _run_menu(call: _Call, menu: dict, comps: Components, *, top: bool, depth: int) -> tuple[dict, str, str]:
    """One menu until it leaves: (the action, the key port or exit it came by, the node port an
    ``exit`` takes). A key's ``exit`` takes the key's port in the node's own menu and the
    ``invalid`` port in a nested one."""
    prompt = comps.prompt_seconds(menu.get("prompt_voice_message_id"))
    invalid = comps.prompt_seconds(menu.get("invalid_prompt_voice_message_id"))
    timeout = float(menu.get("digit_timeout", 5))
    max_errors = int(menu.get("max_errors", 3))
    keys = {k["key"]: k for k in menu.get("keys", ())}
    direct = comps.direct_numbers(menu)
    errors = 0
    lead = 0.0  # the invalid-choice prompt before the menu starts again (keys count during it)
    while True:
        window = lead + prompt + timeout
        key = call.take_key(call.t + window)
        if key is None:
            call.wait(window)
            errors += 1
            if errors >= max_errors:
                return menu.get("timeout_exit") or {"action": "exit"}, "timeout", "timeout"
            lead = invalid
            continue
        action = keys.get(key.key)
        if action is None and any(n.startswith(key.key) for n in direct):
            number = _collect(call, key.key, direct, timeout)
            if number is not None:
                return {"action": "extension", "target": number}, "direct", "direct"
        elif action is not None and action["action"] == "dial_direct":
            digits = _read_digits(call, 0.0, timeout, comps.dial_direct_digits())
            if digits in comps.internal_numbers():
                return {"action": "extension", "target": digits}, key_port(key.key), key_port(key.key)
            action = None  # an unknown number is an invalid choice
        if action is None:
            errors += 1
            if errors >= max_errors:
                return menu.get("default_exit") or {"action": "exit"}, "invalid", "invalid"
            lead = invalid
            continue
        lead = 0.0
        if action["action"] == "repeat" or (action["action"] == "back" and depth < 2):
            continue
        if action["action"] == "voice_message":
            call.wait(comps.prompt_seconds(action.get("target")))
            continue
        return action, key_port(key.key), key_port(key.key) if top else "invalid"


def _collect(call: _Call, first: str, numbers: list[str], timeout: float) -> str | None:
    """Asterisk's digit collection after a key that starts a longer extension of the menu: more
    digits while one could still match, each within the inter-digit timeout (the menu's
    ``digit_timeout``); the number when the digits are one, else None (an invalid choice)."""
    digits = first
    while any(len(n) > len(digits) and n.startswith(digits) for n in numbers):
        key = call.take_key(call.t + timeout)
        if key is None:
            call.wait(timeout)
            break
        digits += key.key
    return digits if digits in numbers else None


def _menu_action(call: _Call, action: dict, by: str, port: str, comps: Components) -> tuple[str, dict | None]:
    what = action.get("action", "exit")
    if what == "exit":
        return port, None
    if what == "hangup":
        return "", {"result": "hangup", "cause": "normal", "by": by}
    if what == "extension":
        return "", {"result": "internal", "number": action.get("target"), "by": by}
    if what == "voicemail":
        box = comps.get("voicemail_box", action.get("target")) or {}
        return "", {"result": "voicemail", "mailbox": box.get("mailbox"), "by": by}
    if what == "external":
        return "", {"result": "forwarded", "number": action.get("target"), "by": by}
    return "", {"result": "unsupported", "action": what}


def _group(call: _Call, group: dict, comps: Components) -> tuple[str, dict | None]:
    members = [comps.extensions.get(m["extension_id"]) for m in group.get("members", ())]
    members = [m for m in members if m is not None]
    devices = [d for m in members for d in m.get("devices", ()) if d.get("type") == "sip" and d.get("enabled", True)]
    greeting, pause, answers = comps.group_greeting(group)
    if answers:
        call.answer()
        call.wait(comps.media_seconds(greeting) + pause * max(len(greeting) - 1, 0))
    max_wait = float(group.get("max_wait", 0))
    own = call.scenario.callees.get(group.get("number", ""))
    if own is not None:
        behaviours = [own]
    else:
        behaviours = [_callee(call, m.get("number", "")) for m in members]
    if not devices or all(b.behaviour == "unavailable" for b in behaviours):
        return "overflow", None  # nobody can answer: the queue refuses the caller at once
    answering = [b.after for b in behaviours if b.behaviour == "answer" and b.after < float(group.get("ring_time", 20))]
    if answering and (not max_wait or min(answering) < max_wait):
        call.wait(min(answering))
        call.answer()
        best = min((b for b in behaviours if b.behaviour == "answer" and b.after == min(answering)), key=lambda b: b.talk)
        call.wait(best.talk)
        return "answered", None
    if not max_wait:
        return "", {"result": "waiting", "reason": "nobody answers and the group has no maximum wait"}
    call.wait(max_wait)
    return "overflow", None


def _direct_dial(call: _Call, p: dict, comps: Components) -> tuple[str, dict | None]:
    call.answer()
    digits = _read_digits(call, comps.prompt_seconds(p.get("voice_message_id")), float(p["wait"]), p["max_digits"])
    if digits and digits in comps.internal_numbers():
        return "", {"result": "internal", "number": digits}
    return "timeout", None


def _read_digits(call: _Call, prompt: float, wait: float, max_digits: int) -> str:
    """Asterisk's Read(): the prompt (keys interrupt it), then up to ``max_digits`` digits, each
    within ``wait`` s; ``#`` ends early."""
    digits = ""
    key = call.take_key(call.t + prompt + wait)
    while key is not None:
        if key.key == "#":
            break
        digits += key.key
        if len(digits) >= max_digits:
            break
        key = call.take_key(call.t + wait)
    if key is None:
        call.wait(wait if digits else prompt + wait)
    return digits
