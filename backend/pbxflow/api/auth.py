"""Login, sessions, and the acting principal of each request."""

from __future__ import annotations

import threading
import time
import uuid
from collections import defaultdict, deque
from typing import Annotated

import msgspec
from litestar import Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.params import Dependency

from ..context import Actor
from ..errors import Forbidden, TooManyRequests, Unauthorized
from ..runtime import Runtime

COOKIE = "pbxflow_session"
from .threads import threaded


class LoginIn(msgspec.Struct, forbid_unknown_fields=True):
    login: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    password: Annotated[str, msgspec.Meta(min_length=1, max_length=128)]


class LoginOut(msgspec.Struct):
    token: str
    user: dict


class RateLimiter:
    """At most ``limit`` failed logins per (login, ip) in ``window`` seconds."""

    def __init__(self, limit: int = 5, window: float = 300.0):
        self.limit, self.window = limit, window
        self._fails: dict[tuple[str, str], deque] = defaultdict(deque)
        self._lock = threading.Lock()

    def check(self, key: tuple[str, str]) -> None:
        with self._lock:
            q = self._fails[key]
            now = time.monotonic()
            while q and now - q[0] > self.window:
                q.popleft()
            if len(q) >= self.limit:
                raise TooManyRequests(f"too many failed logins; retry in {int(self.window - (now - q[0])) + 1} s")

    def fail(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._fails[key].append(time.monotonic())

    def clear(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._fails.pop(key, None)


def client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


def request_id(request: Request) -> str:
    rid = request.headers.get("x-request-id", "")
    return rid[:64] if rid and rid.isprintable() else uuid.uuid4().hex


def user_public(row: dict) -> dict:
    data = dict(row["data"])
    data.pop("password_hash", None)
    return {"id": str(row["id"]), "tenant_id": str(row["tenant_id"]) if row["tenant_id"] else None, **data}


def resolve_actor(request: Request, runtime: Runtime) -> Actor:
    header = request.headers.get("authorization", "")
    token = header[7:].strip() if header.lower().startswith("bearer ") else request.cookies.get(COOKIE, "")
    if not token:
        raise Unauthorized("log in first: POST /api/auth/login, then send Authorization: Bearer <token>")
    user_id = runtime.sessions.user_for(token)
    if user_id is None:
        raise Unauthorized("the session token is unknown or expired; log in again")
    rows = runtime.read._rows("SELECT * FROM rm_objects WHERE id = %s AND kind = 'user'", [uuid.UUID(user_id)])
    if not rows or not rows[0]["data"].get("enabled", True):
        raise Unauthorized("the account no longer exists or is disabled")
    row = rows[0]
    return Actor(
        id=user_id, login=row["data"]["login"], role=row["data"]["role"],
        tenant_id=str(row["tenant_id"]) if row["tenant_id"] else None,
        ip=client_ip(request), request_id=request_id(request),
    )


def make_auth_handlers(runtime: Runtime, limiter: RateLimiter):
    @post("/api/auth/login", tags=["auth"], status_code=200,
          summary="Log in with login and password; returns a bearer token and sets a session cookie")
    @threaded
    def login(request: Request, data: LoginIn) -> Response[LoginOut]:
        key = (data.login.lower(), client_ip(request))
        limiter.check(key)
        meta = {"ip": client_ip(request), "request_id": request_id(request), "actor_role": None}
        result = runtime.app.authenticate(data.login, data.password, meta)
        if result is None:
            limiter.fail(key)
            try:  # read-your-writes for the recorded login_failed, as for every other command
                runtime.catch_up(timeout=5.0)
            except TimeoutError:
                pass
            raise Unauthorized("wrong login or password")
        limiter.clear(key)
        runtime.wait(result.notification_id)
        token = runtime.sessions.open(result.id)
        user = {"id": result.id, "tenant_id": result.tenant_id, **{k: v for k, v in result.data.items() if k != "password_hash"}}
        return Response(LoginOut(token=token, user=user),
                        cookies=[Cookie(key=COOKIE, value=token, httponly=True, samesite="strict", path="/")])

    @post("/api/auth/logout", tags=["auth"], status_code=204)
    @threaded
    def logout(request: Request, actor: Annotated[Actor, Dependency(skip_validation=True)]) -> None:
        header = request.headers.get("authorization", "")
        token = header[7:].strip() if header.lower().startswith("bearer ") else request.cookies.get(COOKIE, "")
        runtime.sessions.close(token)

    @get("/api/auth/me", tags=["auth"])
    @threaded
    def me(actor: Annotated[Actor, Dependency(skip_validation=True)]) -> dict:
        return {"id": actor.id, "login": actor.login, "role": actor.role, "tenant_id": actor.tenant_id}

    return [login, logout, me]


# --- authorisation -------------------------------------------------------------

READ_ROLES = ("tenant_admin", "auditor", "supervisor")


def can_read_tenant(actor: Actor, tenant_id: str) -> bool:
    return actor.is_operator or actor.tenant_id == tenant_id


def require_tenant(actor: Actor, tenant_id: str, *, write: bool) -> None:
    """Tenant scoping: another tenant's data is invisible (404 comes from the caller)."""
    if actor.is_operator:
        return
    if actor.tenant_id != tenant_id:
        from ..errors import NotFound

        raise NotFound(f"no tenant with id {tenant_id}")
    if write and actor.role != "tenant_admin":
        raise Forbidden(f"role {actor.role} may not change this tenant's configuration")
    if not write and actor.role not in READ_ROLES:
        raise Forbidden(f"role {actor.role} may not list this tenant's configuration")


def require_operator(actor: Actor) -> None:
    if not actor.is_operator:
        raise Forbidden("only a platform operator may do this")


def reveals_secrets(actor: Actor) -> bool:
    return actor.is_operator or actor.role == "tenant_admin"
