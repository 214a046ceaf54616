"""Users of a tenant and platform operators (F-TEN-1, F-TEN-3, F-TEN-4)."""

from __future__ import annotations

from typing import Literal

import msgspec
from msgspec import UNSET, UnsetType

from ..errors import Invalid
from . import kinds
from .common import Email, Login, Name, Password
from .passwords import hash_password
from .recording import DEFAULT_RETENTION_DAYS, RetentionDays

Role = Literal["operator", "tenant_admin", "user", "auditor", "supervisor"]
TENANT_ROLES = ("tenant_admin", "user", "auditor", "supervisor")


class UserIn(msgspec.Struct, forbid_unknown_fields=True):
    login: Login
    name: Name
    password: Password
    role: Role = "user"
    email: Email = ""
    enabled: bool = True
    record_calls: bool = False  # F-CAL-6: calls this user answers are recorded
    recording_retention_days: RetentionDays = DEFAULT_RETENTION_DAYS


class UserPatch(msgspec.Struct, forbid_unknown_fields=True, omit_defaults=True):
    name: Name | UnsetType = UNSET
    password: Password | UnsetType = UNSET
    role: Role | UnsetType = UNSET
    email: Email | UnsetType = UNSET
    enabled: bool | UnsetType = UNSET
    record_calls: bool | UnsetType = UNSET
    recording_retention_days: RetentionDays | UnsetType = UNSET


class _Stored(msgspec.Struct, forbid_unknown_fields=True):
    login: Login
    name: Name
    role: Role
    email: Email
    enabled: bool
    password: Password | None = None
    password_hash: str | None = None
    record_calls: bool = False  # absent in documents stored before recording existed
    recording_retention_days: RetentionDays = DEFAULT_RETENTION_DAYS


class UserKind(kinds.Kind):
    name = "user"
    collection = "users"
    create_struct = UserIn
    patch_struct = UserPatch
    search_fields = ("login", "name", "email")
    order_fields = ("login", "name", "role")

    def normalise(self, data: dict, *, tenant: dict | None, current: dict | None) -> dict:
        struct = UserIn if current is None else _Stored
        doc = kinds.to_plain(kinds.convert(data, struct))
        if tenant is not None and doc["role"] == "operator":
            raise Invalid("role", "a tenant user cannot be a platform operator")
        if tenant is None and doc["role"] != "operator":
            raise Invalid("role", "a platform account must have the operator role")
        if current is not None and doc["login"] != current["login"]:
            raise Invalid("login", "the login cannot be changed")
        password = doc.pop("password", None)
        if password:
            doc["password_hash"] = hash_password(password)
        elif current is not None:
            # Keep the stored hash (a revert or restore may bring back an older one).
            doc["password_hash"] = doc.get("password_hash") or current.get("password_hash")
        doc["login"] = doc["login"].lower()
        return doc

    def claims(self, tenant_id, data):
        return [kinds.Claimed(f"login:{data['login'].lower()}", "login", f"login {data['login']}")]

    def title(self, data):
        return data.get("login", "")

    def public(self, data, *, reveal_secrets):
        out = {"record_calls": False, "recording_retention_days": DEFAULT_RETENTION_DAYS} | dict(data)
        out.pop("password_hash", None)
        return out


USER = kinds.register(UserKind())
