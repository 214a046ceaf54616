"""The calls side of one process: store, projection thread, optional ingestion, reads."""

from __future__ import annotations

import logging
import threading
from typing import Any

from eventsourcing.persistence import InfrastructureFactory
from eventsourcing.utils import Environment
from psycopg_pool import ConnectionPool

from projections.calls.view import CallsProjector, CallsView

from ..database import Database
from .events import CallsApplication
from .queries import CallsQueries

log = logging.getLogger(__name__)


class CallsService:
    """``project``: run the projection thread here (one process per deployment should)."""

    def __init__(self, db: Database, pool: ConnectionPool, *, project: bool = True, batch_size: int = 1000):
        env = db.eventsourcing_env()
        self.db = db
        self.app = CallsApplication(env=env)
        self._factory = InfrastructureFactory.construct(env=Environment(CallsView.projection_name, env))
        try:
            self.view: CallsView = self._factory.tracking_recorder(CallsView)
            self.view.ensure_version(self.app)
        except BaseException:
            self.app.close()
            self._factory.close()
            raise
        self.read = CallsQueries(pool, self.view)
        self.projector: CallsProjector | None = None
        if project:
            self.projector = CallsProjector(self.app, self.view, db.conninfo(), batch_size=batch_size).start()
        self.ingestion = None
        self.control = None  # CallControl (AMI actions: originate, hang up, spy), made on first use
        self.webhooks = None  # WebhookWorker (F-CAL-7), started by start_webhooks
        self.pruner = None  # RecordingPruner (F-CAL-6), started by start_recording_pruner
        self._closed = threading.Event()

    def start_ingestion(self, urls: Any = None, **options: Any):
        """Ingest from these AMI nodes (``None``: ``PBXFLOW_AMI_URL``) in a background loop."""
        from .ingest import CallIngestion

        self.ingestion = CallIngestion(self.app, urls, **options)
        return self.ingestion

    def start_webhooks(self, **options: Any):
        """Deliver the tenants' webhooks (F-CAL-7) from a background thread (pbxflow.calls.webhooks)."""
        from .webhooks import WebhookWorker

        if self.webhooks is None:
            self.webhooks = WebhookWorker(self.read.pool, **options)
            self.view.hook_listeners.append(self.webhooks.wake)
            self.webhooks.start()
        return self.webhooks

    def start_recording_pruner(self, **options: Any):
        """Delete call recordings past their owner's retention, hourly (pbxflow.calls.recordings)."""
        from .recordings import RecordingPruner

        if self.pruner is None:
            self.pruner = RecordingPruner(self.read.pool, **options).start()
        return self.pruner

    def position(self) -> int:
        return self.view.max_tracking_id(self.app.name) or 0

    def head(self) -> int:
        return self.app.head_position()

    def wait(self, position: int | None, timeout: float = 10.0) -> None:
        """Read-your-writes for the calls read models: until they include ``position``."""
        if position:
            self.view.wait(self.app.name, position, timeout=timeout)

    def catch_up(self, timeout: float = 30.0) -> None:
        self.wait(self.head(), timeout)

    def status(self) -> dict:
        out = {"events": self.head(), "projected": self.position(),
               "projection_error": self.projector.error if self.projector else None,
               "ingestion": self.ingestion.status() if self.ingestion else None}
        out["lag"] = max(out["events"] - out["projected"], 0)
        return out

    def close(self) -> None:
        if self._closed.is_set():
            return
        self._closed.set()
        try:
            if self.pruner is not None:
                self.pruner.stop()
            if self.webhooks is not None:
                self.webhooks.stop()
            if self.ingestion is not None:
                self.ingestion.close()
            if self.control is not None:
                self.control.close()
        finally:
            if self.projector is not None:
                self.projector.stop()
            self.app.close()
            self._factory.close()
