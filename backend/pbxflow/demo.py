"""A demo tenant for a fresh local install (F-TEN-5 defaults: extensions 200-202)."""

from __future__ import annotations

from .context import SYSTEM
from .runtime import Runtime

DEMO_NAME = "Demo company"


def ensure_demo(runtime: Runtime) -> str | None:
    runtime.catch_up()
    if runtime.read.list("tenant", None, limit=1).total:
        return None
    app = runtime.app
    tenant = app.create(SYSTEM, "tenant", None, {"name": DEMO_NAME, "timezone": "Europe/Moscow", "language": "en"})
    tid = tenant.id
    admin = app.create(SYSTEM, "user", tid, {"login": "demo-admin", "name": "Demo admin", "password": "demo-admin-pass", "role": "tenant_admin"})
    last = admin.notification_id
    for number, name in (("200", "Reception"), ("201", "Sales"), ("202", "Support")):
        last = app.create(SYSTEM, "extension", tid, {"number": number, "name": name, "devices": [{"type": "sip"}]}).notification_id
    runtime.wait(last)
    return DEMO_NAME
