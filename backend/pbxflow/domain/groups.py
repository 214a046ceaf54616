"""Groups (hunt groups / queues) — F-CMP-1.

A group has a number in the tenant's numbering plan (the same claim as an extension's
number, so a group and an extension never share a number), a ring strategy, members
(extensions) with priorities, and queue settings. It is rendered as an Asterisk
``app_queue`` queue ``t-<code>-q<number>`` plus a dialplan extension that runs
``Queue()``; see docs/components-telephony.md for the mapping and the overflow rules.
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, UnsetType

from ..errors import Invalid
from . import kinds
from .common import Digits, Name, Seconds, Text
from .extensions import check_number
from .media import MohClass, Uuid, canonical_uuid
from .recording import DEFAULT_RETENTION_DAYS, RetentionDays

Strategy = Literal["ring_all", "round_robin_memory", "linear", "random", "least_recent", "fewest_calls"]
# Our names -> app_queue strategies.
STRATEGIES: dict[str, str] = {
    "ring_all": "ringall",
    "round_robin_memory": "rrmemory",
    "linear": "linear",
    "random": "random",
    "least_recent": "leastrecent",
    "fewest_calls": "fewestcalls",
}
Priority = Annotated[int, msgspec.Meta(ge=1, le=10, description="1 rings first; equal priorities ring together")]
MaxWait = Annotated[int, msgspec.Meta(ge=0, le=3600, description="seconds a caller may wait; 0: no limit")]
Wrapup = Annotated[int, msgspec.Meta(ge=0, le=600, description="seconds a member rests after a call")]
MaxLen = Annotated[int, msgspec.Meta(ge=0, le=1000, description="callers that may wait at once; 0: no limit")]
MAX_MEMBERS = 100


class Member(msgspec.Struct, forbid_unknown_fields=True):
    extension_id: Uuid
    priority: Priority = 1


class GroupIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    number: Digits
    strategy: Strategy = "ring_all"
    members: Annotated[list[Member], msgspec.Meta(max_length=MAX_MEMBERS)] = []
    ring_time: Seconds = 20  # one attempt to ring a member
    max_wait: MaxWait = 120
    wrapup: Wrapup = 0
    max_len: MaxLen = 0
    greeting_media_id: Uuid | None = None
    greeting_message_id: Uuid | None = None
    moh_class: MohClass | None = None
    announce_position: bool = False
    announce_holdtime: bool = False
    vip_classifier_id: Uuid | None = None
    voicemail: bool = False  # overflow to the group's voicemail box (owner_type "group")
    record_calls: bool = False  # F-CAL-6: calls a member answers through the group are recorded
    recording_retention_days: RetentionDays = DEFAULT_RETENTION_DAYS
    description: Text = ""


class GroupPatch(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    name: Name | UnsetType = UNSET
    number: Digits | UnsetType = UNSET
    strategy: Strategy | UnsetType = UNSET
    members: Annotated[list[Member], msgspec.Meta(max_length=MAX_MEMBERS)] | UnsetType = UNSET
    ring_time: Seconds | UnsetType = UNSET
    max_wait: MaxWait | UnsetType = UNSET
    wrapup: Wrapup | UnsetType = UNSET
    max_len: MaxLen | UnsetType = UNSET
    greeting_media_id: Uuid | None | UnsetType = UNSET
    greeting_message_id: Uuid | None | UnsetType = UNSET
    moh_class: MohClass | None | UnsetType = UNSET
    announce_position: bool | UnsetType = UNSET
    announce_holdtime: bool | UnsetType = UNSET
    vip_classifier_id: Uuid | None | UnsetType = UNSET
    voicemail: bool | UnsetType = UNSET
    record_calls: bool | UnsetType = UNSET
    recording_retention_days: RetentionDays | UnsetType = UNSET
    description: Text | UnsetType = UNSET


_OPTIONAL_IDS = ("greeting_media_id", "greeting_message_id", "vip_classifier_id")


def _kind_of(collection: str) -> str | None:
    """The kind serving a collection, when its module is registered (other kinds may come later)."""
    kind = kinds.BY_COLLECTION.get(collection)
    return kind.name if kind else None


class GroupKind(kinds.Kind):
    name = "group"
    collection = "groups"
    create_struct = GroupIn
    patch_struct = GroupPatch
    search_fields = ("number", "name", "description")
    order_fields = ("number", "name", "strategy")

    def normalise(self, data: dict, *, tenant: dict | None, current: dict | None) -> dict:
        doc = kinds.to_plain(kinds.convert(data, GroupIn))
        assert tenant is not None
        check_number("number", doc["number"], tenant.get("numbering") or {})
        seen: dict[str, int] = {}
        for i, m in enumerate(doc["members"]):
            m["extension_id"] = canonical_uuid(f"members[{i}].extension_id", m["extension_id"])
            if m["extension_id"] in seen:
                raise Invalid(f"members[{i}].extension_id", f"the extension is already a member (members[{seen[m['extension_id']]}])")
            seen[m["extension_id"]] = i
        for key in _OPTIONAL_IDS:
            if doc.get(key):
                doc[key] = canonical_uuid(key, doc[key])
        if doc.get("greeting_media_id") and doc.get("greeting_message_id"):
            raise Invalid("greeting_message_id", "give either greeting_media_id or greeting_message_id, not both")
        return doc

    def claims(self, tenant_id, data):
        return [kinds.Claimed(f"plan:{tenant_id}:{data['number']}", "number", f"number {data['number']}")]

    def title(self, data):
        return f"{data.get('number', '')} {data.get('name', '')}".strip()

    def public(self, data, *, reveal_secrets):
        defaults = {key: None for key in (*_OPTIONAL_IDS, "moh_class")}
        defaults |= {"record_calls": False, "recording_retention_days": DEFAULT_RETENTION_DAYS}
        return defaults | dict(data)

    def references(self, data):
        refs: dict[str, tuple[str, str]] = {
            f"members[{i}].extension_id": ("extension", m["extension_id"]) for i, m in enumerate(data.get("members", []))
        }
        for field, collection in (("greeting_media_id", "media"), ("greeting_message_id", "voice-messages"),
                                  ("vip_classifier_id", "classifiers")):
            kind = _kind_of(collection)
            if kind and data.get(field):
                refs[field] = (kind, data[field])
        return refs


GROUP = kinds.register(GroupKind())
