"""Pickup groups — F-CMP-2.

Members (extensions) of one pickup group may answer calls ringing on each other by
dialling the tenant's pickup code (``*8`` unless the tenant sets ``pickup_code``).
An extension is in at most one pickup group, as in the hosted-PBX seed (a user is
moved between groups, or set to "no group"): the membership is a claim, so two
groups cannot take the same extension even concurrently.

Rendered as the Asterisk named group ``t-<code>-pg-<first 8 hex digits of the id>``
on each member's endpoints (``named_call_group`` and ``named_pickup_group``): names
carry the tenant code, so no pickup can cross tenants.
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from msgspec import UNSET, UnsetType

from ..errors import Invalid
from . import kinds
from .common import Name, Text
from .media import Uuid, canonical_uuid

MAX_MEMBERS = 200
DEFAULT_PICKUP_CODE = "*8"
RESERVED_CODES = ("*97", "*98")  # voicemail: own box, any box
# What a phone can dial: digits, * and #, e.g. *8 or 888#.
PickupCode = Annotated[str, msgspec.Meta(pattern=r"^[0-9*#]{1,8}$(?!\n)")]


class PickupGroupIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    members: Annotated[list[Uuid], msgspec.Meta(max_length=MAX_MEMBERS)] = []
    description: Text = ""


class PickupGroupPatch(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    name: Name | UnsetType = UNSET
    members: Annotated[list[Uuid], msgspec.Meta(max_length=MAX_MEMBERS)] | UnsetType = UNSET
    description: Text | UnsetType = UNSET


def group_name(code: str, obj_id: str) -> str:
    """The Asterisk named call/pickup group of a pickup group."""
    return f"t-{code}-pg-{obj_id.replace('-', '')[:8]}"


def check_pickup_code(field: str, code: str) -> str:
    """A tenant's pickup code must be dialable and must not look like an extension number."""
    return check_feature_code(field, code, example="*8 or 888#")


def check_feature_code(field: str, code: str, *, example: str) -> str:
    """A tenant's feature code (pickup, voicemail greeting): dialable, never an extension number,
    never one of the fixed voicemail codes."""
    if not code or any(c not in "0123456789*#" for c in code) or len(code) > 8:
        raise Invalid(field, f"digits, * and # only, at most 8 (e.g. {example})")
    if code.isdigit():
        raise Invalid(field, "must contain * or # so that it never clashes with an extension number")
    if code in RESERVED_CODES:
        raise Invalid(field, f"{code} is the voicemail feature code ({', '.join(RESERVED_CODES)} are reserved)")
    return code


class PickupGroupKind(kinds.Kind):
    name = "pickup_group"
    collection = "pickup-groups"
    create_struct = PickupGroupIn
    patch_struct = PickupGroupPatch
    search_fields = ("name", "description")
    order_fields = ("name",)

    def normalise(self, data: dict, *, tenant: dict | None, current: dict | None) -> dict:
        doc = kinds.to_plain(kinds.convert(data, PickupGroupIn))
        members: list[str] = []
        for i, m in enumerate(doc["members"]):
            ext_id = canonical_uuid(f"members[{i}]", m)
            if ext_id in members:
                raise Invalid(f"members[{i}]", f"the extension is already a member (members[{members.index(ext_id)}])")
            members.append(ext_id)
        doc["members"] = members
        return doc

    def claims(self, tenant_id, data):
        return [kinds.Claimed(f"pickup-member:{tenant_id}:{ext_id}", f"members[{i}]",
                              f"pickup group membership of extension {ext_id} (an extension belongs to one pickup group)")
                for i, ext_id in enumerate(data.get("members", []))]

    def references(self, data):
        return {f"members[{i}]": ("extension", ext_id) for i, ext_id in enumerate(data.get("members", []))}


PICKUP_GROUP = kinds.register(PickupGroupKind())
