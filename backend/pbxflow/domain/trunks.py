"""Operator SIP trunks (F-NUM-4)."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, UnsetType

from . import kinds
from .common import Hostname, Name, Port

Codec = Literal["alaw", "ulaw", "g722", "opus", "gsm", "g729"]
SipUser = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._+-]+$(?!\n)")]
TrunkSecret = Annotated[str, msgspec.Meta(min_length=1, max_length=64, pattern=r"^[!-~]+$(?!\n)")]


class TrunkIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    host: Hostname
    username: SipUser
    password: TrunkSecret
    port: Port = 5060
    register: bool = False
    codecs: Annotated[list[Codec], msgspec.Meta(min_length=1, max_length=6)] = msgspec.field(default_factory=lambda: ["alaw", "ulaw"])
    lines: Annotated[int, msgspec.Meta(ge=1, le=10000)] = 30
    enabled: bool = True


class TrunkPatch(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    name: Name | UnsetType = UNSET
    host: Hostname | UnsetType = UNSET
    username: SipUser | UnsetType = UNSET
    password: TrunkSecret | UnsetType = UNSET
    port: Port | UnsetType = UNSET
    register: bool | UnsetType = UNSET
    codecs: Annotated[list[Codec], msgspec.Meta(min_length=1, max_length=6)] | UnsetType = UNSET
    lines: Annotated[int, msgspec.Meta(ge=1, le=10000)] | UnsetType = UNSET
    enabled: bool | UnsetType = UNSET


class TrunkKind(kinds.Kind):
    name = "trunk"
    collection = "trunks"
    scope = "platform"
    create_struct = TrunkIn
    patch_struct = TrunkPatch
    search_fields = ("name", "host")
    order_fields = ("name", "host")

    def normalise(self, data, *, tenant, current):
        doc = kinds.to_plain(kinds.convert(data, TrunkIn))
        doc["host"] = doc["host"].lower()
        doc["codecs"] = list(dict.fromkeys(doc["codecs"]))
        return doc

    def claims(self, tenant_id, data):
        return [kinds.Claimed(f"trunk-name:{data['name'].casefold()}", "name", f"trunk name {data['name']}")]

    def public(self, data, *, reveal_secrets):
        return dict(data) if reveal_secrets else {k: v for k, v in data.items() if k != "password"}


TRUNK = kinds.register(TrunkKind())
