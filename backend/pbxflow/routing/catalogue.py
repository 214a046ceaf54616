"""The node catalogue: each node type's parameters and output ports (F-RTE-1).

A node is ``{"type", "params", "position"}``; its ports follow from the type and, for an IVR
node, from its menu (one port per key whose action is ``exit``, plus ``invalid`` and
``timeout``). CRM webhook lookup, conference and park come later.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

from ..domain.voice_messages import Uuid

RingTime = Annotated[int, msgspec.Meta(ge=1, le=300, description="seconds to ring")]
Internal = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{2,8}$(?!\n)", description="an internal number")]
External = Annotated[str, msgspec.Meta(pattern=r"^\+?[0-9]{6,16}$(?!\n)", description="an external number, E.164")]
EntryNumber = Annotated[str, msgspec.Meta(pattern=r"^\+?[0-9]{2,16}$(?!\n)",
                                          description="an external number of the tenant (+E.164) or an internal number")]
Prefix = Annotated[str, msgspec.Meta(pattern=r"^\+?[0-9]{1,16}$(?!\n)", description="caller number prefix")]
CallerName = Annotated[str, msgspec.Meta(min_length=1, max_length=40, pattern=r"^[^\x00-\x1f\x7f-\x9f\u2028\u2029]*$(?!\n)")]


class Params(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    pass


class EntryParams(Params):
    numbers: Annotated[list[EntryNumber], msgspec.Meta(max_length=100)] = []


class CallerFilterParams(Params):
    classifier_id: Uuid | None = None
    prefixes: Annotated[list[Prefix], msgspec.Meta(max_length=100)] = []


class TimeConditionParams(Params):
    schedule_id: Uuid | None = None


class PlayMessageParams(Params):
    voice_message_id: Uuid | None = None


class IvrParams(Params):
    menu_id: Uuid | None = None


class DialParams(Params):
    extension_id: Uuid | None = None
    ring_time: RingTime = 20


class GroupParams(Params):
    group_id: Uuid | None = None


class ForwardParams(Params):
    number: External | None = None
    ring_time: RingTime = 30


class DirectDialParams(Params):
    voice_message_id: Uuid | None = None  # the prompt ("dial the extension number")
    max_digits: Annotated[int, msgspec.Meta(ge=2, le=8)] = 4
    wait: Annotated[int, msgspec.Meta(ge=1, le=30)] = 5


class VoicemailParams(Params):
    box_id: Uuid | None = None


class FaxParams(Params):
    pass


class SetNameParams(Params):
    text: CallerName = "?"
    mode: Literal["prefix", "replace"] = "prefix"


class HangupParams(Params):
    cause: Literal["normal", "busy", "congestion"] = "normal"


DIAL_PORTS = ("answered", "no_answer", "busy", "unavailable")


class NodeType(msgspec.Struct, frozen=True):
    name: str
    label: str
    params: type[Params]
    ports: tuple[str, ...]
    # Nodes that wait for the caller: a loop through one of them cannot spin on its own.
    waits_for_caller: bool = False
    # Which params refer to which component kind (checked to exist in the tenant).
    refs: tuple[tuple[str, str], ...] = ()


CATALOGUE: dict[str, NodeType] = {t.name: t for t in (
    NodeType("entry", "Entry (number)", EntryParams, ("next",)),
    NodeType("caller_filter", "Caller filter", CallerFilterParams, ("match", "no_match"),
             refs=(("classifier_id", "classifier"),)),
    NodeType("time_condition", "Time condition", TimeConditionParams, ("open", "closed"),
             refs=(("schedule_id", "schedule"),)),
    NodeType("play_message", "Play message", PlayMessageParams, ("next",),
             refs=(("voice_message_id", "voice_message"),)),
    NodeType("ivr", "IVR menu", IvrParams, ("invalid", "timeout"), waits_for_caller=True,
             refs=(("menu_id", "ivr_menu"),)),
    NodeType("dial", "Dial extension", DialParams, DIAL_PORTS, refs=(("extension_id", "extension"),)),
    NodeType("group", "Ring group / queue", GroupParams, ("answered", "overflow"), refs=(("group_id", "group"),)),
    NodeType("forward", "Forward to number", ForwardParams, DIAL_PORTS),
    # A dialled internal number takes the call (it leaves the scheme); "timeout": nothing or an unknown number.
    NodeType("direct_dial", "Direct extension dial", DirectDialParams, ("timeout",), waits_for_caller=True,
             refs=(("voice_message_id", "voice_message"),)),
    NodeType("voicemail", "Voicemail", VoicemailParams, (), refs=(("box_id", "voicemail_box"),)),
    NodeType("fax", "Fax receive", FaxParams, ()),
    NodeType("set_name", "Set caller name", SetNameParams, ("next",)),
    NodeType("hangup", "Hang up", HangupParams, ()),
)}
NodeTypeName = Literal[tuple(CATALOGUE)]  # type: ignore[valid-type]

KEYS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "*", "#")


def key_port(key: str) -> str:
    return f"key:{key}"


def ports(node: dict, menus: dict[str, dict] | None = None) -> tuple[str, ...]:
    """The output ports of a node; an IVR node's depend on its menu (``menus`` by id)."""
    kind = CATALOGUE[node["type"]]
    if node["type"] != "ivr":
        return kind.ports
    menu = (menus or {}).get(node.get("params", {}).get("menu_id") or "")
    keys = [k["key"] for k in (menu or {}).get("keys", ()) if k.get("action") == "exit"]
    return tuple(key_port(k) for k in KEYS if k in keys) + kind.ports


def is_key_port(port: str) -> bool:
    return port.startswith("key:") and port[4:] in KEYS


def catalogue_view() -> list[dict]:
    """The catalogue as the editor's palette shows it (schema of each type's params)."""
    out = []
    for t in CATALOGUE.values():
        schema = msgspec.json.schema(t.params)
        out.append({"type": t.name, "label": t.label, "ports": list(t.ports),
                    "dynamic_ports": t.name == "ivr", "waits_for_caller": t.waits_for_caller,
                    "params_schema": schema})
    return out
