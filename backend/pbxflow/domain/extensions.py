"""Extensions with 1–4 devices (F-NUM-1, F-NUM-2)."""

from __future__ import annotations

import secrets
import string
import uuid
from typing import Annotated, Literal

import msgspec
from msgspec import UNSET, UnsetType

from ..errors import Invalid
from . import kinds
from .common import Cidr, Digits, E164, Name, Seconds, SipSecret, check_cidr, normalise_e164, strong_secret

ForwardMode = Literal["none", "unconditional", "busy", "no_answer"]


class Forward(msgspec.Struct, forbid_unknown_fields=True):
    mode: ForwardMode = "none"
    target: E164 | None = None


class DeviceIn(msgspec.Struct, forbid_unknown_fields=True):
    type: Literal["sip", "external"]
    id: Annotated[str, msgspec.Meta(max_length=36)] | None = None
    number: E164 | None = None  # external devices: the mobile/external number to ring
    allowed_networks: Annotated[list[Cidr], msgspec.Meta(max_length=16)] = []
    nat: bool = True
    ring_time: Seconds = 20
    forward: Forward = msgspec.field(default_factory=Forward)
    enabled: bool = True
    password: SipSecret | None = None  # set explicitly; otherwise generated
    username: Annotated[str, msgspec.Meta(max_length=64)] | None = None  # server-assigned; ignored on input


class ExtensionIn(msgspec.Struct, forbid_unknown_fields=True):
    number: Digits
    name: Name
    devices: Annotated[list[DeviceIn], msgspec.Meta(min_length=1, max_length=4)]
    owner_user_id: Annotated[str, msgspec.Meta(max_length=36)] | None = None
    ring_strategy: Literal["parallel", "sequential"] = "parallel"
    voicemail: bool = False
    outbound_caller_id: E164 | None = None


class ExtensionPatch(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    number: Digits | UnsetType = UNSET
    name: Name | UnsetType = UNSET
    devices: Annotated[list[DeviceIn], msgspec.Meta(min_length=1, max_length=4)] | UnsetType = UNSET
    owner_user_id: Annotated[str, msgspec.Meta(max_length=36)] | None | UnsetType = UNSET
    ring_strategy: Literal["parallel", "sequential"] | UnsetType = UNSET
    voicemail: bool | UnsetType = UNSET
    outbound_caller_id: E164 | None | UnsetType = UNSET


def check_number(field: str, number: str, plan: dict) -> None:
    """The tenant's numbering plan: length bounds and, by default, no leading 0 or 1."""
    lo, hi = plan.get("min_digits", 3), plan.get("max_digits", 5)
    if not lo <= len(number) <= hi:
        raise Invalid(field, f"must have {lo} to {hi} digits")
    if not plan.get("allow_leading_zero_or_one", False) and number[0] in "01":
        raise Invalid(field, "must not start with 0 or 1 (reserved for outside lines and services)")


def _suffix() -> str:
    return "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(4))


class ExtensionKind(kinds.Kind):
    name = "extension"
    collection = "extensions"
    create_struct = ExtensionIn
    patch_struct = ExtensionPatch
    search_fields = ("number", "name")
    order_fields = ("number", "name")

    def normalise(self, data: dict, *, tenant: dict | None, current: dict | None) -> dict:
        doc = kinds.to_plain(kinds.convert(data, ExtensionIn))
        assert tenant is not None
        check_number("number", doc["number"], tenant.get("numbering") or {})
        if doc.get("outbound_caller_id"):
            doc["outbound_caller_id"] = normalise_e164("outbound_caller_id", doc["outbound_caller_id"])
        old_devices = {d["id"]: d for d in (current or {}).get("devices", [])}
        devices = []
        for i, dev in enumerate(doc["devices"]):
            devices.append(self._device(i, dev, old_devices, tenant, doc["number"]))
        ids = [d["id"] for d in devices]
        if len(set(ids)) != len(ids):
            raise Invalid("devices", "a device id appears twice")
        doc["devices"] = devices
        return doc

    def _device(self, i: int, dev: dict, old: dict, tenant: dict, number: str) -> dict:
        where = f"devices[{i}]"
        prior = None
        if dev.get("id"):
            prior = old.get(dev["id"])
            if prior is None:
                raise Invalid(f"{where}.id", "no such device on this extension (omit id to add a device)")
            if prior["type"] != dev["type"]:
                raise Invalid(f"{where}.type", "a device's type cannot change; remove it and add a new one")
        fwd = dev["forward"]
        if fwd["mode"] != "none" and not fwd.get("target"):
            raise Invalid(f"{where}.forward.target", "required when forwarding is on")
        if fwd.get("target"):
            fwd["target"] = normalise_e164(f"{where}.forward.target", fwd["target"])
        out = {
            "id": prior["id"] if prior else str(uuid.uuid4()),
            "type": dev["type"],
            "ring_time": dev["ring_time"],
            "forward": fwd,
            "enabled": dev["enabled"],
        }
        if dev["type"] == "sip":
            out["username"] = prior["username"] if prior else f"{tenant['code']}-{number}-{_suffix()}"
            out["password"] = dev.get("password") or (prior["password"] if prior else strong_secret())
            out["allowed_networks"] = [
                check_cidr(f"{where}.allowed_networks[{j}]", n) for j, n in enumerate(dev["allowed_networks"])
            ]
            out["nat"] = dev["nat"]
        else:
            if not dev.get("number"):
                raise Invalid(f"{where}.number", "required for an external device")
            out["number"] = normalise_e164(f"{where}.number", dev["number"])
        return out

    def claims(self, tenant_id, data):
        out = [kinds.Claimed(f"plan:{tenant_id}:{data['number']}", "number", f"number {data['number']}")]
        for i, dev in enumerate(data["devices"]):
            if dev["type"] == "sip":
                out.append(kinds.Claimed(f"sip:{dev['username']}", f"devices[{i}].username", f"SIP user {dev['username']}"))
        return out

    def title(self, data):
        return f"{data.get('number', '')} {data.get('name', '')}".strip()

    def public(self, data, *, reveal_secrets):
        if reveal_secrets:
            return dict(data)
        out = dict(data)
        out["devices"] = [{k: v for k, v in d.items() if k != "password"} for d in data.get("devices", [])]
        return out

    def references(self, data):
        return {"owner_user_id": ("user", data["owner_user_id"])} if data.get("owner_user_id") else {}


EXTENSION = kinds.register(ExtensionKind())
