"""Webhooks to external systems — F-CAL-7.

A tenant's webhook names an http(s) URL and the call events it wants (``new_call`` when a
call's first channel appears, before routing; ``answered``; ``leg_ended``; ``call_ended``).
Each delivery is a JSON POST signed with HMAC-SHA256 over the raw body with the webhook's
``secret`` (header ``X-Pbxflow-Signature: sha256=<hex>``). The secret is generated when
not given, shown only to operators and tenant admins, and masked in the action history
(``secret`` is one of ``kinds.SECRET_KEYS``). Delivery: ``pbxflow.calls.webhooks``.
"""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlsplit

import msgspec
from msgspec import UNSET, UnsetType

from ..errors import Invalid
from . import kinds
from .common import Name, Text, strong_secret

EVENTS = ("new_call", "answered", "leg_ended", "call_ended")
Event = Literal["new_call", "answered", "leg_ended", "call_ended"]
Events = Annotated[list[Event], msgspec.Meta(min_length=1, max_length=len(EVENTS))]
Url = Annotated[str, msgspec.Meta(min_length=8, max_length=2000, pattern=r"^[^\x00-\x20\x7f-\x9f]+$(?!\n)")]
Secret = Annotated[str, msgspec.Meta(min_length=16, max_length=128, pattern=r"^[\x21-\x7e]+$(?!\n)")]


class WebhookIn(msgspec.Struct, forbid_unknown_fields=True):
    name: Name
    url: Url
    events: Events = msgspec.field(default_factory=lambda: list(EVENTS))
    secret: Secret | None = None
    enabled: bool = True
    description: Text = ""


class WebhookPatch(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    name: Name | UnsetType = UNSET
    url: Url | UnsetType = UNSET
    events: Events | UnsetType = UNSET
    secret: Secret | UnsetType = UNSET
    enabled: bool | UnsetType = UNSET
    description: Text | UnsetType = UNSET


def check_url(field: str, url: str) -> str:
    """http or https, a host, no credentials in the URL, no fragment."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise Invalid(field, f"not a valid URL ({exc})") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise Invalid(field, "must be an http:// or https:// URL")
    if "@" in parts.netloc or parts.username is not None or parts.password is not None:
        raise Invalid(field, "must not contain credentials (user:password@); the body is signed with the secret instead")
    if not parts.hostname:
        raise Invalid(field, "needs a host name")
    if port == 0:
        raise Invalid(field, "port 0 is not a port")
    if parts.fragment or url.endswith("#"):
        raise Invalid(field, "must not contain a fragment (#...)")
    return url


class WebhookKind(kinds.Kind):
    name = "webhook"
    collection = "webhooks"
    create_struct = WebhookIn
    patch_struct = WebhookPatch
    search_fields = ("name", "url", "description")
    order_fields = ("name",)

    def normalise(self, data: dict, *, tenant: dict | None, current: dict | None) -> dict:
        doc = kinds.to_plain(kinds.convert(data, WebhookIn))
        check_url("url", doc["url"])
        events = doc["events"]
        if len(set(events)) != len(events):
            raise Invalid("events", "names an event twice")
        doc["events"] = [e for e in EVENTS if e in events]  # canonical order
        if not doc.get("secret"):
            doc["secret"] = (current or {}).get("secret") or strong_secret(32)
        return doc

    def public(self, data: dict, *, reveal_secrets: bool) -> dict:
        if reveal_secrets:
            return dict(data)
        return {k: v for k, v in data.items() if k != "secret"}


WEBHOOK = kinds.register(WebhookKind())
