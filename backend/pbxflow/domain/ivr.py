"""IVR menus: a prompt, keys 0-9 * # with actions, and the invalid-choice and timeout exits (F-CMP-7).

How a menu runs (docs/components.md): the prompt plays and the caller has ``digit_timeout``
seconds to press a key. A key not in ``keys`` (and not the start of a direct-dialled number)
plays the invalid-choice prompt and counts an error, as does silence; below ``max_errors``
the menu starts again, at ``max_errors`` the call leaves through ``default_exit`` (invalid
choice) or ``timeout_exit`` (silence).

Actions (keys and exits):
  exit           leave through the routing-scheme node's output for this key / exit (the canvas decides)
  extension      ring an internal number of the tenant (extension or group): target "201"
  ivr_menu       go to another menu: target = its id (nested menus)
  voice_message  play a message, then start this menu again (keys only): target = its id
  voicemail      leave a message in a voicemail box: target = the box's id
  external       forward to an external number: target "+74951234567"
  dial_direct    the caller dials an internal number
  repeat         start this menu again (keys only)
  back           the previous menu of this call; in the first menu: start it again (keys) or hang up (exits)
  hangup         end the call

A menu may not name itself (use ``repeat``); deeper cycles (A -> B -> A) are allowed: a caller
may go round them on purpose, and a silent caller sent round by timeout exits is stopped by the
scheme's hop limit (entering a menu counts as a hop; docs/schemes.md).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, UnsetType

from ..errors import Invalid
from . import kinds
from .common import Name, Text, normalise_e164
from .extensions import check_number
from .voice_messages import Uuid, canonical_uuid

KeyName = Literal["1", "2", "3", "4", "5", "6", "7", "8", "9", "0", "*", "#"]
ActionName = Literal["exit", "extension", "ivr_menu", "voice_message", "voicemail", "external",
                     "dial_direct", "repeat", "back", "hangup"]
Target = Annotated[str, msgspec.Meta(min_length=1, max_length=40, pattern=r"^[0-9A-Fa-f+() -]+$(?!\n)",
                                     description="internal number, external number or object id, by action")]
DigitTimeout = Annotated[int, msgspec.Meta(ge=1, le=30)]
MaxErrors = Annotated[int, msgspec.Meta(ge=1, le=10)]

# What each action's target is: an internal number, an external number, or an object of the
# kind serving this collection (checked to exist in the tenant once that kind is registered).
NUMBER_TARGET = frozenset({"extension"})
OBJECT_TARGET = {"ivr_menu": "ivr-menus", "voice_message": "voice-messages", "voicemail": "voicemail-boxes"}
NEEDS_TARGET = NUMBER_TARGET | set(OBJECT_TARGET) | {"external"}
KEY_ONLY = frozenset({"repeat", "voice_message"})  # not as an exit: they return to this menu


class KeyAction(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    key: KeyName
    action: ActionName
    target: Target | None = None


class ExitAction(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    action: ActionName = "exit"
    target: Target | None = None


class IvrMenuIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    description: Text = ""
    prompt_voice_message_id: Uuid | None = None
    invalid_prompt_voice_message_id: Uuid | None = None
    digit_timeout: DigitTimeout = 5
    max_errors: MaxErrors = 3
    allow_direct_dial: bool = False
    keys: Annotated[list[KeyAction], msgspec.Meta(max_length=12)] = []
    default_exit: ExitAction = msgspec.field(default_factory=ExitAction)
    timeout_exit: ExitAction = msgspec.field(default_factory=ExitAction)


class IvrMenuDoc(IvrMenuIn):
    """The stored document: the menu's own id is kept so that a self-reference is seen."""

    id: Uuid | None = None


