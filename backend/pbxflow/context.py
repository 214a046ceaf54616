"""Who is acting, from where: carried into every event's metadata."""

from __future__ import annotations

import uuid
from dataclasses import asdict, dataclass, field


@dataclass(frozen=True)
class Actor:
    """The authenticated principal and the request it acts through."""

    id: str | None
    login: str
    role: str  # operator | tenant_admin | user | auditor | supervisor | system
    tenant_id: str | None = None
    ip: str = ""
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)

    def meta(self, tenant_id: str | None) -> dict:
        """Event metadata: who, from where, for which tenant."""
        return {
            "actor_id": self.id,
            "actor_login": self.login,
            "actor_role": self.role,
            "ip": self.ip,
            "request_id": self.request_id,
            "tenant_id": tenant_id,
        }

    @property
    def is_operator(self) -> bool:
        return self.role in ("operator", "system")

    def as_dict(self) -> dict:
        return asdict(self)


SYSTEM = Actor(id=None, login="system", role="system")
