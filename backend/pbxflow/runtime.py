"""Wiring of one process: the event store application, projections, read side, sessions."""

from __future__ import annotations

import logging
import secrets
import threading
from datetime import datetime, timedelta, timezone

from eventsourcing.projection import ProjectionRunner
from psycopg_pool import ConnectionPool

from projections.directory import DirectoryProjection, DirectoryView

from .application import ConfigApplication
from .context import SYSTEM, Actor
from .database import Database
from .queries import ReadModel
from .sessions import Sessions

log = logging.getLogger(__name__)


class Runtime:
    """Everything a serving process holds; ``close()`` releases it."""

    def __init__(self, db: Database, *, run_projections: bool = True, view_class: type[DirectoryView] = DirectoryView):
        self.db = db
        env = db.eventsourcing_env()
        self.app = ConfigApplication(env=env)
        self.runner: ProjectionRunner | None = None
        if run_projections:
            # A backlog (first start on an existing store, restart after downtime) is
            # caught up in batches first; the runner then follows new events one by one.
            from eventsourcing.persistence import InfrastructureFactory
            from eventsourcing.utils import Environment

            factory = InfrastructureFactory.construct(env=Environment(DirectoryProjection.name, env))
            try:
                backlog_view = factory.tracking_recorder(view_class)
                # Rows written by another version of the view: rebuilt from the first event.
                backlog_view.ensure_version(self.app)
                backlog_view.catch_up(self.app)
            except BaseException:
                self.app.close()
                raise
            finally:
                factory.close()
            self.runner = ProjectionRunner(
                application_class=ConfigApplication,
                projection_class=DirectoryProjection,
                view_class=view_class,
                env=env,
            )
            self.runner.__enter__()
            self.view: DirectoryView = self.runner.view
        else:
            from eventsourcing.persistence import InfrastructureFactory
            from eventsourcing.utils import Environment

            factory = InfrastructureFactory.construct(env=Environment(DirectoryProjection.name, env))
            self.view = factory.tracking_recorder(view_class)
        self.pool = ConnectionPool(db.conninfo(), min_size=1, max_size=12, open=True, kwargs={"autocommit": True})
        self.read = ReadModel(self.pool)
        self.sessions = Sessions(self.pool)
        self.app.dependents = self.read.tenant_object_count
        from .scheme_service import live_users
        self.app.live_users = lambda tenant_id, obj_id: live_users(self.pool, tenant_id, obj_id)
        self._lock = threading.Lock()
        self.asterisk = None  # the ConfigApplier, when this process applies Asterisk config
        self.calls = None  # the CallsService (calls store, projection, ingestion), made on first use
        self._run_projections = run_projections

    # Read-your-writes: block until the read model includes this notification.
    def wait(self, notification_id: int | None, timeout: float = 10.0) -> None:
        if notification_id is None:
            return
        if self.runner is not None and self.runner.is_interrupted.is_set():
            self.runner.run_forever(timeout=0)  # re-raises the projection's error
        self.view.wait(self.app.name, notification_id, timeout=timeout)

    def catch_up(self, timeout: float = 60.0) -> None:
        self.wait(self.app.head_position(), timeout)

    def ensure_operator(self, login: str, password: str | None) -> str | None:
        """Create the first platform operator on an empty store; returns a generated password."""
        self.catch_up()
        if self.app.claim_owner(f"login:{login.lower()}") is not None:
            return None
        if self.read.list("user", None, limit=1).total:
            return None
        generated = None
        if not password:
            password = generated = secrets.token_urlsafe(12)
        result = self.app.create(SYSTEM, "user", None, {"login": login, "name": "Platform operator", "password": password, "role": "operator"})
        self.wait(result.notification_id)
        return generated

    def calls_service(self):
        """The calls side (pbxflow.calls): its store, read models and projection thread."""
        with self._lock:
            if self.calls is None:
                from .calls.service import CallsService

                self.calls = CallsService(self.db, self.pool, project=self._run_projections)
            return self.calls

    def close(self) -> None:
        if self.calls is not None:
            self.calls.close()
        if self.runner is not None:
            self.runner.__exit__(None, None, None)
        self.app.close()
        self.pool.close()


def system_actor(ip: str = "") -> Actor:
    return Actor(id=None, login="system", role="system", ip=ip)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


SESSION_TTL = timedelta(hours=12)
