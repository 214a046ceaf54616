"""External numbers (DIDs): the platform pool and allocation to tenants (F-NUM-4)."""

from __future__ import annotations

import msgspec
from msgspec import UNSET, UnsetType

from . import kinds
from .common import E164, Digits, Text, normalise_e164



class NumberIn(msgspec.Struct, forbid_unknown_fields=True):
    number: E164
    description: Text = ""
    trunk_id: str | None = None
    # Until the number has a routing scheme: the extension it rings (None: every extension).
    destination: Digits | None = None


class NumberPatch(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    description: Text | UnsetType = UNSET
    trunk_id: str | None | UnsetType = UNSET
    destination: Digits | None | UnsetType = UNSET


class TenantNumberPatch(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """What a tenant admin may change on an allocated number."""

    destination: Digits | None | UnsetType = UNSET


class AllocateIn(msgspec.Struct, forbid_unknown_fields=True):
    number: E164


class NumberKind(kinds.Kind):
    name = "number"
    collection = "numbers"
    scope = "platform"
    create_struct = NumberIn
    patch_struct = NumberPatch
    title_field = "number"
    search_fields = ("number", "description")
    order_fields = ("number",)

    def normalise(self, data, *, tenant, current):
        doc = kinds.to_plain(kinds.convert(data, NumberIn))
        doc["number"] = normalise_e164("number", doc["number"])
        if current is not None and doc["number"] != current["number"]:
            from ..errors import Invalid

            raise Invalid("number", "a pool number cannot be renamed; add a new one")
        return doc

    def claims(self, tenant_id, data):
        return [kinds.Claimed(f"did:{data['number']}", "number", f"number {data['number']}")]

    def references(self, data):
        return {"trunk_id": ("trunk", data["trunk_id"])} if data.get("trunk_id") else {}



NUMBER = kinds.register(NumberKind())
