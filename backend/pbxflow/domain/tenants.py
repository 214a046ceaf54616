"""Tenants (client companies) — F-TEN-2."""

from __future__ import annotations

from typing import Annotated, Literal
from zoneinfo import ZoneInfo, available_timezones

import msgspec
from msgspec import UNSET, UnsetType

from ..errors import Invalid
from . import kinds
from .common import Email, Name, Text, short_code

Status = Literal["active", "blocked", "financially_blocked"]
Language = Literal["ru", "en"]
Pin = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{4,8}$(?!\n)")]
# An external billing reference: printable, no line breaks.
Account = Annotated[str, msgspec.Meta(max_length=64, pattern=r"^[^\x00-\x1f\x7f-\x9f\u2028\u2029]*$(?!\n)")]
Limit = Annotated[int, msgspec.Meta(ge=0, le=100000)]


class Limits(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    """Per-tenant limits (F-LIM-1); None means unlimited."""

    simultaneous_calls: Limit | None = None
    incoming: Limit | None = None
    outgoing_local: Limit | None = None
    outgoing_long_distance: Limit | None = None
    outgoing_international: Limit | None = None
    internal: Limit | None = None
    max_call_seconds: Annotated[int, msgspec.Meta(ge=1, le=86400)] | None = None
    extensions: Limit | None = None


class NumberingPlan(msgspec.Struct, forbid_unknown_fields=True):
    min_digits: Annotated[int, msgspec.Meta(ge=2, le=6)] = 3
    max_digits: Annotated[int, msgspec.Meta(ge=2, le=6)] = 5
    allow_leading_zero_or_one: bool = False


class TenantIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    timezone: str = "Europe/Moscow"
    billing_account: Account = ""
    language: Language = "ru"
    email: Email = ""
    pin: Pin | None = None
    status: Status = "active"
    description: Text = ""
    limits: Limits = msgspec.field(default_factory=Limits)
    numbering: NumberingPlan = msgspec.field(default_factory=NumberingPlan)
    pickup_code: Annotated[str, msgspec.Meta(min_length=1, max_length=8)] = "*8"
    # Feature code that records the caller's voicemail greeting (domain/voicemail.py).
    voicemail_greeting_code: Annotated[str, msgspec.Meta(min_length=1, max_length=8)] = "*96"
    code: Annotated[str, msgspec.Meta(pattern=r"^[a-z][a-z0-9]{2,11}$(?!\n)")] | None = None


class TenantPatch(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    name: Name | UnsetType = UNSET
    timezone: str | UnsetType = UNSET
    billing_account: Account | UnsetType = UNSET
    language: Language | UnsetType = UNSET
    email: Email | UnsetType = UNSET
    pin: Pin | None | UnsetType = UNSET
    status: Status | UnsetType = UNSET
    description: Text | UnsetType = UNSET
    limits: Limits | UnsetType = UNSET
    numbering: NumberingPlan | UnsetType = UNSET
    pickup_code: Annotated[str, msgspec.Meta(min_length=1, max_length=8)] | UnsetType = UNSET
    voicemail_greeting_code: Annotated[str, msgspec.Meta(min_length=1, max_length=8)] | UnsetType = UNSET


_ZONES = frozenset(available_timezones())


class TenantKind(kinds.Kind):
    name = "tenant"
    collection = "tenants"
    scope = "platform"
    create_struct = TenantIn
    patch_struct = TenantPatch
    search_fields = ("name", "billing_account", "email", "code")
    order_fields = ("name", "code", "status")

    def normalise(self, data: dict, *, tenant: dict | None, current: dict | None) -> dict:
        doc = kinds.to_plain(kinds.convert(data, TenantIn))
        if doc["timezone"] not in _ZONES:
            raise Invalid("timezone", f"{doc['timezone']!r} is not an IANA time zone (e.g. Europe/Moscow)")
        ZoneInfo(doc["timezone"])
        from .pickup import check_pickup_code
        from .voicemail import check_greeting_code

        check_pickup_code("pickup_code", doc["pickup_code"])
        # When the two codes clash, the field named is the one this change moved.
        only_pickup_moved = (current is not None and current.get("pickup_code", "*8") != doc["pickup_code"]
                             and current.get("voicemail_greeting_code", "*96") == doc["voicemail_greeting_code"])
        check_greeting_code("voicemail_greeting_code", doc["voicemail_greeting_code"], doc["pickup_code"],
                            changed_pickup=only_pickup_moved)
        plan = doc["numbering"]
        if plan["min_digits"] > plan["max_digits"]:
            raise Invalid("numbering.min_digits", "must not exceed numbering.max_digits")
        if current is not None:
            doc["code"] = current["code"]  # the Asterisk name prefix never changes
        elif not doc.get("code"):
            doc["code"] = short_code()
        return doc

    def claims(self, tenant_id, data):
        return [kinds.Claimed(f"tenant-code:{data['code']}", "code", f"tenant code {data['code']}")]

    def public(self, data, *, reveal_secrets):
        # The PIN is a secret (masked in the history too): only admins see it.
        return dict(data) if reveal_secrets else {k: v for k, v in data.items() if k != "pin"}


TENANT = kinds.register(TenantKind())
