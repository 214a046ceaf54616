"""The registry of object kinds: how each kind validates and shows its data.

A kind is pure: it turns a submitted document into the stored document (or
raises ``Invalid`` naming the field), lists the unique keys it claims, and
says which fields are secret. The application service does the I/O.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar

import msgspec

from ..errors import Invalid

SECRET_KEYS = frozenset({"password", "password_hash", "secret", "pin"})
_FIELD_RE = re.compile(r"at `\$((?:\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\])*)`")
_UNKNOWN_RE = re.compile(r"(?:unknown|missing required) field `([^`]+)`")


def convert(data: Any, struct: type[msgspec.Struct]) -> msgspec.Struct:
    """Validate plain data against a struct; errors name the field path."""
    try:
        return msgspec.convert(data, struct, strict=True)
    except msgspec.ValidationError as exc:
        message = str(exc)
        path = _FIELD_RE.search(message)
        field = path.group(1).lstrip(".") if path else ""
        unknown = _UNKNOWN_RE.search(message)
        if unknown:
            field = f"{field}.{unknown.group(1)}" if field else unknown.group(1)
        clean = _FIELD_RE.sub("", message).strip(" -")
        raise Invalid(field or "body", clean) from None


def to_plain(struct: msgspec.Struct) -> dict:
    return msgspec.to_builtins(struct)


def mask_secrets(value: Any) -> Any:
    """A copy with secret values replaced, for the audit trail and logs."""
    if isinstance(value, dict):
        return {k: ("***" if k in SECRET_KEYS and v not in (None, "") else mask_secrets(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_secrets(v) for v in value]
    return value


@dataclass(frozen=True)
class Claimed:
    """A unique key an object holds and the field it comes from (for the 409 message)."""

    key: str
    field: str
    label: str


class Kind:
    name: ClassVar[str]
    collection: ClassVar[str]
    scope: ClassVar[str] = "tenant"  # tenant | platform
    create_struct: ClassVar[type[msgspec.Struct]]
    patch_struct: ClassVar[type[msgspec.Struct]]
    title_field: ClassVar[str] = "name"
    search_fields: ClassVar[tuple[str, ...]] = ("name",)
    order_fields: ClassVar[tuple[str, ...]] = ("name",)

    def normalise(self, data: dict, *, tenant: dict | None, current: dict | None) -> dict:
        """Validated, complete stored document for a create (current None) or an update."""
        return to_plain(convert(data, self.create_struct))

    def claims(self, tenant_id: str | None, data: dict) -> list[Claimed]:
        return []

    def title(self, data: dict) -> str:
        return str(data.get(self.title_field) or "")

    def public(self, data: dict, *, reveal_secrets: bool) -> dict:
        """What the API shows; secrets only to those who may provision devices."""
        return dict(data)

    def fixed_id(self, data: dict):
        """An id derived from the data (e.g. a DID from its number), or None for a random one."""
        return None

    def references(self, data: dict) -> dict[str, tuple[str, str]]:
        """Fields that refer to other objects of the same tenant: field -> (kind, id)."""
        return {}


REGISTRY: dict[str, Kind] = {}
BY_COLLECTION: dict[str, Kind] = {}


def warm(*structs: Any) -> None:
    """Build msgspec's type info for these types now, at import, in one thread.

    msgspec builds it lazily on first use; a once-seen segfault in ``convert`` when several
    request threads met a type for the first time at once is not worth risking again.
    """
    for struct in structs:
        msgspec.json.Decoder(struct)


def register(kind: Kind) -> Kind:
    warm(kind.create_struct, kind.patch_struct)
    REGISTRY[kind.name] = kind
    BY_COLLECTION[kind.collection] = kind
    return kind


def get(name: str) -> Kind:
    return REGISTRY[name]
