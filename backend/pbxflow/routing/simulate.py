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
        if len(call.path) >= HOP_LIMIT:
            return _result(call, {"result": "hop_limit", "reason": f"more than {HOP_LIMIT} node visits"})
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
        return _ivr(call, comps.get("ivr_menu", p.get("menu_id")) or {}, comps)
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


def _ivr(call: _Call, menu: dict, comps: Components) -> tuple[str, dict | None]:
    call.answer()
    prompt = comps.prompt_seconds(menu.get("prompt_voice_message_id"))
    invalid = comps.prompt_seconds(menu.get("invalid_prompt_voice_message_id"))
    timeout = float(menu.get("digit_timeout", 5))
    max_errors = int(menu.get("max_errors", 3))
    keys = {k["key"]: k for k in menu.get("keys", ())}
    errors = 0
    lead = 0.0  # the invalid-choice prompt before the menu starts again (keys count during it)
    while True:
        window = lead + prompt + timeout
        key = call.take_key(call.t + window)
        if key is None:
            call.wait(window)
            errors += 1
            if errors >= max_errors:
                return _menu_action(call, menu.get("timeout_exit") or {"action": "exit"}, "timeout", comps)
            lead = invalid
            continue
        action = keys.get(key.key)
        if action is None:
            errors += 1
            if errors >= max_errors:
                return _menu_action(call, menu.get("default_exit") or {"action": "exit"}, "invalid", comps)
            lead = invalid
            continue
        lead = 0.0
        if action["action"] == "repeat":
            continue
        if action["action"] == "voice_message":
            call.wait(comps.prompt_seconds(action.get("target")))
            continue
        return _menu_action(call, action, key_port(key.key), comps)


def _menu_action(call: _Call, action: dict, port: str, comps: Components) -> tuple[str, dict | None]:
    what = action.get("action", "exit")
    if what == "exit":
        return port, None
    if what == "hangup":
        return "", {"result": "hangup", "cause": "normal", "by": port}
    if what == "extension":
        return "", {"result": "internal", "number": action.get("target"), "by": port}
    if what == "voicemail":
        box = comps.get("voicemail_box", action.get("target")) or {}
        return "", {"result": "voicemail", "mailbox": box.get("mailbox"), "by": port}
    if what == "external":
        return "", {"result": "forwarded", "number": action.get("target"), "by": port}
    return "", {"result": "unsupported", "action": what}


def _group(call: _Call, group: dict, comps: Components) -> tuple[str, dict | None]:
    members = [comps.extensions.get(m["extension_id"]) for m in group.get("members", ())]
    members = [m for m in members if m is not None]
    devices = [d for m in members for d in m.get("devices", ()) if d.get("type") == "sip" and d.get("enabled", True)]
    greeting, answers = comps.group_greeting(group)
    if answers:
        call.answer()
        call.wait(comps.media_seconds(greeting))
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
    prompt = comps.prompt_seconds(p.get("voice_message_id"))
    wait = float(p["wait"])
    digits = ""
    key = call.take_key(call.t + prompt + wait)
    while key is not None:
        if key.key == "#":
            break
        digits += key.key
        if len(digits) >= p["max_digits"]:
            break
        key = call.take_key(call.t + wait)
    if key is None:
        call.wait(wait if digits else prompt + wait)
    if digits and digits in comps.internal_numbers():
        return "", {"result": "internal", "number": digits}
    return "timeout", None
