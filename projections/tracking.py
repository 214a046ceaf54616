"""A PostgreSQL tracking recorder that also wakes waiting readers in this process.

The library's ``wait()`` polls from 100 ms upwards; a command waiting for its read
model would pay that on every request. Readers here wait on a condition that the
projection signals after each commit, and fall back to polling the database
(another process may run the projection).
"""

from __future__ import annotations

import threading
import time

from eventsourcing.postgres import PostgresTrackingRecorder


class SignallingTrackingRecorder(PostgresTrackingRecorder):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._seen: dict[str, int] = {}
        self._cond = threading.Condition()

    def _signal(self, application_name: str, notification_id: int) -> None:
        with self._cond:
            if notification_id > self._seen.get(application_name, 0):
                self._seen[application_name] = notification_id
            self._cond.notify_all()

    def forget(self) -> None:
        with self._cond:
            self._seen.clear()

    def wait(self, application_name, notification_id, timeout=1.0, interrupt=None):  # noqa: D401
        if notification_id is None:
            return
        deadline = time.monotonic() + timeout
        polls = 0
        while True:
            with self._cond:
                if self._seen.get(application_name, 0) >= notification_id:
                    return
            if polls % 10 == 0:
                found = self.max_tracking_id(application_name)
                if found is not None and found >= notification_id:
                    return
            polls += 1
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"read model has not reached notification {notification_id} of {application_name}")
            with self._cond:
                self._cond.wait(min(remaining, 0.02))
