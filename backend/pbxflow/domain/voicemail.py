"""Voicemail boxes — F-CMP-3.

A box belongs to one owner: an extension, a group or a user (one box per owner, so the
dialplan knows which box a missed call goes to). Its mailbox number is unique within
the tenant's voicemail context ``t-<code>``; the PIN is a secret (masked in the action
history, shown only to admins) and is generated when not given.

Where calls go: an extension with ``voicemail: true`` sends unanswered, busy and
unreachable calls to the box owned by the extension, or else to the box of the
extension's owner user; a group with ``voicemail: true`` sends overflow to the box
owned by the group. Messages are kept by Asterisk in its spool; the API lists, serves
and deletes them, and the voicemail notifier emails them (``pbxflow.voicemail_spool``).

Greetings are files in the box's spool directory too (``unavail``, ``busy``, ``temp``,
``greet``): recorded by phone (the tenant's ``voicemail_greeting_code``, ``*96`` by
default, records the unavailable greeting of the caller's own box after its PIN; the
``*97`` menu records the others) or uploaded through the API, which writes the same
file. Phones of an extension with a box get message-waiting indication (MWI).
"""

from __future__ import annotations

import secrets
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, UnsetType

from ..errors import Invalid
from . import kinds
from .common import Email, Name, Text
from .media import Uuid, canonical_uuid

DEFAULT_GREETING_CODE = "*96"

OwnerType = Literal["extension", "group", "user"]
Mailbox = Annotated[str, msgspec.Meta(min_length=1, max_length=10, pattern=r"^[0-9]+$(?!\n)")]
VoicemailPin = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{4,8}$(?!\n)", description="4-8 digits")]


class VoicemailBoxIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    mailbox: Mailbox
    owner_type: OwnerType
    owner_id: Uuid
    pin: VoicemailPin | None = None  # generated when not given
    email: Email = ""
    attach_audio: bool = True
    enabled: bool = True
    description: Text = ""


class VoicemailBoxPatch(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    name: Name | UnsetType = UNSET
    mailbox: Mailbox | UnsetType = UNSET
    owner_type: OwnerType | UnsetType = UNSET
    owner_id: Uuid | UnsetType = UNSET
    pin: VoicemailPin | UnsetType = UNSET
    email: Email | UnsetType = UNSET
    attach_audio: bool | UnsetType = UNSET
    enabled: bool | UnsetType = UNSET
    description: Text | UnsetType = UNSET


def check_greeting_code(field: str, code: str, pickup_code: str, *, changed_pickup: bool = False) -> str:
    """The tenant's greeting-recording code: a feature code other than the pickup code. When
    both are equal, the field named is the one that changed (``pickup_code`` if it did)."""
    from .pickup import check_feature_code

    check_feature_code(field, code, example="*96")
    if code == pickup_code:
        if changed_pickup:
            raise Invalid("pickup_code", f"{code} is the tenant's voicemail greeting code (voicemail_greeting_code)")
        raise Invalid(field, f"{code} is the tenant's pickup code (pickup_code)")
    return code


def generated_pin() -> str:
    return "".join(secrets.choice("0123456789") for _ in range(6))


class VoicemailBoxKind(kinds.Kind):
    name = "voicemail_box"
    collection = "voicemail-boxes"
    create_struct = VoicemailBoxIn
    patch_struct = VoicemailBoxPatch
    search_fields = ("mailbox", "name", "email")
    order_fields = ("mailbox", "name")

    def normalise(self, data: dict, *, tenant: dict | None, current: dict | None) -> dict:
        doc = kinds.to_plain(kinds.convert(data, VoicemailBoxIn))
        doc["owner_id"] = canonical_uuid("owner_id", doc["owner_id"])
        if not doc.get("pin"):
            doc["pin"] = (current or {}).get("pin") or generated_pin()
        return doc

    def claims(self, tenant_id, data):
        return [
            kinds.Claimed(f"vmbox:{tenant_id}:{data['mailbox']}", "mailbox", f"mailbox {data['mailbox']}"),
            kinds.Claimed(f"vmowner:{tenant_id}:{data['owner_type']}:{data['owner_id']}", "owner_id",
                          f"a voicemail box for this {data['owner_type']}"),
        ]

    def title(self, data):
        return f"{data.get('mailbox', '')} {data.get('name', '')}".strip()

    def public(self, data, *, reveal_secrets):
        out = {"email": "", **data}
        if not reveal_secrets:
            out.pop("pin", None)
        return out

    def references(self, data):
        return {"owner_id": (data["owner_type"], data["owner_id"])}


VOICEMAIL_BOX = kinds.register(VoicemailBoxKind())