class IvrMenuPatch(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    name: Name | UnsetType = UNSET
    description: Text | UnsetType = UNSET
    prompt_voice_message_id: Uuid | None | UnsetType = UNSET
    invalid_prompt_voice_message_id: Uuid | None | UnsetType = UNSET
    digit_timeout: DigitTimeout | UnsetType = UNSET
    max_errors: MaxErrors | UnsetType = UNSET
    allow_direct_dial: bool | UnsetType = UNSET
    keys: Annotated[list[KeyAction], msgspec.Meta(max_length=12)] | UnsetType = UNSET
    default_exit: ExitAction | UnsetType = UNSET
    timeout_exit: ExitAction | UnsetType = UNSET


def check_action(field: str, item: dict, *, tenant: dict | None, own_id: str, is_key: bool) -> dict:
    """An action with its target checked and canonical; ``field`` is the action's path."""
    action, target = item.get("action", "exit"), item.get("target")
    out = {"action": action}
    if not is_key and action in KEY_ONLY:
        raise Invalid(f"{field}.action", f"{action!r} is for keys only: the menu already starts again until max_errors is reached")
    if action not in NEEDS_TARGET:
        if target is not None:
            raise Invalid(f"{field}.target", f"action {action!r} takes no target")
        return out
    if not target:
        raise Invalid(f"{field}.target", f"required for action {action!r}")
    where = f"{field}.target"
    if action in NUMBER_TARGET:
        if not target.isdigit():
            raise Invalid(where, f"{target!r} is not an internal number (digits)")
        check_number(where, target, (tenant or {}).get("numbering") or {})
    elif action == "external":
        target = normalise_e164(where, target)
    else:
        target = canonical_uuid(where, target)
        if action == "ivr_menu" and target == own_id:
            raise Invalid(where, "a menu cannot lead to itself; use the action 'repeat'")
    out["target"] = target
    return out


class IvrMenuKind(kinds.Kind):
    name = "ivr_menu"
    collection = "ivr-menus"
    create_struct = IvrMenuIn
    patch_struct = IvrMenuPatch
    search_fields = ("name", "description")
    order_fields = ("name",)

    def normalise(self, data: dict, *, tenant: dict | None, current: dict | None) -> dict:
        doc = kinds.to_plain(kinds.convert(data, IvrMenuDoc))
        # The id is chosen here (see fixed_id) and never changes.
        doc["id"] = current["id"] if current is not None else str(uuid.uuid4())
        for field in ("prompt_voice_message_id", "invalid_prompt_voice_message_id"):
            if doc[field]:
                doc[field] = canonical_uuid(field, doc[field])
        seen: dict[str, int] = {}
        keys = []
        for i, k in enumerate(doc["keys"]):
            field = f"keys[{i}]"
            if k["key"] in seen:
                raise Invalid(f"{field}.key", f"key {k['key']} appears twice (also keys[{seen[k['key']]}])")
            seen[k["key"]] = i
            keys.append({"key": k["key"], **check_action(field, k, tenant=tenant, own_id=doc["id"], is_key=True)})
        doc["keys"] = keys
        for field in ("default_exit", "timeout_exit"):
            doc[field] = check_action(field, doc[field], tenant=tenant, own_id=doc["id"], is_key=False)
        return doc

    def fixed_id(self, data: dict):
        return uuid.UUID(data["id"])

    def references(self, data: dict) -> dict[str, tuple[str, str]]:
        refs: dict[str, tuple[str, str]] = {}
        for field in ("prompt_voice_message_id", "invalid_prompt_voice_message_id"):
            if data.get(field):
                refs[field] = ("voice_message", data[field])
        actions = [(f"keys[{i}]", k) for i, k in enumerate(data.get("keys") or ())]
        actions += [(f, data[f]) for f in ("default_exit", "timeout_exit") if data.get(f)]
        for field, item in actions:
            kind = kinds.BY_COLLECTION.get(OBJECT_TARGET.get(item.get("action"), ""))
            if kind is not None and item.get("target"):
                refs[f"{field}.target"] = (kind.name, item["target"])
        return refs

    def public(self, data: dict, *, reveal_secrets: bool) -> dict:
        out = {"description": "", "prompt_voice_message_id": None, "invalid_prompt_voice_message_id": None, **data}
        out.pop("id", None)  # the API shows the object's id anyway
        return out


IVR_MENU = kinds.register(IvrMenuKind())
