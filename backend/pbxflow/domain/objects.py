"""Event-sourced aggregates of the configuration.

Every configured thing (tenant, user, extension, number, trunk, …) is a
``DirectoryObject`` of some *kind*. Its events carry the full before/after of
each changed field, so the audit trail, state-as-of and revert need no
per-kind code, and the kind modules only validate and normalise data.

Uniqueness that must hold under concurrency (logins, extension numbers within
a tenant, SIP usernames) is kept by ``Claim`` aggregates whose ids derive from
the claimed key: two commands claiming one key collide in the event store's
unique (id, version) index, atomically with the rest of the command.
"""

from __future__ import annotations

import copy
import uuid
from typing import Any

from eventsourcing.domain import Aggregate

CLAIM_NAMESPACE = uuid.UUID("5b0c8e44-2f9e-4d59-9a39-8a1c7f0f4b21")

Diff = dict[str, list[Any]]  # field -> [old, new]


def compute_diff(old: dict, new: dict) -> Diff:
    """Changed top-level fields, each as [old, new] (None for absent)."""
    keys = sorted(set(old) | set(new))
    return {k: [old.get(k), new.get(k)] for k in keys if old.get(k) != new.get(k)}


class DirectoryObject(Aggregate):
    """One configured object of a given kind, owned by a tenant or the platform."""

    class Created(Aggregate.Created):
        kind: str
        tenant_id: str | None
        data: dict
        meta: dict

    class Changed(Aggregate.Event):
        action: str
        diff: dict
        meta: dict

        def apply(self, obj: "DirectoryObject") -> None:
            for key, (_old, new) in self.diff.items():
                if key == "tenant_id":
                    obj.tenant_id = new
                elif new is None:
                    obj.data.pop(key, None)
                else:
                    obj.data[key] = copy.deepcopy(new)

    class Noted(Aggregate.Event):
        """Something happened to the object that changes no field (a login, a publish request)."""

        action: str
        details: dict
        meta: dict

        def apply(self, obj: "DirectoryObject") -> None:
            pass

    class Deleted(Aggregate.Event):
        meta: dict

        def apply(self, obj: "DirectoryObject") -> None:
            obj.deleted = True

    def __init__(self, kind: str, tenant_id: str | None, data: dict, meta: dict):
        self.kind = kind
        self.tenant_id = tenant_id
        self.data = copy.deepcopy(data)
        self.deleted = False

    @classmethod
    def new(cls, kind: str, tenant_id: str | None, data: dict, meta: dict, id: uuid.UUID | None = None) -> "DirectoryObject":
        return cls._create(cls.Created, id=id or uuid.uuid4(), kind=kind, tenant_id=tenant_id, data=data, meta=meta)

    def change(self, new_data: dict, meta: dict, action: str = "change", tenant_id: Any = ...) -> Diff:
        """Record the fields that differ from ``new_data``; no event when nothing differs."""
        diff = compute_diff(self.data, new_data)
        if tenant_id is not ... and tenant_id != self.tenant_id:
            diff["tenant_id"] = [self.tenant_id, tenant_id]
        if diff:
            self.trigger_event(self.Changed, action=action, diff=diff, meta=meta)
        return diff

    def note(self, action: str, details: dict, meta: dict) -> None:
        self.trigger_event(self.Noted, action=action, details=details, meta=meta)

    def delete(self, meta: dict) -> None:
        self.trigger_event(self.Deleted, meta=meta)


class Claim(Aggregate):
    """Exclusive use of a key (a login, a number in a tenant's plan, a SIP username)."""

    class Created(Aggregate.Created):
        key: str
        owner: str

    class Released(Aggregate.Event):
        def apply(self, claim: "Claim") -> None:
            claim.owner = None

    class Taken(Aggregate.Event):
        owner: str

        def apply(self, claim: "Claim") -> None:
            claim.owner = self.owner

    def __init__(self, key: str, owner: str):
        self.key = key
        self.owner: str | None = owner

    @staticmethod
    def id_for(key: str) -> uuid.UUID:
        return uuid.uuid5(CLAIM_NAMESPACE, key)

    @classmethod
    def new(cls, key: str, owner: str) -> "Claim":
        return cls._create(cls.Created, id=cls.id_for(key), key=key, owner=owner)

    def take(self, owner: str) -> None:
        self.trigger_event(self.Taken, owner=owner)

    def release(self) -> None:
        self.trigger_event(self.Released)
